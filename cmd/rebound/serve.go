package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/ecwidsync"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/server"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/webhooks"
)

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer, log *slog.Logger) error {
	fs := newFlagSet("rebound serve", "rebound serve [--addr 127.0.0.1:8080] [--data-dir DIR] [--database-url URL] [--public-url URL] [--demo] [--shutdown-timeout 30s] [--allow-private-webhook-targets]", stderr)
	var db dbFlags
	db.register(fs)
	addr := fs.String("addr", env("REBOUND_ADDR", "127.0.0.1:8080"), "listen address (env REBOUND_ADDR)")
	publicURL := fs.String("public-url", env("REBOUND_PUBLIC_URL", ""), "base URL the server is reached at from outside, for the webhook URLs it hands out; default http://ADDR (env REBOUND_PUBLIC_URL)")
	demo := fs.Bool("demo", false, "create a \"Demo Store\" (once), issue it a fresh API key and print a curl that syncs an example order")
	shutdownTimeout := fs.Duration("shutdown-timeout", 30*time.Second, "how long in-flight requests and jobs may take to finish on SIGINT/SIGTERM")
	ecwidMaxAge := fs.Duration("ecwid-webhook-max-age", ecwidsync.DefaultWebhookMaxAge, "refuse Ecwid webhooks whose eventCreated is older than this (replay protection)")
	allowPrivate := fs.Bool("allow-private-webhook-targets", envBool("REBOUND_ALLOW_PRIVATE_WEBHOOK_TARGETS"), "let webhook callbacks be http:// and reach loopback, private and link-local addresses (local development and tests only; env REBOUND_ALLOW_PRIVATE_WEBHOOK_TARGETS=1)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *publicURL != "" {
		u, err := url.Parse(*publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--public-url: want an absolute http(s) URL, got %q", *publicURL)
		}
	}
	st, err := db.open(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	// Third-party credentials are sealed with a key from REBOUND_SECRET_KEY
	// or, with SQLite, a key file created next to the database. PostgreSQL
	// deployments (possibly several replicas) must share the key through
	// the environment.
	box, err := secrets.LoadKey(db.keyDir())
	if err != nil {
		return fmt.Errorf("secret key: %w", err)
	}
	sv := server.NewServices(server.Options{Store: st, Secrets: box, AllowPrivateWebhookTargets: *allowPrivate, EcwidWebhookMaxAge: *ecwidMaxAge})
	a := sv.App
	if *allowPrivate {
		log.Warn("webhook callbacks may target private and loopback addresses and use http (--allow-private-webhook-targets)")
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	base := "http://" + ln.Addr().String()
	sv.SetPublicURL(base)
	if *publicURL != "" {
		sv.SetPublicURL(strings.TrimRight(*publicURL, "/"))
	}
	if *demo {
		if err := printDemo(ctx, a, base, stdout); err != nil {
			ln.Close()
			return err
		}
	}
	// Workers outlive the signal context: on SIGINT/SIGTERM they are
	// stopped softly below, letting running jobs finish.
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if err := st.StartWorkers(context.WithoutCancel(ctx), sv.Workers(reg, log)); err != nil {
		ln.Close()
		return err
	}
	sweepCtx, stopSweep := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSweep()
	go webhooks.Sweep(sweepCtx, st, time.Minute, log)
	srv := &http.Server{
		Handler:           server.New(server.Config{Services: sv, Logger: log, AccessLog: true, Registry: reg}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("rebound listening", slog.String("addr", base), slog.String("database", st.Dialect()), slog.String("version", version))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests and jobs", slog.Duration("timeout", *shutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), *shutdownTimeout)
	defer cancel()
	var errs []error
	if err := srv.Shutdown(sctx); err != nil {
		errs = append(errs, fmt.Errorf("http shutdown: %w", err))
	}
	if err := st.StopWorkers(sctx); err != nil {
		errs = append(errs, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		errs = append(errs, err)
	}
	log.Info("stopped")
	return errors.Join(errs...)
}

// demoStoreName names the store --demo creates.
const demoStoreName = "Demo Store"

// printDemo makes sure the demo store exists, revokes the previous demo key
// (keys are shown only once, so each start issues a new one) and prints a
// ready-to-paste curl.
func printDemo(ctx context.Context, a *app.App, base string, out io.Writer) error {
	s, err := store.Read(ctx, a.Store, func(tx store.ReadTx) (*returns.Merchant, error) { return tx.GetStoreByName(ctx, demoStoreName) })
	switch {
	case returns.IsNotFound(err):
		created, k, err := a.CreateStore(ctx, demoStoreName)
		if err != nil {
			return err
		}
		if _, err := a.RevokeAPIKey(ctx, k.Key.ID); err != nil {
			return err
		}
		s = created
	case err != nil:
		return err
	}
	var old []*returns.APIKey
	err = a.Store.View(ctx, func(tx store.ReadTx) error {
		var err error
		old, err = tx.ListAPIKeys(ctx, s.ID)
		return err
	})
	if err != nil {
		return err
	}
	for _, k := range old {
		if k.Label == "demo" && k.RevokedAt == nil {
			if _, err := a.RevokeAPIKey(ctx, k.ID); err != nil {
				return err
			}
		}
	}
	k, err := a.CreateAPIKey(ctx, s.ID, nil, "demo")
	if err != nil {
		return err
	}
	body := strings.ReplaceAll(string(demoOrder()), "'", `'\''`)
	fmt.Fprintf(out, `Demo store ready.
  store id: %s
  API key:  %s   (shown once; a new one is issued at each --demo start)

Sync an example order:

curl -sS -X POST %s/v2.2/stores/%s/custom/orders \
  -H 'Authorization: Bearer %s' \
  -H 'Content-Type: application/json' \
  -d '%s'

Then read it back:

curl -sS %s/v2.2/stores/%s/orders/order_123456 -H 'Authorization: Bearer %s'

`, s.ID, k.Secret, base, s.ID, k.Secret, body, base, s.ID, k.Secret)
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/reboundhq/rebound/internal/ecwidsync"
	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/server"
	"github.com/reboundhq/rebound/internal/webhooks"
)

func serveCmd(fs *flagSet, c *cli) func(context.Context) error {
	var db dbFlags
	db.register(fs.FlagSet)
	var smtp smtpFlags
	smtp.register(fs.FlagSet)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	publicURL := fs.String("public-url", "", "base `URL` the server is reached at from outside, for the webhook URLs it hands out; default http://ADDR")
	demo := fs.Bool("demo", false, "create a \"Demo Store\" (once), issue it a fresh API key and print a curl that syncs an example order")
	shutdownTimeout := fs.Duration("shutdown-timeout", 30*time.Second, "how long in-flight requests and jobs may take to finish on SIGINT/SIGTERM")
	ecwidMaxAge := fs.Duration("ecwid-webhook-max-age", ecwidsync.DefaultWebhookMaxAge, "refuse Ecwid webhooks whose eventCreated is older than this (replay protection)")
	allowPrivate := fs.Bool("allow-private-webhook-targets", false, "let webhook callbacks be http:// and reach loopback, private and link-local addresses (local development and tests only)")
	workers := fs.Bool("workers", true, "run the background job workers in this process; --workers=false serves HTTP only (run rebound worker beside it, on PostgreSQL)")
	requestTimeout := fs.Duration("request-timeout", server.DefaultRequestTimeout, "deadline of each request, reading its body included; past it the request is answered 503")
	redoRate := fs.Int("redo-rate-limit", 0, "requests per minute per API key on the Redo API (/v2.2); 0 = no limit")
	loopRate := fs.Int("loop-rate-limit", 300, "requests per minute per token on the Loop API (/api/v1); 0 = no limit")
	return func(ctx context.Context) error {
		tuneGC()
		if *redoRate < 0 || *loopRate < 0 {
			fmt.Fprintln(c.stderr, "rebound serve: --redo-rate-limit and --loop-rate-limit cannot be negative (0 is no limit)")
			return errUsage
		}
		if *requestTimeout <= 0 {
			fmt.Fprintln(c.stderr, "rebound serve: --request-timeout must be positive")
			return errUsage
		}
		return serve(ctx, c, serveConfig{db: db, addr: *addr, publicURL: *publicURL, demo: *demo,
			shutdownTimeout: *shutdownTimeout, ecwidMaxAge: *ecwidMaxAge, allowPrivate: *allowPrivate,
			workers: *workers, requestTimeout: *requestTimeout, redoRate: *redoRate, loopRate: *loopRate, smtp: smtp})
	}
}

type serveConfig struct {
	db                                           dbFlags
	addr, publicURL                              string
	demo, allowPrivate, workers                  bool
	shutdownTimeout, ecwidMaxAge, requestTimeout time.Duration
	redoRate, loopRate                           int
	smtp                                         smtpFlags
}

func serve(ctx context.Context, c *cli, cfg serveConfig) error {
	log := c.log
	if cfg.publicURL != "" {
		u, err := url.Parse(cfg.publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--public-url: want an absolute http(s) URL, got %q", cfg.publicURL)
		}
	}
	mailer, err := cfg.smtp.mailer()
	if err != nil {
		return err
	}
	st, err := cfg.db.openOwner(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	// Third-party credentials are sealed with a key from REBOUND_SECRET_KEY
	// or, with SQLite, a key file created next to the database. PostgreSQL
	// deployments (possibly several replicas) must share the key through
	// the environment.
	box, err := secrets.LoadKey(cfg.db.keyDir())
	if err != nil {
		return fmt.Errorf("secret key: %w", err)
	}
	sv := server.NewServices(server.Options{Store: st, Secrets: box, AllowPrivateWebhookTargets: cfg.allowPrivate, EcwidWebhookMaxAge: cfg.ecwidMaxAge,
		RedoRateLimit: cfg.redoRate, LoopRateLimit: cfg.loopRate, Mailer: mailer})
	a := sv.App
	if mailer == nil && cfg.workers {
		log.Info("no SMTP server configured (--smtp-url): shopper emails are kept in the outbox (admin: Settings → Emails)")
	}
	if cfg.allowPrivate {
		log.Warn("webhook callbacks may target private and loopback addresses and use http (--allow-private-webhook-targets)")
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	base := "http://" + ln.Addr().String()
	sv.SetPublicURL(base)
	if cfg.publicURL != "" {
		sv.SetPublicURL(strings.TrimRight(cfg.publicURL, "/"))
	}
	if cfg.demo {
		if err := printDemo(ctx, a, base, c.stdout); err != nil {
			ln.Close()
			return err
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if cfg.workers {
		stopSweep, err := startBackground(ctx, sv, reg, log)
		if err != nil {
			ln.Close()
			return err
		}
		defer stopSweep()
	} else {
		log.Info("job workers not started (--workers=false): run rebound worker on the same database")
	}
	srv := &http.Server{
		Handler: server.New(server.Config{Services: sv, Logger: log, AccessLog: true, Registry: reg,
			RequestTimeout: cfg.requestTimeout, LoopCursorKey: box.Derive("loop-cursors"), Version: version}),
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
	log.Info("shutting down: finishing in-flight requests and jobs", slog.Duration("timeout", cfg.shutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
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

// startBackground starts the job workers and the webhook sweep of sv.
// Workers outlive the signal context: on SIGINT/SIGTERM the caller stops
// them softly (StopWorkers), letting running jobs finish. The returned
// function stops the sweep.
func startBackground(ctx context.Context, sv *server.Services, reg prometheus.Registerer, log *slog.Logger) (stop func(), err error) {
	if err := sv.Store.StartWorkers(context.WithoutCancel(ctx), sv.Workers(reg, log)); err != nil {
		return nil, err
	}
	sweepCtx, stopSweep := context.WithCancel(context.WithoutCancel(ctx))
	go webhooks.Sweep(sweepCtx, sv.Store, webhooks.SweepInterval, log)
	return stopSweep, nil
}

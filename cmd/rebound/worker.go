package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/server"
)

// rebound worker: the background job workers and the webhook sweep of
// serve, without HTTP, for running them apart from serve --workers=false
// replicas on PostgreSQL.

func workerCmd(fs *flagSet, c *cli) func(context.Context) error {
	var db dbFlags
	db.register(fs.FlagSet)
	var smtp smtpFlags
	smtp.register(fs.FlagSet)
	publicURL := fs.String("public-url", "", "base `URL` the servers are reached at from outside, for the URLs jobs hand out; empty: paths only")
	shutdownTimeout := fs.Duration("shutdown-timeout", 30*time.Second, "how long running jobs may take to finish on SIGINT/SIGTERM")
	allowPrivate := fs.Bool("allow-private-webhook-targets", false, "let webhook callbacks be http:// and reach loopback, private and link-local addresses (local development and tests only)")
	return func(ctx context.Context) error {
		tuneGC()
		return runWorker(ctx, c, db, smtp, strings.TrimRight(*publicURL, "/"), *shutdownTimeout, *allowPrivate)
	}
}

func runWorker(ctx context.Context, c *cli, db dbFlags, smtp smtpFlags, publicURL string, shutdownTimeout time.Duration, allowPrivate bool) error {
	log := c.log
	if publicURL != "" {
		u, err := url.Parse(publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--public-url: want an absolute http(s) URL, got %q", publicURL)
		}
	}
	mailer, err := smtp.mailer()
	if err != nil {
		return err
	}
	st, err := db.openOwner(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	box, err := secrets.LoadKey(db.keyDir())
	if err != nil {
		return fmt.Errorf("secret key: %w", err)
	}
	sv := server.NewServices(server.Options{Store: st, Secrets: box, PublicURL: publicURL, AllowPrivateWebhookTargets: allowPrivate, Mailer: mailer})
	if allowPrivate {
		log.Warn("webhook callbacks may target private and loopback addresses and use http (--allow-private-webhook-targets)")
	}
	stopSweep, err := startBackground(ctx, sv, nil, log)
	if err != nil {
		return err
	}
	defer stopSweep()
	log.Info("rebound worker started", slog.String("database", st.Dialect()), slog.String("version", version))
	<-ctx.Done()
	log.Info("shutting down: finishing running jobs", slog.Duration("timeout", shutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err = st.StopWorkers(sctx)
	log.Info("stopped")
	return err
}

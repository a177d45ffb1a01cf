package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/webhooks"
)

// ---------------------------------------------------------------------------
// webhook-receiver

const devReceiverAddr = "127.0.0.1:9000"

func devWebhookReceiverCmd(fs *flagSet, c *cli) func(context.Context) error {
	fs.require("secret")
	addr := fs.String("addr", devReceiverAddr, "listen address; subscribe http://ADDR/ (any path) with serve --allow-private-webhook-targets")
	secret := fs.String("secret", "", "the subscription's whsec_ signing `SECRET` (required; shown once when it is created)")
	return func(ctx context.Context) error {
		if strings.TrimSpace(*secret) == "" {
			fmt.Fprintln(c.stderr, "rebound dev webhook-receiver: --secret is required")
			fs.printUsage(c.stderr)
			return errUsage
		}
		if _, err := webhooks.ParseSecret(*secret); err != nil {
			fmt.Fprintf(c.stderr, "rebound dev webhook-receiver: --secret: %v\n", err)
			return errUsage
		}
		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", *addr, err)
		}
		srv := &http.Server{Handler: &webhooks.Receiver{Secret: *secret, Out: c.stdout}, ReadHeaderTimeout: 10 * time.Second}
		c.log.Info("webhook receiver listening", "url", "http://"+ln.Addr().String()+"/")
		errc := make(chan error, 1)
		go func() { errc <- srv.Serve(ln) }()
		select {
		case err := <-errc:
			return err
		case <-ctx.Done():
		}
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

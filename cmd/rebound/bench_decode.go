package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/reboundhq/rebound/internal/bench"
)

// rebound bench decode-server: the baseline of an outside measurement (wrk
// in its own process against the real binary): a server that only reads
// and decodes order JSON, on every path, until SIGINT/SIGTERM.
func benchDecodeServerCmd(fs *flagSet, c *cli) func(context.Context) error {
	addr := fs.String("addr", "127.0.0.1:8099", "listen address")
	return func(ctx context.Context) error {
		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", *addr, err)
		}
		srv := &http.Server{Handler: bench.DecodeHandler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
		c.log.Info("decode-only server listening", slog.String("addr", "http://"+ln.Addr().String()))
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

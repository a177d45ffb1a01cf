package main

import (
	"context"
	"fmt"

	"github.com/reboundhq/rebound/internal/bench"
)

// rebound bench loop: the Loop list's latency against Redo's list on the
// same store (internal/bench.RunLoopList).
func benchLoopCmd(fs *flagSet, c *cli) func(context.Context) error {
	n := fs.Int("returns", 100_000, "returns in the store")
	pageSize := fs.Int("page-size", 100, "pageSize (Loop) and X-Page-Size (Redo) of each request")
	requests := fs.Int("requests", 3000, "requests per API")
	clients := fs.Int("clients", 1, "concurrent HTTP clients")
	dbURL := fs.String("database-url", "", benchDatabaseUsage)
	return func(ctx context.Context) error {
		rep, err := bench.RunLoopList(ctx, bench.LoopConfig{Returns: *n, PageSize: *pageSize, Requests: *requests, Clients: *clients,
			DatabaseURL: *dbURL, Progress: c.stderr})
		fmt.Fprint(c.stdout, rep.String())
		return err
	}
}

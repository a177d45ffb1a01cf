package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/reboundhq/rebound/internal/bench"
)

// rebound bench: end-to-end benchmarks (internal/bench). Reports go to
// stdout, progress to stderr.

const benchDatabaseUsage = "PostgreSQL `URL` to measure (a temporary schema is created and dropped); empty: SQLite in a temp dir"

func benchOrdersCmd(fs *flagSet, c *cli) func(context.Context) error {
	clients := fs.Int("clients", 32, "concurrent HTTP clients")
	duration := fs.Duration("duration", 10*time.Second, "length of each measured phase")
	warmup := fs.Duration("warmup", time.Second, "warm-up before each phase")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the sync phase to this `FILE` (go tool pprof)")
	dbURL := fs.String("database-url", "", benchDatabaseUsage)
	return func(ctx context.Context) error {
		tuneGC() // the server in this process runs as serve does
		cfg := bench.Config{Clients: *clients, Duration: *duration, Warmup: *warmup, DatabaseURL: *dbURL}
		if *cpuProfile != "" {
			f, err := os.Create(*cpuProfile)
			if err != nil {
				return err
			}
			defer f.Close()
			cfg.CPUProfile = f
		}
		rep, err := bench.RunOrderSync(ctx, cfg)
		fmt.Fprint(c.stdout, rep.String())
		return err
	}
}

func benchReturnsCmd(fs *flagSet, c *cli) func(context.Context) error {
	small := fs.Int("small", 10_000, "returns in the small store (the baseline)")
	large := fs.Int("large", 1_000_000, "returns in the large store")
	pageSize := fs.Int("page-size", 50, "X-Page-Size of each request")
	requests := fs.Int("requests", 3000, "requests per store")
	clients := fs.Int("clients", 1, "concurrent HTTP clients")
	dbURL := fs.String("database-url", "", benchDatabaseUsage)
	return func(ctx context.Context) error {
		rep, err := bench.RunReturnList(ctx, bench.ListConfig{Small: *small, Large: *large, PageSize: *pageSize, Requests: *requests,
			Clients: *clients, DatabaseURL: *dbURL, Progress: c.stderr})
		fmt.Fprint(c.stdout, rep.String())
		return err
	}
}

func benchWebhooksCmd(fs *flagSet, c *cli) func(context.Context) error {
	nReturns := fs.Int("returns", 2000, "returns in the store")
	backlog := fs.Int("backlog", 20_000, "deliveries drained in the throughput phase")
	rate := fs.Int("rate", 500, "return changes per second in the latency phase")
	duration := fs.Duration("duration", 10*time.Second, "length of the latency phase")
	dbURL := fs.String("database-url", "", benchDatabaseUsage)
	return func(ctx context.Context) error {
		rep, err := bench.RunWebhooks(ctx, bench.WebhookConfig{Returns: *nReturns, Backlog: *backlog, Rate: *rate, Duration: *duration,
			DatabaseURL: *dbURL, Progress: c.stderr})
		fmt.Fprint(c.stdout, rep.String())
		return err
	}
}

func benchSoakCmd(fs *flagSet, c *cli) func(context.Context) error {
	duration := fs.Duration("duration", 5*time.Minute, "length of the run")
	rate := fs.Int("rate", 2000, "order syncs per second (about half of what bench orders measures)")
	clients := fs.Int("clients", 64, "requests in flight at most (more count as errors)")
	dbURL := fs.String("database-url", "", benchDatabaseUsage)
	return func(ctx context.Context) error {
		tuneGC() // the server in this process runs as serve does
		rep, err := bench.RunSoak(ctx, bench.SoakConfig{Duration: *duration, Rate: *rate, Clients: *clients, DatabaseURL: *dbURL, Progress: c.stderr})
		fmt.Fprint(c.stdout, rep.String())
		return err
	}
}

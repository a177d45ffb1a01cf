package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/reboundhq/rebound/internal/bench"
)

const benchUsage = `Usage:
  rebound bench orders  [--clients 32] [--duration 10s] [--warmup 1s] [--database-url URL] [--cpuprofile FILE]
  rebound bench returns [--small 10000] [--large 1000000] [--page-size 50] [--requests 3000] [--clients 1] [--database-url URL]
  rebound bench webhooks [--returns 2000] [--backlog 20000] [--rate 500] [--duration 10s] [--database-url URL]`

func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer, log *slog.Logger) error {
	if len(args) > 0 && args[0] == "returns" {
		return benchReturns(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "webhooks" {
		return benchWebhooks(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "orders" {
		fmt.Fprintln(stderr, benchUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return errUsage
	}
	fs := newFlagSet("rebound bench orders", "rebound bench orders [--clients 32] [--duration 10s] [--warmup 1s] [--database-url URL]", stderr)
	clients := fs.Int("clients", 32, "concurrent HTTP clients")
	duration := fs.Duration("duration", 10*time.Second, "length of each measured phase")
	warmup := fs.Duration("warmup", time.Second, "warm-up before each phase")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the sync phase to this file (go tool pprof)")
	dbURL := fs.String("database-url", "", "PostgreSQL URL to measure (a temporary schema is created and dropped); empty: SQLite in a temp dir")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
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
	fmt.Fprint(stdout, rep.String())
	return err
}

func benchReturns(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("rebound bench returns", "rebound bench returns [--small 10000] [--large 1000000] [--page-size 50] [--requests 3000] [--clients 1] [--database-url URL]", stderr)
	small := fs.Int("small", 10_000, "returns in the small store (the baseline)")
	large := fs.Int("large", 1_000_000, "returns in the large store")
	pageSize := fs.Int("page-size", 50, "X-Page-Size of each request")
	requests := fs.Int("requests", 3000, "requests per store")
	clients := fs.Int("clients", 1, "concurrent HTTP clients")
	dbURL := fs.String("database-url", "", "PostgreSQL URL to measure (a temporary schema is created and dropped); empty: SQLite in a temp dir")
	if err := parse(fs, args); err != nil {
		return err
	}
	rep, err := bench.RunReturnList(ctx, bench.ListConfig{Small: *small, Large: *large, PageSize: *pageSize, Requests: *requests,
		Clients: *clients, DatabaseURL: *dbURL, Progress: stderr})
	fmt.Fprint(stdout, rep.String())
	return err
}

func benchWebhooks(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("rebound bench webhooks", "rebound bench webhooks [--returns 2000] [--backlog 20000] [--rate 500] [--duration 10s] [--database-url URL]", stderr)
	nReturns := fs.Int("returns", 2000, "returns in the store")
	backlog := fs.Int("backlog", 20_000, "deliveries drained in the throughput phase")
	rate := fs.Int("rate", 500, "return changes per second in the latency phase")
	duration := fs.Duration("duration", 10*time.Second, "length of the latency phase")
	dbURL := fs.String("database-url", "", "PostgreSQL URL to measure (a temporary schema is created and dropped); empty: SQLite in a temp dir")
	if err := parse(fs, args); err != nil {
		return err
	}
	rep, err := bench.RunWebhooks(ctx, bench.WebhookConfig{Returns: *nReturns, Backlog: *backlog, Rate: *rate, Duration: *duration, DatabaseURL: *dbURL, Progress: stderr})
	fmt.Fprint(stdout, rep.String())
	return err
}

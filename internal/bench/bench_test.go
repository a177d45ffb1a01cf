package bench

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/store/storetest"
)

// BenchmarkOrderSync drives b.N order syncs over HTTP from 32 clients, and
// the same number of decode-only requests first, reporting latency
// percentiles and the throughput ratio. PostgreSQL is measured instead of
// SQLite when REBOUND_BENCH_DATABASE_URL is set.
func BenchmarkOrderSync(b *testing.B) {
	ctx := context.Background()
	e, err := Start(ctx, Config{DatabaseURL: os.Getenv("REBOUND_BENCH_DATABASE_URL")})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	const clients = 32
	n := max(b.N, clients)
	e.Phase(ctx, "warmup", "/bench/decode", clients, 0, 2*clients)
	base := e.Phase(ctx, "decode", "/bench/decode", clients, 0, n)
	e.Phase(ctx, "warmup", e.SyncPath(), clients, 0, 2*clients)
	b.ResetTimer()
	sync := e.Phase(ctx, "sync", e.SyncPath(), clients, 0, n)
	b.StopTimer()
	if sync.Errors+base.Errors > 0 {
		b.Fatalf("%d sync / %d baseline errors", sync.Errors, base.Errors)
	}
	b.ReportMetric(sync.Throughput, "orders/s")
	b.ReportMetric(float64(sync.P50)/float64(time.Millisecond), "p50-ms")
	b.ReportMetric(float64(sync.P99)/float64(time.Millisecond), "p99-ms")
	b.ReportMetric(base.Throughput, "baseline-req/s")
	b.ReportMetric(sync.Throughput/base.Throughput, "ratio")
}

// TestRunOrderSyncSmall runs the harness briefly end to end (both routes
// answer 200 under concurrency, figures are filled in) on every backend.
func TestRunOrderSyncSmall(t *testing.T) {
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			cfg := Config{Clients: 8, Requests: 200, Warmup: -1}
			if be.Name == "postgres" {
				cfg.DatabaseURL = os.Getenv(storetest.EnvDatabaseURL)
			}
			rep, err := RunOrderSync(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Sync.Requests != 200 || rep.Baseline.Requests != 200 || rep.Sync.P99 < rep.Sync.P50 || rep.Ratio() <= 0 {
				t.Errorf("report = %+v", rep)
			}
		})
	}
}

// TestRunReturnListSmall runs the list harness on small stores end to end on
// every backend: pages answer 200 from cursors spread over the list.
func TestRunReturnListSmall(t *testing.T) {
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			cfg := ListConfig{Small: 300, Large: 3000, Requests: 100, Clients: 2}
			if be.Name == "postgres" {
				cfg.DatabaseURL = os.Getenv(storetest.EnvDatabaseURL)
			}
			rep, err := RunReturnList(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Small.Requests < 100 || rep.Large.Requests < 100 || rep.Large.P99 < rep.Large.P50 || rep.Ratio() <= 0 {
				t.Errorf("report = %+v", rep)
			}
		})
	}
}

// TestRunWebhooksSmall runs the webhook harness briefly on every backend:
// the backlog drains and changes are delivered with latencies recorded.
func TestRunWebhooksSmall(t *testing.T) {
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			cfg := WebhookConfig{Returns: 50, Backlog: 300, Rate: 100, Duration: time.Second}
			if be.Name == "postgres" {
				cfg.DatabaseURL = os.Getenv(storetest.EnvDatabaseURL)
			}
			rep, err := RunWebhooks(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Throughput <= 0 || rep.Baseline <= 0 || rep.Delivered < 50 || rep.P99 < rep.P50 {
				t.Errorf("report = %+v", rep)
			}
		})
	}
}

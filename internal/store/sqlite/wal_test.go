package sqlite_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/sqlite"
)

var walDuration = flag.Duration("wal-duration", 10*time.Second, "how long BenchmarkWALSustainedIngest writes")

func walOrder(ext string) *returns.Order {
	usd := func(m int64) returns.MoneySet {
		return returns.MoneySet{Shop: returns.Money{Minor: m, Currency: "USD"}, Presentment: returns.Money{Minor: m, Currency: "USD"}}
	}
	now := time.Now().UTC()
	return &returns.Order{
		ExternalID: ext, Name: ext, CreatedAt: now.Add(-time.Hour), UpdatedAt: now,
		PresentmentCurrency: "USD", ShopCurrency: "USD",
		Customer:        returns.Customer{Email: "jane.doe@example.com", FirstName: "Jane", LastName: "Doe"},
		ShippingAddress: returns.Address{Address1: "123 Main St", City: "New York", ProvinceCode: "NY", Zip: "10001", CountryCode: "US"},
		Lines: []returns.OrderLine{
			{ID: "line_1", ProductID: "p1", SKU: "TEE-BLK-M", Title: "Organic cotton tee, black, M", Quantity: 2, ReturnableQuantity: 2, Price: usd(2999)},
			{ID: "line_2", ProductID: "p2", SKU: "CAP-NVY", Title: "Wool cap, navy", Quantity: 1, ReturnableQuantity: 1, Price: usd(1999)},
		},
	}
}

func walSize(path string) int64 {
	fi, err := os.Stat(path + "-wal")
	if err != nil {
		return 0
	}
	return fi.Size()
}

// ingest syncs new orders from clients goroutines until stop() reports
// true, sampling the WAL file's size every 5 ms; it returns the orders
// written and the largest WAL seen.
func ingest(tb testing.TB, path string, a *app.App, storeID string, clients int, stop func(n int64) bool) (int64, int64) {
	tb.Helper()
	var n atomic.Int64
	var maxWAL atomic.Int64
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			if s := walSize(path); s > maxWAL.Load() {
				maxWAL.Store(s)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	var wg sync.WaitGroup
	var errOnce sync.Once
	var firstErr error
	for c := range clients {
		wg.Go(func() {
			for i := 0; ; i++ {
				if stop(n.Load()) {
					return
				}
				if _, err := a.SyncOrder(context.Background(), storeID, walOrder(fmt.Sprintf("c%d-%d", c, i))); err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	close(done)
	if firstErr != nil {
		tb.Fatalf("sync: %v", firstErr)
	}
	if s := walSize(path); s > maxWAL.Load() {
		maxWAL.Store(s)
	}
	return n.Load(), maxWAL.Load()
}

func openWAL(tb testing.TB, cfg sqlite.Config) (*sqlite.Store, *app.App, string) {
	tb.Helper()
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := sqlite.Open(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = st.Close() })
	a := app.New(st)
	m, _, err := a.CreateStore(context.Background(), "Acme")
	if err != nil {
		tb.Fatal(err)
	}
	return st, a, m.ID
}

// After sustained writes and then no writes, the WAL file is truncated to
// (nearly) nothing: a state, polled with a generous deadline.
func TestWALTruncatedWhenIdle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rebound.db")
	// A small limit, so that the writes below pass it many times.
	_, a, storeID := openWAL(t, sqlite.Config{Path: path, WALSizeLimit: 256 << 10})
	n, maxWAL := ingest(t, path, a, storeID, 8, func(n int64) bool { return n >= 3000 })
	t.Logf("%d orders, largest WAL %d KiB", n, maxWAL>>10)
	if maxWAL == 0 {
		t.Fatal("the WAL never grew: the writes did not go through it")
	}
	deadline := time.Now().Add(60 * time.Second)
	for walSize(path) > 64<<10 {
		if time.Now().After(deadline) {
			t.Fatalf("WAL still %d bytes after 60 s without writes, want ≤ 64 KiB", walSize(path))
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Every acknowledged order is there after the checkpoints (the
	// clients' shares of n are uneven, so count them all).
	got, err := store.Read(context.Background(), a.Store, func(tx store.ReadTx) (int, error) { return tx.CountOrders(context.Background(), storeID) })
	if err != nil || int64(got) != n {
		t.Errorf("orders after the checkpoints = %d (%v), want %d", got, err, n)
	}
	if _, err := a.GetOrder(context.Background(), storeID, "c0-0"); err != nil {
		t.Errorf("order c0-0 after the checkpoints: %v", err)
	}
}

// BenchmarkWALSustainedIngest syncs orders from 32 goroutines for
// -wal-duration and reports the largest WAL file seen, its size at the end
// of the writes and how long after them it was truncated (≤ 64 KiB).
//
//	go test -run '^$' -bench WALSustainedIngest -benchtime 1x ./internal/store/sqlite
func BenchmarkWALSustainedIngest(b *testing.B) {
	for range b.N {
		path := filepath.Join(b.TempDir(), "rebound.db")
		_, a, storeID := openWAL(b, sqlite.Config{Path: path})
		start := time.Now()
		n, maxWAL := ingest(b, path, a, storeID, 32, func(int64) bool { return time.Since(start) >= *walDuration })
		elapsed := time.Since(start)
		end := walSize(path)
		idleStart := time.Now()
		for walSize(path) > 64<<10 && time.Since(idleStart) < 60*time.Second {
			time.Sleep(10 * time.Millisecond)
		}
		b.ReportMetric(float64(n)/elapsed.Seconds(), "orders/s")
		b.ReportMetric(float64(maxWAL)/(1<<20), "max-WAL-MiB")
		b.ReportMetric(float64(end)/(1<<20), "end-WAL-MiB")
		b.ReportMetric(time.Since(idleStart).Seconds(), "idle-to-truncated-s")
		b.ReportMetric(float64(walSize(path))/(1<<10), "idle-WAL-KiB")
	}
}

package webtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/web"
)

// Page budget of the page benchmarks: every page under web.MaxPageBytes
// and its server time's p99 under P99Budget.
const P99Budget = 50 * time.Millisecond

// DefaultBenchReturns is how many returns the page benchmarks seed.
const DefaultBenchReturns = 100_000

// BenchReturns is how many returns a page benchmark seeds:
// $REBOUND_BENCH_RETURNS (a smaller store to try the benchmark quickly),
// else DefaultBenchReturns.
func BenchReturns(tb testing.TB) int {
	tb.Helper()
	v := os.Getenv("REBOUND_BENCH_RETURNS")
	if v == "" {
		return DefaultBenchReturns
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		tb.Fatalf("REBOUND_BENCH_RETURNS=%q: want a positive number of returns", v)
	}
	return n
}

// SeedReturns writes n returns of storeID straight to the store, in
// transactions of 1,000, created a minute apart up to now, and returns the
// id of the newest. Return j has status needs_review, open, in_transit,
// delivered, complete (three times as often) or rejected in turn, order
// name "#" + (100000+j), customer email shopper{j mod 5000}@example.com,
// tracking number 1ZBENCH{j}, no order, and one item with the reason "Too
// small", "Damaged" or "Changed my mind" in turn.
func SeedReturns(tb testing.TB, st store.Store, storeID string, n int) string {
	tb.Helper()
	ctx := context.Background()
	statuses := []returns.Status{returns.StatusNeedsReview, returns.StatusOpen, returns.StatusInTransit, returns.StatusDelivered,
		returns.StatusComplete, returns.StatusComplete, returns.StatusComplete, returns.StatusRejected}
	reasons := []string{"Too small", "Damaged", "Changed my mind"}
	start := time.Now().Add(-time.Duration(n) * time.Minute)
	var last string
	for i := 0; i < n; i += 1000 {
		err := st.Update(ctx, func(tx store.Tx) error {
			for j := i; j < min(i+1000, n); j++ {
				at := start.Add(time.Duration(j) * time.Minute)
				r := &returns.Return{ID: returns.NewID(at), StoreID: storeID, Status: statuses[j%len(statuses)], CreatedAt: at, UpdatedAt: at,
					Compensation: returns.CompensationRefund}
				r.OrderName = "#" + strconv.Itoa(100000+j)
				r.Customer.Email = "shopper" + strconv.Itoa(j%5000) + "@example.com"
				r.Label = &returns.Label{TrackingNumber: "1ZBENCH" + strconv.Itoa(j)}
				r.Items = []returns.ReturnItem{{ID: returns.NewID(at), OrderLineID: "l", Quantity: 1, Reason: reasons[j%len(reasons)], Status: returns.ItemOpen}}
				if err := tx.CreateReturn(ctx, r); err != nil {
					return err
				}
				last = r.ID
			}
			return nil
		})
		if err != nil {
			tb.Fatalf("seed returns: %v", err)
		}
	}
	return last
}

// BenchPage serves the request newReq makes to h in b.Loop and reports
// the p99 server time ("p99-ms") and the page size ("bytes"). An answer
// with another status than want fails the benchmark, and so does a page
// over web.MaxPageBytes; a p99 over P99Budget is logged.
func BenchPage(b *testing.B, h http.Handler, want int, newReq func() *http.Request) {
	b.Helper()
	var ds []time.Duration
	size := 0
	for b.Loop() {
		req := newReq()
		rec := httptest.NewRecorder()
		t0 := time.Now()
		h.ServeHTTP(rec, req)
		ds = append(ds, time.Since(t0))
		if rec.Code != want {
			b.Fatalf("%s: %d\n%s", req.URL, rec.Code, rec.Body)
		}
		size = rec.Body.Len()
	}
	slices.Sort(ds)
	p99 := ds[len(ds)*99/100]
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(size), "bytes")
	if size > web.MaxPageBytes {
		b.Errorf("the page is %d bytes, over %d", size, web.MaxPageBytes)
	}
	if p99 > P99Budget {
		b.Logf("p99 %s is over the budget of %s", p99, P99Budget)
	}
}

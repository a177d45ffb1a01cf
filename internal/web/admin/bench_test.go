package admin_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/server"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
	"github.com/reboundhq/rebound/internal/users"
	"github.com/reboundhq/rebound/internal/web"
)

// BenchmarkAdminPages measures the queue (a tab, a search, a filtered tab)
// and a return page in a store of 100,000 returns, on each backend, and
// reports the p99 server time and the page size: the budget is p99 < 50 ms
// and < 100 KB. Run it on purpose (go test -bench AdminPages
// ./internal/web/admin); it seeds for minutes.
func BenchmarkAdminPages(b *testing.B) {
	for _, be := range storetest.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			st := be.Open(b)
			ctx := context.Background()
			sv := server.NewServices(server.Options{Store: st})
			h := server.New(server.Config{Services: sv})
			s, _, err := sv.App.CreateStore(ctx, "Big")
			if err != nil {
				b.Fatal(err)
			}
			const n = 100_000
			statuses := []returns.Status{returns.StatusNeedsReview, returns.StatusOpen, returns.StatusInTransit, returns.StatusDelivered, returns.StatusComplete, returns.StatusComplete, returns.StatusComplete, returns.StatusRejected}
			start := time.Now().Add(-n * time.Minute)
			var last string
			for i := 0; i < n; i += 1000 {
				err := st.Update(ctx, func(tx store.Tx) error {
					for j := i; j < i+1000; j++ {
						at := start.Add(time.Duration(j) * time.Minute)
						r := &returns.Return{ID: returns.NewID(at), StoreID: s.ID, Status: statuses[j%len(statuses)], CreatedAt: at, UpdatedAt: at, Compensation: returns.CompensationRefund}
						r.OrderName = "#" + itoa(100000+j)
						r.Customer.Email = "shopper" + itoa(j%5000) + "@example.com"
						r.Label = &returns.Label{TrackingNumber: "1ZBENCH" + itoa(j)}
						r.Items = []returns.ReturnItem{{ID: returns.NewID(at), OrderLineID: "l", Quantity: 1, Reason: []string{"Too small", "Damaged", "Changed my mind"}[j%3], Status: returns.ItemOpen}}
						if err := tx.CreateReturn(ctx, r); err != nil {
							return err
						}
						last = r.ID
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			us := &users.Service{Store: st}
			_, pw, err := us.Create(ctx, s.ID, "bench@example.com", users.RoleOwner, "")
			if err != nil {
				b.Fatal(err)
			}
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("POST", "/admin/signin", strings.NewReader(url.Values{"email": {"bench@example.com"}, "password": {pw}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			h.ServeHTTP(rec, req)
			cookie := rec.Result().Cookies()[0]
			pages := map[string]string{
				"queue":        "/admin/returns?tab=complete",
				"queue-search": "/admin/returns?q=shopper42%40example.com",
				"queue-reason": "/admin/returns?tab=complete&reason=Damaged",
				"queue-old":    "/admin/returns?tab=open&age=30",
				"return":       "/admin/returns/" + last,
			}
			for name, path := range pages {
				b.Run(name, func(b *testing.B) {
					var ds []time.Duration
					size := 0
					for b.Loop() {
						req := httptest.NewRequest("GET", path, nil)
						req.AddCookie(cookie)
						rec := httptest.NewRecorder()
						t0 := time.Now()
						h.ServeHTTP(rec, req)
						ds = append(ds, time.Since(t0))
						if rec.Code != http.StatusOK {
							b.Fatalf("%s: %d", path, rec.Code)
						}
						size = rec.Body.Len()
					}
					sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
					p99 := ds[len(ds)*99/100]
					b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
					b.ReportMetric(float64(size), "bytes")
					if size > web.MaxPageBytes {
						b.Errorf("%s is %d bytes", name, size)
					}
				})
			}
		})
	}
}

func itoa(i int) string {
	const d = "0123456789"
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{d[i%10]}, b...)
	}
	return string(b)
}

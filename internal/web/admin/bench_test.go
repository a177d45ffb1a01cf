package admin_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/server"
	"github.com/reboundhq/rebound/internal/store/storetest"
	"github.com/reboundhq/rebound/internal/users"
	"github.com/reboundhq/rebound/internal/web/webtest"
)

// BenchmarkAdminPages measures the queue (a tab, a search, a filtered tab)
// and a return page in a store of 100,000 returns, on each backend, and
// reports the p99 server time and the page size: the budget is p99 < 50 ms
// and < 100 KB. Run it on purpose (go test -bench AdminPages
// ./internal/web/admin); it seeds for minutes (REBOUND_BENCH_RETURNS seeds
// fewer, to try it: at least 10000, or the search finds one return and
// redirects to it).
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
			last := webtest.SeedReturns(b, st, s.ID, webtest.BenchReturns(b))
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
					webtest.BenchPage(b, h, http.StatusOK, func() *http.Request {
						req := httptest.NewRequest("GET", path, nil)
						req.AddCookie(cookie)
						return req
					})
				})
			}
		})
	}
}

package portal_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/store/storetest"
	"github.com/reboundhq/rebound/internal/web/webtest"
)

// BenchmarkPortalPages measures every page of the portal (find, items,
// reasons, options, review, status) in a store of 100,000 returns, on each
// backend, and reports the p99 server time and the page size: the budget
// is p99 < 50 ms and < 100 KB (webtest.BenchPage). The shopper's order has
// a submitted return (the status page's) and a draft at the review step.
// Reasons are chosen on the items page, so "reasons" is the post of that
// form (a quantity, a reason needing a photo, the photo kept from the
// draft, an answer and a comment: checked, saved, 303 to the options).
// Run it on purpose
// (go test -run '^$' -bench PortalPages ./internal/web/portal); it seeds
// for minutes (REBOUND_BENCH_RETURNS seeds fewer, to try it).
func BenchmarkPortalPages(b *testing.B) {
	for _, be := range storetest.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			st := be.Open(b)
			e := newEnv(b, st)
			webtest.SeedReturns(b, st, e.storeID, webtest.BenchReturns(b))

			// One shopper submits a return (for the status page), another
			// stops at the review with a chosen reason and photo.
			walk := func(submit bool) (*shopper, string) {
				s := e.shopper()
				if r := s.post("/portal/acme", map[string]string{"number": "order_123456", "email": "jane.doe@example.com"}); r.status != http.StatusSeeOther {
					b.Fatalf("find: %d %s", r.status, r.body)
				}
				items := map[string]string{"qty-0": "1", "reason-0": "damaged", "q-0-0": "No", "comment-0": "The seam came apart."}
				if r := s.multipart("/portal/acme/items", items, map[string][2]string{"photo-0": {"shirt.png", pngPhoto()}}); r.status != http.StatusSeeOther {
					b.Fatalf("items: %d %s", r.status, r.body)
				}
				if r := s.post("/portal/acme/options", map[string]string{"outcome": "store_credit", "address1": "123 Main St",
					"city": "New York", "zip": "10001", "country": "US"}); r.status != http.StatusSeeOther {
					b.Fatalf("options: %d %s", r.status, r.body)
				}
				rv := s.get("/portal/acme/review")
				if !submit {
					return s, ""
				}
				i := strings.Index(rv.body, `name="key" value="`)
				r := s.post("/portal/acme/submit", map[string]string{"key": rv.body[i+18 : i+18+32]})
				if r.status != http.StatusSeeOther || !strings.Contains(r.location, "/returns/") {
					b.Fatalf("submit: %d %s", r.status, r.location)
				}
				return s, r.location
			}
			_, status := walk(true)
			s, _ := walk(false)
			u, _ := url.Parse(e.srv.URL + "/portal/acme/items")
			cookies := s.c.Jar.Cookies(u)

			get := func(path string) func() *http.Request {
				return func() *http.Request { return httptest.NewRequest("GET", path, nil) }
			}
			reasons := func() *http.Request {
				var body bytes.Buffer
				w := multipart.NewWriter(&body)
				for k, v := range map[string]string{"line-0": "line_1", "qty-0": "1", "reason-0": "damaged", "q-0-0": "No", "comment-0": "The seam came apart."} {
					_ = w.WriteField(k, v)
				}
				_ = w.Close()
				req := httptest.NewRequest("POST", "/portal/acme/items", &body)
				req.Header.Set("Content-Type", w.FormDataContentType())
				return req
			}
			pages := []struct {
				name   string
				status int
				req    func() *http.Request
			}{
				{"find", http.StatusOK, get("/portal/acme")},
				{"items", http.StatusOK, get("/portal/acme/items")},
				{"reasons", http.StatusSeeOther, reasons},
				{"options", http.StatusOK, get("/portal/acme/options")},
				{"review", http.StatusOK, get("/portal/acme/review")},
				{"status", http.StatusOK, get(status)},
			}
			for _, pg := range pages {
				b.Run(pg.name, func(b *testing.B) {
					webtest.BenchPage(b, e.h, pg.status, func() *http.Request {
						req := pg.req()
						for _, c := range cookies {
							req.AddCookie(c)
						}
						return req
					})
				})
			}
		})
	}
}

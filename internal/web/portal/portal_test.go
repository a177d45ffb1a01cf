package portal_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

func mustContain(t *testing.T, what string, r resp, status int, wants ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.status, status, r.body)
	}
	for _, w := range wants {
		if !strings.Contains(r.body, w) {
			t.Fatalf("%s: page lacks %q\n%s", what, w, r.body)
		}
	}
	if len(r.body) > 100<<10 {
		t.Errorf("%s: page is %d bytes, over 100 KB", what, len(r.body))
	}
}

// TestPortalFlowAndBadInput walks the whole flow with a plain HTTP client,
// trying bad input at each step: every refusal is a clear message on the
// page and writes nothing.
func TestPortalFlowAndBadInput(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st)
		s := e.shopper()
		mustContain(t, "find page", s.get("/portal/acme"), 200, "Order number", "Email", "Acme Apparel", `<label for="number">`)
		mustContain(t, "unknown handle", s.get("/portal/nobody"), 404, "no returns portal")

		// Wrong pairs: one message that does not say which part was wrong.
		for _, f := range []map[string]string{
			{"number": "order_123456", "email": "someone@example.com"},
			{"number": "order_999", "email": "jane.doe@example.com"},
		} {
			r := s.post("/portal/acme", f)
			mustContain(t, "wrong pair", r, 422, "We couldn&#39;t find an order with these details")
		}
		mustContain(t, "empty", s.post("/portal/acme", map[string]string{}), 422, "Enter your order number.")
		if r := s.get("/portal/acme/items"); r.status != http.StatusSeeOther || r.location != "/portal/acme" {
			t.Fatalf("items without a draft: %d %s", r.status, r.location)
		}

		r := s.post("/portal/acme", map[string]string{"number": "order_123456", "email": " Jane.Doe@example.com "})
		if r.status != http.StatusSeeOther || r.location != "/portal/acme/items" {
			t.Fatalf("find: %d %s %s", r.status, r.location, r.body)
		}
		mustContain(t, "items", s.get("/portal/acme/items"), 200, "Classic T-Shirt", "Black / Medium", "Quantity", "You can return up to 2.", "Arrived damaged (photo needed)")

		base := map[string]string{"line-0": "line_1", "qty-0": "1", "reason-0": "damaged", "q-0-0": "No"}
		with := func(k, v string) map[string]string {
			m := map[string]string{}
			for a, b := range base {
				m[a] = b
			}
			m[k] = v
			return m
		}
		photo := map[string][2]string{"photo-0": {"shirt.png", pngPhoto()}}
		for name, c := range map[string]struct {
			form  map[string]string
			files map[string][2]string
			want  string
		}{
			"too many":      {with("qty-0", "3"), photo, "You can return at most 2 of this item."},
			"no items":      {with("qty-0", "0"), nil, "Choose at least one item to return."},
			"parent reason": {with("reason-0", "fit"), photo, "Choose a more specific reason"},
			"bad reason":    {with("reason-0", "nope"), photo, "Choose one of the reasons in the list."},
			"no photo":      {base, nil, "Add a photo of the item: this reason needs one."},
			"not an image":  {base, map[string][2]string{"photo-0": {"shirt.png", "%PDF-1.4 not a picture"}}, "is not a photo"},
			"oversized":     {base, map[string][2]string{"photo-0": {"big.png", pngPhoto() + strings.Repeat("x", 5<<20)}}, "too large"},
			"tampered line": {with("line-0", "line_other"), photo, "This page is out of date"},
			"bad answer":    {with("q-0-0", "Maybe"), photo, "Choose one of the answers in the list."},
		} {
			r := s.multipart("/portal/acme/items", c.form, c.files)
			if r.status != 422 && r.status != 413 {
				t.Fatalf("%s: status %d\n%s", name, r.status, r.body)
			}
			mustContain(t, name, r, r.status, c.want, "Please check the form")
		}
		if r := s.get("/portal/acme/options"); r.status != http.StatusSeeOther {
			t.Fatalf("options before items: %d", r.status)
		}

		r = s.multipart("/portal/acme/items", base, photo)
		if r.status != http.StatusSeeOther || r.location != "/portal/acme/options" {
			t.Fatalf("items: %d %s\n%s", r.status, r.location, r.body)
		}
		mustContain(t, "options", s.get("/portal/acme/options"), 200, "Store credit, with a 10% bonus", `value="123 Main St"`, `value="New York"`)
		addr := map[string]string{"outcome": "store_credit", "first_name": "Jane", "last_name": "Doe", "address1": "123 Main St", "city": "New York", "zip": "10001", "country": "US"}
		bad := map[string]string{}
		for k, v := range addr {
			bad[k] = v
		}
		bad["city"], bad["country"], bad["outcome"] = "", "USA", "cash"
		mustContain(t, "bad address", s.post("/portal/acme/options", bad), 422, "Enter the town or city.", "two-letter code", "Choose what you would like back.")
		if r := s.post("/portal/acme/options", addr); r.status != http.StatusSeeOther || r.location != "/portal/acme/review" {
			t.Fatalf("options: %d %s\n%s", r.status, r.location, r.body)
		}
		rv := s.get("/portal/acme/review")
		mustContain(t, "review", rv, 200, "Store credit", "29.99 USD", "Quality: Arrived damaged", "Submit return")
		i := strings.Index(rv.body, `name="key" value="`)
		key := rv.body[i+18 : i+18+32]

		mustContain(t, "tampered key", s.post("/portal/acme/submit", map[string]string{"key": strings.Repeat("0", 32)}), 400, "Nothing was submitted")
		if n := len(e.returns()); n != 0 {
			t.Fatalf("%d returns after refusals, want 0", n)
		}

		first := s.post("/portal/acme/submit", map[string]string{"key": key})
		second := s.post("/portal/acme/submit", map[string]string{"key": key})
		if first.status != http.StatusSeeOther || second.location != first.location {
			t.Fatalf("submits: %v / %v", first, second)
		}
		rs := e.returns()
		if len(rs) != 1 {
			t.Fatalf("%d returns after a double submit, want 1", len(rs))
		}
		rt := rs[0]
		if rt.Compensation != returns.CompensationStoreCredit || rt.Items[0].ReasonCode != "damaged" || rt.Items[0].Quantity != 1 || len(rt.Items[0].Images) != 1 {
			t.Fatalf("return %+v", rt)
		}
		if rt.Totals.StoreCredit != 2999 {
			t.Errorf("store credit %d, want 2999 (as the review showed)", rt.Totals.StoreCredit)
		}
		mustContain(t, "status", s.get(first.location), 200, "Your return", rt.ID, "Approved: send your items back", "Your label will arrive", "Return requested")
		// Reload of a step after submitting goes to the status page.
		if r := s.get("/portal/acme/items"); r.location != first.location {
			t.Errorf("items after submit: %d %s", r.status, r.location)
		}

		// Status links: a wrong token, or another store's return, is not found.
		mustContain(t, "bad token", s.get("/portal/acme/returns/"+rt.ID+"?t=x"), 404, "couldn&#39;t find this return")
		other, _, err := e.sv.App.CreateStore(t.Context(), "Other")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := portalSetHandle(t, e, other.ID, "other"); err != nil {
			t.Fatal(err)
		}
		tok := first.location[strings.Index(first.location, "?t=")+3:]
		mustContain(t, "another store", s.get("/portal/other/returns/"+rt.ID+"?t="+tok), 404, "couldn&#39;t find this return")

		// Finding the order again lists the return with its status link.
		s2 := e.shopper()
		s2.post("/portal/acme", map[string]string{"number": "order_123456", "email": "jane.doe@example.com"})
		mustContain(t, "found again", s2.get("/portal/acme/items"), 200, "Returns you already started", "You can return up to 1.")
	})
}

// TestCrossOriginPostRefused checks that a form posted from another site
// is refused before any handler runs.
func TestCrossOriginPostRefused(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t))
	s := e.shopper()
	for _, h := range []map[string]string{{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}} {
		req, _ := http.NewRequest("POST", e.srv.URL+"/portal/acme", strings.NewReader("number=order_123456&email=jane.doe%40example.com"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		r := s.do(req)
		if r.status != http.StatusForbidden || r.location != "" {
			t.Fatalf("%v: %d %s", h, r.status, r.body)
		}
	}
	r := s.get("/portal/acme")
	_ = r
	res, err := http.Get(e.srv.URL + "/portal/acme")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("headers: %v", res.Header)
	}
}

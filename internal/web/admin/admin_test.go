package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
	"github.com/reboundhq/rebound/internal/web"
)

func mustContain(t *testing.T, r resp, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(r.body, w) {
			t.Fatalf("page (status %d) lacks %q:\n%.3000s", r.status, w, r.body)
		}
	}
}

// TestAdminFlow walks the admin over HTTP on each backend: sign-in (a
// wrong password refused), the queue and its search by order name and
// tracking number, approve (the Ecwid fake receives the mirror order), bad
// process input refused writing nothing, the totals preview, processing
// with a restock and an adjustment, and the return complete with the refund
// recorded.
func TestAdminFlow(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st)
		c := e.client()
		if r := c.get("/admin/returns"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.loc, "/admin/signin") {
			t.Fatalf("signed out queue: %d %s", r.status, r.loc)
		}
		r := c.post("/admin/signin", url.Values{"email": {"owner@example.com"}, "password": {"wrong password"}})
		if r.status != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", r.status)
		}
		mustContain(t, r, "The email or password is not right.", `for="email">Email<`, `for="password">Password<`)
		c.signIn("owner@example.com", e.owner)
		for _, h := range []string{"rebound_admin"} {
			var found bool
			for _, ck := range c.hc.Jar.Cookies(mustURL(e.srv.URL)) {
				found = found || ck.Name == h
			}
			if !found {
				t.Fatalf("no %s cookie", h)
			}
		}

		r = c.get("/admin/returns")
		if r.status != 200 {
			t.Fatalf("queue: %d %s", r.status, r.body)
		}
		mustContain(t, r, "Needs review <span class=\"count\">1</span>", "order_123456", "jane.doe@example.com", "Export this view as CSV")
		if len(r.body) > web.MaxPageBytes {
			t.Errorf("queue is %d bytes", len(r.body))
		}
		csp := r.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") || r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("headers: %v", r.header)
		}
		for _, q := range []string{"order_123456", e.tracking, strings.ToLower(e.tracking), e.returnID, "JANE.DOE@example.com"} {
			if r := c.get("/admin/returns?q=" + url.QueryEscape(q)); r.status != http.StatusSeeOther || r.loc != "/admin/returns/"+e.returnID {
				t.Errorf("search %q: %d %s", q, r.status, r.loc)
			}
		}
		r = c.get("/admin/returns?q=nothing-like-this")
		mustContain(t, r, "No return matches")
		r = c.get("/admin/returns.csv?tab=needs_review")
		if r.status != 200 || !strings.Contains(r.body, e.returnID) || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
			t.Errorf("csv: %d %s", r.status, r.body)
		}

		// Another store's return, by id in the URL: not found, nothing written.
		other, _, err := e.sv.App.CreateStore(context.Background(), "Other")
		if err != nil {
			t.Fatal(err)
		}
		_ = other
		foreign := returns.NewID(e.ret().CreatedAt)
		if r := c.get("/admin/returns/" + foreign); r.status != 404 {
			t.Errorf("unknown return: %d", r.status)
		}
		if r := c.post("/admin/returns/"+foreign+"/status", url.Values{"action": {"approve"}}); r.status != 404 {
			t.Errorf("approve unknown return: %d", r.status)
		}

		r = c.get("/admin/returns/" + e.returnID)
		mustContain(t, r, "Classic T-Shirt", "How did it fit?", "Too tight", e.tracking, "Approve", "Reject", "Timeline")
		// Tampered action: not offered in this status.
		r = c.post("/admin/returns/"+e.returnID+"/status", url.Values{"action": {"reopen"}})
		if r.status != http.StatusUnprocessableEntity || e.ret().Status != returns.StatusNeedsReview {
			t.Fatalf("tampered action: %d, status %s", r.status, e.ret().Status)
		}
		mustContain(t, r, "cannot be changed that way now")
		if r := c.post("/admin/returns/"+e.returnID+"/status", url.Values{"action": {"approve"}}); r.status != http.StatusSeeOther {
			t.Fatalf("approve: %d %s", r.status, r.body)
		}
		if got := e.ret().Status; got != returns.StatusOpen {
			t.Fatalf("after approve: %s", got)
		}
		waitFor(t, "the Ecwid mirror order", func() bool { return e.ret().EcwidOrderID != "" })
		if n := e.ecwidOrders(); n != 1 {
			t.Fatalf("%d Ecwid orders mirror the return", n)
		}
		r = c.get("/admin/returns/" + e.returnID)
		mustContain(t, r, "Open the mirrored order", "https://my.ecwid.com/store/")

		item := e.ret().Items[0].ID
		updated := e.ret().UpdatedAt
		for _, bad := range []url.Values{
			{"decision-" + item: {"teleport"}},
			{"decision-" + item: {"restock"}, "adjustment-" + item: {"ten dollars"}},
			{"decision-" + item: {"reject"}, "adjustment-" + item: {"5.00"}},
		} {
			for _, path := range []string{"/process/preview", "/process"} {
				r := c.post("/admin/returns/"+e.returnID+path, bad)
				if r.status != http.StatusUnprocessableEntity {
					t.Fatalf("bad process form %v at %s: %d", bad, path, r.status)
				}
				mustContain(t, r, "Please check the form")
			}
		}
		if got := e.ret(); !got.UpdatedAt.Equal(updated) || got.Items[0].Status != returns.ItemOpen {
			t.Fatal("bad process input wrote something")
		}
		form := url.Values{"decision-" + item: {"restock"}, "adjustment-" + item: {"50.00"}}
		r = c.post("/admin/returns/"+e.returnID+"/process/preview", form)
		if r.status != 200 {
			t.Fatalf("preview: %d %s", r.status, r.body)
		}
		mustContain(t, r, "Confirm and process", "Accept and restock", `id="preview-refund">50.00 USD<`)
		if e.ret().Status != returns.StatusOpen {
			t.Fatal("the preview changed the return")
		}
		if r := c.post("/admin/returns/"+e.returnID+"/process", form); r.status != http.StatusSeeOther {
			t.Fatalf("process: %d %s", r.status, r.body)
		}
		got := e.ret()
		if got.Status != returns.StatusComplete || len(got.Refunds) != 1 || got.Refunds[0].Amount != 5000 || !got.Items[0].Restock {
			t.Fatalf("after processing: status %s refunds %+v items %+v", got.Status, got.Refunds, got.Items)
		}
		r = c.get("/admin/returns/" + e.returnID)
		mustContain(t, r, "Completed", "Refund of 50.00 USD issued", "Re-open")

		// Sign out ends the session server-side.
		c.post("/admin/signout", url.Values{})
		if r := c.get("/admin/returns"); r.status != http.StatusSeeOther {
			t.Errorf("after sign-out: %d", r.status)
		}
	})
}

func mustURL(s string) *url.URL { u, _ := url.Parse(s); return u }

// TestAdminRolesAndCSRF: an agent sees no settings links and gets 403 on
// every settings URL; a cross-site POST is refused with a valid session
// cookie; an https request gets a Secure __Host- cookie.
func TestAdminRolesAndCSRF(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st)
		a := e.client()
		a.signIn("agent@example.com", e.agent)
		r := a.get("/admin/returns")
		if r.status != 200 || strings.Contains(r.body, "/admin/settings") {
			t.Fatalf("agent queue: %d, settings link shown: %v", r.status, strings.Contains(r.body, "/admin/settings"))
		}
		for _, p := range []string{"/admin/settings", "/admin/settings/policy", "/admin/settings/integrations", "/admin/settings/webhooks", "/admin/settings/keys", "/admin/settings/users"} {
			if r := a.get(p); r.status != http.StatusForbidden {
				t.Errorf("agent GET %s: %d", p, r.status)
			}
		}
		if r := a.post("/admin/settings/keys", url.Values{"scope": {"returns_read"}}); r.status != http.StatusForbidden {
			t.Errorf("agent creates a key: %d", r.status)
		}
		// Cross-site POST with the agent's valid cookie.
		r = a.do("POST", "/admin/returns/"+e.returnID+"/status", url.Values{"action": {"approve"}}, "https://evil.example")
		if r.status != http.StatusForbidden || e.ret().Status != returns.StatusNeedsReview {
			t.Fatalf("cross-site POST: %d, status %s", r.status, e.ret().Status)
		}
		// Rate limit: the 11th attempt in a minute for one email is refused as such.
		b := e.client()
		var last int
		for range 11 {
			last = b.post("/admin/signin", url.Values{"email": {"nobody@example.com"}, "password": {"nope nope nope"}}).status
		}
		if last != http.StatusTooManyRequests {
			t.Errorf("11th attempt: %d", last)
		}
		// https (behind a proxy): Secure, HttpOnly, SameSite=Lax __Host- cookie.
		req, _ := http.NewRequest("POST", e.srv.URL+"/admin/signin", strings.NewReader(url.Values{"email": {"owner@example.com"}, "password": {e.owner}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-Proto", "https")
		req.RemoteAddr = "10.0.0.9:1"
		res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		sc := res.Header.Get("Set-Cookie")
		if res.StatusCode == http.StatusSeeOther && (!strings.Contains(sc, "__Host-rebound_admin=") || !strings.Contains(sc, "Secure") || !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Lax")) {
			t.Errorf("https cookie: %s", sc)
		}
		// An owner sees and opens settings.
		o := e.client()
		o.signIn("owner@example.com", e.owner)
		for _, p := range []string{"/admin/settings/policy", "/admin/settings/integrations", "/admin/settings/webhooks", "/admin/settings/keys", "/admin/settings/users"} {
			if r := o.get(p); r.status != 200 || len(r.body) > web.MaxPageBytes {
				t.Errorf("owner GET %s: %d (%d bytes)", p, r.status, len(r.body))
			}
		}
		r = o.post("/admin/settings/keys", url.Values{"label": {"ci"}, "scope": {"returns_read", "bogus"}})
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("bogus scope: %d", r.status)
		}
		ks, _ := store.Read(context.Background(), st, func(tx store.ReadTx) ([]*returns.APIKey, error) {
			return tx.ListAPIKeys(context.Background(), e.storeID)
		})
		if len(ks) != 1 {
			t.Errorf("a key was created from a tampered form: %d keys", len(ks))
		}
		r = o.post("/admin/settings/keys", url.Values{"label": {"ci"}, "scope": {"returns_read"}})
		mustContain(t, r, "shown this once", "rbk_")
		r = o.post("/admin/settings/users", url.Values{"email": {"new@example.com"}, "role": {"warehouse"}})
		mustContain(t, r, "/admin/invite/")
		r = o.post("/admin/settings/policy", url.Values{"windowDays": {"30"}, "windowFrom": {"delivery"}, "reasons": {"fit | Fit\n  small | Too small\nbroken | Damaged"},
			"restockingPercent": {"10"}, "restockingFlat": {"0"}, "returnShippingFee": {"5.00"}, "currency": {"USD"}, "reviewRules": {"min=100.00 reasons=broken"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("policy: %d %s", r.status, r.body)
		}
		pol, _ := e.sv.App.GetPolicy(context.Background(), e.storeID)
		if pol.WindowDays != 30 || pol.WindowFrom != returns.WindowFromDelivery || len(pol.Reasons) != 2 || len(pol.Reasons[0].Children) != 1 || pol.RestockingFeeBasisPoints != 1000 || pol.ReturnShippingFee != 500 || len(pol.ReviewRules) != 1 {
			t.Errorf("policy saved: %+v", pol)
		}
		r = o.post("/admin/settings/policy", url.Values{"windowDays": {"-3"}, "windowFrom": {"yesterday"}, "restockingPercent": {"300"}, "currency": {"USD"}})
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("bad policy: %d", r.status)
		}
		if pol2, _ := e.sv.App.GetPolicy(context.Background(), e.storeID); pol2.WindowDays != 30 {
			t.Error("a bad policy form wrote something")
		}
	})
}

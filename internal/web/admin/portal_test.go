package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

// TestAdminPortalDestinationsEmails: the owner edits the portal settings
// (refused input is shown on the page and writes nothing), the return
// destinations, and reads the shopper emails kept in the outbox (no SMTP
// here); an agent gets 403 on the three pages.
func TestAdminPortalDestinationsEmails(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st)
		ctx := context.Background()
		c := e.client()
		c.signIn("owner@example.com", e.owner)
		settings := func() *store.PortalSettings {
			t.Helper()
			ps, err := store.Read(ctx, st, func(tx store.ReadTx) (*store.PortalSettings, error) { return tx.GetPortalSettings(ctx, e.storeID) })
			if err != nil {
				t.Fatal(err)
			}
			return ps
		}

		// The env's return was created: its "received" email waits in the
		// outbox (no SMTP configured), composed with the store's first handle.
		waitFor(t, "the outbox email", func() bool {
			es, _ := store.Read(ctx, st, func(tx store.ReadTx) ([]*store.OutboxEmail, error) { return tx.ListOutboxEmails(ctx, e.storeID, 0) })
			return len(es) == 1
		})
		r := c.get("/admin/settings/portal")
		mustContain(t, r, "Shopper portal", `value="acme-outdoor"`, "Acme Outdoor", `aria-current="page">Portal<`)
		r = c.post("/admin/settings/portal", url.Values{"handle": {"acme-returns"}, "logoUrl": {"https://cdn.example/logo.png"}, "color": {"#0f766e"},
			"lookupBy": {"either"}, "bonus": {"15"}, "variants": {`{"prod_456": [{"variantId": "var_790", "title": "Black / Large", "price": "29.99"}]}`}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("save portal: %d %s", r.status, r.body)
		}
		ps := settings()
		if ps.Handle != "acme-returns" || ps.Color != "#0f766e" || ps.LookupBy != "either" || ps.StoreCreditBonusPercent != 15 ||
			len(ps.ExchangeVariants["prod_456"]) != 1 || ps.ExchangeVariants["prod_456"][0].Title != "Black / Large" {
			t.Fatalf("saved: %+v", ps)
		}
		for _, bad := range []struct{ field, value, want string }{
			{"color", "teal", "colour"},
			{"handle", "Not a handle", "handle is 1 to 40"},
			{"bonus", "300", "from 0 to 100"},
			{"variants", "[not json", "Exchange variants"},
			{"variants", `{"p": [{"variantId": "v", "title": "T", "price": "abc"}]}`, "decimal amount"},
		} {
			f := url.Values{"handle": {"acme-returns"}, "lookupBy": {"email"}, "bonus": {"0"}}
			f.Set(bad.field, bad.value)
			r := c.post("/admin/settings/portal", f)
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, bad.want) {
				t.Errorf("%s=%q: %d, want 422 with %q", bad.field, bad.value, r.status, bad.want)
			}
		}
		if ps := settings(); ps.Color != "#0f766e" || ps.StoreCreditBonusPercent != 15 {
			t.Errorf("a refused form wrote: %+v", ps)
		}

		r = c.get("/admin/settings/destinations")
		mustContain(t, r, "Return destinations", "&#34;destinations&#34;")
		good := `{"default":"east","destinations":[{"id":"east","name":"Acme East","address":{"line1":"1 Dock St","city":"Newark","country":"US"}}],"rules":[]}`
		if r := c.post("/admin/settings/destinations", url.Values{"destinations": {good}}); r.status != http.StatusSeeOther {
			t.Fatalf("save destinations: %d %s", r.status, r.body)
		}
		ds, err := e.sv.Shipping.Destinations(ctx, e.storeID)
		if err != nil || ds.Default != "east" || len(ds.Destinations) != 1 {
			t.Fatalf("destinations: %+v %v", ds, err)
		}
		r = c.post("/admin/settings/destinations", url.Values{"destinations": {`{"default":"nope","destinations":[]}`}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Destinations not saved") {
			t.Errorf("bad destinations: %d", r.status)
		}
		if ds, _ := e.sv.Shipping.Destinations(ctx, e.storeID); ds.Default != "east" {
			t.Errorf("refused destinations wrote: %+v", ds)
		}

		r = c.get("/admin/settings/emails")
		mustContain(t, r, "<h1>Emails</h1>", "jane.doe@example.com", "We received your return request – Acme Outdoor", "not sent (outbox)",
			`href="/admin/returns/`+e.returnID+`"`, "/portal/acme-outdoor/returns/"+e.returnID+"?t=")

		a := e.client()
		a.signIn("agent@example.com", e.agent)
		for _, p := range []string{"/admin/settings/portal", "/admin/settings/destinations", "/admin/settings/emails"} {
			if r := a.get(p); r.status != http.StatusForbidden {
				t.Errorf("agent on %s: %d", p, r.status)
			}
		}
	})
}

package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/reboundhq/rebound/internal/shipping/shipsvc"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
	"github.com/reboundhq/rebound/internal/users"
)

var keyField = regexp.MustCompile(`name="key" value="([0-9a-f]+)"`)

// formKey is the idempotency key of the page's purchase form.
func formKey(t *testing.T, r resp) string {
	t.Helper()
	m := keyField.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no purchase form (status %d):\n%.3000s", r.status, r.body)
	}
	return m[1]
}

func (e *env) shipments() []*store.ShipmentRecord {
	e.t.Helper()
	ctx := context.Background()
	recs, err := store.Read(ctx, e.st, func(tx store.ReadTx) ([]*store.ShipmentRecord, error) {
		return tx.ListShipments(ctx, e.storeID, e.returnID)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return recs
}

// TestAdminReturnLabels buys and replaces a return's label from its admin
// page over HTTP, on each backend, with the built-in rate-table carrier:
// no carrier and an incomplete address are told on the page; the return's
// UPS label (given with it) is replaced after a confirmation; a double
// submit buys one label; a replacement voids the label Rebound bought
// (timeline, cancelled) and buys the rate chosen; bad input writes
// nothing; a warehouse user gets 403 (and no link) but prints the PDF.
func TestAdminReturnLabels(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st)
		ctx := context.Background()
		c := e.client()
		c.signIn("owner@example.com", e.owner)
		page := "/admin/returns/" + e.returnID + "/label"

		r := c.get("/admin/returns/" + e.returnID)
		mustContain(t, r, "UPS tracking <strong>"+e.tracking+"</strong>", `href="`+page+`">Replace the label</a>`)

		// No carrier, no destination yet: told on the page, nothing bought.
		r = c.get(page)
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("label page without carrier: %d", r.status)
		}
		mustContain(t, r, "no return destination")
		if _, err := e.sv.Shipping.SetDestinations(ctx, e.storeID, shipsvc.Destinations{Default: "east", Destinations: []shipsvc.Destination{
			{ID: "east", Name: "Acme Returns East", Address: shipsvc.AddressJSON{Line1: "1 Dock Rd", City: "Newark", State: "NJ", PostalCode: "07102", Country: "US"}}}}); err != nil {
			t.Fatal(err)
		}
		r = c.get(page)
		mustContain(t, r, "The store has no carrier")
		table, err := os.ReadFile("../../shipping/ratetable/testdata/example.json")
		if err != nil {
			t.Fatal(err)
		}
		e.api("PUT", "/v2.2/stores/"+e.storeID+"/shipping/rate-table", table, 200)

		// The rates (1 lb by default), the current label, the form.
		r = c.get(page)
		if r.status != 200 {
			t.Fatalf("label page: %d %s", r.status, r.body)
		}
		mustContain(t, r, "UPS tracking", `value="rebound|ground"`, `value="rebound|express"`, "Ground · 6.50 USD", `for="weight">Parcel weight<`,
			`for="unit">Unit<`, "<legend>Choose a rate for 1 lb</legend>", "Replace the label…")
		key := formKey(t, r)

		// Bad input: nothing written.
		for _, bad := range []struct {
			form url.Values
			want string
		}{
			{url.Values{"key": {key}, "weight": {"abc"}, "unit": {"lb"}, "rate": {"rebound|ground"}, "confirm": {"yes"}}, "Enter a weight"},
			{url.Values{"key": {key}, "weight": {"1"}, "unit": {"stone"}, "rate": {"rebound|ground"}, "confirm": {"yes"}}, "Choose oz, lb, g or kg."},
			{url.Values{"key": {key}, "weight": {"1"}, "unit": {"lb"}, "rate": {""}, "confirm": {"yes"}}, "Choose a rate."},
			{url.Values{"key": {key}, "weight": {"1"}, "unit": {"lb"}, "rate": {"rebound|overnight"}, "confirm": {"yes"}}, "not offered"},
			{url.Values{"key": {key}, "weight": {"1"}, "unit": {"lb"}, "rate": {"fedex|ground"}, "confirm": {"yes"}}, "nknown carrier"},
			{url.Values{"weight": {"1"}, "unit": {"lb"}, "rate": {"rebound|ground"}, "confirm": {"yes"}}, "reload the page"},
		} {
			r := c.post(page, bad.form)
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, bad.want) {
				t.Errorf("%v: %d, want 422 with %q:\n%.2000s", bad.form, r.status, bad.want, r.body)
			}
		}
		if n := len(e.shipments()); n != 0 || e.ret().Label.TrackingNumber != e.tracking {
			t.Fatalf("bad input wrote: %d shipments, label %+v", n, e.ret().Label)
		}

		// The return has a label: a confirmation first, nothing bought.
		buy := url.Values{"key": {key}, "weight": {"1"}, "unit": {"lb"}, "rate": {"rebound|ground"}}
		r = c.post(page, buy)
		if r.status != 200 {
			t.Fatalf("replace without confirmation: %d %s", r.status, r.body)
		}
		mustContain(t, r, "Replace the label?", "UPS tracking <strong>"+e.tracking+"</strong>", "Ground · 6.50 USD", `name="confirm" value="yes"`,
			`name="key" value="`+key+`"`)
		if n := len(e.shipments()); n != 0 {
			t.Fatalf("the confirmation page bought %d labels", n)
		}
		buy.Set("confirm", "yes")
		r = c.post(page, buy)
		if r.status != http.StatusSeeOther || r.loc != "/admin/returns/"+e.returnID {
			t.Fatalf("buy: %d %s", r.status, r.body)
		}
		recs := e.shipments()
		if len(recs) != 1 {
			t.Fatalf("%d shipments after the purchase", len(recs))
		}
		first := recs[0]
		l := e.ret().Label
		if l.ShipmentID != first.ID || !strings.HasPrefix(l.TrackingNumber, "RB") || l.Carrier != "Rebound Post" {
			t.Fatalf("label after the purchase: %+v", l)
		}
		r = c.get("/admin/returns/" + e.returnID)
		mustContain(t, r, "Label bought: Rebound Post Ground, tracking "+l.TrackingNumber, "Rebound Post tracking <strong>"+l.TrackingNumber+"</strong>",
			`href="/admin/returns/`+e.returnID+`/labels/`+first.ID+`">Label PDF</a>`, "Tracking number changed from "+e.tracking+" to "+l.TrackingNumber)

		// The same form again (a double submit): the first purchase, nothing more.
		r = c.post(page, buy)
		if r.status != http.StatusSeeOther {
			t.Fatalf("second submit: %d %s", r.status, r.body)
		}
		if n := len(e.shipments()); n != 1 || e.ret().Label.ShipmentID != first.ID {
			t.Fatalf("a double submit bought %d labels", n)
		}
		mustContain(t, c.get("/admin/returns/"+e.returnID), "This form was sent already")
		// The key with another rate: refused, nothing bought.
		other := url.Values{"key": {key}, "weight": {"1"}, "unit": {"lb"}, "rate": {"rebound|express"}, "confirm": {"yes"}}
		if r := c.post(page, other); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "his form bought another label") {
			t.Errorf("key reused: %d %.1500s", r.status, r.body)
		}
		if n := len(e.shipments()); n != 1 {
			t.Fatalf("key reuse bought: %d", n)
		}

		// The PDF.
		if r := c.get("/admin/returns/" + e.returnID + "/labels/" + first.ID); r.status != 200 || r.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(r.body, "%PDF") {
			t.Errorf("label PDF: %d %s", r.status, r.header.Get("Content-Type"))
		}
		if r := c.get("/admin/returns/" + e.returnID + "/labels/shp_nope"); r.status != http.StatusNotFound {
			t.Errorf("unknown shipment's PDF: %d", r.status)
		}

		// Replace the label Rebound bought: voided, express bought instead.
		r = c.get(page + "?weight=24&unit=oz")
		mustContain(t, r, "<legend>Choose a rate for 24 oz</legend>", "Express · 21.00 USD", "PDF of "+l.TrackingNumber)
		key2 := formKey(t, r)
		if key2 == key {
			t.Fatal("the page gave the same key twice")
		}
		rep := url.Values{"key": {key2}, "weight": {"24"}, "unit": {"oz"}, "rate": {"rebound|express"}}
		mustContain(t, c.post(page, rep), "Replace the label?", "Rebound Post tracking <strong>"+l.TrackingNumber+"</strong>")
		rep.Set("confirm", "yes")
		if r := c.post(page, rep); r.status != http.StatusSeeOther {
			t.Fatalf("replace: %d %s", r.status, r.body)
		}
		recs = e.shipments()
		if len(recs) != 2 || recs[0].VoidedAt == nil || recs[1].VoidedAt != nil {
			t.Fatalf("after the replacement: %+v", recs)
		}
		l2 := e.ret().Label
		if l2.ShipmentID != recs[1].ID || l2.TrackingNumber == l.TrackingNumber {
			t.Fatalf("label after the replacement: %+v", l2)
		}
		p2, _ := shipsvc.PurchaseOf(recs[1])
		if p2.Shipment.Service != "express" || p2.Request.Parcel.Weight.Value != "24" {
			t.Errorf("replacement bought %s %s", p2.Shipment.Service, p2.Request.Parcel.Weight.Value)
		}
		r = c.get("/admin/returns/" + e.returnID)
		mustContain(t, r, "Label "+l.TrackingNumber+" voided and replaced", "Label "+l.TrackingNumber+" voided; replaced by a label chosen in the admin.")
		if p1, _ := shipsvc.PurchaseOf(recs[0]); p1.Shipment.Status != "cancelled" {
			t.Errorf("the replaced shipment is %s", p1.Shipment.Status)
		}

		// Two submits of one form at once: one label bought.
		r = c.get(page)
		both := url.Values{"key": {formKey(t, r)}, "weight": {"1"}, "unit": {"lb"}, "rate": {"rebound|ground"}, "confirm": {"yes"}}
		var wg sync.WaitGroup
		codes := make([]int, 2)
		for i := range codes {
			wg.Add(1)
			go func() { defer wg.Done(); codes[i] = c.post(page, both).status }()
		}
		wg.Wait()
		recs = e.shipments()
		var live int
		for _, rec := range recs {
			if rec.VoidedAt == nil {
				live++
			}
		}
		if len(recs) != 3 || live != 1 || e.ret().Label.ShipmentID != recs[2].ID || (codes[0] != http.StatusSeeOther && codes[1] != http.StatusSeeOther) {
			t.Fatalf("two submits at once: answers %v, %d shipments, %d live", codes, len(recs), live)
		}

		// An incomplete shopper address: told, nothing bought.
		if err := st.Update(ctx, func(tx store.Tx) error {
			rt, err := tx.LockReturn(ctx, e.storeID, e.returnID)
			if err != nil {
				return err
			}
			rt.ShippingAddress.Address1 = ""
			return tx.UpdateReturn(ctx, rt)
		}); err != nil {
			t.Fatal(err)
		}
		r = c.get(page)
		mustContain(t, r, "The shopper&#39;s address is incomplete: the street is required.")
		r = c.post(page, url.Values{"key": {"fresh-key-1"}, "weight": {"1"}, "unit": {"lb"}, "rate": {"rebound|ground"}, "confirm": {"yes"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "address is incomplete") {
			t.Errorf("incomplete address: %d", r.status)
		}
		if n := len(e.shipments()); n != 3 || e.ret().Label.ShipmentID != recs[2].ID {
			t.Errorf("incomplete address wrote: %d shipments", n)
		}

		// Roles: an agent may open the page; a warehouse user may not (no
		// link either) but prints the label.
		a := e.client()
		a.signIn("agent@example.com", e.agent)
		if r := a.get(page); r.status != http.StatusUnprocessableEntity && r.status != 200 {
			t.Errorf("agent on the label page: %d", r.status)
		}
		if _, pw, err := e.users.Create(ctx, e.storeID, "dock@example.com", users.RoleWarehouse, ""); err != nil {
			t.Fatal(err)
		} else {
			wh := e.client()
			wh.signIn("dock@example.com", pw)
			if r := wh.get(page); r.status != http.StatusForbidden {
				t.Errorf("warehouse GET label page: %d", r.status)
			}
			if r := wh.post(page, url.Values{"key": {"k1"}, "weight": {"1"}, "unit": {"lb"}, "rate": {"rebound|ground"}, "confirm": {"yes"}}); r.status != http.StatusForbidden {
				t.Errorf("warehouse POST label: %d", r.status)
			}
			r := wh.get("/admin/returns/" + e.returnID)
			if r.status != 200 || strings.Contains(r.body, `href="`+page+`"`) {
				t.Errorf("warehouse return page: %d, link shown: %v", r.status, strings.Contains(r.body, page))
			}
			if r := wh.get("/admin/returns/" + e.returnID + "/labels/" + recs[2].ID); r.status != 200 {
				t.Errorf("warehouse label PDF: %d", r.status)
			}
		}
		if n := len(e.shipments()); n != 3 {
			t.Errorf("roles wrote: %d shipments", n)
		}
	})
}

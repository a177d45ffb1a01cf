package portal_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/ecwid/ecwidtest"
	"github.com/reboundhq/rebound/internal/ecwidsync"
	"github.com/reboundhq/rebound/internal/examples"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

// size is one Ecwid combination of the fake's test products.
func size(id int, value, sku string, extra map[string]any) map[string]any {
	c := map[string]any{"id": id, "options": []any{map[string]any{"name": "Size", "value": value}}, "sku": sku}
	for k, v := range extra {
		c[k] = v
	}
	return c
}

// ecwidOrder is the example order (jane.doe@example.com) with id and one
// 100.00 USD line per {product id, variant id, title}.
func ecwidOrder(t *testing.T, id string, lines ...[3]string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(examples.OrderWithID(id), &m); err != nil {
		t.Fatal(err)
	}
	var items []any
	for _, l := range lines {
		money := map[string]any{"amount": "100.00", "currencyCode": "USD"}
		items = append(items, map[string]any{"id": "line_" + l[0], "productId": l[0], "variantId": l[1], "sku": "SKU-" + l[0] + "-" + l[1],
			"title": l[2], "variantTitle": "Size: M", "quantity": 1, "returnableQuantity": 1,
			"priceSet": map[string]any{"presentmentMoney": money, "shopMoney": money}})
	}
	m["lineItems"] = items
	m["transactions"] = []any{}
	b, _ := json.Marshal(m)
	return b
}

// TestExchangeFromEcwidCatalogue: a store connected to the Ecwid fake
// offers a line's other combinations (its own variant left out, the one out
// of stock shown disabled) with exact price differences; a tampered or
// out-of-stock choice is refused and writes nothing; the chosen combination
// is the return's exchange item, at the price and charge the review showed;
// a product whose read fails falls back to the merchant-listed variants, or
// to no exchange; Ecwid is asked once per product however often the page is
// rendered.
func TestExchangeFromEcwidCatalogue(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		fake := ecwidtest.NewServer()
		t.Cleanup(fake.Close)
		pids, err := fake.Add(ecwidtest.Products,
			map[string]any{"name": "Trail Jacket", "sku": "JK", "price": 100, "enabled": true, "quantity": 0, "combinations": []any{
				size(701, "S", "JK-S", map[string]any{"quantity": 3}),
				size(702, "M", "JK-M", map[string]any{"quantity": 5}),
				size(703, "L", "JK-L", map[string]any{"quantity": 2, "price": 104.5}),
				size(704, "XL", "JK-XL", map[string]any{"quantity": 0}),
				size(705, "XS", "", map[string]any{"unlimited": true, "price": 95.25}),
			}},
			map[string]any{"name": "Rain Shell", "price": 100, "enabled": true, "combinations": []any{size(801, "S", "RS-S", map[string]any{"quantity": 1})}},
			map[string]any{"name": "Fleece", "price": 100, "enabled": true, "combinations": []any{size(901, "S", "FL-S", map[string]any{"quantity": 1})}},
		)
		if err != nil {
			t.Fatal(err)
		}
		jacket, shell, fleece := pids[0], pids[1], pids[2]
		e := newEnv(t, st)
		ctx := t.Context()
		if _, err := e.sv.Ecwid.Connect(ctx, e.storeID, ecwidsync.ConnectInput{EcwidStoreID: fake.StoreID, AccessToken: fake.Token,
			CustomerGroup: "Rebound returns", APIBaseURL: fake.APIRoot()}); err != nil {
			t.Fatal(err)
		}
		// The merchant also lists variants: the catalogue wins for the jacket,
		// the list is the fallback for the shell.
		if err := st.Update(ctx, func(tx store.Tx) error {
			ps, err := tx.GetPortalSettings(ctx, e.storeID)
			if err != nil {
				return err
			}
			ps.ExchangeVariants = map[string][]store.ExchangeVariant{
				jacket: {{VariantID: "listed-1", Title: "Listed jacket", Price: "1.00"}},
				shell:  {{VariantID: "olive-m", SKU: "RS-OLV-M", Title: "Olive / M", Price: "110.00"}},
			}
			return tx.PutPortalSettings(ctx, ps)
		}); err != nil {
			t.Fatal(err)
		}
		for id, body := range map[string][]byte{"order_ecwid_1": ecwidOrder(t, "order_ecwid_1", [3]string{jacket, "702", "Trail Jacket"}),
			"order_ecwid_2": ecwidOrder(t, "order_ecwid_2", [3]string{shell, "801x", "Rain Shell"}, [3]string{fleece, "901x", "Fleece"})} {
			if st, body := e.api("POST", "/v2.2/stores/"+e.storeID+"/custom/orders", body); st != 200 {
				t.Fatalf("sync %s: %d %s", id, st, body)
			}
		}
		productReads := func(pid string) int {
			n := 0
			for _, r := range fake.Requests() {
				if r.Path == "/products/"+pid {
					n++
				}
			}
			return n
		}
		start := func(order string, lines int) *shopper {
			s := e.shopper()
			if r := s.post("/portal/acme", map[string]string{"number": order, "email": "jane.doe@example.com"}); r.status != http.StatusSeeOther {
				t.Fatalf("find %s: %d %s", order, r.status, r.body)
			}
			form := map[string]string{}
			for i := range lines {
				n := string(rune('0' + i))
				form["qty-"+n], form["reason-"+n], form["q-"+n+"-0"] = "1", "changed_mind", "No"
			}
			if r := s.multipart("/portal/acme/items", form, nil); r.status != http.StatusSeeOther {
				t.Fatalf("items %s: %d %s", order, r.status, r.body)
			}
			return s
		}

		s := start("order_ecwid_1", 1)
		page := s.get("/portal/acme/options")
		mustContain(t, "options", page, 200, `id="outcome-exchange"`,
			`<option value="701">Size: S – 100.00 USD (same price)</option>`,
			`<option value="703">Size: L – 104.50 USD (you pay 4.50 USD more)</option>`,
			`<option value="705">Size: XS – 95.25 USD (4.75 USD back as store credit)</option>`,
			`<option value="704" disabled>Size: XL – out of stock</option>`)
		for _, no := range []string{`value="702"`, "listed-1"} {
			if strings.Contains(page.body, no) {
				t.Errorf("options offer %s", no)
			}
		}
		addr := func(variant string) map[string]string {
			return map[string]string{"outcome": "exchange", "variant-0": variant, "first_name": "Jane", "last_name": "Doe",
				"address1": "123 Main St", "city": "New York", "zip": "10001", "country": "US"}
		}
		for variant, want := range map[string]string{
			"999":      "Choose the variant of Trail Jacket you want instead.",
			"702":      "Choose the variant of Trail Jacket you want instead.", // its own
			"listed-1": "Choose the variant of Trail Jacket you want instead.",
			"704":      "Size: XL of Trail Jacket is out of stock: choose another variant.",
		} {
			mustContain(t, "variant "+variant, s.post("/portal/acme/options", addr(variant)), 422, want)
			if r := s.get("/portal/acme/review"); r.status != http.StatusSeeOther || r.location != "/portal/acme/items" {
				t.Fatalf("review after a refused variant %s: %d %s (the choice was written)", variant, r.status, r.location)
			}
		}
		if r := s.post("/portal/acme/options", addr("703")); r.status != http.StatusSeeOther || r.location != "/portal/acme/review" {
			t.Fatalf("options: %d %s\n%s", r.status, r.location, r.body)
		}
		rv := s.get("/portal/acme/review")
		mustContain(t, "review", rv, 200, "Trail Jacket – Size: L × 1", "104.50 USD", "You pay the difference</th><td class=\"num\">4.50 USD")
		i := strings.Index(rv.body, `name="key" value="`)
		if r := s.post("/portal/acme/submit", map[string]string{"key": rv.body[i+18 : i+18+32]}); r.status != http.StatusSeeOther {
			t.Fatalf("submit: %d %s", r.status, r.body)
		}
		rs := e.returns()
		if len(rs) != 1 || rs[0].Exchange == nil || len(rs[0].Exchange.Items) != 1 {
			t.Fatalf("returns: %+v", rs)
		}
		ei, tot := rs[0].Exchange.Items[0], rs[0].Totals
		if ei.ProductID != jacket || ei.VariantID != "703" || ei.SKU != "JK-L" || ei.Title != "Trail Jacket – Size: L" || ei.Quantity != 1 || ei.Price != 10450 {
			t.Errorf("exchange item %+v", ei)
		}
		if tot.Exchange != 10450 || tot.Charge != 450 || tot.Refund != 0 || tot.StoreCredit != 0 {
			t.Errorf("totals %+v, want exchange 104.50 and a 4.50 charge", tot)
		}
		if n := productReads(jacket); n != 1 {
			t.Errorf("Ecwid was asked for the jacket %d times over six renders, want 1 (cached)", n)
		}

		// Ecwid failing: the shell falls back to the merchant's list, the
		// fleece (nothing listed) offers no exchange; never a 500.
		fake.InjectFault(100, ecwidtest.Fault{Path: "/products/" + shell, Status: 500})
		fake.InjectFault(100, ecwidtest.Fault{Path: "/products/" + fleece, Reset: true})
		s2 := start("order_ecwid_2", 2)
		var reads [2]int
		for i := range 2 {
			page = s2.get("/portal/acme/options")
			mustContain(t, "options, Ecwid failing", page, 200, `id="outcome-exchange"`, "New variant of Rain Shell",
				`<option value="olive-m">Olive / M – 110.00 USD (you pay 10.00 USD more)</option>`)
			if strings.Contains(page.body, "New variant of Fleece") || strings.Contains(page.body, `value="801"`) {
				t.Errorf("options offer what Ecwid did not give:\n%s", page.body)
			}
			if i == 0 {
				// (net/http itself repeats a GET once on a reset reused connection.)
				reads = [2]int{productReads(shell), productReads(fleece)}
			}
		}
		if a, b := productReads(shell), productReads(fleece); a != 1 || b != reads[1] || b == 0 {
			t.Errorf("failing Ecwid asked %d and %d times over two renders (%v after the first), want no more after the first", a, b, reads)
		}
	})
}

package redoapi_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/examples"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

func TestSyncCustomOrder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		r := e.sync(e.key, examples.Order())
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		b := r.json(t)
		if b["message"] != "Order synced successfully" || b["orderId"] != "order_123456" || b["applied"] != true {
			t.Errorf("body = %v", b)
		}
		redoID := b["redoId"].(string)
		o := e.order("order_123456")
		if o.ID != redoID || o.Lines[0].ReturnableQuantity != 2 || o.Lines[0].Price.Shop.Minor != 2999 || o.Customer.Email != "jane.doe@example.com" {
			t.Errorf("stored order = %+v", o)
		}
		// The sync recorded an order.synced event for later delivery.
		var evs []*returns.Event
		_ = e.st.View(context.Background(), func(tx store.ReadTx) error {
			var err error
			evs, err = tx.ListEvents(context.Background(), e.storeID, 0, 10)
			return err
		})
		if len(evs) != 1 || evs[0].Kind != returns.EventOrderSynced || evs[0].SubjectID != redoID {
			t.Errorf("events = %+v", evs)
		}

		// Re-sync: same id, updated.
		again := mutate(func(o map[string]any) { o["updatedAt"] = "2025-01-16T10:30:00Z"; line(o, 0)["quantity"] = 3 })
		r = e.sync(e.key, again)
		if b := r.json(t); r.status != 200 || b["redoId"] != redoID || b["applied"] != true {
			t.Fatalf("re-sync: %d %v", r.status, b)
		}
		if q := e.order("order_123456").Lines[0].Quantity; q != 3 {
			t.Errorf("quantity after re-sync = %d, want 3", q)
		}
		// Stale: older updatedAt does not overwrite, answers 200 applied:false.
		stale := mutate(func(o map[string]any) {
			o["updatedAt"] = "2025-01-15T11:00:00Z"
			line(o, 0)["quantity"] = 1
			line(o, 0)["returnableQuantity"] = 1
		})
		r = e.sync(e.key, stale)
		if b := r.json(t); r.status != 200 || b["applied"] != false || b["message"] != "Order synced successfully" || b["redoId"] != redoID {
			t.Fatalf("stale sync: %d %v", r.status, b)
		}
		if q := e.order("order_123456").Lines[0].Quantity; q != 3 {
			t.Errorf("stale sync overwrote quantity: %d", q)
		}
	})
}

func TestSyncCoverageAndFulfillment(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		body := mutate(func(o map[string]any) {
			l := line(o, 0)
			delete(l, "returnableQuantity")
			cov := map[string]any{"id": "redo_1", "productId": "redo", "sku": "x-redo", "vendor": "re:do", "title": "Redo", "quantity": 1,
				"priceSet": l["priceSet"], "tags": []any{"returns"}, "properties": []any{map[string]any{"name": "_redo_type", "value": "package protection"}}}
			o["lineItems"] = append(arr(o["lineItems"]), cov)
			o["fulfillments"] = []any{map[string]any{"id": "f1", "shippingDate": "2025-01-16T10:00:00Z",
				"trackingNumbers": []any{map[string]any{"carrier": "UPS", "trackingNumber": "1Z999"}},
				"lineItems":       []any{map[string]any{"id": "line_1", "quantity": 1}}}}
		})
		if r := e.sync(e.key, body); r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		o := e.order("order_123456")
		if o.Coverage != returns.CoverageBoth {
			t.Errorf("coverage = %q, want both", o.Coverage)
		}
		if o.Lines[0].ReturnableQuantity != 1 || o.Lines[1].ReturnableQuantity != 0 || !o.Lines[1].IsCoverage() {
			t.Errorf("lines = %+v", o.Lines)
		}
		r := e.do("GET", "/v2.2/stores/"+e.storeID+"/orders/order_123456", e.key, "", nil)
		if r.status != 200 {
			t.Fatalf("get: %d %s", r.status, r.body)
		}
		f := obj(arr(r.json(t)["fulfillments"])[0])
		if f["status"] != "in_transit" || f["trackingNumber"] != "1Z999" || f["trackingCompany"] != "UPS" {
			t.Errorf("fulfillment = %v", f)
		}
	})
}

// malformed is one bad order: the field path the answer must name.
type malformed struct {
	name string
	body []byte
	path string // as named in "error", e.g. lineItems[0].priceSet.shopMoney.amount
}

func malformedOrders() []malformed {
	m := func(name, path string, f func(o map[string]any)) malformed {
		return malformed{name: name, path: path, body: mutate(f)}
	}
	return []malformed{
		m("missing id", "id", func(o map[string]any) { delete(o, "id") }),
		m("numeric id", "id", func(o map[string]any) { o["id"] = 42 }),
		m("empty id", "id", func(o map[string]any) { o["id"] = "" }),
		m("id with a NUL", "id", func(o map[string]any) { o["id"] = "order\x00123" }),
		m("line id with a NUL", "lineItems[0].id", func(o map[string]any) { line(o, 0)["id"] = "line\x001" }),
		m("wrong type", "type", func(o map[string]any) { o["type"] = "return" }),
		m("missing createdAt", "createdAt", func(o map[string]any) { delete(o, "createdAt") }),
		m("bad createdAt", "createdAt", func(o map[string]any) { o["createdAt"] = "15/01/2025" }),
		m("updatedAt without zone", "updatedAt", func(o map[string]any) { o["updatedAt"] = "2025-01-15T10:30:00" }),
		m("unknown presentment currency", "presentmentCurrency", func(o map[string]any) { o["presentmentCurrency"] = "XYZ" }),
		m("lowercase shop currency", "shopCurrency", func(o map[string]any) { o["shopCurrency"] = "usd" }),
		m("missing customer", "customer", func(o map[string]any) { delete(o, "customer") }),
		m("mangled email", "customer.email", func(o map[string]any) { obj(o["customer"])["email"] = "[email protected]" }),
		m("email with display name", "customer.email", func(o map[string]any) { obj(o["customer"])["email"] = "Jane <jane@example.com>" }),
		m("missing firstName", "customer.firstName", func(o map[string]any) { delete(obj(o["customer"]), "firstName") }),
		m("missing shipping city", "shippingAddress.city", func(o map[string]any) { delete(obj(o["shippingAddress"]), "city") }),
		m("numeric zip", "shippingAddress.zip", func(o map[string]any) { obj(o["shippingAddress"])["zip"] = 10001 }),
		m("lineItems not array", "lineItems", func(o map[string]any) { o["lineItems"] = "line_1" }),
		m("no line items", "lineItems", func(o map[string]any) { o["lineItems"] = []any{} }),
		m("missing line sku", "lineItems[0].sku", func(o map[string]any) { delete(line(o, 0), "sku") }),
		m("missing line title", "lineItems[0].title", func(o map[string]any) { delete(line(o, 0), "title") }),
		m("fractional quantity", "lineItems[0].quantity", func(o map[string]any) { line(o, 0)["quantity"] = 1.5 }),
		m("zero quantity", "lineItems[0].quantity", func(o map[string]any) { line(o, 0)["quantity"] = 0 }),
		m("string quantity", "lineItems[0].quantity", func(o map[string]any) { line(o, 0)["quantity"] = "2" }),
		m("returnable above quantity", "lineItems[0].returnableQuantity", func(o map[string]any) { line(o, 0)["returnableQuantity"] = 3 }),
		m("float amount", "lineItems[0].priceSet.shopMoney.amount", func(o map[string]any) {
			obj(obj(line(o, 0)["priceSet"])["shopMoney"])["amount"] = 29.99
		}),
		m("too many decimals", "lineItems[0].priceSet.presentmentMoney.amount", func(o map[string]any) {
			obj(obj(line(o, 0)["priceSet"])["presentmentMoney"])["amount"] = "29.999"
		}),
		m("negative price", "lineItems[0].priceSet.shopMoney.amount", func(o map[string]any) {
			obj(obj(line(o, 0)["priceSet"])["shopMoney"])["amount"] = "-1.00"
		}),
		m("currency mismatch", "lineItems[0].priceSet.shopMoney.currencyCode", func(o map[string]any) {
			obj(obj(line(o, 0)["priceSet"])["shopMoney"])["currencyCode"] = "EUR"
		}),
		m("missing priceSet", "lineItems[0].priceSet", func(o map[string]any) { delete(line(o, 0), "priceSet") }),
		m("duplicate line id", "lineItems[1].id", func(o map[string]any) {
			o["lineItems"] = append(arr(o["lineItems"]), line(o, 0))
		}),
		m("bad second line amount", "lineItems[1].priceSet.shopMoney.amount", func(o map[string]any) {
			l2 := map[string]any{"id": "line_2", "productId": "p2", "sku": "S2", "title": "Socks", "quantity": 1,
				"priceSet": map[string]any{"shopMoney": map[string]any{"amount": "abc", "currencyCode": "USD"},
					"presentmentMoney": map[string]any{"amount": "5.00", "currencyCode": "USD"}}}
			o["lineItems"] = append(arr(o["lineItems"]), l2)
		}),
		m("tax without rate key", "lineItems[0].taxLines[0].rate", func(o map[string]any) {
			line(o, 0)["taxLines"] = []any{map[string]any{"title": "VAT", "priceSet": line(o, 0)["priceSet"]}}
		}),
		m("discount without id", "lineItems[0].discounts[0].discountId", func(o map[string]any) {
			line(o, 0)["discounts"] = []any{map[string]any{"amountSet": line(o, 0)["priceSet"]}}
		}),
		m("missing orderDiscounts", "orderDiscounts", func(o map[string]any) { delete(o, "orderDiscounts") }),
		m("missing shipping line title", "shippingLines[0].title", func(o map[string]any) { delete(obj(arr(o["shippingLines"])[0]), "title") }),
		m("fulfillment unknown line", "fulfillments[0].lineItems[0].id", func(o map[string]any) {
			o["fulfillments"] = []any{map[string]any{"id": "f1", "lineItems": []any{map[string]any{"id": "nope", "quantity": 1}}}}
		}),
		m("over-fulfilled line", "fulfillments[0].lineItems[0].quantity", func(o map[string]any) {
			o["fulfillments"] = []any{map[string]any{"id": "f1", "lineItems": []any{map[string]any{"id": "line_1", "quantity": 5}}}}
		}),
		m("coverage line without type", "lineItems[0].tags", func(o map[string]any) {
			l := line(o, 0)
			l["vendor"], l["sku"] = "re:do", "x-redo"
		}),
		m("transaction amount string", "transactions[0].amount", func(o map[string]any) { obj(arr(o["transactions"])[0])["amount"] = "65.97" }),
		m("bad cancel reason", "cancelReason", func(o map[string]any) { o["cancelReason"] = "bored" }),
	}
}

func TestSyncMalformedOrders(t *testing.T) {
	cases := malformedOrders()
	if len(cases) < 30 {
		t.Fatalf("only %d cases", len(cases))
	}
	forEachBackend(t, func(t *testing.T, e *env) {
		// One good order first, so "unchanged" is checked against real data.
		if r := e.sync(e.key, examples.OrderWithID("baseline")); r.status != 200 {
			t.Fatalf("baseline: %d %s", r.status, r.body)
		}
		before := e.fingerprint()
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := e.sync(e.key, c.body)
				if r.status != 400 {
					t.Fatalf("status = %d, want 400: %s", r.status, r.body)
				}
				if ct := r.header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
				b := r.json(t)
				if msg, _ := b["error"].(string); !strings.Contains(msg, c.path+":") {
					t.Errorf("error %q does not name %s", msg, c.path)
				}
				// errors mirrors the body: walk it along the path.
				var node any = b["errors"]
				for _, seg := range strings.FieldsFunc(c.path, func(r rune) bool { return r == '.' || r == '[' || r == ']' }) {
					m, ok := node.(map[string]any)
					if !ok {
						t.Fatalf("errors tree has no %q on the way to %s: %v", seg, c.path, b["errors"])
					}
					node = m[seg]
				}
				switch v := node.(type) {
				case string:
					if v == "" {
						t.Errorf("empty message at %s", c.path)
					}
				case map[string]any:
					if s, _ := v["_error"].(string); s == "" {
						t.Errorf("no message at %s: %v", c.path, v)
					}
				default:
					t.Errorf("errors at %s = %v (%T)", c.path, node, node)
				}
			})
		}
		if after := e.fingerprint(); after != before {
			t.Errorf("database changed:\nbefore %s\nafter  %s", before, after)
		}
	})
}

func TestSyncBodyErrors(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		before := e.fingerprint()
		path := "/v2.2/stores/" + e.storeID + "/custom/orders"
		big := mutate(func(o map[string]any) { o["tags"] = []any{strings.Repeat("x", 1<<20)} })
		if r := e.do("POST", path, e.key, "application/json", big); r.status != 413 {
			t.Errorf("oversized body: %d %s", r.status, r.body)
		}
		r := e.do("POST", path, e.key, "text/plain", examples.Order())
		if r.status != 415 || r.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("text/plain: %d %s", r.status, r.body)
		}
		if r := e.do("POST", path, e.key, "", examples.Order()); r.status != 415 {
			t.Errorf("no content type: %d", r.status)
		}
		r = e.do("POST", path, e.key, "application/json", []byte(`{"id": "x", "type": "order",, }`))
		if msg, _ := r.json(t)["error"].(string); r.status != 400 || !strings.Contains(msg, "byte 28") {
			t.Errorf("malformed JSON: %d %s", r.status, r.body)
		}
		r = e.do("POST", path, e.key, "application/json; charset=utf-8", []byte(`{"id": "x"`))
		if msg, _ := r.json(t)["error"].(string); r.status != 400 || !strings.Contains(msg, "byte") {
			t.Errorf("truncated JSON: %d %s", r.status, r.body)
		}
		if r := e.do("POST", path, e.key, "application/json", nil); r.status != 400 {
			t.Errorf("empty body: %d %s", r.status, r.body)
		}
		if after := e.fingerprint(); after != before {
			t.Errorf("database changed:\nbefore %s\nafter  %s", before, after)
		}
	})
}

func TestGetAndDeleteOrder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		r := e.sync(e.key, examples.Order())
		redoID := r.json(t)["redoId"].(string)
		base := "/v2.2/stores/" + e.storeID + "/orders/"
		for _, ref := range []string{"order_123456", redoID} {
			r := e.do("GET", base+url.PathEscape(ref), e.key, "", nil)
			if r.status != 200 {
				t.Fatalf("GET %s: %d %s", ref, r.status, r.body)
			}
			b := r.json(t)
			if b["orderId"] != "order_123456" || b["totalPrice"] != 65.97 || b["subtotalPrice"] != 59.98 || b["currencyCode"] != "USD" {
				t.Errorf("GET %s = %v", ref, b)
			}
			li := obj(arr(b["lineItems"])[0])
			if li["price"] != 29.99 || li["quantity"] != 2.0 || li["sku"] != "TEE-BLK-M" {
				t.Errorf("line = %v", li)
			}
		}
		r = e.do("GET", base+"nope", e.key, "", nil)
		if r.status != 404 || r.header.Get("Content-Type") != "application/json" || r.json(t)["error"] == nil {
			t.Errorf("GET unknown: %d %s", r.status, r.body)
		}
		r = e.do("DELETE", base+"order_123456", e.key, "", nil)
		if b := r.json(t); r.status != 200 || b["success"] != true || b["orderId"] != redoID || b["externalOrderId"] != "order_123456" {
			t.Fatalf("DELETE: %d %s", r.status, r.body)
		}
		if r := e.do("GET", base+redoID, e.key, "", nil); r.status != 404 {
			t.Errorf("GET after delete: %d", r.status)
		}
		if r := e.do("DELETE", base+"order_123456", e.key, "", nil); r.status != 404 {
			t.Errorf("DELETE twice: %d", r.status)
		}
	})
}

func TestAuthentication(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		path := "/v2.2/stores/" + e.storeID + "/orders/x"
		check := func(name, key string, wantStatus int, wantType string) {
			t.Helper()
			r := e.do("GET", path, key, "", nil)
			if r.status != wantStatus {
				t.Errorf("%s: status %d, want %d: %s", name, r.status, wantStatus, r.body)
				return
			}
			if wantType != "" {
				if typ := r.json(t)["type"]; typ != wantType {
					t.Errorf("%s: problem type %v, want %s", name, typ, wantType)
				}
			}
		}
		check("no key", "", 401, "")
		check("garbage key", "nonsense", 401, "")
		check("wrong secret", e.key[:len(e.key)-4]+"AAAA", 401, "")
		r := e.do("GET", path, "", "", nil)
		if r.header.Get("WWW-Authenticate") == "" || r.header.Get("Content-Type") != "application/json" {
			t.Errorf("401 headers: %v", r.header)
		}
		// Scope: a read-only key cannot sync.
		ro, err := e.app.CreateAPIKey(ctx, e.storeID, []returns.Scope{returns.ScopeOrdersRead}, "")
		if err != nil {
			t.Fatal(err)
		}
		check("read-only key reading", ro.Secret, 404, "")
		r = e.sync(ro.Secret, examples.Order())
		if r.status != 403 || r.json(t)["type"] != "com.getredo.api:scope/forbidden" || r.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("missing scope: %d %s", r.status, r.body)
		}
		noread, _ := e.app.CreateAPIKey(ctx, e.storeID, []returns.Scope{returns.ScopeOrdersWrite}, "")
		check("write-only key reading", noread.Secret, 403, "com.getredo.api:scope/forbidden")
		// Revoked keys stop working.
		if _, err := e.app.RevokeAPIKey(ctx, ro.Key.ID); err != nil {
			t.Fatal(err)
		}
		check("revoked key", ro.Secret, 401, "")
	})
}

// Store A's key on every store-B route: 403 and no data, and B's data is
// untouched.
func TestTenancy(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		b, bKey, err := e.app.CreateStore(context.Background(), "Other")
		if err != nil {
			t.Fatal(err)
		}
		bEnv := *e
		bEnv.storeID, bEnv.key = b.ID, bKey.Secret
		r := bEnv.sync(bEnv.key, examples.Order())
		if r.status != 200 {
			t.Fatalf("B sync: %d", r.status)
		}
		bRedo := r.json(t)["redoId"].(string)
		before := e.fingerprint()
		routes := []struct{ method, path string }{
			{"POST", "/v2.2/stores/" + b.ID + "/custom/orders"},
			{"GET", "/v2.2/stores/" + b.ID + "/orders/order_123456"},
			{"GET", "/v2.2/stores/" + b.ID + "/orders/" + bRedo},
			{"DELETE", "/v2.2/stores/" + b.ID + "/orders/order_123456"},
		}
		for _, rt := range routes {
			r := e.do(rt.method, rt.path, e.key, "application/json", examples.Order())
			if r.status != 403 {
				t.Errorf("%s %s with A's key: %d %s", rt.method, rt.path, r.status, r.body)
			}
			if strings.Contains(string(r.body), "jane.doe") || strings.Contains(string(r.body), "Classic T-Shirt") {
				t.Errorf("%s %s leaked data: %s", rt.method, rt.path, r.body)
			}
		}
		// A's own path never reaches B's order, even by B's Rebound id.
		if r := e.do("GET", "/v2.2/stores/"+e.storeID+"/orders/"+bRedo, e.key, "", nil); r.status != 404 {
			t.Errorf("A reading B's order via A's path: %d %s", r.status, r.body)
		}
		if after := e.fingerprint(); after != before {
			t.Errorf("database changed:\nbefore %s\nafter  %s", before, after)
		}
	})
}

func TestRouterAndOps(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		r := e.do("GET", "/nope", "", "", nil)
		if p := r.json(t); r.status != 404 || r.header.Get("Content-Type") != "application/problem+json" || p["status"] != 404.0 || p["instance"] != "/nope" {
			t.Errorf("404: %d %s", r.status, r.body)
		}
		// No spec operation exists for PATCH, so this one is checked by hand.
		r = e.doUnchecked("PATCH", "/v2.2/stores/"+e.storeID+"/custom/orders", e.key, "", nil)
		if r.status != 405 || r.header.Get("Content-Type") != "application/problem+json" || !strings.Contains(r.header.Get("Allow"), "POST") {
			t.Errorf("405: %d %v %s", r.status, r.header, r.body)
		}
		if r := e.do("GET", "/healthz", "", "", nil); r.status != 200 {
			t.Errorf("healthz: %d", r.status)
		}
		if r := e.do("GET", "/readyz", "", "", nil); r.status != 200 || r.json(t)["status"] != "ready" {
			t.Errorf("readyz: %d %s", r.status, r.body)
		}
		e.sync(e.key, examples.Order())
		r = e.do("GET", "/metrics", "", "", nil)
		for _, want := range []string{
			`rebound_http_requests_total{method="POST",route="POST /v2.2/stores/{storeId}/custom/orders",status="200"} 1`,
			"rebound_http_request_duration_seconds_bucket",
			`rebound_jobs{state="available"}`,
			"rebound_db_pool_open_connections",
		} {
			if !strings.Contains(string(r.body), want) {
				t.Errorf("metrics lack %q", want)
			}
		}
		// A sane client request id is echoed back; a hostile one replaced.
		for id, echoed := range map[string]bool{"abc-123": true, "bad id": false} {
			req, _ := http.NewRequest("GET", e.srv.URL+"/healthz", nil)
			req.Header.Set("X-Request-Id", id)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if got := res.Header.Get("X-Request-Id"); (got == id) != echoed || got == "" {
				t.Errorf("X-Request-Id %q answered %q", id, got)
			}
		}
	})
}

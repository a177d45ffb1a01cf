package redoapi_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// apiOrder is an Orders API create body (with a member the spec does not
// declare, which must be ignored), with f applied.
func apiOrder(id string, created time.Time, f func(o map[string]any)) []byte {
	o := map[string]any{
		"orderId": id, "createdAt": created.UTC().Format(time.RFC3339), "currencyCode": "USD",
		"lineItems": []any{
			map[string]any{"id": "li-1", "productId": "p1", "variantId": "v1", "title": "Tee", "sku": "TEE", "quantity": 2, "price": 25.00, "discount": 5.00,
				"imageUrl": "https://example.com/tee.jpg"},
			map[string]any{"id": "li-2", "productId": "p2", "variantId": nil, "title": "Socks", "sku": nil, "quantity": 1, "price": 5.5},
		},
		"customer": map[string]any{"id": "c1", "email": "jane@example.com", "name": "Jane Doe", "phoneNumber": "+15125550100"},
		"shipping": map[string]any{"method": "Ground", "cost": 4.99,
			"address": map[string]any{"address1": "1 Main St", "city": "Austin", "province": "TX", "country": "US", "postalCode": "78701"}},
		"billingAddress": map[string]any{"address1": "1 Main St", "city": "Austin", "province": "TX", "country": "US", "postalCode": "78701"},
		"totalPrice":     57.58, "subtotalPrice": 49.50, "totalTax": 3.09, "totalDiscount": 6.00,
		"tags": []any{"vip"}, "locationId": nil,
		"platform": map[string]any{"name": "acme-oms"}, // undeclared: ignored
	}
	if f != nil {
		f(o)
	}
	b, err := json.Marshal(o)
	if err != nil {
		panic(err)
	}
	return b
}

func (e *env) ordersPath(rest string) string { return "/v2.2/stores/" + e.storeID + "/orders" + rest }

func (e *env) createAPIOrder(body []byte) response {
	e.t.Helper()
	return e.do("POST", e.ordersPath(""), e.key, "application/json", body)
}

func (e *env) mustCreateAPIOrder(body []byte) map[string]any {
	e.t.Helper()
	r := e.createAPIOrder(body)
	if r.status != 200 {
		e.t.Fatalf("create order: %d %s", r.status, r.body)
	}
	return r.json(e.t)
}

func (e *env) fulfill(orderRef string, body string) response {
	e.t.Helper()
	return e.do("POST", e.ordersPath("/"+orderRef+"/fulfillments"), e.key, "application/json", []byte(body))
}

func (e *env) mustFulfill(orderRef string, body string) map[string]any {
	e.t.Helper()
	r := e.fulfill(orderRef, body)
	if r.status != 200 {
		e.t.Fatalf("fulfill: %d %s", r.status, r.body)
	}
	b := r.json(e.t)
	if b["success"] != true {
		e.t.Fatalf("fulfill: %s", r.body)
	}
	return obj(b["fulfillment"])
}

func (e *env) shipmentStatus(orderRef, fulfillmentID, body string) response {
	e.t.Helper()
	return e.do("POST", e.ordersPath("/"+orderRef+"/fulfillments/"+fulfillmentID+"/shipment-status"), e.key, "application/json", []byte(body))
}

// wantOrdersAPIError checks a {"error"} body whose message names field.
func wantOrdersAPIError(t *testing.T, r response, status int, field string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	msg, _ := r.json(t)["error"].(string)
	if !strings.Contains(msg, field) {
		t.Errorf("error %q does not name %q", msg, field)
	}
}

func TestOrdersAPICreate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		created := time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC)
		b := e.mustCreateAPIOrder(apiOrder("ord-1001", created, nil))
		redoID, _ := b["orderId"].(string)
		if b["externalOrderId"] != "ord-1001" || len(redoID) != 24 {
			t.Fatalf("response = %v", b)
		}
		o := e.order("ord-1001")
		if o.ID != redoID || o.ShopCurrency != "USD" || !o.CreatedAt.Equal(created) || o.Customer.FirstName != "Jane" || o.Customer.LastName != "Doe" ||
			o.ShippingAddress.ProvinceCode != "TX" || o.BillingAddress == nil || len(o.Lines) != 2 {
			t.Fatalf("stored order = %+v", o)
		}
		if l := o.Lines[0]; l.Price.Shop.Minor != 2500 || l.Quantity != 2 || l.ReturnableQuantity != 0 || len(l.Discounts) != 1 || l.Discounts[0].Amount.Shop.Minor != 500 {
			t.Errorf("line = %+v", l)
		}
		// totalDiscount 6.00 = 5.00 on li-1 + 1.00 for the order; totalTax
		// 3.09 apportioned over the nets 45.00, 5.50 and shipping 4.99.
		if len(o.Discounts) != 1 || o.Discounts[0].Amount.Shop.Minor != 100 {
			t.Errorf("order discounts = %+v", o.Discounts)
		}
		var tax int64
		for _, l := range o.Lines {
			for _, tl := range l.TaxLines {
				tax += tl.Amount.Shop.Minor
			}
		}
		for _, sl := range o.ShippingLines {
			for _, tl := range sl.TaxLines {
				tax += tl.Amount.Shop.Minor
			}
		}
		if tax != 309 {
			t.Errorf("tax kept = %d, want 309", tax)
		}
		// The GET view gives the totals back.
		g := e.do("GET", e.ordersPath("/ord-1001"), e.key, "", nil).json(t)
		if g["totalDiscount"] != 6.0 || g["totalTax"] != 3.09 || g["subtotalPrice"] != 49.5 || g["totalPrice"] != 57.58 || g["currencyCode"] != "USD" {
			t.Errorf("GET totals = %v", g)
		}

		// Created again: same id, updated in place (idempotent by orderId).
		b = e.mustCreateAPIOrder(apiOrder("ord-1001", created, func(o map[string]any) { obj(arr(o["lineItems"])[0])["quantity"] = 3 }))
		if b["orderId"] != redoID {
			t.Errorf("re-create id = %v, want %s", b["orderId"], redoID)
		}
		if q := e.order("ord-1001").Lines[0].Quantity; q != 3 {
			t.Errorf("quantity after re-create = %d", q)
		}
		var evs []*returns.Event
		_ = e.st.View(context.Background(), func(tx store.ReadTx) error {
			var err error
			evs, err = tx.ListEvents(context.Background(), e.storeID, 0, 10)
			return err
		})
		if len(evs) != 2 || evs[0].Kind != returns.EventOrderSynced || evs[0].SubjectID != redoID {
			t.Errorf("events = %+v", evs)
		}

		// Minimal body: defaults (USD, no customer, no shipping).
		min := `{"orderId":"ord-min","createdAt":"2025-01-15T10:30:00+02:00","lineItems":[{"id":"a","productId":"p","title":"T","quantity":1}]}`
		if r := e.createAPIOrder([]byte(min)); r.status != 200 {
			t.Errorf("minimal: %d %s", r.status, r.body)
		}
		if o := e.order("ord-min"); o.ShopCurrency != "USD" || o.CreatedAt.Format(time.RFC3339) != "2025-01-15T08:30:00Z" {
			t.Errorf("minimal order = %+v", o)
		}
	})
}

func TestOrdersAPICreateErrors(t *testing.T) {
	created := time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC)
	li := func(o map[string]any, i int) map[string]any { return obj(arr(o["lineItems"])[i]) }
	cases := []struct {
		name, field string
		f           func(o map[string]any)
	}{
		{"missing orderId", "orderId", func(o map[string]any) { delete(o, "orderId") }},
		{"numeric orderId", "orderId", func(o map[string]any) { o["orderId"] = 42 }},
		{"empty orderId", "orderId", func(o map[string]any) { o["orderId"] = " " }},
		{"missing createdAt", "createdAt", func(o map[string]any) { delete(o, "createdAt") }},
		{"createdAt without zone", "createdAt", func(o map[string]any) { o["createdAt"] = "2025-01-15T10:30:00" }},
		{"no line items", "lineItems", func(o map[string]any) { o["lineItems"] = []any{} }},
		{"line items not array", "lineItems", func(o map[string]any) { o["lineItems"] = "li-1" }},
		{"line not object", "lineItems[1]", func(o map[string]any) { arr(o["lineItems"])[1] = 7 }},
		{"missing line id", "lineItems[0].id", func(o map[string]any) { delete(li(o, 0), "id") }},
		{"duplicate line id", "lineItems[1].id", func(o map[string]any) { li(o, 1)["id"] = "li-1" }},
		{"missing productId", "lineItems[1].productId", func(o map[string]any) { delete(li(o, 1), "productId") }},
		{"missing title", "lineItems[0].title", func(o map[string]any) { delete(li(o, 0), "title") }},
		{"zero quantity", "lineItems[0].quantity", func(o map[string]any) { li(o, 0)["quantity"] = 0 }},
		{"fractional quantity", "lineItems[0].quantity", func(o map[string]any) { li(o, 0)["quantity"] = 1.5 }},
		{"quantity over 1000", "lineItems[0].quantity", func(o map[string]any) { li(o, 0)["quantity"] = 1001 }},
		{"string price", "lineItems[0].price", func(o map[string]any) { li(o, 0)["price"] = "25.00" }},
		{"negative price", "lineItems[0].price", func(o map[string]any) { li(o, 0)["price"] = -1 }},
		{"sub-cent price", "lineItems[0].price", func(o map[string]any) { li(o, 0)["price"] = 25.001 }},
		{"discount above line", "lineItems[0].discount", func(o map[string]any) { li(o, 0)["discount"] = 50.01 }},
		{"numeric sku", "lineItems[0].sku", func(o map[string]any) { li(o, 0)["sku"] = 12 }},
		{"long image url", "lineItems[0].imageUrl", func(o map[string]any) { li(o, 0)["imageUrl"] = "https://x/" + strings.Repeat("a", 2048) }},
		{"unknown currency", "currencyCode", func(o map[string]any) { o["currencyCode"] = "XYZ" }},
		{"customer not object", "customer", func(o map[string]any) { o["customer"] = "jane" }},
		{"numeric email", "customer.email", func(o map[string]any) { obj(o["customer"])["email"] = 1 }},
		{"numeric city", "shipping.address.city", func(o map[string]any) { obj(obj(o["shipping"])["address"])["city"] = 1 }},
		{"string shipping cost", "shipping.cost", func(o map[string]any) { obj(o["shipping"])["cost"] = "4.99" }},
		{"numeric billing zip", "billingAddress.postalCode", func(o map[string]any) { obj(o["billingAddress"])["postalCode"] = 78701 }},
		{"negative tax", "totalTax", func(o map[string]any) { o["totalTax"] = -1 }},
		{"discount above order", "totalDiscount", func(o map[string]any) { o["totalDiscount"] = 1000 }},
		{"numeric tag", "tags[0]", func(o map[string]any) { o["tags"] = []any{1} }},
		{"numeric locationId", "locationId", func(o map[string]any) { o["locationId"] = 5 }},
	}
	forEachBackend(t, func(t *testing.T, e *env) {
		e.mustCreateAPIOrder(apiOrder("baseline", created, nil))
		other, _, err := e.app.CreateStore(context.Background(), "Other")
		if err != nil {
			t.Fatal(err)
		}
		ro, _ := e.app.CreateAPIKey(context.Background(), e.storeID, []returns.Scope{returns.ScopeOrdersRead}, "")
		before := e.fingerprint()
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				wantOrdersAPIError(t, e.createAPIOrder(apiOrder("ord-bad", created, c.f)), 400, c.field+":")
			})
		}
		// Every problem at once.
		r := e.createAPIOrder([]byte(`{"lineItems":[{"id":"a","quantity":0}]}`))
		for _, f := range []string{"orderId:", "createdAt:", "lineItems[0].productId:", "lineItems[0].title:", "lineItems[0].quantity:"} {
			wantOrdersAPIError(t, r, 400, f)
		}
		wantOrdersAPIError(t, e.createAPIOrder([]byte(`{"orderId":`)), 400, "")
		wantOrdersAPIError(t, e.createAPIOrder([]byte(`[1]`)), 400, "JSON object")
		if r := e.do("POST", e.ordersPath(""), e.key, "text/plain", apiOrder("ord-bad", created, nil)); r.status != 415 {
			t.Errorf("text/plain: %d %s", r.status, r.body)
		}
		// 401, as {"error"}.
		r = e.do("POST", e.ordersPath(""), "", "application/json", apiOrder("ord-bad", created, nil))
		wantOrdersAPIError(t, r, 401, "Authorization")
		// 403: another store's path, and a key without orders_write.
		r = e.do("POST", "/v2.2/stores/"+other.ID+"/orders", e.key, "application/json", apiOrder("ord-bad", created, nil))
		if r.status != 403 || r.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("other store: %d %s", r.status, r.body)
		}
		r = e.do("POST", e.ordersPath(""), ro.Secret, "application/json", apiOrder("ord-bad", created, nil))
		if r.status != 403 || r.json(t)["type"] != "com.getredo.api:scope/forbidden" {
			t.Errorf("read-only key: %d %s", r.status, r.body)
		}
		if after := e.fingerprint(); after != before {
			t.Errorf("refused requests wrote:\nbefore %s\nafter  %s", before, after)
		}

		// 409: a re-create may not drop fulfilled units.
		e.mustFulfill("baseline", `{"lineItems":[{"id":"li-1","quantity":2}]}`)
		r = e.createAPIOrder(apiOrder("baseline", created, func(o map[string]any) { obj(arr(o["lineItems"])[0])["quantity"] = 1 }))
		wantOrdersAPIError(t, r, 409, "lineItems[0].quantity")
		r = e.createAPIOrder(apiOrder("baseline", created, func(o map[string]any) { o["lineItems"] = arr(o["lineItems"])[1:] }))
		wantOrdersAPIError(t, r, 409, `"li-1"`)
		// A re-create that keeps them keeps the fulfillment.
		e.mustCreateAPIOrder(apiOrder("baseline", created, func(o map[string]any) { obj(arr(o["lineItems"])[1])["title"] = "Socks (pair)" }))
		if o := e.order("baseline"); len(o.Fulfillments) != 1 || o.Lines[0].FulfilledQuantity != 2 || o.Lines[0].ReturnableQuantity != 2 || o.Lines[1].Title != "Socks (pair)" {
			t.Errorf("after re-create: %+v", o)
		}
	})
}

func TestOrdersAPIFulfillments(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		b := e.mustCreateAPIOrder(apiOrder("ord-1", time.Now().Add(-time.Hour), nil))
		redoID := b["orderId"].(string)

		// A partial fulfillment with tracking, by external id.
		f := e.mustFulfill("ord-1", `{"fulfillmentId":"ful-1","lineItems":[{"id":"li-1","quantity":1}],"tracking":{"carrier":"UPS","code":"1Z999"},"extra":true}`)
		if f["id"] != "ful-1" || f["status"] != "pre_transit" || f["trackingNumber"] != "1Z999" || f["trackingCompany"] != "UPS" ||
			len(arr(f["trackingHistory"])) != 0 || f["deliveredAt"] != nil {
			t.Errorf("fulfillment = %v", f)
		}
		if l := obj(arr(f["lineItems"])[0]); l["id"] != "li-1" || l["quantity"] != 1.0 || l["title"] != "Tee" || l["productId"] != "p1" || l["sku"] != "TEE" {
			t.Errorf("fulfilled line = %v", l)
		}
		o := e.order("ord-1")
		if o.Lines[0].FulfilledQuantity != 1 || o.Lines[0].ReturnableQuantity != 1 || o.Lines[1].ReturnableQuantity != 0 {
			t.Errorf("lines after fulfillment = %+v", o.Lines)
		}
		// The same request again is answered, not recorded twice.
		again := e.mustFulfill("ord-1", `{"fulfillmentId":"ful-1","lineItems":[{"id":"li-1","quantity":1}],"tracking":{"carrier":"UPS","code":"1Z999"}}`)
		if again["createdAt"] != f["createdAt"] || len(e.order("ord-1").Fulfillments) != 1 {
			t.Errorf("repeat = %v", again)
		}
		// The same id for another shipment is a conflict.
		if r := e.fulfill("ord-1", `{"fulfillmentId":"ful-1","lineItems":[{"id":"li-2","quantity":1}]}`); r.status != 409 {
			t.Errorf("id reused: %d %s", r.status, r.body)
		}

		// A dummy tracker, by Rebound id, with a generated id and number.
		d := e.mustFulfill(redoID, `{"lineItems":[{"id":"li-2","quantity":1}],"useDummyTracking":true,"initialTracking":{"status":"in_transit","message":"Picked up","location":{"city":"Austin","state":"TX"}}}`)
		if id, _ := d["id"].(string); id == "" || d["status"] != "in_transit" || d["trackingCompany"] != "dummy" || !strings.HasPrefix(d["trackingNumber"].(string), "DUMMY") {
			t.Errorf("dummy fulfillment = %v", d)
		}
		if h := arr(d["trackingHistory"]); len(h) != 1 || obj(h[0])["message"] != "Picked up" || obj(obj(h[0])["location"])["city"] != "Austin" {
			t.Errorf("dummy history = %v", d["trackingHistory"])
		}

		// The GET view lists both.
		g := e.do("GET", e.ordersPath("/ord-1"), e.key, "", nil).json(t)
		if fs := arr(g["fulfillments"]); len(fs) != 2 || obj(fs[0])["id"] != "ful-1" || obj(fs[1])["status"] != "in_transit" {
			t.Errorf("GET fulfillments = %v", g["fulfillments"])
		}

		before := e.fingerprint()
		bad := []struct{ name, body, field string }{
			{"unknown line", `{"lineItems":[{"id":"nope","quantity":1}]}`, "lineItems[0].id:"},
			{"more than unfulfilled", `{"lineItems":[{"id":"li-1","quantity":2}]}`, "lineItems[0].quantity:"},
			{"split over the rest", `{"lineItems":[{"id":"li-1","quantity":1},{"id":"li-1","quantity":1}]}`, "lineItems[1].quantity:"},
			{"fully fulfilled line", `{"lineItems":[{"id":"li-2","quantity":1}]}`, "lineItems[0].quantity:"},
			{"no lines", `{"lineItems":[]}`, "lineItems:"},
			{"missing lines", `{"tracking":{"carrier":"UPS","code":"1"}}`, "lineItems:"},
			{"zero quantity", `{"lineItems":[{"id":"li-1","quantity":0}]}`, "lineItems[0].quantity:"},
			{"tracking without code", `{"lineItems":[{"id":"li-1","quantity":1}],"tracking":{"carrier":"UPS"}}`, "tracking.code:"},
			{"bad dummy flag", `{"lineItems":[{"id":"li-1","quantity":1}],"useDummyTracking":"yes"}`, "useDummyTracking:"},
			{"bad initial status", `{"lineItems":[{"id":"li-1","quantity":1}],"useDummyTracking":true,"initialTracking":{"status":"delayed"}}`, "initialTracking.status:"},
		}
		for _, c := range bad {
			t.Run(c.name, func(t *testing.T) { wantOrdersAPIError(t, e.fulfill("ord-1", c.body), 400, c.field) })
		}
		// Every problem at once.
		r := e.fulfill("ord-1", `{"lineItems":[{"id":"li-1","quantity":2},{"id":"li-9","quantity":1}]}`)
		wantOrdersAPIError(t, r, 400, "lineItems[0].quantity:")
		wantOrdersAPIError(t, r, 400, "lineItems[1].id:")
		wantOrdersAPIError(t, e.fulfill("ord-404", `{"lineItems":[{"id":"li-1","quantity":1}]}`), 404, "ord-404")
		r = e.do("POST", e.ordersPath("/ord-1/fulfillments"), "", "application/json", []byte(`{"lineItems":[{"id":"li-1","quantity":1}]}`))
		wantOrdersAPIError(t, r, 401, "Authorization")
		if after := e.fingerprint(); after != before {
			t.Errorf("refused requests wrote:\nbefore %s\nafter  %s", before, after)
		}
	})
}

func TestOrdersAPIShipmentStatus(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.mustCreateAPIOrder(apiOrder("ord-1", time.Now().Add(-time.Hour), nil))
		e.mustFulfill("ord-1", `{"fulfillmentId":"ful-1","lineItems":[{"id":"li-1","quantity":2}],"useDummyTracking":true}`)

		r := e.shipmentStatus("ord-1", "ful-1", `{"status":"in_transit","message":"Departed facility","datetime":"2025-02-01T08:00:00-05:00","estimatedDeliveryDate":"2025-02-03T00:00:00Z","location":{"city":"Memphis","state":"TN","country":"US","postalCode":null}}`)
		if r.status != 200 {
			t.Fatalf("in_transit: %d %s", r.status, r.body)
		}
		f := obj(r.json(t)["fulfillment"])
		if f["status"] != "in_transit" || f["estimatedDeliveryDate"] != "2025-02-03" {
			t.Errorf("after in_transit: %v", f)
		}
		// An event is recorded but leaves the status.
		r = e.shipmentStatus("ord-1", "ful-1", `{"status":"delayed","estimatedDeliveryDate":"2025-02-05"}`)
		f = obj(r.json(t)["fulfillment"])
		if r.status != 200 || f["status"] != "in_transit" || f["estimatedDeliveryDate"] != "2025-02-05" || f["deliveredAt"] != nil {
			t.Errorf("after delayed: %d %v", r.status, f)
		}
		r = e.shipmentStatus("ord-1", "ful-1", `{"status":"delivered","datetime":"2025-02-04T15:00:00Z"}`)
		f = obj(r.json(t)["fulfillment"])
		if r.status != 200 || f["status"] != "delivered" || f["deliveredAt"] != "2025-02-04T15:00:00Z" {
			t.Errorf("after delivered: %d %v", r.status, f)
		}
		h := arr(f["trackingHistory"])
		want := []string{"pre_transit", "in_transit", "delayed", "delivered"}
		if len(h) != len(want) {
			t.Fatalf("history = %v", h)
		}
		for i, s := range want {
			if obj(h[i])["status"] != s {
				t.Errorf("history[%d] = %v, want %s", i, h[i], s)
			}
		}
		if ev := obj(h[1]); ev["message"] != "Departed facility" || ev["datetime"] != "2025-02-01T13:00:00Z" || obj(ev["location"])["city"] != "Memphis" {
			t.Errorf("history[1] = %v", ev)
		}
		if obj(h[2])["message"] != "Delayed" {
			t.Errorf("default message = %v", h[2])
		}
		// The order's fulfillment carries the delivery date and history.
		o := e.order("ord-1")
		if fd := o.Fulfillments[0].DeliveryDate; fd == nil || !fd.Equal(time.Date(2025, 2, 4, 15, 0, 0, 0, time.UTC)) {
			t.Errorf("delivery date = %v", fd)
		}
		g := e.do("GET", e.ordersPath("/ord-1"), e.key, "", nil).json(t)
		if gf := obj(arr(g["fulfillments"])[0]); gf["status"] != "delivered" || len(arr(gf["trackingHistory"])) != 4 {
			t.Errorf("GET fulfillment = %v", gf)
		}

		before := e.fingerprint()
		for _, c := range []struct{ name, body, field string }{
			{"unknown status", `{"status":"lost"}`, "status:"},
			{"unknown is not sendable", `{"status":"unknown"}`, "status:"},
			{"missing status", `{"message":"hi"}`, "status:"},
			{"numeric status", `{"status":3}`, "status:"},
			{"bad datetime", `{"status":"in_transit","datetime":"yesterday"}`, "datetime:"},
			{"bad estimate", `{"status":"in_transit","estimatedDeliveryDate":"soon"}`, "estimatedDeliveryDate:"},
			{"bad location", `{"status":"in_transit","location":"Memphis"}`, "location:"},
			{"numeric message", `{"status":"in_transit","message":5}`, "message:"},
		} {
			t.Run(c.name, func(t *testing.T) { wantOrdersAPIError(t, e.shipmentStatus("ord-1", "ful-1", c.body), 400, c.field) })
		}
		wantOrdersAPIError(t, e.shipmentStatus("ord-1", "ful-404", `{"status":"delivered"}`), 404, "ful-404")
		wantOrdersAPIError(t, e.shipmentStatus("ord-404", "ful-1", `{"status":"delivered"}`), 404, "ord-404")
		r = e.do("POST", e.ordersPath("/ord-1/fulfillments/ful-1/shipment-status"), "", "application/json", []byte(`{"status":"delivered"}`))
		wantOrdersAPIError(t, r, 401, "Authorization")
		if after := e.fingerprint(); after != before {
			t.Errorf("refused requests wrote:\nbefore %s\nafter  %s", before, after)
		}
	})
}

// apiReturnBody is a create-return request for an Orders API order.
func apiReturnBody(orderID, lineID string, qty int) []byte {
	b, _ := json.Marshal(map[string]any{"data": map[string]any{
		"provider": "custom", "externalOrderId": orderID,
		"items":           []any{map[string]any{"lineItemId": lineID, "quantity": qty, "reason": "Too small", "compensation": "refund"}},
		"shippingAddress": map[string]any{"line1": "1 Main St", "city": "Austin", "state": "TX", "postalCode": "78701", "country": "US"},
	}})
	return b
}

// Only fulfilled units can be returned.
func TestOrdersAPIReturnAfterPartialFulfillment(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.mustCreateAPIOrder(apiOrder("ord-1", time.Now().Add(-time.Hour), nil))
		r := e.createReturn(apiReturnBody("ord-1", "li-1", 1))
		if r.status != 400 || !strings.Contains(string(r.body), "hasn't shipped") {
			t.Errorf("before fulfillment: %d %s", r.status, r.body)
		}
		e.mustFulfill("ord-1", `{"lineItems":[{"id":"li-1","quantity":1}]}`)
		r = e.createReturn(apiReturnBody("ord-1", "li-1", 2))
		if r.status != 400 || !strings.Contains(string(r.body), "items[li-1].quantity") || !strings.Contains(string(r.body), "Only 1") {
			t.Errorf("2 of 1 fulfilled: %d %s", r.status, r.body)
		}
		ret := e.mustCreateReturn(apiReturnBody("ord-1", "li-1", 1))
		if it := obj(arr(ret["items"])[0]); it["quantity"] != 1.0 {
			t.Errorf("returned item = %v", it)
		}
		// The fulfilled unit is taken; the second ships later and can be
		// returned then.
		if r := e.createReturn(apiReturnBody("ord-1", "li-1", 1)); r.status != 409 || !strings.Contains(string(r.body), "already been returned") {
			t.Errorf("unit held by the first return: %d %s", r.status, r.body)
		}
		e.mustFulfill("ord-1", `{"lineItems":[{"id":"li-1","quantity":1}]}`)
		e.mustCreateReturn(apiReturnBody("ord-1", "li-1", 1))
	})
}

// A delivered status starts a return window counted from delivery.
func TestOrdersAPIDeliveryWindow(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		if _, err := e.app.PutPolicy(ctx, e.storeID, returns.Policy{WindowDays: 30, WindowFrom: returns.WindowFromDelivery, AutoApprove: true}); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC().Truncate(time.Second)
		deliver := func(orderID string, at time.Time) {
			t.Helper()
			e.mustCreateAPIOrder(apiOrder(orderID, now.AddDate(0, 0, -90), nil))
			e.mustFulfill(orderID, `{"fulfillmentId":"f","lineItems":[{"id":"li-1","quantity":2}]}`)
			if r := e.shipmentStatus(orderID, "f", `{"status":"delivered","datetime":"`+at.Format(time.RFC3339)+`"}`); r.status != 200 {
				t.Fatalf("delivered: %d %s", r.status, r.body)
			}
		}
		// Ordered 90 days ago, delivered 29 days ago: still returnable.
		deliver("recent", now.AddDate(0, 0, -29))
		e.mustCreateReturn(apiReturnBody("recent", "li-1", 1))
		// Delivered 31 days ago: the window has closed.
		deliver("old", now.AddDate(0, 0, -31))
		r := e.createReturn(apiReturnBody("old", "li-1", 1))
		if r.status != 400 || !strings.Contains(string(r.body), "return window") {
			t.Errorf("after the window: %d %s", r.status, r.body)
		}

		// Exactly: returnable until delivery + 30 days, refused after.
		o := e.order("recent")
		p, err := e.app.GetPolicy(ctx, e.storeID)
		if err != nil {
			t.Fatal(err)
		}
		deadline := o.Fulfillments[0].DeliveryDate.AddDate(0, 0, 30)
		if el := returns.Eligibility(o, p, nil, deadline); el[0].Returnable != 2 || !el[0].Deadline.Equal(deadline) {
			t.Errorf("at the deadline: %+v", el[0])
		}
		if el := returns.Eligibility(o, p, nil, deadline.Add(time.Second)); el[0].Returnable != 0 || el[0].Code != returns.IneligibleWindowClosed {
			t.Errorf("after the deadline: %+v", el[0])
		}
		// Before delivery the window counts from the shipping date (the
		// fulfillment's creation), never from the order date.
		e.mustCreateAPIOrder(apiOrder("undelivered", now.AddDate(0, 0, -90), nil))
		e.mustFulfill("undelivered", `{"lineItems":[{"id":"li-1","quantity":1}]}`)
		e.mustCreateReturn(apiReturnBody("undelivered", "li-1", 1))
	})
}

// Another store's key reaches none of these operations on this store's
// orders, and its own paths do not find them.
func TestOrdersAPITenancy(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		b := e.mustCreateAPIOrder(apiOrder("ord-1", time.Now().Add(-time.Hour), nil))
		redoID := b["orderId"].(string)
		e.mustFulfill("ord-1", `{"fulfillmentId":"ful-1","lineItems":[{"id":"li-1","quantity":1}]}`)
		other, otherKey, err := e.app.CreateStore(context.Background(), "Other")
		if err != nil {
			t.Fatal(err)
		}
		before := e.fingerprint()
		body := map[string]string{
			"/orders":                                          string(apiOrder("ord-1", time.Now(), nil)),
			"/orders/ord-1/fulfillments":                       `{"lineItems":[{"id":"li-1","quantity":1}]}`,
			"/orders/" + redoID + "/fulfillments":              `{"lineItems":[{"id":"li-1","quantity":1}]}`,
			"/orders/ord-1/fulfillments/ful-1/shipment-status": `{"status":"delivered"}`,
		}
		for rest, bd := range body {
			// The other store's key on this store's path: 403, nothing read.
			r := e.do("POST", "/v2.2/stores/"+e.storeID+rest, otherKey.Secret, "application/json", []byte(bd))
			if r.status != 403 || strings.Contains(string(r.body), "Tee") {
				t.Errorf("POST %s with the other key: %d %s", rest, r.status, r.body)
			}
			if rest == "/orders" {
				continue
			}
			// Its own path: this store's order does not exist there.
			r = e.do("POST", "/v2.2/stores/"+other.ID+rest, otherKey.Secret, "application/json", []byte(bd))
			if r.status != 404 || strings.Contains(string(r.body), "Tee") {
				t.Errorf("POST own %s: %d %s", rest, r.status, r.body)
			}
		}
		if r := e.do("GET", "/v2.2/stores/"+other.ID+"/orders/ord-1", otherKey.Secret, "", nil); r.status != 404 {
			t.Errorf("other store GET: %d %s", r.status, r.body)
		}
		if after := e.fingerprint(); after != before {
			t.Errorf("other store's requests wrote:\nbefore %s\nafter  %s", before, after)
		}
		// Creating the same orderId in the other store makes its own order.
		ob := e.do("POST", "/v2.2/stores/"+other.ID+"/orders", otherKey.Secret, "application/json", apiOrder("ord-1", time.Now(), nil)).json(t)
		if ob["orderId"] == redoID || e.order("ord-1").ID != redoID || len(e.order("ord-1").Fulfillments) != 1 {
			t.Errorf("other store's create touched this store's order: %v", ob)
		}
	})
}

package redoapi_test

// Request compatibility: every returns-side operation of Redo's spec, sent
// with every member and parameter the spec declares, and once more with an
// undeclared member added to every object of the body, is accepted (2xx)
// and answered as the spec says.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/examples"
)

// compatCase is the requests of one operation. bodies together set every
// member the spec declares for the request (several when a oneOf has
// alternatives or members exclude each other); query and header set every
// parameter. setup, when set, runs before each variant and returns the
// path's ids.
type compatCase struct {
	method, path string // path template, as the spec has it
	setup        func(e *env, variant int) map[string]string
	bodies       func(ids map[string]string, variant int) []map[string]any
	query        func(ids map[string]string) url.Values
	header       func(ids map[string]string, variant int) http.Header
}

func money(a string) map[string]any {
	return map[string]any{"presentmentMoney": map[string]any{"amount": a, "currencyCode": "USD"}, "shopMoney": map[string]any{"amount": a, "currencyCode": "USD"}}
}

// fullOrder is the example order with every member of Redo's
// custom-order-sync schema set.
func fullOrder(id string, cancelled bool) map[string]any {
	var o map[string]any
	_ = json.Unmarshal(examples.Order(), &o)
	o["id"] = id
	addr := map[string]any{"address1": "1 Main St", "address2": "Apt 2", "city": "New York", "company": "Acme", "countryCode": "US",
		"firstName": "Jane", "lastName": "Doe", "phone": "+1234567890", "provinceCode": "NY", "zip": "10001"}
	o["billingAddress"] = addr
	obj(o["shippingAddress"])["company"] = "Acme"
	obj(o["customer"])["tags"] = []any{"vip"}
	o["cancelledAt"], o["cancelReason"] = nil, nil
	if cancelled {
		o["cancelledAt"], o["cancelReason"] = "2025-01-16T00:00:00Z", "customer"
	}
	mf := []any{map[string]any{"namespace": "custom", "key": "gift", "value": "no"}}
	o["metafields"] = mf
	disc := func(a string) []any {
		return []any{map[string]any{"amountSet": money(a), "discountId": "d1", "discountTitle": "Welcome", "discountCode": "WELCOME"}}
	}
	tax := func(a string) []any {
		return []any{map[string]any{"priceSet": money(a), "rate": "0.05", "title": "Sales tax"}}
	}
	l := line(o, 0)
	l["additionalProductId"], l["fulfillmentService"] = "ap_1", "manual"
	l["images"] = []any{map[string]any{"url": "https://example.com/images/tee-back.jpg", "data": nil}}
	l["properties"] = []any{map[string]any{"name": "engraving", "value": "none"}}
	l["tags"], l["metafields"] = []any{"apparel"}, mf
	l["discounts"], l["taxLines"] = disc("1.00"), tax("2.90")
	o["orderDiscounts"] = disc("0.50")
	sl := obj(arr(o["shippingLines"])[0])
	sl["discounts"], sl["taxLines"] = disc("0.99"), tax("0.25")
	o["fulfillments"] = []any{map[string]any{"id": "ful_1", "trackingNumbers": []any{map[string]any{"carrier": "UPS", "trackingNumber": "1Z999AA10123456784"}},
		"trackingUrls": []any{"https://www.ups.com/track?tracknum=1Z999AA10123456784"}, "lineItems": []any{map[string]any{"id": "line_1", "quantity": 2}},
		"shippingDate": "2025-01-16T10:00:00Z", "deliveryDate": "2025-01-18T10:00:00Z"}}
	obj(arr(o["transactions"])[0])["additionalDetails"] = map[string]any{"creditCardLastFour": "4242"}
	amt := func(a string) map[string]any {
		return map[string]any{"amountSet": money(a), "taxAmountSet": money("0.00"), "reason": "goodwill"}
	}
	o["refunds"] = []any{map[string]any{"id": "ref_1", "createdAt": "2025-01-20T10:00:00Z", "note": "partial",
		"lineItems":       []any{map[string]any{"lineItemId": "line_1", "quantity": 1, "subtotalSet": money("28.99"), "totalTaxSet": money("1.45")}},
		"shippingRefunds": []any{amt("0.00")}, "orderLevelRefunds": []any{amt("1.00")}}}
	return o
}

// createReturnFull is a create-return request with every member of Redo's
// create-return-request schema set.
func createReturnFull(key string) map[string]any {
	return map[string]any{
		"data": map[string]any{
			"provider": "shopify", "externalOrderId": "order_123456", "notes": "Warehouse: check the seams",
			"items": []any{map[string]any{"lineItemId": "line_1", "quantity": 1, "reason": "Too small", "reasonCode": "too_small",
				"compensation": "store_credit", "notes": "Worn once"}},
			"shippingAddress": map[string]any{"line1": "123 Main St", "line2": "Apt 4B", "city": "New York", "state": "NY", "postalCode": "10001", "country": "US"},
			"label": map[string]any{"trackingNumber": "1Z" + key, "carrier": "UPS", "trackingUrl": "https://www.ups.com/track?tracknum=1Z" + key,
				"postageLabelUrl": "https://labels.example.com/" + key + ".pdf", "formLabelUrl": "https://labels.example.com/" + key + "-form.pdf",
				"originalShipmentId": "shp_" + key},
		},
		"options": map[string]any{"createExternalRMAs": true},
	}
}

func bulkAddress(name string) map[string]any {
	return map[string]any{"line1": "1 Road", "line2": "Unit 3", "city": "Leeds", "state": "WYK", "postalCode": "LS1 1AA", "country": "GB", "name": name, "phone": "+441130000000"}
}

// undeclared adds a member no Redo schema declares to every object in v.
func undeclared(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = undeclared(e)
		}
		x["x-rebound-undeclared"] = map[string]any{"nested": []any{1, "two"}}
		return x
	case []any:
		for i, e := range x {
			x[i] = undeclared(e)
		}
	}
	return v
}

// freshReturn creates a return with n one-unit items on the example order
// (which is synced first) and returns its id and item ids; it deletes the
// store's other returns first so the units are free.
func (e *env) freshReturn(n int) (string, []string) {
	e.t.Helper()
	e.synced()
	for _, st := range []string{"open", "needs_review", "flagged", "complete"} {
		r := e.do("GET", "/v2.2/stores/"+e.storeID+"/returns?status="+st, e.key, "", nil)
		for _, x := range arr(r.json(e.t)["returns"]) {
			e.do("PUT", "/v2.2/returns/"+obj(x)["id"].(string)+"/status", e.key, "application/json", []byte(`{"status":"deleted"}`))
		}
	}
	var items []map[string]any
	for range n {
		items = append(items, map[string]any{"lineItemId": "line_1", "quantity": 1, "reason": "r", "compensation": "refund"})
	}
	ret := e.mustCreateReturn(returnBody(items...))
	var ids []string
	for _, it := range arr(ret["items"]) {
		ids = append(ids, obj(it)["id"].(string))
	}
	return ret["id"].(string), ids
}

func (e *env) freshWebhook(ext string) string {
	e.t.Helper()
	return e.subscribe(hookBody(e.hookURL, `,"externalId":"`+ext+`"`))["id"].(string)
}

func compatCases() []compatCase {
	retID := func(e *env, _ int) map[string]string {
		id, _ := e.freshReturn(1)
		return map[string]string{"returnId": id}
	}
	return []compatCase{
		{method: "POST", path: "/stores/{storeId}/custom/orders",
			bodies: func(_ map[string]string, v int) []map[string]any {
				return []map[string]any{fullOrder("order_full_"+string(rune('a'+v)), false), fullOrder("order_cancelled_"+string(rune('a'+v)), true)}
			}},
		{method: "GET", path: "/stores/{storeId}/orders/{orderId}",
			setup: func(e *env, _ int) map[string]string { e.synced(); return map[string]string{"orderId": "order_123456"} }},
		{method: "DELETE", path: "/stores/{storeId}/orders/{orderId}",
			setup: func(e *env, v int) map[string]string {
				id := "order_gone_" + string(rune('a'+v))
				if r := e.sync(e.key, examples.OrderWithID(id)); r.status != 200 {
					e.t.Fatalf("sync: %d %s", r.status, r.body)
				}
				return map[string]string{"orderId": id}
			}},
		{method: "POST", path: "/stores/{storeId}/returns",
			setup: func(e *env, _ int) map[string]string { e.freshReturn(1); e.synced(); return nil },
			bodies: func(_ map[string]string, v int) []map[string]any {
				return []map[string]any{createReturnFull(string(rune('a' + v)))}
			},
			header: func(_ map[string]string, v int) http.Header {
				return http.Header{"Idempotency-Key": {"compat-" + string(rune('a'+v))}}
			}},
		{method: "GET", path: "/stores/{storeId}/returns",
			setup: func(e *env, _ int) map[string]string {
				e.freshReturn(1)
				e.freshReturn(1)
				req, _ := http.NewRequest("GET", e.srv.URL+"/v2.2/stores/"+e.storeID+"/returns", nil)
				req.Header.Set("Authorization", "Bearer "+e.key)
				req.Header.Set("X-Page-Size", "1")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					e.t.Fatal(err)
				}
				res.Body.Close()
				return map[string]string{"cursor": res.Header.Get("X-Page-Next")}
			},
			query: func(map[string]string) url.Values {
				return url.Values{"updated_at_min": {"2020-01-01T00:00:00Z"}, "updated_at_max": {"2999-01-01T00:00:00Z"}, "status": {"deleted"},
					"shopify_order_name": {"order_123456"}, "provider_order_name": {"order_123456"}}
			},
			header: func(ids map[string]string, _ int) http.Header {
				return http.Header{"X-Page-Size": {"500"}, "X-Page-Continue": {ids["cursor"]}}
			}},
		{method: "POST", path: "/stores/{storeId}/returns/bulk",
			bodies: func(_ map[string]string, v int) []map[string]any {
				k := string(rune('a' + v))
				return []map[string]any{{"returns": []any{map[string]any{
					"products": []any{map[string]any{"productId": "prd_ABC123", "quantity": 1, "sku": "MUG-1", "barcode": "0123456789012",
						"productTitle": "Mug", "variantTitle": "Blue", "reason": "Chipped", "condition": "damaged"}},
					"customer":            map[string]any{"firstName": "Ann", "lastName": "Lee", "email": "ann@example.com"},
					"externalReferenceId": "RMA-" + k, "trackingNumber": "1Z-" + k, "carrier": "UPS", "notes": "Scanned at dock 3",
					"idempotencyKey": "bulk-" + k, "currency": "GBP", "shippingAddress": bulkAddress("Ann Lee"), "merchantAddress": bulkAddress("Acme Returns"),
				}}}}
			}},
		{method: "GET", path: "/returns/{returnId}", setup: retID},
		{method: "GET", path: "/returns/{returnId}/status", setup: retID},
		{method: "PUT", path: "/returns/{returnId}/status", setup: retID,
			bodies: func(map[string]string, int) []map[string]any {
				return []map[string]any{{"status": "flagged"}, {"status": "open"}, {"status": "rejected"}, {"status": "open"}, {"status": "complete"}, {"status": "deleted"}}
			}},
		{method: "GET", path: "/returns/{returnId}/comments", setup: retID},
		{method: "POST", path: "/returns/{returnId}/comments", setup: retID,
			bodies: func(map[string]string, int) []map[string]any {
				return []map[string]any{{"comment": map[string]any{"message": "Parcel dropped off"}},
					{"comment": map[string]any{"image": base64.StdEncoding.EncodeToString(pngBytes(nil))}}}
			}},
		{method: "POST", path: "/returns/{returnId}/process",
			setup: func(e *env, _ int) map[string]string {
				id, items := e.freshReturn(2)
				return map[string]string{"returnId": id, "item0": items[0], "item1": items[1]}
			},
			bodies: func(ids map[string]string, _ int) []map[string]any {
				return []map[string]any{
					{"customerNotes": "Restocked one", "products": []any{map[string]any{"_id": ids["item0"], "processInput": map[string]any{"restock": true, "newMerchantAdjustment": 12.5}, "reject": false}}},
					{"customerNotes": "Rejected one", "products": []any{map[string]any{"_id": ids["item1"], "processInput": nil, "reject": true}}},
				}
			}},
		{method: "GET", path: "/stores/{storeId}/return-tags"},
		{method: "PUT", path: "/stores/{storeId}/return-tags/{name}",
			setup: func(e *env, v int) map[string]string { return map[string]string{"name": "tag-" + string(rune('a'+v))} },
			bodies: func(ids map[string]string, _ int) []map[string]any {
				return []map[string]any{{"pillTheme": "DANGER"}, {"pillTheme": "SUCCESS", "newName": ids["name"] + "-renamed"}}
			}},
		{method: "DELETE", path: "/stores/{storeId}/return-tags/{name}",
			setup: func(e *env, v int) map[string]string {
				name := "gone-" + string(rune('a'+v))
				e.do("PUT", "/v2.2/stores/"+e.storeID+"/return-tags/"+name, e.key, "application/json", []byte(`{"pillTheme":"NORMAL"}`))
				return map[string]string{"name": name}
			}},
		{method: "GET", path: "/stores/{storeId}/webhooks"},
		{method: "POST", path: "/stores/{storeId}/webhooks",
			setup: func(e *env, v int) map[string]string {
				return map[string]string{"url": e.hookURL, "k": string(rune('a' + v))}
			},
			bodies: func(ids map[string]string, _ int) []map[string]any {
				hook := func(ext string, auth any) map[string]any {
					return map[string]any{"webhook": map[string]any{"callback": map[string]any{"url": ids["url"], "auth": auth},
						"topic": "return", "kind": "loop", "externalId": ext, "backfill": true}}
				}
				return []map[string]any{hook("c-"+ids["k"], map[string]any{"bearer": map[string]any{"token": "tok-123"}}), hook("d-"+ids["k"], nil)}
			}},
		{method: "GET", path: "/webhooks/{webhookId}",
			setup: func(e *env, v int) map[string]string {
				return map[string]string{"webhookId": e.freshWebhook("g-" + string(rune('a'+v)))}
			}},
		{method: "PUT", path: "/webhooks/{webhookId}",
			setup: func(e *env, v int) map[string]string {
				return map[string]string{"webhookId": e.freshWebhook("p-" + string(rune('a'+v))), "url": e.hookURL, "k": string(rune('a' + v))}
			},
			bodies: func(ids map[string]string, _ int) []map[string]any {
				return []map[string]any{{"webhook": map[string]any{"callback": map[string]any{"url": ids["url"] + "/v2", "auth": map[string]any{"bearer": map[string]any{"token": "tok-456"}}},
					"externalId": "p2-" + ids["k"]}}}
			}},
		{method: "DELETE", path: "/webhooks/{webhookId}",
			setup: func(e *env, v int) map[string]string {
				return map[string]string{"webhookId": e.freshWebhook("x-" + string(rune('a'+v)))}
			}},
		{method: "POST", path: "/webhooks/{webhookId}/replay",
			setup: func(e *env, v int) map[string]string {
				return map[string]string{"webhookId": e.freshWebhook("r-" + string(rune('a'+v)))}
			},
			bodies: func(map[string]string, int) []map[string]any {
				return []map[string]any{{"start": "2025-01-01T00:00:00Z"}}
			}},
	}
}

// returnsSide reports whether an operation of the spec is on the returns
// side: the Returns, Webhooks and Returns Custom Integration tags, and the
// Orders API's get and delete (its create, fulfillment and shipment-status
// operations are tested with the Orders API).
func returnsSide(method, path string, tags []string) bool {
	for _, t := range tags {
		switch t {
		case "Returns", "Webhooks", "Returns Custom Integration":
			return true
		case "Orders":
			return path == "/v2.2/stores/{storeId}/orders/{orderId}" && method != "POST"
		}
	}
	return false
}

func TestRequestCompatibility(t *testing.T) {
	cases := map[string]compatCase{}
	for _, c := range compatCases() {
		cases[c.method+" /v2.2"+c.path] = c
	}
	forEachBackend(t, func(t *testing.T, e *env) {
		e.sv.Webhooks.Secrets = testBox
		e.sv.Webhooks.AllowPrivateTargets = true
		e.hookURL = newReceiver(t).srv.URL
		n := 0
		for _, op := range e.spec.Operations() {
			if !returnsSide(op.Method, op.Path, op.Tags) {
				continue
			}
			n++
			name := op.Method + " " + op.Path
			c, ok := cases[name]
			if !ok {
				t.Errorf("%s (%s): no compatibility case", name, op.ID)
				continue
			}
			t.Run(op.ID, func(t *testing.T) {
				e.t = t
				var all [][]byte
				for v := range 2 { // 0: every declared member; 1: and an undeclared one in every object
					var ids map[string]string
					if c.setup != nil {
						ids = c.setup(e, v)
					}
					if ids == nil {
						ids = map[string]string{}
					}
					path := "/v2.2" + c.path
					ids["storeId"] = e.storeID
					for k, val := range ids {
						path = strings.ReplaceAll(path, "{"+k+"}", url.PathEscape(val))
					}
					var q url.Values
					if c.query != nil {
						q = c.query(ids)
						path += "?" + q.Encode()
					}
					var h http.Header
					if c.header != nil {
						h = c.header(ids, v)
					}
					if v == 0 {
						checkParams(t, e, op.Method, path, q, h)
					}
					var bodies [][]byte
					if c.bodies != nil {
						for _, b := range c.bodies(ids, v) {
							if v == 1 {
								undeclared(b)
							}
							raw, _ := json.Marshal(b)
							bodies = append(bodies, raw)
						}
					} else {
						bodies = [][]byte{nil}
					}
					for _, body := range bodies {
						req, _ := http.NewRequest(op.Method, e.srv.URL+path, bytes.NewReader(body))
						if v == 0 && body != nil {
							req.Header.Set("Content-Type", "application/json")
							e.spec.ValidateRequest(t, req, body) // the test's request is one the spec allows
							all = append(all, body)
						}
						r := e.send(req, h, body)
						if r.status/100 != 2 {
							t.Errorf("variant %d: %s %s\n%s\n→ %d %s", v, op.Method, path, body, r.status, r.body)
						}
					}
				}
				if c.bodies != nil {
					missing, err := e.spec.MissingMembers(op.Method, "/v2.2"+c.path, all...)
					if err != nil {
						t.Fatal(err)
					}
					if len(missing) > 0 {
						t.Errorf("request members the case does not set: %v", missing)
					}
				}
			})
		}
		if n < 20 {
			t.Errorf("only %d returns-side operations in the spec", n)
		}
	})
}

// checkParams fails when a query or header parameter the operation declares
// is not set.
func checkParams(t *testing.T, e *env, method, path string, q url.Values, h http.Header) {
	t.Helper()
	ps, err := e.spec.Parameters(method, strings.SplitN(path, "?", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		switch p.In {
		case "query":
			if !q.Has(p.Name) {
				t.Errorf("query parameter %s not set", p.Name)
			}
		case "header":
			if h.Get(p.Name) == "" {
				t.Errorf("header %s not set", p.Name)
			}
		}
	}
}

// send sends req with the test key, the extra headers and body, and checks
// the answer against the spec.
func (e *env) send(req *http.Request, h http.Header, body []byte) response {
	e.t.Helper()
	req.Header.Set("Authorization", "Bearer "+e.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range h {
		req.Header[k] = slices.Clone(vs)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	e.spec.ValidateResponse(e.t, req, res.StatusCode, res.Header, b)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

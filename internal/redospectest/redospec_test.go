package redospectest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// recorder is a fake testing.TB that records what the helpers report
// instead of failing the real test.
type recorder struct {
	testing.TB // the real test, for everything not overridden
	mu         sync.Mutex
	errors     []string
	fatals     []string
	skipped    bool
}

func newRecorder(t *testing.T) *recorder { return &recorder{TB: t} }

func (r *recorder) Helper()             {}
func (r *recorder) Logf(string, ...any) {}
func (r *recorder) Log(...any)          {}
func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Error(args ...any) { r.Errorf("%s", fmt.Sprint(args...)) }
func (r *recorder) Fatalf(format string, args ...any) {
	r.mu.Lock()
	r.fatals = append(r.fatals, fmt.Sprintf(format, args...))
	r.mu.Unlock()
	runtime.Goexit()
}
func (r *recorder) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }
func (r *recorder) SkipNow() {
	r.mu.Lock()
	r.skipped = true
	r.mu.Unlock()
	runtime.Goexit()
}
func (r *recorder) Skip(...any)          { r.SkipNow() }
func (r *recorder) Skipf(string, ...any) { r.SkipNow() }
func (r *recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.errors)+len(r.fatals) > 0
}

// exchange is one HTTP exchange to check.
type exchange struct {
	name   string
	method string
	path   string
	status int
	ctype  string
	body   string
	// want lists substrings the reported failure must contain; empty means
	// the exchange must be valid.
	want []string
}

func runExchanges(t *testing.T, cases []exchange) {
	t.Helper()
	spec := Load(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(c.method, c.path, nil)
			h := http.Header{}
			if c.ctype != "" {
				h.Set("Content-Type", c.ctype)
			}
			rec := newRecorder(t)
			spec.ValidateResponse(rec, req, c.status, h, []byte(c.body))
			expectReport(t, rec, c.want)
		})
	}
}

// expectReport checks that rec saw exactly one error containing every want
// (or none, if want is empty).
func expectReport(t *testing.T, rec *recorder, want []string) {
	t.Helper()
	if len(rec.fatals) > 0 {
		t.Fatalf("unexpected Fatalf: %q", rec.fatals)
	}
	if len(want) == 0 {
		if len(rec.errors) > 0 {
			t.Errorf("expected valid, got:\n%s", strings.Join(rec.errors, "\n"))
		}
		return
	}
	if len(rec.errors) != 1 {
		t.Fatalf("expected exactly one reported error, got %d: %q", len(rec.errors), rec.errors)
	}
	for _, w := range want {
		if !strings.Contains(rec.errors[0], w) {
			t.Errorf("reported error lacks %q:\n%s", w, rec.errors[0])
		}
	}
}

// mutate returns body with f applied to its decoded JSON object.
func mutate(t *testing.T, body string, f func(m map[string]any)) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func obj(v any) map[string]any { return v.(map[string]any) }
func arr(v any) []any          { return v.([]any) }

const (
	customOrders = "/v2.2/stores/store_1/custom/orders"
	jsonCT       = "application/json"
	problemCT    = "application/problem+json"
)

func TestCustomOrderSyncResponses(t *testing.T) {
	const ok = `{"message":"Order synced successfully","orderId":"o1","redoId":"6650f0c2a9b1c3d4e5f60718"}`
	runExchanges(t, []exchange{
		{name: "200 valid", method: "POST", path: customOrders, status: 200, ctype: jsonCT, body: ok},
		{name: "200 valid with charset", method: "POST", path: customOrders, status: 200, ctype: "application/json; charset=utf-8", body: ok},
		{name: "200 missing redoId", method: "POST", path: customOrders, status: 200, ctype: jsonCT,
			body: `{"message":"Order synced successfully","orderId":"o1"}`,
			want: []string{`"Custom Order Sync" (POST /stores/{storeId}/custom/orders)`, `response "200"`,
				"#/components/schemas/custom-order-sync-response.schema", `at "": missing property 'redoId'`,
				`body: {"message":"Order synced successfully","orderId":"o1"}`}},
		{name: "200 wrong type", method: "POST", path: customOrders, status: 200, ctype: jsonCT,
			body: `{"message":"Order synced successfully","orderId":1,"redoId":"r1"}`,
			want: []string{`at "/orderId": got number, want string`, "custom-order-sync-response.schema/properties/orderId/type"}},
		{name: "200 not JSON", method: "POST", path: customOrders, status: 200, ctype: jsonCT, body: `{"message":`,
			want: []string{"body is not valid JSON"}},
		{name: "200 empty body", method: "POST", path: customOrders, status: 200, ctype: jsonCT, body: ``,
			want: []string{"empty body"}},
		{name: "200 as text/plain", method: "POST", path: customOrders, status: 200, ctype: "text/plain", body: ok,
			want: []string{`Content-Type "text/plain" is not one the spec lists here (application/json)`}},
		{name: "200 without content type", method: "POST", path: customOrders, status: 200, body: ok,
			want: []string{"no Content-Type header"}},
		{name: "400 valid", method: "POST", path: customOrders, status: 400, ctype: jsonCT,
			body: `{"error":"Invalid order data","errors":{"lineItems":{"0":{"quantity":["Expected number, received string"]}},"shippingAddress":["Required"]}}`},
		{name: "400 errors not an object", method: "POST", path: customOrders, status: 400, ctype: jsonCT,
			body: `{"error":"Invalid order data","errors":"lineItems is required"}`,
			want: []string{`at "/errors": got string, want object`, "custom-order-error.schema"}},
		{name: "400 as problem+json", method: "POST", path: customOrders, status: 400, ctype: problemCT,
			body: `{"title":"Bad Request"}`,
			want: []string{`Content-Type "application/problem+json" is not one the spec lists here (application/json)`}},
		{name: "401 valid", method: "POST", path: customOrders, status: 401, ctype: jsonCT, body: `{"error":"Unauthorized"}`},
		{name: "403 valid problem", method: "POST", path: customOrders, status: 403, ctype: problemCT,
			body: `{"type":"about:blank","title":"Forbidden","detail":"Token does not have access to this store","instance":"/v2.2/stores/store_1/custom/orders"}`},
		{name: "403 as application/json", method: "POST", path: customOrders, status: 403, ctype: jsonCT,
			body: `{"title":"Forbidden"}`,
			want: []string{`response "403"`, `Content-Type "application/json" is not one the spec lists here (application/problem+json)`}},
		{name: "403 type not a uri-reference", method: "POST", path: customOrders, status: 403, ctype: problemCT,
			body: `{"type":"https://example.com/%zz","title":"Forbidden"}`,
			want: []string{`at "/type"`, "is not valid uri-reference", "#/components/schemas/error.schema/properties/type/format"}},
		{name: "403 title wrong type", method: "POST", path: customOrders, status: 403, ctype: problemCT,
			body: `{"title":403}`,
			want: []string{`at "/title": got number, want string`}},
		{name: "418 falls back to default", method: "POST", path: customOrders, status: 418, ctype: problemCT,
			body: `{"title":"I'm a teapot"}`},
		{name: "418 default needs problem+json", method: "POST", path: customOrders, status: 418, ctype: jsonCT,
			body: `{"error":"teapot"}`,
			want: []string{`response "default"`, "application/problem+json"}},
		{name: "500 valid", method: "POST", path: customOrders, status: 500, ctype: jsonCT, body: `{"error":"Failed to process order"}`},
	})
}

// orderExample is a 200 body for GET /stores/{storeId}/orders/{orderId}:
// orders-api-get-order-response.schema is allOf [the create-order request,
// {fulfillments}].
const orderExample = `{
  "orderId": "1001",
  "createdAt": "2025-03-14T15:09:26Z",
  "lineItems": [
    {"id": "li_1", "productId": "prod_1", "variantId": "var_1", "title": "Classic Tee", "sku": "TEE-BLK-M",
     "quantity": 2, "price": 25.5, "imageUrl": "https://cdn.example.com/tee.jpg", "discount": 0},
    {"id": "li_2", "productId": "prod_2", "variantId": null, "title": "Gift Card", "sku": null,
     "quantity": 1, "price": null, "imageUrl": null, "discount": null}
  ],
  "customer": {"id": "cust_1", "email": "jane@example.com", "phoneNumber": "+14155550100",
               "name": "Jane Doe", "firstName": "Jane", "lastName": "Doe"},
  "shipping": {"method": "Ground", "cost": 5.99,
               "address": {"address1": "1 Main St", "address2": null, "city": "Provo",
                           "province": "UT", "country": "US", "postalCode": "84604"}},
  "totalPrice": 56.99,
  "subtotalPrice": 51,
  "totalTax": 0,
  "totalDiscount": 0,
  "billingAddress": {"address1": "1 Main St", "address2": null, "city": "Provo",
                     "province": "UT", "country": "US", "postalCode": "84604"},
  "tags": ["vip"],
  "currencyCode": "USD",
  "locationId": null,
  "fulfillments": [
    {"id": "ful_1", "createdAt": "2025-03-15T10:00:00.123Z",
     "lineItems": [{"id": "li_1", "quantity": 2, "title": "Classic Tee", "productId": "prod_1",
                    "variantId": "var_1", "sku": "TEE-BLK-M"}],
     "trackingCompany": "UPS", "trackingNumber": "1Z999AA10123456784", "status": "in_transit",
     "estimatedDeliveryDate": "2025-03-18", "deliveredAt": null,
     "trackingHistory": [
       {"message": "Picked up", "status": "in_transit", "datetime": "2025-03-15T12:00:00-07:00",
        "location": {"city": "Provo", "state": "UT", "country": "US", "postalCode": "84604"}}
     ]}
  ]
}`

func TestGetOrderResponses(t *testing.T) {
	const path = "/v2.2/stores/store_1/orders/1001"
	m := func(f func(m map[string]any)) string { return mutate(t, orderExample, f) }
	runExchanges(t, []exchange{
		{name: "200 valid", method: "GET", path: path, status: 200, ctype: jsonCT, body: orderExample},
		{name: "200 valid with order name id", method: "GET", path: "/v2.2/stores/store_1/orders/%231001", status: 200, ctype: jsonCT, body: orderExample},
		{name: "200 minimal", method: "GET", path: path, status: 200, ctype: jsonCT,
			body: `{"orderId":"1001","createdAt":"2025-03-14T15:09:26Z","lineItems":[{"id":"li_1","productId":"p","title":"T","quantity":1}],"fulfillments":[]}`},
		{name: "200 missing fulfillments (second allOf part)", method: "GET", path: path, status: 200, ctype: jsonCT,
			body: m(func(m map[string]any) { delete(m, "fulfillments") }),
			want: []string{`"Order get" (GET /stores/{storeId}/orders/{orderId})`,
				"#/components/schemas/orders-api-get-order-response.schema", `at "": missing property 'fulfillments'`}},
		{name: "200 missing orderId (first allOf part)", method: "GET", path: path, status: 200, ctype: jsonCT,
			body: m(func(m map[string]any) { delete(m, "orderId") }),
			want: []string{`at "": missing property 'orderId'`, "orders-api-create-order-request.schema/required"}},
		{name: "200 line item missing title", method: "GET", path: path, status: 200, ctype: jsonCT,
			body: m(func(m map[string]any) { delete(obj(arr(m["lineItems"])[1]), "title") }),
			want: []string{`at "/lineItems/1": missing property 'title'`}},
		{name: "200 quantity as string", method: "GET", path: path, status: 200, ctype: jsonCT,
			body: m(func(m map[string]any) { obj(arr(m["lineItems"])[0])["quantity"] = "2" }),
			want: []string{`at "/lineItems/0/quantity": got string, want integer`}},
		{name: "200 quantity not an integer", method: "GET", path: path, status: 200, ctype: jsonCT,
			body: m(func(m map[string]any) { obj(arr(m["lineItems"])[0])["quantity"] = 1.5 }),
			want: []string{`at "/lineItems/0/quantity": got number, want integer`}},
		{name: "200 quantity below minimum", method: "GET", path: path, status: 200, ctype: jsonCT,
			body: m(func(m map[string]any) { obj(arr(m["lineItems"])[0])["quantity"] = 0 }),
			want: []string{`at "/lineItems/0/quantity": minimum: got 0, want 1`}},
		{name: "200 quantity above maximum", method: "GET", path: path, status: 200, ctype: jsonCT,
			body: m(func(m map[string]any) { obj(arr(m["lineItems"])[0])["quantity"] = 1001 }),
			want: []string{`at "/lineItems/0/quantity": maximum: got 1,001, want 1,000`}},
		{name: "200 negative total", method: "GET", path: path, status: 200, ctype: jsonCT,
			body: m(func(m map[string]any) { m["totalPrice"] = -1 }),
			want: []string{`at "/totalPrice": minimum`}},
		{name: "200 null total is allowed", method: "GET", path: path, status: 200, ctype: jsonCT,
			body: m(func(m map[string]any) { m["totalPrice"] = nil })},
		{name: "200 null orderId is not", method: "GET", path: path, status: 200, ctype: jsonCT,
			body: m(func(m map[string]any) { m["orderId"] = nil }),
			want: []string{`at "/orderId": got null, want string`}},
		{name: "200 no line items", method: "GET", path: path, status: 200, ctype: jsonCT,
			body: m(func(m map[string]any) { m["lineItems"] = []any{} }),
			want: []string{`at "/lineItems": minItems`}},
		{name: "200 bad date-time", method: "GET", path: path, status: 200, ctype: jsonCT,
			body: m(func(m map[string]any) { m["createdAt"] = "2025-03-14 15:09" }),
			want: []string{`at "/createdAt"`, "is not valid date-time"}},
		{name: "200 bad fulfillment status", method: "GET", path: path, status: 200, ctype: jsonCT,
			body: m(func(m map[string]any) { obj(arr(m["fulfillments"])[0])["status"] = "shipped" }),
			want: []string{`at "/fulfillments/0/status": value must be one of`, "'in_transit'",
				"#/components/schemas/orders-api-fulfillment.schema/properties/status/enum"}},
		{name: "200 bad estimatedDeliveryDate pattern", method: "GET", path: path, status: 200, ctype: jsonCT,
			body: m(func(m map[string]any) {
				obj(arr(m["fulfillments"])[0])["estimatedDeliveryDate"] = "2025-03-18T00:00:00Z"
			}),
			want: []string{`at "/fulfillments/0/estimatedDeliveryDate"`, "does not match pattern"}},
		{name: "200 several errors at once", method: "GET", path: path, status: 200, ctype: jsonCT,
			body: m(func(m map[string]any) {
				m["tags"] = "vip"
				obj(m["customer"])["email"] = 7
			}),
			want: []string{`at "/customer/email": got number, want null or string`, `at "/tags": got string, want null or array`}},
		{name: "404 valid", method: "GET", path: path, status: 404, ctype: jsonCT, body: `{"error":"Order not found"}`},
		{name: "404 missing error", method: "GET", path: path, status: 404, ctype: jsonCT, body: `{"message":"Order not found"}`,
			want: []string{`response "404"`, "#/components/schemas/orders-api-error.schema", `at "": missing property 'error'`}},
		{name: "404 as problem+json", method: "GET", path: path, status: 404, ctype: problemCT, body: `{"title":"Not Found"}`,
			want: []string{`Content-Type "application/problem+json" is not one the spec lists here (application/json)`}},
	})
}

func TestStatusesAndEmptyBodies(t *testing.T) {
	runExchanges(t, []exchange{
		{name: "undocumented status without default", method: "GET", path: "/v2.2/webhooks/wh_1", status: 404, ctype: problemCT,
			body: `{"title":"Not Found"}`,
			want: []string{`"Webhook get" (GET /webhooks/{webhookId})`, "status 404 is not documented and there is no default response (documented: 200)"}},
		{name: "204 without body", method: "DELETE", path: "/v2.2/webhooks/wh_1", status: 204},
		{name: "204 with a body", method: "DELETE", path: "/v2.2/webhooks/wh_1", status: 204, ctype: jsonCT, body: `{}`,
			want: []string{"the spec documents no body here, but got 2 bytes"}},
		{name: "2XX range", method: "POST", path: "/v2.2/webhooks/wh_1/replay", status: 202},
		{name: "text/csv body is a string", method: "GET", path: "/v2.2/invoices/inv_1/items.csv", status: 200, ctype: "text/csv",
			body: "sku,quantity\nTEE,1\n"},
		{name: "csv as json", method: "GET", path: "/v2.2/invoices/inv_1/items.csv", status: 200, ctype: jsonCT, body: `[]`,
			want: []string{`Content-Type "application/json" is not one the spec lists here (text/csv)`}},
	})
}

func TestRouting(t *testing.T) {
	runExchanges(t, []exchange{
		{name: "unknown path", method: "GET", path: "/v2.2/stores/store_1/nope", status: 200, ctype: jsonCT, body: `{}`,
			want: []string{"no path in the spec matches GET /v2.2/stores/store_1/nope"}},
		{name: "outside base path", method: "GET", path: "/v2.1/stores/store_1/orders/1", status: 200, ctype: jsonCT, body: `{}`,
			want: []string{`path "/v2.1/stores/store_1/orders/1" is not under the API base path "/v2.2"`}},
		{name: "base path is a whole segment", method: "GET", path: "/v2.22/stores/store_1/orders/1", status: 200, ctype: jsonCT, body: `{}`,
			want: []string{`is not under the API base path "/v2.2"`}},
		{name: "wrong method", method: "PUT", path: customOrders, status: 200, ctype: jsonCT, body: `{}`,
			want: []string{"the spec has no PUT operation for /v2.2/stores/store_1/custom/orders (it has: POST /stores/{storeId}/custom/orders)"}},
		{name: "empty path parameter", method: "GET", path: "/v2.2/stores//orders/1", status: 404, ctype: jsonCT, body: `{"error":"x"}`,
			want: []string{"no path in the spec matches"}},
	})

	spec := Load(t)
	// A concrete segment wins over a template: /stores/{storeId}/events/bulk
	// is not /stores/{storeId}/events/{anything}; likewise returns/bulk.
	for _, c := range []struct{ method, path, want string }{
		{"POST", "/v2.2/stores/s/events/bulk", "/stores/{storeId}/events/bulk"},
		{"POST", "/v2.2/stores/s/returns/bulk", "/stores/{storeId}/returns/bulk"},
		{"GET", "/v2.2/stores/s/orders/o%2F1", "/stores/{storeId}/orders/{orderId}"},
		{"GET", "/v2.2/invoices/pending/items.csv", "/invoices/pending/items.csv"},
		{"GET", "/v2.2/invoices/inv_9/items.csv", "/invoices/{invoiceId}/items.csv"},
		{"get", "/v2.2/returns/ret_1", "/returns/{returnId}"},
	} {
		op, err := spec.findOperation(c.method, c.path)
		if err != nil {
			t.Errorf("%s %s: %v", c.method, c.path, err)
			continue
		}
		if op.template != c.want {
			t.Errorf("%s %s matched %s, want %s", c.method, c.path, op.template, c.want)
		}
	}
}

// customOrderSync is a request body for POST /stores/{storeId}/custom/orders.
const customOrderSync = `{
  "id": "1001",
  "type": "order",
  "createdAt": "2025-03-14T15:09:26Z",
  "updatedAt": "2025-03-14T15:09:26Z",
  "presentmentCurrency": "USD",
  "shopCurrency": "USD",
  "salesChannel": "web",
  "customer": {"id": "cust_1", "email": "jane@example.com", "firstName": "Jane", "lastName": "Doe", "phone": null, "tags": []},
  "lineItems": [{
    "id": "li_1", "quantity": 2, "title": "Classic Tee", "variantTitle": "Black / M", "productId": "prod_1",
    "variantId": "var_1", "sku": "TEE-BLK-M",
    "priceSet": {"presentmentMoney": {"amount": "25.50", "currencyCode": "USD"}, "shopMoney": {"amount": "25.50", "currencyCode": "USD"}},
    "taxLines": [{"rate": "0.0725", "title": "Sales tax",
      "priceSet": {"presentmentMoney": {"amount": "3.70", "currencyCode": "USD"}, "shopMoney": {"amount": "3.70", "currencyCode": "USD"}}}]
  }],
  "orderDiscounts": [],
  "shippingLines": [{"id": "ship_1", "title": "Ground",
    "priceSet": {"presentmentMoney": {"amount": "5.99", "currencyCode": "USD"}, "shopMoney": {"amount": "5.99", "currencyCode": "USD"}}}],
  "fulfillments": [{"id": "ful_1", "lineItems": [{"id": "li_1", "quantity": 2}],
    "trackingNumbers": [{"carrier": "UPS", "trackingNumber": "1Z999AA10123456784"}]}],
  "shippingAddress": {"address1": "1 Main St", "city": "Provo", "provinceCode": "UT", "zip": "84604", "countryCode": "US"},
  "billingAddress": null,
  "tags": ["vip"],
  "cancelledAt": null
}`

func TestValidateRequest(t *testing.T) {
	spec := Load(t)
	post := func(path, ctype string) *http.Request {
		r := httptest.NewRequest("POST", path, nil)
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		return r
	}
	m := func(f func(m map[string]any)) string { return mutate(t, customOrderSync, f) }
	for _, c := range []struct {
		name string
		req  *http.Request
		body string
		want []string
	}{
		{"valid", post(customOrders, jsonCT), customOrderSync, nil},
		{"valid, content type implied", post(customOrders, ""), customOrderSync, nil},
		{"wrong type constant", post(customOrders, jsonCT), m(func(m map[string]any) { m["type"] = "invoice" }),
			[]string{`request POST /v2.2/stores/store_1/custom/orders`, "#/components/schemas/custom-order-sync.schema", `at "/type": value must be 'order'`}},
		{"bad email", post(customOrders, jsonCT), m(func(m map[string]any) { obj(m["customer"])["email"] = "jane.example.com" }),
			[]string{`at "/customer/email"`, "is not valid email"}},
		{"missing shippingAddress", post(customOrders, jsonCT), m(func(m map[string]any) { delete(m, "shippingAddress") }),
			[]string{`at "": missing property 'shippingAddress'`}},
		{"money amount as number", post(customOrders, jsonCT),
			m(func(m map[string]any) {
				obj(obj(obj(arr(m["lineItems"])[0])["priceSet"])["shopMoney"])["amount"] = 25.5
			}),
			[]string{`at "/lineItems/0/priceSet/shopMoney/amount": got number, want string`}},
		{"empty body", post(customOrders, jsonCT), "", []string{"the request body is required but empty"}},
		{"wrong content type", post(customOrders, "application/x-www-form-urlencoded"), "id=1",
			[]string{`Content-Type "application/x-www-form-urlencoded" is not one the spec lists here (application/json)`}},
		{"body where none is documented", httptest.NewRequest("DELETE", "/v2.2/webhooks/wh_1", nil), `{}`,
			[]string{"the operation documents no request body"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := newRecorder(t)
			spec.ValidateRequest(rec, c.req, []byte(c.body))
			expectReport(t, rec, c.want)
		})
	}
}

func TestValidateSchema(t *testing.T) {
	spec := Load(t)
	hookExample, err := json.Marshal(lookup(spec.doc, "/webhooks/return/post/requestBody/content/application~1json/example"))
	if err != nil || string(hookExample) == "null" {
		t.Fatalf("the spec's return webhook example is missing: %v", err)
	}
	for _, c := range []struct {
		name, schema, body string
		want               []string
	}{
		{"component", "custom-order-sync.schema", customOrderSync, nil},
		{"component by reference", "#/components/schemas/custom-order-sync.schema", customOrderSync, nil},
		{"component invalid", "custom-order-sync.schema", `{"id":"1"}`,
			[]string{"document for schema custom-order-sync.schema", `at "": missing properties`, "'lineItems'"}},
		{"webhook payload (the spec's own example)", "webhooks.return", string(hookExample), nil},
		{"webhook payload invalid", "webhooks.return", mutate(t, string(hookExample), func(m map[string]any) {
			m["type"] = "deleted"
			m["at"] = "yesterday"
		}), []string{"schema #/webhooks/return/post/requestBody/content/application~1json/schema", `at "/at"`, "is not valid date-time", `at "/type": value must be one of 'backfill', 'created', 'updated'`}},
		{"not JSON", "error.schema", `{`, []string{"body is not valid JSON"}},
		{"unknown component", "no-such.schema", `{}`, []string{`the spec has no component schema "no-such.schema"`}},
		{"unknown webhook", "webhooks.order", `{}`, []string{`the spec has no webhook "order" with a JSON payload (webhooks: return)`}},
		{"unknown reference", "#/components/schemas/nope", `{}`, []string{"nothing at #/components/schemas/nope"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := newRecorder(t)
			spec.ValidateSchema(rec, c.schema, []byte(c.body))
			expectReport(t, rec, c.want)
		})
	}
}

// TestWebhookReadRequiredPatch covers the "externalId id" typo in
// webhook-read.schema's required list.
func TestWebhookReadRequiredPatch(t *testing.T) {
	spec := Load(t)
	if !slices.ContainsFunc(spec.Patches, func(p string) bool {
		return strings.HasPrefix(p, `#/components/schemas/webhook-read.schema/required: "externalId id" read as "externalId" and "id"`)
	}) {
		t.Errorf("webhook-read patch not applied to the pinned spec; patches: %q", spec.Patches)
	}
	req, _ := lookup(spec.doc, "/components/schemas/webhook-read.schema/required").([]any)
	if want := []any{"callback", "createdAt", "externalId", "id", "updatedAt", "topic"}; !slices.Equal(req, want) {
		t.Errorf("patched required = %v, want %v", req, want)
	}

	const hook = `{"id":"wh_1","externalId":null,"kind":"redo","topic":"return",
		"callback":{"url":"https://hooks.example.com/redo","auth":{"bearer":{"token":"s3cret"}}},
		"createdAt":"2025-03-14T15:09:26Z","updatedAt":"2025-03-14T15:09:26Z"}`
	list := func(f func(m map[string]any)) string {
		return `{"webhooks":[` + mutate(t, hook, f) + `]}`
	}
	runExchanges(t, []exchange{
		{name: "valid", method: "GET", path: "/v2.2/stores/store_1/webhooks", status: 200, ctype: jsonCT,
			body: list(func(map[string]any) {})},
		{name: "missing id", method: "GET", path: "/v2.2/stores/store_1/webhooks", status: 200, ctype: jsonCT,
			body: list(func(m map[string]any) { delete(m, "id") }),
			want: []string{`at "/webhooks/0": missing property 'id'`}},
		{name: "missing externalId", method: "GET", path: "/v2.2/stores/store_1/webhooks", status: 200, ctype: jsonCT,
			body: list(func(m map[string]any) { delete(m, "externalId") }),
			want: []string{`at "/webhooks/0": missing property 'externalId'`}},
		{name: "externalId wrong type", method: "GET", path: "/v2.2/stores/store_1/webhooks", status: 200, ctype: jsonCT,
			body: list(func(m map[string]any) { m["externalId"] = 5 }),
			want: []string{`at "/webhooks/0/externalId": got number, want null or string`}},
		{name: "callback must be https", method: "GET", path: "/v2.2/stores/store_1/webhooks", status: 200, ctype: jsonCT,
			body: list(func(m map[string]any) { obj(m["callback"])["url"] = "http://hooks.example.com/redo" }),
			want: []string{`at "/webhooks/0/callback/url"`, "does not match pattern", "#/components/schemas/https-callback.schema/properties/url/pattern"}},
	})

	// The patch only touches that exact entry, and is a no-op once fixed.
	doc := map[string]any{"components": map[string]any{"schemas": map[string]any{
		"webhook-read.schema": map[string]any{"required": []any{"externalId", "id"}},
		"other.schema":        map[string]any{"required": []any{"externalId id"}},
	}}}
	if got := patchWebhookReadRequired(doc); got != nil {
		t.Errorf("patch applied to an already-correct schema: %q", got)
	}
	if r := lookup(doc, "/components/schemas/other.schema/required").([]any); !slices.Equal(r, []any{"externalId id"}) {
		t.Errorf("patch touched another schema: %v", r)
	}
}

// TestNullablePatch covers OpenAPI 3.0's `nullable: true` left in the 3.1
// document: Redo's own example for actual_arrival_date is null.
func TestNullablePatch(t *testing.T) {
	spec := Load(t)
	const ptr = "#/components/schemas/inbound-shipment-list.schema/properties/actual_arrival_date"
	if !slices.Contains(spec.Patches, ptr+": `nullable: true` read as adding \"null\" to its type") {
		t.Errorf("nullable patch not listed for %s; patches: %q", ptr, spec.Patches)
	}
	for _, c := range []struct {
		body string
		want []string
	}{
		{`null`, nil},
		{`"2026-04-15"`, nil},
		{`"15/04/2026"`, []string{"is not valid date"}},
		{`7`, []string{`at "": got number, want null or string`}},
	} {
		rec := newRecorder(t)
		spec.ValidateSchema(rec, ptr, []byte(c.body))
		expectReport(t, rec, c.want)
	}

	doc := map[string]any{"a": map[string]any{"nullable": true, "type": "string"},
		"b": map[string]any{"nullable": true, "type": []any{"number", "null"}},
		"c": map[string]any{"nullable": false, "type": "string"},
		"d": map[string]any{"nullable": true, "enum": []any{"x"}}}
	got := patchNullable(doc)
	if len(got) != 1 || !strings.HasPrefix(got[0], "#/a:") {
		t.Errorf("patchNullable = %q, want only #/a", got)
	}
	if typ := lookup(doc, "/a/type"); !slices.Equal(typ.([]any), []any{"string", "null"}) {
		t.Errorf("#/a/type = %v", typ)
	}
}

// TestSpecExamplesAreValid validates every example Redo put in the spec
// against the schema it illustrates: media type examples (request and
// response payloads, the webhook event) and schema-level examples. It shows
// the validator and the patches agree with the spec's authors.
func TestSpecExamplesAreValid(t *testing.T) {
	spec := Load(t)
	n := 0
	check := func(schemaPtr, where string, example any) {
		n++
		b, err := json.Marshal(example)
		if err != nil {
			t.Fatal(err)
		}
		if err := spec.CheckSchema("#"+schemaPtr, b); err != nil {
			t.Errorf("example at #%s:\n%v", where, err)
		}
	}
	// Media type objects: {schema, example | examples{name: {value}}}.
	var media func(v any, ptr string)
	media = func(v any, ptr string) {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v["schema"].(map[string]any); ok {
				if ex, ok := v["example"]; ok {
					check(ptr+"/schema", ptr+"/example", ex)
				}
				exs, _ := v["examples"].(map[string]any)
				for _, k := range sortedKeys(exs) {
					if val, ok := obj(exs[k])["value"]; ok {
						check(ptr+"/schema", ptr+"/examples/"+escapePtr(k)+"/value", val)
					}
				}
			}
			for _, k := range sortedKeys(v) {
				media(v[k], ptr+"/"+escapePtr(k))
			}
		case []any:
			for i, e := range v {
				media(e, fmt.Sprintf("%s/%d", ptr, i))
			}
		}
	}
	media(spec.doc["paths"], "/paths")
	media(spec.doc["webhooks"], "/webhooks")
	mediaExamples := n

	// Schema objects: {example} or {examples: [...]}, following subschemas.
	var schema func(v any, ptr string)
	schema = func(v any, ptr string) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		if ex, ok := m["example"]; ok {
			check(ptr, ptr+"/example", ex)
		}
		if exs, ok := m["examples"].([]any); ok {
			for i, ex := range exs {
				check(ptr, fmt.Sprintf("%s/examples/%d", ptr, i), ex)
			}
		}
		for _, kw := range []string{"items", "additionalProperties", "not"} {
			schema(m[kw], ptr+"/"+kw)
		}
		for _, kw := range []string{"allOf", "anyOf", "oneOf"} {
			for i, sub := range asSlice(m[kw]) {
				schema(sub, fmt.Sprintf("%s/%s/%d", ptr, kw, i))
			}
		}
		props, _ := m["properties"].(map[string]any)
		for _, k := range sortedKeys(props) {
			schema(props[k], ptr+"/properties/"+escapePtr(k))
		}
	}
	for _, ptr := range spec.schemaPointers() {
		schema(lookup(spec.doc, ptr), ptr)
	}
	t.Logf("%d media type examples and %d schema examples checked", mediaExamples, n-mediaExamples)
	if mediaExamples < 15 || n-mediaExamples < 100 {
		t.Errorf("found only %d media type and %d schema examples; is the walk broken?", mediaExamples, n-mediaExamples)
	}
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

func TestLoadIsCachedAndConcurrent(t *testing.T) {
	first := Load(t)
	var wg sync.WaitGroup
	got := make([]*Spec, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = Load(t)
			// Validation is safe to run concurrently too.
			req := httptest.NewRequest("GET", "/v2.2/stores/store_1/orders/1001", nil)
			if err := got[i].CheckResponse(req, 200, http.Header{"Content-Type": {jsonCT}}, []byte(orderExample)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for i, s := range got {
		if s != first {
			t.Errorf("Load #%d returned a different *Spec", i)
		}
	}
	if !strings.Contains(first.Source, PackageName) && os.Getenv(EnvSpecPath) == "" {
		t.Errorf("Source = %q, want it to name %s", first.Source, PackageName)
	}
}

func TestEnvOverride(t *testing.T) {
	// Point REBOUND_REDO_SPEC at a copy of the spec with a recognisable
	// change, and check it is the one used.
	yml, _, err := readSpec()
	if err != nil {
		t.Fatal(err)
	}
	alt := strings.Replace(string(yml), "title: Custom Order Sync Response\n      type: object",
		"title: Custom Order Sync Response\n      type: object\n      additionalProperties: false", 1)
	if alt == string(yml) {
		t.Fatal("could not alter the spec copy")
	}
	path := t.TempDir() + "/openapi.yaml"
	if err := os.WriteFile(path, []byte(alt), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvSpecPath, path)
	yml2, source, err := readSpec()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(source, path) || !strings.Contains(source, EnvSpecPath) {
		t.Errorf("source = %q", source)
	}
	s, err := parse(yml2, source)
	if err != nil {
		t.Fatal(err)
	}
	err = s.CheckSchema("custom-order-sync-response.schema", []byte(`{"message":"m","orderId":"o","redoId":"r","extra":1}`))
	if err == nil || !strings.Contains(err.Error(), "additional properties 'extra' not allowed") {
		t.Errorf("override not in effect: %v", err)
	}

	t.Setenv(EnvSpecPath, path+".missing")
	if _, _, err := readSpec(); err == nil || !strings.Contains(err.Error(), EnvSpecPath) {
		t.Errorf("missing override file: err = %v, want it to name %s", err, EnvSpecPath)
	}
}

func TestParseRejects(t *testing.T) {
	for _, c := range []struct{ name, yml, want string }{
		{"not yaml", "openapi: [", "parsing YAML"},
		{"openapi 3.0", "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths: {}\n", `openapi version "3.0.3", want 3.1.x`},
		{"external ref", "openapi: 3.1.0\npaths: {}\ncomponents:\n  schemas:\n    a:\n      $ref: 'other.json#/x'\n", "compiling schema #/components/schemas/a"},
	} {
		if _, err := parse([]byte(c.yml), "test"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
}

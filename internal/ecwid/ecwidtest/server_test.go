package ecwidtest_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/ecwid/ecwidtest"
)

// call sends one raw request to the fake and decodes the JSON answer.
func call(t *testing.T, srv *ecwidtest.Server, method, path, token, contentType, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, srv.APIRoot()+"/1003"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s %s: body %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode, resp.Header, m
}

func newServer(t *testing.T, opts ...ecwidtest.Option) *ecwidtest.Server {
	srv := ecwidtest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

func keys(m map[string]any) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	slices.Sort(k)
	return k
}

func TestWireErrors(t *testing.T) {
	srv := newServer(t)
	tok := srv.Token
	for _, tc := range []struct {
		name, method, path, token, ct, body string
		status                              int
		code, msg                           string
	}{
		{"no token", "GET", "/profile", "", "", "", 401, "", "Authorization token is missing"},
		{"bad token", "GET", "/profile", "secret_nope", "", "", 403, "INVALID_API_TOKEN", "Invalid API token"},
		{"abandoned_carts is not the path", "GET", "/abandoned_carts", tok, "", "", 404, "", "Resource not found"},
		{"unknown order", "GET", "/orders/ZZZZZ", tok, "", "", 404, "ORDER_NOT_FOUND", "Order #ZZZZZ not found"},
		{"unknown product", "GET", "/products/1", tok, "", "", 404, "PRODUCT_NOT_FOUND", "Product #1 not found"},
		{"non-numeric product id", "GET", "/products/abc", tok, "", "", 400, "WRONG_PARAMETER", "Wrong product id"},
		{"wrong method", "DELETE", "/products/12345601", tok, "", "", 405, "METHOD_NOT_ALLOWED", "Method DELETE"},
		{"bad bool", "GET", "/products?inStock=maybe", tok, "", "", 400, "WRONG_PARAMETER", "Wrong parameter 'inStock' value 'maybe'"},
		{"bad status", "GET", "/orders?paymentStatus=QUEUED", tok, "", "", 400, "WRONG_PARAMETER", "Wrong parameter 'paymentStatus'"},
		{"bad date", "GET", "/orders?createdFrom=yesterday", tok, "", "", 400, "WRONG_PARAMETER", "Wrong parameter 'createdFrom'"},
		{"bad responseFields", "GET", "/orders?responseFields=items(id", tok, "", "", 400, "WRONG_PARAMETER", "Wrong parameter 'responseFields'"},
		{"form body", "POST", "/orders", tok, "application/x-www-form-urlencoded", "a=b", 415, "", "Unsupported content-type"},
		{"missing total", "POST", "/orders", tok, "application/json", `{"subtotal":0,"email":"a@b.c","paymentStatus":"PAID","fulfillmentStatus":"PROCESSING"}`, 400, "WRONG_PARAMETER", "Field Order.total is absent"},
		{"item without quantity", "POST", "/orders", tok, "text/json", `{"total":0,"subtotal":0,"email":"a@b.c","paymentStatus":"PAID","fulfillmentStatus":"PROCESSING","items":[{"name":"x"}]}`, 400, "WRONG_PARAMETER", "Field OrderItem.quantity is absent"},
		{"not JSON", "PUT", "/orders/K8XTQ", tok, "application/json", `{`, 400, "WRONG_PARAMETER", "Request body is not a valid order"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := call(t, srv, tc.method, tc.path, tc.token, tc.ct, tc.body)
			if status != tc.status || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
				t.Errorf("status %d (%s), want %d", status, h.Get("Content-Type"), tc.status)
			}
			if code, _ := body["errorCode"].(string); code != tc.code {
				t.Errorf("errorCode = %q, want %q", code, tc.code)
			}
			if msg, _ := body["errorMessage"].(string); !strings.HasPrefix(msg, tc.msg) {
				t.Errorf("errorMessage = %q, want prefix %q", msg, tc.msg)
			}
		})
	}
	if n := srv.Len(ecwidtest.Orders); n != 5 {
		t.Errorf("rejected creates stored orders: %d", n)
	}
}

func TestWireShapes(t *testing.T) {
	srv := newServer(t)
	tok := srv.Token

	_, _, env := call(t, srv, "GET", "/orders?limit=2&offset=1", tok, "", "")
	if !slices.Equal(keys(env), []string{"count", "items", "limit", "offset", "total"}) ||
		env["total"] != 5.0 || env["count"] != 2.0 || env["offset"] != 1.0 || env["limit"] != 2.0 {
		t.Errorf("envelope = %v", env)
	}
	_, _, env = call(t, srv, "GET", "/orders?limit=1000", tok, "", "")
	if env["limit"] != 100.0 {
		t.Errorf("limit not capped: %v", env["limit"])
	}
	_, _, env = call(t, srv, "GET", "/carts", tok, "", "")
	if env["limit"] != 10.0 {
		t.Errorf("carts default limit = %v", env["limit"])
	}
	_, _, env = call(t, srv, "GET", "/customers?responseFields=total,allCustomerCount", tok, "", "")
	if !slices.Equal(keys(env), []string{"allCustomerCount", "total"}) {
		t.Errorf("customers projection = %v", env)
	}

	_, _, o := call(t, srv, "GET", "/orders/K8XTQ?responseFields=id,email,items(price,sku,name),shippingPerson(city)", tok, "", "")
	if !slices.Equal(keys(o), []string{"email", "id", "items", "shippingPerson"}) {
		t.Errorf("order projection keys = %v", keys(o))
	}
	item := o["items"].([]any)[0].(map[string]any)
	if !slices.Equal(keys(item), []string{"name", "price", "sku"}) || !slices.Equal(keys(o["shippingPerson"].(map[string]any)), []string{"city"}) {
		t.Errorf("nested projection = %v", o)
	}

	// Filters accept Ecwid's datetime strings as well as UNIX seconds.
	_, _, env = call(t, srv, "GET", "/orders?createdFrom=2024-05-11%2013:25:00&createdTo=1721419080", tok, "", "")
	if env["total"] != 3.0 { // EBJFT, 1HOTQ, CYQLB
		t.Errorf("date filter total = %v", env["total"])
	}

	// Create answers with the deprecated numeric id and the public id.
	status, _, res := call(t, srv, "POST", "/orders", tok, "application/json; charset=utf-8",
		`{"total":0,"subtotal":0,"email":"r@example.com","paymentStatus":"PAID","fulfillmentStatus":"AWAITING_PROCESSING","items":[{"name":"x","quantity":1,"price":0}]}`)
	if status != 200 || !slices.Equal(keys(res), []string{"id", "orderid"}) {
		t.Fatalf("create = %d %v", status, res)
	}
	id := res["orderid"].(string)
	if len(id) != 5 {
		t.Errorf("public id %q", id)
	}
	stored, ok := srv.Get(ecwidtest.Orders, id)
	if !ok || stored["createDate"] == "" || stored["vendorOrderNumber"] != id {
		t.Errorf("stored = %v", stored)
	}
	srv.SetOrderIDKey("orderId")
	_, _, res = call(t, srv, "POST", "/orders", tok, "application/json",
		`{"total":0,"subtotal":0,"email":"r@example.com","paymentStatus":"PAID","fulfillmentStatus":"AWAITING_PROCESSING"}`)
	if !slices.Equal(keys(res), []string{"id", "orderId"}) {
		t.Errorf("camelCase create = %v", res)
	}
	// Both PAID orders went to one auto-created customer.
	_, _, env = call(t, srv, "GET", "/customers?email=r@example.com&useExactEmailMatch=true", tok, "", "")
	if env["total"] != 1.0 || env["items"].([]any)[0].(map[string]any)["totalOrderCount"] != 2.0 {
		t.Errorf("customer = %v", env)
	}

	status, _, res = call(t, srv, "PUT", "/orders/"+id, tok, "application/json", `{"fulfillmentStatus":"RETURNED"}`)
	if status != 200 || res["updateCount"] != 1.0 {
		t.Errorf("update = %d %v", status, res)
	}
	status, _, res = call(t, srv, "DELETE", "/orders/"+id, tok, "", "")
	if status != 200 || res["deleteCount"] != 1.0 {
		t.Errorf("delete = %d %v", status, res)
	}
}

func TestScopes(t *testing.T) {
	srv := newServer(t, ecwidtest.WithScopedToken("secret_catalog", ecwidtest.ScopeReadCatalog))
	for path, want := range map[string]int{
		"/products": 200, "/categories": 200, "/profile": 200,
		"/orders": 403, "/customers": 403, "/carts": 403, "/discount_coupons": 403, "/promotions": 403,
	} {
		status, _, body := call(t, srv, "GET", path, "secret_catalog", "", "")
		if status != want {
			t.Errorf("%s: %d, want %d (%v)", path, status, want, body)
		}
	}
}

func TestRateLimit(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	srv := newServer(t, ecwidtest.WithRateLimit(2, time.Minute, 3*time.Second), ecwidtest.WithClock(func() time.Time { return now }))
	for i := range 2 {
		if status, _, _ := call(t, srv, "GET", "/profile", srv.Token, "", ""); status != 200 {
			t.Fatalf("request %d: %d", i, status)
		}
	}
	status, h, body := call(t, srv, "GET", "/profile", srv.Token, "", "")
	if status != 429 || h.Get("Retry-After") != "3" || body["errorCode"] != "RATE_LIMITED" {
		t.Errorf("limited = %d %q %v", status, h.Get("Retry-After"), body)
	}
	now = now.Add(2500 * time.Millisecond)
	if status, h, _ := call(t, srv, "GET", "/profile", srv.Token, "", ""); status != 429 || h.Get("Retry-After") != "1" {
		t.Errorf("during cooldown = %d %q", status, h.Get("Retry-After"))
	}
	// Cooldown over, but the window still holds two requests: blocked again.
	now = now.Add(time.Second)
	if status, _, _ := call(t, srv, "GET", "/profile", srv.Token, "", ""); status != 429 {
		t.Errorf("after cooldown, full window = %d", status)
	}
	now = now.Add(4 * time.Second) // past this block
	now = now.Add(time.Minute)
	if status, _, _ := call(t, srv, "GET", "/profile", srv.Token, "", ""); status != 200 {
		t.Errorf("after the window = %d", status)
	}
}

func TestFaults(t *testing.T) {
	srv := newServer(t)
	srv.InjectFault(1, ecwidtest.Fault{Method: "GET", Path: "/orders*", Status: 503, RetryAfter: "7"})
	if status, _, _ := call(t, srv, "GET", "/profile", srv.Token, "", ""); status != 200 {
		t.Errorf("unmatched path faulted: %d", status)
	}
	status, h, body := call(t, srv, "GET", "/orders/K8XTQ", srv.Token, "", "")
	if status != 503 || h.Get("Retry-After") != "7" || body["errorCode"] != "INTERNAL_ERROR" {
		t.Errorf("fault = %d %v", status, body)
	}
	if status, _, _ := call(t, srv, "GET", "/orders/K8XTQ", srv.Token, "", ""); status != 200 {
		t.Errorf("fault outlived its count: %d", status)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 || !reqs[1].Faulted || reqs[1].Status != 503 || reqs[1].Path != "/orders/K8XTQ" || reqs[2].Faulted {
		t.Errorf("log = %+v", reqs)
	}

	// The in-memory transport reports resets as ECONNRESET.
	srv.InjectFault(1, ecwidtest.Fault{Reset: true})
	hc := &http.Client{Transport: srv.Transport()}
	req, _ := http.NewRequest("GET", "http://fake/api/v3/1003/profile", nil)
	req.Header.Set("Authorization", "Bearer "+srv.Token)
	if _, err := hc.Do(req); !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("transport reset err = %v", err)
	}
	resp, err := hc.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("transport = %v, %v", resp, err)
	}
}

func TestStoreHelpers(t *testing.T) {
	srv := newServer(t, ecwidtest.WithoutSeedData(), ecwidtest.WithStoreID(77))
	if srv.Len(ecwidtest.Products) != 0 || srv.Profile()["generalInfo"].(map[string]any)["storeId"].(json.Number) != "77" {
		t.Error("WithoutSeedData / WithStoreID not applied")
	}
	ids := srv.GenerateOrders(40)
	slices.Sort(ids)
	if len(slices.Compact(ids)) != 40 {
		t.Error("duplicate generated ids")
	}
	pids, err := srv.Add(ecwidtest.Products, map[string]any{"name": "Mug", "sku": "MUG", "price": 12.5, "enabled": true})
	if err != nil || len(pids) != 1 {
		t.Fatal(pids, err)
	}
	p, ok := srv.Get(ecwidtest.Products, pids[0])
	if !ok || p["created"] == "" || !strings.Contains(p["url"].(string), "mug-p") {
		t.Errorf("product = %v", p)
	}
	cids, _ := srv.Add(ecwidtest.Carts, struct {
		Email string  `json:"email"`
		Total float64 `json:"total"`
	}{"x@example.com", 9})
	if len(cids[0]) != 36 || strings.ToUpper(cids[0]) != cids[0] {
		t.Errorf("cart id %q", cids[0])
	}
	srv.Clear(ecwidtest.Orders)
	if srv.Len(ecwidtest.Orders) != 0 || len(srv.List(ecwidtest.Carts)) != 1 {
		t.Error("Clear")
	}
}

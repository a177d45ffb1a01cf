package loophttp_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/server"
)

const unauthorized = `{"error":{"code":"401","http_code":"GEN-UNAUTHORIZED","message":"Unauthorized."}}`

// TestAuth: Loop's 401 body, exactly, for a missing, unknown or revoked
// key and for a key without the route's scope; both version prefixes.
func TestAuth(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		hooksOnly, err := e.app.CreateAPIKey(context.Background(), e.storeID, []returns.Scope{returns.ScopeWebhooksRead, returns.ScopeWebhooksWrite}, "hooks")
		if err != nil {
			t.Fatal(err)
		}
		revoked, _ := e.app.CreateAPIKey(context.Background(), e.storeID, nil, "old")
		if _, err := e.app.RevokeAPIKey(context.Background(), revoked.Key.ID); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/api/v1", "/api/2026-07"} {
			for _, key := range []string{"", "rbk_nope", "not-a-key", revoked.Secret, hooksOnly.Secret} {
				for _, c := range []struct{ method, path string }{
					{"GET", "/warehouse/return/list"}, {"GET", "/warehouse/return/details?return_id=1"}, {"POST", "/warehouse/return/1/flag"},
					{"GET", "/warehouse/return/1/notes"}, {"GET", "/warehouse/reporting/asn"},
				} {
					r := e.loop(c.method, p+c.path, key, nil)
					if r.status != 401 || string(r.body) != unauthorized {
						t.Errorf("%s %s with key %.8q: %d %s", c.method, p+c.path, key, r.status, r.body)
					}
				}
			}
			if r := e.loop("GET", p+"/webhooks", "", nil); r.status != 401 || string(r.body) != unauthorized {
				t.Errorf("GET %s/webhooks without key: %d %s", p, r.status, r.body)
			}
			if r := e.loop("GET", p+"/webhooks", hooksOnly.Secret, nil); r.status != 200 {
				t.Errorf("GET %s/webhooks with a webhooks key: %d %s", p, r.status, r.body)
			}
			if r := e.loop("GET", p+"/warehouse/return/list", e.key, nil); r.status != 200 || string(r.body) != "[]" {
				t.Errorf("GET %s list: %d %s", p, r.status, r.body)
			}
		}
	})
}

// TestRateLimit: a key over its limit gets 429 with Loop's gateway body and
// Retry-After; another key is not affected.
func TestRateLimit(t *testing.T) {
	var mu sync.Mutex
	used := map[string]int{}
	limit := func(key string) (bool, time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		used[key]++
		return used[key] <= 3, 1500 * time.Millisecond
	}
	forEachBackend(t, func(t *testing.T, e *env) {
		other, _ := e.app.CreateAPIKey(context.Background(), e.storeID, nil, "other")
		for i := range 5 {
			r := e.loop("GET", "/api/v1/warehouse/return/list", e.key, nil)
			switch {
			case i < 3 && r.status != 200:
				t.Errorf("request %d: %d %s", i, r.status, r.body)
			case i >= 3 && (r.status != 429 || r.header.Get("Retry-After") != "2" ||
				string(r.body) != `{"error":{"code":"429","http_code":"GEN-TOO-MANY-REQUESTS","message":"Too Many Requests."}}`):
				t.Errorf("request %d over the limit: %d %q %s", i, r.status, r.header.Get("Retry-After"), r.body)
			}
		}
		if r := e.loop("GET", "/api/v1/warehouse/return/list", other.Secret, nil); r.status != 200 {
			t.Errorf("another key: %d", r.status)
		}
		mu.Lock()
		clear(used)
		mu.Unlock()
	}, func(c *server.Config) { c.LoopLimit = limit })
}

// TestTenancy: another store's key sees none of a store's returns or
// subscriptions on any Loop route, and changes none of them.
func TestTenancy(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.order("o-1")
		native := e.createReturn("o-1", 1, "refund")
		id := e.numericID(native)
		e.loop("POST", action(id, "note"), e.key, []byte(`{"content":"mine"}`))
		hook := e.loop("POST", "/api/v1/webhooks", e.key, []byte(`{"topic":"return","trigger":"return.created","url":"https://example.com/a"}`)).obj(t)
		_, other, err := e.app.CreateStore(context.Background(), "Other")
		if err != nil {
			t.Fatal(err)
		}
		k := other.Secret
		from := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		for _, target := range []string{"/api/v1/warehouse/return/list", "/api/v1/warehouse/return/list?paginate=true&from=" + from, "/api/v1/warehouse/reporting/asn"} {
			if r := e.loop("GET", target, k, nil); r.status != 200 || (string(r.body) != "[]" && !strings.Contains(string(r.body), `"returns":[]`)) {
				t.Errorf("GET %s by another store: %d %s", target, r.status, r.body)
			}
		}
		notFound := func(method, target string, body []byte) {
			t.Helper()
			if r := e.loop(method, target, k, body); r.status != 404 || !strings.Contains(string(r.body), `"code":"NOT_FOUND"`) {
				t.Errorf("%s %s by another store: %d %s", method, target, r.status, r.body)
			}
		}
		notFound("GET", fmt.Sprintf("/api/v1/warehouse/return/details?return_id=%d", id), nil)
		notFound("GET", "/api/v1/warehouse/return/details?redo_return_id="+native, nil)
		notFound("GET", "/api/v1/warehouse/return/details?order_name=order_123456", nil)
		for _, act := range []string{"process", "flag", "close", "cancel"} {
			notFound("POST", action(id, act), nil)
			notFound("POST", "/api/v1/warehouse/return/0/"+act+"?redo_return_id="+native, nil)
		}
		notFound("POST", action(id, "remove")+"?line_item_id=1", nil)
		notFound("GET", action(id, "notes"), nil)
		notFound("POST", action(id, "note"), []byte(`{"content":"theirs"}`))
		if s := e.status(native); s != "open" {
			t.Errorf("status changed by another store: %s", s)
		}
		hid := fmt.Sprint(int64(hook["id"].(float64)))
		notFound("PUT", "/api/v1/webhooks/"+hid, []byte(`{"topic":"return","trigger":"return.closed","url":"https://example.com/b"}`))
		notFound("DELETE", "/api/v1/webhooks/"+hid, nil)
		if r := e.loop("GET", "/api/v1/webhooks", k, nil); string(r.body) != `{"webhooks":[]}` {
			t.Errorf("webhooks by another store: %s", r.body)
		}
		if ns := e.loop("GET", action(id, "notes"), e.key, nil).obj(t)["notes"].([]any); len(ns) != 1 {
			t.Errorf("own notes: %v", ns)
		}
	})
}

// TestBadParameters: bad parameters on every route get Loop's 422 shapes
// (or NOT_FOUND for a path naming no return), never a 500.
func TestBadParameters(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.order("o-1")
		id := e.numericID(e.createReturn("o-1", 1, "refund"))
		now := time.Now().UTC()
		long := now.Add(-121 * 24 * time.Hour).Format(time.RFC3339)
		check := func(method, target string, body []byte, status int, member string) {
			t.Helper()
			r := e.loopBad(method, target, e.key, body)
			if r.status != status || !strings.Contains(string(r.body), member) {
				t.Errorf("%s %s: %d %s, want %d with %s", method, target, r.status, r.body, status, member)
			}
		}
		for _, q := range []string{"from=yesterday", "to=31/12/2025", "state=pending", "filter=shipped_at", "pageSize=0", "pageSize=751&paginate=true",
			"paginate=maybe", "from=" + long, "from=2026-01-02&to=2026-01-01", "paginate=true&cursor=eyJ2IjoxfQ.forged", "from=0000-01-01T00:00:00Z"} {
			check("GET", "/api/v1/warehouse/return/list?"+q, nil, 422, `"errors":{`)
		}
		for _, q := range []string{"", "return_id=abc", "return_id=-3", "order_id=x", "redo_return_id=zz", "return_id=1&currency_type=euro"} {
			check("GET", "/api/v1/warehouse/return/details?"+q, nil, 422, `"errors":{`)
		}
		check("GET", "/api/v1/warehouse/return/details?return_id=987654321", nil, 404, `"NOT_FOUND"`)
		for _, q := range []string{"from=soon", "from=" + long, "tracking_status=lost"} {
			check("GET", "/api/v1/warehouse/reporting/asn?"+q, nil, 422, `"errors":{`)
		}
		for _, act := range []string{"process", "flag", "close", "cancel", "notes"} {
			method := "POST"
			if act == "notes" {
				method = "GET"
			}
			check(method, "/api/v1/warehouse/return/abc/"+act, nil, 404, `"NOT_FOUND"`)
			check(method, "/api/v1/warehouse/return/0/"+act+"?redo_return_id=xyz", nil, 404, `"NOT_FOUND"`)
		}
		for _, b := range []string{`{}`, `{"content":""}`, `{"content":"` + strings.Repeat("x", 255) + `"}`, `{"content":7}`, `not json`} {
			check("POST", action(id, "note"), []byte(b), 422, `{"errors":{"message":"Content is required and must be less than 255 characters."}}`)
		}
		for _, b := range []string{`{}`, `{"topic":"restock","trigger":"restock.requested","url":"https://example.com"}`,
			`{"topic":"return","trigger":"label.created","url":"https://example.com"}`, `{"topic":"return","trigger":"return.created","url":"ftp://x"}`,
			`{"topic":"return","trigger":"return.created","url":"https://example.com","status":"paused"}`, `[1]`, `nope`} {
			check("POST", "/api/v1/webhooks", []byte(b), 422, `"errors":{`)
		}
		check("PUT", "/api/v1/webhooks/abc", []byte(`{"topic":"return","trigger":"return.created","url":"https://example.com"}`), 404, `"NOT_FOUND"`)
		check("DELETE", "/api/v1/webhooks/99999999", nil, 404, `"NOT_FOUND"`)
	})
}

// TestWebhooksAPI: Loop's subscriptions are Rebound's kind loop ones —
// created inactive by default, shown with numeric ids, updated (status
// active/inactive is enabled/disabled), deleted; one made through Redo's
// API appears too.
func TestWebhooksAPI(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		r := e.loop("POST", "/api/v1/webhooks", e.key, []byte(`{"topic":"label","trigger":"label.updated","url":"https://example.com/l"}`))
		if r.status != 200 {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		w := r.obj(t)
		if w["status"] != "inactive" || w["topic"] != "label" || w["trigger"] != "label.updated" || w["id"].(float64) <= 0 || w["shop_id"].(float64) <= 0 {
			t.Errorf("created: %v", w)
		}
		redo := e.redo("GET", "/v2.2/webhooks/"+w["redo_id"].(string), nil).obj(t)["webhook"].(map[string]any)
		if redo["kind"] != "loop" || redo["rebound"].(map[string]any)["enabled"] != false {
			t.Errorf("the same subscription through Redo's API: %v", redo)
		}
		rr := e.redo("POST", "/v2.2/stores/"+e.storeID+"/webhooks", []byte(`{"webhook":{"callback":{"url":"https://example.com/r"},"topic":"return","kind":"loop"}}`))
		if rr.status != 201 {
			t.Fatalf("redo create: %d %s", rr.status, rr.body)
		}
		e.redo("POST", "/v2.2/stores/"+e.storeID+"/webhooks", []byte(`{"webhook":{"callback":{"url":"https://example.com/x"},"topic":"return"}}`))
		list := e.loop("GET", "/api/v1/webhooks", e.key, nil).obj(t)["webhooks"].([]any)
		if len(list) != 2 || list[1].(map[string]any)["topic"] != "return" || list[1].(map[string]any)["status"] != "active" {
			t.Errorf("list (the redo-kind one left out): %v", list)
		}
		id := fmt.Sprint(int64(w["id"].(float64)))
		if r := e.loop("PUT", "/api/v1/webhooks/"+id, e.key, []byte(`{"topic":"label","trigger":"label.created","url":"https://example.com/l2","status":"active"}`)); r.status != 204 {
			t.Errorf("update: %d %s", r.status, r.body)
		}
		got := e.loop("GET", "/api/v1/webhooks", e.key, nil).obj(t)["webhooks"].([]any)[0].(map[string]any)
		if got["trigger"] != "label.created" || got["url"] != "https://example.com/l2" || got["status"] != "active" || got["id"] != w["id"] {
			t.Errorf("after update: %v", got)
		}
		if r := e.loop("PUT", "/api/v1/webhooks/"+id, e.key, []byte(`{"topic":"label","trigger":"label.created","url":"https://example.com/l2","status":"inactive"}`)); r.status != 204 {
			t.Errorf("deactivate: %d", r.status)
		}
		if got := e.loop("GET", "/api/v1/webhooks", e.key, nil).obj(t)["webhooks"].([]any)[0].(map[string]any); got["status"] != "inactive" {
			t.Errorf("after deactivate: %v", got)
		}
		if r := e.loop("DELETE", "/api/v1/webhooks/"+id, e.key, nil); r.status != 204 {
			t.Errorf("delete: %d %s", r.status, r.body)
		}
		if r := e.loop("DELETE", "/api/v1/webhooks/"+id, e.key, nil); r.status != 404 {
			t.Errorf("delete again: %d", r.status)
		}
		if list := e.loop("GET", "/api/v1/webhooks", e.key, nil).obj(t)["webhooks"].([]any); len(list) != 1 {
			t.Errorf("after delete: %v", list)
		}
	})
}

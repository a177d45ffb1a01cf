package redoapi_test

import (
	"context"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/reboundhq/rebound/internal/server"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

// rateEnv is a server over SQLite whose Redo API allows perMinute requests
// per key, with one store and two keys.
func rateEnv(t *testing.T, perMinute int) (e *env, otherKey string) {
	t.Helper()
	st := storetest.OpenSQLite(t)
	sv := server.NewServices(server.Options{Store: st, RedoRateLimit: perMinute})
	srv := httptest.NewServer(server.New(server.Config{Services: sv}))
	t.Cleanup(srv.Close)
	s, k, err := sv.App.CreateStore(context.Background(), "Acme")
	if err != nil {
		t.Fatal(err)
	}
	k2, err := sv.App.CreateAPIKey(context.Background(), s.ID, nil, "second")
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, st: st, app: sv.App, sv: sv, srv: srv, storeID: s.ID, key: k.Secret}, k2.Secret
}

// A key over its limit gets 429 with Retry-After in the route's error
// shape; another key is unaffected.
func TestRateLimitPerKey(t *testing.T) {
	e, other := rateEnv(t, 3) // 3 a minute, bursts of 3
	path := "/v2.2/stores/" + e.storeID + "/orders/order_123456"
	for i := range 3 {
		if r := e.doUnchecked("GET", path, e.key, "", nil); r.status != 404 {
			t.Fatalf("request %d: status %d, want 404 (unknown order, within the limit): %s", i+1, r.status, r.body)
		}
	}
	r := e.doUnchecked("GET", path, e.key, "", nil)
	if r.status != 429 {
		t.Fatalf("fourth request: status %d, want 429: %s", r.status, r.body)
	}
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 20 {
		t.Errorf("Retry-After = %q, want whole seconds in [1, 20] (one token refills in 20 s)", r.header.Get("Retry-After"))
	}
	// The Orders API's style: problem+json for 429 (only 401 and 404 are {"error"}).
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	if b := r.json(t); b["status"] != float64(429) || b["detail"] == "" {
		t.Errorf("body %s", r.body)
	}
	// The custom order sync route answers its own shape: problem+json too
	// (its {"error"} shape is for 400, 401 and 500 only).
	if r := e.doUnchecked("POST", "/v2.2/stores/"+e.storeID+"/custom/orders", e.key, "application/json", []byte(`{}`)); r.status != 429 {
		t.Errorf("sync over the limit: status %d, want 429", r.status)
	}
	if r := e.doUnchecked("GET", path, other, "", nil); r.status != 404 {
		t.Errorf("another key: status %d, want 404 (not limited): %s", r.status, r.body)
	}
	// A request without a valid key is answered 401, never counted.
	if r := e.doUnchecked("GET", path, "rbk_nope", "", nil); r.status != 401 {
		t.Errorf("bad key: status %d, want 401", r.status)
	}
}

// With the limit off (0, serve's default for the Redo API) a key is never
// refused.
func TestRateLimitOff(t *testing.T) {
	e, _ := rateEnv(t, 0)
	path := "/v2.2/stores/" + e.storeID + "/orders/order_123456"
	for i := range 200 {
		if r := e.doUnchecked("GET", path, e.key, "", nil); r.status != 404 {
			t.Fatalf("request %d: status %d, want 404: %s", i+1, r.status, r.body)
		}
	}
}

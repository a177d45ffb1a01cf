package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/httpx"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

// A request past its deadline is answered 503 problem+json with
// Retry-After, whether its handler returns the context's error through its
// surface or returns without answering; the handler runs in the request's
// goroutine, so nothing is left running after it.
func TestRequestDeadline(t *testing.T) {
	s := New(Config{Services: NewServices(Options{Store: storetest.OpenSQLite(t)}), RequestTimeout: 50 * time.Millisecond})
	s.mux.HandleFunc("GET /slow-error", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		httpx.WriteProblem(w, r, r.Context().Err())
	})
	s.mux.HandleFunc("GET /slow-silent", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	s.mux.HandleFunc("GET /fast", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := r.Context().Deadline(); !ok {
			t.Error("the request context has no deadline")
		}
		w.WriteHeader(http.StatusNoContent)
	})
	for _, path := range []string{"/slow-error", "/slow-silent"} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		var p httpx.Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatalf("%s: body %q: %v", path, rec.Body, err)
		}
		if rec.Code != 503 || p.Status != 503 || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s %s, want a 503 problem", path, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
		if ra, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || ra < 1 {
			t.Errorf("%s: Retry-After %q, want seconds", path, rec.Header().Get("Retry-After"))
		}
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/fast", nil))
	if rec.Code != http.StatusNoContent || rec.Header().Get("Retry-After") != "" {
		t.Errorf("fast request: %d Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
}

// PostgreSQL unreachable: /readyz and API requests answer 503 with
// Retry-After (never hang), and the same server recovers when the
// database is back.
func TestDatabaseOutage(t *testing.T) {
	storetest.RequirePostgres(t)
	st, proxy := storetest.PostgresViaProxy(t)
	sv := NewServices(Options{Store: st})
	srv := httptest.NewServer(New(Config{Services: sv, RequestTimeout: 20 * time.Second}))
	t.Cleanup(srv.Close)
	m, k, err := sv.App.CreateStore(context.Background(), "Acme")
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string, auth bool) (int, http.Header) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if auth {
			req.Header.Set("Authorization", "Bearer "+k.Secret)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		res.Body.Close()
		return res.StatusCode, res.Header
	}
	order := "/v2.2/stores/" + m.ID + "/orders/order_1"
	if code, _ := get(order, true); code != 404 {
		t.Fatalf("before the outage: %d, want 404", code)
	}
	proxy.Cut()
	// (Whether the key is still trusted from the cache or read again, the
	// order read needs the database.)
	for _, path := range []string{"/readyz", order} {
		code, h := get(path, path != "/readyz")
		if code != 503 || h.Get("Retry-After") == "" {
			t.Errorf("GET %s with the database cut: %d Retry-After %q, want 503 with Retry-After", path, code, h.Get("Retry-After"))
		}
	}
	proxy.Restore()
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, _ := get("/readyz", false)
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still %d 60 s after the database came back", code)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, _ := get(order, true); code != 404 {
		t.Errorf("after recovery: %d, want 404", code)
	}
}

package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/reboundhq/rebound/internal/httpx"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

// A handler that panics answers 500 in its route's error style (here a
// surface whose errors are {"error"} as application/json, like Redo's
// custom-order route), with the request id, and the server lives on.
func TestPanicAnswersInRouteStyle(t *testing.T) {
	s := New(Config{Services: NewServices(Options{Store: storetest.OpenSQLite(t)})})
	s.mux.HandleFunc("POST /v2.2/stores/{storeId}/boom", func(w http.ResponseWriter, r *http.Request) {
		httpx.RouteOf(r).WriteError = func(w http.ResponseWriter, r *http.Request, err error) {
			e := httpx.Resolve(r, err)
			httpx.WriteJSON(w, e.Status, "application/json", map[string]string{"error": e.Detail})
		}
		panic("boom")
	})
	for range 2 {
		req := httptest.NewRequest("POST", "/v2.2/stores/s1/boom", nil)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("body: %v: %s", err, rec.Body)
		}
		if rec.Code != 500 || rec.Header().Get("Content-Type") != "application/json" || body["error"] == nil {
			t.Fatalf("got %d %s %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
		if id := rec.Header().Get("X-Request-Id"); id == "" {
			t.Error("no request id")
		}
	}
	// Without a surface's writer, problem+json.
	s.mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/boom", nil))
	if rec.Code != 500 || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("got %d %s %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
}

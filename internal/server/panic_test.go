package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

// A handler that panics answers 500 in its route's error style (here Redo's
// custom-order {"error"} shape), with the request id, and the server lives on.
func TestPanicAnswersInRouteStyle(t *testing.T) {
	a := app.New(storetest.OpenSQLite(t))
	s := New(Config{App: a})
	s.handle("POST /v2.2/stores/{storeId}/boom", returns.ScopeOrdersWrite, styleCustomOrder,
		func(http.ResponseWriter, *http.Request, *returns.APIKey) error { panic("boom") })
	st, k, err := a.CreateStore(context.Background(), "A")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		req := httptest.NewRequest("POST", "/v2.2/stores/"+st.ID+"/boom", nil)
		req.Header.Set("Authorization", "Bearer "+k.Secret)
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
}

package server

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

// /openapi.json is a valid OpenAPI 3.1 document that lists the routes the
// surfaces mounted, with their security and scopes.
func TestOpenAPIDocument(t *testing.T) {
	s := New(Config{Services: NewServices(Options{Store: storetest.OpenSQLite(t)}), Version: "1.2.3"})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("got %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	body, _ := io.ReadAll(rec.Body)
	doc, err := openapi3.NewLoader().LoadFromData(body)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("invalid document: %v", err)
	}
	if doc.Info.Version != "1.2.3" {
		t.Errorf("version = %q", doc.Info.Version)
	}
	for path, method := range map[string]string{
		"/v2.2/returns/{returnId}/status":              "PUT",
		"/v2.2/stores/{storeId}/custom/orders":         "POST",
		"/api/v1/warehouse/return/list":                "GET",
		"/integrations/ecwid/webhooks/{token}":         "POST",
		"/v2.2/stores/{storeId}/integrations/refundid": "PUT",
		"/readyz": "GET",
	} {
		item := doc.Paths.Find(path)
		if item == nil || item.GetOperation(method) == nil {
			t.Errorf("%s %s missing", method, path)
		}
	}
	op := doc.Paths.Find("/v2.2/returns/{returnId}/status").Put
	if op.Security == nil || len(*op.Security) != 1 || (*op.Security)[0]["bearer"][0] != "returns_write" {
		t.Errorf("status PUT security = %v", op.Security)
	}
	if !strings.Contains(string(body), `"xAuthorization"`) {
		t.Error("no X-Authorization scheme")
	}
}

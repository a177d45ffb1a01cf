package redoapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/returns"
)

// TestPortalSettingsAPI: GET gives the store a handle when it has none;
// PUT replaces the settings and GET reads them back (the portal answers
// at the new handle); bad settings, a taken handle and an unknown field
// are problem+json naming the field and change nothing; a read-only key
// may GET but not PUT; another store's key is refused.
func TestPortalSettingsAPI(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		path := "/v2.2/stores/" + e.storeID + "/portal"
		r := e.getURL(path, e.key)
		var got map[string]any
		if err := json.Unmarshal(r.body, &got); r.status != 200 || err != nil || got["handle"] != "acme" {
			t.Fatalf("first GET: %d %s", r.status, r.body)
		}
		body := `{"handle":"acme-outdoor","logoUrl":"https://cdn.example/logo.png","color":"#0f766e","lookupBy":"either",
			"storeCreditBonusPercent":10,"exchangeVariants":{"prod_456":[{"variantId":"var_790","sku":"TEE-BLK-L","title":"Black / Large","price":"29.99"}]}}`
		if r := e.doUnchecked("PUT", path, e.key, "application/json", []byte(body)); r.status != 200 || !strings.Contains(string(r.body), `"handle":"acme-outdoor"`) {
			t.Fatalf("PUT: %d %s", r.status, r.body)
		}
		r = e.getURL(path, e.key)
		_ = json.Unmarshal(r.body, &got)
		if got["handle"] != "acme-outdoor" || got["lookupBy"] != "either" || got["color"] != "#0f766e" || got["storeCreditBonusPercent"] != float64(10) ||
			!strings.Contains(string(r.body), `"variantId":"var_790"`) || got["updatedAt"] == nil {
			t.Fatalf("GET after PUT: %s", r.body)
		}
		if res, err := http.Get(e.srv.URL + "/portal/acme-outdoor"); err != nil || res.StatusCode != 200 {
			t.Fatalf("the portal at the new handle: %v %v", err, res)
		} else {
			res.Body.Close()
		}
		s2, k2, err := e.app.CreateStore(context.Background(), "Other")
		if err != nil {
			t.Fatal(err)
		}
		if r := e.doUnchecked("PUT", "/v2.2/stores/"+s2.ID+"/portal", k2.Secret, "application/json", []byte(`{"handle":"other"}`)); r.status != 200 {
			t.Fatalf("other store's PUT: %d %s", r.status, r.body)
		}
		for _, c := range []struct{ body, field string }{
			{`{"handle":"Not A Handle"}`, "handle"},
			{`{"handle":"acme","logoUrl":"http://insecure.example/logo.png"}`, "logoUrl"},
			{`{"handle":"acme","color":"teal"}`, "color"},
			{`{"handle":"acme","lookupBy":"phone"}`, "lookupBy"},
			{`{"handle":"acme","storeCreditBonusPercent":101}`, "storeCreditBonusPercent"},
			{`{"handle":"acme","exchangeVariants":{"p":[{"variantId":"v","title":"T","price":"abc"}]}}`, "exchangeVariants.p[0].price"},
			{`{"handle":"acme","unknown":1}`, "unknown"},
		} {
			checkProblem(t, c.body, e.doUnchecked("PUT", path, e.key, "application/json", []byte(c.body)), 400, c.field)
		}
		checkProblem(t, "taken handle", e.doUnchecked("PUT", path, e.key, "application/json", []byte(`{"handle":"other"}`)), 409, "handle")
		if r := e.getURL(path, e.key); !strings.Contains(string(r.body), `"handle":"acme-outdoor"`) {
			t.Errorf("a refused PUT changed the settings: %s", r.body)
		}
		ro, err := e.app.CreateAPIKey(context.Background(), e.storeID, []returns.Scope{returns.ScopeReturnsRead}, "read only")
		if err != nil {
			t.Fatal(err)
		}
		if r := e.getURL(path, ro.Secret); r.status != 200 {
			t.Errorf("read-only GET: %d", r.status)
		}
		checkProblem(t, "read-only PUT", e.doUnchecked("PUT", path, ro.Secret, "application/json", []byte(`{"handle":"x1"}`)), 403, "")
		checkProblem(t, "foreign GET", e.getURL(path, k2.Secret), 403, "")
	})
}

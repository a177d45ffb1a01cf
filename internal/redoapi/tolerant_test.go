package redoapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/returns"
)

// TestCreateReturnTolerant: on Redo's create route a member Redo's spec does
// not declare is ignored, anywhere in the body; a declared member of the
// wrong type is still a 400 naming it, and nothing is written.
func TestCreateReturnTolerant(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.synced()
		var b map[string]any
		_ = json.Unmarshal(returnBody(), &b)
		b["x-client"] = "v2"
		d := obj(b["data"])
		d["locale"] = "en-US"
		obj(d["shippingAddress"])["county"] = "Kings"
		obj(arr(d["items"])[0])["sku"] = "TEE-BLK-M"
		b["options"] = map[string]any{"createExternalRMAs": false, "notifyCustomer": true}
		body, _ := json.Marshal(b)
		ret := e.mustCreateReturn(body)
		if ret["status"] != "open" || len(arr(ret["items"])) != 1 {
			t.Errorf("return = %v", ret)
		}

		before, n := e.fingerprint(), e.countReturns()
		for _, c := range []struct{ name, body, field string }{
			{"quantity", strings.Replace(string(body), `"quantity":1`, `"quantity":"1"`, 1), "data.items.quantity"},
			{"options", strings.Replace(string(body), `"createExternalRMAs":false`, `"createExternalRMAs":"yes"`, 1), "options.createExternalRMAs"},
			{"shippingAddress", strings.Replace(string(body), `"city":"New York"`, `"city":7`, 1), "data.shippingAddress.city"},
		} {
			r := e.createReturn([]byte(c.body))
			if r.status != 400 || !strings.Contains(string(r.body), c.field) {
				t.Errorf("%s of the wrong type: %d %s, want 400 naming %s", c.name, r.status, r.body, c.field)
			}
		}
		if e.fingerprint() != before || e.countReturns() != n {
			t.Errorf("a refused request wrote something")
		}
	})
}

// TestCreateReturnProviders: every provider value works when the order
// exists. Redo's spec gives data.provider as a free string with the example
// "shopify" (there is no enum); the order is found by externalOrderId.
func TestCreateReturnProviders(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.synced()
		providers := append(e.spec.RequestValues("POST", "/v2.2/stores/"+e.storeID+"/returns", "data.provider"), "custom", "commercetools", "")
		if len(providers) < 4 {
			t.Fatalf("the spec gives no example or enum for data.provider: %v", providers)
		}
		for _, p := range providers {
			body := strings.Replace(string(returnBody()), `"provider":"custom"`, `"provider":`+strconvQuote(p), 1)
			ret := e.mustCreateReturn([]byte(body))
			if obj(ret["rebound"])["provider"] != returns.ProviderCustom {
				t.Errorf("provider %q: rebound.provider = %v, want the order's platform", p, obj(ret["rebound"])["provider"])
			}
			e.do("PUT", "/v2.2/returns/"+ret["id"].(string)+"/status", e.key, "application/json", []byte(`{"status":"deleted"}`))
		}
		// An unknown order is still 404, whatever the provider.
		body := strings.Replace(strings.Replace(string(returnBody()), `"custom"`, `"shopify"`, 1), "order_123456", "nope", 1)
		if r := e.createReturn([]byte(body)); r.status != 404 {
			t.Errorf("unknown order: %d %s", r.status, r.body)
		}
	})
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// TestTolerantRedoRoutes: the other Redo routes ignore undeclared members
// too, and still refuse declared members of the wrong type; Rebound's own
// extensions stay strict.
func TestTolerantRedoRoutes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.synced()
		ret := e.mustCreateReturn(returnBody())
		id := ret["id"].(string)
		item := obj(arr(ret["items"])[0])["id"].(string)
		ok := []struct{ method, path, body string }{
			{"PUT", "/v2.2/returns/" + id + "/status", `{"status":"flagged","note":"x"}`},
			{"POST", "/v2.2/returns/" + id + "/comments", `{"comment":{"message":"hi","author":"me"},"notify":true}`},
			{"PUT", "/v2.2/stores/" + e.storeID + "/return-tags/vip", `{"pillTheme":"SUCCESS","description":"x"}`},
			{"PUT", "/v2.2/returns/" + id + "/status", `{"status":"open","x":{"deep":[1]}}`},
			{"POST", "/v2.2/returns/" + id + "/process", `{"products":[{"_id":"` + item + `","processInput":{"restock":true,"location":"A1"},"grade":"A"}],"dryRun":false}`},
			{"POST", "/v2.2/stores/" + e.storeID + "/returns/bulk", `{"returns":[{"products":[{"productId":"p1","quantity":1,"color":"red"}],"channel":"pos"}],"batch":"b1"}`},
		}
		for _, c := range ok {
			if r := e.do(c.method, c.path, e.key, "application/json", []byte(c.body)); r.status/100 != 2 {
				t.Errorf("%s %s %s: %d %s", c.method, c.path, c.body, r.status, r.body)
			}
		}
		before := e.fingerprint()
		bad := []struct{ method, path, body, field string }{
			{"PUT", "/v2.2/returns/" + id + "/status", `{"status":7,"x":1}`, "status"},
			{"POST", "/v2.2/returns/" + id + "/comments", `{"comment":{"message":false},"x":1}`, "comment.message"},
			{"PUT", "/v2.2/stores/" + e.storeID + "/return-tags/vip", `{"pillTheme":"SUCCESS","newName":1,"x":1}`, "newName"},
			{"POST", "/v2.2/returns/" + id + "/process", `{"products":[{"_id":"` + item + `","reject":"yes"}],"x":1}`, "products.reject"},
			{"POST", "/v2.2/webhooks/000000000000000000000000/replay", `{"start":1,"x":1}`, "start"},
			// Rebound extensions: unknown members refused.
			{"PUT", "/v2.2/returns/" + id + "/tags", `{"tags":[],"x":1}`, "x"},
			{"PUT", "/v2.2/returns/" + id + "/label", `{"label":{"trackingNumber":"1","colour":"red"}}`, "label.colour"},
			{"PUT", "/v2.2/stores/" + e.storeID + "/return-policy", `{"policy":{},"x":1}`, "x"},
		}
		for _, c := range bad {
			r := e.doUnchecked(c.method, c.path, e.key, "application/json", []byte(c.body))
			if r.status != 400 || !strings.Contains(string(r.body), c.field) {
				t.Errorf("%s %s %s: %d %s, want 400 naming %s", c.method, c.path, c.body, r.status, r.body, c.field)
			}
		}
		if e.fingerprint() != before {
			t.Errorf("refused requests wrote something")
		}
	})
}

// TestWebhookAuthWithoutToken: callback.auth {} and {"bearer": {}} (and an
// empty token) mean no auth, as null does; an update ignores the members
// webhook-update does not declare.
func TestWebhookAuthWithoutToken(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.sv.Webhooks.Secrets = testBox
		e.sv.Webhooks.AllowPrivateTargets = true
		rc := newReceiver(t)
		for i, auth := range []string{`{}`, `{"bearer":{}}`, `{"bearer":{"token":""}}`, `{"bearer":null}`} {
			w := e.subscribe(`{"webhook":{"callback":{"url":"` + rc.srv.URL + `","auth":` + auth + `},"topic":"return","externalId":"e` + string(rune('0'+i)) + `"}}`)
			if obj(w["callback"])["auth"] != nil {
				t.Errorf("auth %s: callback = %v, want no auth", auth, w["callback"])
			}
		}
		w := e.subscribe(hookBody(rc.srv.URL, `,"externalId":"tok"`))
		id := w["id"].(string)
		// PUT: topic, kind and backfill are not webhook-update members.
		body := `{"webhook":{"callback":{"url":"` + rc.srv.URL + `","auth":{"bearer":{}}},"externalId":"tok","topic":"return","kind":"loop","backfill":true}}`
		if r := e.do("PUT", "/v2.2/webhooks/"+id, e.key, "application/json", []byte(body)); r.status != 204 {
			t.Fatalf("put: %d %s", r.status, r.body)
		}
		got := obj(e.do("GET", "/v2.2/webhooks/"+id, e.key, "", nil).json(t)["webhook"])
		if obj(got["callback"])["auth"] != nil || got["kind"] != "redo" {
			t.Errorf("after put: %v", got)
		}
	})
}

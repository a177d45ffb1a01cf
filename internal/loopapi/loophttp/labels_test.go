package loophttp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func (e *env) redoOK(method, path string, body string) map[string]any {
	e.t.Helper()
	r := e.redo(method, path, []byte(body))
	if r.status/100 != 2 {
		e.t.Fatalf("%s %s: %d %s", method, path, r.status, r.body)
	}
	if len(r.body) == 0 {
		return nil
	}
	return r.obj(e.t)
}

func (e *env) timelineKinds(id string) string {
	e.t.Helper()
	var b strings.Builder
	for _, ev := range e.redoOK("GET", "/v2.2/returns/"+id+"/timeline", "")["events"].([]any) {
		m := ev.(map[string]any)
		fmt.Fprintf(&b, "%v: %v\n", m["kind"], m["message"])
	}
	return b.String()
}

// TestLabelsAPI is a label provider's day on both databases: it lists the
// label requests of approved returns (offset pages), answers one with its
// label and moves it, reports an error for another, and asks Rebound to buy
// a label for it; Loop's label webhooks announce each label. Every exchange
// is checked against Loop's Labels API document.
func TestLabelsAPI(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		table, err := os.ReadFile(filepath.Join("..", "..", "shipping", "ratetable", "testdata", "example.json"))
		if err != nil {
			t.Fatal(err)
		}
		e.redoOK("PUT", "/v2.2/stores/"+e.storeID+"/shipping/rate-table", string(table))
		e.redoOK("PUT", "/v2.2/stores/"+e.storeID+"/destinations", `{"default":"east","destinations":[
			{"id":"east","name":"Acme Returns","address":{"line1":"1 Dock Rd","city":"Newark","state":"NJ","postalCode":"07102","country":"US"}}]}`)
		e.startWorkers()
		rc := newReceiver(t)
		for _, trig := range []string{"label.created", "label.updated"} {
			b := fmt.Sprintf(`{"topic":"label","trigger":%q,"url":%q,"status":"active"}`, trig, rc.srv.URL+"/"+trig)
			if r := e.loop("POST", "/api/v1/webhooks", e.key, []byte(b)); r.status != 200 {
				t.Fatalf("subscribe: %d %s", r.status, r.body)
			}
		}
		e.order("o-1")
		e.order("o-2")
		b := e.createReturn("o-1", 1, "refund")
		c := e.createReturn("o-2", 1, "refund")
		bID, cID := e.numericID(b), e.numericID(c)

		// Offset pages of one.
		var reqs []map[string]any
		for off := 0; off < 3; off++ {
			r := e.loop("GET", fmt.Sprintf("/api/v1/label-requests?limit=1&offset=%d", off), e.key, nil)
			if r.status != 200 {
				t.Fatalf("list: %d %s", r.status, r.body)
			}
			for _, d := range r.obj(t)["data"].([]any) {
				reqs = append(reqs, d.(map[string]any))
			}
		}
		if len(reqs) != 2 || reqs[0]["return_id"] != float64(bID) || reqs[1]["return_id"] != float64(cID) {
			t.Fatalf("label requests: %v", reqs)
		}
		rb := reqs[0]
		if rb["status"] != "issued" || rb["shop_id"].(float64) <= 0 || rb["parcel"].(map[string]any)["weight"] != 453.6 {
			t.Errorf("label request: %v", rb)
		}
		addrs := rb["addresses"].(map[string]any)
		if o := addrs["origin"].(map[string]any); o["address1"] != "123 Main St" || o["country_code"] != "US" {
			t.Errorf("origin %v", o)
		}
		if d := addrs["destination"].(map[string]any); d["address1"] != "1 Dock Rd" || d["name"] != "Acme Returns" {
			t.Errorf("destination %v", d)
		}
		reqB, reqC := rb["id"].(string), reqs[1]["id"].(string)
		if r := e.loop("GET", "/api/v1/label-requests/"+reqB, e.key, nil); r.status != 200 || r.obj(t)["return_id"] != float64(bID) {
			t.Errorf("get: %d %s", r.status, r.body)
		}
		if r := e.loop("GET", fmt.Sprintf("/api/v1/label-requests?return_id=%d", cID), e.key, nil); len(r.obj(t)["data"].([]any)) != 1 {
			t.Errorf("by return: %s", r.body)
		}

		// The provider's label for B.
		body := fmt.Sprintf(`{"label_request_id":%s,"tracking_number":"9400136105440512280610","tracking_url":"https://tools.usps.com/t/9400136105440512280610",
			"carrier":"USPS","label_url":"https://labels.example/b.pdf","rate":{"amount":725,"currency_code":"USD"}}`, reqB)
		r := e.loop("POST", "/api/v1/labels", e.key, []byte(body))
		if r.status != 200 {
			t.Fatalf("create label: %d %s", r.status, r.body)
		}
		lab := r.obj(t)
		if lab["status"] != "new" || lab["tracking_number"] != "9400136105440512280610" || lab["id"].(float64) <= 0 {
			t.Errorf("label %v", lab)
		}
		ret := e.redoOK("GET", "/v2.2/returns/"+b, "")["return"].(map[string]any)
		sh := ret["shipments"].([]any)[0].(map[string]any)
		if sh["tracker"] != "9400136105440512280610" || sh["postageLabel"] != "https://labels.example/b.pdf" || sh["status"] != "pre_transit" {
			t.Errorf("return's shipment %v", sh)
		}
		if r := e.loop("GET", "/api/v1/label-requests?status=fulfilled", e.key, nil); len(r.obj(t)["data"].([]any)) != 1 {
			t.Errorf("fulfilled: %s", r.body)
		}
		labelID := fmt.Sprint(int64(lab["id"].(float64)))
		if r := e.loop("PUT", "/api/v1/labels/"+labelID, e.key, []byte(`{"status":"in_transit"}`)); r.status != 200 {
			t.Fatalf("update label: %d %s", r.status, r.body)
		}
		if st := e.status(b); st != "in_transit" {
			t.Errorf("after in_transit: %s", st)
		}
		waitFor(t, 10*time.Second, "label.created and label.updated", func() bool { return len(rc.all()) >= 2 })
		trig := map[string]map[string]any{}
		for _, p := range rc.payloads() {
			trig[p["trigger"].(string)] = p
		}
		if p := trig["label.created"]; p == nil || p["tracking_number"] != "9400136105440512280610" || p["return_id"] != float64(bID) {
			t.Errorf("label.created %v", p)
		}
		if p := trig["label.updated"]; p == nil || p["status"] != "in_transit" {
			t.Errorf("label.updated %v", p)
		}

		// C: the provider cannot; Rebound buys the label instead.
		r = e.loop("POST", "/api/v1/label-requests/"+reqC+"/errors", e.key, []byte(`{"reason":"INVALID_ADDRESS","message":"the origin address is invalid"}`))
		if r.status != 200 || r.obj(t)["reason"] != "INVALID_ADDRESS" {
			t.Fatalf("error: %d %s", r.status, r.body)
		}
		if tl := e.timelineKinds(c); !strings.Contains(tl, "INVALID_ADDRESS") || !strings.Contains(tl, "the origin address is invalid") {
			t.Errorf("timeline:\n%s", tl)
		}
		gen := fmt.Sprintf("/api/v1/returns/%d/labels", cID)
		if r := e.loop("POST", gen, e.key, nil); r.status != 422 {
			t.Errorf("generate without autoLabel: %d %s", r.status, r.body)
		}
		e.redoOK("PUT", "/v2.2/stores/"+e.storeID+"/return-policy", `{"policy":{"windowFrom":"order","autoApprove":true,"autoLabel":{"carrier":"rebound","service":"ground"}}}`)
		if r := e.loop("POST", gen, e.key, nil); r.status != 202 || r.obj(t)["returnId"] != float64(cID) {
			t.Fatalf("generate: %d %s", r.status, r.body)
		}
		waitFor(t, 15*time.Second, "Rebound's label for C", func() bool {
			r := e.loop("GET", "/api/v1/label-requests/"+reqC, e.key, nil)
			return r.obj(t)["status"] == "fulfilled"
		})
		if r := e.loop("POST", gen, e.key, nil); r.status != 409 {
			t.Errorf("generate again: %d %s", r.status, r.body)
		}
		if r := e.loop("POST", "/api/v1/returns/999999999/labels", e.key, nil); r.status != 404 {
			t.Errorf("unknown return: %d", r.status)
		}

		// Bad input: Loop's 400 body, nothing changed.
		bad := func(method, target, body string, status int) {
			t.Helper()
			h := http.Header{"X-Authorization": {e.key}, "Content-Type": {"application/json"}}
			r := e.send(method, target, h, []byte(body), false)
			if r.status != status {
				t.Errorf("%s %s %s: %d %s", method, target, body, r.status, r.body)
				return
			}
			var m map[string]any
			if json.Unmarshal(r.body, &m) != nil || (status == 400 && m["error"] == nil) || (status == 404 && m["code"] != "NOT_FOUND") {
				t.Errorf("%s %s: body %s", method, target, r.body)
			}
		}
		bad("GET", "/api/v1/label-requests?limit=251", "", 400)
		bad("GET", "/api/v1/label-requests?status=lost", "", 400)
		bad("GET", "/api/v1/label-requests?from=yesterday", "", 400)
		bad("POST", "/api/v1/label-requests/"+reqC+"/errors", `{"reason":"BROKEN"}`, 400)
		bad("POST", "/api/v1/labels", `{"label_request_id":`+reqB+`,"carrier":"USPS"}`, 400)
		bad("POST", "/api/v1/labels", `{"label_request_id":`+reqB+`,"tracking_number":"1","carrier":"USPS","label_url":"ftp://x","rate":{"amount":1,"currency_code":"USD"}}`, 400)
		bad("PUT", "/api/v1/labels/"+labelID, `{"status":"lost"}`, 400)
		bad("GET", "/api/v1/label-requests/999999999", "", 404)
		if st := e.status(b); st != "in_transit" {
			t.Errorf("bad input changed B: %s", st)
		}

		// Tenancy: another store sees nothing of these.
		_, k2, err := e.app.CreateStore(context.Background(), "Other")
		if err != nil {
			t.Fatal(err)
		}
		if r := e.loop("GET", "/api/v1/label-requests", k2.Secret, nil); r.status != 200 || len(r.obj(t)["data"].([]any)) != 0 {
			t.Errorf("foreign list: %s", r.body)
		}
		if r := e.loop("GET", "/api/v1/label-requests/"+reqB, k2.Secret, nil); r.status != 404 {
			t.Errorf("foreign get: %d", r.status)
		}
		h := http.Header{"X-Authorization": {k2.Secret}, "Content-Type": {"application/json"}}
		if r := e.send("PUT", "/api/v1/labels/"+labelID, h, []byte(`{"status":"delivered"}`), false); r.status != 400 {
			t.Errorf("foreign label update: %d %s", r.status, r.body)
		}
		if r := e.send("POST", gen, h, nil, false); r.status != 404 {
			t.Errorf("foreign generate: %d", r.status)
		}
		if r := e.loop("GET", "/api/v1/label-requests", "", nil); r.status != 401 {
			t.Errorf("no key: %d", r.status)
		}
	})
}

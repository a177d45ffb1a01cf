package redoapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestShippingRoutesTenancy: every new route refuses another store's key
// (403 on a store path, 404 on an id of another store) and bad bodies with
// a precise 400, and writes nothing.
func TestShippingRoutesTenancy(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.putRateTable()
		e.putDestinations()
		s1 := checkShipment(t, e.post("/v2.2/stores/"+e.storeID+"/shipments/buy", e.key, buyBody("rebound", "ground"), nil), 201)
		_, k2, err := e.app.CreateStore(context.Background(), "Other")
		if err != nil {
			t.Fatal(err)
		}
		state := e.shippingState()
		s := "/v2.2/stores/" + e.storeID
		for _, c := range []struct{ method, path, body string }{
			{"GET", s + "/shipping/rate-table", ""},
			{"PUT", s + "/shipping/rate-table", string(rateTable(t))},
			{"GET", s + "/integrations/easypost", ""},
			{"PUT", s + "/integrations/easypost", `{"apiKey":"k"}`},
			{"GET", s + "/destinations", ""},
			{"PUT", s + "/destinations", warehouses},
			{"POST", s + "/scan", `{"code":"` + s1.Tracker.Code + `"}`},
			{"GET", s + "/invoices", ""},
			{"GET", s + "/invoice-settings", ""},
			{"PUT", s + "/invoice-settings", `{"timeZone":"UTC"}`},
			{"POST", s + "/shipments/rates", ratesBody},
			{"GET", s + "/shipments/" + s1.ID + "/documents/label", ""},
		} {
			req, _ := http.NewRequest(c.method, e.srv.URL+c.path, strings.NewReader(c.body))
			req.Header.Set("Authorization", "Bearer "+k2.Secret)
			req.Header.Set("Content-Type", "application/json")
			checkProblem(t, c.method+" "+c.path, e.sendReq(req), 403, "")
		}
		if now := e.shippingState(); now != state {
			t.Errorf("foreign requests wrote: %s → %s", state, now)
		}
		for _, c := range []struct{ body, field string }{
			{`{"apiKey":""}`, "apiKey"},
			{`{"apiKey":"k","baseUrl":"ftp://x"}`, "baseUrl"},
			{`{"apiKey":"k","extra":1}`, "extra"},
		} {
			checkProblem(t, c.body, e.doUnchecked("PUT", s+"/integrations/easypost", e.key, "application/json", []byte(c.body)), 400, c.field)
		}
		checkProblem(t, "not connected", e.getURL(s+"/integrations/easypost", e.key), 404, "")
		checkProblem(t, "Idempotency-Key too long", e.post(s+"/shipments/buy", e.key, buyBody("rebound", "ground"),
			map[string]string{"Idempotency-Key": strings.Repeat("k", 300)}), 400, "Idempotency-Key")
		if now := e.shippingState(); now != state {
			t.Errorf("bad input wrote: %s → %s", state, now)
		}

		// An API key cannot take over a return's label purchase.
		e.synced()
		e.setAutoLabel("rebound", "ground")
		id := e.mustCreateReturn(returnBody())["id"].(string)
		decoy := checkShipment(t, e.post(s+"/shipments/buy", e.key, buyBody("rebound", "express"), map[string]string{"Idempotency-Key": "return:" + id + ":0"}), 201)
		e.startWorkers(hookConfig())
		var sh map[string]any
		waitFor(t, 15*time.Second, "the return's label", func() bool { sh = shipmentOf(e.returnView(id)); return sh != nil })
		if sh["tracker"] == decoy.Tracker.Code {
			t.Errorf("the return got the API purchase %s as its label", decoy.Tracker.Code)
		}
	})
}

// TestConcurrentBuysOneLabel: purchases racing with one Idempotency-Key
// buy one label, charged once.
func TestConcurrentBuysOneLabel(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.putRateTable()
		const n = 6
		codes := make(chan string, n)
		statuses := make(chan int, n)
		for range n {
			go func() {
				req, _ := http.NewRequest("POST", e.srv.URL+"/v2.2/stores/"+e.storeID+"/shipments/buy", strings.NewReader(buyBody("rebound", "ground")))
				req.Header.Set("Authorization", "Bearer "+e.key)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", "race")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					statuses <- 0
					codes <- ""
					return
				}
				var out struct {
					Shipment struct {
						Tracker struct{ Code string }
					}
				}
				_ = decodeJSON(res, &out)
				statuses <- res.StatusCode
				codes <- out.Shipment.Tracker.Code
			}()
		}
		seen := map[string]bool{}
		created := 0
		for range n {
			st, code := <-statuses, <-codes
			if st == 201 {
				created++
			} else if st != 200 {
				t.Errorf("status %d", st)
			}
			seen[code] = true
		}
		if len(seen) != 1 || created != 1 {
			t.Errorf("tracking numbers %v, %d created", seen, created)
		}
		if s := e.shippingState(); !strings.HasPrefix(s, "shipments=1 charges=1 ") {
			t.Errorf("state %s", s)
		}
	})
}

func decodeJSON(res *http.Response, v any) error {
	defer res.Body.Close()
	return json.NewDecoder(res.Body).Decode(v)
}

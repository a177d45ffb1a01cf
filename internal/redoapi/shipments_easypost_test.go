package redoapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/shipping/easypost"
	"github.com/reboundhq/rebound/internal/shipping/easypost/easyposttest"
)

const easyPostSecret = "whsec-test-Ω"

// connectEasyPost connects e's store to a fake EasyPost that sends its
// signed tracker webhooks to e.
func (e *env) connectEasyPost() *easyposttest.Server {
	e.t.Helper()
	e.sv.Shipping.Secrets = testBox
	var fake *easyposttest.Server
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fake.ServeHTTP(w, r) }))
	e.t.Cleanup(api.Close)
	r := e.doUnchecked("PUT", "/v2.2/stores/"+e.storeID+"/integrations/easypost", e.key, "application/json",
		[]byte(`{"apiKey":"EZTK-test-1234","baseUrl":"`+api.URL+`","webhookSecret":"`+easyPostSecret+`"}`))
	if r.status != 200 {
		e.t.Fatalf("connect EasyPost: %d %s", r.status, r.body)
	}
	c := r.json(e.t)
	if strings.Contains(string(r.body), "EZTK-test-1234") || c["apiKey"] != "…1234" {
		e.t.Errorf("the API key leaked or is not masked: %s", r.body)
	}
	fake = easyposttest.New(easyposttest.Options{APIKey: "EZTK-test-1234", WebhookURL: e.srv.URL + c["webhookUrl"].(string), WebhookSecret: easyPostSecret})
	return fake
}

func TestEasyPostRatesBuyTracking(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		fake := e.connectEasyPost()
		base := "/v2.2/stores/" + e.storeID + "/shipments"
		rates := checkRates(t, e.post(base+"/rates", e.key, ratesBody, nil))
		ids := map[string]bool{}
		for _, r := range rates {
			ids[r.Carrier.ID+"/"+r.Service.Name] = true
		}
		if len(rates) != 3 || !ids["easypost:USPS/Priority"] || !ids["easypost:UPS/Ground"] {
			t.Fatalf("rates = %v", ids)
		}

		// The answer to the purchase is lost (500 after buying): the client
		// finds the purchase, and a retry with the key buys nothing more.
		fake.FailNextBuyAfterPurchase()
		key := map[string]string{"Idempotency-Key": "ep-1"}
		s1 := checkShipment(t, e.post(base+"/buy", e.key, buyBody("easypost:USPS", "Priority"), key), 201)
		if fake.Purchases() != 1 {
			t.Fatalf("purchases = %d after a lost answer", fake.Purchases())
		}
		s2 := checkShipment(t, e.post(base+"/buy", e.key, buyBody("easypost:USPS", "Priority"), key), 200)
		if s2.ID != s1.ID || s2.Tracker.Code != s1.Tracker.Code || fake.Purchases() != 1 {
			t.Errorf("retry: %s %s, purchases %d", s2.ID, s2.Tracker.Code, fake.Purchases())
		}
		if s1.Carrier.ID != "easypost:USPS" || s1.Service.Name != "Priority" || s1.Price.Currency != "USD" {
			t.Errorf("shipment %+v", s1)
		}
		doc := e.getURL(base+"/"+s1.ID+"/documents/label", e.key)
		if doc.status != 200 || !textHas(pdfText(t, doc.body), s1.Tracker.Code) {
			t.Errorf("EasyPost label: %d", doc.status)
		}
		// EasyPost down during a purchase: 503, retryable; the retry buys once.
		fake.FailNext(1, 503)
		checkProblem(t, "EasyPost down", e.post(base+"/buy", e.key, buyBody("easypost:UPS", "Ground"), map[string]string{"Idempotency-Key": "ep-2"}), 503, "")
		checkShipment(t, e.post(base+"/buy", e.key, buyBody("easypost:UPS", "Ground"), map[string]string{"Idempotency-Key": "ep-2"}), 201)
		if fake.Purchases() != 2 {
			t.Errorf("purchases = %d", fake.Purchases())
		}
		// EasyPost refuses an address: 422 with its message, nothing bought.
		r := e.post(base+"/buy", e.key, strings.Replace(buyBody("easypost:USPS", "Priority"), "123 Main St", "Main Street", 1), map[string]string{"Idempotency-Key": "ep-3"})
		checkProblem(t, "bad address", r, 422, "")
		if !strings.Contains(string(r.body), "ADDRESS.VERIFY.FAILURE") || !strings.Contains(string(r.body), "House number is missing") {
			t.Errorf("the refusal lacks EasyPost's message: %s", r.body)
		}
		checkProblem(t, "unknown EasyPost service", e.post(base+"/buy", e.key, buyBody("easypost:USPS", "Teleport"), nil), 422, "service.name")
		if fake.Purchases() != 2 {
			t.Errorf("purchases = %d after refusals", fake.Purchases())
		}

		// A return's label from EasyPost, tracked by its webhooks.
		e.synced()
		e.putDestinations()
		e.setAutoLabel("easypost:USPS", "Priority")
		e.startWorkers(hookConfig())
		fake.FailNext(1, 503) // EasyPost is down at first: the job retries
		id := e.mustCreateReturn(returnBody())["id"].(string)
		var sh map[string]any
		waitFor(t, 20*time.Second, "the EasyPost label", func() bool { sh = shipmentOf(e.returnView(id)); return sh != nil })
		if fake.Purchases() != 3 || sh["carrier"] != "USPS" || sh["status"] != "pre_transit" {
			t.Errorf("purchases %d, shipment %v", fake.Purchases(), sh)
		}
		evs := e.timeline(id)
		if n := countKind(evs, "shipping.label_failed"); n != 1 || !strings.Contains(messages(evs), "Retrying") {
			t.Errorf("the outage is not on the timeline once:\n%s", messages(evs))
		}
		tn := sh["tracker"].(string)
		ctx := context.Background()
		if _, err := fake.AdvanceTracker(ctx, tn, "in_transit", "Accepted at USPS facility", &easypost.TrackingLocation{City: "NEW YORK", State: "NY", Country: "US"}); err != nil {
			t.Fatal(err)
		}
		if v := e.returnView(id); v["status"] != "in_transit" || shipmentOf(v)["status"] != "in_transit" {
			t.Errorf("after in_transit: %v %v", v["status"], shipmentOf(v))
		}
		if _, err := fake.AdvanceTracker(ctx, tn, "delivered", "Delivered", nil); err != nil {
			t.Fatal(err)
		}
		if v := e.returnView(id); v["status"] != "delivered" || shipmentOf(v)["deliveredAt"] == nil {
			t.Errorf("after delivered: %v %v", v["status"], shipmentOf(v))
		}
		// Webhook checks: a bad signature, an unknown token.
		hook := e.getURL("/v2.2/stores/"+e.storeID+"/integrations/easypost", e.key).json(t)["webhookUrl"].(string)
		body := `{"id":"evt_1","object":"Event","description":"tracker.updated","result":{"tracking_code":"` + tn + `","status":"failure"}}`
		req, _ := http.NewRequest("POST", e.srv.URL+hook, strings.NewReader(body))
		req.Header.Set(easypost.SignatureHeader, easypost.Sign("wrong", []byte(body)))
		if r := e.sendReq(req); r.status != 401 {
			t.Errorf("bad signature: %d %s", r.status, r.body)
		}
		req, _ = http.NewRequest("POST", e.srv.URL+"/integrations/easypost/webhooks/nope", strings.NewReader(body))
		req.Header.Set(easypost.SignatureHeader, easypost.Sign(easyPostSecret, []byte(body)))
		if r := e.sendReq(req); r.status != 404 {
			t.Errorf("unknown token: %d %s", r.status, r.body)
		}
		if v := e.returnView(id); v["status"] != "delivered" {
			t.Errorf("a refused webhook changed the return: %v", v["status"])
		}

		// A shopper address EasyPost cannot verify: the refusal with
		// EasyPost's message on the timeline, no retry, nothing bought.
		e.sync(e.key, mutate(func(o map[string]any) { o["id"] = "order_bad" }))
		b := strings.Replace(strings.Replace(string(returnBody()), "order_123456", "order_bad", 1), "123 Main St", "Main Street", 1)
		bad := e.mustCreateReturn([]byte(b))["id"].(string)
		waitFor(t, 15*time.Second, "the refusal on the timeline", func() bool { return countKind(e.timeline(bad), "shipping.label_failed") == 1 })
		msg := messages(e.timeline(bad))
		if !strings.Contains(msg, "ADDRESS.VERIFY.FAILURE") || !strings.Contains(msg, "House number is missing") || strings.Contains(msg, "Retrying") {
			t.Errorf("timeline:\n%s", msg)
		}
		if fake.Purchases() != 3 || shipmentOf(e.returnView(bad)) != nil {
			t.Errorf("purchases %d", fake.Purchases())
		}
	})
}

package ecwidtest_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/ecwid"
	"github.com/reboundhq/rebound/internal/ecwid/ecwidtest"
	"github.com/reboundhq/rebound/internal/ecwidsync"
)

// received is one request a webhook receiver got.
type received struct {
	method, path, query string
	header              http.Header
	body                []byte
}

// receiver is a webhook endpoint that records what it gets and answers
// status.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	status int
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{status: http.StatusOK}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{req.Method, req.URL.Path, req.URL.RawQuery, req.Header.Clone(), b})
		status := r.status
		r.mu.Unlock()
		if status == http.StatusFound {
			http.Redirect(w, req, "/elsewhere", status)
			return
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func (r *receiver) answer(status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status = status
}

// decodeEvent decodes a webhook body keeping numbers as json.Number.
func decodeEvent(t *testing.T, body []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("webhook body %q: %v", body, err)
	}
	return m
}

func TestSendWebhook(t *testing.T) {
	now := time.Unix(1718000000, 0)
	srv := newServer(t, ecwidtest.WithClock(func() time.Time { return now }))
	recv := newReceiver(t)
	const secret = "client-secret-1"
	ctx := context.Background()

	resp, err := srv.SendWebhook(ctx, recv.URL+"/integrations/ecwid/webhooks/tok?x=1", secret, ecwidtest.WebhookEvent{
		Data: &ecwidtest.WebhookData{
			OrderID: "K8XTQ", OldPaymentStatus: "PAID", NewPaymentStatus: "PAID",
			OldFulfillmentStatus: "AWAITING_PROCESSING", NewFulfillmentStatus: "SHIPPED",
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	got := recv.requests()
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests", len(got))
	}
	r := got[0]
	if r.method != "POST" || r.path != "/integrations/ecwid/webhooks/tok" || r.query != "eventtype=order.updated&x=1" {
		t.Errorf("request %s %s?%s", r.method, r.path, r.query)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=UTF-8" || r.header.Get("Cache-Control") != "no-cache" {
		t.Errorf("headers %v", r.header)
	}

	// The body is Ecwid's: numbers where Ecwid has numbers, the internal
	// order id as entityId, the public one in data.
	ev := decodeEvent(t, r.body)
	if !slices.Equal(keys(ev), []string{"data", "entityId", "eventCreated", "eventId", "eventType", "storeId"}) {
		t.Errorf("body keys %v", keys(ev))
	}
	id, _ := ev["eventId"].(string)
	if len(id) != 36 || strings.Count(id, "-") != 4 || ev["eventCreated"] != json.Number("1718000000") ||
		ev["storeId"] != json.Number("1003") || ev["entityId"] != json.Number("516483487") || ev["eventType"] != "order.updated" {
		t.Errorf("body %s", r.body)
	}
	data := ev["data"].(map[string]any)
	if data["orderId"] != "K8XTQ" || data["oldFulfillmentStatus"] != "AWAITING_PROCESSING" || data["newFulfillmentStatus"] != "SHIPPED" ||
		data["oldPaymentStatus"] != "PAID" || data["newPaymentStatus"] != "PAID" {
		t.Errorf("data %v", data)
	}

	// The signature is Ecwid's: base64(HMAC-SHA256(secret, "{eventCreated}.{eventId}")).
	sig := r.header.Get(ecwidtest.WebhookSignatureHeader)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("1718000000." + id))
	if want := base64.StdEncoding.EncodeToString(m.Sum(nil)); sig != want || len(sig) != 44 {
		t.Errorf("signature %q, want %q", sig, want)
	}
	if sig != ecwid.WebhookSignature(secret, 1718000000, id) {
		t.Error("signature differs from ecwid.WebhookSignature")
	}
	if _, err := ecwid.VerifyWebhook(r.body, sig, secret); err != nil {
		t.Errorf("ecwid.VerifyWebhook: %v", err)
	}
	vev, err := ecwidsync.VerifyWebhook(secret, sig, r.body, now.Add(time.Minute), 0)
	if err != nil || vev.EventID != id || vev.Data.OrderID != "K8XTQ" || vev.Data.NewFulfillmentStatus != "SHIPPED" || vev.EntityID != "516483487" {
		t.Errorf("ecwidsync.VerifyWebhook = %+v, %v", vev, err)
	}

	// The delivery is logged.
	log := srv.Webhooks()
	if len(log) != 1 || log[0].Status != 200 || !log[0].Delivered() || log[0].Signature != sig || log[0].Event.EventID != id {
		t.Errorf("Webhooks() = %+v", log)
	}

	// Given values are kept; an empty secret sends no signature.
	resp, err = srv.SendWebhook(ctx, recv.URL, "", ecwidtest.WebhookEvent{
		EventID: "evt-1", EventCreated: 42, StoreID: 77, EntityID: 5, EventType: "product.created",
	})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	r = recv.requests()[1]
	if _, ok := r.header[ecwidtest.WebhookSignatureHeader]; ok {
		t.Error("unsigned webhook carries a signature header")
	}
	if string(r.body) != `{"eventId":"evt-1","eventCreated":42,"storeId":77,"entityId":5,"eventType":"product.created"}` {
		t.Errorf("body %s", r.body)
	}

	// Ecwid counts only 200, 201, 202, 204 and 209 as delivered, and does
	// not follow redirects.
	for status, delivered := range map[int]bool{201: true, 209: true, 203: false, 302: false, 500: false} {
		recv.answer(status)
		resp, err := srv.SendWebhook(ctx, recv.URL, secret, ecwidtest.WebhookEvent{})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		last := srv.Webhooks()[len(srv.Webhooks())-1]
		if resp.StatusCode != status || last.Delivered() != delivered {
			t.Errorf("answer %d: got %d, delivered %v", status, resp.StatusCode, last.Delivered())
		}
	}
	if n := len(recv.requests()); n != 7 {
		t.Errorf("receiver got %d requests, want 7 (a redirect was followed?)", n)
	}

	if _, err := srv.SendWebhook(ctx, "not a url", secret, ecwidtest.WebhookEvent{}); err == nil {
		t.Error("relative URL accepted")
	}
}

// Once a webhook URL is set, changes made through the API send Ecwid's
// order events by themselves, even when the API answer is lost.
func TestAutomaticWebhooks(t *testing.T) {
	srv := newServer(t)
	recv := newReceiver(t)
	const secret = "client-secret-2"
	tok := srv.Token

	// Not configured: nothing is sent.
	call(t, srv, "PUT", "/orders/K8XTQ", tok, "application/json", `{"fulfillmentStatus":"DELIVERED"}`)
	srv.WaitWebhooks()
	if len(recv.requests()) != 0 {
		t.Fatal("webhook sent without SetWebhook")
	}

	srv.SetWebhook(recv.URL+"/hook", secret) // order.updated only
	if status, _, _ := call(t, srv, "PUT", "/orders/1HOTQ", tok, "application/json", `{"fulfillmentStatus":"SHIPPED","trackingNumber":"1Z"}`); status != 200 {
		t.Fatal(status)
	}
	_, _, created := call(t, srv, "POST", "/orders", tok, "application/json",
		`{"total":0,"subtotal":0,"email":"r@example.com","paymentStatus":"PAID","fulfillmentStatus":"AWAITING_PROCESSING"}`)
	newID := created["orderid"].(string)
	srv.WaitWebhooks()
	got := recv.requests()
	if len(got) != 1 {
		t.Fatalf("got %d webhooks, want 1 (order.updated only)", len(got))
	}
	ev := decodeEvent(t, got[0].body)
	data := ev["data"].(map[string]any)
	if ev["eventType"] != "order.updated" || ev["entityId"] != json.Number("516483489") || data["orderId"] != "1HOTQ" ||
		data["oldFulfillmentStatus"] != "AWAITING_PROCESSING" || data["newFulfillmentStatus"] != "SHIPPED" ||
		data["oldPaymentStatus"] != "AWAITING_PAYMENT" || data["newPaymentStatus"] != "AWAITING_PAYMENT" {
		t.Errorf("event %s", got[0].body)
	}
	if _, err := ecwidsync.VerifyWebhook(secret, got[0].header.Get(ecwidtest.WebhookSignatureHeader), got[0].body, time.Now(), 0); err != nil {
		t.Errorf("signature: %v", err)
	}

	// Every order event; the update's answer is lost, but Ecwid made it.
	srv.SetWebhook(recv.URL+"/hook", secret, ecwidtest.EventOrderCreated, ecwidtest.EventOrderUpdated, ecwidtest.EventOrderDeleted)
	_, _, created = call(t, srv, "POST", "/orders", tok, "application/json",
		`{"total":0,"subtotal":0,"email":"r@example.com","paymentStatus":"PAID","fulfillmentStatus":"AWAITING_PROCESSING"}`)
	id2 := created["orderid"].(string)
	srv.InjectFault(1, ecwidtest.Fault{Method: "PUT", Reset: true, AfterProcessing: true})
	req, _ := http.NewRequest("PUT", srv.APIRoot()+"/1003/orders/"+newID, strings.NewReader(`{"paymentStatus":"REFUNDED"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	if _, err := srv.Client().Do(req); err == nil {
		t.Error("reset fault answered")
	}
	call(t, srv, "DELETE", "/orders/"+id2, tok, "", "")
	srv.WaitWebhooks()
	got = recv.requests()[1:]
	var types []string
	for _, r := range got {
		types = append(types, decodeEvent(t, r.body)["eventType"].(string))
	}
	if !slices.Equal(types, []string{"order.created", "order.updated", "order.deleted"}) {
		t.Fatalf("events %v", types)
	}
	if d := decodeEvent(t, got[0].body)["data"].(map[string]any); d["orderId"] != id2 || d["newPaymentStatus"] != "PAID" ||
		d["newFulfillmentStatus"] != "AWAITING_PROCESSING" || d["oldPaymentStatus"] != nil {
		t.Errorf("order.created data %v", d)
	}
	if d := decodeEvent(t, got[1].body)["data"].(map[string]any); d["orderId"] != newID || d["oldPaymentStatus"] != "PAID" || d["newPaymentStatus"] != "REFUNDED" {
		t.Errorf("order.updated data %v", d)
	}
	if d := decodeEvent(t, got[2].body)["data"].(map[string]any); d["orderId"] != id2 {
		t.Errorf("order.deleted data %v", d)
	}
	if n := len(srv.Webhooks()); n != 4 {
		t.Errorf("Webhooks() has %d entries, want 4", n)
	}

	// A failing receiver is not retried; unsetting the URL stops sending.
	recv.answer(500)
	call(t, srv, "PUT", "/orders/K8XTQ", tok, "application/json", `{"fulfillmentStatus":"SHIPPED"}`)
	srv.WaitWebhooks()
	if log := srv.Webhooks(); len(log) != 5 || log[4].Delivered() || log[4].Status != 500 {
		t.Errorf("failed delivery log %+v", log[len(log)-1])
	}
	srv.SetWebhook("", "")
	call(t, srv, "PUT", "/orders/K8XTQ", tok, "application/json", `{"fulfillmentStatus":"DELIVERED"}`)
	srv.WaitWebhooks()
	if n := len(recv.requests()); n != 5 {
		t.Errorf("receiver got %d requests after SetWebhook(\"\"), want 5", n)
	}
}

// Fault{Delay, AfterProcessing}: Ecwid stores the order, then the answer
// comes too late for the client. Without AfterProcessing a client that gives
// up during the delay leaves nothing behind.
func TestFaultDelayAfterProcessing(t *testing.T) {
	srv := newServer(t)
	create := func(timeout time.Duration) (int, map[string]any, error) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "POST", srv.APIRoot()+"/1003/orders", strings.NewReader(
			`{"total":0,"subtotal":0,"email":"late@example.com","paymentStatus":"PAID","fulfillmentStatus":"AWAITING_PROCESSING"}`))
		req.Header.Set("Authorization", "Bearer "+srv.Token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		var m map[string]any
		err = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m, err
	}
	n0 := srv.Len(ecwidtest.Orders)

	// Stored, then the client times out.
	srv.InjectFault(1, ecwidtest.Fault{Method: "POST", Path: "/orders", Delay: 10 * time.Second, AfterProcessing: true})
	start := time.Now()
	if _, _, err := create(200 * time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a timeout, got %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Error("the client waited for the whole delay")
	}
	if n := srv.Len(ecwidtest.Orders); n != n0+1 {
		t.Fatalf("orders %d, want %d: the create was not stored", n, n0+1)
	}
	waitFor(t, func() bool { return len(srv.Requests()) == 1 })
	if r := srv.Requests()[0]; !r.Faulted || !r.Processed || r.Status != 0 {
		t.Errorf("log %+v", r)
	}

	// Stored, then answered late to a patient client: the real answer.
	srv.InjectFault(1, ecwidtest.Fault{Method: "POST", Path: "/orders", Delay: 150 * time.Millisecond, AfterProcessing: true})
	start = time.Now()
	status, body, err := create(5 * time.Second)
	if err != nil || status != 200 || body["orderid"] == nil || time.Since(start) < 150*time.Millisecond {
		t.Errorf("late answer = %d %v %v after %v", status, body, err, time.Since(start))
	}
	if id, _ := body["orderid"].(string); id != "" {
		if _, ok := srv.Get(ecwidtest.Orders, id); !ok {
			t.Errorf("answered id %s not stored", id)
		}
	}

	// A delay before the handling: the client gives up, nothing is stored.
	srv.InjectFault(1, ecwidtest.Fault{Method: "POST", Path: "/orders", Delay: 10 * time.Second})
	if _, _, err := create(200 * time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a timeout, got %v", err)
	}
	waitFor(t, func() bool { return len(srv.Requests()) == 3 })
	if r := srv.Requests()[2]; r.Processed {
		t.Errorf("log %+v", r)
	}
	if n := srv.Len(ecwidtest.Orders); n != n0+2 {
		t.Errorf("orders %d, want %d", n, n0+2)
	}

	// AfterProcessing with a delay and a status: stored, slow, then 503.
	srv.InjectFault(1, ecwidtest.Fault{Method: "POST", Path: "/orders", Delay: 50 * time.Millisecond, Status: 503, AfterProcessing: true})
	if status, body, _ := create(5 * time.Second); status != 503 || body["errorCode"] != "INTERNAL_ERROR" {
		t.Errorf("delayed 503 = %d %v", status, body)
	}
	if n := srv.Len(ecwidtest.Orders); n != n0+3 {
		t.Errorf("orders %d, want %d", n, n0+3)
	}
}

// The request log limit keeps the newest requests.
func TestRequestLogLimit(t *testing.T) {
	srv := newServer(t, ecwidtest.WithRequestLogLimit(2))
	for _, p := range []string{"/profile", "/orders", "/products"} {
		call(t, srv, "GET", p, srv.Token, "", "")
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[0].Path != "/orders" || reqs[1].Path != "/products" {
		t.Errorf("log %+v", reqs)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

package redoapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/ecwid"
	"github.com/reboundhq/rebound/internal/ecwid/ecwidtest"
	"github.com/reboundhq/rebound/internal/redospectest"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

// connectedEcwid is an env whose store is connected to a fake Ecwid and
// whose workers mirror returns into it.
func connectedEcwid(t *testing.T, st store.Store) *ecwidEnv {
	e := newEcwidEnv(t, st)
	e.spec = redospectest.Load(t)
	if r := e.put(e.key, e.body(nil)); r.status != 200 {
		t.Fatalf("connect: %d %s", r.status, r.body)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := st.StartWorkers(ctx, e.sv.Workers(nil, nil)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, cc := context.WithTimeout(context.Background(), 5*time.Second)
		defer cc()
		_ = st.StopWorkers(c)
		cancel()
	})
	return e
}

func (e *ecwidEnv) client() *ecwid.Client {
	return ecwid.New(e.fake.StoreID, ecwidToken, ecwid.WithBaseURL(e.fake.APIRoot()), ecwid.WithLimiter(nil))
}

// mirrored returns the fake's orders that mirror the return.
func (e *ecwidEnv) mirrored(returnID string) []ecwid.Order {
	e.t.Helper()
	var out []ecwid.Order
	for o, err := range e.client().Orders.All(context.Background(), &ecwid.OrderFilter{}) {
		if err != nil {
			e.t.Fatal(err)
		}
		if strings.Contains(o.OrderComments, returnID) {
			out = append(out, o)
		}
	}
	return out
}

func (e *ecwidEnv) returnDoc(id string) *returns.Return {
	e.t.Helper()
	res, err := e.app.GetReturn(context.Background(), e.storeID, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Return
}

func (e *ecwidEnv) hookURL() string {
	e.t.Helper()
	u := obj(e.get(e.key).json(e.t))["webhookUrl"].(string)
	return e.srv.URL + u[strings.Index(u, "/integrations/"):]
}

// sendEcwidWebhook posts an Ecwid webhook as Ecwid signs it.
func (e *ecwidEnv) sendEcwidWebhook(eventID string, created time.Time, sig *string, data map[string]any) response {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"eventId": eventID, "eventCreated": created.Unix(), "storeId": e.fake.StoreID,
		"entityId": 1, "eventType": "order.updated", "data": data})
	req, _ := http.NewRequest("POST", e.hookURL(), strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	s := ecwid.WebhookSignature(ecwidSecret, created.Unix(), eventID)
	if sig != nil {
		s = *sig
	}
	if s != "" {
		req.Header.Set("X-Ecwid-Webhook-Signature", s)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func countKind(evs []map[string]any, kind string) int {
	n := 0
	for _, ev := range evs {
		if ev["kind"] == kind {
			n++
		}
	}
	return n
}

// TestEcwidMirrorEndToEnd: the seed 001 example order is synced, a return
// is created and approved, and the fake Ecwid holds exactly one order with
// every field seed 000 lists; a signed order.updated webhook puts a note on
// the return's timeline and leaves its status alone.
func TestEcwidMirrorEndToEnd(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		e := connectedEcwid(t, st)
		e.synced()
		if r := e.doUnchecked("PUT", "/v2.2/stores/"+e.storeID+"/return-policy", e.key, "application/json", []byte(`{"policy":{"autoApprove":false}}`)); r.status != 200 {
			t.Fatalf("policy: %d %s", r.status, r.body)
		}
		body, _ := json.Marshal(map[string]any{"data": map[string]any{
			"provider": "custom", "externalOrderId": "order_123456",
			"items": []any{map[string]any{"lineItemId": "line_1", "quantity": 1, "reason": "Too small", "compensation": "refund",
				"multipleChoiceQuestions": []any{map[string]any{"question": "How did it fit?", "answer": "Too tight"}}}},
			"shippingAddress": map[string]any{"line1": "123 Main St", "line2": "Apt 4B", "city": "New York", "state": "NY", "postalCode": "10001", "country": "US"},
			"label":           map[string]any{"trackingNumber": "1Z999AA10123456784", "carrier": "UPS"},
		}})
		r := e.doUnchecked("POST", "/v2.2/stores/"+e.storeID+"/returns", e.key, "application/json", body)
		if r.status != 201 {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		id := obj(r.json(t)["return"])["id"].(string)
		time.Sleep(200 * time.Millisecond)
		if n := len(e.mirrored(id)); n != 0 {
			t.Fatalf("%d Ecwid orders before approval", n)
		}
		if r := e.doUnchecked("PUT", "/v2.2/returns/"+id+"/status", e.key, "application/json", []byte(`{"status":"open"}`)); r.status != 204 {
			t.Fatalf("approve: %d %s", r.status, r.body)
		}
		waitFor(t, 15*time.Second, "the Ecwid order", func() bool { return e.returnDoc(id).EcwidOrderID != "" })
		ret := e.returnDoc(id)
		os := e.mirrored(id)
		if len(os) != 1 || string(os[0].ID) != ret.EcwidOrderID {
			t.Fatalf("Ecwid orders for the return: %d (%+v), return says %s", len(os), os, ret.EcwidOrderID)
		}
		o := os[0]
		if o.Total != 0 || o.Subtotal != 0 || o.PaymentStatus != "PAID" || o.FulfillmentStatus != "AWAITING_PROCESSING" {
			t.Errorf("money/status: total %v subtotal %v %s %s", o.Total, o.Subtotal, o.PaymentStatus, o.FulfillmentStatus)
		}
		if o.Email != "jane.doe@example.com" || o.CustomerGroup != "Returns" || o.AffiliateID != "1Z999AA10123456784" {
			t.Errorf("email %q group %q affiliate %q", o.Email, o.CustomerGroup, o.AffiliateID)
		}
		if len(o.Items) != 1 || o.Items[0].SKU != "TEE-BLK-M" || o.Items[0].Quantity != 1 || o.Items[0].Price != 0 || o.Items[0].Name != "Classic T-Shirt" {
			t.Errorf("items = %+v", o.Items)
		} else if opts := o.Items[0].SelectedOptions; len(opts) != 1 || opts[0].Name != "Return reason" || opts[0].Value != "Too small" || opts[0].Type != "CHOICE" {
			t.Errorf("selectedOptions = %+v", opts)
		}
		if p := o.ShippingPerson; p == nil || p.Street != "123 Main St\nApt 4B" || p.City != "New York" || p.StateOrProvinceCode != "NY" ||
			p.PostalCode != "10001" || p.CountryCode != "US" || p.Name == "" {
			t.Errorf("shippingPerson = %+v", o.ShippingPerson)
		}
		if o.BillingPerson == nil || o.BillingPerson.City != "New York" {
			t.Errorf("billingPerson = %+v", o.BillingPerson)
		}
		for _, want := range []string{"Acme", id, "order_123456", "1Z999AA10123456784"} {
			if !strings.Contains(o.OrderComments, want) {
				t.Errorf("orderComments lacks %q: %q", want, o.OrderComments)
			}
		}
		if !strings.Contains(o.PrivateAdminNotes, "How did it fit?") || !strings.Contains(o.PrivateAdminNotes, "Too tight") {
			t.Errorf("privateAdminNotes = %q", o.PrivateAdminNotes)
		}
		evs := e.timeline(id)
		if countKind(evs, returns.TimelineEcwidOrder) != 1 {
			t.Errorf("timeline = %v", kinds(evs))
		}

		// A new tracking number updates the Ecwid order.
		if r := e.doUnchecked("PUT", "/v2.2/returns/"+id+"/label", e.key, "application/json", []byte(`{"label":{"trackingNumber":"1Z999AA10999999999","carrier":"UPS"}}`)); r.status != 200 {
			t.Fatalf("label: %d %s", r.status, r.body)
		}
		waitFor(t, 15*time.Second, "the Ecwid order's new tracking", func() bool {
			got, err := e.client().Orders.Get(context.Background(), ecwid.OrderID(ret.EcwidOrderID))
			return err == nil && got.AffiliateID == "1Z999AA10999999999"
		})
		waitFor(t, 15*time.Second, "the tracking update on the timeline", func() bool {
			return countKind(e.timeline(id), returns.TimelineEcwidUpdated) == 1
		})

		// Ecwid's order.updated webhook: a note, no status change.
		data := map[string]any{"orderId": ret.EcwidOrderID, "oldFulfillmentStatus": "AWAITING_PROCESSING", "newFulfillmentStatus": "SHIPPED",
			"oldPaymentStatus": "PAID", "newPaymentStatus": "PAID"}
		before := len(e.timeline(id))
		if r := e.sendEcwidWebhook("ev-1", time.Now(), nil, data); r.status != 200 {
			t.Fatalf("webhook: %d %s", r.status, r.body)
		}
		evs = e.timeline(id)
		if len(evs) != before+1 || evs[len(evs)-1]["kind"] != returns.TimelineEcwidWebhook ||
			!strings.Contains(evs[len(evs)-1]["message"].(string), "SHIPPED") || !strings.Contains(evs[len(evs)-1]["message"].(string), "AWAITING_PROCESSING") {
			t.Fatalf("timeline after webhook: %v", evs[len(evs)-1])
		}
		if s := e.returnDoc(id).Status; s != returns.StatusOpen {
			t.Errorf("status after webhook = %s, want open", s)
		}
		// Replayed event id: recorded once.
		if r := e.sendEcwidWebhook("ev-1", time.Now(), nil, data); r.status != 200 || !strings.Contains(string(r.body), "duplicate") {
			t.Errorf("replay: %d %s", r.status, r.body)
		}
		// Bad, missing and stale signatures: 401, nothing recorded.
		bad, none := "bm90IHRoZSBzaWduYXR1cmU=", ""
		for name, c := range map[string]struct {
			sig     *string
			created time.Time
		}{"bad": {&bad, time.Now()}, "missing": {&none, time.Now()}, "stale": {nil, time.Now().Add(-2 * time.Hour)}} {
			if r := e.sendEcwidWebhook("ev-"+name, c.created, c.sig, data); r.status != 401 {
				t.Errorf("%s signature: %d %s", name, r.status, r.body)
			}
		}
		if n := len(e.timeline(id)); n != before+1 {
			t.Errorf("timeline grew to %d events after replays and bad signatures, want %d", n, before+1)
		}
		// Unknown orders: 200, ignored.
		if r := e.sendEcwidWebhook("ev-2", time.Now(), nil, map[string]any{"orderId": "NOPE1"}); r.status != 200 || !strings.Contains(string(r.body), "ignored") {
			t.Errorf("unknown order: %d %s", r.status, r.body)
		}
		// Still exactly one Ecwid order; approving again mirrors nothing new.
		e.doUnchecked("PUT", "/v2.2/returns/"+id+"/status", e.key, "application/json", []byte(`{"status":"flagged"}`))
		e.doUnchecked("PUT", "/v2.2/returns/"+id+"/status", e.key, "application/json", []byte(`{"status":"open"}`))
		time.Sleep(300 * time.Millisecond)
		if n := len(e.mirrored(id)); n != 1 {
			t.Errorf("%d Ecwid orders after re-approval, want 1", n)
		}
	})
}

// TestEcwidMirrorFailures: an incomplete address is not sent and not
// retried (one timeline error); an invalid token marks the integration
// failing.
func TestEcwidMirrorFailures(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		e := connectedEcwid(t, st)
		e.fake.ResetRequests()
		// An imported return (open at once) with no address at all.
		r := e.doUnchecked("POST", "/v2.2/stores/"+e.storeID+"/returns/bulk", e.key, "application/json",
			[]byte(`{"returns":[{"products":[{"productId":"p1","quantity":1,"sku":"S1","productTitle":"Mug"}],"customer":{"email":"ann@example.com"},"currency":"USD"}]}`))
		if r.status != 200 {
			t.Fatalf("bulk: %d %s", r.status, r.body)
		}
		id := obj(arr(r.json(t)["results"])[0])["returnId"].(string)
		waitFor(t, 15*time.Second, "the address error on the timeline", func() bool { return countKind(e.timeline(id), returns.TimelineEcwidError) == 1 })
		time.Sleep(300 * time.Millisecond)
		evs := e.timeline(id)
		msg := evs[len(evs)-1]["message"].(string)
		if countKind(evs, returns.TimelineEcwidError) != 1 || !strings.Contains(msg, "street") || !strings.Contains(msg, "city") || !strings.Contains(msg, "country") {
			t.Errorf("timeline = %v / %q", kinds(evs), msg)
		}
		for _, req := range e.fake.Requests() {
			if req.Method == "POST" {
				t.Errorf("a request was sent to Ecwid: %s %s", req.Method, req.Path)
			}
		}

		// Ecwid refuses the token: the integration is marked failing.
		e.fake.InjectFault(1, ecwidtest.Fault{Method: "POST", Path: "/orders", Status: 403, Code: "INVALID_API_TOKEN", Message: "Token is invalid"})
		e.synced()
		ret := e.mustCreateReturnUnchecked(returnBody())
		waitFor(t, 15*time.Second, "the integration to be marked failing", func() bool {
			return obj(e.get(e.key).json(t))["status"] == returns.IntegrationFailing
		})
		if reason := obj(e.get(e.key).json(t))["statusReason"].(string); !strings.Contains(reason, "403") {
			t.Errorf("statusReason = %q", reason)
		}
		if countKind(e.timeline(ret), returns.TimelineEcwidError) != 1 {
			t.Errorf("timeline = %v", kinds(e.timeline(ret)))
		}
	})
}

func (e *ecwidEnv) mustCreateReturnUnchecked(body []byte) string {
	e.t.Helper()
	r := e.doUnchecked("POST", "/v2.2/stores/"+e.storeID+"/returns", e.key, "application/json", body)
	if r.status != 201 {
		e.t.Fatalf("create return: %d %s", r.status, r.body)
	}
	return obj(r.json(e.t)["return"])["id"].(string)
}

// TestEcwidWebhookOneWay: without a client secret the store's webhook URL
// answers 404 (Rebound only sends to Ecwid); an unknown URL is 404 too.
func TestEcwidWebhookOneWay(t *testing.T) {
	e := newEcwidEnv(t, storetest.OpenSQLite(t))
	if r := e.put(e.key, e.body(func(m map[string]any) { delete(m, "clientSecret"); delete(m, "clientId") })); r.status != 200 {
		t.Fatalf("connect: %d %s", r.status, r.body)
	}
	if r := e.sendEcwidWebhook("ev-1", time.Now(), nil, map[string]any{"orderId": "X1"}); r.status != 404 {
		t.Errorf("one-way: %d %s", r.status, r.body)
	}
	res, err := http.Post(e.srv.URL+"/integrations/ecwid/webhooks/unknown-token", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Errorf("unknown token: %d", res.StatusCode)
	}
}

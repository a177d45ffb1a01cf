package ecwidsync_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/ecwid"
	"github.com/reboundhq/rebound/internal/ecwidsync"
)

const testClientSecret = "kWq3pZ7vN2xR8tYb"

var testNow = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

func TestVerifyWebhookGood(t *testing.T) {
	ev := orderUpdated("80aece08-40e8-4145-8764-6c2f0d38678", testNow.Add(-2*time.Minute), "XJ12H",
		"AWAITING_PROCESSING", "SHIPPED", "PAID", "PAID")
	body, sig := signedWebhook(t, testClientSecret, ev)
	// The client's signer agrees with Ecwid's formula.
	if s := ecwid.WebhookSignature(testClientSecret, ev.EventCreated, ev.EventID); s != sig {
		t.Fatalf("ecwid.WebhookSignature = %s, Ecwid's formula = %s", s, sig)
	}

	got, err := ecwidsync.VerifyWebhook(testClientSecret, sig, body, testNow, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got.EventID != ev.EventID || got.EventType != "order.updated" || got.StoreID != 1003 || got.EntityID != "450012387" ||
		!got.Created.Equal(testNow.Add(-2*time.Minute)) {
		t.Errorf("event = %+v", got)
	}
	d := got.Data
	if d.OrderID != "XJ12H" || d.OldFulfillmentStatus != ecwid.FulfillmentAwaitingProcessing || d.NewFulfillmentStatus != ecwid.FulfillmentShipped ||
		d.OldPaymentStatus != ecwid.PaymentPaid || d.NewPaymentStatus != ecwid.PaymentPaid {
		t.Errorf("data = %+v", d)
	}
	if len(got.RawData) == 0 {
		t.Error("raw data lost")
	}
	if n, want := ecwidsync.NoteFor(got), "Ecwid order XJ12H updated: fulfillment AWAITING_PROCESSING → SHIPPED; payment PAID → PAID"; n != want {
		t.Errorf("note = %q\nwant %q", n, want)
	}
}

// TestVerifyWebhookDocExamples verifies the bodies of Ecwid's documentation
// verbatim (eventCreated 1234567 made recent through now).
func TestVerifyWebhookDocExamples(t *testing.T) {
	for _, tc := range []struct {
		body    string
		created int64
		id      string
		note    string
	}{
		{
			`{"eventId":"80aece08-40e8-4145-8764-6c2f0d38678","eventCreated":1234567,"storeId":1003,` +
				`"entityId":103878161,"eventType":"order.created",` +
				`"data":{"orderId":"XJ12H","newPaymentStatus":"PAID","newFulfillmentStatus":"SHIPPED"}}`,
			1234567, "80aece08-40e8-4145-8764-6c2f0d38678",
			"Ecwid order XJ12H created: fulfillment → SHIPPED; payment → PAID",
		},
		{
			`{"eventId":"08a78904-4c1a-0aa0-953a-2e33c56236f1","eventCreated":1469429915,"storeId":1003,` +
				`"entityId":667251253,"eventType":"product.created"}`,
			1469429915, "08a78904-4c1a-0aa0-953a-2e33c56236f1",
			"Ecwid event product.created for 667251253",
		},
		{
			// Legacy: application events carry entityId as a string.
			`{"eventId":"e1","eventCreated":1469429915,"storeId":1003,"entityId":"1003","eventType":"application.subscriptionStatusChanged",` +
				`"data":{"oldSubscriptionStatus":"TRIAL","newSubscriptionStatus":"ACTIVE"}}`,
			1469429915, "e1",
			"Ecwid event application.subscriptionStatusChanged for 1003",
		},
	} {
		now := time.Unix(tc.created, 0).Add(time.Minute)
		ev, err := ecwidsync.VerifyWebhook(testClientSecret, ecwidSignature(testClientSecret, tc.created, tc.id), []byte(tc.body), now, 0)
		if err != nil {
			t.Errorf("%s: %v", tc.id, err)
			continue
		}
		if n := ecwidsync.NoteFor(ev); n != tc.note {
			t.Errorf("note = %q, want %q", n, tc.note)
		}
	}
}

func TestVerifyWebhookNumericEventID(t *testing.T) {
	body := []byte(`{"eventId":987654321,"eventCreated":1773500000,"storeId":"1003","entityId":1,"eventType":"order.updated","data":null}`)
	sig := ecwidSignature(testClientSecret, 1773500000, "987654321")
	ev, err := ecwidsync.VerifyWebhook(testClientSecret, sig, body, time.Unix(1773500000, 0), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if ev.EventID != "987654321" || ev.StoreID != 1003 || ev.RawData != nil {
		t.Errorf("event = %+v", ev)
	}
	if n := ecwidsync.NoteFor(ev); n != "Ecwid order 1 updated" {
		t.Errorf("note = %q", n)
	}
}

func TestVerifyWebhookRejects(t *testing.T) {
	fresh := orderUpdated("ev-1", testNow.Add(-time.Minute), "XJ12H", "AWAITING_PROCESSING", "SHIPPED", "PAID", "PAID")
	body, sig := signedWebhook(t, testClientSecret, fresh)
	stale := fresh
	stale.EventCreated = testNow.Add(-61 * time.Minute).Unix()
	staleBody, staleSig := signedWebhook(t, testClientSecret, stale)
	future := fresh
	future.EventCreated = testNow.Add(10 * time.Minute).Unix()
	futureBody, futureSig := signedWebhook(t, testClientSecret, future)
	farFuture := fresh
	farFuture.EventCreated = time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	farBody, farSig := signedWebhook(t, testClientSecret, farFuture)
	tampered := strings.Replace(string(body), `"ev-1"`, `"ev-2"`, 1)

	for _, tc := range []struct {
		name, secret, sig, body string
		want                    ecwidsync.WebhookProblem
	}{
		{"missing signature", testClientSecret, "", string(body), ecwidsync.WebhookMissingSignature},
		{"blank signature", testClientSecret, "   ", string(body), ecwidsync.WebhookMissingSignature},
		{"no secret configured", "", sig, string(body), ecwidsync.WebhookMissingSignature},
		{"wrong secret", "another-secret", sig, string(body), ecwidsync.WebhookBadSignature},
		{"access token as key", "secret_ecwidtest", sig, string(body), ecwidsync.WebhookBadSignature},
		{"bad signature", testClientSecret, ecwidSignature(testClientSecret, fresh.EventCreated+1, fresh.EventID), string(body), ecwidsync.WebhookBadSignature},
		{"not base64", testClientSecret, "not*base64!", string(body), ecwidsync.WebhookBadSignature},
		{"truncated signature", testClientSecret, sig[:20], string(body), ecwidsync.WebhookBadSignature},
		{"tampered event id", testClientSecret, sig, tampered, ecwidsync.WebhookBadSignature},
		{"stale", testClientSecret, staleSig, string(staleBody), ecwidsync.WebhookStale},
		{"future", testClientSecret, futureSig, string(futureBody), ecwidsync.WebhookFuture},
		{"far future", testClientSecret, farSig, string(farBody), ecwidsync.WebhookFuture},
		{"empty body", testClientSecret, sig, "", ecwidsync.WebhookMalformed},
		{"not JSON", testClientSecret, sig, "eventId=1", ecwidsync.WebhookMalformed},
		{"array", testClientSecret, sig, "[1,2]", ecwidsync.WebhookMalformed},
		{"null", testClientSecret, sig, "null", ecwidsync.WebhookMalformed},
		{"no eventId", testClientSecret, sig, `{"eventCreated":1773500000}`, ecwidsync.WebhookMalformed},
		{"empty eventId", testClientSecret, sig, `{"eventId":"","eventCreated":1773500000}`, ecwidsync.WebhookMalformed},
		{"object eventId", testClientSecret, sig, `{"eventId":{},"eventCreated":1773500000}`, ecwidsync.WebhookMalformed},
		{"no eventCreated", testClientSecret, sig, `{"eventId":"a"}`, ecwidsync.WebhookMalformed},
		{"fractional eventCreated", testClientSecret, sig, `{"eventId":"a","eventCreated":1773500000.5}`, ecwidsync.WebhookMalformed},
		{"huge eventCreated", testClientSecret, sig, `{"eventId":"a","eventCreated":1e400}`, ecwidsync.WebhookMalformed},
		{"eventCreated beyond year 9999", testClientSecret, sig, `{"eventId":"a","eventCreated":9223372036854775807}`, ecwidsync.WebhookMalformed},
		{"negative eventCreated", testClientSecret, sig, `{"eventId":"a","eventCreated":-5}`, ecwidsync.WebhookMalformed},
		{"non-canonical eventCreated", testClientSecret, sig, `{"eventId":"a","eventCreated":"+1773500000"}`, ecwidsync.WebhookMalformed},
		{"bad storeId", testClientSecret, sig, `{"eventId":"a","eventCreated":1,"storeId":true}`, ecwidsync.WebhookMalformed},
		{"trailing garbage", testClientSecret, sig, string(body) + "x", ecwidsync.WebhookMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := ecwidsync.VerifyWebhook(tc.secret, tc.sig, []byte(tc.body), testNow, time.Hour)
			var we *ecwidsync.WebhookError
			if !errors.As(err, &we) {
				t.Fatalf("err = %v (event %+v), want *WebhookError", err, ev)
			}
			if ev != nil {
				t.Errorf("event returned with error: %+v", ev)
			}
			if we.Problem != tc.want {
				t.Errorf("problem = %s (%v), want %s", we.Problem, err, tc.want)
			}
		})
	}
}

// TestVerifyWebhookAgeBounds checks the edges: exactly maxAge old and
// exactly MaxClockSkew ahead are accepted; the default age is one hour.
func TestVerifyWebhookAgeBounds(t *testing.T) {
	check := func(created time.Time, maxAge time.Duration, wantOK bool) {
		t.Helper()
		ev := orderUpdated("ev-age", created, "XJ12H", "", "SHIPPED", "", "PAID")
		body, sig := signedWebhook(t, testClientSecret, ev)
		_, err := ecwidsync.VerifyWebhook(testClientSecret, sig, body, testNow, maxAge)
		if (err == nil) != wantOK {
			t.Errorf("created %s, maxAge %s: err = %v, want ok=%v", created, maxAge, err, wantOK)
		}
	}
	check(testNow.Add(-time.Hour), time.Hour, true)
	check(testNow.Add(-time.Hour-time.Second), time.Hour, false)
	check(testNow.Add(-time.Hour), 0, true) // default: one hour
	check(testNow.Add(-time.Hour-time.Second), 0, false)
	check(testNow.Add(-2*time.Hour), 3*time.Hour, true)
	check(testNow.Add(ecwidsync.MaxClockSkew), time.Hour, true)
	check(testNow.Add(ecwidsync.MaxClockSkew+time.Second), time.Hour, false)
}

// TestVerifyWebhookOverHTTP sends a webhook the way Ecwid does to a handler
// shaped like the one the server mounts: verify, then 200 or 401.
func TestVerifyWebhookOverHTTP(t *testing.T) {
	var notes []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		ev, err := ecwidsync.VerifyWebhook(testClientSecret, r.Header.Get(ecwidsync.SignatureHeader), body, time.Now(), 0)
		if err != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		notes = append(notes, ecwidsync.NoteFor(ev))
		w.WriteHeader(http.StatusOK)
	})
	hs := httptest.NewServer(h)
	defer hs.Close()

	ev := orderUpdated("ev-http", time.Now(), "B8HGD", "PROCESSING", "SHIPPED", "PAID", "PAID")
	for _, tc := range []struct {
		name   string
		secret string
		strip  bool
		want   int
	}{
		{"signed", testClientSecret, false, 200},
		{"wrong secret", "nope", false, 401},
		{"unsigned", testClientSecret, true, 401},
	} {
		req := webhookRequest(t, hs.URL+"/integrations/ecwid/webhooks/tok", tc.secret, ev)
		if tc.strip {
			req.Header.Del(ecwidsync.SignatureHeader)
		}
		resp, err := hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
	if len(notes) != 1 || notes[0] != "Ecwid order B8HGD updated: fulfillment PROCESSING → SHIPPED; payment PAID → PAID" {
		t.Errorf("notes = %q", notes)
	}
}

func TestNoteFor(t *testing.T) {
	for _, tc := range []struct {
		ev   *ecwidsync.Event
		want string
	}{
		{nil, ""},
		{&ecwidsync.Event{EventType: "order.updated", EntityID: "450012387", Data: ecwidsync.EventData{OrderID: "XJ12H", NewPaymentStatus: "REFUNDED", OldPaymentStatus: "PAID"}},
			"Ecwid order XJ12H updated: payment PAID → REFUNDED"},
		{&ecwidsync.Event{EventType: "order.updated", EntityID: "450012387"}, "Ecwid order 450012387 updated"},
		{&ecwidsync.Event{EventType: "order.deleted", Data: ecwidsync.EventData{OrderID: "XJ12H"}}, "Ecwid order XJ12H deleted"},
		{&ecwidsync.Event{EventType: "order.updated", Data: ecwidsync.EventData{OrderID: "XJ12H", OldFulfillmentStatus: "SHIPPED"}},
			"Ecwid order XJ12H updated: fulfillment SHIPPED → (none)"},
		// Unsigned values are cleaned: no control characters, no new lines, bounded.
		{&ecwidsync.Event{EventType: "order.updated", Data: ecwidsync.EventData{OrderID: "X\nJ\x00\u202e12H", NewFulfillmentStatus: ecwid.FulfillmentStatus(strings.Repeat("A", 100))}},
			"Ecwid order X J12H updated: fulfillment → " + strings.Repeat("A", 64) + "…"},
		{&ecwidsync.Event{}, "Ecwid event"},
	} {
		if got := ecwidsync.NoteFor(tc.ev); got != tc.want {
			t.Errorf("NoteFor(%+v) = %q\nwant %q", tc.ev, got, tc.want)
		}
	}
}

package ecwid_test

import (
	"errors"
	"testing"

	"github.com/reboundhq/rebound/internal/ecwid"
)

func TestWebhookSignature(t *testing.T) {
	const secret = "client-secret-xyz"
	body := []byte(`{"eventId":"80aece08-40e8-4145-8764-6c2f0d38678","eventCreated":1234567,"storeId":1003,` +
		`"entityId":103878161,"eventType":"order.updated",` +
		`"data":{"orderId":"B8HGD","oldPaymentStatus":"PAID","newPaymentStatus":"PAID","oldFulfillmentStatus":"PROCESSING","newFulfillmentStatus":"SHIPPED"}}`)
	sig := ecwid.WebhookSignature(secret, 1234567, "80aece08-40e8-4145-8764-6c2f0d38678")
	if len(sig) != 44 {
		t.Errorf("signature %q is not 44 base64 chars", sig)
	}

	ev, err := ecwid.VerifyWebhook(body, sig, secret)
	if err != nil {
		t.Fatal(err)
	}
	if ev.EventType != "order.updated" || ev.StoreID != 1003 || ev.EntityID != "103878161" || ev.EventCreated != 1234567 {
		t.Errorf("event = %+v", ev)
	}
	d, err := ev.OrderData()
	if err != nil || d.OrderID != "B8HGD" || d.NewFulfillmentStatus != ecwid.FulfillmentShipped || d.OldPaymentStatus != ecwid.PaymentPaid {
		t.Errorf("data = %+v, %v", d, err)
	}

	for name, tc := range map[string]struct {
		body     []byte
		sig, key string
	}{
		"missing signature": {body, "", secret},
		"wrong secret":      {body, sig, "other"},
		"access token used": {body, ecwid.WebhookSignature("secret_token", 1234567, "80aece08-40e8-4145-8764-6c2f0d38678"), secret},
		"tampered id":       {[]byte(`{"eventId":"x","eventCreated":1234567}`), sig, secret},
	} {
		if _, err := ecwid.VerifyWebhook(tc.body, tc.sig, tc.key); !errors.Is(err, ecwid.ErrWebhookSignature) {
			t.Errorf("%s: err = %v", name, err)
		}
	}

	// Application events carry a string entityId.
	app := []byte(`{"eventId":"e1","eventCreated":1469429915,"storeId":1003,"entityId":"1003","eventType":"application.installed"}`)
	ev, err = ecwid.VerifyWebhook(app, ecwid.WebhookSignature(secret, 1469429915, "e1"), secret)
	if err != nil || ev.EntityID != "1003" || ev.EventID != "e1" {
		t.Errorf("app event = %+v, %v", ev, err)
	}
	if _, err := ecwid.VerifyWebhook([]byte(`not json`), sig, secret); err == nil {
		t.Error("bad JSON accepted")
	}
}

package ecwid

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// WebhookSignatureHeader carries the signature of an Ecwid webhook.
const WebhookSignatureHeader = "X-Ecwid-Webhook-Signature"

// ErrWebhookSignature is returned by VerifyWebhook when the signature is
// missing or does not match.
var ErrWebhookSignature = errors.New("ecwid: invalid webhook signature")

// WebhookEvent is the body of an Ecwid webhook request.
//
// Only EventCreated and EventID are covered by the signature, so treat the
// rest as a hint: de-duplicate on EventID and fetch the entity over the API
// before acting on it. Events arrive in no particular order.
type WebhookEvent struct {
	EventID      string          `json:"eventId"` // unique per event
	EventCreated int64           `json:"eventCreated"`
	StoreID      int64           `json:"storeId"`
	EntityID     string          `json:"entityId"` // internal id of the entity; for orders prefer OrderEventData.OrderID
	EventType    string          `json:"eventType"`
	Data         json.RawMessage `json:"data"`
}

// UnmarshalJSON decodes an event; eventId and entityId may be strings or
// numbers.
func (e *WebhookEvent) UnmarshalJSON(b []byte) error {
	type plain WebhookEvent
	var v struct {
		plain
		EventID  json.RawMessage `json:"eventId"`
		EntityID json.RawMessage `json:"entityId"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*e = WebhookEvent(v.plain)
	var err1, err2 error
	e.EventID, err1 = stringOrNumber(v.EventID)
	e.EntityID, err2 = stringOrNumber(v.EntityID)
	return errors.Join(err1, err2)
}

// OrderEventData is the data of order.* and unfinished_order.* events.
type OrderEventData struct {
	OrderID              OrderID           `json:"orderId"`
	CartID               CartID            `json:"cartId"`
	OldPaymentStatus     PaymentStatus     `json:"oldPaymentStatus"`
	NewPaymentStatus     PaymentStatus     `json:"newPaymentStatus"`
	OldFulfillmentStatus FulfillmentStatus `json:"oldFulfillmentStatus"`
	NewFulfillmentStatus FulfillmentStatus `json:"newFulfillmentStatus"`
}

// OrderData decodes Data as an order event's data.
func (e *WebhookEvent) OrderData() (*OrderEventData, error) {
	var d OrderEventData
	if len(e.Data) == 0 {
		return &d, nil
	}
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return nil, fmt.Errorf("ecwid: webhook %s data: %w", e.EventType, err)
	}
	return &d, nil
}

// WebhookSignature computes the signature Ecwid sends for an event: the
// standard base64 of HMAC-SHA256 over "{eventCreated}.{eventId}", keyed with
// the app's client secret (not the secret_ access token).
func WebhookSignature(clientSecret string, eventCreated int64, eventID string) string {
	return sign(clientSecret, fmt.Sprintf("%d.%s", eventCreated, eventID))
}

func sign(secret, msg string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(msg))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// VerifyWebhook decodes an Ecwid webhook body and checks signature (the
// X-Ecwid-Webhook-Signature header value) against clientSecret in constant
// time. A missing signature fails. It does not judge the event's age; a
// caller wanting a freshness window should check EventCreated.
func VerifyWebhook(body []byte, signature, clientSecret string) (*WebhookEvent, error) {
	if signature == "" || clientSecret == "" {
		return nil, ErrWebhookSignature
	}
	var raw struct {
		EventID      json.RawMessage `json:"eventId"`
		EventCreated json.Number     `json:"eventCreated"`
		EntityID     json.RawMessage `json:"entityId"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("ecwid: webhook body: %w", err)
	}
	eventID, err := stringOrNumber(raw.EventID)
	if err != nil || eventID == "" || raw.EventCreated == "" {
		return nil, fmt.Errorf("ecwid: webhook body lacks eventId or eventCreated")
	}
	// Sign the timestamp's digits as sent.
	want := sign(clientSecret, raw.EventCreated.String()+"."+eventID)
	if !hmac.Equal([]byte(want), []byte(signature)) {
		return nil, ErrWebhookSignature
	}
	var ev WebhookEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, fmt.Errorf("ecwid: webhook body: %w", err)
	}
	return &ev, nil
}

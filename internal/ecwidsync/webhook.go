package ecwidsync

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/reboundhq/rebound/internal/ecwid"
)

// SignatureHeader is the header carrying an Ecwid webhook's signature.
const SignatureHeader = ecwid.WebhookSignatureHeader

// DefaultMaxAge is the age beyond which VerifyWebhook rejects an event when
// given no maxAge.
const DefaultMaxAge = time.Hour

// MaxClockSkew is how far in the future an event's eventCreated may be
// before VerifyWebhook rejects it.
const MaxClockSkew = 5 * time.Minute

// Event types Rebound acts on.
const (
	EventOrderCreated = "order.created"
	EventOrderUpdated = "order.updated"
)

// Event is a verified Ecwid webhook.
//
// Only EventID and Created are covered by the signature; the rest is what
// the sender says. De-duplicate on EventID, and check StoreID against the
// integration's store.
type Event struct {
	EventID   string    // unique per event
	Created   time.Time // eventCreated, UTC, second precision
	StoreID   int64     // Ecwid store id; 0 when absent
	EntityID  string    // internal id of the entity (for orders, not the public id)
	EventType string    // e.g. "order.updated"
	// Data holds the members of the event's data that order events carry;
	// fields absent from the event (or of an unexpected type) are empty.
	Data EventData
	// RawData is the event's data object as sent; nil when absent.
	RawData json.RawMessage
}

// EventData is the data of order.* events. OrderID is the order's public id
// ("XJ12H"), the one Rebound stores as the return's EcwidOrderID.
type EventData struct {
	OrderID              ecwid.OrderID
	CartID               ecwid.CartID
	OldPaymentStatus     ecwid.PaymentStatus
	NewPaymentStatus     ecwid.PaymentStatus
	OldFulfillmentStatus ecwid.FulfillmentStatus
	NewFulfillmentStatus ecwid.FulfillmentStatus
}

// WebhookProblem says why VerifyWebhook rejected a webhook.
type WebhookProblem string

// Reasons to reject a webhook.
const (
	// WebhookMissingSignature: no X-Ecwid-Webhook-Signature, or no client
	// secret configured to check it with.
	WebhookMissingSignature WebhookProblem = "missing_signature"
	// WebhookBadSignature: the signature does not match the event.
	WebhookBadSignature WebhookProblem = "bad_signature"
	// WebhookMalformed: the body is not an Ecwid event (not a JSON object,
	// or eventId or eventCreated missing or unusable).
	WebhookMalformed WebhookProblem = "malformed"
	// WebhookStale: eventCreated is older than the accepted age.
	WebhookStale WebhookProblem = "stale"
	// WebhookFuture: eventCreated is more than MaxClockSkew ahead.
	WebhookFuture WebhookProblem = "future"
)

// WebhookError is VerifyWebhook's error. Whatever the Problem, the webhook
// must be refused (401) and nothing recorded.
type WebhookError struct {
	Problem WebhookProblem
	Detail  string
}

func (e *WebhookError) Error() string {
	if e.Detail == "" {
		return "ecwid webhook rejected: " + string(e.Problem)
	}
	return "ecwid webhook rejected: " + string(e.Problem) + ": " + e.Detail
}

// VerifyWebhook parses body as an Ecwid webhook and verifies it:
//
//   - sigHeader (the X-Ecwid-Webhook-Signature value) must be the standard
//     base64 of HMAC-SHA256 keyed with clientSecret (the app's client
//     secret, not its access token) over "{eventCreated}.{eventId}", with
//     both values as they appear in the body; it is compared in constant
//     time;
//   - eventCreated (UNIX seconds) must be no older than maxAge before now
//     (DefaultMaxAge when maxAge <= 0) and no more than MaxClockSkew after
//     it.
//
// eventId may be a JSON string or number; eventCreated a non-negative
// integer JSON number (or a string of one) in canonical form, up to year
// 9999. When a member appears twice, the last one counts.
//
// Every failure is a *WebhookError, checked in this order: a missing header
// or empty secret (before the body is read), a malformed body, a wrong
// signature, a stale or future event. VerifyWebhook never panics, whatever
// its input; limiting the body size is the caller's job.
func VerifyWebhook(clientSecret string, sigHeader string, body []byte, now time.Time, maxAge time.Duration) (*Event, error) {
	sig := strings.TrimSpace(sigHeader)
	if sig == "" {
		return nil, &WebhookError{Problem: WebhookMissingSignature, Detail: "no " + SignatureHeader + " header"}
	}
	if clientSecret == "" {
		return nil, &WebhookError{Problem: WebhookMissingSignature, Detail: "no client secret configured"}
	}
	ev, createdText, err := parseEvent(body)
	if err != nil {
		return nil, &WebhookError{Problem: WebhookMalformed, Detail: err.Error()}
	}
	mac := hmac.New(sha256.New, []byte(clientSecret))
	mac.Write([]byte(createdText + "." + ev.EventID))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return nil, &WebhookError{Problem: WebhookBadSignature, Detail: "signature does not match"}
	}
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	if age := now.Sub(ev.Created); age > maxAge {
		return nil, &WebhookError{Problem: WebhookStale, Detail: fmt.Sprintf("event created %s ago, more than %s", age.Truncate(time.Second), maxAge)}
	}
	if ahead := ev.Created.Sub(now); ahead > MaxClockSkew {
		return nil, &WebhookError{Problem: WebhookFuture, Detail: fmt.Sprintf("event created %s in the future", ahead.Truncate(time.Second))}
	}
	return ev, nil
}

// maxEventCreated is 9999-12-31T23:59:59Z, beyond which time.Unix would
// not represent eventCreated faithfully.
const maxEventCreated = 253402300799

// parseEvent decodes an event and returns eventCreated's text as sent.
func parseEvent(body []byte) (*Event, string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, "", fmt.Errorf("body is not a JSON object: %s", shortErr(err))
	}
	if m == nil {
		return nil, "", fmt.Errorf("body is not a JSON object")
	}
	ev := &Event{}
	id, ok := scalarText(m["eventId"])
	if !ok || id == "" {
		return nil, "", fmt.Errorf("eventId is missing or not a string or number")
	}
	ev.EventID = id
	createdText, ok := scalarText(m["eventCreated"])
	if !ok || createdText == "" {
		return nil, "", fmt.Errorf("eventCreated is missing")
	}
	sec, err := strconv.ParseInt(createdText, 10, 64)
	if err != nil || strconv.FormatInt(sec, 10) != createdText {
		// Only the canonical form: what Ecwid signs is the text as sent.
		return nil, "", fmt.Errorf("eventCreated is not an integer number of seconds")
	}
	if sec < 0 || sec > maxEventCreated {
		return nil, "", fmt.Errorf("eventCreated is out of range")
	}
	ev.Created = time.Unix(sec, 0).UTC()
	if raw, present := m["storeId"]; present && !isNull(raw) {
		s, ok := scalarText(raw)
		n, err := strconv.ParseInt(s, 10, 64)
		if !ok || err != nil {
			return nil, "", fmt.Errorf("storeId is not a number")
		}
		ev.StoreID = n
	}
	ev.EntityID, _ = scalarText(m["entityId"])
	ev.EventType, _ = scalarText(m["eventType"])
	if raw, present := m["data"]; present && !isNull(raw) {
		ev.RawData = append(json.RawMessage(nil), bytes.TrimSpace(raw)...)
		var d map[string]json.RawMessage
		if json.Unmarshal(raw, &d) == nil {
			str := func(k string) string { s, _ := scalarText(d[k]); return s }
			ev.Data = EventData{
				OrderID:              ecwid.OrderID(str("orderId")),
				CartID:               ecwid.CartID(str("cartId")),
				OldPaymentStatus:     ecwid.PaymentStatus(str("oldPaymentStatus")),
				NewPaymentStatus:     ecwid.PaymentStatus(str("newPaymentStatus")),
				OldFulfillmentStatus: ecwid.FulfillmentStatus(str("oldFulfillmentStatus")),
				NewFulfillmentStatus: ecwid.FulfillmentStatus(str("newFulfillmentStatus")),
			}
		}
	}
	return ev, createdText, nil
}

// scalarText returns a JSON string's value or a JSON number's literal; ok is
// false for anything else (absent, null, bool, object, array).
func scalarText(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false
	}
	switch c := raw[0]; {
	case c == '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return s, true
	case c == '-' || c >= '0' && c <= '9':
		var n json.Number
		if json.Unmarshal(raw, &n) != nil {
			return "", false
		}
		return n.String(), true
	}
	return "", false
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

func shortErr(err error) string {
	s := err.Error()
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// NoteFor returns the timeline sentence for ev, e.g.
//
//	Ecwid order XJ12H updated: fulfillment AWAITING_PROCESSING → SHIPPED; payment PAID → PAID
//
// For order events it names the order (its public id, else the entity id)
// and the fulfillment and payment statuses the event carries ("→ NEW" when
// the old one is absent); other events give "Ecwid event <type> for <entity>".
// Values come from the unsigned part of the event, so they are cleaned:
// white space made plain spaces, other control and format characters
// removed, each value cut to 64 characters. The result
// is one line of valid UTF-8.
func NoteFor(ev *Event) string {
	if ev == nil {
		return ""
	}
	id := clean(string(ev.Data.OrderID))
	if id == "" {
		id = clean(ev.EntityID)
	}
	typ := clean(ev.EventType)
	verb, isOrder := strings.CutPrefix(typ, "order.")
	if !isOrder {
		s := "Ecwid event " + typ
		if typ == "" {
			s = "Ecwid event"
		}
		if id != "" {
			s += " for " + id
		}
		return s
	}
	s := "Ecwid order"
	if id != "" {
		s += " " + id
	}
	s += " " + verb
	var parts []string
	if p := change("fulfillment", string(ev.Data.OldFulfillmentStatus), string(ev.Data.NewFulfillmentStatus)); p != "" {
		parts = append(parts, p)
	}
	if p := change("payment", string(ev.Data.OldPaymentStatus), string(ev.Data.NewPaymentStatus)); p != "" {
		parts = append(parts, p)
	}
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, "; ")
	}
	return s
}

func change(what, old, new string) string {
	old, new = clean(old), clean(new)
	switch {
	case old == "" && new == "":
		return ""
	case old == "":
		return what + " → " + new
	case new == "":
		return what + " " + old + " → (none)"
	}
	return what + " " + old + " → " + new
}

// clean makes an unsigned value safe for a one-line note.
func clean(s string) string {
	const max = 64
	var b strings.Builder
	n := 0
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			r = ' '
		case r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			continue
		}
		if n == max {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}

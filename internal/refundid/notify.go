package refundid

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// MaxNotificationBytes bounds the body DecodeNotification reads.
const MaxNotificationBytes = 1 << 20

// ErrNotification is wrapped by every *NotificationError.
var ErrNotification = errors.New("refundid: bad notification")

// NotificationError reports a notification body that cannot be used.
type NotificationError struct {
	// Field is the JSON member at fault ("status"), "" for the body as a
	// whole.
	Field  string
	Reason string // e.g. "is required", "must be a string"
}

func (e *NotificationError) Error() string {
	if e.Field == "" {
		return "refundid: notification: " + e.Reason
	}
	return "refundid: notification: " + e.Field + " " + e.Reason
}

// Unwrap returns ErrNotification.
func (e *NotificationError) Unwrap() error { return ErrNotification }

// Notification is a decoded POST /refundid body.
type Notification struct {
	RapiRefundidOrder
	// Ignored names the undocumented (GAP) members that were present but not
	// in the shape Rebound guesses, and so were left at their zero value.
	// They never make decoding fail, since the real shape is unknown.
	Ignored []string
}

// DecodeNotification decodes a status notification, tolerantly but
// precisely:
//
//   - The body must be one JSON object of at most MaxNotificationBytes;
//     members it does not know are ignored.
//   - The documented members are checked: refundid_id and status are
//     required, non-blank strings; merchant_rma_ref is an optional string
//     (null reads as absent). A status outside the three documented values
//     is accepted here (Status.Known reports it); Advance refuses it.
//   - GAP: status is documented as a model whose shape is not available. An
//     object is accepted too, read through its "status", "value" or "name"
//     string member, in that order.
//   - The undocumented members of RapiRefundidOrder (merchant_order_ref,
//     order_number, created_at as RFC 3339, line_items with a non-empty
//     line_item_ref and a positive whole quantity each; an empty list is
//     absent) are read when they have that shape and otherwise listed in
//     Notification.Ignored.
//
// Any other problem is a *NotificationError naming the member.
func DecodeNotification(body []byte) (*Notification, error) {
	if len(body) > MaxNotificationBytes {
		return nil, &NotificationError{Reason: fmt.Sprintf("is larger than %d bytes", MaxNotificationBytes)}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var members map[string]json.RawMessage
	if err := dec.Decode(&members); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &NotificationError{Reason: "is empty"}
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, &NotificationError{Reason: "must be a JSON object"}
		}
		return nil, &NotificationError{Reason: "is not valid JSON: " + err.Error()}
	}
	if members == nil {
		return nil, &NotificationError{Reason: "must be a JSON object"}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &NotificationError{Reason: "has data after the JSON object"}
	}

	n := &Notification{}
	var err error
	if n.RefundidID, err = requiredString(members, "refundid_id"); err != nil {
		return nil, err
	}
	if n.Status, err = decodeStatus(members["status"]); err != nil {
		return nil, err
	}
	if n.MerchantRMARef, err = optionalString(members, "merchant_rma_ref"); err != nil {
		return nil, err
	}

	// GAP members: read when well formed, else noted.
	ignore := func(name string) { n.Ignored = append(n.Ignored, name) }
	for _, f := range []struct {
		name string
		dst  *string
	}{{"merchant_order_ref", &n.MerchantOrderRef}, {"order_number", &n.OrderNumber}} {
		if s, err := optionalString(members, f.name); err != nil {
			ignore(f.name)
		} else {
			*f.dst = s
		}
	}
	if s, err := optionalString(members, "created_at"); err != nil {
		ignore("created_at")
	} else if s != "" {
		if t, err := time.Parse(time.RFC3339Nano, s); err != nil {
			ignore("created_at")
		} else {
			n.CreatedAt = &t
		}
	}
	if raw, ok := members["line_items"]; ok && !isNull(raw) {
		if items, ok := decodeLineItems(raw); ok && len(items) > 0 {
			n.LineItems = items
		} else if ok {
			n.LineItems = nil // an empty list reads as absent
		} else {
			ignore("line_items")
		}
	}
	return n, nil
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// requiredString reads a non-blank string member.
func requiredString(m map[string]json.RawMessage, name string) (string, error) {
	raw, ok := m[name]
	if !ok || isNull(raw) {
		return "", &NotificationError{Field: name, Reason: "is required"}
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", &NotificationError{Field: name, Reason: "must be a string"}
	}
	if strings.TrimSpace(s) == "" {
		return "", &NotificationError{Field: name, Reason: "must not be blank"}
	}
	return s, nil
}

// optionalString reads a string member; absent or null is "".
func optionalString(m map[string]json.RawMessage, name string) (string, error) {
	raw, ok := m[name]
	if !ok || isNull(raw) {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", &NotificationError{Field: name, Reason: "must be a string"}
	}
	return s, nil
}

func decodeStatus(raw json.RawMessage) (Status, error) {
	if raw == nil || isNull(raw) {
		return "", &NotificationError{Field: "status", Reason: "is required"}
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) == nil && obj != nil {
		for _, name := range []string{"status", "value", "name"} {
			if s, err := requiredString(obj, name); err == nil {
				return Status(s), nil
			}
		}
		return "", &NotificationError{Field: "status", Reason: `must be a string or an object with a "status", "value" or "name" string`}
	}
	s, err := requiredString(map[string]json.RawMessage{"status": raw}, "status")
	return Status(s), err
}

// decodeLineItems reads a GAP line_items array; ok is false when any element
// is not of the guessed shape.
func decodeLineItems(raw json.RawMessage) ([]RapiRefundidOrderLineItem, bool) {
	var elems []map[string]json.RawMessage
	if json.Unmarshal(raw, &elems) != nil {
		return nil, false
	}
	items := make([]RapiRefundidOrderLineItem, 0, len(elems))
	for _, e := range elems {
		if e == nil {
			return nil, false
		}
		var it RapiRefundidOrderLineItem
		var err error
		if it.LineItemRef, err = requiredString(e, "line_item_ref"); err != nil {
			return nil, false
		}
		q, ok := e["quantity"]
		if !ok {
			return nil, false
		}
		var num json.Number
		d := json.NewDecoder(bytes.NewReader(q))
		d.UseNumber()
		if d.Decode(&num) != nil {
			return nil, false
		}
		v, err := num.Int64()
		if err != nil || v < 1 || v > 1_000_000 {
			return nil, false
		}
		it.Quantity = int(v)
		for _, f := range []struct {
			name string
			dst  *string
		}{{"merchant_order_ref", &it.MerchantOrderRef}, {"return_reason", &it.ReturnReason}, {"child_return_reason", &it.ChildReturnReason}} {
			if *f.dst, err = optionalString(e, f.name); err != nil {
				return nil, false
			}
		}
		items = append(items, it)
	}
	return items, true
}

// State is what the merchant knows of one Refundid refund (by
// refundid_id), built from the notifications received so far.
type State string

// States. A refund starts in StateNone (no notification yet).
const (
	StateNone      State = ""
	StateRefunding State = "refunding"
	StateRefundid  State = "refundid"
	StateFailed    State = "failed"
)

// Outcome says what a notification did to a State.
type Outcome string

const (
	// OutcomeApplied: the state moved.
	OutcomeApplied Outcome = "applied"
	// OutcomeDuplicate: the state already is the notification's status.
	OutcomeDuplicate Outcome = "duplicate"
	// OutcomeStale: a notification overtaken by a later one (refunding after
	// refundid or failed) arrived late; nothing changes.
	OutcomeStale Outcome = "stale"
)

// Transition is the result of Advance.
type Transition struct {
	From, To State
	Outcome  Outcome
}

// EntersRefundid reports whether this transition is the one that makes the
// refund refundid: the single moment the merchant lowers the returnable
// quantities of the refunded lines. Duplicates never enter it twice.
func (t Transition) EntersRefundid() bool {
	return t.To == StateRefundid && t.From != StateRefundid
}

// Errors wrapped by *TransitionError.
var (
	ErrUnknownStatus = errors.New("refundid: unknown notification status")
	ErrUnknownState  = errors.New("refundid: unknown refund state")
	// ErrRefused: the notification contradicts a final state (failed after
	// refundid). The state stays as it was.
	ErrRefused = errors.New("refundid: notification contradicts the refund's state")
)

// TransitionError reports a notification that Advance does not apply.
type TransitionError struct {
	From   State
	Status Status
	Kind   error // ErrUnknownStatus, ErrUnknownState or ErrRefused
}

func (e *TransitionError) Error() string {
	from := string(e.From)
	if from == "" {
		from = "none"
	}
	return fmt.Sprintf("%v: %q in state %s", e.Kind, e.Status, from)
}

// Unwrap returns e.Kind.
func (e *TransitionError) Unwrap() error { return e.Kind }

// Advance applies a notification of status s to a refund in state cur.
// Refundid documents the order refunding → refundid | failed, and delivery
// is assumed at least once and in any order, so:
//
//   - from none, any status is applied (refundid before refunding ends
//     right: a late refunding is then stale);
//   - the same status again is a duplicate (no change);
//   - refunding after refundid or failed is stale (no change);
//   - refundid after failed is applied: Refundid says the shopper was paid,
//     which must not be lost (the refund is then deducted once) [I];
//   - failed after refundid is refused with ErrRefused: a paid refund is
//     never undone by a notification.
//
// An undocumented status or an unknown cur is a *TransitionError with
// ErrUnknownStatus or ErrUnknownState. On error the Transition is the
// unchanged state.
func Advance(cur State, s Status) (Transition, error) {
	t := Transition{From: cur, To: cur}
	switch cur {
	case StateNone, StateRefunding, StateRefundid, StateFailed:
	default:
		return t, &TransitionError{From: cur, Status: s, Kind: ErrUnknownState}
	}
	if !s.Known() {
		return t, &TransitionError{From: cur, Status: s, Kind: ErrUnknownStatus}
	}
	next := State(s)
	switch {
	case cur == next:
		t.Outcome = OutcomeDuplicate
	case cur == StateNone:
		t.To, t.Outcome = next, OutcomeApplied
	case next == StateRefunding: // after refundid or failed
		t.Outcome = OutcomeStale
	case cur == StateRefundid: // failed after refundid
		return t, &TransitionError{From: cur, Status: s, Kind: ErrRefused}
	default: // refunding → refundid|failed, failed → refundid
		t.To, t.Outcome = next, OutcomeApplied
	}
	return t, nil
}

package easypost

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// SignatureHeader carries the signature of a webhook delivery.
const SignatureHeader = "X-Hmac-Signature"

const signaturePrefix = "hmac-sha256-hex="

// ErrSignature is returned by VerifyWebhook for a missing or wrong
// signature; a surface answers it with 401.
var ErrSignature = errors.New("easypost: webhook signature missing or invalid")

// Sign returns the X-Hmac-Signature value of a webhook body:
// "hmac-sha256-hex=" and the hex HMAC-SHA256 of the exact body bytes,
// keyed with the webhook secret in Unicode NFKD form (as EasyPost's own
// libraries normalise it).
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(norm.NFKD.String(secret)))
	mac.Write(body)
	return signaturePrefix + hex.EncodeToString(mac.Sum(nil))
}

// VerifyWebhook checks the X-Hmac-Signature header of a webhook delivery
// against the raw body, in constant time. It returns ErrSignature when the
// header is missing or does not match, and an error when secret is empty
// (an unconfigured secret must not accept everything).
func VerifyWebhook(secret string, header http.Header, body []byte) error {
	if secret == "" {
		return errors.New("easypost: no webhook secret configured")
	}
	got := strings.TrimSpace(header.Get(SignatureHeader))
	if len(got) > len(signaturePrefix) && strings.EqualFold(got[:len(signaturePrefix)], signaturePrefix) {
		got = signaturePrefix + strings.ToLower(got[len(signaturePrefix):])
	}
	if !hmac.Equal([]byte(got), []byte(Sign(secret, body))) {
		return ErrSignature
	}
	return nil
}

// ParseEvent decodes a webhook body into an Event.
func ParseEvent(body []byte) (*Event, error) {
	var e Event
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, fmt.Errorf("easypost: malformed event: %w", err)
	}
	if e.Description == "" {
		return nil, errors.New("easypost: event without description")
	}
	return &e, nil
}

// Tracker returns the event's result as a Tracker, for "tracker.created"
// and "tracker.updated" events; an error for other events.
func (e *Event) Tracker() (*Tracker, error) {
	if !strings.HasPrefix(e.Description, "tracker.") {
		return nil, fmt.Errorf("easypost: %s event carries no tracker", e.Description)
	}
	var t Tracker
	if err := json.Unmarshal(e.Result, &t); err != nil {
		return nil, fmt.Errorf("easypost: malformed tracker in event %s: %w", e.ID, err)
	}
	return &t, nil
}

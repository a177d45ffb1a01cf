package webhooks

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Standard Webhooks header names. http.Header canonicalises them
// ("Webhook-Id"); HTTP header names are case-insensitive and HTTP/2 sends
// them in lower case.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"

	// HeaderLoopSignature carries LoopSignature on deliveries of kind "loop".
	HeaderLoopSignature = "X-Loop-Signature"
)

const (
	// SecretPrefix starts every symmetric Standard Webhooks secret.
	SecretPrefix = "whsec_"
	// SecretBytes is the length of the random key NewSecret makes: 256 bits,
	// the HMAC-SHA256 output size (the spec allows 24 to 64 bytes).
	SecretBytes = 32
	// MinSecretBytes and MaxSecretBytes bound the decoded key ParseSecret
	// accepts, as the Standard Webhooks spec does.
	MinSecretBytes = 24
	MaxSecretBytes = 64

	// Tolerance is how far a webhook-timestamp may be from the receiver's
	// clock, either way, before Verify rejects it. It is the value of the
	// spec and of the official libraries.
	Tolerance = 5 * time.Minute

	signatureVersion = "v1"
)

// ErrSecret is wrapped by every error ParseSecret returns.
var ErrSecret = errors.New("webhooks: invalid signing secret")

// ErrVerify is wrapped by every error Verify returns.
var ErrVerify = errors.New("webhooks: signature verification failed")

// NewSecret returns a fresh signing secret: "whsec_" followed by the
// standard (padded) base64 encoding of SecretBytes bytes from crypto/rand.
// The string is what is shown to the merchant once and what Sign and
// LoopSignature take.
func NewSecret() string {
	key := make([]byte, SecretBytes)
	rand.Read(key) // never returns an error; crashes the program if the OS RNG fails
	return SecretPrefix + base64.StdEncoding.EncodeToString(key)
}

// ParseSecret returns the HMAC key of a "whsec_" secret. The prefix is
// required, the rest must be standard base64 (padded or not) of
// MinSecretBytes to MaxSecretBytes bytes. Errors wrap ErrSecret and never
// include the secret.
func ParseSecret(s string) ([]byte, error) {
	b64, ok := strings.CutPrefix(s, SecretPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: must start with %q", ErrSecret, SecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(b64)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: not base64 after %q", ErrSecret, SecretPrefix)
	}
	if len(key) < MinSecretBytes || len(key) > MaxSecretBytes {
		return nil, fmt.Errorf("%w: key is %d bytes, want %d to %d", ErrSecret, len(key), MinSecretBytes, MaxSecretBytes)
	}
	return key, nil
}

// Sign returns the value of the webhook-signature header for one attempt:
// for each secret, in order, "v1," + base64(HMAC-SHA256(key, msgID + "." +
// unix seconds of ts + "." + body)), separated by single spaces. Pass the
// new and the old secret during a rotation grace period; a receiver that
// knows either one verifies the delivery. Repeated secrets are signed once.
//
// body must be exactly the bytes sent. msgID must be non-empty and the same
// on every retry of one event. It is an error to pass no secret or one that
// ParseSecret rejects.
func Sign(secrets []string, msgID string, ts time.Time, body []byte) (string, error) {
	if msgID == "" {
		return "", errors.New("webhooks: empty message id")
	}
	if len(secrets) == 0 {
		return "", errors.New("webhooks: no signing secret")
	}
	prefix := msgID + "." + strconv.FormatInt(ts.Unix(), 10) + "."
	var sb strings.Builder
	seen := make(map[string]bool, len(secrets))
	for i, s := range secrets {
		if seen[s] {
			continue
		}
		seen[s] = true
		key, err := ParseSecret(s)
		if err != nil {
			return "", fmt.Errorf("secret %d: %w", i+1, err)
		}
		if sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(signatureVersion + ",")
		sb.WriteString(base64.StdEncoding.EncodeToString(mac(key, []byte(prefix), body)))
	}
	return sb.String(), nil
}

// Headers returns the three Standard Webhooks headers for one attempt:
// webhook-id = msgID, webhook-timestamp = ts in unix seconds and
// webhook-signature = Sign(secrets, msgID, ts, body). Use the time of the
// attempt for ts (receivers reject timestamps more than a few minutes off),
// and the same msgID on every attempt of one event.
func Headers(secrets []string, msgID string, ts time.Time, body []byte) (http.Header, error) {
	sig, err := Sign(secrets, msgID, ts, body)
	if err != nil {
		return nil, err
	}
	h := make(http.Header, 3)
	h.Set(HeaderID, msgID)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, sig)
	return h, nil
}

// Verify checks a delivery as a Standard Webhooks receiver does: the three
// headers are present, webhook-timestamp is within Tolerance of now, and at
// least one "v1," entry of webhook-signature matches the HMAC computed with
// secret (compared in constant time). Entries of other versions are ignored.
// Errors wrap ErrVerify. It is the receiver side, for tests and fakes.
func Verify(secret string, h http.Header, body []byte, now time.Time) error {
	key, err := ParseSecret(secret)
	if err != nil {
		return err
	}
	id, tsText, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || tsText == "" || sigs == "" {
		return fmt.Errorf("%w: missing %s, %s or %s header", ErrVerify, HeaderID, HeaderTimestamp, HeaderSignature)
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s %q is not unix seconds", ErrVerify, HeaderTimestamp, tsText)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > Tolerance || d < -Tolerance {
		return fmt.Errorf("%w: timestamp is %v away from now, more than %v", ErrVerify, d.Round(time.Second), Tolerance)
	}
	want := mac(key, []byte(id+"."+tsText+"."), body)
	for entry := range strings.FieldsSeq(sigs) {
		version, b64, ok := strings.Cut(entry, ",")
		if !ok || version != signatureVersion {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return fmt.Errorf("%w: no matching v1 signature", ErrVerify)
}

// LoopSignature returns the X-Loop-Signature value for body, the scheme of
// Loop Returns' webhooks: base64(HMAC-SHA256(body)) keyed with the secret
// string's own bytes, exactly as shown to the merchant (it is not base64
// decoded, even when it is a "whsec_" secret). This is what Loop's
// documentation computes, e.g. in Node.js
// crypto.createHmac('sha256', secret).update(rawBody).digest('base64').
// body must be exactly the bytes sent.
func LoopSignature(secret string, body []byte) string {
	return base64.StdEncoding.EncodeToString(mac([]byte(secret), body))
}

// mac returns HMAC-SHA256(key, parts...).
func mac(key []byte, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

package webhooks

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestNewSecret(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		s := NewSecret()
		if !strings.HasPrefix(s, "whsec_") {
			t.Fatalf("%q lacks the whsec_ prefix", s)
		}
		key, err := ParseSecret(s)
		if err != nil {
			t.Fatalf("ParseSecret(NewSecret()): %v", err)
		}
		if len(key) != SecretBytes {
			t.Fatalf("key is %d bytes, want %d", len(key), SecretBytes)
		}
		if seen[s] {
			t.Fatalf("NewSecret repeated %q", s)
		}
		seen[s] = true
	}
}

func TestParseSecret(t *testing.T) {
	enc := func(n int) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, n)) }
	for _, c := range []struct {
		in   string
		want int // key length, or -1 for an error
		msg  string
	}{
		{"whsec_" + enc(24), 24, ""},
		{"whsec_" + enc(64), 64, ""},
		{"whsec_" + strings.TrimRight(enc(32), "="), 32, ""}, // unpadded
		{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 24, ""},
		{enc(32), -1, `must start with "whsec_"`},
		{"", -1, `must start with "whsec_"`},
		{"whsec_", -1, "key is 0 bytes"},
		{"whsec_" + enc(23), -1, "key is 23 bytes, want 24 to 64"},
		{"whsec_" + enc(65), -1, "key is 65 bytes"},
		{"whsec_not base64!", -1, "not base64"},
	} {
		key, err := ParseSecret(c.in)
		switch {
		case c.want >= 0 && (err != nil || len(key) != c.want):
			t.Errorf("ParseSecret(%q) = %d bytes, %v; want %d bytes", c.in, len(key), err, c.want)
		case c.want < 0 && (err == nil || !errors.Is(err, ErrSecret) || !strings.Contains(err.Error(), c.msg)):
			t.Errorf("ParseSecret(%q) error = %v; want ErrSecret with %q", c.in, err, c.msg)
		case err != nil && strings.Contains(err.Error(), strings.TrimPrefix(c.in, "whsec_")) && len(c.in) > 6:
			t.Errorf("error %q reveals the secret", err)
		}
	}
}

// The test vector of the Standard Webhooks and Svix libraries.
func TestSignKnownVector(t *testing.T) {
	got, err := Sign([]string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, "msg_p5jXN8AQM9LWM0D4loKWxJek",
		time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
}

func TestSignRotationAndErrors(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	ts := time.Unix(1_800_000_000, 999_000_000) // sub-second part is dropped
	body := []byte(`{"x":1}`)
	sa, _ := Sign([]string{a}, "m1", ts, body)
	sb, _ := Sign([]string{b}, "m1", ts, body)
	both, err := Sign([]string{b, a, b}, "m1", ts, body)
	if err != nil {
		t.Fatal(err)
	}
	if want := sb + " " + sa; both != want {
		t.Errorf("Sign(b, a, b) = %q, want %q (in order, duplicates once)", both, want)
	}
	if ref, _ := Sign([]string{a}, "m1", time.Unix(1_800_000_000, 0), body); ref != sa {
		t.Error("sub-second part of the timestamp changed the signature")
	}

	for _, c := range []struct {
		secrets []string
		id      string
		want    string
	}{
		{nil, "m1", "no signing secret"},
		{[]string{a}, "", "empty message id"},
		{[]string{a, "whsec_short"}, "m1", "secret 2:"},
	} {
		if _, err := Sign(c.secrets, c.id, ts, body); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Sign(%d secrets, %q): err = %v, want %q", len(c.secrets), c.id, err, c.want)
		}
	}
}

func TestHeadersAndVerify(t *testing.T) {
	oldS, newS, other := NewSecret(), NewSecret(), NewSecret()
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"type":"updated"}`)
	h, err := Headers([]string{newS, oldS}, "evt_1", now, body)
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("webhook-id") != "evt_1" || h.Get("webhook-timestamp") != "1800000000" ||
		len(strings.Fields(h.Get("webhook-signature"))) != 2 || len(h) != 3 {
		t.Fatalf("Headers = %v", h)
	}
	for _, s := range []string{oldS, newS} {
		if err := Verify(s, h, body, now); err != nil {
			t.Errorf("Verify with a rotation secret: %v", err)
		}
	}
	if err := Verify(newS, h, body, now.Add(Tolerance)); err != nil {
		t.Errorf("at the edge of the tolerance: %v", err)
	}

	mod := func(f func(http.Header)) http.Header { c := h.Clone(); f(c); return c }
	for _, c := range []struct {
		name   string
		secret string
		h      http.Header
		body   []byte
		now    time.Time
		want   string
	}{
		{"other secret", other, h, body, now, "no matching v1 signature"},
		{"tampered body", newS, h, []byte(`{"type":"created"}`), now, "no matching"},
		{"tampered id", newS, mod(func(h http.Header) { h.Set(HeaderID, "evt_2") }), body, now, "no matching"},
		{"tampered timestamp", newS, mod(func(h http.Header) { h.Set(HeaderTimestamp, "1800000001") }), body, now.Add(time.Second), "no matching"},
		{"too old", newS, h, body, now.Add(Tolerance + time.Second), "timestamp is 5m1s away"},
		{"too new", newS, h, body, now.Add(-Tolerance - time.Second), "timestamp is -5m1s away"},
		{"missing signature", newS, mod(func(h http.Header) { h.Del(HeaderSignature) }), body, now, "missing"},
		{"bad timestamp", newS, mod(func(h http.Header) { h.Set(HeaderTimestamp, "soon") }), body, now, "not unix seconds"},
		{"other version only", newS, mod(func(h http.Header) {
			h.Set(HeaderSignature, strings.ReplaceAll(h.Get(HeaderSignature), "v1,", "v1a,"))
		}), body, now, "no matching"},
	} {
		err := Verify(c.secret, c.h, c.body, c.now)
		if !errors.Is(err, ErrVerify) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Verify = %v, want ErrVerify with %q", c.name, err, c.want)
		}
	}
	// Entries of unknown versions are skipped, not fatal.
	mixed := mod(func(h http.Header) { h.Set(HeaderSignature, "v1a,xyz v2,abc "+h.Get(HeaderSignature)) })
	if err := Verify(oldS, mixed, body, now); err != nil {
		t.Errorf("with foreign entries first: %v", err)
	}
}

func TestLoopSignatureKeyIsTheSecretString(t *testing.T) {
	// A whsec_ secret is used as typed, not base64-decoded: Loop's receivers
	// key their HMAC with the string shown to them.
	s := NewSecret()
	key, _ := ParseSecret(s)
	body := []byte(`{"topic":"return"}`)
	if LoopSignature(s, body) != base64.StdEncoding.EncodeToString(mac([]byte(s), body)) {
		t.Error("LoopSignature is not keyed with the secret string")
	}
	if LoopSignature(s, body) == base64.StdEncoding.EncodeToString(mac(key, body)) {
		t.Error("LoopSignature used the decoded key")
	}
}

func BenchmarkHeaders(b *testing.B) {
	secrets := []string{NewSecret(), NewSecret()}
	body := bytes.Repeat([]byte("x"), 4096)
	now := time.Now()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := Headers(secrets, "evt_123", now, body); err != nil {
			b.Fatal(err)
		}
	}
}

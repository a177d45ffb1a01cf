package refundid

import (
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

func TestAuthCheck(t *testing.T) {
	const token, key = "tok_3f9a", "key-77"
	bearer := AuthConfig{BearerHash: HashSecret(token)}
	header := AuthConfig{HeaderName: "X-Merchant-Key", HeaderHash: HashSecret(key)}
	both := AuthConfig{BearerHash: HashSecret(token), HeaderName: "x-merchant-key", HeaderHash: HashSecret(key)}
	fenced := AuthConfig{BearerHash: HashSecret(token), AllowedPrefixes: Production().CallerPrefixes}

	refundid := netip.MustParseAddr("34.87.219.187")
	other := netip.MustParseAddr("203.0.113.9")
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Add(kv[i], kv[i+1])
		}
		return h
	}
	tests := []struct {
		name   string
		cfg    AuthConfig
		h      http.Header
		remote netip.Addr
		want   error
	}{
		{"bearer ok", bearer, hdr("Authorization", "Bearer "+token), other, nil},
		{"bearer scheme in any case", bearer, hdr("Authorization", "bearer "+token), other, nil},
		{"bearer missing", bearer, hdr(), other, ErrAuthMissing},
		{"bearer wrong", bearer, hdr("Authorization", "Bearer tok_3f9b"), other, ErrAuthBearer},
		{"bearer prefix of the token", bearer, hdr("Authorization", "Bearer tok_3f9"), other, ErrAuthBearer},
		{"basic scheme", bearer, hdr("Authorization", "Basic "+token), other, ErrAuthBearer},
		{"bearer without token", bearer, hdr("Authorization", "Bearer"), other, ErrAuthBearer},
		{"two Authorization headers", bearer, hdr("Authorization", "Bearer "+token, "Authorization", "Bearer "+token), other, ErrAuthBearer},
		{"api key ok", header, hdr("X-Merchant-Key", key), other, nil},
		{"api key header name in any case", header, hdr("x-merchant-KEY", key), other, nil},
		{"api key missing", header, hdr("Authorization", "Bearer "+key), other, ErrAuthMissing},
		{"api key wrong", header, hdr("X-Merchant-Key", key+"x"), other, ErrAuthAPIKey},
		{"api key sent twice", header, hdr("X-Merchant-Key", key, "X-Merchant-Key", key), other, ErrAuthAPIKey},
		{"both ok", both, hdr("Authorization", "Bearer "+token, "X-Merchant-Key", key), other, nil},
		{"both, key missing", both, hdr("Authorization", "Bearer "+token), other, ErrAuthMissing},
		{"allow-list ok", fenced, hdr("Authorization", "Bearer "+token), refundid, nil},
		{"allow-list, 4-in-6 address", fenced, hdr("Authorization", "Bearer "+token), netip.MustParseAddr("::ffff:34.87.219.187"), nil},
		{"allow-list refuses before the token is looked at", fenced, hdr(), other, ErrAuthAddress},
		{"allow-list, sandbox address in production", fenced, hdr("Authorization", "Bearer "+token), netip.MustParseAddr("34.116.107.90"), ErrAuthAddress},
		{"allow-list, no address", fenced, hdr("Authorization", "Bearer "+token), netip.Addr{}, ErrAuthAddress},
		{"no method configured", AuthConfig{AllowedPrefixes: Production().CallerPrefixes}, hdr(), refundid, ErrAuthConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Check(tt.h, tt.remote)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			var ae *AuthError
			if !errors.As(err, &ae) || !errors.Is(err, tt.want) {
				t.Fatalf("Check = %v, want an *AuthError of kind %v", err, tt.want)
			}
		})
	}
}

func TestAuthValidate(t *testing.T) {
	h := HashSecret("s")
	bad := []AuthConfig{
		{},
		{BearerHash: []byte("short")},
		{HeaderName: "X-Key"},
		{HeaderHash: h},
		{HeaderName: "X-Key", HeaderHash: []byte{1}},
		{HeaderName: "X Key", HeaderHash: h},
		{HeaderName: "X-Key:", HeaderHash: h},
		{BearerHash: h, HeaderName: "authorization", HeaderHash: h},
		{BearerHash: h, AllowedPrefixes: []netip.Prefix{{}}},
	}
	for i, c := range bad {
		if err := c.Validate(); !errors.Is(err, ErrAuthConfig) {
			t.Errorf("case %d: Validate = %v, want ErrAuthConfig", i, err)
		}
	}
	good := []AuthConfig{
		{BearerHash: h},
		{HeaderName: "Authorization", HeaderHash: h}, // the merchant's own scheme in Authorization
		{HeaderName: "X-Key", HeaderHash: h, AllowedPrefixes: Sandbox().CallerPrefixes},
	}
	for i, c := range good {
		if err := c.Validate(); err != nil {
			t.Errorf("case %d: Validate = %v, want nil", i, err)
		}
	}
}

func TestAuthErrorHidesSecrets(t *testing.T) {
	err := AuthConfig{BearerHash: HashSecret("right")}.Check(http.Header{"Authorization": {"Bearer wrong-secret"}}, netip.Addr{})
	if err == nil || strings.Contains(err.Error(), "wrong-secret") {
		t.Fatalf("error %v must not echo the presented secret", err)
	}
}

func TestCheckPrivacyKey(t *testing.T) {
	tests := []struct {
		want, got string
		ok        bool
	}{
		{"", "", true},
		{"", "anything", true},
		{"k1", "k1", true},
		{"k1", "", false},
		{"k1", "k2", false},
		{"k1", "k1 ", false},
	}
	for _, tt := range tests {
		err := CheckPrivacyKey(tt.want, tt.got)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrAuthPrivacyKey)) {
			t.Errorf("CheckPrivacyKey(%q, %q) = %v, want ok=%v", tt.want, tt.got, err, tt.ok)
		}
	}
}

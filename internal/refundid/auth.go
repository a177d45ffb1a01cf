package refundid

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/netip"
	"strings"
)

// MaxCredentialLen bounds a presented bearer token or API-key value.
// GAP: Refundid's bearer-token limit is cut from the reference; this bound
// only keeps hashing cheap.
const MaxCredentialLen = 4096

// Sentinels wrapped by *AuthError.
var (
	ErrAuthConfig     = errors.New("refundid: bad authentication settings")
	ErrAuthAddress    = errors.New("refundid: caller address not allowed")
	ErrAuthMissing    = errors.New("refundid: credentials missing")
	ErrAuthBearer     = errors.New("refundid: bad bearer token")
	ErrAuthAPIKey     = errors.New("refundid: bad API key")
	ErrAuthPrivacyKey = errors.New("refundid: bad privacy key")
)

// AuthError reports a call from Refundid that is not authenticated, or
// settings that cannot authenticate anything (ErrAuthConfig). Detail is safe
// to log; it never holds a secret.
type AuthError struct {
	Kind   error
	Detail string
}

func (e *AuthError) Error() string {
	if e.Detail == "" {
		return e.Kind.Error()
	}
	return e.Kind.Error() + ": " + e.Detail
}

// Unwrap returns e.Kind.
func (e *AuthError) Unwrap() error { return e.Kind }

// HashSecret returns the SHA-256 of a secret, the form AuthConfig stores.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// AuthConfig is how a merchant has told Refundid to authenticate its calls
// (the reference, section 5). Every layer that is set must pass.
type AuthConfig struct {
	// BearerHash is HashSecret of the token Refundid sends as
	// "Authorization: Bearer <token>"; nil when not used.
	BearerHash []byte
	// HeaderName and HeaderHash are a merchant-chosen header and HashSecret
	// of its value; both empty when not used.
	HeaderName string
	HeaderHash []byte
	// AllowedPrefixes, when not empty, are the only source addresses
	// accepted (Environment.CallerPrefixes gives Refundid's).
	AllowedPrefixes []netip.Prefix
}

// Validate returns an *AuthError of kind ErrAuthConfig when c sets no secret
// (an address allow-list alone is not enough for Rebound), a hash that is
// not 32 bytes, a header name without a hash or the other way round, a
// header name that is not an HTTP token, or "Authorization" as the header
// name alongside a bearer token.
func (c AuthConfig) Validate() error {
	bad := func(d string) error { return &AuthError{Kind: ErrAuthConfig, Detail: d} }
	switch {
	case c.BearerHash == nil && c.HeaderName == "" && c.HeaderHash == nil:
		return bad("set a bearer token or an API-key header")
	case c.BearerHash != nil && len(c.BearerHash) != sha256.Size:
		return bad("the bearer hash is not a SHA-256")
	case (c.HeaderName == "") != (c.HeaderHash == nil):
		return bad("an API-key header needs both a name and a value")
	case c.HeaderHash != nil && len(c.HeaderHash) != sha256.Size:
		return bad("the API-key hash is not a SHA-256")
	case c.HeaderName != "" && !isToken(c.HeaderName):
		return bad("the API-key header name is not a valid HTTP header name")
	case c.BearerHash != nil && strings.EqualFold(c.HeaderName, "Authorization"):
		return bad("the API-key header cannot be Authorization when a bearer token is set")
	}
	for _, p := range c.AllowedPrefixes {
		if !p.IsValid() {
			return bad("an allowed prefix is invalid")
		}
	}
	return nil
}

// Check authenticates a call from Refundid given its headers and source
// address (the caller decides which address to trust, e.g. behind a proxy).
// It returns nil when every layer c sets passes, else an *AuthError, checked
// in this order:
//
//   - c is not valid (Validate): ErrAuthConfig;
//   - AllowedPrefixes is set and remote is in none of them (an invalid
//     remote is in none): ErrAuthAddress;
//   - a bearer token is configured: the Authorization header is absent
//     (ErrAuthMissing), or not one "Bearer <token>" value (scheme matched
//     without regard to case) whose token hashes to BearerHash
//     (ErrAuthBearer);
//   - an API-key header is configured: the header is absent
//     (ErrAuthMissing), sent more than once, or its value does not hash to
//     HeaderHash (ErrAuthAPIKey).
//
// Secrets are compared as SHA-256 hashes in constant time.
func (c AuthConfig) Check(h http.Header, remote netip.Addr) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if len(c.AllowedPrefixes) > 0 {
		ip := remote.Unmap()
		allowed := false
		for _, p := range c.AllowedPrefixes {
			if ip.IsValid() && p.Contains(ip) {
				allowed = true
				break
			}
		}
		if !allowed {
			return &AuthError{Kind: ErrAuthAddress, Detail: remote.String()}
		}
	}
	if c.BearerHash != nil {
		vs := h.Values("Authorization")
		if len(vs) == 0 {
			return &AuthError{Kind: ErrAuthMissing, Detail: "no Authorization header"}
		}
		token, ok := bearerToken(vs)
		if !ok || !hashEqual(token, c.BearerHash) {
			return &AuthError{Kind: ErrAuthBearer}
		}
	}
	if c.HeaderName != "" {
		vs := h.Values(c.HeaderName)
		switch {
		case len(vs) == 0:
			return &AuthError{Kind: ErrAuthMissing, Detail: "no " + http.CanonicalHeaderKey(c.HeaderName) + " header"}
		case len(vs) > 1 || len(vs[0]) > MaxCredentialLen || !hashEqual(vs[0], c.HeaderHash):
			return &AuthError{Kind: ErrAuthAPIKey}
		}
	}
	return nil
}

// bearerToken extracts the token from exactly one "Bearer <token>" value.
func bearerToken(vs []string) (string, bool) {
	if len(vs) != 1 {
		return "", false
	}
	scheme, token, ok := strings.Cut(strings.TrimSpace(vs[0]), " ")
	token = strings.TrimLeft(token, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || len(token) > MaxCredentialLen || strings.ContainsAny(token, " \t") {
		return "", false
	}
	return token, true
}

// CheckPrivacyKey checks the key Refundid echoed (got) against the one the
// merchant put in the redirect (want). With no key issued (want == "") any
// got, even none, passes. Otherwise got must equal want; the comparison is
// in constant time. The error is an *AuthError of kind ErrAuthPrivacyKey.
func CheckPrivacyKey(want, got string) error {
	if want == "" {
		return nil
	}
	if got == "" || len(got) > MaxCredentialLen || !hashEqual(got, HashSecret(want)) {
		return &AuthError{Kind: ErrAuthPrivacyKey}
	}
	return nil
}

func hashEqual(presented string, stored []byte) bool {
	h := sha256.Sum256([]byte(presented))
	return subtle.ConstantTimeCompare(h[:], stored) == 1
}

// isToken reports whether s is an HTTP token (RFC 9110 section 5.6.2).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

package refundid

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Limits on redirect parameters. MaxParamLen and MaxEmailLen are Refundid's
// (the reference, section 3); MaxRedirectLen is Rebound's.
const (
	MaxParamLen    = 255  // shop, order_number, merchant_order_ref, merchant_rma_ref, key
	MaxEmailLen    = 320  // email, in characters
	MaxRedirectLen = 2048 // redirect (Refundid states no limit)
)

// Sentinels wrapped by every *ParamError, one per rule, for errors.Is.
var (
	ErrParamMissing  = errors.New("refundid: required parameter missing")
	ErrParamTooLong  = errors.New("refundid: parameter too long")
	ErrParamSpace    = errors.New("refundid: parameter contains whitespace")
	ErrParamNonASCII = errors.New("refundid: parameter contains non-ASCII characters")
	// ErrParamControl is Rebound's rule: Refundid only forbids spaces, but
	// no control character belongs in an identifier sent in a URL.
	ErrParamControl = errors.New("refundid: parameter contains control characters")
	ErrParamEmail   = errors.New("refundid: not a valid email address")
	// ErrParamURL is Rebound's rule for the redirect parameter.
	ErrParamURL = errors.New("refundid: not an absolute http(s) URL")
)

// ParamError reports a redirect parameter that breaks a rule.
type ParamError struct {
	Param  string // the query parameter's name, e.g. "order_number"
	Kind   error  // one of the ErrParam* sentinels
	Reason string // a predicate for people, e.g. "must not contain spaces"
}

func (e *ParamError) Error() string { return "refundid: parameter " + e.Param + " " + e.Reason }

// Unwrap returns e.Kind.
func (e *ParamError) Unwrap() error { return e.Kind }

// Params are the query parameters of an initial redirect (the reference,
// section 3). An empty string means the parameter is absent.
type Params struct {
	Shop             string // Refundid's id of the merchant
	OrderNumber      string // the order number the shopper knows
	Email            string // the shopper's email
	MerchantOrderRef string // the order's system id, when it differs from OrderNumber
	MerchantRMARef   string // the merchant's RMA, for merchant-initiated RMAs (flow 2)
	Key              string // the privacy key Refundid echoes on every call about the order
	Redirect         string // GAP: see ParamRedirect
}

// Check checks every parameter that is present against CheckParam and
// returns the first failure as a *ParamError, in the order shop,
// order_number, email, merchant_order_ref, merchant_rma_ref, key, redirect.
// Absent parameters are not checked: see Missing for what a complete link
// needs.
func (p Params) Check() error {
	for _, kv := range p.pairs() {
		if err := CheckParam(kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

// Missing returns the names of the parameters a link must still carry for
// Refundid's form to submit itself ("if all the required fields are
// included the form will auto submit"): shop, and either merchant_rma_ref
// (merchant-initiated RMA, where order_number and email may be omitted) or
// both order_number and email. It returns nil when p is complete. With
// neither flow's fields it names order_number and email.
func (p Params) Missing() []string {
	var miss []string
	if p.Shop == "" {
		miss = append(miss, ParamShop)
	}
	if p.MerchantRMARef != "" {
		return miss
	}
	if p.OrderNumber == "" {
		miss = append(miss, ParamOrderNumber)
	}
	if p.Email == "" {
		miss = append(miss, ParamEmail)
	}
	return miss
}

// Values returns the present parameters as query values.
func (p Params) Values() url.Values {
	v := url.Values{}
	for _, kv := range p.pairs() {
		v.Set(kv[0], kv[1])
	}
	return v
}

// ParamsFrom reads Params from query values (the first value of each
// name). It does not check them.
func ParamsFrom(q url.Values) Params {
	return Params{
		Shop: q.Get(ParamShop), OrderNumber: q.Get(ParamOrderNumber), Email: q.Get(ParamEmail),
		MerchantOrderRef: q.Get(ParamMerchantOrderRef), MerchantRMARef: q.Get(ParamMerchantRMARef),
		Key: q.Get(ParamKey), Redirect: q.Get(ParamRedirect),
	}
}

// pairs returns the present parameters in Check's order.
func (p Params) pairs() [][2]string {
	all := [][2]string{
		{ParamShop, p.Shop}, {ParamOrderNumber, p.OrderNumber}, {ParamEmail, p.Email},
		{ParamMerchantOrderRef, p.MerchantOrderRef}, {ParamMerchantRMARef, p.MerchantRMARef},
		{ParamKey, p.Key}, {ParamRedirect, p.Redirect},
	}
	out := all[:0]
	for _, kv := range all {
		if kv[1] != "" {
			out = append(out, kv)
		}
	}
	return out
}

// CheckParam checks one present parameter's value by its name and returns a
// *ParamError naming it, or nil. An empty value is ErrParamMissing.
//
//   - shop, order_number, merchant_order_ref, merchant_rma_ref and key: ASCII
//     only, no whitespace, no other control characters, at most MaxParamLen
//     characters;
//   - email: valid UTF-8, a bare address (no display name or angle
//     brackets) with a dotted domain, no whitespace, at most MaxEmailLen
//     characters;
//   - redirect: an absolute http or https URL with a host and no user
//     info, at most MaxRedirectLen bytes;
//   - any other name is checked as shop is.
func CheckParam(name, value string) error {
	fail := func(kind error, reason string) error {
		return &ParamError{Param: name, Kind: kind, Reason: reason}
	}
	if value == "" {
		return fail(ErrParamMissing, "is required")
	}
	switch name {
	case ParamEmail:
		switch {
		case !utf8.ValidString(value):
			return fail(ErrParamEmail, "is not valid UTF-8")
		case strings.ContainsAny(value, " \t\r\n\v\f"):
			return fail(ErrParamSpace, "must not contain spaces")
		case utf8.RuneCountInString(value) > MaxEmailLen:
			return fail(ErrParamTooLong, fmt.Sprintf("is longer than %d characters", MaxEmailLen))
		case !validEmail(value):
			return fail(ErrParamEmail, "is not a valid email address")
		}
		return nil
	case ParamRedirect:
		if len(value) > MaxRedirectLen {
			return fail(ErrParamTooLong, fmt.Sprintf("is longer than %d bytes", MaxRedirectLen))
		}
		u, err := url.Parse(value)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			return fail(ErrParamURL, "must be an absolute http or https URL")
		}
		return nil
	}
	for i := 0; i < len(value); i++ {
		c := value[i]
		switch {
		case c >= 0x80:
			return fail(ErrParamNonASCII, "must contain ASCII characters only")
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
			return fail(ErrParamSpace, "must not contain spaces")
		case c < 0x20 || c == 0x7f:
			return fail(ErrParamControl, "must not contain control characters")
		}
	}
	if len(value) > MaxParamLen {
		return fail(ErrParamTooLong, fmt.Sprintf("is longer than %d characters", MaxParamLen))
	}
	return nil
}

// validEmail accepts a bare address whose domain is a dotted host name of
// letters, digits, hyphens or non-ASCII characters.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return false
	}
	labels := strings.Split(s[at+1:], ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 0x80 || c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
				return false
			}
		}
	}
	return true
}

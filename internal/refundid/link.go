package refundid

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// Environment is one of Refundid's deployments and the addresses that go
// with it.
type Environment struct {
	Name string // "production", "sandbox", or a test's name
	// PortalURL is the base URL of the shopper portal that initial
	// redirects open; "" when unknown.
	PortalURL string
	// APIURL is the base URL of Refundid's merchant API; "" when unknown.
	APIURL string
	// CallerHost is the DNS name whose addresses Refundid's calls to the
	// merchant come from, and the subject CN of their TLS certificate.
	CallerHost string
	// CallerPrefixes are the published source addresses of those calls, for
	// an allow-list (see AuthConfig.AllowedPrefixes).
	CallerPrefixes []netip.Prefix
}

// Production returns Refundid's production deployment as the reference gives
// it: portal https://portal.refundid.com, API https://api.refundid.com,
// calls from rapi.refundid.com (34.87.219.187).
func Production() Environment {
	return Environment{
		Name:           "production",
		PortalURL:      "https://portal.refundid.com",
		APIURL:         "https://api.refundid.com",
		CallerHost:     "rapi.refundid.com",
		CallerPrefixes: []netip.Prefix{netip.MustParsePrefix("34.87.219.187/32")},
	}
}

// Sandbox returns Refundid's sandbox: calls come from
// rapi.sandbox.refundid.com (34.116.107.90).
//
// GAP: the reference gives no sandbox portal or merchant-API address, so
// PortalURL and APIURL are empty; set them from what Refundid's integrations
// team provides. Links cannot be built until PortalURL is set.
func Sandbox() Environment {
	return Environment{
		Name:           "sandbox",
		CallerHost:     "rapi.sandbox.refundid.com",
		CallerPrefixes: []netip.Prefix{netip.MustParsePrefix("34.116.107.90/32")},
	}
}

// ErrNoPortalURL is returned when a link is built for an Environment whose
// PortalURL is empty.
var ErrNoPortalURL = errors.New("refundid: the environment has no portal URL")

// OrderLink are the parameters of a Refundid-initiated RMA link (flow 1).
type OrderLink struct {
	Shop             string // required
	OrderNumber      string // required
	Email            string // required
	MerchantOrderRef string // optional
	Key              string // optional privacy key (NewPrivacyKey)
	Redirect         string // optional
}

// OrderLink builds the initial redirect of flow 1: the portal's
// RedirectPath with shop, order_number, email and the optional
// merchant_order_ref, key and redirect. The link is complete, so Refundid's
// form submits itself.
//
// It returns ErrNoPortalURL when e has no PortalURL, an error when PortalURL
// is not an absolute http(s) URL, and a *ParamError naming the first
// parameter that is missing (ErrParamMissing) or breaks a rule (CheckParam).
func (e Environment) OrderLink(l OrderLink) (string, error) {
	return e.link(Params{
		Shop: l.Shop, OrderNumber: l.OrderNumber, Email: l.Email,
		MerchantOrderRef: l.MerchantOrderRef, Key: l.Key, Redirect: l.Redirect,
	}, []string{ParamShop, ParamOrderNumber, ParamEmail})
}

// RMALink builds the initial redirect of flow 2, a merchant-initiated RMA:
// shop, merchant_rma_ref, a fresh privacy key (as Refundid recommends) and
// the optional redirect. It returns the link and the key, which the caller
// must store with the RMA to check it when Refundid calls back. Errors are
// OrderLink's, or NewPrivacyKey's.
func (e Environment) RMALink(shop, merchantRMARef, redirect string) (link, key string, err error) {
	key, err = NewPrivacyKey()
	if err != nil {
		return "", "", err
	}
	link, err = e.link(Params{Shop: shop, MerchantRMARef: merchantRMARef, Key: key, Redirect: redirect},
		[]string{ParamShop, ParamMerchantRMARef})
	if err != nil {
		return "", "", err
	}
	return link, key, nil
}

func (e Environment) link(p Params, required []string) (string, error) {
	if e.PortalURL == "" {
		return "", ErrNoPortalURL
	}
	base, err := url.Parse(e.PortalURL)
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" || base.RawQuery != "" {
		return "", fmt.Errorf("refundid: portal URL %q is not an absolute http(s) URL without a query", e.PortalURL)
	}
	given := p.Values()
	for _, name := range required {
		if given.Get(name) == "" {
			return "", CheckParam(name, "")
		}
	}
	if err := p.Check(); err != nil {
		return "", err
	}
	u := *base
	u.Path = strings.TrimSuffix(u.Path, "/") + RedirectPath
	u.RawPath = ""
	u.RawQuery = given.Encode()
	return u.String(), nil
}

// PrivacyKeyBytes is how many random bytes a privacy key carries.
const PrivacyKeyBytes = 32

// NewPrivacyKey returns a fresh privacy key: PrivacyKeyBytes from
// crypto/rand in unpadded base64url, 43 ASCII characters with no spaces,
// so it meets Refundid's parameter rules. The error is crypto/rand's, which
// on supported systems never fails.
func NewPrivacyKey() (string, error) {
	b := make([]byte, PrivacyKeyBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("refundid: privacy key: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

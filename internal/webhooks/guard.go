package webhooks

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// DefaultTimeout is the timeout of a client from Guard.Client when none is
// given: the whole attempt, from dialling to reading the response body.
const DefaultTimeout = 10 * time.Second

// ErrRefused is wrapped by every *RefusedError.
var ErrRefused = errors.New("webhooks: target address refused")

// ErrInvalidURL is wrapped by every *InvalidURLError.
var ErrInvalidURL = errors.New("webhooks: invalid target URL")

// RefusedError reports a webhook target address that is not a public
// internet address. Its message is meant for the merchant, e.g.
// "hooks.example.com resolves to 10.0.0.5, a private address".
type RefusedError struct {
	// Host is the host name from the URL, or "" when the URL holds the
	// address literally.
	Host string
	// Addr is the refused address (the zero Addr if the dialer was handed
	// something that is not an IP address).
	Addr netip.Addr
	// Reason describes Addr, e.g. "a private address", "a loopback
	// address", "a cloud metadata address".
	Reason string
}

func (e *RefusedError) Error() string {
	switch {
	case !e.Addr.IsValid() && e.Host != "":
		return fmt.Sprintf("%s resolves to %s", e.Host, e.Reason)
	case !e.Addr.IsValid():
		return "refused " + e.Reason
	case e.Host != "" && e.Host != e.Addr.String():
		return fmt.Sprintf("%s resolves to %s, %s", e.Host, e.Addr, e.Reason)
	default:
		return fmt.Sprintf("%s is %s", e.Addr, e.Reason)
	}
}

// Unwrap returns ErrRefused.
func (e *RefusedError) Unwrap() error { return ErrRefused }

// InvalidURLError reports a webhook target URL that is malformed or not
// allowed (scheme, credentials, missing host). Its message is meant for the
// merchant, e.g. `callback URL must use https`.
type InvalidURLError struct {
	URL    string // as given, truncated when very long
	Reason string // e.g. "must use https"
}

func (e *InvalidURLError) Error() string { return "callback URL " + e.Reason }

// Unwrap returns ErrInvalidURL.
func (e *InvalidURLError) Unwrap() error { return ErrInvalidURL }

// LookupError reports a webhook target host that could not be resolved.
type LookupError struct {
	Host string
	Err  error // from the resolver; nil when it answered with no address
}

func (e *LookupError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("%s does not resolve to any address", e.Host)
	}
	var dnsErr *net.DNSError
	if errors.As(e.Err, &dnsErr) && dnsErr.IsNotFound {
		return fmt.Sprintf("%s does not resolve: no such host", e.Host)
	}
	return fmt.Sprintf("%s could not be resolved: %v", e.Host, e.Err)
}

func (e *LookupError) Unwrap() error { return e.Err }

// Guard decides which webhook targets may be contacted. The zero value is
// the production policy: https only, public addresses only, resolved with
// net.DefaultResolver. A Guard is safe for concurrent use and must not be
// changed after use.
type Guard struct {
	// AllowPrivate turns every address check off and also allows http://
	// URLs. For tests and local development only
	// (--allow-private-webhook-targets).
	AllowPrivate bool
	// Resolver resolves host names, both in CheckURL and when dialling.
	// Nil means net.DefaultResolver.
	Resolver *net.Resolver
	// RootCAs are the certificate authorities the client trusts; nil means
	// the system's. Tests set it to trust a local TLS receiver.
	RootCAs *x509.CertPool
}

// CheckURL validates a webhook target URL at subscription time. It returns
// nil, or one of:
//   - *InvalidURLError: not an absolute http(s) URL with a host; a scheme
//     other than https (http is allowed only with AllowPrivate); a user name
//     or password in the URL; a port outside 1-65535.
//   - *LookupError: the host does not resolve (not with AllowPrivate).
//   - *RefusedError: the host is, or resolves to, at least one address that
//     CheckAddr refuses (not with AllowPrivate). Every resolved address is
//     checked, not just the first.
//
// Passing CheckURL does not make later deliveries safe by itself: DNS can
// change, so the client from Guard.Client checks again when connecting.
func (g Guard) CheckURL(ctx context.Context, raw string) error {
	bad := func(reason string) error {
		return &InvalidURLError{URL: truncate(raw, 200), Reason: reason}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" {
		return bad("is not a valid URL")
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !g.AllowPrivate {
			return bad("must use https")
		}
	case "":
		return bad("must be an absolute https:// URL")
	default:
		return bad("must use https")
	}
	if u.User != nil {
		return bad("must not contain a user name or password")
	}
	host := u.Hostname()
	if host == "" {
		return bad("has no host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return bad("has an invalid port")
		}
	}
	if g.AllowPrivate {
		return nil
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return g.CheckAddr(addr)
	}
	addrs, err := g.resolver().LookupNetIP(ctx, "ip", host)
	if err != nil {
		return &LookupError{Host: host, Err: err}
	}
	if len(addrs) == 0 {
		return &LookupError{Host: host}
	}
	for _, a := range addrs {
		// Resolvers can return A records in IPv4-mapped form; name the
		// plain IPv4 address (it is judged the same either way).
		if err := g.CheckAddr(a.Unmap()); err != nil {
			err.(*RefusedError).Host = host
			return err
		}
	}
	return nil
}

// CheckAddr returns nil if addr may be contacted and otherwise a
// *RefusedError (with Host empty) saying what kind of address it is. With
// AllowPrivate every address is allowed.
//
// Refused: the unspecified addresses and 0.0.0.0/8; loopback; RFC 1918
// private; carrier-grade NAT 100.64.0.0/10; link-local 169.254.0.0/16 and
// fe80::/10, including the cloud metadata endpoints 169.254.169.254,
// 169.254.170.2, 100.100.100.200 and fd00:ec2::254; IETF protocol
// assignments 192.0.0.0/24; documentation (192.0.2.0/24, 198.51.100.0/24,
// 203.0.113.0/24, 2001:db8::/32, 3fff::/20); benchmarking (198.18.0.0/15,
// 2001:2::/48); multicast; the broadcast address and the rest of
// 240.0.0.0/4; the 6to4 relay anycast 192.88.99.0/24; unique-local
// fc00::/7; site-local fec0::/10; Teredo 2001::/32; ORCHID; discard-only
// 100::/64; local-use NAT64 64:ff9b:1::/48; and every IPv6 address outside
// global unicast 2000::/3. IPv4 addresses embedded in IPv6 (IPv4-mapped
// ::ffff:0:0/96, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by the
// IPv4 address they carry. Zones are ignored.
func (g Guard) CheckAddr(addr netip.Addr) error {
	if g.AllowPrivate {
		return nil
	}
	if reason, ok := classify(addr); !ok {
		return &RefusedError{Addr: addr, Reason: reason}
	}
	return nil
}

func (g Guard) resolver() *net.Resolver {
	if g.Resolver != nil {
		return g.Resolver
	}
	return net.DefaultResolver
}

// Client returns an http.Client for webhook deliveries under this Guard:
//   - every connection's remote address is checked with CheckAddr in the
//     dialer's Control hook, after name resolution and immediately before
//     connect(2), so a name that now resolves to a refused address (DNS
//     rebinding) fails with an error wrapping *RefusedError;
//   - without AllowPrivate, requests that are not https fail with an error
//     wrapping *InvalidURLError;
//   - redirects are never followed: a 3xx response is returned as is;
//   - no proxy is used, whatever the environment says;
//   - timeout bounds each whole request including reading the body
//     (DefaultTimeout if timeout <= 0).
//
// Each call makes a new connection pool: make one client and share it.
func (g Guard) Client(timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	t := &http.Transport{
		Proxy:                 nil,
		DialContext:           g.dialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true, // response bodies are only logged
	}
	if g.RootCAs != nil {
		t.TLSClientConfig = &tls.Config{RootCAs: g.RootCAs, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{
		Transport: &guardedTransport{base: t, allowHTTP: g.AllowPrivate},
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// dialContext dials through a net.Dialer whose Control hook refuses
// non-public remote addresses and names the host in the error.
func (g Guard) dialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		host = address
	}
	if _, err := netip.ParseAddr(host); err == nil {
		host = "" // a literal: the error names the address itself
	}
	d := net.Dialer{Resolver: g.Resolver, KeepAlive: 30 * time.Second}
	if !g.AllowPrivate {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return &RefusedError{Host: host, Reason: reasonUncheckable}
			}
			if err := g.CheckAddr(ap.Addr()); err != nil {
				err.(*RefusedError).Host = host
				return err
			}
			return nil
		}
	}
	return d.DialContext(ctx, network, address)
}

// guardedTransport refuses non-https requests unless allowHTTP.
type guardedTransport struct {
	base      *http.Transport
	allowHTTP bool
}

func (t *guardedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !t.allowHTTP && !strings.EqualFold(req.URL.Scheme, "https") {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &InvalidURLError{URL: req.URL.Redacted(), Reason: "must use https"}
	}
	return t.base.RoundTrip(req)
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the pool.
func (t *guardedTransport) CloseIdleConnections() { t.base.CloseIdleConnections() }

// Reasons carried by *RefusedError.
const (
	reasonUnspecified  = "the unspecified address"
	reasonThisNetwork  = "a reserved address (0.0.0.0/8)"
	reasonLoopback     = "a loopback address"
	reasonPrivate      = "a private address"
	reasonCGNAT        = "a carrier-grade NAT (shared) address"
	reasonLinkLocal    = "a link-local address"
	reasonMetadata     = "a cloud metadata address"
	reasonIETF         = "a reserved address (IETF protocol assignments)"
	reasonDoc          = "a documentation address"
	reasonBenchmark    = "a benchmarking address"
	reasonMulticast    = "a multicast address"
	reasonBroadcast    = "the broadcast address"
	reasonReserved     = "a reserved address"
	reasonUniqueLocal  = "a unique-local (private) IPv6 address"
	reasonSiteLocal    = "a site-local (private) IPv6 address"
	reasonTeredo       = "a Teredo tunnel address"
	reasonLocalNAT64   = "a local-use NAT64 address"
	reasonDiscard      = "a discard-only address"
	reasonV4Compatible = "a deprecated IPv4-compatible IPv6 address"
	reasonUncheckable  = "an address that cannot be checked"
)

type addrRule struct {
	prefix netip.Prefix
	reason string
}

func rules(pairs ...string) []addrRule {
	r := make([]addrRule, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		r = append(r, addrRule{netip.MustParsePrefix(pairs[i]), pairs[i+1]})
	}
	return r
}

// First match wins, so exact addresses come before their ranges.
var v4Rules = rules(
	"169.254.169.254/32", reasonMetadata, // AWS, GCP, Azure, Oracle, DigitalOcean...
	"169.254.170.2/32", reasonMetadata, // AWS ECS task metadata
	"100.100.100.200/32", reasonMetadata, // Alibaba Cloud
	"0.0.0.0/32", reasonUnspecified,
	"0.0.0.0/8", reasonThisNetwork,
	"10.0.0.0/8", reasonPrivate,
	"100.64.0.0/10", reasonCGNAT,
	"127.0.0.0/8", reasonLoopback,
	"169.254.0.0/16", reasonLinkLocal,
	"172.16.0.0/12", reasonPrivate,
	"192.0.0.0/24", reasonIETF,
	"192.0.2.0/24", reasonDoc,
	"192.88.99.0/24", reasonReserved, // deprecated 6to4 relay anycast
	"192.168.0.0/16", reasonPrivate,
	"198.18.0.0/15", reasonBenchmark,
	"198.51.100.0/24", reasonDoc,
	"203.0.113.0/24", reasonDoc,
	"224.0.0.0/4", reasonMulticast,
	"255.255.255.255/32", reasonBroadcast,
	"240.0.0.0/4", reasonReserved,
)

var v6Rules = rules(
	"fd00:ec2::254/128", reasonMetadata, // AWS IPv6 metadata
	"::/128", reasonUnspecified,
	"::1/128", reasonLoopback,
	"::/96", reasonV4Compatible,
	"64:ff9b:1::/48", reasonLocalNAT64,
	"100::/64", reasonDiscard,
	"2001::/32", reasonTeredo,
	"2001:2::/48", reasonBenchmark,
	"2001:10::/28", reasonReserved, // ORCHID (deprecated)
	"2001:20::/28", reasonReserved, // ORCHIDv2
	"2001:db8::/32", reasonDoc,
	"3fff::/20", reasonDoc,
	"fc00::/7", reasonUniqueLocal,
	"fe80::/10", reasonLinkLocal,
	"fec0::/10", reasonSiteLocal,
	"ff00::/8", reasonMulticast,
)

var (
	globalUnicast6 = netip.MustParsePrefix("2000::/3")
	nat64          = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour      = netip.MustParsePrefix("2002::/16")
)

// classify reports whether addr is a public address and, if not, why.
func classify(addr netip.Addr) (reason string, public bool) {
	addr = addr.WithZone("") // Prefix.Contains never matches a zoned address
	switch {
	case !addr.IsValid():
		return "an invalid address", false
	case addr.Is4():
		for _, r := range v4Rules {
			if r.prefix.Contains(addr) {
				return r.reason, false
			}
		}
		return "", true
	case addr.Is4In6():
		return embedded(addr.Unmap(), "an IPv4-mapped form of")
	case nat64.Contains(addr):
		b := addr.As16()
		return embedded(netip.AddrFrom4([4]byte(b[12:16])), "a NAT64 form of")
	case sixToFour.Contains(addr):
		b := addr.As16()
		return embedded(netip.AddrFrom4([4]byte(b[2:6])), "a 6to4 form of")
	}
	for _, r := range v6Rules {
		if r.prefix.Contains(addr) {
			return r.reason, false
		}
	}
	if !globalUnicast6.Contains(addr) {
		return reasonReserved, false
	}
	return "", true
}

// embedded judges an IPv6 address by the IPv4 address v4 it carries.
func embedded(v4 netip.Addr, form string) (string, bool) {
	reason, ok := classify(v4)
	if ok {
		return "", true
	}
	return fmt.Sprintf("%s %s, %s", form, v4, reason), false
}

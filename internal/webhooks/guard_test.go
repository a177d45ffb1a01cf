package webhooks

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// refusedAddrs lists an address of every refused class with the reason
// CheckAddr gives.
var refusedAddrs = []struct{ addr, reason string }{
	{"0.0.0.0", "the unspecified address"},
	{"0.1.2.3", "a reserved address (0.0.0.0/8)"},
	{"127.0.0.1", "a loopback address"},
	{"127.255.255.254", "a loopback address"},
	{"10.0.0.5", "a private address"},
	{"172.16.0.1", "a private address"},
	{"172.31.255.255", "a private address"},
	{"192.168.1.1", "a private address"},
	{"100.64.0.1", "a carrier-grade NAT (shared) address"},
	{"100.127.255.254", "a carrier-grade NAT (shared) address"},
	{"169.254.1.1", "a link-local address"},
	{"169.254.169.254", "a cloud metadata address"},
	{"169.254.170.2", "a cloud metadata address"},
	{"100.100.100.200", "a cloud metadata address"},
	{"192.0.0.8", "a reserved address (IETF protocol assignments)"},
	{"192.0.2.1", "a documentation address"},
	{"198.51.100.7", "a documentation address"},
	{"203.0.113.9", "a documentation address"},
	{"198.18.0.1", "a benchmarking address"},
	{"198.19.255.255", "a benchmarking address"},
	{"192.88.99.1", "a reserved address"},
	{"224.0.0.1", "a multicast address"},
	{"239.255.255.250", "a multicast address"},
	{"255.255.255.255", "the broadcast address"},
	{"240.0.0.1", "a reserved address"},

	{"::", "the unspecified address"},
	{"::1", "a loopback address"},
	{"::ffff:127.0.0.1", "an IPv4-mapped form of 127.0.0.1, a loopback address"},
	{"::ffff:10.0.0.5", "an IPv4-mapped form of 10.0.0.5, a private address"},
	{"::ffff:169.254.169.254", "an IPv4-mapped form of 169.254.169.254, a cloud metadata address"},
	{"::ffff:169.254.1.1", "an IPv4-mapped form of 169.254.1.1, a link-local address"},
	{"::ffff:0.0.0.0", "an IPv4-mapped form of 0.0.0.0, the unspecified address"},
	{"::ffff:100.64.0.1", "an IPv4-mapped form of 100.64.0.1, a carrier-grade NAT (shared) address"},
	{"::ffff:224.0.0.1", "an IPv4-mapped form of 224.0.0.1, a multicast address"},
	{"::ffff:255.255.255.255", "an IPv4-mapped form of 255.255.255.255, the broadcast address"},
	{"::ffff:192.0.2.1", "an IPv4-mapped form of 192.0.2.1, a documentation address"},
	{"::7f00:1", "a deprecated IPv4-compatible IPv6 address"},
	{"fe80::1", "a link-local address"},
	{"fe80::1%eth0", "a link-local address"},
	{"fd00:ec2::254", "a cloud metadata address"},
	{"fc00::1", "a unique-local (private) IPv6 address"},
	{"fd12:3456:789a::1", "a unique-local (private) IPv6 address"},
	{"fec0::1", "a site-local (private) IPv6 address"},
	{"ff02::1", "a multicast address"},
	{"ff0e::101", "a multicast address"},
	{"2001:db8::1", "a documentation address"},
	{"3fff::1", "a documentation address"},
	{"2001::1", "a Teredo tunnel address"},
	{"2001:2::1", "a benchmarking address"},
	{"2001:10::1", "a reserved address"},
	{"2001:20::1", "a reserved address"},
	{"64:ff9b::a00:5", "a NAT64 form of 10.0.0.5, a private address"},
	{"64:ff9b::7f00:1", "a NAT64 form of 127.0.0.1, a loopback address"},
	{"64:ff9b:1::1", "a local-use NAT64 address"},
	{"2002:7f00:1::1", "a 6to4 form of 127.0.0.1, a loopback address"},
	{"2002:a9fe:a9fe::", "a 6to4 form of 169.254.169.254, a cloud metadata address"},
	{"100::1", "a discard-only address"},
	{"1::1", "a reserved address"},
	{"4000::1", "a reserved address"},
	{"5f00::1", "a reserved address"},
}

var publicAddrs = []string{
	"8.8.8.8", "1.1.1.1", "93.184.216.34", "11.0.0.1", "100.63.255.255", "100.128.0.0",
	"169.253.255.255", "169.255.0.0", "172.15.255.255", "172.32.0.0", "192.0.3.1",
	"192.167.255.255", "192.169.0.0", "198.17.255.255", "198.20.0.0", "223.255.255.255",
	"2606:4700:4700::1111", "2001:4860:4860::8888", "2a00:1450:4001:81b::200e",
	"::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
}

func TestCheckAddr(t *testing.T) {
	var g Guard
	for _, c := range refusedAddrs {
		a := netip.MustParseAddr(c.addr)
		err := g.CheckAddr(a)
		var re *RefusedError
		if !errors.As(err, &re) || !errors.Is(err, ErrRefused) {
			t.Errorf("CheckAddr(%s) = %v, want *RefusedError", c.addr, err)
			continue
		}
		if re.Addr != a || re.Reason != c.reason {
			t.Errorf("CheckAddr(%s): Addr %s, Reason %q; want %q", c.addr, re.Addr, re.Reason, c.reason)
		}
		if want := a.String() + " is " + c.reason; err.Error() != want {
			t.Errorf("message %q, want %q", err, want)
		}
		if err := (Guard{AllowPrivate: true}).CheckAddr(a); err != nil {
			t.Errorf("AllowPrivate: CheckAddr(%s) = %v", c.addr, err)
		}
	}
	for _, s := range publicAddrs {
		if err := g.CheckAddr(netip.MustParseAddr(s)); err != nil {
			t.Errorf("CheckAddr(%s) = %v, want nil (public)", s, err)
		}
	}
	if err := g.CheckAddr(netip.Addr{}); err == nil {
		t.Error("the zero Addr was allowed")
	}
	for _, c := range []struct {
		err  *RefusedError
		want string
	}{
		{&RefusedError{Host: "h.test", Reason: reasonUncheckable}, "h.test resolves to an address that cannot be checked"},
		{&RefusedError{Reason: reasonUncheckable}, "refused an address that cannot be checked"},
		{&RefusedError{Host: "10.0.0.5", Addr: netip.MustParseAddr("10.0.0.5"), Reason: reasonPrivate}, "10.0.0.5 is a private address"},
	} {
		if got := c.err.Error(); got != c.want {
			t.Errorf("Error() = %q, want %q", got, c.want)
		}
	}
}

func TestCheckURLShape(t *testing.T) {
	ctx := context.Background()
	strict, lax := Guard{Resolver: newFakeDNS().resolver()}, Guard{AllowPrivate: true}
	for _, c := range []struct {
		url, reason string
		laxOK       bool // allowed with AllowPrivate
	}{
		{"http://93.184.216.34/hook", "must use https", true},
		{"HTTP://93.184.216.34/hook", "must use https", true},
		{"ftp://93.184.216.34/hook", "must use https", false},
		{"javascript:alert(1)", "is not a valid URL", false},
		{"/hooks", "must be an absolute https:// URL", false},
		{"hooks.example.com/x", "must be an absolute https:// URL", false},
		{"https://user:pw@93.184.216.34/hook", "must not contain a user name or password", false},
		{"https://user@93.184.216.34/hook", "must not contain a user name or password", false},
		{"https:///hook", "has no host", false},
		{"https://:443/hook", "has no host", false},
		{"https://93.184.216.34:0/hook", "has an invalid port", false},
		{"https://93.184.216.34:70000/hook", "has an invalid port", false},
		{"https://exa mple.com/", "is not a valid URL", false},
		{"https://[::1/", "is not a valid URL", false},
	} {
		err := strict.CheckURL(ctx, c.url)
		var ie *InvalidURLError
		if !errors.As(err, &ie) || !errors.Is(err, ErrInvalidURL) || ie.Reason != c.reason || err.Error() != "callback URL "+c.reason {
			t.Errorf("CheckURL(%q) = %v, want InvalidURLError %q", c.url, err, c.reason)
		}
		if err := lax.CheckURL(ctx, c.url); (err == nil) != c.laxOK {
			t.Errorf("AllowPrivate: CheckURL(%q) = %v, want ok=%v", c.url, err, c.laxOK)
		}
	}
	for _, u := range []string{"https://93.184.216.34/hook", "HTTPS://93.184.216.34:8443/a?b=c#d", "https://[2606:4700:4700::1111]/x"} {
		if err := strict.CheckURL(ctx, u); err != nil {
			t.Errorf("CheckURL(%q) = %v", u, err)
		}
	}
}

func TestCheckURLLiteralAddresses(t *testing.T) {
	g := Guard{Resolver: newFakeDNS().resolver()} // any lookup would fail: literals need none
	for _, c := range refusedAddrs {
		a := netip.MustParseAddr(c.addr)
		host := a.String()
		if a.Is6() {
			host = "[" + strings.Replace(host, "%", "%25", 1) + "]"
		}
		err := g.CheckURL(context.Background(), "https://"+host+":8443/hook")
		var re *RefusedError
		if !errors.As(err, &re) || re.Reason != c.reason || re.Host != "" {
			t.Errorf("CheckURL(https://%s) = %v, want refused as %q", host, err, c.reason)
		}
	}
}

func TestCheckURLResolvedAddresses(t *testing.T) {
	dns := newFakeDNS()
	g := Guard{Resolver: dns.resolver()}
	ctx := context.Background()
	for _, c := range refusedAddrs {
		if strings.Contains(c.addr, "%") {
			continue // DNS carries no zones
		}
		dns.set("hooks.example.test", addrs(c.addr))
		err := g.CheckURL(ctx, "https://hooks.example.test/webhooks")
		var re *RefusedError
		a := netip.MustParseAddr(c.addr)
		if !errors.As(err, &re) || re.Host != "hooks.example.test" {
			t.Errorf("resolving to %s: %v, want a refusal naming the host", c.addr, err)
			continue
		}
		// An IPv4-mapped answer is named by its IPv4 address.
		if a.Is4In6() {
			a = a.Unmap()
		}
		if want := "hooks.example.test resolves to " + a.String() + ", "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("message %q, want it to start %q", err, want)
		}
	}

	dns.set("private.test", addrs("10.0.0.5"))
	if err := g.CheckURL(ctx, "https://private.test/"); err == nil || err.Error() != "private.test resolves to 10.0.0.5, a private address" {
		t.Errorf("message = %v", err)
	}
	// Every address counts, not only the first.
	dns.set("mixed.test", addrs("93.184.216.34", "2606:4700:4700::1111", "fd00:ec2::254"))
	if err := g.CheckURL(ctx, "https://mixed.test/"); err == nil || err.Error() != "mixed.test resolves to fd00:ec2::254, a cloud metadata address" {
		t.Errorf("mixed: %v", err)
	}
	dns.set("public.test", addrs("93.184.216.34", "2606:4700:4700::1111"))
	if err := g.CheckURL(ctx, "https://PUBLIC.test./hook"); err != nil {
		t.Errorf("public: %v", err)
	}
	err := g.CheckURL(ctx, "https://nowhere.test/")
	var le *LookupError
	if !errors.As(err, &le) || le.Host != "nowhere.test" || err.Error() != "nowhere.test does not resolve: no such host" {
		t.Errorf("unknown host: %v", err)
	}
	dns.set("empty.test", addrs())
	if err := g.CheckURL(ctx, "https://empty.test/"); !errors.As(err, &le) {
		t.Errorf("no addresses: %v", err)
	}
	// With AllowPrivate nothing is resolved or refused.
	if err := (Guard{AllowPrivate: true, Resolver: dns.resolver()}).CheckURL(ctx, "http://private.test/"); err != nil {
		t.Errorf("AllowPrivate: %v", err)
	}
}

// countingServer is an https test server that counts the requests it gets.
func countingServer(t *testing.T, tls bool) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNoContent)
	})
	var srv *httptest.Server
	if tls {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return srv, &hits
}

func ipv6Available() bool {
	l, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// TestClientRefusesAtConnect bypasses CheckURL: the client's dialer must
// refuse every non-public address by itself.
func TestClientRefusesAtConnect(t *testing.T) {
	srv, hits := countingServer(t, true)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	dns := newFakeDNS()
	client := Guard{Resolver: dns.resolver()}.Client(2 * time.Second)
	v6 := ipv6Available()

	for _, c := range refusedAddrs {
		a := netip.MustParseAddr(c.addr)
		if a.Is6() && !a.Is4In6() && !v6 {
			t.Logf("no IPv6 sockets here: not dialling %s", a)
			continue
		}
		// Literal address: the dialer sees it as is (IPv4-mapped ones as
		// IPv4).
		host := a.String()
		if a.Is6() {
			host = "[" + strings.Replace(host, "%", "%25", 1) + "]"
		}
		u := "https://" + host + ":" + strconv.Itoa(port) + "/hook"
		o := Deliver(context.Background(), client, Request{URL: u, Body: []byte(`{}`)})
		shown := a
		if a.Is4In6() {
			shown = a.Unmap()
		}
		if !o.Refused || o.Retryable || o.Success || !strings.Contains(o.Err, shown.WithZone("").String()) {
			t.Errorf("dial %s: %+v, want refused", u, o)
		}
	}

	// A name that resolves to loopback, never checked by CheckURL.
	dns.set("loop.test", addrs("127.0.0.1", "::1"))
	o := Deliver(context.Background(), client, Request{URL: srv.URL[:8] + "loop.test:" + strconv.Itoa(port) + "/hook"})
	if !o.Refused || o.Retryable || !strings.Contains(o.Err, "loop.test resolves to ") || !strings.Contains(o.Err, ", a loopback address") {
		t.Errorf("loop.test: %+v", o)
	}

	// DNS rebinding: public when the subscription is checked, loopback
	// when the delivery connects.
	dns.set("rebind.test", addrs("93.184.216.34"), addrs("127.0.0.1"))
	u := "https://rebind.test:" + strconv.Itoa(port) + "/hook"
	if err := (Guard{Resolver: dns.resolver()}).CheckURL(context.Background(), u); err != nil {
		t.Fatalf("CheckURL at subscription time: %v", err)
	}
	o = Deliver(context.Background(), client, Request{URL: u, Body: []byte(`{}`)})
	if !o.Refused || o.Retryable ||
		o.Err != "refused: rebind.test resolves to 127.0.0.1, a loopback address; webhooks are only sent to public internet addresses" {
		t.Errorf("rebinding: %+v", o)
	}

	// The error wraps *RefusedError for callers using the client directly.
	_, err := client.Post("https://127.0.0.1:"+strconv.Itoa(port)+"/", "application/json", nil)
	var re *RefusedError
	if !errors.As(err, &re) || re.Reason != "a loopback address" {
		t.Errorf("client.Post error = %v, want it to wrap *RefusedError", err)
	}

	// Plain http is refused by the client too.
	o = Deliver(context.Background(), client, Request{URL: "http://93.184.216.34/hook"})
	if !o.Refused || o.Retryable || o.Err != "refused: callback URL must use https" {
		t.Errorf("http: %+v", o)
	}

	if n := hits.Load(); n != 0 {
		t.Errorf("the server behind the refused addresses got %d requests", n)
	}
}

func TestAllowPrivateReachesLoopback(t *testing.T) {
	srv, hits := countingServer(t, false)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	dns := newFakeDNS()
	dns.set("dev.test", addrs("127.0.0.1"))
	g := Guard{AllowPrivate: true, Resolver: dns.resolver()}
	client := g.Client(0)
	for _, u := range []string{srv.URL + "/hook", "http://dev.test:" + strconv.Itoa(port) + "/hook"} {
		if err := g.CheckURL(context.Background(), u); err != nil {
			t.Errorf("CheckURL(%s) = %v", u, err)
		}
		if o := Deliver(context.Background(), client, Request{URL: u, Body: []byte(`{}`)}); !o.Success || o.StatusCode != 204 {
			t.Errorf("Deliver(%s) = %+v", u, o)
		}
	}
	if hits.Load() != 2 {
		t.Errorf("server got %d requests, want 2", hits.Load())
	}
}

func TestClientPolicy(t *testing.T) {
	c := Guard{}.Client(0)
	if c.Timeout != DefaultTimeout {
		t.Errorf("default timeout %v, want %v", c.Timeout, DefaultTimeout)
	}
	if c := (Guard{}).Client(3 * time.Second); c.Timeout != 3*time.Second {
		t.Errorf("timeout %v", c.Timeout)
	}
	tr, ok := c.Transport.(*guardedTransport)
	if !ok || tr.base.Proxy != nil {
		t.Errorf("transport %T uses a proxy function; want none", c.Transport)
	}
	if c.CheckRedirect == nil || c.CheckRedirect(&http.Request{URL: &url.URL{}}, nil) != http.ErrUseLastResponse {
		t.Error("redirects would be followed")
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	target, hits := countingServer(t, false)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/elsewhere", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirector.Close)
	o := Deliver(context.Background(), Guard{AllowPrivate: true}.Client(0), Request{URL: redirector.URL, Body: []byte(`{}`)})
	if o.Success || o.Retryable || o.StatusCode != 307 || !strings.Contains(o.Err, "redirects are not followed; Location: "+target.URL) {
		t.Errorf("outcome %+v", o)
	}
	if hits.Load() != 0 {
		t.Error("the redirect was followed")
	}
}

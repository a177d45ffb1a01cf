package ecwid_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/ecwid"
	"github.com/reboundhq/rebound/internal/ecwid/ecwidtest"
)

// newFake starts a fake Ecwid on loopback and closes it after the test.
func newFake(t testing.TB, opts ...ecwidtest.Option) *ecwidtest.Server {
	t.Helper()
	srv := ecwidtest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

// newClient returns a client for srv without client-side pacing and with
// millisecond backoffs, so tests run fast.
func newClient(srv *ecwidtest.Server, opts ...ecwid.Option) *ecwid.Client {
	base := []ecwid.Option{
		ecwid.WithBaseURL(srv.APIRoot()),
		ecwid.WithHTTPClient(srv.Client()),
		ecwid.WithLimiter(nil),
		ecwid.WithRetryBackoff(time.Millisecond, 5*time.Millisecond),
	}
	return ecwid.New(srv.StoreID, srv.Token, append(base, opts...)...)
}

// lastRequest returns the last request the fake logged.
func lastRequest(t testing.TB, srv *ecwidtest.Server) ecwidtest.Request {
	t.Helper()
	reqs := srv.Requests()
	if len(reqs) == 0 {
		t.Fatal("no request reached the fake")
	}
	return reqs[len(reqs)-1]
}

// assertQuery checks that the last request carried exactly want.
func assertQuery(t testing.TB, srv *ecwidtest.Server, path string, want url.Values) {
	t.Helper()
	r := lastRequest(t, srv)
	if r.Path != path {
		t.Errorf("path = %q, want %q", r.Path, path)
	}
	if got := r.Query.Encode(); got != want.Encode() {
		t.Errorf("query\n got %s\nwant %s", got, want.Encode())
	}
}

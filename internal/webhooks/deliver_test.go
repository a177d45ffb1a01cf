package webhooks

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

func TestDeliverSendsRequest(t *testing.T) {
	type seen struct {
		method string
		header http.Header
		body   []byte
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.Header.Clone(), b}
		w.Write([]byte(`{"received":true}`))
	}))
	defer srv.Close()

	body := []byte(`{"type":"created","n":1}`)
	h, _ := Headers([]string{NewSecret()}, "evt_9", time.Now(), body)
	h.Set("Authorization", "Bearer tok")
	o := Deliver(context.Background(), Guard{AllowPrivate: true}.Client(0), Request{URL: srv.URL + "/hook", Body: body, Header: h})
	if !o.Success || o.Retryable || o.StatusCode != 200 || o.Err != "" || o.Snippet != `{"received":true}` || o.Latency <= 0 {
		t.Fatalf("outcome %+v", o)
	}
	s := <-got
	if s.method != http.MethodPost || string(s.body) != string(body) {
		t.Errorf("server saw %s %q", s.method, s.body)
	}
	for k, want := range map[string]string{
		"Content-Type": "application/json", "User-Agent": UserAgent, "Authorization": "Bearer tok",
		"Webhook-Id": "evt_9", "Webhook-Signature": h.Get(HeaderSignature), "Content-Length": strconv.Itoa(len(body)),
	} {
		if v := s.header.Get(k); v != want {
			t.Errorf("%s: %q, want %q", k, v, want)
		}
	}

	// The caller's Content-Type and User-Agent win; the caller's header map
	// is not modified.
	h = http.Header{"Content-Type": {"application/json; charset=utf-8"}, "User-Agent": {"x"}}
	Deliver(context.Background(), Guard{AllowPrivate: true}.Client(0), Request{URL: srv.URL, Body: body, Header: h})
	if s := <-got; s.header.Get("Content-Type") != "application/json; charset=utf-8" || s.header.Get("User-Agent") != "x" {
		t.Errorf("caller headers overridden: %v", s.header)
	}
	if len(h) != 2 {
		t.Errorf("Deliver changed the caller's header: %v", h)
	}
}

func TestDeliverStatusRules(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		if code >= 300 && code < 400 {
			w.Header().Set("Location", "https://elsewhere.example/")
		}
		w.WriteHeader(code)
		if code != 204 && code != 304 {
			w.Write([]byte("status " + strconv.Itoa(code)))
		}
	}))
	defer srv.Close()
	client := Guard{AllowPrivate: true}.Client(0)

	success := []int{200, 201, 202, 204, 299}
	retryable := []int{408, 409, 425, 429, 500, 501, 502, 503, 504, 599}
	permanent := []int{300, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 410, 413, 415, 422, 451, 499}
	check := func(code int, wantSuccess, wantRetry bool) {
		o := Deliver(context.Background(), client, Request{URL: srv.URL + "/" + strconv.Itoa(code), Body: []byte(`{}`)})
		if o.StatusCode != code || o.Success != wantSuccess || o.Retryable != wantRetry || o.Refused {
			t.Errorf("%d: %+v, want success=%v retryable=%v", code, o, wantSuccess, wantRetry)
		}
		if wantSuccess != (o.Err == "") {
			t.Errorf("%d: Err %q", code, o.Err)
		}
		if !wantSuccess && !strings.HasPrefix(o.Err, "HTTP "+strconv.Itoa(code)) {
			t.Errorf("%d: Err %q", code, o.Err)
		}
	}
	for _, c := range success {
		check(c, true, false)
	}
	for _, c := range retryable {
		check(c, false, true)
	}
	for _, c := range permanent {
		check(c, false, false)
	}
	o := Deliver(context.Background(), client, Request{URL: srv.URL + "/503", Body: []byte(`{}`)})
	if o.Err != "HTTP 503 Service Unavailable" || o.Snippet != "status 503" {
		t.Errorf("503: Err %q Snippet %q", o.Err, o.Snippet)
	}
}

func TestDeliverRetryAfter(t *testing.T) {
	var value atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", value.Load().(string))
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	client := Guard{AllowPrivate: true}.Client(0)
	for _, c := range []struct {
		header   string
		min, max time.Duration
	}{
		{"120", 120 * time.Second, 120 * time.Second},
		{"0", 0, 0},
		{"999999999999", time.Hour, time.Hour},
		{"soon", 0, 0},
		{"-5", 0, 0},
		{"1.5", 0, 0},
		{time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat), 85 * time.Second, 90 * time.Second},
		{time.Now().Add(5 * time.Hour).UTC().Format(http.TimeFormat), time.Hour, time.Hour},
		{time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat), 0, 0},
	} {
		value.Store(c.header)
		o := Deliver(context.Background(), client, Request{URL: srv.URL, Body: []byte(`{}`)})
		if !o.Retryable || o.RetryAfter < c.min || o.RetryAfter > c.max {
			t.Errorf("Retry-After %q: %v (retryable=%v), want %v..%v", c.header, o.RetryAfter, o.Retryable, c.min, c.max)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":                               0,
		" 30 ":                           30 * time.Second,
		"3600":                           time.Hour,
		"3601":                           time.Hour,
		"18446744073709551615":           time.Hour,
		"Sun, 22 Nov 2026 10:01:00 GMT":  time.Minute,
		"Sunday, 22-Nov-26 10:02:00 GMT": 2 * time.Minute, // RFC 850
		"Sun Nov 22 10:03:00 2026":       3 * time.Minute, // asctime
		"Sun, 22 Nov 2026 09:59:00 GMT":  0,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

// endlessBody is a response body that never ends and counts what is read.
type endlessBody struct{ n atomic.Int64 }

func (b *endlessBody) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = "é"[i%2] // two-byte runes, so the snippet cut lands mid-rune
	}
	b.n.Add(int64(len(p)))
	return len(p), nil
}
func (b *endlessBody) Close() error { return nil }

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestDeliverReadsAtMost64KiB(t *testing.T) {
	for _, code := range []int{200, 500} {
		body := &endlessBody{}
		client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: code, Header: http.Header{}, Body: body, Request: r}, nil
		})}
		o := Deliver(context.Background(), client, Request{URL: "https://example.test/", Body: []byte(`{}`)})
		if n := body.n.Load(); n > MaxResponseRead {
			t.Errorf("%d: read %d bytes, want at most %d", code, n, MaxResponseRead)
		}
		if len(o.Snippet) > SnippetLen || len(o.Snippet) < SnippetLen-3 || !utf8.ValidString(o.Snippet) || strings.ContainsRune(o.Snippet, utf8.RuneError) {
			t.Errorf("%d: snippet of %d bytes (valid=%v)", code, len(o.Snippet), utf8.ValidString(o.Snippet))
		}
	}
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("a", SnippetLen-1) + "€" // the euro sign straddles the limit
	if got := snippet([]byte(long)); got != strings.Repeat("a", SnippetLen-1) {
		t.Errorf("cut rune kept: %q", got[len(got)-4:])
	}
	if got := snippet([]byte("ok\xff\xfe")); got != "ok\uFFFD" {
		t.Errorf("invalid UTF-8: %q", got)
	}
	if got := snippet(nil); got != "" {
		t.Errorf("empty: %q", got)
	}
}

func TestDeliverNetworkFailures(t *testing.T) {
	client := Guard{AllowPrivate: true}.Client(200 * time.Millisecond)

	// Nothing listening.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/"
	l.Close()
	o := Deliver(context.Background(), client, Request{URL: closed, Body: []byte(`{}`)})
	if !o.Retryable || o.Success || o.Refused || o.StatusCode != 0 || !strings.Contains(o.Err, "connection refused") {
		t.Errorf("connection refused: %+v", o)
	}
	if strings.Contains(o.Err, "Post ") {
		t.Errorf("Err %q repeats the URL", o.Err)
	}

	// Too slow to answer.
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	o = Deliver(context.Background(), client, Request{URL: slow.URL, Body: []byte(`{}`)})
	if !o.Retryable || o.Success || !strings.HasPrefix(o.Err, "timed out after") || o.Latency < 200*time.Millisecond || o.Latency > 5*time.Second {
		t.Errorf("timeout: %+v", o)
	}

	// The worker's context ends.
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("worker stopping"))
	o = Deliver(ctx, client, Request{URL: slow.URL, Body: []byte(`{}`)})
	if !o.Retryable || o.Err != "canceled: worker stopping" {
		t.Errorf("cancelled: %+v", o)
	}

	// The worker's context has a deadline: a timeout like the client's.
	dctx, dcancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer dcancel()
	o = Deliver(dctx, Guard{AllowPrivate: true}.Client(time.Minute), Request{URL: slow.URL, Body: []byte(`{}`)})
	if !o.Retryable || !strings.HasPrefix(o.Err, "timed out after") {
		t.Errorf("ctx deadline: %+v", o)
	}

	// A URL that cannot be requested at all.
	o = Deliver(context.Background(), client, Request{URL: "http://[::1", Body: []byte(`{}`)})
	if o.Retryable || o.Success || !strings.HasPrefix(o.Err, "invalid URL") {
		t.Errorf("invalid URL: %+v", o)
	}
}

func BenchmarkDeliver(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	client := Guard{AllowPrivate: true}.Client(0)
	secrets := []string{NewSecret()}
	body := []byte(strings.Repeat(`{"k":"v"},`, 200))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			h, _ := Headers(secrets, "evt_1", time.Now(), body)
			if o := Deliver(context.Background(), client, Request{URL: srv.URL, Body: body, Header: h}); !o.Success {
				b.Fatal(o.Err)
			}
		}
	})
}

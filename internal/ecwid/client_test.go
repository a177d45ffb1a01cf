package ecwid_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/ecwid"
	"github.com/reboundhq/rebound/internal/ecwid/ecwidtest"
)

func TestAuthErrors(t *testing.T) {
	srv := newFake(t, ecwidtest.WithScopedToken("secret_readonly", ecwidtest.ScopeReadOrders))
	ctx := context.Background()
	opts := []ecwid.Option{ecwid.WithBaseURL(srv.APIRoot()), ecwid.WithLimiter(nil)}

	for _, tc := range []struct {
		name, token string
		call        func(c *ecwid.Client) error
		status      int
		code        string
	}{
		{"missing token", "", func(c *ecwid.Client) error { _, err := c.Profile.Get(ctx); return err }, 401, ""},
		{"unknown token", "secret_wrong", func(c *ecwid.Client) error { _, err := c.Profile.Get(ctx); return err }, 403, ecwid.CodeInvalidAPIToken},
		{"missing scope", "secret_readonly", func(c *ecwid.Client) error { _, err := c.Customers.Search(ctx, nil); return err }, 403, ecwid.CodeInsufficientAppScope},
		{"read-only create", "secret_readonly", func(c *ecwid.Client) error { _, err := c.Orders.Create(ctx, returnOrder()); return err }, 403, ecwid.CodeInsufficientAppScope},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetRequests()
			c := ecwid.New(srv.StoreID, tc.token, opts...)
			err := tc.call(c)
			e := ecwid.AsError(err)
			if e == nil || e.Status != tc.status || e.Code != tc.code || e.Message == "" {
				t.Fatalf("err = %#v", err)
			}
			if !ecwid.IsAuth(err) || ecwid.IsRetryable(err) || ecwid.IsNotFound(err) {
				t.Errorf("classification wrong for %v", err)
			}
			if n := len(srv.Requests()); n != 1 {
				t.Errorf("%d requests, want 1 (auth errors are not retried)", n)
			}
		})
	}

	// The read-only token may still read orders and the profile.
	c := ecwid.New(srv.StoreID, "secret_readonly", opts...)
	if _, err := c.Orders.Search(ctx, nil); err != nil {
		t.Error(err)
	}
	if _, err := c.Profile.Get(ctx); err != nil {
		t.Error(err)
	}
}

func TestStoreNotFound(t *testing.T) {
	srv := newFake(t)
	c := ecwid.New(42, srv.Token, ecwid.WithBaseURL(srv.APIRoot()), ecwid.WithLimiter(nil))
	_, err := c.Profile.Get(context.Background())
	if e := ecwid.AsError(err); e == nil || e.Status != 404 || e.Code != ecwid.CodeStoreNotFound {
		t.Errorf("err = %v", err)
	}
}

func TestErrorShapes(t *testing.T) {
	// A raw server to produce answers the fake does not: a message in the
	// status line, an HTML proxy page, an error with args.
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/reason"):
			conn, buf, _ := w.(http.Hijacker).Hijack()
			defer conn.Close()
			buf.WriteString("HTTP/1.1 400 Field OrderItem.quantity is absent\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
			buf.Flush()
		case strings.HasSuffix(r.URL.Path, "/html"):
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
		case strings.HasSuffix(r.URL.Path, "/args"):
			w.WriteHeader(409)
			io.WriteString(w, `{"errorMessage":"SKU exists","errorCode":"SKU_ALREADY_EXISTS","args":{"sku":"A-1"}}`)
		case strings.HasSuffix(r.URL.Path, "/empty"):
			w.WriteHeader(500)
		}
	}))
	defer ts.Close()
	c := ecwid.New(1003, "secret_x", ecwid.WithBaseURL(ts.URL), ecwid.WithLimiter(nil), ecwid.WithMaxRetries(0))
	ctx := context.Background()

	err := c.Do(ctx, http.MethodGet, "/reason", nil, nil, nil)
	if e := ecwid.AsError(err); e == nil || e.Status != 400 || e.Message != "Field OrderItem.quantity is absent" || e.Code != "" {
		t.Errorf("reason phrase: %#v", err)
	}
	if got := err.Error(); got != "ecwid: GET /reason: 400: Field OrderItem.quantity is absent" {
		t.Errorf("Error() = %q", got)
	}
	err = c.Do(ctx, http.MethodGet, "/html", nil, nil, nil)
	if e := ecwid.AsError(err); e == nil || e.Status != 502 || !strings.Contains(e.Message, "502 Bad Gateway") || !ecwid.IsRetryable(err) {
		t.Errorf("html: %#v", err)
	}
	err = c.Do(ctx, http.MethodGet, "/args", nil, nil, nil)
	if e := ecwid.AsError(err); e == nil || e.Code != ecwid.CodeSKUAlreadyExists || e.Args["sku"] != "A-1" || ecwid.IsRetryable(err) {
		t.Errorf("args: %#v", err)
	}
	err = c.Do(ctx, http.MethodGet, "/empty", nil, nil, nil)
	if e := ecwid.AsError(err); e == nil || e.Status != 500 || e.Message != "Internal Server Error" {
		t.Errorf("empty: %#v", err)
	}
	if e := (&ecwid.Error{Status: 429, Code: "RATE_LIMITED", Message: "slow down", RetryAfter: 3 * time.Second}); e.Error() != "ecwid: 429 RATE_LIMITED: slow down (retry after 3s)" {
		t.Errorf("Error() = %q", e.Error())
	}
}

func TestIsRetryable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{&ecwid.Error{Status: 429}, true},
		{&ecwid.Error{Status: 408}, true},
		{&ecwid.Error{Status: 503}, true},
		{&ecwid.Error{Status: 400}, false},
		{&ecwid.Error{Status: 404}, false},
		{fmt.Errorf("wrapped: %w", &ecwid.Error{Status: 500}), true},
		{&net.OpError{Op: "read", Err: syscall.ECONNRESET}, true},
		{io.ErrUnexpectedEOF, true},
		{errors.New("boom"), false},
	} {
		if got := ecwid.IsRetryable(tc.err); got != tc.want {
			t.Errorf("IsRetryable(%v) = %v", tc.err, got)
		}
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv)
	srv.InjectFault(1, ecwidtest.Fault{Path: "/profile", Status: 429, RetryAfter: "1"})
	start := time.Now()
	if _, err := c.Profile.Get(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("retried after %v, before Retry-After", d)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[0].Status != 429 || reqs[1].Status != 200 {
		t.Errorf("requests = %+v", reqs)
	}
}

func TestRetryAfterTooLong(t *testing.T) {
	srv := newFake(t)
	ctx := context.Background()

	// Beyond the cap: give up at once and report the wait.
	c := newClient(srv, ecwid.WithMaxRetryAfter(5*time.Second))
	srv.InjectFault(1, ecwidtest.Fault{Status: 429, RetryAfter: "120"})
	start := time.Now()
	_, err := c.Orders.Get(ctx, "K8XTQ")
	e := ecwid.AsError(err)
	if e == nil || !ecwid.IsRateLimited(err) || e.RetryAfter != 120*time.Second || e.Code != ecwid.CodeRateLimited {
		t.Fatalf("err = %#v", err)
	}
	if time.Since(start) > time.Second || len(srv.Requests()) != 1 {
		t.Errorf("waited %v over %d requests", time.Since(start), len(srv.Requests()))
	}

	// Beyond the context deadline: same.
	srv.ResetRequests()
	c = newClient(srv)
	srv.InjectFault(1, ecwidtest.Fault{Status: 429, RetryAfter: "30"})
	dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	start = time.Now()
	_, err = c.Orders.Get(dctx, "K8XTQ")
	if !ecwid.IsRateLimited(err) || time.Since(start) > time.Second || len(srv.Requests()) != 1 {
		t.Errorf("deadline: err %v after %v, %d requests", err, time.Since(start), len(srv.Requests()))
	}

	// An HTTP-date Retry-After is understood too.
	srv.InjectFault(1, ecwidtest.Fault{Status: 429, RetryAfter: time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)})
	_, err = c.Orders.Get(ctx, "K8XTQ")
	if e := ecwid.AsError(err); e == nil || e.RetryAfter < 59*time.Minute {
		t.Errorf("http-date: %#v", err)
	}
}

func TestCancelWhileWaiting(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv) // default 30 s timeout: a 20 s wait fits
	srv.InjectFault(1, ecwidtest.Fault{Status: 429, RetryAfter: "20"})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Profile.Get(ctx)
	if !errors.Is(err, context.Canceled) || !ecwid.IsRateLimited(err) {
		t.Errorf("err = %v", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
}

func TestIdempotentRetries(t *testing.T) {
	ctx := context.Background()
	t.Run("GET 5xx", func(t *testing.T) {
		srv := newFake(t)
		c := newClient(srv)
		srv.InjectFault(2, ecwidtest.Fault{Method: "GET", Status: 500})
		if _, err := c.Orders.Get(ctx, "K8XTQ"); err != nil {
			t.Fatal(err)
		}
		if n := len(srv.Requests()); n != 3 {
			t.Errorf("%d requests, want 3", n)
		}
	})
	t.Run("GET 5xx exhausted", func(t *testing.T) {
		srv := newFake(t)
		c := newClient(srv, ecwid.WithMaxRetries(1))
		srv.InjectFault(5, ecwidtest.Fault{Method: "GET", Status: 503})
		_, err := c.Orders.Get(ctx, "K8XTQ")
		if e := ecwid.AsError(err); e == nil || e.Status != 503 || e.Code != ecwid.CodeInternalError {
			t.Fatalf("err = %v", err)
		}
		if n := len(srv.Requests()); n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
	})
	t.Run("GET reset", func(t *testing.T) {
		srv := newFake(t)
		c := newClient(srv)
		srv.InjectFault(1, ecwidtest.Fault{Reset: true})
		if _, err := c.Products.Search(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if reqs := srv.Requests(); len(reqs) != 2 || reqs[0].Status != 0 {
			t.Errorf("requests = %+v", reqs)
		}
	})
	t.Run("PUT 502", func(t *testing.T) {
		srv := newFake(t)
		c := newClient(srv)
		srv.InjectFault(1, ecwidtest.Fault{Method: "PUT", Status: 502})
		if _, err := c.Orders.Update(ctx, "K8XTQ", &ecwid.OrderUpdate{TrackingNumber: ecwid.Ptr("X1")}); err != nil {
			t.Fatal(err)
		}
		if len(srv.Requests()) != 2 {
			t.Errorf("%d requests, want 2", len(srv.Requests()))
		}
	})
	t.Run("DELETE reset after processing", func(t *testing.T) {
		srv := newFake(t)
		c := newClient(srv)
		srv.InjectFault(1, ecwidtest.Fault{Method: "DELETE", Reset: true, AfterProcessing: true})
		// The retry finds the order gone: Ecwid's 404 is what the caller sees.
		_, err := c.Orders.Delete(ctx, "K8XTQ")
		if !ecwid.IsNotFound(err) || len(srv.Requests()) != 2 {
			t.Errorf("err = %v after %d requests", err, len(srv.Requests()))
		}
	})
	t.Run("400 not retried", func(t *testing.T) {
		srv := newFake(t)
		c := newClient(srv)
		_, err := c.Products.Search(ctx, &ecwid.ProductFilter{SortBy: "SIDEWAYS"})
		if e := ecwid.AsError(err); e == nil || e.Status != 400 || e.Code != ecwid.CodeWrongParameter {
			t.Fatalf("err = %v", err)
		}
		if len(srv.Requests()) != 1 {
			t.Errorf("%d requests", len(srv.Requests()))
		}
	})
}

func TestMalformedResponse(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv)
	srv.InjectFault(1, ecwidtest.Fault{Malformed: true})
	_, err := c.Orders.Search(context.Background(), nil)
	if !errors.Is(err, ecwid.ErrMalformedResponse) || ecwid.AsError(err) != nil {
		t.Fatalf("err = %v", err)
	}
	if len(srv.Requests()) != 1 {
		t.Errorf("%d requests, want 1", len(srv.Requests()))
	}
}

func TestContextDeadline(t *testing.T) {
	srv := newFake(t)
	ctx := context.Background()

	t.Run("caller deadline", func(t *testing.T) {
		c := newClient(srv)
		srv.InjectFault(1, ecwidtest.Fault{Delay: 5 * time.Second})
		dctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.Orders.Get(dctx, "K8XTQ")
		if !errors.Is(err, context.DeadlineExceeded) || ecwid.IsRetryable(err) {
			t.Errorf("err = %v", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("returned after %v", d)
		}
	})
	t.Run("default timeout", func(t *testing.T) {
		c := newClient(srv, ecwid.WithTimeout(100*time.Millisecond))
		srv.InjectFault(1, ecwidtest.Fault{Delay: 5 * time.Second})
		start := time.Now()
		_, err := c.Profile.Get(ctx) // no deadline on ctx
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("returned after %v", d)
		}
	})
	t.Run("slow but in time", func(t *testing.T) {
		c := newClient(srv)
		srv.InjectFault(1, ecwidtest.Fault{Delay: 50 * time.Millisecond})
		if _, err := c.Profile.Get(ctx); err != nil {
			t.Error(err)
		}
	})
}

func TestRequestShape(t *testing.T) {
	srv := newFake(t)
	var logs bytes.Buffer
	c := newClient(srv, ecwid.WithUserAgent("rebound-test"),
		ecwid.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	// Reset first, on a fresh connection: net/http silently replays GETs
	// that fail on a reused one.
	srv.InjectFault(1, ecwidtest.Fault{Reset: true})
	srv.InjectFault(1, ecwidtest.Fault{Status: 500})
	if _, err := c.Orders.Search(context.Background(), &ecwid.OrderFilter{Email: "dana@example.com"}); err != nil {
		t.Fatal(err)
	}
	r := lastRequest(t, srv)
	if r.Header.Get("User-Agent") != "rebound-test" || r.Header.Get("Accept") != "application/json" ||
		r.Header.Get("Authorization") != "Bearer "+srv.Token || r.Header.Get("Content-Type") != "" {
		t.Errorf("headers = %v", r.Header)
	}
	out := logs.String()
	if !strings.Contains(out, "ecwid: retrying after transport error") || !strings.Contains(out, "status=500") ||
		!strings.Contains(out, "path=/orders") {
		t.Errorf("logs = %s", out)
	}
	if strings.Contains(out, srv.Token) || strings.Contains(out, "dana") {
		t.Errorf("logs leak the token or the query: %s", out)
	}
}

func TestBaseURL(t *testing.T) {
	c := ecwid.New(1003, "secret_x")
	if c.BaseURL() != "https://app.ecwid.com/api/v3/1003" || c.StoreID() != 1003 {
		t.Errorf("default base = %s", c.BaseURL())
	}
	c = ecwid.New(1003, "secret_x", ecwid.WithBaseURL("https://proxy.example/ecwid/{storeId}/"))
	if c.BaseURL() != "https://proxy.example/ecwid/1003" {
		t.Errorf("templated base = %s", c.BaseURL())
	}
	srv := newFake(t)
	c = ecwid.New(srv.StoreID, srv.Token, ecwid.WithBaseURL(srv.APIRoot()+"/"), ecwid.WithLimiter(nil))
	if _, err := c.Profile.Get(context.Background()); err != nil {
		t.Error(err)
	}
}

// TestDo reaches an endpoint without a typed method.
func TestDo(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv)
	var out struct {
		Total int `json:"total"`
	}
	err := c.Do(context.Background(), http.MethodGet, "/orders", nil, nil, &out)
	if err != nil || out.Total != 5 {
		t.Errorf("Do = %+v, %v", out, err)
	}
	// /abandoned_carts is not Ecwid's path: 404.
	err = c.Do(context.Background(), http.MethodGet, "/abandoned_carts", nil, nil, nil)
	if !ecwid.IsNotFound(err) {
		t.Errorf("abandoned_carts err = %v", err)
	}
}

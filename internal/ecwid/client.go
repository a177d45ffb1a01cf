package ecwid

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults used by New.
const (
	DefaultBaseURL       = "https://app.ecwid.com/api/v3"
	DefaultTimeout       = 30 * time.Second
	DefaultMaxRetries    = 3
	DefaultMaxRetryAfter = 60 * time.Second
	// DefaultRetryAfter is the wait after a 429 that carries no Retry-After.
	DefaultRetryAfter = 10 * time.Second
	// MaxLimit is the largest page Ecwid returns.
	MaxLimit = 100

	defaultBackoffMin = 500 * time.Millisecond
	defaultBackoffMax = 10 * time.Second
	maxResponseBytes  = 64 << 20
	userAgent         = "rebound-ecwid/1 (+https://github.com/reboundhq/rebound)"
)

// Client calls the Ecwid REST API v3 for one store. It is safe for concurrent
// use. Create it with New.
type Client struct {
	storeID       int64
	token         string
	root          string // base URL including /{storeId}, no trailing slash
	hc            *http.Client
	limiter       Limiter
	log           *slog.Logger
	timeout       time.Duration
	maxRetries    int
	maxRetryAfter time.Duration
	backoffMin    time.Duration
	backoffMax    time.Duration
	userAgent     string
	now           func() time.Time

	Products   *ProductsService
	Orders     *OrdersService
	Customers  *CustomersService
	Categories *CategoriesService
	Coupons    *CouponsService
	Promotions *PromotionsService
	Carts      *CartsService
	Profile    *ProfileService
}

// Option configures a Client.
type Option func(*Client)

// WithBaseURL sets the API root the store id is appended to; the default is
// DefaultBaseURL. Point it at an ecwidtest.Server's APIRoot in tests. A URL
// that already contains "{storeId}" has the placeholder replaced instead.
func WithBaseURL(u string) Option {
	return func(c *Client) { c.root = u }
}

// WithHTTPClient sets the *http.Client used for requests. Its Timeout, if
// any, applies to each attempt; prefer context deadlines and WithTimeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.hc = hc
		}
	}
}

// WithLimiter replaces the shared per-token limiter. A nil Limiter disables
// client-side pacing (for tests against a fake).
func WithLimiter(l Limiter) Option {
	return func(c *Client) { c.limiter = l }
}

// WithLogger sets the logger. Requests are logged at debug level, retries
// at warn level, never with the token or the query string (it may hold
// e-mail addresses). The default discards everything.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) {
		if l != nil {
			c.log = l
		}
	}
}

// WithTimeout sets the deadline given to calls whose context has none
// (default DefaultTimeout). It covers the whole call, retries included.
// Zero means no default deadline.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) { c.timeout = d }
}

// WithMaxRetries sets how many times one call is retried after a 429, a 5xx
// or a transport failure (default DefaultMaxRetries). Zero disables retries.
func WithMaxRetries(n int) Option {
	return func(c *Client) { c.maxRetries = max(n, 0) }
}

// WithMaxRetryAfter caps how long the client waits on a 429 before retrying
// (default DefaultMaxRetryAfter). A longer Retry-After ends the call with the
// 429 *Error, whose RetryAfter tells the caller when to come back.
func WithMaxRetryAfter(d time.Duration) Option {
	return func(c *Client) { c.maxRetryAfter = d }
}

// WithRetryBackoff sets the bounds of the jittered exponential backoff
// between retries of 5xx answers and transport failures.
func WithRetryBackoff(lo, hi time.Duration) Option {
	return func(c *Client) { c.backoffMin, c.backoffMax = lo, max(hi, lo) }
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *Client) { c.userAgent = ua }
}

// New returns a client for store storeID authenticating with the secret (or
// public) access token.
func New(storeID int64, token string, opts ...Option) *Client {
	c := &Client{
		storeID:       storeID,
		token:         token,
		root:          DefaultBaseURL,
		hc:            &http.Client{Transport: http.DefaultTransport},
		limiter:       SharedLimiter(token),
		log:           slog.New(slog.DiscardHandler),
		timeout:       DefaultTimeout,
		maxRetries:    DefaultMaxRetries,
		maxRetryAfter: DefaultMaxRetryAfter,
		backoffMin:    defaultBackoffMin,
		backoffMax:    defaultBackoffMax,
		userAgent:     userAgent,
		now:           time.Now,
	}
	for _, o := range opts {
		o(c)
	}
	sid := strconv.FormatInt(storeID, 10)
	root := strings.TrimRight(c.root, "/")
	if strings.Contains(root, "{storeId}") {
		root = strings.ReplaceAll(root, "{storeId}", sid)
	} else {
		root += "/" + sid
	}
	c.root = root
	c.Products = &ProductsService{c}
	c.Orders = &OrdersService{c}
	c.Customers = &CustomersService{c}
	c.Categories = &CategoriesService{c}
	c.Coupons = &CouponsService{c}
	c.Promotions = &PromotionsService{c}
	c.Carts = &CartsService{c}
	c.Profile = &ProfileService{c}
	return c
}

// StoreID returns the store the client talks to.
func (c *Client) StoreID() int64 { return c.storeID }

// BaseURL returns the store's API root, e.g.
// "https://app.ecwid.com/api/v3/1003".
func (c *Client) BaseURL() string { return c.root }

// Do sends one request to path (relative to the store root, e.g.
// "/orders/last") with the client's auth, limiter, timeout and retry policy,
// and decodes a 2xx JSON answer into out (unless out is nil). body, if not
// nil, is sent as JSON. Errors are *Error for non-2xx answers.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("ecwid: encode %s %s body: %w", method, path, err)
		}
	}
	if _, ok := ctx.Deadline(); !ok && c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	u := c.root + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	// Only requests Ecwid cannot have acted on twice are repeated after an
	// ambiguous failure; POST (create) is not.
	idempotent := method == http.MethodGet || method == http.MethodPut ||
		method == http.MethodDelete || method == http.MethodHead

	for attempt := 0; ; attempt++ {
		if c.limiter != nil {
			if err := c.limiter.Wait(ctx); err != nil {
				return c.ctxErr(ctx, method, path, fmt.Errorf("rate limiter: %w", err))
			}
		}
		start := c.now()
		status, resp, respBody, err := c.send(ctx, method, u, payload)
		if err != nil {
			if ctx.Err() != nil {
				return c.ctxErr(ctx, method, path, err)
			}
			if !idempotent || attempt >= c.maxRetries {
				return fmt.Errorf("ecwid: %s %s: %w", method, path, err)
			}
			wait := c.backoff(attempt)
			c.log.WarnContext(ctx, "ecwid: retrying after transport error",
				"method", method, "path", path, "attempt", attempt+1, "wait", wait, "err", err)
			if werr := c.sleep(ctx, wait); werr != nil {
				return c.ctxErr(ctx, method, path, err)
			}
			continue
		}
		c.log.DebugContext(ctx, "ecwid: request", "method", method, "path", path,
			"status", status, "attempt", attempt+1, "duration", c.now().Sub(start))

		if status >= 200 && status < 300 {
			if out == nil || len(bytes.TrimSpace(respBody)) == 0 {
				return nil
			}
			if err := json.Unmarshal(respBody, out); err != nil {
				return fmt.Errorf("ecwid: %s %s: %w: %w", method, path, ErrMalformedResponse, err)
			}
			return nil
		}

		apiErr := newAPIError(resp, respBody, c.now())
		apiErr.Method, apiErr.Path = method, path
		var wait time.Duration
		switch {
		case status == http.StatusTooManyRequests:
			wait = apiErr.RetryAfter
			if !apiErr.retryAfterSent {
				wait = DefaultRetryAfter
			}
			if wait > c.maxRetryAfter {
				return apiErr
			}
		case status >= 500 || status == http.StatusRequestTimeout:
			if !idempotent {
				return apiErr
			}
			wait = c.backoff(attempt)
		default:
			return apiErr
		}
		if attempt >= c.maxRetries {
			return apiErr
		}
		if dl, ok := ctx.Deadline(); ok && c.now().Add(wait).After(dl) {
			// Waiting would outlive the call; let the caller reschedule.
			return apiErr
		}
		c.log.WarnContext(ctx, "ecwid: retrying", "method", method, "path", path,
			"status", status, "code", apiErr.Code, "attempt", attempt+1, "wait", wait)
		if err := c.sleep(ctx, wait); err != nil {
			return c.ctxErr(ctx, method, path, apiErr)
		}
	}
}

// ErrMalformedResponse is wrapped by errors for 2xx answers whose body is
// not the JSON expected.
var ErrMalformedResponse = errors.New("malformed response")

func (c *Client) send(ctx context.Context, method, u string, payload []byte) (int, *http.Response, []byte, error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		// Keep the query (it may hold e-mail addresses) out of errors and logs.
		if ue, ok := err.(*url.Error); ok {
			ue.URL, _, _ = strings.Cut(ue.URL, "?")
		}
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("read response: %w", err)
	}
	return resp.StatusCode, resp, body, nil
}

func (c *Client) ctxErr(ctx context.Context, method, path string, err error) error {
	cause := context.Cause(ctx)
	if cause == nil {
		// The limiter refuses waits that would outlive the deadline.
		cause = context.DeadlineExceeded
	}
	if !errors.Is(err, cause) {
		err = fmt.Errorf("%w (%w)", cause, err)
	}
	return &callerContextError{fmt.Errorf("ecwid: %s %s: %w", method, path, err)}
}

// backoff returns the wait before retry attempt+1: exponential from
// backoffMin, capped at backoffMax, with full jitter over its upper half.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.backoffMin << min(attempt, 20)
	if d > c.backoffMax || d <= 0 {
		d = c.backoffMax
	}
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(half+1)
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// get is Do for GET with an optional responseFields selection.
func (c *Client) get(ctx context.Context, path string, q url.Values, out any) error {
	return c.Do(ctx, http.MethodGet, path, q, nil, out)
}

func fieldsQuery(fields []string) url.Values {
	if len(fields) == 0 {
		return nil
	}
	return url.Values{"responseFields": {strings.Join(fields, ",")}}
}

func idPath(prefix string, id string) string {
	return prefix + "/" + url.PathEscape(id)
}

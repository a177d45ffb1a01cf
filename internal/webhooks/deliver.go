package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	// MaxResponseRead is the most Deliver reads of a response body; the rest
	// is discarded unread (the connection is then not reused).
	MaxResponseRead = 64 << 10
	// SnippetLen is the most bytes of a response body kept in
	// Outcome.Snippet for the delivery log.
	SnippetLen = 512
	// MaxRetryAfter caps the Retry-After a receiver can ask for.
	MaxRetryAfter = time.Hour

	// UserAgent is sent when Request.Header has none.
	UserAgent = "Rebound-Webhooks/1"
)

// Request is one delivery attempt.
type Request struct {
	URL  string
	Body []byte // sent as is; it must be the bytes that were signed
	// Header is added to the request (signature headers, Authorization...).
	// Content-Type defaults to application/json and User-Agent to
	// UserAgent when Header does not set them.
	Header http.Header
}

// Outcome is the result of one delivery attempt, for the delivery log and
// the retry decision. Exactly one of Success and Retryable is true, except
// for a permanent failure where both are false.
type Outcome struct {
	// StatusCode is the HTTP status received, 0 if there was no response.
	StatusCode int
	// Latency is from sending the request to having read the response body
	// (or to the error).
	Latency time.Duration
	// Err is empty on success; otherwise a short description for the
	// delivery log: "HTTP 503 Service Unavailable", a network error, a
	// timeout, or the reason a target was refused.
	Err string
	// Snippet is the start of the response body (at most SnippetLen bytes,
	// cut at a UTF-8 boundary, invalid UTF-8 replaced), for the delivery log.
	Snippet string
	// Success: the receiver answered 2xx.
	Success bool
	// Retryable: the attempt failed in a way worth retrying: status 408,
	// 409, 425, 429 or 5xx, a network error, a timeout, or ctx cancelled.
	Retryable bool
	// Refused: the target was refused by the Guard (a non-public address or
	// a non-https URL); never retryable. Err says why, for the merchant.
	Refused bool
	// RetryAfter is the receiver's Retry-After (delta-seconds or HTTP-date),
	// capped at MaxRetryAfter; 0 if absent, unparseable or in the past.
	RetryAfter time.Duration
}

// Deliver makes one POST of req.Body to req.URL with client (normally from
// Guard.Client, whose timeout bounds the attempt) and classifies the result.
// It never returns an error: failures are in the Outcome.
//
// Status rules: 2xx is success. 408, 409, 425, 429 and 5xx are retryable.
// Every other status is a permanent failure, including 3xx (redirects are
// not followed) and 410. Network errors and timeouts are retryable; a target
// refused by the Guard and a URL that cannot be requested are not. A
// deadline on ctx counts as a timeout. When ctx is cancelled (e.g. the
// worker shuts down) the Outcome is retryable with Err "canceled: <cause>";
// callers can tell this case apart with ctx.Err() and need not count it as
// a failed attempt (the receiver may or may not have got the request).
//
// At most MaxResponseRead bytes of the body are read; the body is closed.
func Deliver(ctx context.Context, client *http.Client, req Request) Outcome {
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return Outcome{Err: "invalid URL: " + err.Error()}
	}
	for k, vs := range req.Header {
		hr.Header[k] = append([]string(nil), vs...)
	}
	if hr.Header.Get("Content-Type") == "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if _, ok := hr.Header["User-Agent"]; !ok {
		hr.Header.Set("User-Agent", UserAgent)
	}

	start := time.Now()
	resp, err := client.Do(hr)
	if err != nil {
		return errorOutcome(ctx, err, time.Since(start))
	}
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, MaxResponseRead))
	resp.Body.Close()
	o := Outcome{
		StatusCode: resp.StatusCode,
		Latency:    time.Since(start),
		Snippet:    snippet(body),
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
	}
	switch c := resp.StatusCode; {
	case c >= 200 && c <= 299:
		o.Success = true
		// A 2xx whose body could not be read is still a delivery: the
		// receiver has accepted it.
		return o
	case c == http.StatusRequestTimeout, c == http.StatusConflict, c == http.StatusTooEarly,
		c == http.StatusTooManyRequests, c >= 500 && c <= 599:
		o.Retryable = true
	}
	o.Err = "HTTP " + strconv.Itoa(resp.StatusCode)
	if t := http.StatusText(resp.StatusCode); t != "" {
		o.Err += " " + t
	}
	if c := resp.StatusCode; c >= 300 && c <= 399 {
		o.Err += " (redirects are not followed"
		if loc := resp.Header.Get("Location"); loc != "" {
			o.Err += "; Location: " + truncate(loc, 200)
		}
		o.Err += ")"
	}
	if readErr != nil && !o.Retryable {
		o.Err += "; reading body: " + readErr.Error()
	}
	return o
}

func errorOutcome(ctx context.Context, err error, latency time.Duration) Outcome {
	o := Outcome{Latency: latency}
	var refused *RefusedError
	var invalid *InvalidURLError
	switch {
	case errors.As(err, &refused):
		o.Refused = true
		o.Err = "refused: " + refused.Error() + "; webhooks are only sent to public internet addresses"
	case errors.As(err, &invalid):
		o.Refused = true
		o.Err = "refused: " + invalid.Error()
	case errors.Is(ctx.Err(), context.Canceled):
		o.Retryable = true
		o.Err = "canceled: " + context.Cause(ctx).Error()
	case isTimeout(err): // the client's timeout or ctx's deadline
		o.Retryable = true
		o.Err = fmt.Sprintf("timed out after %v: %v", latency.Round(time.Millisecond), unwrapURLError(err))
	default:
		o.Retryable = true
		o.Err = unwrapURLError(err).Error()
	}
	return o
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &t) && t.Timeout())
}

// unwrapURLError drops the `Post "https://...": ` prefix of *url.Error; the
// URL is known to whoever reads the delivery log.
func unwrapURLError(err error) error {
	if u, ok := err.(*url.Error); ok && u.Err != nil {
		return u.Err
	}
	return err
}

// parseRetryAfter returns the wait a Retry-After header value asks for,
// relative to now: delta-seconds or an HTTP-date, capped at MaxRetryAfter;
// 0 for an empty, malformed or past value.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseUint(v, 10, 64); err == nil {
		if n > uint64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), MaxRetryAfter)
}

func snippet(b []byte) string {
	if len(b) > SnippetLen {
		b = b[:SnippetLen]
		// Drop a rune cut in half by the limit.
		for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
			if utf8.RuneStart(b[i]) {
				if !utf8.FullRune(b[i:]) {
					b = b[:i]
				}
				break
			}
		}
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "..."
}

package ecwid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Error codes Ecwid puts in errorCode. The list is not exhaustive; Code
// holds whatever Ecwid sent.
const (
	CodeWrongParameter       = "WRONG_PARAMETER"
	CodeNotAvailableOnPlan   = "NOT_AVAILABLE_ON_CURRENT_PLAN"
	CodeStoreIsSuspended     = "STORE_IS_SUSPENDED"
	CodeInsufficientAppScope = "INSUFFICIENT_APP_SCOPE"
	CodeInvalidAPIToken      = "INVALID_API_TOKEN"
	CodeStoreNotFound        = "STORE_NOT_FOUND"
	CodeProfileNotFound      = "PROFILE_NOT_FOUND"
	CodeOrderNotFound        = "ORDER_NOT_FOUND"
	CodeCheckoutNotFound     = "CHECKOUT_NOT_FOUND"
	CodeProductNotFound      = "PRODUCT_NOT_FOUND"
	CodeCategoriesNotFound   = "CATEGORIES_NOT_FOUND"
	CodePromotionNotFound    = "PROMOTION_NOT_FOUND"
	CodeCouponNotFound       = "DISCOUNT_COUPON_NOT_FOUND"
	CodeMethodNotAllowed     = "METHOD_NOT_ALLOWED"
	CodeTimeout              = "TIMEOUT"
	CodeExternalIDUsed       = "EXTERNAL_ID_ALREADY_USED"
	CodeConstraintViolation  = "CONSTRAINT_VIOLATION"
	CodeSKUAlreadyExists     = "SKU_ALREADY_EXISTS"
	CodeWrongURL             = "WRONG_URL"
	CodeRateLimited          = "RATE_LIMITED"
	CodeInternalError        = "INTERNAL_ERROR"
)

// Error is a non-2xx answer from Ecwid.
type Error struct {
	Status  int    // HTTP status code
	Code    string // Ecwid's errorCode; may be empty (older endpoints send only a message)
	Message string // Ecwid's errorMessage, else the HTTP reason phrase or a body excerpt
	// Args holds the optional "args" object some errors carry.
	Args map[string]string
	// RetryAfter is the cooldown Ecwid asked for with a 429 (Retry-After
	// header); zero when absent.
	RetryAfter time.Duration
	Method     string // request method
	Path       string // request path below the store root, without query

	retryAfterSent bool // a parseable Retry-After header was present
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("ecwid: ")
	if e.Method != "" {
		b.WriteString(e.Method + " " + e.Path + ": ")
	}
	b.WriteString(strconv.Itoa(e.Status))
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

// Temporary reports whether the same request may succeed later: 408, 429
// and 5xx.
func (e *Error) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status == http.StatusRequestTimeout || e.Status >= 500
}

// AsError returns the *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// IsAuth reports whether err is a 401 or 403 from Ecwid: a bad token or a
// token lacking the scope for the call. Retrying will not help.
func IsAuth(err error) bool {
	e := AsError(err)
	return e != nil && (e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden)
}

// IsNotFound reports whether err is a 404 from Ecwid.
func IsNotFound(err error) bool {
	e := AsError(err)
	return e != nil && e.Status == http.StatusNotFound
}

// IsRateLimited reports whether err is a 429 from Ecwid. Its RetryAfter says
// how long to wait.
func IsRateLimited(err error) bool {
	e := AsError(err)
	return e != nil && e.Status == http.StatusTooManyRequests
}

// IsRetryable reports whether err is transient: a 408, 429 or 5xx from
// Ecwid, or a network failure (timeout, refused or reset connection,
// truncated response). Cancellation or expiry of the caller's own context is
// not retryable.
//
// Retryable does not mean safe to repeat: after a 5xx or a network failure
// on a create request the order may exist. See the package documentation.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	if e := AsError(err); e != nil {
		return e.Temporary()
	}
	var ce *callerContextError
	if errors.As(err, &ce) {
		return false
	}
	return isTransportTransient(err)
}

// callerContextError marks an error caused by the caller's context ending.
type callerContextError struct{ err error }

func (e *callerContextError) Error() string { return e.err.Error() }
func (e *callerContextError) Unwrap() error { return e.err }

func isTransportTransient(err error) bool {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe)
}

// errorBody is the JSON Ecwid sends with errors.
type errorBody struct {
	ErrorMessage string            `json:"errorMessage"`
	ErrorCode    string            `json:"errorCode"`
	Args         map[string]string `json:"args"`
}

// newAPIError builds an *Error from a non-2xx response. The body may be
// empty, Ecwid's JSON, or something else entirely (a proxy's HTML page).
func newAPIError(resp *http.Response, body []byte, now time.Time) *Error {
	e := &Error{Status: resp.StatusCode}
	var eb errorBody
	if len(body) > 0 && json.Unmarshal(body, &eb) == nil {
		e.Code, e.Message, e.Args = eb.ErrorCode, eb.ErrorMessage, eb.Args
	}
	if e.Message == "" {
		// Older endpoints put the message in the status line
		// ("400 Field OrderItem.quantity is absent").
		reason := strings.TrimSpace(strings.TrimPrefix(resp.Status, strconv.Itoa(resp.StatusCode)))
		switch {
		case reason != "" && reason != http.StatusText(resp.StatusCode):
			e.Message = reason
		case len(body) > 0 && !json.Valid(body):
			e.Message = excerpt(body, 200)
		default:
			e.Message = http.StatusText(resp.StatusCode)
		}
	}
	if v := resp.Header.Get("Retry-After"); v != "" {
		e.RetryAfter, e.retryAfterSent = parseRetryAfter(v, now)
	}
	return e
}

// parseRetryAfter reads a Retry-After value: delay seconds (Ecwid's form) or
// an HTTP date. ok is false for anything unparseable.
func parseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		n = min(max(n, 0), 24*3600)
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

func excerpt(b []byte, n int) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

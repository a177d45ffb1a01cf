package returns

import (
	"errors"
	"fmt"
)

// Application error codes. Adapters map them to transport errors in one place
// (HTTP: internal/httpx.StatusOf).
const (
	EINVALID      = "invalid"      // bad input: 400
	EUNAUTHORIZED = "unauthorized" // missing or bad credentials: 401
	EFORBIDDEN    = "forbidden"    // authenticated but not allowed: 403
	ENOTFOUND     = "not_found"    // 404
	ECONFLICT     = "conflict"     // state conflict: 409
	// EUNPROCESSABLE: well-formed input that contradicts earlier input (an
	// Idempotency-Key reused with another body): 422.
	EUNPROCESSABLE = "unprocessable"
	ETOOMANY       = "too_many"    // a rate limit was exceeded: 429
	EUPSTREAM      = "upstream"    // a third-party service failed or could not be reached: 502
	EUNAVAILABLE   = "unavailable" // the database or another dependency is down for now: 503
	EINTERNAL      = "internal"    // 500
)

// Error is an application error with a code and a message that is safe to
// show to API users. Fields optionally names the offending input field paths.
type Error struct {
	Code    string
	Message string
	Field   string // dotted/bracketed path of the offending field, when one is known
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of the first *Error in err's
// chain, or "Internal error." for any other error.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// IsNotFound reports whether err carries ENOTFOUND.
func IsNotFound(err error) bool { return ErrorCode(err) == ENOTFOUND }

// PrefixField returns err with prefix put before the Field of its
// EINVALID *Error ("windowDays" → "policy.windowDays"), so that an error
// found inside a member names its place in the whole input. Other errors,
// and EINVALID errors naming no field, are returned as they are.
func PrefixField(err error, prefix string) error {
	var e *Error
	if errors.As(err, &e) && e.Field != "" && e.Code == EINVALID {
		c := *e
		c.Field = prefix + c.Field
		return &c
	}
	return err
}

// Invalid returns an EINVALID *Error naming field.
func Invalid(field, msg string) *Error {
	return &Error{Code: EINVALID, Field: field, Message: msg}
}

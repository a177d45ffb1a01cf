package shipping

import (
	"errors"
	"fmt"
	"strings"
)

// ErrorCode classifies an *Error so that a surface can map it to its
// transport in one place.
type ErrorCode string

// Error codes. Suggested HTTP mapping in brackets.
const (
	// EInvalid: the input is malformed or incomplete; Field (and Fields)
	// name the offending input. Not retryable. [400]
	EInvalid ErrorCode = "invalid"
	// ENotFound: the shipment, tracking number or rate does not exist. [404]
	ENotFound ErrorCode = "not_found"
	// EConflict: the request contradicts the current state (voiding a
	// delivered shipment, an idempotency key reused with another request). [409]
	EConflict ErrorCode = "conflict"
	// EUnavailable: the carrier could not be reached, timed out, was rate
	// limited or failed internally. The outcome of a write is uncertain;
	// retrying the same request (same idempotency key) is safe. [503]
	EUnavailable ErrorCode = "carrier_unavailable"
	// ERefused: the carrier answered and refused the request (bad address,
	// invalid parameters, unknown rate, bad credentials). Retrying the same
	// request will fail the same way; CarrierCode and Message carry the
	// carrier's own code and message. [422]
	ERefused ErrorCode = "carrier_refused"
	// EInternal: a bug or an unexpected answer. [500]
	EInternal ErrorCode = "internal"
)

// FieldError names one bad input field.
type FieldError struct {
	// Field is the path of the offending field: dotted members and
	// bracketed indexes, e.g. "parcel.weight.unit" or "zones[1].countries[0]".
	Field   string
	Message string
}

func (f FieldError) String() string {
	if f.Field == "" {
		return f.Message
	}
	return f.Field + ": " + f.Message
}

// Error is a shipping error with a code, a message safe to show to API
// users, and, for EInvalid and ERefused, the fields at fault.
type Error struct {
	Code    ErrorCode
	Message string
	// Fields lists every bad field found, in input order. For a single bad
	// field it has one element.
	Fields []FieldError
	// Carrier names the carrier that answered ("easypost"), for EUnavailable
	// and ERefused.
	Carrier string
	// CarrierCode is the carrier's own error code, e.g.
	// "ADDRESS.VERIFY.FAILURE"; empty when the carrier gave none.
	CarrierCode string
	// HTTPStatus is the status the carrier answered with, 0 when no answer
	// was received.
	HTTPStatus int
	// Err is the underlying cause (a network error, say), if any.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Code))
	if e.Carrier != "" {
		b.WriteString(" (" + e.Carrier)
		if e.CarrierCode != "" {
			b.WriteString(" " + e.CarrierCode)
		}
		b.WriteString(")")
	}
	b.WriteString(": ")
	b.WriteString(e.Message)
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f.String())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Field returns the path of the first bad field, or "".
func (e *Error) Field() string {
	if len(e.Fields) == 0 {
		return ""
	}
	return e.Fields[0].Field
}

// Retryable reports whether retrying the same request may succeed.
func (e *Error) Retryable() bool { return e.Code == EUnavailable }

// Errorf returns an *Error with the code and formatted message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EInvalid error naming one field.
func Invalid(field, message string) *Error {
	return &Error{Code: EInvalid, Message: "invalid input", Fields: []FieldError{{Field: field, Message: message}}}
}

// Code returns the code of the first *Error in err's chain, EInternal for
// any other non-nil error and "" for nil.
func Code(err error) ErrorCode {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// IsRetryable reports whether err is an *Error with code EUnavailable.
func IsRetryable(err error) bool { return Code(err) == EUnavailable }

// fieldErrors collects field errors while validating a value.
type fieldErrors []FieldError

func (fe *fieldErrors) add(field, format string, args ...any) {
	*fe = append(*fe, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (fe fieldErrors) err() error {
	if len(fe) == 0 {
		return nil
	}
	return &Error{Code: EInvalid, Message: "invalid input", Fields: fe}
}

// Fields returns the field errors of err if it is an EInvalid (or ERefused)
// *Error, with prefix put before each field path ("weight" → "parcel.weight"),
// so that an error found in a member names its place in the whole input.
// Other errors yield a single FieldError with an empty path.
func Fields(err error, prefix string) []FieldError {
	var e *Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return []FieldError{{Field: strings.TrimSuffix(prefix, "."), Message: err.Error()}}
	}
	out := make([]FieldError, len(e.Fields))
	for i, f := range e.Fields {
		out[i] = FieldError{Field: joinPath(prefix, f.Field), Message: f.Message}
	}
	return out
}

// joinPath joins a prefix ("parcel") and a path ("weight.unit" or "[0]").
func joinPath(prefix, path string) string {
	switch {
	case prefix == "":
		return path
	case path == "":
		return prefix
	case strings.HasPrefix(path, "["):
		return prefix + path
	}
	return prefix + "." + path
}

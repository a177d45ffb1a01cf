package ecwidsync

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/reboundhq/rebound/internal/ecwid"
)

// Class is what a caller should do about an error of this package.
type Class int

const (
	// None is the class of a nil error.
	None Class = iota
	// Retryable failures may succeed later: Ecwid 5xx, 408 and 429
	// answers, timeouts, network failures, unreadable answers, and errors
	// this package does not recognise. Retry with backoff (after a 429, not
	// before the *ecwid.Error's RetryAfter).
	Retryable
	// Permanent failures will fail again the same way: an incomplete
	// address (*AddressError), unusable input (*InputError), or an Ecwid
	// 4xx answer other than 401, 403, 408 and 429. Do not retry; show
	// Reason on the return's timeline.
	Permanent
	// Auth failures are Ecwid 401 and 403 answers: the access token is
	// invalid, revoked or lacks a scope (create_orders, update_orders,
	// read_orders). Do not retry; mark the integration failing with Reason
	// until the merchant fixes it.
	Auth
)

func (c Class) String() string {
	switch c {
	case None:
		return "none"
	case Retryable:
		return "retryable"
	case Permanent:
		return "permanent"
	case Auth:
		return "auth"
	}
	return fmt.Sprintf("Class(%d)", int(c))
}

// Classify returns err's class (see Class). It looks through wrapping, so
// errors returned by the ecwid client directly classify the same way.
func Classify(err error) Class {
	if err == nil {
		return None
	}
	var ae *AddressError
	var ie *InputError
	if errors.As(err, &ae) || errors.As(err, &ie) {
		return Permanent
	}
	if e := ecwid.AsError(err); e != nil {
		switch {
		case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
			return Auth
		case e.Status == http.StatusTooManyRequests || e.Status == http.StatusRequestTimeout || e.Status >= 500:
			return Retryable
		case e.Status >= 400:
			return Permanent
		}
		return Retryable
	}
	return Retryable
}

// UncertainError wraps the failure of a Mirror call after which an Ecwid
// order for the return may exist. Uncertain reports it.
type UncertainError struct {
	Err error
}

func (e *UncertainError) Error() string {
	return e.Err.Error() + " (the Ecwid order may have been created)"
}

func (e *UncertainError) Unwrap() error { return e.Err }

// Uncertain reports whether err leaves open whether Ecwid created the order,
// so that the next Mirror call for the same return must pass
// uncertain=true.
func Uncertain(err error) bool {
	var ue *UncertainError
	return errors.As(err, &ue)
}

// Reason returns the sentence explaining err to a merchant, for the
// return's timeline or the integration's status: the address parts missing,
// or Ecwid's HTTP status, errorCode and errorMessage verbatim, e.g.
// "Ecwid answered 400 WRONG_PARAMETER: Field OrderItem.quantity is absent".
// It returns "" for a nil error.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	var ae *AddressError
	if errors.As(err, &ae) {
		return "Not sent to Ecwid: " + ae.Error() + "."
	}
	var ie *InputError
	if errors.As(err, &ie) {
		return "Not sent to Ecwid: " + ie.Message + "."
	}
	if e := ecwid.AsError(err); e != nil {
		s := fmt.Sprintf("Ecwid answered %d", e.Status)
		if e.Code != "" {
			s += " " + e.Code
		}
		if e.Message != "" {
			s += ": " + e.Message
		}
		if Classify(err) == Auth {
			s += " (check the access token and its scopes)"
		}
		return s
	}
	return err.Error()
}

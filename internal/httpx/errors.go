package httpx

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/reboundhq/rebound/internal/returns"
)

// Error is an error with an explicit HTTP status and, optionally, a
// problem type, title and field tree. Handlers return it for transport
// conditions (415, 413, a malformed body); application errors are
// *returns.Error values that Classify maps.
type Error struct {
	Status int
	Type   string // problem type URI; "" means about:blank
	Title  string // "" means the status text
	Detail string
	// Errors is a field tree (member path → message) for 400s.
	Errors map[string]any
	// CurrentStatus and RequestedStatus explain a 409 for an illegal
	// return status transition.
	CurrentStatus, RequestedStatus string
	// Err is the error this one classifies, if any.
	Err error
}

func (e *Error) Error() string { return e.Detail }
func (e *Error) Unwrap() error { return e.Err }

// StatusError returns an *Error with that status and detail.
func StatusError(status int, detail string) *Error {
	return &Error{Status: status, Detail: detail}
}

// StatusOf is the one table from application error codes to HTTP
// statuses; any unknown code is 500.
func StatusOf(code string) int {
	switch code {
	case returns.EINVALID:
		return http.StatusBadRequest
	case returns.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case returns.EFORBIDDEN:
		return http.StatusForbidden
	case returns.ENOTFOUND:
		return http.StatusNotFound
	case returns.ECONFLICT:
		return http.StatusConflict
	case returns.EUNPROCESSABLE:
		return http.StatusUnprocessableEntity
	case returns.ETOOMANY:
		return http.StatusTooManyRequests
	case returns.EUPSTREAM:
		return http.StatusBadGateway
	case returns.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// ProblemIllegalTransition is the problem type of a 409 for a return
// status change the lifecycle does not allow.
const ProblemIllegalTransition = "com.rebound:return/illegal-transition"

// Classify maps any error to an *Error: an *Error in err's chain as it is;
// a list of field errors (errors.Join of EINVALID *returns.Error values
// naming fields) to a 400 with a field tree; an illegal status transition
// to a 409 naming both statuses; a request past its deadline
// (context.DeadlineExceeded) to a 503; any other *returns.Error by StatusOf, its
// detail naming the field. It is where application errors become HTTP.
func Classify(err error) *Error {
	var he *Error
	if errors.As(err, &he) {
		return he
	}
	if errors.Is(err, context.DeadlineExceeded) && returns.ErrorCode(err) == returns.EINTERNAL {
		// The request's deadline passed (the server's request timeout):
		// the server is too slow or a dependency does not answer.
		return &Error{Status: http.StatusServiceUnavailable, Detail: "the request did not complete within its deadline; retry later", Err: err}
	}
	if fe := FieldErrors(err); fe != nil {
		details := make([]string, 0, len(fe))
		tree := make(map[string]any, len(fe))
		for _, e := range fe {
			details = append(details, e.Field+": "+e.Message)
			tree[e.Field] = e.Message
		}
		return &Error{Status: http.StatusBadRequest, Detail: strings.Join(details, "; "), Errors: tree, Err: err}
	}
	if te, ok := returns.IsTransitionError(err); ok {
		return &Error{Status: http.StatusConflict, Type: ProblemIllegalTransition, Title: "Illegal status transition",
			Detail: returns.ErrorMessage(err), CurrentStatus: string(te.From), RequestedStatus: string(te.To), Err: err}
	}
	detail := returns.ErrorMessage(err)
	var ae *returns.Error
	if errors.As(err, &ae) && ae.Field != "" {
		detail = ae.Field + ": " + ae.Message
	}
	return &Error{Status: StatusOf(returns.ErrorCode(err)), Detail: detail, Err: err}
}

// FieldErrors returns the EINVALID errors of an errors.Join of several
// *returns.Error values naming fields (validation reports every bad field
// at once), or nil if err is not such a list.
func FieldErrors(err error) []*returns.Error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return nil
	}
	var out []*returns.Error
	for _, e := range j.Unwrap() {
		var re *returns.Error
		if !errors.As(e, &re) || re.Code != returns.EINVALID || re.Field == "" {
			return nil
		}
		out = append(out, re)
	}
	return out
}

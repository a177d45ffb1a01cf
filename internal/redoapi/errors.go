package redoapi

import (
	"errors"
	"net/http"

	"github.com/reboundhq/rebound/internal/customorder"
	"github.com/reboundhq/rebound/internal/httpx"
)

// errStyle selects the error body an endpoint uses. Rebound answers
// RFC 9457 problem+json everywhere except where Redo's API prescribes
// another shape for some statuses.
type errStyle int

const (
	styleProblem errStyle = iota
	// styleCustomOrder is Redo's Sync Custom Order: {"error", "errors"?} as
	// application/json for 400, 401 and 500; problem+json otherwise.
	styleCustomOrder
	// styleOrdersAPI is Redo's Orders API: {"error"} as application/json for
	// 401 and 404; problem+json otherwise.
	styleOrdersAPI
	// styleOrderCreate is the Orders API's Create Order: {"error"} as
	// application/json for 400, 401 and 409; problem+json otherwise.
	styleOrderCreate
	// styleFulfillment is the Orders API's fulfillment operations (create,
	// shipment status): {"error"} as application/json for 400, 401 and
	// 404; problem+json otherwise.
	styleFulfillment
	// styleReturnCreate is Redo's Return create and Import returns: the
	// problem body, but as application/json for 400, 404 and 409.
	styleReturnCreate
)

// problemAsJSON reports whether the problem body goes out as
// application/json for this status.
func (s errStyle) problemAsJSON(status int) bool {
	return s == styleReturnCreate && (status == 400 || status == 404 || status == 409)
}

func (s errStyle) plainFor(status int) bool {
	switch s {
	case styleCustomOrder:
		return status == 400 || status == 401 || status == 500
	case styleOrdersAPI:
		return status == 401 || status == 404
	case styleOrderCreate:
		return status == 400 || status == 401 || status == 409
	case styleFulfillment:
		return status == 400 || status == 401 || status == 404
	}
	return false
}

// Problem types of Redo's answers.
const (
	problemScopeForbidden = "com.getredo.api:scope/forbidden"
	problemStoreForbidden = "com.getredo.api:store/forbidden"
)

// statusError is httpx.StatusError.
func statusError(status int, detail string) *httpx.Error { return httpx.StatusError(status, detail) }

// classifyOrderErrors maps the custom order decoder's errors (a field tree
// of everything wrong) to 400s; other errors pass through for
// httpx.Classify.
func classifyOrderErrors(err error) error {
	var ve *customorder.ValidationError
	if errors.As(err, &ve) {
		return &httpx.Error{Status: http.StatusBadRequest, Detail: ve.Error(), Errors: ve.Tree(), Err: err}
	}
	var se *customorder.SyntaxError
	if errors.As(err, &se) {
		return &httpx.Error{Status: http.StatusBadRequest, Detail: se.Error(), Err: err}
	}
	return err
}

// writeError answers err in the endpoint's style; server faults are logged
// (httpx.Resolve).
func writeError(w http.ResponseWriter, r *http.Request, style errStyle, err error) {
	e := httpx.Resolve(r, classifyOrderErrors(err))
	if style.plainFor(e.Status) {
		body := map[string]any{"error": e.Detail}
		if e.Errors != nil {
			body["errors"] = e.Errors
		}
		httpx.WriteJSON(w, e.Status, "application/json", body)
		return
	}
	ct := "application/problem+json"
	if style.problemAsJSON(e.Status) {
		ct = "application/json"
	}
	httpx.WriteJSON(w, e.Status, ct, httpx.ProblemOf(r, e))
}

// writerFor is the httpx.ErrorWriter of a style (used for panics).
func writerFor(style errStyle) httpx.ErrorWriter {
	return func(w http.ResponseWriter, r *http.Request, err error) { writeError(w, r, style, err) }
}

// errorsJoin is errors.Join (field errors reported together).
func errorsJoin(errs ...error) error { return errors.Join(errs...) }

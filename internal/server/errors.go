package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/reboundhq/rebound/internal/customorder"
	"github.com/reboundhq/rebound/internal/returns"
)

// errStyle selects the error body an endpoint uses. Rebound answers
// RFC 9457 problem+json everywhere except where a compatible API prescribes
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
	}
	return false
}

// Problem type of Redo's missing-scope answer.
const problemScopeForbidden = "com.getredo.api:scope/forbidden"

// httpError is an error with an explicit HTTP status and problem type.
type httpError struct {
	status int
	typ    string
	title  string
	detail string
	errors map[string]any // field tree, for styleCustomOrder 400s
	// current and requested are the statuses of an illegal transition.
	current, requested string
	wrapped            error
}

func (e *httpError) Error() string { return e.detail }
func (e *httpError) Unwrap() error { return e.wrapped }

func statusError(status int, detail string) *httpError {
	return &httpError{status: status, detail: detail}
}

// classify maps any error to status, problem type, title and detail. It is
// the one place application errors become HTTP.
func classify(err error) *httpError {
	var he *httpError
	if errors.As(err, &he) {
		return he
	}
	var ve *customorder.ValidationError
	if errors.As(err, &ve) {
		return &httpError{status: 400, detail: ve.Error(), errors: ve.Tree(), wrapped: err}
	}
	var se *customorder.SyntaxError
	if errors.As(err, &se) {
		return &httpError{status: 400, detail: se.Error(), wrapped: err}
	}
	if fe := fieldErrors(err); fe != nil {
		details := make([]string, 0, len(fe))
		tree := make(map[string]any, len(fe))
		for _, e := range fe {
			details = append(details, e.Field+": "+e.Message)
			tree[e.Field] = e.Message
		}
		return &httpError{status: http.StatusBadRequest, detail: strings.Join(details, "; "), errors: tree, wrapped: err}
	}
	if te, ok := returns.IsTransitionError(err); ok {
		return &httpError{status: http.StatusConflict, typ: "com.rebound:return/illegal-transition", title: "Illegal status transition",
			detail: returns.ErrorMessage(err), current: string(te.From), requested: string(te.To), wrapped: err}
	}
	var status int
	switch returns.ErrorCode(err) {
	case returns.EINVALID:
		status = http.StatusBadRequest
	case returns.EUNAUTHORIZED:
		status = http.StatusUnauthorized
	case returns.EFORBIDDEN:
		status = http.StatusForbidden
	case returns.ENOTFOUND:
		status = http.StatusNotFound
	case returns.ECONFLICT:
		status = http.StatusConflict
	case returns.EUNPROCESSABLE:
		status = http.StatusUnprocessableEntity
	case returns.EUPSTREAM:
		status = http.StatusBadGateway
	default:
		status = http.StatusInternalServerError
	}
	detail := returns.ErrorMessage(err)
	var ae *returns.Error
	if errors.As(err, &ae) && ae.Field != "" {
		detail = ae.Field + ": " + ae.Message
	}
	return &httpError{status: status, detail: detail, wrapped: err}
}

// fieldErrors returns the EINVALID errors of an errors.Join of several
// *returns.Error values naming fields (app validation reports every bad
// field at once), or nil if err is not such a list.
func fieldErrors(err error) []*returns.Error {
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

type problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail,omitempty"`
	Instance  string         `json:"instance,omitempty"`
	RequestID string         `json:"requestId,omitempty"`
	Errors    map[string]any `json:"errors,omitempty"`
	// CurrentStatus and RequestedStatus explain a 409 for an illegal
	// return status transition.
	CurrentStatus   string `json:"currentStatus,omitempty"`
	RequestedStatus string `json:"requestedStatus,omitempty"`
}

// writeError answers err in the endpoint's style and logs server faults.
func writeError(w http.ResponseWriter, r *http.Request, style errStyle, err error) {
	e := classify(err)
	if e.status == http.StatusInternalServerError {
		logger(r).Error("request failed", slog.Any("error", err))
		e.detail = "Internal error. Quote the request id when reporting it: " + requestID(r)
	}
	if style.plainFor(e.status) {
		body := map[string]any{"error": e.detail}
		if e.errors != nil {
			body["errors"] = e.errors
		}
		writeJSON(w, e.status, "application/json", body)
		return
	}
	typ, title := e.typ, e.title
	if typ == "" {
		typ = "about:blank"
	}
	if title == "" {
		title = http.StatusText(e.status)
	}
	ct := "application/problem+json"
	if style.problemAsJSON(e.status) {
		ct = "application/json"
	}
	writeJSON(w, e.status, ct, problem{
		Type: typ, Title: title, Status: e.status, Detail: e.detail,
		Instance: r.URL.Path, RequestID: requestID(r), Errors: e.errors,
		CurrentStatus: e.current, RequestedStatus: e.requested,
	})
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = 500
		contentType = "application/problem+json"
		b = fmt.Appendf(nil, `{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"encode response: %s"}`, err)
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

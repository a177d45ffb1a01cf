package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// Problem is an RFC 9457 problem+json body, with Rebound's members.
type Problem struct {
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

// StatusClientClosedRequest is the status recorded (access log, metrics)
// for a request its client abandoned before the answer: nginx's 499. The
// client never reads it.
const StatusClientClosedRequest = 499

// Resolve classifies err for the request r: it logs server faults (500)
// with the request's logger and replaces their detail with a message that
// quotes the request id, so nothing internal leaks. A request whose client
// went away (its context cancelled, err from that cancellation) is no
// server fault: it is logged at info level and resolved to
// StatusClientClosedRequest. Every surface's error writer starts with it.
func Resolve(r *http.Request, err error) *Error {
	if errors.Is(err, context.Canceled) && errors.Is(r.Context().Err(), context.Canceled) {
		Logger(r).Info("request abandoned by the client", slog.Any("error", err))
		return &Error{Status: StatusClientClosedRequest, Title: "Client Closed Request", Detail: "the client closed the connection before the answer", Err: err}
	}
	e := Classify(err)
	if e.Status == http.StatusInternalServerError {
		Logger(r).Error("request failed", slog.Any("error", err))
		c := *e
		c.Detail = "Internal error. Quote the request id when reporting it: " + RequestID(r)
		return &c
	}
	return e
}

// ProblemOf is e as a problem body for the request r.
func ProblemOf(r *http.Request, e *Error) Problem {
	typ, title := e.Type, e.Title
	if typ == "" {
		typ = "about:blank"
	}
	if title == "" {
		title = http.StatusText(e.Status)
	}
	return Problem{
		Type: typ, Title: title, Status: e.Status, Detail: e.Detail,
		Instance: r.URL.Path, RequestID: RequestID(r), Errors: e.Errors,
		CurrentStatus: e.CurrentStatus, RequestedStatus: e.RequestedStatus,
	}
}

// WriteProblem answers err as application/problem+json.
func WriteProblem(w http.ResponseWriter, r *http.Request, err error) {
	e := Resolve(r, err)
	WriteJSON(w, e.Status, "application/problem+json", ProblemOf(r, e))
}

// WriteJSON writes v as JSON with the status and content type (a newline
// after the value). A value that cannot be encoded is answered as a 500
// problem instead.
func WriteJSON(w http.ResponseWriter, status int, contentType string, v any) {
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

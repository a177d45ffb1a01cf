package loopapi

import (
	"fmt"
	"net/http"
	"sort"
)

// Success is the body of a successful action (process, flag, close, cancel,
// remove, note): the JSON string "true", as Loop sends it.
const Success = "true"

// Failure is the body of Get Return Notes for a return with no notes (with
// status 422): the JSON string "false".
const Failure = "false"

// Codes Loop puts in error bodies.
const (
	CodeUnprocessableReturn = "UNPROCESSABLE_RETURN"
	CodeNotFound            = "NOT_FOUND"
)

// GatewayError is the body of 401 and 429 answers:
// {"error": {"code": "401", "http_code": "GEN-UNAUTHORIZED", "message": "Unauthorized."}}.
// (Loop's "code" holds the HTTP status and "http_code" the symbolic code.)
type GatewayError struct {
	Error GatewayErrorDetail `json:"error"`
}

// GatewayErrorDetail is the member of a GatewayError.
type GatewayErrorDetail struct {
	Code     string `json:"code"`
	HTTPCode string `json:"http_code"`
	Message  string `json:"message"`
}

// Unauthorized is the 401 body of a request without a valid X-Authorization key.
var Unauthorized = GatewayError{Error: GatewayErrorDetail{Code: "401", HTTPCode: "GEN-UNAUTHORIZED", Message: "Unauthorized."}}

// TooManyRequests is the 429 body of a key over its rate limit. Loop
// documents the 429 but not its body; this one has the 401's shape (see
// loopspectest.Exceptions, "rate-limit"). Send it with a Retry-After header.
var TooManyRequests = GatewayError{Error: GatewayErrorDetail{Code: "429", HTTPCode: "GEN-TOO-MANY-REQUESTS", Message: "Too Many Requests."}}

// NotFoundError is the 404 body: {"errors": {"code": "NOT_FOUND", "message": ...}}.
type NotFoundError struct {
	Errors NotFoundDetail `json:"errors"`
}

// NotFoundDetail is the member of a NotFoundError.
type NotFoundDetail struct {
	Code    string `json:"code"`
	Message string `json:"message,omitempty"`
}

// NotFound returns the 404 body with message (e.g. "Return not found.").
func NotFound(message string) NotFoundError {
	return NotFoundError{Errors: NotFoundDetail{Code: CodeNotFound, Message: message}}
}

// MessageError is {"message": ...}: refusals of process and close, and the
// remove endpoint's 422s.
type MessageError struct {
	Message string `json:"message"`
}

// Error returns the body's message.
func (e *MessageError) Error() string { return e.Message }

// StateError is {"errors": {"message": ..., "code": "UNPROCESSABLE_RETURN"}}:
// an action refused because of the return's state.
type StateError struct {
	Errors StateErrorDetail `json:"errors"`
}

// StateErrorDetail is the member of a StateError.
type StateErrorDetail struct {
	Message string `json:"message"`
	Code    string `json:"code"`
}

// ContentError is {"content": ...}: a cancel refused for a flagged (or
// expired) return.
type ContentError struct {
	Content string `json:"content"`
}

// LineItemError is the remove endpoint's 422 for a missing or malformed
// line_item_id: {"error": {"message": ...}} (singular "error").
type LineItemError struct {
	Err MessageError `json:"error"`
}

// Error returns the body's message.
func (e *LineItemError) Error() string { return e.Err.Message }

// NoteError is the create-note 422: {"errors": {"message": ...}}.
type NoteError struct {
	Errors MessageError `json:"errors"`
}

// Error returns the body's message.
func (e *NoteError) Error() string { return e.Errors.Message }

// Messages of the remove and note endpoints, as Loop words them.
const (
	MsgLineItemRequired   = "The line item id field is required."
	MsgLineItemMalformed  = "The line item id field must be a comma-separated list of line item ids."
	MsgNotModifiable      = "Return cannot be modified."
	MsgNoLineItems        = "There are no line items that qualify for removal"
	MsgNotAllLineItems    = "Not all line items qualify for removal"
	MsgNoteContentInvalid = "Content is required and must be less than 255 characters."
)

// ValidationError is Loop's 422 body for invalid parameters:
// {"message": "<first problem> (and N more errors)", "errors": {"<param>": ["<problem>", ...]}}.
// It is also an error, so decoders return it as one.
type ValidationError struct {
	Message string              `json:"message"`
	Errors  map[string][]string `json:"errors"`
}

// Error returns the body's message.
func (e *ValidationError) Error() string { return e.Message }

// StatusCode is 422.
func (e *ValidationError) StatusCode() int { return http.StatusUnprocessableEntity }

// problems collects parameter problems in the order found.
type problems struct {
	order []string
	by    map[string][]string
}

func (p *problems) add(param, format string, args ...any) {
	if p.by == nil {
		p.by = map[string][]string{}
	}
	if _, ok := p.by[param]; !ok {
		p.order = append(p.order, param)
	}
	p.by[param] = append(p.by[param], fmt.Sprintf(format, args...))
}

func (p *problems) has(param string) bool { _, ok := p.by[param]; return ok }

// err returns nil with no problem, else the ValidationError whose message
// is the first problem followed by how many more there are.
func (p *problems) err() *ValidationError {
	if len(p.order) == 0 {
		return nil
	}
	n := 0
	for _, ms := range p.by {
		n += len(ms)
	}
	msg := p.by[p.order[0]][0]
	switch n {
	case 1:
	case 2:
		msg += " (and 1 more error)"
	default:
		msg += fmt.Sprintf(" (and %d more errors)", n-1)
	}
	return &ValidationError{Message: msg, Errors: p.by}
}

// Params returns the names of the invalid parameters, sorted.
func (e *ValidationError) Params() []string {
	out := make([]string, 0, len(e.Errors))
	for k := range e.Errors {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

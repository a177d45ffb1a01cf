package customorder

import (
	"fmt"
	"strings"

	"github.com/reboundhq/rebound/internal/returns"
)

// FieldError is one problem with one field of the request body.
type FieldError struct {
	// Path locates the field from the top of the body: object keys and, for
	// array elements, the decimal index, e.g.
	// ["lineItems", "1", "priceSet", "shopMoney", "amount"]. An empty Path
	// means the body as a whole.
	Path []string
	// Message is a user-facing predicate about the field, e.g. "is required"
	// or "must be a decimal string".
	Message string
}

func (f FieldError) String() string {
	p := FieldPath(f.Path)
	if p == "" {
		p = "request body"
	}
	return p + ": " + f.Message
}

// ValidationError reports a request body that is well-formed JSON but not a
// valid order. It lists every problem found, in a deterministic order: the
// order in which the fields are visited, which follows the schema (not the
// order of keys in the body). Its text is safe to show to API users.
//
// errors.As(err, **returns.Error) finds a *returns.Error with code
// returns.EINVALID carrying the same text.
type ValidationError struct {
	Fields []FieldError
	// Truncated is set when more than MaxErrors problems were found; only the
	// first MaxErrors are in Fields.
	Truncated bool
}

// Error summarises every field error: "path: message; path: message".
func (e *ValidationError) Error() string {
	var b strings.Builder
	for i, f := range e.Fields {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.String())
	}
	if e.Truncated {
		fmt.Fprintf(&b, "; (further errors omitted after the first %d)", MaxErrors)
	}
	return b.String()
}

// Unwrap returns the equivalent *returns.Error (code returns.EINVALID), so
// that returns.ErrorCode and returns.ErrorMessage understand e.
func (e *ValidationError) Unwrap() error {
	r := &returns.Error{Code: returns.EINVALID, Message: e.Error()}
	if len(e.Fields) == 1 {
		r.Field = FieldPath(e.Fields[0].Path)
	}
	return r
}

// treeSelf is the key under which Tree stores a message about an object or
// array that also has messages about its members, and about the body itself.
const treeSelf = "_error"

// Tree returns the field errors as a nested object that mirrors the body,
// with the message at each bad field's position, e.g.
//
//	{"lineItems": {"1": {"priceSet": {"shopMoney": {"amount": "must be a decimal string"}}}}}
//
// Array elements are keyed by their decimal index. Two messages for the same
// field are joined with "; ". A message about a field that also has messages
// below it, or about the body itself, is stored under the key "_error" of
// that field's object. The result is fresh and safe to modify or encode.
func (e *ValidationError) Tree() map[string]any {
	root := make(map[string]any)
	for _, f := range e.Fields {
		node, key := root, treeSelf
		if n := len(f.Path); n > 0 {
			for _, k := range f.Path[:n-1] {
				switch c := node[k].(type) {
				case map[string]any:
					node = c
				case string:
					m := map[string]any{treeSelf: c}
					node[k] = m
					node = m
				default:
					m := make(map[string]any)
					node[k] = m
					node = m
				}
			}
			key = f.Path[n-1]
		}
		addMessage(node, key, f.Message)
	}
	return root
}

func addMessage(node map[string]any, key, msg string) {
	switch c := node[key].(type) {
	case nil:
		node[key] = msg
	case string:
		node[key] = c + "; " + msg
	case map[string]any:
		addMessage(c, treeSelf, msg)
	}
}

// FieldPath renders a path in the dotted/bracketed form used in messages:
// ["lineItems","1","priceSet","shopMoney","amount"] becomes
// "lineItems[1].priceSet.shopMoney.amount". Segments made only of digits are
// array indexes. The empty path renders as "".
func FieldPath(p []string) string {
	var b strings.Builder
	for i, s := range p {
		if isIndex(s) {
			b.WriteByte('[')
			b.WriteString(s)
			b.WriteByte(']')
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// SyntaxError reports a request body that is not a single well-formed JSON
// value, or that exceeds MaxDepth.
//
// errors.As(err, **returns.Error) finds a *returns.Error with code
// returns.EINVALID carrying the same text.
type SyntaxError struct {
	// Offset is the zero-based byte index in the body at which the problem
	// was detected (len(body) for a truncated body).
	Offset int64
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("malformed JSON at byte %d: %s", e.Offset, e.Msg)
}

// Unwrap returns the equivalent *returns.Error (code returns.EINVALID).
func (e *SyntaxError) Unwrap() error {
	return &returns.Error{Code: returns.EINVALID, Message: e.Error()}
}

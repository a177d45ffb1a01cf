package redospectest

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Error tells how an HTTP exchange or a document fails the spec. Either
// Reason is set (no such operation, undocumented status, unlisted content
// type, unparsable body...) or Fields lists the schema violations.
type Error struct {
	What      string       // what was checked, e.g. "response 200 to POST /v2.2/stores/s1/custom/orders"
	Operation string       // the spec operation, e.g. `"Custom Order Sync" (POST /stores/{storeId}/custom/orders)`
	Details   []string     // how it was matched: status key, content type, schema
	Reason    string       // a failure before schema validation
	Fields    []FieldError // schema violations, sorted by Pointer
	Body      []byte       // the offending body
}

// FieldError is one schema violation.
type FieldError struct {
	Pointer string // JSON pointer of the offending value in the body ("" is the whole body)
	Message string // e.g. "missing property 'redoId'", "got number, want string"
	Keyword string // location of the failing keyword in the spec, e.g. "#/components/schemas/error.schema/properties/type/format"
}

const maxBodyInMessage = 4096

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "redospectest: %s does not match the Redo API spec %s", e.What, PackageVersion)
	if e.Operation != "" {
		fmt.Fprintf(&b, "\n    operation: %s", e.Operation)
	}
	if len(e.Details) > 0 {
		fmt.Fprintf(&b, "\n    matched:   %s", strings.Join(e.Details, ", "))
	}
	if e.Reason != "" {
		fmt.Fprintf(&b, "\n    problem:   %s", e.Reason)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "\n    at %q: %s [%s]", f.Pointer, f.Message, f.Keyword)
	}
	body := e.Body
	if len(body) > maxBodyInMessage {
		body = append(body[:maxBodyInMessage:maxBodyInMessage], "..."...)
	}
	fmt.Fprintf(&b, "\n    body: %s", body)
	return b.String()
}

// ValidateResponse checks one real HTTP exchange against the spec. It finds
// the operation from req's method and URL path (which includes the servers
// base path, /v2.2), picks the response documented for status (exact code,
// then a range such as 2XX, then default), checks that the Content-Type
// header names a media type listed for it (parameters such as charset are
// ignored) and validates body against that media type's schema. A response
// documented without content must have an empty body. Failures are reported
// with t.Errorf; see Error for what they contain.
func (s *Spec) ValidateResponse(t testing.TB, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	if err := s.CheckResponse(req, status, header, body); err != nil {
		t.Errorf("%v", err)
	}
}

// ValidateRequest checks a request body against the request body the spec
// documents for req's operation (found as in ValidateResponse). The media
// type comes from req's Content-Type header, or, when that is empty, is the
// only one the operation lists. Only the body is checked, not the path,
// query or header parameters. Failures are reported with t.Errorf.
func (s *Spec) ValidateRequest(t testing.TB, req *http.Request, body []byte) {
	t.Helper()
	if err := s.CheckRequest(req, body); err != nil {
		t.Errorf("%v", err)
	}
}

// ValidateSchema validates a JSON document against a schema of the spec,
// named as one of:
//   - a component schema: "custom-order-sync.schema" is
//     #/components/schemas/custom-order-sync.schema;
//   - "webhooks.NAME": the JSON payload of the top-level webhook NAME, e.g.
//     "webhooks.return" for the return event Redo POSTs to subscribers;
//   - a JSON pointer reference into the document, e.g. "#/components/schemas/error.schema".
//
// Failures are reported with t.Errorf.
func (s *Spec) ValidateSchema(t testing.TB, schemaName string, body []byte) {
	t.Helper()
	if err := s.CheckSchema(schemaName, body); err != nil {
		t.Errorf("%v", err)
	}
}

// CheckResponse is ValidateResponse returning the failure (an *Error)
// instead of reporting it.
func (s *Spec) CheckResponse(req *http.Request, status int, header http.Header, body []byte) error {
	e := &Error{What: fmt.Sprintf("response %d to %s %s", status, req.Method, req.URL.RequestURI()), Body: body}
	op, err := s.findOperation(req.Method, req.URL.EscapedPath())
	if err != nil {
		e.Reason = err.Error()
		return e
	}
	e.Operation = op.String()
	resps, _ := op.node["responses"].(map[string]any)
	key := responseKey(resps, status)
	if key == "" {
		e.Reason = fmt.Sprintf("status %d is not documented and there is no default response (documented: %s)",
			status, strings.Join(sortedKeys(resps), ", "))
		return e
	}
	e.Details = append(e.Details, fmt.Sprintf("response %q", key))
	resp, ptr := s.deref(op.ptr + "/responses/" + escapePtr(key))
	if resp == nil {
		e.Reason = fmt.Sprintf("response %q cannot be resolved", key)
		return e
	}
	return s.checkContent(e, ptr, resp, header.Get("Content-Type"), body, false)
}

// CheckRequest is ValidateRequest returning the failure (an *Error) instead
// of reporting it.
func (s *Spec) CheckRequest(req *http.Request, body []byte) error {
	e := &Error{What: fmt.Sprintf("request %s %s", req.Method, req.URL.RequestURI()), Body: body}
	op, err := s.findOperation(req.Method, req.URL.EscapedPath())
	if err != nil {
		e.Reason = err.Error()
		return e
	}
	e.Operation = op.String()
	empty := len(bytes.TrimSpace(body)) == 0
	if _, ok := op.node["requestBody"]; !ok {
		if !empty {
			e.Reason = fmt.Sprintf("the operation documents no request body, but got %d bytes", len(body))
			return e
		}
		return nil
	}
	rb, ptr := s.deref(op.ptr + "/requestBody")
	if rb == nil {
		e.Reason = "request body cannot be resolved"
		return e
	}
	if empty {
		if required, _ := rb["required"].(bool); required {
			e.Reason = "the request body is required but empty"
			return e
		}
		return nil
	}
	return s.checkContent(e, ptr, rb, req.Header.Get("Content-Type"), body, true)
}

// CheckSchema is ValidateSchema returning the failure (an *Error) instead of
// reporting it.
func (s *Spec) CheckSchema(schemaName string, body []byte) error {
	e := &Error{What: "document for schema " + schemaName, Body: body}
	ptr, err := s.schemaPointer(schemaName)
	if err != nil {
		e.Reason = err.Error()
		return e
	}
	e.Details = append(e.Details, "schema "+refTarget(s.doc, ptr))
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		e.Reason = "body is not valid JSON: " + err.Error()
		return e
	}
	return s.validate(e, ptr, inst)
}

func (s *Spec) schemaPointer(name string) (string, error) {
	if ref, ok := strings.CutPrefix(name, "#"); ok {
		if lookup(s.doc, ref) == nil {
			return "", fmt.Errorf("nothing at %s in the spec", name)
		}
		return ref, nil
	}
	if hook, ok := strings.CutPrefix(name, "webhooks."); ok {
		for _, m := range httpMethods {
			opPtr := "/webhooks/" + escapePtr(hook) + "/" + m
			if lookup(s.doc, opPtr) == nil {
				continue
			}
			rb, ptr := s.deref(opPtr + "/requestBody")
			content, _ := rb["content"].(map[string]any)
			for _, mt := range sortedKeys(content) {
				if isJSON(strings.ToLower(mt)) {
					return ptr + "/content/" + escapePtr(mt) + "/schema", nil
				}
			}
		}
		return "", fmt.Errorf("the spec has no webhook %q with a JSON payload (webhooks: %s)", hook,
			strings.Join(sortedKeys(mapAt(s.doc, "/webhooks")), ", "))
	}
	ptr := "/components/schemas/" + escapePtr(name)
	if lookup(s.doc, ptr) == nil {
		return "", fmt.Errorf("the spec has no component schema %q", name)
	}
	return ptr, nil
}

// checkContent checks the content type and body of a response or request
// body object found at holderPtr.
func (s *Spec) checkContent(e *Error, holderPtr string, holder map[string]any, contentType string, body []byte, isRequest bool) error {
	content, _ := holder["content"].(map[string]any)
	listed := strings.Join(sortedKeys(content), ", ")
	if len(content) == 0 {
		if len(bytes.TrimSpace(body)) > 0 {
			e.Reason = fmt.Sprintf("the spec documents no body here, but got %d bytes", len(body))
			return e
		}
		return nil
	}
	var key string
	switch {
	case contentType != "":
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil {
			e.Reason = fmt.Sprintf("unparsable Content-Type %q: %v", contentType, err)
			return e
		}
		if key = matchMediaType(content, mt); key == "" {
			e.Reason = fmt.Sprintf("Content-Type %q is not one the spec lists here (%s)", mt, listed)
			return e
		}
	case isRequest && len(content) == 1:
		key = sortedKeys(content)[0]
	default:
		e.Reason = fmt.Sprintf("no Content-Type header; the spec lists %s", listed)
		return e
	}
	e.Details = append(e.Details, "content type "+key)
	media, _ := content[key].(map[string]any)
	if media["schema"] == nil {
		return nil
	}
	schemaPtr := holderPtr + "/content/" + escapePtr(key) + "/schema"
	e.Details = append(e.Details, "schema "+refTarget(s.doc, schemaPtr))

	mt, _, _ := mime.ParseMediaType(key)
	var inst any
	switch {
	case isJSON(mt) || mt == "*/*" && contentType != "" && isJSON(mediaTypeOf(contentType)):
		if len(bytes.TrimSpace(body)) == 0 {
			e.Reason = "empty body where a JSON document is documented"
			return e
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
		if err != nil {
			e.Reason = "body is not valid JSON: " + err.Error()
			return e
		}
		inst = v
	case strings.HasPrefix(mt, "text/"):
		inst = string(body) // a text payload is a string instance (e.g. text/csv, type: string)
	default:
		return nil // multipart, binary...: only the content type is checked
	}
	return s.validate(e, schemaPtr, inst)
}

func (s *Spec) validate(e *Error, ptr string, inst any) error {
	sch, err := s.schemaAt(ptr)
	if err != nil {
		e.Reason = err.Error()
		return e
	}
	err = sch.Validate(inst)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		e.Reason = err.Error()
		return e
	}
	e.Fields = leafErrors(ve)
	return e
}

var printer = message.NewPrinter(language.English)

// leafErrors flattens the validator's error tree to its leaves, each one a
// concrete violation at a concrete place in the instance.
func leafErrors(root *jsonschema.ValidationError) []FieldError {
	var out []FieldError
	seen := map[FieldError]bool{}
	var walk func(*jsonschema.ValidationError)
	walk = func(ve *jsonschema.ValidationError) {
		if len(ve.Causes) > 0 {
			for _, c := range ve.Causes {
				walk(c)
			}
			return
		}
		f := FieldError{
			Pointer: instancePointer(ve.InstanceLocation),
			Message: ve.ErrorKind.LocalizedString(printer),
			Keyword: keywordLocation(ve),
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	walk(root)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pointer < out[j].Pointer })
	return out
}

func instancePointer(loc []string) string {
	var b strings.Builder
	for _, tok := range loc {
		b.WriteByte('/')
		b.WriteString(escapePtr(tok))
	}
	return b.String()
}

// keywordLocation renders where in the spec the failing keyword is, as a
// "#/..." reference into the document.
func keywordLocation(ve *jsonschema.ValidationError) string {
	loc := ve.SchemaURL
	if _, frag, ok := strings.Cut(loc, "#"); ok {
		if u, err := url.PathUnescape(frag); err == nil {
			frag = u
		}
		loc = "#" + frag
	}
	for _, kw := range ve.ErrorKind.KeywordPath() {
		loc += "/" + escapePtr(kw)
	}
	return loc
}

// responseKey picks the responses entry for status: the exact code, then its
// range ("4XX"), then "default"; "" if none.
func responseKey(resps map[string]any, status int) string {
	code := strconv.Itoa(status)
	if _, ok := resps[code]; ok {
		return code
	}
	for k := range resps {
		if len(k) == 3 && strings.EqualFold(k[1:], "XX") && k[0] == code[0] {
			return k
		}
	}
	if _, ok := resps["default"]; ok {
		return "default"
	}
	return ""
}

// matchMediaType returns the content key that best matches the media type
// mt: an exact match, then "type/*", then "*/*".
func matchMediaType(content map[string]any, mt string) string {
	mt = strings.ToLower(mt)
	major, _, _ := strings.Cut(mt, "/")
	var wildMajor, wildAll string
	for _, k := range sortedKeys(content) {
		km := mediaTypeOf(k)
		switch km {
		case mt:
			return k
		case major + "/*":
			wildMajor = k
		case "*/*":
			wildAll = k
		}
	}
	if wildMajor != "" {
		return wildMajor
	}
	return wildAll
}

func mediaTypeOf(s string) string {
	mt, _, err := mime.ParseMediaType(s)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(s))
	}
	return mt
}

func isJSON(mt string) bool {
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// deref returns the object at ptr, following local $refs, and the pointer
// it was finally found at.
func (s *Spec) deref(ptr string) (map[string]any, string) {
	for range 16 {
		m, ok := lookup(s.doc, ptr).(map[string]any)
		if !ok {
			return nil, ptr
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return m, ptr
		}
		frag, ok := strings.CutPrefix(ref, "#")
		if !ok {
			return nil, ptr
		}
		if u, err := url.PathUnescape(frag); err == nil {
			frag = u
		}
		ptr = frag
	}
	return nil, ptr
}

func mapAt(doc any, ptr string) map[string]any {
	m, _ := lookup(doc, ptr).(map[string]any)
	return m
}

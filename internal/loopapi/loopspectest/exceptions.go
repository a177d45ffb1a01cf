package loopspectest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Exception is one difference between Loop's documents and what Loop
// actually does (or documents elsewhere), with the reason, applied as
// patches to the loaded document before validation.
type Exception struct {
	ID      string
	Doc     string // DocReturns, DocWebhooks or DocLabels
	Reason  string
	Patches []Patch
}

// Patch is one JSON Patch (RFC 6902) operation on a document: Op is "add",
// "replace", "remove" or "move" (From to Path); Value is JSON. A path
// segment "*" (not part of RFC 6902) stands for every member of the object
// at that level; a patch must apply at one location at least, so a path that
// no longer matches the document fails Load instead of silently doing
// nothing.
type Patch struct {
	Op    string
	Path  string
	From  string
	Value string
}

func ptr(segments ...string) string {
	var b strings.Builder
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(s))
	}
	return b.String()
}

// op returns the pointer of an operation's member: op("/warehouse/return/list", "get", "responses", "200").
func op(path, method string, rest ...string) string {
	return ptr(append([]string{"paths", path, method}, rest...)...)
}

const jsonBody = "application/json"

// returnActions are the return operations with a return_id path parameter.
var returnActions = []struct{ path, method string }{
	{"/warehouse/return/{return_id}/process", "post"},
	{"/warehouse/return/{return_id}/remove", "post"},
	{"/warehouse/return/{return_id}/cancel", "post"},
	{"/warehouse/return/{return_id}/flag", "post"},
	{"/warehouse/return/{return_id}/close", "post"},
	{"/warehouse/return/{return_id}/notes", "get"},
	{"/warehouse/return/{return_id}/note", "post"},
}

const notFoundResponse = `{"description":"No such return","content":{"application/json":{"schema":{"type":"object","required":["errors"],"properties":{"errors":{"type":"object","required":["code"],"properties":{"code":{"type":"string","enum":["NOT_FOUND"]},"message":{"type":"string"}}}}}}}}`

const tooManyResponse = `{"description":"Rate limited","content":{"application/json":{"schema":{"type":"object","required":["error"],"properties":{"error":{"type":"object","required":["code","http_code","message"],"properties":{"code":{"type":"string","enum":["429"]},"http_code":{"type":"string"},"message":{"type":"string"}}}}}}}}`

const validationResponse = `{"description":"Invalid parameters","content":{"application/json":{"schema":{"type":"object","required":["message","errors"],"properties":{"message":{"type":"string"},"errors":{"type":"object","additionalProperties":{"type":"array","items":{"type":"string"}}}}}}}}`

const nativeIDParam = `{"name":"redo_return_id","in":"query","description":"The return's native id; the path's return_id is then ignored","schema":{"type":"string","pattern":"^[0-9a-fA-F]{24}$"}}`

func notFoundPatches() []Patch {
	ps := []Patch{{Op: "add", Path: op("/warehouse/return/details", "get", "responses", "404"), Value: notFoundResponse}}
	for _, a := range returnActions {
		ps = append(ps, Patch{Op: "add", Path: op(a.path, a.method, "responses", "404"), Value: notFoundResponse})
	}
	return ps
}

func nativeIDPatches() []Patch {
	ps := []Patch{{Op: "add", Path: op("/warehouse/return/details", "get", "parameters", "-"), Value: nativeIDParam}}
	for _, a := range returnActions {
		ps = append(ps, Patch{Op: "add", Path: op(a.path, a.method, "parameters", "-"), Value: nativeIDParam})
	}
	return ps
}

// alternatives turns an operation's oneOf into anyOf.
func alternatives(path, method, status string) Patch {
	base := op(path, method, "responses", status, "content", jsonBody, "schema")
	return Patch{Op: "move", From: base + "/oneOf", Path: base + "/anyOf"}
}

func require(schema string, members ...string) Patch {
	js, _ := json.Marshal(members)
	return Patch{Op: "add", Path: ptr("components", "schemas", schema, "required"), Value: string(js)}
}

// Exceptions is the one list of the differences between Loop's documents and
// Rebound's Loop-compatible wire shapes. Each is Loop's observed or
// elsewhere-documented behaviour (see shared/reference/redo-api.md §2–§3,
// §6), or a response Rebound must give that the simplified copies do not
// declare.
//
// Deliberately absent: the action endpoints' success body. The documents
// declare it as a JSON string ("true" in the example), which is what Loop
// sends, so `"true"` validates as written and a bare JSON true does not.
var Exceptions = []Exception{
	{
		ID: "list-paginated-object", Doc: DocReturns,
		Reason: "With paginate=true the Detailed Returns List answers an object {returns, nextPageUrl, previousPageUrl} " +
			"(Loop's pagination page and the public taps that follow $.nextPageUrl); the copy declares only the bare array " +
			"sent without paginate. Both shapes are accepted.",
		Patches: []Patch{{Op: "replace", Path: op("/warehouse/return/list", "get", "responses", "200", "content", jsonBody, "schema"),
			Value: `{"anyOf":[{"type":"array","items":{"$ref":"#/components/schemas/DetailedReturnList"}},` +
				`{"type":"object","required":["returns","nextPageUrl","previousPageUrl"],"properties":{` +
				`"returns":{"type":"array","items":{"$ref":"#/components/schemas/DetailedReturnList"}},` +
				`"nextPageUrl":{"type":["string","null"]},"previousPageUrl":{"type":["string","null"]}}}]}`}},
	},
	{
		ID: "list-pagination-params", Doc: DocReturns,
		Reason: "paginate, pageSize (default 100, at most 750) and cursor are documented on Loop's pagination page, not in the copy; " +
			"they are declared so that their form is checked.",
		Patches: []Patch{
			{Op: "add", Path: op("/warehouse/return/list", "get", "parameters", "-"), Value: `{"name":"paginate","in":"query","schema":{"type":"string","enum":["true","false","1","0"]}}`},
			{Op: "add", Path: op("/warehouse/return/list", "get", "parameters", "-"), Value: `{"name":"pageSize","in":"query","schema":{"type":"integer","minimum":1,"maximum":750}}`},
			{Op: "add", Path: op("/warehouse/return/list", "get", "parameters", "-"), Value: `{"name":"cursor","in":"query","schema":{"type":"string"}}`},
		},
	},
	{
		ID: "details-numeric-id", Doc: DocReturns,
		Reason:  "Get Return Details answers id as an integer (Loop's details reference); the copy says string. The list keeps its string id, as Loop's list example shows.",
		Patches: []Patch{{Op: "replace", Path: ptr("components", "schemas", "ReturnDetails", "properties", "id"), Value: `{"type":"integer"}`}},
	},
	{
		ID: "error-alternatives", Doc: DocReturns,
		Reason: "The copy lists error bodies under oneOf with object schemas that require nothing, so any object matches several " +
			"alternatives and no error body could ever be valid. Loop sends exactly one of them, told apart by its member: " +
			"oneOf is read as anyOf and each alternative requires the member it declares.",
		Patches: []Patch{
			alternatives("/warehouse/return/{return_id}/process", "post", "200"),
			alternatives("/warehouse/return/{return_id}/cancel", "post", "200"),
			alternatives("/warehouse/return/{return_id}/flag", "post", "200"),
			alternatives("/warehouse/return/{return_id}/close", "post", "200"),
			alternatives("/warehouse/return/{return_id}/remove", "post", "422"),
			alternatives("/warehouse/return/list", "get", "422"),
			require("UnprocessableCancelledReturn", "message"),
			require("UnprocessableStateReturn", "errors"),
			require("UnprocessableInReviewReturn", "message"),
			require("ExpiredReturnCannotBeCancelled", "content"),
			require("FlaggedReturnCannotBeCancelled", "content"),
			require("LineItemRequiredResponse", "error"),
			require("ReturnCannotBeModifiedResponse", "message"),
			require("NoLineItemsToRemoveResponse", "message"),
			require("NotAllLineItemsQualifyForRemovalResponse", "message"),
			require("InvalidFromDate", "message", "errors"),
			require("InvalidToDate", "message", "errors"),
			require("InvalidState", "message", "errors"),
			require("InvalidContentForNoteResponse", "errors"),
		},
	},
	{
		ID: "details-422", Doc: DocReturns,
		Reason: "Get Return Details declares no 422, but a request naming no return, or a malformed return_id, order_id or currency_type, " +
			"gets the same {message, errors} validation body as the list's parameters.",
		Patches: []Patch{{Op: "add", Path: op("/warehouse/return/details", "get", "responses", "422"), Value: validationResponse}},
	},
	{
		ID: "not-found", Doc: DocReturns,
		Reason: "The return operations declare no 404, yet a return_id, redo_return_id, order_id or order_name that matches no return " +
			"must be answered; the body is the NOT_FOUND shape Loop documents for its webhooks API.",
		Patches: notFoundPatches(),
	},
	{
		ID: "native-id", Doc: DocReturns,
		Reason: "Redo's Loop-compatible layer identifies a return by its native id in ?redo_return_id= with a dummy path id (e.g. 0); " +
			"declared on every operation that takes a return so that its form is checked.",
		Patches: nativeIDPatches(),
	},
	{
		ID: "asn-dates", Doc: DocReturns,
		Reason: "The ASN report declares from/to as format date, but its examples and Loop's guide use date-times; both are accepted. " +
			"The guide's tracking_status filter is declared.",
		Patches: []Patch{
			{Op: "remove", Path: op("/warehouse/reporting/asn", "get", "parameters", "0", "schema", "format")},
			{Op: "remove", Path: op("/warehouse/reporting/asn", "get", "parameters", "1", "schema", "format")},
			{Op: "add", Path: op("/warehouse/reporting/asn", "get", "parameters", "-"), Value: `{"name":"tracking_status","in":"query","schema":{"type":"string"}}`},
			{Op: "add", Path: op("/warehouse/reporting/asn", "get", "responses", "422"), Value: validationResponse},
		},
	},
	{
		ID: "asn-closed-at", Doc: DocReturns,
		Reason:  "An ASN row of a return that is not closed has no closing time: closed_at is null (the copy makes it a non-null date-time).",
		Patches: []Patch{{Op: "replace", Path: ptr("components", "schemas", "AsnReport", "properties", "closed_at"), Value: `{"type":["string","null"],"format":"date-time"}`}},
	},
	{
		ID: "rate-limit", Doc: DocReturns,
		Reason: "Loop limits each API key to 300 requests a minute and answers 429, which no operation declares and whose body is not documented; " +
			"Rebound answers the 401's gateway-style {error:{code,http_code,message}} with code \"429\" and a Retry-After header.",
		Patches: []Patch{{Op: "add", Path: ptr("paths", "*", "*", "responses", "429"), Value: tooManyResponse}},
	},
	{
		ID: "rate-limit", Doc: DocWebhooks,
		Reason:  "As for the returns API.",
		Patches: []Patch{{Op: "add", Path: ptr("paths", "*", "*", "responses", "429"), Value: tooManyResponse}},
	},
	{
		ID: "webhooks-list-401", Doc: DocWebhooks,
		Reason: "Get Webhooks declares no 401, though it is authenticated like every other webhooks operation, which answer " +
			"a request without valid credentials with the UnauthorizedResponse; so does Get Webhooks.",
		Patches: []Patch{{Op: "add", Path: op("/webhooks", "get", "responses", "401"),
			Value: `{"description":"Unauthorized","content":{"application/json":{"schema":{"$ref":"#/components/schemas/UnauthorizedResponse"}}}}`}},
	},
	{
		ID: "processing-topic", Doc: DocWebhooks,
		Reason: "Loop documents the return.processing topic and its return.processing.failed trigger on its webhook-topics pages; " +
			"the copy's enums leave them out.",
		Patches: []Patch{
			{Op: "add", Path: ptr("components", "schemas", "TopicEnum", "enum", "-"), Value: `"return.processing"`},
			{Op: "add", Path: ptr("components", "schemas", "TriggerEnum", "enum", "-"), Value: `"return.processing.failed"`},
		},
	},
}

// apply performs p on doc (a tree of map[string]any, []any and scalars;
// the root is an object).
func (p Patch) apply(doc any) error {
	var val any
	switch p.Op {
	case "add", "replace":
		if err := json.Unmarshal([]byte(p.Value), &val); err != nil {
			return fmt.Errorf("value: %w", err)
		}
	case "move":
		from, to := split(p.From), split(p.Path)
		if len(from) != len(to) || strings.Join(from[:len(from)-1], "/") != strings.Join(to[:len(to)-1], "/") {
			return fmt.Errorf("move: only a rename within one object is supported")
		}
	case "remove":
	default:
		return fmt.Errorf("unknown op %q", p.Op)
	}
	path := split(p.Path)
	if p.Op == "move" {
		path = split(p.From)
	}
	newKey := split(p.Path)[len(path)-1]
	n := 0
	err := visit(doc, path, func(parent any, key string, setParent func(any)) error {
		switch c := parent.(type) {
		case map[string]any:
			v, exists := c[key]
			switch {
			case p.Op == "add":
				c[key] = clone(val)
			case !exists:
				return nil
			case p.Op == "replace":
				c[key] = clone(val)
			case p.Op == "remove":
				delete(c, key)
			case p.Op == "move":
				delete(c, key)
				c[newKey] = v
			}
		case []any:
			if p.Op != "add" || key != "-" {
				return fmt.Errorf("%s in an array: only add at \"-\" is supported", p.Op)
			}
			setParent(append(c, clone(val)))
		default:
			return fmt.Errorf("cannot %s %q in a scalar", p.Op, key)
		}
		n++
		return nil
	})
	if err == nil && n == 0 {
		err = fmt.Errorf("no location matches")
	}
	return err
}

func split(p string) []string {
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, s := range parts {
		parts[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(s)
	}
	return parts
}

// visit calls f(parent, lastKey, setParent) for every location path matches
// below node, following "*" over every object member of an object.
// setParent replaces parent in its owner (for appending to an array).
func visit(node any, path []string, f func(parent any, key string, setParent func(any)) error) error {
	var rec func(node any, set func(any), path []string) error
	rec = func(node any, set func(any), path []string) error {
		if len(path) == 1 {
			return f(node, path[0], set)
		}
		head, rest := path[0], path[1:]
		switch c := node.(type) {
		case map[string]any:
			if head == "*" {
				for k, child := range c {
					if _, ok := child.(map[string]any); !ok {
						continue
					}
					k := k
					if err := rec(child, func(v any) { c[k] = v }, rest); err != nil && !isMissing(err) {
						return err
					}
				}
				return nil
			}
			child, ok := c[head]
			if !ok {
				return missing(head)
			}
			return rec(child, func(v any) { c[head] = v }, rest)
		case []any:
			i, err := strconv.Atoi(head)
			if err != nil || i < 0 || i >= len(c) {
				return missing(head)
			}
			return rec(c[i], func(v any) { c[i] = v }, rest)
		}
		return fmt.Errorf("cannot descend into a scalar at %q", head)
	}
	return rec(node, func(any) {}, path)
}

// missing is the error of a path step that names nothing; under a "*" it
// only means that member does not have the path.
type missing string

func (m missing) Error() string { return fmt.Sprintf("no member %q", string(m)) }

func isMissing(err error) bool { _, ok := err.(missing); return ok }

func clone(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

package redospectest

// Request schemas as lists of members, for tests that build requests from
// the spec: which operations there are, which members and parameters a
// request may carry, which values the spec names for a member, and which
// declared members a set of test requests never sets.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// Operation describes one operation of the spec.
type Operation struct {
	Method string   // upper case
	Path   string   // the template under the base path, e.g. "/v2.2/returns/{returnId}"
	ID     string   // operationId
	Tags   []string // the operation's tags, e.g. "Returns"
}

// Operations lists every path operation of the spec, sorted by path then
// method.
func (s *Spec) Operations() []Operation {
	out := make([]Operation, 0, len(s.ops))
	for _, op := range s.ops {
		o := Operation{Method: op.method, Path: s.basePath + op.template, ID: op.id}
		if tags, ok := op.node["tags"].([]any); ok {
			for _, t := range tags {
				if ts, ok := t.(string); ok {
					o.Tags = append(o.Tags, ts)
				}
			}
		}
		out = append(out, o)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// Parameter is a parameter an operation declares (its own and its path
// item's).
type Parameter struct {
	Name     string
	In       string // path, query, header or cookie
	Required bool
}

// Parameters lists the parameters of the operation a request path (as
// served, e.g. "/v2.2/stores/s1/returns") maps to, sorted by In then Name.
func (s *Spec) Parameters(method, path string) ([]Parameter, error) {
	op, err := s.findOperation(method, escaped(path))
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []Parameter
	itemPtr := op.ptr[:strings.LastIndex(op.ptr, "/")]
	for _, holder := range []string{op.ptr, itemPtr} {
		h, _ := s.deref(holder)
		list, _ := h["parameters"].([]any)
		for i := range list {
			p, _ := s.deref(fmt.Sprintf("%s/parameters/%d", holder, i))
			if p == nil {
				continue
			}
			name, _ := p["name"].(string)
			in, _ := p["in"].(string)
			req, _ := p["required"].(bool)
			if k := in + ":" + name; !seen[k] {
				seen[k] = true
				out = append(out, Parameter{Name: name, In: in, Required: req})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].In != out[j].In {
			return out[i].In < out[j].In
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// RequestMembers lists every member the JSON request body of the
// operation may carry, as paths: "data.items[].reasonCode" ("[]" for the
// elements of an array). Members of every alternative of a oneOf/anyOf are
// listed, and $refs are followed (a schema that refers to itself is walked
// once). Sorted.
func (s *Spec) RequestMembers(method, path string) ([]string, error) {
	ptr, err := s.requestSchemaPointer(method, path)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	s.walkSchema(lookup(s.doc, ptr), "", map[string]bool{}, func(p string, _ map[string]any) { set[p] = true })
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}

// RequestValues returns the values the spec names for a member of the
// operation's request body (see RequestMembers for the path syntax): its
// enum, const, examples and example, as strings, in that order without
// repeats; nil when it names none.
func (s *Spec) RequestValues(method, path, member string) []string {
	ptr, err := s.requestSchemaPointer(method, path)
	if err != nil {
		return nil
	}
	var out []string
	add := func(v any) {
		str := fmt.Sprint(v)
		if b, ok := v.(string); ok {
			str = b
		}
		if !slices.Contains(out, str) {
			out = append(out, str)
		}
	}
	s.walkSchema(lookup(s.doc, ptr), "", map[string]bool{}, func(p string, node map[string]any) {
		if p != member {
			return
		}
		nodes := []map[string]any{node}
		if ref, ok := node["$ref"].(string); ok {
			if m, ok := s.refNode(ref).(map[string]any); ok {
				nodes = append(nodes, m)
			}
		}
		for _, n := range nodes {
			if e, ok := n["enum"].([]any); ok {
				for _, v := range e {
					add(v)
				}
			}
			if c, ok := n["const"]; ok {
				add(c)
			}
			if ex, ok := n["examples"].([]any); ok {
				for _, v := range ex {
					add(v)
				}
			}
			if ex, ok := n["example"]; ok {
				add(ex)
			}
		}
	})
	return out
}

// MissingMembers returns the members of the operation's request body
// (RequestMembers) that none of the bodies sets, sorted; nil when they
// cover them all. A member is set when a body has it, with any value
// (null included).
func (s *Spec) MissingMembers(method, path string, bodies ...[]byte) ([]string, error) {
	all, err := s.RequestMembers(method, path)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, b := range bodies {
		var v any
		dec := json.NewDecoder(bytes.NewReader(b))
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("body is not JSON: %w", err)
		}
		collectMembers(v, "", set)
	}
	var missing []string
	for _, m := range all {
		if !set[m] {
			missing = append(missing, m)
		}
	}
	return missing, nil
}

func collectMembers(v any, prefix string, set map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			set[p] = true
			collectMembers(e, p, set)
		}
	case []any:
		for _, e := range x {
			collectMembers(e, prefix+"[]", set)
		}
	}
}

// requestSchemaPointer is the pointer of the JSON request body schema of
// the operation path maps to.
func (s *Spec) requestSchemaPointer(method, path string) (string, error) {
	op, err := s.findOperation(method, escaped(path))
	if err != nil {
		return "", err
	}
	rb, ptr := s.deref(op.ptr + "/requestBody")
	if rb == nil {
		return "", fmt.Errorf("%s documents no request body", op)
	}
	content, _ := rb["content"].(map[string]any)
	for _, mt := range sortedKeys(content) {
		if isJSON(strings.ToLower(mediaTypeOf(mt))) {
			return ptr + "/content/" + escapePtr(mt) + "/schema", nil
		}
	}
	return "", fmt.Errorf("%s documents no JSON request body", op)
}

// walkSchema calls visit for every member declared under node, with its
// path below prefix and its schema node. refs holds the $refs being
// walked, against cycles.
func (s *Spec) walkSchema(node any, prefix string, refs map[string]bool, visit func(path string, node map[string]any)) {
	m, ok := node.(map[string]any)
	if !ok {
		return
	}
	if ref, ok := m["$ref"].(string); ok && !refs[ref] {
		refs[ref] = true
		s.walkSchema(s.refNode(ref), prefix, refs, visit)
		delete(refs, ref)
	}
	for _, k := range []string{"allOf", "oneOf", "anyOf"} {
		alts, _ := m[k].([]any)
		for _, alt := range alts {
			s.walkSchema(alt, prefix, refs, visit)
		}
	}
	props, _ := m["properties"].(map[string]any)
	for _, name := range sortedKeys(props) {
		p := name
		if prefix != "" {
			p = prefix + "." + name
		}
		if pm, ok := props[name].(map[string]any); ok {
			visit(p, pm)
		}
		s.walkSchema(props[name], p, refs, visit)
	}
	if items, ok := m["items"]; ok {
		s.walkSchema(items, prefix+"[]", refs, visit)
	}
}

func (s *Spec) refNode(ref string) any {
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil
	}
	if u, err := url.PathUnescape(frag); err == nil {
		frag = u
	}
	return lookup(s.doc, frag)
}

// escaped returns path as findOperation wants it (already escaped paths
// pass unchanged).
func escaped(path string) string {
	if u, err := url.Parse(path); err == nil {
		return u.EscapedPath()
	}
	return path
}

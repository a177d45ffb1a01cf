package redospectest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// resourceURL is the (never dereferenced) base URL under which the whole
// OpenAPI document is registered with the JSON Schema compiler, so that every
// "#/components/schemas/..." reference resolves inside the same document.
const resourceURL = "mem:///redo-api-schema/openapi.json"

// Spec is a loaded, patched and compiled Redo OpenAPI document. It is
// read-only after Load and safe for concurrent use.
type Spec struct {
	// Source says where the document came from (package and cache path, or
	// the file named by $REBOUND_REDO_SPEC).
	Source string
	// Patches lists, one line each, the in-memory corrections applied to the
	// document (see the package documentation).
	Patches []string

	doc      map[string]any // the document as JSON, after patches
	basePath string         // path of servers[0].url, e.g. "/v2.2"
	ops      []*operation

	mu       sync.Mutex // guards compiler and schemas
	compiler *jsonschema.Compiler
	schemas  map[string]*jsonschema.Schema // by JSON pointer into doc
}

// operation is one method of one path item (or of one webhook).
type operation struct {
	method   string // upper case
	template string // e.g. "/stores/{storeId}/orders/{orderId}"
	id       string // operationId
	ptr      string // JSON pointer of the operation object, e.g. "/paths/~1stores~1{storeId}~1orders/post"
	node     map[string]any
	segs     []segment
}

// segment is one "/"-separated part of a path template.
type segment struct {
	literal string         // set when the segment has no {param}
	re      *regexp.Regexp // set when it has
}

var (
	loadMu  sync.Mutex
	loaded  *Spec
	loadErr error
)

// Load returns the pinned Redo spec, fetching it on first use (see the package
// documentation). The result is cached for the life of the process and safe
// for concurrent use. Any failure — npm missing, download failing, hash
// mismatch, unparsable document — fails the test with t.Fatalf: a test that
// checks wire compatibility must not pass without the spec.
func Load(t testing.TB) *Spec {
	t.Helper()
	return mustLoad(t, loadShared)
}

// mustLoad returns load's Spec or fails the test; it never skips.
func mustLoad(t testing.TB, load func() (s *Spec, fresh bool, err error)) *Spec {
	t.Helper()
	s, fresh, err := load()
	if err != nil {
		t.Fatalf("redospectest: cannot load the Redo OpenAPI spec: %v", err)
	}
	if fresh {
		t.Logf("redospectest: loaded %s", s.Source)
	}
	return s
}

// loadShared loads the spec once per process; fresh tells the first caller.
func loadShared() (*Spec, bool, error) {
	loadMu.Lock()
	defer loadMu.Unlock()
	if loaded != nil || loadErr != nil {
		return loaded, false, loadErr
	}
	yml, source, err := readSpec()
	if err == nil {
		loaded, err = parse(yml, source)
	}
	loadErr = err
	return loaded, err == nil, err
}

// parse turns the YAML document into a Spec: it converts it to JSON, applies
// the patches, indexes the operations and compiles every schema it holds.
func parse(yml []byte, source string) (*Spec, error) {
	var raw any
	if err := yaml.Unmarshal(yml, &raw); err != nil {
		return nil, fmt.Errorf("parsing YAML: %w", err)
	}
	norm, err := yamlToJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("converting YAML to JSON: %w", err)
	}
	// A JSON round trip gives the json.Number representation the validator
	// uses for instances, so schema and instance numbers compare exactly.
	js, err := json.Marshal(norm)
	if err != nil {
		return nil, fmt.Errorf("converting YAML to JSON: %w", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return nil, fmt.Errorf("re-reading JSON: %w", err)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("document is not an object")
	}
	if ver, _ := doc["openapi"].(string); !strings.HasPrefix(ver, "3.1.") {
		return nil, fmt.Errorf("openapi version %q, want 3.1.x", ver)
	}

	s := &Spec{Source: source, doc: doc, schemas: map[string]*jsonschema.Schema{}}
	s.Patches = append(s.Patches, patchWebhookReadRequired(doc)...)
	s.Patches = append(s.Patches, patchNullable(doc)...)

	if s.basePath, err = basePath(doc); err != nil {
		return nil, err
	}
	if err := s.indexOperations(); err != nil {
		return nil, err
	}

	s.compiler = jsonschema.NewCompiler()
	s.compiler.DefaultDraft(jsonschema.Draft2020) // OpenAPI 3.1's default dialect is 2020-12 based
	s.compiler.AssertFormat()                     // format is an annotation in 2020-12 unless asserted
	s.compiler.UseLoader(noLoader{})              // the spec is self-contained; never touch files or network
	if err := s.compiler.AddResource(resourceURL, doc); err != nil {
		return nil, fmt.Errorf("registering document with the JSON Schema compiler: %w", err)
	}
	// Compile everything up front: a schema the compiler rejects is a load
	// error, not a surprise in the middle of some later test.
	for _, ptr := range s.schemaPointers() {
		if _, err := s.schemaAt(ptr); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// yamlToJSON makes a decoded YAML value JSON-marshallable: mapping keys
// become strings (a YAML key like 200 is the string "200" in JSON).
func yamlToJSON(v any) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			n, err := yamlToJSON(e)
			if err != nil {
				return nil, err
			}
			v[k] = n
		}
		return v, nil
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			n, err := yamlToJSON(e)
			if err != nil {
				return nil, err
			}
			ks := fmt.Sprint(k)
			if _, dup := m[ks]; dup {
				return nil, fmt.Errorf("mapping key %q appears twice once stringified", ks)
			}
			m[ks] = n
		}
		return m, nil
	case []any:
		for i, e := range v {
			n, err := yamlToJSON(e)
			if err != nil {
				return nil, err
			}
			v[i] = n
		}
		return v, nil
	default:
		return v, nil
	}
}

// patchWebhookReadRequired fixes a typo in the pinned spec:
// components.schemas["webhook-read.schema"].required lists one property
// literally named "externalId id"; the intent (both are documented
// properties, and webhook-create/-update carry externalId) is the two
// required properties "externalId" and "id". Taken literally, no real webhook
// object could ever validate. Only that exact entry of that exact schema is
// touched; if a later spec fixes it, the patch does nothing.
func patchWebhookReadRequired(doc map[string]any) []string {
	const name, bad = "webhook-read.schema", "externalId id"
	sch, _ := lookup(doc, "/components/schemas/"+escapePtr(name)).(map[string]any)
	req, _ := sch["required"].([]any)
	i := slices.Index(req, any(bad))
	if i < 0 {
		return nil
	}
	out := slices.Clone(req[:i])
	for _, r := range append([]any{"externalId", "id"}, req[i+1:]...) {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	sch["required"] = out
	return []string{fmt.Sprintf("#/components/schemas/%s/required: %q read as %q and %q", name, bad, "externalId", "id")}
}

// patchNullable gives OpenAPI 3.0's `nullable: true`, which the pinned 3.1
// document still uses on some properties (inventory, inbound shipments,
// return processing), its intended meaning. JSON Schema 2020-12 has no
// `nullable` keyword and ignores it, so taken literally those properties
// would reject the null Redo documents them as accepting. As in OpenAPI 3.0,
// the patch adds "null" to the schema's `type` only where `type` is given
// next to `nullable: true` (and leaves `enum` alone).
func patchNullable(doc map[string]any) []string {
	var patched []string
	var walk func(v any, ptr string)
	walk = func(v any, ptr string) {
		switch v := v.(type) {
		case map[string]any:
			if nb, _ := v["nullable"].(bool); nb {
				switch t := v["type"].(type) {
				case string:
					if t != "null" {
						v["type"] = []any{t, "null"}
						patched = append(patched, ptr)
					}
				case []any:
					if !slices.Contains(t, any("null")) {
						v["type"] = append(slices.Clone(t), "null")
						patched = append(patched, ptr)
					}
				}
			}
			for _, k := range sortedKeys(v) {
				walk(v[k], ptr+"/"+escapePtr(k))
			}
		case []any:
			for i, e := range v {
				walk(e, fmt.Sprintf("%s/%d", ptr, i))
			}
		}
	}
	walk(doc, "")
	out := make([]string, len(patched))
	for i, p := range patched {
		out[i] = fmt.Sprintf("#%s: `nullable: true` read as adding \"null\" to its type", p)
	}
	return out
}

// basePath returns the path of the first server URL ("/v2.2" for
// "https://<host>/v2.2"): request paths are matched against the path
// templates after stripping it.
func basePath(doc map[string]any) (string, error) {
	servers, _ := doc["servers"].([]any)
	if len(servers) == 0 {
		return "", nil
	}
	srv, _ := servers[0].(map[string]any)
	raw, _ := srv["url"].(string)
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("servers[0].url %q: %w", raw, err)
	}
	return strings.TrimSuffix(u.Path, "/"), nil
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

var paramRE = regexp.MustCompile(`\{[^{}/]+\}`)

func (s *Spec) indexOperations() error {
	paths, _ := s.doc["paths"].(map[string]any)
	for _, tmpl := range sortedKeys(paths) {
		item, itemPtr := s.deref("/paths/" + escapePtr(tmpl))
		if item == nil {
			continue
		}
		segs, err := compileTemplate(tmpl)
		if err != nil {
			return err
		}
		for _, m := range httpMethods {
			op, ok := item[m].(map[string]any)
			if !ok {
				continue
			}
			id, _ := op["operationId"].(string)
			s.ops = append(s.ops, &operation{
				method:   strings.ToUpper(m),
				template: tmpl,
				id:       id,
				ptr:      itemPtr + "/" + m,
				node:     op,
				segs:     segs,
			})
		}
	}
	return nil
}

func compileTemplate(tmpl string) ([]segment, error) {
	if !strings.HasPrefix(tmpl, "/") {
		return nil, fmt.Errorf("path %q does not start with /", tmpl)
	}
	var segs []segment
	for _, part := range strings.Split(tmpl[1:], "/") {
		if !strings.Contains(part, "{") {
			segs = append(segs, segment{literal: part})
			continue
		}
		var re strings.Builder
		re.WriteString("^")
		last := 0
		for _, loc := range paramRE.FindAllStringIndex(part, -1) {
			re.WriteString(regexp.QuoteMeta(part[last:loc[0]]))
			re.WriteString("(.+)")
			last = loc[1]
		}
		re.WriteString(regexp.QuoteMeta(part[last:]))
		re.WriteString("$")
		r, err := regexp.Compile(re.String())
		if err != nil {
			return nil, fmt.Errorf("path %q: %w", tmpl, err)
		}
		segs = append(segs, segment{re: r})
	}
	return segs, nil
}

// findOperation maps a request (method and URL path as served, e.g.
// "/v2.2/stores/s1/orders/%231001") to the spec's operation. Like OpenAPI
// says, a concrete path segment wins over a templated one.
func (s *Spec) findOperation(method, escapedPath string) (*operation, error) {
	rest, ok := strings.CutPrefix(escapedPath, s.basePath)
	if !ok || (rest != "" && !strings.HasPrefix(rest, "/")) {
		return nil, fmt.Errorf("path %q is not under the API base path %q", escapedPath, s.basePath)
	}
	var parts []string
	for _, p := range strings.Split(strings.TrimPrefix(rest, "/"), "/") {
		u, err := url.PathUnescape(p)
		if err != nil {
			return nil, fmt.Errorf("path %q: %w", escapedPath, err)
		}
		parts = append(parts, u)
	}
	var best *operation
	var bestRank string
	var otherMethods []string
	for _, op := range s.ops {
		rank, ok := op.match(parts)
		if !ok {
			continue
		}
		if op.method != strings.ToUpper(method) {
			otherMethods = append(otherMethods, op.method+" "+op.template)
			continue
		}
		if best == nil || rank < bestRank {
			best, bestRank = op, rank
		}
	}
	if best == nil {
		if len(otherMethods) > 0 {
			return nil, fmt.Errorf("the spec has no %s operation for %s (it has: %s)", strings.ToUpper(method), escapedPath, strings.Join(otherMethods, "; "))
		}
		return nil, fmt.Errorf("no path in the spec matches %s %s", strings.ToUpper(method), escapedPath)
	}
	return best, nil
}

// match reports whether the path parts fit the template, and a rank string
// ("L" for a literal segment, "P" for a templated one) that sorts concrete
// templates first.
func (op *operation) match(parts []string) (string, bool) {
	if len(parts) != len(op.segs) {
		return "", false
	}
	rank := make([]byte, len(parts))
	for i, seg := range op.segs {
		if seg.re == nil {
			if seg.literal != parts[i] {
				return "", false
			}
			rank[i] = 'L'
			continue
		}
		if parts[i] == "" || !seg.re.MatchString(parts[i]) {
			return "", false
		}
		rank[i] = 'P'
	}
	return string(rank), true
}

func (op *operation) String() string {
	if op.id != "" {
		return fmt.Sprintf("%q (%s %s)", op.id, op.method, op.template)
	}
	return op.method + " " + op.template
}

// schemaPointers lists the JSON pointers of every schema the spec uses
// directly: all component schemas, and every media type schema of every
// request body and response of every path and webhook operation.
func (s *Spec) schemaPointers() []string {
	var ptrs []string
	comps, _ := lookup(s.doc, "/components/schemas").(map[string]any)
	for _, name := range sortedKeys(comps) {
		ptrs = append(ptrs, "/components/schemas/"+escapePtr(name))
	}
	addContent := func(ptr string) {
		h, ptr := s.deref(ptr)
		content, _ := h["content"].(map[string]any)
		for _, mt := range sortedKeys(content) {
			if m, _ := content[mt].(map[string]any); m != nil && m["schema"] != nil {
				ptrs = append(ptrs, ptr+"/content/"+escapePtr(mt)+"/schema")
			}
		}
	}
	addOp := func(ptr string, op map[string]any) {
		if _, ok := op["requestBody"]; ok {
			addContent(ptr + "/requestBody")
		}
		resps, _ := op["responses"].(map[string]any)
		for _, code := range sortedKeys(resps) {
			addContent(ptr + "/responses/" + escapePtr(code))
		}
	}
	for _, op := range s.ops {
		addOp(op.ptr, op.node)
	}
	hooks, _ := s.doc["webhooks"].(map[string]any)
	for _, name := range sortedKeys(hooks) {
		item, itemPtr := s.deref("/webhooks/" + escapePtr(name))
		for _, m := range httpMethods {
			if op, ok := item[m].(map[string]any); ok {
				addOp(itemPtr+"/"+m, op)
			}
		}
	}
	return ptrs
}

// schemaAt compiles (once) the schema at a JSON pointer into the document.
func (s *Spec) schemaAt(ptr string) (*jsonschema.Schema, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sch, ok := s.schemas[ptr]; ok {
		return sch, nil
	}
	if lookup(s.doc, ptr) == nil {
		return nil, fmt.Errorf("no schema at #%s", ptr)
	}
	sch, err := s.compiler.Compile(resourceURL + "#" + (&url.URL{Fragment: ptr}).EscapedFragment())
	if err != nil {
		return nil, fmt.Errorf("compiling schema #%s: %w", ptr, err)
	}
	s.schemas[ptr] = sch
	return sch, nil
}

// noLoader refuses every external reference.
type noLoader struct{}

func (noLoader) Load(u string) (any, error) {
	return nil, fmt.Errorf("external reference %q: the Redo spec is expected to be self-contained", u)
}

// lookup returns the value at a JSON pointer ("" is the whole document), or
// nil.
func lookup(doc any, ptr string) any {
	if ptr == "" {
		return doc
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil
	}
	cur := doc
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch c := cur.(type) {
		case map[string]any:
			cur = c[tok]
		case []any:
			var i int
			if _, err := fmt.Sscanf(tok, "%d", &i); err != nil || i < 0 || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

// refTarget returns "#/..." for a schema that is only a $ref (plus
// annotations), else "#" + ptr: the most useful name for error messages.
func refTarget(doc any, ptr string) string {
	if m, ok := lookup(doc, ptr).(map[string]any); ok {
		if ref, ok := m["$ref"].(string); ok {
			return ref
		}
	}
	return "#" + ptr
}

func escapePtr(tok string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(tok)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

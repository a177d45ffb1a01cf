package loopspectest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"go.yaml.in/yaml/v3"
)

// EnvDir names the folder holding the three Loop documents, overriding the
// search for shared/reference/loop-openapi/.
const EnvDir = "REBOUND_LOOP_SPEC_DIR"

// relDir is where the documents sit below the folder that holds shared/.
const relDir = "shared/reference/loop-openapi"

// Document names, as used in Exception.Doc: the file loop-returns-NAME-openapi.yml.
const (
	DocReturns  = "returns"
	DocWebhooks = "webhooks"
	DocLabels   = "labels"
)

var docNames = []string{DocReturns, DocWebhooks, DocLabels}

// Spec is the three Loop documents, patched by Exceptions, ready to
// validate requests and responses. It is safe for concurrent use.
type Spec struct {
	Dir  string // the folder the documents were read from
	docs []*document
}

type document struct {
	name   string
	t      *openapi3.T
	router routers.Router
}

var (
	loadOnce sync.Once
	loaded   *Spec
	loadErr  error
)

// Load returns the documents, read and patched once per test binary. It
// fails t (never skips) when they cannot be found, parsed or patched.
func Load(t testing.TB) *Spec {
	t.Helper()
	loadOnce.Do(func() {
		dir, err := FindDir()
		if err == nil {
			loaded, loadErr = LoadDir(dir)
		} else {
			loadErr = err
		}
	})
	if loadErr != nil {
		t.Fatalf("loopspectest: %v", loadErr)
	}
	return loaded
}

// FindDir returns the folder of the Loop documents: $REBOUND_LOOP_SPEC_DIR
// when set, else the first shared/reference/loop-openapi/ found in the
// working directory or one of its parents.
func FindDir() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; {
		cand := filepath.Join(d, filepath.FromSlash(relDir))
		if _, err := os.Stat(filepath.Join(cand, fileName(DocReturns))); err == nil {
			return cand, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no %s/ in %s or any parent (set %s to the folder of the Loop OpenAPI copies)", relDir, wd, EnvDir)
		}
		d = parent
	}
}

func fileName(doc string) string { return "loop-returns-" + doc + "-openapi.yml" }

// LoadDir reads the three documents from dir, applies Exceptions and
// prepares their routers.
func LoadDir(dir string) (*Spec, error) {
	s := &Spec{Dir: dir}
	for _, name := range docNames {
		raw, err := os.ReadFile(filepath.Join(dir, fileName(name)))
		if err != nil {
			return nil, err
		}
		var tree any
		if err := yaml.Unmarshal(raw, &tree); err != nil {
			return nil, fmt.Errorf("%s: %w", fileName(name), err)
		}
		tree = normalize(tree)
		for _, ex := range Exceptions {
			if ex.Doc != name {
				continue
			}
			for i, p := range ex.Patches {
				if err := p.apply(tree); err != nil {
					return nil, fmt.Errorf("exception %s, patch %d (%s %s): %w", ex.ID, i, p.Op, p.Path, err)
				}
			}
		}
		js, err := json.Marshal(tree)
		if err != nil {
			return nil, err
		}
		loader := openapi3.NewLoader()
		t, err := loader.LoadFromData(js)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fileName(name), err)
		}
		// Paths are matched without Loop's host and version prefix.
		t.Servers = nil
		r, err := legacy.NewRouter(t)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fileName(name), err)
		}
		s.docs = append(s.docs, &document{name: name, t: t, router: r})
	}
	return s, nil
}

// normalize turns YAML's map[any]any into map[string]any, recursively.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e)
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = normalize(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = normalize(e)
		}
	}
	return v
}

// versionPrefix matches Loop's API prefix: /api/v1, /api/2026-07,
// /api/latest, /api/unstable.
var versionPrefix = regexp.MustCompile(`^/api/(v1|\d{4}-\d{2}|latest|unstable)(/|$)`)

// route finds the operation of method and target (a path with an optional
// query, with or without Loop's version prefix).
func (s *Spec) route(method, target string, header http.Header, body []byte) (*http.Request, *routers.Route, map[string]string, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("target %q: %w", target, err)
	}
	p := u.Path
	if m := versionPrefix.FindStringSubmatch(p); m != nil {
		p = "/" + strings.TrimPrefix(p[len(m[0]):], "/")
	}
	inner := *u
	inner.Path, inner.RawPath = p, ""
	req, err := http.NewRequest(method, inner.String(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, nil, err
	}
	if header != nil {
		req.Header = header.Clone()
	}
	for _, d := range s.docs {
		route, params, err := d.router.FindRoute(req)
		if err == nil {
			return req, route, params, nil
		}
	}
	return nil, nil, nil, fmt.Errorf("no operation %s %s in Loop's documents", method, p)
}

func (s *Spec) options() *openapi3filter.Options {
	return &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		AuthenticationFunc:    authenticate,
	}
}

// authenticate accepts a request that carries the credential a security
// scheme names: the X-Authorization header for apiKey schemes, an
// Authorization bearer token for OAuth.
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header
	switch ss := in.SecurityScheme; ss.Type {
	case "apiKey":
		if ss.In == "header" && h.Get(ss.Name) != "" {
			return nil
		}
		return fmt.Errorf("missing %s header", ss.Name)
	case "oauth2", "http":
		if strings.HasPrefix(h.Get("Authorization"), "Bearer ") {
			return nil
		}
		return errors.New("missing Authorization: Bearer token")
	}
	return fmt.Errorf("unsupported security scheme type %q", in.SecurityScheme.Type)
}

// Request validates a request (method, target = path and query, headers,
// body) against its operation: parameters, security and body. A JSON body
// with no Content-Type is taken as application/json.
func (s *Spec) Request(method, target string, header http.Header, body []byte) error {
	if header == nil {
		header = http.Header{}
	}
	if len(body) > 0 && header.Get("Content-Type") == "" {
		header = header.Clone()
		header.Set("Content-Type", "application/json")
	}
	req, route, params, err := s.route(method, target, header, body)
	if err != nil {
		return err
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: s.options()}
	return openapi3filter.ValidateRequest(context.Background(), in)
}

// Response validates a response (status, headers, body) of the operation of
// method and target. The status must be declared for the operation; with no
// Content-Type header the body is taken as application/json.
func (s *Spec) Response(method, target string, status int, header http.Header, body []byte) error {
	req, route, params, err := s.route(method, target, nil, nil)
	if err != nil {
		return err
	}
	if header == nil {
		header = http.Header{}
	}
	if header.Get("Content-Type") == "" && len(body) > 0 {
		header = header.Clone()
		header.Set("Content-Type", "application/json")
	}
	opts := s.options()
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                opts,
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// CheckRequest is Request reporting a failure with t.Errorf.
func (s *Spec) CheckRequest(t testing.TB, method, target string, header http.Header, body []byte) {
	t.Helper()
	if err := s.Request(method, target, header, body); err != nil {
		t.Errorf("request %s %s is not valid for Loop's spec: %v\nbody: %s", method, target, err, body)
	}
}

// CheckResponse is Response reporting a failure with t.Errorf.
func (s *Spec) CheckResponse(t testing.TB, method, target string, status int, header http.Header, body []byte) {
	t.Helper()
	if err := s.Response(method, target, status, header, body); err != nil {
		t.Errorf("response %d to %s %s is not valid for Loop's spec: %v\nbody: %s", status, method, target, err, body)
	}
}

// Schema validates value (JSON) against the named component schema of doc,
// e.g. Schema(DocWebhooks, "Webhook", body). It is for shapes that are not
// an operation's response, such as webhook payload fragments.
func (s *Spec) Schema(doc, name string, value []byte) error {
	for _, d := range s.docs {
		if d.name != doc {
			continue
		}
		ref := d.t.Components.Schemas[name]
		if ref == nil || ref.Value == nil {
			return fmt.Errorf("%s has no schema %q", doc, name)
		}
		var v any
		if err := json.Unmarshal(value, &v); err != nil {
			return err
		}
		return ref.Value.VisitJSON(v, openapi3.EnableJSONSchema2020(), openapi3.MultiErrors())
	}
	return fmt.Errorf("no document %q", doc)
}

package server

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"

	"github.com/reboundhq/rebound/internal/httpx"
)

// /openapi.json is an OpenAPI 3.1 index of every route Rebound serves:
// its surfaces' operations (recorded by the surfaces as they mount, so the
// document cannot drift from the router), their authentication and the
// API key scope each needs. The request and response shapes are the
// vendors' where a surface is compatible with one (Redo's
// @redotech/redo-api-schema, Loop's Returns API) and are described, with
// Rebound's extensions, in docs/api.md and docs/loop.md; the document
// links there instead of restating them.

var pathParam = regexp.MustCompile(`\{([A-Za-z0-9_]+)(\.\.\.)?\}`)

func openAPIDocument(routes []httpx.RouteDoc, version string) []byte {
	if version == "" {
		version = "dev"
	}
	ops := append([]httpx.RouteDoc{
		{Method: "GET", Path: "/healthz", Surface: "Operations"},
		{Method: "GET", Path: "/readyz", Surface: "Operations"},
		{Method: "GET", Path: "/metrics", Surface: "Operations"},
		{Method: "GET", Path: "/openapi.json", Surface: "Operations"},
	}, routes...)
	paths := map[string]map[string]any{}
	for _, r := range ops {
		path := pathParam.ReplaceAllString(r.Path, "{$1}")
		op := map[string]any{
			"operationId": operationID(r.Method, path),
			"tags":        []string{r.Surface},
			"responses": map[string]any{"default": map[string]any{
				"description": "See docs/api.md (Redo API and Rebound's extensions) and docs/loop.md (Loop API).",
			}},
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(r.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
		}
		if params != nil {
			op["parameters"] = params
		}
		switch r.Security {
		case httpx.SecurityBearer, httpx.SecurityXAuthorization:
			scopes := []string{}
			if r.Scope != "" {
				scopes = append(scopes, r.Scope)
				op["description"] = "Needs an API key with the " + r.Scope + " scope."
			}
			op["security"] = []any{map[string][]string{r.Security: scopes}}
		default:
			op["security"] = []any{}
		}
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(r.Method)] = op
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "Rebound",
			"version":     version,
			"description": "Self-hosted returns platform: Redo API v2.2 compatible (/v2.2), Loop-compatible warehouse API (/api/v1), inbound integration webhooks and operations.",
		},
		"components": map[string]any{"securitySchemes": map[string]any{
			httpx.SecurityBearer:         map[string]string{"type": "http", "scheme": "bearer", "description": "A Rebound API key (rbk_…)."},
			httpx.SecurityXAuthorization: map[string]string{"type": "apiKey", "in": "header", "name": "X-Authorization", "description": "A Rebound API key, as Loop's clients send it."},
		}},
		"paths": paths,
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err) // maps of strings: cannot fail
	}
	return b
}

// operationID is "getV22ReturnsReturnId" for GET /v2.2/returns/{returnId}.
func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, part := range strings.FieldsFunc(path, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(s.openapi)
}

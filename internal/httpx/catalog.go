package httpx

import (
	"strings"
	"sync"
)

// Security schemes a route may require, named as in Rebound's OpenAPI
// document.
const (
	SecurityBearer         = "bearer"         // Authorization: Bearer <API key> (Redo's API)
	SecurityXAuthorization = "xAuthorization" // X-Authorization: <API key> (Loop's API)
	SecurityNone           = ""               // open, or authenticated by the URL's secret token and a signature
)

// RouteDoc describes one route for Rebound's OpenAPI document.
type RouteDoc struct {
	Method, Path string
	Surface      string // the tag: "Redo API v2.2", "Loop API", ...
	Security     string // one of the Security* names
	Scope        string // the API key scope the route needs, if any
}

// Catalog collects the routes surfaces mount, for /openapi.json. The zero
// value is ready; a nil *Catalog records nothing.
type Catalog struct {
	mu     sync.Mutex
	routes []RouteDoc
}

// Add records the route of a ServeMux pattern ("GET /v2.2/returns/{id}").
func (c *Catalog) Add(pattern, surface, security, scope string) {
	if c == nil {
		return
	}
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "GET", pattern
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.routes = append(c.routes, RouteDoc{Method: method, Path: path, Surface: surface, Security: security, Scope: scope})
}

// Routes returns the recorded routes, in the order they were added.
func (c *Catalog) Routes() []RouteDoc {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]RouteDoc(nil), c.routes...)
}

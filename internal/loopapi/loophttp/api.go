// Package loophttp serves Rebound's Loop-compatible warehouse API: Loop
// Returns' legacy paths under /api/v1/ (and /api/2026-07/, which v1
// aliases), authenticated by X-Authorization with a Rebound API key. The
// wire shapes, decoders, state mapping and cursors are internal/loopapi's;
// handlers here decode, call the use cases every surface calls
// (internal/app, internal/webhooks) and encode as Loop does
// (loopapi.Marshal). docs/loop.md is the integrator's guide.
package loophttp

import (
	"crypto/rand"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/httpx"
	"github.com/reboundhq/rebound/internal/loopapi"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/shipping/shipsvc"
	"github.com/reboundhq/rebound/internal/webhooks"
)

// Prefixes are the version prefixes the API is mounted under: the legacy
// alias v1 and the version it stands for.
var Prefixes = []string{"/api/v1", "/api/2026-07"}

// DefaultRateLimit is Loop's limit per API key (requests per minute); the
// limiter itself is given by Config.Limit.
const DefaultRateLimit = 300

// Config configures New.
type Config struct {
	App      *app.App
	Webhooks *webhooks.Service
	// Limit, when set, is asked before every authenticated request with the
	// API key's id: ok false answers 429 with Retry-After. nil is unlimited.
	Limit func(key string) (ok bool, retryAfter time.Duration)
	// CursorKey signs page cursors (at least 16 bytes); every replica must
	// use the same one. nil draws a random key: cursors then only work on
	// the process that issued them.
	CursorKey []byte
	// Now is the clock of the list's default window (default time.Now).
	Now func() time.Time
	// Shipping buys the labels of the Labels API's generate-label.
	Shipping *shipsvc.Service
	// Catalog, when set, records every route for the OpenAPI document.
	Catalog *httpx.Catalog
}

// Surface names this surface in Rebound's OpenAPI document.
const Surface = "Loop API"

// API is the Loop-compatible surface.
type API struct {
	app     *app.App
	hooks   *webhooks.Service
	limit   func(string) (bool, time.Duration)
	cursors *loopapi.Cursors
	now     func() time.Time
	ship    *shipsvc.Service
	catalog *httpx.Catalog
	mux     *http.ServeMux
}

// New returns the API; Mount adds its routes to a mux.
func New(cfg Config) *API {
	key := cfg.CursorKey
	if len(key) < 16 {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	c, _ := loopapi.NewCursors(key)
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &API{app: cfg.App, hooks: cfg.Webhooks, limit: cfg.Limit, cursors: c, now: now, catalog: cfg.Catalog, ship: cfg.Shipping}
}

// Mount registers every route under every prefix on mux.
func (a *API) Mount(mux *http.ServeMux) {
	a.mux = mux
	for _, p := range Prefixes {
		a.returnRoutes(p)
		a.webhookRoutes(p)
		a.labelRoutes(p)
	}
}

type handler func(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error

// handle registers a route: the key in X-Authorization (or, for the
// webhooks API's OAuth clients, Authorization: Bearer) must be valid and
// grant scope, else Loop's 401; then the rate limit, else 429.
func (a *API) handle(pattern string, scope returns.Scope, h handler) {
	a.catalog.Add(pattern, Surface, httpx.SecurityXAuthorization, string(scope))
	a.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		httpx.RouteOf(r).WriteError = writeError
		key, err := a.authenticate(r)
		if err != nil || !key.Allows(scope) {
			if err != nil && returns.ErrorCode(err) != returns.EUNAUTHORIZED {
				writeError(w, r, err)
				return
			}
			write(w, http.StatusUnauthorized, loopapi.Unauthorized)
			return
		}
		if a.limit != nil {
			if ok, after := a.limit(key.ID); !ok {
				w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(max(after, time.Second).Seconds()))))
				write(w, http.StatusTooManyRequests, loopapi.TooManyRequests)
				return
			}
		}
		if err := h(w, r, key); err != nil {
			writeError(w, r, err)
		}
	})
}

func (a *API) authenticate(r *http.Request) (*returns.APIKey, error) {
	tok := strings.TrimSpace(r.Header.Get("X-Authorization"))
	if tok == "" {
		if b, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			tok = strings.TrimSpace(b)
		}
	}
	tok = strings.TrimSpace(strings.TrimPrefix(tok, "Bearer "))
	if tok == "" {
		return nil, returns.Errorf(returns.EUNAUTHORIZED, "missing X-Authorization")
	}
	return a.app.Authenticate(r.Context(), tok)
}

func actorOf(key *returns.APIKey) returns.Actor { return returns.KeyActor(key, "Loop API") }

// write sends v as Loop encodes its bodies.
func write(w http.ResponseWriter, status int, v any) {
	b, err := loopapi.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"errors":{"message":"Unexpected error.","code":"UNEXPECTED_ERROR"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// statusError is an answer with a Loop body chosen by the handler.
type statusError struct {
	status int
	body   any
}

func (e *statusError) Error() string { return http.StatusText(e.status) }

func notFound(what string) error {
	return &statusError{status: http.StatusNotFound, body: loopapi.NotFound(what + " not found.")}
}

// writeError answers err: Loop's 422 bodies for bad parameters, NOT_FOUND
// for what the store has not, UNEXPECTED_ERROR (logged) for the rest.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var se *statusError
	var ve *loopapi.ValidationError
	var le *loopapi.LineItemError
	var me *loopapi.MessageError
	var ne *loopapi.NoteError
	switch {
	case errors.As(err, &se):
		write(w, se.status, se.body)
	case errors.As(err, &ve):
		write(w, http.StatusUnprocessableEntity, ve)
	case errors.As(err, &le):
		write(w, http.StatusUnprocessableEntity, le)
	case errors.As(err, &me):
		write(w, http.StatusUnprocessableEntity, me)
	case errors.As(err, &ne):
		write(w, http.StatusUnprocessableEntity, ne)
	case returns.IsNotFound(err):
		write(w, http.StatusNotFound, loopapi.NotFound(returns.ErrorMessage(err)))
	default:
		e := httpx.Resolve(r, err)
		if e.Status < 500 {
			// A request the use case refused that no Loop shape names.
			write(w, http.StatusUnprocessableEntity, &loopapi.ValidationError{Message: e.Detail, Errors: map[string][]string{"request": {e.Detail}}})
			return
		}
		write(w, http.StatusInternalServerError, map[string]any{"errors": map[string]string{"message": "Unexpected error.", "code": "UNEXPECTED_ERROR"}})
	}
}

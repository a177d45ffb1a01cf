// Package redoapi is Rebound's Redo-compatible surface: every /v2.2
// handler (orders, custom order sync, returns, tags, policy, webhooks, the
// Ecwid connection), Redo's wire DTOs and Redo's error styles, and the
// bearer-key authentication and tenancy of the API. Handlers are thin:
// decode, call a use case (internal/app, internal/webhooks,
// internal/ecwidsync), encode. Errors become HTTP through internal/httpx.
package redoapi

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/ecwidsync"
	"github.com/reboundhq/rebound/internal/httpx"
	"github.com/reboundhq/rebound/internal/invoices"
	"github.com/reboundhq/rebound/internal/ratelimit"
	"github.com/reboundhq/rebound/internal/refundid/refundidsync"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/shipping/shipsvc"
	"github.com/reboundhq/rebound/internal/webhooks"
)

// Surface names this surface in Rebound's OpenAPI document.
const Surface = "Redo API v2.2"

// Config configures New.
type Config struct {
	App      *app.App
	Webhooks *webhooks.Service
	Ecwid    *ecwidsync.Service
	// Refundid, when set, adds the Refundid connection and link routes.
	Refundid *refundidsync.Service
	// RateLimit limits requests per API key (nil: no limit).
	RateLimit *ratelimit.Limiter
	Shipping  *shipsvc.Service
	Invoices  *invoices.Service
	// Catalog, when set, records every route for the OpenAPI document.
	Catalog *httpx.Catalog
}

// API serves Redo's API v2.2 and Rebound's extensions to it.
type API struct {
	app      *app.App
	hooks    *webhooks.Service
	ecwid    *ecwidsync.Service
	refundid *refundidsync.Service
	limit    *ratelimit.Limiter
	catalog  *httpx.Catalog
	ship     *shipsvc.Service
	inv      *invoices.Service
	mux      *http.ServeMux
}

// New returns the API; Mount adds its routes to a mux.
func New(cfg Config) *API {
	return &API{app: cfg.App, hooks: cfg.Webhooks, ecwid: cfg.Ecwid, refundid: cfg.Refundid, limit: cfg.RateLimit, catalog: cfg.Catalog,
		ship: cfg.Shipping, inv: cfg.Invoices}
}

// Mount registers every route of the surface on mux.
func (s *API) Mount(mux *http.ServeMux) {
	s.mux = mux
	s.orderRoutes()
	s.ordersAPIRoutes()
	s.returnRoutes()
	s.webhookRoutes()
	s.integrationRoutes()
	if s.refundid != nil {
		s.refundidRoutes()
	}
	s.shippingRoutes()
	s.portalRoutes()
}

// authedHandler serves a request made with a valid key that may act on the
// path's store with the route's scope.
type authedHandler func(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error

// handle registers an API route: the bearer key must be valid (401), be
// within its rate limit if one is set (429 with Retry-After), belong to the
// {storeId} of the path if there is one (403, before any data is read) and
// grant scope (403 com.getredo.api:scope/forbidden).
func (s *API) handle(pattern string, scope returns.Scope, style errStyle, h authedHandler) {
	s.catalog.Add(pattern, Surface, httpx.SecurityBearer, string(scope))
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		httpx.RouteOf(r).WriteError = writerFor(style)
		key, err := s.authenticate(r)
		if err != nil {
			if returns.ErrorCode(err) == returns.EUNAUTHORIZED {
				w.Header().Set("WWW-Authenticate", `Bearer realm="rebound"`)
			}
			writeError(w, r, style, err)
			return
		}
		if ok, wait := s.limit.Allow(key.ID); !ok {
			secs := ratelimit.RetryAfterSeconds(wait)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			writeError(w, r, style, returns.Errorf(returns.ETOOMANY,
				"rate limit of %d requests per minute for this API key exceeded; retry after %d s", s.limit.PerMinute(), secs))
			return
		}
		if sid := r.PathValue("storeId"); sid != "" && subtle.ConstantTimeCompare([]byte(sid), []byte(key.StoreID)) != 1 {
			writeError(w, r, style, &httpx.Error{Status: http.StatusForbidden, Type: problemStoreForbidden,
				Detail: "this API key does not have access to store " + sid})
			return
		}
		if !key.Allows(scope) {
			writeError(w, r, style, &httpx.Error{Status: http.StatusForbidden, Type: problemScopeForbidden, Title: "Missing scope",
				Detail: "this API key lacks the " + string(scope) + " scope"})
			return
		}
		if err := h(w, r, key); err != nil {
			writeError(w, r, style, err)
		}
	})
}

func (s *API) authenticate(r *http.Request) (*returns.APIKey, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, returns.Errorf(returns.EUNAUTHORIZED, "missing Authorization header (expected: Bearer <API key>)")
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return nil, returns.Errorf(returns.EUNAUTHORIZED, "malformed Authorization header (expected: Bearer <API key>)")
	}
	return s.app.Authenticate(r.Context(), strings.TrimSpace(token))
}

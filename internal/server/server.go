// Package server wires Rebound's HTTP surfaces into one handler: it mounts
// each surface (internal/redoapi, the inbound Ecwid webhooks of
// internal/ecwidsync, ...), adds the global middleware (request ids,
// access logs, metrics, panic recovery) and serves the operational
// endpoints /healthz, /readyz, /metrics. Nothing of a surface's wire format
// lives here. Services (wire.go) builds the use cases and the job workers
// every process shares.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/reboundhq/rebound/internal/httpx"
	"github.com/reboundhq/rebound/internal/loopapi/loophttp"
	"github.com/reboundhq/rebound/internal/redoapi"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/web"
	"github.com/reboundhq/rebound/internal/web/admin"
	"github.com/reboundhq/rebound/internal/web/portal"
)

// Config configures New.
type Config struct {
	Services *Services
	Logger   *slog.Logger
	// Registry receives the metrics; nil means a new registry with the Go
	// and process collectors.
	Registry *prometheus.Registry
	// Version is the build's version, shown in /openapi.json.
	Version string
	// AccessLog logs one line per request (default on in serve).
	AccessLog bool
	// RequestTimeout is every request's deadline, reading its body
	// included (≤ 0: DefaultRequestTimeout). See withDeadline.
	RequestTimeout time.Duration
	// LoopCursorKey signs the Loop API's page cursors; replicas must
	// share it (nil: a random key per process).
	LoopCursorKey []byte
	// LoopLimit, when set, replaces Services.LoopLimiter as the Loop API's
	// per-key limit (tests use it to control time).
	LoopLimit func(key string) (ok bool, retryAfter time.Duration)
}

// DefaultRequestTimeout is Config.RequestTimeout's default.
const DefaultRequestTimeout = 30 * time.Second

// Server is Rebound's HTTP handler.
type Server struct {
	store     store.Store
	log       *slog.Logger
	mux       *http.ServeMux
	reg       *prometheus.Registry
	metrics   *metrics
	accessLog bool
	timeout   time.Duration
	handler   http.Handler
	openapi   []byte
}

// New builds the handler and registers its metrics.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	reg := cfg.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	sv := cfg.Services
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	s := &Server{store: sv.Store, log: cfg.Logger, mux: http.NewServeMux(), reg: reg, accessLog: cfg.AccessLog, timeout: cfg.RequestTimeout}
	s.metrics = newMetrics(reg)
	reg.MustRegister(&storeCollector{st: s.store})

	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg}))
	cat := &httpx.Catalog{}
	redoapi.New(redoapi.Config{App: sv.App, Webhooks: sv.Webhooks, Ecwid: sv.Ecwid, Refundid: sv.Refundid, RateLimit: sv.RedoLimiter, Catalog: cat,
		Shipping: sv.Shipping, Invoices: sv.Invoices}).Mount(s.mux)
	loopLimit := cfg.LoopLimit
	if loopLimit == nil {
		loopLimit = sv.LoopLimiter.Allow
	}
	loophttp.New(loophttp.Config{App: sv.App, Webhooks: sv.Webhooks, Limit: loopLimit, CursorKey: cfg.LoopCursorKey, Catalog: cat, Shipping: sv.Shipping}).Mount(s.mux)
	sv.Ecwid.Mount(s.mux, cat)
	sv.Refundid.Mount(s.mux, cat)
	sv.Shipping.Mount(s.mux, cat)
	s.openapi = openAPIDocument(cat.Routes(), cfg.Version)
	s.mux.HandleFunc("GET /openapi.json", s.serveOpenAPI)
	s.mux.Handle("GET "+web.AssetPrefix, web.Assets()) // the web surfaces' shared assets
	admin.New(admin.Config{App: sv.App, Webhooks: sv.Webhooks, Ecwid: sv.Ecwid, Refundid: sv.Refundid, Shipping: sv.Shipping, Users: sv.Users}).Mount(s.mux)
	portal.New(portal.Config{App: sv.App, StatusKey: sv.PortalKey(), Catalog: sv.Catalog}).Mount(s.mux)

	s.handler = s.observe(s.withDeadline(http.HandlerFunc(s.route)))
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.store.Ready(ctx); err != nil {
		httpx.Logger(r).Warn("not ready", slog.Any("error", err))
		httpx.WriteProblem(w, r, httpx.StatusError(http.StatusServiceUnavailable, err.Error()))
		return
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]string{"status": "ready", "database": s.store.Dialect()})
}

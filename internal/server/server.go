// Package server wires Rebound's HTTP surface: the router, middleware
// (request ids, access logs, metrics, panic recovery), authentication and
// tenancy, the operational endpoints and the /v2.2 handlers. Handlers are
// thin: decode, call internal/app, encode. Errors become HTTP in one place
// (errors.go).
package server

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// Config configures New.
type Config struct {
	App    *app.App
	Logger *slog.Logger
	// Registry receives the metrics; nil means a new registry with the Go
	// and process collectors.
	Registry *prometheus.Registry
	// AccessLog logs one line per request (default on in serve).
	AccessLog bool
}

// Server is Rebound's HTTP handler.
type Server struct {
	app       *app.App
	store     store.Store
	log       *slog.Logger
	mux       *http.ServeMux
	reg       *prometheus.Registry
	metrics   *metrics
	accessLog bool
	handler   http.Handler
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
	s := &Server{app: cfg.App, store: cfg.App.Store, log: cfg.Logger, mux: http.NewServeMux(), reg: reg, accessLog: cfg.AccessLog}
	s.metrics = newMetrics(reg)
	reg.MustRegister(&storeCollector{st: s.store})
	s.routes()
	s.handler = s.observe(http.HandlerFunc(s.route))
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg}))

	s.handle("POST /v2.2/stores/{storeId}/custom/orders", returns.ScopeOrdersWrite, styleCustomOrder, s.syncCustomOrder)
	s.handle("GET /v2.2/stores/{storeId}/orders/{orderId}", returns.ScopeOrdersRead, styleOrdersAPI, s.getOrder)
	s.handle("DELETE /v2.2/stores/{storeId}/orders/{orderId}", returns.ScopeOrdersWrite, styleOrdersAPI, s.deleteOrder)

	s.returnRoutes()
	s.webhookRoutes()
	s.mux.HandleFunc("POST "+app.EcwidWebhookPath+"{token}", s.ecwidWebhook)

	// Rebound extension: the store's Ecwid connection (integrations.go).
	s.handle("PUT /v2.2/stores/{storeId}/integrations/ecwid", returns.ScopeOrdersWrite, styleProblem, s.putEcwid)
	s.handle("GET /v2.2/stores/{storeId}/integrations/ecwid", returns.ScopeOrdersRead, styleProblem, s.getEcwid)
	s.handle("DELETE /v2.2/stores/{storeId}/integrations/ecwid", returns.ScopeOrdersWrite, styleProblem, s.deleteEcwid)
}

// authedHandler serves a request made with a valid key that may act on the
// path's store with the route's scope.
type authedHandler func(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error

// handle registers an API route: the bearer key must be valid (401), belong
// to the {storeId} of the path if there is one (403, before any data is
// read) and grant scope (403 com.getredo.api:scope/forbidden).
func (s *Server) handle(pattern string, scope returns.Scope, style errStyle, h authedHandler) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if ri, ok := r.Context().Value(ctxRoute).(*routeInfo); ok {
			ri.style = style
		}
		key, err := s.authenticate(r)
		if err != nil {
			if returns.ErrorCode(err) == returns.EUNAUTHORIZED {
				w.Header().Set("WWW-Authenticate", `Bearer realm="rebound"`)
			}
			writeError(w, r, style, err)
			return
		}
		if sid := r.PathValue("storeId"); sid != "" && subtle.ConstantTimeCompare([]byte(sid), []byte(key.StoreID)) != 1 {
			writeError(w, r, style, &httpError{status: http.StatusForbidden, typ: "com.getredo.api:store/forbidden",
				detail: "this API key does not have access to store " + sid})
			return
		}
		if !key.Allows(scope) {
			writeError(w, r, style, &httpError{status: http.StatusForbidden, typ: problemScopeForbidden, title: "Missing scope",
				detail: "this API key lacks the " + string(scope) + " scope"})
			return
		}
		if err := h(w, r, key); err != nil {
			writeError(w, r, style, err)
		}
	})
}

func (s *Server) authenticate(r *http.Request) (*returns.APIKey, error) {
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

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, "application/json", map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.store.Ready(ctx); err != nil {
		logger(r).Warn("not ready", slog.Any("error", err))
		writeError(w, r, styleProblem, statusError(http.StatusServiceUnavailable, err.Error()))
		return
	}
	writeJSON(w, http.StatusOK, "application/json", map[string]string{"status": "ready", "database": s.store.Dialect()})
}

// storeCollector exports connection pool and job queue gauges at scrape time.
type storeCollector struct{ st store.Store }

var (
	descPoolOpen  = prometheus.NewDesc("rebound_db_pool_open_connections", "Open connections by pool.", []string{"pool"}, nil)
	descPoolInUse = prometheus.NewDesc("rebound_db_pool_in_use_connections", "Connections in use by pool.", []string{"pool"}, nil)
	descPoolIdle  = prometheus.NewDesc("rebound_db_pool_idle_connections", "Idle connections by pool.", []string{"pool"}, nil)
	descPoolMax   = prometheus.NewDesc("rebound_db_pool_max_connections", "Maximum connections by pool.", []string{"pool"}, nil)
	descPoolWaits = prometheus.NewDesc("rebound_db_pool_waits_total", "Times a caller waited for a connection.", []string{"pool"}, nil)
	descPoolWait  = prometheus.NewDesc("rebound_db_pool_wait_seconds_total", "Time spent waiting for a connection.", []string{"pool"}, nil)
	descJobs      = prometheus.NewDesc("rebound_jobs", "Background jobs by state.", []string{"state"}, nil)
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPoolOpen, descPoolInUse, descPoolIdle, descPoolMax, descPoolWaits, descPoolWait, descJobs} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	if p, ok := c.st.(store.Pooler); ok {
		for name, st := range p.Pools() {
			ch <- prometheus.MustNewConstMetric(descPoolOpen, prometheus.GaugeValue, float64(st.Open), name)
			ch <- prometheus.MustNewConstMetric(descPoolInUse, prometheus.GaugeValue, float64(st.InUse), name)
			ch <- prometheus.MustNewConstMetric(descPoolIdle, prometheus.GaugeValue, float64(st.Idle), name)
			ch <- prometheus.MustNewConstMetric(descPoolMax, prometheus.GaugeValue, float64(st.MaxOpen), name)
			ch <- prometheus.MustNewConstMetric(descPoolWaits, prometheus.CounterValue, float64(st.WaitCount), name)
			ch <- prometheus.MustNewConstMetric(descPoolWait, prometheus.CounterValue, st.WaitDuration.Seconds(), name)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.st.JobCounts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descJobs, err)
		return
	}
	for _, state := range []string{"available", "scheduled", "running", "retryable", "completed", "cancelled", "discarded", "pending"} {
		ch <- prometheus.MustNewConstMetric(descJobs, prometheus.GaugeValue, float64(counts[state]), state)
	}
}

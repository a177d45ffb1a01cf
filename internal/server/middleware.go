package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/reboundhq/rebound/internal/httpx"
)

type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inflight prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rebound_http_requests_total", Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "rebound_http_request_duration_seconds", Help: "HTTP request latency by route pattern and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rebound_http_requests_in_flight", Help: "HTTP requests being served.",
		}),
	}
	reg.MustRegister(m.requests, m.latency, m.inflight)
	return m
}

// observe wraps the whole handler: request id, structured access log,
// metrics by route pattern, and panic recovery (answered in the matched
// surface's error shape, problem+json when none matched).
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		r, ri := httpx.Begin(w, r, s.log)
		sw := &httpx.StatusWriter{ResponseWriter: w}
		s.metrics.inflight.Inc()
		defer func() {
			s.metrics.inflight.Dec()
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				httpx.Logger(r).Error("panic", slog.String("panic", fmt.Sprint(p)))
				if sw.Status == 0 {
					write := ri.WriteError
					if write == nil {
						write = httpx.WriteProblem
					}
					write(sw, r, fmt.Errorf("panic: %v", p))
				}
			}
			status := sw.Status
			if status == 0 {
				status = http.StatusOK
			}
			d := time.Since(start)
			s.metrics.requests.WithLabelValues(ri.Pattern, r.Method, strconv.Itoa(status)).Inc()
			s.metrics.latency.WithLabelValues(ri.Pattern, r.Method).Observe(d.Seconds())
			// Logger(r) builds the request's logger: not for a line the
			// level drops.
			if s.accessLog && s.log.Enabled(r.Context(), slog.LevelInfo) {
				httpx.Logger(r).LogAttrs(r.Context(), slog.LevelInfo, "request",
					slog.String("method", r.Method), slog.String("path", loggedPath(ri.Pattern, r.URL.Path)), slog.String("route", ri.Pattern),
					slog.Int("status", status), slog.Int("bytes", sw.Bytes), slog.Duration("duration", d))
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// loggedPath is path as the access log shows it: the segments that the
// route pattern takes as a {token} wildcard (the secret of an invitation
// link, of an integration's inbound URL) are written "{token}", so that
// a log never holds a secret that opens something.
func loggedPath(pattern, path string) string {
	_, pat, _ := strings.Cut(pattern, " ")
	if pat == "" {
		pat = pattern
	}
	if !strings.Contains(pat, "{token}") {
		return path
	}
	ps, segs := strings.Split(pat, "/"), strings.Split(path, "/")
	if len(ps) != len(segs) {
		return path
	}
	for i, p := range ps {
		if p == "{token}" {
			segs[i] = "{token}"
		}
	}
	return strings.Join(segs, "/")
}

// route answers the router's own 404 and 405 as problem+json (ServeMux
// would answer plain text) and keeps its Allow header.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		httpx.RouteOf(r).Pattern = pattern
		s.mux.ServeHTTP(w, r) // (not h: ServeHTTP also sets the path values)
		return
	}
	rec := &headerRecorder{h: http.Header{}}
	h.ServeHTTP(rec, r)
	switch rec.status {
	case http.StatusMethodNotAllowed:
		if allow := rec.h.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		httpx.WriteProblem(w, r, httpx.StatusError(rec.status, fmt.Sprintf("method %s is not allowed on %s", r.Method, r.URL.Path)))
	case http.StatusNotFound, 0:
		httpx.WriteProblem(w, r, httpx.StatusError(http.StatusNotFound, "no such endpoint: "+r.URL.Path))
	default: // redirects (path cleaning) pass through
		for k, v := range rec.h {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.status)
	}
}

type headerRecorder struct {
	h      http.Header
	status int
}

func (r *headerRecorder) Header() http.Header { return r.h }
func (r *headerRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}
func (r *headerRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return len(b), nil
}

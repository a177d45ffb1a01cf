package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type ctxKey int

const (
	ctxRequestID ctxKey = iota
	ctxLogger
	ctxRoute
)

// routeInfo carries the matched route pattern, and the route's error
// style, from the router back out to the observing middleware.
type routeInfo struct {
	pattern string
	style   errStyle
}

func requestID(r *http.Request) string {
	id, _ := r.Context().Value(ctxRequestID).(string)
	return id
}

// logger returns the request's logger (carrying its request id), built on
// first use so that requests that log nothing don't pay for it.
func logger(r *http.Request) *slog.Logger {
	if l, ok := r.Context().Value(ctxLogger).(*lazyLogger); ok {
		return l.get()
	}
	return slog.Default()
}

type lazyLogger struct {
	base *slog.Logger
	id   string
	l    *slog.Logger
}

func (l *lazyLogger) get() *slog.Logger {
	if l.l == nil {
		l.l = l.base.With(slog.String("request_id", l.id))
	}
	return l.l
}

// validRequestID accepts a client's X-Request-Id when it is short and
// printable, so ids can be correlated across systems without log injection.
func validRequestID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

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
// metrics by route pattern, and panic recovery.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		ll := &lazyLogger{base: s.log, id: id}
		ri := &routeInfo{pattern: "unmatched"}
		ctx := context.WithValue(context.WithValue(context.WithValue(r.Context(), ctxRequestID, id), ctxLogger, ll), ctxRoute, ri)
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		s.metrics.inflight.Inc()
		defer func() {
			s.metrics.inflight.Dec()
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				ll.get().Error("panic", slog.String("panic", fmt.Sprint(p)))
				if sw.status == 0 {
					writeError(sw, r, ri.style, fmt.Errorf("panic: %v", p))
				}
			}
			route := ri.pattern
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			d := time.Since(start)
			s.metrics.requests.WithLabelValues(route, r.Method, strconv.Itoa(status)).Inc()
			s.metrics.latency.WithLabelValues(route, r.Method).Observe(d.Seconds())
			if s.accessLog {
				ll.get().LogAttrs(r.Context(), slog.LevelInfo, "request",
					slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", route),
					slog.Int("status", status), slog.Int("bytes", sw.bytes), slog.Duration("duration", d))
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// unmatched answers the router's own 404 and 405 as problem+json (ServeMux
// would answer plain text) and keeps its Allow header.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		if ri, ok := r.Context().Value(ctxRoute).(*routeInfo); ok {
			ri.pattern = pattern
		}
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
		writeError(w, r, styleProblem, statusError(rec.status, fmt.Sprintf("method %s is not allowed on %s", r.Method, r.URL.Path)))
	case http.StatusNotFound, 0:
		writeError(w, r, styleProblem, statusError(http.StatusNotFound, "no such endpoint: "+r.URL.Path))
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

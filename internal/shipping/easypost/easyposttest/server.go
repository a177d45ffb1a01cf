package easyposttest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/reboundhq/rebound/internal/shipping/easypost"
)

// Options configure a Server.
type Options struct {
	// APIKey is the key requests must authenticate with; when empty any
	// non-empty key is accepted.
	APIKey string
	// WebhookURL receives tracker events; none are sent when empty.
	WebhookURL string
	// WebhookSecret signs the events (X-Hmac-Signature); unsigned when empty.
	WebhookSecret string
	// HTTPClient delivers webhooks; a client with a 10 second timeout when nil.
	HTTPClient *http.Client
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// Latency delays every API answer (a slow EasyPost); the wait ends
	// early when the request's context ends.
	Latency time.Duration
}

// Call is one API request the server received.
type Call struct {
	Method, Path string
	Status       int
}

// Server is the fake. It is safe for concurrent use.
type Server struct {
	opts Options
	mux  *http.ServeMux

	mu         sync.Mutex
	shipments  map[string]*easypost.Shipment
	trackers   map[string]*easypost.Tracker // by id
	byCode     map[string]string            // tracking code -> tracker id
	calls      []Call
	purchases  int
	failN      int
	failStatus int
	buyThen500 bool
	hold       *hold
	seq        int
}

type hold struct {
	arrived, released chan struct{}
}

// New returns a fake with no data.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	s := &Server{opts: opts, shipments: map[string]*easypost.Shipment{}, trackers: map[string]*easypost.Tracker{}, byCode: map[string]string{}}
	m := http.NewServeMux()
	m.HandleFunc("POST /shipments", s.api(s.createShipment))
	m.HandleFunc("GET /shipments/{id}", s.api(s.getShipment))
	m.HandleFunc("POST /shipments/{id}/buy", s.api(s.buyShipment))
	m.HandleFunc("POST /shipments/{id}/refund", s.api(s.refundShipment))
	m.HandleFunc("POST /trackers", s.api(s.createTracker))
	m.HandleFunc("GET /trackers/{id}", s.api(s.getTracker))
	m.HandleFunc("GET /labels/{file}", s.serveLabel)
	m.HandleFunc("/", s.api(func(r *http.Request) (int, any) {
		return apiError(http.StatusNotFound, "NOT_FOUND", "The requested resource could not be found.")
	}))
	s.mux = m
	return s
}

// ServeHTTP serves the API under / (a client's base URL is the server's
// root, e.g. httptest's URL).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Accept the /v2 prefix too, so that the base URL may end in /v2.
	if p, ok := strings.CutPrefix(r.URL.Path, "/v2/"); ok {
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + p
		r = r2
	}
	s.mux.ServeHTTP(w, r)
}

// ListenAndServe serves a fake on addr (e.g. "127.0.0.1:8085") until ctx
// ends, then shuts it down and returns nil; it returns the listener's
// error if addr cannot be used.
func ListenAndServe(ctx context.Context, addr string, opts Options) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: New(opts), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

// FailNext makes the next n API calls answer status (a 5xx or 429) with an
// EasyPost error body, without doing anything.
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failStatus = n, status
}

// FailNextBuyAfterPurchase makes the next buy store the purchase and then
// answer 500, as when EasyPost's answer is lost: a client that buys again
// would buy twice.
func (s *Server) FailNextBuyAfterPurchase() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buyThen500 = true
}

// Hold makes the next API call wait, before doing anything, until release
// is called or the request's context ends. arrived is closed when the call
// is waiting.
func (s *Server) Hold() (arrived <-chan struct{}, release func()) {
	h := &hold{arrived: make(chan struct{}), released: make(chan struct{})}
	s.mu.Lock()
	s.hold = h
	s.mu.Unlock()
	var once sync.Once
	return h.arrived, func() { once.Do(func() { close(h.released) }) }
}

// Calls returns the API calls received so far, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Purchases returns how many labels were bought.
func (s *Server) Purchases() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.purchases
}

// Shipment returns a copy of a stored shipment, or nil.
func (s *Server) Shipment(id string) *easypost.Shipment {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sh, ok := s.shipments[id]; ok {
		c := *sh
		return &c
	}
	return nil
}

type handler func(r *http.Request) (status int, body any)

// api wraps an API handler with authentication, fault injection, latency
// and the call log. Handlers run under s.mu.
func (s *Server) api(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		status, body := s.serveAPI(r, h)
		s.mu.Lock()
		s.calls = append(s.calls, Call{Method: r.Method, Path: r.URL.Path, Status: status})
		s.mu.Unlock()
		b, _ := json.Marshal(body)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write(b)
	}
}

func (s *Server) serveAPI(r *http.Request, h handler) (int, any) {
	s.mu.Lock()
	hd := s.hold
	s.hold = nil
	s.mu.Unlock()
	if hd != nil {
		close(hd.arrived)
		select {
		case <-hd.released:
		case <-r.Context().Done():
			return apiError(http.StatusServiceUnavailable, "INTERNAL_SERVER_ERROR", "The request was abandoned.")
		}
	}
	if d := s.opts.Latency; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	user, _, ok := r.BasicAuth()
	if !ok || user == "" {
		return apiError(http.StatusUnauthorized, "APIKEY.REQUIRED", "Authentication with an API key is required.")
	}
	if s.opts.APIKey != "" && user != s.opts.APIKey {
		return apiError(http.StatusUnauthorized, "APIKEY.INACTIVE", "The API key is not valid.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failN > 0 {
		s.failN--
		code := "INTERNAL_SERVER_ERROR"
		if s.failStatus == http.StatusTooManyRequests {
			code = "RATE_LIMITED"
		}
		return apiError(s.failStatus, code, "Injected failure.")
	}
	return h(r)
}

// apiError returns an EasyPost error answer.
func apiError(status int, code, message string, fields ...easypost.FieldError) (int, any) {
	return status, map[string]any{"error": easypost.APIError{Code: code, Message: message, Errors: fields}}
}

// newID returns an EasyPost-style id: prefix and 32 hex digits.
func newID(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// decode reads a JSON body into v.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("the body is not valid JSON: %v", err)
	}
	return nil
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// Package refundidtest is a fake Refundid for tests and local development.
//
// A Server plays both of Refundid's parts:
//
//   - the shopper portal: it takes an initial redirect URL (Open, or
//     GET /query-order), checks its parameters as Refundid states it does,
//     submits itself when the link is complete, and then calls the
//     merchant's GET /refund (merchant-initiated RMA) and GET /order with
//     the configured credentials and the echoed privacy key. A test then
//     chooses items, quantities and reasons (Choose) and confirms (Confirm),
//     and the fake posts the refunding and refundid|failed notifications to
//     the merchant (Deliver), in any order, with duplicates, retrying
//     failed deliveries;
//   - the merchant API: GET /v1/merchant/returns with X-Refundid-Api-Key and
//     offset paging over the refunds it holds.
//
// Its own answers can be made to fail (Fail) or to hang until released
// (Hold). Where Refundid's wire format is unknown the fake does what
// internal/refundid's models guess (see the GAP notes in models.go); it
// shares those types so that a confirmation changes both at once.
//
// `rebound dev fake-refundid --addr` is meant to run it with ListenAndServe;
// control endpoints under /_fake/ drive it over HTTP there.
package refundidtest

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	"github.com/reboundhq/rebound/internal/refundid"
)

// Defaults of a Config's zero fields.
const (
	DefaultShop            = "rebound-test.example"
	DefaultAPIKey          = "rfd_test_key"
	DefaultPageSize        = 20
	DefaultNotifyAttempts  = 3
	DefaultMerchantTimeout = 10 * time.Second
)

// Config configures a Server. Merchant endpoints are full URLs, as a
// merchant registers them with Refundid.
type Config struct {
	Shop      string // the shop id links must carry; DefaultShop when ""
	OrderURL  string // the merchant's GET /order
	RefundURL string // the merchant's GET /refund; "" refuses merchant-initiated RMAs
	NotifyURL string // the merchant's POST /refundid
	// BearerToken, when set, is sent as "Authorization: Bearer <token>".
	BearerToken string
	// HeaderName and HeaderValue, when set, are the merchant's API-key
	// header.
	HeaderName, HeaderValue string
	// APIKey is what GET /v1/merchant/returns accepts; DefaultAPIKey when "".
	APIKey string
	// PageSize is the length of a full page of returns; DefaultPageSize
	// when 0.
	PageSize int
	// NotifyAttempts is how often one notification is tried before the
	// fake gives up (GAP: Refundid's retry policy is unknown);
	// DefaultNotifyAttempts when 0.
	NotifyAttempts int
	// MerchantTimeout bounds each call to the merchant;
	// DefaultMerchantTimeout when 0.
	MerchantTimeout time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.Shop == "" {
		c.Shop = DefaultShop
	}
	if c.APIKey == "" {
		c.APIKey = DefaultAPIKey
	}
	if c.PageSize <= 0 {
		c.PageSize = DefaultPageSize
	}
	if c.NotifyAttempts <= 0 {
		c.NotifyAttempts = DefaultNotifyAttempts
	}
	if c.MerchantTimeout <= 0 {
		c.MerchantTimeout = DefaultMerchantTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Server is a fake Refundid. Its methods are safe for concurrent use.
type Server struct {
	cfg    Config
	client *http.Client
	ts     *httptest.Server

	mu       sync.Mutex
	seq      int
	sessions map[string]*Session
	refunds  []stored // in creation order, as the listing serves them
	byID     map[string]int
	keyOf    map[string]string // refundid_id → the privacy key of its session
	calls    []Call
	faults   map[string][]int // path → statuses for the next requests
	holds    map[string]*hold // path → the Hold in force
}

// stored is one element of the returns listing.
type stored struct {
	raw   json.RawMessage // set for elements added with AddRaw
	order *refundid.RapiRefundidOrder
}

// Call is a call the fake made to the merchant.
type Call struct {
	Method string
	URL    string
	Status int    // 0 when no answer came
	Err    string // the transport error, if any
}

// New returns a Server that is not listening; serve Handler yourself, or
// use Start or ListenAndServe.
func New(cfg Config) *Server {
	cfg = cfg.withDefaults()
	return &Server{
		cfg:      cfg,
		client:   &http.Client{Timeout: cfg.MerchantTimeout},
		sessions: map[string]*Session{},
		byID:     map[string]int{},
		keyOf:    map[string]string{},
		faults:   map[string][]int{},
		holds:    map[string]*hold{},
	}
}

// Start returns a Server listening on a loopback port (httptest). Close it
// when done.
func Start(cfg Config) *Server {
	s := New(cfg)
	s.ts = httptest.NewServer(s.Handler())
	return s
}

// URL is the base URL of a started Server: both the portal's and the
// merchant API's. It is "" for a Server made with New.
func (s *Server) URL() string {
	if s.ts == nil {
		return ""
	}
	return s.ts.URL
}

// Environment returns an environment whose portal and API are this
// Server's.
func (s *Server) Environment() refundid.Environment {
	return refundid.Environment{Name: "fake", PortalURL: s.URL(), APIURL: s.URL()}
}

// Close stops a started Server, releasing held requests first.
func (s *Server) Close() {
	s.mu.Lock()
	for p, h := range s.holds {
		h.open()
		delete(s.holds, p)
	}
	s.mu.Unlock()
	if s.ts != nil {
		s.ts.Close()
	}
}

// ListenAndServe runs a Server for cfg on addr until ctx ends, then shuts
// it down and returns nil. It returns the listener's error when addr cannot
// be bound.
func ListenAndServe(ctx context.Context, addr string, cfg Config) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return Serve(ctx, ln, cfg)
}

// Serve is ListenAndServe on an existing listener, which it closes.
func Serve(ctx context.Context, ln net.Listener, cfg Config) error {
	s := New(cfg)
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	s.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := hs.Shutdown(sctx)
	if e := <-done; !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	return err
}

// Fail makes the next len(statuses) requests to path (e.g.
// refundid.ReturnsPath) answer those statuses, in order, with a JSON error
// body, instead of being served.
func (s *Server) Fail(path string, statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[path] = append(s.faults[path], statuses...)
}

// Hold makes requests to path wait until release is called (or the
// request's client gives up, or the Server closes). arrived is closed once
// the first such request is waiting. release may be called more than once.
func (s *Server) Hold(path string) (arrived <-chan struct{}, release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := &hold{gate: make(chan struct{}), arrived: make(chan struct{})}
	s.holds[path] = h
	return h.arrived, func() {
		s.mu.Lock()
		if s.holds[path] == h {
			delete(s.holds, path)
		}
		s.mu.Unlock()
		h.open()
	}
}

// hold is one Hold: gate closes on release (or Close), arrived when a
// request first waits.
type hold struct {
	gate, arrived chan struct{}
	once          sync.Once // closes arrived
	gateOnce      sync.Once // closes gate
}

func (h *hold) open() { h.gateOnce.Do(func() { close(h.gate) }) }

// Calls returns the calls the fake made to the merchant, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// AddRefund adds a refund record to the listing as if it had happened (for
// paging tests). A record with an empty RefundidID gets a fresh one, which
// is returned; a record whose RefundidID is already listed replaces it.
func (s *Server) AddRefund(o refundid.RapiRefundidOrder) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o.RefundidID == "" {
		o.RefundidID = s.nextID("rf")
	}
	if i, ok := s.byID[o.RefundidID]; ok {
		s.refunds[i].order = &o
		return o.RefundidID
	}
	s.byID[o.RefundidID] = len(s.refunds)
	s.refunds = append(s.refunds, stored{order: &o})
	return o.RefundidID
}

// AddRaw adds an element of another shape to the listing, standing in for
// RapiStandardReturn, whose shape is unknown.
func (s *Server) AddRaw(v json.RawMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refunds = append(s.refunds, stored{raw: append(json.RawMessage(nil), v...)})
}

// Refund returns the fake's record of a refund; ok is false when there is
// none.
func (s *Server) Refund(refundidID string) (o refundid.RapiRefundidOrder, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.byID[refundidID]
	if !ok {
		return o, false
	}
	return cloneOrder(s.refunds[i].order), true
}

func (s *Server) nextID(prefix string) string {
	s.seq++
	return prefix + "_" + strconv.Itoa(s.seq)
}

// Handler serves the portal (GET /query-order), the merchant API (GET
// /v1/merchant/returns) and the control endpoints:
//
//	POST /_fake/sessions/{id}/choose    body: [Choice]
//	POST /_fake/sessions/{id}/confirm   body: {"outcome": "refundid"|"failed"}
//	POST /_fake/refunds/{id}/deliver    body: {"statuses": [...]} (empty: the usual pair)
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+refundid.RedirectPath, s.servePortal)
	mux.HandleFunc("GET "+refundid.ReturnsPath, s.serveReturns)
	mux.HandleFunc("POST /_fake/sessions/{id}/choose", s.serveChoose)
	mux.HandleFunc("POST /_fake/sessions/{id}/confirm", s.serveConfirm)
	mux.HandleFunc("POST /_fake/refunds/{id}/deliver", s.serveDeliver)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.hold(r) {
			return
		}
		if st := s.fault(r.URL.Path); st != 0 {
			writeJSON(w, st, map[string]string{"message": "injected failure"})
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// hold waits while path is held; it reports whether the request ended
// (client gone) instead.
func (s *Server) hold(r *http.Request) bool {
	s.mu.Lock()
	h := s.holds[r.URL.Path]
	s.mu.Unlock()
	if h == nil {
		return false
	}
	h.once.Do(func() { close(h.arrived) })
	select {
	case <-h.gate:
		return false
	case <-r.Context().Done():
		return true
	}
}

func (s *Server) fault(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.faults[path]
	if len(q) == 0 {
		return 0
	}
	s.faults[path] = q[1:]
	return q[0]
}

// serveReturns is GET /v1/merchant/returns.
func (s *Server) serveReturns(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get(refundid.APIKeyHeader) != s.cfg.APIKey {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "invalid API key"})
		return
	}
	offset := 0
	if v := r.URL.Query().Get(refundid.ReturnsParamOffset); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"message": "offset must be a non-negative integer"})
			return
		}
		offset = n
	}
	s.mu.Lock()
	refunds := []json.RawMessage{}
	for i := offset; i < len(s.refunds) && len(refunds) < s.cfg.PageSize; i++ {
		el := s.refunds[i]
		if el.raw != nil {
			refunds = append(refunds, el.raw)
			continue
		}
		b, err := json.Marshal(el.order)
		if err != nil {
			s.mu.Unlock()
			writeJSON(w, http.StatusInternalServerError, map[string]string{"message": err.Error()})
			return
		}
		refunds = append(refunds, b)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"refunds": refunds, "offset": offset})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func cloneOrder(o *refundid.RapiRefundidOrder) refundid.RapiRefundidOrder {
	c := *o
	c.LineItems = append([]refundid.RapiRefundidOrderLineItem(nil), o.LineItems...)
	return c
}

// Package ecwidtest is an in-process fake of the Ecwid REST API v3 for tests
// and local development.
//
// A Server speaks the wire format the ecwid package expects: Bearer tokens
// with scopes, the {total,count,offset,limit,items} search envelope,
// responseFields selection, Ecwid's {errorMessage, errorCode} error bodies,
// 404s for unknown ids, order creation answering {"id": N, "orderid": "…"},
// and a per-token rate limit answering 429 with Retry-After. It holds a small
// fictional store in memory (products, categories, customers, orders,
// coupons, promotions, abandoned carts and a profile) that tests can extend,
// inspect and clear.
//
// Tests steer it with fault injection (statuses, delays, connection resets,
// malformed JSON, optionally after the request was processed) and assert on
// its request log.
//
// It also sends Ecwid's webhooks, signed with an app's client secret as
// Ecwid signs them: on demand (SendWebhook) or, once SetWebhook names a
// URL, by itself whenever an order is created, updated or deleted through
// the API. `rebound dev fake-ecwid` runs it as a standalone server.
//
// The fake does not import the ecwid client: it only knows the wire format.
package ecwidtest

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Defaults of a new Server.
const (
	DefaultStoreID int64 = 1003
	DefaultToken         = "secret_ecwidtest"
)

// Access scopes checked by the fake.
const (
	ScopeReadStoreProfile    = "read_store_profile" // always granted, as in Ecwid
	ScopeReadCatalog         = "read_catalog"
	ScopeReadOrders          = "read_orders"
	ScopeCreateOrders        = "create_orders"
	ScopeUpdateOrders        = "update_orders"
	ScopeReadCustomers       = "read_customers"
	ScopeReadDiscountCoupons = "read_discount_coupons"
	ScopeReadPromotion       = "read_promotion"
)

// Resource names a collection of the fake store. The value is its path
// segment.
type Resource string

// Collections of the fake store.
const (
	Products   Resource = "products"
	Categories Resource = "categories"
	Customers  Resource = "customers"
	Orders     Resource = "orders"
	Coupons    Resource = "discount_coupons"
	Promotions Resource = "promotions"
	Carts      Resource = "carts"
)

// Server is a fake Ecwid API. Create it with NewServer (listening on a
// loopback port) or NewUnstartedServer. Its methods are safe for concurrent
// use.
type Server struct {
	// URL is the listener's base URL, e.g. "http://127.0.0.1:41234"; empty
	// until the server is started.
	URL string
	// StoreID is the only store id the server answers for.
	StoreID int64
	// Token is the default access token, granted every scope.
	Token string

	hs *httptest.Server

	mu         sync.Mutex
	tokens     map[string]map[string]bool // token → scopes; nil means all
	data       map[Resource][]obj
	profile    obj
	rnd        *rand.Rand
	nextID     int64
	orderIDKey string
	limit      *rateLimit
	faults     []*faultEntry
	reqs       []Request
	maxReqs    int
	now        func() time.Time
	noSeed     bool
	log        *slog.Logger

	// Webhooks (webhook.go); hookMu is never held with mu.
	hookMu     sync.Mutex
	hookIdle   *sync.Cond
	hookURL    string
	hookSecret string
	hookEvents map[string]bool
	hookQueue  []queuedWebhook
	hookBusy   bool
	hookLog    []SentWebhook
	hookClient *http.Client
	hookCtx    context.Context
	hookCancel context.CancelFunc
}

// Option configures a Server.
type Option func(*Server)

// WithStoreID sets the store id (default DefaultStoreID).
func WithStoreID(id int64) Option { return func(s *Server) { s.StoreID = id } }

// WithToken sets the default token (default DefaultToken), which has every
// scope.
func WithToken(token string) Option { return func(s *Server) { s.Token = token } }

// WithScopedToken adds a token limited to scopes (read_store_profile is
// always granted). Requests needing another scope get 403
// INSUFFICIENT_APP_SCOPE.
func WithScopedToken(token string, scopes ...string) Option {
	return func(s *Server) {
		m := map[string]bool{ScopeReadStoreProfile: true}
		for _, sc := range scopes {
			m[sc] = true
		}
		s.tokens[token] = m
	}
}

// WithRateLimit makes the server answer 429 RATE_LIMITED once a token has
// sent n requests within window (Ecwid: 600 per minute). The token then
// stays blocked for cooldown, or, when cooldown is 0, until the window has
// room again. The 429 carries Retry-After with the remaining block in whole
// seconds, rounded up. Rejected requests do not count.
func WithRateLimit(n int, window, cooldown time.Duration) Option {
	return func(s *Server) { s.limit = &rateLimit{n: n, window: window, cooldown: cooldown} }
}

// WithOrderIDKey sets the member name carrying the public order id in
// create-order answers: "orderid" (the default, as in Ecwid's reference)
// or "orderId" (as in Ecwid's guide).
func WithOrderIDKey(key string) Option { return func(s *Server) { s.orderIDKey = key } }

// WithoutSeedData starts the store empty (the profile is still set).
func WithoutSeedData() Option { return func(s *Server) { s.noSeed = true } }

// WithIDSeed seeds the generator of order ids and cart UUIDs. By default
// every server generates the same sequence, so test runs are reproducible;
// a long-lived server restarted on the same data should pass a fresh seed
// (e.g. the time) so it does not hand out an order id it gave before.
func WithIDSeed(seed uint64) Option {
	return func(s *Server) { s.rnd = rand.New(rand.NewPCG(seed, 5)) }
}

// WithClock sets the time source used for timestamps and the rate limit.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// NewUnstartedServer returns a server that is not listening yet: use
// Start, serve it through Transport, or mount it as an http.Handler.
func NewUnstartedServer(opts ...Option) *Server {
	s := &Server{
		StoreID:    DefaultStoreID,
		Token:      DefaultToken,
		tokens:     map[string]map[string]bool{},
		data:       map[Resource][]obj{},
		rnd:        rand.New(rand.NewPCG(1003, 5)),
		nextID:     600000000,
		orderIDKey: "orderid",
		now:        time.Now,
	}
	s.hookIdle = sync.NewCond(&s.hookMu)
	s.hookCtx, s.hookCancel = context.WithCancel(context.Background())
	for _, o := range opts {
		o(s)
	}
	s.tokens[s.Token] = nil
	s.loadSeed()
	return s
}

// NewServer returns a server listening on a loopback port. Close it when
// done.
func NewServer(opts ...Option) *Server {
	s := NewUnstartedServer(opts...)
	s.Start()
	return s
}

// Start starts listening on a loopback port.
func (s *Server) Start() {
	s.hs = httptest.NewServer(s)
	s.URL = s.hs.URL
}

// Close stops the listener, if any, and abandons the automatic webhooks
// not sent yet (call WaitWebhooks first to let them go out).
func (s *Server) Close() {
	if s.hs != nil {
		s.hs.Close()
	}
	s.hookCancel()
	s.WaitWebhooks()
}

// APIRoot returns the API root to give the client ("{URL}/api/v3"); the
// store id follows it. With Transport, any host will do, e.g.
// "http://ecwid.test/api/v3".
func (s *Server) APIRoot() string { return s.URL + "/api/v3" }

// Client returns an *http.Client for the listener.
func (s *Server) Client() *http.Client {
	if s.hs != nil {
		return s.hs.Client()
	}
	return &http.Client{Transport: s.Transport()}
}

// SetOrderIDKey changes the member name of the public id in create-order
// answers (see WithOrderIDKey).
func (s *Server) SetOrderIDKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orderIDKey = key
}

// SetRateLimit changes the rate limit (see WithRateLimit); n <= 0 removes
// it.
func (s *Server) SetRateLimit(n int, window, cooldown time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 {
		s.limit = nil
		return
	}
	s.limit = &rateLimit{n: n, window: window, cooldown: cooldown}
}

// Request is one request the server received.
type Request struct {
	Method string
	// Path is the URL path below the store root, e.g. "/orders/XJ12H";
	// requests outside /api/v3/{storeId} keep their full path.
	Path     string
	Query    url.Values
	RawQuery string
	Header   http.Header
	Body     []byte
	Status   int  // status answered; 0 for a reset connection
	Faulted  bool // an injected fault shaped the answer
	// Processed is true when the fake handled the request (whatever the
	// client then heard): false only when a fault answered in its place
	// or the client gave up during a Delay that preceded the handling.
	Processed bool
	Time      time.Time
}

// Requests returns the request log, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = nil
}

// Fault describes a failure to inject. Exactly one of Status, Delay, Reset
// or Malformed is normally set; Delay may be combined with the others.
//
// By default a fault replaces the handling: the request has no effect. With
// AfterProcessing the request is handled first and the fault only concerns
// the answer, which is what a client cannot tell apart:
//
//	Fault{Status: 500, AfterProcessing: true}           // stored, then a 500
//	Fault{Reset: true, AfterProcessing: true}           // stored, then the connection drops
//	Fault{Delay: time.Minute, AfterProcessing: true}    // stored, then the answer comes late:
//	                                                    // a client with a shorter timeout gives up
//	                                                    // (a create that timed out after Ecwid stored it)
//	Fault{Delay: 2 * time.Second}                       // slow, then handled normally
type Fault struct {
	// Method and Path restrict the fault to matching requests (Path is
	// relative to the store root, e.g. "/orders"; a trailing "*" matches a
	// prefix). Empty matches everything.
	Method, Path string

	Status     int    // answer with this status and an Ecwid error body
	Code       string // errorCode for Status; a default is derived from it
	Message    string // errorMessage for Status
	RetryAfter string // Retry-After header value to add

	// Delay holds the answer this long; if the client gives up first, its
	// connection is dropped. Without AfterProcessing the request is handled
	// after the delay (so not at all when the client gave up); with it,
	// before.
	Delay     time.Duration
	Reset     bool // drop the connection without an answer
	Malformed bool // answer 200 with truncated JSON

	// AfterProcessing handles the request normally (so a POST creates its
	// order) and only then delays the answer and/or replaces it with the
	// fault: the "server did the work but the client never heard" case.
	// Alone with Delay, the real answer is sent once the delay is over.
	AfterProcessing bool
}

type faultEntry struct {
	Fault
	left int
}

// InjectFault applies f to the next n requests that match it.
func (s *Server) InjectFault(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultEntry{Fault: f, left: n})
}

// ClearFaults drops pending faults.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

func (s *Server) takeFault(method, path string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, method) {
			continue
		}
		if f.Path != "" {
			if p, ok := strings.CutSuffix(f.Path, "*"); ok {
				if !strings.HasPrefix(path, p) {
					continue
				}
			} else if f.Path != path {
				continue
			}
		}
		f.left--
		if f.left <= 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		ff := f.Fault
		return &ff
	}
	return nil
}

type rateLimit struct {
	n        int
	window   time.Duration
	cooldown time.Duration
	hits     map[string][]time.Time
	blocked  map[string]time.Time
}

// allow records a request by token, or reports how long the token stays
// blocked.
func (rl *rateLimit) allow(token string, now time.Time) (time.Duration, bool) {
	if rl.hits == nil {
		rl.hits, rl.blocked = map[string][]time.Time{}, map[string]time.Time{}
	}
	if until, ok := rl.blocked[token]; ok {
		if now.Before(until) {
			return until.Sub(now), false
		}
		delete(rl.blocked, token)
	}
	h := rl.hits[token]
	cut := 0
	for cut < len(h) && now.Sub(h[cut]) >= rl.window {
		cut++
	}
	h = h[cut:]
	rl.hits[token] = h
	if len(h) >= rl.n {
		block := rl.cooldown
		if block <= 0 {
			block = h[len(h)-rl.n].Add(rl.window).Sub(now)
		}
		rl.blocked[token] = now.Add(block)
		return block, false
	}
	rl.hits[token] = append(h, now)
	return 0, true
}

// ServeHTTP serves the fake API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{ResponseWriter: w}
	if reset := s.serve(rec, r); reset {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0) // send RST instead of FIN
				}
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
}

// Transport returns a RoundTripper that serves requests in memory, without
// a listener. Connection resets surface as ECONNRESET errors. Useful with
// testing/synctest, where network waits would stall the fake clock.
func (s *Server) Transport() http.RoundTripper { return transport{s} }

type transport struct{ s *Server }

func (t transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	sreq := req.Clone(req.Context())
	sreq.Body = io.NopCloser(bytes.NewReader(body))
	sreq.RequestURI = req.URL.RequestURI()
	w := httptest.NewRecorder()
	rec := &recorder{ResponseWriter: w}
	if t.s.serve(rec, sreq) {
		if err := req.Context().Err(); err != nil {
			return nil, err
		}
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	}
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	resp := w.Result()
	resp.Request = req
	return resp, nil
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// serve handles one request and reports whether the connection must be
// reset instead of answered.
func (s *Server) serve(w *recorder, r *http.Request) (reset bool) {
	body, _ := io.ReadAll(r.Body)
	prefix := "/api/v3/" + strconv.FormatInt(s.StoreID, 10)
	path := r.URL.Path
	rel, inStore := strings.CutPrefix(path, prefix)
	if inStore && rel != "" && rel[0] != '/' {
		inStore = false
	}
	if inStore {
		path = rel
		if path == "" {
			path = "/"
		}
	}
	entry := Request{
		Method: r.Method, Path: path, Query: r.URL.Query(), RawQuery: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: body, Time: s.clock(),
	}
	defer func() {
		entry.Status = w.status
		if reset {
			entry.Status = 0
		}
		s.mu.Lock()
		s.reqs = append(s.reqs, entry)
		if s.maxReqs > 0 && len(s.reqs) > s.maxReqs {
			s.reqs = slices.Delete(s.reqs, 0, len(s.reqs)-s.maxReqs)
		}
		s.mu.Unlock()
		if s.log != nil {
			target := path
			if entry.RawQuery != "" {
				target += "?" + entry.RawQuery
			}
			s.log.Info("fake Ecwid: request", slog.String("method", r.Method), slog.String("path", target),
				slog.Int("status", entry.Status), slog.Bool("faulted", entry.Faulted))
		}
	}()

	f := s.takeFault(r.Method, path)
	if f != nil {
		entry.Faulted = true
		// With AfterProcessing the request is handled first, into a
		// buffer: the delay and the fault then only concern the answer.
		var done *httptest.ResponseRecorder
		if f.AfterProcessing {
			done = httptest.NewRecorder()
			s.route(done, r, path, inStore, body)
			entry.Processed = true
		}
		if f.Delay > 0 {
			t := time.NewTimer(f.Delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return true
			}
		}
		if f.terminal() {
			return s.applyFault(w, f)
		}
		if done != nil {
			replay(w, done)
			return false
		}
	}
	entry.Processed = true
	s.route(w, r, path, inStore, body)
	return false
}

// replay writes a buffered answer.
func replay(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, vs := range rec.Header() {
		w.Header()[k] = vs
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func (f *Fault) terminal() bool { return f.Reset || f.Malformed || f.Status != 0 }

// applyFault answers according to a terminal fault and reports whether the
// connection must be reset instead.
func (s *Server) applyFault(w http.ResponseWriter, f *Fault) (reset bool) {
	switch {
	case f.Reset:
		return true
	case f.Malformed:
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, `{"total": 1, "count": 1, "items": [{"id": `)
	default:
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		code, msg := f.Code, f.Message
		if code == "" {
			code = defaultCode(f.Status)
		}
		if msg == "" {
			msg = http.StatusText(f.Status)
		}
		writeError(w, f.Status, code, msg)
	}
	return false
}

func defaultCode(status int) string {
	switch status {
	case 400:
		return "WRONG_PARAMETER"
	case 402:
		return "NOT_AVAILABLE_ON_CURRENT_PLAN"
	case 403:
		return "INSUFFICIENT_APP_SCOPE"
	case 405:
		return "METHOD_NOT_ALLOWED"
	case 408:
		return "TIMEOUT"
	case 409:
		return "CONSTRAINT_VIOLATION"
	case 429:
		return "RATE_LIMITED"
	}
	if status >= 500 {
		return "INTERNAL_ERROR"
	}
	return ""
}

func (s *Server) clock() time.Time { return s.now() }

// route authenticates, rate-limits and dispatches one request.
func (s *Server) route(w http.ResponseWriter, r *http.Request, path string, inStore bool, body []byte) {
	auth := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(auth, "Bearer ")
	token = strings.TrimSpace(token)
	if !ok || token == "" {
		writeError(w, http.StatusUnauthorized, "", "Authorization token is missing: pass it as a Bearer token in the Authorization header")
		return
	}
	s.mu.Lock()
	scopes, known := s.tokens[token]
	s.mu.Unlock()
	if !known {
		writeError(w, http.StatusForbidden, "INVALID_API_TOKEN", "Invalid API token")
		return
	}
	if !inStore {
		if strings.HasPrefix(r.URL.Path, "/api/v3/") {
			writeError(w, http.StatusNotFound, "STORE_NOT_FOUND", "Store not found")
			return
		}
		writeError(w, http.StatusNotFound, "", "Resource not found")
		return
	}
	s.mu.Lock()
	var wait time.Duration
	allowed := true
	if s.limit != nil {
		wait, allowed = s.limit.allow(token, s.clock())
	}
	s.mu.Unlock()
	if !allowed {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		writeError(w, http.StatusTooManyRequests, "RATE_LIMITED", "Too many requests: the access token is temporarily blocked")
		return
	}

	seg := strings.Split(strings.Trim(path, "/"), "/")
	res := Resource(seg[0])
	var id string
	if len(seg) == 2 {
		id, _ = url.PathUnescape(seg[1])
	}
	sub := len(seg) == 3 && res == Products && seg[2] == "combinations"
	if (len(seg) > 2 && !sub) || (len(seg) == 2 && (res == Promotions || res == "profile")) {
		writeError(w, http.StatusNotFound, "", "Resource not found")
		return
	}
	if sub {
		id, _ = url.PathUnescape(seg[1])
	}
	scope, handler := s.endpoint(res, r.Method, id != "")
	if sub && handler != nil {
		handler = s.getCombinations
	}
	if handler == nil {
		if scope == "" {
			writeError(w, http.StatusNotFound, "", "Resource not found")
		} else {
			writeError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", fmt.Sprintf("Method %s is not allowed here", r.Method))
		}
		return
	}
	if scopes != nil && !scopes[scope] {
		writeError(w, http.StatusForbidden, "INSUFFICIENT_APP_SCOPE", fmt.Sprintf("Access token doesn't have %s scope", scope))
		return
	}
	if (r.Method == http.MethodPost || r.Method == http.MethodPut) && !jsonContentType(r.Header.Get("Content-Type")) {
		writeError(w, http.StatusUnsupportedMediaType, "", "Unsupported content-type: expected application/json or text/json")
		return
	}
	handler(w, r.URL.Query(), id, body)
}

type handlerFunc func(w http.ResponseWriter, q url.Values, id string, body []byte)

// endpoint returns the scope and handler of an operation. A known path with
// a wrong method returns the scope but no handler; an unknown path returns
// neither.
func (s *Server) endpoint(res Resource, method string, withID bool) (string, handlerFunc) {
	get := method == http.MethodGet
	switch res {
	case Products, Categories:
		if !get {
			return ScopeReadCatalog, nil
		}
		if withID {
			return ScopeReadCatalog, s.getOne(res)
		}
		return ScopeReadCatalog, s.searchHandler(res)
	case Customers:
		if !get {
			return ScopeReadCustomers, nil
		}
		if withID {
			return ScopeReadCustomers, s.getOne(res)
		}
		return ScopeReadCustomers, s.searchHandler(res)
	case Coupons:
		if !get {
			return ScopeReadDiscountCoupons, nil
		}
		if withID {
			return ScopeReadDiscountCoupons, s.getOne(res)
		}
		return ScopeReadDiscountCoupons, s.searchHandler(res)
	case Promotions:
		if !get {
			return ScopeReadPromotion, nil
		}
		return ScopeReadPromotion, s.searchHandler(res)
	case Carts:
		if !get {
			return ScopeReadOrders, nil
		}
		if withID {
			return ScopeReadOrders, s.getOne(res)
		}
		return ScopeReadOrders, s.searchHandler(res)
	case "profile":
		if !get {
			return ScopeReadStoreProfile, nil
		}
		return ScopeReadStoreProfile, s.getProfile
	case Orders:
		switch {
		case get && withID:
			return ScopeReadOrders, s.getOne(res)
		case get:
			return ScopeReadOrders, s.searchHandler(res)
		case method == http.MethodPost && !withID:
			return ScopeCreateOrders, s.createOrder
		case method == http.MethodPut && withID:
			return ScopeUpdateOrders, s.updateOrder
		case method == http.MethodDelete && withID:
			return ScopeUpdateOrders, s.deleteOrder
		}
		return ScopeReadOrders, nil
	}
	return "", nil
}

func jsonContentType(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "application/json" || mt == "text/json"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeError answers with Ecwid's error body; an empty code is left out,
// as older endpoints do.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	body := map[string]any{"errorMessage": msg}
	if code != "" {
		body["errorCode"] = code
	}
	writeJSON(w, status, body)
}

// readJSONObject decodes a request body into an object keeping numbers
// exact.
func readJSONObject(body []byte) (obj, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var o obj
	if err := dec.Decode(&o); err != nil {
		return nil, err
	}
	if o == nil {
		return nil, fmt.Errorf("body is not a JSON object")
	}
	return o, nil
}

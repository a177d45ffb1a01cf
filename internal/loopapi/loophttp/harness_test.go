package loophttp_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/examples"
	"github.com/reboundhq/rebound/internal/loopapi/loopspectest"
	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/server"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
	"github.com/reboundhq/rebound/internal/webhooks"
)

// env is a running server over a real store, with one store and key.
type env struct {
	t       *testing.T
	st      store.Store
	app     *app.App
	sv      *server.Services
	srv     *httptest.Server
	spec    *loopspectest.Spec
	storeID string
	key     string
	limit   func(string) (bool, time.Duration)
}

var testBox = func() *secrets.Box {
	b, err := secrets.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		panic(err)
	}
	return b
}()

type option func(*server.Config)

func newEnv(t *testing.T, st store.Store, opts ...option) *env {
	t.Helper()
	sv := server.NewServices(server.Options{Store: st, Secrets: testBox, AllowPrivateWebhookTargets: true})
	cfg := server.Config{Services: sv, LoopCursorKey: bytes.Repeat([]byte{9}, 32)}
	for _, o := range opts {
		o(&cfg)
	}
	srv := httptest.NewServer(server.New(cfg))
	t.Cleanup(srv.Close)
	s, k, err := sv.App.CreateStore(context.Background(), "Acme")
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, st: st, app: sv.App, sv: sv, srv: srv, spec: loopspectest.Load(t), storeID: s.ID, key: k.Secret}
}

func forEachBackend(t *testing.T, fn func(t *testing.T, e *env), opts ...option) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) { fn(t, newEnv(t, st, opts...)) })
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, r.body)
	}
	return v
}

func (r response) obj(t *testing.T) map[string]any {
	t.Helper()
	m, ok := r.json(t).(map[string]any)
	if !ok {
		t.Fatalf("response is not a JSON object: %s", r.body)
	}
	return m
}

// loop sends a Loop API request with X-Authorization (key "" for none) and
// checks request and response against Loop's OpenAPI documents.
func (e *env) loop(method, target, key string, body []byte) response {
	e.t.Helper()
	h := http.Header{}
	if key != "" {
		h.Set("X-Authorization", key)
	}
	if body != nil {
		h.Set("Content-Type", "application/json")
	}
	return e.send(method, target, h, body, true)
}

// loopBad is loop for requests Loop's documents do not allow (missing or
// malformed parameters): only the response is checked against them.
func (e *env) loopBad(method, target, key string, body []byte) response {
	e.t.Helper()
	h := http.Header{}
	if key != "" {
		h.Set("X-Authorization", key)
	}
	r := e.send(method, target, h, body, false)
	e.spec.CheckResponse(e.t, method, target, r.status, r.header, r.body)
	return r
}

func (e *env) send(method, target string, h http.Header, body []byte, check bool) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+target, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header = h.Clone()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if check {
		if h.Get("X-Authorization") != "" || h.Get("Authorization") != "" {
			e.spec.CheckRequest(e.t, method, target, h, body)
		}
		e.spec.CheckResponse(e.t, method, target, res.StatusCode, res.Header, b)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// redo sends a Redo API request with the bearer key.
func (e *env) redo(method, path string, body []byte) response {
	e.t.Helper()
	h := http.Header{"Authorization": {"Bearer " + e.key}}
	if body != nil {
		h.Set("Content-Type", "application/json")
	}
	return e.send(method, path, h, body, false)
}

// order syncs the example order under another id (2 units of line_1).
func (e *env) order(id string) {
	e.t.Helper()
	if r := e.redo("POST", "/v2.2/stores/"+e.storeID+"/custom/orders", examples.OrderWithID(id)); r.status != 200 {
		e.t.Fatalf("sync: %d %s", r.status, r.body)
	}
}

// createReturn creates a return through Redo's API for qty units of the
// order's line_1 and returns its native id.
func (e *env) createReturn(orderID string, qty int, compensation string) string {
	e.t.Helper()
	b, _ := json.Marshal(map[string]any{"data": map[string]any{
		"provider": "custom", "externalOrderId": orderID,
		"items":           []map[string]any{{"lineItemId": "line_1", "quantity": qty, "reason": "Too small", "compensation": compensation}},
		"shippingAddress": map[string]any{"line1": "123 Main St", "city": "New York", "state": "NY", "postalCode": "10001", "country": "US", "name": "Ada Lovelace"},
	}})
	r := e.redo("POST", "/v2.2/stores/"+e.storeID+"/returns", b)
	if r.status != 201 {
		e.t.Fatalf("create return: %d %s", r.status, r.body)
	}
	return r.obj(e.t)["return"].(map[string]any)["id"].(string)
}

// numericID is the Loop id of a return, by its native id (details).
func (e *env) numericID(native string) int64 {
	e.t.Helper()
	r := e.loop("GET", "/api/v1/warehouse/return/details?redo_return_id="+native, e.key, nil)
	if r.status != 200 {
		e.t.Fatalf("details of %s: %d %s", native, r.status, r.body)
	}
	return int64(r.obj(e.t)["id"].(float64))
}

func (e *env) status(native string) string {
	e.t.Helper()
	r := e.redo("GET", "/v2.2/returns/"+native+"/status", nil)
	return r.obj(e.t)["status"].(string)
}

func action(id int64, act string) string {
	return fmt.Sprintf("/api/v1/warehouse/return/%d/%s", id, act)
}

// ---- webhooks

var testCert = func() *x509.Certificate {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	return srv.Certificate()
}()

type received struct {
	header http.Header
	body   []byte
}

type receiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []received
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{}
	rc.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{header: r.Header.Clone(), body: b})
		rc.mu.Unlock()
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// payloads returns the bodies received, decoded.
func (rc *receiver) payloads() []map[string]any {
	var out []map[string]any
	for _, r := range rc.all() {
		var m map[string]any
		_ = json.Unmarshal(r.body, &m)
		out = append(out, m)
	}
	return out
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *env) startWorkers() {
	e.t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(testCert)
	e.sv.WebhookWorkers = webhooks.WorkerConfig{Secrets: testBox, AllowPrivateTargets: true, RootCAs: pool, Timeout: 2 * time.Second, Lease: 3 * time.Second,
		RetryDelay: func(int, time.Duration) time.Duration { return 30 * time.Millisecond }}
	ctx, cancel := context.WithCancel(context.Background())
	if err := e.st.StartWorkers(ctx, e.sv.Workers(nil, nil)); err != nil {
		e.t.Fatal(err)
	}
	go webhooks.Sweep(ctx, e.st, 100*time.Millisecond, nil)
	e.t.Cleanup(func() {
		sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
		defer c()
		_ = e.st.StopWorkers(sctx)
		cancel()
	})
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

package redoapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/examples"
	"github.com/reboundhq/rebound/internal/redospectest"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/server"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

// env is a running server over a real store, with one store and key.
type env struct {
	t       *testing.T
	st      store.Store
	app     *app.App
	sv      *server.Services
	srv     *httptest.Server
	spec    *redospectest.Spec
	storeID string
	key     string
	// hookURL is a webhook receiver's URL, for tests that subscribe.
	hookURL string
}

func newEnv(t *testing.T, st store.Store) *env {
	t.Helper()
	sv := server.NewServices(server.Options{Store: st})
	a := sv.App
	srv := httptest.NewServer(server.New(server.Config{Services: sv}))
	t.Cleanup(srv.Close)
	s, k, err := a.CreateStore(context.Background(), "Acme")
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, st: st, app: a, sv: sv, srv: srv, spec: redospectest.Load(t), storeID: s.ID, key: k.Secret}
}

// forEachBackend runs fn against a fresh server on every backend.
func forEachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) { fn(t, newEnv(t, st)) })
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// do sends a request with the given key ("" for none) and, for /v2.2
// paths, validates the exchange against Redo's OpenAPI.
func (e *env) do(method, path, key, contentType string, body []byte) response {
	e.t.Helper()
	return e.request(method, path, key, contentType, body, true)
}

// doUnchecked is do without the OpenAPI check, for exchanges the spec does
// not describe (e.g. a method it has no operation for).
func (e *env) doUnchecked(method, path, key, contentType string, body []byte) response {
	e.t.Helper()
	return e.request(method, path, key, contentType, body, false)
}

func (e *env) request(method, path, key, contentType string, body []byte, check bool) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if res.Header.Get("X-Request-Id") == "" {
		e.t.Errorf("%s %s: no X-Request-Id", method, path)
	}
	if check && strings.HasPrefix(path, "/v2.2/") {
		e.spec.ValidateResponse(e.t, req, res.StatusCode, res.Header, b)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func (e *env) sync(key string, body []byte) response {
	e.t.Helper()
	return e.do("POST", "/v2.2/stores/"+e.storeID+"/custom/orders", key, "application/json", body)
}

// fingerprint summarises what the store holds, to prove a request wrote
// nothing.
func (e *env) fingerprint() string {
	e.t.Helper()
	var b strings.Builder
	err := e.st.View(context.Background(), func(tx store.ReadTx) error {
		stores, err := tx.ListStores(context.Background())
		if err != nil {
			return err
		}
		for _, s := range stores {
			n, err := tx.CountOrders(context.Background(), s.ID)
			if err != nil {
				return err
			}
			evs, err := tx.ListEvents(context.Background(), s.ID, 0, 100000)
			if err != nil {
				return err
			}
			keys, err := tx.ListAPIKeys(context.Background(), s.ID)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "%s: orders=%d events=%d keys=%d; ", s.ID, n, len(evs), len(keys))
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	jobs, err := e.st.JobCounts(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	total := 0
	for _, n := range jobs {
		total += n
	}
	fmt.Fprintf(&b, "jobs=%d", total)
	return b.String()
}

// mutate returns the example order with f applied to its decoded form.
func mutate(f func(o map[string]any)) []byte {
	var o map[string]any
	if err := json.Unmarshal(examples.Order(), &o); err != nil {
		panic(err)
	}
	f(o)
	b, err := json.Marshal(o)
	if err != nil {
		panic(err)
	}
	return b
}

func obj(v any) map[string]any { return v.(map[string]any) }
func arr(v any) []any          { return v.([]any) }
func line(o map[string]any, i int) map[string]any {
	return obj(arr(o["lineItems"])[i])
}

func (e *env) order(ref string) *returns.Order {
	e.t.Helper()
	o, err := e.app.GetOrder(context.Background(), e.storeID, ref)
	if err != nil {
		e.t.Fatalf("get order %s: %v", ref, err)
	}
	return o
}

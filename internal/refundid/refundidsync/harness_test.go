package refundidsync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/examples"
	"github.com/reboundhq/rebound/internal/refundid/refundidtest"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/server"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

// env is Rebound over a real store, with one store connected to a fake
// Refundid over real HTTP.
type env struct {
	t       *testing.T
	st      store.Store
	sv      *server.Services
	srv     *httptest.Server
	storeID string
	key     string
	conn    map[string]any // the PUT answer that generated the bearer token
	bearer  string
	fake    *refundidtest.Server
}

func forEachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) { fn(t, newEnv(t, st, "")) })
}

// newEnv starts Rebound and a fake Refundid, syncs the seed order and
// connects the store: a generated bearer token, the fake as portal and
// merchant API, and the fake's merchant API key. header, when not "", is
// an API-key header the connection requires too ("name: value").
func newEnv(t *testing.T, st store.Store, header string) *env {
	t.Helper()
	box, err := secrets.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	sv := server.NewServices(server.Options{Store: st, Secrets: box})
	srv := httptest.NewServer(server.New(server.Config{Services: sv}))
	t.Cleanup(srv.Close)
	sv.SetPublicURL(srv.URL)
	s, k, err := sv.App.CreateStore(context.Background(), "Acme")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st, sv: sv, srv: srv, storeID: s.ID, key: k.Secret}
	if r := e.api("POST", "/v2.2/stores/"+e.storeID+"/custom/orders", examples.Order()); r.status != 200 {
		t.Fatalf("sync: %d %s", r.status, r.body)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fakeURL := "http://" + ln.Addr().String()
	body := map[string]any{"shop": refundidtest.DefaultShop, "environment": "sandbox", "bearerToken": "generate",
		"portalUrl": fakeURL, "apiUrl": fakeURL}
	var hname, hvalue string
	if header != "" {
		hname, hvalue, _ = strings.Cut(header, ": ")
		body["apiKeyHeader"] = map[string]any{"name": hname, "value": hvalue}
	}
	r := e.api("PUT", "/v2.2/stores/"+e.storeID+"/integrations/refundid", mustJSON(body))
	if r.status != 200 {
		t.Fatalf("connect: %d %s", r.status, r.body)
	}
	e.conn = r.json(t)
	e.bearer, _ = e.conn["bearerToken"].(string)
	ep := e.conn["endpoints"].(map[string]any)
	e.fake = refundidtest.New(refundidtest.Config{
		OrderURL: ep["order"].(string), RefundURL: ep["refund"].(string), NotifyURL: ep["refundid"].(string),
		BearerToken: e.bearer, HeaderName: hname, HeaderValue: hvalue,
	})
	fs := httptest.NewUnstartedServer(e.fake.Handler())
	fs.Listener.Close()
	fs.Listener = ln
	fs.Start()
	t.Cleanup(func() { e.fake.Close(); fs.Close() })

	// Now that the fake answers, add its merchant API key (checked) and
	// keep the rest.
	body["bearerToken"] = "keep"
	body["merchantApiKey"] = refundidtest.DefaultAPIKey
	if header != "" {
		body["apiKeyHeader"] = map[string]any{"name": hname, "keep": true}
	}
	if r := e.api("PUT", "/v2.2/stores/"+e.storeID+"/integrations/refundid", mustJSON(body)); r.status != 200 {
		t.Fatalf("connect with the API key: %d %s", r.status, r.body)
	} else if m := r.json(t); m["bearerToken"] != nil || m["hasMerchantApiKey"] != true || m["endpoints"].(map[string]any)["order"] != ep["order"] {
		t.Fatalf("reconnect = %s", r.body)
	}
	return e
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
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
		t.Fatalf("not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// api calls Rebound's /v2.2 API with the store's key.
func (e *env) api(method, path string, body []byte) response {
	e.t.Helper()
	return e.request(method, e.srv.URL+path, body, http.Header{"Authorization": {"Bearer " + e.key}, "Content-Type": {"application/json"}})
}

// refundid calls one of the endpoints Refundid calls (url is a full URL)
// with the given headers.
func (e *env) request(method, u string, body []byte, h http.Header) response {
	e.t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for k, vs := range h {
		req.Header[k] = vs
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
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// endpoint is the full URL of one of the store's Refundid endpoints.
func (e *env) endpoint(name string) string {
	return e.conn["endpoints"].(map[string]any)[name].(string)
}

// asRefundid calls an endpoint as Refundid does (the bearer token).
func (e *env) asRefundid(method, u string, body []byte) response {
	e.t.Helper()
	return e.request(method, u, body, http.Header{"Authorization": {"Bearer " + e.bearer}, "Content-Type": {"application/json"}})
}

// orderReturns returns the seed order's returns.
func (e *env) orderReturns() []*returns.Return {
	e.t.Helper()
	ctx := context.Background()
	rs, err := store.Read(ctx, e.st, func(tx store.ReadTx) ([]*returns.Return, error) {
		o, err := tx.GetOrder(ctx, e.storeID, "order_123456")
		if err != nil {
			return nil, err
		}
		return tx.ReturnsForOrder(ctx, e.storeID, o.ID)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return rs
}

func (e *env) timelineKinds(returnID string) []string {
	e.t.Helper()
	evs, err := e.sv.App.Timeline(context.Background(), e.storeID, returnID)
	if err != nil {
		e.t.Fatal(err)
	}
	var kinds []string
	for _, ev := range evs {
		kinds = append(kinds, ev.Kind)
	}
	return kinds
}

// fingerprint summarises what the store holds, to prove a call wrote
// nothing.
func (e *env) fingerprint() string {
	e.t.Helper()
	ctx := context.Background()
	var b strings.Builder
	err := e.st.View(ctx, func(tx store.ReadTx) error {
		evs, err := tx.ListEvents(ctx, e.storeID, 0, 100000)
		if err != nil {
			return err
		}
		rfs, err := tx.ListRefundidRefunds(ctx, e.storeID)
		if err != nil {
			return err
		}
		rs, err := tx.ListReturns(ctx, e.storeID, store.ReturnQuery{Limit: 1000})
		if err != nil {
			return err
		}
		b.WriteString(strings.Repeat("e", len(evs)) + "|" + strings.Repeat("r", len(rfs)) + "|")
		for _, r := range rs {
			b.WriteString(string(r.Status) + r.UpdatedAt.String() + ";")
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return b.String()
}

// returnable is the seed order's line_1 returnable_quantity as GET /order
// answers it (called as Refundid does, by number and email).
func (e *env) returnable() int {
	e.t.Helper()
	r := e.asRefundid("GET", e.endpoint("order")+"?order_number=order_123456&email=jane.doe%40example.com", nil)
	if r.status != 200 {
		e.t.Fatalf("GET order: %d %s", r.status, r.body)
	}
	var o struct {
		LineItems []struct {
			LineItemRef        string `json:"line_item_ref"`
			ReturnableQuantity int    `json:"returnable_quantity"`
		} `json:"line_items"`
	}
	if err := json.Unmarshal(r.body, &o); err != nil || len(o.LineItems) != 1 {
		e.t.Fatalf("GET order: %v %s", err, r.body)
	}
	return o.LineItems[0].ReturnableQuantity
}

// returnEvents are the kinds of the outbox events about a return.
func (e *env) returnEvents(returnID string) []string {
	e.t.Helper()
	ctx := context.Background()
	evs, err := store.Read(ctx, e.st, func(tx store.ReadTx) ([]*returns.Event, error) { return tx.ListEvents(ctx, e.storeID, 0, 100000) })
	if err != nil {
		e.t.Fatal(err)
	}
	var kinds []string
	for _, ev := range evs {
		if ev.SubjectID == returnID {
			kinds = append(kinds, ev.Kind)
		}
	}
	return kinds
}

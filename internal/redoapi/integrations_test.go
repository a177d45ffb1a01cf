package redoapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/ecwid"
	"github.com/reboundhq/rebound/internal/ecwid/ecwidtest"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/server"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

const (
	ecwidToken  = "secret_0123456789abcdefWXYZ"
	ecwidSecret = "clientsecret_9876543210"
	publicURL   = "https://returns.example.test"
)

// syncBuf is a goroutine-safe log sink.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// ecwidEnv is an env whose app can seal secrets, with its logs captured,
// and a fake Ecwid on loopback.
type ecwidEnv struct {
	*env
	fake *ecwidtest.Server
	box  *secrets.Box
	logs *syncBuf
}

func newEcwidEnv(t *testing.T, st store.Store) *ecwidEnv {
	t.Helper()
	box, err := secrets.New(bytes.Repeat([]byte{42}, 32))
	if err != nil {
		t.Fatal(err)
	}
	sv := server.NewServices(server.Options{Store: st, Secrets: box, PublicURL: publicURL,
		EcwidOptions: []ecwid.Option{ecwid.WithLimiter(nil), ecwid.WithRetryBackoff(time.Millisecond, 5*time.Millisecond)}})
	a := sv.App
	logs := &syncBuf{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := httptest.NewServer(server.New(server.Config{Services: sv, Logger: log, AccessLog: true}))
	t.Cleanup(srv.Close)
	s, k, err := a.CreateStore(context.Background(), "Acme")
	if err != nil {
		t.Fatal(err)
	}
	fake := ecwidtest.NewServer(ecwidtest.WithToken(ecwidToken))
	t.Cleanup(fake.Close)
	e := &env{t: t, st: st, app: a, sv: sv, srv: srv, storeID: s.ID, key: k.Secret}
	return &ecwidEnv{env: e, fake: fake, box: box, logs: logs}
}

func (e *ecwidEnv) path() string { return "/v2.2/stores/" + e.storeID + "/integrations/ecwid" }

func (e *ecwidEnv) body(f func(m map[string]any)) []byte {
	m := map[string]any{
		"ecwidStoreId": e.fake.StoreID, "accessToken": ecwidToken, "customerGroup": "Returns",
		"clientId": "client-1", "clientSecret": ecwidSecret, "apiBaseUrl": e.fake.APIRoot(),
	}
	if f != nil {
		f(m)
	}
	b, _ := json.Marshal(m)
	return b
}

func (e *ecwidEnv) put(key string, body []byte) response {
	e.t.Helper()
	return e.doUnchecked("PUT", e.path(), key, "application/json", body)
}

func (e *ecwidEnv) get(key string) response {
	e.t.Helper()
	return e.doUnchecked("GET", e.path(), key, "", nil)
}

func (e *ecwidEnv) stored() (*returns.EcwidIntegration, error) {
	var in *returns.EcwidIntegration
	err := e.st.View(context.Background(), func(tx store.ReadTx) error {
		var err error
		in, err = tx.GetEcwidIntegration(context.Background(), e.storeID)
		return err
	})
	return in, err
}

func (e *ecwidEnv) noSecretsLeaked(r response) {
	e.t.Helper()
	for _, s := range []string{ecwidToken, ecwidSecret} {
		if strings.Contains(string(r.body), s) {
			e.t.Errorf("response contains a secret: %s", r.body)
		}
		if strings.Contains(e.logs.String(), s) {
			e.t.Errorf("logs contain a secret:\n%s", e.logs.String())
		}
	}
}

func wantProblem(t *testing.T, r response, status int, fields ...string) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q", ct)
	}
	m := r.json(t)
	for _, f := range fields {
		if !strings.Contains(m["detail"].(string), f) {
			t.Errorf("detail %q does not name %s", m["detail"], f)
		}
		if errs, _ := m["errors"].(map[string]any); errs[f] == nil {
			t.Errorf("errors %v lacks %s", m["errors"], f)
		}
	}
	return m
}

func TestEcwidIntegration(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		e := newEcwidEnv(t, st)
		ctx := context.Background()

		// Not connected yet.
		wantProblem(t, e.get(e.key), 404)

		// A token Ecwid rejects: 400 naming accessToken with Ecwid's
		// message, nothing saved.
		r := e.put(e.key, e.body(func(m map[string]any) { m["accessToken"] = "secret_wrongwrongwrong" }))
		m := wantProblem(t, r, 400, "accessToken")
		if !strings.Contains(m["detail"].(string), "Invalid API token") {
			t.Errorf("detail %q lacks Ecwid's message", m["detail"])
		}
		if _, err := e.stored(); !returns.IsNotFound(err) {
			t.Errorf("rejected token was saved (err %v)", err)
		}

		// Missing and malformed fields: each named; Ecwid not called.
		e.fake.ResetRequests()
		r = e.put(e.key, []byte(`{"apiBaseUrl": "ftp://example.com"}`))
		wantProblem(t, r, 400, "ecwidStoreId", "accessToken", "customerGroup", "apiBaseUrl")
		r = e.put(e.key, []byte(`{"ecwidStoreId": "abc", "accessToken": 5, "customerGroup": "  "}`))
		wantProblem(t, r, 400, "ecwidStoreId", "accessToken", "customerGroup")
		r = e.put(e.key, []byte(`{"ecwidStoreId": -3, "accessToken": "x", "customerGroup": "g"}`))
		wantProblem(t, r, 400, "ecwidStoreId")
		if n := len(e.fake.Requests()); n != 0 {
			t.Errorf("Ecwid called %d times for invalid input", n)
		}

		// Connect.
		r = e.put(e.key, e.body(nil))
		if r.status != 200 {
			t.Fatalf("connect: %d %s", r.status, r.body)
		}
		var sawProfile bool
		for _, req := range e.fake.Requests() {
			if req.Method == "GET" && req.Path == "/profile" && req.Header.Get("Authorization") == "Bearer "+ecwidToken {
				sawProfile = true
			}
		}
		if !sawProfile {
			t.Errorf("Ecwid did not see GET /profile with the token: %+v", e.fake.Requests())
		}
		e.noSecretsLeaked(r)
		v := r.json(t)
		if v["accessToken"] != "secret_…WXYZ" || v["hasClientSecret"] != true || v["status"] != "connected" ||
			v["customerGroup"] != "Returns" || v["clientId"] != "client-1" || v["apiBaseUrl"] != e.fake.APIRoot() ||
			v["ecwidStoreId"] != float64(e.fake.StoreID) {
			t.Errorf("connect answered %s", r.body)
		}
		hook, _ := v["webhookUrl"].(string)
		if !strings.HasPrefix(hook, publicURL+"/integrations/ecwid/webhooks/") || len(hook) < len(publicURL)+40 {
			t.Errorf("webhookUrl = %q", hook)
		}

		// At rest the secrets are sealed.
		in, err := e.stored()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(in.TokenSealed, ecwidToken) || strings.Contains(in.ClientSecretSealed, ecwidSecret) ||
			!strings.HasPrefix(in.TokenSealed, "v1:") {
			t.Errorf("secrets stored in clear: %+v", in)
		}
		if tok, err := e.box.Open(in.TokenSealed); err != nil || string(tok) != ecwidToken {
			t.Errorf("sealed token opens to %q, %v", tok, err)
		}

		// GET: masked, same URL.
		r = e.get(e.key)
		if r.status != 200 {
			t.Fatalf("get: %d %s", r.status, r.body)
		}
		e.noSecretsLeaked(r)
		g := r.json(t)
		if g["accessToken"] != "secret_…WXYZ" || g["webhookUrl"] != hook || g["createdAt"] != v["createdAt"] {
			t.Errorf("get answered %s", r.body)
		}

		// Update: the webhook URL and createdAt stay.
		r = e.put(e.key, e.body(func(m map[string]any) {
			m["customerGroup"] = "RMA"
			delete(m, "clientSecret")
			m["ecwidStoreId"] = json.Number("1003") // as a number
		}))
		if r.status != 200 {
			t.Fatalf("update: %d %s", r.status, r.body)
		}
		u := r.json(t)
		if u["webhookUrl"] != hook || u["customerGroup"] != "RMA" || u["hasClientSecret"] != false || u["createdAt"] != v["createdAt"] {
			t.Errorf("update answered %s", r.body)
		}

		// A rejected update changes nothing.
		before, _ := e.stored()
		r = e.put(e.key, e.body(func(m map[string]any) { m["accessToken"] = "secret_revokedrevoked" }))
		wantProblem(t, r, 400, "accessToken")
		if after, _ := e.stored(); *after != *before {
			t.Errorf("rejected update changed the integration: %+v -> %+v", before, after)
		}

		// Ecwid failing: 502, nothing changed.
		e.fake.InjectFault(5, ecwidtest.Fault{Path: "/profile", Status: 503})
		r = e.put(e.key, e.body(func(m map[string]any) { m["customerGroup"] = "Other" }))
		wantProblem(t, r, 502)
		e.fake.ClearFaults()
		if after, _ := e.stored(); after.CustomerGroup != "RMA" {
			t.Errorf("failed check changed the integration: %+v", after)
		}

		// Another store's key: 403 before anything is read or written.
		_, other, err := e.app.CreateStore(ctx, "Other")
		if err != nil {
			t.Fatal(err)
		}
		wantProblem(t, e.get(other.Secret), 403)
		wantProblem(t, e.put(other.Secret, e.body(nil)), 403)
		wantProblem(t, e.doUnchecked("DELETE", e.path(), other.Secret, "", nil), 403)
		// Scopes: orders_read may read but not write.
		ro, err := e.app.CreateAPIKey(ctx, e.storeID, []returns.Scope{returns.ScopeOrdersRead}, "ro")
		if err != nil {
			t.Fatal(err)
		}
		if r := e.get(ro.Secret); r.status != 200 {
			t.Errorf("orders_read GET: %d", r.status)
		}
		wantProblem(t, e.put(ro.Secret, e.body(nil)), 403)
		wantProblem(t, e.doUnchecked("DELETE", e.path(), ro.Secret, "", nil), 403)
		// No key.
		wantProblem(t, e.get(""), 401)

		// Disconnect.
		if r := e.doUnchecked("DELETE", e.path(), e.key, "", nil); r.status != 204 {
			t.Fatalf("delete: %d %s", r.status, r.body)
		}
		wantProblem(t, e.get(e.key), 404)
		wantProblem(t, e.doUnchecked("DELETE", e.path(), e.key, "", nil), 404)

		// Reconnecting issues a new webhook URL.
		r = e.put(e.key, e.body(nil))
		if r.status != 200 {
			t.Fatalf("reconnect: %d %s", r.status, r.body)
		}
		if r.json(t)["webhookUrl"] == hook {
			t.Error("reconnect after delete reused the old webhook URL")
		}
		e.noSecretsLeaked(r)
	})
}

func TestEcwidIntegrationWithoutSecrets(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st) // app without a secrets key
		fake := ecwidtest.NewServer(ecwidtest.WithToken(ecwidToken))
		defer fake.Close()
		body, _ := json.Marshal(map[string]any{"ecwidStoreId": fake.StoreID, "accessToken": ecwidToken, "customerGroup": "g", "apiBaseUrl": fake.APIRoot()})
		r := e.doUnchecked("PUT", "/v2.2/stores/"+e.storeID+"/integrations/ecwid", e.key, "application/json", body)
		if r.status != 500 || strings.Contains(string(r.body), ecwidToken) {
			t.Errorf("connect without a key: %d %s", r.status, r.body)
		}
	})
}

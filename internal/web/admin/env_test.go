package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/ecwid"
	"github.com/reboundhq/rebound/internal/ecwid/ecwidtest"
	"github.com/reboundhq/rebound/internal/ecwidsync"
	"github.com/reboundhq/rebound/internal/examples"
	"github.com/reboundhq/rebound/internal/notify"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/server"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/users"
)

const ecwidToken = "secret_admin_test_token"

// env is a server with a store connected to the Ecwid fake, its workers
// running, an owner and an agent, and one return in needs_review.
type env struct {
	t        *testing.T
	st       store.Store
	sv       *server.Services
	srv      *httptest.Server
	fake     *ecwidtest.Server
	storeID  string
	key      string
	returnID string
	tracking string
	owner    string // the owner's password (owner@example.com)
	agent    string // agent@example.com
	users    *users.Service
}

func newEnv(t *testing.T, st store.Store) *env { t.Helper(); return newEnvMail(t, st, nil) }

// newEnvMail is newEnv with a mailer for the emails (nil: the outbox only).
func newEnvMail(t *testing.T, st store.Store, m notify.Mailer) *env {
	t.Helper()
	ctx := context.Background()
	box, err := secrets.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	sv := server.NewServices(server.Options{Store: st, Secrets: box, Mailer: m,
		EcwidOptions: []ecwid.Option{ecwid.WithLimiter(nil), ecwid.WithRetryBackoff(time.Millisecond, 5*time.Millisecond)}})
	srv := httptest.NewServer(server.New(server.Config{Services: sv}))
	t.Cleanup(srv.Close)
	sv.SetPublicURL(srv.URL)
	s, k, err := sv.App.CreateStore(ctx, "Acme Outdoor")
	if err != nil {
		t.Fatal(err)
	}
	fake := ecwidtest.NewServer(ecwidtest.WithToken(ecwidToken))
	t.Cleanup(fake.Close)
	if _, err := sv.Ecwid.Connect(ctx, s.ID, ecwidsync.ConnectInput{EcwidStoreID: fake.StoreID, AccessToken: ecwidToken, CustomerGroup: "Returns", APIBaseURL: fake.APIRoot()}); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithCancel(context.Background())
	if err := st.StartWorkers(wctx, sv.Workers(nil, nil)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, cc := context.WithTimeout(context.Background(), 5*time.Second)
		defer cc()
		_ = st.StopWorkers(c)
		cancel()
	})
	e := &env{t: t, st: st, sv: sv, srv: srv, fake: fake, storeID: s.ID, key: k.Secret, tracking: "1Z999AA10123456784",
		users: &users.Service{Store: st}}
	if _, e.owner, err = e.users.Create(ctx, s.ID, "owner@example.com", users.RoleOwner, ""); err != nil {
		t.Fatal(err)
	}
	if _, e.agent, err = e.users.Create(ctx, s.ID, "agent@example.com", users.RoleAgent, ""); err != nil {
		t.Fatal(err)
	}
	e.api("POST", "/v2.2/stores/"+s.ID+"/custom/orders", examples.Order(), 200)
	e.api("PUT", "/v2.2/stores/"+s.ID+"/return-policy", []byte(`{"policy":{"autoApprove":false}}`), 200)
	body, _ := json.Marshal(map[string]any{"data": map[string]any{
		"provider": "custom", "externalOrderId": "order_123456",
		"items": []any{map[string]any{"lineItemId": "line_1", "quantity": 2, "reason": "Too small", "compensation": "refund",
			"multipleChoiceQuestions": []any{map[string]any{"question": "How did it fit?", "answer": "Too tight"}}}},
		"shippingAddress": map[string]any{"line1": "123 Main St", "city": "New York", "state": "NY", "postalCode": "10001", "country": "US"},
		"label":           map[string]any{"trackingNumber": e.tracking, "carrier": "UPS"},
	}})
	var created struct {
		Return struct{ ID string } `json:"return"`
	}
	_ = json.Unmarshal(e.api("POST", "/v2.2/stores/"+s.ID+"/returns", body, 201), &created)
	e.returnID = created.Return.ID
	return e
}

func (e *env) api(method, path string, body []byte, want int) []byte {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		e.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	return b
}

func (e *env) ret() *returns.Return {
	e.t.Helper()
	res, err := e.sv.App.GetReturn(context.Background(), e.storeID, e.returnID)
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Return
}

func (e *env) ecwidOrders() int {
	c := ecwid.New(e.fake.StoreID, ecwidToken, ecwid.WithBaseURL(e.fake.APIRoot()), ecwid.WithLimiter(nil))
	n := 0
	for o, err := range c.Orders.All(context.Background(), &ecwid.OrderFilter{}) {
		if err != nil {
			e.t.Fatal(err)
		}
		if strings.Contains(o.OrderComments, e.returnID) {
			n++
		}
	}
	return n
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// client is a browser-like HTTP client: a cookie jar, no redirects
// followed, Origin set on POSTs as a browser does.
type client struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: e.t, base: e.srv.URL, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type resp struct {
	status int
	loc    string
	body   string
	header http.Header
}

func (c *client) do(method, path string, form url.Values, origin string) resp {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, c.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Content-Length", strconv.Itoa(len(form.Encode())))
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, loc: res.Header.Get("Location"), body: string(b), header: res.Header}
}

func (c *client) get(path string) resp { return c.do("GET", path, nil, "") }
func (c *client) post(path string, form url.Values) resp {
	return c.do("POST", path, form, c.base)
}

func (c *client) signIn(email, password string) {
	c.t.Helper()
	r := c.post("/admin/signin", url.Values{"email": {email}, "password": {password}})
	if r.status != http.StatusSeeOther {
		c.t.Fatalf("sign in as %s: %d %s", email, r.status, r.body)
	}
}

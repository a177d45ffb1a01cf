package portal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/examples"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/server"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/web/portal"
)

// env is Rebound serving a store with handle "acme", its policy (reasons
// with a child that needs a photo, a question) and the seed order synced
// through the API.
type env struct {
	t       testing.TB
	st      store.Store
	sv      *server.Services
	h       http.Handler // the server, without a listener
	srv     *httptest.Server
	storeID string
	key     string
}

func newEnv(t testing.TB, st store.Store) *env {
	t.Helper()
	box, err := secrets.New(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	sv := server.NewServices(server.Options{Store: st, Secrets: box})
	h := server.New(server.Config{Services: sv})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	sv.SetPublicURL(srv.URL)
	ctx := context.Background()
	s, k, err := sv.App.CreateStore(ctx, "Acme Apparel")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st, sv: sv, h: h, srv: srv, storeID: s.ID, key: k.Secret}
	if _, err := portal.SetHandle(ctx, st, s.ID, "acme"); err != nil {
		t.Fatal(err)
	}
	if err := st.Update(ctx, func(tx store.Tx) error {
		ps, err := tx.GetPortalSettings(ctx, s.ID)
		if err != nil {
			return err
		}
		ps.Color, ps.StoreCreditBonusPercent = "#0f766e", 10
		return tx.PutPortalSettings(ctx, ps)
	}); err != nil {
		t.Fatal(err)
	}
	policy := map[string]any{"policy": returns.Policy{AutoApprove: true, WindowFrom: returns.WindowFromOrder,
		Reasons: []returns.Reason{
			{Code: "fit", Label: "Size or fit", Children: []returns.Reason{{Code: "too_small", Label: "Too small"}, {Code: "too_big", Label: "Too big"}}},
			{Code: "quality", Label: "Quality", Children: []returns.Reason{{Code: "damaged", Label: "Arrived damaged", RequiresPhoto: true}}},
			{Code: "changed_mind", Label: "Changed my mind"},
		},
		Questions: []returns.PolicyQuestion{{Question: "Was the item worn?", Options: []string{"No", "Yes, once"}}},
	}}
	b, _ := json.Marshal(policy)
	if st, body := e.api("PUT", "/v2.2/stores/"+s.ID+"/return-policy", b); st != 200 {
		t.Fatalf("policy: %d %s", st, body)
	}
	if st, body := e.api("POST", "/v2.2/stores/"+s.ID+"/custom/orders", examples.Order()); st != 200 {
		t.Fatalf("sync: %d %s", st, body)
	}
	return e
}

func (e *env) api(method, path string, body []byte) (int, string) {
	req, _ := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// returns lists the store's returns.
func (e *env) returns() []*returns.Return {
	e.t.Helper()
	rs, err := store.Read(context.Background(), e.st, func(tx store.ReadTx) ([]*returns.Return, error) {
		return tx.ListReturns(context.Background(), e.storeID, store.ReturnQuery{Limit: 100})
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return rs
}

// shopper is a browser-less client with cookies that follows no redirects.
type shopper struct {
	e *env
	c *http.Client
}

func (e *env) shopper() *shopper {
	jar, _ := cookiejar.New(nil)
	return &shopper{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type resp struct {
	status   int
	body     string
	location string
}

func (s *shopper) do(req *http.Request) resp {
	s.e.t.Helper()
	res, err := s.c.Do(req)
	if err != nil {
		s.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, string(b), res.Header.Get("Location")}
}

func (s *shopper) get(path string) resp {
	req, _ := http.NewRequest("GET", s.e.srv.URL+path, nil)
	return s.do(req)
}

func (s *shopper) post(path string, form map[string]string) resp {
	vals := make([]string, 0, len(form))
	for k, v := range form {
		vals = append(vals, k+"="+urlEscape(v))
	}
	req, _ := http.NewRequest("POST", s.e.srv.URL+path, strings.NewReader(strings.Join(vals, "&")))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return s.do(req)
}

// multipart posts fields and files (field name → file name and content).
func (s *shopper) multipart(path string, form map[string]string, files map[string][2]string) resp {
	var buf bytes.Buffer
	w := newMultipart(&buf)
	for k, v := range form {
		_ = w.WriteField(k, v)
	}
	for k, f := range files {
		fw, _ := w.CreateFormFile(k, f[0])
		_, _ = fw.Write([]byte(f[1]))
	}
	_ = w.Close()
	req, _ := http.NewRequest("POST", s.e.srv.URL+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return s.do(req)
}

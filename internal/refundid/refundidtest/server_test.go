package refundidtest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/refundid"
)

// merchant is a tiny merchant written for this test: it answers GET /order
// and GET /refund from memory, checks Refundid's credentials and the
// privacy key with package refundid's checks, and applies notifications
// with refundid.Advance, lowering returnable quantities on refundid.
type merchant struct {
	t    *testing.T
	auth refundid.AuthConfig
	srv  *httptest.Server

	mu       sync.Mutex
	orders   map[string]*refundid.RapiOrder // by merchant_order_ref
	rmas     map[string]*refundid.RapiReturn
	keys     map[string]string // merchant_order_ref or merchant_rma_ref → the privacy key issued
	states   map[string]refundid.State
	received []refundid.Status
	failNext int  // answer the next notifications 503
	hang     bool // never answer GET /order
}

func newMerchant(t *testing.T, auth refundid.AuthConfig) *merchant {
	m := &merchant{t: t, auth: auth, orders: map[string]*refundid.RapiOrder{}, rmas: map[string]*refundid.RapiReturn{},
		keys: map[string]string{}, states: map[string]refundid.State{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /order", m.order)
	mux.HandleFunc("GET /refund", m.refund)
	mux.HandleFunc("POST /refundid", m.notify)
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		addr, _ := netip.ParseAddr(host)
		if err := m.auth.Check(r.Header, addr); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(m.srv.Close)
	m.orders["ord-1"] = &refundid.RapiOrder{
		MerchantOrderRef: "ord-1", OrderNumber: "1001", Email: "jane.doe@example.com",
		PurchasedAt: time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC), PaymentMethod: "stripe",
		LineItems: []refundid.RapiOrderLineItem{
			{LineItemRef: "line_1", Title: "Classic T-Shirt", Price: refundid.Amount(2999, "AUD"), Quantity: 2, ReturnableQuantity: 2,
				Categories: []string{}, NonReturnableReasons: []string{}},
			{LineItemRef: "line_2", Title: "Gift wrap", Price: refundid.Amount(500, "AUD"), Quantity: 1, ReturnableQuantity: 0,
				Categories: []string{}, NonReturnableReasons: []string{"This item was final sale."}},
		},
	}
	return m
}

func (m *merchant) config(cfg Config) Config {
	cfg.OrderURL, cfg.RefundURL, cfg.NotifyURL = m.srv.URL+"/order", m.srv.URL+"/refund", m.srv.URL+"/refundid"
	return cfg
}

func (m *merchant) order(w http.ResponseWriter, r *http.Request) {
	if m.hang {
		<-r.Context().Done()
		return
	}
	q := r.URL.Query()
	m.mu.Lock()
	defer m.mu.Unlock()
	var found *refundid.RapiOrder
	for _, o := range m.orders {
		if ref := q.Get("merchant_order_ref"); ref != "" && ref == o.MerchantOrderRef ||
			ref == "" && q.Get("order_number") == o.OrderNumber && strings.EqualFold(q.Get("email"), o.Email) {
			found = o
		}
	}
	if found == nil {
		http.NotFound(w, r)
		return
	}
	if err := refundid.CheckPrivacyKey(m.keys[found.MerchantOrderRef], q.Get("key")); err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	_ = json.NewEncoder(w).Encode(found)
}

func (m *merchant) refund(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	m.mu.Lock()
	defer m.mu.Unlock()
	rma := m.rmas[q.Get("merchant_rma_ref")]
	if rma == nil {
		http.NotFound(w, r)
		return
	}
	if err := refundid.CheckPrivacyKey(m.keys[rma.MerchantRMARef], q.Get("key")); err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	_ = json.NewEncoder(w).Encode(rma)
}

func (m *merchant) notify(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	n, err := refundid.DecodeNotification(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failNext > 0 {
		m.failNext--
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	if n.MerchantRMARef != "" {
		if err := refundid.CheckPrivacyKey(m.keys[n.MerchantRMARef], r.URL.Query().Get("key")); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
	}
	m.received = append(m.received, n.Status)
	tr, err := refundid.Advance(m.states[n.RefundidID], n.Status)
	if err != nil {
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	m.states[n.RefundidID] = tr.To
	if tr.EntersRefundid() {
		for _, li := range n.LineItems {
			o := m.orders[li.MerchantOrderRef]
			for i := range o.LineItems {
				if o.LineItems[i].LineItemRef == li.LineItemRef {
					o.LineItems[i].ReturnableQuantity -= li.Quantity
				}
			}
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (m *merchant) returnable(order, line string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, li := range m.orders[order].LineItems {
		if li.LineItemRef == line {
			return li.ReturnableQuantity
		}
	}
	return -1
}

const bearer = "merchant-bearer-token"

func bearerAuth() refundid.AuthConfig {
	return refundid.AuthConfig{BearerHash: refundid.HashSecret(bearer)}
}

// flow1 opens a complete flow-1 link and chooses one unit of line_1.
func flow1(t *testing.T, fake *Server) *Session {
	t.Helper()
	link, err := fake.Environment().OrderLink(refundid.OrderLink{Shop: DefaultShop, OrderNumber: "1001", Email: "Jane.Doe@example.com", MerchantOrderRef: "ord-1"})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := fake.Open(context.Background(), link)
	if err != nil {
		t.Fatal(err)
	}
	if sess.State != StateChoosing || len(sess.Orders) != 1 || sess.Orders[0].MerchantOrderRef != "ord-1" {
		t.Fatalf("session %+v: want the order fetched and choosing", sess)
	}
	if err := fake.Choose(sess.ID, []Choice{{LineItemRef: "line_1", Quantity: 1, Reason: "Too small"}}); err != nil {
		t.Fatal(err)
	}
	return sess
}

func TestFlow1Refundid(t *testing.T) {
	m := newMerchant(t, bearerAuth())
	fake := Start(m.config(Config{BearerToken: bearer}))
	defer fake.Close()

	sess := flow1(t, fake)
	id, err := fake.Confirm(sess.ID, refundid.StatusRefundid)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := fake.Deliver(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].Status != refundid.StatusRefunding || ds[1].Status != refundid.StatusRefundid || !ds[0].Accepted || !ds[1].Accepted {
		t.Fatalf("deliveries %+v: want refunding then refundid, accepted", ds)
	}
	if got := m.returnable("ord-1", "line_1"); got != 1 {
		t.Errorf("returnable after refundid = %d, want 1", got)
	}
	// The next visit sees the lowered quantity and cannot take 2.
	sess2 := flow1(t, fake)
	if q := sess2.Orders[0].LineItems[0].ReturnableQuantity; q != 1 {
		t.Errorf("second visit sees returnable %d, want 1", q)
	}
	if err := fake.Choose(sess2.ID, []Choice{{LineItemRef: "line_1", Quantity: 2, Reason: "x"}}); !errors.Is(err, ErrChoice) {
		t.Errorf("choosing 2 of 1 returnable = %v, want ErrChoice", err)
	}
	// The calls carried the bearer token (the merchant checks it) and the
	// link's parameters.
	calls := fake.Calls()
	u, _ := url.Parse(calls[0].URL)
	if calls[0].Method != "GET" || u.Path != "/order" || u.Query().Get("order_number") != "1001" || u.Query().Get("shop") != DefaultShop || calls[0].Status != 200 {
		t.Errorf("first call %+v", calls[0])
	}
	rec, _ := fake.Refund(id)
	if rec.Status != refundid.StatusRefundid || rec.MerchantOrderRef != "ord-1" || len(rec.LineItems) != 1 || rec.LineItems[0].ReturnReason != "Too small" {
		t.Errorf("record %+v", rec)
	}
}

func TestDeliverDuplicatesAndReordering(t *testing.T) {
	m := newMerchant(t, bearerAuth())
	fake := Start(m.config(Config{BearerToken: bearer}))
	defer fake.Close()
	id, err := fake.Confirm(flow1(t, fake).ID, refundid.StatusRefundid)
	if err != nil {
		t.Fatal(err)
	}
	order := []refundid.Status{refundid.StatusRefundid, refundid.StatusRefunding, refundid.StatusRefundid, refundid.StatusRefunding}
	ds, err := fake.Deliver(context.Background(), id, order...)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range ds {
		if d.Status != order[i] || !d.Accepted || d.Attempts != 1 {
			t.Errorf("delivery %d: %+v", i, d)
		}
	}
	if !slices.Equal(m.received, order) {
		t.Errorf("merchant received %v, want %v", m.received, order)
	}
	if got := m.returnable("ord-1", "line_1"); got != 1 {
		t.Errorf("returnable = %d, want 1: deducted exactly once", got)
	}
	if m.states[id] != refundid.StateRefundid {
		t.Errorf("merchant state %q", m.states[id])
	}
}

func TestDeliverFailedAndRetries(t *testing.T) {
	m := newMerchant(t, bearerAuth())
	fake := Start(m.config(Config{BearerToken: bearer, NotifyAttempts: 3}))
	defer fake.Close()

	id, err := fake.Confirm(flow1(t, fake).ID, refundid.StatusFailed)
	if err != nil {
		t.Fatal(err)
	}
	m.failNext = 1
	ds, err := fake.Deliver(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if ds[0].Attempts != 2 || !ds[0].Accepted || ds[1].Status != refundid.StatusFailed || ds[1].Attempts != 1 {
		t.Errorf("deliveries %+v: want the first retried once", ds)
	}
	if got := m.returnable("ord-1", "line_1"); got != 2 {
		t.Errorf("returnable after failed = %d, want 2", got)
	}

	// failed after refundid: the merchant refuses it every time.
	id2, err := fake.Confirm(flow1(t, fake).ID, refundid.StatusRefundid)
	if err != nil {
		t.Fatal(err)
	}
	ds, err = fake.Deliver(context.Background(), id2, refundid.StatusRefundid, refundid.StatusFailed)
	if !errors.Is(err, ErrMerchant) {
		t.Fatalf("Deliver = %v, want ErrMerchant", err)
	}
	if !ds[0].Accepted || ds[1].Accepted || ds[1].Attempts != 3 || ds[1].Code != http.StatusConflict {
		t.Errorf("deliveries %+v: want the failed refused 3 times with 409", ds)
	}
	if got := m.returnable("ord-1", "line_1"); got != 1 {
		t.Errorf("returnable = %d, want 1", got)
	}
}

func TestFlow2APIKeyHeaderAndPrivacyKey(t *testing.T) {
	auth := refundid.AuthConfig{HeaderName: "X-Shop-Key", HeaderHash: refundid.HashSecret("shop-key-1")}
	m := newMerchant(t, auth)
	fake := Start(m.config(Config{HeaderName: "X-Shop-Key", HeaderValue: "shop-key-1"}))
	defer fake.Close()

	link, key, err := fake.Environment().RMALink(DefaultShop, "rma-9", "")
	if err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	m.keys["rma-9"], m.keys["ord-1"] = key, key
	m.rmas["rma-9"] = &refundid.RapiReturn{MerchantRMARef: "rma-9", CreatedAt: time.Now(), LineItems: []refundid.RapiReturnLineItem{{
		MerchantOrderRef: "ord-1", LineItemRef: "line_1", Price: refundid.Amount(2999, "AUD"), Quantity: 2,
		ReturnReason: "Doesn't fit", ChildReturnReason: "Too small", Adjustments: []refundid.RapiReturnAdjustment{},
		CompensationMethod: refundid.CompensationRefund,
	}}}
	m.mu.Unlock()

	sess, err := fake.Open(context.Background(), link)
	if err != nil {
		t.Fatal(err)
	}
	if sess.Return == nil || len(sess.Chosen) != 1 || sess.Chosen[0].Quantity != 2 || sess.Chosen[0].ChildReason != "Too small" {
		t.Fatalf("session %+v: want the RMA's items", sess)
	}
	calls := fake.Calls()
	if len(calls) != 2 || !strings.Contains(calls[0].URL, "/refund?") || !strings.Contains(calls[1].URL, "merchant_order_ref=ord-1") {
		t.Fatalf("calls %+v: want GET /refund then GET /order by merchant_order_ref", calls)
	}
	for _, c := range calls {
		u, _ := url.Parse(c.URL)
		if u.Query().Get("key") != key || c.Status != 200 {
			t.Errorf("call %+v: want the privacy key echoed and accepted", c)
		}
	}
	if err := fake.Choose(sess.ID, []Choice{{LineItemRef: "line_1", Quantity: 1, Reason: "x"}}); !errors.Is(err, ErrSession) {
		t.Errorf("choosing on a merchant RMA = %v, want ErrSession", err)
	}
	id, err := fake.Confirm(sess.ID, refundid.StatusRefundid)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fake.Deliver(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if got := m.returnable("ord-1", "line_1"); got != 0 {
		t.Errorf("returnable = %d, want 0", got)
	}
	rec, _ := fake.Refund(id)
	if rec.MerchantRMARef != "rma-9" {
		t.Errorf("record %+v: want the RMA ref", rec)
	}

	// A link with another key is refused by the merchant.
	u, _ := url.Parse(link)
	q := u.Query()
	q.Set("key", "not-the-key")
	u.RawQuery = q.Encode()
	if _, err := fake.Open(context.Background(), u.String()); !errors.Is(err, ErrMerchant) {
		t.Errorf("wrong key = %v, want ErrMerchant", err)
	}
}

func TestIncompleteLinkShowsForm(t *testing.T) {
	m := newMerchant(t, bearerAuth())
	fake := Start(m.config(Config{BearerToken: bearer}))
	defer fake.Close()
	sess, err := fake.Open(context.Background(), fake.URL()+"/query-order?shop="+DefaultShop)
	if err != nil {
		t.Fatal(err)
	}
	if sess.State != StateForm || !slices.Equal(sess.Missing, []string{"order_number", "email"}) || len(fake.Calls()) != 0 {
		t.Fatalf("session %+v, %d calls: want the form, nothing fetched", sess, len(fake.Calls()))
	}
	sess, err = fake.Fill(context.Background(), sess.ID, "1001", "")
	if err != nil || sess.State != StateForm || !slices.Equal(sess.Missing, []string{"email"}) {
		t.Fatalf("half-filled form: %+v, %v", sess, err)
	}
	sess, err = fake.Fill(context.Background(), sess.ID, "", "jane.doe@example.com")
	if err != nil || sess.State != StateChoosing || len(fake.Calls()) != 1 {
		t.Fatalf("filled form: %+v, %v", sess, err)
	}
}

func TestBadLinks(t *testing.T) {
	m := newMerchant(t, bearerAuth())
	fake := Start(m.config(Config{BearerToken: bearer}))
	defer fake.Close()
	base := fake.URL() + "/query-order?"
	for _, q := range []string{
		"shop=" + DefaultShop + "&order_number=10%2001&email=jane.doe@example.com", // a space
		"shop=" + DefaultShop + "&order_number=1001&email=jane.doe",                // not an email
		"shop=" + DefaultShop + "&order_number=n%C3%BC&email=jane.doe@example.com", // non-ASCII
		"shop=" + DefaultShop + "&order_number=" + strings.Repeat("1", 256) + "&email=jane.doe@example.com",
		"shop=another-shop&order_number=1001&email=jane.doe@example.com",
	} {
		if _, err := fake.Open(context.Background(), base+q); !errors.Is(err, ErrLink) {
			t.Errorf("Open(%s) = %v, want ErrLink", q, err)
		}
		resp, err := http.Get(base + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s = %d, want 400", q, resp.StatusCode)
		}
	}
	if len(fake.Calls()) != 0 {
		t.Errorf("bad links called the merchant: %+v", fake.Calls())
	}
	// An order the merchant does not know.
	if _, err := fake.Open(context.Background(), base+"shop="+DefaultShop+"&order_number=9999&email=jane.doe@example.com"); !errors.Is(err, ErrMerchant) {
		t.Errorf("unknown order = %v, want ErrMerchant", err)
	}
}

func TestChooseRules(t *testing.T) {
	m := newMerchant(t, bearerAuth())
	fake := Start(m.config(Config{BearerToken: bearer}))
	defer fake.Close()
	sess := flow1(t, fake)
	for name, items := range map[string][]Choice{
		"nothing":        nil,
		"unknown line":   {{LineItemRef: "line_9", Quantity: 1, Reason: "x"}},
		"no reason":      {{LineItemRef: "line_1", Quantity: 1}},
		"zero units":     {{LineItemRef: "line_1", Quantity: 0, Reason: "x"}},
		"too many units": {{LineItemRef: "line_1", Quantity: 3, Reason: "x"}},
		"split too many": {{LineItemRef: "line_1", Quantity: 2, Reason: "x"}, {LineItemRef: "line_1", Quantity: 1, Reason: "y"}},
		"non-returnable": {{LineItemRef: "line_2", Quantity: 1, Reason: "x"}},
		"another order":  {{MerchantOrderRef: "ord-2", LineItemRef: "line_1", Quantity: 1, Reason: "x"}},
	} {
		if err := fake.Choose(sess.ID, items); !errors.Is(err, ErrChoice) {
			t.Errorf("%s: Choose = %v, want ErrChoice", name, err)
		}
	}
	if err := fake.Choose(sess.ID, []Choice{{LineItemRef: "line_1", Quantity: 1, Reason: "a"}, {LineItemRef: "line_1", Quantity: 1, Reason: "b"}}); err != nil {
		t.Errorf("two units for two reasons: %v", err)
	}
	if _, err := fake.Confirm(sess.ID, "approved"); !errors.Is(err, ErrChoice) {
		t.Errorf("Confirm with an undocumented outcome = %v", err)
	}
	if _, err := fake.Confirm("sess_404", refundid.StatusRefundid); !errors.Is(err, ErrSession) {
		t.Errorf("Confirm of no session = %v", err)
	}
}

func TestMerchantFailures(t *testing.T) {
	m := newMerchant(t, bearerAuth())
	// Wrong credentials: the merchant answers 401.
	fake := Start(m.config(Config{BearerToken: "wrong"}))
	defer fake.Close()
	link, _ := fake.Environment().OrderLink(refundid.OrderLink{Shop: DefaultShop, OrderNumber: "1001", Email: "jane.doe@example.com"})
	if _, err := fake.Open(context.Background(), link); !errors.Is(err, ErrMerchant) {
		t.Errorf("wrong token = %v, want ErrMerchant", err)
	}
	if c := fake.Calls(); len(c) != 1 || c[0].Status != http.StatusUnauthorized {
		t.Errorf("calls %+v: want one 401", c)
	}
	// A merchant that never answers: the fake gives up after its timeout.
	m.hang = true
	slow := Start(m.config(Config{BearerToken: bearer, MerchantTimeout: 50 * time.Millisecond}))
	defer slow.Close()
	link, _ = slow.Environment().OrderLink(refundid.OrderLink{Shop: DefaultShop, OrderNumber: "1001", Email: "jane.doe@example.com"})
	if _, err := slow.Open(context.Background(), link); !errors.Is(err, ErrMerchant) {
		t.Errorf("hanging merchant = %v, want ErrMerchant", err)
	}
	if c := slow.Calls(); len(c) != 1 || c[0].Err == "" {
		t.Errorf("calls %+v: want one without an answer", c)
	}
}

func TestHTTPControl(t *testing.T) {
	m := newMerchant(t, bearerAuth())
	fake := Start(m.config(Config{BearerToken: bearer}))
	defer fake.Close()
	post := func(path, body string, v any) int {
		t.Helper()
		resp, err := http.Post(fake.URL()+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if v != nil {
			_ = json.NewDecoder(resp.Body).Decode(v)
		}
		return resp.StatusCode
	}
	resp, err := http.Get(fake.URL() + "/query-order?shop=" + DefaultShop + "&order_number=1001&email=jane.doe@example.com")
	if err != nil {
		t.Fatal(err)
	}
	var sess Session
	_ = json.NewDecoder(resp.Body).Decode(&sess)
	resp.Body.Close()
	if resp.StatusCode != 200 || sess.State != StateChoosing {
		t.Fatalf("GET /query-order: %d %+v", resp.StatusCode, sess)
	}
	if st := post("/_fake/sessions/"+sess.ID+"/choose", `[{"line_item_ref":"line_1","quantity":1,"return_reason":"x"}]`, nil); st != 200 {
		t.Fatalf("choose: %d", st)
	}
	var conf struct {
		ID string `json:"refundid_id"`
	}
	if st := post("/_fake/sessions/"+sess.ID+"/confirm", `{"outcome":"refundid"}`, &conf); st != 200 || conf.ID == "" {
		t.Fatalf("confirm: %d %+v", st, conf)
	}
	var del struct{ Deliveries []Delivery }
	if st := post("/_fake/refunds/"+conf.ID+"/deliver", "", &del); st != 200 || len(del.Deliveries) != 2 {
		t.Fatalf("deliver: %d %+v", st, del)
	}
	if got := m.returnable("ord-1", "line_1"); got != 1 {
		t.Errorf("returnable = %d, want 1", got)
	}
	if st := post("/_fake/sessions/"+sess.ID+"/confirm", `{"outcome":"refundid"}`, nil); st != http.StatusConflict {
		t.Errorf("second confirm: %d, want 409", st)
	}
}

func TestServeUntilCancelled(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, Config{}) }()
	req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+refundid.ReturnsPath, nil)
	req.Header.Set(refundid.APIKeyHeader, DefaultAPIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("listing on the standalone server: %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve returned %v after cancel, want nil", err)
	}
	if err := ListenAndServe(context.Background(), "256.0.0.1:1", Config{}); err == nil {
		t.Error("ListenAndServe on a bad address returned nil")
	}
}

package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/examples"
	"github.com/reboundhq/rebound/internal/mailtest"
	"github.com/reboundhq/rebound/internal/notify"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/server"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
	"github.com/reboundhq/rebound/internal/web/portal"
)

type env struct {
	t       *testing.T
	st      store.Store
	sv      *server.Services
	srv     *httptest.Server
	storeID string
	key     string
}

var merchant = returns.Actor{Kind: returns.ActorMerchant, ID: "test"}

// newEnv serves a store "Acme Apparel" (portal handle acme) with the seed
// order, a policy that sends returns to review, and workers running; m
// is the mailer (nil: outbox only).
func newEnv(t *testing.T, st store.Store, m notify.Mailer) *env {
	t.Helper()
	ctx := context.Background()
	box, err := secrets.New(bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	sv := server.NewServices(server.Options{Store: st, Secrets: box, Mailer: m})
	sv.Notifier.RetryDelay = 20 * time.Millisecond
	srv := httptest.NewServer(server.New(server.Config{Services: sv}))
	t.Cleanup(srv.Close)
	sv.SetPublicURL(srv.URL)
	s, k, err := sv.App.CreateStore(ctx, "Acme Apparel")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := portal.SetHandle(ctx, st, s.ID, "acme"); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st, sv: sv, srv: srv, storeID: s.ID, key: k.Secret}
	e.api("POST", "/v2.2/stores/"+s.ID+"/custom/orders", examples.Order(), 200)
	e.api("PUT", "/v2.2/stores/"+s.ID+"/return-policy", []byte(`{"policy":{"autoApprove":false}}`), 200)
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

// newReturn creates a return of qty units of the seed order's line.
func (e *env) newReturn(qty int, compensation string) string {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"data": map[string]any{
		"provider": "custom", "externalOrderId": "order_123456",
		"items":           []any{map[string]any{"lineItemId": "line_1", "quantity": qty, "reason": "Too small", "compensation": compensation}},
		"shippingAddress": map[string]any{"line1": "123 Main St", "city": "New York", "state": "NY", "postalCode": "10001", "country": "US"},
	}})
	var created struct {
		Return struct{ ID string } `json:"return"`
	}
	if err := json.Unmarshal(e.api("POST", "/v2.2/stores/"+e.storeID+"/returns", body, 201), &created); err != nil {
		e.t.Fatal(err)
	}
	return created.Return.ID
}

func (e *env) statusURL(returnID string) string {
	return e.srv.URL + "/portal/acme/returns/" + returnID + "?t=" + portal.StatusToken(e.sv.PortalKey(), e.storeID, returnID)
}

func (e *env) outbox() []*store.OutboxEmail {
	e.t.Helper()
	es, err := store.Read(context.Background(), e.st, func(tx store.ReadTx) ([]*store.OutboxEmail, error) {
		return tx.ListOutboxEmails(context.Background(), e.storeID, 0)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return es
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func find(ms []mailtest.Message, subject string) []mailtest.Message {
	var out []mailtest.Message
	for _, m := range ms {
		if strings.HasPrefix(m.Subject, subject) {
			out = append(out, m)
		}
	}
	return out
}

// TestShopperEmailsOverSMTP follows two returns through every step that
// emails the shopper, sent through a real SMTP server with AUTH: each
// email once, to the order's customer, with the store's name, the status
// link (which opens the status page), the label link on approval, what
// was issued, and the reason of a rejection.
func TestShopperEmailsOverSMTP(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		mt := mailtest.New(t, mailtest.WithAuth("rebound", "s3cret"))
		m, err := notify.NewSMTP(notify.SMTPConfig{URL: mt.URL, From: "Acme Returns <returns@acme.test>"})
		if err != nil {
			t.Fatal(err)
		}
		e := newEnv(t, st, m)
		a := e.newReturn(1, "store_credit")
		got := mt.Wait(t, 1, 30*time.Second)
		r := got[0]
		if r.Subject != "We received your return request – Acme Apparel" || len(r.To) != 1 || r.To[0] != "jane.doe@example.com" {
			t.Fatalf("received: to %v subject %q", r.To, r.Subject)
		}
		if !strings.Contains(r.Header.Get("From"), "returns@acme.test") || r.From != "returns@acme.test" {
			t.Errorf("from %q / %q", r.Header.Get("From"), r.From)
		}
		link := e.statusURL(a)
		for _, body := range []string{r.Text, r.HTML} {
			if !strings.Contains(body, "Hi Jane") || !strings.Contains(body, "order_123456") || !strings.Contains(body, "Classic T-Shirt") {
				t.Errorf("received body:\n%s", body)
			}
		}
		if !strings.Contains(r.Text, link) || !strings.Contains(r.HTML, `href="`+strings.ReplaceAll(link, "&", "&amp;")+`"`) && !strings.Contains(r.HTML, `href="`+link+`"`) {
			t.Errorf("received email lacks the status link %s:\n%s\n%s", link, r.Text, r.HTML)
		}
		res, err := http.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("status link: %d", res.StatusCode)
		}

		// Approved with a label: the email carries the label link.
		if _, err := e.sv.App.SetReturnLabel(ctx, merchant, e.storeID, a, returns.Label{TrackingNumber: "1Z999AA10123456784", Carrier: "UPS",
			PostageLabelURL: "https://labels.example/1Z999AA10123456784.pdf"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.sv.App.SetReturnStatus(ctx, merchant, e.storeID, a, returns.StatusOpen, ""); err != nil {
			t.Fatal(err)
		}
		ap := find(mt.Wait(t, 2, 30*time.Second), "Your return is approved")
		if len(ap) != 1 || !strings.Contains(ap[0].Text, "https://labels.example/1Z999AA10123456784.pdf") ||
			!strings.Contains(ap[0].Text, "1Z999AA10123456784") || !strings.Contains(ap[0].HTML, `href="https://labels.example/1Z999AA10123456784.pdf"`) {
			t.Fatalf("approved: %+v", ap)
		}

		// Processed: store credit issued, its code in the email.
		ret, err := e.sv.App.GetReturn(ctx, e.storeID, a)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.sv.App.ProcessReturn(ctx, merchant, e.storeID, a, []app.ItemDecisionInput{{ItemID: ret.Return.Items[0].ID, Restock: true}}, "Thanks for shopping with us."); err != nil {
			t.Fatal(err)
		}
		cr := find(mt.Wait(t, 3, 30*time.Second), "Your store credit is ready")
		ret, _ = e.sv.App.GetReturn(ctx, e.storeID, a)
		if len(cr) != 1 || len(ret.Return.GiftCards) != 1 || !strings.Contains(cr[0].Text, ret.Return.GiftCards[0].Code) ||
			!strings.Contains(cr[0].Text, "29.99 USD") || !strings.Contains(cr[0].Text, "Thanks for shopping with us.") {
			t.Fatalf("credited: %+v", cr)
		}

		// A second return, rejected with a reason.
		b := e.newReturn(1, "refund")
		if _, err := e.sv.App.SetReturnStatus(ctx, merchant, e.storeID, b, returns.StatusRejected, "Worn items cannot be returned."); err != nil {
			t.Fatal(err)
		}
		ms := mt.Wait(t, 5, 30*time.Second)
		rj := find(ms, "About your return request")
		if len(rj) != 1 || !strings.Contains(rj[0].Text, "Reason: Worn items cannot be returned.") || !strings.Contains(rj[0].Text, e.statusURL(b)) {
			t.Fatalf("rejected: %+v", rj)
		}

		// Reopening and processing again calls for the same emails: none is
		// sent twice. A third return's email, sent after, marks the end.
		if _, err := e.sv.App.SetReturnStatus(ctx, merchant, e.storeID, a, returns.StatusOpen, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := e.sv.App.ProcessReturn(ctx, merchant, e.storeID, a, []app.ItemDecisionInput{{ItemID: ret.Return.Items[0].ID, Restock: true}}, ""); err != nil {
			t.Fatal(err)
		}
		c := e.newReturn(1, "refund")
		waitFor(t, "the third return's email", func() bool {
			for _, m := range mt.Messages() {
				if strings.Contains(m.Text, e.statusURL(c)) {
					return true
				}
			}
			return false
		})
		kinds := map[string]int{}
		for _, m := range mt.Messages() {
			kinds[m.Subject]++
		}
		want := map[string]int{"We received your return request – Acme Apparel": 3, "Your return is approved – Acme Apparel": 1,
			"Your store credit is ready – Acme Apparel": 1, "About your return request – Acme Apparel": 1}
		for k, n := range want {
			if kinds[k] != n {
				t.Errorf("%d emails %q, want %d (all: %v)", kinds[k], k, n, kinds)
			}
		}
		// The last email is marked sent just after the server took it.
		waitFor(t, "six outbox emails, all marked sent", func() bool {
			os := e.outbox()
			for _, o := range os {
				if o.SentAt == nil {
					return false
				}
			}
			return len(os) == 6
		})
	})
}

// TestShopperEmailsOutbox: without SMTP the emails are kept in the outbox,
// not marked sent, with the status link.
func TestShopperEmailsOutbox(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st, nil)
		id := e.newReturn(1, "refund")
		waitFor(t, "the outbox email", func() bool { return len(e.outbox()) == 1 })
		o := e.outbox()[0]
		if o.Kind != notify.KindReceived || o.ReturnID != id || o.To != "jane.doe@example.com" || o.SentAt != nil ||
			o.ID != notify.EmailID(e.storeID, id, notify.KindReceived) || !strings.Contains(o.Body, e.statusURL(id)) {
			t.Fatalf("outbox: %+v", o)
		}
	})
}

// TestShopperEmailRetried: an SMTP server that first fails temporarily
// (421), then refuses (554), then accepts: the job retries and the email
// arrives once, marked sent.
func TestShopperEmailRetried(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		mt := mailtest.New(t)
		mt.FailNext(1, 421)
		mt.FailNext(1, 554)
		m, err := notify.NewSMTP(notify.SMTPConfig{URL: mt.URL, From: "returns@acme.test"})
		if err != nil {
			t.Fatal(err)
		}
		e := newEnv(t, st, m)
		e.newReturn(1, "refund")
		ms := mt.Wait(t, 1, 30*time.Second)
		if len(ms) != 1 || mt.Attempts() != 3 {
			t.Fatalf("%d messages after %d attempts, want 1 after 3", len(ms), mt.Attempts())
		}
		waitFor(t, "the email marked sent", func() bool { o := e.outbox(); return len(o) == 1 && o[0].SentAt != nil })
	})
}

func TestNewSMTPRefusesBadConfig(t *testing.T) {
	for _, c := range []notify.SMTPConfig{{URL: "", From: "a@b.test"}, {URL: "http://x", From: "a@b.test"}, {URL: "smtp://host:25", From: ""},
		{URL: "smtp://host:25", From: "not an address"}, {URL: "smtp://host:port", From: "a@b.test"}} {
		if _, err := notify.NewSMTP(c); err == nil {
			t.Errorf("NewSMTP(%+v) accepted", c)
		}
	}
	if _, err := notify.NewSMTP(notify.SMTPConfig{URL: "smtps://u:p@mail.example:465", From: "Acme <a@b.test>"}); err != nil {
		t.Error(err)
	}
}

// TestApprovalEmailWaitsForAutoLabel: with a policy that buys labels on
// approval, the approval email waits for the label (here set after the
// approval, as the label job would) and carries it; when no label comes
// within LabelWait (the carrier is not set up, so the label job keeps
// failing), it goes without one.
func TestApprovalEmailWaitsForAutoLabel(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		e := newEnv(t, st, nil)
		e.sv.Notifier.LabelWait, e.sv.Notifier.LabelPoll = 3*time.Second, 50*time.Millisecond
		// The rate-table carrier without a rate table: every purchase fails.
		e.api("PUT", "/v2.2/stores/"+e.storeID+"/return-policy",
			[]byte(`{"policy":{"autoApprove":false,"autoLabel":{"carrier":"rebound","service":"ground","weight":"1","weightUnit":"lb"}}}`), 200)
		approved := func(id string) *store.OutboxEmail {
			for _, o := range e.outbox() {
				if o.ReturnID == id && o.Kind == notify.KindApproved {
					return o
				}
			}
			return nil
		}

		a := e.newReturn(1, "refund")
		if _, err := e.sv.App.SetReturnStatus(ctx, merchant, e.storeID, a, returns.StatusOpen, ""); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond) // the email job has run and is waiting
		if o := approved(a); o != nil {
			t.Fatalf("approval email sent before the label: %+v", o)
		}
		if _, err := e.sv.App.SetReturnLabel(ctx, merchant, e.storeID, a, returns.Label{TrackingNumber: "9400111", Carrier: "USPS",
			PostageLabelURL: "https://labels.example/9400111.pdf"}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the approval email", func() bool { return approved(a) != nil })
		if o := approved(a); !strings.Contains(o.Body, "https://labels.example/9400111.pdf") {
			t.Errorf("approval email without the label:\n%s", o.Body)
		}

		b := e.newReturn(1, "refund")
		approvedAt := time.Now()
		if _, err := e.sv.App.SetReturnStatus(ctx, merchant, e.storeID, b, returns.StatusOpen, ""); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the approval email without a label", func() bool { return approved(b) != nil })
		if waited := time.Since(approvedAt); waited < 2*time.Second {
			t.Errorf("approval email after %v, before LabelWait", waited)
		}
		if o := approved(b); strings.Contains(o.Body, "labels.example") {
			t.Errorf("approval email of b carries a label:\n%s", o.Body)
		}
	})
}

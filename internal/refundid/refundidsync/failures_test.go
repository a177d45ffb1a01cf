package refundidsync_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/examples"
	"github.com/reboundhq/rebound/internal/refundid"
	"github.com/reboundhq/rebound/internal/refundid/refundidtest"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

// notification is a Refundid-initiated notification body for the seed
// order's line_1.
func notification(id string, status refundid.Status, qty int) []byte {
	return mustJSON(refundid.RapiRefundidOrder{RefundidID: id, Status: status, MerchantOrderRef: "order_123456",
		LineItems: []refundid.RapiRefundidOrderLineItem{{LineItemRef: "line_1", Quantity: qty, ReturnReason: "Too small"}}})
}

func TestAuthFailuresRecordNothing(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st, "X-Shop-Key: s3cret")
		before := e.fingerprint()
		good := http.Header{"Authorization": {"Bearer " + e.bearer}, "X-Shop-Key": {"s3cret"}}
		cases := map[string]http.Header{
			"no credentials":   {},
			"wrong bearer":     {"Authorization": {"Bearer nope"}, "X-Shop-Key": {"s3cret"}},
			"missing bearer":   {"X-Shop-Key": {"s3cret"}},
			"wrong API key":    {"Authorization": {"Bearer " + e.bearer}, "X-Shop-Key": {"nope"}},
			"missing API key":  {"Authorization": {"Bearer " + e.bearer}},
			"API key twice":    {"Authorization": {"Bearer " + e.bearer}, "X-Shop-Key": {"s3cret", "s3cret"}},
			"basic not bearer": {"Authorization": {"Basic " + e.bearer}, "X-Shop-Key": {"s3cret"}},
		}
		for name, h := range cases {
			for _, c := range []struct{ method, u string }{
				{"GET", e.endpoint("order") + "?merchant_order_ref=order_123456"},
				{"GET", e.endpoint("refund") + "?merchant_rma_ref=x"},
				{"POST", e.endpoint("refundid")},
			} {
				h := h.Clone()
				h.Set("Content-Type", "application/json")
				r := e.request(c.method, c.u, notification("rf_auth", refundid.StatusRefunding, 1), h)
				if r.status != 401 || strings.Contains(string(r.body), "order_123456") || r.header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s: %s %s = %d %s, want 401", name, c.method, c.u, r.status, r.body)
				}
			}
		}
		if got := e.fingerprint(); got != before {
			t.Errorf("refused calls wrote: %s → %s", before, got)
		}
		// An unknown URL token is 404; the right credentials pass.
		if r := e.request("GET", e.srv.URL+"/integrations/refundid/nope/order?merchant_order_ref=order_123456", nil, good); r.status != 404 {
			t.Errorf("unknown token: %d", r.status)
		}
		if r := e.request("GET", e.endpoint("order")+"?merchant_order_ref=order_123456", nil, good); r.status != 200 {
			t.Errorf("good credentials: %d %s", r.status, r.body)
		}
	})
}

func TestAllowListRefusesOtherAddresses(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st, "")
		body := mustJSON(map[string]any{"shop": refundidtest.DefaultShop, "bearerToken": "keep", "allowedIps": []string{"34.87.219.187"}})
		if r := e.api("PUT", "/v2.2/stores/"+e.storeID+"/integrations/refundid", body); r.status != 200 {
			t.Fatalf("connect: %d %s", r.status, r.body)
		}
		if r := e.asRefundid("GET", e.endpoint("order")+"?merchant_order_ref=order_123456", nil); r.status != 401 {
			t.Errorf("from loopback: %d, want 401", r.status)
		}
	})
}

func TestPrivacyKey(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		res, err := e.sv.App.CreateReturn(ctx, returns.SystemActor("test"), e.storeID, returnRequest(1), app.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		rid := res.Return.ID
		r := e.api("GET", "/v2.2/returns/"+rid+"/refundid-link", nil)
		u, _ := url.Parse(r.json(t)["url"].(string))
		key := u.Query().Get("key")
		before := e.fingerprint()
		for name, c := range map[string]struct {
			u    string
			want int
		}{
			"refund, wrong key":   {e.endpoint("refund") + "?merchant_rma_ref=" + rid + "&key=wrong", 401},
			"refund, no key":      {e.endpoint("refund") + "?merchant_rma_ref=" + rid, 401},
			"order, wrong key":    {e.endpoint("order") + "?merchant_order_ref=order_123456&key=wrong", 401},
			"refund, unknown RMA": {e.endpoint("refund") + "?merchant_rma_ref=nope&key=" + key, 404},
		} {
			if r := e.asRefundid("GET", c.u, nil); r.status != c.want {
				t.Errorf("%s: %d %s, want %d", name, r.status, r.body, c.want)
			}
		}
		n := mustJSON(refundid.RapiRefundidOrder{RefundidID: "rf_k", MerchantRMARef: rid, Status: refundid.StatusRefundid})
		if r := e.asRefundid("POST", e.endpoint("refundid")+"?key=wrong", n); r.status != 401 {
			t.Errorf("notification with a wrong key: %d %s", r.status, r.body)
		}
		if got := e.fingerprint(); got != before {
			t.Errorf("refused calls wrote")
		}
		if r := e.asRefundid("GET", e.endpoint("refund")+"?merchant_rma_ref="+rid+"&key="+url.QueryEscape(key), nil); r.status != 200 {
			t.Errorf("right key: %d %s", r.status, r.body)
		}
	})
}

func TestReplayedAndReorderedNotifications(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		id := e.fake.AddRefund(refundid.RapiRefundidOrder{Status: refundid.StatusRefundid, MerchantOrderRef: "order_123456",
			LineItems: []refundid.RapiRefundidOrderLineItem{{LineItemRef: "line_1", Quantity: 1, ReturnReason: "Too small"}}})
		// refundid before refunding, then duplicates of both.
		ds, err := e.fake.Deliver(ctx, id, refundid.StatusRefundid, refundid.StatusRefunding, refundid.StatusRefundid, refundid.StatusRefunding)
		if err != nil {
			t.Fatalf("deliver: %+v %v", ds, err)
		}
		rs := e.orderReturns()
		if len(rs) != 1 || rs[0].Status != returns.StatusComplete || len(rs[0].Refunds) != 1 {
			t.Fatalf("returns = %+v", rs)
		}
		kinds := e.timelineKinds(rs[0].ID)
		if strings.Count(strings.Join(kinds, ","), returns.TimelineRefundidRefunded) != 1 {
			t.Errorf("timeline %v: refund recorded more than once", kinds)
		}
		if got := e.returnable(); got != 1 {
			t.Errorf("returnable = %d, want 1", got)
		}
		// The answers say what happened.
		r := e.asRefundid("POST", e.endpoint("refundid"), notification(id, refundid.StatusRefundid, 1))
		if m := r.json(t); r.status != 200 || m["outcome"] != "duplicate" || m["returnId"] != rs[0].ID {
			t.Errorf("replay: %d %s", r.status, r.body)
		}
		if r := e.asRefundid("POST", e.endpoint("refundid"), notification(id, refundid.StatusRefunding, 1)); r.json(t)["outcome"] != "stale" {
			t.Errorf("late refunding: %s", r.body)
		}
	})
}

func TestFailedReleasesAndFailedAfterRefundidIsRefused(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		post := func(body []byte) response { return e.asRefundid("POST", e.endpoint("refundid"), body) }
		if r := post(notification("rf_f", refundid.StatusRefunding, 2)); r.status != 200 {
			t.Fatalf("refunding: %d %s", r.status, r.body)
		}
		if got := e.returnable(); got != 0 {
			t.Errorf("returnable while refunding = %d, want 0", got)
		}
		if r := post(notification("rf_f", refundid.StatusFailed, 2)); r.status != 200 {
			t.Fatalf("failed: %d %s", r.status, r.body)
		}
		if got := e.returnable(); got != 2 {
			t.Errorf("returnable after failed = %d, want 2", got)
		}
		rs := e.orderReturns()
		if len(rs) != 1 || rs[0].Status != returns.StatusDeleted {
			t.Fatalf("returns = %+v", rs)
		}

		// Another refund: refundid, then failed twice: refused, noted once.
		if r := post(notification("rf_g", refundid.StatusRefundid, 1)); r.status != 200 {
			t.Fatalf("refundid: %d %s", r.status, r.body)
		}
		for range 2 {
			if r := post(notification("rf_g", refundid.StatusFailed, 1)); r.status != 409 {
				t.Errorf("failed after refundid: %d %s, want 409", r.status, r.body)
			}
		}
		var ret *returns.Return
		for _, r := range e.orderReturns() {
			if r.Status == returns.StatusComplete {
				ret = r
			}
		}
		if ret == nil || len(ret.Refunds) != 1 {
			t.Fatalf("refunded return: %+v", e.orderReturns())
		}
		kinds := strings.Join(e.timelineKinds(ret.ID), ",")
		if strings.Count(kinds, returns.TimelineRefundidRefused) != 1 || strings.Contains(kinds, returns.TimelineDeleted) {
			t.Errorf("timeline %s: want one refusal and no deletion", kinds)
		}
		if got := e.returnable(); got != 1 {
			t.Errorf("returnable = %d, want 1", got)
		}
	})
}

// Of a Refundid refunding and a Rebound return for the last unit, exactly
// one gets it.
func TestLastUnitRace(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		for round := range 4 {
			ext := "race_" + string(rune('a'+round))
			if r := e.api("POST", "/v2.2/stores/"+e.storeID+"/custom/orders", examples.OrderWithID(ext)); r.status != 200 {
				t.Fatalf("sync: %d %s", r.status, r.body)
			}
			req := returnRequest(1)
			req.ExternalOrderID = ext
			if _, err := e.sv.App.CreateReturn(ctx, returns.SystemActor("test"), e.storeID, req, app.Idempotency{}); err != nil {
				t.Fatal(err)
			}
			body := mustJSON(refundid.RapiRefundidOrder{RefundidID: "rf_" + ext, Status: refundid.StatusRefunding, MerchantOrderRef: ext,
				LineItems: []refundid.RapiRefundidOrderLineItem{{LineItemRef: "line_1", Quantity: 1}}})
			var wg sync.WaitGroup
			var status int
			var retErr error
			wg.Add(2)
			go func() {
				defer wg.Done()
				status = e.asRefundid("POST", e.endpoint("refundid"), body).status
			}()
			go func() {
				defer wg.Done()
				_, retErr = e.sv.App.CreateReturn(ctx, returns.SystemActor("test"), e.storeID, req, app.Idempotency{})
			}()
			wg.Wait()
			refundidWon, reboundWon := status == 200, retErr == nil
			if refundidWon == reboundWon {
				t.Errorf("round %d: refundid %d, rebound %v: want exactly one winner", round, status, retErr)
			}
			if !refundidWon && status != 409 {
				t.Errorf("round %d: refundid lost with %d, want 409", round, status)
			}
			if !reboundWon && returns.ErrorCode(retErr) != returns.ECONFLICT {
				t.Errorf("round %d: rebound lost with %v, want ECONFLICT", round, retErr)
			}
			rs, err := store.Read(ctx, e.st, func(tx store.ReadTx) ([]*returns.Return, error) {
				o, err := tx.GetOrder(ctx, e.storeID, ext)
				if err != nil {
					return nil, err
				}
				return tx.ReturnsForOrder(ctx, e.storeID, o.ID)
			})
			if err != nil || len(rs) != 2 {
				t.Errorf("round %d: %d returns (%v), want 2", round, len(rs), err)
			}
		}
	})
}

// Each of Refundid's parameter limits, one case each.
func TestParameterRules(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		long := strings.Repeat("a", 256)
		for name, c := range map[string]struct{ query, param string }{
			"too long":       {"merchant_order_ref=" + long, "merchant_order_ref"},
			"space":          {"order_number=a%20b&email=jane.doe%40example.com", "order_number"},
			"non-ASCII":      {"merchant_order_ref=caf%C3%A9", "merchant_order_ref"},
			"email too long": {"order_number=order_123456&email=" + strings.Repeat("a", 310) + "%40example.com", "email"},
			"email invalid":  {"order_number=order_123456&email=jane.doe", "email"},
			"key too long":   {"merchant_order_ref=order_123456&key=" + long, "key"},
			"missing email":  {"order_number=order_123456", "email"},
		} {
			r := e.asRefundid("GET", e.endpoint("order")+"?"+c.query, nil)
			if r.status != 400 || !strings.Contains(string(r.body), c.param) {
				t.Errorf("%s: %d %s, want 400 naming %s", name, r.status, r.body, c.param)
			}
		}
		if r := e.asRefundid("GET", e.endpoint("refund")+"?merchant_rma_ref="+long, nil); r.status != 400 || !strings.Contains(string(r.body), "merchant_rma_ref") {
			t.Errorf("GET refund, too long: %d %s", r.status, r.body)
		}
		if r := e.asRefundid("GET", e.endpoint("order")+"?merchant_order_ref=nope", nil); r.status != 404 {
			t.Errorf("unknown order: %d", r.status)
		}
		if r := e.asRefundid("GET", e.endpoint("order")+"?order_number=order_123456&email=someone%40example.com", nil); r.status != 404 {
			t.Errorf("wrong email: %d", r.status)
		}
		if r := e.asRefundid("POST", e.endpoint("refundid"), []byte(`{"status":"refunding"}`)); r.status != 400 || !strings.Contains(string(r.body), "refundid_id") {
			t.Errorf("notification without refundid_id: %d %s", r.status, r.body)
		}
		// The link builder enforces them too: a redirect that is no URL.
		if r := e.api("GET", "/v2.2/stores/"+e.storeID+"/orders/order_123456/refundid-link?redirect=nope", nil); r.status != 400 || !strings.Contains(string(r.body), "redirect") {
			t.Errorf("bad redirect: %d %s", r.status, r.body)
		}
	})
}

// One store's Refundid URLs never reach another store's orders.
func TestTenancy(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		a := newEnv(t, st, "")
		// Store B on the same server, with its own connection and no orders.
		s, k, err := a.sv.App.CreateStore(context.Background(), "Other")
		if err != nil {
			t.Fatal(err)
		}
		b := *a
		b.storeID, b.key = s.ID, k.Secret
		r := b.api("PUT", "/v2.2/stores/"+b.storeID+"/integrations/refundid", mustJSON(map[string]any{"shop": "other.example", "bearerToken": "generate"}))
		if r.status != 200 {
			t.Fatalf("connect B: %d %s", r.status, r.body)
		}
		b.conn = r.json(t)
		b.bearer = b.conn["bearerToken"].(string)
		if b.endpoint("order") == a.endpoint("order") {
			t.Fatal("two stores share a URL")
		}
		if r := b.asRefundid("GET", b.endpoint("order")+"?merchant_order_ref=order_123456", nil); r.status != 404 {
			t.Errorf("B's URL reads A's order: %d %s", r.status, r.body)
		}
		if r := b.asRefundid("POST", b.endpoint("refundid"), notification("rf_t", refundid.StatusRefunding, 1)); r.status != 404 {
			t.Errorf("B's URL holds A's order: %d %s", r.status, r.body)
		}
		// A's bearer on B's URL, and B's on A's, are refused.
		if r := a.asRefundid("GET", b.endpoint("order")+"?merchant_order_ref=order_123456", nil); r.status != 401 {
			t.Errorf("A's token on B's URL: %d", r.status)
		}
		if r := b.asRefundid("GET", a.endpoint("order")+"?merchant_order_ref=order_123456", nil); r.status != 401 {
			t.Errorf("B's token on A's URL: %d", r.status)
		}
		// A's shop id on A's URL only.
		if r := a.asRefundid("GET", a.endpoint("order")+"?merchant_order_ref=order_123456&shop=other.example", nil); r.status != 404 {
			t.Errorf("B's shop on A's URL: %d", r.status)
		}
		if got := a.returnable(); got != 2 {
			t.Errorf("A's order: returnable %d", got)
		}
	})
}

func TestReconcileNotesDifferencesOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		id := e.fake.AddRefund(refundid.RapiRefundidOrder{Status: refundid.StatusRefundid, MerchantOrderRef: "order_123456",
			LineItems: []refundid.RapiRefundidOrderLineItem{{LineItemRef: "line_1", Quantity: 1}}})
		if _, err := e.fake.Deliver(ctx, id); err != nil {
			t.Fatal(err)
		}
		e.fake.AddRaw([]byte(`{"standard_return_id":"x"}`))
		res, err := e.sv.Refundid.Reconcile(ctx, e.storeID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Listed != 1 || res.Other != 1 || len(res.Differences) != 0 {
			t.Fatalf("in step: %+v", res)
		}
		// Refundid now says failed, and lists a refund never notified.
		e.fake.AddRefund(refundid.RapiRefundidOrder{RefundidID: id, Status: refundid.StatusFailed, MerchantOrderRef: "order_123456"})
		e.fake.AddRefund(refundid.RapiRefundidOrder{Status: refundid.StatusRefunding, MerchantOrderRef: "order_123456"})
		for run, wantNoted := range []int{1, 0} {
			res, err := e.sv.Refundid.Reconcile(ctx, e.storeID)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Differences) != 2 || res.Noted != wantNoted || res.Unmatched != 1 {
				t.Errorf("run %d: %+v", run, res)
			}
		}
		ret := e.orderReturns()[0]
		if kinds := strings.Join(e.timelineKinds(ret.ID), ","); strings.Count(kinds, returns.TimelineRefundidDifference) != 1 {
			t.Errorf("timeline %s: want one difference", kinds)
		}
		// A refused key is reported.
		e.fake.Fail(refundid.ReturnsPath, 401)
		if _, err := e.sv.Refundid.Reconcile(ctx, e.storeID); err == nil {
			t.Error("reconcile with a refused key: no error")
		}
	})
}

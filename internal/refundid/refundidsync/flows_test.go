package refundidsync_test

import (
	"context"
	"net/url"
	"slices"
	"testing"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/refundid"
	"github.com/reboundhq/rebound/internal/refundid/refundidtest"
	"github.com/reboundhq/rebound/internal/returns"
)

// Flow 1: the shopper starts on Refundid from the seed order's link.
func TestFlowRefundidInitiated(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		r := e.api("GET", "/v2.2/stores/"+e.storeID+"/orders/order_123456/refundid-link?redirect=https%3A%2F%2Fshop.example%2Fthanks", nil)
		if r.status != 200 {
			t.Fatalf("link: %d %s", r.status, r.body)
		}
		link := r.json(t)["url"].(string)
		u, _ := url.Parse(link)
		q := u.Query()
		if q.Get("shop") != refundidtest.DefaultShop || q.Get("email") != "jane.doe@example.com" || q.Get("merchant_order_ref") != "order_123456" ||
			q.Get("order_number") == "" || q.Get("redirect") != "https://shop.example/thanks" || q.Get("key") != "" {
			t.Fatalf("link %s", link)
		}

		sess, err := e.fake.Open(ctx, link)
		if err != nil {
			t.Fatal(err)
		}
		if sess.State != refundidtest.StateChoosing || sess.Orders[0].LineItems[0].ReturnableQuantity != 2 {
			t.Fatalf("session = %+v", sess)
		}
		if err := e.fake.Choose(sess.ID, []refundidtest.Choice{{LineItemRef: "line_1", Quantity: 1, Reason: "Too small"}}); err != nil {
			t.Fatal(err)
		}
		id, err := e.fake.Confirm(sess.ID, refundid.StatusRefundid)
		if err != nil {
			t.Fatal(err)
		}

		ds, err := e.fake.Deliver(ctx, id, refundid.StatusRefunding)
		if err != nil || !ds[0].Accepted {
			t.Fatalf("deliver refunding: %+v %v", ds, err)
		}
		rs := e.orderReturns()
		if len(rs) != 1 || rs[0].Status != returns.StatusOpen || rs[0].Items[0].Quantity != 1 || rs[0].Compensation != returns.CompensationRefund {
			t.Fatalf("after refunding: %+v", rs)
		}
		if got := e.returnable(); got != 1 {
			t.Errorf("returnable after refunding = %d, want 1", got)
		}

		if ds, err := e.fake.Deliver(ctx, id, refundid.StatusRefundid); err != nil || !ds[0].Accepted {
			t.Fatalf("deliver refundid: %+v %v", ds, err)
		}
		rs = e.orderReturns()
		ret := rs[0]
		if len(rs) != 1 || ret.Status != returns.StatusComplete || len(ret.Refunds) != 1 ||
			ret.Refunds[0].PaidBy != returns.RefundPaidByRefundid || ret.Refunds[0].Amount != 2999 || ret.Refunds[0].Currency != "USD" {
			t.Fatalf("after refundid: %+v", rs)
		}
		want := []string{returns.TimelineCreated, returns.TimelineRefundidRefunding, returns.TimelineRefundidRefunded, returns.TimelineCompleted}
		if got := e.timelineKinds(ret.ID); !slices.Equal(got, want) {
			t.Errorf("timeline = %v, want %v", got, want)
		}
		if got := e.returnable(); got != 1 {
			t.Errorf("returnable after refundid = %d, want 1", got)
		}
		// The next shopper visit sees it too.
		sess2, err := e.fake.Open(ctx, link)
		if err != nil {
			t.Fatal(err)
		}
		if got := sess2.Orders[0].LineItems[0].ReturnableQuantity; got != 1 {
			t.Errorf("next visit: returnable %d, want 1", got)
		}
		// A Rebound return cannot claim the refunded unit: one is left.
		_, err = e.sv.App.CreateReturn(ctx, returns.SystemActor("test"), e.storeID, returnRequest(2), app.Idempotency{})
		if code := returns.ErrorCode(err); code != returns.ECONFLICT {
			t.Errorf("Rebound return of 2 units: %v, want ECONFLICT", err)
		}
		// Webhook events: created (at refunding), then updated (refundid).
		if got := e.returnEvents(ret.ID); !slices.Equal(got, []string{returns.EventReturnCreated, returns.EventReturnUpdated}) {
			t.Errorf("events = %v", got)
		}
	})
}

func returnRequest(qty int) *app.ReturnRequest {
	return &app.ReturnRequest{
		Provider: returns.ProviderCustom, ExternalOrderID: "order_123456",
		Items:           []app.ReturnItemRequest{{LineItemID: "line_1", Quantity: qty, Reason: "Too small", Compensation: returns.CompensationRefund}},
		ShippingAddress: returns.Address{Address1: "123 Main St", City: "New York", CountryCode: "US"},
	}
}

// Flow 2: Refundid refunds a return made in Rebound.
func TestFlowMerchantInitiated(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		res, err := e.sv.App.CreateReturn(ctx, returns.SystemActor("test"), e.storeID, returnRequest(1), app.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		rid := res.Return.ID
		r := e.api("GET", "/v2.2/returns/"+rid+"/refundid-link", nil)
		if r.status != 200 {
			t.Fatalf("link: %d %s", r.status, r.body)
		}
		link := r.json(t)["url"].(string)
		u, _ := url.Parse(link)
		if q := u.Query(); q.Get("merchant_rma_ref") != rid || len(q.Get("key")) != 43 || q.Get("shop") != refundidtest.DefaultShop || q.Get("email") != "" {
			t.Fatalf("link %s", link)
		}
		sess, err := e.fake.Open(ctx, link)
		if err != nil {
			t.Fatal(err)
		}
		if sess.Return == nil || sess.Return.MerchantRMARef != rid || len(sess.Orders) != 1 || sess.Orders[0].MerchantOrderRef != "order_123456" {
			t.Fatalf("session = %+v", sess)
		}
		// The RMA's own unit is returnable to it; the other unit too.
		if got := sess.Orders[0].LineItems[0].ReturnableQuantity; got != 2 {
			t.Errorf("order fetched for the RMA: returnable %d, want 2", got)
		}
		if got := e.returnable(); got != 1 {
			t.Errorf("order fetched without the RMA's key: returnable %d, want 1", got)
		}
		calls := e.fake.Calls()
		if len(calls) != 2 {
			t.Fatalf("calls = %+v", calls)
		}
		id, err := e.fake.Confirm(sess.ID, refundid.StatusRefundid)
		if err != nil {
			t.Fatal(err)
		}
		ds, err := e.fake.Deliver(ctx, id)
		if err != nil || len(ds) != 2 || !ds[0].Accepted || !ds[1].Accepted {
			t.Fatalf("deliver: %+v %v", ds, err)
		}
		got, err := e.sv.App.GetReturn(ctx, e.storeID, rid)
		if err != nil {
			t.Fatal(err)
		}
		ret := got.Return
		if ret.Status != returns.StatusComplete || len(ret.Refunds) != 1 || ret.Refunds[0].PaidBy != returns.RefundPaidByRefundid || ret.Refunds[0].Amount != 2999 || ret.ProcessedAt == nil {
			t.Fatalf("return after refundid: %+v", ret)
		}
		kinds := e.timelineKinds(rid)
		for _, k := range []string{returns.TimelineRefundidRefunding, returns.TimelineRefundidRefunded, returns.TimelineCompleted} {
			if !slices.Contains(kinds, k) {
				t.Errorf("timeline %v lacks %s", kinds, k)
			}
		}
		if len(e.orderReturns()) != 1 {
			t.Errorf("flow 2 created a return")
		}
	})
}

package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

// PreviewProcess shows the totals ProcessReturn then issues, with the
// policy's restocking fee and a merchant adjustment, and writes nothing;
// bad input is EINVALID as for ProcessReturn.
func TestPreviewProcessMatchesProcess(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		a := app.New(st)
		s, _, err := a.CreateStore(ctx, "A")
		if err != nil {
			t.Fatal(err)
		}
		usd := func(m int64) returns.MoneySet {
			return returns.MoneySet{Shop: returns.Money{Minor: m, Currency: "USD"}, Presentment: returns.Money{Minor: m, Currency: "USD"}}
		}
		now := time.Now().UTC()
		o := &returns.Order{ExternalID: "o1", Name: "#1001", CreatedAt: now.Add(-time.Hour), UpdatedAt: now, PresentmentCurrency: "USD", ShopCurrency: "USD",
			Customer: returns.Customer{Email: "jane@example.com"},
			Lines: []returns.OrderLine{{ID: "l1", Title: "Tee", SKU: "TEE", Quantity: 2, ReturnableQuantity: 2, Price: usd(2500)},
				{ID: "l2", Title: "Cap", SKU: "CAP", Quantity: 1, ReturnableQuantity: 1, Price: usd(1999)}}}
		if _, err := a.SyncOrder(ctx, s.ID, o); err != nil {
			t.Fatal(err)
		}
		pol := returns.DefaultPolicy()
		pol.RestockingFeeBasisPoints, pol.ReturnShippingFee = 1000, 500
		if _, err := a.PutPolicy(ctx, s.ID, pol); err != nil {
			t.Fatal(err)
		}
		res, err := a.CreateReturn(ctx, returns.Actor{Kind: returns.ActorMerchant, ID: "t"}, s.ID, &app.ReturnRequest{ExternalOrderID: "o1",
			Items: []app.ReturnItemRequest{{LineItemID: "l1", Quantity: 2, Reason: "Too small", Compensation: returns.CompensationRefund},
				{LineItemID: "l2", Quantity: 1, Reason: "Damaged", Compensation: returns.CompensationRefund}},
			ShippingAddress: returns.Address{Address1: "1 Main St", City: "New York", CountryCode: "US"}}, app.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		r := res.Return
		adj := "12.34"
		in := []app.ItemDecisionInput{{ItemID: r.Items[0].ID, Restock: true}, {ItemID: r.Items[1].ID, Adjustment: &adj}}
		if len(r.Items) != 2 {
			t.Fatalf("items = %d", len(r.Items))
		}
		pv, err := a.PreviewProcess(ctx, s.ID, r.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.GetReturn(ctx, s.ID, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		after := got.Return
		if !after.UpdatedAt.Equal(r.UpdatedAt) || after.Status != r.Status || after.Totals != r.Totals {
			t.Errorf("preview wrote: %+v", after)
		}
		if !pv.Done || pv.Return.Totals.Refund == 0 {
			t.Fatalf("preview = done %v totals %+v", pv.Done, pv.Return.Totals)
		}
		before, err := a.CountReturnsByStatus(ctx, s.ID) // now cached
		if err != nil || before[r.Status] != 1 || before[returns.StatusComplete] != 0 {
			t.Fatalf("counts before = %v, %v", before, err)
		}
		done, err := a.ProcessReturn(ctx, returns.Actor{Kind: returns.ActorMerchant, ID: "t"}, s.ID, r.ID, in, "")
		if err != nil {
			t.Fatal(err)
		}
		if done.Return.Totals != pv.Return.Totals || len(done.Return.Adjustments) != len(pv.Return.Adjustments) {
			t.Errorf("processed totals %+v (%d adjustments), preview %+v (%d)", done.Return.Totals, len(done.Return.Adjustments),
				pv.Return.Totals, len(pv.Return.Adjustments))
		}
		// The change dropped the cached counts.
		if after, err := a.CountReturnsByStatus(ctx, s.ID); err != nil || after[returns.StatusComplete] != 1 || after[r.Status] != 0 {
			t.Errorf("counts after processing = %v, %v", after, err)
		}
		bad := "12.345"
		if _, err := a.PreviewProcess(ctx, s.ID, r.ID, []app.ItemDecisionInput{{ItemID: r.Items[0].ID, Adjustment: &bad}}); returns.ErrorCode(err) != returns.EINVALID {
			t.Errorf("bad adjustment: %v, want EINVALID", err)
		}
		if _, err := a.PreviewProcess(ctx, s.ID, "nope", in); !returns.IsNotFound(err) {
			t.Errorf("unknown return: %v, want ENOTFOUND", err)
		}
	})
}

package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// testSaveOrder is the contract of Tx.SaveOrder: it overwrites the order's
// document (fulfillments, history) without UpsertOrder's UpdatedAt check,
// every read path sees the change, it is scoped to the order's store, and
// an unknown order is ENOTFOUND.
func testSaveOrder(t *testing.T, st store.Store) {
	ctx := context.Background()
	a := newMerchant(t, st, "Alpha")
	b := newMerchant(t, st, "Beta")
	usd := returns.MoneySet{Shop: returns.Money{Minor: 1000, Currency: "USD"}, Presentment: returns.Money{Minor: 1000, Currency: "USD"}}
	updated := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC) // newer than the save below: SaveOrder ignores it
	o := &returns.Order{
		ID: returns.NewID(time.Now()), StoreID: a.ID, ExternalID: "ord-1", Name: "ord-1",
		CreatedAt: updated.Add(-time.Hour), UpdatedAt: updated, SyncedAt: time.Now().UTC().Truncate(time.Microsecond),
		PresentmentCurrency: "USD", ShopCurrency: "USD",
		Customer: returns.Customer{Email: "jane@example.com", FirstName: "Jane", LastName: "Doe"},
		Lines:    []returns.OrderLine{{ID: "l1", ProductID: "p1", SKU: "S", Title: "Tee", Quantity: 2, Price: usd}},
	}
	if err := st.Update(ctx, func(tx store.Tx) error { _, err := tx.UpsertOrder(ctx, o); return err }); err != nil {
		t.Fatal(err)
	}
	delivered := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	err := st.Update(ctx, func(tx store.Tx) error {
		locked, err := tx.LockOrder(ctx, a.ID, o.ID)
		if err != nil {
			return err
		}
		f := returns.Fulfillment{ID: "f1", CreatedAt: delivered.Add(-48 * time.Hour), Lines: []returns.FulfillmentLine{{LineID: "l1", Quantity: 1}},
			TrackingNumbers: []returns.TrackingNumber{{Carrier: "UPS", Number: "1Z"}}}
		if err := locked.AddFulfillment(f); err != nil {
			return err
		}
		locked.Fulfillments[0].Apply(returns.ShipmentUpdate{Status: returns.ShipmentDelivered, At: delivered}, tx.Now())
		return tx.SaveOrder(ctx, locked)
	})
	if err != nil {
		t.Fatalf("save: %v", err)
	}
	check := func(got *returns.Order, how string) {
		t.Helper()
		if got == nil || len(got.Fulfillments) != 1 {
			t.Fatalf("%s: fulfillments = %+v", how, got)
		}
		f := got.Fulfillments[0]
		if f.ID != "f1" || f.Status != returns.ShipmentDelivered || f.DeliveryDate == nil || !f.DeliveryDate.Equal(delivered) ||
			len(f.History) != 1 || f.History[0].Status != returns.ShipmentDelivered {
			t.Errorf("%s: fulfillment = %+v", how, f)
		}
		if l := got.Lines[0]; l.FulfilledQuantity != 1 || l.ReturnableQuantity != 1 {
			t.Errorf("%s: line = %+v", how, l)
		}
		if got.ExternalID != "ord-1" || got.StoreID != a.ID || !got.UpdatedAt.Equal(updated) {
			t.Errorf("%s: order = %+v", how, got)
		}
	}
	err = st.View(ctx, func(tx store.ReadTx) error {
		got, err := tx.GetOrder(ctx, a.ID, "ord-1")
		if err != nil {
			return err
		}
		check(got, "GetOrder")
		byID, err := tx.GetOrdersByID(ctx, a.ID, []string{o.ID})
		if err != nil {
			return err
		}
		check(byID[o.ID], "GetOrdersByID")
		if _, err := tx.GetOrder(ctx, b.ID, "ord-1"); !returns.IsNotFound(err) {
			t.Errorf("other store's GetOrder err = %v, want ENOTFOUND", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Another store's id, or an unknown id, saves nothing.
	for _, c := range []struct{ name, store, id string }{{"other store", b.ID, o.ID}, {"unknown id", a.ID, returns.NewID(time.Now())}} {
		other := *o
		other.StoreID, other.ID, other.Fulfillments = c.store, c.id, nil
		err := st.Update(ctx, func(tx store.Tx) error { return tx.SaveOrder(ctx, &other) })
		if !returns.IsNotFound(err) {
			t.Errorf("%s: SaveOrder err = %v, want ENOTFOUND", c.name, err)
		}
	}
	_ = st.View(ctx, func(tx store.ReadTx) error {
		got, err := tx.GetOrder(ctx, a.ID, "ord-1")
		if err != nil {
			t.Fatal(err)
		}
		check(got, "after refused saves")
		return nil
	})

	// A failed transaction keeps nothing of the save.
	_ = st.Update(ctx, func(tx store.Tx) error {
		locked, err := tx.LockOrder(ctx, a.ID, o.ID)
		if err != nil {
			return err
		}
		locked.Fulfillments = nil
		if err := tx.SaveOrder(ctx, locked); err != nil {
			return err
		}
		return returns.Errorf(returns.ECONFLICT, "roll back")
	})
	_ = st.View(ctx, func(tx store.ReadTx) error {
		got, err := tx.GetOrder(ctx, a.ID, "ord-1")
		if err != nil {
			t.Fatal(err)
		}
		check(got, "after rollback")
		return nil
	})
}

// newMerchant creates a store (a merchant) named name.
func newMerchant(t *testing.T, st store.Store, name string) *returns.Merchant {
	t.Helper()
	s := &returns.Merchant{ID: returns.NewID(time.Now()), Name: name, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if err := st.Update(context.Background(), func(tx store.Tx) error { return tx.CreateStore(context.Background(), s) }); err != nil {
		t.Fatalf("create store: %v", err)
	}
	return s
}

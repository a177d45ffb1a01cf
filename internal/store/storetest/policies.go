package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

func testPolicyAndGiftCards(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := mustStore(t, st, "A"), mustStore(t, st, "B")
	view(t, st, func(tx store.ReadTx) error {
		p, err := tx.GetPolicy(ctx, a.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(p, returns.DefaultPolicy()) {
			t.Errorf("GetPolicy(unset) = %+v, want DefaultPolicy", p)
		}
		return nil
	})
	p := returns.Policy{WindowDays: 30, WindowFrom: returns.WindowFromOrder, FinalSaleTags: []string{"final"},
		Reasons:     []returns.Reason{{Code: "size", Label: "Size", Children: []returns.Reason{{Code: "small", Label: "Too small"}}}},
		ReviewRules: []returns.ReviewRule{{MinValue: &returns.Money{Minor: 10000, Currency: "USD"}}}, RestockingFeeBasisPoints: 500, RefundShipping: true}
	update(t, st, func(tx store.Tx) error { return tx.PutPolicy(ctx, a.ID, p) })
	p.WindowDays = 45
	update(t, st, func(tx store.Tx) error { return tx.PutPolicy(ctx, a.ID, p) })
	view(t, st, func(tx store.ReadTx) error {
		got, err := tx.GetPolicy(ctx, a.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, p) {
			t.Errorf("GetPolicy = %+v, want %+v", got, p)
		}
		if got, err := tx.GetPolicy(ctx, b.ID); err != nil || !reflect.DeepEqual(got, returns.DefaultPolicy()) {
			t.Errorf("GetPolicy(B) = %+v, %v", got, err)
		}
		return nil
	})
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.PutPolicy(ctx, "missing", p) }); !returns.IsNotFound(err) {
		t.Errorf("PutPolicy(unknown store) = %v, want ENOTFOUND", err)
	}

	now := time.Now().UTC().Truncate(time.Microsecond)
	g := &returns.GiftCard{Code: "GC-1", ExternalID: "ext", StoreID: a.ID, ReturnID: "r1", Amount: 2500, Balance: 2000, Currency: "EUR", CreatedAt: now}
	update(t, st, func(tx store.Tx) error { return tx.CreateGiftCard(ctx, g) })
	dup := *g
	dup.Amount = 1
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.CreateGiftCard(ctx, &dup) }); returns.ErrorCode(err) != returns.ECONFLICT {
		t.Errorf("CreateGiftCard(duplicate) = %v, want ECONFLICT", err)
	}
	gb := *g
	gb.StoreID = b.ID
	update(t, st, func(tx store.Tx) error { return tx.CreateGiftCard(ctx, &gb) })
	lost := *g
	lost.StoreID = "missing"
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.CreateGiftCard(ctx, &lost) }); !returns.IsNotFound(err) {
		t.Errorf("CreateGiftCard(unknown store) = %v, want ENOTFOUND", err)
	}
	view(t, st, func(tx store.ReadTx) error {
		got, err := tx.GetGiftCard(ctx, a.ID, "GC-1")
		if err != nil {
			return err
		}
		if *got != *g {
			t.Errorf("GetGiftCard = %+v, want %+v", got, g)
		}
		if _, err := tx.GetGiftCard(ctx, a.ID, "GC-2"); !returns.IsNotFound(err) {
			t.Errorf("GetGiftCard(unknown) = %v, want ENOTFOUND", err)
		}
		return nil
	})
}

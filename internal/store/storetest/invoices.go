package storetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

func testInvoices(t *testing.T, st store.Store) {
	ctx := context.Background()
	a := mustStore(t, st, "Alpha")
	b := mustStore(t, st, "Beta")
	s, err := store.Read(ctx, st, func(tx store.ReadTx) (*store.InvoiceSettings, error) { return tx.GetInvoiceSettings(ctx, a.ID) })
	if err != nil || s.TimeZone != "" || s.Fees != nil {
		t.Fatalf("default settings: %+v %v", s, err)
	}
	if err := st.Update(ctx, func(tx store.Tx) error {
		return tx.PutInvoiceSettings(ctx, &store.InvoiceSettings{StoreID: a.ID, TimeZone: "Europe/Paris", Fees: json.RawMessage(`[]`)})
	}); err != nil {
		t.Fatal(err)
	}
	if s, _ := store.Read(ctx, st, func(tx store.ReadTx) (*store.InvoiceSettings, error) { return tx.GetInvoiceSettings(ctx, a.ID) }); s.TimeZone != "Europe/Paris" || string(s.Fees) != `[]` {
		t.Errorf("settings: %+v", s)
	}
	if err := st.Update(ctx, func(tx store.Tx) error {
		return tx.PutInvoiceSettings(ctx, &store.InvoiceSettings{StoreID: "nope"})
	}); !returns.IsNotFound(err) {
		t.Errorf("unknown store: %v", err)
	}

	t0 := time.Date(2026, 10, 31, 12, 0, 0, 0, time.UTC)
	add := func(c store.InvoiceCharge, newID string) (*store.InvoiceCharge, bool) {
		t.Helper()
		var created bool
		if err := st.Update(ctx, func(tx store.Tx) error {
			var err error
			created, err = tx.AddCharge(ctx, &c, newID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return &c, created
	}
	c1, ok := add(store.InvoiceCharge{StoreID: a.ID, Key: "label:1", Kind: store.ChargeLabel, Quantity: 1, UnitPrice: 975, Amount: 975,
		Currency: "USD", At: t0, Period: "2026-10", TrackingNumber: "RB1", ReturnID: "r1", OrderID: "o1", OrderName: "#1"}, "inv_oct")
	if !ok || c1.InvoiceID != "inv_oct" || c1.ID == 0 {
		t.Fatalf("first charge: %+v %v", c1, ok)
	}
	// The same key again: nothing written.
	if c, ok := add(store.InvoiceCharge{StoreID: a.ID, Key: "label:1", Kind: store.ChargeLabel, Quantity: 1, UnitPrice: 975, Amount: 975,
		Currency: "USD", At: t0, Period: "2026-10"}, "inv_other"); ok || c.InvoiceID != "" {
		t.Errorf("duplicate key: %+v %v", c, ok)
	}
	// The same period joins the invoice (newID unused); a credit row.
	if c, ok := add(store.InvoiceCharge{StoreID: a.ID, Key: "void:1", Kind: store.ChargeVoid, Quantity: 1, UnitPrice: -975, Amount: -975,
		Currency: "USD", At: t0.Add(time.Hour), Period: "2026-10"}, "inv_unused"); !ok || c.InvoiceID != "inv_oct" {
		t.Errorf("credit: %+v %v", c, ok)
	}
	add(store.InvoiceCharge{StoreID: a.ID, Key: "label:2", Kind: store.ChargeLabel, Quantity: 2, UnitPrice: 1050, Amount: 2100,
		Currency: "USD", At: t0.AddDate(0, 0, 2), Period: "2026-11"}, "inv_nov")
	// Another store's same key and period: its own invoice.
	if c, ok := add(store.InvoiceCharge{StoreID: b.ID, Key: "label:1", Kind: store.ChargeLabel, Quantity: 1, UnitPrice: 100, Amount: 100,
		Currency: "USD", At: t0, Period: "2026-10"}, "inv_b"); !ok || c.InvoiceID != "inv_b" {
		t.Errorf("other store: %+v %v", c, ok)
	}

	var list []*store.Invoice
	var charges []*store.InvoiceCharge
	err = st.View(ctx, func(tx store.ReadTx) error {
		var err error
		if list, err = tx.ListInvoices(ctx, a.ID); err != nil {
			return err
		}
		charges, err = tx.ListCharges(ctx, a.ID, "inv_oct")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != "inv_nov" || list[0].Total != 2100 || list[0].Count != 1 ||
		list[1].ID != "inv_oct" || list[1].Total != 0 || list[1].Count != 2 || list[1].Period != "2026-10" || list[1].Currency != "USD" {
		t.Errorf("list: %+v %+v", list[0], list[1])
	}
	if len(charges) != 2 || charges[0].Key != "label:1" || charges[0].TrackingNumber != "RB1" || charges[0].OrderName != "#1" ||
		charges[1].Amount != -975 || charges[1].Period != "2026-10" || !charges[0].At.Equal(t0) {
		t.Errorf("charges: %+v", charges)
	}
	// Tenancy.
	err = st.View(ctx, func(tx store.ReadTx) error {
		if _, err := tx.GetInvoice(ctx, b.ID, "inv_oct"); !returns.IsNotFound(err) {
			t.Errorf("foreign get: %v", err)
		}
		if cs, err := tx.ListCharges(ctx, b.ID, "inv_oct"); err != nil || len(cs) != 0 {
			t.Errorf("foreign charges: %v %v", cs, err)
		}
		if in, err := tx.GetInvoiceByPeriod(ctx, a.ID, "2026-11", "USD"); err != nil || in.ID != "inv_nov" {
			t.Errorf("by period: %v %v", in, err)
		}
		if _, err := tx.GetInvoiceByPeriod(ctx, a.ID, "2026-12", "USD"); !returns.IsNotFound(err) {
			t.Errorf("empty period: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Paying: once, the first time kept; another store cannot.
	pay := func(storeID, id string) (*store.Invoice, error) {
		var in *store.Invoice
		err := st.Update(ctx, func(tx store.Tx) error {
			var err error
			in, err = tx.PayInvoice(ctx, storeID, id)
			return err
		})
		return in, err
	}
	if _, err := pay(b.ID, "inv_oct"); !returns.IsNotFound(err) {
		t.Errorf("foreign pay: %v", err)
	}
	p1, err := pay(a.ID, "inv_oct")
	if err != nil || p1.PaidAt == nil {
		t.Fatalf("pay: %+v %v", p1, err)
	}
	p2, err := pay(a.ID, "inv_oct")
	if err != nil || !p2.PaidAt.Equal(*p1.PaidAt) {
		t.Errorf("pay again: %+v %v", p2, err)
	}
	if err := st.Update(ctx, func(tx store.Tx) error {
		_, err := tx.AddCharge(ctx, &store.InvoiceCharge{StoreID: a.ID, Key: "bad"}, "inv_x")
		return err
	}); returns.ErrorCode(err) != returns.EINVALID {
		t.Errorf("charge without period: %v", err)
	}
}

package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

func order(storeID, ext string, updated time.Time) *returns.Order {
	usd := func(m int64) returns.MoneySet {
		return returns.MoneySet{Shop: returns.Money{Minor: m, Currency: "USD"}, Presentment: returns.Money{Minor: m, Currency: "USD"}}
	}
	return &returns.Order{
		ID: returns.NewID(time.Now()), StoreID: storeID, ExternalID: ext, Name: ext,
		CreatedAt: updated.Add(-time.Hour), UpdatedAt: updated, SyncedAt: time.Now().UTC(),
		PresentmentCurrency: "USD", ShopCurrency: "USD",
		Customer:        returns.Customer{Email: "Jane.Doe@example.com", FirstName: "Jane", LastName: "Doe"},
		ShippingAddress: returns.Address{Address1: "123 Main St", City: "New York", ProvinceCode: "NY", Zip: "10001", CountryCode: "US"},
		Lines:           []returns.OrderLine{{ID: "line_1", ProductID: "p1", SKU: "TEE", Title: "Tee", Quantity: 2, ReturnableQuantity: 2, Price: usd(2999)}},
	}
}

func upsert(t *testing.T, st store.Store, o *returns.Order) bool {
	t.Helper()
	var applied bool
	err := st.Update(context.Background(), func(tx store.Tx) error {
		var err error
		applied, err = tx.UpsertOrder(context.Background(), o)
		return err
	})
	if err != nil {
		t.Fatalf("upsert: %v", err)
	}
	return applied
}

func getOrder(t *testing.T, st store.Store, storeID, ref string) (*returns.Order, error) {
	var o *returns.Order
	err := st.View(context.Background(), func(tx store.ReadTx) error {
		var err error
		o, err = tx.GetOrder(context.Background(), storeID, ref)
		return err
	})
	return o, err
}

func testOrders(t *testing.T, st store.Store) {
	ctx := context.Background()
	a := mustStore(t, st, "A")
	b := mustStore(t, st, "B")
	t0 := time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC)

	o := order(a.ID, "order_1", t0)
	firstID := o.ID
	if !upsert(t, st, o) {
		t.Fatal("insert not applied")
	}
	got, err := getOrder(t, st, a.ID, "order_1")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != firstID || got.Lines[0].Price.Shop.Minor != 2999 || got.Customer.Email != "Jane.Doe@example.com" {
		t.Errorf("stored order = %+v", got)
	}
	for _, ref := range []string{firstID, "order_1"} {
		if _, err := getOrder(t, st, a.ID, ref); err != nil {
			t.Errorf("GetOrder(%q): %v", ref, err)
		}
	}
	// Tenancy: B sees nothing of A's.
	if _, err := getOrder(t, st, b.ID, "order_1"); !returns.IsNotFound(err) {
		t.Errorf("store B got A's order: %v", err)
	}
	if _, err := getOrder(t, st, b.ID, firstID); !returns.IsNotFound(err) {
		t.Errorf("store B got A's order by id: %v", err)
	}

	// Newer sync updates, keeps the id.
	o2 := order(a.ID, "order_1", t0.Add(time.Minute))
	o2.Lines[0].Quantity = 5
	if !upsert(t, st, o2) || o2.ID != firstID {
		t.Fatalf("update: applied wrong or id changed to %s", o2.ID)
	}
	// Same updatedAt again is applied (idempotent re-sync).
	o2b := order(a.ID, "order_1", t0.Add(time.Minute))
	o2b.Lines[0].Quantity = 6
	if !upsert(t, st, o2b) {
		t.Error("re-sync with equal updatedAt not applied")
	}
	// Older sync is not applied.
	o3 := order(a.ID, "order_1", t0)
	o3.Lines[0].Quantity = 1
	if upsert(t, st, o3) {
		t.Error("stale sync applied")
	}
	if o3.ID != firstID {
		t.Errorf("stale sync id = %s, want %s", o3.ID, firstID)
	}
	got, _ = getOrder(t, st, a.ID, "order_1")
	if got.Lines[0].Quantity != 6 {
		t.Errorf("quantity = %d, want 6 (stale sync must not overwrite)", got.Lines[0].Quantity)
	}
	// The same external id in another store is another order.
	ob := order(b.ID, "order_1", t0)
	upsert(t, st, ob)
	if ob.ID == firstID {
		t.Error("store B's order got store A's id")
	}
	// Name lookup.
	on := order(a.ID, "order_2", t0)
	on.Name = "#1002"
	upsert(t, st, on)
	if got, err := getOrder(t, st, a.ID, "#1002"); err != nil || got.ExternalID != "order_2" {
		t.Errorf("GetOrder by name = %v, %v", got, err)
	}
	var n int
	_ = st.View(ctx, func(tx store.ReadTx) error { n, err = tx.CountOrders(ctx, a.ID); return err })
	if n != 2 {
		t.Errorf("CountOrders = %d, want 2", n)
	}

	// Delete: B cannot delete A's order; A can.
	err = st.Update(ctx, func(tx store.Tx) error { _, err := tx.DeleteOrder(ctx, b.ID, firstID); return err })
	if !returns.IsNotFound(err) {
		t.Errorf("B deleting A's order: %v", err)
	}
	err = st.Update(ctx, func(tx store.Tx) error {
		d, err := tx.DeleteOrder(ctx, a.ID, "order_1")
		if err == nil && d.ID != firstID {
			t.Errorf("deleted %s", d.ID)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := getOrder(t, st, a.ID, "order_1"); !returns.IsNotFound(err) {
		t.Errorf("order still there after delete: %v", err)
	}
}

// Many concurrent first syncs of the same order create exactly one order.
func testConcurrentUpsertSameOrder(t *testing.T, st store.Store) {
	ctx := context.Background()
	s := mustStore(t, st, "A")
	t0 := time.Now().UTC()
	var wg sync.WaitGroup
	ids := make([]string, 20)
	errs := make([]error, 20)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := order(s.ID, "same", t0)
			errs[i] = st.Update(ctx, func(tx store.Tx) error { _, err := tx.UpsertOrder(ctx, o); return err })
			ids[i] = o.ID
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("upsert %d: %v", i, err)
		}
		if ids[i] != ids[0] {
			t.Errorf("upsert %d got id %s, others %s", i, ids[i], ids[0])
		}
	}
	var n int
	_ = st.View(ctx, func(tx store.ReadTx) error { var err error; n, err = tx.CountOrders(ctx, s.ID); return err })
	if n != 1 {
		t.Errorf("orders = %d, want 1", n)
	}
}

func testLockOrderAndOrdersByID(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := mustStore(t, st, "A"), mustStore(t, st, "B")
	now := time.Now().UTC()
	o1, o2, ob := order(a.ID, "1001", now), order(a.ID, "1002", now), order(b.ID, "2001", now)
	upsert(t, st, o1)
	upsert(t, st, o2)
	upsert(t, st, ob)
	update(t, st, func(tx store.Tx) error {
		got, err := tx.LockOrder(ctx, a.ID, o1.ID)
		if err != nil {
			return err
		}
		if got.ID != o1.ID || got.ExternalID != "1001" || len(got.Lines) != 1 || got.Customer.Email != o1.Customer.Email {
			t.Errorf("LockOrder = %+v", got)
		}
		if _, err := tx.LockOrder(ctx, a.ID, "nope"); !returns.IsNotFound(err) {
			t.Errorf("LockOrder(unknown) = %v, want ENOTFOUND", err)
		}
		if _, err := tx.LockOrder(ctx, a.ID, ob.ID); !returns.IsNotFound(err) {
			t.Errorf("LockOrder(other store's order) = %v, want ENOTFOUND", err)
		}
		if _, err := tx.LockOrder(ctx, a.ID, "1001"); !returns.IsNotFound(err) {
			t.Errorf("LockOrder(external id) = %v, want ENOTFOUND (Rebound ids only)", err)
		}
		return nil
	})
	view(t, st, func(tx store.ReadTx) error {
		m, err := tx.GetOrdersByID(ctx, a.ID, []string{o1.ID, "nope", o2.ID, ob.ID, o1.ID})
		if err != nil {
			return err
		}
		if len(m) != 2 || m[o1.ID] == nil || m[o2.ID] == nil || m[o2.ID].ExternalID != "1002" || m[o1.ID].Lines[0].SKU != "TEE" {
			t.Errorf("GetOrdersByID = %v", m)
		}
		m, err = tx.GetOrdersByID(ctx, a.ID, nil)
		if err != nil || len(m) != 0 {
			t.Errorf("GetOrdersByID(none) = %v, %v", m, err)
		}
		// More ids than one IN list holds.
		many := []string{o2.ID}
		for i := range 1200 {
			many = append(many, fmt.Sprintf("missing-%d", i))
		}
		many = append(many, o1.ID)
		m, err = tx.GetOrdersByID(ctx, a.ID, many)
		if err != nil || len(m) != 2 || m[o1.ID] == nil || m[o2.ID] == nil {
			t.Errorf("GetOrdersByID(1202 ids) = %v, %v", m, err)
		}
		return nil
	})
}

// Concurrent transactions that lock the same order, look for its returns
// and create one only when there is none leave exactly one return.
func testLockOrderSerialises(t *testing.T, st store.Store) {
	ctx := context.Background()
	s := mustStore(t, st, "A")
	o := order(s.ID, "1001", time.Now().UTC())
	upsert(t, st, o)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	created := make([]bool, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.Update(ctx, func(tx store.Tx) error {
				created[i] = false
				if _, err := tx.LockOrder(ctx, s.ID, o.ID); err != nil {
					return err
				}
				existing, err := tx.ReturnsForOrder(ctx, s.ID, o.ID)
				if err != nil {
					return err
				}
				time.Sleep(20 * time.Millisecond) // widen the race window
				if len(existing) > 0 {
					return nil
				}
				created[i] = true
				return tx.CreateReturn(ctx, newReturn(s.ID, o.ID, time.Now()))
			})
		}()
	}
	wg.Wait()
	creators := 0
	for i := range n {
		if errs[i] != nil {
			t.Errorf("update %d: %v", i, errs[i])
		}
		if created[i] {
			creators++
		}
	}
	var rs []*returns.Return
	view(t, st, func(tx store.ReadTx) error {
		var err error
		rs, err = tx.ReturnsForOrder(ctx, s.ID, o.ID)
		return err
	})
	if len(rs) != 1 || creators != 1 {
		t.Errorf("%d returns exist, %d transactions created one; want 1 and 1", len(rs), creators)
	}
}

// TestGetOrdersByIDSeesResyncs: decoded orders are cached per store handle,
// but a re-synced order is read as it is now, never as it was.
func testGetOrdersByIDSeesResyncs(t *testing.T, st store.Store) {
	ctx := context.Background()
	s := mustStore(t, st, "Alpha")
	t0 := time.Now().UTC().Truncate(time.Second)
	o := order(s.ID, "o-1", t0)
	upsert(t, st, o)
	byID := func() *returns.Order {
		var got *returns.Order
		if err := st.View(ctx, func(tx store.ReadTx) error {
			m, err := tx.GetOrdersByID(ctx, s.ID, []string{o.ID})
			got = m[o.ID]
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := byID(); got == nil || got.Lines[0].Quantity != 2 {
		t.Fatalf("first read = %+v", got)
	}
	byID() // cached now
	again := order(s.ID, "o-1", t0.Add(time.Minute))
	again.Lines[0].Quantity, again.Lines[0].ReturnableQuantity = 5, 5
	if !upsert(t, st, again) {
		t.Fatal("re-sync not applied")
	}
	if got := byID(); got.Lines[0].Quantity != 5 || !got.UpdatedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("after re-sync: quantity %d, updatedAt %s", got.Lines[0].Quantity, got.UpdatedAt)
	}
}

// UpsertOrders has UpsertOrder's outcome for each order as if called in
// slice order: new orders inserted (over more than one chunk), a known
// order updated unless older, an external id repeated in the batch
// checked against its earlier occurrence; and an unknown store is
// ENOTFOUND with nothing written.
func testUpsertOrders(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := mustStore(t, st, "A"), mustStore(t, st, "B")
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	known := order(a.ID, "known", t0)
	upsert(t, st, known)

	var os []*returns.Order
	want := []bool{}
	for i := range 70 { // two chunks (64 + 4 + 2)
		os = append(os, order(a.ID, fmt.Sprint("new-", i), t0))
		want = append(want, true)
	}
	newer, older := order(a.ID, "known", t0.Add(time.Hour)), order(a.ID, "known", t0.Add(-time.Hour))
	dupOld, dupNew := order(b.ID, "dup", t0), order(b.ID, "dup", t0.Add(time.Minute))
	dupStale := order(b.ID, "dup", t0.Add(-time.Minute))
	sameExtOtherStore := order(b.ID, "new-0", t0)
	os = append(os, newer, older, dupOld, dupNew, dupStale, sameExtOtherStore)
	want = append(want, true, false, true, true, false, true)

	var applied []bool
	if err := st.Update(ctx, func(tx store.Tx) error {
		var err error
		applied, err = tx.UpsertOrders(ctx, os)
		return err
	}); err != nil {
		t.Fatalf("UpsertOrders: %v", err)
	}
	if fmt.Sprint(applied) != fmt.Sprint(want) {
		t.Errorf("applied = %v\nwant      %v", applied, want)
	}
	if newer.ID != known.ID || older.ID != known.ID {
		t.Errorf("known order's id not kept: %s, %s, want %s", newer.ID, older.ID, known.ID)
	}
	if dupNew.ID != dupOld.ID || dupStale.ID != dupOld.ID {
		t.Errorf("repeated external id got ids %s, %s, %s", dupOld.ID, dupNew.ID, dupStale.ID)
	}
	for _, c := range []struct {
		storeID, ext string
		updated      time.Time
	}{{a.ID, "known", t0.Add(time.Hour)}, {b.ID, "dup", t0.Add(time.Minute)}, {a.ID, "new-69", t0}, {b.ID, "new-0", t0}} {
		o, err := getOrder(t, st, c.storeID, c.ext)
		if err != nil {
			t.Errorf("get %s: %v", c.ext, err)
			continue
		}
		if !o.UpdatedAt.Equal(c.updated) {
			t.Errorf("%s updated at %v, want %v", c.ext, o.UpdatedAt, c.updated)
		}
	}

	if err := st.Update(ctx, func(tx store.Tx) error { _, err := tx.UpsertOrder(ctx, order("missing", "x", t0)); return err }); !returns.IsNotFound(err) {
		t.Errorf("UpsertOrder with an unknown store = %v, want ENOTFOUND", err)
	}
	// An unknown store fails the call; the transaction is rolled back.
	lost := order(a.ID, "lost", t0)
	err := st.Update(ctx, func(tx store.Tx) error {
		_, err := tx.UpsertOrders(ctx, []*returns.Order{lost, order("missing", "x", t0)})
		return err
	})
	if !returns.IsNotFound(err) {
		t.Errorf("UpsertOrders with an unknown store = %v, want ENOTFOUND", err)
	}
	if _, err := getOrder(t, st, a.ID, "lost"); !returns.IsNotFound(err) {
		t.Errorf("order of the failed batch: %v, want ENOTFOUND", err)
	}
}

// InsertNewOrders writes the orders new to their store with their events,
// in slice order, and leaves the others (a known external id, one repeated
// in the batch) untouched with no event; an unknown store anywhere in the
// batch is ENOTFOUND with nothing written. Documents keep what JSON allows
// and JSONB would refuse (\u0000).
func testInsertNewOrders(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := mustStore(t, st, "A"), mustStore(t, st, "B")
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	known := order(a.ID, "known", t0)
	upsert(t, st, known) // no event

	ev := func(o *returns.Order) *returns.Event {
		return &returns.Event{StoreID: o.StoreID, Kind: returns.EventOrderSynced, SubjectType: "order", SubjectID: o.ID,
			Payload: []byte(fmt.Sprintf(`{"orderId":%q}`, o.ExternalID))}
	}
	nul := order(a.ID, "nul", t0)
	nul.Lines[0].Title = "Tee \x00 with a NUL"
	again := order(a.ID, "known", t0.Add(time.Hour))
	dup1, dup2 := order(b.ID, "dup", t0), order(b.ID, "dup", t0.Add(time.Minute))
	os := []*returns.Order{order(a.ID, "new-1", t0), again, nul, dup1, dup2, order(b.ID, "new-1", t0)}
	evs := make([]*returns.Event, len(os))
	for i, o := range os {
		evs[i] = ev(o)
	}
	inserted, err := st.InsertNewOrders(ctx, os, evs)
	if err != nil {
		t.Fatalf("InsertNewOrders: %v", err)
	}
	if want := "[true false true true false true]"; fmt.Sprint(inserted) != want {
		t.Errorf("inserted = %v, want %s", inserted, want)
	}
	for i, e := range evs {
		if inserted[i] && (e.ID == 0 || e.CreatedAt.IsZero()) {
			t.Errorf("event %d: id %d, created %v; want both set", i, e.ID, e.CreatedAt)
		}
	}
	if evs[0].ID >= evs[2].ID {
		t.Errorf("event ids %d, %d: not in slice order", evs[0].ID, evs[2].ID)
	}
	if o, err := getOrder(t, st, a.ID, "known"); err != nil || !o.UpdatedAt.Equal(t0) || o.ID != known.ID {
		t.Errorf("known order after InsertNewOrders = %+v, %v; want it untouched", o, err)
	}
	if o, err := getOrder(t, st, b.ID, "dup"); err != nil || o.ID != dup1.ID || !o.UpdatedAt.Equal(t0) {
		t.Errorf("repeated external id stored as %+v, %v; want the first occurrence", o, err)
	}
	if o, err := getOrder(t, st, a.ID, "nul"); err != nil || o.Lines[0].Title != nul.Lines[0].Title {
		t.Errorf("order with a NUL read back as %+v, %v", o, err)
	}
	// A NUL where a text column is compared is bad input (PostgreSQL's
	// TEXT cannot hold one) or simply not found, never an internal error.
	if _, err := getOrder(t, st, a.ID, "n\x00ul"); returns.ErrorCode(err) != returns.ENOTFOUND && returns.ErrorCode(err) != returns.EINVALID {
		t.Errorf("get an order by a ref with a NUL: %v, want ENOTFOUND or EINVALID", err)
	}
	for _, c := range []struct {
		storeID  string
		subjects []string
	}{{a.ID, []string{os[0].ID, nul.ID}}, {b.ID, []string{dup1.ID, os[5].ID}}} {
		got := takeEvents(t, st, c.storeID, 10, len(c.subjects))
		var subjects []string
		for _, e := range got {
			subjects = append(subjects, e.SubjectID)
		}
		if fmt.Sprint(subjects) != fmt.Sprint(c.subjects) {
			t.Errorf("events of store %s for %v, want %v", c.storeID, subjects, c.subjects)
		}
	}

	// More than one statement's chunk on the backends that chunk.
	c := mustStore(t, st, "C")
	var bulk []*returns.Order
	var bulkEvs []*returns.Event
	for i := range 100 {
		o := order(c.ID, fmt.Sprintf("bulk-%03d", i), t0)
		bulk, bulkEvs = append(bulk, o), append(bulkEvs, ev(o))
	}
	inserted, err = st.InsertNewOrders(ctx, bulk, bulkEvs)
	if err != nil || slices.Contains(inserted, false) {
		t.Fatalf("InsertNewOrders of 100 = %v, %v; want all inserted", inserted, err)
	}
	for i, e := range takeEvents(t, st, c.ID, 200, 100) {
		if e.SubjectID != bulk[i].ID {
			t.Fatalf("event %d is of %s, want %s (slice order)", i, e.SubjectID, bulk[i].ID)
		}
	}

	lost := order(a.ID, "lost", t0)
	missing := order("missing", "x", t0)
	if _, err := st.InsertNewOrders(ctx, []*returns.Order{lost, missing}, []*returns.Event{ev(lost), ev(missing)}); !returns.IsNotFound(err) {
		t.Errorf("InsertNewOrders with an unknown store = %v, want ENOTFOUND", err)
	}
	if _, err := getOrder(t, st, a.ID, "lost"); !returns.IsNotFound(err) {
		t.Errorf("order of the failed write: %v, want ENOTFOUND", err)
	}
	if evs := takeEvents(t, st, a.ID, 10, 0); len(evs) != 0 {
		t.Errorf("the failed write left %d events", len(evs))
	}
}

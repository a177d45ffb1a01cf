package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

func mustStore(t *testing.T, st store.Store, name string) *returns.Merchant {
	t.Helper()
	s := &returns.Merchant{ID: returns.NewID(time.Now()), Name: name, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if err := st.Update(context.Background(), func(tx store.Tx) error { return tx.CreateStore(context.Background(), s) }); err != nil {
		t.Fatalf("create store: %v", err)
	}
	return s
}

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

func TestStores(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		a := mustStore(t, st, "Alpha")
		mustStore(t, st, "Beta")
		err := st.View(ctx, func(tx store.ReadTx) error {
			got, err := tx.GetStore(ctx, a.ID)
			if err != nil {
				return err
			}
			if *got != *a {
				t.Errorf("GetStore = %+v, want %+v", got, a)
			}
			if _, err := tx.GetStore(ctx, "nope"); !returns.IsNotFound(err) {
				t.Errorf("GetStore(unknown) err = %v, want ENOTFOUND", err)
			}
			byName, err := tx.GetStoreByName(ctx, "Alpha")
			if err != nil || byName.ID != a.ID {
				t.Errorf("GetStoreByName = %v, %v", byName, err)
			}
			all, err := tx.ListStores(ctx)
			if err != nil || len(all) != 2 || all[0].ID != a.ID {
				t.Errorf("ListStores = %v, %v", all, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestAPIKeys(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		s := mustStore(t, st, "Alpha")
		k := &returns.APIKey{ID: "key1", StoreID: s.ID, Hash: []byte{1, 2, 3}, Scopes: []returns.Scope{returns.ScopeOrdersRead}, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
		if err := st.Update(ctx, func(tx store.Tx) error { return tx.CreateAPIKey(ctx, k) }); err != nil {
			t.Fatal(err)
		}
		bad := &returns.APIKey{ID: "key2", StoreID: "missing", Hash: []byte{1}, CreatedAt: time.Now()}
		if err := st.Update(ctx, func(tx store.Tx) error { return tx.CreateAPIKey(ctx, bad) }); !returns.IsNotFound(err) {
			t.Errorf("CreateAPIKey(unknown store) = %v, want ENOTFOUND", err)
		}
		var first time.Time
		for i := range 2 {
			err := st.Update(ctx, func(tx store.Tx) error {
				got, err := tx.RevokeAPIKey(ctx, "key1")
				if err != nil {
					return err
				}
				if got.RevokedAt == nil {
					t.Fatal("RevokedAt not set")
				}
				if i == 0 {
					first = *got.RevokedAt
				} else if !got.RevokedAt.Equal(first) {
					t.Errorf("second revoke moved RevokedAt from %v to %v", first, got.RevokedAt)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		err := st.View(ctx, func(tx store.ReadTx) error {
			got, err := tx.GetAPIKey(ctx, "key1")
			if err != nil {
				return err
			}
			if string(got.Hash) != "\x01\x02\x03" || len(got.Scopes) != 1 || got.Scopes[0] != returns.ScopeOrdersRead || got.RevokedAt == nil {
				t.Errorf("GetAPIKey = %+v", got)
			}
			if _, err := tx.GetAPIKey(ctx, "key2"); !returns.IsNotFound(err) {
				t.Errorf("failed create left key2 behind: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Update(ctx, func(tx store.Tx) error { _, err := tx.RevokeAPIKey(ctx, "nope"); return err }); !returns.IsNotFound(err) {
			t.Errorf("RevokeAPIKey(unknown) = %v", err)
		}
	})
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

func TestOrders(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, st store.Store) {
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
	})
}

// A failing Update leaves nothing behind — neither rows nor jobs — and does
// not disturb concurrent Updates that share its commit.
func TestUpdateAtomicity(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		s := mustStore(t, st, "A")
		t0 := time.Now().UTC()
		boom := errors.New("boom")
		var wg sync.WaitGroup
		errs := make([]error, 60)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = st.Update(ctx, func(tx store.Tx) error {
					o := order(s.ID, fmt.Sprintf("o%d", i), t0)
					if _, err := tx.UpsertOrder(ctx, o); err != nil {
						return err
					}
					if err := tx.AddEvent(ctx, &returns.Event{StoreID: s.ID, Kind: returns.EventOrderSynced, SubjectType: "order", SubjectID: o.ID}); err != nil {
						return err
					}
					if i%3 == 0 {
						return boom
					}
					return nil
				})
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if i%3 == 0 && !errors.Is(err, boom) {
				t.Errorf("update %d: err = %v, want boom", i, err)
			}
			if i%3 != 0 && err != nil {
				t.Errorf("update %d: %v", i, err)
			}
		}
		var n int
		var evs []*returns.Event
		err := st.View(ctx, func(tx store.ReadTx) error {
			var err error
			if n, err = tx.CountOrders(ctx, s.ID); err != nil {
				return err
			}
			evs, err = tx.ListEvents(ctx, s.ID, 0, 1000)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != 40 || len(evs) != 40 {
			t.Fatalf("orders = %d, events = %d; want 40 each", n, len(evs))
		}
		// Exactly the committed events get dispatched by their jobs.
		if err := st.StartWorkers(ctx, DispatchWorkers(st)); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			evs, err = listEvents(st, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			done := 0
			for _, e := range evs {
				if e.Dispatched {
					done++
				}
			}
			if done == 40 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("only %d of 40 events dispatched", done)
			}
			time.Sleep(20 * time.Millisecond)
		}
		stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := st.StopWorkers(stopCtx); err != nil {
			t.Fatal(err)
		}
	})
}

func listEvents(st store.Store, storeID string) ([]*returns.Event, error) {
	var evs []*returns.Event
	err := st.View(context.Background(), func(tx store.ReadTx) error {
		var err error
		evs, err = tx.ListEvents(context.Background(), storeID, 0, 100000)
		return err
	})
	return evs, err
}

// Many concurrent first syncs of the same order create exactly one order.
func TestConcurrentUpsertSameOrder(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, st store.Store) {
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
	})
}

func TestEvents(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		s := mustStore(t, st, "A")
		jobsBefore := jobTotal(t, st)
		var ids []int64
		for i := range 3 {
			ev := &returns.Event{StoreID: s.ID, Kind: returns.EventOrderSynced, SubjectType: "order", SubjectID: fmt.Sprint("o", i), Payload: []byte(`{"orderId":"o1"}`)}
			if err := st.Update(ctx, func(tx store.Tx) error { return tx.AddEvent(ctx, ev) }); err != nil {
				t.Fatal(err)
			}
			if ev.ID == 0 || ev.CreatedAt.IsZero() {
				t.Fatalf("event not filled: %+v", ev)
			}
			ids = append(ids, ev.ID)
		}
		// Three events, one queued dispatch job.
		if n := jobTotal(t, st) - jobsBefore; n != 1 {
			t.Errorf("dispatch jobs queued = %d, want 1", n)
		}
		take := func(limit int) []*returns.Event {
			var evs []*returns.Event
			if err := st.Update(ctx, func(tx store.Tx) error {
				var err error
				evs, err = tx.TakeEvents(ctx, s.ID, limit)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return evs
		}
		first := take(2)
		if len(first) != 2 || first[0].ID != ids[0] || first[1].ID != ids[1] || !first[0].Dispatched {
			t.Fatalf("first take = %+v", first)
		}
		// A full batch means more may remain: another job is queued.
		if n := jobTotal(t, st) - jobsBefore; n != 2 {
			t.Errorf("jobs after a full batch = %d, want 2", n)
		}
		if rest := take(2); len(rest) != 1 || rest[0].ID != ids[2] {
			t.Fatalf("second take = %+v", rest)
		}
		if none := take(2); len(none) != 0 {
			t.Fatalf("third take = %+v", none)
		}
		evs, err := listEvents(st, s.ID)
		if err != nil || len(evs) != 3 {
			t.Fatalf("events = %v, %v", evs, err)
		}
		for _, e := range evs {
			if !e.Dispatched || e.Kind != returns.EventOrderSynced {
				t.Errorf("event = %+v", e)
			}
		}
		if err := st.Update(ctx, func(tx store.Tx) error {
			return tx.AddEvent(ctx, &returns.Event{StoreID: "missing", Kind: "x", SubjectType: "order", SubjectID: "o"})
		}); !returns.IsNotFound(err) {
			t.Errorf("AddEvent for unknown store = %v, want ENOTFOUND", err)
		}
	})
}

func jobTotal(t *testing.T, st store.Store) int {
	t.Helper()
	counts, err := st.JobCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

func TestReady(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, st store.Store) {
		if err := st.Ready(context.Background()); err != nil {
			t.Fatalf("Ready: %v", err)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		if err := st.Update(context.Background(), func(store.Tx) error { return nil }); !errors.Is(err, store.ErrClosed) {
			t.Errorf("Update after Close = %v, want ErrClosed", err)
		}
	})
}

// Events written while a dispatcher takes events are never skipped nor
// taken twice: every event is returned by exactly one TakeEvents, even when
// writers commit out of id order around the dispatcher.
func TestTakeEventsWhileWriting(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		s := mustStore(t, st, "A")
		const writers, each = 12, 40
		var wg sync.WaitGroup
		errs := make(chan error, writers+1)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					err := st.Update(ctx, func(tx store.Tx) error {
						if err := tx.AddEvent(ctx, &returns.Event{StoreID: s.ID, Kind: returns.EventOrderSynced, SubjectType: "order", SubjectID: fmt.Sprintf("w%d-%d", w, i)}); err != nil {
							return err
						}
						// Work after the event, before commit: the window in
						// which a dispatcher must not move past this event.
						if i%2 == 0 {
							time.Sleep(time.Duration(w%4) * time.Millisecond)
						}
						return nil
					})
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		writing := make(chan struct{})
		go func() { wg.Wait(); close(writing) }()
		taken := map[int64]int{}
		take := func() int {
			var evs []*returns.Event
			if err := st.Update(ctx, func(tx store.Tx) error {
				var err error
				evs, err = tx.TakeEvents(ctx, s.ID, 25)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				taken[e.ID]++
			}
			return len(evs)
		}
	loop:
		for {
			take()
			select {
			case <-writing:
				break loop
			case <-time.After(2 * time.Millisecond):
			}
		}
		for take() > 0 {
		}
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		evs, err := listEvents(st, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != writers*each {
			t.Fatalf("events = %d, want %d", len(evs), writers*each)
		}
		missed := 0
		for _, e := range evs {
			switch taken[e.ID] {
			case 0:
				missed++
			case 1:
			default:
				t.Errorf("event %d taken %d times", e.ID, taken[e.ID])
			}
		}
		if missed > 0 {
			t.Fatalf("%d of %d events were never taken", missed, len(evs))
		}
	})
}

// An Update whose context is cancelled while it waits, queued behind a
// failing one, still returns (with the context's error, or success if it
// ran before the cancellation was seen) instead of hanging.
func TestCancelledUpdateBehindFailureReturns(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		release := make(chan struct{})
		started := make(chan struct{})
		aDone := make(chan error, 1)
		go func() {
			aDone <- st.Update(ctx, func(store.Tx) error {
				close(started)
				<-release
				return nil
			})
		}()
		<-started
		boom := errors.New("boom")
		bDone := make(chan error, 1)
		go func() { bDone <- st.Update(ctx, func(store.Tx) error { return boom }) }()
		time.Sleep(30 * time.Millisecond) // B queues behind A, then C behind B
		cctx, cancel := context.WithCancel(ctx)
		cDone := make(chan error, 1)
		go func() { cDone <- st.Update(cctx, func(store.Tx) error { return nil }) }()
		time.Sleep(30 * time.Millisecond)
		cancel()
		close(release)
		for name, ch := range map[string]chan error{"A": aDone, "B": bDone, "C": cDone} {
			select {
			case err := <-ch:
				switch {
				case name == "A" && err != nil:
					t.Errorf("A: %v", err)
				case name == "B" && !errors.Is(err, boom):
					t.Errorf("B: %v, want boom", err)
				case name == "C" && err != nil && !errors.Is(err, context.Canceled):
					t.Errorf("C: %v, want nil or context.Canceled", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s never returned", name)
			}
		}
	})
}

// After a crash a store's queued-dispatch flag can stay set while no job
// will ever clear it (the job died with its process). StaleDispatches
// finds such stores and RequestDispatch queues their dispatch whatever the
// flag says, once however often it is asked.
func TestStaleDispatchRecovery(t *testing.T) {
	ForEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		s := mustStore(t, st, "A")
		quiet := mustStore(t, st, "B")
		ev := &returns.Event{StoreID: s.ID, Kind: returns.EventOrderSynced, SubjectType: "order", SubjectID: "o1"}
		if err := st.Update(ctx, func(tx store.Tx) error { return tx.AddEvent(ctx, ev) }); err != nil {
			t.Fatal(err)
		}
		stale := func(before time.Time) []string {
			t.Helper()
			var ids []string
			if err := st.View(ctx, func(tx store.ReadTx) error {
				var err error
				ids, err = tx.StaleDispatches(ctx, before)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return ids
		}
		if got := stale(ev.CreatedAt.Add(-time.Second)); len(got) != 0 {
			t.Errorf("stale before the event = %v, want none", got)
		}
		if got := stale(ev.CreatedAt); len(got) != 1 || got[0] != s.ID {
			t.Errorf("stale at the event = %v, want [%s] (not %s, which has no events)", got, s.ID, quiet.ID)
		}
		before := jobTotal(t, st)
		for range 2 {
			if err := st.Update(ctx, func(tx store.Tx) error { return tx.RequestDispatch(ctx, s.ID) }); err != nil {
				t.Fatal(err)
			}
		}
		if n := jobTotal(t, st) - before; n != 1 {
			t.Errorf("RequestDispatch twice queued %d jobs, want 1 (the flag was already set)", n)
		}
		if err := st.Update(ctx, func(tx store.Tx) error {
			_, err := tx.TakeEvents(ctx, s.ID, 10)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got := stale(time.Now().Add(time.Hour)); len(got) != 0 {
			t.Errorf("stale after dispatch = %v, want none", got)
		}
	})
}

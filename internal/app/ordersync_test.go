package app

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

func syncTestOrder(ext string, updated time.Time) *returns.Order {
	return &returns.Order{ExternalID: ext, Name: ext, CreatedAt: updated.Add(-time.Hour), UpdatedAt: updated,
		PresentmentCurrency: "USD", ShopCurrency: "USD", Customer: returns.Customer{Email: "a@example.com"},
		Lines: []returns.OrderLine{{ID: "l1", Title: "Tee", Quantity: 1, ReturnableQuantity: 1,
			Price: returns.MoneySet{Shop: returns.Money{Minor: 1000, Currency: "USD"}, Presentment: returns.Money{Minor: 1000, Currency: "USD"}}}}}
}

func newSyncReq(ctx context.Context, storeID string, o *returns.Order) *syncReq {
	return &syncReq{ctx: ctx, storeID: storeID, res: &SyncResult{Order: o}, done: make(chan error, 1)}
}

// newSyncTest is an App over st with a store, and the orders' base time.
func newSyncTest(t *testing.T, st store.Store) (context.Context, *App, *returns.Merchant, time.Time) {
	t.Helper()
	ctx := context.Background()
	a := New(st)
	s, _, err := a.CreateStore(ctx, "A")
	if err != nil {
		t.Fatal(err)
	}
	return ctx, a, s, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
}

func countEvents(t *testing.T, st store.Store, storeID string) int {
	t.Helper()
	var n int
	if err := st.View(context.Background(), func(tx store.ReadTx) error {
		evs, err := tx.ListEvents(context.Background(), storeID, 0, 100000)
		n = len(evs)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// A group has each call's outcome as alone: new orders applied, a stale
// resync not, a repeated order checked against its earlier call, one
// event per applied sync; a call for an unknown store in the group gets
// ENOTFOUND while the others succeed; a cancelled call gets its ctx's
// error and writes nothing.
func TestSyncGroupOutcomes(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		ctx, a, s, t0 := newSyncTest(t, st)
		if _, err := a.SyncOrder(ctx, s.ID, syncTestOrder("known", t0)); err != nil {
			t.Fatal(err)
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		group := []*syncReq{
			newSyncReq(ctx, s.ID, syncTestOrder("n1", t0)),
			newSyncReq(ctx, s.ID, syncTestOrder("known", t0.Add(-time.Minute))), // stale
			newSyncReq(ctx, s.ID, syncTestOrder("n2", t0)),
			newSyncReq(ctx, s.ID, syncTestOrder("n2", t0.Add(time.Minute))), // newer repeat
			newSyncReq(ctx, s.ID, syncTestOrder("n2", t0)),                  // older than the one before
			newSyncReq(cancelled, s.ID, syncTestOrder("gone", t0)),
		}
		if after := a.syncGroup(group); after != nil {
			after()
		}
		want := []string{"<nil> true", "<nil> false", "<nil> true", "<nil> true", "<nil> false", "context canceled false"}
		for i, r := range group {
			if got := fmt.Sprint(<-r.done, " ", r.res.Applied); got != want[i] {
				t.Errorf("call %d (%s): %s, want %s", i, r.res.Order.ExternalID, got, want[i])
			}
		}
		if group[2].res.Order.ID != group[3].res.Order.ID {
			t.Errorf("repeated order got two ids")
		}
		if n := countEvents(t, st, s.ID); n != 1+3 {
			t.Errorf("events = %d, want 4", n)
		}
		if _, err := a.GetOrder(ctx, s.ID, "gone"); !returns.IsNotFound(err) {
			t.Errorf("cancelled call's order: %v", err)
		}
		o, err := a.GetOrder(ctx, s.ID, "n2")
		if err != nil || !o.UpdatedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("n2 = %+v, %v", o, err)
		}

		// One call for a store that does not exist: the group fails and
		// each call is answered alone.
		mixed := []*syncReq{newSyncReq(ctx, s.ID, syncTestOrder("m1", t0)), newSyncReq(ctx, "missing", syncTestOrder("m2", t0)), newSyncReq(ctx, s.ID, syncTestOrder("m3", t0))}
		if after := a.syncGroup(mixed); after == nil {
			t.Error("a failed group left nothing to re-run")
		} else {
			after()
		}
		for i, r := range mixed {
			err := <-r.done
			if (i == 1) != returns.IsNotFound(err) || (i != 1 && (err != nil || !r.res.Applied)) {
				t.Errorf("mixed call %d: %v applied=%v", i, err, r.res.Applied)
			}
		}
		if n := countEvents(t, st, s.ID); n != 4+2 {
			t.Errorf("events after the mixed group = %d, want 6", n)
		}
	})
}

// Concurrent SyncOrder calls are grouped (fewer transactions than calls
// is not asserted: it depends on timing) and each gets its answer: every
// order stored once with the newest version, one event per applied sync.
func TestSyncOrderConcurrent(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		ctx, a, s, t0 := newSyncTest(t, st)
		const clients, each = 16, 20
		var wg sync.WaitGroup
		var mu sync.Mutex
		applied := 0
		for c := range clients {
			wg.Go(func() {
				for i := range each {
					// Each order is synced by two clients, at two versions.
					ext := fmt.Sprint("o", (c/2)*each+i)
					res, err := a.SyncOrder(ctx, s.ID, syncTestOrder(ext, t0.Add(time.Duration(c%2)*time.Minute)))
					if err != nil {
						t.Error(err)
						return
					}
					if res.Applied {
						mu.Lock()
						applied++
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		if applied < clients/2*each || applied > clients*each {
			t.Errorf("applied %d syncs", applied)
		}
		if n := countEvents(t, st, s.ID); n != applied {
			t.Errorf("events = %d, want one per applied sync (%d)", n, applied)
		}
		for i := range clients / 2 * each {
			o, err := a.GetOrder(ctx, s.ID, fmt.Sprint("o", i))
			if err != nil || !o.UpdatedAt.Equal(t0.Add(time.Minute)) {
				t.Fatalf("order o%d = %v, %v; want the newer version", i, o, err)
			}
		}
	})
}

// What a group leaves for after its slot (re-syncs, re-runs) does not
// hold the slot: with one leader, a second group runs and is answered
// while the first group's follow-up is still blocked.
func TestSyncGroupFollowUpOutsideTheSlot(t *testing.T) {
	var g syncGroup
	inAfter, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		req := &syncReq{done: make(chan error, 1)}
		first <- g.do(req, syncPolicy{leaders: 1}, func(group []*syncReq) func() {
			return func() {
				close(inAfter)
				<-release
				for _, r := range group {
					r.done <- nil
				}
			}
		})
	}()
	<-inAfter
	second := make(chan error, 1)
	go func() {
		req := &syncReq{done: make(chan error, 1)}
		second <- g.do(req, syncPolicy{leaders: 1}, func(group []*syncReq) func() {
			for _, r := range group {
				r.done <- fmt.Errorf("second group ran")
			}
			return nil
		})
	}()
	select {
	case err := <-second:
		if err == nil || err.Error() != "second group ran" {
			t.Errorf("second call = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second group waited for the first group's follow-up")
	}
	select {
	case <-first:
		t.Fatal("the first call returned before its follow-up answered it")
	default:
	}
	close(release)
	if err := <-first; err != nil {
		t.Errorf("first call = %v", err)
	}
}

func TestSyncPolicyMayLead(t *testing.T) {
	pg := syncPolicy{leaders: 1, most: 2, minBatch: 12}
	for _, c := range []struct {
		p                syncPolicy
		running, waiting int
		want             bool
	}{
		{pg, 0, 1, true},   // nothing runs: lead
		{pg, 1, 11, false}, // one runs, too few wait for a second
		{pg, 1, 12, true},  // enough for a second
		{pg, 2, 40, false}, // at most two
		{syncPolicy{leaders: 4, most: 4}, 3, 1, true},
		{syncPolicy{leaders: 4, most: 4}, 4, 64, false},
		{syncPolicy{}, 0, 1, true}, // at least one leader
	} {
		if got := c.p.mayLead(c.running, c.waiting); got != c.want {
			t.Errorf("%+v.mayLead(%d, %d) = %v, want %v", c.p, c.running, c.waiting, got, c.want)
		}
	}
}

// With one leader and a second group for minBatch waiting calls: calls
// wait while too few of them wait, and the call that makes minBatch leads
// a group of all of them while the first group still runs.
func TestSyncGroupSecondGroupForABatch(t *testing.T) {
	var g syncGroup
	p := syncPolicy{leaders: 1, most: 2, minBatch: 3}
	release := make(chan struct{})
	answer := func(group []*syncReq) {
		for _, r := range group {
			r.done <- fmt.Errorf("group of %d", len(group))
		}
	}
	call := func(block bool) chan error {
		out := make(chan error, 1)
		go func() {
			req := &syncReq{done: make(chan error, 1)}
			out <- g.do(req, p, func(group []*syncReq) func() {
				if block {
					<-release
				}
				answer(group)
				return nil
			})
		}()
		return out
	}
	waitFor := func(running, pending int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			g.mu.Lock()
			r, n := g.running, len(g.pending)
			g.mu.Unlock()
			if r == running && n == pending {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("running %d, pending %d; want %d, %d", r, n, running, pending)
			}
			time.Sleep(time.Millisecond)
		}
	}
	first := call(true)
	waitFor(1, 0)
	b, c := call(false), call(false)
	waitFor(1, 2) // too few for a second group: they wait
	d := call(false)
	for i, ch := range []chan error{b, c, d} {
		select {
		case err := <-ch:
			if err == nil || err.Error() != "group of 3" {
				t.Errorf("call %d: %v, want the second group of 3", i, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("call %d waited for the first group", i)
		}
	}
	close(release)
	if err := <-first; err == nil || err.Error() != "group of 1" {
		t.Errorf("first call: %v", err)
	}
}

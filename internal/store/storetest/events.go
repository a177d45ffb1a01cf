package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

func listEvents(st store.Store, storeID string) ([]*returns.Event, error) {
	var evs []*returns.Event
	err := st.View(context.Background(), func(tx store.ReadTx) error {
		var err error
		evs, err = tx.ListEvents(context.Background(), storeID, 0, 100000)
		return err
	})
	return evs, err
}

func testEvents(t *testing.T, st store.Store) {
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

// Events written while a dispatcher takes events are never skipped nor
// taken twice: every event is returned by exactly one TakeEvents, even when
// writers commit out of id order around the dispatcher.
func testTakeEventsWhileWriting(t *testing.T, st store.Store) {
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
}

// After a crash a store's queued-dispatch flag can stay set while no job
// will ever clear it (the job died with its process). StaleDispatches
// finds such stores and RequestDispatch queues their dispatch whatever the
// flag says, once however often it is asked.
func testStaleDispatchRecovery(t *testing.T, st store.Store) {
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
}

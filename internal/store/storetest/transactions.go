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

// A failing Update leaves nothing behind — neither rows nor jobs — and does
// not disturb concurrent Updates that share its commit.
func testUpdateAtomicity(t *testing.T, st store.Store) {
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
	waitDispatched(t, st, s.ID, 40, 20*time.Second)
	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := st.StopWorkers(stopCtx); err != nil {
		t.Fatal(err)
	}
}

func testReady(t *testing.T, st store.Store) {
	if err := st.Ready(context.Background()); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Update(context.Background(), func(store.Tx) error { return nil }); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Update after Close = %v, want ErrClosed", err)
	}
}

// An Update whose context is cancelled while it waits, queued behind a
// failing one, still returns (with the context's error, or success if it
// ran before the cancellation was seen) instead of hanging.
func testCancelledUpdateBehindFailureReturns(t *testing.T, st store.Store) {
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
}

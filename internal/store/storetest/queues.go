package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/jobs"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/riverqueue/river"
)

// Event dispatch runs on workers of its own (jobs.QueueEvents): with every
// worker of the default queue busy and more of its jobs waiting (a burst
// of shopper emails, a slow SMTP server), a store's new event is still
// dispatched at once.
func testDispatchBesideABusyQueue(t *testing.T, st store.Store) {
	ctx := context.Background()
	s := mustStore(t, st, "A")
	const backlog = 80 // more than either backend's workers per queue
	update(t, st, func(tx store.Tx) error {
		for i := range backlog {
			if err := tx.Enqueue(ctx, jobs.ShopperEmailArgs{StoreID: s.ID, ReturnID: fmt.Sprint("r", i), Email: "received"}, nil); err != nil {
				return err
			}
		}
		return nil
	})
	w := DispatchWorkers(st)
	block := &blockWorker{started: make(chan struct{}, 1), release: make(chan struct{})}
	river.AddWorker(w, block)
	if err := st.StartWorkers(ctx, w); err != nil {
		t.Fatal(err)
	}
	defer func() {
		close(block.release)
		stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := st.StopWorkers(stopCtx); err != nil {
			t.Error(err)
		}
	}()
	select {
	case <-block.started:
	case <-time.After(10 * time.Second):
		t.Fatal("no shopper email job started")
	}
	ev := &returns.Event{StoreID: s.ID, Kind: returns.EventReturnCreated, SubjectType: "return", SubjectID: "r0"}
	update(t, st, func(tx store.Tx) error { return tx.AddEvent(ctx, ev) })
	// At once: the default queue's workers are all blocked meanwhile.
	waitDispatched(t, st, s.ID, 1, 10*time.Second)
	if c := jobCounts(t, st); c["available"] == 0 {
		t.Errorf("jobs = %v: the default queue's backlog should still be waiting", c)
	}
}

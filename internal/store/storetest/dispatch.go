package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/jobs"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/riverqueue/river"
)

// takeWorker is the smallest dispatcher of the store contract: it takes a
// store's events (store.Tx.TakeEvents), which is what every real
// dispatcher (internal/webhooks) builds on, and does nothing else with
// them.
type takeWorker struct {
	river.WorkerDefaults[jobs.DispatchEventsArgs]
	st store.Store
}

func (w *takeWorker) Work(ctx context.Context, job *river.Job[jobs.DispatchEventsArgs]) error {
	return w.st.Update(ctx, func(tx store.Tx) error {
		_, err := tx.TakeEvents(ctx, job.Args.StoreID, 500)
		return err
	})
}

// DispatchWorkers returns workers that take st's events as they are
// dispatched, for tests of the store alone.
func DispatchWorkers(st store.Store) *river.Workers {
	w := river.NewWorkers()
	river.AddWorker(w, &takeWorker{st: st})
	return w
}

// blockWorker holds every shopper email job until release is closed (or
// its job is cancelled): a default queue whose workers are all busy.
type blockWorker struct {
	river.WorkerDefaults[jobs.ShopperEmailArgs]
	started chan struct{}
	release chan struct{}
}

func (w *blockWorker) Work(ctx context.Context, job *river.Job[jobs.ShopperEmailArgs]) error {
	select {
	case w.started <- struct{}{}:
	default:
	}
	select {
	case <-w.release:
	case <-ctx.Done():
	}
	return nil
}

// waitDispatched waits until want of storeID's events are dispatched,
// failing the test when within passes first.
func waitDispatched(t *testing.T, st store.Store, storeID string, want int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		evs, err := listEvents(st, storeID)
		if err != nil {
			t.Fatal(err)
		}
		done := 0
		for _, e := range evs {
			if e.Dispatched {
				done++
			}
		}
		if done >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d events dispatched in %v (jobs: %v)", done, want, within, jobCounts(t, st))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

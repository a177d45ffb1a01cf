package webhooks

import (
	"context"
	"fmt"
	"time"

	"github.com/reboundhq/rebound/internal/jobs"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/riverqueue/river"
)

// dispatchBatch bounds how many events one job takes; more are left to the
// next job, which TakeEvents requests.
const dispatchBatch = 500

// DispatchEventsWorker fans a store's recorded events out to its webhook
// subscriptions (delivery rows, see webhooks.go) and marks them dispatched,
// in one transaction.
type DispatchEventsWorker struct {
	river.WorkerDefaults[jobs.DispatchEventsArgs]
	Store store.Store
	// Debounce is how old a job must be before it takes events, so that a
	// burst is dispatched in one go rather than a few events per job (on
	// PostgreSQL, where requests made while a job runs queue the next one
	// at once).
	Debounce time.Duration
}

// Work implements river.Worker. A store that no longer exists cancels the
// job (nothing to retry).
func (w *DispatchEventsWorker) Work(ctx context.Context, job *river.Job[jobs.DispatchEventsArgs]) error {
	if wait := w.Debounce - time.Since(job.CreatedAt); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	err := w.Store.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.GetStore(ctx, job.Args.StoreID); err != nil {
			return err
		}
		evs, err := tx.TakeEvents(ctx, job.Args.StoreID, dispatchBatch)
		if err != nil {
			return err
		}
		return fanOut(ctx, tx, job.Args.StoreID, evs)
	})
	if returns.IsNotFound(err) {
		return river.JobCancel(err)
	}
	if err != nil {
		return fmt.Errorf("dispatch events of store %s: %w", job.Args.StoreID, err)
	}
	return nil
}

// postgresDispatchDebounce bounds how often a store's events are taken on
// PostgreSQL. Taking them waits for nobody (store.Tx.TakeEvents reads below
// the snapshot's horizon), so this only batches.
const postgresDispatchDebounce = 20 * time.Millisecond

// AddWorkers registers the webhook workers with w: the event dispatcher
// (fan-out), the deliverer and the backfill/replay filler, bound to st.
func AddWorkers(w *river.Workers, st store.Store, cfg WorkerConfig) {
	d := &DispatchEventsWorker{Store: st}
	if st.Dialect() == "postgres" {
		d.Debounce = postgresDispatchDebounce
	}
	river.AddWorker(w, d)
	river.AddWorker(w, NewDeliverWorker(st, cfg))
	river.AddWorker(w, &FillWorker{Store: st})
}

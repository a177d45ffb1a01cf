package jobs

import (
	"context"
	"fmt"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/riverqueue/river"
)

// dispatchBatch bounds how many events one job takes; more are left to the
// next job, which TakeEvents enqueues.
const dispatchBatch = 500

// DispatchEventsWorker fans a store's recorded events out to its
// subscribers and marks them dispatched, in one transaction. Webhook
// subscriptions hook in here; until a store has any, dispatching only
// records that the events were handled.
type DispatchEventsWorker struct {
	river.WorkerDefaults[DispatchEventsArgs]
	Store store.Store
}

// Work implements river.Worker. A store that no longer exists cancels the
// job (nothing to retry).
func (w *DispatchEventsWorker) Work(ctx context.Context, job *river.Job[DispatchEventsArgs]) error {
	err := w.Store.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.GetStore(ctx, job.Args.StoreID); err != nil {
			return err
		}
		_, err := tx.TakeEvents(ctx, job.Args.StoreID, dispatchBatch)
		return err
	})
	if returns.IsNotFound(err) {
		return river.JobCancel(err)
	}
	if err != nil {
		return fmt.Errorf("dispatch events of store %s: %w", job.Args.StoreID, err)
	}
	return nil
}

// Workers returns every Rebound worker, bound to st.
func Workers(st store.Store) *river.Workers {
	w := river.NewWorkers()
	river.AddWorker(w, &DispatchEventsWorker{Store: st})
	return w
}

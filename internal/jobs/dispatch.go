package jobs

import (
	"context"
	"fmt"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/riverqueue/river"
)

// DispatchEventWorker fans a recorded event out to the store's subscribers
// and marks it dispatched. Webhook subscriptions hook in here; until a store
// has any, dispatching only records that the event was handled.
type DispatchEventWorker struct {
	river.WorkerDefaults[DispatchEventArgs]
	Store store.Store
}

// Work implements river.Worker. A missing event (its store was deleted) is
// not an error worth retrying: the job is cancelled.
func (w *DispatchEventWorker) Work(ctx context.Context, job *river.Job[DispatchEventArgs]) error {
	err := w.Store.Update(ctx, func(tx store.Tx) error {
		return tx.MarkEventDispatched(ctx, job.Args.EventID)
	})
	if returns.IsNotFound(err) {
		return river.JobCancel(err)
	}
	if err != nil {
		return fmt.Errorf("dispatch event %d: %w", job.Args.EventID, err)
	}
	return nil
}

// Workers returns every Rebound worker, bound to st.
func Workers(st store.Store) *river.Workers {
	w := river.NewWorkers()
	river.AddWorker(w, &DispatchEventWorker{Store: st})
	return w
}

package postgres

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/reboundhq/rebound/internal/jobs"
	"github.com/reboundhq/rebound/internal/store/sqlstore"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// requester issues the dispatch requests of committed transactions
// (sqlstore.Tx.DispatchRequests): a unique event.dispatch job per store
// (sqlstore.DispatchSlots). Requests are coalesced: while one round of
// inserts runs, the requests that arrive are left for the next round, so under
// load a store costs one insert per round and process, however many
// transactions wrote its events, and no transaction ever writes a row
// shared by the store's writers.
//
// A request is made after its events are visible, so a job it finds
// waiting will read them. A store whose slots are all running (their jobs
// started before the request, or died with their process) is retried
// until a slot takes it. A process that dies between a commit and its
// request leaves the events to the sweep (store.ReadTx.StaleDispatches).
type requester struct {
	insert func(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	log    *slog.Logger

	mu      sync.Mutex
	pending map[string]bool
	waiters []chan struct{}
	running bool
	closed  bool
}

// roundGap is the least time between the starts of two rounds. Under load
// a round (a transaction of its own) would otherwise follow each group of
// commits, costing PostgreSQL nearly as many transactions as the writes;
// with the gap a store costs at most one insert per gap and process, and
// its webhooks wait at most that much longer.
const roundGap = 50 * time.Millisecond

// retryRunning is how soon a store whose every slot was running is tried
// again.
const retryRunning = 25 * time.Millisecond

// request queues reqs for the next round (those with a delay after it).
func (r *requester) request(reqs []sqlstore.DispatchRequest) {
	for _, q := range reqs {
		if q.Delay > 0 {
			id := q.StoreID
			time.AfterFunc(q.Delay, func() { r.add(id) })
			continue
		}
		r.add(q.StoreID)
	}
}

// flush waits (bounded by ctx) until every request made before it has been
// through a round.
func (r *requester) flush(ctx context.Context) {
	r.mu.Lock()
	if !r.running && len(r.pending) == 0 {
		r.mu.Unlock()
		return
	}
	done := make(chan struct{})
	r.waiters = append(r.waiters, done)
	if !r.running {
		r.running = true
		go r.loop()
	}
	r.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

func (r *requester) add(storeID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.pending[storeID] = true
	if !r.running {
		r.running = true
		go r.loop()
	}
}

func (r *requester) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
}

func (r *requester) loop() {
	var last time.Time
	for {
		if wait := roundGap - time.Since(last); !last.IsZero() && wait > 0 {
			time.Sleep(wait)
		}
		r.mu.Lock()
		if len(r.pending) == 0 || r.closed {
			r.running = false
			for _, w := range r.waiters {
				close(w)
			}
			r.waiters = nil
			r.mu.Unlock()
			return
		}
		stores := make([]string, 0, len(r.pending))
		for id := range r.pending {
			stores = append(stores, id)
		}
		clear(r.pending)
		waiters := r.waiters
		r.waiters = nil
		r.mu.Unlock()

		last = time.Now()
		retry, failed := r.round(stores)
		for _, w := range waiters {
			close(w)
		}
		wait := retryRunning
		if failed {
			wait = retryFailed
		}
		for _, id := range retry {
			time.AfterFunc(wait, func() { r.add(id) })
		}
	}
}

// retryFailed is how soon requests that failed (the database unreachable)
// are tried again.
const retryFailed = time.Second

// round requests dispatch of stores, slot after slot; it returns the stores
// to try again, and whether that is because the inserts failed.
func (r *requester) round(stores []string) (retry []string, failed bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for slot := 0; slot < sqlstore.DispatchSlots && len(stores) > 0; slot++ {
		params := make([]river.InsertManyParams, len(stores))
		for i, id := range stores {
			params[i] = river.InsertManyParams{Args: jobs.DispatchEventsArgs{StoreID: id, Slot: slot},
				InsertOpts: &river.InsertOpts{UniqueOpts: sqlstore.DispatchUnique}}
		}
		res, err := r.insert(ctx, params)
		if err != nil {
			// The database is unreachable or the process is stopping; the
			// sweep finds the events later if no retry gets through.
			r.log.Warn("request event dispatch", slog.Int("stores", len(stores)), slog.Any("error", err))
			if !r.isClosed() {
				return stores, true
			}
			return nil, true
		}
		var next []string
		for i, x := range res {
			if !sqlstore.DispatchQueued(x) {
				next = append(next, stores[i])
			}
		}
		stores = next
	}
	return stores, false
}

func (r *requester) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}

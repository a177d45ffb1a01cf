package app

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// SyncResult is the outcome of SyncOrder.
type SyncResult struct {
	Order *returns.Order
	// Applied is false when the stored order was newer (nothing changed).
	Applied bool
}

// SyncOrder upserts a decoded order into storeID: a new order gets a fresh
// id, a known one (same external id) is updated unless the stored copy has a
// newer UpdatedAt. An applied sync records an order.synced event (and its
// dispatch job) in the same transaction. ENOTFOUND when the store does not
// exist.
//
// Concurrent calls are group-committed: while one group's transaction
// runs, the calls that arrive wait and then go together in the next
// (multi-row inserts, one commit), with the same outcome for each as
// alone. A lone call is never delayed. If a group's transaction fails,
// each of its calls is run alone, so that each gets its own answer.
func (a *App) SyncOrder(ctx context.Context, storeID string, o *returns.Order) (*SyncResult, error) {
	req := &syncReq{ctx: ctx, storeID: storeID, res: &SyncResult{Order: o}, done: make(chan error, 1)}
	if err := a.orders.do(req, syncPolicyFor(a.Store.Dialect()), a.syncGroup); err != nil {
		return nil, fmt.Errorf("sync order: %w", err)
	}
	return req.res, nil
}

// maxSyncGroup bounds the orders of one group-committed transaction.
const maxSyncGroup = 64

// syncReq is one SyncOrder call waiting for its group.
type syncReq struct {
	ctx     context.Context
	storeID string
	res     *SyncResult
	done    chan error // the outcome, sent once
	taken   bool       // in a group (guarded by syncGroup.mu)
}

// syncPolicy is how many groups may run at once: leaders (at least one)
// whenever calls wait, and up to most when at least minBatch calls wait.
type syncPolicy struct {
	leaders, most, minBatch int
}

// mayLead reports whether a waiting call may lead a group while running
// groups run and waiting calls (its own included) wait for one.
func (p syncPolicy) mayLead(running, waiting int) bool {
	return running < max(1, p.leaders) || (running < p.most && waiting >= p.minBatch)
}

// syncPolicyFor is the policy for a store of dialect.
//
// On PostgreSQL one group, and a second one only for at least 12 waiting
// calls. Each group is one statement whose fixed cost (the round trip, the
// statement's setup, its commit's WAL flush: about 0.35 ms here, against
// about 28 µs an order) is paid once per group, so small groups run at
// once cost more than they save: with 32 clients on the shared 2 vCPU VM,
// two groups at any size gave 8,500-9,200 orders/s, one 9,000-10,000, one
// plus a second for 12 or more waiting calls 10,000-10,700 (a threshold of
// 6-10 or 16-20 was no better than none, and a third group lost). 12 is
// where a group's per-order work reaches its fixed cost
// (docs/performance.md). Only the insert of new orders runs under a
// group's slot: re-syncs and retries run after it is freed (syncGroup),
// so one that waits on a row lock does not hold up the rest.
//
// On SQLite four at any size: its writer commits the groups in flight in
// one transaction, so more of them make its commits larger (measured: 4
// beats 2 by a quarter; 8 equals 4).
func syncPolicyFor(dialect string) syncPolicy {
	if dialect == "postgres" {
		return syncPolicy{leaders: 1, most: 2, minBatch: 12}
	}
	return syncPolicy{leaders: 4, most: 4}
}

// syncGroup collects concurrent SyncOrder calls. Groups run as a
// syncPolicy allows. A call that may lead leads a group: its own call and
// the oldest waiting ones, up to maxSyncGroup. The others wait until a
// group ends; then each either was answered (it went in a group) or may
// lead the next. When fewer than the policy's leaders run, nothing
// waits. What a group leaves to do after its slot is freed (run's
// answer), its leader does before returning.
type syncGroup struct {
	mu      sync.Mutex
	free    *sync.Cond // a group ended
	running int
	pending []*syncReq
}

// do queues req and returns its outcome, running a group with run when
// it leads one (p.mayLead); the function run answers, if any, runs once
// the group's slot is free.
func (g *syncGroup) do(req *syncReq, p syncPolicy, run func([]*syncReq) (after func())) error {
	g.mu.Lock()
	if g.free == nil {
		g.free = sync.NewCond(&g.mu)
	}
	g.pending = append(g.pending, req)
	for !req.taken && !p.mayLead(g.running, len(g.pending)) {
		g.free.Wait()
	}
	if req.taken {
		g.mu.Unlock()
		return <-req.done
	}
	g.running++
	group := []*syncReq{req}
	req.taken = true
	rest := g.pending[:0:0]
	for _, r := range g.pending {
		switch {
		case r == req:
		case len(group) < maxSyncGroup:
			r.taken = true
			group = append(group, r)
		default:
			rest = append(rest, r)
		}
	}
	g.pending = rest
	g.mu.Unlock()

	after := run(group)

	g.mu.Lock()
	g.running--
	g.free.Broadcast()
	g.mu.Unlock()
	if after != nil {
		after()
	}
	return <-req.done
}

// syncGroup runs a group, answering each call: ctx's error for a call
// already cancelled, else its outcome. The orders new to their store go in
// one atomic write with their events (Store.InsertNewOrders: one statement
// on PostgreSQL); the others (known already, or repeated in the group) are
// upserted in one transaction. A failed write is run again a call at a
// time, so that each call gets its own answer. The upserts and the
// re-runs are not done here: syncGroup answers them as a function, to be
// called once the group's slot is freed (nil when every call is answered).
func (a *App) syncGroup(group []*syncReq) func() {
	live := group[:0:0]
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return nil
	}
	// In (store, external id) order, stably: each order's outcome depends
	// only on the calls for the same order before it, which keep their
	// order, and every group takes its row locks in the same order, so two
	// processes' groups cannot deadlock on each other's new orders.
	slices.SortStableFunc(live, func(x, y *syncReq) int {
		return cmp.Or(cmp.Compare(x.storeID, y.storeID), cmp.Compare(x.res.Order.ExternalID, y.res.Order.ExternalID))
	})
	// The group runs under its first call's context: that request's deadline
	// bounds the group (no caller waits on a database that hangs past the
	// request timeout), and if it ends early the group fails and every
	// call is run again under its own.
	now := time.Now().UTC()
	os := make([]*returns.Order, len(live))
	evs := make([]*returns.Event, len(live))
	for i, r := range live {
		os[i] = prepareSync(now, r)
		evs[i] = orderSyncedEvent(os[i])
	}
	inserted, err := a.Store.InsertNewOrders(live[0].ctx, os, evs)
	if err != nil {
		return func() {
			for _, r := range live {
				r.done <- a.syncOne(r)
			}
		}
	}
	rest := live[:0:0]
	for i, r := range live {
		if inserted[i] {
			r.res.Applied = true
			r.done <- nil
		} else {
			rest = append(rest, r)
		}
	}
	if len(rest) == 0 {
		return nil
	}
	return func() { a.upsertGroup(rest) }
}

// upsertGroup runs a sorted group of calls in one transaction (UpsertOrders),
// or, if that fails, a call at a time.
func (a *App) upsertGroup(live []*syncReq) {
	switch len(live) {
	case 0:
		return
	case 1:
		live[0].done <- a.syncOne(live[0])
		return
	}
	ctx := live[0].ctx
	err := a.Store.Update(ctx, func(tx store.Tx) error {
		os := make([]*returns.Order, len(live))
		for i, r := range live {
			os[i] = prepareSync(tx.Now(), r)
		}
		applied, err := tx.UpsertOrders(ctx, os)
		if err != nil {
			return err
		}
		var evs []*returns.Event
		for i, r := range live {
			r.res.Applied = applied[i]
			if applied[i] {
				evs = append(evs, orderSyncedEvent(r.res.Order))
			}
		}
		return tx.AddEvents(ctx, evs)
	})
	for _, r := range live {
		if err == nil {
			r.done <- nil
		} else {
			r.done <- a.syncOne(r)
		}
	}
}

// syncOne runs one call in a transaction of its own.
func (a *App) syncOne(r *syncReq) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	return a.Store.Update(r.ctx, func(tx store.Tx) error {
		o := prepareSync(tx.Now(), r)
		applied, err := tx.UpsertOrder(r.ctx, o)
		if err != nil {
			return err
		}
		r.res.Applied = applied
		if !applied {
			return nil
		}
		return tx.AddEvent(r.ctx, orderSyncedEvent(o))
	})
}

// prepareSync stamps the call's order for a write at now: its store, a
// fresh id (kept when the order is new) and the sync time.
func prepareSync(now time.Time, r *syncReq) *returns.Order {
	o := r.res.Order
	o.StoreID = r.storeID
	o.ID = returns.NewID(now)
	o.SyncedAt = now
	r.res.Applied = false
	return o
}

// orderSyncedEvent is the order.synced event of an applied sync.
func orderSyncedEvent(o *returns.Order) *returns.Event {
	payload, _ := json.Marshal(orderEvent{OrderID: o.ExternalID, RedoID: o.ID, UpdatedAt: &o.UpdatedAt})
	return &returns.Event{StoreID: o.StoreID, Kind: returns.EventOrderSynced, SubjectType: "order", SubjectID: o.ID, Payload: payload}
}

package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/jobs"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/riverqueue/river"
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
	// Three events, one queued dispatch job. With concurrent writers the
	// jobs are unique per DispatchPeriod, a span of the clock: requests
	// made either side of a period's start queue one job each.
	want := 1
	if st.Dialect() == "postgres" {
		want = 2
	}
	if n := jobTotal(t, st) - jobsBefore; n < 1 || n > want {
		t.Errorf("dispatch jobs queued = %d, want 1 (at most %d)", n, want)
	}
	if ids[0] >= ids[1] || ids[1] >= ids[2] {
		t.Errorf("event ids %v not increasing", ids)
	}
	take := func(limit int) []*returns.Event { return takeEvents(t, st, s.ID, limit, 0) }
	first := takeEvents(t, st, s.ID, 2, 2)
	if len(first) != 2 || first[0].ID != ids[0] || first[1].ID != ids[1] || !first[0].Dispatched {
		t.Fatalf("first take = %+v", first)
	}
	// A full batch means more may remain: a dispatch job is still waiting
	// (a new one where writers are serialised; with concurrent writers the
	// request after the commit finds the first job, which has not run,
	// waiting, and that suffices).
	if n := jobTotal(t, st) - jobsBefore; n < 1 || n > 2 {
		t.Errorf("jobs after a full batch = %d, want 1 or 2", n)
	}
	if c := jobCounts(t, st); c["available"] < 1 {
		t.Errorf("no dispatch job waiting after a full batch: %v", c)
	}
	if rest := takeEvents(t, st, s.ID, 2, 1); len(rest) != 1 || rest[0].ID != ids[2] {
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

// takeEvents takes the store's events as a dispatcher does, up to limit in
// all, until it has at least want of them (or, with want 0, once). On
// PostgreSQL an event is held back while any transaction older than it
// runs, in any database of the server (other tests' too): a dispatcher then
// looks again shortly, and so does this, for up to 10 seconds.
func takeEvents(t *testing.T, st store.Store, storeID string, limit, want int) []*returns.Event {
	t.Helper()
	ctx := context.Background()
	var got []*returns.Event
	deadline := time.Now().Add(10 * time.Second)
	for {
		var evs []*returns.Event
		if err := st.Update(ctx, func(tx store.Tx) error {
			var err error
			evs, err = tx.TakeEvents(ctx, storeID, limit-len(got))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		got = append(got, evs...)
		if len(got) >= want || len(got) >= limit {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("took %d events of store %s in 10 s, want %d", len(got), storeID, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func jobTotal(t *testing.T, st store.Store) int {
	t.Helper()
	n := 0
	for _, c := range jobCounts(t, st) {
		n += c
	}
	return n
}

func jobCounts(t *testing.T, st store.Store) map[string]int {
	t.Helper()
	// PostgreSQL requests dispatch after commit, without making the
	// transaction wait: let the requests of what committed be made.
	if f, ok := st.(interface{ FlushDispatchRequests(context.Context) }); ok {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		f.FlushDispatchRequests(ctx)
		cancel()
	}
	counts, err := st.JobCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return counts
}

// Events written while dispatchers take events are never skipped nor
// taken twice nor reordered: every event is returned by exactly one
// TakeEvents, even when writers commit out of id order around four
// concurrent dispatchers (as four replicas would run them), and each
// writer's events, written one transaction after the other, are taken in
// the order they were written.
func testTakeEventsWhileWriting(t *testing.T, st store.Store) {
	ctx := context.Background()
	s := mustStore(t, st, "A")
	const writers, each, dispatchers = 12, 40, 4
	var wg sync.WaitGroup
	errs := make(chan error, writers+dispatchers)
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
	var (
		mu    sync.Mutex
		seq   []*returns.Event // in the order the takes happened
		taken = map[int64]int{}
	)
	take := func() (int, error) {
		n := 0
		err := st.Update(ctx, func(tx store.Tx) error {
			evs, err := tx.TakeEvents(ctx, s.ID, 25)
			if err != nil {
				return err
			}
			// Recorded before commit, while the take's cursor lock is
			// held, so seq is in take order.
			mu.Lock()
			seq = append(seq, evs...)
			for _, e := range evs {
				taken[e.ID]++
			}
			mu.Unlock()
			n = len(evs)
			return nil
		})
		return n, err
	}
	var dwg sync.WaitGroup
	for range dispatchers {
		dwg.Go(func() {
			for {
				if _, err := take(); err != nil {
					errs <- err
					return
				}
				select {
				case <-writing:
					return
				case <-time.After(2 * time.Millisecond):
				}
			}
		})
	}
	dwg.Wait()
	// Drain. Events may be held back by transactions of the database
	// server still running (PostgreSQL's horizon is the cluster's: another
	// test package's transaction holds it), so keep taking until all are
	// there or a deadline passes.
	deadline := time.Now().Add(60 * time.Second)
	for {
		n, err := take()
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		done := len(taken) >= writers*each
		mu.Unlock()
		if (n == 0 && done) || time.Now().After(deadline) {
			break
		}
		if n == 0 {
			time.Sleep(5 * time.Millisecond)
		}
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
			if !e.Dispatched {
				t.Errorf("event %d taken but not listed as dispatched", e.ID)
			}
		default:
			t.Errorf("event %d taken %d times", e.ID, taken[e.ID])
		}
	}
	if missed > 0 {
		t.Fatalf("%d of %d events were never taken; %s", missed, len(evs), openTransactions(st))
	}
	next := map[int]int{} // writer → index of its next event
	for _, e := range seq {
		var w, i int
		if _, err := fmt.Sscanf(e.SubjectID, "w%d-%d", &w, &i); err != nil {
			t.Fatalf("subject %q: %v", e.SubjectID, err)
		}
		if i != next[w] {
			t.Fatalf("writer %d's event %d taken when %d was due: reordered", w, i, next[w])
		}
		next[w]++
	}
}

// A dispatch request made while the store's dispatch job runs (it may have
// read its events already, or be stuck on a process that died) queues
// exactly one more job, and a job that never finishes does not stop later
// requests from being served.
func testRequestDispatchWhileRunning(t *testing.T, st store.Store) {
	ctx := context.Background()
	s := mustStore(t, st, "A")
	release := make(chan struct{})
	var mu sync.Mutex
	started := map[int]int{} // slot → runs
	total := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, c := range started {
			n += c
		}
		return n
	}
	w := river.NewWorkers()
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, job *river.Job[jobs.DispatchEventsArgs]) error {
		mu.Lock()
		started[job.Args.Slot]++
		first := len(started) == 1 && started[job.Args.Slot] == 1
		mu.Unlock()
		if first {
			select { // the first job "hangs", like one on a dead process
			case <-release:
			case <-ctx.Done():
			}
		}
		return nil
	}))
	request := func() {
		t.Helper()
		if err := st.Update(ctx, func(tx store.Tx) error { return tx.RequestDispatch(ctx, s.ID) }); err != nil {
			t.Fatal(err)
		}
	}
	waitRuns := func(want int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for total() < want {
			if time.Now().After(deadline) {
				t.Fatalf("dispatch jobs run = %d, want %d", total(), want)
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond)
		if n := total(); n != want {
			t.Fatalf("dispatch jobs run = %d, want exactly %d", n, want)
		}
	}
	request()
	if err := st.StartWorkers(ctx, w); err != nil {
		t.Fatal(err)
	}
	defer func() {
		close(release)
		stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = st.StopWorkers(stopCtx)
	}()
	waitRuns(1) // the first job runs, and hangs
	for i := range 3 {
		request()
		waitRuns(2 + i)
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
	// One job waits for the store: the one RequestDispatch queued (the
	// event's own, with serialised writers, is not unique), or the
	// event's request, which RequestDispatch found waiting.
	if n := jobTotal(t, st) - before; n > 1 {
		t.Errorf("RequestDispatch twice queued %d jobs, want at most 1", n)
	}
	if c := jobCounts(t, st); c["available"] < 1 {
		t.Errorf("no dispatch job waiting after RequestDispatch: %v", c)
	}
	takeEvents(t, st, s.ID, 10, 1)
	if got := stale(time.Now().Add(time.Hour)); len(got) != 0 {
		t.Errorf("stale after dispatch = %v, want none", got)
	}
}

// AddEvents records events of several stores in one call, ids increasing
// in slice order over more than one chunk, each store's dispatch
// requested, the events taken in that order; an unknown store is
// ENOTFOUND.
func testAddEvents(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := mustStore(t, st, "A"), mustStore(t, st, "B")
	var evs []*returns.Event
	for i := range 67 {
		s := a
		if i%3 == 0 {
			s = b
		}
		evs = append(evs, &returns.Event{StoreID: s.ID, Kind: returns.EventOrderSynced, SubjectType: "order", SubjectID: fmt.Sprint("o", i)})
	}
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.AddEvents(ctx, evs) }); err != nil {
		t.Fatal(err)
	}
	for i, ev := range evs {
		if ev.CreatedAt.IsZero() || (i > 0 && ev.ID <= evs[i-1].ID) {
			t.Fatalf("event %d: id %d after %d, created %v", i, ev.ID, evs[max(i-1, 0)].ID, ev.CreatedAt)
		}
	}
	if c := jobCounts(t, st); c["available"] < 2 {
		t.Errorf("dispatch not requested for both stores: %v", c)
	}
	for _, s := range []*returns.Merchant{a, b} {
		var want []int64
		for _, ev := range evs {
			if ev.StoreID == s.ID {
				want = append(want, ev.ID)
			}
		}
		got := takeEvents(t, st, s.ID, 1000, len(want))
		var ids []int64
		for _, ev := range got {
			ids = append(ids, ev.ID)
			if ev.StoreID != s.ID || ev.Payload == nil {
				t.Errorf("taken event %+v", ev)
			}
		}
		if fmt.Sprint(ids) != fmt.Sprint(want) {
			t.Errorf("store %s took %v, want %v", s.Name, ids, want)
		}
	}
	err := st.Update(ctx, func(tx store.Tx) error {
		return tx.AddEvents(ctx, []*returns.Event{{StoreID: "missing", Kind: "x", SubjectType: "order", SubjectID: "o"}})
	})
	if !returns.IsNotFound(err) {
		t.Errorf("AddEvents for an unknown store = %v, want ENOTFOUND", err)
	}
}

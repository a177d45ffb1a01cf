package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/sqlite"
	"github.com/reboundhq/rebound/internal/store/sqlstore"
)

// newOrders is what an order-sync group hands InsertNewOrders: orders
// stamped for storeID with fresh ids, and their events.
func newOrders(storeID string, exts ...string) ([]*returns.Order, []*returns.Event) {
	os := make([]*returns.Order, len(exts))
	evs := make([]*returns.Event, len(exts))
	now := time.Now().UTC()
	for i, ext := range exts {
		o := walOrder(ext)
		o.StoreID, o.ID, o.SyncedAt = storeID, returns.NewID(now), now
		os[i] = o
		evs[i] = &returns.Event{StoreID: storeID, Kind: returns.EventOrderSynced, SubjectType: "order", SubjectID: o.ID, Payload: []byte(`{}`)}
	}
	return os, evs
}

type insertCall struct {
	exts     []string
	storeID  string // "" for the test's store
	inserted []bool
	err      error
	done     chan struct{}
}

// insertBehindAWrite queues the calls, in order, behind a write that
// holds the write loop, then lets it go, so that they share one batch;
// it returns the batches committed after the release.
func insertBehindAWrite(t *testing.T, st *sqlite.Store, storeID string, calls []*insertCall) int64 {
	t.Helper()
	ctx := context.Background()
	release, started := make(chan struct{}), make(chan struct{})
	wDone := make(chan error, 1)
	go func() {
		wDone <- st.Update(ctx, func(store.Tx) error { close(started); <-release; return nil })
	}()
	<-started
	for _, c := range calls {
		c.done = make(chan struct{})
		id := c.storeID
		if id == "" {
			id = storeID
		}
		os, evs := newOrders(id, c.exts...)
		go func() {
			defer close(c.done)
			c.inserted, c.err = st.InsertNewOrders(ctx, os, evs)
		}()
		time.Sleep(50 * time.Millisecond) // queued in this order
	}
	batches0, _ := st.GroupCommitStats()
	close(release)
	if err := <-wDone; err != nil {
		t.Fatal(err)
	}
	for i, c := range calls {
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
			t.Fatalf("call %d never returned", i)
		}
	}
	batches, _ := st.GroupCommitStats()
	return batches - batches0
}

func storedEvents(t *testing.T, st *sqlite.Store, storeID string) []*returns.Event {
	t.Helper()
	var evs []*returns.Event
	if err := st.View(context.Background(), func(tx store.ReadTx) error {
		var err error
		evs, err = tx.ListEvents(context.Background(), storeID, 0, 1000)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return evs
}

// The write loop inserts the orders of the InsertNewOrders calls of one
// batch together, with each call's answer as if it ran alone after the
// ones before it: an external id repeated from an earlier call (or from a
// stored order) is not inserted. One call for a store that does not exist
// makes the batch fail; each call is then run alone, that one answered
// ENOTFOUND with nothing of it written, the others inserted.
func TestInsertNewOrdersShareABatch(t *testing.T) {
	st, _, storeID := openWAL(t, sqlite.Config{Path: filepath.Join(t.TempDir(), "rebound.db")})
	calls := []*insertCall{
		{exts: []string{"a1", "shared"}},
		{exts: []string{"b1", "shared", "b1"}},
		{exts: []string{"c1"}},
	}
	// W's commit, then the three calls in one.
	if n := insertBehindAWrite(t, st, storeID, calls); n != 2 {
		t.Errorf("commits after the release = %d, want 2", n)
	}
	want := []string{"[true true]", "[true false false]", "[true]"}
	for i, c := range calls {
		if got := fmt.Sprint(c.inserted); c.err != nil || got != want[i] {
			t.Errorf("call %d: %s, %v; want %s, nil", i, got, c.err, want[i])
		}
	}
	if evs := storedEvents(t, st, storeID); len(evs) != 4 {
		t.Errorf("events = %d, want 4 (one per inserted order)", len(evs))
	}

	mixed := []*insertCall{
		{exts: []string{"m1"}},
		{exts: []string{"m2"}, storeID: "missing"},
		{exts: []string{"m3", "a1"}},
	}
	// The failed batch is rolled back and each call committed alone (the
	// missing store's rolled back).
	if n := insertBehindAWrite(t, st, storeID, mixed); n != 1+2 {
		t.Errorf("commits after the release = %d, want 3 (W's, then m1's and m3's alone)", n)
	}
	if c := mixed[0]; c.err != nil || fmt.Sprint(c.inserted) != "[true]" {
		t.Errorf("m1: %v, %v", c.inserted, c.err)
	}
	if c := mixed[1]; !returns.IsNotFound(c.err) || c.inserted != nil {
		t.Errorf("missing store: %v, %v; want ENOTFOUND", c.inserted, c.err)
	}
	if c := mixed[2]; c.err != nil || fmt.Sprint(c.inserted) != "[true false]" {
		t.Errorf("m3: %v, %v", c.inserted, c.err)
	}
	evs := storedEvents(t, st, storeID)
	if len(evs) != 4+2 {
		t.Errorf("events = %d, want 6", len(evs))
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].ID <= evs[i-1].ID {
			t.Errorf("event ids out of order: %d after %d", evs[i].ID, evs[i-1].ID)
		}
	}
}

// BenchmarkInsertNewOrdersBatch is the write loop's cost of a commit of 7
// new orders and their events: written by one statement each (what a
// batch of up to 16 rows gets), or in the chunks of 4, 2 and 1 rows that
// powers of two made of it. Run with -count to alternate them.
//
//	go test ./internal/store/sqlite -run XX -bench InsertNewOrdersBatch -benchtime 3000x -count 4
func BenchmarkInsertNewOrdersBatch(b *testing.B) {
	for _, bc := range []struct {
		name   string
		chunks []int
	}{{"one-statement", []int{7}}, {"chunks-4-2-1", []int{4, 2, 1}}} {
		b.Run(bc.name, func(b *testing.B) {
			st, _, storeID := openWAL(b, sqlite.Config{Path: filepath.Join(b.TempDir(), "rebound.db")})
			ctx := context.Background()
			n := 0
			b.ResetTimer()
			for range b.N {
				err := st.Update(ctx, func(tx store.Tx) error {
					for _, size := range bc.chunks {
						exts := make([]string, size)
						for i := range exts {
							n++
							exts[i] = fmt.Sprint("ext-", n)
						}
						os, evs := newOrders(storeID, exts...)
						if _, err := tx.(*sqlstore.Tx).InsertNewOrders(ctx, os, evs); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(n), "µs/order")
		})
	}
}

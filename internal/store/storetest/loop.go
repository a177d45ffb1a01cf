package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// testLoopIDs: numeric ids are assigned once per native id, never twice
// across kinds and stores, stay after what they name is deleted (no
// reuse), and are scoped to their store on lookup.
func testLoopIDs(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := mustStore(t, st, "A"), mustStore(t, st, "B")
	var first map[string]int64
	update(t, st, func(tx store.Tx) error {
		var err error
		first, err = tx.AssignLoopIDs(ctx, a.ID, store.LoopKindOrder, []string{"o1", "o2", "o1"})
		return err
	})
	if len(first) != 2 || first["o1"] <= 0 || first["o2"] <= first["o1"] {
		t.Fatalf("assigned %v, want two increasing ids in the order given", first)
	}
	var again, line, other map[string]int64
	update(t, st, func(tx store.Tx) error {
		var err error
		if again, err = tx.AssignLoopIDs(ctx, a.ID, store.LoopKindOrder, []string{"o2", "o3"}); err != nil {
			return err
		}
		if line, err = tx.AssignLoopIDs(ctx, a.ID, store.LoopKindLine, []string{store.LoopLineNative("o1", 0)}); err != nil {
			return err
		}
		other, err = tx.AssignLoopIDs(ctx, b.ID, store.LoopKindOrder, []string{"p1"})
		return err
	})
	if again["o2"] != first["o2"] || again["o3"] <= first["o2"] {
		t.Errorf("reassigned %v after %v: an id must be kept and new ones come after", again, first)
	}
	seen := map[int64]bool{}
	for _, m := range []map[string]int64{first, {"o3": again["o3"]}, line, other} {
		for n, id := range m {
			if seen[id] {
				t.Errorf("id %d given twice (again to %s)", id, n)
			}
			seen[id] = true
		}
	}
	view(t, st, func(tx store.ReadTx) error {
		got, err := tx.LoopIDs(ctx, a.ID, store.LoopKindOrder, []string{"o1", "o3", "p1", "nope"})
		if err != nil {
			return err
		}
		if len(got) != 2 || got["o1"] != first["o1"] || got["o3"] != again["o3"] {
			t.Errorf("LoopIDs = %v: want o1 and o3 only (p1 is B's)", got)
		}
		if n, err := tx.LoopNativeID(ctx, a.ID, store.LoopKindOrder, first["o2"]); err != nil || n != "o2" {
			t.Errorf("LoopNativeID = %q, %v", n, err)
		}
		for _, c := range []struct {
			store, kind string
			id          int64
		}{{b.ID, store.LoopKindOrder, first["o1"]}, {a.ID, store.LoopKindReturn, first["o1"]}, {a.ID, store.LoopKindOrder, 1 << 40}} {
			if _, err := tx.LoopNativeID(ctx, c.store, c.kind, c.id); !returns.IsNotFound(err) {
				t.Errorf("LoopNativeID(%s, %s, %d) = %v, want ENOTFOUND", c.store, c.kind, c.id, err)
			}
		}
		return nil
	})

	// Concurrent assigners of the same native ids agree on one id each.
	natives := []string{"c1", "c2", "c3"}
	var mu sync.Mutex
	var results []map[string]int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			var m map[string]int64
			err := st.Update(ctx, func(tx store.Tx) error {
				var err error
				m, err = tx.AssignLoopIDs(ctx, a.ID, store.LoopKindComment, natives)
				return err
			})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			results = append(results, m)
			mu.Unlock()
		})
	}
	wg.Wait()
	for _, m := range results[1:] {
		if fmt.Sprint(m) != fmt.Sprint(results[0]) {
			t.Errorf("concurrent assigners disagree: %v vs %v", m, results[0])
		}
	}

	// Ids of returns: the row carries it; a deleted store's ids are not
	// given again.
	r := newReturn(b.ID, "", time.Now())
	createReturns(t, st, r)
	var rid map[string]int64
	update(t, st, func(tx store.Tx) error {
		var err error
		rid, err = tx.AssignLoopIDs(ctx, b.ID, store.LoopKindReturn, []string{r.ID})
		return err
	})
	view(t, st, func(tx store.ReadTx) error {
		rs, err := tx.ListLoopReturns(ctx, b.ID, store.LoopReturnQuery{From: r.CreatedAt.Add(-time.Hour), To: r.CreatedAt.Add(time.Hour)})
		if err != nil {
			return err
		}
		if len(rs) != 1 || rs[0].Key.ID != rid[r.ID] || rs[0].Return.ID != r.ID {
			t.Errorf("ListLoopReturns = %+v, want the return with id %d", rs, rid[r.ID])
		}
		return nil
	})
	var max int64
	for id := range seen {
		max = maxInt(max, id)
	}
	max = maxInt(max, rid[r.ID])
	update(t, st, func(tx store.Tx) error {
		m, err := tx.AssignLoopIDs(ctx, a.ID, store.LoopKindStore, []string{a.ID})
		if err == nil && m[a.ID] <= max {
			t.Errorf("new id %d is not after every earlier one (%d)", m[a.ID], max)
		}
		return err
	})
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// testListLoopReturns: the keyset list windows on created_at or
// updated_at, filters on status, orders by (time, id) both ways, pages
// exactly from a position, and never shows another store's or an
// unnumbered return; NumberReturns numbers oldest first.
func testListLoopReturns(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := mustStore(t, st, "A"), mustStore(t, st, "B")
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var rs []*returns.Return
	for i := range 12 {
		// Pairs share a creation time, so the id breaks ties.
		r := newReturn(a.ID, "", base.Add(time.Duration(i/2)*time.Minute))
		r.UpdatedAt = base.Add(time.Hour - time.Duration(i)*time.Minute)
		if i%3 == 2 {
			r.Status = returns.StatusDeleted
		}
		rs = append(rs, r)
	}
	createReturns(t, st, rs...)
	createReturns(t, st, newReturn(b.ID, "", base.Add(time.Minute)))
	view(t, st, func(tx store.ReadTx) error {
		has, err := tx.HasUnnumberedReturns(ctx, a.ID)
		if err != nil || !has {
			t.Errorf("HasUnnumberedReturns = %v, %v; want true", has, err)
		}
		got, err := tx.ListLoopReturns(ctx, a.ID, store.LoopReturnQuery{From: base, To: base.Add(time.Hour)})
		if err != nil || len(got) != 0 {
			t.Errorf("unnumbered returns listed: %d, %v", len(got), err)
		}
		return nil
	})
	update(t, st, func(tx store.Tx) error {
		n, err := tx.NumberReturns(ctx, a.ID, 5)
		if err != nil || n != 5 {
			t.Errorf("NumberReturns(5) = %d, %v", n, err)
		}
		n, err = tx.NumberReturns(ctx, a.ID, 100)
		if err != nil || n != 7 {
			t.Errorf("NumberReturns(100) = %d, %v, want the 7 left", n, err)
		}
		n, err = tx.NumberReturns(ctx, a.ID, 100)
		if err != nil || n != 0 {
			t.Errorf("NumberReturns again = %d, %v", n, err)
		}
		return err
	})
	key := func(r store.LoopReturn) string { return r.Return.ID }
	view(t, st, func(tx store.ReadTx) error {
		if has, _ := tx.HasUnnumberedReturns(ctx, a.ID); has {
			t.Error("HasUnnumberedReturns after numbering")
		}
		all, err := tx.ListLoopReturns(ctx, a.ID, store.LoopReturnQuery{From: base, To: base.Add(time.Hour), Limit: 100})
		if err != nil {
			return err
		}
		if len(all) != 12 {
			t.Fatalf("listed %d, want 12", len(all))
		}
		// Numbered oldest first (created_at, then id), so the order by
		// (created_at, loop id) is the creation order.
		wantOrder := make([]string, len(rs))
		for i, r := range rs {
			wantOrder[i] = r.ID
		}
		sorted := slices.Clone(rs)
		slices.SortStableFunc(sorted, func(x, y *returns.Return) int {
			if c := x.CreatedAt.Compare(y.CreatedAt); c != 0 {
				return c
			}
			return compareStr(x.ID, y.ID)
		})
		for i, r := range sorted {
			wantOrder[i] = r.ID
		}
		var gotOrder []string
		for i, r := range all {
			gotOrder = append(gotOrder, key(r))
			if i > 0 && !all[i-1].Key.At.Before(r.Key.At) && (all[i-1].Key.At != r.Key.At || all[i-1].Key.ID >= r.Key.ID) {
				t.Errorf("row %d out of (time, id) order", i)
			}
			if !r.Key.At.Equal(r.Return.CreatedAt) {
				t.Errorf("key time %v, want created_at %v", r.Key.At, r.Return.CreatedAt)
			}
		}
		if fmt.Sprint(gotOrder) != fmt.Sprint(wantOrder) {
			t.Errorf("order %v, want %v", gotOrder, wantOrder)
		}

		// Pages of 5 after a position, then before one, descending.
		p1, _ := tx.ListLoopReturns(ctx, a.ID, store.LoopReturnQuery{From: base, To: base.Add(time.Hour), Limit: 5})
		p2, _ := tx.ListLoopReturns(ctx, a.ID, store.LoopReturnQuery{From: base, To: base.Add(time.Hour), Limit: 5, After: &p1[4].Key})
		if len(p2) != 5 || p2[0].Return.ID != all[5].Return.ID || p2[4].Return.ID != all[9].Return.ID {
			t.Errorf("second page starts at %v", p2)
		}
		back, _ := tx.ListLoopReturns(ctx, a.ID, store.LoopReturnQuery{From: base, To: base.Add(time.Hour), Limit: 3, Before: &p2[0].Key, Descending: true})
		if len(back) != 3 || back[0].Return.ID != all[4].Return.ID || back[2].Return.ID != all[2].Return.ID {
			t.Errorf("page before: %v", back)
		}
		// The window is inclusive on both ends.
		w, _ := tx.ListLoopReturns(ctx, a.ID, store.LoopReturnQuery{From: base.Add(time.Minute), To: base.Add(2 * time.Minute)})
		if len(w) != 4 || w[0].Return.ID != all[2].Return.ID || w[3].Return.ID != all[5].Return.ID {
			t.Errorf("window [1m, 2m]: %d returns", len(w))
		}
		// Status filter.
		open, _ := tx.ListLoopReturns(ctx, a.ID, store.LoopReturnQuery{From: base, To: base.Add(time.Hour), Statuses: []returns.Status{returns.StatusOpen}})
		if len(open) != 8 {
			t.Errorf("open returns: %d, want 8", len(open))
		}
		for _, r := range open {
			if r.Return.Status != returns.StatusOpen {
				t.Errorf("status filter let %s through", r.Return.Status)
			}
		}
		// By updated_at: the order is reversed (later created, earlier updated).
		up, _ := tx.ListLoopReturns(ctx, a.ID, store.LoopReturnQuery{ByUpdated: true, From: base, To: base.Add(2 * time.Hour)})
		if len(up) != 12 || up[0].Return.ID != rs[11].ID || !up[0].Key.At.Equal(rs[11].UpdatedAt) {
			t.Errorf("by updated_at: first %v", up[0].Return.ID)
		}
		// Another store's key sees none of A's returns.
		bs, _ := tx.ListLoopReturns(ctx, b.ID, store.LoopReturnQuery{From: base, To: base.Add(time.Hour)})
		if len(bs) != 0 {
			t.Errorf("store B lists %d returns before numbering its own", len(bs))
		}
		return nil
	})
	// An update keeps the numeric id on the row.
	r := getReturn(t, st, a.ID, rs[0].ID)
	r.Status, r.UpdatedAt = returns.StatusComplete, base.Add(3*time.Hour)
	update(t, st, func(tx store.Tx) error { return tx.UpdateReturn(ctx, r) })
	view(t, st, func(tx store.ReadTx) error {
		got, err := tx.ListLoopReturns(ctx, a.ID, store.LoopReturnQuery{ByUpdated: true, From: base.Add(3 * time.Hour), To: base.Add(3 * time.Hour)})
		if err != nil || len(got) != 1 || got[0].Return.Status != returns.StatusComplete {
			t.Errorf("updated return: %v, %v", got, err)
		}
		return err
	})
}

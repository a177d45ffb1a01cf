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

func testReturnTags(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := mustStore(t, st, "A"), mustStore(t, st, "B")
	put := func(tag *returns.ReturnTag) bool {
		t.Helper()
		var created bool
		update(t, st, func(tx store.Tx) error {
			var err error
			created, err = tx.PutReturnTag(ctx, tag)
			return err
		})
		return created
	}
	vip := &returns.ReturnTag{StoreID: a.ID, Name: "vip", PillTheme: "blue", Source: "merchant"}
	fragile := &returns.ReturnTag{StoreID: a.ID, Name: "fragile", PillTheme: "red", Source: "merchant"}
	if !put(vip) || vip.NumericID != 1 || vip.CreatedAt.IsZero() {
		t.Errorf("PutReturnTag(vip) = %+v", vip)
	}
	if !put(fragile) || fragile.NumericID != 2 {
		t.Errorf("PutReturnTag(fragile) = %+v", fragile)
	}
	if bt := (&returns.ReturnTag{StoreID: b.ID, Name: "vip", Source: "merchant"}); !put(bt) || bt.NumericID != 1 {
		t.Errorf("PutReturnTag(store B) = %+v", bt)
	}
	vipCreated := vip.CreatedAt
	again := &returns.ReturnTag{StoreID: a.ID, Name: "vip", PillTheme: "green"}
	if put(again) {
		t.Error("PutReturnTag(existing) reported created")
	}
	if again.NumericID != 1 || !again.CreatedAt.Equal(vipCreated) || again.Source != "merchant" || again.PillTheme != "green" {
		t.Errorf("PutReturnTag(existing) wrote back %+v", again)
	}
	if _, err := func() (bool, error) {
		var created bool
		err := st.Update(ctx, func(tx store.Tx) error {
			var err error
			created, err = tx.PutReturnTag(ctx, &returns.ReturnTag{StoreID: "missing", Name: "x"})
			return err
		})
		return created, err
	}(); !returns.IsNotFound(err) {
		t.Errorf("PutReturnTag(unknown store) = %v, want ENOTFOUND", err)
	}
	view(t, st, func(tx store.ReadTx) error {
		l, err := tx.ListReturnTags(ctx, a.ID)
		if err != nil {
			return err
		}
		if len(l) != 2 || l[0].Name != "fragile" || l[1].Name != "vip" || l[1].PillTheme != "green" || l[1].NumericID != 1 || !l[1].CreatedAt.Equal(vipCreated) {
			t.Errorf("ListReturnTags = %s", jsonOf(t, l))
		}
		g, err := tx.GetReturnTag(ctx, a.ID, "fragile")
		if err != nil || *g != *fragile {
			t.Errorf("GetReturnTag = %+v, %v, want %+v", g, err, fragile)
		}
		if _, err := tx.GetReturnTag(ctx, a.ID, "nope"); !returns.IsNotFound(err) {
			t.Errorf("GetReturnTag(unknown) = %v", err)
		}
		return nil
	})

	now := time.Now().UTC().Truncate(time.Microsecond)
	r1, r2, r3 := newReturn(a.ID, "", now), newReturn(a.ID, "", now), newReturn(a.ID, "", now)
	r1.Tags = []string{"vip", "fragile"}
	r2.Tags = []string{"vip"}
	rb := newReturn(b.ID, "", now)
	rb.Tags = []string{"vip"}
	createReturns(t, st, r1, r2, r3, rb)
	tags := func(r *returns.Return) []string { t.Helper(); return getReturn(t, st, r.StoreID, r.ID).Tags }
	check := func(step string, want map[*returns.Return][]string) {
		t.Helper()
		for r, w := range want {
			if got := tags(r); !slices.Equal(got, w) {
				t.Errorf("%s: return tags = %q, want %q", step, got, w)
			}
		}
	}

	rename := func(from, to string) error {
		return st.Update(ctx, func(tx store.Tx) error { return tx.RenameReturnTag(ctx, a.ID, from, to) })
	}
	if err := rename("vip", "gold"); err != nil {
		t.Fatal(err)
	}
	check("rename vip→gold", map[*returns.Return][]string{r1: {"gold", "fragile"}, r2: {"gold"}, r3: nil, rb: {"vip"}})
	if got := getReturn(t, st, a.ID, r1.ID); !got.UpdatedAt.Equal(r1.UpdatedAt) {
		t.Errorf("rename moved UpdatedAt to %v", got.UpdatedAt)
	}
	view(t, st, func(tx store.ReadTx) error {
		if _, err := tx.GetReturnTag(ctx, a.ID, "vip"); !returns.IsNotFound(err) {
			t.Errorf("old name still found: %v", err)
		}
		g, err := tx.GetReturnTag(ctx, a.ID, "gold")
		if err != nil || g.NumericID != 1 || g.PillTheme != "green" {
			t.Errorf("GetReturnTag(gold) = %+v, %v", g, err)
		}
		return nil
	})
	// The links followed the rename: a second rename finds the returns.
	if err := rename("gold", "platinum"); err != nil {
		t.Fatal(err)
	}
	check("rename gold→platinum", map[*returns.Return][]string{r1: {"platinum", "fragile"}, r2: {"platinum"}, rb: {"vip"}})
	if err := rename("fragile", "platinum"); returns.ErrorCode(err) != returns.ECONFLICT {
		t.Errorf("rename to an existing name = %v, want ECONFLICT", err)
	}
	if err := rename("nope", "other"); !returns.IsNotFound(err) {
		t.Errorf("rename unknown = %v, want ENOTFOUND", err)
	}
	if err := rename("platinum", "platinum"); err != nil {
		t.Errorf("rename to itself = %v", err)
	}

	// UpdateReturn rewrites the links.
	r2.Tags = []string{"fragile"}
	r3.Tags = []string{"fragile", "platinum"}
	update(t, st, func(tx store.Tx) error {
		if err := tx.UpdateReturn(ctx, r2); err != nil {
			return err
		}
		return tx.UpdateReturn(ctx, r3)
	})
	del := func(name string) error {
		return st.Update(ctx, func(tx store.Tx) error { return tx.DeleteReturnTag(ctx, a.ID, name) })
	}
	if err := del("platinum"); err != nil {
		t.Fatal(err)
	}
	check("delete platinum", map[*returns.Return][]string{r1: {"fragile"}, r2: {"fragile"}, r3: {"fragile"}, rb: {"vip"}})
	if err := del("platinum"); !returns.IsNotFound(err) {
		t.Errorf("delete deleted = %v, want ENOTFOUND", err)
	}
	if err := del("fragile"); err != nil {
		t.Fatal(err)
	}
	check("delete fragile", map[*returns.Return][]string{r1: nil, r2: nil, r3: nil, rb: {"vip"}})
	view(t, st, func(tx store.ReadTx) error {
		l, err := tx.ListReturnTags(ctx, a.ID)
		if err != nil || len(l) != 0 {
			t.Errorf("ListReturnTags after deletes = %s, %v", jsonOf(t, l), err)
		}
		return nil
	})
	// A new tag after deletes takes the next numeric id... or reuses
	// the freed maximum; either way it is unique in the store.
	nt := &returns.ReturnTag{StoreID: a.ID, Name: "new"}
	if !put(nt) || nt.NumericID < 1 {
		t.Errorf("PutReturnTag(new) = %+v", nt)
	}
}

// Concurrent creations of a store's tags get distinct numeric ids, and of
// one name exactly one creation.
func testPutReturnTagConcurrent(t *testing.T, st store.Store) {
	ctx := context.Background()
	s := mustStore(t, st, "A")
	const distinct, same = 12, 4
	var wg sync.WaitGroup
	tags := make([]*returns.ReturnTag, distinct+same)
	created := make([]bool, len(tags))
	errs := make([]error, len(tags))
	for i := range tags {
		name := fmt.Sprintf("tag%d", i)
		if i >= distinct {
			name = "dup"
		}
		tags[i] = &returns.ReturnTag{StoreID: s.ID, Name: name, Source: "merchant"}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.Update(ctx, func(tx store.Tx) error {
				var err error
				created[i], err = tx.PutReturnTag(ctx, tags[i])
				return err
			})
		}()
	}
	wg.Wait()
	seen := map[int64]string{}
	dups := 0
	for i, tag := range tags {
		if errs[i] != nil {
			t.Fatalf("PutReturnTag %d: %v", i, errs[i])
		}
		if i >= distinct {
			if created[i] {
				dups++
			}
			if tag.NumericID != tags[distinct].NumericID {
				t.Errorf("dup got numeric ids %d and %d", tag.NumericID, tags[distinct].NumericID)
			}
			continue
		}
		if !created[i] {
			t.Errorf("%s not created", tag.Name)
		}
		if other, ok := seen[tag.NumericID]; ok {
			t.Errorf("%s and %s share numeric id %d", tag.Name, other, tag.NumericID)
		}
		seen[tag.NumericID] = tag.Name
	}
	if dups != 1 {
		t.Errorf("dup created %d times, want 1", dups)
	}
	if _, ok := seen[tags[distinct].NumericID]; ok {
		t.Errorf("dup shares numeric id %d", tags[distinct].NumericID)
	}
	view(t, st, func(tx store.ReadTx) error {
		l, err := tx.ListReturnTags(ctx, s.ID)
		if err != nil || len(l) != distinct+1 {
			t.Errorf("ListReturnTags = %d tags, %v", len(l), err)
		}
		return nil
	})
}

package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// newReturn builds a return created (and updated) at at.
func newReturn(storeID, orderID string, at time.Time) *returns.Return {
	at = at.UTC().Truncate(time.Microsecond)
	r := &returns.Return{
		ID: returns.NewID(at), StoreID: storeID, OrderID: orderID, Status: returns.StatusOpen,
		Compensation: returns.CompensationRefund, CreatedAt: at, UpdatedAt: at,
		Items: []returns.ReturnItem{{ID: returns.NewID(at), OrderLineID: "line_1", Quantity: 1, Status: returns.ItemOpen}},
	}
	r.Provider = returns.ProviderCustom
	return r
}

func update(t *testing.T, st store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := st.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func view(t *testing.T, st store.Store, fn func(tx store.ReadTx) error) {
	t.Helper()
	if err := st.View(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func createReturns(t *testing.T, st store.Store, rs ...*returns.Return) {
	t.Helper()
	update(t, st, func(tx store.Tx) error {
		for _, r := range rs {
			if err := tx.CreateReturn(context.Background(), r); err != nil {
				return err
			}
		}
		return nil
	})
}

func getReturn(t *testing.T, st store.Store, storeID, id string) *returns.Return {
	t.Helper()
	var r *returns.Return
	view(t, st, func(tx store.ReadTx) error {
		var err error
		r, err = tx.GetReturn(context.Background(), storeID, id)
		return err
	})
	return r
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func ids(rs []*returns.Return) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func testReturnRoundTrip(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := mustStore(t, st, "A"), mustStore(t, st, "B")
	now := time.Now().UTC().Truncate(time.Microsecond)
	r := newReturn(a.ID, "order1", now)
	r.Type = returns.TypeReturn
	r.OrderName = "#1001"
	r.OrderExternalID = "ext-1"
	r.Currency = "USD"
	r.Customer = returns.Returner{FirstName: "Jane", LastName: "Doe", Email: "jane@example.com"}
	r.ShippingAddress = returns.Address{Address1: "1 Main St", City: "Springfield", CountryCode: "US"}
	r.Label = &returns.Label{TrackingNumber: "1Z", Carrier: "ups", Status: "in_transit"}
	r.Tags = []string{"vip", "fragile"}
	r.Notes = "note \u0000 with a NUL and ünïcode"
	r.Totals = returns.Totals{Refund: 2999, ShippingFee: 500}
	r.Adjustments = []returns.Adjustment{{Kind: "fee", Amount: -500, Description: "label"}}
	processed := now.Add(time.Minute)
	r.ProcessedAt = &processed
	r.Refunds = []returns.RefundRecord{{ID: "rf1", Amount: 2499, Currency: "USD", CreatedAt: processed}}
	r.Items[0].SKU = "TEE"
	r.Items[0].Slots = []int{0}
	r.Items[0].Value = returns.UnitValue{Price: 2999, Total: 2999}
	r.Items[0].Questions = []returns.Question{{Question: "Why?", Answer: "Too small"}}
	adj := int64(-100)
	r.Items[0].MerchantAdjustment = &adj
	createReturns(t, st, r)

	got := getReturn(t, st, a.ID, r.ID)
	if jsonOf(t, got) != jsonOf(t, r) {
		t.Errorf("GetReturn =\n%s\nwant\n%s", jsonOf(t, got), jsonOf(t, r))
	}
	if !reflect.DeepEqual(got, r) {
		t.Errorf("GetReturn = %+v, want %+v", got, r)
	}
	err := st.View(ctx, func(tx store.ReadTx) error {
		if _, err := tx.GetReturn(ctx, b.ID, r.ID); !returns.IsNotFound(err) {
			t.Errorf("GetReturn(other store) = %v, want ENOTFOUND", err)
		}
		if _, err := tx.GetReturn(ctx, a.ID, "nope"); !returns.IsNotFound(err) {
			t.Errorf("GetReturn(unknown) = %v, want ENOTFOUND", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Duplicate id, unknown store.
	dup := *r
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.CreateReturn(ctx, &dup) }); returns.ErrorCode(err) != returns.ECONFLICT {
		t.Errorf("CreateReturn(duplicate) = %v, want ECONFLICT", err)
	}
	lost := newReturn("missing", "", now)
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.CreateReturn(ctx, lost) }); !returns.IsNotFound(err) {
		t.Errorf("CreateReturn(unknown store) = %v, want ENOTFOUND", err)
	}

	// Update.
	r.Status = returns.StatusFlagged
	r.PreviousStatus = returns.StatusOpen
	r.OrderName = "#1002"
	r.Tags = []string{"gold"}
	r.UpdatedAt = now.Add(time.Hour)
	r.Items[0].Restock = true
	update(t, st, func(tx store.Tx) error { return tx.UpdateReturn(ctx, r) })
	if got := getReturn(t, st, a.ID, r.ID); jsonOf(t, got) != jsonOf(t, r) {
		t.Errorf("after UpdateReturn =\n%s\nwant\n%s", jsonOf(t, got), jsonOf(t, r))
	}
	view(t, st, func(tx store.ReadTx) error {
		for _, q := range []store.ReturnQuery{{Status: returns.StatusFlagged}, {OrderName: "#1002"}, {UpdatedMin: now.Add(time.Hour)}} {
			l, err := tx.ListReturns(ctx, a.ID, q)
			if err != nil {
				return err
			}
			if len(l) != 1 || l[0].ID != r.ID {
				t.Errorf("ListReturns(%+v) after update = %v", q, ids(l))
			}
		}
		for _, q := range []store.ReturnQuery{{Status: returns.StatusOpen}, {OrderName: "#1001"}} {
			l, err := tx.ListReturns(ctx, a.ID, q)
			if err != nil {
				return err
			}
			if len(l) != 0 {
				t.Errorf("ListReturns(%+v) after update = %v, want none", q, ids(l))
			}
		}
		return nil
	})
	other := *r
	other.StoreID = b.ID
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.UpdateReturn(ctx, &other) }); !returns.IsNotFound(err) {
		t.Errorf("UpdateReturn(other store) = %v, want ENOTFOUND", err)
	}
	unknown := newReturn(a.ID, "", now)
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.UpdateReturn(ctx, unknown) }); !returns.IsNotFound(err) {
		t.Errorf("UpdateReturn(unknown) = %v, want ENOTFOUND", err)
	}
}

func testListReturns(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := mustStore(t, st, "A"), mustStore(t, st, "B")
	t0 := time.Now().UTC().Add(-24 * time.Hour).Truncate(time.Second)
	statuses := []returns.Status{returns.StatusOpen, returns.StatusNeedsReview, returns.StatusComplete}
	var all []*returns.Return // oldest first
	for i := range 120 {
		r := newReturn(a.ID, fmt.Sprintf("order%d", i%7), t0.Add(time.Duration(i)*time.Second))
		r.Status = statuses[i%len(statuses)]
		r.OrderName = fmt.Sprintf("#10%02d", i%4)
		r.UpdatedAt = t0.Add(time.Duration(i*37%120) * time.Minute)
		all = append(all, r)
	}
	createReturns(t, st, all...)
	var noise []*returns.Return
	for i := range 10 {
		r := newReturn(b.ID, "order1", t0.Add(time.Duration(i)*time.Second))
		r.OrderName = "#1000"
		noise = append(noise, r)
	}
	createReturns(t, st, noise...)

	newest := slices.Clone(all)
	slices.Reverse(newest)
	if !slices.IsSortedFunc(newest, func(x, y *returns.Return) int { return -compareStr(x.ID, y.ID) }) {
		t.Fatal("test setup: ids are not in creation order")
	}
	mid := t0.Add(60 * time.Minute)
	cases := []struct {
		name string
		q    store.ReturnQuery
		keep func(*returns.Return) bool
	}{
		{"all", store.ReturnQuery{}, func(*returns.Return) bool { return true }},
		{"status", store.ReturnQuery{Status: returns.StatusNeedsReview}, func(r *returns.Return) bool { return r.Status == returns.StatusNeedsReview }},
		{"order name", store.ReturnQuery{OrderName: "#1002"}, func(r *returns.Return) bool { return r.OrderName == "#1002" }},
		{"updated min", store.ReturnQuery{UpdatedMin: mid}, func(r *returns.Return) bool { return !r.UpdatedAt.Before(mid) }},
		{"updated max", store.ReturnQuery{UpdatedMax: mid}, func(r *returns.Return) bool { return r.UpdatedAt.Before(mid) }},
		{"status and window", store.ReturnQuery{Status: returns.StatusOpen, UpdatedMin: t0.Add(30 * time.Minute), UpdatedMax: t0.Add(90 * time.Minute)},
			func(r *returns.Return) bool {
				return r.Status == returns.StatusOpen && !r.UpdatedAt.Before(t0.Add(30*time.Minute)) && r.UpdatedAt.Before(t0.Add(90*time.Minute))
			}},
		{"status and order name", store.ReturnQuery{Status: returns.StatusComplete, OrderName: "#1001"},
			func(r *returns.Return) bool { return r.Status == returns.StatusComplete && r.OrderName == "#1001" }},
		{"no match", store.ReturnQuery{Status: returns.StatusDeleted}, func(*returns.Return) bool { return false }},
	}
	for _, c := range cases {
		var want []string
		for _, r := range newest {
			if c.keep(r) {
				want = append(want, r.ID)
			}
		}
		var got []string
		q := c.q
		q.Limit = 50
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatalf("%s: paging does not end", c.name)
			}
			var page []*returns.Return
			view(t, st, func(tx store.ReadTx) error {
				var err error
				page, err = tx.ListReturns(ctx, a.ID, q)
				return err
			})
			if len(page) > 50 {
				t.Fatalf("%s: page of %d", c.name, len(page))
			}
			for _, r := range page {
				if r.StoreID != a.ID {
					t.Fatalf("%s: return of store %s listed", c.name, r.StoreID)
				}
			}
			got = append(got, ids(page)...)
			if len(page) < 50 {
				break
			}
			q.Before = page[len(page)-1].ID
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: paged %d returns %v\nwant %d %v", c.name, len(got), got, len(want), want)
		}
	}
	view(t, st, func(tx store.ReadTx) error {
		l, err := tx.ListReturns(ctx, a.ID, store.ReturnQuery{})
		if err != nil {
			return err
		}
		if want := ids(newest[:20]); !slices.Equal(ids(l), want) {
			t.Errorf("ListReturns(default limit) = %v, want %v", ids(l), want)
		}
		l, err = tx.ListReturns(ctx, a.ID, store.ReturnQuery{Before: newest[10].ID, Limit: 3})
		if err != nil {
			return err
		}
		if want := ids(newest[11:14]); !slices.Equal(ids(l), want) {
			t.Errorf("ListReturns(before) = %v, want %v", ids(l), want)
		}
		l, err = tx.ListReturns(ctx, "nope", store.ReturnQuery{})
		if err != nil || len(l) != 0 {
			t.Errorf("ListReturns(unknown store) = %v, %v", ids(l), err)
		}
		return nil
	})

	// ReturnsForOrder: every return of the order, oldest first, this
	// store's only.
	view(t, st, func(tx store.ReadTx) error {
		got, err := tx.ReturnsForOrder(ctx, a.ID, "order1")
		if err != nil {
			return err
		}
		var want []string
		for _, r := range all {
			if r.OrderID == "order1" {
				want = append(want, r.ID)
			}
		}
		if !slices.Equal(ids(got), want) {
			t.Errorf("ReturnsForOrder = %v, want %v", ids(got), want)
		}
		got, err = tx.ReturnsForOrder(ctx, a.ID, "none")
		if err != nil || len(got) != 0 {
			t.Errorf("ReturnsForOrder(no returns) = %v, %v", ids(got), err)
		}
		return nil
	})
}

func compareStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func testIdempotencyKeys(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := mustStore(t, st, "A"), mustStore(t, st, "B")
	update(t, st, func(tx store.Tx) error { return tx.PutIdempotencyKey(ctx, a.ID, "k1", "hash1", "ret1") })
	update(t, st, func(tx store.Tx) error { return tx.PutIdempotencyKey(ctx, b.ID, "k1", "hashB", "retB") })
	update(t, st, func(tx store.Tx) error {
		err := tx.PutIdempotencyKey(ctx, a.ID, "k1", "hash2", "ret2")
		if returns.ErrorCode(err) != returns.ECONFLICT {
			t.Errorf("PutIdempotencyKey(duplicate) = %v, want ECONFLICT", err)
		}
		// The transaction remains usable after the conflict.
		h, id, err := tx.GetIdempotencyKey(ctx, a.ID, "k1")
		if err != nil || h != "hash1" || id != "ret1" {
			t.Errorf("GetIdempotencyKey after conflict = %q, %q, %v", h, id, err)
		}
		return nil
	})
	view(t, st, func(tx store.ReadTx) error {
		h, id, err := tx.GetIdempotencyKey(ctx, b.ID, "k1")
		if err != nil || h != "hashB" || id != "retB" {
			t.Errorf("GetIdempotencyKey(B) = %q, %q, %v", h, id, err)
		}
		if _, _, err := tx.GetIdempotencyKey(ctx, a.ID, "k2"); !returns.IsNotFound(err) {
			t.Errorf("GetIdempotencyKey(unknown) = %v, want ENOTFOUND", err)
		}
		return nil
	})
}

func testTimelineCommentsBlobs(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := mustStore(t, st, "A"), mustStore(t, st, "B")
	now := time.Now().UTC().Truncate(time.Microsecond)
	evs := []*returns.TimelineEvent{
		{ReturnID: "r1", Kind: returns.TimelineCreated, Actor: returns.Actor{Kind: returns.ActorAPIKey, ID: "key1"}, At: now, To: returns.StatusOpen, Message: "Return created."},
		{ReturnID: "r2", Kind: returns.TimelineCreated, Actor: returns.SystemActor("import"), At: now, Message: "other return"},
		{ReturnID: "r1", Kind: returns.TimelineFlagged, Actor: returns.Actor{Kind: returns.ActorMerchant, Name: "Ann"}, At: now.Add(time.Second),
			From: returns.StatusOpen, To: returns.StatusFlagged, Message: "Damaged.", Data: map[string]any{"reason": "damaged", "n": 2.0}},
		{ReturnID: "r1", Kind: "comment.added", Actor: returns.SystemActor("x"), At: now.Add(-time.Second), Message: "earlier At, later id"},
	}
	update(t, st, func(tx store.Tx) error {
		for _, ev := range evs {
			if err := tx.AddTimelineEvent(ctx, a.ID, ev); err != nil {
				return err
			}
		}
		return tx.AddTimelineEvent(ctx, b.ID, &returns.TimelineEvent{ReturnID: "r1", Kind: "x", At: now, Message: "store B"})
	})
	for i := 1; i < len(evs); i++ {
		if evs[i].ID <= evs[i-1].ID || evs[i-1].ID == 0 {
			t.Errorf("timeline ids not increasing: %d then %d", evs[i-1].ID, evs[i].ID)
		}
	}
	err := st.Update(ctx, func(tx store.Tx) error {
		return tx.AddTimelineEvent(ctx, "missing", &returns.TimelineEvent{ReturnID: "r1", Kind: "x", At: now})
	})
	if !returns.IsNotFound(err) {
		t.Errorf("AddTimelineEvent(unknown store) = %v, want ENOTFOUND", err)
	}
	view(t, st, func(tx store.ReadTx) error {
		got, err := tx.ListTimeline(ctx, a.ID, "r1")
		if err != nil {
			return err
		}
		want := []*returns.TimelineEvent{evs[0], evs[2], evs[3]}
		if jsonOf(t, got) != jsonOf(t, want) {
			t.Errorf("ListTimeline =\n%s\nwant\n%s", jsonOf(t, got), jsonOf(t, want))
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ListTimeline = %+v, want %+v", got, want)
		}
		got, err = tx.ListTimeline(ctx, a.ID, "none")
		if err != nil || len(got) != 0 {
			t.Errorf("ListTimeline(none) = %v, %v", got, err)
		}
		return nil
	})

	// Comments: oldest first, whatever the insertion order.
	c2 := &returns.Comment{ID: "c2", StoreID: a.ID, ReturnID: "r1", Message: "second", Actor: returns.Actor{Kind: returns.ActorMerchant, Name: "Ann"}, CreatedAt: now.Add(time.Minute)}
	c1 := &returns.Comment{ID: "c1", StoreID: a.ID, ReturnID: "r1", ImageURL: "https://x/blob/b1", Actor: returns.Actor{Kind: returns.ActorShopper}, CreatedAt: now}
	c3 := &returns.Comment{ID: "c3", StoreID: a.ID, ReturnID: "r2", Message: "other return", Actor: returns.Actor{Kind: returns.ActorShopper}, CreatedAt: now}
	update(t, st, func(tx store.Tx) error {
		for _, c := range []*returns.Comment{c2, c1, c3} {
			if err := tx.AddComment(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.AddComment(ctx, c1) }); returns.ErrorCode(err) != returns.ECONFLICT {
		t.Errorf("AddComment(duplicate) = %v, want ECONFLICT", err)
	}
	view(t, st, func(tx store.ReadTx) error {
		got, err := tx.ListComments(ctx, a.ID, "r1")
		if err != nil {
			return err
		}
		if want := []*returns.Comment{c1, c2}; !reflect.DeepEqual(got, want) {
			t.Errorf("ListComments = %s, want %s", jsonOf(t, got), jsonOf(t, want))
		}
		got, err = tx.ListComments(ctx, b.ID, "r1")
		if err != nil || len(got) != 0 {
			t.Errorf("ListComments(other store) = %v, %v", got, err)
		}
		return nil
	})

	// Blobs.
	blob := &returns.Blob{ID: "b1", StoreID: a.ID, ContentType: "image/png", Data: []byte{0x89, 'P', 'N', 'G', 0}, CreatedAt: now}
	empty := &returns.Blob{ID: "b2", StoreID: b.ID, ContentType: "text/plain", CreatedAt: now}
	update(t, st, func(tx store.Tx) error {
		if err := tx.PutBlob(ctx, blob); err != nil {
			return err
		}
		return tx.PutBlob(ctx, empty)
	})
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.PutBlob(ctx, blob) }); returns.ErrorCode(err) != returns.ECONFLICT {
		t.Errorf("PutBlob(duplicate) = %v, want ECONFLICT", err)
	}
	view(t, st, func(tx store.ReadTx) error {
		got, err := tx.GetBlob(ctx, "b1")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, blob) {
			t.Errorf("GetBlob = %+v, want %+v", got, blob)
		}
		got, err = tx.GetBlob(ctx, "b2")
		if err != nil || got.StoreID != b.ID || len(got.Data) != 0 {
			t.Errorf("GetBlob(empty) = %+v, %v", got, err)
		}
		if _, err := tx.GetBlob(ctx, "nope"); !returns.IsNotFound(err) {
			t.Errorf("GetBlob(unknown) = %v, want ENOTFOUND", err)
		}
		return nil
	})
}

// Concurrent transactions that lock the same order, look for its returns
// and create one only when there is none leave exactly one return.
// Concurrent creations of a store's tags get distinct numeric ids, and of
// one name exactly one creation.
// TestGetOrdersByIDSeesResyncs: decoded orders are cached per store handle,
// but a re-synced order is read as it is now, never as it was.

package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

func newWebhook(storeID string, externalID *string) *returns.Webhook {
	now := time.Now().UTC().Truncate(time.Microsecond)
	exp := now.Add(24 * time.Hour)
	return &returns.Webhook{
		ID: returns.NewID(now), StoreID: storeID, ExternalID: externalID, Kind: returns.WebhookRedo,
		Topic: returns.WebhookTopicReturn, URL: "https://example.com/hook", BearerToken: "sealed:token",
		Secrets:   []returns.WebhookSecret{{Secret: "sealed:new", CreatedAt: now}, {Secret: "sealed:old", CreatedAt: now.Add(-time.Hour), ExpiresAt: &exp}},
		CreatedAt: now, UpdatedAt: now,
	}
}

func strp(s string) *string { return &s }

func createWebhook(t *testing.T, st store.Store, w *returns.Webhook) {
	t.Helper()
	update(t, st, func(tx store.Tx) error { return tx.CreateWebhook(context.Background(), w) })
}

func newDelivery(w *returns.Webhook, subject string, at time.Time) *returns.Delivery {
	at = at.UTC().Truncate(time.Microsecond)
	return &returns.Delivery{
		StoreID: w.StoreID, WebhookID: w.ID, EventID: 7, MessageID: "msg_" + returns.NewID(at), Type: "updated",
		SubjectID: subject, At: at, Payload: []byte(`{"type":"updated","return":{"id":"` + subject + `"}}`),
		NextAttemptAt: at,
	}
}

func addDeliveries(t *testing.T, st store.Store, ds ...*returns.Delivery) {
	t.Helper()
	update(t, st, func(tx store.Tx) error { return tx.AddDeliveries(context.Background(), ds) })
}

func claim(t *testing.T, st store.Store, webhookID string, now time.Time, lease time.Duration, limit int) []*returns.Delivery {
	t.Helper()
	var ds []*returns.Delivery
	update(t, st, func(tx store.Tx) error {
		var err error
		ds, err = tx.ClaimDeliveries(context.Background(), webhookID, now, lease, limit)
		return err
	})
	return ds
}

func deliveryIDs(ds []*returns.Delivery) []int64 {
	out := make([]int64, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

// finish records one attempt of each of ds, leaving them in state (a
// pending one is retried at next).
func finish(t *testing.T, st store.Store, at time.Time, state string, next time.Time, ds ...*returns.Delivery) {
	t.Helper()
	update(t, st, func(tx store.Tx) error { return finishTx(tx, at, state, next, ds...) })
}

func finishTx(tx store.Tx, at time.Time, state string, next time.Time, ds ...*returns.Delivery) error {
	at = at.UTC().Truncate(time.Microsecond)
	as := make([]returns.DeliveryAttempt, len(ds))
	for i, d := range ds {
		d.State = state
		d.Attempts++
		if d.FirstAttemptAt.IsZero() {
			d.FirstAttemptAt = at
		}
		a := returns.DeliveryAttempt{DeliveryID: d.ID, Attempt: d.Attempts, At: at, Latency: 1500 * time.Microsecond}
		switch state {
		case returns.DeliverySucceeded:
			d.LastStatus, d.LastError = 200, ""
			a.StatusCode = 200
		case returns.DeliveryPending:
			d.LastStatus, d.LastError, d.NextAttemptAt = 503, "503 Service Unavailable", next
			a.StatusCode, a.Error, a.NextAttemptAt = 503, d.LastError, &next
		default:
			d.LastStatus, d.LastError = 0, "connection refused"
			a.Error = d.LastError
		}
		as[i] = a
	}
	return tx.FinishAttempts(context.Background(), ds, as)
}

func pendingWebhooks(t *testing.T, st store.Store) []store.PendingWebhook {
	t.Helper()
	var ps []store.PendingWebhook
	view(t, st, func(tx store.ReadTx) error {
		var err error
		ps, err = tx.PendingWebhooks(context.Background())
		return err
	})
	return ps
}

func countPending(t *testing.T, st store.Store) int {
	t.Helper()
	var n int
	view(t, st, func(tx store.ReadTx) error {
		var err error
		n, err = tx.CountPendingDeliveries(context.Background())
		return err
	})
	return n
}

func getDelivery(st store.Store, storeID string, id int64) (*returns.Delivery, error) {
	var d *returns.Delivery
	err := st.View(context.Background(), func(tx store.ReadTx) error {
		var err error
		d, err = tx.GetDelivery(context.Background(), storeID, id)
		return err
	})
	return d, err
}

func testWebhookCRUD(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := mustStore(t, st, "A"), mustStore(t, st, "B")
	w1 := newWebhook(a.ID, strp("ext-1"))
	w2 := newWebhook(a.ID, nil)
	w3 := newWebhook(a.ID, nil) // NULL external ids never collide
	w1.CreatedAt = w1.CreatedAt.Add(-2 * time.Second)
	w2.CreatedAt = w2.CreatedAt.Add(-time.Second)
	for _, w := range []*returns.Webhook{w1, w2, w3} {
		createWebhook(t, st, w)
	}
	view(t, st, func(tx store.ReadTx) error {
		got, err := tx.GetWebhook(ctx, a.ID, w1.ID)
		if err != nil || !reflect.DeepEqual(got, w1) {
			t.Errorf("GetWebhook = %+v, %v; want %+v", got, err, w1)
		}
		if got, err := tx.GetWebhookByExternalID(ctx, a.ID, "ext-1"); err != nil || got.ID != w1.ID {
			t.Errorf("GetWebhookByExternalID = %+v, %v", got, err)
		}
		if _, err := tx.GetWebhook(ctx, b.ID, w1.ID); !returns.IsNotFound(err) {
			t.Errorf("GetWebhook(other store) = %v, want ENOTFOUND", err)
		}
		if _, err := tx.GetWebhookByExternalID(ctx, b.ID, "ext-1"); !returns.IsNotFound(err) {
			t.Errorf("GetWebhookByExternalID(other store) = %v, want ENOTFOUND", err)
		}
		l, err := tx.ListWebhooks(ctx, a.ID)
		if err != nil || len(l) != 3 || l[0].ID != w1.ID || l[1].ID != w2.ID || l[2].ID != w3.ID {
			t.Errorf("ListWebhooks = %v, %v", l, err)
		}
		if l, err := tx.ListWebhooks(ctx, b.ID); err != nil || len(l) != 0 {
			t.Errorf("ListWebhooks(B) = %v, %v", l, err)
		}
		return nil
	})

	// Conflicts and missing stores; the transaction stays usable after
	// an ECONFLICT.
	update(t, st, func(tx store.Tx) error {
		if err := tx.CreateWebhook(ctx, newWebhook(a.ID, strp("ext-1"))); !isConflict(err) {
			t.Errorf("CreateWebhook(same external id) = %v, want ECONFLICT", err)
		}
		dup := newWebhook(a.ID, nil)
		dup.ID = w2.ID
		if err := tx.CreateWebhook(ctx, dup); !isConflict(err) {
			t.Errorf("CreateWebhook(same id) = %v, want ECONFLICT", err)
		}
		w2.ExternalID = strp("ext-1")
		if err := tx.UpdateWebhook(ctx, w2); !isConflict(err) {
			t.Errorf("UpdateWebhook(another's external id) = %v, want ECONFLICT", err)
		}
		w2.ExternalID = strp("ext-2")
		w2.URL = "https://example.com/other"
		w2.Disabled, w2.DisabledReason = true, "too many failures"
		dis := w2.UpdatedAt.Add(time.Minute)
		w2.DisabledAt, w2.UpdatedAt = &dis, dis
		return tx.UpdateWebhook(ctx, w2)
	})
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.CreateWebhook(ctx, newWebhook("missing", nil)) }); !returns.IsNotFound(err) {
		t.Errorf("CreateWebhook(missing store) = %v, want ENOTFOUND", err)
	}
	createWebhook(t, st, newWebhook(b.ID, strp("ext-1"))) // another store may use it
	w1.ExternalID = nil
	update(t, st, func(tx store.Tx) error { return tx.UpdateWebhook(ctx, w1) })
	w3.ExternalID = strp("ext-1") // now free
	update(t, st, func(tx store.Tx) error { return tx.UpdateWebhook(ctx, w3) })

	err := st.Update(ctx, func(tx store.Tx) error {
		other := *w1
		other.StoreID = b.ID
		if err := tx.UpdateWebhook(ctx, &other); !returns.IsNotFound(err) {
			t.Errorf("UpdateWebhook(other store) = %v, want ENOTFOUND", err)
		}
		if err := tx.DeleteWebhook(ctx, b.ID, w1.ID); !returns.IsNotFound(err) {
			t.Errorf("DeleteWebhook(other store) = %v, want ENOTFOUND", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	view(t, st, func(tx store.ReadTx) error {
		for _, w := range []*returns.Webhook{w1, w2, w3} {
			if got, err := tx.GetWebhook(ctx, a.ID, w.ID); err != nil || !reflect.DeepEqual(got, w) {
				t.Errorf("GetWebhook = %+v, %v; want %+v", got, err, w)
			}
		}
		if got, err := tx.GetWebhookByExternalID(ctx, a.ID, "ext-1"); err != nil || got.ID != w3.ID {
			t.Errorf("GetWebhookByExternalID(ext-1) = %+v, %v; want w3", got, err)
		}
		if got, err := tx.GetWebhookByExternalID(ctx, a.ID, "ext-2"); err != nil || got.ID != w2.ID {
			t.Errorf("GetWebhookByExternalID(ext-2) = %+v, %v; want w2", got, err)
		}
		return nil
	})

	update(t, st, func(tx store.Tx) error { return tx.DeleteWebhook(ctx, a.ID, w1.ID) })
	err = st.Update(ctx, func(tx store.Tx) error { return tx.DeleteWebhook(ctx, a.ID, w1.ID) })
	if !returns.IsNotFound(err) {
		t.Errorf("DeleteWebhook twice = %v, want ENOTFOUND", err)
	}
	if err := st.View(ctx, func(tx store.ReadTx) error { _, err := tx.GetWebhook(ctx, a.ID, w1.ID); return err }); !returns.IsNotFound(err) {
		t.Errorf("GetWebhook(deleted) = %v, want ENOTFOUND", err)
	}
}

func testDeliveryRoundTripAndCascade(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := mustStore(t, st, "A"), mustStore(t, st, "B")
	w, wb := newWebhook(a.ID, nil), newWebhook(b.ID, nil)
	createWebhook(t, st, w)
	createWebhook(t, st, wb)
	now := time.Now().UTC().Truncate(time.Microsecond)
	d1, d2 := newDelivery(w, "ret_1", now), newDelivery(w, "ret_2", now)
	d2.State = returns.DeliverySucceeded // kept when set
	d2.Attempts, d2.LastStatus, d2.FirstAttemptAt = 1, 204, now
	addDeliveries(t, st, d1, d2)
	if d1.ID == 0 || d2.ID <= d1.ID || d1.State != returns.DeliveryPending || d1.CreatedAt.IsZero() || d1.UpdatedAt.IsZero() {
		t.Fatalf("AddDeliveries did not fill in: %+v %+v", d1, d2)
	}
	for _, want := range []*returns.Delivery{d1, d2} {
		got, err := getDelivery(st, a.ID, want.ID)
		want.CreatedAt = want.CreatedAt.Truncate(time.Microsecond)
		want.UpdatedAt = want.UpdatedAt.Truncate(time.Microsecond)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("GetDelivery =\n%+v, %v\nwant\n%+v", got, err, want)
		}
	}
	if _, err := getDelivery(st, b.ID, d1.ID); !returns.IsNotFound(err) {
		t.Errorf("GetDelivery(other store) = %v, want ENOTFOUND", err)
	}
	if _, err := getDelivery(st, a.ID, d2.ID+1000); !returns.IsNotFound(err) {
		t.Errorf("GetDelivery(missing) = %v, want ENOTFOUND", err)
	}
	// A delivery must name a subscription of its store.
	for _, bad := range []*returns.Delivery{
		{StoreID: a.ID, WebhookID: "missing", SubjectID: "x", State: returns.DeliveryPending},
		{StoreID: a.ID, WebhookID: wb.ID, SubjectID: "x"},
	} {
		if err := st.Update(ctx, func(tx store.Tx) error { return tx.AddDeliveries(ctx, []*returns.Delivery{bad}) }); !returns.IsNotFound(err) {
			t.Errorf("AddDeliveries(%s in %s) = %v, want ENOTFOUND", bad.WebhookID, bad.StoreID, err)
		}
	}
	if got := claim(t, st, w.ID, now, time.Minute, 10); !slices.Equal(deliveryIDs(got), []int64{d1.ID}) {
		t.Fatalf("claim = %v", deliveryIDs(got))
	}
	finish(t, st, now, returns.DeliveryFailed, time.Time{}, d1)
	addDeliveries(t, st, newDelivery(wb, "ret_9", now))
	if n := countPending(t, st); n != 1 {
		t.Errorf("pending = %d, want 1", n)
	}
	update(t, st, func(tx store.Tx) error { return tx.DeleteWebhook(ctx, a.ID, w.ID) })
	for _, d := range []*returns.Delivery{d1, d2} {
		if _, err := getDelivery(st, a.ID, d.ID); !returns.IsNotFound(err) {
			t.Errorf("GetDelivery after DeleteWebhook = %v, want ENOTFOUND", err)
		}
	}
	view(t, st, func(tx store.ReadTx) error {
		ds, as, err := tx.ListDeliveries(ctx, a.ID, w.ID, 0, 10)
		if err != nil || len(ds) != 0 || len(as) != 0 {
			t.Errorf("ListDeliveries after delete = %v, %v, %v", ds, as, err)
		}
		return nil
	})
	if n := countPending(t, st); n != 1 {
		t.Errorf("pending after delete = %d, want 1 (the other store's)", n)
	}
	// Finishing a delivery whose subscription is gone is a no-op.
	update(t, st, func(tx store.Tx) error { return finishTx(tx, now, returns.DeliverySucceeded, time.Time{}, d1) })
	if err := st.Update(ctx, func(tx store.Tx) error {
		return tx.FinishAttempts(ctx, []*returns.Delivery{d1}, nil)
	}); err == nil {
		t.Error("FinishAttempts with mismatched lengths succeeded")
	}
}

// Deliveries of one subject are claimed one at a time, in id order.
func testClaimOrderPerSubject(t *testing.T, st store.Store) {
	a := mustStore(t, st, "A")
	w := newWebhook(a.ID, nil)
	createWebhook(t, st, w)
	now := time.Now().UTC().Truncate(time.Microsecond)
	a1, a2, b1 := newDelivery(w, "A", now), newDelivery(w, "A", now), newDelivery(w, "B", now)
	addDeliveries(t, st, a1, a2, b1)
	if got := claim(t, st, w.ID, now, time.Minute, 10); !slices.Equal(deliveryIDs(got), []int64{a1.ID, b1.ID}) {
		t.Fatalf("first claim = %v, want a1, b1 = %v", deliveryIDs(got), []int64{a1.ID, b1.ID})
	}
	if got := claim(t, st, w.ID, now, time.Minute, 10); len(got) != 0 {
		t.Fatalf("second claim = %v, want none (leased, or behind a1)", deliveryIDs(got))
	}
	finish(t, st, now, returns.DeliverySucceeded, time.Time{}, a1)
	got := claim(t, st, w.ID, now, time.Minute, 10)
	if !slices.Equal(deliveryIDs(got), []int64{a2.ID}) {
		t.Fatalf("claim after a1 succeeded = %v, want a2", deliveryIDs(got))
	}
	finish(t, st, now, returns.DeliverySucceeded, time.Time{}, got...)

	// b1 fails and is retried in a minute: b2 waits behind it.
	retry := now.Add(time.Minute)
	finish(t, st, now, returns.DeliveryPending, retry, b1)
	b2 := newDelivery(w, "B", now)
	addDeliveries(t, st, b2)
	if got := claim(t, st, w.ID, now.Add(30*time.Second), time.Minute, 10); len(got) != 0 {
		t.Fatalf("claim before b1's retry = %v, want none", deliveryIDs(got))
	}
	later := now.Add(2 * time.Minute)
	got = claim(t, st, w.ID, later, time.Minute, 10)
	if !slices.Equal(deliveryIDs(got), []int64{b1.ID}) {
		t.Fatalf("claim at b1's retry = %v, want b1", deliveryIDs(got))
	}
	if got[0].Attempts != 1 || got[0].LastStatus != 503 || !got[0].NextAttemptAt.Equal(retry) || !got[0].FirstAttemptAt.Equal(now) {
		t.Errorf("claimed b1 = %+v", got[0])
	}
	// Given up also unblocks the subject.
	finish(t, st, later, returns.DeliveryFailed, time.Time{}, b1)
	if got := claim(t, st, w.ID, later, time.Minute, 10); !slices.Equal(deliveryIDs(got), []int64{b2.ID}) {
		t.Fatalf("claim after b1 failed = %v, want b2", deliveryIDs(got))
	}
}

// A claim leases its deliveries: nobody claims them again until the lease
// ends, and then anyone may (a crashed worker's deliveries come back).
func testClaimLeases(t *testing.T, st store.Store) {
	a := mustStore(t, st, "A")
	w := newWebhook(a.ID, nil)
	createWebhook(t, st, w)
	now := time.Now().UTC().Truncate(time.Microsecond)
	d1, d2, d3 := newDelivery(w, "1", now), newDelivery(w, "2", now), newDelivery(w, "3", now)
	d4 := newDelivery(w, "4", now.Add(time.Hour)) // not due
	d4.NextAttemptAt = now.Add(time.Hour)
	addDeliveries(t, st, d1, d2, d3, d4)
	const lease = 30 * time.Second
	if got := claim(t, st, w.ID, now, lease, 2); !slices.Equal(deliveryIDs(got), []int64{d1.ID, d2.ID}) {
		t.Fatalf("claim = %v, want d1, d2", deliveryIDs(got))
	}
	if got := claim(t, st, w.ID, now.Add(10*time.Second), lease, 10); !slices.Equal(deliveryIDs(got), []int64{d3.ID}) {
		t.Fatalf("claim at +10s = %v, want d3", deliveryIDs(got))
	}
	if got := claim(t, st, w.ID, now.Add(20*time.Second), lease, 10); len(got) != 0 {
		t.Fatalf("claim at +20s = %v, want none", deliveryIDs(got))
	}
	if got := claim(t, st, w.ID, now.Add(lease), lease, 10); !slices.Equal(deliveryIDs(got), []int64{d1.ID, d2.ID}) {
		t.Fatalf("claim when the lease ends = %v, want d1, d2", deliveryIDs(got))
	}
	// A finished attempt releases the lease: the retry is claimable
	// when due, whatever the lease said.
	got := claim(t, st, w.ID, now.Add(lease+10*time.Second), lease, 10)
	if !slices.Equal(deliveryIDs(got), []int64{d3.ID}) {
		t.Fatalf("claim at +40s = %v, want d3", deliveryIDs(got))
	}
	finish(t, st, now.Add(lease+10*time.Second), returns.DeliveryPending, now.Add(lease+11*time.Second), got...)
	if got := claim(t, st, w.ID, now.Add(lease+11*time.Second), lease, 10); !slices.Equal(deliveryIDs(got), []int64{d3.ID}) {
		t.Fatalf("claim of the retry = %v, want d3", deliveryIDs(got))
	}
	if got := claim(t, st, w.ID, now.Add(time.Hour), lease, 10); !slices.Equal(deliveryIDs(got), []int64{d1.ID, d2.ID, d3.ID, d4.ID}) {
		t.Fatalf("claim at +1h = %v, want d1 to d4 (every lease ended)", deliveryIDs(got))
	}
	if got := claim(t, st, w.ID, now.Add(2*time.Hour), lease, 0); len(got) != 0 {
		t.Fatalf("claim with limit 0 = %v", deliveryIDs(got))
	}
}

func testDisabledWebhookAndPending(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := mustStore(t, st, "A"), mustStore(t, st, "B")
	w1, w2, w3 := newWebhook(a.ID, nil), newWebhook(a.ID, nil), newWebhook(b.ID, nil)
	for _, w := range []*returns.Webhook{w1, w2, w3} {
		createWebhook(t, st, w)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	if ps := pendingWebhooks(t, st); len(ps) != 0 {
		t.Errorf("PendingWebhooks with no deliveries = %v", ps)
	}
	e1, e2 := newDelivery(w1, "x", now), newDelivery(w1, "y", now)
	e1.NextAttemptAt, e2.NextAttemptAt = now.Add(time.Minute), now.Add(-time.Minute)
	f1 := newDelivery(w2, "x", now)
	g1 := newDelivery(w3, "x", now)
	g1.NextAttemptAt = now.Add(time.Hour)
	addDeliveries(t, st, e1, e2, f1, g1)
	want := []store.PendingWebhook{
		{StoreID: a.ID, WebhookID: w1.ID, NextAttemptAt: e2.NextAttemptAt},
		{StoreID: a.ID, WebhookID: w2.ID, NextAttemptAt: now},
		{StoreID: b.ID, WebhookID: w3.ID, NextAttemptAt: now.Add(time.Hour)},
	}
	if ps := pendingWebhooks(t, st); !reflect.DeepEqual(ps, want) {
		t.Errorf("PendingWebhooks =\n%+v\nwant\n%+v", ps, want)
	}
	if n := countPending(t, st); n != 4 {
		t.Errorf("CountPendingDeliveries = %d, want 4", n)
	}

	w1.Disabled = true
	update(t, st, func(tx store.Tx) error { return tx.UpdateWebhook(ctx, w1) })
	if got := claim(t, st, w1.ID, now.Add(time.Hour), time.Minute, 10); len(got) != 0 {
		t.Errorf("claim of a disabled webhook = %v", deliveryIDs(got))
	}
	if ps := pendingWebhooks(t, st); !reflect.DeepEqual(ps, want[1:]) {
		t.Errorf("PendingWebhooks with w1 disabled =\n%+v\nwant\n%+v", ps, want[1:])
	}
	if n := countPending(t, st); n != 4 {
		t.Errorf("CountPendingDeliveries = %d, want 4 (disabled ones too)", n)
	}
	got := claim(t, st, w2.ID, now, time.Minute, 10)
	// Leased (by a worker that may have died): claimable when the lease
	// runs out.
	leased := append([]store.PendingWebhook{{StoreID: a.ID, WebhookID: w2.ID, NextAttemptAt: now.Add(time.Minute)}}, want[2:]...)
	if ps := pendingWebhooks(t, st); !reflect.DeepEqual(ps, leased) {
		t.Errorf("PendingWebhooks with w2's delivery leased =\n%+v\nwant\n%+v", ps, leased)
	}
	finish(t, st, now, returns.DeliverySucceeded, time.Time{}, got...)
	if ps := pendingWebhooks(t, st); !reflect.DeepEqual(ps, want[2:]) {
		t.Errorf("PendingWebhooks with w2 done =\n%+v\nwant\n%+v", ps, want[2:])
	}
	// Re-enabled, its held deliveries resume in order.
	w1.Disabled = false
	update(t, st, func(tx store.Tx) error { return tx.UpdateWebhook(ctx, w1) })
	if got := claim(t, st, w1.ID, now, time.Minute, 10); !slices.Equal(deliveryIDs(got), []int64{e2.ID}) {
		t.Errorf("claim after re-enabling = %v, want e2", deliveryIDs(got))
	}
	if n := countPending(t, st); n != 3 {
		t.Errorf("CountPendingDeliveries = %d, want 3", n)
	}
}

// Concurrent claimers each get a delivery once, and a subject's deliveries
// in id order, each claimed only after the one before it finished.
func testConcurrentClaimers(t *testing.T, st store.Store) {
	ctx := context.Background()
	a := mustStore(t, st, "A")
	w := newWebhook(a.ID, nil)
	createWebhook(t, st, w)
	now := time.Now().UTC().Truncate(time.Microsecond)
	const total, subjects, workers, batch = 200, 50, 4, 10
	ds := make([]*returns.Delivery, total)
	for i := range ds {
		ds[i] = newDelivery(w, fmt.Sprint("s", i%subjects), now)
	}
	addDeliveries(t, st, ds...)

	type claimed struct {
		id, seq int64
		worker  int
	}
	var (
		seq     atomic.Int64
		mu      sync.Mutex
		claims  = map[string][]claimed{} // by subject
		wg      sync.WaitGroup
		errs    = make([]error, workers)
		batches atomic.Int64
	)
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			idle := 0
			for idle < 200 {
				var got []*returns.Delivery
				var at int64
				// Even workers finish in the claiming transaction, odd
				// ones in a second one.
				err := st.Update(ctx, func(tx store.Tx) error {
					var err error
					got, err = tx.ClaimDeliveries(ctx, w.ID, now, time.Hour, batch)
					if err != nil {
						return err
					}
					// Taken before commit: if a later delivery of a
					// subject is claimed after this one finished, its
					// number is larger.
					at = seq.Add(1)
					time.Sleep(time.Millisecond)
					if g%2 == 0 && len(got) > 0 {
						return finishTx(tx, now, returns.DeliverySucceeded, time.Time{}, got...)
					}
					return nil
				})
				if err != nil {
					errs[g] = err
					return
				}
				if len(got) == 0 {
					var n int
					if err := st.View(ctx, func(tx store.ReadTx) error {
						var err error
						n, err = tx.CountPendingDeliveries(ctx)
						return err
					}); err != nil {
						errs[g] = err
						return
					}
					if n == 0 {
						return
					}
					idle++
					time.Sleep(2 * time.Millisecond)
					continue
				}
				batches.Add(1)
				mu.Lock()
				for _, d := range got {
					claims[d.SubjectID] = append(claims[d.SubjectID], claimed{d.ID, at, g})
				}
				mu.Unlock()
				if g%2 == 1 {
					if err := st.Update(ctx, func(tx store.Tx) error {
						cp := make([]*returns.Delivery, len(got))
						for i, d := range got {
							c := *d
							cp[i] = &c
						}
						return finishTx(tx, now, returns.DeliverySucceeded, time.Time{}, cp...)
					}); err != nil {
						errs[g] = err
						return
					}
				}
			}
			errs[g] = fmt.Errorf("worker %d: gave up waiting", g)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	seen := map[int64]bool{}
	for subject, cs := range claims {
		slices.SortFunc(cs, func(x, y claimed) int { return int(x.seq - y.seq) })
		for i, c := range cs {
			if seen[c.id] {
				t.Errorf("delivery %d claimed twice", c.id)
			}
			seen[c.id] = true
			if i > 0 && cs[i-1].id >= c.id {
				t.Errorf("subject %s: claimed %v, not in id order", subject, cs)
				break
			}
		}
	}
	if len(seen) != total {
		t.Errorf("%d deliveries claimed, want %d", len(seen), total)
	}
	if n := countPending(t, st); n != 0 {
		t.Errorf("%d deliveries still pending", n)
	}
	t.Logf("%d batches", batches.Load())
}

func testResetDelivery(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := mustStore(t, st, "A"), mustStore(t, st, "B")
	w := newWebhook(a.ID, nil)
	createWebhook(t, st, w)
	now := time.Now().UTC().Truncate(time.Microsecond)
	d, later := newDelivery(w, "r", now), newDelivery(w, "r", now)
	addDeliveries(t, st, d, later)
	for i := range 3 {
		got := claim(t, st, w.ID, now.Add(time.Duration(i)*time.Minute), time.Minute, 1)
		if !slices.Equal(deliveryIDs(got), []int64{d.ID}) {
			t.Fatalf("claim %d = %v", i, deliveryIDs(got))
		}
		if i < 2 {
			finish(t, st, now.Add(time.Duration(i)*time.Minute), returns.DeliveryPending, now.Add(time.Duration(i+1)*time.Minute), got[0])
		} else {
			finish(t, st, now.Add(2*time.Minute), returns.DeliveryFailed, time.Time{}, got[0])
		}
	}
	got := claim(t, st, w.ID, now.Add(3*time.Minute), time.Minute, 10)
	finish(t, st, now.Add(3*time.Minute), returns.DeliverySucceeded, time.Time{}, got...)

	at := now.Add(time.Hour)
	var r *returns.Delivery
	update(t, st, func(tx store.Tx) error {
		var err error
		r, err = tx.ResetDelivery(ctx, a.ID, d.ID, at)
		return err
	})
	if r.State != returns.DeliveryPending || !r.NextAttemptAt.Equal(at) || !r.FirstAttemptAt.IsZero() ||
		r.Attempts != 3 || r.MessageID != d.MessageID || r.LastError != "connection refused" {
		t.Errorf("ResetDelivery = %+v", r)
	}
	if got, err := getDelivery(st, a.ID, d.ID); err != nil || !reflect.DeepEqual(got, r) {
		t.Errorf("GetDelivery after reset = %+v, %v; want %+v", got, err, r)
	}
	err := st.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.ResetDelivery(ctx, b.ID, d.ID, at); !returns.IsNotFound(err) {
			t.Errorf("ResetDelivery(other store) = %v, want ENOTFOUND", err)
		}
		if _, err := tx.ResetDelivery(ctx, a.ID, later.ID+100, at); !returns.IsNotFound(err) {
			t.Errorf("ResetDelivery(missing) = %v, want ENOTFOUND", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got = claim(t, st, w.ID, at, time.Minute, 10)
	if !slices.Equal(deliveryIDs(got), []int64{d.ID}) {
		t.Fatalf("claim after reset = %v, want d", deliveryIDs(got))
	}
	// Reset while leased keeps the lease: no second worker gets it.
	update(t, st, func(tx store.Tx) error { _, err := tx.ResetDelivery(ctx, a.ID, d.ID, at); return err })
	if again := claim(t, st, w.ID, at, time.Minute, 10); len(again) != 0 {
		t.Fatalf("claim of a leased, reset delivery = %v", deliveryIDs(again))
	}
	finish(t, st, at, returns.DeliverySucceeded, time.Time{}, got...)
	view(t, st, func(tx store.ReadTx) error {
		_, as, err := tx.ListDeliveries(ctx, a.ID, w.ID, 0, 10)
		if err != nil || len(as[d.ID]) != 4 {
			t.Errorf("attempts after reset = %v, %v; want 4", as[d.ID], err)
		}
		return nil
	})
}

func testListDeliveries(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := mustStore(t, st, "A"), mustStore(t, st, "B")
	w, w2 := newWebhook(a.ID, nil), newWebhook(a.ID, nil)
	createWebhook(t, st, w)
	createWebhook(t, st, w2)
	now := time.Now().UTC().Truncate(time.Microsecond)
	var ds []*returns.Delivery
	for i := range 5 {
		ds = append(ds, newDelivery(w, fmt.Sprint("r", i), now))
	}
	addDeliveries(t, st, ds...)
	addDeliveries(t, st, newDelivery(w2, "r0", now))
	// d0: failed once, then succeeded; d1: succeeded; the rest pending.
	got := claim(t, st, w.ID, now, time.Minute, 2)
	retry := now.Add(time.Minute)
	finish(t, st, now, returns.DeliveryPending, retry, got[0])
	finish(t, st, now, returns.DeliverySucceeded, time.Time{}, got[1])
	got = claim(t, st, w.ID, retry, time.Minute, 1)
	finish(t, st, retry, returns.DeliverySucceeded, time.Time{}, got...)
	// Logging the same attempt twice keeps the first.
	update(t, st, func(tx store.Tx) error {
		return tx.FinishAttempts(ctx, []*returns.Delivery{got[0]},
			[]returns.DeliveryAttempt{{DeliveryID: got[0].ID, Attempt: got[0].Attempts, At: retry, StatusCode: 500}})
	})

	type page struct {
		ds []*returns.Delivery
		as map[int64][]returns.DeliveryAttempt
	}
	list := func(storeID, webhookID string, before int64, limit int) page {
		var p page
		view(t, st, func(tx store.ReadTx) error {
			var err error
			p.ds, p.as, err = tx.ListDeliveries(ctx, storeID, webhookID, before, limit)
			return err
		})
		return p
	}
	p1 := list(a.ID, w.ID, 0, 2)
	p2 := list(a.ID, w.ID, p1.ds[1].ID, 2)
	p3 := list(a.ID, w.ID, p2.ds[1].ID, 2)
	var all []int64
	for _, p := range []page{p1, p2, p3} {
		all = append(all, deliveryIDs(p.ds)...)
	}
	if want := []int64{ds[4].ID, ds[3].ID, ds[2].ID, ds[1].ID, ds[0].ID}; !slices.Equal(all, want) {
		t.Fatalf("pages = %v, want %v", all, want)
	}
	if len(p1.as) != 0 || len(p2.as) != 0 && len(p2.as[ds[2].ID]) != 0 {
		t.Errorf("attempts of unattempted deliveries: %v %v", p1.as, p2.as)
	}
	if a1 := p2.as[ds[1].ID]; len(a1) != 1 || a1[0].StatusCode != 200 || a1[0].Attempt != 1 {
		t.Errorf("attempts of d1 = %+v", a1)
	}
	want0 := []returns.DeliveryAttempt{
		{DeliveryID: ds[0].ID, Attempt: 1, At: now, StatusCode: 503, Latency: 1500 * time.Microsecond, Error: "503 Service Unavailable", NextAttemptAt: &retry},
		{DeliveryID: ds[0].ID, Attempt: 2, At: retry, StatusCode: 200, Latency: 1500 * time.Microsecond},
	}
	if a0 := p3.as[ds[0].ID]; !reflect.DeepEqual(a0, want0) {
		t.Errorf("attempts of d0 =\n%+v\nwant\n%+v", a0, want0)
	}
	d0 := p3.ds[0]
	if d0.State != returns.DeliverySucceeded || d0.Attempts != 2 || d0.LastStatus != 200 || !d0.FirstAttemptAt.Equal(now) {
		t.Errorf("d0 = %+v", d0)
	}
	if p := list(a.ID, w.ID, p3.ds[0].ID, 2); len(p.ds) != 0 {
		t.Errorf("page past the oldest = %v", deliveryIDs(p.ds))
	}
	if p := list(b.ID, w.ID, 0, 10); len(p.ds) != 0 {
		t.Errorf("ListDeliveries(other store) = %v", deliveryIDs(p.ds))
	}
	if p := list(a.ID, w2.ID, 0, 0); len(p.ds) != 1 {
		t.Errorf("ListDeliveries(w2, default limit) = %v", deliveryIDs(p.ds))
	}
}

func testListEventsSince(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := mustStore(t, st, "A"), mustStore(t, st, "B")
	var evs []*returns.Event
	for i := range 4 {
		storeID := a.ID
		if i == 2 {
			storeID = b.ID
		}
		ev := &returns.Event{StoreID: storeID, Kind: "return.updated", SubjectType: "return", SubjectID: fmt.Sprint("r", i), Payload: []byte(`{"n":1}`)}
		update(t, st, func(tx store.Tx) error { return tx.AddEvent(ctx, ev) })
		evs = append(evs, ev)
		time.Sleep(3 * time.Millisecond)
	}
	list := func(storeID string, since time.Time, after int64, limit int) []int64 {
		var out []int64
		view(t, st, func(tx store.ReadTx) error {
			l, err := tx.ListEventsSince(ctx, storeID, since, after, limit)
			for _, e := range l {
				if e.StoreID != storeID {
					t.Errorf("event of store %s listed for %s", e.StoreID, storeID)
				}
				out = append(out, e.ID)
			}
			return err
		})
		return out
	}
	since := evs[1].CreatedAt.Truncate(time.Microsecond)
	if got := list(a.ID, since, 0, 10); !slices.Equal(got, []int64{evs[1].ID, evs[3].ID}) {
		t.Errorf("since ev1 = %v", got)
	}
	if got := list(a.ID, time.Time{}, 0, 10); !slices.Equal(got, []int64{evs[0].ID, evs[1].ID, evs[3].ID}) {
		t.Errorf("since zero = %v", got)
	}
	if got := list(a.ID, time.Time{}, 0, 2); !slices.Equal(got, []int64{evs[0].ID, evs[1].ID}) {
		t.Errorf("since zero, limit 2 = %v", got)
	}
	if got := list(a.ID, since, evs[1].ID, 10); !slices.Equal(got, []int64{evs[3].ID}) {
		t.Errorf("since ev1 after ev1 = %v", got)
	}
	if got := list(a.ID, evs[3].CreatedAt.Add(time.Millisecond), 0, 10); len(got) != 0 {
		t.Errorf("since after the last = %v", got)
	}
	if got := list(b.ID, since, 0, 10); !slices.Equal(got, []int64{evs[2].ID}) {
		t.Errorf("store B = %v", got)
	}
}

func isConflict(err error) bool { return returns.ErrorCode(err) == returns.ECONFLICT }

// AddDeliveries and FinishAttempts handle batches of any size (they split
// them into chunks).
func testFinishAttemptsLargeBatch(t *testing.T, st store.Store) {
	ctx := context.Background()
	a := mustStore(t, st, "A")
	w := newWebhook(a.ID, nil)
	createWebhook(t, st, w)
	now := time.Now().UTC().Truncate(time.Microsecond)
	const n = 151
	ds := make([]*returns.Delivery, n)
	for i := range ds {
		ds[i] = newDelivery(w, fmt.Sprint("r", i), now)
	}
	addDeliveries(t, st, ds...)
	for i, d := range ds {
		if i > 0 && d.ID <= ds[i-1].ID {
			t.Fatalf("ids not ascending: %d after %d", d.ID, ds[i-1].ID)
		}
		if got, err := getDelivery(st, a.ID, d.ID); err != nil || got.SubjectID != d.SubjectID || got.MessageID != d.MessageID {
			t.Fatalf("delivery %d got id %d, which holds %+v, %v", i, d.ID, got, err)
		}
	}
	got := claim(t, st, w.ID, now, time.Minute, 1000)
	if len(got) != n {
		t.Fatalf("claimed %d, want %d", len(got), n)
	}
	retry := now.Add(time.Minute)
	update(t, st, func(tx store.Tx) error {
		var ok, again []*returns.Delivery
		for i, d := range got {
			if i%3 == 0 {
				again = append(again, d)
			} else {
				ok = append(ok, d)
			}
		}
		if err := finishTx(tx, now, returns.DeliverySucceeded, time.Time{}, ok...); err != nil {
			return err
		}
		return finishTx(tx, now, returns.DeliveryPending, retry, again...)
	})
	if c := countPending(t, st); c != (n+2)/3 {
		t.Errorf("pending = %d, want %d", c, (n+2)/3)
	}
	view(t, st, func(tx store.ReadTx) error {
		l, as, err := tx.ListDeliveries(ctx, a.ID, w.ID, 0, 1000)
		if err != nil || len(l) != n {
			t.Fatalf("ListDeliveries = %d, %v", len(l), err)
		}
		for _, d := range l {
			i := slices.Index(deliveryIDs(got), d.ID)
			wantState, wantStatus := returns.DeliverySucceeded, 200
			if i%3 == 0 {
				wantState, wantStatus = returns.DeliveryPending, 503
			}
			if d.State != wantState || d.Attempts != 1 || d.LastStatus != wantStatus || !d.FirstAttemptAt.Equal(now) {
				t.Errorf("delivery %d = %+v", i, d)
			}
			if len(as[d.ID]) != 1 || as[d.ID][0].StatusCode != wantStatus || as[d.ID][0].DeliveryID != d.ID {
				t.Errorf("attempts of delivery %d = %+v", i, as[d.ID])
			}
		}
		return nil
	})
	if got := claim(t, st, w.ID, retry, time.Minute, 1000); len(got) != (n+2)/3 {
		t.Errorf("claim of the retries = %d, want %d", len(got), (n+2)/3)
	}
}

// TestPruneDeliveries: finished deliveries older than the cut-off go, with
// their attempts; pending ones and recent ones stay.
func testPruneDeliveries(t *testing.T, st store.Store) {
	ctx := context.Background()
	s := mustStore(t, st, "Alpha")
	w := &returns.Webhook{ID: returns.NewID(time.Now()), StoreID: s.ID, Kind: returns.WebhookRedo, Topic: returns.WebhookTopicReturn,
		URL: "https://example.com/h", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	var ds []*returns.Delivery
	err := st.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateWebhook(ctx, w); err != nil {
			return err
		}
		for i := range 4 {
			ds = append(ds, &returns.Delivery{StoreID: s.ID, WebhookID: w.ID, MessageID: fmt.Sprintf("m%d", i), Type: "updated",
				SubjectID: fmt.Sprintf("r%d", i), At: tx.Now(), Payload: []byte(`{}`), State: returns.DeliveryPending, NextAttemptAt: tx.Now()})
		}
		if err := tx.AddDeliveries(ctx, ds); err != nil {
			return err
		}
		claimed, err := tx.ClaimDeliveries(ctx, w.ID, tx.Now(), time.Minute, 3)
		if err != nil || len(claimed) != 3 {
			return fmt.Errorf("claimed %d: %v", len(claimed), err)
		}
		as := make([]returns.DeliveryAttempt, len(claimed))
		for i, d := range claimed {
			d.Attempts, d.State = 1, returns.DeliverySucceeded
			if i == 2 {
				d.State = returns.DeliveryFailed
			}
			as[i] = returns.DeliveryAttempt{DeliveryID: d.ID, Attempt: 1, At: tx.Now(), StatusCode: 200}
		}
		return tx.FinishAttempts(ctx, claimed, as)
	})
	if err != nil {
		t.Fatal(err)
	}
	prune := func(before time.Time, limit int) int {
		var n int
		if err := st.Update(ctx, func(tx store.Tx) error {
			var err error
			n, err = tx.PruneDeliveries(ctx, before, limit)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := prune(time.Now().Add(-time.Hour), 100); n != 0 {
		t.Errorf("pruned %d recent deliveries", n)
	}
	if n := prune(time.Now().Add(time.Hour), 2); n != 2 {
		t.Errorf("pruned %d with limit 2", n)
	}
	if n := prune(time.Now().Add(time.Hour), 100); n != 1 {
		t.Errorf("pruned %d, want the last finished one", n)
	}
	var left []*returns.Delivery
	var attempts map[int64][]returns.DeliveryAttempt
	if err := st.View(ctx, func(tx store.ReadTx) error {
		var err error
		left, attempts, err = tx.ListDeliveries(ctx, s.ID, w.ID, 0, 100)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0].State != returns.DeliveryPending || len(attempts) != 0 {
		t.Errorf("left %d deliveries (%v), %d attempt logs", len(left), left, len(attempts))
	}
}

// TestFinishAfterLostLease: a worker whose lease ran out, and whose
// delivery another worker claimed meanwhile, cannot overwrite the newer
// claimer's outcome.
func testFinishAfterLostLease(t *testing.T, st store.Store) {
	ctx := context.Background()
	s := mustStore(t, st, "Alpha")
	w := &returns.Webhook{ID: returns.NewID(time.Now()), StoreID: s.ID, Kind: returns.WebhookRedo, Topic: returns.WebhookTopicReturn,
		URL: "https://example.com/h", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	now := time.Now()
	var stale, fresh []*returns.Delivery
	err := st.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateWebhook(ctx, w); err != nil {
			return err
		}
		d := &returns.Delivery{StoreID: s.ID, WebhookID: w.ID, MessageID: "m1", Type: "updated", SubjectID: "r1", At: now,
			Payload: []byte(`{}`), State: returns.DeliveryPending, NextAttemptAt: now}
		if err := tx.AddDeliveries(ctx, []*returns.Delivery{d}); err != nil {
			return err
		}
		var err error
		if stale, err = tx.ClaimDeliveries(ctx, w.ID, now, time.Second, 10); err != nil {
			return err
		}
		// The lease runs out; another worker claims it.
		fresh, err = tx.ClaimDeliveries(ctx, w.ID, now.Add(2*time.Second), time.Minute, 10)
		return err
	})
	if err != nil || len(stale) != 1 || len(fresh) != 1 {
		t.Fatalf("claims: %d %d %v", len(stale), len(fresh), err)
	}
	finish := func(d *returns.Delivery, state string, status int) {
		d.State, d.Attempts, d.LastStatus = state, d.Attempts+1, status
		if err := st.Update(ctx, func(tx store.Tx) error {
			return tx.FinishAttempts(ctx, []*returns.Delivery{d}, []returns.DeliveryAttempt{{DeliveryID: d.ID, Attempt: d.Attempts, At: time.Now(), StatusCode: status}})
		}); err != nil {
			t.Fatal(err)
		}
	}
	finish(fresh[0], returns.DeliverySucceeded, 200)
	finish(stale[0], returns.DeliveryFailed, 500) // too late: refused
	var got *returns.Delivery
	var attempts map[int64][]returns.DeliveryAttempt
	if err := st.View(ctx, func(tx store.ReadTx) error {
		ds, as, err := tx.ListDeliveries(ctx, s.ID, w.ID, 0, 10)
		if len(ds) == 1 {
			got = ds[0]
		}
		attempts = as
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.State != returns.DeliverySucceeded || got.LastStatus != 200 || len(attempts[got.ID]) != 1 {
		t.Errorf("delivery = %+v, attempts %v", got, attempts)
	}
}

package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// testOutboxEmails: shopper emails (one per return and kind) and emails to
// admin users (one per user and kind, apart from every return's), read back
// newest first per store, marked sent; another store sees none of them.
func testOutboxEmails(t *testing.T, st store.Store) {
	ctx := context.Background()
	a := mustStore(t, st, "Alpha")
	b := mustStore(t, st, "Beta")
	add := func(e *store.OutboxEmail) bool {
		t.Helper()
		var added bool
		if err := st.Update(ctx, func(tx store.Tx) error {
			var err error
			added, err = tx.AddOutboxEmail(ctx, e)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return added
	}
	get := func(storeID, id string) (*store.OutboxEmail, error) {
		return store.Read(ctx, st, func(tx store.ReadTx) (*store.OutboxEmail, error) { return tx.GetOutboxEmail(ctx, storeID, id) })
	}
	list := func(storeID string) []*store.OutboxEmail {
		t.Helper()
		es, err := store.Read(ctx, st, func(tx store.ReadTx) ([]*store.OutboxEmail, error) { return tx.ListOutboxEmails(ctx, storeID, 0) })
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	shopper := &store.OutboxEmail{ID: "em_r1", StoreID: a.ID, ReturnID: "ret_1", Kind: "received", To: "jane@example.com",
		Subject: "We received your return", Body: "Hi Jane", CreatedAt: t0}
	if !add(shopper) {
		t.Fatal("first shopper email not added")
	}
	// The same return and kind again (another id): nothing written.
	if add(&store.OutboxEmail{ID: "em_r1b", StoreID: a.ID, ReturnID: "ret_1", Kind: "received", To: "x@example.com", Subject: "s", Body: "b", CreatedAt: t0}) {
		t.Error("a second received email of ret_1 was added")
	}
	// Invitations: one per user, none of them a return's.
	inv1 := &store.OutboxEmail{ID: "em_u1", StoreID: a.ID, UserID: "usr_1", Kind: "invitation", To: "agent@example.com",
		Subject: "You are invited", Body: "Choose a password: https://rebound.example/admin/invite/tok1", CreatedAt: t0.Add(time.Minute)}
	inv2 := &store.OutboxEmail{ID: "em_u2", StoreID: a.ID, UserID: "usr_2", Kind: "invitation", To: "w@example.com",
		Subject: "You are invited", Body: "b", CreatedAt: t0.Add(2 * time.Minute)}
	if !add(inv1) || !add(inv2) {
		t.Fatal("invitations of two users not both added")
	}
	if add(&store.OutboxEmail{ID: "em_u1b", StoreID: a.ID, UserID: "usr_1", Kind: "invitation", To: "agent@example.com", Subject: "s", Body: "b", CreatedAt: t0}) {
		t.Error("a second invitation of usr_1 was added")
	}
	if add(&store.OutboxEmail{ID: "em_u1", StoreID: a.ID, UserID: "usr_9", Kind: "invitation", To: "z@example.com", Subject: "s", Body: "b", CreatedAt: t0}) {
		t.Error("an email with a taken id was added")
	}
	// Another kind of the same return is another email.
	if !add(&store.OutboxEmail{ID: "em_r1a", StoreID: a.ID, ReturnID: "ret_1", Kind: "approved", To: "jane@example.com", Subject: "s", Body: "b", CreatedAt: t0.Add(3 * time.Minute)}) {
		t.Error("approved email of ret_1 not added")
	}

	es := list(a.ID)
	var ids []string
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	if want := []string{"em_r1a", "em_u2", "em_u1", "em_r1"}; len(ids) != len(want) || ids[0] != want[0] || ids[1] != want[1] || ids[2] != want[2] || ids[3] != want[3] {
		t.Fatalf("list: %v, want %v (newest first)", ids, want)
	}
	got, err := get(a.ID, "em_u1")
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != "usr_1" || got.ReturnID != "" || got.Kind != "invitation" || got.To != inv1.To || got.Subject != inv1.Subject ||
		got.Body != inv1.Body || !got.CreatedAt.Equal(inv1.CreatedAt) || got.SentAt != nil {
		t.Errorf("invitation read back: %+v", got)
	}
	got, err = get(a.ID, "em_r1")
	if err != nil || got.ReturnID != "ret_1" || got.UserID != "" || got.To != "jane@example.com" {
		t.Errorf("shopper email read back: %+v %v", got, err)
	}

	if err := st.Update(ctx, func(tx store.Tx) error { return tx.MarkEmailSent(ctx, a.ID, "em_u1") }); err != nil {
		t.Fatal(err)
	}
	if got, err := get(a.ID, "em_u1"); err != nil || got.SentAt == nil || got.SentAt.IsZero() {
		t.Errorf("after MarkEmailSent: %+v %v", got, err)
	}
	if got, _ := get(a.ID, "em_u2"); got.SentAt != nil {
		t.Errorf("em_u2 marked sent too: %+v", got)
	}

	// Another store: sees nothing, cannot mark a's email, may use the same
	// return, user and kind.
	if es := list(b.ID); len(es) != 0 {
		t.Errorf("store b lists %d emails", len(es))
	}
	if _, err := get(b.ID, "em_u2"); !returns.IsNotFound(err) {
		t.Errorf("b reads a's email: %v, want ENOTFOUND", err)
	}
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.MarkEmailSent(ctx, b.ID, "em_u2") }); err != nil {
		t.Fatal(err)
	}
	if got, _ := get(a.ID, "em_u2"); got.SentAt != nil {
		t.Error("b marked a's email sent")
	}
	if !add(&store.OutboxEmail{ID: "em_b1", StoreID: b.ID, UserID: "usr_1", Kind: "invitation", To: "o@example.com", Subject: "s", Body: "b", CreatedAt: t0}) {
		t.Error("b's invitation of a user id a also has was not added")
	}
}

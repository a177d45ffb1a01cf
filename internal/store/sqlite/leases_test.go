package sqlite_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/sqlite"
)

// Deliveries claimed by the data dir's previous owner (a process killed
// mid-attempt) are claimable again as soon as an exclusive store opens the
// data dir, not when their leases run out; a one-shot (not exclusive) open
// leaves the leases alone, as the owner may be running.
func TestExclusiveOpenReleasesLeases(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rebound.db")
	ctx := context.Background()
	open := func(exclusive bool) *sqlite.Store {
		st, err := sqlite.Open(ctx, sqlite.Config{Path: path, Exclusive: exclusive, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	claim := func(st *sqlite.Store, webhookID string) []*returns.Delivery {
		var ds []*returns.Delivery
		if err := st.Update(ctx, func(tx store.Tx) error {
			var err error
			ds, err = tx.ClaimDeliveries(ctx, webhookID, time.Now(), time.Hour, 10)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return ds
	}

	st := open(true)
	now := time.Now().UTC().Truncate(time.Microsecond)
	m := &returns.Merchant{ID: returns.NewID(now), Name: "A", CreatedAt: now}
	w := &returns.Webhook{ID: returns.NewID(now), StoreID: m.ID, Kind: returns.WebhookRedo, Topic: returns.WebhookTopicReturn,
		URL: "https://example.com/hook", Secrets: []returns.WebhookSecret{{Secret: "sealed:s", CreatedAt: now}}, CreatedAt: now, UpdatedAt: now}
	d := &returns.Delivery{StoreID: m.ID, WebhookID: w.ID, EventID: 1, MessageID: "msg_1", Type: "created", SubjectID: "r1", At: now,
		Payload: []byte(`{"type":"created","return":{"id":"r1"}}`), NextAttemptAt: now}
	if err := st.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateStore(ctx, m); err != nil {
			return err
		}
		if err := tx.CreateWebhook(ctx, w); err != nil {
			return err
		}
		return tx.AddDeliveries(ctx, []*returns.Delivery{d})
	}); err != nil {
		t.Fatal(err)
	}
	if got := claim(st, w.ID); len(got) != 1 {
		t.Fatalf("first claim = %d deliveries, want 1", len(got))
	}
	if got := claim(st, w.ID); len(got) != 0 {
		t.Fatalf("claim under the lease = %d deliveries, want 0", len(got))
	}
	if err := st.Close(); err != nil { // as a killed owner leaves it: leased
		t.Fatal(err)
	}

	oneShot := open(false)
	if got := claim(oneShot, w.ID); len(got) != 0 {
		t.Errorf("claim after a one-shot open = %d deliveries, want 0 (the lease kept)", len(got))
	}
	// That claim took nothing, so the lease is still the first owner's.
	if err := oneShot.Close(); err != nil {
		t.Fatal(err)
	}

	st = open(true)
	defer st.Close()
	got := claim(st, w.ID)
	if len(got) != 1 || got[0].MessageID != "msg_1" {
		t.Fatalf("claim after an exclusive open = %v, want the leased delivery again", got)
	}
}

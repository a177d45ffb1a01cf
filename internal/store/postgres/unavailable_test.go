package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

// With the database unreachable (a proxy between the store and PostgreSQL
// cut), reads and writes fail with EUNAVAILABLE and Ready fails; once it is
// reachable again the same store works, without a restart.
func TestUnreachableIsUnavailable(t *testing.T) {
	storetest.RequirePostgres(t)
	st, proxy := storetest.PostgresViaProxy(t)
	m := &returns.Merchant{ID: returns.NewID(time.Now()), Name: "Acme", CreatedAt: time.Now().UTC()}
	write := func(ctx context.Context) error {
		return st.Update(ctx, func(tx store.Tx) error {
			return tx.CreateStore(ctx, &returns.Merchant{ID: returns.NewID(time.Now()), Name: "Acme", CreatedAt: time.Now().UTC()})
		})
	}
	read := func(ctx context.Context) error {
		return st.View(ctx, func(tx store.ReadTx) error { _, err := tx.GetStore(ctx, m.ID); return err })
	}
	ctx := context.Background()
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.CreateStore(ctx, m) }); err != nil {
		t.Fatal(err)
	}

	proxy.Cut()
	// The deadline only keeps a broken test from hanging; the assertions
	// are on the errors.
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for name, op := range map[string]func(context.Context) error{"read": read, "write": write} {
		if err := op(cctx); returns.ErrorCode(err) != returns.EUNAVAILABLE {
			t.Errorf("%s with the database cut: %v (code %q), want %s", name, err, returns.ErrorCode(err), returns.EUNAVAILABLE)
		}
	}
	if _, err := st.APIKey(cctx, "6b030641371b7d1c460594b4"); returns.ErrorCode(err) != returns.EUNAVAILABLE {
		t.Errorf("APIKey with the database cut: %v, want %s", err, returns.EUNAVAILABLE)
	}
	if err := st.Ready(cctx); err == nil {
		t.Error("Ready with the database cut: nil, want an error")
	}
	if cctx.Err() != nil {
		t.Fatal("the calls above hung until the test's deadline")
	}

	proxy.Restore()
	deadline := time.Now().Add(60 * time.Second)
	for read(ctx) != nil {
		if time.Now().After(deadline) {
			t.Fatalf("still failing 60 s after the database came back: %v", read(ctx))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := write(ctx); err != nil {
		t.Errorf("write after recovery: %v", err)
	}
	if err := st.Ready(ctx); err != nil {
		t.Errorf("Ready after recovery: %v", err)
	}
}

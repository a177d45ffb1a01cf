package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/postgres"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

// Events are taken in numeric (xid, id) order when their transaction ids
// differ in their number of digits (the server's counter passing 10^n):
// taken one at a time, none is skipped and none comes out of order. The
// events are written with chosen xids (9, 10, 99, 100, far below any
// running transaction, so below the horizon) straight into the table.
func TestTakeEventsAcrossXidDigits(t *testing.T) {
	storetest.RequirePostgres(t)
	ctx := context.Background()
	url := storetest.PostgresURL(t)
	st, err := postgres.Open(ctx, postgres.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m := &returns.Merchant{ID: returns.NewID(time.Now()), Name: "A", CreatedAt: time.Now().UTC()}
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.CreateStore(ctx, m) }); err != nil {
		t.Fatal(err)
	}
	conn, err := pgxpool.New(ctx, url) // it takes the URL's pool parameters
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Written in this id order; dispatch order is by xid first.
	xids := []string{"10", "100", "9", "99"}
	for _, x := range xids {
		if _, err := conn.Exec(ctx, `INSERT INTO events (store_id, kind, subject_type, subject_id, payload, created_at, xid)
			VALUES ($1, 'return.created', 'return', $2, '{}', 0, $3::xid8)`, m.ID, x, x); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for range len(xids) + 1 {
		if err := st.Update(ctx, func(tx store.Tx) error {
			evs, err := tx.TakeEvents(ctx, m.ID, 1)
			for _, e := range evs {
				got = append(got, e.SubjectID)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if fmt.Sprint(got) != "[9 10 99 100]" {
		t.Errorf("taken %v, want [9 10 99 100]", got)
	}
}

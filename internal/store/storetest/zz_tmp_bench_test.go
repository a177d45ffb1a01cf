package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/postgres"
	"github.com/reboundhq/rebound/internal/store/sqlite"
	_ "modernc.org/sqlite"
)

func TestTmpThroughput(t *testing.T) {
	ctx := context.Background()
	type be struct {
		name    string
		st      store.Store
		explain func(q string, args ...any)
	}
	path := SQLitePath(t)
	sst, err := sqlite.Open(ctx, sqlite.Config{Path: path, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer sst.Close()
	raw, _ := sql.Open("sqlite", "file:"+path)
	defer raw.Close()
	bes := []be{{"sqlite", sst, func(q string, args ...any) {
		rows, err := raw.Query("EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Log(err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			var id, parent, notused int
			var detail string
			rows.Scan(&id, &parent, &notused, &detail)
			t.Logf("  %d %d %s", id, parent, detail)
		}
	}}}
	if os.Getenv(EnvDatabaseURL) != "" {
		u := PostgresURL(t)
		PgURL = u
		pst, err := postgres.Open(ctx, postgres.Config{URL: u, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		defer pst.Close()
		pc, err := pgx.Connect(ctx, strings.Replace(u, "pool_max_conns=20&", "", 1))
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close(ctx)
		bes = append(bes, be{"postgres", pst, func(q string, args ...any) {
			n := 0
			var b strings.Builder
			for _, r := range q {
				if r == '?' {
					n++
					fmt.Fprintf(&b, "$%d", n)
					continue
				}
				b.WriteRune(r)
			}
			if os.Getenv("TMP_ANALYZE") != "" { pc.Exec(ctx, "ANALYZE") }
			rows, err := pc.Query(ctx, "EXPLAIN "+b.String(), args...)
			if err != nil {
				t.Log(err)
				return
			}
			defer rows.Close()
			for rows.Next() {
				var l string
				rows.Scan(&l)
				t.Logf("  %s", l)
			}
		}})
	}
	for _, b := range bes {
		st := b.st
		s := mustStore(t, st, "A")
		w := newWebhook(s.ID, nil)
		createWebhook(t, st, w)
		now := time.Now().UTC().Truncate(time.Microsecond)
		// history: 50k succeeded deliveries
		for i := 0; i < 50; i++ {
			var ds []*returns.Delivery
			for j := 0; j < 1000; j++ {
				d := newDelivery(w, fmt.Sprint("h", j), now)
				d.State = returns.DeliverySucceeded
				ds = append(ds, d)
			}
			addDeliveries(t, st, ds...)
		}
		if b.name == "postgres" {
			pgc, _ := pgx.Connect(ctx, strings.Replace(PgURL, "pool_max_conns=20&", "", 1))
			pgc.Exec(ctx, "VACUUM ANALYZE webhook_deliveries")
			pgc.Close(ctx)
		}
		const total = 20000
		var ds []*returns.Delivery
		for i := 0; i < total; i++ {
			ds = append(ds, newDelivery(w, fmt.Sprint("s", i%2000), now))
		}
		start := time.Now()
		for i := 0; i < total; i += 1000 {
			addDeliveries(t, st, ds[i:i+1000]...)
		}
		t.Logf("%s: add %d deliveries: %v", b.name, total, time.Since(start))
		claimSel := `SELECT d.id FROM webhook_deliveries d
			WHERE d.webhook_id = ? AND d.state = 'pending' AND +d.next_attempt_at <= ? AND d.claimed_until <= ?
				AND (SELECT e.id FROM webhook_deliveries e
					WHERE e.subject_key = d.subject_key AND e.state = 'pending' AND e.id < d.id LIMIT 1) IS NULL
				AND EXISTS (SELECT 1 FROM webhooks w WHERE w.id = d.webhook_id AND w.disabled = 0)
			ORDER BY d.id LIMIT ?`
		if b.name == "postgres" {
			b.explain("ANALYZE "+claimSel, w.ID, US(now), US(now), 100)
		} else {
			b.explain(claimSel, w.ID, US(now), US(now), 100)
		}
		start = time.Now()
		n := 0
		var claimT, finT time.Duration
		for {
			c0 := time.Now()
			got := claim(t, st, w.ID, now, time.Minute, 100)
			claimT += time.Since(c0)
			if len(got) == 0 {
				break
			}
			c0 = time.Now()
			finish(t, st, now, returns.DeliverySucceeded, time.Time{}, got...)
			finT += time.Since(c0)
			n += len(got)
		}
		el := time.Since(start)
		t.Logf("%s: claimed+finished %d in %v: %.0f/s (claim %v, finish %v)", b.name, n, el, float64(n)/el.Seconds(), claimT, finT)
		b.explain(`WITH c AS MATERIALIZED (
			SELECT d.id FROM webhook_deliveries d
			WHERE d.webhook_id = ? AND d.state = 'pending' AND +d.next_attempt_at <= ? AND d.claimed_until <= ?
				AND (SELECT e.id FROM webhook_deliveries e
					WHERE e.subject_key = d.subject_key AND e.state = 'pending' AND e.id < d.id LIMIT 1) IS NULL
				AND EXISTS (SELECT 1 FROM webhooks w WHERE w.id = d.webhook_id AND w.disabled = 0)
			ORDER BY d.id LIMIT ?)
		UPDATE webhook_deliveries SET claimed_until = ? WHERE id IN (SELECT id FROM c)
		RETURNING id`, w.ID, US(now), US(now), 100, US(now))
		b.explain(`SELECT store_id, id, next_at FROM (
			SELECT w.store_id, w.id, (SELECT MIN(d.next_attempt_at) FROM webhook_deliveries d
				WHERE d.webhook_id = w.id AND d.state = 'pending') AS next_at
			FROM webhooks w WHERE w.disabled = 0) p
		WHERE next_at IS NOT NULL ORDER BY next_at, id`)
		b.explain(`SELECT COALESCE(SUM((SELECT COUNT(*) FROM webhook_deliveries d
		WHERE d.webhook_id = w.id AND d.state = 'pending')), 0) FROM webhooks w`)
		b.explain(`SELECT id FROM webhook_deliveries WHERE webhook_id = ? AND store_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, w.ID, s.ID, 1<<62, 50)
		b.explain(`UPDATE webhook_deliveries SET state = ?, claimed_until = 0 WHERE id = ?`, "x", 1)
	}
}

func US(t time.Time) int64 { return t.UnixMicro() }

var PgURL string

package crashtest

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // "sqlite" for database/sql
)

// database is how a crash test reads the store's database directly, for
// the failure message of a wait that timed out: kind "postgres" (dsn the
// store's URL) or "sqlite" (dsn a database/sql data source).
type database struct{ kind, dsn string }

// open returns the database as a *sql.DB. A PostgreSQL URL goes through
// pgxpool, which takes the pool's own parameters (pool_max_conns) out of
// what it sends the server.
func (d database) open() (*sql.DB, error) {
	if d.kind == "postgres" {
		pool, err := pgxpool.New(context.Background(), d.dsn)
		if err != nil {
			return nil, err
		}
		return stdlib.OpenDBFromPool(pool), nil
	}
	return sql.Open("sqlite", d.dsn)
}

// describeUndelivered says, for a failure message, where the webhooks of
// the returns in ids (acknowledged, never received) stand in the database:
// their events and deliveries, the dispatch cursor and the job queue.
func (d database) describeUndelivered(ids []string) string {
	if d.kind == "" || len(ids) == 0 {
		return ""
	}
	db, err := d.open()
	if err != nil {
		return "open the database: " + err.Error()
	}
	defer db.Close()
	var b strings.Builder
	sample := ids[:min(len(ids), 3)]
	fmt.Fprintf(&b, "%d acknowledged returns never delivered, e.g. %s", len(ids), strings.Join(sample, ", "))
	// $n placeholders: both drivers bind them by position.
	ids3 := make([]any, len(sample))
	for i, id := range sample {
		ids3[i] = id
	}
	now := time.Now().UnixMicro()
	for _, q := range []struct {
		what, sql string
		args      []any
	}{
		{"events", map[string]string{
			// Where each stands against the dispatch cursor, in (xid, id) order.
			"postgres": `SELECT e.id, e.kind, e.subject_id, e.created_at, e.xid::text, (e.xid, e.id) <= (c.xid, c.id) AS passed
				FROM events e LEFT JOIN event_cursors c ON c.store_id = e.store_id WHERE e.subject_id IN (` + placeholders(1, len(sample)) + `) ORDER BY e.id`,
			"sqlite": `SELECT id, kind, subject_id, created_at FROM events WHERE subject_id IN (` + placeholders(1, len(sample)) + `) ORDER BY id`}[d.kind], ids3},
		{"deliveries", `SELECT subject_id, event_id, state, attempts, next_attempt_at - $1, claimed_until - $1, last_status, last_error
			FROM webhook_deliveries WHERE subject_id IN (` + placeholders(2, len(sample)) + `) ORDER BY id`, append([]any{now}, ids3...)},
		{"dispatch cursor", map[string]string{
			"postgres": `SELECT store_id, xid::text, id FROM event_cursors`,
			"sqlite":   `SELECT id, dispatched_through, dispatch_pending FROM stores`}[d.kind], nil},
		{"newest event", `SELECT max(id) FROM events`, nil},
		{"horizon and transactions", map[string]string{
			"postgres": `SELECT pg_snapshot_xmin(pg_current_snapshot())::text, (SELECT string_agg(pid || ' ' || state || ' xid=' || coalesce(backend_xid::text, '-') ||
				' xmin=' || coalesce(backend_xmin::text, '-') || ' since ' || coalesce(xact_start::text, '-'), '; ') FROM pg_stat_activity WHERE backend_xid IS NOT NULL OR backend_xmin IS NOT NULL)`,
			"sqlite": `SELECT 'n/a'`}[d.kind], nil},
		{"subscriptions", `SELECT id, created_at, disabled FROM webhooks ORDER BY created_at`, nil},
		{"deliveries by state", `SELECT state, count(*) FROM webhook_deliveries GROUP BY state ORDER BY state`, nil},
		{"jobs", `SELECT kind, state, count(*) FROM river_job GROUP BY kind, state ORDER BY kind, state`, nil},
		{"unfinished dispatch jobs", map[string]string{
			"postgres": `SELECT now(), id, state, queue, priority, scheduled_at, attempted_at, attempt, args::text FROM river_job
				WHERE kind = 'event.dispatch' AND finalized_at IS NULL ORDER BY id LIMIT 8`,
			"sqlite": `SELECT datetime('now', 'subsec'), id, state, queue, priority, scheduled_at, attempted_at, attempt, json(args) FROM river_job
				WHERE kind = 'event.dispatch' AND finalized_at IS NULL ORDER BY id LIMIT 8`}[d.kind], nil},
		{"queues", `SELECT name, paused_at, updated_at FROM river_queue`, nil},
		{"leader", `SELECT * FROM river_leader`, nil},
	} {
		fmt.Fprintf(&b, "\n%s: %s", q.what, queryText(db, q.sql, q.args...))
	}
	return b.String()
}

// placeholders is n positional placeholders from $from on: "$2, $3".
func placeholders(from, n int) string {
	p := make([]string, n)
	for i := range p {
		p[i] = fmt.Sprintf("$%d", from+i)
	}
	return strings.Join(p, ", ")
}

// queryText runs q and renders its rows (or its error) on one line.
func queryText(db *sql.DB, q string, args ...any) string {
	rows, err := db.Query(q, args...)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err.Error()
		}
		cells := make([]string, len(vals))
		for i, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			cells[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(cells, " "))
	}
	if err := rows.Err(); err != nil {
		return err.Error()
	}
	if len(out) == 0 {
		return "(none)"
	}
	return strings.Join(out, "; ")
}

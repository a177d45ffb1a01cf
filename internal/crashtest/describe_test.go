package crashtest

import (
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" for database/sql
	_ "modernc.org/sqlite"             // "sqlite" for database/sql
)

// database is how a crash test reads the store's database directly, for
// the failure message of a wait that timed out: the driver name and data
// source of database/sql.
type database struct{ driver, dsn string }

// describeUndelivered says, for a failure message, where the webhooks of
// the returns in ids (acknowledged, never received) stand in the database:
// their events and deliveries, the dispatch cursor and the job queue.
func (d database) describeUndelivered(ids []string) string {
	if d.driver == "" || len(ids) == 0 {
		return ""
	}
	dsn := d.dsn
	if u, err := url.Parse(dsn); err == nil && d.driver == "pgx" {
		q := u.Query()
		for k := range q {
			if strings.HasPrefix(k, "pool_") { // pgxpool's, not the server's
				q.Del(k)
			}
		}
		u.RawQuery = q.Encode()
		dsn = u.String()
	}
	db, err := sql.Open(d.driver, dsn)
	if err != nil {
		return "open the database: " + err.Error()
	}
	defer db.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "%d acknowledged returns never delivered, e.g. %s", len(ids), strings.Join(ids[:min(len(ids), 3)], ", "))
	list := quoteList(ids[:min(len(ids), 3)])
	now := time.Now().UnixMicro()
	for _, q := range []struct{ what, sql string }{
		{"events", `SELECT id, kind, subject_id, created_at FROM events WHERE subject_id IN (` + list + `) ORDER BY id`},
		{"deliveries", fmt.Sprintf(`SELECT subject_id, event_id, state, attempts, next_attempt_at - %d, claimed_until - %d, last_status, last_error
			FROM webhook_deliveries WHERE subject_id IN (`+list+`) ORDER BY id`, now, now)},
		{"dispatch cursor", map[string]string{
			"pgx":    `SELECT store_id, xid::text, id FROM event_cursors`,
			"sqlite": `SELECT id, dispatched_through, dispatch_pending FROM stores`}[d.driver]},
		{"newest event", `SELECT max(id) FROM events`},
		{"deliveries by state", `SELECT state, count(*) FROM webhook_deliveries GROUP BY state ORDER BY state`},
		{"jobs", `SELECT kind, state, count(*) FROM river_job GROUP BY kind, state ORDER BY kind, state`},
		{"unfinished dispatch jobs", map[string]string{
			"pgx": `SELECT now(), id, state, queue, priority, scheduled_at, attempted_at, attempt, args::text FROM river_job
				WHERE kind = 'event.dispatch' AND finalized_at IS NULL ORDER BY id LIMIT 8`,
			"sqlite": `SELECT datetime('now', 'subsec'), id, state, queue, priority, scheduled_at, attempted_at, attempt, json(args) FROM river_job
				WHERE kind = 'event.dispatch' AND finalized_at IS NULL ORDER BY id LIMIT 8`}[d.driver]},
		{"queues", `SELECT name, paused_at, updated_at FROM river_queue`},
		{"leader", `SELECT * FROM river_leader`},
	} {
		fmt.Fprintf(&b, "\n%s: %s", q.what, queryText(db, q.sql))
	}
	return b.String()
}

// quoteList is ids as a list of SQL string literals.
func quoteList(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = "'" + strings.ReplaceAll(id, "'", "''") + "'"
	}
	return strings.Join(q, ", ")
}

// queryText runs q and renders its rows (or its error) on one line.
func queryText(db *sql.DB, q string) string {
	rows, err := db.Query(q)
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

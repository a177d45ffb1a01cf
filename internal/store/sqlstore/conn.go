// Package sqlstore implements store.Tx once, in portable SQL, over a small
// connection interface that each backend adapts (database/sql for SQLite,
// pgx for PostgreSQL). Queries are written with ? placeholders; the dialect
// rebinds them.
//
// Conventions shared by both schemas: ids are text, timestamps are BIGINT
// Unix microseconds (exact, sortable, dialect-neutral), JSON documents are
// TEXT (SQLite) or JSONB (PostgreSQL), text columns are NOT NULL with ”
// meaning absent.
package sqlstore

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// ErrNoRows is what Row.Scan returns when the query matched nothing.
var ErrNoRows = errors.New("sqlstore: no rows")

// Conn is the subset of a transaction the queries need.
type Conn interface {
	Exec(ctx context.Context, query string, args ...any) (rowsAffected int64, err error)
	QueryRow(ctx context.Context, query string, args ...any) Row
	Query(ctx context.Context, query string, args ...any) (Rows, error)
}

// InsertIDConn is implemented by connections that report the id of the row
// an INSERT created without a RETURNING round trip (SQLite).
type InsertIDConn interface {
	ExecInsertID(ctx context.Context, query string, args ...any) (int64, error)
}

// Row is one result row; Scan returns ErrNoRows when there was none.
type Row interface{ Scan(dest ...any) error }

// Rows iterates a result set.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Dialect describes what differs between backends.
type Dialect struct {
	Name string
	// orders caches decoded orders for this store handle (see
	// ordercache.go); a Dialect belongs to one store handle.
	orders orderCache
	// Dollar rebinds ? placeholders to $1, $2, ... (PostgreSQL).
	Dollar bool
	// ForUpdate is appended to SELECTs that lock the rows they read
	// ("" where the whole database is locked by the writer, as in SQLite).
	ForUpdate string
	// ForNoKeyUpdate locks a row against concurrent updates without
	// conflicting with foreign-key checks of rows that reference it.
	ForNoKeyUpdate string
	// SkipLocked is appended to SELECTs that lock the rows they read and
	// skip rows another transaction holds (" FOR UPDATE SKIP LOCKED"; ""
	// where writers are serialised, as in SQLite).
	SkipLocked string
	// XidEvents selects the event outbox of concurrent writers
	// (PostgreSQL): events carry their transaction's id and are taken below
	// the snapshot's xmin from a cursor of their own (see Tx.TakeEvents),
	// and dispatch is requested after commit (Tx.DispatchRequests). Off,
	// events are taken by id behind a flag on the store's row, which is
	// correct where writers are serialised (SQLite).
	XidEvents bool
	// WritableCTE says INSERTs may be written in WITH clauses, so that
	// Tx.InsertNewOrders is one statement (atomic outside a transaction).
	WritableCTE bool
	// IsForeignKeyViolation reports whether err is a foreign-key failure.
	IsForeignKeyViolation func(error) bool
	// IsUniqueViolation reports whether err is a unique-constraint failure
	// (nil: never).
	IsUniqueViolation func(error) bool

	cache sync.Map // query → rebound query
}

// Q returns query in the dialect's placeholder syntax.
func (d *Dialect) Q(query string) string {
	if !d.Dollar {
		return query
	}
	if v, ok := d.cache.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	out := b.String()
	d.cache.Store(query, out)
	return out
}

// EnqueueFunc inserts a River job in the current transaction and returns
// River's result (which says whether a unique job was already there).
type EnqueueFunc func(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)

// Package storetest holds the contract suite every store.Store backend must
// pass, and helpers that open a fresh, isolated store on each backend for
// tests anywhere in the repo: SQLite always (a temp file), PostgreSQL when
// REBOUND_TEST_DATABASE_URL is set (a fresh schema per test, dropped after).
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/postgres"
	"github.com/reboundhq/rebound/internal/store/sqlite"
)

// EnvDatabaseURL names the variable holding the PostgreSQL server tests use.
const EnvDatabaseURL = "REBOUND_TEST_DATABASE_URL"

// Backend opens a fresh store of one kind for a test.
type Backend struct {
	Name string
	Open func(t testing.TB) store.Store
}

// Backends lists the backends available to this test run. PostgreSQL is
// included when REBOUND_TEST_DATABASE_URL is set; under CI (CI=true) its
// absence fails the test instead of silently narrowing coverage.
func Backends(t testing.TB) []Backend {
	b := []Backend{{Name: "sqlite", Open: OpenSQLite}}
	if os.Getenv(EnvDatabaseURL) != "" {
		b = append(b, Backend{Name: "postgres", Open: OpenPostgres})
	} else if os.Getenv("CI") != "" {
		t.Fatalf("%s must be set under CI so PostgreSQL is tested", EnvDatabaseURL)
	}
	return b
}

// ForEachBackend runs fn as a subtest per backend with a fresh store.
func ForEachBackend(t *testing.T, fn func(t *testing.T, st store.Store)) {
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) { fn(t, b.Open(t)) })
	}
}

func quietLogger() *slog.Logger {
	if os.Getenv("REBOUND_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// SQLitePath returns a fresh database path in the test's temp dir.
func SQLitePath(t testing.TB) string { return filepath.Join(t.TempDir(), "rebound.db") }

// OpenSQLite opens a fresh SQLite store, closed when the test ends.
func OpenSQLite(t testing.TB) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), sqlite.Config{Path: SQLitePath(t), Logger: quietLogger()})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// openTransactions describes, for a failure message, the transactions of
// the PostgreSQL server that hold a transaction id, oldest first: while one
// is open, events written after it began are held back from dispatch (the
// horizon is the cluster's). It is empty for other backends.
func openTransactions(st store.Store) string {
	base := os.Getenv(EnvDatabaseURL)
	if st.Dialect() != "postgres" || base == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "open transactions: " + err.Error()
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT format('pid %s xid %s %s for %s (%s) %s', pid, backend_xid, state,
		date_trunc('milliseconds', now() - xact_start), coalesce(wait_event, 'not waiting'), left(query, 200))
		FROM pg_stat_activity WHERE backend_xid IS NOT NULL ORDER BY xact_start`)
	if err != nil {
		return "open transactions: " + err.Error()
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "open transactions: " + err.Error()
	}
	if len(lines) == 0 {
		return "no transaction of the server holds a transaction id"
	}
	return "transactions holding an id: " + strings.Join(lines, "; ")
}

// PostgresURL creates a fresh schema on the test server and returns a URL
// whose connections use it; the schema is dropped when the test ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvDatabaseURL)
	if base == "" {
		t.Fatalf("%s is not set", EnvDatabaseURL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvDatabaseURL, err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "rbtest_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvDatabaseURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("pool_max_conns", "20")
	u.RawQuery = q.Encode()
	return u.String()
}

// OpenPostgres opens a store on a fresh schema, closed when the test ends.
func OpenPostgres(t testing.TB) store.Store {
	t.Helper()
	st, err := postgres.Open(context.Background(), postgres.Config{URL: PostgresURL(t), Logger: quietLogger(), FetchPollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// Reopener returns a function that opens a new handle on one fresh
// database of the named backend ("sqlite" or "postgres") each time it is
// called: closing one handle and opening another simulates a process
// restart on the same data. Each handle is closed when the test ends (if it
// was not already).
func Reopener(t testing.TB, backend string) func() store.Store {
	t.Helper()
	var open func() (store.Store, error)
	switch backend {
	case "sqlite":
		path := SQLitePath(t)
		open = func() (store.Store, error) {
			return sqlite.Open(context.Background(), sqlite.Config{Path: path, Logger: quietLogger(), FetchPollInterval: 20 * time.Millisecond})
		}
	case "postgres":
		u := PostgresURL(t)
		open = func() (store.Store, error) {
			return postgres.Open(context.Background(), postgres.Config{URL: u, Logger: quietLogger(), FetchPollInterval: 100 * time.Millisecond})
		}
	default:
		t.Fatalf("unknown backend %q", backend)
	}
	return func() store.Store {
		t.Helper()
		st, err := open()
		if err != nil {
			t.Fatalf("open %s: %v", backend, err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	}
}

// RequirePostgres skips t when REBOUND_TEST_DATABASE_URL is not set, and
// fails it instead under CI (CI=true), where PostgreSQL must be tested.
func RequirePostgres(t testing.TB) {
	t.Helper()
	if os.Getenv(EnvDatabaseURL) != "" {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s must be set under CI so PostgreSQL is tested", EnvDatabaseURL)
	}
	t.Skipf("%s is not set: PostgreSQL not tested", EnvDatabaseURL)
}

//go:build unix

package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/examples"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

// ---------------------------------------------------------------------------
// Database selection

func TestMigrateSQLite(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "does", "not", "exist", "yet")
	r := mustRebound(t, nil, "migrate", "--data-dir", data)
	if r.stdout != "" {
		t.Errorf("migrate printed to stdout: %q", r.stdout)
	}
	assertLogLines(t, r.stderr)
	if !strings.Contains(r.stderr, `"migrations applied"`) {
		t.Errorf("migrate did not log `migrations applied`\n%s", r)
	}
	if fi, err := os.Stat(filepath.Join(data, "rebound.db")); err != nil || fi.Size() == 0 {
		t.Fatalf("migrate did not create %s/rebound.db: %v", data, err)
	}
	// Again: nothing to do, still fine.
	mustRebound(t, nil, "migrate", "--data-dir", data)

	// sqlite:PATH ignores --data-dir.
	other := t.TempDir()
	path := filepath.Join(other, "custom.db")
	ignored := filepath.Join(t.TempDir(), "ignored")
	mustRebound(t, nil, "migrate", "--data-dir", ignored, "--database-url", "sqlite:"+path)
	if _, err := os.Stat(path); err != nil {
		t.Errorf("--database-url sqlite:%s: %v", path, err)
	}
	if _, err := os.Stat(ignored); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("--data-dir was used although --database-url is set (stat: %v)", err)
	}
}

// TestSQLiteWALLimit: the limit is taken from the flag or the variable,
// and a value out of range is refused naming the flag, before anything is
// created.
func TestSQLiteWALLimit(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	mustRebound(t, nil, "migrate", "--data-dir", data, "--sqlite-wal-limit", "8")
	mustRebound(t, []string{"REBOUND_SQLITE_WAL_LIMIT=256"}, "migrate", "--data-dir", data)
	for _, args := range [][]string{
		{"--sqlite-wal-limit", "0"},
		{"--sqlite-wal-limit", "2000000"},
	} {
		fresh := filepath.Join(t.TempDir(), "fresh")
		r := rebound(t, nil, append([]string{"migrate", "--data-dir", fresh}, args...)...)
		if r.code != 1 || !strings.Contains(r.stderr, "--sqlite-wal-limit") {
			t.Errorf("%v: want exit 1 naming --sqlite-wal-limit\n%s", args, r)
		}
		if _, err := os.Stat(fresh); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%v: the data directory was created (stat: %v)", args, err)
		}
	}
	// Refused with PostgreSQL too, before any connection is tried.
	if r := rebound(t, nil, "migrate", "--database-url", "postgres://nobody@127.0.0.1:1/none", "--sqlite-wal-limit", "0"); r.code != 1 || !strings.Contains(r.stderr, "--sqlite-wal-limit") {
		t.Errorf("PostgreSQL, --sqlite-wal-limit 0: want exit 1 naming the flag\n%s", r)
	}
	r := rebound(t, []string{"REBOUND_SQLITE_WAL_LIMIT=lots"}, "migrate", "--data-dir", data)
	if r.code == 0 || !strings.Contains(r.stderr, "REBOUND_SQLITE_WAL_LIMIT") {
		t.Errorf("REBOUND_SQLITE_WAL_LIMIT=lots: want a failure naming the variable\n%s", r)
	}
}

func TestUnsupportedDatabaseURL(t *testing.T) {
	t.Parallel()
	const u = "mysql://u:secret@h/db"
	check := func(t *testing.T, r result) {
		t.Helper()
		if r.code != 1 {
			t.Errorf("want exit 1\n%s", r)
		}
		if !strings.Contains(r.stderr, "rebound: --database-url: unsupported URL") {
			t.Errorf("want a `rebound: --database-url: unsupported URL` message\n%s", r)
		}
		if strings.Contains(r.stdout+r.stderr, "secret") {
			t.Errorf("the output leaks the password\n%s", r)
		}
		if !strings.Contains(r.stderr, "mysql://u:xxxxx@h/db") {
			t.Errorf("want the URL with its password masked\n%s", r)
		}
	}
	data := filepath.Join(t.TempDir(), "data")
	for _, args := range [][]string{
		{"migrate"},
		{"store", "create", "--name", "X"},
		{"store", "list"},
		{"key", "revoke", "6b0306a60000000000000000"},
		{"serve", "--addr", "127.0.0.1:0"},
	} {
		t.Run(strings.Join(args, " ")+" flag", func(t *testing.T) {
			check(t, rebound(t, nil, append(args, "--data-dir", data, "--database-url", u)...))
		})
	}
	t.Run("env", func(t *testing.T) {
		check(t, rebound(t, []string{"REBOUND_DATABASE_URL=" + u, "REBOUND_DATA_DIR=" + data}, "migrate"))
	})
	if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the data directory was created although --database-url was set (stat: %v)", err)
	}
}

// TestDatabaseURLPasswordNeverLeaks covers passwords that the masking of
// unsupported URLs misses.
func TestDatabaseURLPasswordNeverLeaks(t *testing.T) {
	t.Parallel()
	for _, u := range []string{
		"mysql://u:s3cr@tpass@h/db",                   // raw '@' in the password: "tpass" leaked
		"host=db user=u password=s3cr3tpass dbname=x", // pgx key=value DSN: printed verbatim
	} {
		r := rebound(t, nil, "migrate", "--data-dir", t.TempDir(), "--database-url", u)
		if r.code != 1 {
			t.Errorf("%s: want exit 1\n%s", u, r)
		}
		if strings.Contains(r.stdout+r.stderr, "pass") {
			t.Errorf("%s: the output leaks the password\n%s", u, r)
		}
	}
}

// pgURL returns a URL of a fresh PostgreSQL schema, skipping the test when
// no test server is configured (and failing under CI, where one must be).
func pgURL(t *testing.T) string {
	t.Helper()
	if os.Getenv(storetest.EnvDatabaseURL) == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s must be set under CI so PostgreSQL is tested", storetest.EnvDatabaseURL)
		}
		t.Skipf("%s is not set", storetest.EnvDatabaseURL)
	}
	return storetest.PostgresURL(t)
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	u := pgURL(t)
	data := filepath.Join(t.TempDir(), "data")
	r := mustRebound(t, nil, "migrate", "--database-url", u, "--data-dir", data)
	if !strings.Contains(r.stderr, `"database":"postgres"`) {
		t.Errorf("migrate did not log the postgres dialect\n%s", r)
	}
	mustRebound(t, nil, "migrate", "--database-url", u) // idempotent

	s := createStore(t, nil, "Acme Outdoor", "--database-url", u, "--data-dir", data)
	// The same database through the environment.
	env := []string{"REBOUND_DATABASE_URL=" + u}
	rows := jsonLines(t, mustRebound(t, env, "store", "list").stdout)
	if len(rows) != 1 || rows[0]["storeId"] != s.id || rows[0]["name"] != "Acme Outdoor" {
		t.Errorf("store list = %v, want just %s", rows, s.id)
	}
	if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("--data-dir was used with a PostgreSQL URL (stat: %v)", err)
	}

	// With PostgreSQL the secrets key must come from the environment.
	if r := rebound(t, env, "serve", "--addr", "127.0.0.1:0"); r.code == 0 || !strings.Contains(r.stderr, "REBOUND_SECRET_KEY") {
		t.Errorf("serve on PostgreSQL without REBOUND_SECRET_KEY: code %d, stderr %q", r.code, r.stderr)
	}
	env = append(env, "REBOUND_SECRET_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	srv := startServer(t, t.TempDir(), env, "--addr", "127.0.0.1:0")
	if b := expectStatus(t, 200, "GET", srv.base+"/readyz", "", nil); !strings.Contains(b, `"database":"postgres"`) {
		t.Errorf("/readyz = %s, want database postgres", b)
	}
	if b := expectStatus(t, 200, "POST", ordersURL(srv.base, s.id), s.key, examples.Order()); !strings.Contains(b, "Order synced successfully") {
		t.Errorf("order sync answered %s", b)
	}
	// A key created by the CLI while the server runs works at once.
	k := oneJSON(t, mustRebound(t, env, "key", "create", "--store", s.id, "--scopes", "orders_read").stdout)
	expectStatus(t, 200, "GET", orderURL(srv.base, s.id, "order_123456"), str(t, k, "apiKey"), nil)
	if code := srv.stop(t, 15*time.Second); code != 0 {
		t.Errorf("serve exited %d after SIGTERM, want 0", code)
	}
}

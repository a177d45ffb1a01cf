package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/postgres"
	"github.com/reboundhq/rebound/internal/store/sqlite"
)

func newLogger(w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	switch strings.ToLower(os.Getenv("REBOUND_LOG_LEVEL")) {
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: level}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return slog.New(slog.NewTextHandler(w, opts))
		}
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// quiet is the logger one-shot commands open their store with: warnings
// and errors only, so the job queue's info lines ("No migrations to apply")
// stay out of a command's output; REBOUND_LOG_LEVEL=debug shows everything.
func quiet(log *slog.Logger) *slog.Logger {
	if log.Enabled(context.Background(), slog.LevelDebug) {
		return log
	}
	return slog.New(minLevel{log.Handler(), slog.LevelWarn})
}

// minLevel drops records below min.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(as), h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.min}
}

// dbFlags are the database selection flags every command shares.
type dbFlags struct {
	dataDir     string
	databaseURL string
	walLimitMiB int64
}

func (d *dbFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.dataDir, "data-dir", "./rebound-data", "directory of the embedded SQLite database")
	fs.StringVar(&d.databaseURL, "database-url", "", "PostgreSQL `URL` (postgres://...); empty means embedded SQLite in --data-dir")
	fs.Int64Var(&d.walLimitMiB, "sqlite-wal-limit", sqlite.DefaultWALSizeLimit>>20, "SQLite only: `MiB` the write-ahead log may grow to before it is restarted from its start")
}

// maxWALLimitMiB bounds --sqlite-wal-limit (1 TiB).
const maxWALLimitMiB = 1 << 20

// open opens the selected store and applies pending migrations. One-shot
// commands use it: on SQLite they take no lock of the data dir and share
// the database with a running serve or worker through SQLite's locking.
func (d *dbFlags) open(ctx context.Context, log *slog.Logger) (store.Store, error) {
	return d.openStore(ctx, log, false)
}

// openOwner is open for serve and worker: on SQLite the process then owns
// the data dir (an exclusive lock on its rebound.lock), so a second serve
// or worker on it fails at once naming this one.
func (d *dbFlags) openOwner(ctx context.Context, log *slog.Logger) (store.Store, error) {
	return d.openStore(ctx, log, true)
}

// sqlitePath is the SQLite database file selected, or "" for PostgreSQL
// (or an unsupported URL).
func (d *dbFlags) sqlitePath() string {
	u := d.databaseURL
	switch {
	case u == "":
		return filepath.Join(d.dataDir, "rebound.db")
	case strings.HasPrefix(u, "sqlite://"), strings.HasPrefix(u, "sqlite:"):
		return strings.TrimPrefix(strings.TrimPrefix(u, "sqlite://"), "sqlite:")
	}
	return ""
}

func (d *dbFlags) isPostgres() bool {
	return strings.HasPrefix(d.databaseURL, "postgres://") || strings.HasPrefix(d.databaseURL, "postgresql://")
}

func (d *dbFlags) openStore(ctx context.Context, log *slog.Logger, owner bool) (store.Store, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	// Checked whatever the database: a bad value is refused, not ignored
	// until the day the same settings are used with SQLite.
	if d.walLimitMiB < 1 || d.walLimitMiB > maxWALLimitMiB {
		return nil, fmt.Errorf("--sqlite-wal-limit: %d MiB: must be from 1 to %d", d.walLimitMiB, maxWALLimitMiB)
	}
	if d.isPostgres() {
		return postgres.Open(ctx, postgres.Config{URL: d.databaseURL, Logger: log})
	}
	p := d.sqlitePath()
	if p == "" {
		return nil, fmt.Errorf("--database-url: unsupported URL %q (want postgres://... or sqlite:PATH)", redactURL(d.databaseURL))
	}
	return sqlite.Open(ctx, sqlite.Config{Path: p, Logger: log, Exclusive: owner, WALSizeLimit: d.walLimitMiB << 20})
}

// keyDir is where serve keeps its secrets key file: the directory of the
// SQLite database, or "" with PostgreSQL (the key must then come from
// REBOUND_SECRET_KEY).
func (d *dbFlags) keyDir() string {
	u := d.databaseURL
	switch {
	case u == "":
		return d.dataDir
	case strings.HasPrefix(u, "sqlite://"), strings.HasPrefix(u, "sqlite:"):
		return filepath.Dir(strings.TrimPrefix(strings.TrimPrefix(u, "sqlite://"), "sqlite:"))
	}
	return ""
}

// redactURL renders a database URL for messages without its password. A
// value that is not a URL is not echoed at all (it may be a key=value DSN
// with a password in it).
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" || p.Opaque != "" {
		return "(not shown: not a URL)"
	}
	return p.Redacted()
}

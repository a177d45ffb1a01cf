// Command rebound is the Rebound returns platform: one binary that serves the
// API (rebound serve), applies migrations (rebound migrate), manages stores
// and API keys, and measures itself (rebound bench).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/postgres"
	"github.com/reboundhq/rebound/internal/store/sqlite"
)

const usage = `rebound — self-hosted returns platform

Usage:
  rebound serve   [--addr 127.0.0.1:8080] [--data-dir ./rebound-data] [--database-url URL] [--public-url URL] [--demo]
                  [--shutdown-timeout 30s] [--allow-private-webhook-targets] [--ecwid-webhook-max-age 1h]
  rebound migrate [--data-dir DIR] [--database-url URL]
  rebound store create --name NAME [--data-dir DIR] [--database-url URL]
  rebound store list   [--data-dir DIR] [--database-url URL]
  rebound key create --store STORE_ID [--scopes a,b] [--label TEXT] [--data-dir DIR] [--database-url URL]
  rebound key revoke KEY_ID [--data-dir DIR] [--database-url URL]
  rebound key list --store STORE_ID [--data-dir DIR] [--database-url URL]
  rebound bench orders [--clients 32] [--duration 10s] [--warmup 1s] [--database-url URL]
  rebound bench returns [--small 10000] [--large 1000000] [--page-size 50] [--requests 3000] [--clients 1] [--database-url URL]
  rebound bench webhooks [--returns 2000] [--backlog 20000] [--rate 500] [--duration 10s] [--database-url URL]
  rebound ecwid {products|orders|customers|categories|coupons|promotions|carts|profile} [get ID] [filters] [--all] [--fields a,b] [--json]
  rebound dev fake-ecwid [--addr 127.0.0.1:8090] [--store-id 1003] [--token TOKEN] [--client-secret SECRET] [--webhook-url URL]
  rebound dev ecwid-webhook --url URL --client-secret SECRET --order-id ORDER_ID [--fulfillment STATUS] [--payment STATUS]
  rebound version

Every command takes --help. Flags fall back to the environment:
REBOUND_ADDR, REBOUND_DATA_DIR, REBOUND_DATABASE_URL, REBOUND_LOG_LEVEL;
rebound ecwid: REBOUND_ECWID_STORE_ID, REBOUND_ECWID_TOKEN, REBOUND_ECWID_API_BASE_URL.
`

var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := newLogger(stderr)
	var err error
	switch args[0] {
	case "serve":
		err = cmdServe(ctx, args[1:], stdout, stderr, log)
	case "migrate":
		err = cmdMigrate(ctx, args[1:], stdout, stderr, log)
	case "store":
		err = cmdStore(ctx, args[1:], stdout, stderr, log)
	case "key":
		err = cmdKey(ctx, args[1:], stdout, stderr, log)
	case "bench":
		err = cmdBench(ctx, args[1:], stdout, stderr, log)
	case "ecwid":
		// Reports its own errors ("rebound ecwid: <status> <code>: <message>").
		return cmdEcwid(ctx, args[1:], stdout, stderr, log)
	case "dev":
		err = cmdDev(ctx, args[1:], stdout, stderr, log)
	case "version":
		fs := newFlagSet("rebound version", "rebound version", stderr)
		if err = parse(fs, args[1:]); err == nil {
			fmt.Fprintln(stdout, "rebound", version)
		}
	default:
		fmt.Fprintf(stderr, "rebound: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintln(stderr, "rebound:", err)
		return 1
	}
}

// errUsage marks a command-line mistake already reported to the user.
var errUsage = errors.New("usage")

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

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// dbFlags are the database selection flags every command shares.
type dbFlags struct {
	dataDir     string
	databaseURL string
}

func (d *dbFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.dataDir, "data-dir", env("REBOUND_DATA_DIR", "./rebound-data"), "directory of the embedded SQLite database (env REBOUND_DATA_DIR)")
	fs.StringVar(&d.databaseURL, "database-url", env("REBOUND_DATABASE_URL", ""), "PostgreSQL URL (postgres://...); empty means embedded SQLite in --data-dir (env REBOUND_DATABASE_URL)")
}

// open opens the selected store and applies pending migrations.
func (d *dbFlags) open(ctx context.Context, log *slog.Logger) (store.Store, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	u := d.databaseURL
	switch {
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		return postgres.Open(ctx, postgres.Config{URL: u, Logger: log})
	case strings.HasPrefix(u, "sqlite://"), strings.HasPrefix(u, "sqlite:"):
		p := strings.TrimPrefix(strings.TrimPrefix(u, "sqlite://"), "sqlite:")
		return sqlite.Open(ctx, sqlite.Config{Path: p, Logger: log})
	case u != "":
		return nil, fmt.Errorf("--database-url: unsupported URL %q (want postgres://... or sqlite:PATH)", redactURL(u))
	}
	return sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(d.dataDir, "rebound.db"), Logger: log})
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

// newFlagSet returns a FlagSet that prints its usage to stderr.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags that may come before, between or after positional
// arguments, and requires exactly the positional ones named in names (then
// fs.Args()). A mistake is reported on the flag set's output and returned as
// errUsage.
func parse(fs *flag.FlagSet, args []string, names ...string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return errUsage
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if err := fs.Parse(append([]string{"--"}, pos...)); err != nil {
		return errUsage
	}
	if len(pos) != len(names) {
		if len(names) == 0 {
			fmt.Fprintf(fs.Output(), "%s: unexpected argument %q (quote values that contain spaces)\n", fs.Name(), pos[0])
		} else {
			fmt.Fprintf(fs.Output(), "%s: exactly one %s is required\n", fs.Name(), strings.Join(names, " and one "))
		}
		fs.Usage()
		return errUsage
	}
	return nil
}

// envBool reports whether the environment variable is set to a true value
// (1, true, yes, on).
func envBool(name string) bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv(name))) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

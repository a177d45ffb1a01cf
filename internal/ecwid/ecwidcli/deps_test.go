package ecwidcli

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/reboundhq/rebound/internal/ecwidsync"
	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/store/sqlite"
)

// testDeps stands in for what the rebound binary passes: a logger on
// stderr at REBOUND_LOG_LEVEL (debug logs must not leak tokens either),
// and --data-dir selecting an SQLite database with its key file.
func testDeps(stderr io.Writer) Deps {
	level := slog.LevelInfo
	if strings.EqualFold(os.Getenv("REBOUND_LOG_LEVEL"), "debug") {
		level = slog.LevelDebug
	}
	return Deps{
		Logger:   slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level})),
		Database: sqliteDatabase,
	}
}

func sqliteDatabase(fs *flag.FlagSet) OpenFunc {
	dir := fs.String("data-dir", "./rebound-data", "directory of the embedded SQLite database")
	fs.String("database-url", "", "not supported in these tests")
	return func(ctx context.Context) (*ecwidsync.Service, func() error, error) {
		st, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(*dir, "rebound.db"), Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			return nil, nil, err
		}
		box, err := secrets.LoadKey(*dir)
		if err != nil {
			st.Close()
			return nil, nil, err
		}
		return &ecwidsync.Service{Store: st, Secrets: box}, st.Close, nil
	}
}

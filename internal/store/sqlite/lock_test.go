//go:build unix

package sqlite_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/store/sqlite"
)

// An exclusive store owns its data dir: a second exclusive open fails at
// once naming the holder; a non-exclusive one (the one-shot commands) works
// alongside it; once the first is closed the dir can be owned again.
func TestExclusiveDataDir(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rebound.db")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	first, err := sqlite.Open(ctx, sqlite.Config{Path: path, Logger: log, Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()

	_, err = sqlite.Open(ctx, sqlite.Config{Path: path, Logger: log, Exclusive: true})
	var le *sqlite.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second exclusive open: %v, want a *LockedError", err)
	}
	if le.PID != os.Getpid() || le.Started == "" {
		t.Errorf("holder pid %d started %q, want pid %d and a start time", le.PID, le.Started, os.Getpid())
	}
	if msg := err.Error(); !strings.Contains(msg, "in use by another rebound process (pid ") || !strings.Contains(msg, dir) {
		t.Errorf("message %q does not name the dir and the holder", msg)
	}

	shared, err := sqlite.Open(ctx, sqlite.Config{Path: path, Logger: log})
	if err != nil {
		t.Fatalf("non-exclusive open beside an exclusive one: %v", err)
	}
	m, _, err := app.New(shared).CreateStore(ctx, "Acme")
	if err != nil {
		t.Fatalf("write through the non-exclusive handle: %v", err)
	}
	if err := shared.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := app.New(first).GetStore(ctx, m.ID); err != nil {
		t.Fatalf("the owner does not see the store written beside it: %v", err)
	}

	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := sqlite.Open(ctx, sqlite.Config{Path: path, Logger: log, Exclusive: true})
	if err != nil {
		t.Fatalf("exclusive open after the owner closed: %v", err)
	}
	again.Close()
}

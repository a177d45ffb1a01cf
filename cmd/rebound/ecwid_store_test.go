package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/store/sqlite"
)

// rebound ecwid --store reads with the credentials a Rebound store has
// connected (sealed with the data dir's key), and never prints the token.
func TestEcwidConnectedStoreCredentials(t *testing.T) {
	clearEcwidEnv(t)
	t.Setenv("REBOUND_SECRET_KEY", "")
	srv := newEcwidFake(t)
	dir := t.TempDir()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(dir, "rebound.db"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.LoadKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(st)
	a.Secrets = box
	s, _, err := a.CreateStore(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ConnectEcwid(ctx, s.ID, app.ConnectEcwidInput{
		EcwidStoreID: srv.StoreID, AccessToken: srv.Token, CustomerGroup: "Returns", APIBaseURL: srv.APIRoot(),
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	r := ecwidRaw(t, "products", "--store", s.ID, "--data-dir", dir, "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"items"`) {
		t.Fatalf("products --store: %s", r)
	}
	if strings.Contains(r.stdout+r.stderr, srv.Token) {
		t.Fatalf("token printed: %s", r)
	}
	// An unknown store is a clear failure; mixing --store with --token is a
	// usage error.
	if r := ecwidRaw(t, "products", "--store", "nope", "--data-dir", dir); r.code != 1 || !strings.Contains(r.stderr, "no Ecwid connection") {
		t.Errorf("unknown store: %s", r)
	}
	if r := ecwidRaw(t, "products", "--store", s.ID, "--data-dir", dir, "--token", "secret_x"); r.code != 2 {
		t.Errorf("--store with --token: %s", r)
	}
}

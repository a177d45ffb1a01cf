package ecwidcli

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/ecwidsync"
	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/server"
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
	sv := server.NewServices(server.Options{Store: st, Secrets: box})
	s, _, err := sv.App.CreateStore(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sv.Ecwid.Connect(ctx, s.ID, ecwidsync.ConnectInput{
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

// rebound ecwid connect connects a store from the command line (token and
// client secret from the environment, never printed) and prints the
// webhook URL.
func TestEcwidConnectCommand(t *testing.T) {
	clearEcwidEnv(t)
	t.Setenv("REBOUND_SECRET_KEY", "")
	srv := newEcwidFake(t)
	dir := t.TempDir()
	id := createStore(t, dir)
	if r := ecwidRaw(t, "connect", "--store", id, "--data-dir", dir); r.code != 2 {
		t.Errorf("without token: %s", r)
	}
	t.Setenv(EnvToken, srv.Token)
	t.Setenv(EnvClientSecret, "clientsecret_abcdef123456")
	r := ecwidRaw(t, "connect", "--store", id, "--ecwid-store-id", strconv.FormatInt(srv.StoreID, 10), "--customer-group", "Returns",
		"--client-id", "app-1", "--api-base-url", srv.APIRoot(), "--data-dir", dir, "--public-url", "https://returns.example.test")
	if r.code != 0 || !strings.Contains(r.stdout, "https://returns.example.test/integrations/ecwid/webhooks/") {
		t.Fatalf("connect: %s", r)
	}
	if strings.Contains(r.stdout+r.stderr, srv.Token) || strings.Contains(r.stdout+r.stderr, "clientsecret_abcdef123456") {
		t.Fatalf("a secret was printed: %s", r)
	}
	// The connected credentials work for reading.
	if r := ecwidRaw(t, "profile", "--store", id, "--data-dir", dir, "--json"); r.code != 0 {
		t.Errorf("profile --store after connect: %s", r)
	}
	// A token Ecwid refuses is not saved.
	t.Setenv(EnvToken, "secret_wrongwrongwrong")
	if r := ecwidRaw(t, "connect", "--store", id, "--ecwid-store-id", strconv.FormatInt(srv.StoreID, 10), "--customer-group", "Returns",
		"--api-base-url", srv.APIRoot(), "--data-dir", dir); r.code != 1 {
		t.Errorf("refused token: %s", r)
	}
}

// createStore creates a Rebound store in the SQLite database of dir.
func createStore(t *testing.T, dir string) string {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(dir, "rebound.db"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, _, err := app.New(st).CreateStore(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	return s.ID
}

//go:build unix

package main

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/examples"
)

// ---------------------------------------------------------------------------
// Stores and keys

func TestStoreCreate(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	r := mustRebound(t, nil, "store", "create", "--name", "Acme Outdoor", "--data-dir", data)
	m := oneJSON(t, r.stdout)
	if got := keysOf(m); !slices.Equal(got, []string{"apiKey", "handle", "name", "storeId"}) {
		t.Fatalf("store create printed keys %v, want exactly [apiKey handle name storeId]", got)
	}
	if m["name"] != "Acme Outdoor" {
		t.Errorf("name = %v", m["name"])
	}
	if m["handle"] != "acme-outdoor" {
		t.Errorf("handle = %v, want acme-outdoor (made from the name)", m["handle"])
	}
	r2 := mustRebound(t, nil, "store", "create", "--name", "Acme Two", "--handle", "acme2", "--data-dir", t.TempDir())
	if h := oneJSON(t, r2.stdout)["handle"]; h != "acme2" {
		t.Errorf("--handle acme2 printed handle %v", h)
	}
	keyID(t, str(t, m, "apiKey"))
	if !regexp.MustCompile(`^[0-9a-f]{24}$`).MatchString(str(t, m, "storeId")) {
		t.Errorf("storeId = %v, want 24 hex digits", m["storeId"])
	}
	assertLogLines(t, r.stderr)
	if strings.Contains(r.stderr, str(t, m, "apiKey")) {
		t.Errorf("the API key was logged to stderr")
	}

	// Flags win over the environment; REBOUND_LOG_LEVEL quiets the logs.
	envDir := filepath.Join(t.TempDir(), "env")
	r = mustRebound(t, []string{"REBOUND_DATA_DIR=" + envDir, "REBOUND_LOG_LEVEL=error"}, "store", "create", "--name", "Second", "--data-dir", data)
	if r.stderr != "" {
		t.Errorf("REBOUND_LOG_LEVEL=error still logged:\n%s", r.stderr)
	}
	oneJSON(t, r.stdout)
	if _, err := os.Stat(envDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("REBOUND_DATA_DIR was used although --data-dir was given (stat: %v)", err)
	}

	// store list through REBOUND_DATA_DIR sees both, one object per line.
	rows := jsonLines(t, mustRebound(t, []string{"REBOUND_DATA_DIR=" + data}, "store", "list").stdout)
	var names []string
	for _, row := range rows {
		if got := keysOf(row); !slices.Equal(got, []string{"createdAt", "name", "storeId"}) {
			t.Errorf("store list row keys %v", got)
		}
		names = append(names, row["name"].(string))
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"Acme Outdoor", "Second"}) {
		t.Errorf("store list names = %v", names)
	}

	// Without --data-dir or REBOUND_DATA_DIR: ./rebound-data.
	cwd := t.TempDir()
	reboundIn(t, cwd, []string{"REBOUND_LOG_LEVEL=error"}, "store", "create", "--name", "Here")
	if _, err := os.Stat(filepath.Join(cwd, "rebound-data", "rebound.db")); err != nil {
		t.Errorf("default data dir: %v", err)
	}
}

// TestKeysWhileServing: the CLI and a running server share one SQLite file;
// stores and keys created by the CLI work at once, revocations within the
// server's one-second key cache.
func TestKeysWhileServing(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	srv := startServer(t, t.TempDir(), nil, "--addr", "127.0.0.1:0", "--data-dir", data)
	env := []string{"REBOUND_DATA_DIR=" + data}

	// A store created while the server runs.
	s := createStore(t, nil, "Live Store", "--data-dir", data)
	b := expectStatus(t, 200, "POST", ordersURL(srv.base, s.id), s.key, examples.Order())
	if !strings.Contains(b, "Order synced successfully") {
		t.Errorf("order sync answered %s", b)
	}
	expectStatus(t, 200, "GET", orderURL(srv.base, s.id, "order_123456"), s.key, nil)

	// A read-only key.
	r := mustRebound(t, env, "key", "create", "--store", s.id, "--scopes", "orders_read", "--label", "reporting")
	k := oneJSON(t, r.stdout)
	if got := keysOf(k); !slices.Equal(got, []string{"apiKey", "keyId", "scopes", "storeId"}) {
		t.Errorf("key create printed keys %v", got)
	}
	readKey, readID := str(t, k, "apiKey"), str(t, k, "keyId")
	if keyID(t, readKey) != readID || k["storeId"] != s.id {
		t.Errorf("key create output inconsistent: %v", k)
	}
	if sc, _ := k["scopes"].([]any); len(sc) != 1 || sc[0] != "orders_read" {
		t.Errorf("scopes = %v, want [orders_read]", k["scopes"])
	}
	expectStatus(t, 200, "GET", orderURL(srv.base, s.id, "order_123456"), readKey, nil)
	expectStatus(t, 404, "GET", orderURL(srv.base, s.id, "no_such_order"), readKey, nil)
	if b := expectStatus(t, 403, "POST", ordersURL(srv.base, s.id), readKey, examples.Order()); !strings.Contains(b, "scope/forbidden") {
		t.Errorf("POST with a read-only key: %s", b)
	}
	// Another store's key is refused on this store.
	other := createStore(t, env, "Other Store")
	if b := expectStatus(t, 403, "GET", orderURL(srv.base, s.id, "order_123456"), other.key, nil); !strings.Contains(b, "store/forbidden") {
		t.Errorf("cross-store GET: %s", b)
	}

	// Revoke, with the flags after the key id; the key was just verified,
	// so the server may trust it for up to a second more.
	r = mustRebound(t, nil, "key", "revoke", readID, "--data-dir", data)
	rv := oneJSON(t, r.stdout)
	if rv["keyId"] != readID || rv["storeId"] != s.id || rv["revokedAt"] == nil {
		t.Errorf("key revoke printed %v", rv)
	}
	revoked := time.Now()
	for {
		code, _ := call(t, "GET", orderURL(srv.base, s.id, "order_123456"), readKey, nil)
		if code == http.StatusUnauthorized {
			break
		}
		if code != http.StatusOK {
			t.Fatalf("revoked key: status %d, want 200 (cached) or 401", code)
		}
		if time.Since(revoked) > 1500*time.Millisecond {
			t.Fatalf("revoked key still accepted %v after `key revoke` exited", time.Since(revoked))
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The store's first key is unaffected.
	expectStatus(t, 200, "GET", orderURL(srv.base, s.id, "order_123456"), s.key, nil)
	// Revoking again succeeds and keeps the first time.
	again := oneJSON(t, mustRebound(t, env, "key", "revoke", readID).stdout)
	if again["revokedAt"] != rv["revokedAt"] {
		t.Errorf("second revoke: revokedAt %v, want the first %v", again["revokedAt"], rv["revokedAt"])
	}

	rows := jsonLines(t, mustRebound(t, env, "key", "list", "--store", s.id).stdout)
	if len(rows) != 2 {
		t.Fatalf("key list: %d rows, want 2: %v", len(rows), rows)
	}
	for _, row := range rows {
		if _, ok := row["apiKey"]; ok {
			t.Errorf("key list shows a secret: %v", row)
		}
		switch row["keyId"] {
		case readID:
			if row["revokedAt"] == nil || row["label"] != "reporting" {
				t.Errorf("revoked key listed as %v", row)
			}
		case keyID(t, s.key):
			if _, ok := row["revokedAt"]; ok {
				t.Errorf("the first key is listed as revoked: %v", row)
			}
		default:
			t.Errorf("unexpected key %v", row)
		}
	}
}

package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store/sqlite"
)

// A database that cannot grow (SQLITE_FULL, here from max_page_count, the
// error a full disk gives) fails writes with EUNAVAILABLE, keeps nothing of
// the failed write and keeps serving what it holds.
func TestFullDatabaseIsUnavailable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rebound.db")
	st, a, storeID := openWAL(t, sqlite.Config{Path: path})
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	var pages int
	if err := db.QueryRow("PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	db.Close()

	st, err = sqlite.Open(context.Background(), sqlite.Config{Path: path, MaxPageCount: pages + 40, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	a.Store = st
	var failed string
	var synced []string
	for i := range 10_000 {
		ext := fmt.Sprint("order-", i)
		o := walOrder(ext)
		o.Customer.Tags = []string{strings.Repeat("x", 2000)} // fills pages fast
		if _, err := a.SyncOrder(context.Background(), storeID, o); err != nil {
			if code := returns.ErrorCode(err); code != returns.EUNAVAILABLE {
				t.Fatalf("write into a full database: code %q (%v), want %q", code, err, returns.EUNAVAILABLE)
			}
			failed = ext
			break
		}
		synced = append(synced, ext)
	}
	if failed == "" || len(synced) == 0 {
		t.Fatalf("the database never filled up, or was full at once (%d orders written)", len(synced))
	}
	if _, err := a.GetOrder(context.Background(), storeID, failed); !returns.IsNotFound(err) {
		t.Errorf("the failed order %s: %v, want not found (nothing half-written)", failed, err)
	}
	for _, ext := range synced {
		if _, err := a.GetOrder(context.Background(), storeID, ext); err != nil {
			t.Fatalf("order %s written before the database filled: %v", ext, err)
		}
	}
	var ok string
	if err := sqlDB(t, path).QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Errorf("integrity_check: %q %v", ok, err)
	}
}

func sqlDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

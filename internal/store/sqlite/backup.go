package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Backup writes a consistent copy of the database at src to dst with
// VACUUM INTO, online: it reads one snapshot (WAL included) while other
// connections and processes go on writing, and writes nothing to src. The
// copy is a complete database file (no -wal) with the same schema; it is
// written to a temporary file next to dst, synced, then put in place, so dst
// is either absent or complete. An existing dst is an error unless
// overwrite. It returns the size of the copy.
func Backup(ctx context.Context, src, dst string, overwrite bool) (int64, error) {
	if _, err := os.Stat(src); err != nil {
		return 0, fmt.Errorf("sqlite: backup: no database: %w", err)
	}
	if !overwrite {
		if _, err := os.Lstat(dst); err == nil {
			return 0, fmt.Errorf("sqlite: backup: %s exists; choose another file or overwrite it (--force)", dst)
		}
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	tmp := dst + ".tmp-" + hex.EncodeToString(b[:])
	defer os.Remove(tmp)
	// Read-only: the backup never writes to the database it copies.
	q := fileURI(src) + "?mode=ro&_pragma=busy_timeout(10000)"
	db, err := sql.Open("sqlite", q)
	if err != nil {
		return 0, fmt.Errorf("sqlite: backup: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		return 0, fmt.Errorf("sqlite: backup: %w", unavailable(err))
	}
	f, err := os.Open(tmp)
	if err != nil {
		return 0, fmt.Errorf("sqlite: backup: %w", err)
	}
	err = f.Sync()
	fi, serr := f.Stat()
	f.Close()
	if err = errors.Join(err, serr); err != nil {
		return 0, fmt.Errorf("sqlite: backup: sync: %w", err)
	}
	if overwrite {
		err = os.Rename(tmp, dst)
	} else if err = os.Link(tmp, dst); errors.Is(err, os.ErrExist) {
		return 0, fmt.Errorf("sqlite: backup: %s exists; choose another file or overwrite it (--force)", dst)
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: backup: %w", err)
	}
	if d, err := os.Open(filepath.Dir(dst)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return fi.Size(), nil
}

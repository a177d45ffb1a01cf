//go:build unix

package sqlite

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// LockFile is the file in the data dir that an exclusive store holds
// locked (flock) for as long as it is open; it contains the holder's pid
// and start time.
const LockFile = "rebound.lock"

// LockedError is Open's error when another process holds the data dir.
type LockedError struct {
	Dir string
	// PID and Started describe the holder, as it wrote them in the lock
	// file (0 and "" if it had not yet).
	PID     int
	Started string
}

func (e *LockedError) Error() string {
	holder := "another process"
	if e.PID != 0 {
		holder = fmt.Sprintf("another rebound process (pid %d, started %s)", e.PID, e.Started)
	}
	return fmt.Sprintf("sqlite: data dir %s is in use by %s: one process owns a SQLite data dir; stop it first, or use PostgreSQL to run several", e.Dir, holder)
}

type dirLock struct{ f *os.File }

// lockDir takes the exclusive lock of dir at once or fails with a
// *LockedError naming the holder.
func lockDir(dir string) (*dirLock, error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			le := &LockedError{Dir: dir}
			b, _ := io.ReadAll(io.LimitReader(f, 4096))
			for line := range strings.SplitSeq(string(b), "\n") {
				k, v, _ := strings.Cut(line, " ")
				switch k {
				case "pid":
					le.PID, _ = strconv.Atoi(v)
				case "started":
					le.Started = v
				}
			}
			return nil, le
		}
		return nil, fmt.Errorf("sqlite: lock %s: %w", path, err)
	}
	info := fmt.Sprintf("pid %d\nstarted %s\n", os.Getpid(), time.Now().UTC().Format(time.RFC3339))
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt([]byte(info), 0)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("sqlite: write lock file: %w", err)
	}
	return &dirLock{f: f}, nil
}

// release empties the lock file and unlocks it (closing the file does).
func (l *dirLock) release() error {
	if l == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	return l.f.Close()
}

//go:build !unix

package sqlite

// LockFile is not used on this platform: Config.Exclusive takes no lock.
const LockFile = "rebound.lock"

// LockedError is never returned on this platform.
type LockedError struct {
	Dir     string
	PID     int
	Started string
}

func (e *LockedError) Error() string { return "sqlite: data dir " + e.Dir + " is in use" }

type dirLock struct{}

func lockDir(string) (*dirLock, error) { return nil, nil }

func (l *dirLock) release() error { return nil }

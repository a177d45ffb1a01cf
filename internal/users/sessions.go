package users

import (
	"context"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/reboundhq/rebound/internal/store"
)

// SessionStore keeps github.com/alexedwards/scs/v2 sessions in Rebound's
// own database (the sessions table, migration 00011), on SQLite and
// PostgreSQL alike, through store.Store's transactions. scs's own
// sqlite3store needs cgo's mattn/go-sqlite3 (Rebound uses the pure-Go
// modernc.org/sqlite) and its pgxstore a *pgxpool.Pool of its own; this one
// shares the store the rest of Rebound uses, its migrations and its
// unavailability handling.
//
// Expired sessions are never found; Commit deletes a few of them each
// time (PruneBatch), so the table does not grow without a sweeper.
type SessionStore struct {
	Store store.Store
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time
}

// PruneBatch is how many expired sessions each Commit deletes at most.
const PruneBatch = 20

var _ scs.CtxStore = (*SessionStore)(nil)

func (s *SessionStore) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// FindCtx implements scs.CtxStore.
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var data []byte
	var found bool
	err := s.Store.View(ctx, func(tx store.ReadTx) error {
		var err error
		data, found, err = tx.GetSession(ctx, token, s.now())
		return err
	})
	return data, found, err
}

// CommitCtx implements scs.CtxStore.
func (s *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return s.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.PutSession(ctx, token, b, expiry); err != nil {
			return err
		}
		_, err := tx.DeleteExpiredSessions(ctx, s.now(), PruneBatch)
		return err
	})
}

// DeleteCtx implements scs.CtxStore.
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	return s.Store.Update(ctx, func(tx store.Tx) error { return tx.DeleteSession(ctx, token) })
}

// Find implements scs.Store.
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit implements scs.Store.
func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete implements scs.Store.
func (s *SessionStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }

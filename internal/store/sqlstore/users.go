package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// ---- admin users

const userColumns = `id, store_id, email, role, password_hash, invite_hash, invite_expires_at, created_at, updated_at`

func scanUser(r Row) (*store.User, error) {
	var u store.User
	var inviteExp, created, updated int64
	if err := r.Scan(&u.ID, &u.StoreID, &u.Email, &u.Role, &u.PasswordHash, &u.InviteHash, &inviteExp, &created, &updated); err != nil {
		return nil, err
	}
	if inviteExp != 0 {
		u.InviteExpiresAt = FromUS(inviteExp)
	}
	u.CreatedAt, u.UpdatedAt = FromUS(created), FromUS(updated)
	return &u, nil
}

func (t *Tx) oneUser(ctx context.Context, what, q string, args ...any) (*store.User, error) {
	u, err := scanUser(t.row(ctx, q, args...))
	if errors.Is(err, ErrNoRows) {
		return nil, returns.Errorf(returns.ENOTFOUND, "user not found")
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return u, nil
}

// GetUser implements store.ReadTx.
func (t *Tx) GetUser(ctx context.Context, storeID, id string) (*store.User, error) {
	return t.oneUser(ctx, "get user", `SELECT `+userColumns+` FROM users WHERE store_id = ? AND id = ?`, storeID, id)
}

// GetUserByEmail implements store.ReadTx.
func (t *Tx) GetUserByEmail(ctx context.Context, email string) (*store.User, error) {
	return t.oneUser(ctx, "get user", `SELECT `+userColumns+` FROM users WHERE email = ?`, strings.ToLower(email))
}

// GetUserByInvite implements store.ReadTx.
func (t *Tx) GetUserByInvite(ctx context.Context, inviteHash string) (*store.User, error) {
	if inviteHash == "" {
		return nil, returns.Errorf(returns.ENOTFOUND, "invitation not found")
	}
	return t.oneUser(ctx, "get user", `SELECT `+userColumns+` FROM users WHERE invite_hash = ? AND invite_hash <> ''`, inviteHash)
}

// ListUsers implements store.ReadTx.
func (t *Tx) ListUsers(ctx context.Context, storeID string) ([]*store.User, error) {
	rows, err := t.query(ctx, `SELECT `+userColumns+` FROM users WHERE store_id = ? ORDER BY email`, storeID)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []*store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

func inviteUS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return US(t)
}

// CreateUser implements store.Tx.
func (t *Tx) CreateUser(ctx context.Context, u *store.User) error {
	u.Email = strings.ToLower(u.Email)
	n, err := t.exec(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		u.ID, u.StoreID, u.Email, u.Role, u.PasswordHash, u.InviteHash, inviteUS(u.InviteExpiresAt), US(u.CreatedAt), US(u.UpdatedAt))
	if err != nil && t.d.IsForeignKeyViolation(err) {
		return notFound("store", u.StoreID)
	}
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	if n == 0 {
		return &returns.Error{Code: returns.ECONFLICT, Field: "email", Message: fmt.Sprintf("a user with the email %s exists already", u.Email)}
	}
	return nil
}

// UpdateUser implements store.Tx.
func (t *Tx) UpdateUser(ctx context.Context, u *store.User) error {
	n, err := t.exec(ctx, `UPDATE users SET role = ?, password_hash = ?, invite_hash = ?, invite_expires_at = ?, updated_at = ?
		WHERE store_id = ? AND id = ?`,
		u.Role, u.PasswordHash, u.InviteHash, inviteUS(u.InviteExpiresAt), US(u.UpdatedAt), u.StoreID, u.ID)
	if err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	if n == 0 {
		return returns.Errorf(returns.ENOTFOUND, "user not found")
	}
	return nil
}

// DeleteUser implements store.Tx.
func (t *Tx) DeleteUser(ctx context.Context, storeID, id string) error {
	n, err := t.exec(ctx, `DELETE FROM users WHERE store_id = ? AND id = ?`, storeID, id)
	if err != nil {
		return fmt.Errorf("delete user: %w", err)
	}
	if n == 0 {
		return returns.Errorf(returns.ENOTFOUND, "user not found")
	}
	return nil
}

// ---- sessions

// GetSession implements store.ReadTx.
func (t *Tx) GetSession(ctx context.Context, token string, now time.Time) ([]byte, bool, error) {
	var data []byte
	err := t.row(ctx, `SELECT data FROM sessions WHERE token = ? AND expiry > ?`, token, US(now)).Scan(&data)
	if errors.Is(err, ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("get session: %w", err)
	}
	return data, true, nil
}

// PutSession implements store.Tx.
func (t *Tx) PutSession(ctx context.Context, token string, data []byte, expiry time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO sessions (token, data, expiry) VALUES (?, ?, ?)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`, token, data, US(expiry))
	if err != nil {
		return fmt.Errorf("put session: %w", err)
	}
	return nil
}

// DeleteSession implements store.Tx.
func (t *Tx) DeleteSession(ctx context.Context, token string) error {
	if _, err := t.exec(ctx, `DELETE FROM sessions WHERE token = ?`, token); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions implements store.Tx.
func (t *Tx) DeleteExpiredSessions(ctx context.Context, now time.Time, limit int) (int, error) {
	n, err := t.exec(ctx, `DELETE FROM sessions WHERE token IN
		(SELECT token FROM sessions WHERE expiry <= ? ORDER BY expiry LIMIT ?)`, US(now), limit)
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return int(n), nil
}

// ---- the admin queue

// CountReturnsByStatus implements store.ReadTx: one pass over the
// (store_id, status, ...) index.
func (t *Tx) CountReturnsByStatus(ctx context.Context, storeID string) (map[returns.Status]int, error) {
	rows, err := t.query(ctx, `SELECT status, COUNT(*) FROM returns WHERE store_id = ? GROUP BY status`, storeID)
	if err != nil {
		return nil, fmt.Errorf("count returns: %w", err)
	}
	defer rows.Close()
	out := map[returns.Status]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("count returns: %w", err)
		}
		out[returns.Status(s)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count returns: %w", err)
	}
	return out, nil
}

// docText is the dialect's expression for a text field of returns.doc, the
// one the migration 00011 indexes.
func (t *Tx) docText(field string) string {
	if t.d.Name == "postgres" {
		return `rebound_doc_text(doc, '{` + strings.ReplaceAll(field, ".", ",") + `}')`
	}
	return `json_extract(doc, '$.` + field + `')`
}

// FindReturns implements store.ReadTx: four indexed exact lookups (id,
// order name, tracking number, email), run one by one and merged.
func (t *Tx) FindReturns(ctx context.Context, storeID, term string, limit int) ([]*returns.Return, error) {
	term = strings.TrimSpace(term)
	if term == "" {
		return nil, nil
	}
	if limit <= 0 {
		limit = 50
	}
	seen := map[string]bool{}
	var out []*returns.Return
	for _, l := range []struct{ where, arg string }{
		{"id = ?", term},
		{"order_name = ?", term},
		{t.docText("label.trackingNumber") + " = ?", term},
		{"lower(" + t.docText("customer.email") + ") = ?", strings.ToLower(term)},
	} {
		// Ordered by an expression (id || ''), not the column: ordering by
		// the column lets the planner walk the (store_id, id) index
		// backwards to avoid a sort, reading every return of the store
		// when fewer than limit match.
		rs, err := t.listReturns(ctx, "find returns", `SELECT doc FROM returns WHERE store_id = ? AND `+l.where+` ORDER BY id || '' DESC LIMIT ?`, storeID, l.arg, limit)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if !seen[r.ID] {
				seen[r.ID] = true
				out = append(out, r)
			}
		}
	}
	slices.SortFunc(out, func(a, b *returns.Return) int { return strings.Compare(b.ID, a.ID) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// QueueReturns implements store.ReadTx.
func (t *Tx) QueueReturns(ctx context.Context, storeID string, q store.QueueQuery) ([]*returns.Return, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	var b strings.Builder
	var args []any
	if q.Tag != "" {
		b.WriteString(`SELECT r.doc FROM return_tag_links l JOIN returns r ON r.store_id = l.store_id AND r.id = l.return_id
			WHERE l.store_id = ? AND l.tag = ?`)
		args = append(args, storeID, q.Tag)
		if q.Before != "" {
			b.WriteString(` AND l.return_id < ?`)
			args = append(args, q.Before)
		}
	} else {
		b.WriteString(`SELECT r.doc FROM returns r WHERE r.store_id = ?`)
		args = append(args, storeID)
		if q.Before != "" {
			b.WriteString(` AND r.id < ?`)
			args = append(args, q.Before)
		}
	}
	if len(q.Statuses) > 0 {
		b.WriteString(` AND r.status IN (`)
		for i, s := range q.Statuses {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("?")
			args = append(args, string(s))
		}
		b.WriteString(`)`)
	} else {
		b.WriteString(` AND r.status <> ?`)
		args = append(args, string(returns.StatusDeleted))
	}
	if q.Tag != "" {
		b.WriteString(` ORDER BY l.return_id DESC LIMIT ?`)
	} else {
		b.WriteString(` ORDER BY r.id DESC LIMIT ?`)
	}
	args = append(args, limit)
	return t.listReturns(ctx, "queue returns", b.String(), args...)
}

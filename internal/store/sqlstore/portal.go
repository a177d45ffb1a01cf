package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// ---- Shopper portal: settings, drafts, email outbox

func (t *Tx) onePortalSettings(ctx context.Context, where, arg string) (*store.PortalSettings, error) {
	var id, handle, doc string
	var updated int64
	err := t.row(ctx, `SELECT store_id, handle, settings, updated_at FROM portal_settings WHERE `+where, arg).Scan(&id, &handle, &doc, &updated)
	if errors.Is(err, ErrNoRows) {
		return nil, returns.Errorf(returns.ENOTFOUND, "no portal settings for %q", arg)
	}
	if err != nil {
		return nil, fmt.Errorf("get portal settings: %w", err)
	}
	var s store.PortalSettings
	if err := json.Unmarshal([]byte(doc), &s); err != nil {
		return nil, fmt.Errorf("get portal settings: %w", err)
	}
	s.StoreID, s.Handle, s.UpdatedAt = id, handle, FromUS(updated)
	return &s, nil
}

// GetPortalSettings implements store.ReadTx.
func (t *Tx) GetPortalSettings(ctx context.Context, storeID string) (*store.PortalSettings, error) {
	return t.onePortalSettings(ctx, `store_id = ?`, storeID)
}

// GetPortalSettingsByHandle implements store.ReadTx.
func (t *Tx) GetPortalSettingsByHandle(ctx context.Context, handle string) (*store.PortalSettings, error) {
	return t.onePortalSettings(ctx, `handle = ?`, handle)
}

// PutPortalSettings implements store.Tx.
func (t *Tx) PutPortalSettings(ctx context.Context, s *store.PortalSettings) error {
	if _, err := t.GetStore(ctx, s.StoreID); err != nil {
		return err
	}
	s.UpdatedAt = t.now
	doc, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO portal_settings (store_id, handle, settings, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (store_id) DO UPDATE SET handle = excluded.handle, settings = excluded.settings, updated_at = excluded.updated_at`,
		s.StoreID, s.Handle, string(doc), US(s.UpdatedAt))
	if err != nil && t.d.IsUniqueViolation(err) {
		return &returns.Error{Code: returns.ECONFLICT, Field: "handle", Message: fmt.Sprintf("the handle %q is taken by another store", s.Handle)}
	}
	if err != nil {
		return fmt.Errorf("put portal settings: %w", err)
	}
	return nil
}

// GetPortalDraft implements store.ReadTx.
func (t *Tx) GetPortalDraft(ctx context.Context, storeID, id string) (*store.PortalDraft, error) {
	var d store.PortalDraft
	var data string
	var created, updated int64
	err := t.row(ctx, `SELECT id, store_id, order_id, idem_key, data, return_id, created_at, updated_at
		FROM portal_drafts WHERE store_id = ? AND id = ?`, storeID, id).Scan(
		&d.ID, &d.StoreID, &d.OrderID, &d.IdemKey, &data, &d.ReturnID, &created, &updated)
	if errors.Is(err, ErrNoRows) {
		return nil, returns.Errorf(returns.ENOTFOUND, "no such draft")
	}
	if err != nil {
		return nil, fmt.Errorf("get portal draft: %w", err)
	}
	d.Data, d.CreatedAt, d.UpdatedAt = []byte(data), FromUS(created), FromUS(updated)
	return &d, nil
}

// PutPortalDraft implements store.Tx.
func (t *Tx) PutPortalDraft(ctx context.Context, d *store.PortalDraft) error {
	if d.CreatedAt.IsZero() {
		d.CreatedAt = t.now
	}
	d.UpdatedAt = t.now
	_, err := t.exec(ctx, `INSERT INTO portal_drafts (id, store_id, order_id, idem_key, data, return_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET data = excluded.data, return_id = excluded.return_id, updated_at = excluded.updated_at`,
		d.ID, d.StoreID, d.OrderID, d.IdemKey, string(d.Data), d.ReturnID, US(d.CreatedAt), US(d.UpdatedAt))
	if err != nil {
		return fmt.Errorf("put portal draft: %w", err)
	}
	return nil
}

const emailCols = `id, store_id, return_id, user_id, kind, recipient, subject, body, created_at, sent_at`

func scanEmail(r Row) (*store.OutboxEmail, error) {
	var e store.OutboxEmail
	var created, sent int64
	if err := r.Scan(&e.ID, &e.StoreID, &e.ReturnID, &e.UserID, &e.Kind, &e.To, &e.Subject, &e.Body, &created, &sent); err != nil {
		return nil, err
	}
	e.CreatedAt = FromUS(created)
	if sent != 0 {
		at := FromUS(sent)
		e.SentAt = &at
	}
	return &e, nil
}

// ListOutboxEmails implements store.ReadTx.
func (t *Tx) ListOutboxEmails(ctx context.Context, storeID string, limit int) ([]*store.OutboxEmail, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := t.query(ctx, `SELECT `+emailCols+` FROM email_outbox WHERE store_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`, storeID, limit)
	if err != nil {
		return nil, fmt.Errorf("list emails: %w", err)
	}
	defer rows.Close()
	var out []*store.OutboxEmail
	for rows.Next() {
		e, err := scanEmail(rows)
		if err != nil {
			return nil, fmt.Errorf("list emails: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// GetOutboxEmail implements store.ReadTx.
func (t *Tx) GetOutboxEmail(ctx context.Context, storeID, id string) (*store.OutboxEmail, error) {
	e, err := scanEmail(t.row(ctx, `SELECT `+emailCols+` FROM email_outbox WHERE store_id = ? AND id = ?`, storeID, id))
	if errors.Is(err, ErrNoRows) {
		return nil, returns.Errorf(returns.ENOTFOUND, "no such email")
	}
	if err != nil {
		return nil, fmt.Errorf("get email: %w", err)
	}
	return e, nil
}

// AddOutboxEmail implements store.Tx.
func (t *Tx) AddOutboxEmail(ctx context.Context, e *store.OutboxEmail) (bool, error) {
	n, err := t.exec(ctx, `INSERT INTO email_outbox (`+emailCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
		ON CONFLICT DO NOTHING`,
		e.ID, e.StoreID, e.ReturnID, e.UserID, e.Kind, e.To, e.Subject, e.Body, US(e.CreatedAt))
	if err != nil {
		return false, fmt.Errorf("add email: %w", err)
	}
	return n == 1, nil
}

// MarkEmailSent implements store.Tx.
func (t *Tx) MarkEmailSent(ctx context.Context, storeID, id string) error {
	if _, err := t.exec(ctx, `UPDATE email_outbox SET sent_at = ? WHERE store_id = ? AND id = ?`, US(t.now), storeID, id); err != nil {
		return fmt.Errorf("mark email sent: %w", err)
	}
	return nil
}

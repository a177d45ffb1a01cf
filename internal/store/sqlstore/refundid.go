package sqlstore

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/reboundhq/rebound/internal/returns"
)

// ---- Refundid

const refundidCols = `store_id, shop, environment, url_token, bearer_hash, header_name, header_hash,
	allowed_ips, api_key_sealed, portal_url, api_url, status, status_reason, created_at, updated_at`

func hexOf(b []byte) string { return hex.EncodeToString(b) }

func bytesOf(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	return hex.DecodeString(s)
}

func (t *Tx) oneRefundidIntegration(ctx context.Context, where, arg, what string) (*returns.RefundidIntegration, error) {
	var in returns.RefundidIntegration
	var bearer, header, ips string
	var created, updated int64
	err := t.row(ctx, `SELECT `+refundidCols+` FROM refundid_integrations WHERE `+where, arg).Scan(
		&in.StoreID, &in.Shop, &in.Environment, &in.URLToken, &bearer, &in.HeaderName, &header,
		&ips, &in.APIKeySealed, &in.PortalURL, &in.APIURL, &in.Status, &in.StatusReason, &created, &updated)
	if errors.Is(err, ErrNoRows) {
		return nil, returns.Errorf(returns.ENOTFOUND, "%s", what)
	}
	if err != nil {
		return nil, fmt.Errorf("get refundid integration: %w", err)
	}
	if in.BearerHash, err = bytesOf(bearer); err != nil {
		return nil, fmt.Errorf("get refundid integration: bearer hash: %w", err)
	}
	if in.HeaderHash, err = bytesOf(header); err != nil {
		return nil, fmt.Errorf("get refundid integration: header hash: %w", err)
	}
	if ips != "" {
		in.AllowedIPs = strings.Split(ips, ",")
	}
	in.CreatedAt, in.UpdatedAt = FromUS(created), FromUS(updated)
	return &in, nil
}

// GetRefundidIntegration implements store.ReadTx.
func (t *Tx) GetRefundidIntegration(ctx context.Context, storeID string) (*returns.RefundidIntegration, error) {
	return t.oneRefundidIntegration(ctx, `store_id = ?`, storeID, fmt.Sprintf("refundid integration of store %q not found", storeID))
}

// GetRefundidIntegrationByToken implements store.ReadTx.
func (t *Tx) GetRefundidIntegrationByToken(ctx context.Context, token string) (*returns.RefundidIntegration, error) {
	return t.oneRefundidIntegration(ctx, `url_token = ?`, token, "no Refundid integration has this URL")
}

// PutRefundidIntegration implements store.Tx.
func (t *Tx) PutRefundidIntegration(ctx context.Context, in *returns.RefundidIntegration) error {
	if _, err := t.GetStore(ctx, in.StoreID); err != nil {
		return err
	}
	for _, p := range in.AllowedIPs {
		if strings.Contains(p, ",") {
			return returns.Invalid("allowedIps", fmt.Sprintf("%q is not a CIDR prefix", p))
		}
	}
	var created int64
	err := t.row(ctx, `INSERT INTO refundid_integrations (`+refundidCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (store_id) DO UPDATE SET
			shop = excluded.shop, environment = excluded.environment, url_token = excluded.url_token,
			bearer_hash = excluded.bearer_hash, header_name = excluded.header_name, header_hash = excluded.header_hash,
			allowed_ips = excluded.allowed_ips, api_key_sealed = excluded.api_key_sealed,
			portal_url = excluded.portal_url, api_url = excluded.api_url, status = excluded.status,
			status_reason = excluded.status_reason, updated_at = excluded.updated_at
		RETURNING created_at`,
		in.StoreID, in.Shop, in.Environment, in.URLToken, hexOf(in.BearerHash), in.HeaderName, hexOf(in.HeaderHash),
		strings.Join(in.AllowedIPs, ","), in.APIKeySealed, in.PortalURL, in.APIURL, in.Status, in.StatusReason,
		US(in.CreatedAt), US(in.UpdatedAt)).Scan(&created)
	if err != nil {
		if t.d.IsUniqueViolation != nil && t.d.IsUniqueViolation(err) {
			return returns.Errorf(returns.ECONFLICT, "another Refundid integration has this URL token")
		}
		return fmt.Errorf("put refundid integration: %w", err)
	}
	in.CreatedAt = FromUS(created)
	return nil
}

// DeleteRefundidIntegration implements store.Tx.
func (t *Tx) DeleteRefundidIntegration(ctx context.Context, storeID string) error {
	n, err := t.exec(ctx, `DELETE FROM refundid_integrations WHERE store_id = ?`, storeID)
	if err != nil {
		return fmt.Errorf("delete refundid integration: %w", err)
	}
	if n == 0 {
		return notFound("refundid integration of store", storeID)
	}
	return nil
}

const refundidRefundCols = `store_id, refundid_id, state, flow, return_id, order_id, refused, difference, created_at, updated_at`

func scanRefundidRefund(row Row) (*returns.RefundidRefund, error) {
	var rf returns.RefundidRefund
	var created, updated int64
	if err := row.Scan(&rf.StoreID, &rf.RefundidID, &rf.State, &rf.Flow, &rf.ReturnID, &rf.OrderID,
		&rf.Refused, &rf.Difference, &created, &updated); err != nil {
		return nil, err
	}
	rf.CreatedAt, rf.UpdatedAt = FromUS(created), FromUS(updated)
	return &rf, nil
}

// GetRefundidRefund implements store.ReadTx.
func (t *Tx) GetRefundidRefund(ctx context.Context, storeID, refundidID string) (*returns.RefundidRefund, error) {
	rf, err := scanRefundidRefund(t.row(ctx, `SELECT `+refundidRefundCols+` FROM refundid_refunds WHERE store_id = ? AND refundid_id = ?`, storeID, refundidID))
	if errors.Is(err, ErrNoRows) {
		return nil, notFound("refundid refund", refundidID)
	}
	if err != nil {
		return nil, fmt.Errorf("get refundid refund: %w", err)
	}
	return rf, nil
}

// ListRefundidRefunds implements store.ReadTx.
func (t *Tx) ListRefundidRefunds(ctx context.Context, storeID string) ([]*returns.RefundidRefund, error) {
	return collect(ctx, t, "list refundid refunds", scanRefundidRefund,
		`SELECT `+refundidRefundCols+` FROM refundid_refunds WHERE store_id = ? ORDER BY created_at, refundid_id`, storeID)
}

// LockRefundidRefund implements store.Tx.
func (t *Tx) LockRefundidRefund(ctx context.Context, storeID, refundidID string) (*returns.RefundidRefund, error) {
	_, err := t.exec(ctx, `INSERT INTO refundid_refunds (`+refundidRefundCols+`) VALUES (?, ?, '', '', '', '', '', '', ?, ?)
		ON CONFLICT (store_id, refundid_id) DO NOTHING`, storeID, refundidID, US(t.now), US(t.now))
	if err != nil {
		if t.d.IsForeignKeyViolation(err) {
			return nil, notFound("store", storeID)
		}
		return nil, fmt.Errorf("lock refundid refund: %w", err)
	}
	rf, err := scanRefundidRefund(t.row(ctx, `SELECT `+refundidRefundCols+` FROM refundid_refunds WHERE store_id = ? AND refundid_id = ?`+t.d.ForUpdate, storeID, refundidID))
	if err != nil {
		return nil, fmt.Errorf("lock refundid refund: %w", err)
	}
	return rf, nil
}

// PutRefundidRefund implements store.Tx.
func (t *Tx) PutRefundidRefund(ctx context.Context, rf *returns.RefundidRefund) error {
	n, err := t.exec(ctx, `UPDATE refundid_refunds SET state = ?, flow = ?, return_id = ?, order_id = ?, refused = ?, difference = ?, updated_at = ?
		WHERE store_id = ? AND refundid_id = ?`,
		rf.State, rf.Flow, rf.ReturnID, rf.OrderID, rf.Refused, rf.Difference, US(t.now), rf.StoreID, rf.RefundidID)
	if err != nil {
		return fmt.Errorf("put refundid refund: %w", err)
	}
	if n == 0 {
		return notFound("refundid refund", rf.RefundidID)
	}
	rf.UpdatedAt = t.now
	return nil
}

// AddRefundidKey implements store.Tx.
func (t *Tx) AddRefundidKey(ctx context.Context, storeID, returnID string, keyHash []byte) error {
	n, err := t.exec(ctx, `INSERT INTO refundid_keys (store_id, key_hash, return_id, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (store_id, key_hash) DO NOTHING`, storeID, hexOf(keyHash), returnID, US(t.now))
	if err != nil {
		if t.d.IsForeignKeyViolation(err) {
			return notFound("store", storeID)
		}
		return fmt.Errorf("add refundid key: %w", err)
	}
	if n == 0 {
		return returns.Errorf(returns.ECONFLICT, "this privacy key was issued before")
	}
	return nil
}

// RefundidKeyReturn implements store.ReadTx.
func (t *Tx) RefundidKeyReturn(ctx context.Context, storeID string, keyHash []byte) (string, error) {
	var id string
	err := t.row(ctx, `SELECT return_id FROM refundid_keys WHERE store_id = ? AND key_hash = ?`, storeID, hexOf(keyHash)).Scan(&id)
	if errors.Is(err, ErrNoRows) {
		return "", returns.Errorf(returns.ENOTFOUND, "unknown privacy key")
	}
	if err != nil {
		return "", fmt.Errorf("refundid key: %w", err)
	}
	return id, nil
}

// HasRefundidKeys implements store.ReadTx.
func (t *Tx) HasRefundidKeys(ctx context.Context, storeID, returnID string) (bool, error) {
	var n int
	err := t.row(ctx, `SELECT COUNT(*) FROM refundid_keys WHERE store_id = ? AND return_id = ?`, storeID, returnID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("refundid keys: %w", err)
	}
	return n > 0, nil
}

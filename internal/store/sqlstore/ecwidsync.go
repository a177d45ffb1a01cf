package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/reboundhq/rebound/internal/returns"
)

// ---- Ecwid mirroring

// GetEcwidIntegrationByToken implements store.ReadTx.
func (t *Tx) GetEcwidIntegrationByToken(ctx context.Context, token string) (*returns.EcwidIntegration, error) {
	var storeID string
	err := t.row(ctx, `SELECT store_id FROM ecwid_integrations WHERE webhook_token = ?`, token).Scan(&storeID)
	if errors.Is(err, ErrNoRows) {
		return nil, returns.Errorf(returns.ENOTFOUND, "no Ecwid integration has this webhook URL")
	}
	if err != nil {
		return nil, fmt.Errorf("get ecwid integration by token: %w", err)
	}
	return t.GetEcwidIntegration(ctx, storeID)
}

// GetReturnByEcwidOrder implements store.ReadTx.
func (t *Tx) GetReturnByEcwidOrder(ctx context.Context, storeID, ecwidOrderID string) (*returns.Return, error) {
	var returnID string
	err := t.row(ctx, `SELECT return_id FROM ecwid_mirrors WHERE store_id = ? AND ecwid_order_id = ?`, storeID, ecwidOrderID).Scan(&returnID)
	if errors.Is(err, ErrNoRows) {
		return nil, notFound("return mirrored as Ecwid order", ecwidOrderID)
	}
	if err != nil {
		return nil, fmt.Errorf("get return by ecwid order: %w", err)
	}
	return t.GetReturn(ctx, storeID, returnID)
}

// PutEcwidMirror implements store.Tx.
func (t *Tx) PutEcwidMirror(ctx context.Context, storeID, ecwidOrderID, returnID string) error {
	_, err := t.exec(ctx, `INSERT INTO ecwid_mirrors (store_id, ecwid_order_id, return_id, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (store_id, ecwid_order_id) DO UPDATE SET return_id = excluded.return_id`, storeID, ecwidOrderID, returnID, US(t.now))
	if err != nil {
		if t.d.IsForeignKeyViolation(err) {
			return notFound("store", storeID)
		}
		return fmt.Errorf("put ecwid mirror: %w", err)
	}
	return nil
}

// RecordEcwidEvent implements store.Tx.
func (t *Tx) RecordEcwidEvent(ctx context.Context, storeID, eventID string) (bool, error) {
	n, err := t.exec(ctx, `INSERT INTO ecwid_webhook_events (store_id, event_id, received_at) VALUES (?, ?, ?)
		ON CONFLICT (store_id, event_id) DO NOTHING`, storeID, eventID, US(t.now))
	if err != nil {
		return false, fmt.Errorf("record ecwid event: %w", err)
	}
	return n == 1, nil
}

package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/reboundhq/rebound/internal/returns"
)

// ---- integrations

const ecwidCols = `store_id, ecwid_store_id, token_sealed, customer_group, client_id, client_secret_sealed,
	api_base_url, webhook_token, status, status_reason, created_at, updated_at`

// GetEcwidIntegration implements store.ReadTx.
func (t *Tx) GetEcwidIntegration(ctx context.Context, storeID string) (*returns.EcwidIntegration, error) {
	var in returns.EcwidIntegration
	var created, updated int64
	err := t.row(ctx, `SELECT `+ecwidCols+` FROM ecwid_integrations WHERE store_id = ?`, storeID).Scan(
		&in.StoreID, &in.EcwidStoreID, &in.TokenSealed, &in.CustomerGroup, &in.ClientID, &in.ClientSecretSealed,
		&in.APIBaseURL, &in.WebhookToken, &in.Status, &in.StatusReason, &created, &updated)
	if errors.Is(err, ErrNoRows) {
		return nil, notFound("ecwid integration of store", storeID)
	}
	if err != nil {
		return nil, fmt.Errorf("get ecwid integration: %w", err)
	}
	in.CreatedAt, in.UpdatedAt = FromUS(created), FromUS(updated)
	return &in, nil
}

// PutEcwidIntegration implements store.Tx.
func (t *Tx) PutEcwidIntegration(ctx context.Context, in *returns.EcwidIntegration) error {
	if _, err := t.GetStore(ctx, in.StoreID); err != nil {
		return err
	}
	var created int64
	err := t.row(ctx, `INSERT INTO ecwid_integrations (`+ecwidCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (store_id) DO UPDATE SET
			ecwid_store_id = excluded.ecwid_store_id, token_sealed = excluded.token_sealed,
			customer_group = excluded.customer_group, client_id = excluded.client_id,
			client_secret_sealed = excluded.client_secret_sealed, api_base_url = excluded.api_base_url,
			webhook_token = excluded.webhook_token, status = excluded.status,
			status_reason = excluded.status_reason, updated_at = excluded.updated_at
		RETURNING created_at`,
		in.StoreID, in.EcwidStoreID, in.TokenSealed, in.CustomerGroup, in.ClientID, in.ClientSecretSealed,
		in.APIBaseURL, in.WebhookToken, in.Status, in.StatusReason, US(in.CreatedAt), US(in.UpdatedAt)).Scan(&created)
	if err != nil {
		return fmt.Errorf("put ecwid integration: %w", err)
	}
	in.CreatedAt = FromUS(created)
	return nil
}

// DeleteEcwidIntegration implements store.Tx.
func (t *Tx) DeleteEcwidIntegration(ctx context.Context, storeID string) error {
	n, err := t.exec(ctx, `DELETE FROM ecwid_integrations WHERE store_id = ?`, storeID)
	if err != nil {
		return fmt.Errorf("delete ecwid integration: %w", err)
	}
	if n == 0 {
		return notFound("ecwid integration of store", storeID)
	}
	return nil
}

package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/reboundhq/rebound/internal/returns"
)

// ---- order changes made by Rebound (Orders API fulfillments)

// SaveOrder implements store.Tx.
func (t *Tx) SaveOrder(ctx context.Context, o *returns.Order) error {
	doc, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("encode order: %w", err)
	}
	n, err := t.exec(ctx, `UPDATE orders SET name = ?, customer_email = ?, coverage = ?, source_created_at = ?,
		source_updated_at = ?, synced_at = ?, doc = ? WHERE store_id = ? AND id = ?`,
		o.Name, strings.ToLower(o.Customer.Email), string(o.Coverage), US(o.CreatedAt), US(o.UpdatedAt), US(o.SyncedAt), doc,
		o.StoreID, o.ID)
	if err != nil {
		return fmt.Errorf("save order: %w", err)
	}
	if n == 0 {
		return notFound("order", o.ID)
	}
	return nil
}

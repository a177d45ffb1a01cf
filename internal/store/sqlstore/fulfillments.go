package sqlstore

import (
	"context"
	"fmt"

	"github.com/reboundhq/rebound/internal/returns"
)

// ---- order changes made by Rebound (Orders API fulfillments)

// SaveOrder implements store.Tx.
func (t *Tx) SaveOrder(ctx context.Context, o *returns.Order) error {
	r, err := newOrderRow(o)
	if err != nil {
		return err
	}
	n, err := t.exec(ctx, `UPDATE orders SET `+orderRowSet+` WHERE store_id = ? AND id = ?`, append(r.appendArgs(nil), o.StoreID, o.ID)...)
	if err != nil {
		return fmt.Errorf("save order: %w", err)
	}
	if n == 0 {
		return notFound("order", o.ID)
	}
	return nil
}

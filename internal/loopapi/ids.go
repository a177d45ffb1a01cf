package loopapi

import (
	"context"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// The numeric ids behind IDs are kept by the store (store.LoopReader,
// store.LoopWriter): assigned when a return is created (OnReturnChange),
// and lazily, under the store's unique constraint, for anything written
// without it (returns imported straight into the store, comments).

// natives lists the native ids of rs by kind.
func natives(rs []*returns.Return) (rets, lines, orders []string) {
	for _, r := range rs {
		rets = append(rets, r.ID)
		for _, k := range Units(r) {
			lines = append(lines, store.LoopLineNative(k.Item, k.Unit))
		}
		if r.OrderID != "" {
			orders = append(orders, r.OrderID)
		}
	}
	return rets, lines, orders
}

func idsOf(rs []*returns.Return, ret, line, order map[string]int64) (map[string]IDs, bool) {
	out := make(map[string]IDs, len(rs))
	complete := true
	for _, r := range rs {
		ids := IDs{Return: ret[r.ID], Order: order[r.OrderID], LineItems: map[LineKey]int64{}}
		if ids.Return == 0 || (r.OrderID != "" && ids.Order == 0) {
			complete = false
		}
		for _, k := range Units(r) {
			id, ok := line[store.LoopLineNative(k.Item, k.Unit)]
			if !ok {
				complete = false
				continue
			}
			ids.LineItems[k] = id
		}
		out[r.ID] = ids
	}
	return out, complete
}

// ReadIDs returns the numeric ids of the store's returns rs, by return id.
// complete is false when any of them (a return, unit or order) has none
// yet: AssignIDs them in a write transaction.
func ReadIDs(ctx context.Context, tx store.ReadTx, storeID string, rs []*returns.Return) (ids map[string]IDs, complete bool, err error) {
	rets, lines, orders := natives(rs)
	ret, err := tx.LoopIDs(ctx, storeID, store.LoopKindReturn, rets)
	if err != nil {
		return nil, false, err
	}
	line, err := tx.LoopIDs(ctx, storeID, store.LoopKindLine, lines)
	if err != nil {
		return nil, false, err
	}
	order := map[string]int64{}
	if len(orders) > 0 {
		if order, err = tx.LoopIDs(ctx, storeID, store.LoopKindOrder, orders); err != nil {
			return nil, false, err
		}
	}
	ids, complete = idsOf(rs, ret, line, order)
	return ids, complete, nil
}

// AssignIDs gives the store's returns rs, their units and their orders the
// numeric ids they lack, and returns them all by return id.
func AssignIDs(ctx context.Context, tx store.Tx, storeID string, rs []*returns.Return) (map[string]IDs, error) {
	rets, lines, orders := natives(rs)
	ret, err := tx.AssignLoopIDs(ctx, storeID, store.LoopKindReturn, rets)
	if err != nil {
		return nil, err
	}
	line, err := tx.AssignLoopIDs(ctx, storeID, store.LoopKindLine, lines)
	if err != nil {
		return nil, err
	}
	order := map[string]int64{}
	if len(orders) > 0 {
		if order, err = tx.AssignLoopIDs(ctx, storeID, store.LoopKindOrder, orders); err != nil {
			return nil, err
		}
	}
	ids, _ := idsOf(rs, ret, line, order)
	return ids, nil
}

// OnReturnChange is an app.ChangeHook that numbers a return, its units and
// its order in the transaction that creates (or changes) it, so that every
// return has its Loop ids from its first webhook on.
func OnReturnChange(ctx context.Context, tx store.Tx, r *returns.Return, _ []string) error {
	_, err := AssignIDs(ctx, tx, r.StoreID, []*returns.Return{r})
	return err
}

// ShopID returns the store's numeric id (Loop's shop_id), assigning it on
// first use.
func ShopID(ctx context.Context, tx store.Tx, storeID string) (int64, error) {
	m, err := tx.AssignLoopIDs(ctx, storeID, store.LoopKindStore, []string{storeID})
	if err != nil {
		return 0, err
	}
	return m[storeID], nil
}

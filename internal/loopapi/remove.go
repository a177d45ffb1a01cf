package loopapi

import (
	"slices"

	"github.com/reboundhq/rebound/internal/returns"
)

// CheckRemoval decides Loop's remove (line_item_id=...) for r: the items
// whose units are listed are rejected, every other open item is accepted
// (restocked when restock is set), and the caller then processes the return
// as for EffectProcess (returns.Decide, final totals, Complete).
//
// A listed unit qualifies when it is a unit of r (by ids.LineItems), its
// item is still open and compensated by refund or store credit (Loop allows
// no programmatic removal from exchanges), and every unit of its item is
// listed: Rebound decides items, not single units, so removing part of an
// item would need the item split first.
//
// It returns a *MessageError (422): MsgNotModifiable when PlanFor does not
// allow remove in r's status, MsgNoLineItems when no listed unit qualifies,
// MsgNotAllLineItems when some do not.
func CheckRemoval(r *returns.Return, ids IDs, lineIDs []int64, restock bool) ([]returns.ItemDecision, error) {
	if PlanFor(ActionRemove, r.Status).Effect != EffectRemove {
		return nil, &MessageError{Message: MsgNotModifiable}
	}
	byID := map[int64]LineKey{}
	for _, k := range Units(r) {
		if id, ok := ids.LineItems[k]; ok {
			byID[id] = k
		}
	}
	listed := map[string]int{} // item id → units listed
	qualifying := 0
	for _, id := range lineIDs {
		k, ok := byID[id]
		if !ok {
			continue
		}
		listed[k.Item]++
	}
	remove := map[string]bool{}
	for i := range r.Items {
		it := &r.Items[i]
		n := listed[it.ID]
		if n == 0 {
			continue
		}
		comp := r.ItemCompensation(it)
		if it.Status == returns.ItemOpen && n == it.Quantity &&
			(comp == returns.CompensationRefund || comp == returns.CompensationStoreCredit) {
			remove[it.ID] = true
			qualifying += n
		}
	}
	switch {
	case qualifying == 0:
		return nil, &MessageError{Message: MsgNoLineItems}
	case qualifying < len(slices.Compact(slices.Sorted(slices.Values(lineIDs)))):
		return nil, &MessageError{Message: MsgNotAllLineItems}
	}
	var ds []returns.ItemDecision
	for _, it := range r.Items {
		if it.Status != returns.ItemOpen {
			continue
		}
		if remove[it.ID] {
			ds = append(ds, returns.ItemDecision{ItemID: it.ID, Reject: true})
		} else {
			ds = append(ds, returns.ItemDecision{ItemID: it.ID, Restock: restock})
		}
	}
	return ds, nil
}

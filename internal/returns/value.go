package returns

// What a return is worth and what processing issues: unit slots, totals with
// the policy's fees, and per-item decisions. Pure functions of their
// arguments, like the rest of the domain.
//
// # Unit slots
//
// OrderValues splits every refundable line into unit slots whose values add
// up to exactly what was paid for the line. Each return item holds distinct
// slots of its line (ItemDetail.Slots), never a slot another holding return
// holds (Status.HoldsItems). ValueItems hands out the lowest free slots, so
// however a line's units are returned — in one return or many, with returns
// deleted or rejected in between — the returns that hold them at any time
// hold disjoint slots, and once every unit is returned their values sum to
// the line's total, to the minor unit.

import (
	"fmt"
	"slices"
	"time"
)

// SlotsTaken returns, per order line id, the unit slots held by the returns
// in rs whose status holds items, leaving out the return with id except and
// rejected items.
func SlotsTaken(rs []Return, except string) map[string]map[int]bool {
	taken := map[string]map[int]bool{}
	for i := range rs {
		r := &rs[i]
		if r.ID == except || !r.Status.HoldsItems() {
			continue
		}
		for _, it := range r.Items {
			if it.Status == ItemRejected {
				continue
			}
			m := taken[it.OrderLineID]
			if m == nil {
				m = map[int]bool{}
				taken[it.OrderLineID] = m
			}
			for _, s := range it.Slots {
				m[s] = true
			}
		}
	}
	return taken
}

// ValueItems gives every item of r (rejected ones excepted) unit slots of
// its order line and sets its Value to their sum, and r.Currency to the
// order's shop currency. An item keeps the slots it has when none of them is
// taken by another return in others (so valuing a return again changes
// nothing); otherwise it gets the lowest free slots. Slots are read from the
// shop side of the order's money.
//
// It returns OrderValues' EINVALID errors, and an EINVALID *Error (Field
// "items[i].orderLineId") when an item's line is not a refundable line of o,
// or ECONFLICT when the line has fewer free slots than the item's quantity
// (the caller checks quantities with CheckRequest or CheckQuantities first,
// so this means the returnable quantities and the slots disagree).
func ValueItems(o *Order, r *Return, others []Return) error {
	values, err := OrderValues(o, SideShop)
	if err != nil {
		return err
	}
	taken := SlotsTaken(others, r.ID)
	for i := range r.Items {
		it := &r.Items[i]
		if it.Status == ItemRejected {
			continue
		}
		v, ok := values[it.OrderLineID]
		if !ok {
			return invalid(fmt.Sprintf("items[%d].orderLineId", i), fmt.Sprintf("line %q is not a returnable line of order %s", it.OrderLineID, o.Name))
		}
		m := taken[it.OrderLineID]
		if m == nil {
			m = map[int]bool{}
			taken[it.OrderLineID] = m
		}
		keep := len(it.Slots) == it.Quantity
		for _, s := range it.Slots {
			if s < 0 || s >= v.Quantity || m[s] {
				keep = false
			}
		}
		if !keep {
			it.Slots = it.Slots[:0]
			for s := 0; s < v.Quantity && len(it.Slots) < it.Quantity; s++ {
				if !m[s] {
					it.Slots = append(it.Slots, s)
				}
			}
			if len(it.Slots) < it.Quantity {
				return Errorf(ECONFLICT, "line %q has %d unit(s) left to return, not %d", it.OrderLineID, len(it.Slots), it.Quantity)
			}
		}
		var val UnitValue
		for _, s := range it.Slots {
			m[s] = true
			val = val.Add(v.Units[s])
		}
		it.Value = val
	}
	r.Currency = o.ShopCurrency
	return nil
}

// itemCredit is what an item credits the shopper: the merchant's override
// when set, else its value; 0 for a rejected item.
func itemCredit(it *ReturnItem) int64 {
	switch {
	case it.Status == ItemRejected:
		return 0
	case it.MerchantAdjustment != nil:
		return *it.MerchantAdjustment
	}
	return it.Value.Total
}

// ComputeTotals sets r.Adjustments, r.Totals and r.ShippingRefunded from r's
// items (their Value, or MerchantAdjustment when set; rejected items count
// for nothing), the policy p and the order o (nil for returns with no
// order). others are the order's other returns.
//
// The rules, in the return's currency:
//
//   - Items credit the bucket of their compensation: refund, store credit,
//     or exchange.
//   - The order's shipping (ShippingRefund) is added to the refund (or, with
//     no refund items, the store credit) when p.RefundShipping is set and
//     this return, with the order's completed returns, brings back every
//     returnable unit of the order, and no other return already refunded
//     shipping: the return whose processing completes the order's return
//     gets it.
//   - Exchange items are worth Σ price × quantity (Totals.Exchange). Exchange
//     items' credit pays for them; what is left over becomes store credit;
//     what is missing is paid from the refund, then the store credit, and
//     only the rest is charged (so Refund and Charge are never both set).
//   - The policy's restocking fee (on the credited value) and return
//     shipping fee are Adjustments, deducted in that order from the refund,
//     then from the store credit, never below zero. With nothing to give
//     back they add to an exchange's Charge; a return that gives nothing
//     back and charges nothing costs nothing. ShippingFee is the part of the
//     return shipping fee actually deducted or charged.
//
// It returns an EINVALID *Error when an amount cannot be computed (negative
// adjustment where none is allowed, overflow, inconsistent order money).
func ComputeTotals(o *Order, p Policy, r *Return, others []Return) error {
	var refund, credit, exch, value int64
	for i := range r.Items {
		it := &r.Items[i]
		c := itemCredit(it)
		if c < 0 {
			return invalid(fmt.Sprintf("items[%d].merchantAdjustment", i), "must not be negative")
		}
		value += c
		switch r.ItemCompensation(it) {
		case CompensationStoreCredit:
			credit += c
		case CompensationExchange:
			exch += c
		default:
			refund += c
		}
	}
	var exchValue int64
	if r.Exchange != nil {
		for _, ei := range r.Exchange.Items {
			exchValue += ei.Price * int64(ei.Quantity)
		}
	}
	var charge int64
	if exchValue > exch {
		charge = exchValue - exch
	} else {
		credit += exch - exchValue
	}

	r.ShippingRefunded = false
	if o != nil && p.RefundShipping && returnsWholeOrder(o, r, others) {
		ship, err := ShippingRefund(o, SideShop, true)
		if err != nil {
			return err
		}
		if ship.Total > 0 {
			r.ShippingRefunded = true
			if refund > 0 || credit == 0 {
				refund += ship.Total
			} else {
				credit += ship.Total
			}
		}
	}

	var adj []Adjustment
	if p.RestockingFeeBasisPoints > 0 || p.RestockingFeeFlat > 0 {
		fee, err := RestockingFee(value, int64(p.RestockingFeeBasisPoints), p.RestockingFeeFlat)
		if err != nil {
			return err
		}
		if fee.Amount != 0 {
			adj = append(adj, fee)
		}
	}
	if p.ReturnShippingFee > 0 {
		fee, err := ReturnShippingFee(p.ReturnShippingFee, "")
		if err != nil {
			return err
		}
		adj = append(adj, fee)
	}
	// An exchange that costs more than its credit is paid first from the
	// refund, then from the store credit: the shopper is never both paid
	// and charged.
	if charge > 0 {
		x := min(charge, refund)
		refund, charge = refund-x, charge-x
		x = min(charge, credit)
		credit, charge = credit-x, charge-x
	}
	// Fees come out of what the shopper gets back (the refund first, then
	// the store credit), in the order of adj (restocking, then label). With
	// nothing to get back they add to what an exchange charges; a return
	// that credits nothing and charges nothing costs the shopper nothing.
	back := refund + credit
	var shippingFee int64
	for _, a := range adj {
		fee := -a.Amount
		switch {
		case back > 0:
			fee = min(fee, back)
			back -= fee
			x := min(fee, refund)
			refund, credit = refund-x, credit-(fee-x)
		case charge > 0:
			charge += fee
		default:
			fee = 0
		}
		if a.Kind == AdjustmentReturnShipping {
			shippingFee = fee
		}
	}
	r.Adjustments = adj
	r.Totals = Totals{Refund: refund, StoreCredit: credit, Exchange: exchValue, Charge: charge, ShippingFee: shippingFee}
	return nil
}

// returnsWholeOrder reports whether r, with the order's completed returns,
// brings back every returnable unit of o and no other return refunded its
// shipping.
func returnsWholeOrder(o *Order, r *Return, others []Return) bool {
	back := map[string]int{}
	count := func(x *Return) {
		for _, it := range x.Items {
			if it.Status != ItemRejected {
				back[it.OrderLineID] += it.Quantity
			}
		}
	}
	for i := range others {
		x := &others[i]
		if x.ID == r.ID || x.Status != StatusComplete {
			continue
		}
		if x.ShippingRefunded {
			return false
		}
		count(x)
	}
	count(r)
	any := false
	for _, l := range o.Lines {
		if l.IsCoverage() || l.ReturnableQuantity == 0 {
			continue
		}
		any = true
		if back[l.ID] < l.ReturnableQuantity {
			return false
		}
	}
	return any
}

// ItemDecision is the processing of one return item (Redo's process
// products[]): reject it, or accept it with a restock flag and optionally a
// merchant adjustment (what it credits, in minor units, overriding its
// value).
type ItemDecision struct {
	ItemID     string
	Reject     bool
	Restock    bool
	Adjustment *int64
}

// Decide records decisions on r's open items: rejected items become
// ItemRejected, accepted ones ItemComplete with Restock and
// MerchantAdjustment set. It reports whether every item is now decided, in
// which case the caller computes the final totals, issues the compensation
// and completes the return (Complete), in the same transaction.
//
// r must be approved and not final (one of the statuses Complete starts
// from), else it returns a *TransitionError (action "process"). It returns
// an EINVALID *Error, Field "products[i]...", when a decision names no item,
// an unknown item, the same item twice, or a negative adjustment, and
// ECONFLICT when an item was already decided. On error r is unchanged.
func (r *Return) Decide(ds []ItemDecision) (done bool, err error) {
	switch r.Status {
	case StatusOpen, StatusInTransit, StatusDelivered, StatusInReview, StatusFlagged:
	default:
		return false, &TransitionError{From: r.Status, To: StatusComplete, Action: "process"}
	}
	if len(ds) == 0 {
		return false, invalid("products", "at least one product is needed")
	}
	idx := make(map[string]int, len(r.Items))
	for i, it := range r.Items {
		idx[it.ID] = i
	}
	seen := map[string]bool{}
	for i, d := range ds {
		field := fmt.Sprintf("products[%d]", i)
		j, ok := idx[d.ItemID]
		switch {
		case d.ItemID == "":
			return false, invalid(field+"._id", "must not be empty")
		case !ok:
			return false, invalid(field+"._id", fmt.Sprintf("return %s has no item %q", r.ID, d.ItemID))
		case seen[d.ItemID]:
			return false, invalid(field+"._id", fmt.Sprintf("item %q is listed twice", d.ItemID))
		case d.Adjustment != nil && *d.Adjustment < 0:
			return false, invalid(field+".processInput.newMerchantAdjustment", "must not be negative")
		case r.Items[j].Status != ItemOpen:
			return false, Errorf(ECONFLICT, "item %s was already processed (%s)", d.ItemID, r.Items[j].Status)
		}
		seen[d.ItemID] = true
	}
	items := slices.Clone(r.Items)
	for _, d := range ds {
		it := &items[idx[d.ItemID]]
		if d.Reject {
			it.Status = ItemRejected
			continue
		}
		it.Status = ItemComplete
		it.Restock = d.Restock
		it.MerchantAdjustment = d.Adjustment
	}
	r.Items = items
	done = !slices.ContainsFunc(items, func(it ReturnItem) bool { return it.Status == ItemOpen })
	return done, nil
}

// Timeline kinds written outside the lifecycle.
const (
	TimelineCommented       = "return.commented"
	TimelineItemsDecided    = "return.items_decided"
	TimelineProcessed       = "return.processed"
	TimelineRefundIssued    = "refund.issued"
	TimelineCreditIssued    = "store_credit.issued"
	TimelineTagsChanged     = "return.tags_changed"
	TimelineEcwidOrder      = "ecwid.order_created"
	TimelineEcwidUpdated    = "ecwid.order_updated"
	TimelineEcwidError      = "ecwid.error"
	TimelineEcwidWebhook    = "ecwid.webhook"
	TimelineShipmentUpdated = "shipment.updated"
)

// Note returns a timeline event that records something about r without
// changing its status.
func Note(r *Return, kind string, actor Actor, at time.Time, message string, data map[string]any) TimelineEvent {
	return TimelineEvent{ReturnID: r.ID, Kind: kind, Actor: actor, At: at, Message: message, Data: data}
}

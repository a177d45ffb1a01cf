package refundidsync

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/refundid"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// Outcomes of a notification (NotifyResult.Outcome).
const (
	OutcomeApplied   = string(refundid.OutcomeApplied)
	OutcomeDuplicate = string(refundid.OutcomeDuplicate)
	OutcomeStale     = string(refundid.OutcomeStale)
	// OutcomeRefused: the notification contradicts the refund's state
	// (failed after refundid); it is noted on the return once and changes
	// nothing else.
	OutcomeRefused = "refused"
	// OutcomeIgnored: a status Refundid does not document; nothing is
	// recorded.
	OutcomeIgnored = "ignored"
)

// NotifyResult tells what a notification did.
type NotifyResult struct {
	Outcome  string
	State    string // the refund's state after it
	ReturnID string // the return recording the refund, if any
}

// HandleNotification applies a status notification (POST /refundid) to
// in's store, exactly once whatever the duplicates and the order of
// arrival (refundid.Advance), in one transaction with the refund's record
// locked:
//
// Refundid-initiated refunds (no merchant_rma_ref): the first of refunding
// or refundid creates an open return of the order the notification names,
// for its line items, with compensation refund — its units are then held
// against every later order fetch and return, checked with the order locked
// as CreateReturn does; refundid records the refund, paid by Refundid, and
// completes the return; failed deletes the return, releasing its units.
//
// Merchant-initiated refunds (merchant_rma_ref is a return's id): refunding
// is a timeline note; refundid records the refund paid by Refundid and
// completes the return (approving it first when it awaits review); failed
// is a note, the return stays as it was for the merchant to refund.
//
// A refundid after a failed is applied (the shopper was paid); a failed
// after a refundid is refused: noted once on the return, OutcomeRefused.
// key, when not "", must be a privacy key issued for the RMA (or a return
// of the order). Every change is recorded through app.RecordChange.
//
// Errors: EINVALID naming the member for a body that cannot be used, or
// the key parameter; ENOTFOUND for an RMA or order the store does not have;
// EUNAUTHORIZED for a wrong privacy key; EUNPROCESSABLE for a
// Refundid-initiated notification without usable line items or order;
// ECONFLICT when the units are no longer free (another return holds them).
// Nothing is recorded on error.
func (s *Service) HandleNotification(ctx context.Context, in *returns.RefundidIntegration, body []byte, key string) (*NotifyResult, error) {
	n, err := refundid.DecodeNotification(body)
	if err != nil {
		var ne *refundid.NotificationError
		if errors.As(err, &ne) && ne.Field != "" {
			return nil, returns.Invalid(ne.Field, ne.Reason)
		}
		return nil, returns.Invalid("body", strings.TrimPrefix(err.Error(), "refundid: "))
	}
	if key != "" {
		if err := refundid.CheckParam(refundid.ParamKey, key); err != nil {
			return nil, paramError(err)
		}
	}
	if !n.Status.Known() {
		return &NotifyResult{Outcome: OutcomeIgnored}, nil
	}
	res := &NotifyResult{}
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		*res = NotifyResult{}
		return s.notifyTx(ctx, tx, in.StoreID, n, key, res)
	})
	if err != nil {
		return nil, fmt.Errorf("refundid notification: %w", err)
	}
	return res, nil
}

func (s *Service) notifyTx(ctx context.Context, tx store.Tx, storeID string, n *refundid.Notification, key string, res *NotifyResult) error {
	flow := returns.RefundidFlowRefundid
	if n.MerchantRMARef != "" {
		flow = returns.RefundidFlowMerchant
		if _, err := tx.GetReturn(ctx, storeID, n.MerchantRMARef); err != nil {
			return err
		}
		if err := checkReturnKey(ctx, tx, storeID, n.MerchantRMARef, key, false); err != nil {
			return err
		}
	}
	rf, err := tx.LockRefundidRefund(ctx, storeID, n.RefundidID)
	if err != nil {
		return err
	}
	if rf.Flow != "" && rf.Flow != flow {
		return returns.Invalid("merchant_rma_ref", "differs from the earlier notifications of this refund")
	}
	if flow == returns.RefundidFlowMerchant && rf.ReturnID != "" && rf.ReturnID != n.MerchantRMARef {
		return returns.Invalid("merchant_rma_ref", "differs from the earlier notifications of this refund")
	}
	rf.Flow = flow
	res.ReturnID = rf.ReturnID
	tr, err := refundid.Advance(refundid.State(rf.State), n.Status)
	if errors.Is(err, refundid.ErrRefused) {
		res.Outcome, res.State = OutcomeRefused, rf.State
		if rf.Refused == string(n.Status) || rf.ReturnID == "" {
			return nil
		}
		rf.Refused = string(n.Status)
		if err := tx.PutRefundidRefund(ctx, rf); err != nil {
			return err
		}
		r, err := tx.LockReturn(ctx, storeID, rf.ReturnID)
		if err != nil {
			return err
		}
		r.UpdatedAt = tx.Now()
		note := returns.Note(r, returns.TimelineRefundidRefused, Actor, tx.Now(),
			fmt.Sprintf("Refundid sent %q for refund %s after it was refunded; refused: the refund stays recorded.", n.Status, rf.RefundidID),
			map[string]any{"refundidId": rf.RefundidID, "status": string(n.Status), "state": rf.State})
		if err := tx.UpdateReturn(ctx, r); err != nil {
			return err
		}
		return s.App.RecordChange(ctx, tx, r, returns.EventReturnUpdated, note)
	}
	if err != nil {
		return returns.Invalid("status", err.Error())
	}
	res.Outcome, res.State = string(tr.Outcome), string(tr.To)
	if tr.Outcome != refundid.OutcomeApplied {
		return nil
	}
	var ch *change
	if flow == returns.RefundidFlowMerchant {
		ch, err = s.applyMerchant(ctx, tx, storeID, rf, n, tr)
	} else {
		ch, err = s.applyRefundid(ctx, tx, storeID, rf, n, key, tr)
	}
	if err != nil {
		return err
	}
	rf.State = string(tr.To)
	if ch != nil {
		rf.ReturnID, rf.OrderID = ch.r.ID, ch.r.OrderID
		if err := ch.save(ctx, tx, s); err != nil {
			return err
		}
	}
	res.ReturnID = rf.ReturnID
	return tx.PutRefundidRefund(ctx, rf)
}

// change is a return being changed by a notification, with its order.
type change struct {
	r       *returns.Return
	o       *returns.Order
	others  []returns.Return
	policy  returns.Policy
	created bool
	evs     []returns.TimelineEvent
}

func (c *change) save(ctx context.Context, tx store.Tx, s *Service) error {
	if c.created {
		if err := tx.CreateReturn(ctx, c.r); err != nil {
			return err
		}
		return s.App.RecordChange(ctx, tx, c.r, returns.EventReturnCreated, c.evs...)
	}
	if len(c.evs) == 0 {
		return nil
	}
	c.r.UpdatedAt = tx.Now()
	if err := tx.UpdateReturn(ctx, c.r); err != nil {
		return err
	}
	return s.App.RecordChange(ctx, tx, c.r, returns.EventReturnUpdated, c.evs...)
}

// load locks a return and its order and reads what valuing it needs.
func load(ctx context.Context, tx store.Tx, storeID, returnID string) (*change, error) {
	r, err := tx.LockReturn(ctx, storeID, returnID)
	if err != nil {
		return nil, err
	}
	c := &change{r: r}
	if r.OrderID != "" {
		if c.o, err = tx.LockOrder(ctx, storeID, r.OrderID); err != nil && !returns.IsNotFound(err) {
			return nil, err
		}
		if c.others, err = returnsOf(ctx, tx, storeID, r.OrderID); err != nil {
			return nil, err
		}
	}
	if c.policy, err = tx.GetPolicy(ctx, storeID); err != nil {
		return nil, err
	}
	return c, nil
}

func returnsOf(ctx context.Context, tx store.ReadTx, storeID, orderID string) ([]returns.Return, error) {
	rs, err := tx.ReturnsForOrder(ctx, storeID, orderID)
	if err != nil {
		return nil, err
	}
	out := make([]returns.Return, len(rs))
	for i, r := range rs {
		out[i] = *r
	}
	return out, nil
}

func (s *Service) applyMerchant(ctx context.Context, tx store.Tx, storeID string, rf *returns.RefundidRefund, n *refundid.Notification, tr refundid.Transition) (*change, error) {
	c, err := load(ctx, tx, storeID, n.MerchantRMARef)
	if err != nil {
		return nil, err
	}
	now := tx.Now()
	data := map[string]any{"refundidId": rf.RefundidID, "status": string(n.Status)}
	switch tr.To {
	case refundid.StateRefunding:
		if !c.r.Status.HoldsItems() {
			return nil, returns.Errorf(returns.ECONFLICT, "return %s is %s: its units are no longer held", c.r.ID, c.r.Status)
		}
		c.evs = append(c.evs, returns.Note(c.r, returns.TimelineRefundidRefunding, Actor, now,
			fmt.Sprintf("Refundid is refunding the shopper (refund %s).", rf.RefundidID), data))
	case refundid.StateRefundid:
		if err := c.recordRefund(rf, now); err != nil {
			return nil, err
		}
	case refundid.StateFailed:
		c.evs = append(c.evs, returns.Note(c.r, returns.TimelineRefundidFailed, Actor, now,
			fmt.Sprintf("Refundid's refund %s failed; the return is unchanged: refund the shopper another way.", rf.RefundidID), data))
	}
	return c, nil
}

func (s *Service) applyRefundid(ctx context.Context, tx store.Tx, storeID string, rf *returns.RefundidRefund, n *refundid.Notification, key string, tr refundid.Transition) (*change, error) {
	now := tx.Now()
	var c *change
	if rf.ReturnID != "" {
		var err error
		if c, err = load(ctx, tx, storeID, rf.ReturnID); err != nil {
			return nil, err
		}
		if c.r.Status == returns.StatusDeleted {
			c = nil // released by an earlier failed: a refundid holds the units anew
		}
	}
	switch tr.To {
	case refundid.StateFailed:
		if c == nil {
			return nil, nil // nothing was held
		}
		data := map[string]any{"refundidId": rf.RefundidID, "status": string(n.Status)}
		c.evs = append(c.evs, returns.Note(c.r, returns.TimelineRefundidFailed, Actor, now,
			fmt.Sprintf("Refundid's refund %s failed; the units are returnable again.", rf.RefundidID), data))
		ev, err := c.r.Delete(Actor, now, "Refundid's refund failed.")
		if err != nil {
			return nil, err
		}
		c.evs = append(c.evs, ev)
		return c, nil
	}
	if c == nil {
		var err error
		if c, err = s.hold(ctx, tx, storeID, rf, n, key); err != nil {
			return nil, err
		}
	}
	if tr.To == refundid.StateRefundid {
		if err := c.recordRefund(rf, now); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// hold creates the open return that holds a Refundid-initiated refund's
// units, with the order locked: the same lock CreateReturn takes, so of a
// Refundid refund and a Rebound return for the last unit exactly one gets
// it.
func (s *Service) hold(ctx context.Context, tx store.Tx, storeID string, rf *returns.RefundidRefund, n *refundid.Notification, key string) (*change, error) {
	if len(n.LineItems) == 0 {
		return nil, &returns.Error{Code: returns.EUNPROCESSABLE, Field: "line_items",
			Message: "the notification lists no line items, so the refunded units cannot be held"}
	}
	ref := n.MerchantOrderRef
	for _, li := range n.LineItems {
		switch {
		case li.MerchantOrderRef == "" || li.MerchantOrderRef == ref:
		case ref == "":
			ref = li.MerchantOrderRef
		default:
			return nil, &returns.Error{Code: returns.EUNPROCESSABLE, Field: "line_items",
				Message: "the refund spans several orders; Rebound records one return per order and cannot split it"}
		}
	}
	var found *returns.Order
	var err error
	switch {
	case ref != "":
		found, err = tx.GetOrder(ctx, storeID, ref)
		if err == nil && found.ExternalID != ref {
			err = returns.Errorf(returns.ENOTFOUND, "order %q not found", ref)
		}
	case n.OrderNumber != "":
		found, err = tx.GetOrder(ctx, storeID, n.OrderNumber)
		if err == nil && found.Name != n.OrderNumber {
			err = returns.Errorf(returns.ENOTFOUND, "order %q not found", n.OrderNumber)
		}
	default:
		return nil, &returns.Error{Code: returns.EUNPROCESSABLE, Field: "merchant_order_ref", Message: "the notification names no order"}
	}
	if err != nil {
		return nil, err
	}
	o, err := tx.LockOrder(ctx, storeID, found.ID)
	if err != nil {
		return nil, err
	}
	if key != "" {
		id, err := keyReturn(ctx, tx, storeID, key)
		if err != nil {
			return nil, err
		}
		if r, err := tx.GetReturn(ctx, storeID, id); err != nil || r.OrderID != o.ID {
			return nil, errBadKey
		}
	}
	others, err := returnsOf(ctx, tx, storeID, o.ID)
	if err != nil {
		return nil, err
	}
	policy, err := tx.GetPolicy(ctx, storeID)
	if err != nil {
		return nil, err
	}
	want := map[string]int{}
	for _, li := range n.LineItems {
		want[li.LineItemRef] += li.Quantity
	}
	if err := returns.CheckQuantities(o, returns.HeldBy(others, ""), want); err != nil {
		if returns.CheckQuantities(o, nil, want) == nil {
			return nil, &returns.Error{Code: returns.ECONFLICT, Field: "line_items", Message: "the units are held by another return: " + returns.ErrorMessage(err)}
		}
		return nil, &returns.Error{Code: returns.EUNPROCESSABLE, Field: "line_items", Message: returns.ErrorMessage(err)}
	}
	now := tx.Now()
	lines := map[string]*returns.OrderLine{}
	for i := range o.Lines {
		lines[o.Lines[i].ID] = &o.Lines[i]
	}
	r := returns.Return{
		StoreID: storeID, OrderID: o.ID, Status: returns.StatusOpen, Compensation: returns.CompensationRefund,
		ReturnDetail: returns.ReturnDetail{
			Type: returns.TypeReturn, Provider: returns.ProviderCustom, OrderExternalID: o.ExternalID, OrderName: o.Name,
			Customer:        returns.Returner{FirstName: o.Customer.FirstName, LastName: o.Customer.LastName, Email: o.Customer.Email, Phone: o.Customer.Phone},
			ShippingAddress: o.ShippingAddress, CreatedByName: "Refundid",
			Notes: "Refunded through Refundid (refund " + rf.RefundidID + ").",
		},
	}
	for _, li := range n.LineItems {
		l := lines[li.LineItemRef]
		reason := li.ReturnReason
		if li.ChildReturnReason != "" {
			reason = strings.TrimSpace(reason + " / " + li.ChildReturnReason)
		}
		r.Items = append(r.Items, returns.ReturnItem{
			ID: returns.NewID(now), OrderLineID: li.LineItemRef, Quantity: li.Quantity, Reason: reason,
			ItemDetail: returns.ItemDetail{ProductID: l.ProductID, VariantID: l.VariantID, SKU: l.SKU, Title: l.Title,
				Compensation: returns.CompensationRefund},
		})
	}
	r.ID = returns.NewID(now)
	if err := returns.ValueItems(o, &r, others); err != nil {
		return nil, err
	}
	created, ev, err := returns.CreateReturn(r, Actor, now)
	if err != nil {
		return nil, err
	}
	if err := returns.ComputeTotals(o, policy, &created, others); err != nil {
		return nil, err
	}
	ev.Message = "Return created by Refundid."
	ev.Data = map[string]any{"status": created.Status, "items": len(created.Items), "refundidId": rf.RefundidID}
	c := &change{r: &created, o: o, others: others, policy: policy, created: true, evs: []returns.TimelineEvent{ev}}
	units := 0
	for _, it := range created.Items {
		units += it.Quantity
	}
	c.evs = append(c.evs, returns.Note(c.r, returns.TimelineRefundidRefunding, Actor, now,
		fmt.Sprintf("Refundid is refunding the shopper (refund %s); %d unit(s) held.", rf.RefundidID, units),
		map[string]any{"refundidId": rf.RefundidID, "units": units}))
	return c, nil
}

// recordRefund records on c's return that Refundid refunded it: every
// item's compensation becomes refund, the totals are computed, a refund
// record paid by Refundid is added for what no earlier refund covered, and
// the return is completed (approved first when awaiting review). A return
// that cannot be completed (already complete, rejected, deleted) keeps its
// status, with a note asking the merchant to check it.
func (c *change) recordRefund(rf *returns.RefundidRefund, now time.Time) error {
	r := c.r
	r.Compensation = returns.CompensationRefund
	for i := range r.Items {
		r.Items[i].Compensation = returns.CompensationRefund
	}
	if c.o != nil && r.Status.HoldsItems() {
		if err := returns.ComputeTotals(c.o, c.policy, r, c.others); err != nil {
			return err
		}
	}
	var refunded int64
	for _, x := range r.Refunds {
		refunded += x.Amount
	}
	due := max(r.Totals.Refund-refunded, 0)
	rec := returns.RefundRecord{ID: returns.NewID(now), Amount: due, Currency: r.Currency, CreatedAt: now, PaidBy: returns.RefundPaidByRefundid}
	r.Refunds = append(r.Refunds, rec)
	r.ProcessedAt = &now
	c.evs = append(c.evs, returns.Note(r, returns.TimelineRefundidRefunded, Actor, now,
		fmt.Sprintf("Refund of %s %s paid to the shopper by Refundid (refund %s); do not refund it again.", money.Format(due, r.Currency), r.Currency, rf.RefundidID),
		map[string]any{"refundidId": rf.RefundidID, "refundId": rec.ID, "amount": rec.Amount, "currency": rec.Currency, "paidBy": rec.PaidBy}))
	if r.Status == returns.StatusNeedsReview || r.Status == returns.StatusPreShipment {
		ev, err := r.Approve(Actor, now, "Refunded by Refundid.")
		if err != nil {
			return err
		}
		c.evs = append(c.evs, ev)
	}
	if !r.Can(returns.StatusComplete) {
		c.evs = append(c.evs, returns.Note(r, returns.TimelineRefundidRefused, Actor, now,
			fmt.Sprintf("Refundid refunded a return whose status is %s: check it.", r.Status), map[string]any{"refundidId": rf.RefundidID}))
		return nil
	}
	ev, err := r.Complete(Actor, now, "Refunded by Refundid.")
	if err != nil {
		return err
	}
	c.evs = append(c.evs, ev)
	return nil
}

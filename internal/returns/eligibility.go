package returns

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Machine codes of why a line cannot be returned (LineEligibility.Code).
const (
	IneligibleCoverage        = "coverage"           // Redo's coverage line item
	IneligibleOrderCancelled  = "order_cancelled"    // the order was cancelled
	IneligibleFinalSale       = "final_sale"         // a FinalSaleTags tag on the line or the order
	IneligibleSKU             = "not_returnable_sku" // the SKU is in NonReturnableSKUs
	IneligibleNotFulfilled    = "not_fulfilled"      // nothing of the line has shipped
	IneligibleWindowClosed    = "window_closed"      // the return window has passed
	IneligibleAlreadyReturned = "already_returned"   // every returnable unit is held or refunded
)

// Shopper-readable explanations, one per code (window_closed's names the
// date).
var ineligibleText = map[string]string{
	IneligibleCoverage:        "Order protection can't be returned.",
	IneligibleOrderCancelled:  "This order was cancelled.",
	IneligibleFinalSale:       "This item was final sale.",
	IneligibleSKU:             "This item can't be returned.",
	IneligibleNotFulfilled:    "This item hasn't shipped yet.",
	IneligibleAlreadyReturned: "This item has already been returned.",
}

// LineEligibility says how many units of one order line may be returned now
// and, when none may, why.
type LineEligibility struct {
	LineID string `json:"lineId"`
	// Returnable is how many units a new return may take: the line's
	// ReturnableQuantity minus the units other returns hold, never negative;
	// 0 whenever Code is set.
	Returnable int `json:"returnable"`
	// Reasons are every reason the line cannot be returned, as sentences the
	// shopper can read ("This item was final sale."); empty when Returnable
	// > 0.
	Reasons []string `json:"reasons,omitempty"`
	// Code is the machine code (Ineligible*) of the first of Reasons; "" when
	// Returnable > 0.
	Code string `json:"code,omitempty"`
	// Deadline is the last instant the line may be returned; zero when the
	// policy has no window (or no date to count from). Set whether or not
	// the window is still open, so the portal can show "Return by ...".
	Deadline time.Time `json:"deadline,omitzero"`
}

// Eligibility returns, for every line of o in order (coverage lines
// included), how many units may be returned at now under policy p, given
// the units already held by other returns of the order (HeldBy). It returns
// nil for a nil order.
//
// A line's units are returnable unless, checked in this order (every reason
// that applies is listed; Code is the first):
//
//  1. it is Redo's coverage line (coverage): never returnable, and nothing
//     else is checked;
//  2. the order is cancelled (order_cancelled);
//  3. one of p.FinalSaleTags is on the line or on the order (final_sale);
//  4. its SKU is one of p.NonReturnableSKUs (not_returnable_sku);
//  5. its ReturnableQuantity is 0: not_fulfilled when nothing of it was
//     fulfilled, else already_returned (the platform counts it returned or
//     refunded);
//  6. the return window has closed (window_closed), see below; not checked
//     for unfulfilled lines;
//  7. other returns hold all of its ReturnableQuantity (already_returned).
//
// Otherwise Returnable = ReturnableQuantity − held[line], never negative.
//
// The window. With p.WindowDays = 0 there is none. Otherwise the deadline is
// the anchor date plus WindowDays calendar days (time.AddDate, in the
// anchor's location), and the line is returnable while now is not after it.
// The anchor, per p.WindowFrom:
//
//   - order: o.CreatedAt;
//   - fulfillment: the latest ShippingDate of the fulfillments that carry the
//     line;
//   - delivery: for each fulfillment that carries the line, its DeliveryDate,
//     or its ShippingDate while no delivery date is known; the latest of
//     these.
//
// The latest date is used because the return cannot tell which shipment its
// units came in; this favours the shopper. When no fulfillment of the line
// has the date needed, the anchor falls back to the order's CreatedAt (the
// earliest possible date, so the window is never longer than the merchant
// set), and when that is zero too, to SyncedAt; when both are zero no window
// is enforced and Deadline is zero.
func Eligibility(o *Order, p Policy, held Held, now time.Time) []LineEligibility {
	if o == nil {
		return nil
	}
	out := make([]LineEligibility, len(o.Lines))
	for i := range o.Lines {
		out[i] = lineEligibility(o, &o.Lines[i], p, held, now)
	}
	return out
}

func lineEligibility(o *Order, l *OrderLine, p Policy, held Held, now time.Time) LineEligibility {
	e := LineEligibility{LineID: l.ID}
	if l.IsCoverage() {
		e.Code, e.Reasons = IneligibleCoverage, []string{ineligibleText[IneligibleCoverage]}
		return e
	}
	var codes []string
	add := func(code string) { codes = append(codes, code) }

	if o.CancelledAt != nil {
		add(IneligibleOrderCancelled)
	}
	if anyFold(l.Tags, p.FinalSaleTags) || anyFold(o.Tags, p.FinalSaleTags) {
		add(IneligibleFinalSale)
	}
	if anyFold([]string{l.SKU}, p.NonReturnableSKUs) {
		add(IneligibleSKU)
	}
	fulfilled := l.FulfilledQuantity > 0 || lineFulfilled(o, l.ID)
	switch {
	case l.ReturnableQuantity <= 0 && !fulfilled:
		add(IneligibleNotFulfilled)
	case l.ReturnableQuantity <= 0:
		add(IneligibleAlreadyReturned)
	}
	if p.WindowDays > 0 {
		if anchor := windowAnchor(o, l.ID, p.windowFrom()); !anchor.IsZero() {
			e.Deadline = anchor.AddDate(0, 0, p.WindowDays)
			if fulfilled && now.After(e.Deadline) {
				add(IneligibleWindowClosed)
			}
		}
	}
	h := max(held[l.ID], 0)
	avail := max(l.ReturnableQuantity-h, 0)
	if l.ReturnableQuantity > 0 && avail == 0 {
		add(IneligibleAlreadyReturned)
	}

	if len(codes) == 0 {
		e.Returnable = avail
		return e
	}
	e.Code = codes[0]
	for _, c := range codes {
		if c == IneligibleWindowClosed {
			e.Reasons = append(e.Reasons, "The return window for this item closed on "+e.Deadline.Format("January 2, 2006")+".")
			continue
		}
		e.Reasons = append(e.Reasons, ineligibleText[c])
	}
	return e
}

// lineFulfilled reports whether any fulfillment of o carries units of line.
func lineFulfilled(o *Order, line string) bool {
	for _, f := range o.Fulfillments {
		if slices.ContainsFunc(f.Lines, func(fl FulfillmentLine) bool { return fl.LineID == line && fl.Quantity > 0 }) {
			return true
		}
	}
	return false
}

// windowAnchor returns the date line's window counts from, as documented on
// Eligibility; zero when there is none.
func windowAnchor(o *Order, line string, from WindowFrom) time.Time {
	var anchor time.Time
	if from != WindowFromOrder {
		for _, f := range o.Fulfillments {
			if !slices.ContainsFunc(f.Lines, func(fl FulfillmentLine) bool { return fl.LineID == line && fl.Quantity > 0 }) {
				continue
			}
			d := f.ShippingDate
			if from == WindowFromDelivery && f.DeliveryDate != nil {
				d = f.DeliveryDate
			}
			if d != nil && !d.IsZero() && d.After(anchor) {
				anchor = *d
			}
		}
	}
	if anchor.IsZero() {
		anchor = o.CreatedAt
	}
	if anchor.IsZero() {
		anchor = o.SyncedAt
	}
	return anchor
}

// CheckRequest checks that a new return may take req[line] units of each
// requested line of o (req maps OrderLine.ID to a quantity), under policy p
// at now, with held units already taken by other returns (HeldBy). It
// returns nil when every requested quantity is at most the line's
// Eligibility().Returnable.
//
// Otherwise it returns the first problem, as an EINVALID *Error with a
// message the shopper can read (the portal shows the whole of Eligibility
// beforehand, so one message at a time is enough):
//
//   - no lines requested: Field "items";
//   - a line id not in the order (the smallest such id first): Field
//     "items[<id>]";
//   - then, in the order's line order, a quantity below 1, a line that
//     cannot be returned (the message is its Reasons, joined) or more units
//     than are returnable ("Only 2 of this item can be returned."): Field
//     "items[<id>].quantity".
//
// The caller must compute held and call CheckRequest in the transaction
// that creates the return, with the order locked against concurrent
// returns, so that two returns cannot both take the last unit.
func CheckRequest(o *Order, p Policy, held Held, now time.Time, req map[string]int) error {
	return checkLines(o, req, func(l *OrderLine) LineEligibility {
		return lineEligibility(o, l, p, held, now)
	})
}

// CheckQuantities is CheckRequest without the policy: it checks only that
// the lines exist, are not the coverage line and have the units free
// (ReturnableQuantity − held). It is for units that the merchant, not the
// shopper, brings back into a return (Reopen), where the window and
// final-sale rules no longer apply. Errors are as CheckRequest's.
func CheckQuantities(o *Order, held Held, req map[string]int) error {
	return checkLines(o, req, func(l *OrderLine) LineEligibility {
		e := LineEligibility{LineID: l.ID}
		if l.IsCoverage() {
			e.Code, e.Reasons = IneligibleCoverage, []string{ineligibleText[IneligibleCoverage]}
			return e
		}
		e.Returnable = max(l.ReturnableQuantity-max(held[l.ID], 0), 0)
		if e.Returnable == 0 {
			e.Code, e.Reasons = IneligibleAlreadyReturned, []string{ineligibleText[IneligibleAlreadyReturned]}
		}
		return e
	})
}

func checkLines(o *Order, req map[string]int, elig func(*OrderLine) LineEligibility) error {
	if o == nil {
		return invalid("", "no order")
	}
	if len(req) == 0 {
		return invalid("items", "Choose at least one item to return.")
	}
	known := make(map[string]bool, len(o.Lines))
	for i := range o.Lines {
		known[o.Lines[i].ID] = true
	}
	var unknown []string
	for id := range req {
		if !known[id] {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return invalid(fmt.Sprintf("items[%s]", unknown[0]), "This item is not part of the order.")
	}
	done := make(map[string]bool, len(req))
	for i := range o.Lines {
		l := &o.Lines[i]
		q, ok := req[l.ID]
		if !ok || done[l.ID] { // a duplicated line id is checked once
			continue
		}
		done[l.ID] = true
		field := fmt.Sprintf("items[%s].quantity", l.ID)
		if q < 1 {
			return invalid(field, "Choose at least one of this item to return.")
		}
		e := elig(l)
		switch {
		case e.Code != "":
			return invalid(field, strings.Join(e.Reasons, " "))
		case q > e.Returnable:
			return invalid(field, fmt.Sprintf("Only %d of this item can be returned.", e.Returnable))
		}
	}
	return nil
}

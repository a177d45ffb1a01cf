package refundid

// Mapping of Rebound's domain to Refundid's models.
//
// Money: every amount is in the order's shop currency (the side Rebound
// values returns in), exact to the minor unit (money.Format). GAP: whether
// Refundid wants the currency the shopper paid in (presentment) when the two
// differ.

import (
	"errors"
	"fmt"
	"strings"

	"github.com/reboundhq/rebound/internal/returns"
)

// OrderFor maps o to the RapiOrder that GET /order answers, with each
// line's returnable_quantity and non_returnable_reasons taken from elig, the
// result of returns.Eligibility for o (one entry per line, in any order):
//
//   - merchant_order_ref is o.ExternalID (the platform's order id) and
//     order_number o.Name;
//   - fulfilled_at is the latest shipping date of o's fulfillments (absent
//     when none has one);
//   - payment_method is the gateway of o's first transaction, and
//     is_giftcard_used is set when a transaction's gateway names a gift
//     card ("gift_card", "Gift Card", "giftcard"); a heuristic;
//   - delivery_info is o's shipping address with the first fulfillment's
//     tracking, absent when the address is empty;
//   - every line is listed, Redo's coverage line too (never returnable).
//     price is the unit price before tax and discount; discount is the
//     line's own discounts plus its share of the order's (absent when 0);
//     tax_detail is the line's tax total (absent without tax lines);
//     weight_in_kilograms is one unit's weight (0 when absent or in a unit
//     other than g, kg, lb or oz); categories is always empty (Rebound has
//     none).
//
// It returns an error when o is nil, when a line has no entry in elig or a
// returnable count outside 0..quantity, and the EINVALID *returns.Error of
// returns.OrderValues when o's amounts are inconsistent.
func OrderFor(o *returns.Order, elig []returns.LineEligibility) (*RapiOrder, error) {
	if o == nil {
		return nil, errors.New("refundid: no order")
	}
	values, err := returns.OrderValues(o, returns.SideShop)
	if err != nil {
		return nil, err
	}
	byLine := make(map[string]returns.LineEligibility, len(elig))
	for _, e := range elig {
		byLine[e.LineID] = e
	}
	cur := o.ShopCurrency
	ro := &RapiOrder{
		MerchantOrderRef: o.ExternalID,
		OrderNumber:      o.Name,
		Email:            o.Customer.Email,
		PurchasedAt:      o.CreatedAt,
		LineItems:        make([]RapiOrderLineItem, 0, len(o.Lines)),
	}
	for _, f := range o.Fulfillments {
		if f.ShippingDate != nil && (ro.FulfilledAt == nil || f.ShippingDate.After(*ro.FulfilledAt)) {
			d := *f.ShippingDate
			ro.FulfilledAt = &d
		}
	}
	for i, t := range o.Transactions {
		if i == 0 {
			ro.PaymentMethod = t.PaymentGateway
		}
		g := strings.NewReplacer(" ", "", "_", "", "-", "").Replace(strings.ToLower(t.PaymentGateway))
		if strings.Contains(g, "giftcard") {
			ro.IsGiftcardUsed = true
		}
	}
	if addr := address(o.ShippingAddress); addr != nil {
		ro.DeliveryInfo = &RapiDeliveryInfo{Address: *addr}
		if len(o.Fulfillments) > 0 {
			ro.DeliveryInfo.Tracking = fulfillmentTracking(o.Fulfillments[0])
		}
	}
	for i := range o.Lines {
		l := &o.Lines[i]
		e, ok := byLine[l.ID]
		if !ok {
			return nil, fmt.Errorf("refundid: line %q has no eligibility", l.ID)
		}
		if e.Returnable < 0 || e.Returnable > l.Quantity {
			return nil, fmt.Errorf("refundid: line %q: %d of %d units returnable", l.ID, e.Returnable, l.Quantity)
		}
		if l.Price.Shop.Currency != cur {
			return nil, fmt.Errorf("refundid: line %q is priced in %q, not the shop currency %q", l.ID, l.Price.Shop.Currency, cur)
		}
		it := RapiOrderLineItem{
			LineItemRef:          l.ID,
			Title:                l.Title,
			Variant:              l.VariantTitle,
			Price:                Amount(l.Price.Shop.Minor, cur),
			Quantity:             l.Quantity,
			ReturnableQuantity:   e.Returnable,
			ImageURL:             l.Image,
			WeightInKilograms:    kilograms(l.Weight),
			ProductRef:           l.ProductID,
			VariantRef:           l.VariantID,
			SKU:                  l.SKU,
			Categories:           []string{},
			NonReturnableReasons: append([]string{}, e.Reasons...),
		}
		if it.ImageURL == "" && len(l.Images) > 0 {
			it.ImageURL = l.Images[0].URL
		}
		var discount, tax int64
		if v, ok := values[l.ID]; ok {
			t := v.Total()
			discount, tax = t.Discount+t.OrderDiscount, t.Tax
		} else { // the coverage line: its own amounts, no share of the order's
			for _, d := range l.Discounts {
				discount += d.Amount.Shop.Minor
			}
			for _, tl := range l.TaxLines {
				tax += tl.Amount.Shop.Minor
			}
		}
		if discount != 0 {
			d := Amount(discount, cur)
			it.Discount = &d
		}
		if len(l.TaxLines) > 0 {
			it.TaxDetail = &RapiLineItemTaxDetail{Amount: Amount(tax, cur), Rate: singleRate(l.TaxLines)}
		}
		ro.LineItems = append(ro.LineItems, it)
	}
	return ro, nil
}

// ReturnFor maps r, a return of order o valued by returns.ValueItems and
// returns.ComputeTotals, to the RapiReturn that GET /refund answers. p is
// the store's policy, used to split reason codes into reason and child
// reason.
//
//   - merchant_rma_ref is r.ID; rejected items are left out;
//   - each item's price is the value of its units (returns.ItemDetail.Value:
//     after discounts, with tax); tax_detail is their tax;
//   - return_reason and child_return_reason are the labels of the item's
//     reason and, for a child reason, of its parent (parent first); without
//     a reason known to p, return_reason is the item's Reason label, or its
//     ReasonCode, and may be "";
//   - adjustments: a merchant override of an item's credit becomes an
//     adjustment on that item (the override minus the value); the return's
//     restocking and merchant adjustments are split over the items in
//     proportion to what they credit, exactly (largest remainder, ties to
//     the earlier item), so they sum to the return's to the minor unit;
//   - the return shipping fee actually deducted (Totals.ShippingFee) is
//     return_shipping.deductions, with the label's tracking and the
//     return's address as from_address; return_shipping is absent when
//     there is none of the three.
//
// It returns an error when o or r is nil, r is not a return of o, r has no
// item left, or an item's line is not a line of o.
func ReturnFor(o *returns.Order, r *returns.Return, p returns.Policy) (*RapiReturn, error) {
	if o == nil || r == nil {
		return nil, errors.New("refundid: no order or return")
	}
	if r.OrderID != "" && o.ID != "" && r.OrderID != o.ID {
		return nil, fmt.Errorf("refundid: return %s is not a return of order %s", r.ID, o.ID)
	}
	cur := r.Currency
	if cur == "" {
		cur = o.ShopCurrency
	}
	lines := make(map[string]bool, len(o.Lines))
	for _, l := range o.Lines {
		lines[l.ID] = true
	}
	var items []*returns.ReturnItem
	var credits []int64
	for i := range r.Items {
		it := &r.Items[i]
		if it.Status == returns.ItemRejected {
			continue
		}
		if !lines[it.OrderLineID] {
			return nil, fmt.Errorf("refundid: return item %s: line %q is not in order %s", it.ID, it.OrderLineID, o.Name)
		}
		c := it.Value.Total
		if it.MerchantAdjustment != nil {
			c = *it.MerchantAdjustment
		}
		items = append(items, it)
		credits = append(credits, max(c, 0))
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("refundid: return %s has no item to refund", r.ID)
	}

	rr := &RapiReturn{MerchantRMARef: r.ID, CreatedAt: r.CreatedAt, LineItems: make([]RapiReturnLineItem, len(items))}
	for k, it := range items {
		li := RapiReturnLineItem{
			MerchantOrderRef:   o.ExternalID,
			LineItemRef:        it.OrderLineID,
			Price:              Amount(it.Value.Total, cur),
			Quantity:           it.Quantity,
			Adjustments:        []RapiReturnAdjustment{},
			CompensationMethod: compensation(r.ItemCompensation(it)),
		}
		if it.Value.Tax != 0 {
			li.TaxDetail = &RapiLineItemTaxDetail{Amount: Amount(it.Value.Tax, cur)}
		}
		li.ReturnReason, li.ChildReturnReason = reasons(p, it)
		if it.MerchantAdjustment != nil && *it.MerchantAdjustment != it.Value.Total {
			li.Adjustments = append(li.Adjustments, RapiReturnAdjustment{
				Adjustment: Amount(*it.MerchantAdjustment-it.Value.Total, cur), Description: "Merchant adjustment",
			})
		}
		rr.LineItems[k] = li
	}
	for _, a := range r.Adjustments {
		if a.Kind == returns.AdjustmentReturnShipping || a.Amount == 0 {
			continue
		}
		for k, part := range returns.Apportion(a.Amount, credits) {
			if part != 0 {
				rr.LineItems[k].Adjustments = append(rr.LineItems[k].Adjustments,
					RapiReturnAdjustment{Adjustment: Amount(part, cur), Description: a.Description})
			}
		}
	}

	var rs RapiReturnShipping
	rs.FromAddress = address(r.ShippingAddress)
	if r.Label != nil && r.Label.TrackingNumber != "" {
		rs.Tracking = &RapiTracking{Carrier: r.Label.Carrier, TrackingNumber: r.Label.TrackingNumber, TrackingURL: r.Label.TrackingURL}
	}
	if r.Totals.ShippingFee > 0 {
		d := Amount(r.Totals.ShippingFee, cur)
		rs.Deductions = &d
	}
	if rs != (RapiReturnShipping{}) {
		rr.ReturnShipping = &rs
	}
	return rr, nil
}

// reasons returns an item's reason and child reason labels.
func reasons(p returns.Policy, it *returns.ReturnItem) (reason, child string) {
	if it.ReasonCode != "" {
		if rsn, parent, ok := p.FindReason(it.ReasonCode); ok {
			if parent != nil {
				return parent.Label, rsn.Label
			}
			return rsn.Label, ""
		}
	}
	if it.Reason != "" {
		return it.Reason, ""
	}
	return it.ReasonCode, ""
}

func compensation(c returns.Compensation) RapiCompensationMethod {
	switch c {
	case returns.CompensationStoreCredit:
		return CompensationCredit
	case returns.CompensationExchange:
		return CompensationExchange
	}
	return CompensationRefund
}

// address maps a, or returns nil when a is empty.
func address(a returns.Address) *RapiAddress {
	if a == (returns.Address{}) {
		return nil
	}
	return &RapiAddress{
		FirstName: a.FirstName, LastName: a.LastName, Company: a.Company,
		Line1: a.Address1, Line2: a.Address2, City: a.City, State: a.ProvinceCode,
		Postcode: a.Zip, Country: a.CountryCode, Phone: a.Phone,
	}
}

func fulfillmentTracking(f returns.Fulfillment) *RapiTracking {
	if len(f.TrackingNumbers) == 0 {
		return nil
	}
	t := &RapiTracking{Carrier: f.TrackingNumbers[0].Carrier, TrackingNumber: f.TrackingNumbers[0].Number}
	if len(f.TrackingURLs) > 0 {
		t.TrackingURL = f.TrackingURLs[0]
	}
	return t
}

// singleRate returns the rate shared by every tax line, "" when they differ
// or none has one.
func singleRate(tls []returns.TaxLine) string {
	rate := tls[0].Rate
	for _, tl := range tls[1:] {
		if tl.Rate != rate {
			return ""
		}
	}
	return rate
}

// kilograms converts one unit's weight; 0 for no weight or an unknown unit.
func kilograms(w *returns.Weight) float64 {
	if w == nil {
		return 0
	}
	switch strings.ToLower(strings.TrimSpace(w.Unit)) {
	case "g", "gram", "grams":
		return w.Value / 1000
	case "kg", "kilogram", "kilograms":
		return w.Value
	case "lb", "lbs", "pound", "pounds":
		return w.Value * 0.45359237
	case "oz", "ounce", "ounces":
		return w.Value * 0.028349523125
	}
	return 0
}

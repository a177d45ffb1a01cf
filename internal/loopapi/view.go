package loopapi

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/returns"
)

// LineKey names one returned unit: unit Unit (0 ≤ Unit < Quantity) of the
// return item with id Item.
type LineKey struct {
	Item string
	Unit int
}

// IDs are the numeric ids Loop's clients see, assigned by the caller (the
// store will keep them as columns, assigned once and never reused).
type IDs struct {
	Return int64 // the return's id; must be > 0
	Order  int64 // the order's id; 0 renders order_id as ""
	// LineItems has the id of every returned unit. A missing unit is an
	// error.
	LineItems map[LineKey]int64
}

// ViewOptions are what the views read beyond the return and its order.
type ViewOptions struct {
	// Policy gives the parent_return_reason of a child reason; nil leaves
	// it null.
	Policy *returns.Policy
	// StatusPageURL is the shopper's page for the return; "" renders null.
	StatusPageURL string
	// Gateway names the refunds' gateway; "" uses the order's first
	// transaction's gateway, else "manual".
	Gateway string
}

// unit is one returned unit with its money, in minor units.
type unit struct {
	key    LineKey
	id     int64
	item   *returns.ReturnItem
	value  returns.UnitValue
	credit int64
}

// Fields renders what the list item, the details and the webhook payload
// share. o is the return's order (nil when it has none). Amounts are in
// r.Currency (the order's shop currency when r.Currency is empty).
//
// Each unit's money is exact: with the order and the item's unit slots, the
// slot's value from returns.OrderValues; otherwise the item's value split
// evenly, leftover minor units going to the last units. Either way the
// units of an item add up to exactly its value, and their refunds to
// exactly what it credits (0 when rejected, the merchant adjustment when
// set).
//
// It returns an error when ids.Return is not positive, a unit has no id in
// ids.LineItems, or the order's money is inconsistent.
func Fields(r *returns.Return, o *returns.Order, ids IDs, opt ViewOptions) (ReturnFields, error) {
	if ids.Return <= 0 {
		return ReturnFields{}, fmt.Errorf("loopapi: return %s has no numeric id", r.ID)
	}
	cur := currency(r, o)
	f := func(n int64) string { return money.Format(n, cur) }
	units, err := unitsOf(r, o, ids)
	if err != nil {
		return ReturnFields{}, err
	}
	v := ReturnFields{
		State: StateOf(r.Status), CreatedAt: ts(r.CreatedAt), UpdatedAt: ts(r.UpdatedAt),
		Outcome:   string(r.Compensation),
		OrderName: r.OrderName, ProviderOrderID: r.OrderExternalID,
		OrderNumber: strings.TrimPrefix(r.OrderName, "#"), ProviderOrderNumber: strings.TrimPrefix(r.OrderName, "#"),
		Customer: r.Customer.Email, Currency: cur,
		LineItems: []LineItem{}, Exchanges: []ExchangeItem{},
		Carrier: "N/A", TrackingNumber: "N/A", LabelStatus: "N/A",
		StatusPageURL: nullable(opt.StatusPageURL),
	}
	if ids.Order > 0 {
		v.OrderID = strconv.FormatInt(ids.Order, 10)
	}
	if cc := r.ShippingAddress.CountryCode; cc != "" {
		v.OriginCountryCode = &cc
		v.OriginCountry = nullable(countryName(cc))
	}
	if o != nil {
		v.MultiCurrency = o.PresentmentCurrency != "" && o.PresentmentCurrency != o.ShopCurrency
	}

	var product, discount, tax, credit int64
	for _, u := range units {
		it := u.item
		rt := refundTax(u.value, u.credit)
		li := LineItem{
			LineItemID: strconv.FormatInt(u.id, 10), ProviderLineItemID: it.OrderLineID,
			ProductID: it.ProductID, VariantID: it.VariantID, SKU: it.SKU, Title: it.Title,
			Price: f(u.value.Price), Discount: f(u.value.Discount + u.value.OrderDiscount), Tax: f(u.value.Tax),
			Refund: f(u.credit), RefundItem: f(u.credit - rt), RefundTax: f(rt),
			ReturnReason: it.Reason, ReturnComment: nullable(it.CustomerComment), Outcome: "default",
		}
		if it.Status == returns.ItemComplete && r.ProcessedAt != nil {
			li.ReturnedAt = nullable(ts(*r.ProcessedAt))
		}
		if opt.Policy != nil && it.ReasonCode != "" {
			if _, parent, ok := opt.Policy.FindReason(it.ReasonCode); ok && parent != nil {
				li.ParentReturnReason = nullable(parent.Label)
			}
		}
		v.LineItems = append(v.LineItems, li)
		product += u.value.Price
		discount += u.value.Discount + u.value.OrderDiscount
		tax += u.value.Tax
		credit += u.credit
	}
	v.ReturnProductTotal, v.ReturnDiscountTotal, v.ReturnTaxTotal = f(product), f(discount), f(tax)
	v.ReturnTotal = f(product - discount + tax)
	v.Total = v.ReturnTotal
	v.ReturnCreditTotal = f(credit)

	if r.Exchange != nil {
		for _, ei := range r.Exchange.Items {
			v.Exchanges = append(v.Exchanges, ExchangeItem{ProductID: ei.ProductID, VariantID: ei.VariantID, SKU: ei.SKU,
				Title: ei.Title, Quantity: ei.Quantity, Price: f(ei.Price)})
		}
	}
	t := r.Totals
	v.ExchangeProductTotal, v.ExchangeDiscountTotal, v.ExchangeTaxTotal = f(t.Exchange), f(0), f(0)
	v.ExchangeTotal = f(t.Exchange)
	v.ExchangeCreditTotal = f(max(t.Exchange-t.Charge, 0))
	v.GiftCard, v.Refund, v.Upsell = f(t.StoreCredit), f(t.Refund), f(t.Charge)
	var fees int64
	for _, a := range r.Adjustments {
		if a.Kind == returns.AdjustmentRestockingFee || a.Kind == returns.AdjustmentReturnShipping {
			fees -= a.Amount
		}
	}
	v.HandlingFee = f(fees)

	if l := r.Label; l != nil {
		v.Carrier = orNA(l.Carrier)
		v.TrackingNumber = orNA(l.TrackingNumber)
		v.LabelStatus = LabelStatus(l.Status)
		url := l.PostageLabelURL
		if url == "" {
			url = l.FormLabelURL
		}
		v.LabelURL = nullable(url)
	}
	return v, nil
}

// ListItem renders r as an item of the Detailed Returns List (see Fields).
func ListItem(r *returns.Return, o *returns.Order, ids IDs, opt ViewOptions) (ListReturn, error) {
	f, err := Fields(r, o, ids, opt)
	if err != nil {
		return ListReturn{}, err
	}
	return ListReturn{ID: strconv.FormatInt(ids.Return, 10), RedoID: r.ID, ReturnFields: f}, nil
}

// Details renders r as Get Return Details' answer (see Fields), with the
// refunds processing issued.
func Details(r *returns.Return, o *returns.Order, ids IDs, opt ViewOptions) (ReturnDetails, error) {
	f, err := Fields(r, o, ids, opt)
	if err != nil {
		return ReturnDetails{}, err
	}
	d := ReturnDetails{ID: ids.Return, RedoID: r.ID, ReturnFields: f, Refunds: []Refund{}}
	gw := opt.Gateway
	if gw == "" && o != nil && len(o.Transactions) > 0 {
		gw = o.Transactions[0].PaymentGateway
	}
	if gw == "" {
		gw = "manual"
	}
	provider := r.Provider
	if provider == "" {
		provider = returns.ProviderCustom
	}
	for _, rf := range r.Refunds {
		d.Refunds = append(d.Refunds, Refund{Gateway: gw, Amount: money.Format(rf.Amount, rf.Currency), Currency: rf.Currency,
			ProviderRefundID: rf.ID, Provider: provider})
	}
	return d, nil
}

// ASN renders r's returned units as rows of the Advanced Shipping Notice
// report. closed_at is the processing time, or for a return closed without
// processing its last change; null while the return is not closed.
func ASN(r *returns.Return, o *returns.Order, ids IDs) ([]ASNRow, error) {
	f, err := Fields(r, o, ids, ViewOptions{})
	if err != nil {
		return nil, err
	}
	units, _ := unitsOf(r, o, ids) // Fields checked them
	var closed *string
	if f.State == StateClosed {
		at := r.UpdatedAt
		if r.ProcessedAt != nil {
			at = *r.ProcessedAt
		}
		closed = nullable(ts(at))
	}
	rows := make([]ASNRow, 0, len(units))
	for i, u := range units {
		rs := "pending"
		switch {
		case u.item.Status == returns.ItemRejected:
			rs = "rejected"
		case u.item.Status == returns.ItemComplete && u.item.Restock:
			rs = "restocked"
		case u.item.Status == returns.ItemComplete:
			rs = "not_restocked"
		}
		rows = append(rows, ASNRow{ID: ids.Return, ReturnLineItemID: f.LineItems[i].LineItemID, OrderID: f.OrderID,
			OrderName: f.OrderName, State: f.State, CustomerEmail: f.Customer, Title: u.item.Title,
			PurchasePrice: money.Format(u.value.Total, f.Currency), SKU: u.item.SKU, Carrier: f.Carrier,
			TrackingNumber: f.TrackingNumber, LabelStatus: f.LabelStatus, RestockStatus: rs, Currency: f.Currency,
			CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt, ClosedAt: closed})
	}
	return rows, nil
}

// NotesOf renders a return's text comments as Loop notes, oldest first as
// given; image comments have no place in a note and are left out. ids has
// the numeric id of every comment by Comment.ID; a missing one is an error.
func NotesOf(cs []returns.Comment, ids map[string]int64) (Notes, error) {
	n := Notes{Notes: []Note{}}
	for _, c := range cs {
		if c.Message == "" {
			continue
		}
		id, ok := ids[c.ID]
		if !ok || id <= 0 {
			return Notes{}, fmt.Errorf("loopapi: comment %s has no numeric id", c.ID)
		}
		n.Notes = append(n.Notes, Note{ID: id, Content: c.Message, CreatedAt: ts(c.CreatedAt)})
	}
	return n, nil
}

// LabelStatus maps a label's carrier status (Rebound keeps Redo's
// return-shipment vocabulary) to Loop's label statuses: a label with no
// scan yet ("" or "unknown") is "new"; the tracking statuses both use pass
// through.
func LabelStatus(s string) string {
	switch s {
	case "", "unknown":
		return "new"
	}
	return s
}

// Units lists the LineKeys of r's returned units, in item order: what the
// caller assigns numeric line item ids to.
func Units(r *returns.Return) []LineKey {
	var ks []LineKey
	for _, it := range r.Items {
		for k := 0; k < it.Quantity; k++ {
			ks = append(ks, LineKey{Item: it.ID, Unit: k})
		}
	}
	return ks
}

func unitsOf(r *returns.Return, o *returns.Order, ids IDs) ([]unit, error) {
	var values map[string]returns.LineValue
	if o != nil {
		var err error
		if values, err = returns.OrderValues(o, returns.SideShop); err != nil {
			return nil, err
		}
	}
	var us []unit
	for i := range r.Items {
		it := &r.Items[i]
		if it.Quantity < 1 {
			continue
		}
		vals := slotValues(it, values)
		if vals == nil {
			vals = splitValue(it.Value, it.Quantity)
		}
		credits := make([]int64, it.Quantity)
		switch {
		case it.Status == returns.ItemRejected:
		case it.MerchantAdjustment != nil:
			credits = splitInt(*it.MerchantAdjustment, it.Quantity)
		default:
			for k := range credits {
				credits[k] = vals[k].Total
			}
		}
		for k := 0; k < it.Quantity; k++ {
			key := LineKey{Item: it.ID, Unit: k}
			id, ok := ids.LineItems[key]
			if !ok || id <= 0 {
				return nil, fmt.Errorf("loopapi: unit %d of item %s of return %s has no numeric line item id", k, it.ID, r.ID)
			}
			us = append(us, unit{key: key, id: id, item: it, value: vals[k], credit: credits[k]})
		}
	}
	return us, nil
}

// slotValues returns the values of the item's unit slots, or nil when the
// item's slots do not name its line's slots (no order, or an item valued
// without slots).
func slotValues(it *returns.ReturnItem, values map[string]returns.LineValue) []returns.UnitValue {
	lv, ok := values[it.OrderLineID]
	if !ok || len(it.Slots) != it.Quantity {
		return nil
	}
	out := make([]returns.UnitValue, 0, it.Quantity)
	var sum returns.UnitValue
	for _, s := range it.Slots {
		if s < 0 || s >= len(lv.Units) {
			return nil
		}
		out = append(out, lv.Units[s])
		sum = sum.Add(lv.Units[s])
	}
	if sum != it.Value {
		return nil // the item was valued otherwise; its Value is the truth
	}
	return out
}

// splitValue splits v over q units, each component separately, leftovers
// to the last units; every unit's Total follows from its components.
func splitValue(v returns.UnitValue, q int) []returns.UnitValue {
	p, d, od, t := splitInt(v.Price, q), splitInt(v.Discount, q), splitInt(v.OrderDiscount, q), splitInt(v.Tax, q)
	out := make([]returns.UnitValue, q)
	for k := range out {
		out[k] = returns.UnitValue{Price: p[k], Discount: d[k], OrderDiscount: od[k], Tax: t[k], Total: p[k] - d[k] - od[k] + t[k]}
	}
	if sumTotal(out) != v.Total {
		// An inconsistent value (e.g. imported): keep its Total exact.
		tt := splitInt(v.Total, q)
		for k := range out {
			out[k].Total = tt[k]
		}
	}
	return out
}

func sumTotal(us []returns.UnitValue) int64 {
	var s int64
	for _, u := range us {
		s += u.Total
	}
	return s
}

// splitInt splits n into q parts that differ by at most one and add up to n,
// the larger parts last.
func splitInt(n int64, q int) []int64 {
	out := make([]int64, q)
	base, rem := n/int64(q), n%int64(q)
	for k := range out {
		out[k] = base
	}
	step := int64(1)
	if rem < 0 {
		step, rem = -1, -rem
	}
	for k := q - 1; rem > 0; k, rem = k-1, rem-1 {
		out[k] += step
	}
	return out
}

// refundTax is the tax part of a unit's credit: all its tax when it credits
// its whole value, none when it credits nothing, else the tax in proportion,
// rounded down.
func refundTax(v returns.UnitValue, credit int64) int64 {
	switch {
	case credit == v.Total:
		return v.Tax
	case credit <= 0 || v.Total <= 0 || v.Tax <= 0:
		return 0
	}
	x := new(big.Int).Mul(big.NewInt(v.Tax), big.NewInt(credit))
	x.Quo(x, big.NewInt(v.Total))
	return min(x.Int64(), v.Tax, credit)
}

func currency(r *returns.Return, o *returns.Order) string {
	if r.Currency == "" && o != nil {
		return o.ShopCurrency
	}
	return r.Currency
}

func countryName(code string) string {
	reg, err := language.ParseRegion(code)
	if err != nil {
		return ""
	}
	return display.English.Regions().Name(reg)
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func orNA(s string) string {
	if s == "" {
		return "N/A"
	}
	return s
}

// ts renders a time as Loop does: RFC 3339 in UTC, to the second.
func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

package customorder

import (
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/returns"
)

// lineState is what the cross-field rules need to know about a line item.
type lineState struct {
	id            string // "" when missing or invalid
	qty           int    // 0 when invalid
	fulfilled     int
	returnable    int
	hasReturnable bool // returnableQuantity was given (non-null)
}

// The coverage line is recognised by these exact values.
const (
	coverageVendor = "re:do"
	coverageSKU    = "x-redo"
	redoTypeProp   = "_redo_type"
	msgCoverage    = `a coverage line (vendor "re:do", sku "x-redo") needs a tag "returns", "package protection" or "both", or a "_redo_type" property with value "return", "package protection" or "both"`
)

var cancelReasons = map[string]bool{
	"customer": true, "fraud": true, "inventory": true, "declined": true, "other": true, "staff": true,
}

// order walks custom-order-sync.schema.
func (w *walker) order(o map[string]any) *returns.Order {
	ord := &returns.Order{}
	w.coverage = -1

	if id, ok := w.id(o, "id"); ok {
		ord.ExternalID, ord.Name = id, id
	}
	if typ, ok := w.str(o, "type", required); ok && typ != "order" {
		w.failAt("type", `must be "order"`)
	}
	ord.CreatedAt, _ = w.timestamp(o, "createdAt", required)
	ord.UpdatedAt, _ = w.timestamp(o, "updatedAt", required)
	w.presentment, _ = w.currency(o, "presentmentCurrency")
	w.shop, _ = w.currency(o, "shopCurrency")
	ord.PresentmentCurrency, ord.ShopCurrency = w.presentment, w.shop

	if c, ok := w.obj(o, "customer", required); ok {
		w.in("customer")
		ord.Customer = w.customer(c)
		w.out()
	}

	w.lineItems(o, ord)
	ord.Discounts = w.discounts(o, "orderDiscounts", required)
	ord.ShippingLines = each(w, o, "shippingLines", required, w.shippingLine)
	ord.Fulfillments = each(w, o, "fulfillments", required, w.fulfillment)
	if a, ok := w.obj(o, "shippingAddress", required); ok {
		w.in("shippingAddress")
		ord.ShippingAddress = w.address(a, required)
		w.out()
	}
	if a, ok := w.obj(o, "billingAddress", nullable); ok {
		w.in("billingAddress")
		addr := w.address(a, nullable)
		w.out()
		ord.BillingAddress = &addr
	}
	ord.SalesChannel, _ = w.str(o, "salesChannel", nullable)
	ord.Tags = w.strs(o, "tags", optional)
	ord.Metafields = w.metafields(o)
	ord.CancelledAt = w.optTimestamp(o, "cancelledAt")
	if r, ok := w.str(o, "cancelReason", nullable); ok {
		if !cancelReasons[r] {
			w.failAt("cancelReason", `must be one of "customer", "fraud", "inventory", "declined", "other", "staff" or null`)
		}
		ord.CancelReason = r
	}
	ord.Transactions = each(w, o, "transactions", optional, w.transaction)
	ord.Refunds = each(w, o, "refunds", optional, w.refund)

	if len(w.errs) > 0 {
		return nil
	}
	for i := range ord.Lines {
		st := &w.lines[i]
		l := &ord.Lines[i]
		l.FulfilledQuantity = st.fulfilled
		switch {
		case l.IsCoverage():
			l.ReturnableQuantity = 0
		case st.hasReturnable:
			l.ReturnableQuantity = st.returnable
		default:
			l.ReturnableQuantity = st.fulfilled
		}
	}
	if w.coverage >= 0 {
		ord.Coverage = ord.Lines[w.coverage].Coverage
	}
	return ord
}

func (w *walker) customer(o map[string]any) returns.Customer {
	var c returns.Customer
	if email, ok := w.str(o, "email", required); ok {
		if !validEmail(email) {
			w.failAt("email", "must be a valid email address (e.g. jane@example.com)")
		}
		c.Email = email
	}
	c.Phone, _ = w.str(o, "phone", nullable)
	c.ID, _ = w.str(o, "id", optional)
	c.FirstName, _ = w.str(o, "firstName", required)
	c.LastName, _ = w.str(o, "lastName", required)
	c.Tags = w.strs(o, "tags", optional)
	return c
}

// validEmail accepts a bare address (no display name, comments or angle
// brackets) whose domain is a dotted host name.
func validEmail(s string) bool {
	if len(s) > 254 {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return false
	}
	return validHost(s[at+1:])
}

// validHost reports whether h is a host name of at least two labels, each
// 1-63 bytes of letters, digits, hyphens (not at either end) or non-ASCII
// (internationalised names), with a top-level label that is not numeric.
func validHost(h string) bool {
	labels, allDigits := 0, false
	for len(h) > 0 {
		label := h
		if i := strings.IndexByte(h, '.'); i >= 0 {
			label, h = h[:i], h[i+1:]
			if h == "" {
				return false // trailing dot
			}
		} else {
			h = ""
		}
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		allDigits = true
		for i := 0; i < len(label); i++ {
			c := label[i]
			switch {
			case '0' <= c && c <= '9':
			case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', c == '-', c >= 0x80:
				allDigits = false
			default:
				return false
			}
		}
		labels++
	}
	return labels >= 2 && !allDigits
}

// address walks custom-order-address.schema (f = required: the five core
// fields are required strings) or custom-order-billing-address.schema (f =
// nullable: every field is an optional nullable string).
func (w *walker) address(o map[string]any, f flags) returns.Address {
	var a returns.Address
	a.Address1, _ = w.str(o, "address1", f)
	a.Address2, _ = w.str(o, "address2", nullable)
	a.City, _ = w.str(o, "city", f)
	a.Company, _ = w.str(o, "company", nullable)
	a.FirstName, _ = w.str(o, "firstName", nullable)
	a.LastName, _ = w.str(o, "lastName", nullable)
	a.ProvinceCode, _ = w.str(o, "provinceCode", f)
	a.Zip, _ = w.str(o, "zip", f)
	a.CountryCode, _ = w.str(o, "countryCode", f)
	a.Phone, _ = w.str(o, "phone", nullable)
	return a
}

// lineItems walks the lineItems array, checking id uniqueness and the
// coverage line.
func (w *walker) lineItems(o map[string]any, ord *returns.Order) {
	items, ok := w.arr(o, "lineItems", required, MaxLineItems)
	if !ok {
		return
	}
	if len(items) == 0 {
		w.failAt("lineItems", "must have at least one item")
		return
	}
	ord.Lines = make([]returns.OrderLine, len(items))
	w.lines = make([]lineState, len(items))
	if len(items) > 16 { // linear search is faster for small orders
		w.lineIndex = make(map[string]int, len(items))
	}
	w.in("lineItems")
	for i, v := range items {
		w.at(i)
		if m, ok := v.(map[string]any); ok {
			w.lineItem(i, m, &ord.Lines[i])
		} else {
			w.fail("must be an object")
		}
		w.out()
	}
	w.out()
}

func (w *walker) lineItem(i int, o map[string]any, l *returns.OrderLine) {
	st := &w.lines[i]
	if id, ok := w.id(o, "id"); ok {
		l.ID = id
		if j := w.lineByID(id); j >= 0 {
			w.failAt("id", fmt.Sprintf("duplicate line item id %q (also used by lineItems[%d])", id, j))
		} else {
			st.id = id
			if w.lineIndex != nil {
				w.lineIndex[id] = i
			}
		}
	}
	if q, ok := w.whole(o, "quantity", required, 1, MaxQuantity, msgQuantity); ok {
		l.Quantity, st.qty = q, q
	}
	l.Price, _ = w.moneySet(o, "priceSet", required, true)
	hi, rangeMsg := int64(MaxQuantity), "must be between 0 and 1000"
	if st.qty > 0 {
		hi, rangeMsg = int64(st.qty), fmt.Sprintf("must be between 0 and the line's quantity (%d)", st.qty)
	}
	if r, ok := w.whole(o, "returnableQuantity", nullable, 0, hi, rangeMsg); ok {
		st.returnable, st.hasReturnable = r, true
	}
	l.Title, _ = w.str(o, "title", required)
	l.VariantTitle, _ = w.str(o, "variantTitle", nullable)
	l.Vendor, _ = w.str(o, "vendor", nullable)
	l.FulfillmentService, _ = w.str(o, "fulfillmentService", nullable)
	l.ProductID, _ = w.str(o, "productId", required)
	l.VariantID, _ = w.str(o, "variantId", nullable)
	l.AdditionalProductID, _ = w.str(o, "additionalProductId", nullable)
	l.SKU, _ = w.str(o, "sku", required)
	l.Properties = each(w, o, "properties", optional, func(m map[string]any) (p returns.Property) {
		p.Name, _ = w.str(m, "name", required)
		p.Value, _ = w.str(m, "value", required)
		return p
	})
	l.Tags = w.strs(o, "tags", optional)
	l.Metafields = w.metafields(o)
	if m, ok := w.obj(o, "weight", nullable); ok {
		w.in("weight")
		l.Weight = w.weight(m)
		w.out()
	}
	l.Image, _ = w.str(o, "image", nullable)
	l.Images = each(w, o, "images", optional, func(m map[string]any) (img returns.Image) {
		img.URL, _ = w.str(m, "url", required)
		img.Data, _ = w.str(m, "data", nullable)
		return img
	})
	l.Discounts = w.discounts(o, "discounts", optional)
	l.TaxLines = w.taxLines(o)

	if l.Vendor == coverageVendor && l.SKU == coverageSKU {
		l.Coverage = coverageOf(l.Tags, l.Properties)
		switch {
		case l.Coverage == returns.CoverageNone:
			w.failAt("tags", msgCoverage)
		case w.coverage >= 0:
			w.failAt("sku", fmt.Sprintf(`only one coverage line (vendor "re:do", sku "x-redo") is allowed per order; lineItems[%d] is one already`, w.coverage))
		default:
			w.coverage = i
		}
	}
}

// lineByID returns the index of the first line item with the given id, or
// -1. During the line walk only the lines seen so far are found.
func (w *walker) lineByID(id string) int {
	if w.lineIndex != nil {
		if j, ok := w.lineIndex[id]; ok {
			return j
		}
		return -1
	}
	for j := range w.lines {
		if w.lines[j].id == id {
			return j
		}
	}
	return -1
}

// coverageOf combines the coverage named by a line's tags and _redo_type
// properties; returns plus package protection is both.
func coverageOf(tags []string, props []returns.Property) returns.Coverage {
	var bits uint8
	for _, t := range tags {
		bits |= coverageBits(t)
	}
	for _, p := range props {
		if p.Name == redoTypeProp {
			bits |= coverageBits(p.Value)
		}
	}
	switch bits {
	case 1:
		return returns.CoverageReturns
	case 2:
		return returns.CoveragePackageProtection
	case 3:
		return returns.CoverageBoth
	}
	return returns.CoverageNone
}

func coverageBits(s string) uint8 {
	s = strings.TrimSpace(s)
	switch {
	case strings.EqualFold(s, "returns"), strings.EqualFold(s, "return"):
		return 1
	case strings.EqualFold(s, "package protection"):
		return 2
	case strings.EqualFold(s, "both"):
		return 3
	}
	return 0
}

func (w *walker) weight(o map[string]any) *returns.Weight {
	var wt returns.Weight
	if n, ok := w.num(o, "value", required); ok {
		v, err := strconv.ParseFloat(string(n), 64) // underflow gives 0, overflow ±Inf and an error
		switch {
		case v < 0:
			w.failAt("value", msgNegative)
		case err != nil:
			w.failAt("value", "is too large")
		case v == 0:
			wt.Value = 0 // not -0
		default:
			wt.Value = v
		}
	}
	wt.Unit, _ = w.str(o, "unit", required)
	return &wt
}

func (w *walker) metafields(o map[string]any) []returns.Metafield {
	return each(w, o, "metafields", optional, func(m map[string]any) (mf returns.Metafield) {
		mf.Namespace, _ = w.str(m, "namespace", required)
		mf.Key, _ = w.str(m, "key", required)
		mf.Value, _ = w.str(m, "value", required)
		return mf
	})
}

// discounts walks an array of discount.schema.
func (w *walker) discounts(o map[string]any, key string, f flags) []returns.Discount {
	return each(w, o, key, f, func(m map[string]any) (d returns.Discount) {
		d.Amount, _ = w.moneySet(m, "amountSet", required, true)
		d.ID, _ = w.str(m, "discountId", required)
		d.Title, _ = w.str(m, "discountTitle", optional)
		d.Code, _ = w.str(m, "discountCode", optional)
		return d
	})
}

// taxLines walks the taxLines array of tax-line.schema.
func (w *walker) taxLines(o map[string]any) []returns.TaxLine {
	return each(w, o, "taxLines", optional, func(m map[string]any) (t returns.TaxLine) {
		t.Amount, _ = w.moneySet(m, "priceSet", required, true)
		if _, present := m["rate"]; !present {
			w.failAt("rate", "is required (send null when the rate is unknown)")
		} else if r, ok := w.str(m, "rate", nullable); ok {
			switch {
			case money.CheckDecimal(r) != nil:
				w.failAt("rate", "must be a decimal string or null")
			case r[0] == '-' && strings.Trim(r, "-0.") != "":
				w.failAt("rate", msgNegative)
			default:
				t.Rate = r
			}
		}
		t.Title = "Tax" // the schema's default
		if title, ok := w.str(m, "title", optional); ok {
			t.Title = title
		}
		return t
	})
}

func (w *walker) shippingLine(o map[string]any) returns.ShippingLine {
	var s returns.ShippingLine
	s.ID, _ = w.id(o, "id")
	s.Title, _ = w.str(o, "title", required)
	s.Code, _ = w.str(o, "code", optional)
	s.Price, _ = w.moneySet(o, "priceSet", required, true)
	s.Discounts = w.discounts(o, "discounts", optional)
	s.TaxLines = w.taxLines(o)
	return s
}

func (w *walker) fulfillment(o map[string]any) returns.Fulfillment {
	var f returns.Fulfillment
	f.ID, _ = w.id(o, "id")
	f.TrackingNumbers = each(w, o, "trackingNumbers", optional, func(m map[string]any) (t returns.TrackingNumber) {
		t.Carrier, _ = w.str(m, "carrier", nullable)
		t.Number, _ = w.str(m, "trackingNumber", required)
		return t
	})
	f.TrackingURLs = w.strs(o, "trackingUrls", optional)
	f.Lines = each(w, o, "lineItems", required, w.fulfillmentLine)
	if f.Lines == nil {
		f.Lines = []returns.FulfillmentLine{} // the field is not optional
	}
	f.ShippingDate = w.optTimestamp(o, "shippingDate")
	f.DeliveryDate = w.optTimestamp(o, "deliveryDate")
	return f
}

func (w *walker) fulfillmentLine(o map[string]any) returns.FulfillmentLine {
	var fl returns.FulfillmentLine
	line := -1
	if id, ok := w.id(o, "id"); ok {
		fl.LineID = id
		if line = w.lineByID(id); line < 0 {
			w.failAt("id", fmt.Sprintf("unknown line item %q", id))
		}
	}
	q, ok := w.whole(o, "quantity", required, 1, MaxQuantity, "must be between 1 and 1000")
	if !ok {
		return fl
	}
	fl.Quantity = q
	if line < 0 {
		return fl
	}
	st := &w.lines[line]
	st.fulfilled += q
	if st.qty > 0 && st.fulfilled > st.qty {
		w.failAt("quantity", fmt.Sprintf("brings the fulfilled quantity of line item %q to %d, more than its quantity (%d)", st.id, st.fulfilled, st.qty))
	}
	return fl
}

// transactionFields are the members of custom-order-transaction.schema that
// map to Transaction's own fields; any other member goes to Extra.
var transactionFields = map[string]bool{
	"paymentId": true, "amount": true, "currency": true, "createdDate": true, "paymentGateway": true,
}

func (w *walker) transaction(o map[string]any) returns.Transaction {
	var t returns.Transaction
	t.PaymentID, _ = w.id(o, "paymentId")

	// As for money objects, the currency decides how the amount parses but
	// is reported after it.
	code, codeMsg := currencyField(o, "currency")
	if n, ok := w.num(o, "amount", required); ok && codeMsg == "" {
		v, err := money.ParseNumber(n, code)
		var ae *money.AmountError
		switch {
		case errors.As(err, &ae):
			w.failAt("amount", ae.Reason)
		case err != nil:
			w.failAt("amount", err.Error())
		case v < 0:
			w.failAt("amount", msgNegative)
		default:
			t.Amount.Minor = v
		}
	}
	t.Amount.Currency = code
	if codeMsg != "" {
		w.failAt("currency", codeMsg)
	}
	t.CreatedAt, _ = w.timestamp(o, "createdDate", required)
	t.PaymentGateway, _ = w.str(o, "paymentGateway", required)
	if d, ok := w.obj(o, "additionalDetails", optional); ok {
		w.in("additionalDetails")
		if s, ok := w.str(d, "creditCardLastFour", required); ok && utf8.RuneCountInString(s) != 4 {
			w.failAt("creditCardLastFour", "must be exactly 4 characters")
		}
		w.out()
	}
	for k, v := range o {
		if !transactionFields[k] {
			if t.Extra == nil {
				t.Extra = make(map[string]any, len(o)-len(transactionFields))
			}
			t.Extra[k] = v
		}
	}
	return t
}

func (w *walker) refund(o map[string]any) returns.Refund {
	var r returns.Refund
	r.ID, _ = w.id(o, "id")
	r.CreatedAt, _ = w.timestamp(o, "createdAt", required)
	r.Note, _ = w.str(o, "note", nullable)
	r.Lines = each(w, o, "lineItems", optional, func(m map[string]any) (rl returns.RefundLine) {
		rl.LineID, _ = w.str(m, "lineItemId", required)
		rl.Quantity, _ = w.whole(m, "quantity", required, 1, MaxQuantity, "must be between 1 and 1000")
		rl.Subtotal, _ = w.moneySet(m, "subtotalSet", required, true)
		rl.TotalTax, _ = w.moneySet(m, "totalTaxSet", required, true)
		return rl
	})
	// A refund line for an unknown line item is ignored, as Redo does.
	r.Lines = slices.DeleteFunc(r.Lines, func(rl returns.RefundLine) bool { return w.lineByID(rl.LineID) < 0 })
	if len(r.Lines) == 0 {
		r.Lines = nil
	}
	r.ShippingRefunds = w.refundAmounts(o, "shippingRefunds")
	r.OrderLevelRefunds = w.refundAmounts(o, "orderLevelRefunds")
	return r
}

func (w *walker) refundAmounts(o map[string]any, key string) []returns.RefundAmount {
	return each(w, o, key, optional, func(m map[string]any) (ra returns.RefundAmount) {
		ra.Amount, _ = w.moneySet(m, "amountSet", required, true)
		if _, present := m["taxAmountSet"]; present {
			tax, _ := w.moneySet(m, "taxAmountSet", optional, true)
			ra.Tax = &tax
		}
		ra.Reason, _ = w.str(m, "reason", optional)
		return ra
	})
}

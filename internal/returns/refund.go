package returns

// Refund math: what each unit of an order line is worth when it comes back,
// to the minor unit, with no money created or lost by rounding.
//
// Everything here is a pure function of its arguments. Amounts are int64
// minor units of one currency (the order's shop or presentment currency, see
// CurrencySide); no function here knows or needs the currency's scale, since
// every rule works on integers.
//
// # The value of a unit
//
// A line of quantity q has q unit slots, numbered 0..q-1. Each slot gets a
// UnitValue whose components sum, over all q slots, to exactly:
//
//	Price         = price × q               (the line's gross)
//	Discount      = Σ line discounts        (totals over the whole line)
//	OrderDiscount = the line's share of the order-level discounts
//	Tax           = Σ line tax lines        (totals over the whole line)
//	Total         = Price − Discount − OrderDiscount + Tax
//
// A return consumes slots in order (RefundUnits), so any sequence of partial
// returns that ends up covering the whole quantity refunds exactly what was
// paid for the line — never a minor unit more or less.
//
// # Rounding
//
// Every split is a largest-remainder (Hamilton) apportionment of an integer
// total, with a documented deterministic tie-break, so the parts are
// non-negative integers that add up to the total exactly.
//
// Across lines, the order-level discount total is split in proportion to each
// line's net (price × q − line discounts); ties between equal remainders go to
// the earlier line in Order.Lines. Redo coverage lines take no part: they are
// never refundable, so they get no share.
//
// Within a line, each component (discount, order-discount share, tax) is
// split over the q slots separately. All slots weigh the same, so every slot
// gets ⌊total/q⌋ and the total mod q leftover units go one each to slots
// chosen by index, counting down from the last slot:
//
//   - line discount and tax leftovers go to slots q−1, q−2, …;
//   - order-discount leftovers go to the slots just below the line-discount
//     leftovers, wrapping around from slot 0 to slot q−1.
//
// So the last units returned absorb the rounding: 3 units of 10.00 with a
// 1.00 line discount are worth 9.67, 9.67 and 9.66. Placing the two kinds of
// discount leftovers side by side rather than on top of each other keeps every
// slot's pre-tax net (Price − Discount − OrderDiscount) non-negative, and
// aligning the tax leftovers with the discount leftovers keeps the Totals of a
// line's slots within one minor unit of each other.

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
)

// MaxRefundQuantity bounds the quantity of a line that OrderValues accepts:
// one UnitValue is kept per unit. It is far above what any order carries (the
// Redo decoder allows 1000).
const MaxRefundQuantity = 100_000

// CurrencySide selects which amount of every MoneySet the refund math reads:
// the shop's currency or the currency the shopper paid in. The two sides are
// computed independently; slot i of a line on one side is the same physical
// unit as slot i on the other.
type CurrencySide uint8

const (
	SideShop        CurrencySide = iota // MoneySet.Shop, in Order.ShopCurrency
	SidePresentment                     // MoneySet.Presentment, in Order.PresentmentCurrency
)

// String returns "shop" or "presentment".
func (s CurrencySide) String() string {
	switch s {
	case SideShop:
		return "shop"
	case SidePresentment:
		return "presentment"
	}
	return "CurrencySide(" + strconv.Itoa(int(s)) + ")"
}

func (s CurrencySide) pick(m MoneySet) Money {
	if s == SidePresentment {
		return m.Presentment
	}
	return m.Shop
}

// UnitValue is the value of one unit slot of a line, or the sum over several
// slots (RefundUnits, LineValue.Total) or over the shipping lines
// (ShippingValue). All components are non-negative and
// Total = Price − Discount − OrderDiscount + Tax.
type UnitValue struct {
	Price         int64 `json:"price"`         // gross, before any discount or tax
	Discount      int64 `json:"discount"`      // share of the line's own discounts
	OrderDiscount int64 `json:"orderDiscount"` // share of the order-level discounts
	Tax           int64 `json:"tax"`           // share of the line's taxes
	Total         int64 `json:"total"`         // what was paid, and what is refunded
}

// Add returns the component-wise sum of u and w. It does not check for
// overflow: sums of values taken from one order that OrderValues or
// ShippingValue accepted cannot overflow, since those functions reject orders
// whose totals do not fit in an int64.
func (u UnitValue) Add(w UnitValue) UnitValue {
	return UnitValue{
		Price:         u.Price + w.Price,
		Discount:      u.Discount + w.Discount,
		OrderDiscount: u.OrderDiscount + w.OrderDiscount,
		Tax:           u.Tax + w.Tax,
		Total:         u.Total + w.Total,
	}
}

// LineValue is the value of every unit slot of one refundable order line, in
// one currency. len(Units) == Quantity.
type LineValue struct {
	LineID   string
	Currency string
	Quantity int
	Units    []UnitValue
}

// Total returns the sum over all the line's slots: the line's gross, its
// discounts total, its share of the order-level discounts, its tax total and
// what was paid for it.
func (v LineValue) Total() UnitValue {
	var t UnitValue
	for _, u := range v.Units {
		t = t.Add(u)
	}
	return t
}

// OrderValues returns the value of every unit of every refundable line of o,
// keyed by line ID, read from the given side of each MoneySet. Coverage lines
// (OrderLine.IsCoverage) are left out: they are never refundable, are not
// checked, and take no share of the order-level discounts. Shipping lines are
// not lines; see ShippingValue.
//
// The result satisfies, for every line l in it:
//
//	Σ slots Price         = l.Price × l.Quantity
//	Σ slots Discount      = Σ l.Discounts
//	Σ slots Tax           = Σ l.TaxLines
//	Σ slots Total         = Price − Discount − OrderDiscount + Tax (summed)
//
// and Σ over lines of OrderDiscount = Σ o.Discounts. Every component of every
// slot is non-negative, and so is every slot's Price − Discount −
// OrderDiscount.
//
// OrderValues returns an EINVALID *Error, with Field naming the offending
// input, when o is nil or its amounts are inconsistent:
//
//   - the side's order currency (ShopCurrency or PresentmentCurrency) is empty,
//     or an amount on that side is in another currency;
//   - an amount (price, discount, tax) is negative;
//   - a refundable line has an empty or duplicate ID, or a quantity outside
//     1..MaxRefundQuantity;
//   - a line's discounts exceed its gross (price × quantity);
//   - the order-level discounts exceed the total net (gross − line discounts)
//     of the refundable lines;
//   - a line or order total does not fit in an int64.
func OrderValues(o *Order, side CurrencySide) (map[string]LineValue, error) {
	if o == nil {
		return nil, &Error{Code: EINVALID, Message: "no order"}
	}
	c, err := newChecker(o, side)
	if err != nil {
		return nil, err
	}

	type lineTotals struct {
		idx                 int // index in o.Lines
		gross, disc, tax, q int64
	}
	var (
		lines      []lineTotals
		nets       []int64
		seen       = make(map[string]bool)
		orderGross int64 // Σ gross + Σ tax over refundable lines, checked to fit
	)
	for i := range o.Lines {
		l := &o.Lines[i]
		if l.IsCoverage() {
			continue
		}
		field := fmt.Sprintf("lines[%d]", i)
		switch {
		case l.ID == "":
			return nil, invalid(field+".id", "must not be empty")
		case seen[l.ID]:
			return nil, invalid(field+".id", fmt.Sprintf("duplicates line id %q", l.ID))
		case l.Quantity < 1 || l.Quantity > MaxRefundQuantity:
			return nil, invalid(field+".quantity", fmt.Sprintf("must be between 1 and %d", MaxRefundQuantity))
		}
		seen[l.ID] = true
		price, err := c.amount(l.Price, field+".price")
		if err != nil {
			return nil, err
		}
		gross, ok := mulCheck(price, l.Quantity)
		if !ok {
			return nil, invalid(field, "price × quantity is too large")
		}
		disc, err := sumAmounts(c, l.Discounts, func(d Discount) MoneySet { return d.Amount }, field+".discounts", "amount")
		if err != nil {
			return nil, err
		}
		tax, err := sumAmounts(c, l.TaxLines, func(t TaxLine) MoneySet { return t.Amount }, field+".taxLines", "amount")
		if err != nil {
			return nil, err
		}
		if disc > gross {
			return nil, invalid(field+".discounts", fmt.Sprintf("total %d exceeds the line's gross %d (price × quantity)", disc, gross))
		}
		if orderGross, ok = addCheck(orderGross, gross); ok {
			orderGross, ok = addCheck(orderGross, tax)
		}
		if !ok {
			return nil, invalid("lines", "order total is too large")
		}
		lines = append(lines, lineTotals{idx: i, gross: gross, disc: disc, tax: tax, q: int64(l.Quantity)})
		nets = append(nets, gross-disc)
	}

	orderDisc, err := sumAmounts(c, o.Discounts, func(d Discount) MoneySet { return d.Amount }, "discounts", "amount")
	if err != nil {
		return nil, err
	}
	var totalNet int64 // ≤ orderGross, so it fits
	for _, n := range nets {
		totalNet += n
	}
	if orderDisc > totalNet {
		return nil, invalid("discounts", fmt.Sprintf("order-level discounts %d exceed the net %d of the refundable lines", orderDisc, totalNet))
	}
	shares := Apportion(orderDisc, nets)

	out := make(map[string]LineValue, len(lines))
	for k, lt := range lines {
		l := &o.Lines[lt.idx]
		out[l.ID] = LineValue{
			LineID:   l.ID,
			Currency: c.currency,
			Quantity: l.Quantity,
			Units:    unitSlots(lt.gross/lt.q, l.Quantity, lt.disc, shares[k], lt.tax),
		}
	}
	return out, nil
}

// unitSlots builds the q slots of a line with unit price price, line discount
// total disc, order-discount share share and tax total tax, as documented at
// the top of this file.
func unitSlots(price int64, q int, disc, share, tax int64) []UnitValue {
	units := make([]UnitValue, q)
	dLeft := spread(disc, q, q-1, func(i int, v int64) { units[i].Discount = v })
	spread(share, q, q-1-dLeft, func(i int, v int64) { units[i].OrderDiscount = v })
	spread(tax, q, q-1, func(i int, v int64) { units[i].Tax = v })
	for i := range units {
		u := &units[i]
		u.Price = price
		u.Total = u.Price - u.Discount - u.OrderDiscount + u.Tax
	}
	return units
}

// spread splits total ≥ 0 over q ≥ 1 equal slots: each gets ⌊total/q⌋, and the
// r = total mod q leftover units go one each to slots from, from−1, …, wrapping
// from slot 0 to slot q−1 (from is taken mod q). It calls set once per slot
// and returns r.
func spread(total int64, q int, from int, set func(slot int, v int64)) int {
	base, r := total/int64(q), int(total%int64(q))
	from = ((from % q) + q) % q
	for i := range q {
		// distance of slot i below from, cyclically: leftovers go to the r
		// slots at distance 0..r-1.
		d := (from - i + q) % q
		v := base
		if d < r {
			v++
		}
		set(i, v)
	}
	return r
}

// Apportion splits total over weights in proportion, by largest remainder:
// part i is ⌊|total|·w_i/W⌋ (W = Σ weights) plus one for the leftover units
// with the largest remainders |total|·w_i mod W, ties going to the lower
// index; every part has total's sign and the parts sum to total exactly.
// Weights must be ≥ 0 with W fitting an int64. When W is 0 the first part
// takes it all (no parts without weights). With 0 ≤ total ≤ W a part never
// exceeds its weight and a zero weight gets zero.
func Apportion(total int64, weights []int64) []int64 {
	parts := make([]int64, len(weights))
	if total == 0 || len(weights) == 0 {
		return parts
	}
	abs := uint64(total)
	if total < 0 {
		abs = -abs
	}
	var sum uint64
	for _, w := range weights {
		sum += uint64(w)
	}
	if sum == 0 {
		parts[0] = total
		return parts
	}
	rems := make([]uint64, len(weights))
	left := abs
	for i, w := range weights {
		hi, lo := bits.Mul64(abs, uint64(w))
		q, r := bits.Div64(hi, lo, sum) // w ≤ sum and abs < 2⁶³, so hi < sum
		parts[i], rems[i] = int64(q), r
		left -= q
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case rems[a] > rems[b]:
			return -1
		case rems[a] < rems[b]:
			return 1
		}
		return 0 // stable: lower index first
	})
	for _, i := range order[:left] {
		parts[i]++
	}
	if total < 0 {
		for i := range parts {
			parts[i] = -parts[i]
		}
	}
	return parts
}

// mulDiv returns ⌊a·b/c⌋ and a·b mod c, computed on 128 bits. It requires
// c > 0 and a ≤ c (so the quotient fits in 64 bits).
func mulDiv(a, b, c uint64) (q, r uint64) {
	hi, lo := bits.Mul64(a, b)
	return bits.Div64(hi, lo, c)
}

// RefundUnits returns the summed value of the n unit slots of v that follow
// the alreadyReturned slots consumed by earlier returns of the same line:
// slots alreadyReturned .. alreadyReturned+n−1. Because slots are consumed in
// order, the refunds of any sequence of returns whose quantities add up to
// v.Quantity sum to exactly v.Total().
//
// The caller tracks alreadyReturned per line (the units refunded by earlier
// returns, whatever their resolution). It returns an EINVALID *Error when
// n < 1, alreadyReturned < 0, alreadyReturned+n > v.Quantity, or v is
// malformed (len(v.Units) != v.Quantity).
func RefundUnits(v LineValue, alreadyReturned, n int) (UnitValue, error) {
	switch {
	case len(v.Units) != v.Quantity:
		return UnitValue{}, invalid("", fmt.Sprintf("line %q has %d unit values for quantity %d", v.LineID, len(v.Units), v.Quantity))
	case n < 1:
		return UnitValue{}, invalid("quantity", "must be at least 1")
	case alreadyReturned < 0 || alreadyReturned > v.Quantity:
		return UnitValue{}, invalid("alreadyReturned", fmt.Sprintf("must be between 0 and %d", v.Quantity))
	case n > v.Quantity-alreadyReturned:
		return UnitValue{}, invalid("quantity", fmt.Sprintf("line %q: %d units requested but only %d of %d remain to be returned",
			v.LineID, n, v.Quantity-alreadyReturned, v.Quantity))
	}
	var sum UnitValue
	for _, u := range v.Units[alreadyReturned : alreadyReturned+n] {
		sum = sum.Add(u)
	}
	return sum, nil
}

// ShippingValue returns what the shopper paid for shipping, summed over
// o.ShippingLines and read from the given side: Price is the shipping price,
// Discount the shipping discounts, Tax the shipping taxes, OrderDiscount is
// always 0 (order-level discounts apply to lines only) and
// Total = Price − Discount + Tax.
//
// It returns an EINVALID *Error, Field naming the input, when o is nil, the
// side's order currency is empty or an amount is in another currency, an
// amount is negative, a shipping line's discounts exceed its price, or a total
// does not fit in an int64.
func ShippingValue(o *Order, side CurrencySide) (UnitValue, error) {
	if o == nil {
		return UnitValue{}, &Error{Code: EINVALID, Message: "no order"}
	}
	c, err := newChecker(o, side)
	if err != nil {
		return UnitValue{}, err
	}
	var v UnitValue
	for i, s := range o.ShippingLines {
		field := fmt.Sprintf("shippingLines[%d]", i)
		price, err := c.amount(s.Price, field+".price")
		if err != nil {
			return UnitValue{}, err
		}
		disc, err := sumAmounts(c, s.Discounts, func(d Discount) MoneySet { return d.Amount }, field+".discounts", "amount")
		if err != nil {
			return UnitValue{}, err
		}
		tax, err := sumAmounts(c, s.TaxLines, func(t TaxLine) MoneySet { return t.Amount }, field+".taxLines", "amount")
		if err != nil {
			return UnitValue{}, err
		}
		if disc > price {
			return UnitValue{}, invalid(field+".discounts", fmt.Sprintf("total %d exceeds the shipping price %d", disc, price))
		}
		ok := true
		if v.Price, ok = addCheck(v.Price, price); ok {
			if v.Discount, ok = addCheck(v.Discount, disc); ok {
				if v.Tax, ok = addCheck(v.Tax, tax); ok {
					_, ok = addCheck(v.Price, v.Tax)
				}
			}
		}
		if !ok {
			return UnitValue{}, invalid("shippingLines", "shipping total is too large")
		}
	}
	v.Total = v.Price - v.Discount + v.Tax
	return v, nil
}

// ShippingRefund returns ShippingValue(o, side) when refundShipping is true
// (the return policy refunds the original shipping) and a zero UnitValue,
// without looking at o, when it is false. The caller must refund shipping at
// most once per order: it is not a per-unit amount and is not apportioned
// over lines.
func ShippingRefund(o *Order, side CurrencySide, refundShipping bool) (UnitValue, error) {
	if !refundShipping {
		return UnitValue{}, nil
	}
	return ShippingValue(o, side)
}

// Adjustment kinds.
const (
	AdjustmentRestockingFee  = "restocking_fee"  // policy restocking fee; Amount ≤ 0
	AdjustmentReturnShipping = "return_shipping" // label cost deducted from the refund; Amount ≤ 0
	AdjustmentMerchant       = "merchant"        // manual change by the merchant, either sign
)

// Adjustment is a change to a refund that is not the value of returned units:
// a fee from the return policy or a manual amount. Amount is in minor units
// of the refund's currency; a negative amount reduces the refund.
type Adjustment struct {
	Kind        string `json:"kind"` // one of the Adjustment* kinds
	Amount      int64  `json:"amount"`
	Description string `json:"description"` // free text shown to the shopper and merchant
}

// ApplyAdjustments returns total (the refund before adjustments: the summed
// RefundUnits Totals plus any ShippingRefund, ≥ 0) plus every adjustment's
// Amount, never less than zero. A refund is never negative: when the
// adjustments would take it below zero, the result is 0 and clamped is true
// (the deductions were only partly applied; the caller may want to tell the
// merchant). There is no upper bound: a positive merchant adjustment may
// refund more than was paid, on purpose.
//
// The order of adjustments does not matter. It returns an EINVALID *Error,
// Field naming the adjustment, when total < 0, a kind is unknown, a
// restocking fee or return-shipping deduction is positive, or the sums do not
// fit in an int64.
func ApplyAdjustments(total int64, adj []Adjustment) (refund int64, clamped bool, err error) {
	if total < 0 {
		return 0, false, invalid("total", "must not be negative")
	}
	// credit and debit are kept apart so the order of the adjustments cannot
	// cause a spurious overflow.
	credit, debit := total, int64(0)
	for i, a := range adj {
		field := fmt.Sprintf("adjustments[%d]", i)
		switch a.Kind {
		case AdjustmentRestockingFee, AdjustmentReturnShipping:
			if a.Amount > 0 {
				return 0, false, invalid(field+".amount", "a "+a.Kind+" adjustment must not be positive")
			}
		case AdjustmentMerchant:
		default:
			return 0, false, invalid(field+".kind", fmt.Sprintf("unknown adjustment kind %q", a.Kind))
		}
		ok := true
		switch {
		case a.Amount == math.MinInt64:
			ok = false
		case a.Amount >= 0:
			credit, ok = addCheck(credit, a.Amount)
		default:
			debit, ok = addCheck(debit, -a.Amount)
		}
		if !ok {
			return 0, false, invalid(field+".amount", "adjustments are too large")
		}
	}
	if debit > credit {
		return 0, true, nil
	}
	return credit - debit, false, nil
}

// RestockingFee returns the restocking-fee adjustment for returned items worth
// value (typically the Total of their RefundUnits): basisPoints/10000 of
// value, rounded half-up to the minor unit (0.5 rounds away from zero; all
// quantities are non-negative), plus flat, capped at value so the fee never
// exceeds what the items are worth. The Adjustment's Amount is minus the fee
// (0 when there is no fee) and its Description names the rate; the caller may
// replace it.
//
// It returns an EINVALID *Error when value or flat is negative or basisPoints
// is outside 0..10000.
func RestockingFee(value, basisPoints, flat int64) (Adjustment, error) {
	switch {
	case value < 0:
		return Adjustment{}, invalid("value", "must not be negative")
	case basisPoints < 0 || basisPoints > 10_000:
		return Adjustment{}, invalid("basisPoints", "must be between 0 and 10000")
	case flat < 0:
		return Adjustment{}, invalid("flat", "must not be negative")
	}
	// value·bp + 5000 < 10000·2⁶⁴, so the quotient fits in 64 bits.
	hi, lo := bits.Mul64(uint64(value), uint64(basisPoints))
	var carry uint64
	lo, carry = bits.Add64(lo, 5_000, 0)
	hi += carry
	pct, _ := bits.Div64(hi, lo, 10_000) // ≤ value
	fee := int64(pct)
	if flat > value-fee {
		fee = value
	} else {
		fee += flat
	}
	desc := "Restocking fee"
	switch {
	case basisPoints > 0 && flat > 0:
		desc += " (" + formatBasisPoints(basisPoints) + " plus a flat fee)"
	case basisPoints > 0:
		desc += " (" + formatBasisPoints(basisPoints) + ")"
	}
	return Adjustment{Kind: AdjustmentRestockingFee, Amount: -fee, Description: desc}, nil
}

// ReturnShippingFee returns the adjustment deducting the cost of the return
// label, amount ≥ 0, from the refund. An empty description becomes
// "Return shipping". It returns an EINVALID *Error when amount is negative.
func ReturnShippingFee(amount int64, description string) (Adjustment, error) {
	if amount < 0 {
		return Adjustment{}, invalid("amount", "must not be negative")
	}
	if description == "" {
		description = "Return shipping"
	}
	return Adjustment{Kind: AdjustmentReturnShipping, Amount: -amount, Description: description}, nil
}

// formatBasisPoints renders bp (0..10000) as a percentage: 1500 "15%",
// 1250 "12.5%", 5 "0.05%".
func formatBasisPoints(bp int64) string {
	s := strconv.FormatInt(bp/100, 10)
	if frac := bp % 100; frac != 0 {
		f := fmt.Sprintf("%02d", frac)
		if f[1] == '0' {
			f = f[:1]
		}
		s += "." + f
	}
	return s + "%"
}

// checker validates the amounts of one side of an order.
type checker struct {
	side     CurrencySide
	currency string
}

func newChecker(o *Order, side CurrencySide) (checker, error) {
	var cur, field string
	switch side {
	case SideShop:
		cur, field = o.ShopCurrency, "shopCurrency"
	case SidePresentment:
		cur, field = o.PresentmentCurrency, "presentmentCurrency"
	default:
		return checker{}, invalid("", "unknown currency side "+side.String())
	}
	if cur == "" {
		return checker{}, invalid(field, "must not be empty")
	}
	return checker{side: side, currency: cur}, nil
}

// amount returns the side's amount of m after checking its currency and sign.
func (c checker) amount(m MoneySet, field string) (int64, error) {
	x := c.side.pick(m)
	if x.Currency != c.currency {
		return 0, invalid(field, fmt.Sprintf("%s currency %q differs from the order's %q", c.side, x.Currency, c.currency))
	}
	if x.Minor < 0 {
		return 0, invalid(field, "must not be negative")
	}
	return x.Minor, nil
}

// sumAmounts checks and sums the amounts of items, reporting errors at
// field[i].sub.
func sumAmounts[T any](c checker, items []T, amt func(T) MoneySet, field, sub string) (int64, error) {
	var sum int64
	for i, it := range items {
		f := fmt.Sprintf("%s[%d].%s", field, i, sub)
		a, err := c.amount(amt(it), f)
		if err != nil {
			return 0, err
		}
		var ok bool
		if sum, ok = addCheck(sum, a); !ok {
			return 0, invalid(field, "total is too large")
		}
	}
	return sum, nil
}

// addCheck returns a+b for a, b ≥ 0 and whether it fits in an int64.
func addCheck(a, b int64) (int64, bool) {
	if a > math.MaxInt64-b {
		return 0, false
	}
	return a + b, true
}

// mulCheck returns a·q for a ≥ 0, q ≥ 1 and whether it fits in an int64.
func mulCheck(a int64, q int) (int64, bool) {
	if a > math.MaxInt64/int64(q) {
		return 0, false
	}
	return a * int64(q), true
}

func invalid(field, msg string) *Error {
	return &Error{Code: EINVALID, Field: field, Message: msg}
}

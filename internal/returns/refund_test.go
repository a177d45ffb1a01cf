package returns

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// money helpers for hand-written orders: the same amount on both sides.

func usd(minor int64) MoneySet {
	return MoneySet{Shop: Money{Minor: minor, Currency: "USD"}, Presentment: Money{Minor: minor, Currency: "USD"}}
}

func disc(m MoneySet) Discount { return Discount{ID: "d", Amount: m} }
func tax(m MoneySet) TaxLine   { return TaxLine{Title: "Tax", Amount: m} }

func usdOrder(lines ...OrderLine) *Order {
	return &Order{ID: "o1", ShopCurrency: "USD", PresentmentCurrency: "USD", Lines: lines}
}

func mustValues(t *testing.T, o *Order, side CurrencySide) map[string]LineValue {
	t.Helper()
	v, err := OrderValues(o, side)
	if err != nil {
		t.Fatalf("OrderValues(%s): %v", side, err)
	}
	return v
}

func totals(v LineValue) []int64 {
	out := make([]int64, len(v.Units))
	for i, u := range v.Units {
		out[i] = u.Total
	}
	return out
}

func mustRefund(t *testing.T, v LineValue, already, n int) UnitValue {
	t.Helper()
	u, err := RefundUnits(v, already, n)
	if err != nil {
		t.Fatalf("RefundUnits(%s, %d, %d): %v", v.LineID, already, n, err)
	}
	return u
}

// The Redo seed order (internal/examples/order.json): line_1 is 2 × 29.99 USD
// with no discounts or taxes, shipping 5.99, paid 65.97.
func TestSeedOrder(t *testing.T) {
	o := usdOrder(OrderLine{ID: "line_1", Quantity: 2, ReturnableQuantity: 2, Price: usd(2999)})
	o.ShippingLines = []ShippingLine{{ID: "ship_1", Title: "Standard Shipping", Price: usd(599)}}

	vals := mustValues(t, o, SideShop)
	v := vals["line_1"]
	unit := UnitValue{Price: 2999, Total: 2999}
	want := LineValue{LineID: "line_1", Currency: "USD", Quantity: 2, Units: []UnitValue{unit, unit}}
	if !reflect.DeepEqual(v, want) || len(vals) != 1 {
		t.Fatalf("OrderValues = %+v, want only %+v", vals, want)
	}
	if got := mustRefund(t, v, 0, 1); got != unit {
		t.Errorf("first unit = %+v, want %+v", got, unit)
	}
	if got := mustRefund(t, v, 1, 1); got != unit {
		t.Errorf("second unit = %+v, want %+v", got, unit)
	}
	both := mustRefund(t, v, 0, 2)
	if both.Total != 5998 {
		t.Errorf("both units = %d, want 5998", both.Total)
	}

	ship, err := ShippingValue(o, SideShop)
	if err != nil {
		t.Fatal(err)
	}
	if want := (UnitValue{Price: 599, Total: 599}); ship != want {
		t.Errorf("ShippingValue = %+v, want %+v", ship, want)
	}
	if both.Total+ship.Total != 6597 {
		t.Errorf("lines + shipping = %d, want the 65.97 paid", both.Total+ship.Total)
	}
	if got, err := ShippingRefund(o, SideShop, false); err != nil || got != (UnitValue{}) {
		t.Errorf("ShippingRefund(false) = %+v, %v; want zero", got, err)
	}
	if got, err := ShippingRefund(o, SideShop, true); err != nil || got != ship {
		t.Errorf("ShippingRefund(true) = %+v, %v; want %+v", got, err, ship)
	}
}

// 3 × 10.00 with a 1.00 line discount: the discount's leftover cent goes to
// the last slot, so the units are worth 9.67, 9.67 and 9.66.
func TestLineDiscountProratedPerUnit(t *testing.T) {
	o := usdOrder(OrderLine{ID: "a", Quantity: 3, Price: usd(1000), Discounts: []Discount{disc(usd(100))}})
	v := mustValues(t, o, SideShop)["a"]
	if got, want := totals(v), []int64{967, 967, 966}; !slices.Equal(got, want) {
		t.Fatalf("unit totals = %v, want %v", got, want)
	}
	if got := v.Units[2]; got != (UnitValue{Price: 1000, Discount: 34, Total: 966}) {
		t.Errorf("last slot = %+v", got)
	}
	// Returned as 1 + 2, 2 + 1 or 3: always 29.00 in the end.
	for _, parts := range [][]int{{1, 1, 1}, {1, 2}, {2, 1}, {3}} {
		var sum int64
		already := 0
		for _, n := range parts {
			sum += mustRefund(t, v, already, n).Total
			already += n
		}
		if sum != 2900 {
			t.Errorf("returns %v refund %d, want 2900", parts, sum)
		}
	}
	if got := mustRefund(t, v, 0, 2).Total; got != 1934 {
		t.Errorf("first two units = %d, want 1934", got)
	}
}

// An order-level discount of 10.01 over a 2 × 15.00 line (net 30.00) and a
// 1 × 10.00 line (net 10.00): exact shares 7.5075 and 2.5025, so 7.50 and
// 2.50 plus the leftover cent to the larger remainder (the first line).
func TestOrderDiscountSplitOverLines(t *testing.T) {
	o := usdOrder(
		OrderLine{ID: "a", Quantity: 2, Price: usd(1500)},
		OrderLine{ID: "b", Quantity: 1, Price: usd(1000)},
	)
	o.Discounts = []Discount{disc(usd(1000)), disc(usd(1))}
	vals := mustValues(t, o, SideShop)
	a, b := vals["a"], vals["b"]
	if got := a.Total(); got != (UnitValue{Price: 3000, OrderDiscount: 751, Total: 2249}) {
		t.Errorf("line a total = %+v", got)
	}
	if got := b.Total(); got != (UnitValue{Price: 1000, OrderDiscount: 250, Total: 750}) {
		t.Errorf("line b total = %+v", got)
	}
	// a's share 751 over 2 slots: 375 and 376, leftover on the last slot.
	if got, want := totals(a), []int64{1125, 1124}; !slices.Equal(got, want) {
		t.Errorf("line a units = %v, want %v", got, want)
	}

	// Equal remainders: the earlier line gets the leftover cent.
	o = usdOrder(
		OrderLine{ID: "x", Quantity: 1, Price: usd(1000)},
		OrderLine{ID: "y", Quantity: 1, Price: usd(1000)},
	)
	o.Discounts = []Discount{disc(usd(101))}
	vals = mustValues(t, o, SideShop)
	if x, y := vals["x"].Units[0].OrderDiscount, vals["y"].Units[0].OrderDiscount; x != 51 || y != 50 {
		t.Errorf("tie: shares %d, %d; want 51, 50", x, y)
	}

	// The share follows the net after line discounts, not the gross.
	o = usdOrder(
		OrderLine{ID: "x", Quantity: 1, Price: usd(1000), Discounts: []Discount{disc(usd(1000))}},
		OrderLine{ID: "y", Quantity: 1, Price: usd(1000)},
	)
	o.Discounts = []Discount{disc(usd(300))}
	vals = mustValues(t, o, SideShop)
	if x, y := vals["x"].Units[0], vals["y"].Units[0]; x.OrderDiscount != 0 || x.Total != 0 || y.OrderDiscount != 300 || y.Total != 700 {
		t.Errorf("fully discounted line: x %+v, y %+v", x, y)
	}
}

// 3 × 19.99 with taxes 1.50 + 1.51 and a 2.00 discount: tax 301 is 100, 100,
// 101 and discount 200 is 66, 67, 67, the leftovers on the last slots.
func TestTaxesWithOddCents(t *testing.T) {
	o := usdOrder(OrderLine{ID: "a", Quantity: 3, Price: usd(1999),
		TaxLines:  []TaxLine{tax(usd(150)), tax(usd(151))},
		Discounts: []Discount{disc(usd(200))},
	})
	v := mustValues(t, o, SideShop)["a"]
	want := []UnitValue{
		{Price: 1999, Discount: 66, Tax: 100, Total: 2033},
		{Price: 1999, Discount: 67, Tax: 100, Total: 2032},
		{Price: 1999, Discount: 67, Tax: 101, Total: 2033},
	}
	if !reflect.DeepEqual(v.Units, want) {
		t.Fatalf("units = %+v, want %+v", v.Units, want)
	}
	if got := v.Total(); got != (UnitValue{Price: 5997, Discount: 200, Tax: 301, Total: 6098}) {
		t.Errorf("total = %+v", got)
	}

	// Tax only: 1.00 over 3 units.
	o = usdOrder(OrderLine{ID: "b", Quantity: 3, Price: usd(1000), TaxLines: []TaxLine{tax(usd(100))}})
	if got, want := totals(mustValues(t, o, SideShop)["b"]), []int64{1033, 1033, 1034}; !slices.Equal(got, want) {
		t.Errorf("tax-only units = %v, want %v", got, want)
	}
}

// The two discount leftovers go to different slots, so no slot's net goes
// below zero even when discounts take the whole line.
func TestDiscountLeftoversNeverStack(t *testing.T) {
	o := usdOrder(OrderLine{ID: "a", Quantity: 2, Price: usd(1), Discounts: []Discount{disc(usd(1))}})
	o.Discounts = []Discount{disc(usd(1))}
	v := mustValues(t, o, SideShop)["a"]
	want := []UnitValue{{Price: 1, OrderDiscount: 1}, {Price: 1, Discount: 1}}
	if !reflect.DeepEqual(v.Units, want) {
		t.Fatalf("units = %+v, want %+v", v.Units, want)
	}
}

// Shop and presentment sides are computed independently, each in its currency.
func TestPresentmentSide(t *testing.T) {
	ms := func(shop, pres int64) MoneySet {
		return MoneySet{Shop: Money{Minor: shop, Currency: "USD"}, Presentment: Money{Minor: pres, Currency: "JPY"}}
	}
	o := &Order{ShopCurrency: "USD", PresentmentCurrency: "JPY", Lines: []OrderLine{
		{ID: "a", Quantity: 3, Price: ms(1000, 1500), Discounts: []Discount{disc(ms(100, 151))}},
	}}
	shop := mustValues(t, o, SideShop)["a"]
	pres := mustValues(t, o, SidePresentment)["a"]
	if got, want := totals(shop), []int64{967, 967, 966}; !slices.Equal(got, want) || shop.Currency != "USD" {
		t.Errorf("shop units = %v %s, want %v USD", got, shop.Currency, want)
	}
	if got, want := totals(pres), []int64{1450, 1450, 1449}; !slices.Equal(got, want) || pres.Currency != "JPY" {
		t.Errorf("presentment units = %v %s, want %v JPY", got, pres.Currency, want)
	}
}

// Coverage lines are not in the result, take no share of order discounts and
// are not even validated.
func TestCoverageLinesExcluded(t *testing.T) {
	cov := OrderLine{ID: "redo", Quantity: 1, Price: usd(-5), SKU: "x-redo", Vendor: "re:do", Coverage: CoverageReturns}
	o := usdOrder(
		OrderLine{ID: "a", Quantity: 2, Price: usd(1000)},
		cov,
		OrderLine{ID: "b", Quantity: 1, Price: usd(1000)},
	)
	o.Lines[1].Price = MoneySet{Shop: Money{Minor: 250, Currency: "EUR"}}
	o.Discounts = []Discount{disc(usd(300))}
	vals := mustValues(t, o, SideShop)
	if _, ok := vals["redo"]; ok || len(vals) != 2 {
		t.Fatalf("values = %+v, want lines a and b only", vals)
	}
	if a, b := vals["a"].Total().OrderDiscount, vals["b"].Total().OrderDiscount; a != 200 || b != 100 {
		t.Errorf("order discount shares = %d, %d; want 200, 100 (none to coverage)", a, b)
	}

	// An order whose only line is coverage has nothing to refund.
	o = usdOrder(OrderLine{ID: "redo", Quantity: 1, Price: usd(250), Coverage: CoverageBoth})
	if vals := mustValues(t, o, SideShop); len(vals) != 0 {
		t.Errorf("coverage-only order: %+v", vals)
	}
	// ... and so cannot carry an order-level discount.
	o.Discounts = []Discount{disc(usd(100))}
	if _, err := OrderValues(o, SideShop); ErrorCode(err) != EINVALID {
		t.Errorf("order discount on a coverage-only order: err = %v, want EINVALID", err)
	}
}

func TestOrderValuesErrors(t *testing.T) {
	base := func() *Order {
		o := usdOrder(
			OrderLine{ID: "a", Quantity: 2, Price: usd(1000), Discounts: []Discount{disc(usd(100))}, TaxLines: []TaxLine{tax(usd(80))}},
			OrderLine{ID: "b", Quantity: 1, Price: usd(500)},
		)
		o.Discounts = []Discount{disc(usd(100))}
		o.ShippingLines = []ShippingLine{{ID: "s", Price: usd(599), Discounts: []Discount{disc(usd(100))}, TaxLines: []TaxLine{tax(usd(50))}}}
		return o
	}
	if _, err := OrderValues(base(), SideShop); err != nil {
		t.Fatalf("base order: %v", err)
	}
	tests := []struct {
		name  string
		edit  func(o *Order)
		side  CurrencySide
		field string
	}{
		{"no shop currency", func(o *Order) { o.ShopCurrency = "" }, SideShop, "shopCurrency"},
		{"no presentment currency", func(o *Order) { o.PresentmentCurrency = "" }, SidePresentment, "presentmentCurrency"},
		{"unknown side", func(o *Order) {}, CurrencySide(7), ""},
		{"empty id", func(o *Order) { o.Lines[1].ID = "" }, SideShop, "lines[1].id"},
		{"duplicate id", func(o *Order) { o.Lines[1].ID = "a" }, SideShop, "lines[1].id"},
		{"zero quantity", func(o *Order) { o.Lines[0].Quantity = 0 }, SideShop, "lines[0].quantity"},
		{"negative quantity", func(o *Order) { o.Lines[0].Quantity = -1 }, SideShop, "lines[0].quantity"},
		{"huge quantity", func(o *Order) { o.Lines[0].Quantity = MaxRefundQuantity + 1 }, SideShop, "lines[0].quantity"},
		{"negative price", func(o *Order) { o.Lines[1].Price = usd(-1) }, SideShop, "lines[1].price"},
		{"price currency", func(o *Order) { o.Lines[1].Price.Shop.Currency = "EUR" }, SideShop, "lines[1].price"},
		{"presentment currency", func(o *Order) { o.Lines[1].Price.Presentment.Currency = "EUR" }, SidePresentment, "lines[1].price"},
		{"negative discount", func(o *Order) { o.Lines[0].Discounts[0] = disc(usd(-1)) }, SideShop, "lines[0].discounts[0].amount"},
		{"negative tax", func(o *Order) { o.Lines[0].TaxLines = append(o.Lines[0].TaxLines, tax(usd(-1))) }, SideShop, "lines[0].taxLines[1].amount"},
		{"tax currency", func(o *Order) { o.Lines[0].TaxLines[0].Amount.Shop.Currency = "CAD" }, SideShop, "lines[0].taxLines[0].amount"},
		{"discounts exceed gross", func(o *Order) { o.Lines[0].Discounts = append(o.Lines[0].Discounts, disc(usd(1901))) }, SideShop, "lines[0].discounts"},
		{"order discounts exceed net", func(o *Order) { o.Discounts = []Discount{disc(usd(2000)), disc(usd(401))} }, SideShop, "discounts"},
		{"negative order discount", func(o *Order) { o.Discounts = []Discount{disc(usd(-1))} }, SideShop, "discounts[0].amount"},
		{"gross overflow", func(o *Order) { o.Lines[0].Price = usd(math.MaxInt64/2 + 1) }, SideShop, "lines[0]"},
		{"order overflow", func(o *Order) {
			o.Lines[0].Price, o.Lines[1].Price = usd(math.MaxInt64/4), usd(math.MaxInt64/2)
		}, SideShop, "lines"},
		{"discount sum overflow", func(o *Order) {
			o.Lines[0].Discounts = []Discount{disc(usd(math.MaxInt64)), disc(usd(1))}
		}, SideShop, "lines[0].discounts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := base()
			tt.edit(o)
			vals, err := OrderValues(o, tt.side)
			var e *Error
			if !asError(err, &e) || e.Code != EINVALID || e.Field != tt.field {
				t.Fatalf("OrderValues = %v, %v; want EINVALID at %q", vals, err, tt.field)
			}
			if vals != nil {
				t.Errorf("values returned with an error: %v", vals)
			}
		})
	}
	if _, err := OrderValues(nil, SideShop); ErrorCode(err) != EINVALID {
		t.Errorf("nil order: %v", err)
	}
}

func asError(err error, target **Error) bool {
	e, ok := err.(*Error)
	if ok {
		*target = e
	}
	return ok
}

func TestShippingValue(t *testing.T) {
	o := usdOrder()
	o.ShippingLines = []ShippingLine{
		{ID: "s1", Price: usd(599), Discounts: []Discount{disc(usd(100))}, TaxLines: []TaxLine{tax(usd(47))}},
		{ID: "s2", Price: usd(1000), TaxLines: []TaxLine{tax(usd(80)), tax(usd(3))}},
	}
	got, err := ShippingValue(o, SideShop)
	if want := (UnitValue{Price: 1599, Discount: 100, Tax: 130, Total: 1629}); err != nil || got != want {
		t.Fatalf("ShippingValue = %+v, %v; want %+v", got, err, want)
	}
	if got, err := ShippingValue(usdOrder(), SideShop); err != nil || got != (UnitValue{}) {
		t.Errorf("no shipping lines: %+v, %v", got, err)
	}

	for name, edit := range map[string]func(o *Order){
		"discount exceeds price": func(o *Order) { o.ShippingLines[1].Discounts = []Discount{disc(usd(1001))} },
		"negative price":         func(o *Order) { o.ShippingLines[0].Price = usd(-1) },
		"currency":               func(o *Order) { o.ShippingLines[0].TaxLines[0].Amount.Shop.Currency = "EUR" },
		"overflow":               func(o *Order) { o.ShippingLines[1].Price = usd(math.MaxInt64 - 100) },
	} {
		o := usdOrder()
		o.ShippingLines = []ShippingLine{
			{ID: "s1", Price: usd(599), Discounts: []Discount{disc(usd(100))}, TaxLines: []TaxLine{tax(usd(47))}},
			{ID: "s2", Price: usd(1000)},
		}
		edit(o)
		if _, err := ShippingValue(o, SideShop); ErrorCode(err) != EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", name, err)
		}
		if _, err := ShippingRefund(o, SideShop, true); ErrorCode(err) != EINVALID {
			t.Errorf("%s: ShippingRefund err = %v, want EINVALID", name, err)
		}
		if _, err := ShippingRefund(o, SideShop, false); err != nil {
			t.Errorf("%s: ShippingRefund(false) looked at the order: %v", name, err)
		}
	}
	if _, err := ShippingValue(nil, SideShop); ErrorCode(err) != EINVALID {
		t.Errorf("nil order: %v", err)
	}
}

func TestRefundUnitsErrors(t *testing.T) {
	v := mustValues(t, usdOrder(OrderLine{ID: "a", Quantity: 3, Price: usd(1000)}), SideShop)["a"]
	for _, c := range []struct{ already, n int }{
		{0, 0}, {0, -1}, {0, 4}, {1, 3}, {3, 1}, {-1, 1}, {4, 1}, {2, math.MaxInt}, {math.MaxInt, 1},
	} {
		if u, err := RefundUnits(v, c.already, c.n); ErrorCode(err) != EINVALID || u != (UnitValue{}) {
			t.Errorf("RefundUnits(already %d, n %d) = %+v, %v; want EINVALID", c.already, c.n, u, err)
		}
	}
	bad := v
	bad.Units = bad.Units[:2]
	if _, err := RefundUnits(bad, 0, 1); ErrorCode(err) != EINVALID {
		t.Errorf("malformed LineValue: %v", err)
	}
	if _, err := RefundUnits(LineValue{}, 0, 1); ErrorCode(err) != EINVALID {
		t.Errorf("empty LineValue: %v", err)
	}
}

func TestApplyAdjustments(t *testing.T) {
	tests := []struct {
		name    string
		total   int64
		adj     []Adjustment
		want    int64
		clamped bool
	}{
		{"none", 5998, nil, 5998, false},
		{"fees", 5998, []Adjustment{
			{Kind: AdjustmentRestockingFee, Amount: -600},
			{Kind: AdjustmentReturnShipping, Amount: -799},
		}, 4599, false},
		{"merchant credit", 1000, []Adjustment{{Kind: AdjustmentMerchant, Amount: 250}}, 1250, false},
		{"merchant debit", 1000, []Adjustment{{Kind: AdjustmentMerchant, Amount: -250}}, 750, false},
		{"exactly zero", 799, []Adjustment{{Kind: AdjustmentReturnShipping, Amount: -799}}, 0, false},
		{"clamped", 500, []Adjustment{{Kind: AdjustmentReturnShipping, Amount: -799}}, 0, true},
		{"credit after debit", 500, []Adjustment{
			{Kind: AdjustmentReturnShipping, Amount: -799},
			{Kind: AdjustmentMerchant, Amount: 400},
		}, 101, false},
		{"order does not matter near the limit", math.MaxInt64, []Adjustment{
			{Kind: AdjustmentMerchant, Amount: -10},
			{Kind: AdjustmentMerchant, Amount: 0},
		}, math.MaxInt64 - 10, false},
	}
	for _, tt := range tests {
		got, clamped, err := ApplyAdjustments(tt.total, tt.adj)
		if err != nil || got != tt.want || clamped != tt.clamped {
			t.Errorf("%s: = %d, %v, %v; want %d, %v", tt.name, got, clamped, err, tt.want, tt.clamped)
		}
	}

	for name, c := range map[string]struct {
		total int64
		adj   []Adjustment
	}{
		"negative total":      {-1, nil},
		"unknown kind":        {100, []Adjustment{{Kind: "bonus", Amount: 1}}},
		"empty kind":          {100, []Adjustment{{Amount: -1}}},
		"positive restocking": {100, []Adjustment{{Kind: AdjustmentRestockingFee, Amount: 1}}},
		"positive shipping":   {100, []Adjustment{{Kind: AdjustmentReturnShipping, Amount: 1}}},
		"credit overflow":     {math.MaxInt64, []Adjustment{{Kind: AdjustmentMerchant, Amount: 1}}},
		"debit overflow": {0, []Adjustment{
			{Kind: AdjustmentMerchant, Amount: -math.MaxInt64},
			{Kind: AdjustmentMerchant, Amount: -1},
		}},
		"min int64": {0, []Adjustment{{Kind: AdjustmentMerchant, Amount: math.MinInt64}}},
	} {
		if got, clamped, err := ApplyAdjustments(c.total, c.adj); ErrorCode(err) != EINVALID || got != 0 || clamped {
			t.Errorf("%s: = %d, %v, %v; want EINVALID", name, got, clamped, err)
		}
	}
}

func TestRestockingFee(t *testing.T) {
	tests := []struct {
		value, bp, flat int64
		fee             int64
		desc            string
	}{
		{5998, 1500, 0, 900, "Restocking fee (15%)"},   // 899.7 → 900
		{1000, 1250, 0, 125, "Restocking fee (12.5%)"}, // exact
		{10, 1500, 0, 2, "Restocking fee (15%)"},       // 1.5 → 2 (half up)
		{30, 1500, 0, 5, "Restocking fee (15%)"},       // 4.5 → 5 (half up)
		{29, 1500, 0, 4, "Restocking fee (15%)"},       // 4.35 → 4
		{99, 5, 0, 0, "Restocking fee (0.05%)"},        // 0.0495 → 0
		{100, 50, 0, 1, "Restocking fee (0.5%)"},       // 0.5 → 1
		{1000, 1000, 200, 300, "Restocking fee (10% plus a flat fee)"},
		{1000, 0, 500, 500, "Restocking fee"},
		{300, 0, 500, 300, "Restocking fee"},                            // capped at the value
		{1000, 9000, 500, 1000, "Restocking fee (90% plus a flat fee)"}, // capped
		{1000, 10_000, 0, 1000, "Restocking fee (100%)"},
		{0, 1500, 500, 0, "Restocking fee (15% plus a flat fee)"},
		{math.MaxInt64, 10_000, math.MaxInt64, math.MaxInt64, "Restocking fee (100% plus a flat fee)"},
		{math.MaxInt64, 9_999, 0, 9222449699651090329, "Restocking fee (99.99%)"},
	}
	for _, tt := range tests {
		a, err := RestockingFee(tt.value, tt.bp, tt.flat)
		want := Adjustment{Kind: AdjustmentRestockingFee, Amount: -tt.fee, Description: tt.desc}
		if err != nil || a != want {
			t.Errorf("RestockingFee(%d, %d, %d) = %+v, %v; want %+v", tt.value, tt.bp, tt.flat, a, err, want)
		}
	}
	for _, c := range [][3]int64{{-1, 0, 0}, {100, -1, 0}, {100, 10_001, 0}, {100, 0, -1}} {
		if _, err := RestockingFee(c[0], c[1], c[2]); ErrorCode(err) != EINVALID {
			t.Errorf("RestockingFee%v: %v, want EINVALID", c, err)
		}
	}

	// Property: the fee is value·bp/10000 rounded half up, plus flat, capped.
	rng := rand.New(rand.NewPCG(7, 11))
	for range 2000 {
		value := rng.Int64N(1_000_000_000)
		bp := rng.Int64N(10_001)
		flat := rng.Int64N(1000) * rng.Int64N(2)
		a, err := RestockingFee(value, bp, flat)
		if err != nil {
			t.Fatal(err)
		}
		x := new(big.Rat).SetFrac(big.NewInt(value*bp), big.NewInt(10_000))
		x.Add(x, big.NewRat(1, 2))
		pct := new(big.Int).Quo(x.Num(), x.Denom()) // floor, x ≥ 0
		want := min(pct.Int64()+flat, value)
		if -a.Amount != want {
			t.Fatalf("RestockingFee(%d, %d, %d) = %d, want %d", value, bp, flat, -a.Amount, want)
		}
	}
}

func TestReturnShippingFee(t *testing.T) {
	a, err := ReturnShippingFee(799, "")
	if want := (Adjustment{Kind: AdjustmentReturnShipping, Amount: -799, Description: "Return shipping"}); err != nil || a != want {
		t.Errorf("ReturnShippingFee = %+v, %v; want %+v", a, err, want)
	}
	a, err = ReturnShippingFee(0, "Free returns")
	if want := (Adjustment{Kind: AdjustmentReturnShipping, Description: "Free returns"}); err != nil || a != want {
		t.Errorf("ReturnShippingFee = %+v, %v; want %+v", a, err, want)
	}
	if _, err := ReturnShippingFee(-1, ""); ErrorCode(err) != EINVALID {
		t.Errorf("negative: %v", err)
	}
}

// A whole return with a restocking fee, label deduction and shipping.
func TestRefundWithAdjustments(t *testing.T) {
	o := usdOrder(OrderLine{ID: "line_1", Quantity: 2, Price: usd(2999)})
	o.ShippingLines = []ShippingLine{{ID: "ship_1", Price: usd(599)}}
	v := mustValues(t, o, SideShop)["line_1"]
	items := mustRefund(t, v, 0, 2)
	ship, err := ShippingRefund(o, SideShop, true)
	if err != nil {
		t.Fatal(err)
	}
	fee, err := RestockingFee(items.Total, 1000, 0) // 10% of 59.98 = 5.998 → 6.00
	if err != nil {
		t.Fatal(err)
	}
	label, err := ReturnShippingFee(750, "")
	if err != nil {
		t.Fatal(err)
	}
	got, clamped, err := ApplyAdjustments(items.Total+ship.Total, []Adjustment{fee, label})
	if err != nil || clamped || got != 5998+599-600-750 {
		t.Errorf("refund = %d, %v, %v; want %d", got, clamped, err, 5998+599-600-750)
	}
}

// --- property tests -------------------------------------------------------

// currencies used by the random orders, with their ISO 4217 minor units.
var testCurrencies = []struct {
	code  string
	scale int
}{{"JPY", 0}, {"USD", 2}, {"EUR", 2}, {"KWD", 3}}

// split cuts total ≥ 0 into k ≥ 1 random non-negative parts.
func split(rng *rand.Rand, total int64, k int) []int64 {
	cuts := make([]int64, k-1)
	for i := range cuts {
		cuts[i] = rng.Int64N(total + 1)
	}
	slices.Sort(cuts)
	parts := make([]int64, k)
	prev := int64(0)
	for i, c := range cuts {
		parts[i], prev = c-prev, c
	}
	parts[k-1] = total - prev
	return parts
}

// upTo returns a random amount in [0, max] that is 0 or max a good share of
// the time, to exercise the edges.
func upTo(rng *rand.Rand, max int64) int64 {
	switch rng.IntN(8) {
	case 0:
		return 0
	case 1:
		return max
	}
	return rng.Int64N(max + 1)
}

// randomOrder builds a valid order: 1–6 refundable lines with quantities
// 1–20, sometimes a coverage line, discounts ≤ gross, taxes, order-level
// discounts ≤ the total net, shipping. Presentment amounts are the shop
// amounts times a rate factor, in another currency, so both sides are valid.
func randomOrder(rng *rand.Rand) *Order {
	shop := testCurrencies[rng.IntN(len(testCurrencies))]
	pres := testCurrencies[rng.IntN(len(testCurrencies))]
	factor := []int64{1, 3, 7, 100}[rng.IntN(4)]
	ms := func(minor int64) MoneySet {
		return MoneySet{
			Shop:        Money{Minor: minor, Currency: shop.code},
			Presentment: Money{Minor: minor * factor, Currency: pres.code},
		}
	}
	unit := int64(math.Pow10(shop.scale))
	price := func() int64 {
		switch rng.IntN(6) {
		case 0:
			return rng.Int64N(10) // tiny prices stress the rounding
		case 1:
			return rng.Int64N(10_000 * unit)
		}
		return rng.Int64N(200 * unit)
	}
	parts := func(total int64, maxK int) []int64 {
		if total == 0 && rng.IntN(2) == 0 {
			return nil
		}
		return split(rng, total, 1+rng.IntN(maxK))
	}

	o := &Order{ID: "o", ShopCurrency: shop.code, PresentmentCurrency: pres.code}
	var totalNet int64
	for i := range 1 + rng.IntN(6) {
		q := 1 + rng.IntN(20)
		if rng.IntN(4) == 0 {
			q = 1
		}
		p := price()
		gross := p * int64(q)
		l := OrderLine{ID: fmt.Sprintf("line_%d", i+1), Quantity: q, Price: ms(p)}
		var d int64
		if rng.IntN(2) == 0 {
			d = upTo(rng, gross)
		}
		for _, a := range parts(d, 3) {
			l.Discounts = append(l.Discounts, disc(ms(a)))
		}
		if rng.IntN(3) > 0 {
			for _, a := range parts(upTo(rng, gross/4+int64(rng.IntN(50))), 3) {
				l.TaxLines = append(l.TaxLines, tax(ms(a)))
			}
		}
		if i > 0 && rng.IntN(4) == 0 {
			// a twin of the previous line: equal nets make equal remainders,
			// exercising the tie-break of the order-discount split.
			prev := o.Lines[i-1]
			l.Quantity, l.Price, l.Discounts, l.TaxLines = prev.Quantity, prev.Price, prev.Discounts, prev.TaxLines
			gross, d = prev.Price.Shop.Minor*int64(prev.Quantity), 0
			for _, x := range prev.Discounts {
				d += x.Amount.Shop.Minor
			}
		}
		totalNet += gross - d
		o.Lines = append(o.Lines, l)
	}
	if rng.IntN(4) == 0 {
		cov := OrderLine{ID: "redo", Quantity: 1, Price: ms(price()), Vendor: "re:do", SKU: "x-redo", Coverage: CoverageReturns}
		i := rng.IntN(len(o.Lines) + 1)
		o.Lines = slices.Insert(o.Lines, i, cov)
	}
	if rng.IntN(2) == 0 {
		for _, a := range parts(upTo(rng, totalNet), 3) {
			o.Discounts = append(o.Discounts, disc(ms(a)))
		}
	}
	for i := range rng.IntN(3) {
		p := price()
		s := ShippingLine{ID: fmt.Sprintf("ship_%d", i+1), Price: ms(p)}
		if rng.IntN(3) == 0 {
			s.Discounts = []Discount{disc(ms(upTo(rng, p)))}
		}
		if rng.IntN(2) == 0 {
			s.TaxLines = []TaxLine{tax(ms(rng.Int64N(p/5 + 10)))}
		}
		o.ShippingLines = append(o.ShippingLines, s)
	}
	return o
}

// randomPartition returns random positive parts summing to q.
func randomPartition(rng *rand.Rand, q int) []int {
	var parts []int
	for q > 0 {
		n := 1 + rng.IntN(q)
		if rng.IntN(3) == 0 {
			n = 1
		}
		parts = append(parts, n)
		q -= n
	}
	return parts
}

func sumSide[T any](side CurrencySide, items []T, amt func(T) MoneySet) int64 {
	var s int64
	for _, it := range items {
		s += side.pick(amt(it)).Minor
	}
	return s
}

// checkOrder checks every documented property of OrderValues and RefundUnits
// on one side of o, recomputing the expected totals from o directly.
func checkOrder(t *testing.T, rng *rand.Rand, o *Order, side CurrencySide) {
	t.Helper()
	vals, err := OrderValues(o, side)
	if err != nil {
		t.Fatalf("OrderValues(%s): %v", side, err)
	}
	again, _ := OrderValues(o, side)
	if !reflect.DeepEqual(vals, again) {
		t.Fatalf("OrderValues is not deterministic")
	}
	cur := o.ShopCurrency
	if side == SidePresentment {
		cur = o.PresentmentCurrency
	}

	type lineInfo struct {
		net, share int64
	}
	var (
		infos                              []lineInfo
		sumGross, sumDisc, sumTax, sumPaid int64
		orderDisc                          = sumSide(side, o.Discounts, func(d Discount) MoneySet { return d.Amount })
		refundable                         int
	)
	for _, l := range o.Lines {
		if l.IsCoverage() {
			if _, ok := vals[l.ID]; ok {
				t.Fatalf("coverage line %s has a value", l.ID)
			}
			continue
		}
		refundable++
		v, ok := vals[l.ID]
		if !ok {
			t.Fatalf("line %s missing", l.ID)
		}
		price := side.pick(l.Price).Minor
		gross := price * int64(l.Quantity)
		d := sumSide(side, l.Discounts, func(d Discount) MoneySet { return d.Amount })
		tx := sumSide(side, l.TaxLines, func(t TaxLine) MoneySet { return t.Amount })
		if v.LineID != l.ID || v.Quantity != l.Quantity || len(v.Units) != l.Quantity || v.Currency != cur {
			t.Fatalf("line %s: header %q %d %d %q", l.ID, v.LineID, v.Quantity, len(v.Units), v.Currency)
		}

		// Every slot is non-negative and consistent; each component and the
		// Total vary by at most one minor unit across the slots.
		lo, hi := v.Units[0], v.Units[0]
		for i, u := range v.Units {
			if u.Price != price || u.Discount < 0 || u.OrderDiscount < 0 || u.Tax < 0 ||
				u.Price-u.Discount-u.OrderDiscount < 0 || u.Total < 0 ||
				u.Total != u.Price-u.Discount-u.OrderDiscount+u.Tax {
				t.Fatalf("line %s slot %d: %+v", l.ID, i, u)
			}
			lo.Discount, hi.Discount = min(lo.Discount, u.Discount), max(hi.Discount, u.Discount)
			lo.OrderDiscount, hi.OrderDiscount = min(lo.OrderDiscount, u.OrderDiscount), max(hi.OrderDiscount, u.OrderDiscount)
			lo.Tax, hi.Tax = min(lo.Tax, u.Tax), max(hi.Tax, u.Tax)
			lo.Total, hi.Total = min(lo.Total, u.Total), max(hi.Total, u.Total)
		}
		if hi.Discount-lo.Discount > 1 || hi.OrderDiscount-lo.OrderDiscount > 1 || hi.Tax-lo.Tax > 1 || hi.Total-lo.Total > 1 {
			t.Fatalf("line %s: slots spread too wide: %+v", l.ID, v.Units)
		}

		tot := v.Total()
		share := tot.OrderDiscount
		paid := gross - d - share + tx
		if want := (UnitValue{Price: gross, Discount: d, OrderDiscount: share, Tax: tx, Total: paid}); tot != want {
			t.Fatalf("line %s: total %+v, want %+v", l.ID, tot, want)
		}

		// Any sequence of partial returns covering the line refunds exactly
		// what was paid for it.
		for range 3 {
			parts := randomPartition(rng, l.Quantity)
			var sum UnitValue
			already := 0
			for _, n := range parts {
				u, err := RefundUnits(v, already, n)
				if err != nil {
					t.Fatalf("line %s: RefundUnits(%d, %d): %v", l.ID, already, n, err)
				}
				if u.Total < 0 {
					t.Fatalf("line %s: negative refund %+v", l.ID, u)
				}
				sum = sum.Add(u)
				already += n
			}
			if sum != tot || sum.Total != paid {
				t.Fatalf("line %s: returns %v refund %+v, want %+v (paid %d)", l.ID, parts, sum, tot, paid)
			}
			if _, err := RefundUnits(v, already, 1); ErrorCode(err) != EINVALID {
				t.Fatalf("line %s: refund past the quantity: %v", l.ID, err)
			}
		}

		infos = append(infos, lineInfo{net: gross - d, share: share})
		sumGross += gross
		sumDisc += d
		sumTax += tx
		sumPaid += paid
	}
	if len(vals) != refundable {
		t.Fatalf("%d values for %d refundable lines", len(vals), refundable)
	}

	// The order-level discounts are allocated exactly, and the lines' paid
	// totals add up to the order's.
	var shares int64
	for _, in := range infos {
		shares += in.share
	}
	if shares != orderDisc {
		t.Fatalf("shares sum to %d, want order discounts %d", shares, orderDisc)
	}
	if sumPaid+orderDisc != sumGross-sumDisc+sumTax {
		t.Fatalf("Σ paid %d + order discounts %d != Σ gross %d − Σ discounts %d + Σ tax %d",
			sumPaid, orderDisc, sumGross, sumDisc, sumTax)
	}

	// Each share is the exact proportional share rounded down or up, and the
	// ones rounded up have the largest remainders (ties: earlier line).
	var totalNet int64
	for _, in := range infos {
		totalNet += in.net
	}
	if totalNet == 0 {
		return
	}
	N := big.NewInt(totalNet)
	type rounded struct {
		rem *big.Int
		up  bool
	}
	rs := make([]rounded, len(infos))
	for i, in := range infos {
		exact := new(big.Int).Mul(big.NewInt(orderDisc), big.NewInt(in.net)) // share·N ≈ exact
		q, r := new(big.Int).QuoRem(exact, N, new(big.Int))
		switch {
		case in.share == q.Int64():
		case in.share == q.Int64()+1 && r.Sign() > 0:
			rs[i].up = true
		default:
			t.Fatalf("line %d: share %d is not ⌊%v/%d⌋ or one more", i, in.share, exact, totalNet)
		}
		rs[i].rem = r
	}
	for a := range rs {
		for b := range rs {
			if rs[a].up && !rs[b].up {
				if c := rs[a].rem.Cmp(rs[b].rem); c < 0 || c == 0 && a > b {
					t.Fatalf("line %d rounded up (remainder %v) over line %d (remainder %v)", a, rs[a].rem, b, rs[b].rem)
				}
			}
		}
	}
}

func TestRefundProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(0x5eed, 2025))
	for c := range 600 {
		o := randomOrder(rng)
		t.Run(fmt.Sprint(c), func(t *testing.T) {
			checkOrder(t, rng, o, SideShop)
			checkOrder(t, rng, o, SidePresentment)

			ship, err := ShippingValue(o, SideShop)
			if err != nil {
				t.Fatal(err)
			}
			p := sumSide(SideShop, o.ShippingLines, func(s ShippingLine) MoneySet { return s.Price })
			var d, tx int64
			for _, s := range o.ShippingLines {
				d += sumSide(SideShop, s.Discounts, func(d Discount) MoneySet { return d.Amount })
				tx += sumSide(SideShop, s.TaxLines, func(t TaxLine) MoneySet { return t.Amount })
			}
			if want := (UnitValue{Price: p, Discount: d, Tax: tx, Total: p - d + tx}); ship != want {
				t.Fatalf("ShippingValue = %+v, want %+v", ship, want)
			}
		})
	}
}

// Adjustments never take a refund below zero and otherwise add up exactly.
func TestApplyAdjustmentsProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	kinds := []string{AdjustmentRestockingFee, AdjustmentReturnShipping, AdjustmentMerchant}
	for range 2000 {
		total := rng.Int64N(100_000)
		var adj []Adjustment
		sum := total
		for range rng.IntN(5) {
			a := Adjustment{Kind: kinds[rng.IntN(len(kinds))], Amount: -rng.Int64N(50_000)}
			if a.Kind == AdjustmentMerchant && rng.IntN(2) == 0 {
				a.Amount = -a.Amount
			}
			adj = append(adj, a)
			sum += a.Amount
		}
		got, clamped, err := ApplyAdjustments(total, adj)
		if err != nil || got != max(sum, 0) || clamped != (sum < 0) {
			t.Fatalf("ApplyAdjustments(%d, %+v) = %d, %v, %v; want %d", total, adj, got, clamped, err, max(sum, 0))
		}
		rng.Shuffle(len(adj), func(i, j int) { adj[i], adj[j] = adj[j], adj[i] })
		if got2, clamped2, _ := ApplyAdjustments(total, adj); got2 != got || clamped2 != clamped {
			t.Fatalf("order of adjustments changed the result")
		}
	}
}

// apportion on its own: exact sums, parts never above their weight.
func TestApportion(t *testing.T) {
	if got := Apportion(0, nil); len(got) != 0 {
		t.Errorf("Apportion(0, nil) = %v", got)
	}
	if got := Apportion(5, []int64{0, 5, 0}); !slices.Equal(got, []int64{0, 5, 0}) {
		t.Errorf("Apportion(5, [0 5 0]) = %v", got)
	}
	if got := Apportion(2, []int64{1, 1, 1}); !slices.Equal(got, []int64{1, 1, 0}) {
		t.Errorf("Apportion(2, [1 1 1]) = %v", got)
	}
	// Large values need the 128-bit product.
	large := []int64{math.MaxInt64 / 3, math.MaxInt64 / 3, math.MaxInt64 / 3}
	var w int64
	for _, x := range large {
		w += x
	}
	got := Apportion(w-1, large)
	if s := got[0] + got[1] + got[2]; s != w-1 || got[0] != large[0] || got[2] != large[2]-1 {
		t.Errorf("Apportion(large) = %v (sum %d, want %d)", got, s, w-1)
	}
}

// Apportion also splits negative totals and totals over the weights' sum.
func TestApportionSigned(t *testing.T) {
	tests := []struct {
		total   int64
		weights []int64
		want    []int64
	}{
		{-100, []int64{1, 1, 1}, []int64{-34, -33, -33}},
		{100, []int64{1, 1, 1}, []int64{34, 33, 33}},
		{-7, []int64{0, 0}, []int64{-7, 0}},
		{10, []int64{3, 0, 7}, []int64{3, 0, 7}},
		{1, []int64{1, 2}, []int64{0, 1}},
		{0, []int64{5}, []int64{0}},
	}
	for _, tt := range tests {
		if got := Apportion(tt.total, tt.weights); !slices.Equal(got, tt.want) {
			t.Errorf("Apportion(%d, %v) = %v, want %v", tt.total, tt.weights, got, tt.want)
		}
	}
}

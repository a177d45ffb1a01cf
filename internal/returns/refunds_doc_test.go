package returns

// The worked examples of docs/refunds.md, computed by the real refund code
// (OrderValues, ValueItems, Decide, ComputeTotals). Every figure the document
// shows is checked twice: against the value written down in this file, and
// as text that must appear verbatim in the document. Changing the refund math
// or the document without the other makes this test fail.

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

const refundsDocPath = "../../docs/refunds.md"

// refundsDoc is the text of docs/refunds.md.
type refundsDoc struct {
	t    *testing.T
	text string
}

func readRefundsDoc(t *testing.T) refundsDoc {
	t.Helper()
	b, err := os.ReadFile(refundsDocPath)
	if err != nil {
		t.Fatalf("read the document the examples come from: %v", err)
	}
	return refundsDoc{t: t, text: squeeze(string(b))}
}

// squeeze collapses every run of white space, line breaks included, into
// one space, so that prose may be wrapped anywhere.
func squeeze(s string) string { return strings.Join(strings.Fields(s), " ") }

// shows fails the test unless the document contains s, up to white space.
func (d refundsDoc) shows(s string) {
	d.t.Helper()
	if !strings.Contains(d.text, squeeze(s)) {
		d.t.Errorf("docs/refunds.md does not contain:\n\t%s", s)
	}
}

// amt formats minor units of a two-decimal currency: 2189 → "21.89",
// −1415 → "−14.15" (with a minus sign, as the document writes deductions).
func amt(minor int64) string {
	sign := ""
	if minor < 0 {
		sign, minor = "−", -minor
	}
	return fmt.Sprintf("%s%d.%02d", sign, minor/100, minor%100)
}

// exactAmt formats num/den minor units in major units with 6 decimals,
// truncated, followed by "…" when the division is not exact.
func exactAmt(num, den int64) string {
	const scale = 1_000_000 // 6 decimals of the major unit = 4 of the minor
	q := num * (scale / 100) / den
	s := fmt.Sprintf("%d.%06d", q/scale, q%scale)
	if num*(scale/100)%den != 0 {
		return s + "…"
	}
	return strings.TrimRight(strings.TrimRight(s, "0"), ".")
}

func docUSD(minor int64) MoneySet {
	return MoneySet{Shop: Money{Minor: minor, Currency: "USD"}, Presentment: Money{Minor: minor, Currency: "USD"}}
}

// docLine is an order line of an example: price, line discounts and taxes
// are totals over the line, as the platforms send them.
func docLine(id, title string, q int, price, discount, tax int64) OrderLine {
	l := OrderLine{ID: id, Title: title, Quantity: q, ReturnableQuantity: q, FulfilledQuantity: q, Price: docUSD(price)}
	if discount > 0 {
		l.Discounts = []Discount{{ID: id + "-discount", Amount: docUSD(discount)}}
	}
	if tax > 0 {
		l.TaxLines = []TaxLine{{Title: "Sales tax", Amount: docUSD(tax)}}
	}
	return l
}

func docOrder(name string, lines ...OrderLine) *Order {
	return &Order{ID: "order" + name, Name: name, ShopCurrency: "USD", PresentmentCurrency: "USD", Lines: lines}
}

// docReturn is a new return of o's lines: quantities per line, in order.
func docReturn(id string, c Compensation, items ...ReturnItem) Return {
	for i := range items {
		items[i].ID = fmt.Sprintf("%s-item%d", id, i+1)
		items[i].Status = ItemOpen
	}
	return Return{ID: id, Status: StatusOpen, Compensation: c, Items: items}
}

func item(line string, q int) ReturnItem { return ReturnItem{OrderLineID: line, Quantity: q} }

// valueAndTotal runs what creating a return runs: ValueItems, then
// ComputeTotals, against the order's other returns.
func valueAndTotal(t *testing.T, o *Order, p Policy, r *Return, others []Return) {
	t.Helper()
	if err := ValueItems(o, r, others); err != nil {
		t.Fatalf("ValueItems(%s): %v", r.ID, err)
	}
	if err := ComputeTotals(o, p, r, others); err != nil {
		t.Fatalf("ComputeTotals(%s): %v", r.ID, err)
	}
}

// itemsCell renders a return's items as the document's tables do:
// "Shirt ×1 (slot 0) = 21.89; Socks ×2 (slots 1, 2) = 25.00".
func itemsCell(r *Return, names map[string]string) string {
	var parts []string
	for _, it := range r.Items {
		slots := make([]string, len(it.Slots))
		for i, s := range it.Slots {
			slots[i] = fmt.Sprint(s)
		}
		word := "slot"
		if len(slots) > 1 {
			word = "slots"
		}
		parts = append(parts, fmt.Sprintf("%s ×%d (%s %s) = %s", names[it.OrderLineID], it.Quantity, word, strings.Join(slots, ", "), amt(it.Value.Total)))
	}
	return strings.Join(parts, "; ")
}

func itemsTotal(r *Return) int64 {
	var s int64
	for _, it := range r.Items {
		s += it.Value.Total
	}
	return s
}

// Example 1: an order with line discounts, an order-level discount, taxes
// and shipping, returned in three partial returns.
func TestRefundsDocPartialReturns(t *testing.T) {
	doc := readRefundsDoc(t)

	const (
		shirtPrice, shirtDiscount, shirtTax = 2500, 1000, 521
		socksPrice, socksTax                = 1250, 347
		orderDiscount, shipping             = 800, 695
	)
	o := docOrder("#1001",
		docLine("shirt", "Merino T-shirt", 3, shirtPrice, shirtDiscount, shirtTax),
		docLine("socks", "Wool socks", 4, socksPrice, 0, socksTax),
	)
	doc.shows("Order " + o.Name)
	o.Discounts = []Discount{{ID: "welcome", Code: "WELCOME8", Amount: docUSD(orderDiscount)}}
	o.ShippingLines = []ShippingLine{{ID: "ship", Title: "Standard", Price: docUSD(shipping)}}
	names := map[string]string{"shirt": "Shirt", "socks": "Socks"}
	policy := Policy{RefundShipping: true}

	// The order as the document shows it.
	doc.shows("| Merino T-shirt | 3 | 25.00 | 75.00 | 10.00 | 65.00 | 5.21 |")
	doc.shows("| Wool socks | 4 | 12.50 | 50.00 | 0.00 | 50.00 | 3.47 |")
	doc.shows("order-level discount `WELCOME8` of **8.00**")
	doc.shows("shipping **6.95**")

	vals, err := OrderValues(o, SideShop)
	if err != nil {
		t.Fatal(err)
	}
	shirt, socks := vals["shirt"], vals["socks"]

	// The order-level discount split over the lines' nets.
	shirtNet, socksNet := int64(3*shirtPrice-shirtDiscount), int64(4*socksPrice)
	totalNet := shirtNet + socksNet
	var floors []int64
	for _, c := range []struct {
		title      string
		net, share int64
		want       string
	}{
		{"Merino T-shirt", shirtNet, shirt.Total().OrderDiscount, "4.521739…"},
		{"Wool socks", socksNet, socks.Total().OrderDiscount, "3.478260…"},
	} {
		exact := exactAmt(orderDiscount*c.net, totalNet)
		if exact != c.want {
			t.Errorf("%s: exact share %s, want %s", c.title, exact, c.want)
		}
		floor := orderDiscount * c.net / totalNet
		floors = append(floors, floor)
		dropped := exactAmt(orderDiscount*c.net-floor*totalNet, totalNet)
		doc.shows(fmt.Sprintf("| %s | %s | %s | %s | %s | %s |", c.title, amt(c.net), exact, amt(floor), dropped, amt(c.share)))
	}
	doc.shows(fmt.Sprintf("The total net is %s.", amt(totalNet)))
	if left := orderDiscount - floors[0] - floors[1]; left != 1 {
		t.Errorf("%d cents left after rounding down, want 1", left)
	}
	doc.shows(fmt.Sprintf("That gives %s + %s = %s, so one cent is still to place.", amt(floors[0]), amt(floors[1]), amt(floors[0]+floors[1])))
	if got := [2]int64{shirt.Total().OrderDiscount, socks.Total().OrderDiscount}; got != [2]int64{452, 348} {
		t.Errorf("order-discount shares = %v, want [452 348]", got)
	}
	doc.shows(fmt.Sprintf("%s + %s = %s", amt(452), amt(348), amt(orderDiscount)))

	// Every unit slot.
	wantSlots := map[string][]UnitValue{
		"shirt": {
			{Price: 2500, Discount: 333, OrderDiscount: 151, Tax: 173, Total: 2189},
			{Price: 2500, Discount: 333, OrderDiscount: 151, Tax: 174, Total: 2190},
			{Price: 2500, Discount: 334, OrderDiscount: 150, Tax: 174, Total: 2190},
		},
		"socks": {
			{Price: 1250, Discount: 0, OrderDiscount: 87, Tax: 86, Total: 1249},
			{Price: 1250, Discount: 0, OrderDiscount: 87, Tax: 87, Total: 1250},
			{Price: 1250, Discount: 0, OrderDiscount: 87, Tax: 87, Total: 1250},
			{Price: 1250, Discount: 0, OrderDiscount: 87, Tax: 87, Total: 1250},
		},
	}
	wantLine := map[string]UnitValue{
		"shirt": {Price: 7500, Discount: 1000, OrderDiscount: 452, Tax: 521, Total: 6569},
		"socks": {Price: 5000, Discount: 0, OrderDiscount: 348, Tax: 347, Total: 4999},
	}
	for _, id := range []string{"shirt", "socks"} {
		v := vals[id]
		if !reflect.DeepEqual(v.Units, wantSlots[id]) {
			t.Errorf("%s slots = %+v, want %+v", id, v.Units, wantSlots[id])
		}
		for i, u := range v.Units {
			doc.shows(fmt.Sprintf("| %s %d | %s | %s | %s | %s | **%s** |", names[id], i, amt(u.Price), amt(u.Discount), amt(u.OrderDiscount), amt(u.Tax), amt(u.Total)))
		}
		lt := v.Total()
		if lt != wantLine[id] {
			t.Errorf("%s total = %+v, want %+v", id, lt, wantLine[id])
		}
		doc.shows(fmt.Sprintf("| %s, all %d | %s | %s | %s | %s | **%s** |", names[id], v.Quantity, amt(lt.Price), amt(lt.Discount), amt(lt.OrderDiscount), amt(lt.Tax), amt(lt.Total)))
	}
	// The prose on the shirt's rounding.
	for _, c := range []struct {
		total int64
		q     int64
	}{{1000, 3}, {452, 3}, {521, 3}, {347, 4}} {
		doc.shows(fmt.Sprintf("%s over %d slots is %s each with %d cent", amt(c.total), c.q, amt(c.total/c.q), c.total%c.q))
	}
	// Pre-tax net of every shirt slot: 25.00 − 3.33 − 1.51 = 20.16 = 25.00 − 3.34 − 1.50.
	for _, u := range shirt.Units {
		if net := u.Price - u.Discount - u.OrderDiscount; net != 2016 {
			t.Errorf("shirt slot pre-tax net = %d, want 2016", net)
		}
	}
	doc.shows("every shirt slot has the same pre-tax value, 20.16")

	// Paid for the whole order.
	paid := shirt.Total().Total + socks.Total().Total + shipping
	if paid != 12263 {
		t.Errorf("paid = %d, want 12263", paid)
	}
	doc.shows(fmt.Sprintf("%s + %s + %s = **%s**", amt(shirt.Total().Total), amt(socks.Total().Total), amt(shipping), amt(paid)))

	// Three partial returns, each valued against the ones before it.
	type want struct {
		slots    map[string][]int
		items    int64
		shipping bool
		refund   int64
	}
	// run creates and processes rs in turn, after the returns in prior.
	run := func(prior, rs []Return, wants []want, label func(int) string) []Return {
		t.Helper()
		done := append([]Return(nil), prior...)
		for k := range rs {
			r := rs[k]
			if r.Status == StatusDeleted {
				done = append(done, r)
				continue
			}
			valueAndTotal(t, o, policy, &r, done)
			w := wants[k]
			for _, it := range r.Items {
				if !reflect.DeepEqual(it.Slots, w.slots[it.OrderLineID]) {
					t.Errorf("%s %s slots = %v, want %v", r.ID, it.OrderLineID, it.Slots, w.slots[it.OrderLineID])
				}
			}
			if got := itemsTotal(&r); got != w.items {
				t.Errorf("%s items = %d, want %d", r.ID, got, w.items)
			}
			if r.ShippingRefunded != w.shipping || r.Totals.Refund != w.refund || r.Totals.StoreCredit != 0 || r.Totals.Charge != 0 || len(r.Adjustments) != 0 {
				t.Errorf("%s: shipping %v totals %+v adjustments %v, want shipping %v refund %d", r.ID, r.ShippingRefunded, r.Totals, r.Adjustments, w.shipping, w.refund)
			}
			ship := int64(0)
			if r.ShippingRefunded {
				ship = shipping
			}
			doc.shows(fmt.Sprintf("| %s | %s | %s | **%s** |", label(k), itemsCell(&r, names), amt(ship), amt(r.Totals.Refund)))
			// Processed: the return completes and keeps holding its slots.
			if _, err := r.Decide([]ItemDecision{{ItemID: r.Items[0].ID}, {ItemID: r.Items[1].ID}}); err != nil {
				t.Fatal(err)
			}
			if err := ComputeTotals(o, policy, &r, done); err != nil {
				t.Fatal(err)
			}
			if r.Totals.Refund != w.refund || r.ShippingRefunded != w.shipping {
				t.Errorf("%s processed: totals %+v, shipping %v; want the estimate", r.ID, r.Totals, r.ShippingRefunded)
			}
			r.Status = StatusComplete
			done = append(done, r)
		}
		return done
	}
	done := run(nil, []Return{
		docReturn("return1", CompensationRefund, item("shirt", 1), item("socks", 1)),
		docReturn("return2", CompensationRefund, item("shirt", 1), item("socks", 2)),
		docReturn("return3", CompensationRefund, item("shirt", 1), item("socks", 1)),
	}, []want{
		{map[string][]int{"shirt": {0}, "socks": {0}}, 3438, false, 3438},
		{map[string][]int{"shirt": {1}, "socks": {1, 2}}, 4690, false, 4690},
		{map[string][]int{"shirt": {2}, "socks": {3}}, 3440, true, 4135},
	}, func(k int) string { return fmt.Sprintf("Return %d", k+1) })

	var sum, shirtSum, socksSum int64
	var shirtParts, socksParts []string
	for _, r := range done {
		sum += r.Totals.Refund
		for _, it := range r.Items {
			switch it.OrderLineID {
			case "shirt":
				shirtSum += it.Value.Total
				shirtParts = append(shirtParts, amt(it.Value.Total))
			case "socks":
				socksSum += it.Value.Total
				socksParts = append(socksParts, amt(it.Value.Total))
			}
		}
	}
	if shirtSum != shirt.Total().Total || socksSum != socks.Total().Total || sum != paid {
		t.Errorf("returned shirt %d socks %d refunds %d; paid shirt %d socks %d order %d", shirtSum, socksSum, sum, shirt.Total().Total, socks.Total().Total, paid)
	}
	doc.shows(fmt.Sprintf("| All three | | %s | **%s** |", amt(shipping), amt(sum)))
	doc.shows(fmt.Sprintf("Shirt: %s = %s", strings.Join(shirtParts, " + "), amt(shirtSum)))
	doc.shows(fmt.Sprintf("Socks: %s = %s", strings.Join(socksParts, " + "), amt(socksSum)))
	doc.shows(fmt.Sprintf("Refunds: %s + %s + %s = %s", amt(done[0].Totals.Refund), amt(done[1].Totals.Refund), amt(done[2].Totals.Refund), amt(sum)))

	// The same order, with Return 2 deleted before the others come in: the
	// slots it held are free again and the later returns take the lowest.
	r2 := docReturn("return2", CompensationRefund, item("shirt", 1), item("socks", 2))
	valueAndTotal(t, o, policy, &r2, done[:1])
	r2.Status = StatusDeleted
	done = run(done[:1], []Return{
		r2,
		docReturn("return3", CompensationRefund, item("shirt", 1), item("socks", 1)),
		docReturn("return4", CompensationRefund, item("shirt", 1), item("socks", 2)),
	}, []want{
		{},
		{map[string][]int{"shirt": {1}, "socks": {1}}, 3440, false, 3440},
		{map[string][]int{"shirt": {2}, "socks": {2, 3}}, 4690, true, 5385},
	}, func(k int) string { return fmt.Sprintf("Return %d", k+2) })
	var parts []string
	sum = 0
	for _, r := range done {
		if r.Status == StatusComplete {
			sum += r.Totals.Refund
			parts = append(parts, amt(r.Totals.Refund))
		}
	}
	if sum != paid {
		t.Errorf("with a deleted return, refunds sum to %d, want %d", sum, paid)
	}
	doc.shows(fmt.Sprintf("Refunds: %s = %s", strings.Join(parts, " + "), amt(sum)))
}

// Example 2: a restocking fee and a return-shipping fee, and a merchant
// adjustment at processing.
func TestRefundsDocRestockingFee(t *testing.T) {
	doc := readRefundsDoc(t)

	o := docOrder("#1002", docLine("jacket", "Rain jacket", 2, 8999, 0, 1440))
	doc.shows("Order " + o.Name)
	policy := Policy{RestockingFeeBasisPoints: 1250, RestockingFeeFlat: 200, ReturnShippingFee: 595}
	doc.shows("| Rain jacket | 2 | 89.99 | 179.98 | 0.00 | 179.98 | 14.40 |")
	doc.shows(`"restockingFeeBasisPoints": 1250`)
	doc.shows(`"restockingFeeFlat": 200`)
	doc.shows(`"returnShippingFee": 595`)

	vals, err := OrderValues(o, SideShop)
	if err != nil {
		t.Fatal(err)
	}
	for i, u := range vals["jacket"].Units {
		if want := (UnitValue{Price: 8999, Tax: 720, Total: 9719}); u != want {
			t.Errorf("jacket slot %d = %+v, want %+v", i, u, want)
		}
	}
	doc.shows("each jacket slot is worth 89.99 + 7.20 = **97.19**")

	// process runs what processing runs: Decide, then ComputeTotals.
	process := func(r *Return, others []Return, adjustment *int64) {
		t.Helper()
		valueAndTotal(t, o, policy, r, others)
		r.Status = StatusDelivered
		done, err := r.Decide([]ItemDecision{{ItemID: r.Items[0].ID, Restock: true, Adjustment: adjustment}})
		if err != nil || !done {
			t.Fatalf("Decide: %v, done %v", err, done)
		}
		if err := ComputeTotals(o, policy, r, others); err != nil {
			t.Fatal(err)
		}
	}
	check := func(label string, r *Return, value, fee, refund, shippingFee int64) {
		t.Helper()
		want := []Adjustment{
			{Kind: AdjustmentRestockingFee, Amount: -fee, Description: "Restocking fee (12.5% plus a flat fee)"},
			{Kind: AdjustmentReturnShipping, Amount: -595, Description: "Return shipping"},
		}
		if !reflect.DeepEqual(r.Adjustments, want) {
			t.Errorf("%s adjustments = %+v, want %+v", r.ID, r.Adjustments, want)
		}
		if w := (Totals{Refund: refund, ShippingFee: shippingFee}); r.Totals != w {
			t.Errorf("%s totals = %+v, want %+v", r.ID, r.Totals, w)
		}
		doc.shows(fmt.Sprintf("| %s | %s | %s | %s | **%s** |", label, amt(value), amt(-fee), amt(-595), amt(refund)))
	}

	// The percentage part of the fee alone, as the document states it.
	for _, c := range []struct{ value, pct int64 }{{9719, 1215}, {5000, 625}, {150, 19}} {
		fee, err := RestockingFee(c.value, int64(policy.RestockingFeeBasisPoints), 0)
		if err != nil || fee.Amount != -c.pct {
			t.Errorf("12.5%% of %d = %+v, %v; want %d", c.value, fee, err, c.pct)
		}
	}

	// Return A: one jacket, accepted as is.
	a := docReturn("returnA", CompensationRefund, item("jacket", 1))
	process(&a, nil, nil)
	if a.Items[0].Value.Total != 9719 {
		t.Errorf("return A value = %d, want 9719", a.Items[0].Value.Total)
	}
	check("A", &a, 9719, 1415, 7709, 595)
	doc.shows(fmt.Sprintf("12.5%% of %s is %s, rounded half up to %s; plus the flat %s, the fee is **%s**",
		amt(9719), exactAmt(9719*1250, 10000), amt(1215), amt(200), amt(1415)))
	doc.shows(`"Restocking fee (12.5% plus a flat fee)"`)
	doc.shows(fmt.Sprintf("%s − %s − %s = **%s**", amt(9719), amt(1415), amt(595), amt(7709)))
	a.Status = StatusComplete

	// Return B: the other jacket, damaged; the merchant credits 50.00.
	fifty := int64(5000)
	b := docReturn("returnB", CompensationRefund, item("jacket", 1))
	process(&b, []Return{a}, &fifty)
	if b.Items[0].Slots[0] != 1 || b.Items[0].Value.Total != 9719 {
		t.Errorf("return B item = slots %v value %d, want slot 1 worth 9719", b.Items[0].Slots, b.Items[0].Value.Total)
	}
	check("B", &b, 5000, 825, 3580, 595)
	doc.shows(`"newMerchantAdjustment": 50`)
	doc.shows(fmt.Sprintf("12.5%% of %s is %s; plus %s, the fee is **%s**", amt(5000), amt(625), amt(200), amt(825)))
	doc.shows(fmt.Sprintf("%s − %s − %s = **%s**", amt(5000), amt(825), amt(595), amt(3580)))

	// Return B', had the merchant credited 1.50: the fee is capped at the
	// credit and the refund stops at zero.
	small := int64(150)
	b2 := docReturn("returnB", CompensationRefund, item("jacket", 1))
	process(&b2, []Return{a}, &small)
	check("B′", &b2, 150, 150, 0, 0)
	if got := exactAmt(150*1250, 10000); got != "0.1875" {
		t.Errorf("12.5%% of 1.50 = %s, want 0.1875", got)
	}
	doc.shows(fmt.Sprintf("12.5%% of %s is %s, which rounds to %s; plus %s, that makes %s, more than the %s credited, so the fee is capped at **%s**",
		amt(150), exactAmt(150*1250, 10000), amt(19), amt(200), amt(219), amt(150), amt(150)))
	doc.shows(fmt.Sprintf("%s − %s − %s would be %s; the refund is **%s**", amt(150), amt(150), amt(595), amt(150-150-595), amt(0)))
}

// Example 3: exchanges, worth less and worth more than the returned item.
func TestRefundsDocExchange(t *testing.T) {
	doc := readRefundsDoc(t)

	o := docOrder("#1003", docLine("runners", "Trail runners", 1, 12000, 1200, 864))
	doc.shows("Order " + o.Name)
	doc.shows("| Trail runners | 1 | 120.00 | 120.00 | 12.00 | 108.00 | 8.64 |")

	for _, c := range []struct {
		title                 string
		price                 int64
		value, credit, charge int64
	}{
		{"Road runners", 9500, 11664, 2164, 0},
		{"Trail runners GTX", 13500, 11664, 0, 1836},
	} {
		r := docReturn("exchange", CompensationExchange, item("runners", 1))
		r.Exchange = &Exchange{Items: []ExchangeItem{{ID: "new", Title: c.title, Quantity: 1, Price: c.price}}}
		valueAndTotal(t, o, DefaultPolicy(), &r, nil)
		if r.Items[0].Value.Total != c.value {
			t.Errorf("%s: returned item worth %d, want %d", c.title, r.Items[0].Value.Total, c.value)
		}
		if w := (Totals{Exchange: c.price, StoreCredit: c.credit, Charge: c.charge}); r.Totals != w {
			t.Errorf("%s: totals %+v, want %+v", c.title, r.Totals, w)
		}
		doc.shows(fmt.Sprintf("| %s | %s | %s | %s | %s | %s |", c.title, amt(c.value), amt(r.Totals.Exchange), amt(r.Totals.Refund), amt(r.Totals.StoreCredit), amt(r.Totals.Charge)))
	}
	doc.shows(fmt.Sprintf("120.00 − 12.00 + 8.64 = **%s**", amt(11664)))
	doc.shows(fmt.Sprintf("%s − %s = %s", amt(11664), amt(9500), amt(2164)))
	doc.shows(fmt.Sprintf("%s − %s = %s", amt(13500), amt(11664), amt(1836)))
}

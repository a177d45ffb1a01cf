package returns

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

var orderAt = time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)

func day(d int) *time.Time {
	t := orderAt.AddDate(0, 0, d)
	return &t
}

// eligOrder is an order placed at orderAt with these lines:
//
//	a  2 units, both returnable, shipped in two fulfillments (f1 day 2, f2 day 9)
//	b  tagged final sale on the line
//	c  SKU on the non-returnable list
//	d  not fulfilled
//	e  fulfilled, but the platform says nothing is returnable (refunded)
//	x  Redo's coverage line
//
// f1 was delivered on day 5; f2 has no delivery date yet.
func eligOrder() *Order {
	return &Order{
		ID: "o1", StoreID: "s1", CreatedAt: orderAt, SyncedAt: orderAt.Add(time.Hour),
		ShopCurrency: "USD", PresentmentCurrency: "USD",
		Lines: []OrderLine{
			{ID: "a", SKU: "TEE-1", Quantity: 2, ReturnableQuantity: 2, FulfilledQuantity: 2},
			{ID: "b", SKU: "TEE-2", Quantity: 1, ReturnableQuantity: 1, FulfilledQuantity: 1, Tags: []string{"summer", "Final-Sale"}},
			{ID: "c", SKU: "gift-card", Quantity: 1, ReturnableQuantity: 1, FulfilledQuantity: 1},
			{ID: "d", SKU: "TEE-3", Quantity: 1},
			{ID: "e", SKU: "TEE-4", Quantity: 1, FulfilledQuantity: 1},
			{ID: "x", SKU: "x-redo", Vendor: "re:do", Quantity: 1, Coverage: CoverageReturns},
		},
		Fulfillments: []Fulfillment{
			{ID: "f1", ShippingDate: day(2), DeliveryDate: day(5), Lines: []FulfillmentLine{
				{LineID: "a", Quantity: 1}, {LineID: "b", Quantity: 1}, {LineID: "c", Quantity: 1}, {LineID: "e", Quantity: 1},
			}},
			{ID: "f2", ShippingDate: day(9), Lines: []FulfillmentLine{{LineID: "a", Quantity: 1}}},
		},
	}
}

func eligPolicy() Policy {
	p := DefaultPolicy()
	p.FinalSaleTags = []string{"final-sale"}
	p.NonReturnableSKUs = []string{" GIFT-CARD "}
	return p
}

func byLine(es []LineEligibility) map[string]LineEligibility {
	m := make(map[string]LineEligibility, len(es))
	for _, e := range es {
		m[e.LineID] = e
	}
	return m
}

func TestEligibilityCodes(t *testing.T) {
	o := eligOrder()
	got := Eligibility(o, eligPolicy(), nil, orderAt.AddDate(1, 0, 0))
	if len(got) != len(o.Lines) {
		t.Fatalf("%d results for %d lines", len(got), len(o.Lines))
	}
	for i, e := range got {
		if e.LineID != o.Lines[i].ID {
			t.Errorf("result %d is for line %s, want %s", i, e.LineID, o.Lines[i].ID)
		}
	}
	want := []LineEligibility{
		{LineID: "a", Returnable: 2},
		{LineID: "b", Code: IneligibleFinalSale, Reasons: []string{"This item was final sale."}},
		{LineID: "c", Code: IneligibleSKU, Reasons: []string{"This item can't be returned."}},
		{LineID: "d", Code: IneligibleNotFulfilled, Reasons: []string{"This item hasn't shipped yet."}},
		{LineID: "e", Code: IneligibleAlreadyReturned, Reasons: []string{"This item has already been returned."}},
		{LineID: "x", Code: IneligibleCoverage, Reasons: []string{"Order protection can't be returned."}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Eligibility =\n%+v\nwant\n%+v", got, want)
	}
}

// A new store's policy: no window, so an order from last year is returnable.
func TestEligibilityDefaultPolicyNoWindow(t *testing.T) {
	o := eligOrder()
	o.CreatedAt = time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)
	e := Eligibility(o, DefaultPolicy(), nil, orderAt.AddDate(5, 0, 0))
	if e[0].Returnable != 2 || e[0].Code != "" || !e[0].Deadline.IsZero() {
		t.Errorf("line a: %+v", e[0])
	}
	if e[5].Code != IneligibleCoverage {
		t.Errorf("coverage line under the default policy: %+v", e[5])
	}
}

func TestEligibilityWindow(t *testing.T) {
	type fl = []Fulfillment
	line := func(qty int) []FulfillmentLine { return []FulfillmentLine{{LineID: "a", Quantity: qty}} }
	cases := []struct {
		name         string
		from         WindowFrom
		fulfillments fl
		created      time.Time
		synced       time.Time
		deadline     time.Time // zero: no window enforced
	}{
		{"order", WindowFromOrder, fl{{ShippingDate: day(2), DeliveryDate: day(5), Lines: line(1)}}, orderAt, orderAt, orderAt.AddDate(0, 0, 30)},
		{"empty anchor means order", "", fl{{ShippingDate: day(2), Lines: line(1)}}, orderAt, orderAt, orderAt.AddDate(0, 0, 30)},
		{"fulfillment", WindowFromFulfillment, fl{{ShippingDate: day(2), DeliveryDate: day(5), Lines: line(1)}}, orderAt, orderAt, day(32).UTC()},
		{"fulfillment: the latest shipment", WindowFromFulfillment, fl{
			{ShippingDate: day(9), Lines: line(1)}, {ShippingDate: day(2), Lines: line(1)},
		}, orderAt, orderAt, *day(39)},
		{"fulfillment: other lines' shipments don't count", WindowFromFulfillment, fl{
			{ShippingDate: day(2), Lines: line(1)},
			{ShippingDate: day(20), Lines: []FulfillmentLine{{LineID: "b", Quantity: 1}}},
			{ShippingDate: day(25), Lines: line(0)},
		}, orderAt, orderAt, *day(32)},
		{"fulfillment: no shipping date falls back to the order", WindowFromFulfillment, fl{{DeliveryDate: day(5), Lines: line(1)}}, orderAt, orderAt, orderAt.AddDate(0, 0, 30)},
		{"fulfillment: no fulfillment falls back to the order", WindowFromFulfillment, nil, orderAt, orderAt, orderAt.AddDate(0, 0, 30)},
		{"delivery", WindowFromDelivery, fl{{ShippingDate: day(2), DeliveryDate: day(5), Lines: line(1)}}, orderAt, orderAt, *day(35)},
		{"delivery: not yet delivered counts from shipping", WindowFromDelivery, fl{{ShippingDate: day(2), Lines: line(1)}}, orderAt, orderAt, *day(32)},
		{"delivery: latest over fulfillments, each by its best date", WindowFromDelivery, fl{
			{ShippingDate: day(2), DeliveryDate: day(5), Lines: line(1)}, {ShippingDate: day(9), Lines: line(1)},
		}, orderAt, orderAt, *day(39)},
		{"delivery: a later delivery wins over a later shipment", WindowFromDelivery, fl{
			{ShippingDate: day(2), DeliveryDate: day(12), Lines: line(1)}, {ShippingDate: day(9), Lines: line(1)},
		}, orderAt, orderAt, *day(42)},
		{"delivery: no dates at all falls back to the order", WindowFromDelivery, fl{{Lines: line(1)}}, orderAt, orderAt, orderAt.AddDate(0, 0, 30)},
		{"order: no created date falls back to synced", WindowFromOrder, nil, time.Time{}, orderAt.AddDate(0, 0, 3), orderAt.AddDate(0, 0, 33)},
		{"no date anywhere: no window", WindowFromDelivery, fl{{Lines: line(1)}}, time.Time{}, time.Time{}, time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := &Order{ID: "o1", CreatedAt: c.created, SyncedAt: c.synced, Fulfillments: c.fulfillments,
				Lines: []OrderLine{{ID: "a", Quantity: 1, ReturnableQuantity: 1, FulfilledQuantity: 1}}}
			p := DefaultPolicy()
			p.WindowDays, p.WindowFrom = 30, c.from

			if c.deadline.IsZero() {
				e := Eligibility(o, p, nil, orderAt.AddDate(100, 0, 0))[0]
				if !e.Deadline.IsZero() || e.Returnable != 1 {
					t.Errorf("no anchor: %+v", e)
				}
				return
			}
			at := Eligibility(o, p, nil, c.deadline)[0]
			if !at.Deadline.Equal(c.deadline) {
				t.Fatalf("deadline %v, want %v", at.Deadline, c.deadline)
			}
			if at.Returnable != 1 || at.Code != "" {
				t.Errorf("at the deadline: %+v", at)
			}
			after := Eligibility(o, p, nil, c.deadline.Add(time.Nanosecond))[0]
			wantMsg := "The return window for this item closed on " + c.deadline.Format("January 2, 2006") + "."
			if after.Returnable != 0 || after.Code != IneligibleWindowClosed || len(after.Reasons) != 1 || after.Reasons[0] != wantMsg {
				t.Errorf("after the deadline: %+v, want message %q", after, wantMsg)
			}
		})
	}
}

func TestEligibilityWindowMessage(t *testing.T) {
	o := eligOrder()
	p := eligPolicy()
	p.WindowDays = 30
	e := byLine(Eligibility(o, p, nil, orderAt.AddDate(0, 2, 0)))
	if got := e["a"].Reasons; len(got) != 1 || got[0] != "The return window for this item closed on January 31, 2026." {
		t.Errorf("line a reasons %q", got)
	}
	// Every reason is listed; Code is the first one.
	if got := e["b"]; got.Code != IneligibleFinalSale || len(got.Reasons) != 2 || got.Reasons[1] != "The return window for this item closed on January 31, 2026." {
		t.Errorf("line b: %+v", got)
	}
	// An unshipped line is not "out of window": it hasn't shipped.
	if got := e["d"]; got.Code != IneligibleNotFulfilled || len(got.Reasons) != 1 {
		t.Errorf("line d: %+v", got)
	}
}

func TestEligibilityFinalSaleAndSKU(t *testing.T) {
	now := orderAt.AddDate(0, 0, 1)
	cases := []struct {
		name      string
		lineTags  []string
		orderTags []string
		sku       string
		policy    func(*Policy)
		code      string
		reasons   int
	}{
		{"line tag", []string{"final-sale"}, nil, "S", nil, IneligibleFinalSale, 1},
		{"line tag, other case and spaces", []string{" FINAL-SALE "}, nil, "S", nil, IneligibleFinalSale, 1},
		{"order tag makes every line final sale", nil, []string{"final-sale"}, "S", nil, IneligibleFinalSale, 1},
		{"similar tag does not count", []string{"final-sale-2"}, []string{"sale"}, "S", nil, "", 0},
		{"sku", nil, nil, "gift-card", nil, IneligibleSKU, 1},
		{"sku prefix does not count", nil, nil, "gift-card-2", nil, "", 0},
		{"final sale and sku", []string{"final-sale"}, nil, "GIFT-CARD", nil, IneligibleFinalSale, 2},
		{"tags ignored when the policy has none", []string{"final-sale"}, nil, "gift-card", func(p *Policy) {
			p.FinalSaleTags, p.NonReturnableSKUs = nil, nil
		}, "", 0},
		{"empty sku never matches", nil, nil, "", nil, "", 0},
	}
	for _, c := range cases {
		o := &Order{ID: "o1", CreatedAt: orderAt, Tags: c.orderTags,
			Lines: []OrderLine{{ID: "a", SKU: c.sku, Tags: c.lineTags, Quantity: 1, ReturnableQuantity: 1, FulfilledQuantity: 1}}}
		p := eligPolicy()
		if c.policy != nil {
			c.policy(&p)
		}
		e := Eligibility(o, p, nil, now)[0]
		if e.Code != c.code || len(e.Reasons) != c.reasons {
			t.Errorf("%s: %+v, want code %q with %d reasons", c.name, e, c.code, c.reasons)
		}
		if (c.code == "") != (e.Returnable == 1) {
			t.Errorf("%s: returnable %d", c.name, e.Returnable)
		}
	}
}

func TestEligibilityCoverageAndCancelled(t *testing.T) {
	// A coverage line is never returnable, even with a bogus returnable
	// quantity and nothing else against it; no other reason is listed.
	o := &Order{ID: "o1", CreatedAt: orderAt, Tags: []string{"final-sale"}, Lines: []OrderLine{
		{ID: "x", Quantity: 1, ReturnableQuantity: 1, FulfilledQuantity: 1, Coverage: CoverageBoth},
	}}
	e := Eligibility(o, eligPolicy(), nil, orderAt)[0]
	if e.Code != IneligibleCoverage || e.Returnable != 0 || len(e.Reasons) != 1 {
		t.Errorf("coverage: %+v", e)
	}

	o = eligOrder()
	o.CancelledAt = day(1)
	e = Eligibility(o, eligPolicy(), nil, orderAt)[0]
	if e.Code != IneligibleOrderCancelled || e.Returnable != 0 || e.Reasons[0] != "This order was cancelled." {
		t.Errorf("cancelled: %+v", e)
	}
	if Eligibility(nil, eligPolicy(), nil, orderAt) != nil {
		t.Error("nil order")
	}
}

func TestEligibilityHeld(t *testing.T) {
	cases := []struct {
		rq, held   int
		returnable int
		code       string
	}{
		{3, 0, 3, ""},
		{3, 1, 2, ""},
		{3, 3, 0, IneligibleAlreadyReturned},
		{3, 5, 0, IneligibleAlreadyReturned},
		{3, -2, 3, ""}, // nonsense held counts as nothing
		{0, 0, 0, IneligibleAlreadyReturned},
		{0, 2, 0, IneligibleAlreadyReturned},
	}
	for _, c := range cases {
		o := &Order{ID: "o1", CreatedAt: orderAt, Lines: []OrderLine{
			{ID: "a", Quantity: 3, ReturnableQuantity: c.rq, FulfilledQuantity: 3},
		}}
		e := Eligibility(o, DefaultPolicy(), Held{"a": c.held, "other": 9}, orderAt)[0]
		if e.Returnable != c.returnable || e.Code != c.code {
			t.Errorf("returnable %d held %d: %+v, want %d %q", c.rq, c.held, e, c.returnable, c.code)
		}
		if c.code != "" && (len(e.Reasons) != 1 || e.Reasons[0] != "This item has already been returned.") {
			t.Errorf("returnable %d held %d: reasons %q", c.rq, c.held, e.Reasons)
		}
	}
}

func TestCheckRequest(t *testing.T) {
	p := eligPolicy()
	p.WindowDays, p.WindowFrom = 30, WindowFromDelivery
	held := Held{"a": 1}
	now := orderAt.AddDate(0, 0, 20)

	cases := []struct {
		name  string
		order func(*Order)
		now   time.Time
		req   map[string]int
		field string
		msg   string
	}{
		{"ok", nil, now, map[string]int{"a": 1}, "", ""},
		{"nothing requested", nil, now, map[string]int{}, "items", "Choose at least one item to return."},
		{"unknown lines, smallest first", nil, now, map[string]int{"a": 1, "zz": 1, "yy": 1}, "items[yy]", "This item is not part of the order."},
		{"zero quantity", nil, now, map[string]int{"a": 0}, "items[a].quantity", "Choose at least one of this item to return."},
		{"more than held allows", nil, now, map[string]int{"a": 2}, "items[a].quantity", "Only 1 of this item can be returned."},
		{"final sale", nil, now, map[string]int{"a": 1, "b": 1}, "items[b].quantity", "This item was final sale."},
		{"sku", nil, now, map[string]int{"c": 1}, "items[c].quantity", "This item can't be returned."},
		{"not fulfilled", nil, now, map[string]int{"d": 1}, "items[d].quantity", "This item hasn't shipped yet."},
		{"refunded on the platform", nil, now, map[string]int{"e": 1}, "items[e].quantity", "This item has already been returned."},
		{"coverage", nil, now, map[string]int{"x": 1}, "items[x].quantity", "Order protection can't be returned."},
		{"first refused line in order", nil, now, map[string]int{"x": 1, "c": 1, "b": 1}, "items[b].quantity", "This item was final sale."},
		// Line a's window counts from f2's shipment (day 9, no delivery yet).
		{"window open until day 39", nil, orderAt.AddDate(0, 0, 39), map[string]int{"a": 1}, "", ""},
		{"window closed", nil, orderAt.AddDate(0, 0, 40), map[string]int{"a": 1}, "items[a].quantity", "The return window for this item closed on February 9, 2026."},
		{"reasons joined", func(o *Order) { o.Lines[1].SKU = "GIFT-card" }, now, map[string]int{"b": 1},
			"items[b].quantity", "This item was final sale. This item can't be returned."},
	}
	for _, c := range cases {
		o := eligOrder()
		if c.order != nil {
			c.order(o)
		}
		err := CheckRequest(o, p, held, c.now, c.req)
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != EINVALID || e.Field != c.field || e.Message != c.msg {
			t.Errorf("%s: %v, want EINVALID %s: %s", c.name, err, c.field, c.msg)
		}
	}
	if err := CheckRequest(nil, p, nil, now, map[string]int{"a": 1}); ErrorCode(err) != EINVALID {
		t.Errorf("nil order: %v", err)
	}
	// Exactly the last unit: the first return takes it, the second is refused.
	o := eligOrder()
	if err := CheckRequest(o, p, Held{"a": 1}, now, map[string]int{"a": 1}); err != nil {
		t.Fatal(err)
	}
	if err := CheckRequest(o, p, Held{"a": 2}, now, map[string]int{"a": 1}); ErrorCode(err) != EINVALID {
		t.Errorf("second claim on the last unit: %v", err)
	}
}

func TestCheckQuantities(t *testing.T) {
	o := eligOrder()
	o.Tags = []string{"final-sale"} // ignored: the merchant brings units back
	cases := []struct {
		req   map[string]int
		held  Held
		field string
		msg   string
	}{
		{map[string]int{"a": 2, "b": 1, "c": 1}, nil, "", ""},
		{map[string]int{"a": 2}, Held{"a": 1}, "items[a].quantity", "Only 1 of this item can be returned."},
		{map[string]int{"a": 1}, Held{"a": 2}, "items[a].quantity", "This item has already been returned."},
		{map[string]int{"d": 1}, nil, "items[d].quantity", "This item has already been returned."},
		{map[string]int{"x": 1}, nil, "items[x].quantity", "Order protection can't be returned."},
		{map[string]int{"nope": 1}, nil, "items[nope]", "This item is not part of the order."},
		{nil, nil, "items", "Choose at least one item to return."},
	}
	for _, c := range cases {
		err := CheckQuantities(o, c.held, c.req)
		if c.field == "" {
			if err != nil {
				t.Errorf("%v: %v", c.req, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Field != c.field || e.Message != c.msg {
			t.Errorf("%v held %v: %v, want %s: %s", c.req, c.held, err, c.field, c.msg)
		}
	}
}

// A line the fulfillments carry counts as fulfilled even when the platform
// did not fill FulfilledQuantity.
func TestEligibilityFulfilledByFulfillments(t *testing.T) {
	o := &Order{ID: "o1", CreatedAt: orderAt, Lines: []OrderLine{{ID: "a", Quantity: 1}},
		Fulfillments: []Fulfillment{{ID: "f", Lines: []FulfillmentLine{{LineID: "b", Quantity: 1}, {LineID: "a", Quantity: 1}}}}}
	if e := Eligibility(o, DefaultPolicy(), nil, orderAt)[0]; e.Code != IneligibleAlreadyReturned {
		t.Errorf("%+v", e)
	}
	o.Fulfillments[0].Lines[1].Quantity = 0
	if e := Eligibility(o, DefaultPolicy(), nil, orderAt)[0]; e.Code != IneligibleNotFulfilled {
		t.Errorf("%+v", e)
	}
}

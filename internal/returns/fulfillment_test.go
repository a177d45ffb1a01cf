package returns

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func fulfillmentOrder() *Order {
	return &Order{ExternalID: "o1", Lines: []OrderLine{
		{ID: "a", Quantity: 2},
		{ID: "b", Quantity: 1, ReturnableQuantity: 1, FulfilledQuantity: 1},
		{ID: "cov", Quantity: 1, Coverage: CoverageReturns},
	}}
}

func TestAddFulfillment(t *testing.T) {
	o := fulfillmentOrder()
	if err := o.AddFulfillment(Fulfillment{ID: "f1", Lines: []FulfillmentLine{{LineID: "a", Quantity: 1}, {LineID: "cov", Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	if a, c := o.Lines[0], o.Lines[2]; a.FulfilledQuantity != 1 || a.ReturnableQuantity != 1 || c.FulfilledQuantity != 1 || c.ReturnableQuantity != 0 {
		t.Errorf("lines = %+v", o.Lines)
	}
	if o.Fulfillment("f1") == nil || o.Fulfillment("nope") != nil {
		t.Error("Fulfillment lookup")
	}
	// Every problem is reported; nothing changes.
	err := o.AddFulfillment(Fulfillment{ID: "f2", Lines: []FulfillmentLine{{LineID: "a", Quantity: 1}, {LineID: "a", Quantity: 1}, {LineID: "x", Quantity: 1}, {LineID: "b", Quantity: 1}}})
	for _, want := range []string{"lineItems[1].quantity", "lineItems[2].id", "lineItems[3].quantity"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %s", err, want)
		}
	}
	if strings.Contains(err.Error(), "lineItems[0]") {
		t.Errorf("err names the unit that fits: %v", err)
	}
	if len(o.Fulfillments) != 1 || o.Lines[0].FulfilledQuantity != 1 {
		t.Errorf("refused fulfillment changed the order: %+v", o)
	}
	if err := o.AddFulfillment(Fulfillment{ID: "f1", Lines: []FulfillmentLine{{LineID: "a", Quantity: 1}}}); ErrorCode(err) != ECONFLICT {
		t.Errorf("duplicate id: %v", err)
	}
	if err := o.AddFulfillment(Fulfillment{ID: "f3"}); ErrorCode(err) != EINVALID {
		t.Errorf("no lines: %v", err)
	}
}

func TestFulfillmentApply(t *testing.T) {
	now := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	f := Fulfillment{ShippingDate: &now}
	if f.CurrentStatus() != ShipmentInTransit {
		t.Errorf("derived status = %s", f.CurrentStatus())
	}
	f.Apply(ShipmentUpdate{Status: ShipmentOutForDelivery, EstimatedDelivery: "2025-03-02"}, now)
	f.Apply(ShipmentUpdate{Status: ShipmentDelayed, Message: "Weather"}, now.Add(time.Hour))
	if f.CurrentStatus() != ShipmentOutForDelivery || f.DeliveryDate != nil || f.EstimatedDelivery != "2025-03-02" {
		t.Errorf("after event: %+v", f)
	}
	at := now.Add(26 * time.Hour)
	f.Apply(ShipmentUpdate{Status: ShipmentDelivered, At: at}, now.Add(48*time.Hour))
	if f.CurrentStatus() != ShipmentDelivered || f.DeliveryDate == nil || !f.DeliveryDate.Equal(at) {
		t.Errorf("after delivered: %+v", f)
	}
	if len(f.History) != 3 || f.History[0].Message != "Out for delivery" || f.History[1].Message != "Weather" || !f.History[2].At.Equal(at) {
		t.Errorf("history = %+v", f.History)
	}
	for range MaxTrackingEvents {
		f.Apply(ShipmentUpdate{Status: ShipmentArrivingEarly}, now)
	}
	if len(f.History) != MaxTrackingEvents || f.History[0].Status != ShipmentArrivingEarly {
		t.Errorf("history not bounded: %d", len(f.History))
	}
}

func TestParseShipmentStatuses(t *testing.T) {
	if _, err := ParseShipmentUpdate("status", "unknown"); err == nil {
		t.Error("unknown accepted as an update")
	}
	if _, err := ParseShipmentStatus("s", "delayed"); err == nil {
		t.Error("an event accepted as a status")
	}
	for _, s := range []string{"pre_transit", "delivered", "stalled_in_transit", "arriving_early"} {
		if _, err := ParseShipmentUpdate("status", s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
}

func TestApportionWholeOrder(t *testing.T) {
	cases := []struct {
		total   int64
		weights []int64
		want    []int64
	}{
		{309, []int64{4500, 550, 499}, []int64{250, 31, 28}},
		{25, []int64{5, 5}, []int64{13, 12}}, // more than the weights
		{10, []int64{1, 1, 1}, []int64{4, 3, 3}},
		{7, []int64{0, 0}, []int64{7, 0}},
		{0, []int64{5}, []int64{0}},
	}
	for _, c := range cases {
		got := Apportion(c.total, c.weights)
		var sum int64
		for i := range got {
			sum += got[i]
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("Apportion(%d, %v) = %v, want %v", c.total, c.weights, got, c.want)
		}
		if sum != c.total {
			t.Errorf("Apportion(%d, %v) sums to %d", c.total, c.weights, sum)
		}
	}
}

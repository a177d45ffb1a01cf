package refundid

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/customorder"
	"github.com/reboundhq/rebound/internal/examples"
	"github.com/reboundhq/rebound/internal/returns"
)

var seedNow = time.Date(2025, 2, 1, 12, 0, 0, 0, time.UTC)

// seedOrder is the seed 001 order (internal/examples/order.json) as Rebound
// holds it.
func seedOrder(t *testing.T) *returns.Order {
	t.Helper()
	o, err := customorder.Decode(examples.Order())
	if err != nil {
		t.Fatal(err)
	}
	o.ID, o.StoreID = "65a1b2c3d4e5f60718293a4b", "store_1"
	return o
}

func TestOrderForSeed(t *testing.T) {
	o := seedOrder(t)
	ro, err := OrderFor(o, returns.Eligibility(o, returns.DefaultPolicy(), nil, seedNow))
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(ro, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "merchant_order_ref": "order_123456",
  "order_number": "order_123456",
  "email": "jane.doe@example.com",
  "purchased_at": "2025-01-15T10:30:00Z",
  "payment_method": "stripe",
  "is_giftcard_used": false,
  "delivery_info": {
    "address": {
      "first_name": "Jane",
      "last_name": "Doe",
      "line1": "123 Main St",
      "line2": "Apt 4B",
      "city": "New York",
      "state": "NY",
      "postcode": "10001",
      "country": "US",
      "phone": "+1234567890"
    }
  },
  "line_items": [
    {
      "line_item_ref": "line_1",
      "title": "Classic T-Shirt",
      "variant": "Black / Medium",
      "price": {
        "amount": "29.99",
        "currency": "USD"
      },
      "quantity": 2,
      "returnable_quantity": 2,
      "image_url": "https://example.com/images/tee.jpg",
      "weight_in_kilograms": 0.226796185,
      "product_ref": "prod_456",
      "variant_ref": "var_789",
      "sku": "TEE-BLK-M",
      "categories": [],
      "non_returnable_reasons": []
    }
  ]
}`
	if string(got) != want {
		t.Errorf("RapiOrder for the seed order:\n%s\nwant\n%s", got, want)
	}
}

func TestOrderForEligibility(t *testing.T) {
	o := seedOrder(t)
	// One unit is held by another return.
	ro, err := OrderFor(o, returns.Eligibility(o, returns.DefaultPolicy(), returns.Held{"line_1": 1}, seedNow))
	if err != nil {
		t.Fatal(err)
	}
	if li := ro.LineItems[0]; li.ReturnableQuantity != 1 || len(li.NonReturnableReasons) != 0 {
		t.Errorf("held unit: returnable %d reasons %v, want 1 and none", li.ReturnableQuantity, li.NonReturnableReasons)
	}
	// The order's tag makes it final sale, and the 7-day window counted
	// from the order (January 15) has closed.
	p := returns.DefaultPolicy()
	p.FinalSaleTags = []string{"VIP-customer"}
	p.WindowDays = 7
	o.Fulfillments = []returns.Fulfillment{{ID: "f1", ShippingDate: ptr(time.Date(2025, 1, 16, 9, 0, 0, 0, time.UTC)),
		TrackingNumbers: []returns.TrackingNumber{{Carrier: "UPS", Number: "1Z999"}}, TrackingURLs: []string{"https://t.example/1Z999"},
		Lines: []returns.FulfillmentLine{{LineID: "line_1", Quantity: 2}}}}
	ro, err = OrderFor(o, returns.Eligibility(o, p, nil, seedNow))
	if err != nil {
		t.Fatal(err)
	}
	li := ro.LineItems[0]
	wantReasons := []string{"This item was final sale.", "The return window for this item closed on January 22, 2025."}
	if li.ReturnableQuantity != 0 || !slices.Equal(li.NonReturnableReasons, wantReasons) {
		t.Errorf("final sale: returnable %d reasons %q, want 0 and %q", li.ReturnableQuantity, li.NonReturnableReasons, wantReasons)
	}
	if ro.FulfilledAt == nil || !ro.FulfilledAt.Equal(*o.Fulfillments[0].ShippingDate) {
		t.Errorf("fulfilled_at = %v, want the shipping date", ro.FulfilledAt)
	}
	if tr := ro.DeliveryInfo.Tracking; tr == nil || *tr != (RapiTracking{Carrier: "UPS", TrackingNumber: "1Z999", TrackingURL: "https://t.example/1Z999"}) {
		t.Errorf("tracking = %+v", tr)
	}
}

func TestOrderForMoney(t *testing.T) {
	o := seedOrder(t)
	usd := func(m int64) returns.MoneySet {
		return returns.MoneySet{Shop: returns.Money{Minor: m, Currency: "USD"}, Presentment: returns.Money{Minor: m, Currency: "USD"}}
	}
	l := &o.Lines[0]
	l.Quantity, l.ReturnableQuantity = 3, 3
	l.Discounts = []returns.Discount{{ID: "d1", Amount: usd(100)}}
	l.TaxLines = []returns.TaxLine{{Title: "GST", Rate: "0.1", Amount: usd(890)}, {Title: "x", Rate: "0.1", Amount: usd(10)}}
	o.Discounts = []returns.Discount{{ID: "od", Amount: usd(500)}}
	o.Transactions = append(o.Transactions, returns.Transaction{PaymentID: "gc", PaymentGateway: "Gift Card", Amount: returns.Money{Minor: 1, Currency: "USD"}})
	o.Lines = append(o.Lines, returns.OrderLine{ID: "cov", SKU: "x-redo", Vendor: "re:do", Title: "Protection", Quantity: 1,
		Price: usd(250), Coverage: returns.CoverageReturns})
	ro, err := OrderFor(o, returns.Eligibility(o, returns.DefaultPolicy(), nil, seedNow))
	if err != nil {
		t.Fatal(err)
	}
	li := ro.LineItems[0]
	if li.Price.Amount != "29.99" || li.Discount == nil || li.Discount.Amount != "6.00" || li.TaxDetail == nil ||
		li.TaxDetail.Amount.Amount != "9.00" || li.TaxDetail.Rate != "0.1" {
		t.Errorf("line money: %+v discount %+v tax %+v", li.Price, li.Discount, li.TaxDetail)
	}
	cov := ro.LineItems[1]
	if cov.ReturnableQuantity != 0 || !slices.Equal(cov.NonReturnableReasons, []string{"Order protection can't be returned."}) || cov.Price.Amount != "2.50" {
		t.Errorf("coverage line: %+v", cov)
	}
	if !ro.IsGiftcardUsed || ro.PaymentMethod != "stripe" {
		t.Errorf("payment: %q giftcard %v, want stripe and true", ro.PaymentMethod, ro.IsGiftcardUsed)
	}
	for _, a := range []RapiAmount{li.Price, *li.Discount} {
		if _, err := a.Minor(); err != nil {
			t.Errorf("%+v does not parse back: %v", a, err)
		}
	}
}

func TestOrderForErrors(t *testing.T) {
	if _, err := OrderFor(nil, nil); err == nil {
		t.Error("nil order accepted")
	}
	o := seedOrder(t)
	if _, err := OrderFor(o, nil); err == nil || !strings.Contains(err.Error(), "line_1") {
		t.Errorf("missing eligibility: %v", err)
	}
	if _, err := OrderFor(o, []returns.LineEligibility{{LineID: "line_1", Returnable: 3}}); err == nil {
		t.Error("more returnable units than ordered accepted")
	}
	o.Lines[0].Price.Shop.Currency = "EUR"
	if _, err := OrderFor(o, returns.Eligibility(o, returns.DefaultPolicy(), nil, seedNow)); err == nil {
		t.Error("inconsistent currency accepted")
	}
}

// seedReturn is a return of both units of the seed order's line, valued and
// totalled by the domain under p.
func seedReturn(t *testing.T, o *returns.Order, p returns.Policy) *returns.Return {
	t.Helper()
	r := &returns.Return{
		ID: "ret_1", StoreID: o.StoreID, OrderID: o.ID, Status: returns.StatusOpen, Compensation: returns.CompensationRefund,
		CreatedAt: seedNow,
		Items: []returns.ReturnItem{
			{ID: "i1", OrderLineID: "line_1", Quantity: 1, ReasonCode: "too_small", Status: returns.ItemOpen},
			{ID: "i2", OrderLineID: "line_1", Quantity: 1, ReasonCode: "damaged", Status: returns.ItemOpen,
				ItemDetail: returns.ItemDetail{Compensation: returns.CompensationStoreCredit}},
		},
		ReturnDetail: returns.ReturnDetail{
			ShippingAddress: o.ShippingAddress,
			Label:           &returns.Label{TrackingNumber: "RET123", Carrier: "AusPost", TrackingURL: "https://t.example/RET123"},
		},
	}
	if err := returns.ValueItems(o, r, nil); err != nil {
		t.Fatal(err)
	}
	if err := returns.ComputeTotals(o, p, r, nil); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestReturnForSeed(t *testing.T) {
	o := seedOrder(t)
	p := returns.DefaultPolicy()
	p.Reasons = []returns.Reason{
		{Code: "fit", Label: "Doesn't fit", Children: []returns.Reason{{Code: "too_small", Label: "Too small"}}},
		{Code: "damaged", Label: "Arrived damaged"},
	}
	p.RestockingFeeBasisPoints = 1500 // 15% of 59.98 = 9.00 (8.997 rounded)
	p.ReturnShippingFee = 500
	r := seedReturn(t, o, p)
	rr, err := ReturnFor(o, r, p)
	if err != nil {
		t.Fatal(err)
	}
	if rr.MerchantRMARef != "ret_1" || !rr.CreatedAt.Equal(seedNow) || len(rr.LineItems) != 2 {
		t.Fatalf("return: %+v", rr)
	}
	want := []RapiReturnLineItem{
		{MerchantOrderRef: "order_123456", LineItemRef: "line_1", Price: Amount(2999, "USD"), Quantity: 1,
			ReturnReason: "Doesn't fit", ChildReturnReason: "Too small",
			Adjustments:        []RapiReturnAdjustment{{Adjustment: Amount(-450, "USD"), Description: "Restocking fee (15%)"}},
			CompensationMethod: CompensationRefund},
		{MerchantOrderRef: "order_123456", LineItemRef: "line_1", Price: Amount(2999, "USD"), Quantity: 1,
			ReturnReason:       "Arrived damaged",
			Adjustments:        []RapiReturnAdjustment{{Adjustment: Amount(-450, "USD"), Description: "Restocking fee (15%)"}},
			CompensationMethod: CompensationCredit},
	}
	if !reflect.DeepEqual(rr.LineItems, want) {
		t.Errorf("line items\n got %+v\nwant %+v", rr.LineItems, want)
	}
	rs := rr.ReturnShipping
	if rs == nil || rs.Deductions == nil || *rs.Deductions != Amount(500, "USD") || rs.Tracking.TrackingNumber != "RET123" ||
		rs.FromAddress == nil || rs.FromAddress.Postcode != "10001" || rs.ToAddress != nil {
		t.Errorf("return shipping: %+v", rs)
	}
	// What Refundid is told adds up to what Rebound computed.
	var sum int64
	for _, li := range rr.LineItems {
		v, _ := li.Price.Minor()
		sum += v
		for _, a := range li.Adjustments {
			v, _ := a.Adjustment.Minor()
			sum += v
		}
	}
	d, _ := rs.Deductions.Minor()
	if got := sum - d; got != r.Totals.Refund+r.Totals.StoreCredit {
		t.Errorf("items + adjustments − deductions = %d, want refund + credit = %d", got, r.Totals.Refund+r.Totals.StoreCredit)
	}
}

func TestReturnForOverridesAndRejects(t *testing.T) {
	o := seedOrder(t)
	r := seedReturn(t, o, returns.DefaultPolicy())
	r.Items[0].Reason, r.Items[0].ReasonCode = "Changed my mind", "free_text" // no policy reasons
	r.Items[1].Status = returns.ItemRejected
	r.Items[0].MerchantAdjustment = ptr(int64(2500))
	r.Label, r.ShippingAddress = nil, returns.Address{}
	r.Adjustments = []returns.Adjustment{{Kind: returns.AdjustmentMerchant, Amount: 100, Description: "Goodwill"}}
	rr, err := ReturnFor(o, r, returns.DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	if len(rr.LineItems) != 1 || rr.ReturnShipping != nil {
		t.Fatalf("want one line item and no return shipping, got %+v", rr)
	}
	li := rr.LineItems[0]
	wantAdj := []RapiReturnAdjustment{
		{Adjustment: Amount(-499, "USD"), Description: "Merchant adjustment"},
		{Adjustment: Amount(100, "USD"), Description: "Goodwill"},
	}
	if li.ReturnReason != "Changed my mind" || li.ChildReturnReason != "" || !reflect.DeepEqual(li.Adjustments, wantAdj) {
		t.Errorf("line item %+v", li)
	}
	r.Items[0].Status = returns.ItemRejected
	if _, err := ReturnFor(o, r, returns.DefaultPolicy()); err == nil {
		t.Error("a return with every item rejected was mapped")
	}
	r.OrderID = "another"
	if _, err := ReturnFor(o, r, returns.DefaultPolicy()); err == nil {
		t.Error("a return of another order was mapped")
	}
}

func ptr[T any](v T) *T { return &v }

package loopapi_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/loopapi"
	"github.com/reboundhq/rebound/internal/loopapi/loopspectest"
	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/returns"
)

func usd(n int64) returns.MoneySet {
	return returns.MoneySet{Shop: returns.Money{Minor: n, Currency: "USD"}, Presentment: returns.Money{Minor: n, Currency: "USD"}}
}

var t0 = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

// example builds an order and a processed-looking return through the
// domain's own refund math: a 3-unit line with a line discount and tax, a
// second line, an order-level discount; two refund units, one store-credit
// unit with a merchant adjustment, one rejected unit, an exchange and the
// policy's fees.
func example(t *testing.T) (*returns.Return, *returns.Order, loopapi.IDs, returns.Policy) {
	t.Helper()
	o := &returns.Order{
		ID: "650000000000000000000001", ExternalID: "5551234", Name: "#1001", ShopCurrency: "USD", PresentmentCurrency: "EUR",
		CreatedAt: t0, SalesChannel: "web",
		Lines: []returns.OrderLine{
			{ID: "L1", ProductID: "P1", VariantID: "V1", SKU: "SKU-1", Title: "Shirt", Quantity: 3, Price: usd(1000),
				Discounts: []returns.Discount{{ID: "d", Amount: usd(100)}}, TaxLines: []returns.TaxLine{{Title: "VAT", Amount: usd(271)}}},
			{ID: "L2", ProductID: "P2", SKU: "SKU-2", Title: "Hat/Cap", Quantity: 2, Price: usd(2500)},
		},
		Discounts:    []returns.Discount{{ID: "od", Amount: usd(333)}},
		Transactions: []returns.Transaction{{PaymentID: "pay", Amount: returns.Money{Minor: 9000, Currency: "USD"}, PaymentGateway: "stripe"}},
	}
	adj := int64(1999)
	r := &returns.Return{
		ID: "650000000000000000000abc", StoreID: "s", OrderID: o.ID, Status: returns.StatusComplete, Compensation: returns.CompensationRefund,
		CreatedAt: t0, UpdatedAt: t0.Add(2 * time.Hour),
		Items: []returns.ReturnItem{
			{ID: "I1", OrderLineID: "L1", Quantity: 2, Reason: "Too small", ReasonCode: "small", CustomerComment: "Snug", Status: returns.ItemComplete,
				ItemDetail: returns.ItemDetail{ProductID: "P1", VariantID: "V1", SKU: "SKU-1", Title: "Shirt", Restock: true}},
			{ID: "I2", OrderLineID: "L2", Quantity: 1, Reason: "Changed mind", Status: returns.ItemComplete,
				ItemDetail: returns.ItemDetail{ProductID: "P2", SKU: "SKU-2", Title: "Hat/Cap", Compensation: returns.CompensationStoreCredit, MerchantAdjustment: &adj}},
			{ID: "I3", OrderLineID: "L1", Quantity: 1, Reason: "Damaged", Status: returns.ItemRejected,
				ItemDetail: returns.ItemDetail{ProductID: "P1", SKU: "SKU-1", Title: "Shirt"}},
		},
		ReturnDetail: returns.ReturnDetail{
			Provider: returns.ProviderCustom, OrderExternalID: o.ExternalID, OrderName: o.Name,
			Customer:        returns.Returner{FirstName: "Ada", LastName: "Lé", Email: "ada@example.com"},
			ShippingAddress: returns.Address{Address1: "1 Main St", City: "Lyon", Zip: "69001", CountryCode: "FR"},
			Label:           &returns.Label{TrackingNumber: "1Z999", Carrier: "UPS", PostageLabelURL: "https://labels.example/1Z999.pdf", Status: "in_transit"},
			Exchange:        &returns.Exchange{Items: []returns.ExchangeItem{{ID: "X1", ProductID: "P9", VariantID: "V9", SKU: "SKU-9", Title: "Scarf", Quantity: 1, Price: 1500}}},
		},
	}
	// Rejected items get no slots; value the others first.
	if err := returns.ValueItems(o, r, nil); err != nil {
		t.Fatal(err)
	}
	p := returns.Policy{RestockingFeeBasisPoints: 500, ReturnShippingFee: 300,
		Reasons: []returns.Reason{{Code: "fit", Label: "Fit", Children: []returns.Reason{{Code: "small", Label: "Too small"}}}}}
	if err := returns.ComputeTotals(o, p, r, nil); err != nil {
		t.Fatal(err)
	}
	processed := t0.Add(90 * time.Minute)
	r.ProcessedAt = &processed
	r.Refunds = []returns.RefundRecord{{ID: "rf1", Amount: r.Totals.Refund, Currency: "USD", CreatedAt: processed}}
	ids := loopapi.IDs{Return: 37603922, Order: 4100, LineItems: map[loopapi.LineKey]int64{}}
	for i, k := range loopapi.Units(r) {
		ids.LineItems[k] = int64(900 + i)
	}
	return r, o, ids, p
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := loopapi.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestViewsValidateAgainstLoopSpec(t *testing.T) {
	spec := loopspectest.Load(t)
	r, o, ids, p := example(t)
	opt := loopapi.ViewOptions{Policy: &p, StatusPageURL: "https://returns.example/s/abc"}
	li, err := loopapi.ListItem(r, o, ids, opt)
	if err != nil {
		t.Fatal(err)
	}
	d, err := loopapi.Details(r, o, ids, opt)
	if err != nil {
		t.Fatal(err)
	}
	next := "https://rebound.example/api/v1/warehouse/return/list?cursor=x"
	spec.CheckResponse(t, "GET", "/api/v1/warehouse/return/list", 200, nil, marshal(t, []loopapi.ListReturn{li}))
	spec.CheckResponse(t, "GET", "/api/v1/warehouse/return/list?paginate=true", 200, nil,
		marshal(t, loopapi.ListPage{Returns: []loopapi.ListReturn{li}, NextPageURL: &next}))
	spec.CheckResponse(t, "GET", "/api/v1/warehouse/return/details?return_id=37603922", 200, nil, marshal(t, d))
	rows, err := loopapi.ASN(r, o, ids)
	if err != nil {
		t.Fatal(err)
	}
	spec.CheckResponse(t, "GET", "/api/v1/warehouse/reporting/asn", 200, nil, marshal(t, rows))

	// An open return with no order, no label and no numeric order id.
	bare := &returns.Return{ID: "650000000000000000000def", Status: returns.StatusOpen, Compensation: returns.CompensationRefund,
		CreatedAt: t0, UpdatedAt: t0,
		Items: []returns.ReturnItem{{ID: "J", OrderLineID: "x", Quantity: 3, Status: returns.ItemOpen,
			ItemDetail: returns.ItemDetail{Value: returns.UnitValue{Price: 1000, Tax: 100, Total: 1100}}}},
		ReturnDetail: returns.ReturnDetail{Provider: returns.ProviderExternal, Currency: "JPY"}}
	bids := loopapi.IDs{Return: 1, LineItems: map[loopapi.LineKey]int64{{Item: "J", Unit: 0}: 1, {Item: "J", Unit: 1}: 2, {Item: "J", Unit: 2}: 3}}
	bl, err := loopapi.ListItem(bare, nil, bids, loopapi.ViewOptions{})
	if err != nil {
		t.Fatal(err)
	}
	spec.CheckResponse(t, "GET", "/api/v1/warehouse/return/list", 200, nil, marshal(t, []loopapi.ListReturn{bl}))
	brows, _ := loopapi.ASN(bare, nil, bids)
	spec.CheckResponse(t, "GET", "/api/v1/warehouse/reporting/asn", 200, nil, marshal(t, brows))
	if got := []string{bl.LineItems[0].Price, bl.LineItems[1].Price, bl.LineItems[2].Price}; fmt.Sprint(got) != "[333 333 334]" {
		t.Errorf("JPY unit prices split %v, want [333 333 334]", got)
	}
	if bl.Carrier != "N/A" || bl.LabelURL != nil || bl.OrderID != "" || bl.State != loopapi.StateOpen {
		t.Errorf("bare return: carrier %q label_url %v order_id %q state %s", bl.Carrier, bl.LabelURL, bl.OrderID, bl.State)
	}
}

func minor(t *testing.T, s string) int64 {
	t.Helper()
	n, err := money.ParseAmount(s, "USD")
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return n
}

func TestViewMoneyIsExact(t *testing.T) {
	r, o, ids, p := example(t)
	d, err := loopapi.Details(r, o, ids, loopapi.ViewOptions{Policy: &p})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.LineItems) != 4 {
		t.Fatalf("%d line items, want one per unit (4)", len(d.LineItems))
	}
	// Per item: the units add up to the item's value and credit exactly.
	var valueSum, creditSum int64
	perItem := map[string]int64{}
	for i, li := range d.LineItems {
		k := loopapi.Units(r)[i]
		perItem[k.Item] += minor(t, li.Price) - minor(t, li.Discount) + minor(t, li.Tax)
		if minor(t, li.RefundItem)+minor(t, li.RefundTax) != minor(t, li.Refund) {
			t.Errorf("unit %v: refund_item + refund_tax != refund", k)
		}
		creditSum += minor(t, li.Refund)
		if li.LineItemID != fmt.Sprint(ids.LineItems[k]) {
			t.Errorf("unit %v has line_item_id %s", k, li.LineItemID)
		}
	}
	for _, it := range r.Items {
		if perItem[it.ID] != it.Value.Total {
			t.Errorf("item %s: units sum to %d, value %d", it.ID, perItem[it.ID], it.Value.Total)
		}
		valueSum += it.Value.Total
	}
	wantCredit := r.Items[0].Value.Total + *r.Items[1].MerchantAdjustment // I3 is rejected
	if creditSum != wantCredit || minor(t, d.ReturnCreditTotal) != wantCredit {
		t.Errorf("credits %d / return_credit_total %s, want %d", creditSum, d.ReturnCreditTotal, wantCredit)
	}
	if minor(t, d.ReturnTotal) != valueSum || d.Total != d.ReturnTotal {
		t.Errorf("return_total %s, want %d", d.ReturnTotal, valueSum)
	}
	if minor(t, d.Refund) != r.Totals.Refund || minor(t, d.GiftCard) != r.Totals.StoreCredit || minor(t, d.Upsell) != r.Totals.Charge {
		t.Errorf("refund %s gift_card %s upsell %s, totals %+v", d.Refund, d.GiftCard, d.Upsell, r.Totals)
	}
	var fees int64
	for _, a := range r.Adjustments {
		fees -= a.Amount
	}
	if minor(t, d.HandlingFee) != fees || fees == 0 {
		t.Errorf("handling_fee %s, want %d", d.HandlingFee, fees)
	}
	if d.LineItems[3].Refund != "0.00" {
		t.Errorf("rejected unit refunds %s", d.LineItems[3].Refund)
	}
	if d.LineItems[0].ParentReturnReason == nil || *d.LineItems[0].ParentReturnReason != "Fit" {
		t.Errorf("parent reason %v", d.LineItems[0].ParentReturnReason)
	}
	if d.State != loopapi.StateClosed || d.ID != 37603922 || d.RedoID != r.ID || d.OrderID != "4100" || d.ProviderOrderID != "5551234" || d.OrderNumber != "1001" {
		t.Errorf("ids/state: %+v", d)
	}
	if !d.MultiCurrency || d.Currency != "USD" || d.OriginCountry == nil || *d.OriginCountry != "France" {
		t.Errorf("currency/origin: multi %v currency %s origin %v", d.MultiCurrency, d.Currency, d.OriginCountry)
	}
	if len(d.Refunds) != 1 || d.Refunds[0].Gateway != "stripe" || minor(t, d.Refunds[0].Amount) != r.Totals.Refund {
		t.Errorf("refunds %+v", d.Refunds)
	}
	if d.LabelStatus != "in_transit" || d.Carrier != "UPS" || *d.LabelURL != "https://labels.example/1Z999.pdf" {
		t.Errorf("label: %s %s %v", d.LabelStatus, d.Carrier, d.LabelURL)
	}
	if d.LineItems[0].ReturnedAt == nil || d.LineItems[3].ReturnedAt != nil {
		t.Errorf("returned_at: %v / %v", d.LineItems[0].ReturnedAt, d.LineItems[3].ReturnedAt)
	}
}

func TestViewNeedsEveryNumericID(t *testing.T) {
	r, o, ids, _ := example(t)
	delete(ids.LineItems, loopapi.LineKey{Item: "I1", Unit: 1})
	if _, err := loopapi.Details(r, o, ids, loopapi.ViewOptions{}); err == nil {
		t.Error("a unit without a numeric id was rendered")
	}
	ids.Return = 0
	if _, err := loopapi.ListItem(r, o, ids, loopapi.ViewOptions{}); err == nil {
		t.Error("a return without a numeric id was rendered")
	}
}

func TestListItemIDIsStringDetailsIDIsNumber(t *testing.T) {
	r, o, ids, _ := example(t)
	li, _ := loopapi.ListItem(r, o, ids, loopapi.ViewOptions{})
	d, _ := loopapi.Details(r, o, ids, loopapi.ViewOptions{})
	var lm, dm map[string]any
	_ = json.Unmarshal(marshal(t, li), &lm)
	_ = json.Unmarshal(marshal(t, d), &dm)
	if lm["id"] != "37603922" || dm["id"] != float64(37603922) || lm["redo_id"] != r.ID {
		t.Errorf("list id %v (%T), details id %v (%T), redo_id %v", lm["id"], lm["id"], dm["id"], dm["id"], lm["redo_id"])
	}
}

func TestNotes(t *testing.T) {
	spec := loopspectest.Load(t)
	cs := []returns.Comment{
		{ID: "c1", Message: "Box crushed", CreatedAt: t0},
		{ID: "c2", ImageURL: "https://img.example/1.png", CreatedAt: t0},
	}
	n, err := loopapi.NotesOf(cs, map[string]int64{"c1": 11})
	if err != nil || len(n.Notes) != 1 || n.Notes[0].ID != 11 {
		t.Fatalf("notes %+v, %v", n, err)
	}
	spec.CheckResponse(t, "GET", "/api/v1/warehouse/return/5/notes", 200, nil, marshal(t, n))
	spec.CheckResponse(t, "GET", "/api/v1/warehouse/return/5/notes", 422, nil, marshal(t, loopapi.Failure))
	if _, err := loopapi.NotesOf(cs, nil); err == nil {
		t.Error("a note without a numeric id was rendered")
	}
}

func TestErrorBodiesValidate(t *testing.T) {
	spec := loopspectest.Load(t)
	spec.CheckResponse(t, "GET", "/api/v1/warehouse/return/list", 401, nil, marshal(t, loopapi.Unauthorized))
	spec.CheckResponse(t, "GET", "/api/v1/warehouse/return/list", 429, nil, marshal(t, loopapi.TooManyRequests))
	spec.CheckResponse(t, "GET", "/api/v1/warehouse/return/details?return_id=1", 404, nil, marshal(t, loopapi.NotFound("Return not found.")))
	spec.CheckResponse(t, "POST", "/api/v1/warehouse/return/1/process", 404, nil, marshal(t, loopapi.NotFound("Return not found.")))
	if got := string(marshal(t, loopapi.Unauthorized)); got != `{"error":{"code":"401","http_code":"GEN-UNAUTHORIZED","message":"Unauthorized."}}` {
		t.Errorf("401 body %s", got)
	}
	for _, a := range loopapi.Actions {
		for _, s := range returns.Statuses {
			pl := loopapi.PlanFor(a, s)
			target := fmt.Sprintf("/api/v1/warehouse/return/7/%s", a)
			if a == loopapi.ActionRemove {
				target += "?" + url.Values{"line_item_id": {"1,2"}}.Encode()
			}
			spec.CheckResponse(t, "POST", target, pl.Status, nil, marshal(t, pl.Body()))
		}
	}
}

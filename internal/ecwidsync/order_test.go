package ecwidsync_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/ecwid"
	"github.com/reboundhq/rebound/internal/ecwidsync"
	"github.com/reboundhq/rebound/internal/returns"
)

// TestBuildOrderSeedFields checks every field seed 000 lists, on the Go value
// and on the JSON sent to Ecwid.
func TestBuildOrderSeedFields(t *testing.T) {
	o, err := ecwidsync.BuildOrder(sampleInput())
	if err != nil {
		t.Fatal(err)
	}

	// $0 PAID, awaiting processing.
	if o.Total != 0 || o.Subtotal != 0 {
		t.Errorf("total/subtotal = %v/%v, want 0/0", o.Total, o.Subtotal)
	}
	if o.PaymentStatus != ecwid.PaymentPaid {
		t.Errorf("paymentStatus = %q", o.PaymentStatus)
	}
	if o.FulfillmentStatus != ecwid.FulfillmentAwaitingProcessing {
		t.Errorf("fulfillmentStatus = %q", o.FulfillmentStatus)
	}

	// Items: sku, quantity, name, price 0, reason option; rejected item left out.
	if len(o.Items) != 2 {
		t.Fatalf("items = %d, want 2 (the rejected item is not mirrored): %+v", len(o.Items), o.Items)
	}
	wantItems := []struct {
		sku, name, reason string
		qty               int
	}{
		{"TEE-BLU-M", "Alder Tee - Blue / M", "Too small", 2},
		{"SOCK-GRY", "Wool Socks", "damaged", 1}, // from the order line; reason code when no label
	}
	for i, w := range wantItems {
		it := o.Items[i]
		if it.SKU != w.sku || it.Name != w.name || it.Quantity != w.qty || it.Price != 0 {
			t.Errorf("item %d = sku %q name %q qty %d price %v, want %q %q %d 0", i, it.SKU, it.Name, it.Quantity, it.Price, w.sku, w.name, w.qty)
		}
		if it.ProductID != 0 || it.CombinationID != 0 {
			t.Errorf("item %d has Ecwid product ids (would move stock): %+v", i, it)
		}
		if len(it.SelectedOptions) != 1 {
			t.Fatalf("item %d options = %+v", i, it.SelectedOptions)
		}
		so := it.SelectedOptions[0]
		if so.Name != "Return reason" || so.Type != ecwid.OptionChoice || so.Value != w.reason {
			t.Errorf("item %d option = %+v, want Return reason/CHOICE/%s", i, so, w.reason)
		}
	}

	// E-mail of the returner, not of the order's buyer.
	if o.Email != "ada@example.com" {
		t.Errorf("email = %q", o.Email)
	}

	// shippingPerson and billingPerson from the return's address.
	want := ecwid.Person{
		Name: "Ada Lindqvist", CompanyName: "Lindqvist Design", Street: "12 Birch Lane\nApt 4", City: "Portland",
		StateOrProvinceCode: "OR", PostalCode: "97205", CountryCode: "US", Phone: "+1 503 555 0123",
	}
	if o.ShippingPerson == nil || *o.ShippingPerson != want {
		t.Errorf("shippingPerson = %+v\nwant %+v", o.ShippingPerson, want)
	}
	if o.BillingPerson == nil || *o.BillingPerson != want {
		t.Errorf("billingPerson = %+v\nwant %+v", o.BillingPerson, want)
	}
	if o.ShippingPerson == o.BillingPerson {
		t.Error("shippingPerson and billingPerson share a pointer")
	}

	// orderComments: merchant, return id, original order name, tracking.
	for _, s := range []string{testMerchant, "Rebound return ID: " + testReturnID, "Original order: #1001", "Incoming tracking number: " + testTracking} {
		if !strings.Contains(o.OrderComments, s) {
			t.Errorf("orderComments lacks %q:\n%s", s, o.OrderComments)
		}
	}

	// privateAdminNotes: questionnaire answers and image URLs.
	for _, s := range []string{
		"Rebound return ID: " + testReturnID,
		"How did it fit?", "Too tight across the shoulders",
		"https://returns.example.com/files/3f2a9c", "https://returns.example.com/files/77b01e",
		"Runs a size small.", "Too small",
	} {
		if !strings.Contains(o.PrivateAdminNotes, s) {
			t.Errorf("privateAdminNotes lacks %q:\n%s", s, o.PrivateAdminNotes)
		}
	}
	if strings.Contains(o.PrivateAdminNotes, "CAP-RED") {
		t.Errorf("privateAdminNotes mentions the rejected item:\n%s", o.PrivateAdminNotes)
	}

	// customerGroup and affiliateId.
	if o.CustomerGroup != testGroup {
		t.Errorf("customerGroup = %q", o.CustomerGroup)
	}
	if o.AffiliateID != testTracking {
		t.Errorf("affiliateId = %q", o.AffiliateID)
	}
	if !o.DisableAllCustomerNotifications {
		t.Error("customer notifications not disabled")
	}

	// The wire form.
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	wantKeys := []string{
		"affiliateId", "billingPerson", "customerGroup", "disableAllCustomerNotifications", "email",
		"fulfillmentStatus", "items", "orderComments", "paymentStatus", "privateAdminNotes",
		"shippingPerson", "subtotal", "total",
	}
	if !slices.Equal(keys, wantKeys) {
		t.Errorf("JSON members = %v\nwant %v", keys, wantKeys)
	}
	if m["total"] != 0.0 || m["subtotal"] != 0.0 {
		t.Errorf("JSON total/subtotal = %v/%v", m["total"], m["subtotal"])
	}
	item := m["items"].([]any)[0].(map[string]any)
	if item["price"] != 0.0 || item["quantity"] != 2.0 || item["sku"] != "TEE-BLU-M" || item["name"] != "Alder Tee - Blue / M" {
		t.Errorf("JSON item = %v", item)
	}
	opt := item["selectedOptions"].([]any)[0].(map[string]any)
	if opt["name"] != "Return reason" || opt["type"] != "CHOICE" || opt["value"] != "Too small" {
		t.Errorf("JSON option = %v", opt)
	}
	sp := m["shippingPerson"].(map[string]any)
	if sp["street"] != "12 Birch Lane\nApt 4" || sp["stateOrProvinceCode"] != "OR" || sp["postalCode"] != "97205" || sp["countryCode"] != "US" {
		t.Errorf("JSON shippingPerson = %v", sp)
	}
	for _, k := range []string{"refundedAmount", "storeCredit", "giftCardRedemption", "paymentMethod"} {
		if _, ok := m[k]; ok {
			t.Errorf("JSON has %s", k)
		}
	}
}

func TestBuildOrderFallbacks(t *testing.T) {
	in := sampleInput()
	r := in.Return
	r.Customer = returns.Returner{} // e-mail and phone from elsewhere
	r.ShippingAddress.FirstName, r.ShippingAddress.LastName, r.ShippingAddress.Phone = "", "", ""
	r.ShippingAddress.Address2 = "  "
	r.Label = nil
	r.OrderName = ""
	r.Items[0].Reason, r.Items[0].ReasonCode = "", ""
	o, err := ecwidsync.BuildOrder(in)
	if err != nil {
		t.Fatal(err)
	}
	if o.Email != "buyer@example.com" {
		t.Errorf("email = %q, want the order customer's", o.Email)
	}
	if o.ShippingPerson.Name != "Order Buyer" {
		t.Errorf("name = %q, want the order customer's", o.ShippingPerson.Name)
	}
	if o.ShippingPerson.Street != "12 Birch Lane" {
		t.Errorf("street = %q", o.ShippingPerson.Street)
	}
	if o.AffiliateID != "" {
		t.Errorf("affiliateId = %q without a label", o.AffiliateID)
	}
	if !strings.Contains(o.OrderComments, "Incoming tracking number: not yet available") || !strings.Contains(o.OrderComments, "Original order: #1001") {
		t.Errorf("orderComments:\n%s", o.OrderComments)
	}
	if len(o.Items[0].SelectedOptions) != 0 {
		t.Errorf("item without reason has options %+v", o.Items[0].SelectedOptions)
	}

	// No order at all (an imported return).
	in = sampleInput()
	in.Order = nil
	in.Return.OrderName, in.Return.OrderExternalID = "", ""
	o, err = ecwidsync.BuildOrder(in)
	if err != nil {
		t.Fatal(err)
	}
	if o.Items[1].Name != "Returned item" || o.Items[1].SKU != "" {
		t.Errorf("item without order line = %+v", o.Items[1])
	}
	if !strings.Contains(o.OrderComments, "Original order: none") {
		t.Errorf("orderComments:\n%s", o.OrderComments)
	}
}

func TestBuildOrderIncompleteAddress(t *testing.T) {
	for name, tc := range map[string]struct {
		edit    func(a *returns.Address)
		missing []string
	}{
		"no street":        {func(a *returns.Address) { a.Address1, a.Address2 = "", " " }, []string{"street"}},
		"no city":          {func(a *returns.Address) { a.City = "" }, []string{"city"}},
		"no country":       {func(a *returns.Address) { a.CountryCode = "  " }, []string{"country"}},
		"nothing":          {func(a *returns.Address) { *a = returns.Address{} }, []string{"street", "city", "country"}},
		"city and country": {func(a *returns.Address) { a.City, a.CountryCode = "", "" }, []string{"city", "country"}},
	} {
		t.Run(name, func(t *testing.T) {
			in := sampleInput()
			tc.edit(&in.Return.ShippingAddress)
			o, err := ecwidsync.BuildOrder(in)
			var ae *ecwidsync.AddressError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v (order %v), want *AddressError", err, o)
			}
			if !slices.Equal(ae.Missing, tc.missing) {
				t.Errorf("missing = %v, want %v", ae.Missing, tc.missing)
			}
			if ae.ReturnID != testReturnID {
				t.Errorf("return id = %q", ae.ReturnID)
			}
			if ecwidsync.Classify(err) != ecwidsync.Permanent || ecwidsync.Uncertain(err) {
				t.Errorf("class = %v uncertain = %v", ecwidsync.Classify(err), ecwidsync.Uncertain(err))
			}
			if r := ecwidsync.Reason(err); !strings.Contains(r, strings.Join(tc.missing, ", ")) {
				t.Errorf("reason = %q", r)
			}
		})
	}
}

func TestBuildOrderInputErrors(t *testing.T) {
	noEmail := sampleInput()
	noEmail.Return.Customer.Email = ""
	noEmail.Order.Customer.Email = ""
	allRejected := sampleInput()
	for i := range allRejected.Return.Items {
		allRejected.Return.Items[i].Status = returns.ItemRejected
	}
	for name, in := range map[string]ecwidsync.MirrorInput{
		"no return":    {},
		"no email":     noEmail,
		"all rejected": allRejected,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ecwidsync.BuildOrder(in)
			var ie *ecwidsync.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want *InputError", err)
			}
			if ecwidsync.Classify(err) != ecwidsync.Permanent {
				t.Errorf("class = %v", ecwidsync.Classify(err))
			}
		})
	}
}

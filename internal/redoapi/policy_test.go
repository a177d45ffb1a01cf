package redoapi

import (
	"encoding/json"
	"testing"

	"github.com/reboundhq/rebound/internal/returns"
)

// The wire DTOs carry every member of the domain values both ways: a field
// added to returns.Policy or returns.Label without its wire member fails
// here (the domain's own JSON is the store's, and is the reference).
func TestPolicyAndLabelDTOsCarryEveryField(t *testing.T) {
	p := returns.Policy{
		WindowDays: 30, WindowFrom: returns.WindowFromDelivery, FinalSaleTags: []string{"final"}, NonReturnableSKUs: []string{"GIFT"},
		Reasons:                  []returns.Reason{{Code: "fit", Label: "Fit", Children: []returns.Reason{{Code: "small", Label: "Too small"}}}},
		AutoApprove:              true,
		ReviewRules:              []returns.ReviewRule{{MinValue: &returns.Money{Minor: 10000, Currency: "USD"}, ReasonCodes: []string{"fit"}, CustomerTags: []string{"vip"}}},
		RestockingFeeBasisPoints: 500, RestockingFeeFlat: 100, RefundShipping: true, ReturnShippingFee: 595,
		AutoLabel: &returns.AutoLabel{Carrier: "easypost:USPS", Service: "Priority", Weight: "1.5", WeightUnit: "lb"},
	}
	same := func(what string, domain, wire, back any) {
		t.Helper()
		d, _ := json.Marshal(domain)
		w, _ := json.Marshal(wire)
		b, _ := json.Marshal(back)
		if string(d) != string(w) || string(d) != string(b) {
			t.Errorf("%s:\ndomain %s\nwire   %s\nback   %s", what, d, w, b)
		}
	}
	same("policy", p, policyView(p), policyView(p).policy())
	l := returns.Label{TrackingNumber: "1Z", Carrier: "ups", TrackingURL: "https://t", PostageLabelURL: "https://l",
		FormLabelURL: "https://f", OriginalShipmentID: "s1", Status: "in_transit"}
	var lj labelJSON
	b, _ := json.Marshal(l)
	if err := json.Unmarshal(b, &lj); err != nil {
		t.Fatal(err)
	}
	same("label", l, lj, lj.label())
}

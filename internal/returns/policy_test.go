package returns

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// samplePolicy is a complete, valid policy.
func samplePolicy() Policy {
	return Policy{
		WindowDays:        30,
		WindowFrom:        WindowFromDelivery,
		FinalSaleTags:     []string{"final-sale", "Clearance"},
		NonReturnableSKUs: []string{"GIFT-CARD"},
		Reasons: []Reason{
			{Code: "fit", Label: "Doesn't fit", Children: []Reason{
				{Code: "too_small", Label: "Too small"},
				{Code: "too_large", Label: "Too large"},
			}},
			{Code: "damaged", Label: "Arrived damaged"},
			{Code: "changed_mind", Label: "Changed my mind"},
		},
		AutoApprove: true,
		ReviewRules: []ReviewRule{
			{MinValue: &Money{Minor: 20000, Currency: "USD"}},
			{ReasonCodes: []string{"damaged"}},
			{CustomerTags: []string{"serial-returner"}},
			{ReasonCodes: []string{"fit"}, CustomerTags: []string{"vip"}},
		},
		RestockingFeeBasisPoints: 1500,
		RestockingFeeFlat:        100,
		RefundShipping:           true,
		ReturnShippingFee:        599,
	}
}

func TestPolicyValidate(t *testing.T) {
	if err := samplePolicy().Validate(); err != nil {
		t.Fatalf("sample policy: %v", err)
	}
	if err := DefaultPolicy().Validate(); err != nil {
		t.Fatalf("default policy: %v", err)
	}
	if err := (Policy{}).Validate(); err != nil {
		t.Fatalf("zero policy: %v", err)
	}
	long := strings.Repeat("x", MaxReasonCodeLen+1)
	cases := []struct {
		name  string
		edit  func(*Policy)
		field string
	}{
		{"negative window", func(p *Policy) { p.WindowDays = -1 }, "windowDays"},
		{"window too long", func(p *Policy) { p.WindowDays = MaxWindowDays + 1 }, "windowDays"},
		{"unknown window anchor", func(p *Policy) { p.WindowFrom = "purchase" }, "windowFrom"},
		{"blank tag", func(p *Policy) { p.FinalSaleTags = append(p.FinalSaleTags, " ") }, "finalSaleTags[2]"},
		{"blank sku", func(p *Policy) { p.NonReturnableSKUs = []string{""} }, "nonReturnableSkus[0]"},
		{"too many skus", func(p *Policy) { p.NonReturnableSKUs = slices.Repeat([]string{"a"}, MaxPolicyList+1) }, "nonReturnableSkus"},
		{"empty code", func(p *Policy) { p.Reasons[1].Code = "" }, "reasons[1].code"},
		{"spaced code", func(p *Policy) { p.Reasons[1].Code = "damaged " }, "reasons[1].code"},
		{"long code", func(p *Policy) { p.Reasons[2].Code = long }, "reasons[2].code"},
		{"empty child label", func(p *Policy) { p.Reasons[0].Children[1].Label = " " }, "reasons[0].children[1].label"},
		{"long label", func(p *Policy) { p.Reasons[0].Label = strings.Repeat("é", MaxReasonLabelLen+1) }, "reasons[0].label"},
		{"duplicate top-level code", func(p *Policy) { p.Reasons[2].Code = "damaged" }, "reasons[2].code"},
		{"child duplicates a parent", func(p *Policy) {
			p.Reasons[1].Children = []Reason{{Code: "fit", Label: "x"}}
		}, "reasons[1].children[0].code"},
		{"child duplicates a later parent", func(p *Policy) { p.Reasons[0].Children[0].Code = "changed_mind" }, "reasons[2].code"},
		{"children of a child", func(p *Policy) {
			p.Reasons[0].Children[0].Children = []Reason{{Code: "deep", Label: "Deep"}}
		}, "reasons[0].children[0].children"},
		{"empty rule", func(p *Policy) { p.ReviewRules[1] = ReviewRule{} }, "reviewRules[1]"},
		{"negative min value", func(p *Policy) { p.ReviewRules[0].MinValue = &Money{Minor: -1, Currency: "USD"} }, "reviewRules[0].minValue.minor"},
		{"bad currency", func(p *Policy) { p.ReviewRules[0].MinValue = &Money{Minor: 1, Currency: "usd"} }, "reviewRules[0].minValue.currency"},
		{"unknown rule reason", func(p *Policy) { p.ReviewRules[3].ReasonCodes = []string{"fit", "lost"} }, "reviewRules[3].reasonCodes[1]"},
		{"blank rule reason", func(p *Policy) { p.ReviewRules[1].ReasonCodes = []string{""} }, "reviewRules[1].reasonCodes[0]"},
		{"blank rule tag", func(p *Policy) { p.ReviewRules[2].CustomerTags = []string{"  "} }, "reviewRules[2].customerTags[0]"},
		{"too many rules", func(p *Policy) {
			p.ReviewRules = slices.Repeat([]ReviewRule{{CustomerTags: []string{"x"}}}, MaxReviewRules+1)
		}, "reviewRules"},
		{"negative basis points", func(p *Policy) { p.RestockingFeeBasisPoints = -1 }, "restockingFeeBasisPoints"},
		{"basis points over 100%", func(p *Policy) { p.RestockingFeeBasisPoints = 10_001 }, "restockingFeeBasisPoints"},
		{"negative flat fee", func(p *Policy) { p.RestockingFeeFlat = -1 }, "restockingFeeFlat"},
		{"negative shipping fee", func(p *Policy) { p.ReturnShippingFee = -1 }, "returnShippingFee"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := samplePolicy()
			c.edit(&p)
			err := p.Validate()
			var e *Error
			if !errors.As(err, &e) || e.Code != EINVALID || e.Field != c.field {
				t.Errorf("Validate() = %v, want EINVALID on %s", err, c.field)
			}
		})
	}

	ok := []struct {
		name string
		edit func(*Policy)
	}{
		{"window bounds", func(p *Policy) { p.WindowDays = MaxWindowDays }},
		{"empty window anchor", func(p *Policy) { p.WindowFrom = "" }},
		{"fulfillment anchor", func(p *Policy) { p.WindowFrom = WindowFromFulfillment }},
		{"full restocking fee", func(p *Policy) { p.RestockingFeeBasisPoints = 10_000 }},
		// Without reasons, rules may name any code (reasons are free).
		{"free reasons", func(p *Policy) { p.Reasons = nil; p.ReviewRules[1].ReasonCodes = []string{"anything"} }},
		{"zero min value", func(p *Policy) { p.ReviewRules[0].MinValue = &Money{Currency: "JPY"} }},
	}
	for _, c := range ok {
		p := samplePolicy()
		c.edit(&p)
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}

	// Too many reasons overall.
	p := samplePolicy()
	p.Reasons = nil
	for i := range MaxPolicyReasons + 1 {
		p.Reasons = append(p.Reasons, Reason{Code: "r" + strconv.Itoa(i), Label: "R"})
	}
	var e *Error
	if err := p.Validate(); !errors.As(err, &e) || e.Field != "reasons[500]" {
		t.Errorf("too many reasons: %v", err)
	}
}

func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy()
	if p.WindowDays != 0 || !p.AutoApprove || len(p.ReviewRules) != 0 || len(p.Reasons) != 0 {
		t.Errorf("DefaultPolicy() = %+v", p)
	}
	if got := p.InitialStatus(Money{Minor: 1 << 40, Currency: "USD"}, []string{"anything"}, []string{"vip"}); got != StatusOpen {
		t.Errorf("default policy initial status = %s, want open", got)
	}
	if err := p.CheckReason(""); err != nil {
		t.Errorf("default policy requires a reason: %v", err)
	}
}

func TestFindReason(t *testing.T) {
	p := samplePolicy()
	r, parent, ok := p.FindReason("too_large")
	if !ok || r.Label != "Too large" || parent == nil || parent.Code != "fit" {
		t.Errorf("FindReason(too_large) = %+v, %+v, %v", r, parent, ok)
	}
	parent.Code = "mutated"
	if p.Reasons[0].Code != "fit" {
		t.Error("FindReason's parent aliases the policy")
	}
	r, parent, ok = p.FindReason("fit")
	if !ok || parent != nil || len(r.Children) != 2 {
		t.Errorf("FindReason(fit) = %+v, %+v, %v", r, parent, ok)
	}
	if _, _, ok := p.FindReason("Damaged"); ok {
		t.Error("FindReason is case-insensitive")
	}
	if _, _, ok := p.FindReason(""); ok {
		t.Error("FindReason found the empty code")
	}
}

func TestCheckReason(t *testing.T) {
	p := samplePolicy()
	for _, code := range []string{"too_small", "too_large", "damaged", "changed_mind"} {
		if err := p.CheckReason(code); err != nil {
			t.Errorf("CheckReason(%s): %v", code, err)
		}
	}
	for code, msg := range map[string]string{
		"":     "Choose a reason for returning this item.",
		"lost": `"lost" is not one of this store's return reasons.`,
		"fit":  `Choose a more specific reason under "Doesn't fit".`,
	} {
		var e *Error
		if err := p.CheckReason(code); !errors.As(err, &e) || e.Code != EINVALID || e.Field != "reasonCode" || e.Message != msg {
			t.Errorf("CheckReason(%q) = %v, want %q", code, err, msg)
		}
	}
}

func TestInitialStatus(t *testing.T) {
	p := samplePolicy()
	usdv := func(minor int64) Money { return Money{Minor: minor, Currency: "USD"} }
	cases := []struct {
		name    string
		value   Money
		reasons []string
		tags    []string
		rules   []int
	}{
		{"nothing matches", usdv(19999), []string{"too_small", "changed_mind"}, []string{"new"}, nil},
		{"value at the minimum", usdv(20000), nil, nil, []int{0}},
		{"value above", usdv(50000), nil, nil, []int{0}},
		{"other currency is reviewed", Money{Minor: 1, Currency: "EUR"}, nil, nil, []int{0}},
		{"reason", usdv(1), []string{"changed_mind", "damaged"}, nil, []int{1}},
		{"customer tag, any case and spacing", usdv(1), nil, []string{"loyal", " Serial-Returner "}, []int{2}},
		{"rule conditions are all required", usdv(1), []string{"too_small"}, nil, nil},
		{"child reason matches its parent's code", usdv(1), []string{"too_small"}, []string{"VIP"}, []int{3}},
		{"several rules", usdv(30000), []string{"damaged"}, []string{"serial-returner"}, []int{0, 1, 2}},
		{"empty customer tag does not match", usdv(1), nil, []string{""}, nil},
	}
	for _, c := range cases {
		got := p.MatchReviewRules(c.value, c.reasons, c.tags)
		if !slices.Equal(got, c.rules) {
			t.Errorf("%s: MatchReviewRules = %v, want %v", c.name, got, c.rules)
		}
		want := StatusOpen
		if len(c.rules) > 0 {
			want = StatusNeedsReview
		}
		if got := p.InitialStatus(c.value, c.reasons, c.tags); got != want {
			t.Errorf("%s: InitialStatus = %s, want %s", c.name, got, want)
		}
	}

	// Without auto-approval everything is reviewed.
	p.AutoApprove = false
	if got := p.InitialStatus(usdv(1), nil, nil); got != StatusNeedsReview {
		t.Errorf("no auto-approve: %s", got)
	}
	// An (invalid) empty rule never matches everything.
	p = DefaultPolicy()
	p.ReviewRules = []ReviewRule{{}}
	if got := p.InitialStatus(usdv(1), nil, nil); got != StatusOpen {
		t.Errorf("empty rule: %s", got)
	}
}

package redoapi

import "github.com/reboundhq/rebound/internal/returns"

// Wire DTOs of Rebound's extensions on this surface that carry domain
// values: the return policy and a return's label. They are mapped to and
// from the domain types, so that a rename on the wire never changes what
// is stored (the store keeps its own JSON) and the reverse.

// policyJSON is the body of GET/PUT /v2.2/stores/{storeId}/return-policy.
type policyJSON struct {
	WindowDays               int              `json:"windowDays"`
	WindowFrom               string           `json:"windowFrom"`
	FinalSaleTags            []string         `json:"finalSaleTags,omitempty"`
	NonReturnableSKUs        []string         `json:"nonReturnableSkus,omitempty"`
	Reasons                  []reasonJSON     `json:"reasons,omitempty"`
	Questions                []questionJSON   `json:"questions,omitempty"`
	AutoApprove              bool             `json:"autoApprove"`
	ReviewRules              []reviewRuleJSON `json:"reviewRules,omitempty"`
	RestockingFeeBasisPoints int              `json:"restockingFeeBasisPoints"`
	RestockingFeeFlat        int64            `json:"restockingFeeFlat"`
	RefundShipping           bool             `json:"refundShipping"`
	ReturnShippingFee        int64            `json:"returnShippingFee"`
	AutoLabel                *autoLabelJSON   `json:"autoLabel,omitempty"`
}

type reasonJSON struct {
	Code          string       `json:"code"`
	Label         string       `json:"label"`
	Children      []reasonJSON `json:"children,omitempty"`
	RequiresPhoto bool         `json:"requiresPhoto,omitempty"`
}

type questionJSON struct {
	Question string   `json:"question"`
	Options  []string `json:"options"`
	Required bool     `json:"required,omitempty"`
}

type reviewRuleJSON struct {
	MinValue     *minorJSON `json:"minValue,omitempty"`
	ReasonCodes  []string   `json:"reasonCodes,omitempty"`
	CustomerTags []string   `json:"customerTags,omitempty"`
}

// minorJSON is an amount in minor units, as Rebound's policy extension
// writes money.
type minorJSON struct {
	Minor    int64  `json:"minor"`
	Currency string `json:"currency"`
}

func policyView(p returns.Policy) policyJSON {
	out := policyJSON{
		WindowDays: p.WindowDays, WindowFrom: string(p.WindowFrom), FinalSaleTags: p.FinalSaleTags,
		NonReturnableSKUs: p.NonReturnableSKUs, Reasons: reasonsView(p.Reasons), AutoApprove: p.AutoApprove,
		RestockingFeeBasisPoints: p.RestockingFeeBasisPoints, RestockingFeeFlat: p.RestockingFeeFlat,
		RefundShipping: p.RefundShipping, ReturnShippingFee: p.ReturnShippingFee, AutoLabel: autoLabelView(p.AutoLabel),
	}
	for _, q := range p.Questions {
		out.Questions = append(out.Questions, questionJSON{Question: q.Question, Options: q.Options, Required: q.Required})
	}
	for _, r := range p.ReviewRules {
		rr := reviewRuleJSON{ReasonCodes: r.ReasonCodes, CustomerTags: r.CustomerTags}
		if r.MinValue != nil {
			rr.MinValue = &minorJSON{Minor: r.MinValue.Minor, Currency: r.MinValue.Currency}
		}
		out.ReviewRules = append(out.ReviewRules, rr)
	}
	return out
}

func reasonsView(rs []returns.Reason) []reasonJSON {
	var out []reasonJSON
	for _, r := range rs {
		out = append(out, reasonJSON{Code: r.Code, Label: r.Label, Children: reasonsView(r.Children), RequiresPhoto: r.RequiresPhoto})
	}
	return out
}

func (p policyJSON) policy() returns.Policy {
	out := returns.Policy{
		WindowDays: p.WindowDays, WindowFrom: returns.WindowFrom(p.WindowFrom), FinalSaleTags: p.FinalSaleTags,
		NonReturnableSKUs: p.NonReturnableSKUs, Reasons: reasonsOf(p.Reasons), AutoApprove: p.AutoApprove,
		RestockingFeeBasisPoints: p.RestockingFeeBasisPoints, RestockingFeeFlat: p.RestockingFeeFlat,
		RefundShipping: p.RefundShipping, ReturnShippingFee: p.ReturnShippingFee, AutoLabel: p.AutoLabel.autoLabel(),
	}
	for _, q := range p.Questions {
		out.Questions = append(out.Questions, returns.PolicyQuestion{Question: q.Question, Options: q.Options, Required: q.Required})
	}
	for _, r := range p.ReviewRules {
		rr := returns.ReviewRule{ReasonCodes: r.ReasonCodes, CustomerTags: r.CustomerTags}
		if r.MinValue != nil {
			rr.MinValue = &returns.Money{Minor: r.MinValue.Minor, Currency: r.MinValue.Currency}
		}
		out.ReviewRules = append(out.ReviewRules, rr)
	}
	return out
}

func reasonsOf(rs []reasonJSON) []returns.Reason {
	var out []returns.Reason
	for _, r := range rs {
		out = append(out, returns.Reason{Code: r.Code, Label: r.Label, Children: reasonsOf(r.Children), RequiresPhoto: r.RequiresPhoto})
	}
	return out
}

// labelJSON is the body of PUT /v2.2/returns/{returnId}/label and the
// `label` member of a return create.
type labelJSON struct {
	TrackingNumber     string `json:"trackingNumber"`
	Carrier            string `json:"carrier,omitempty"`
	TrackingURL        string `json:"trackingUrl,omitempty"`
	PostageLabelURL    string `json:"postageLabelUrl,omitempty"`
	FormLabelURL       string `json:"formLabelUrl,omitempty"`
	OriginalShipmentID string `json:"originalShipmentId,omitempty"`
	Status             string `json:"status,omitempty"`
}

func (l labelJSON) label() returns.Label {
	return returns.Label{TrackingNumber: l.TrackingNumber, Carrier: l.Carrier, TrackingURL: l.TrackingURL,
		PostageLabelURL: l.PostageLabelURL, FormLabelURL: l.FormLabelURL, OriginalShipmentID: l.OriginalShipmentID, Status: l.Status}
}

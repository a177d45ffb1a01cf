package returns

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// WindowFrom is the date a return window is counted from.
type WindowFrom string

const (
	WindowFromOrder       WindowFrom = "order"       // Order.CreatedAt
	WindowFromFulfillment WindowFrom = "fulfillment" // the line's Fulfillment.ShippingDate
	WindowFromDelivery    WindowFrom = "delivery"    // the line's Fulfillment.DeliveryDate
)

// Policy limits. They keep a policy small enough to evaluate on every
// request and to show on one admin page.
const (
	MaxWindowDays     = 3650 // ten years
	MaxPolicyReasons  = 500  // reasons in the whole tree
	MaxPolicyList     = 1000 // entries of FinalSaleTags, NonReturnableSKUs, a rule's lists
	MaxReviewRules    = 100
	MaxReasonCodeLen  = 64  // bytes
	MaxReasonLabelLen = 200 // characters
)

// Policy is a store's return policy: which units may come back, until when,
// for which reasons, whether a new return needs a merchant's review, and the
// fees the refund math deducts. The zero Policy is valid but reviews every
// return; a new store gets DefaultPolicy.
//
// Tags and SKUs are compared after trimming spaces and without regard to
// case, as shop platforms treat tags.
type Policy struct {
	// WindowDays is how many days after WindowFrom a unit may be returned;
	// 0 means no window. See Eligibility for the exact rule.
	WindowDays int `json:"windowDays"`
	// WindowFrom is the date the window counts from; "" means order.
	WindowFrom WindowFrom `json:"windowFrom"`
	// FinalSaleTags are tags that make a line final sale when found on the
	// line or on the whole order.
	FinalSaleTags []string `json:"finalSaleTags,omitempty"`
	// NonReturnableSKUs are SKUs that can never be returned.
	NonReturnableSKUs []string `json:"nonReturnableSkus,omitempty"`
	// Reasons are the return reasons the shopper chooses from: parents, each
	// with optional children (two levels at most). Codes are unique across
	// the tree. No reasons means reasons are free: any code, or none, is
	// accepted.
	Reasons []Reason `json:"reasons,omitempty"`
	// Questions are the questionnaire the portal asks about each item.
	Questions []PolicyQuestion `json:"questions,omitempty"`
	// AutoApprove opens new returns at once (status open) unless a review
	// rule matches; otherwise every new return starts in needs_review.
	AutoApprove bool `json:"autoApprove"`
	// ReviewRules send an otherwise auto-approved return to needs_review. A
	// return matches a rule when it meets all of the rule's conditions, and
	// is reviewed when it matches any rule.
	ReviewRules []ReviewRule `json:"reviewRules,omitempty"`
	// RestockingFeeBasisPoints (0..10000) and RestockingFeeFlat (minor units
	// of the shop currency, ≥ 0) are RestockingFee's arguments.
	RestockingFeeBasisPoints int   `json:"restockingFeeBasisPoints"`
	RestockingFeeFlat        int64 `json:"restockingFeeFlat"`
	// RefundShipping refunds the order's shipping (ShippingRefund) when the
	// return completes.
	RefundShipping bool `json:"refundShipping"`
	// ReturnShippingFee (minor units of the shop currency, ≥ 0) is deducted
	// from the refund for the return label (ReturnShippingFee).
	ReturnShippingFee int64 `json:"returnShippingFee"`
	// AutoLabel, when set, buys a return label when a return is approved.
	AutoLabel *AutoLabel `json:"autoLabel,omitempty"`
}

// Reason is a return reason: a machine code kept on the return item
// (ReturnItem.ReasonCode, Redo's reasonCode) and the label the shopper sees.
// A parent with Children is a heading: the shopper must pick one of its
// children.
type Reason struct {
	Code     string   `json:"code"`
	Label    string   `json:"label"`
	Children []Reason `json:"children,omitempty"`
	// RequiresPhoto asks the shopper for at least one photo of the item
	// when choosing this reason (the portal enforces it; on a parent it
	// applies to every child).
	RequiresPhoto bool `json:"requiresPhoto,omitempty"`
}

// PolicyQuestion is a multiple-choice question the portal asks about each
// returned item; the answer is kept on the item (ItemDetail.Questions).
type PolicyQuestion struct {
	Question string   `json:"question"`
	Options  []string `json:"options"`
	Required bool     `json:"required,omitempty"`
}

// ReviewRule sends a new return to needs_review when every condition it sets
// holds. A rule sets at least one condition.
type ReviewRule struct {
	// MinValue matches returns worth at least this much (in the shop
	// currency). A return valued in another currency matches: it cannot be
	// compared, so a person looks at it.
	MinValue *Money `json:"minValue,omitempty"`
	// ReasonCodes match returns with an item whose reason code, or whose
	// reason's parent code, is listed.
	ReasonCodes []string `json:"reasonCodes,omitempty"`
	// CustomerTags match returns whose customer has one of these tags.
	CustomerTags []string `json:"customerTags,omitempty"`
}

// DefaultPolicy is the policy of a new store: no window, every return
// auto-approved, no reasons imposed, no fees, shipping not refunded. A
// freshly synced order is thus returnable (within its returnable
// quantities, and never its coverage line) until the merchant sets rules.
func DefaultPolicy() Policy {
	return Policy{WindowFrom: WindowFromOrder, AutoApprove: true}
}

// Validate checks p and returns the first problem as an EINVALID *Error
// whose Field is the JSON path of the offending value, e.g.
// "reasons[1].children[0].code" or "reviewRules[0].minValue.currency":
//
//   - WindowDays outside 0..MaxWindowDays, or an unknown WindowFrom;
//   - an empty (blank) tag or SKU, or more than MaxPolicyList of them;
//   - a reason with an empty code or label, a code with surrounding spaces
//     or longer than MaxReasonCodeLen, a label longer than
//     MaxReasonLabelLen, a code used twice anywhere in the tree, a child
//     with children of its own, or more than MaxPolicyReasons reasons;
//   - a review rule with no condition, a negative MinValue or one whose
//     currency is not three capital letters, a blank reason code or tag, a
//     reason code not in Reasons (when Reasons is not empty), or more than
//     MaxReviewRules rules;
//   - RestockingFeeBasisPoints outside 0..10000, or a negative
//     RestockingFeeFlat or ReturnShippingFee;
//   - more than 20 questions, a blank question, or a question without 2 to
//     20 non-blank options.
func (p Policy) Validate() error {
	if err := p.AutoLabel.Validate(); err != nil {
		return err
	}
	switch {
	case p.WindowDays < 0 || p.WindowDays > MaxWindowDays:
		return invalid("windowDays", fmt.Sprintf("must be between 0 (no window) and %d", MaxWindowDays))
	case p.WindowFrom != "" && p.WindowFrom != WindowFromOrder && p.WindowFrom != WindowFromFulfillment && p.WindowFrom != WindowFromDelivery:
		return invalid("windowFrom", fmt.Sprintf("unknown value %q; expected order, fulfillment or delivery", p.WindowFrom))
	}
	if err := checkList("finalSaleTags", p.FinalSaleTags, "tag"); err != nil {
		return err
	}
	if err := checkList("nonReturnableSkus", p.NonReturnableSKUs, "SKU"); err != nil {
		return err
	}

	seen := make(map[string]string) // code → field of its first use
	count := 0
	var walk func(rs []Reason, prefix string, depth int) error
	walk = func(rs []Reason, prefix string, depth int) error {
		for i, r := range rs {
			field := fmt.Sprintf("%s[%d]", prefix, i)
			if count++; count > MaxPolicyReasons {
				return invalid(field, fmt.Sprintf("a policy has at most %d reasons", MaxPolicyReasons))
			}
			switch {
			case strings.TrimSpace(r.Code) == "":
				return invalid(field+".code", "must not be empty")
			case strings.TrimSpace(r.Code) != r.Code:
				return invalid(field+".code", "must not start or end with spaces")
			case len(r.Code) > MaxReasonCodeLen:
				return invalid(field+".code", fmt.Sprintf("must be at most %d bytes", MaxReasonCodeLen))
			case strings.TrimSpace(r.Label) == "":
				return invalid(field+".label", "must not be empty")
			case utf8.RuneCountInString(r.Label) > MaxReasonLabelLen:
				return invalid(field+".label", fmt.Sprintf("must be at most %d characters", MaxReasonLabelLen))
			}
			if first, dup := seen[r.Code]; dup {
				return invalid(field+".code", fmt.Sprintf("code %q is already used by %s", r.Code, first))
			}
			seen[r.Code] = field
			if len(r.Children) > 0 {
				if depth > 0 {
					return invalid(field+".children", "reasons nest two levels deep at most: a child reason cannot have children")
				}
				if err := walk(r.Children, field+".children", depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(p.Reasons, "reasons", 0); err != nil {
		return err
	}

	if len(p.Questions) > 20 {
		return invalid("questions", "a policy has at most 20 questions")
	}
	for i, q := range p.Questions {
		field := fmt.Sprintf("questions[%d]", i)
		if strings.TrimSpace(q.Question) == "" || utf8.RuneCountInString(q.Question) > MaxReasonLabelLen {
			return invalid(field+".question", fmt.Sprintf("must be 1 to %d characters", MaxReasonLabelLen))
		}
		if len(q.Options) < 2 || len(q.Options) > 20 {
			return invalid(field+".options", "a question has 2 to 20 options")
		}
		for j, o := range q.Options {
			if strings.TrimSpace(o) == "" || utf8.RuneCountInString(o) > MaxReasonLabelLen {
				return invalid(fmt.Sprintf("%s.options[%d]", field, j), fmt.Sprintf("must be 1 to %d characters", MaxReasonLabelLen))
			}
		}
	}

	if len(p.ReviewRules) > MaxReviewRules {
		return invalid("reviewRules", fmt.Sprintf("a policy has at most %d review rules", MaxReviewRules))
	}
	for i, rule := range p.ReviewRules {
		field := fmt.Sprintf("reviewRules[%d]", i)
		if rule.MinValue == nil && len(rule.ReasonCodes) == 0 && len(rule.CustomerTags) == 0 {
			return invalid(field, "a review rule needs at least one condition: minValue, reasonCodes or customerTags")
		}
		if m := rule.MinValue; m != nil {
			if m.Minor < 0 {
				return invalid(field+".minValue.minor", "must not be negative")
			}
			if !isCurrencyCode(m.Currency) {
				return invalid(field+".minValue.currency", fmt.Sprintf("%q is not an ISO 4217 currency code", m.Currency))
			}
		}
		if err := checkList(field+".reasonCodes", rule.ReasonCodes, "reason code"); err != nil {
			return err
		}
		if len(p.Reasons) > 0 {
			for j, c := range rule.ReasonCodes {
				if _, ok := seen[c]; !ok {
					return invalid(fmt.Sprintf("%s.reasonCodes[%d]", field, j), fmt.Sprintf("unknown reason code %q", c))
				}
			}
		}
		if err := checkList(field+".customerTags", rule.CustomerTags, "tag"); err != nil {
			return err
		}
	}

	switch {
	case p.RestockingFeeBasisPoints < 0 || p.RestockingFeeBasisPoints > 10_000:
		return invalid("restockingFeeBasisPoints", "must be between 0 and 10000")
	case p.RestockingFeeFlat < 0:
		return invalid("restockingFeeFlat", "must not be negative")
	case p.ReturnShippingFee < 0:
		return invalid("returnShippingFee", "must not be negative")
	}
	return nil
}

func checkList(field string, list []string, what string) error {
	if len(list) > MaxPolicyList {
		return invalid(field, fmt.Sprintf("at most %d entries", MaxPolicyList))
	}
	for i, s := range list {
		if strings.TrimSpace(s) == "" {
			return invalid(fmt.Sprintf("%s[%d]", field, i), "a "+what+" must not be empty")
		}
	}
	return nil
}

func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := range 3 {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// windowFrom returns p.WindowFrom with "" read as order.
func (p Policy) windowFrom() WindowFrom {
	if p.WindowFrom == "" {
		return WindowFromOrder
	}
	return p.WindowFrom
}

// ReasonRequiresPhoto reports whether the reason with that code, or its
// parent, asks for a photo.
func (p Policy) ReasonRequiresPhoto(code string) bool {
	r, parent, ok := p.FindReason(code)
	return ok && (r.RequiresPhoto || (parent != nil && parent.RequiresPhoto))
}

// FindReason looks code up in the reason tree (exact match). It returns the
// reason and, for a child, a copy of its parent (nil for a top-level
// reason); ok is false when no reason has that code.
func (p Policy) FindReason(code string) (r Reason, parent *Reason, ok bool) {
	for i := range p.Reasons {
		top := p.Reasons[i]
		if top.Code == code {
			return top, nil, true
		}
		for _, c := range top.Children {
			if c.Code == code {
				return c, &top, true
			}
		}
	}
	return Reason{}, nil, false
}

// CheckReason checks the reason code the shopper gave for an item. When the
// policy has no reasons, any code (or none) is accepted. Otherwise it
// returns an EINVALID *Error with Field "reasonCode" (the caller prefixes the
// item's path) and a message the shopper can read when the code is empty,
// unknown, or a parent whose children offer a more specific choice.
func (p Policy) CheckReason(code string) error {
	if len(p.Reasons) == 0 {
		return nil
	}
	if code == "" {
		return invalid("reasonCode", "Choose a reason for returning this item.")
	}
	r, _, ok := p.FindReason(code)
	if !ok {
		return invalid("reasonCode", fmt.Sprintf("%q is not one of this store's return reasons.", code))
	}
	if len(r.Children) > 0 {
		return invalid("reasonCode", fmt.Sprintf("Choose a more specific reason under %q.", r.Label))
	}
	return nil
}

// MatchReviewRules returns the indexes of the review rules a new return
// matches: value is what the return is worth in the shop currency,
// reasonCodes its items' reason codes, customerTags its customer's tags. See
// ReviewRule for the conditions. It ignores AutoApprove.
func (p Policy) MatchReviewRules(value Money, reasonCodes, customerTags []string) []int {
	var out []int
	for i, rule := range p.ReviewRules {
		if rule.MinValue == nil && len(rule.ReasonCodes) == 0 && len(rule.CustomerTags) == 0 {
			continue // invalid; never matches everything by accident
		}
		if m := rule.MinValue; m != nil && m.Currency == value.Currency && value.Minor < m.Minor {
			continue
		}
		if len(rule.ReasonCodes) > 0 && !slices.ContainsFunc(reasonCodes, func(c string) bool {
			if slices.Contains(rule.ReasonCodes, c) {
				return true
			}
			_, parent, ok := p.FindReason(c)
			return ok && parent != nil && slices.Contains(rule.ReasonCodes, parent.Code)
		}) {
			continue
		}
		if len(rule.CustomerTags) > 0 && !anyFold(customerTags, rule.CustomerTags) {
			continue
		}
		out = append(out, i)
	}
	return out
}

// InitialStatus returns the status a new return starts in: needs_review
// when the policy does not auto-approve or when any review rule matches
// (MatchReviewRules), open otherwise. It never returns pre_shipment, which
// only an API client asks for explicitly.
func (p Policy) InitialStatus(value Money, reasonCodes, customerTags []string) Status {
	if !p.AutoApprove || len(p.MatchReviewRules(value, reasonCodes, customerTags)) > 0 {
		return StatusNeedsReview
	}
	return StatusOpen
}

// anyFold reports whether any of have equals any of want, trimmed and
// without regard to case.
func anyFold(have, want []string) bool {
	for _, h := range have {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		for _, w := range want {
			if strings.EqualFold(h, strings.TrimSpace(w)) {
				return true
			}
		}
	}
	return false
}

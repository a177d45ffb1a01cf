package refundid

// Refundid's wire models, all in this one file, so that when Refundid
// confirms a name or a type only this file changes.
//
// Source: /work/shared/reference/refundid.md ("the reference"). Its field
// names were reconstructed as snake_case from text whose punctuation was
// stripped; they are likely but not verbatim. Every member whose name, type
// or meaning the reference does not settle carries a "GAP:" comment naming
// what is unknown. Members the reference lists as optional have omitempty
// (or are pointers); the others are always written.
//
// Datetimes are time.Time, written as RFC 3339 by encoding/json.
// GAP: the datetime format Refundid expects and sends is not stated.

import (
	"bytes"
	"encoding/json"
	"errors"
	"time"

	"github.com/reboundhq/rebound/internal/money"
)

// Query parameters of the initial redirect (the reference, section 3).
const (
	ParamShop             = "shop"
	ParamEmail            = "email"
	ParamOrderNumber      = "order_number"
	ParamMerchantOrderRef = "merchant_order_ref"
	ParamMerchantRMARef   = "merchant_rma_ref"
	ParamKey              = "key"
	// ParamRedirect is in the URL template but has no row in the
	// parameter table. GAP: whether it is required, and what Refundid
	// does with it (presumably where the shopper is sent afterwards).
	ParamRedirect = "redirect"
)

// RedirectPath is the path of the portal page the initial redirect opens.
// GAP: "/query-order" is almost certain; "/query_order" is not ruled out.
const RedirectPath = "/query-order"

// Paths of the merchant's endpoints that Refundid calls, as the Models page
// names them. The merchant registers full URLs with Refundid, so these are
// only the conventional last segments.
const (
	MerchantOrderPath  = "/order"    // GET, answers RapiOrder
	MerchantRefundPath = "/refund"   // GET, answers RapiReturn (merchant-initiated RMA)
	MerchantNotifyPath = "/refundid" // POST, body RapiRefundidOrder
)

// GAP: the query parameters of GET /order and GET /refund are in the part
// of the Webhooks page that is not available. The reference infers that
// they are the redirect's own parameters (ParamShop, ParamOrderNumber,
// ParamEmail, ParamMerchantOrderRef, ParamMerchantRMARef) and that the
// privacy key comes back as ParamKey on every call about the order,
// including POST /refundid. OrderQuery and RefundQuery encode that guess.

// OrderQuery is what Refundid sends with GET /order.
// GAP: the whole shape (see above).
type OrderQuery struct {
	Shop             string // ParamShop
	OrderNumber      string // ParamOrderNumber; "" when Refundid looks the order up by MerchantOrderRef
	Email            string // ParamEmail
	MerchantOrderRef string // ParamMerchantOrderRef
	Key              string // ParamKey, the privacy key given in the redirect
}

// RefundQuery is what Refundid sends with GET /refund (merchant-initiated
// RMA). GAP: the whole shape (see above).
type RefundQuery struct {
	Shop           string // ParamShop
	MerchantRMARef string // ParamMerchantRMARef
	Key            string // ParamKey
}

// RapiOrder is the merchant's answer to GET /order.
type RapiOrder struct {
	MerchantOrderRef string    `json:"merchant_order_ref"`
	OrderNumber      string    `json:"order_number"`
	Email            string    `json:"email"`
	PurchasedAt      time.Time `json:"purchased_at"`
	// FulfilledAt is optional.
	FulfilledAt *time.Time `json:"fulfilled_at,omitempty"`
	// PaymentMethod is a string. GAP: its vocabulary (a gateway name, a
	// payment type, free text?) is not stated.
	PaymentMethod  string `json:"payment_method"`
	IsGiftcardUsed bool   `json:"is_giftcard_used"`
	// DeliveryInfo is optional.
	DeliveryInfo *RapiDeliveryInfo   `json:"delivery_info,omitempty"`
	LineItems    []RapiOrderLineItem `json:"line_items"`
}

// RapiOrderLineItem is one line of a RapiOrder.
type RapiOrderLineItem struct {
	LineItemRef string `json:"line_item_ref"`
	Title       string `json:"title"`
	Variant     string `json:"variant,omitempty"`
	// Price. GAP: whether it is the unit price or the line total, and
	// whether before or after tax and discount. Rebound sends the unit
	// price before tax and discount (Redo's convention).
	Price     RapiAmount             `json:"price"`
	TaxDetail *RapiLineItemTaxDetail `json:"tax_detail,omitempty"`
	Quantity  int                    `json:"quantity"`
	// ReturnableQuantity must go down once a refund of the line is
	// notified with status "refundid".
	ReturnableQuantity int `json:"returnable_quantity"`
	// Discount is optional. GAP: per unit or over the line. Rebound sends
	// the total over the line (its own discounts and its share of the
	// order's).
	Discount *RapiAmount `json:"discount,omitempty"`
	ImageURL string      `json:"image_url"`
	// WeightInKilograms is a float in the doc. GAP: whether per unit or
	// for the line; Rebound sends one unit's weight.
	WeightInKilograms float64  `json:"weight_in_kilograms"`
	ProductRef        string   `json:"product_ref"`
	VariantRef        string   `json:"variant_ref,omitempty"`
	SKU               string   `json:"sku,omitempty"`
	Categories        []string `json:"categories"`
	// NonReturnableReasons is a list of strings. GAP: whether Refundid
	// shows them to the shopper (Rebound sends readable sentences) or
	// expects codes from a fixed list.
	NonReturnableReasons []string `json:"non_returnable_reasons"`
}

// RapiDeliveryInfo is where an order was delivered and its tracking.
type RapiDeliveryInfo struct {
	Address RapiAddress `json:"address"`
	// Tracking. GAP: the doc lists it without "optional", yet an order may
	// have no tracking; Rebound omits it then.
	Tracking *RapiTracking `json:"tracking,omitempty"`
}

// RapiAddress is a postal address.
// GAP: the whole schema is in the part of the Models page that is not
// available; every member name below is Rebound's guess.
type RapiAddress struct {
	FirstName string `json:"first_name,omitempty"` // GAP
	LastName  string `json:"last_name,omitempty"`  // GAP
	Company   string `json:"company,omitempty"`    // GAP
	Line1     string `json:"line1,omitempty"`      // GAP
	Line2     string `json:"line2,omitempty"`      // GAP
	City      string `json:"city,omitempty"`       // GAP
	State     string `json:"state,omitempty"`      // GAP
	Postcode  string `json:"postcode,omitempty"`   // GAP
	Country   string `json:"country,omitempty"`    // GAP: ISO 3166 alpha-2 assumed
	Phone     string `json:"phone,omitempty"`      // GAP
}

// RapiTracking is a parcel's tracking.
// GAP: the whole schema is not available; the member names are guesses.
type RapiTracking struct {
	Carrier        string `json:"carrier,omitempty"`         // GAP
	TrackingNumber string `json:"tracking_number,omitempty"` // GAP
	TrackingURL    string `json:"tracking_url,omitempty"`    // GAP
}

// RapiLineItemTaxDetail is the tax of a line.
// GAP: the whole schema is not available; the members are guesses.
type RapiLineItemTaxDetail struct {
	// Amount is the tax over the whole line. GAP: name and meaning.
	Amount RapiAmount `json:"amount"`
	// Rate is a decimal fraction as text ("0.1" for 10 %), "" when
	// unknown. GAP: name and form.
	Rate string `json:"rate,omitempty"`
}

// RapiAmount is an amount of money.
// GAP: the schema is not available. Rebound assumes a decimal amount in
// major units plus an ISO 4217 code: {"amount": "29.99", "currency": "AUD"}.
type RapiAmount struct {
	Amount   Decimal `json:"amount"`   // GAP: name; string or number
	Currency string  `json:"currency"` // GAP: name; ISO 4217 assumed
}

// Amount returns minor units of currency as a RapiAmount, exactly
// (money.Format).
func Amount(minor int64, currency string) RapiAmount {
	return RapiAmount{Amount: Decimal(money.Format(minor, currency)), Currency: currency}
}

// Minor returns a in minor units of its currency. It returns the
// money package's *CurrencyError for a bad code and *AmountError for an
// amount that is not exact at the currency's scale; nothing is rounded.
func (a RapiAmount) Minor() (int64, error) {
	return money.ParseNumber(json.Number(a.Amount), a.Currency)
}

// Decimal is a decimal number kept as its text, so that no amount is ever
// rounded through a float. It is written as a JSON string and read from a
// JSON string or a JSON number (GAP: which one Refundid uses is unknown).
// Reading does not check the digits; RapiAmount.Minor does.
type Decimal string

// MarshalJSON writes d as a JSON string.
func (d Decimal) MarshalJSON() ([]byte, error) { return json.Marshal(string(d)) }

// UnmarshalJSON reads a JSON string or number. Any other JSON value is an
// error.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*d = Decimal(s)
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return err
	}
	n, ok := v.(json.Number)
	if !ok {
		return errors.New("refundid: an amount must be a JSON string or number")
	}
	*d = Decimal(n)
	return nil
}

// RapiReturn is the merchant's answer to GET /refund: an RMA created on the
// merchant's side.
type RapiReturn struct {
	MerchantRMARef string               `json:"merchant_rma_ref"`
	CreatedAt      time.Time            `json:"created_at"`
	LineItems      []RapiReturnLineItem `json:"line_items"`
	// ReturnShipping is optional.
	ReturnShipping *RapiReturnShipping `json:"return_shipping,omitempty"`
}

// RapiReturnLineItem is one returned line of a RapiReturn. Each names its
// order, so one RMA may span orders; Refundid fetches each with GET /order.
type RapiReturnLineItem struct {
	MerchantOrderRef string `json:"merchant_order_ref"`
	LineItemRef      string `json:"line_item_ref"`
	// Price. GAP: unit price or the returned units' total; Rebound sends
	// the total value of the returned units (what they refund).
	Price     RapiAmount             `json:"price"`
	TaxDetail *RapiLineItemTaxDetail `json:"tax_detail,omitempty"`
	Quantity  int                    `json:"quantity"`
	// ReturnReason is a string. GAP: free text or a code from a list.
	ReturnReason string `json:"return_reason"`
	// ChildReturnReason is optional: the more specific reason under
	// ReturnReason.
	ChildReturnReason string                 `json:"child_return_reason,omitempty"`
	Adjustments       []RapiReturnAdjustment `json:"adjustments"`
	// CompensationMethod. GAP: whether it is a bare string or an object.
	CompensationMethod RapiCompensationMethod `json:"compensation_method"`
}

// RapiReturnShipping is how an RMA's parcel travels back.
type RapiReturnShipping struct {
	FromAddress *RapiAddress  `json:"from_address,omitempty"`
	ToAddress   *RapiAddress  `json:"to_address,omitempty"`
	Tracking    *RapiTracking `json:"tracking,omitempty"`
	// Deductions is what the return shipping costs the shopper. GAP: sign
	// convention; Rebound sends a non-negative amount.
	Deductions *RapiAmount `json:"deductions,omitempty"`
}

// RapiReturnAdjustment is a change to what a returned line refunds.
// GAP: sign convention; Rebound sends a fee as a negative amount.
type RapiReturnAdjustment struct {
	Adjustment  RapiAmount `json:"adjustment"`
	Description string     `json:"description,omitempty"`
}

// RapiCompensationMethod is what the shopper gets for a returned line.
type RapiCompensationMethod string

// Compensation methods (the complete list in the reference).
const (
	CompensationRefund   RapiCompensationMethod = "refund"
	CompensationExchange RapiCompensationMethod = "exchange"
	CompensationCredit   RapiCompensationMethod = "credit"
)

// RapiRefundidOrder is Refundid's own record of an RMA: the body Refundid
// POSTs to the merchant's /refundid URL (the notification) and an element of
// GET /v1/merchant/returns.
//
// GAP: the doc calls it the "response body" of POST /refundid; the reference
// reads it as the request body Refundid sends [I]. Only RefundidID,
// MerchantRMARef and Status are documented; the rest of the model is in the
// part of the page that is not available. The members marked GAP below are
// Rebound's guesses at what such a record must carry for the merchant to
// adjust returnable quantities; a decoder reads them only when present and
// well formed (see DecodeNotification).
type RapiRefundidOrder struct {
	RefundidID string `json:"refundid_id"`
	// MerchantRMARef is optional: set for merchant-initiated RMAs.
	MerchantRMARef string `json:"merchant_rma_ref,omitempty"`
	// Status. GAP: the doc types it as a model whose definition is not
	// available; Rebound reads a bare string. Known values: StatusRefunding,
	// StatusRefundid, StatusFailed; there may be more.
	Status Status `json:"status"`

	MerchantOrderRef string                      `json:"merchant_order_ref,omitempty"` // GAP: not documented
	OrderNumber      string                      `json:"order_number,omitempty"`       // GAP: not documented
	LineItems        []RapiRefundidOrderLineItem `json:"line_items,omitempty"`         // GAP: not documented
	CreatedAt        *time.Time                  `json:"created_at,omitempty"`         // GAP: not documented
}

// RapiRefundidOrderLineItem is a line refunded by a RapiRefundidOrder.
// GAP: the whole model is a guess.
type RapiRefundidOrderLineItem struct {
	MerchantOrderRef  string `json:"merchant_order_ref,omitempty"`  // GAP
	LineItemRef       string `json:"line_item_ref"`                 // GAP
	Quantity          int    `json:"quantity"`                      // GAP
	ReturnReason      string `json:"return_reason,omitempty"`       // GAP
	ChildReturnReason string `json:"child_return_reason,omitempty"` // GAP
}

// Status is the status of a RapiRefundidOrder.
type Status string

// The statuses the merchant is documented to receive, in order: first
// refunding, then refundid or failed.
const (
	StatusRefunding Status = "refunding" // the shopper confirmed; Refundid is paying out
	StatusRefundid  Status = "refundid"  // the shopper was refunded by Refundid
	StatusFailed    Status = "failed"    // the refund did not happen
)

// Known reports whether s is one of the three documented statuses.
func (s Status) Known() bool {
	return s == StatusRefunding || s == StatusRefundid || s == StatusFailed
}

// APIKeyHeader is the header carrying the merchant's key on requests to
// Refundid's merchant API.
const APIKeyHeader = "X-Refundid-Api-Key"

// ReturnsPath is the path of Refundid's return search (GET).
const ReturnsPath = "/v1/merchant/returns"

// Query parameters of GET /v1/merchant/returns.
const (
	// ReturnsParamOffset is documented (the answer echoes it).
	ReturnsParamOffset = "offset"
	// GAP: no page-size parameter or search criteria are documented.
)

// RapiMerchantReturns is the answer of GET /v1/merchant/returns.
// GAP: only refunds and offset are documented; the rest of the answer
// (a total, a page size, a next marker) is not available.
type RapiMerchantReturns struct {
	Refunds []RapiMerchantReturn `json:"refunds"`
	// Offset echoes the request's offset parameter.
	Offset int `json:"offset"`
}

// RapiMerchantReturn is one element of RapiMerchantReturns.Refunds: a
// RapiRefundidOrder or a RapiStandardReturn.
//
// GAP: RapiStandardReturn is not defined in the available text, nor how the
// two are told apart. Rebound keeps every element verbatim (Raw) and decodes
// it as a RapiRefundidOrder when it has a non-empty "refundid_id" string;
// Order is nil otherwise.
type RapiMerchantReturn struct {
	Raw   json.RawMessage
	Order *RapiRefundidOrder
}

// MarshalJSON writes the element as it was read, or Order when Raw is
// empty.
func (m RapiMerchantReturn) MarshalJSON() ([]byte, error) {
	if len(m.Raw) > 0 {
		return m.Raw, nil
	}
	if m.Order == nil {
		return []byte("null"), nil
	}
	return json.Marshal(m.Order)
}

// UnmarshalJSON keeps b and decodes it as a RapiRefundidOrder when it is an
// object with a non-empty string "refundid_id". It never fails on valid
// JSON: elements of an unknown shape are kept in Raw only.
func (m *RapiMerchantReturn) UnmarshalJSON(b []byte) error {
	m.Raw = append(json.RawMessage(nil), b...)
	m.Order = nil
	var probe struct {
		RefundidID any `json:"refundid_id"`
	}
	if json.Unmarshal(b, &probe) != nil {
		return nil
	}
	if id, ok := probe.RefundidID.(string); !ok || id == "" {
		return nil
	}
	var o RapiRefundidOrder
	if json.Unmarshal(b, &o) == nil {
		m.Order = &o
	}
	return nil
}

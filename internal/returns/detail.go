package returns

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// ReturnType is Redo's return type.
type ReturnType string

// Return types.
const (
	TypeReturn   ReturnType = "return"
	TypeClaim    ReturnType = "claim"
	TypeWarranty ReturnType = "warranty"
)

// Providers of a return's order.
const (
	ProviderCustom   = "custom"   // an order synced through custom/orders
	ProviderExternal = "external" // a return imported with no order (bulk import)
)

// ReturnDetail is what a return carries beyond its lifecycle: who sends it,
// from where, what it is worth and what was issued for it. Amounts are minor
// units of Currency (the order's shop currency).
type ReturnDetail struct {
	Type ReturnType `json:"type,omitempty"`
	// Provider is the order's platform: ProviderCustom, or ProviderExternal
	// for imported returns with no order (OrderID is then "").
	Provider        string `json:"provider,omitempty"`
	OrderExternalID string `json:"orderExternalId,omitempty"`
	OrderName       string `json:"orderName,omitempty"`
	Currency        string `json:"currency,omitempty"`
	// Customer is the returner; ShippingAddress is where the parcel is sent
	// from.
	Customer        Returner `json:"customer"`
	ShippingAddress Address  `json:"shippingAddress"`
	// Label is the return label, when one was bought or given.
	Label *Label `json:"label,omitempty"`
	// Destination is the warehouse the return goes to, once chosen.
	Destination *Destination `json:"destination,omitempty"`
	// Notes are the request's notes; CustomerNotes the processing notes sent
	// to the customer.
	Notes         string `json:"notes,omitempty"`
	CustomerNotes string `json:"customerNotes,omitempty"`
	// Tags are names of the store's return tags (ReturnTag.Name).
	Tags []string `json:"tags,omitempty"`
	// ExternalReferenceID is the importer's reference (bulk import).
	ExternalReferenceID string `json:"externalReferenceId,omitempty"`
	// CreatedByName is who created the return (Redo's internalCreatedByName).
	CreatedByName string `json:"createdByName,omitempty"`
	// Exchange is what the shopper gets in exchange, when any item's
	// compensation is exchange.
	Exchange *Exchange `json:"exchange,omitempty"`

	// Adjustments and Totals are estimates until the return is processed,
	// final after (ProcessedAt set).
	Adjustments []Adjustment `json:"adjustments,omitempty"`
	Totals      Totals       `json:"totals"`
	// ShippingRefunded is true when Totals include the order's shipping.
	ShippingRefunded bool       `json:"shippingRefunded,omitempty"`
	ProcessedAt      *time.Time `json:"processedAt,omitempty"`
	// Refunds and GiftCards are what processing issued.
	Refunds   []RefundRecord `json:"refunds,omitempty"`
	GiftCards []GiftCard     `json:"giftCards,omitempty"`

	// EcwidOrderID is the Ecwid order mirroring this return, once created.
	EcwidOrderID string `json:"ecwidOrderId,omitempty"`
}

// Returner is the person sending a return back.
type Returner struct {
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone,omitempty"`
}

// Label is a return shipping label and its tracking.
type Label struct {
	TrackingNumber     string `json:"trackingNumber"`
	Carrier            string `json:"carrier,omitempty"`
	TrackingURL        string `json:"trackingUrl,omitempty"`
	PostageLabelURL    string `json:"postageLabelUrl,omitempty"`
	FormLabelURL       string `json:"formLabelUrl,omitempty"`
	OriginalShipmentID string `json:"originalShipmentId,omitempty"`
	// Status is the carrier status in Redo's return-shipment vocabulary
	// ("unknown", "in_transit", "delivered", ...).
	Status string `json:"status,omitempty"`
	// ShipmentID is Rebound's shipment when Rebound bought the label;
	// EstimatedDeliveryDate and DeliveredAt are RFC 3339 times, "" when
	// unknown.
	ShipmentID            string `json:"shipmentId,omitempty"`
	EstimatedDeliveryDate string `json:"estimatedDeliveryDate,omitempty"`
	DeliveredAt           string `json:"deliveredAt,omitempty"`
}

// ShipmentStatuses are the carrier statuses a label may carry (Redo's
// return-shipment status vocabulary); "" means not known yet.
var ShipmentStatuses = []string{"", "unknown", "pre_transit", "in_transit", "out_for_delivery",
	"available_for_pickup", "cancelled", "delivered", "error", "failure", "return_to_sender", "expired"}

// Validate reports a label without tracking number or with a status that
// is not one of ShipmentStatuses, as EINVALID naming the field
// ("trackingNumber", "status").
func (l Label) Validate() error {
	if strings.TrimSpace(l.TrackingNumber) == "" {
		return Invalid("trackingNumber", "must not be empty")
	}
	if !slices.Contains(ShipmentStatuses, l.Status) {
		return Invalid("status", fmt.Sprintf("unknown shipment status %q", l.Status))
	}
	return nil
}

// Update returns the label after an update u for the same shipment (the
// same tracking number): what u says replaces what l said, and what u
// leaves empty is kept from l (a carrier's status update keeps the label's
// documents, Rebound's shipment id, its dates). An update with another
// tracking number is a different label and is returned as it is.
func (l Label) Update(u Label) Label {
	if u.TrackingNumber != l.TrackingNumber {
		return u
	}
	keep := func(dst *string, old string) {
		if *dst == "" {
			*dst = old
		}
	}
	keep(&u.Carrier, l.Carrier)
	keep(&u.TrackingURL, l.TrackingURL)
	keep(&u.PostageLabelURL, l.PostageLabelURL)
	keep(&u.FormLabelURL, l.FormLabelURL)
	keep(&u.OriginalShipmentID, l.OriginalShipmentID)
	keep(&u.Status, l.Status)
	keep(&u.ShipmentID, l.ShipmentID)
	keep(&u.EstimatedDeliveryDate, l.EstimatedDeliveryDate)
	keep(&u.DeliveredAt, l.DeliveredAt)
	return u
}

// Totals are a return's money, in minor units of its currency, as Redo's
// return totals: Refund and StoreCredit are what the shopper gets back,
// Exchange the value of exchange items, Charge what the shopper owes for an
// exchange worth more than the returned items, ShippingFee what was deducted
// for the return label.
type Totals struct {
	Refund      int64 `json:"refund"`
	StoreCredit int64 `json:"storeCredit"`
	Exchange    int64 `json:"exchange"`
	Charge      int64 `json:"charge"`
	ShippingFee int64 `json:"shippingFee"`
}

// RefundRecord is a refund issued by processing, for the merchant's system
// to pay out (it is announced by a webhook event).
type RefundRecord struct {
	ID        string    `json:"id"`
	Amount    int64     `json:"amount"`
	Currency  string    `json:"currency"`
	CreatedAt time.Time `json:"createdAt"`
	PaidBy    string    `json:"paidBy,omitempty"` // "" the merchant pays it out; RefundPaidByRefundid: already paid
}

// GiftCard is store credit issued by processing, kept in Rebound's own
// ledger: Code is what the shopper redeems, Balance what is left of Amount.
type GiftCard struct {
	Code       string    `json:"code"`
	ExternalID string    `json:"externalId"`
	StoreID    string    `json:"storeId"`
	ReturnID   string    `json:"returnId"`
	Amount     int64     `json:"amount"`
	Balance    int64     `json:"balance"`
	Currency   string    `json:"currency"`
	CreatedAt  time.Time `json:"createdAt"`
}

// Exchange is the items a shopper gets instead of a refund.
type Exchange struct {
	Items []ExchangeItem `json:"items"`
}

// ExchangeItem is one new item of an exchange. Price is the unit price in
// minor units of the return's currency.
type ExchangeItem struct {
	ID        string `json:"id"`
	ProductID string `json:"productId,omitempty"`
	VariantID string `json:"variantId,omitempty"`
	SKU       string `json:"sku,omitempty"`
	Title     string `json:"title"`
	Quantity  int    `json:"quantity"`
	Price     int64  `json:"price"`
}

// Question is a questionnaire answer given for an item (Redo's
// multipleChoiceQuestions).
type Question struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// ItemDetail is what a return item carries beyond its lifecycle.
type ItemDetail struct {
	// ProductID, VariantID, SKU and Title are copied from the order line
	// (or given by the importer for returns with no order).
	ProductID string `json:"productId,omitempty"`
	VariantID string `json:"variantId,omitempty"`
	SKU       string `json:"sku,omitempty"`
	Title     string `json:"title,omitempty"`
	// Compensation is what this item is returned for; "" means the
	// return's.
	Compensation Compensation `json:"compensation,omitempty"`
	// Slots are the order line's unit slots (see OrderValues) this item
	// holds; Value is their summed value. Empty for items with no order.
	Slots []int     `json:"slots,omitempty"`
	Value UnitValue `json:"value"`
	// Questions and Images (URLs) were given by the shopper.
	Questions []Question `json:"questions,omitempty"`
	Images    []string   `json:"images,omitempty"`
	Notes     string     `json:"notes,omitempty"`
	// Condition is the importer's or inspector's grading.
	Condition string `json:"condition,omitempty"`
	// Set by processing: whether the item goes back to stock, and the
	// merchant's override of what it credits (Redo's
	// newMerchantAdjustment).
	Restock            bool   `json:"restock,omitempty"`
	MerchantAdjustment *int64 `json:"merchantAdjustment,omitempty"`
}

// ItemCompensation returns the item's compensation, or the return's when the
// item has none of its own.
func (r *Return) ItemCompensation(it *ReturnItem) Compensation {
	if it.Compensation != "" {
		return it.Compensation
	}
	return r.Compensation
}

// Comment is a message or an image posted on a return (Redo's return
// comments). Exactly one of Message and ImageURL is set.
type Comment struct {
	ID        string    `json:"id"`
	StoreID   string    `json:"storeId"`
	ReturnID  string    `json:"returnId"`
	Message   string    `json:"message,omitempty"`
	ImageURL  string    `json:"imageUrl,omitempty"`
	Actor     Actor     `json:"actor"`
	CreatedAt time.Time `json:"createdAt"`
}

// Blob is an uploaded file (a comment or item image). ID is an unguessable
// token: the file is served to whoever has its URL.
type Blob struct {
	ID          string    `json:"id"`
	StoreID     string    `json:"storeId"`
	ContentType string    `json:"contentType"`
	Data        []byte    `json:"-"`
	CreatedAt   time.Time `json:"createdAt"`
}

// CheckPillTheme accepts Redo's pill theme identifiers ("NORMAL",
// "SUCCESS", ...): a capital letter, then capital letters and underscores,
// 40 at most. Anything else is EINVALID naming "pillTheme".
func CheckPillTheme(theme string) error {
	ok := theme != "" && len(theme) <= 40 && theme[0] >= 'A' && theme[0] <= 'Z'
	for i := 0; ok && i < len(theme); i++ {
		c := theme[i]
		ok = (c >= 'A' && c <= 'Z') || c == '_'
	}
	if !ok {
		return Invalid("pillTheme", "is required: a pill theme such as NORMAL or SUCCESS")
	}
	return nil
}

// ReturnTag is a store's return tag definition (Redo's return-tag).
type ReturnTag struct {
	StoreID   string    `json:"storeId"`
	Name      string    `json:"name"`
	PillTheme string    `json:"pillTheme"`
	Source    string    `json:"source"` // "merchant"
	NumericID int64     `json:"numericId"`
	CreatedAt time.Time `json:"createdAt"`
}

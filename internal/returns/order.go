package returns

import "time"

// Coverage is the Redo protection bought with an order.
type Coverage string

const (
	CoverageNone              Coverage = ""
	CoverageReturns           Coverage = "returns"
	CoveragePackageProtection Coverage = "package protection"
	CoverageBoth              Coverage = "both"
)

// Order is a merchant's order as synced into Rebound. Money is exact (minor
// units). Timestamps CreatedAt/UpdatedAt are the source platform's; SyncedAt
// is when Rebound last applied a sync.
type Order struct {
	ID                  string         `json:"id"` // Rebound id (24 hex), Redo's "redoId"
	StoreID             string         `json:"storeId"`
	ExternalID          string         `json:"externalId"` // the platform's order id
	Name                string         `json:"name"`       // display name; the external id for custom orders
	CreatedAt           time.Time      `json:"createdAt"`
	UpdatedAt           time.Time      `json:"updatedAt"`
	SyncedAt            time.Time      `json:"syncedAt"`
	PresentmentCurrency string         `json:"presentmentCurrency"`
	ShopCurrency        string         `json:"shopCurrency"`
	SalesChannel        string         `json:"salesChannel,omitempty"`
	Tags                []string       `json:"tags,omitempty"`
	Customer            Customer       `json:"customer"`
	ShippingAddress     Address        `json:"shippingAddress"`
	BillingAddress      *Address       `json:"billingAddress,omitempty"`
	Lines               []OrderLine    `json:"lines"`
	ShippingLines       []ShippingLine `json:"shippingLines,omitempty"`
	Discounts           []Discount     `json:"discounts,omitempty"` // order-level discounts
	Fulfillments        []Fulfillment  `json:"fulfillments,omitempty"`
	Transactions        []Transaction  `json:"transactions,omitempty"`
	Refunds             []Refund       `json:"refunds,omitempty"`
	Metafields          []Metafield    `json:"metafields,omitempty"`
	Coverage            Coverage       `json:"coverage,omitempty"`
	CancelledAt         *time.Time     `json:"cancelledAt,omitempty"`
	CancelReason        string         `json:"cancelReason,omitempty"`
}

// Customer is the buyer of an order.
type Customer struct {
	ID        string   `json:"id,omitempty"`
	Email     string   `json:"email"`
	FirstName string   `json:"firstName"`
	LastName  string   `json:"lastName"`
	Phone     string   `json:"phone,omitempty"`
	Tags      []string `json:"tags,omitempty"`
}

// Address is a postal address. Empty strings mean "not given".
type Address struct {
	Address1     string `json:"address1,omitempty"`
	Address2     string `json:"address2,omitempty"`
	City         string `json:"city,omitempty"`
	Company      string `json:"company,omitempty"`
	FirstName    string `json:"firstName,omitempty"`
	LastName     string `json:"lastName,omitempty"`
	ProvinceCode string `json:"provinceCode,omitempty"`
	Zip          string `json:"zip,omitempty"`
	CountryCode  string `json:"countryCode,omitempty"`
	Phone        string `json:"phone,omitempty"`
}

// OrderLine is one line of an order. Discounts and TaxLines are totals over
// the whole line quantity (Redo's rule), Price is the pre-tax, pre-discount
// unit price.
type OrderLine struct {
	ID                  string `json:"id"`
	ProductID           string `json:"productId"`
	VariantID           string `json:"variantId,omitempty"`
	AdditionalProductID string `json:"additionalProductId,omitempty"`
	SKU                 string `json:"sku"`
	Title               string `json:"title"`
	VariantTitle        string `json:"variantTitle,omitempty"`
	Vendor              string `json:"vendor,omitempty"`
	FulfillmentService  string `json:"fulfillmentService,omitempty"`
	Quantity            int    `json:"quantity"`
	// ReturnableQuantity is how many units may be returned at most: the
	// platform's returnableQuantity when it sent one, else the fulfilled
	// quantity. Always 0 for the coverage line.
	ReturnableQuantity int         `json:"returnableQuantity"`
	FulfilledQuantity  int         `json:"fulfilledQuantity"`
	Price              MoneySet    `json:"price"`
	Discounts          []Discount  `json:"discounts,omitempty"`
	TaxLines           []TaxLine   `json:"taxLines,omitempty"`
	Properties         []Property  `json:"properties,omitempty"`
	Metafields         []Metafield `json:"metafields,omitempty"`
	Tags               []string    `json:"tags,omitempty"`
	Image              string      `json:"image,omitempty"`
	Images             []Image     `json:"images,omitempty"`
	Weight             *Weight     `json:"weight,omitempty"`
	// Coverage is set on the Redo protection line (vendor "re:do", sku
	// "x-redo"); such a line is never returnable.
	Coverage Coverage `json:"coverage,omitempty"`
}

// IsCoverage reports whether the line is Redo's coverage line item.
func (l OrderLine) IsCoverage() bool { return l.Coverage != CoverageNone }

// Property is a name/value pair on a line.
type Property struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Metafield is a namespaced key/value pair.
type Metafield struct {
	Namespace string `json:"namespace"`
	Key       string `json:"key"`
	Value     string `json:"value"`
}

// Image is a line item image.
type Image struct {
	URL  string `json:"url"`
	Data string `json:"data,omitempty"`
}

// Weight of one unit; Value is in grams per Redo's schema, Unit as sent.
type Weight struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

// Discount is a discount total (over a whole line, shipping line or order).
type Discount struct {
	ID     string   `json:"id"`
	Title  string   `json:"title,omitempty"`
	Code   string   `json:"code,omitempty"`
	Amount MoneySet `json:"amount"`
}

// TaxLine is a tax total over a whole line. Rate is the decimal string as
// sent ("" when unknown).
type TaxLine struct {
	Title  string   `json:"title"`
	Rate   string   `json:"rate,omitempty"`
	Amount MoneySet `json:"amount"`
}

// ShippingLine is a shipping method charged on the order.
type ShippingLine struct {
	ID        string     `json:"id"`
	Title     string     `json:"title,omitempty"`
	Code      string     `json:"code,omitempty"`
	Price     MoneySet   `json:"price"`
	Discounts []Discount `json:"discounts,omitempty"`
	TaxLines  []TaxLine  `json:"taxLines,omitempty"`
}

// Fulfillment is a shipment of some of the order's lines.
type Fulfillment struct {
	ID              string            `json:"id"`
	ShippingDate    *time.Time        `json:"shippingDate,omitempty"`
	DeliveryDate    *time.Time        `json:"deliveryDate,omitempty"`
	TrackingNumbers []TrackingNumber  `json:"trackingNumbers,omitempty"`
	TrackingURLs    []string          `json:"trackingUrls,omitempty"`
	Lines           []FulfillmentLine `json:"lines"`

	// The members below are kept for fulfillments created through Redo's
	// Orders API (fulfillment.go); a synced fulfillment leaves them empty.
	CreatedAt time.Time `json:"createdAt,omitzero"`
	// Status is the shipment's current ShipmentStatus; "" derives it from
	// the dates (Fulfillment.CurrentStatus).
	Status ShipmentStatus `json:"status,omitempty"`
	// EstimatedDelivery is the carrier's estimated delivery date,
	// YYYY-MM-DD; "" when unknown.
	EstimatedDelivery string `json:"estimatedDelivery,omitempty"`
	// Dummy marks a fulfillment with a generated test tracker.
	Dummy bool `json:"dummy,omitempty"`
	// History is the shipment's tracking events, oldest first.
	History []TrackingEvent `json:"history,omitempty"`
}

// TrackingNumber is a carrier tracking number.
type TrackingNumber struct {
	Carrier string `json:"carrier,omitempty"`
	Number  string `json:"number"`
}

// FulfillmentLine says how many units of a line a fulfillment shipped.
type FulfillmentLine struct {
	LineID   string `json:"lineId"`
	Quantity int    `json:"quantity"`
}

// Transaction is a payment on the order. Amount is exact in Currency.
type Transaction struct {
	PaymentID      string    `json:"paymentId"`
	Amount         Money     `json:"amount"`
	CreatedAt      time.Time `json:"createdAt"`
	PaymentGateway string    `json:"paymentGateway"`
	// Extra holds gateway-specific fields sent alongside the standard ones,
	// kept verbatim as JSON.
	Extra map[string]any `json:"extra,omitempty"`
}

// Refund is a refund already issued on the platform (informational).
type Refund struct {
	ID                string         `json:"id"`
	CreatedAt         time.Time      `json:"createdAt"`
	Note              string         `json:"note,omitempty"`
	Lines             []RefundLine   `json:"lines,omitempty"`
	ShippingRefunds   []RefundAmount `json:"shippingRefunds,omitempty"`
	OrderLevelRefunds []RefundAmount `json:"orderLevelRefunds,omitempty"`
}

// RefundLine is a refunded quantity of a line.
type RefundLine struct {
	LineID   string   `json:"lineId"`
	Quantity int      `json:"quantity"`
	Subtotal MoneySet `json:"subtotal"`
	TotalTax MoneySet `json:"totalTax"`
}

// RefundAmount is a refunded amount not tied to a line.
type RefundAmount struct {
	Amount MoneySet  `json:"amount"`
	Tax    *MoneySet `json:"tax,omitempty"`
	Reason string    `json:"reason,omitempty"`
}

package loopapi

// Loop's wire shapes. Amounts are decimal strings with the currency's scale
// ("63.30", "1000" for JPY); times are RFC 3339 in UTC, to the second.
// Pointers are the members Loop sends as null when they have no value.
// Members Loop does not declare are never added, except redo_id.

// ReturnFields are the members the list item, the details and the webhook
// payload share.
type ReturnFields struct {
	State     State   `json:"state"`
	CreatedAt string  `json:"created_at"`
	UpdatedAt string  `json:"updated_at"`
	EditedAt  *string `json:"edited_at"` // when line items were removed; null until then
	// Total is the value of the returned items (ReturnTotal).
	Total string `json:"total"`
	// Outcome is the return's compensation: refund, store_credit or exchange.
	Outcome string `json:"outcome"`
	// OrderID is the order's numeric id; ProviderOrderID the platform's id
	// (Order.ExternalID). OrderName, OrderNumber and ProviderOrderNumber
	// are the order's display name.
	OrderID             string  `json:"order_id"`
	OrderName           string  `json:"order_name"`
	ProviderOrderID     string  `json:"provider_order_id"`
	OrderNumber         string  `json:"order_number"`
	ProviderOrderNumber string  `json:"provider_order_number"`
	Customer            string  `json:"customer"` // the returner's email ("" when unknown)
	OriginCountry       *string `json:"origin_country"`
	OriginCountryCode   *string `json:"origin_country_code"`
	// MultiCurrency is true when the shopper paid in another currency than
	// the shop's; amounts are in Currency, the shop's.
	MultiCurrency bool   `json:"multi_currency"`
	Currency      string `json:"currency"`

	// The returned items: gross (product), discounts, tax, what they were
	// worth (total = product − discount + tax) and what they credit after
	// rejections and merchant adjustments (credit), before fees.
	ReturnProductTotal  string `json:"return_product_total"`
	ReturnDiscountTotal string `json:"return_discount_total"`
	ReturnTaxTotal      string `json:"return_tax_total"`
	ReturnTotal         string `json:"return_total"`
	ReturnCreditTotal   string `json:"return_credit_total"`
	// The exchange items: their value, and the part of it paid by the
	// returned items' credit (exchange_total − upsell).
	ExchangeProductTotal  string `json:"exchange_product_total"`
	ExchangeDiscountTotal string `json:"exchange_discount_total"`
	ExchangeTaxTotal      string `json:"exchange_tax_total"`
	ExchangeTotal         string `json:"exchange_total"`
	ExchangeCreditTotal   string `json:"exchange_credit_total"`
	// GiftCard is the store credit; Refund the refund; Upsell what the
	// shopper pays for an exchange worth more than the return; HandlingFee
	// the policy's fees (restocking, return label) as assessed.
	GiftCard          string  `json:"gift_card"`
	GiftCardOrderName *string `json:"gift_card_order_name"`
	GiftCardOrderID   *string `json:"gift_card_order_id"`
	HandlingFee       string  `json:"handling_fee"`
	Refund            string  `json:"refund"`
	Upsell            string  `json:"upsell"`

	LineItems []LineItem     `json:"line_items"`
	Exchanges []ExchangeItem `json:"exchanges"`

	// The return label: "N/A" for carrier, tracking number and status when
	// there is none, as Loop does.
	Carrier          string  `json:"carrier"`
	TrackingNumber   string  `json:"tracking_number"`
	LabelStatus      string  `json:"label_status"`
	LabelURL         *string `json:"label_url"`
	LabelRate        *string `json:"label_rate"`
	LabelUpdatedAt   *string `json:"label_updated_at"`
	StatusPageURL    *string `json:"status_page_url"`
	DestinationID    *string `json:"destination_id"`
	ReturnMethod     *string `json:"return_method"`
	PackageReference *string `json:"package_reference"`
}

// LineItem is one returned unit: Loop has one line item per unit, so a
// Rebound item of quantity 3 is three line items, each with its own numeric
// id (see LineKey).
type LineItem struct {
	LineItemID         string `json:"line_item_id"`          // numeric, as a string
	ProviderLineItemID string `json:"provider_line_item_id"` // the order line's id
	ProductID          string `json:"product_id"`
	VariantID          string `json:"variant_id"`
	SKU                string `json:"sku"`
	Title              string `json:"title"`
	// Price is the unit's gross; Discount its share of the line's and the
	// order's discounts; Tax its tax; Refund what it credits (0 when
	// rejected), of which RefundTax is tax and RefundItem the rest.
	Price      string  `json:"price"`
	Discount   string  `json:"discount"`
	Tax        string  `json:"tax"`
	Refund     string  `json:"refund"`
	RefundItem string  `json:"refund_item"`
	RefundTax  string  `json:"refund_tax"`
	ReturnedAt *string `json:"returned_at"` // when it was processed
	// ExchangeVariant is null: Rebound's exchanges belong to the return
	// (Exchanges), not to a line item.
	ExchangeVariant           *string `json:"exchange_variant"`
	ReturnReason              string  `json:"return_reason"`
	ParentReturnReason        *string `json:"parent_return_reason"`
	ReturnComment             *string `json:"return_comment"`
	Barcode                   *string `json:"barcode"`
	Outcome                   string  `json:"outcome"` // "default": the return's outcome
	ProviderRestockLocationID *string `json:"provider_restock_location_id"`
}

// ExchangeItem is an item the shopper gets in exchange.
type ExchangeItem struct {
	ProductID string `json:"product_id"`
	VariantID string `json:"variant_id"`
	SKU       string `json:"sku"`
	Title     string `json:"title"`
	Quantity  int    `json:"quantity"`
	Price     string `json:"price"` // unit price
}

// Refund is a refund issued by processing.
type Refund struct {
	Gateway          string `json:"gateway"`
	Amount           string `json:"amount"`
	Currency         string `json:"currency"`
	ProviderRefundID string `json:"provider_refund_id"`
	Provider         string `json:"provider"`
}

// ListReturn is an item of the Detailed Returns List. Its id is a string,
// as in Loop's list.
type ListReturn struct {
	ID     string `json:"id"`
	RedoID string `json:"redo_id"`
	ReturnFields
}

// ReturnDetails is Get Return Details' answer. Its id is a number, as in
// Loop's details.
type ReturnDetails struct {
	ID     int64  `json:"id"`
	RedoID string `json:"redo_id"`
	ReturnFields
	// ExchangeOrderName and ExchangeOrderID are null: Rebound places no
	// exchange orders on the platform.
	ExchangeOrderName *string  `json:"exchange_order_name"`
	ExchangeOrderID   *string  `json:"exchange_order_id"`
	Refunds           []Refund `json:"refunds"`
}

// ListPage is the Detailed Returns List's answer with paginate=true (without
// it the answer is a bare []ListReturn). The links are absolute URLs, null
// on the first and last page.
type ListPage struct {
	Returns         []ListReturn `json:"returns"`
	NextPageURL     *string      `json:"nextPageUrl"`
	PreviousPageURL *string      `json:"previousPageUrl"`
}

// Note is a return note.
type Note struct {
	ID        int64  `json:"id"`
	Content   string `json:"content"`
	CreatedAt string `json:"created_at"`
}

// Notes is Get Return Notes' answer (with at least one note; none is the 422
// Failure).
type Notes struct {
	Notes []Note `json:"notes"`
}

// ASNRow is one returned unit in the Advanced Shipping Notice report.
type ASNRow struct {
	ID               int64   `json:"id"` // the return's numeric id
	ReturnLineItemID string  `json:"return_line_item_id"`
	OrderID          string  `json:"order_id"`
	OrderName        string  `json:"order_name"`
	State            State   `json:"state"`
	CustomerEmail    string  `json:"customer_email"`
	Title            string  `json:"title"`
	PurchasePrice    string  `json:"purchase_price"` // what was paid for the unit
	SKU              string  `json:"sku"`
	Barcode          string  `json:"barcode"`
	Carrier          string  `json:"carrier"`
	TrackingNumber   string  `json:"tracking_number"`
	LabelStatus      string  `json:"label_status"`
	RestockStatus    string  `json:"restock_status"` // pending, restocked, not_restocked or rejected
	Currency         string  `json:"currency"`
	CreatedAt        string  `json:"created_at"`
	UpdatedAt        string  `json:"updated_at"`
	ClosedAt         *string `json:"closed_at"`
}

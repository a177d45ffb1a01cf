package store

import (
	"encoding/json"
	"time"
)

// ShippingSettings are a store's shipping configuration: the built-in
// carrier's rate table, the EasyPost connection and the return
// destinations (warehouses) with the rules choosing one per return.
type ShippingSettings struct {
	StoreID string
	// RateTable is the rate table document (internal/shipping/ratetable),
	// nil when none was set.
	RateTable json.RawMessage
	// EasyPostKeySealed is the EasyPost API key sealed by internal/secrets;
	// "" when EasyPost is not connected. EasyPostBaseURL overrides the API
	// root (a fake's). EasyPostWebhookToken is the token of the webhook
	// URL; EasyPostWebhookSecretSealed the sealed signing secret.
	EasyPostKeySealed           string
	EasyPostBaseURL             string
	EasyPostWebhookToken        string
	EasyPostWebhookSecretSealed string
	// Destinations is the destinations document (shipsvc.Destinations),
	// nil when none was set.
	Destinations json.RawMessage
	UpdatedAt    time.Time
}

// ShipmentRecord is a label Rebound bought, through the API or for a
// return: the carrier's shipment and what it was bought for.
type ShipmentRecord struct {
	ID      string // "shp_…", Rebound's
	StoreID string
	// ReturnID is the return the label is for; "" for an API purchase.
	ReturnID string
	// Carrier is the carrier kind ("rebound", "easypost").
	Carrier        string
	TrackingNumber string
	Status         string // shipping.TrackingStatus
	// IdempotencyKey is the purchase's key, unique per store; RequestHash
	// identifies the request bought with it.
	IdempotencyKey string
	RequestHash    string
	// Data is the stored JSON (the shipping.Shipment, the quote request,
	// the tracking events).
	Data      json.RawMessage
	VoidedAt  *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CarrierRecord is a carrier's own persistent state under a key, unique per
// (store, carrier, key): the built-in carrier's shipments by idempotency key,
// EasyPost's idempotency claims. TrackingNumber, when not "", is unique per
// carrier over all stores.
type CarrierRecord struct {
	StoreID        string
	Carrier        string
	Key            string
	TrackingNumber string
	Data           json.RawMessage
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Charge kinds of an invoice.
const (
	ChargeLabel = "label" // a label bought
	ChargeVoid  = "void"  // a credit for a voided label (negative)
	ChargeFee   = "fee"   // a per-return fee the merchant configured
)

// InvoiceCharge is one row of an invoice. Amount = Quantity × UnitPrice, in
// minor units of Currency (negative for a credit).
type InvoiceCharge struct {
	ID        int64
	StoreID   string
	InvoiceID string // set by AddCharge
	// Key makes the charge unique per store (e.g. "label:<shipment id>"): a
	// charge added twice is kept once.
	Key            string
	Kind           string
	ReturnID       string
	OrderID        string
	OrderName      string
	ShipmentID     string
	TrackingNumber string
	Carrier        string
	Service        string
	Description    string
	Quantity       int64
	UnitPrice      int64
	Amount         int64
	Currency       string
	At             time.Time
	// Period is the calendar month of At in the store's time zone,
	// "YYYY-MM".
	Period string
}

// Invoice is a store's statement for one calendar month and currency.
type Invoice struct {
	ID       string
	StoreID  string
	Period   string // "YYYY-MM"
	Currency string
	// Total is the sum of its charges' amounts; Count how many there are.
	Total     int64
	Count     int
	PaidAt    *time.Time
	CreatedAt time.Time
	// UpdatedAt is the latest of the creation, the last charge and the
	// payment.
	UpdatedAt time.Time
}

// InvoiceSettings are a store's billing settings.
type InvoiceSettings struct {
	StoreID string
	// TimeZone is an IANA zone name; "" means UTC. Invoices cover calendar
	// months in it.
	TimeZone string
	// Fees is the fees document (invoices.Fees), nil when none.
	Fees      json.RawMessage
	UpdatedAt time.Time
}

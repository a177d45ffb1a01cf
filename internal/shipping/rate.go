package shipping

// Rate is one price a carrier offers for a shipment: one service of one
// carrier.
type Rate struct {
	// ID is the carrier's identifier of this rate ("rate_..." at EasyPost),
	// opaque to callers; pass the Rate back in a BuyRequest.
	ID string
	// ShipmentRef is the carrier's shipment the rate belongs to, when the
	// carrier creates one at quote time (EasyPost's "shp_..."); empty for
	// carriers that do not.
	ShipmentRef string
	Carrier     string // display name of the carrier, e.g. "USPS"
	Service     string // the carrier's service code, e.g. "ground", "Priority"
	ServiceName string // display name of the service; may equal Service
	// Amount is the price in minor units of Currency (cents for USD).
	Amount   int64
	Currency string // ISO 4217
	// EstimatedDays is the carrier's transit estimate in days; 0 when
	// unknown.
	EstimatedDays int
}

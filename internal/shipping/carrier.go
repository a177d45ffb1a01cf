package shipping

import (
	"context"
	"strings"
	"unicode/utf8"
)

// QuoteRequest asks for the rates of one parcel between two addresses.
type QuoteRequest struct {
	From, To Address
	Parcel   Parcel
	// IsReturn marks a return shipment: From is the shopper, To the
	// merchant's warehouse. Carriers bill and price returns differently.
	IsReturn bool
}

// Validate checks the request; every bad field is reported with its full
// path ("from.street1", "to.country", "parcel.weight.value").
func (q QuoteRequest) Validate() error {
	var fe fieldErrors
	q.From.check(&fe, "from")
	q.To.check(&fe, "to")
	q.Parcel.check(&fe, "parcel")
	return fe.err()
}

// BuyRequest buys a label for a rate previously returned by Quote of the
// same carrier.
type BuyRequest struct {
	// Request is the quote request the rate was quoted for. Carriers that
	// keep no state between Quote and Buy re-quote it.
	Request QuoteRequest
	// Rate is the chosen rate, as returned by Quote.
	Rate Rate
	// IdempotencyKey identifies this purchase: a Buy repeated with the same
	// key (after a timeout, say) returns the first purchase instead of
	// buying a second label. Required, at most 255 bytes.
	IdempotencyKey string
	// Reference is the caller's reference printed on the label and kept
	// with the shipment, e.g. the return (RMA) id. Optional.
	Reference string
}

// MaxIdempotencyKey is the longest accepted idempotency key, in bytes.
const MaxIdempotencyKey = 255

// Validate checks the request: the quote request (paths prefixed with
// "request."), the rate's service and the idempotency key.
func (b BuyRequest) Validate() error {
	var fe fieldErrors
	b.Request.From.check(&fe, "request.from")
	b.Request.To.check(&fe, "request.to")
	b.Request.Parcel.check(&fe, "request.parcel")
	if b.Rate.Service == "" && b.Rate.ID == "" {
		fe.add("rate", "is required (a rate returned by Quote)")
	}
	switch k := b.IdempotencyKey; {
	case strings.TrimSpace(k) == "":
		fe.add("idempotencyKey", "is required")
	case len(k) > MaxIdempotencyKey:
		fe.add("idempotencyKey", "is too long (at most %d bytes)", MaxIdempotencyKey)
	case !utf8.ValidString(k):
		fe.add("idempotencyKey", "is not valid UTF-8")
	}
	if utf8.RuneCountInString(b.Reference) > maxAddressField {
		fe.add("reference", "is too long (at most %d characters)", maxAddressField)
	}
	return fe.err()
}

// Carrier is a shipping carrier (or an aggregator such as EasyPost) that
// quotes, sells, voids and tracks labels. Implementations are safe for
// concurrent use. Every error is an *Error; see the codes for what a caller
// may retry.
type Carrier interface {
	// Quote returns the rates available for the request, cheapest first.
	// EInvalid when the request does not validate; ERefused when the
	// carrier refuses it (an address it cannot verify); an empty list, not
	// an error, when no service covers the destination or weight.
	Quote(ctx context.Context, req QuoteRequest) ([]Rate, error)

	// Buy buys the label for req.Rate. It is idempotent by
	// req.IdempotencyKey: a repeated call returns the same Shipment and
	// buys nothing. EInvalid for a bad request; ENotFound (or ERefused,
	// with the carrier's code) when the rate is no longer offered;
	// EConflict when the key was used for another request; EUnavailable
	// when the outcome is uncertain (retry with the same key).
	Buy(ctx context.Context, req BuyRequest) (*Shipment, error)

	// Void cancels the label of the shipment with the carrier's reference
	// shipmentRef (Shipment.Ref) and requests a refund of its postage.
	// Voiding a voided shipment succeeds. ENotFound for an unknown
	// reference; EConflict or ERefused when the parcel has already moved.
	Void(ctx context.Context, shipmentRef string) error

	// Track returns the current tracking state of a tracking number.
	// EInvalid for a malformed number; ENotFound when the carrier does not
	// know it.
	Track(ctx context.Context, trackingNumber string) (*TrackingInfo, error)
}

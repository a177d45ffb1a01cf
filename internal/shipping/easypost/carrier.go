package easypost

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/reboundhq/rebound/internal/shipping"
)

var _ shipping.Carrier = (*Client)(nil)

// Quote implements shipping.Carrier: it creates an EasyPost shipment for
// the request and returns its rates, cheapest first; each rate's
// ShipmentRef is that shipment. EInvalid for a bad request, ERefused when
// EasyPost refuses the addresses or parcel.
func (c *Client) Quote(ctx context.Context, req shipping.QuoteRequest) ([]shipping.Rate, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	s, err := c.createFor(ctx, req, "")
	if err != nil {
		return nil, err
	}
	return rates(s)
}

func (c *Client) createFor(ctx context.Context, req shipping.QuoteRequest, reference string) (*Shipment, error) {
	sr, err := shipmentRequest(req, reference)
	if err != nil {
		return nil, err
	}
	return c.CreateShipment(ctx, sr)
}

func rates(s *Shipment) ([]shipping.Rate, error) {
	out := make([]shipping.Rate, 0, len(s.Rates))
	for _, r := range s.Rates {
		rate, err := toRate(r, s.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, rate)
	}
	slices.SortStableFunc(out, func(a, b shipping.Rate) int {
		switch {
		case a.Amount < b.Amount:
			return -1
		case a.Amount > b.Amount:
			return 1
		}
		return 0
	})
	return out, nil
}

// Buy implements shipping.Carrier.
//
// The idempotency key is bound (KeyStore.Claim) to one EasyPost shipment
// before anything is bought: req.Rate.ShipmentRef when the rate came from
// Quote, otherwise a shipment created for req.Request (then the rate is
// chosen by carrier and service). EasyPost buys a shipment at most once, so
// a retry with the same key never buys twice: it reads the shipment first
// and returns it if it was bought. When the buy call itself fails in a way
// that leaves the outcome unknown (timeout, 5xx) or is refused, the
// shipment is read back and returned if it was bought after all.
//
// EConflict when the key is bound to another shipment than
// req.Rate.ShipmentRef; ENotFound when a re-created shipment has no rate of
// req.Rate's carrier and service; ERefused with EasyPost's message
// otherwise; EUnavailable when EasyPost could not be reached (retry with
// the same key).
func (c *Client) Buy(ctx context.Context, req shipping.BuyRequest) (*shipping.Shipment, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	key := req.IdempotencyKey
	bound, err := c.keys.Lookup(ctx, key)
	if err != nil {
		return nil, err
	}
	if bound != "" {
		if ref := req.Rate.ShipmentRef; ref != "" && ref != bound {
			return nil, conflict(key, bound)
		}
		s, err := c.GetShipment(ctx, bound)
		if err != nil {
			return nil, err
		}
		if s.Bought() {
			return toShipment(s, key, req.Reference)
		}
		return c.buy(ctx, req, s)
	}
	var s *Shipment
	if ref := req.Rate.ShipmentRef; ref != "" {
		if err := checkID(ref, "shp_"); err != nil {
			return nil, shipping.Invalid("rate.shipmentRef", "must be the EasyPost shipment of a quoted rate")
		}
		s = &Shipment{ID: ref}
	} else if s, err = c.createFor(ctx, req.Request, req.Reference); err != nil {
		return nil, err
	}
	recorded, err := c.keys.Claim(ctx, key, s.ID)
	if err != nil {
		return nil, err
	}
	if recorded != s.ID { // a concurrent Buy with the same key claimed it first
		if req.Rate.ShipmentRef != "" && req.Rate.ShipmentRef != recorded {
			return nil, conflict(key, recorded)
		}
		if s, err = c.GetShipment(ctx, recorded); err != nil {
			return nil, err
		}
		if s.Bought() {
			return toShipment(s, key, req.Reference)
		}
	}
	return c.buy(ctx, req, s)
}

func conflict(key, shipmentID string) error {
	return shipping.Errorf(shipping.EConflict, "the idempotency key %q is already used for the EasyPost shipment %s", clip(key), shipmentID)
}

// buy buys the rate of shipment s (whose rates may be unknown when s came
// from a quoted rate).
func (c *Client) buy(ctx context.Context, req shipping.BuyRequest, s *Shipment) (*shipping.Shipment, error) {
	rateID := req.Rate.ID
	if req.Rate.ShipmentRef != s.ID || !strings.HasPrefix(rateID, "rate_") {
		rateID = ""
		for _, r := range s.Rates {
			if strings.EqualFold(r.Carrier, req.Rate.Carrier) && r.Service == req.Rate.Service {
				rateID = r.ID
			}
		}
		if rateID == "" {
			return nil, &shipping.Error{Code: shipping.ENotFound, Carrier: CarrierName, Message: "rate not offered",
				Fields: []shipping.FieldError{{Field: "rate.service", Message: fmt.Sprintf("EasyPost offers no %s %s rate for this shipment", req.Rate.Carrier, req.Rate.Service)}}}
		}
	}
	bought, err := c.BuyShipment(ctx, s.ID, rateID)
	if err != nil {
		code := shipping.Code(err)
		if code != shipping.EUnavailable && code != shipping.ERefused {
			return nil, err
		}
		// Did it go through anyway (a lost answer, or bought by an
		// earlier attempt)?
		check, gerr := c.GetShipment(ctx, s.ID)
		if gerr != nil || !check.Bought() {
			return nil, err
		}
		bought = check
	}
	if !bought.Bought() {
		return nil, shipping.Errorf(shipping.EUnavailable, "EasyPost answered the purchase of %s without postage", s.ID)
	}
	return toShipment(bought, req.IdempotencyKey, req.Reference)
}

// Void implements shipping.Carrier by asking EasyPost to refund the
// shipment's postage. ERefused when EasyPost or the carrier rejects the
// refund (the parcel was scanned, say); ENotFound for an unknown shipment.
// A refund already submitted succeeds again.
func (c *Client) Void(ctx context.Context, shipmentRef string) error {
	s, err := c.RefundShipment(ctx, shipmentRef)
	if err != nil {
		return err
	}
	if s.RefundStatus == "rejected" {
		return &shipping.Error{Code: shipping.ERefused, Carrier: CarrierName, CarrierCode: "refund_status=rejected",
			Message: "the carrier rejected the refund of " + shipmentRef}
	}
	return nil
}

// Track implements shipping.Carrier with EasyPost's trackers (creating one
// returns the existing tracker of a known code). EInvalid for a malformed
// tracking number.
func (c *Client) Track(ctx context.Context, trackingNumber string) (*shipping.TrackingInfo, error) {
	if trackingNumber == "" || len(trackingNumber) > 64 {
		return nil, shipping.Invalid("trackingNumber", "must be 1 to 64 characters")
	}
	for i := 0; i < len(trackingNumber); i++ {
		if b := trackingNumber[i]; b <= ' ' || b > '~' {
			return nil, shipping.Invalid("trackingNumber", "must be printable ASCII without spaces")
		}
	}
	t, err := c.CreateTracker(ctx, trackingNumber, "")
	if err != nil {
		return nil, err
	}
	return TrackingInfo(t), nil
}

func clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	return s[:40] + "..."
}

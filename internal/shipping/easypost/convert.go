package easypost

import (
	"math"
	"math/big"
	"strings"

	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/shipping"
)

func toAddress(a shipping.Address) Address {
	return Address{Name: a.Name, Company: a.Company, Street1: a.Street1, Street2: a.Street2, City: a.City,
		State: a.State, Zip: a.PostalCode, Country: a.Country, Phone: a.Phone, Email: a.Email}
}

// ceil2 rounds a positive rational up to two decimals, so that a declared
// weight is never under the real one.
func ceil2(r *big.Rat) float64 {
	x := new(big.Rat).Mul(r, big.NewRat(100, 1))
	n := new(big.Int).Quo(x.Num(), x.Denom())
	if new(big.Rat).SetInt(n).Cmp(x) < 0 {
		n.Add(n, big.NewInt(1))
	}
	f, _ := new(big.Rat).SetFrac(n, big.NewInt(100)).Float64()
	return math.Round(f*100) / 100
}

// toParcel converts a validated parcel to inches and ounces.
func toParcel(p shipping.Parcel) (Parcel, error) {
	oz, err := p.Weight.In(shipping.Ounce)
	if err != nil {
		return Parcel{}, err
	}
	out := Parcel{Weight: ceil2(oz)}
	if p.HasDimensions() {
		dims := []**float64{&out.Length, &out.Width, &out.Height}
		for i, l := range []*shipping.Length{p.Length, p.Width, p.Height} {
			in, err := l.In(shipping.Inch)
			if err != nil {
				return Parcel{}, err
			}
			v := ceil2(in)
			*dims[i] = &v
		}
	}
	return out, nil
}

// shipmentRequest builds EasyPost's shipment for a quote request. For a
// return, EasyPost expects the outbound addresses and swaps them itself:
// the shopper (req.From) goes in to_address, the merchant in from_address.
func shipmentRequest(req shipping.QuoteRequest, reference string) (ShipmentRequest, error) {
	p, err := toParcel(req.Parcel)
	if err != nil {
		return ShipmentRequest{}, err
	}
	sr := ShipmentRequest{ToAddress: toAddress(req.To), FromAddress: toAddress(req.From), Parcel: p, Reference: reference}
	if req.IsReturn {
		sr.IsReturn = true
		sr.ToAddress, sr.FromAddress = toAddress(req.From), toAddress(req.To)
	}
	return sr, nil
}

// toRate converts an EasyPost rate.
func toRate(r Rate, shipmentID string) (shipping.Rate, error) {
	cur := strings.ToUpper(r.Currency)
	amount, err := money.ParseAmount(r.Rate, cur)
	if err != nil {
		return shipping.Rate{}, shipping.Errorf(shipping.EUnavailable, "EasyPost sent the rate %s with an unreadable price %q %q: %v", r.ID, r.Rate, r.Currency, err)
	}
	days := 0
	switch {
	case r.DeliveryDays != nil:
		days = *r.DeliveryDays
	case r.EstDeliveryDays != nil:
		days = *r.EstDeliveryDays
	}
	if r.ShipmentID != "" {
		shipmentID = r.ShipmentID
	}
	return shipping.Rate{ID: r.ID, ShipmentRef: shipmentID, Carrier: r.Carrier, Service: r.Service, ServiceName: r.Service,
		Amount: amount, Currency: cur, EstimatedDays: days}, nil
}

// status maps an EasyPost tracker status; statuses Rebound does not know
// become unknown.
func status(s string) shipping.TrackingStatus {
	st, _ := shipping.ParseTrackingStatus(s)
	return st
}

// TrackingInfo converts a tracker (from Track or a tracker.updated event).
func TrackingInfo(t *Tracker) *shipping.TrackingInfo {
	info := &shipping.TrackingInfo{
		TrackingNumber: t.TrackingCode,
		Carrier:        t.Carrier,
		Status:         status(t.Status),
		StatusDetail:   t.StatusDetail,
		TrackingURL:    t.PublicURL,
	}
	if t.EstDeliveryDate != nil {
		v := t.EstDeliveryDate.UTC()
		info.EstimatedDelivery = &v
	}
	for _, d := range t.TrackingDetails {
		ev := shipping.TrackingEvent{Status: status(d.Status), Message: d.Message}
		if d.Datetime != nil {
			ev.Time = d.Datetime.UTC()
		}
		if l := d.TrackingLocation; l != nil {
			var parts []string
			for _, p := range []string{l.City, l.State, l.Country} {
				if p != "" {
					parts = append(parts, p)
				}
			}
			ev.Location = strings.Join(parts, ", ")
		}
		info.Events = append(info.Events, ev)
		if ev.Status == shipping.StatusDelivered && !ev.Time.IsZero() {
			at := ev.Time
			info.DeliveredAt = &at
		}
	}
	return info
}

// toShipment converts a bought EasyPost shipment.
func toShipment(s *Shipment, key, reference string) (*shipping.Shipment, error) {
	rate, err := toRate(*s.SelectedRate, s.ID)
	if err != nil {
		return nil, err
	}
	out := &shipping.Shipment{
		Ref:            s.ID,
		Carrier:        rate.Carrier,
		Service:        rate.Service,
		TrackingNumber: s.TrackingCode,
		Status:         shipping.StatusPreTransit,
		Rate:           rate,
		IdempotencyKey: key,
		IsReturn:       s.IsReturn,
		Reference:      reference,
	}
	if s.CreatedAt != nil {
		out.CreatedAt = s.CreatedAt.UTC()
	}
	if pl := s.PostageLabel; pl != nil {
		u, ct := pl.LabelURL, contentType(pl.LabelFileType)
		if pl.LabelPDFURL != "" {
			u, ct = pl.LabelPDFURL, "application/pdf"
		}
		out.Documents = append(out.Documents, shipping.Document{Type: shipping.DocumentLabel, URL: u, ContentType: ct})
	}
	if t := s.Tracker; t != nil {
		info := TrackingInfo(t)
		out.Status, out.TrackingURL, out.EstimatedDelivery = info.Status, info.TrackingURL, info.EstimatedDelivery
	}
	return out, nil
}

func contentType(fileType string) string {
	switch strings.ToLower(fileType) {
	case "image/png", "png":
		return "image/png"
	case "application/pdf", "pdf":
		return "application/pdf"
	case "application/zpl", "zpl":
		return "application/zpl"
	}
	return fileType
}

package easyposttest

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"strings"

	"github.com/reboundhq/rebound/internal/shipping"
	"github.com/reboundhq/rebound/internal/shipping/easypost"
	"github.com/reboundhq/rebound/internal/shipping/label"
)

// service is one generated rate: base price plus a price per ounce, in
// cents.
type service struct {
	carrier, name string
	base, perOz   float64
	days          int
}

var services = []service{
	{"USPS", "GroundAdvantage", 525, 9, 5},
	{"USPS", "Priority", 895, 14, 2},
	{"UPS", "Ground", 1090, 11, 4},
}

func (s *Server) createShipment(r *http.Request) (int, any) {
	var body struct {
		Shipment *struct {
			ToAddress   *easypost.Address `json:"to_address"`
			FromAddress *easypost.Address `json:"from_address"`
			Parcel      *easypost.Parcel  `json:"parcel"`
			IsReturn    bool              `json:"is_return"`
			Reference   string            `json:"reference"`
		} `json:"shipment"`
	}
	if err := decode(r, &body); err != nil {
		return apiError(http.StatusBadRequest, "BAD_REQUEST", err.Error())
	}
	in := body.Shipment
	if in == nil {
		return apiError(http.StatusUnprocessableEntity, "SHIPMENT.INVALID_PARAMS", "Missing required parameter: shipment.",
			easypost.FieldError{Field: "shipment", Message: "is required"})
	}
	var missing []easypost.FieldError
	if in.ToAddress == nil {
		missing = append(missing, easypost.FieldError{Field: "to_address", Message: "is required"})
	}
	if in.FromAddress == nil {
		missing = append(missing, easypost.FieldError{Field: "from_address", Message: "is required"})
	}
	if in.Parcel == nil {
		missing = append(missing, easypost.FieldError{Field: "parcel", Message: "is required"})
	} else if !(in.Parcel.Weight > 0) {
		missing = append(missing, easypost.FieldError{Field: "parcel.weight", Message: "must be greater than 0"})
	}
	if len(missing) > 0 {
		return apiError(http.StatusUnprocessableEntity, "SHIPMENT.INVALID_PARAMS", "Unable to create shipment, one or more parameters were invalid.", missing...)
	}
	for _, a := range []*easypost.Address{in.ToAddress, in.FromAddress} {
		if fe := verify(a); fe != nil {
			return apiError(http.StatusUnprocessableEntity, "ADDRESS.VERIFY.FAILURE", "Unable to verify address.",
				easypost.FieldError{Field: "address", Message: "Address not found"}, *fe)
		}
	}
	now := easypost.NewTime(s.opts.Now().UTC())
	sh := &easypost.Shipment{
		ID: newID("shp_"), Object: "Shipment", Mode: "test", Reference: in.Reference, Status: "unknown",
		IsReturn: in.IsReturn, ToAddress: address(in.ToAddress), FromAddress: address(in.FromAddress),
		Parcel: parcel(in.Parcel), CreatedAt: now, UpdatedAt: now, Messages: []easypost.Message{},
	}
	for _, svc := range services {
		days := svc.days
		cents := int64(math.Ceil(svc.base + svc.perOz*in.Parcel.Weight))
		sh.Rates = append(sh.Rates, easypost.Rate{
			ID: newID("rate_"), Object: "Rate", Mode: "test", Service: svc.name, Carrier: svc.carrier,
			CarrierAccountID: "ca_" + strings.Repeat("0", 31) + fmt.Sprint(len(svc.carrier)), ShipmentID: sh.ID,
			Rate: fmt.Sprintf("%d.%02d", cents/100, cents%100), Currency: "USD", DeliveryDays: &days, EstDeliveryDays: &days,
		})
	}
	s.shipments[sh.ID] = sh
	return http.StatusCreated, sh
}

// verify refuses addresses without a house number and the zip "00000".
func verify(a *easypost.Address) *easypost.FieldError {
	if !strings.ContainsAny(a.Street1, "0123456789") {
		return &easypost.FieldError{Field: "street1", Message: "House number is missing"}
	}
	if a.Zip == "00000" {
		return &easypost.FieldError{Field: "zip", Message: "Invalid postal code"}
	}
	return nil
}

func address(a *easypost.Address) *easypost.Address {
	c := *a
	c.ID, c.Object = newID("adr_"), "Address"
	return &c
}

func parcel(p *easypost.Parcel) *easypost.Parcel {
	c := *p
	c.ID, c.Object = newID("prcl_"), "Parcel"
	return &c
}

func (s *Server) getShipment(r *http.Request) (int, any) {
	sh, ok := s.shipments[r.PathValue("id")]
	if !ok {
		return notFound()
	}
	return http.StatusOK, sh
}

func notFound() (int, any) {
	return apiError(http.StatusNotFound, "NOT_FOUND", "The requested resource could not be found.")
}

func (s *Server) buyShipment(r *http.Request) (int, any) {
	sh, ok := s.shipments[r.PathValue("id")]
	if !ok {
		return notFound()
	}
	var body struct {
		Rate *struct {
			ID string `json:"id"`
		} `json:"rate"`
	}
	if err := decode(r, &body); err != nil {
		return apiError(http.StatusBadRequest, "BAD_REQUEST", err.Error())
	}
	if sh.SelectedRate != nil {
		return apiError(http.StatusUnprocessableEntity, "SHIPMENT.POSTAGE.EXISTS", "Postage already exists for this shipment.")
	}
	var rate *easypost.Rate
	for i := range sh.Rates {
		if body.Rate != nil && sh.Rates[i].ID == body.Rate.ID {
			rate = &sh.Rates[i]
		}
	}
	if rate == nil {
		return apiError(http.StatusUnprocessableEntity, "SHIPMENT.INVALID_PARAMS", "The rate is not a rate of this shipment.",
			easypost.FieldError{Field: "rate.id", Message: "is not a rate of this shipment"})
	}
	now := s.opts.Now().UTC()
	s.seq++
	code := fmt.Sprintf("9400100%015d", s.seq)
	if rate.Carrier == "UPS" {
		code = fmt.Sprintf("1Z999AA1%010d", s.seq)
	}
	selected := *rate
	sh.SelectedRate = &selected
	sh.TrackingCode = code
	sh.Status = "unknown"
	sh.UpdatedAt = easypost.NewTime(now)
	labelURL := baseURL(r) + "/labels/" + sh.ID + ".pdf"
	sh.PostageLabel = &easypost.PostageLabel{ID: newID("pl_"), Object: "PostageLabel", LabelURL: labelURL, LabelPDFURL: labelURL,
		LabelFileType: "application/pdf", LabelSize: "4x6", LabelResolution: 300, LabelDate: easypost.NewTime(now)}
	eta := easypost.NewTime(now.AddDate(0, 0, *rate.DeliveryDays))
	tr := &easypost.Tracker{
		ID: newID("trk_"), Object: "Tracker", Mode: "test", TrackingCode: code, Status: "pre_transit",
		Carrier: rate.Carrier, ShipmentID: sh.ID, PublicURL: baseURL(r) + "/track/" + code, EstDeliveryDate: eta,
		TrackingDetails: []easypost.TrackingDetail{{Object: "TrackingDetail", Message: "Pre-Shipment information received",
			Status: "pre_transit", Datetime: easypost.NewTime(now), Source: rate.Carrier}},
		CreatedAt: easypost.NewTime(now), UpdatedAt: easypost.NewTime(now),
	}
	s.trackers[tr.ID] = tr
	s.byCode[code] = tr.ID
	sh.Tracker = tr
	s.purchases++
	if s.buyThen500 {
		s.buyThen500 = false
		return apiError(http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "Injected failure after the purchase.")
	}
	return http.StatusOK, sh
}

func (s *Server) refundShipment(r *http.Request) (int, any) {
	sh, ok := s.shipments[r.PathValue("id")]
	if !ok {
		return notFound()
	}
	if sh.SelectedRate == nil {
		return apiError(http.StatusUnprocessableEntity, "SHIPMENT.REFUND.INVALID", "The shipment has no postage to refund.")
	}
	if sh.RefundStatus == "" {
		sh.RefundStatus = "submitted"
		if t := sh.Tracker; t != nil && t.Status != "pre_transit" && t.Status != "unknown" {
			sh.RefundStatus = "rejected"
		}
		sh.UpdatedAt = easypost.NewTime(s.opts.Now().UTC())
	}
	return http.StatusOK, sh
}

// serveLabel serves the PDF label of a bought shipment.
func (s *Server) serveLabel(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutSuffix(r.PathValue("file"), ".pdf")
	s.mu.Lock()
	sh, found := s.shipments[id]
	var l label.Label
	if found && sh.SelectedRate != nil {
		from, to := sh.FromAddress, sh.ToAddress
		if sh.IsReturn { // EasyPost swaps the addresses of return labels
			from, to = to, from
		}
		l = label.Label{Carrier: sh.SelectedRate.Carrier, Service: sh.SelectedRate.Service, TrackingNumber: sh.TrackingCode,
			From: domainAddress(from), To: domainAddress(to), QRContent: sh.TrackingCode, Reference: sh.Reference,
			Weight: fmt.Sprintf("%g oz", sh.Parcel.Weight), Date: sh.PostageLabel.LabelDate.Time}
	}
	s.mu.Unlock()
	if !ok || !found || l.TrackingNumber == "" {
		http.NotFound(w, r)
		return
	}
	var buf bytes.Buffer
	if err := label.Render(&buf, l); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	_, _ = w.Write(buf.Bytes())
}

func domainAddress(a *easypost.Address) shipping.Address {
	return shipping.Address{Name: a.Name, Company: a.Company, Street1: a.Street1, Street2: a.Street2, City: a.City,
		State: a.State, PostalCode: a.Zip, Country: a.Country, Phone: a.Phone, Email: a.Email}
}

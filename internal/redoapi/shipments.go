package redoapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/reboundhq/rebound/internal/httpx"
	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/redoview"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/shipping"
	"github.com/reboundhq/rebound/internal/shipping/shipsvc"
)

// Redo's shipments operations (redo-api.md §1.2 B: in earlier versions of
// Redo's spec, not in 2.2.693), read tolerantly as Redo's routes are:
//
//	POST /v2.2/stores/{storeId}/shipments/rates
//	POST /v2.2/stores/{storeId}/shipments/buy  (Idempotency-Key)
//	GET  /v2.2/stores/{storeId}/shipments/{shipmentId}/documents/{label|commercialInvoice}
//
// and Rebound's shipping extensions, read strictly: the rate table, the
// EasyPost connection, label replacement and warehouse scans.
func (s *API) shippingRoutes() {
	if s.ship == nil {
		return
	}
	s.handle("POST /v2.2/stores/{storeId}/shipments/rates", returns.ScopeReturnsWrite, styleProblem, s.shipmentRates)
	s.handle("POST /v2.2/stores/{storeId}/shipments/buy", returns.ScopeReturnsWrite, styleProblem, s.shipmentBuy)
	s.handle("GET /v2.2/stores/{storeId}/shipments/{shipmentId}/documents/{documentType}", returns.ScopeReturnsRead, styleProblem, s.shipmentDocument)
	s.handle("GET /v2.2/stores/{storeId}/shipping/rate-table", returns.ScopeReturnsRead, styleProblem, s.getRateTable)
	s.handle("PUT /v2.2/stores/{storeId}/shipping/rate-table", returns.ScopeReturnsWrite, styleProblem, s.putRateTable)
	s.handle("GET /v2.2/stores/{storeId}/integrations/easypost", returns.ScopeReturnsRead, styleProblem, s.getEasyPost)
	s.handle("PUT /v2.2/stores/{storeId}/integrations/easypost", returns.ScopeReturnsWrite, styleProblem, s.putEasyPost)
	s.handle("POST /v2.2/returns/{returnId}/label/replace", returns.ScopeReturnsWrite, styleProblem, s.replaceLabel)
	s.handle("POST /v2.2/returns/{returnId}/scan", returns.ScopeReturnsWrite, styleProblem, s.scanReturn)
	s.handle("POST /v2.2/stores/{storeId}/scan", returns.ScopeReturnsWrite, styleProblem, s.scanCode)
	s.destinationRoutes()
	s.invoiceRoutes()
}

// ---- wire shapes (§1.2 B)

type shipAddressJSON struct {
	Line1      string `json:"line1"`
	Line2      string `json:"line2"`
	City       string `json:"city"`
	State      string `json:"state"`
	PostalCode string `json:"postalCode"`
	Country    string `json:"country"`
}

// shippingContactJSON is Redo's shipping-contact: a name, a phone number
// and an address (rates send only the address).
type shippingContactJSON struct {
	Name        *json.RawMessage `json:"name"`
	PhoneNumber string           `json:"phoneNumber"`
	Email       string           `json:"email"`
	Company     string           `json:"company"`
	Address     *shipAddressJSON `json:"address"`
}

type measureJSON struct {
	Value json.RawMessage `json:"value"`
	Unit  string          `json:"unit"`
}

type parcelJSON struct {
	Length *measureJSON `json:"length"`
	Width  *measureJSON `json:"width"`
	Height *measureJSON `json:"height"`
	Weight *measureJSON `json:"weight"`
	Type   string       `json:"type"`
}

type ratesRequest struct {
	Origin      *shippingContactJSON `json:"origin"`
	Destination *shippingContactJSON `json:"destination"`
	Parcel      *parcelJSON          `json:"parcel"`
}

type idJSON struct {
	ID string `json:"id"`
}

type nameJSON struct {
	Name string `json:"name"`
}

type buyRequest struct {
	ratesRequest
	Carrier *idJSON   `json:"carrier"`
	Service *nameJSON `json:"service"`
}

type rateCarrierJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type moneyJSON struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

func moneyOf(minor int64, cur string) moneyJSON {
	return moneyJSON{Amount: money.Format(minor, cur), Currency: cur}
}

type rateServiceJSON struct {
	Name        string `json:"name"`
	DisplayName string `json:"displayName,omitempty"`
}

type rateJSON struct {
	Carrier               rateCarrierJSON `json:"carrier"`
	Price                 moneyJSON       `json:"price"`
	Service               rateServiceJSON `json:"service"`
	EstimatedDeliveryDays int             `json:"estimatedDeliveryDays,omitempty"`
}

type documentJSON struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

type trackerJSON struct {
	Code   string `json:"code"`
	URL    string `json:"url,omitempty"`
	Status string `json:"status"`
}

type shipmentJSON struct {
	ID                    string          `json:"id"`
	Documents             []documentJSON  `json:"documents"`
	Tracker               trackerJSON     `json:"tracker"`
	Price                 moneyJSON       `json:"price"`
	Carrier               rateCarrierJSON `json:"carrier"`
	Service               rateServiceJSON `json:"service"`
	ReturnID              string          `json:"returnId,omitempty"`
	EstimatedDeliveryDate string          `json:"estimatedDeliveryDate,omitempty"`
	CreatedAt             string          `json:"createdAt"`
}

// renameField maps the shipping domain's paths to the request's members.
func renameField(f string) string {
	f = strings.TrimPrefix(f, "request.")
	for _, p := range []struct{ from, to string }{{"from", "origin"}, {"to", "destination"}} {
		if rest, ok := strings.CutPrefix(f, p.from+"."); ok {
			switch rest {
			case "street1":
				return p.to + ".address.line1"
			case "street2":
				return p.to + ".address.line2"
			case "city", "state", "postalCode", "country":
				return p.to + ".address." + rest
			case "name":
				return p.to + ".name"
			case "phone":
				return p.to + ".phoneNumber"
			}
			return p.to + "." + rest
		}
	}
	switch f {
	case "rate", "rate.service":
		return "service.name"
	case "rate.carrier":
		return "carrier.id"
	}
	return f
}

func shipError(err error) error { return shipsvc.AppError(err, renameField) }

// decodeValue reads a measure's value, a JSON number or a decimal string.
func decodeValue(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return string(n)
	}
	return strings.TrimSpace(string(raw))
}

func contactName(raw *json.RawMessage) string {
	if raw == nil {
		return ""
	}
	var s string
	if json.Unmarshal(*raw, &s) == nil {
		return s
	}
	var n struct{ Given, Surname string }
	if json.Unmarshal(*raw, &n) == nil {
		return strings.TrimSpace(n.Given + " " + n.Surname)
	}
	return ""
}

// quoteRequest converts the body; members missing altogether are reported
// before the domain's checks.
func (q *ratesRequest) quoteRequest() (shipping.QuoteRequest, error) {
	var errs []error
	if q.Origin == nil || q.Origin.Address == nil {
		errs = append(errs, returns.Invalid("origin.address", "is required"))
	}
	if q.Destination == nil || q.Destination.Address == nil {
		errs = append(errs, returns.Invalid("destination.address", "is required"))
	}
	if q.Parcel == nil || q.Parcel.Weight == nil {
		errs = append(errs, returns.Invalid("parcel.weight", "is required"))
	}
	if len(errs) > 0 {
		return shipping.QuoteRequest{}, joinErrs(errs)
	}
	addr := func(c *shippingContactJSON) shipping.Address {
		a := c.Address
		name := contactName(c.Name)
		if name == "" && c.Company == "" {
			name = "Returns"
		}
		return shipping.Address{Name: name, Company: c.Company, Street1: a.Line1, Street2: a.Line2, City: a.City, State: a.State,
			PostalCode: a.PostalCode, Country: a.Country, Phone: c.PhoneNumber, Email: c.Email}
	}
	p := q.Parcel
	out := shipping.QuoteRequest{From: addr(q.Origin), To: addr(q.Destination), IsReturn: true,
		Parcel: shipping.Parcel{Weight: shipping.Weight{Value: decodeValue(p.Weight.Value), Unit: shipping.WeightUnit(p.Weight.Unit)},
			Type: shipping.ParcelType(p.Type)}}
	for _, d := range []struct {
		in  *measureJSON
		out **shipping.Length
	}{{p.Length, &out.Parcel.Length}, {p.Width, &out.Parcel.Width}, {p.Height, &out.Parcel.Height}} {
		if d.in != nil {
			*d.out = &shipping.Length{Value: decodeValue(d.in.Value), Unit: shipping.LengthUnit(d.in.Unit)}
		}
	}
	return out, nil
}

func joinErrs(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return errorsJoin(errs...)
}

func (s *API) shipmentRates(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	in, err := httpx.DecodeBody[ratesRequest](w, r, httpx.MaxBodyBytes, httpx.Tolerant)
	if err != nil {
		return err
	}
	q, err := in.quoteRequest()
	if err != nil {
		return err
	}
	rates, err := s.ship.Quote(r.Context(), key.StoreID, q)
	if err != nil {
		return shipError(err)
	}
	out := make([]rateJSON, 0, len(rates))
	for _, rt := range rates {
		out = append(out, rateJSON{Carrier: rateCarrierJSON{ID: rt.CarrierID, Name: rt.Carrier}, Price: moneyOf(rt.Amount, rt.Currency),
			Service: rateServiceJSON{Name: rt.Service, DisplayName: rt.ServiceName}, EstimatedDeliveryDays: rt.EstimatedDays})
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]any{"rates": out})
	return nil
}

func (s *API) shipmentBuy(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	in, err := httpx.DecodeBody[buyRequest](w, r, httpx.MaxBodyBytes, httpx.Tolerant)
	if err != nil {
		return err
	}
	var errs []error
	if in.Carrier == nil || in.Carrier.ID == "" {
		errs = append(errs, returns.Invalid("carrier.id", "is required (a carrier id from the rates)"))
	}
	if in.Service == nil || in.Service.Name == "" {
		errs = append(errs, returns.Invalid("service.name", "is required (a service name from the rates)"))
	}
	q, qerr := in.quoteRequest()
	if qerr != nil {
		if fe := httpx.FieldErrors(qerr); fe != nil {
			for _, e := range fe {
				errs = append(errs, e)
			}
		} else {
			errs = append(errs, qerr)
		}
	}
	if len(errs) > 0 {
		return joinErrs(errs)
	}
	p, err := s.ship.Buy(r.Context(), key.StoreID, shipsvc.BuyInput{CarrierID: in.Carrier.ID, Service: in.Service.Name, Request: q,
		IdempotencyKey: r.Header.Get("Idempotency-Key")})
	if err != nil {
		return shipError(err)
	}
	status := http.StatusCreated
	if p.Replayed {
		status = http.StatusOK
	}
	httpx.WriteJSON(w, status, "application/json", map[string]any{"shipment": s.shipmentView(r, p)})
	return nil
}

func (s *API) shipmentView(r *http.Request, p *shipsvc.Purchase) shipmentJSON {
	sh := p.Shipment
	base := s.app.PublicURL + "/v2.2/stores/" + p.Record.StoreID + "/shipments/" + p.Record.ID + "/documents/"
	v := shipmentJSON{ID: p.Record.ID, Documents: []documentJSON{},
		Tracker: trackerJSON{Code: sh.TrackingNumber, URL: sh.TrackingURL, Status: string(sh.Status)},
		Price:   moneyOf(sh.Rate.Amount, sh.Rate.Currency), Carrier: rateCarrierJSON{ID: shipsvc.CarrierID(p.Record.Carrier, sh.Carrier), Name: sh.Carrier},
		Service: rateServiceJSON{Name: sh.Service, DisplayName: sh.Rate.ServiceName}, ReturnID: p.Record.ReturnID,
		CreatedAt: p.Record.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00")}
	if sh.EstimatedDelivery != nil {
		v.EstimatedDeliveryDate = sh.EstimatedDelivery.UTC().Format("2006-01-02T15:04:05Z07:00")
	}
	for _, d := range sh.Documents {
		switch d.Type {
		case shipping.DocumentLabel:
			v.Documents = append(v.Documents, documentJSON{Type: shipsvc.DocLabel, URL: base + shipsvc.DocLabel})
		case shipping.DocumentForm:
			v.Documents = append(v.Documents, documentJSON{Type: shipsvc.DocCommercialInvoice, URL: base + shipsvc.DocCommercialInvoice})
		}
	}
	return v
}

func (s *API) shipmentDocument(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	b, ct, err := s.ship.Document(r.Context(), key.StoreID, r.PathValue("shipmentId"), r.PathValue("documentType"))
	if err != nil {
		return shipError(err)
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", r.PathValue("shipmentId")+"-"+r.PathValue("documentType")+extOf(ct)))
	_, _ = w.Write(b)
	return nil
}

func extOf(ct string) string {
	switch ct {
	case "application/pdf":
		return ".pdf"
	case "image/png":
		return ".png"
	}
	return ""
}

// ---- rate table, EasyPost

func (s *API) getRateTable(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	doc, err := s.ship.RateTable(r.Context(), key.StoreID)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(doc, '\n'))
	return nil
}

func (s *API) putRateTable(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	body, err := httpx.ReadJSONBody(w, r, httpx.MaxBodyBytes)
	if err != nil {
		return err
	}
	if _, err := s.ship.SetRateTable(r.Context(), key.StoreID, body); err != nil {
		return err
	}
	return s.getRateTable(w, r, key)
}

type easyPostInput struct {
	APIKey        string `json:"apiKey"`
	BaseURL       string `json:"baseUrl"`
	WebhookSecret string `json:"webhookSecret"`
}

func (s *API) putEasyPost(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	in, err := httpx.DecodeBody[easyPostInput](w, r, httpx.MaxBodyBytes, httpx.Strict)
	if err != nil {
		return err
	}
	c, err := s.ship.ConnectEasyPost(r.Context(), key.StoreID, in.APIKey, in.BaseURL, in.WebhookSecret)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", c)
	return nil
}

func (s *API) getEasyPost(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	c, err := s.ship.EasyPost(r.Context(), key.StoreID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", c)
	return nil
}

// ---- return labels and scans

func (s *API) replaceLabel(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	if _, err := s.ship.ReplaceLabel(r.Context(), key.StoreID, r.PathValue("returnId")); err != nil {
		return err
	}
	res, err := s.app.GetReturn(r.Context(), key.StoreID, r.PathValue("returnId"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusAccepted, "application/json", getReturnResponse{Return: redoview.Return(res.Return, res.Order), Order: redoview.Order(res.Order, res.Return)})
	return nil
}

type scanInput struct {
	Code   string `json:"code"`
	Status string `json:"status"`
}

func (s *API) scan(w http.ResponseWriter, r *http.Request, key *returns.APIKey, code, status string) error {
	p, err := s.ship.Scan(r.Context(), key.StoreID, code, shipping.TrackingStatus(status))
	if err != nil {
		return err
	}
	out := map[string]any{"shipment": s.shipmentView(r, p)}
	if p.Record.ReturnID != "" {
		if res, err := s.app.GetReturn(r.Context(), key.StoreID, p.Record.ReturnID); err == nil {
			out["return"] = redoview.Return(res.Return, res.Order)
		}
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", out)
	return nil
}

func (s *API) scanCode(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	in, err := httpx.DecodeBody[scanInput](w, r, httpx.MaxBodyBytes, httpx.Strict)
	if err != nil {
		return err
	}
	return s.scan(w, r, key, in.Code, in.Status)
}

func (s *API) scanReturn(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	var in struct {
		Status string `json:"status"`
	}
	if body, err := httpx.ReadBody(w, r, httpx.MaxBodyBytes); err != nil {
		return err
	} else if len(strings.TrimSpace(string(body))) > 0 {
		if err := httpx.DecodeStrict(body, &in); err != nil {
			return err
		}
	}
	id := r.PathValue("returnId")
	if _, err := s.app.GetReturn(r.Context(), key.StoreID, id); err != nil {
		return err
	}
	return s.scan(w, r, key, id, in.Status)
}

// autoLabelJSON is the return policy's autoLabel member (returns.AutoLabel).
type autoLabelJSON struct {
	Carrier    string `json:"carrier"`
	Service    string `json:"service"`
	Weight     string `json:"weight,omitempty"`
	WeightUnit string `json:"weightUnit,omitempty"`
}

func autoLabelView(a *returns.AutoLabel) *autoLabelJSON {
	if a == nil {
		return nil
	}
	return &autoLabelJSON{Carrier: a.Carrier, Service: a.Service, Weight: a.Weight, WeightUnit: a.WeightUnit}
}

func (a *autoLabelJSON) autoLabel() *returns.AutoLabel {
	if a == nil {
		return nil
	}
	return &returns.AutoLabel{Carrier: a.Carrier, Service: a.Service, Weight: a.Weight, WeightUnit: a.WeightUnit}
}

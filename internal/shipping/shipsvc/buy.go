package shipsvc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/invoices"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/shipping"
	"github.com/reboundhq/rebound/internal/shipping/label"
	"github.com/reboundhq/rebound/internal/shipping/ratetable"
	"github.com/reboundhq/rebound/internal/store"
)

// Rate is a rate of one of the store's carriers.
type Rate struct {
	// CarrierID names the carrier to buy from: "rebound", or
	// "easypost:<carrier>" (e.g. "easypost:USPS").
	CarrierID string
	shipping.Rate
}

// CarrierID returns the API's carrier id of a rate of kind.
func CarrierID(kind, carrier string) string {
	if kind == CarrierEasyPost {
		return CarrierEasyPost + ":" + carrier
	}
	return kind
}

// ParseCarrierID splits a carrier id into the carrier kind and, for
// EasyPost, the carrier. EINVALID (field) for an unknown kind.
func ParseCarrierID(field, id string) (kind, carrier string, err error) {
	kind, carrier, _ = strings.Cut(id, ":")
	switch {
	case kind == CarrierRateTable && carrier == "":
		return kind, "", nil
	case kind == CarrierEasyPost && carrier != "":
		return kind, carrier, nil
	}
	return "", "", returns.Invalid(field, fmt.Sprintf("unknown carrier %q; expected %q or \"easypost:<carrier>\" as returned by the rates", clip(id), CarrierRateTable))
}

// Quote returns the rates of every carrier the store configured, cheapest
// first within each carrier. EINVALID for a bad request (paths as
// shipping.QuoteRequest.Validate names them); EUNPROCESSABLE when the store
// has no carrier, or a carrier refuses the request.
func (s *Service) Quote(ctx context.Context, storeID string, req shipping.QuoteRequest) ([]Rate, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	st, err := s.Settings(ctx, storeID)
	if err != nil {
		return nil, err
	}
	kinds := configured(st)
	if len(kinds) == 0 {
		return nil, returns.Errorf(returns.EUNPROCESSABLE, "the store has no carrier: set a rate table or connect EasyPost")
	}
	out := []Rate{}
	for _, k := range kinds {
		c, err := s.carrierOf(st, k)
		if err != nil {
			return nil, err
		}
		rates, err := c.Quote(ctx, req)
		if err != nil {
			return nil, err
		}
		for _, r := range rates {
			out = append(out, Rate{CarrierID: CarrierID(k, r.Carrier), Rate: r})
		}
	}
	return out, nil
}

// BuyInput is a label purchase.
type BuyInput struct {
	CarrierID string // as in Rate
	Service   string
	Request   shipping.QuoteRequest
	// IdempotencyKey makes the purchase idempotent: a purchase repeated with
	// the same key and request returns the first one; with another request
	// it is ECONFLICT. "" buys without idempotency.
	IdempotencyKey string
	// ReturnID is the return the label is for ("" for none).
	ReturnID string
	// Reference is printed on the label (the return id by default).
	Reference string
}

// Purchase is a bought label as Rebound records it.
type Purchase struct {
	Record   *store.ShipmentRecord
	Shipment shipping.Shipment
	Request  shipping.QuoteRequest
	Events   []shipping.TrackingEvent
	// Token authorises the label's public URL.
	Token string
	// Replayed is true when an earlier purchase with the key was returned.
	Replayed bool
}

// shipmentData is ShipmentRecord.Data.
type shipmentData struct {
	Shipment shipping.Shipment        `json:"shipment"`
	Request  shipping.QuoteRequest    `json:"request"`
	Events   []shipping.TrackingEvent `json:"events,omitempty"`
	Token    string                   `json:"token"`
}

// PurchaseOf decodes a stored shipment.
func PurchaseOf(rec *store.ShipmentRecord) (*Purchase, error) {
	var d shipmentData
	if err := json.Unmarshal(rec.Data, &d); err != nil {
		return nil, fmt.Errorf("stored shipment %s: %w", rec.ID, err)
	}
	return &Purchase{Record: rec, Shipment: d.Shipment, Request: d.Request, Events: d.Events, Token: d.Token}, nil
}

func (p *Purchase) encode() error {
	b, err := json.Marshal(shipmentData{Shipment: p.Shipment, Request: p.Request, Events: p.Events, Token: p.Token})
	if err != nil {
		return err
	}
	p.Record.Data = b
	p.Record.Status = string(p.Shipment.Status)
	p.Record.TrackingNumber = p.Shipment.TrackingNumber
	return nil
}

func requestHash(in BuyInput) string {
	b, _ := json.Marshal(struct {
		C, S, R string
		Q       shipping.QuoteRequest
	}{in.CarrierID, in.Service, in.ReturnID, in.Request})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Buy buys a label and records it with its invoice charge. Nothing is
// bought when the request does not validate (EINVALID), names an unknown
// carrier (EINVALID "carrier.id") or a carrier the store has not set up
// (EUNPROCESSABLE), or reuses an idempotency key for another request
// (ECONFLICT). A repeated key returns the first purchase (Replayed). The
// carrier's own errors map through AppError; EUNAVAILABLE is safe to retry
// with the same key: the carrier buys once per key.
func (s *Service) Buy(ctx context.Context, storeID string, in BuyInput) (*Purchase, error) {
	kind, carrierName, err := ParseCarrierID("carrier.id", in.CarrierID)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Service) == "" {
		return nil, returns.Invalid("service.name", "is required")
	}
	if err := in.Request.Validate(); err != nil {
		return nil, err
	}
	key := in.IdempotencyKey
	if len(key) > shipping.MaxIdempotencyKey {
		return nil, returns.Invalid("Idempotency-Key", fmt.Sprintf("must be at most %d bytes", shipping.MaxIdempotencyKey))
	}
	hash := requestHash(in)
	switch {
	case key == "":
		key = "auto:" + randomToken()
	case in.ReturnID == "":
		// The caller's keys have their own namespace: a key cannot name a
		// return's label ("return:<id>:<generation>").
		key = "api:" + key
	}
	if p, err := s.replay(ctx, storeID, key, hash); p != nil || err != nil {
		return p, err
	}
	c, err := s.carrier(ctx, storeID, kind)
	if err != nil {
		return nil, err
	}
	ref := in.Reference
	if ref == "" {
		ref = in.ReturnID
	}
	sh, err := c.Buy(ctx, shipping.BuyRequest{Request: in.Request, IdempotencyKey: storeID + ":" + key, Reference: ref,
		Rate: shipping.Rate{Carrier: carrierName, Service: in.Service}})
	if err != nil {
		return nil, err
	}
	if sh.CreatedAt.IsZero() {
		sh.CreatedAt = s.now()
	}
	p := &Purchase{Shipment: *sh, Request: in.Request, Token: randomToken()[:32], Record: &store.ShipmentRecord{
		ID: "shp_" + returns.NewID(s.now()), StoreID: storeID, ReturnID: in.ReturnID, Carrier: kind,
		IdempotencyKey: key, RequestHash: hash, CreatedAt: s.now()}}
	p.Events = []shipping.TrackingEvent{{Time: sh.CreatedAt, Status: sh.Status, Message: "Label created"}}
	if err := p.encode(); err != nil {
		return nil, err
	}
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateShipment(ctx, p.Record); err != nil {
			return err
		}
		return chargeLabel(ctx, tx, p)
	})
	if returns.ErrorCode(err) == returns.ECONFLICT { // a concurrent purchase with the key recorded first
		if q, rerr := s.replay(ctx, storeID, key, hash); q != nil || rerr != nil {
			return q, rerr
		}
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// replay returns the store's purchase with the key, nil when there is none;
// ECONFLICT when it was bought for another request.
func (s *Service) replay(ctx context.Context, storeID, key, hash string) (*Purchase, error) {
	rec, err := store.Read(ctx, s.Store, func(tx store.ReadTx) (*store.ShipmentRecord, error) {
		return tx.GetShipmentByKey(ctx, storeID, key)
	})
	if returns.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if rec.RequestHash != hash {
		return nil, returns.Errorf(returns.ECONFLICT, "the Idempotency-Key was already used for another purchase (shipment %s)", rec.ID)
	}
	p, err := PurchaseOf(rec)
	if err != nil {
		return nil, err
	}
	p.Replayed = true
	return p, nil
}

// chargeLabel adds the label's charge to the store's invoice.
func chargeLabel(ctx context.Context, tx store.Tx, p *Purchase) error {
	c := &store.InvoiceCharge{StoreID: p.Record.StoreID, Key: "label:" + p.Record.ID, Kind: store.ChargeLabel,
		ReturnID: p.Record.ReturnID, ShipmentID: p.Record.ID, TrackingNumber: p.Shipment.TrackingNumber,
		Carrier: p.Shipment.Carrier, Service: p.Shipment.Service,
		Description: fmt.Sprintf("Return label %s %s", p.Shipment.Carrier, p.Shipment.Service),
		Quantity:    1, UnitPrice: p.Shipment.Rate.Amount, Currency: p.Shipment.Rate.Currency, At: p.Record.CreatedAt}
	if !p.Shipment.IsReturn && p.Record.ReturnID == "" {
		c.Description = fmt.Sprintf("Label %s %s", p.Shipment.Carrier, p.Shipment.Service)
	}
	if err := orderOf(ctx, tx, c); err != nil {
		return err
	}
	_, err := invoices.AddCharge(ctx, tx, c)
	return err
}

// orderOf fills the charge's order from its return.
func orderOf(ctx context.Context, tx store.ReadTx, c *store.InvoiceCharge) error {
	if c.ReturnID == "" {
		return nil
	}
	r, err := tx.GetReturn(ctx, c.StoreID, c.ReturnID)
	if returns.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	c.OrderID, c.OrderName = r.OrderExternalID, r.OrderName
	if c.OrderID == "" {
		c.OrderID = r.OrderID
	}
	return nil
}

// GetShipment returns the store's shipment; ENOTFOUND for another store's.
func (s *Service) GetShipment(ctx context.Context, storeID, id string) (*Purchase, error) {
	rec, err := store.Read(ctx, s.Store, func(tx store.ReadTx) (*store.ShipmentRecord, error) { return tx.GetShipment(ctx, storeID, id) })
	if err != nil {
		return nil, err
	}
	return PurchaseOf(rec)
}

// Document kinds of the API.
const (
	DocLabel             = "label"
	DocCommercialInvoice = "commercialInvoice"
)

// Document returns a document of the store's shipment: its bytes and
// content type. The built-in carrier's labels are rendered (4×6 PDF); the
// carriers' are fetched from where they host them. ENOTFOUND for another
// store's shipment or a document the shipment has not (a commercial
// invoice of a domestic label); EINVALID for an unknown kind.
func (s *Service) Document(ctx context.Context, storeID, id, kind string) ([]byte, string, error) {
	var dt shipping.DocumentType
	switch kind {
	case DocLabel:
		dt = shipping.DocumentLabel
	case DocCommercialInvoice:
		dt = shipping.DocumentForm
	default:
		return nil, "", returns.Invalid("documentType", fmt.Sprintf("unknown document type %q; expected label or commercialInvoice", clip(kind)))
	}
	p, err := s.GetShipment(ctx, storeID, id)
	if err != nil {
		return nil, "", err
	}
	for _, d := range p.Shipment.Documents {
		if d.Type != dt {
			continue
		}
		if d.Key != "" && d.Key == ratetable.LabelKey(p.Shipment.TrackingNumber) {
			b, err := s.renderLabel(p)
			return b, "application/pdf", err
		}
		if d.URL != "" {
			return s.fetch(ctx, d)
		}
	}
	return nil, "", returns.Errorf(returns.ENOTFOUND, "shipment %s has no %s document", id, kind)
}

func (s *Service) renderLabel(p *Purchase) ([]byte, error) {
	sh := p.Shipment
	qr := sh.TrackingNumber
	if p.Record.ReturnID != "" {
		qr = "RMA:" + p.Record.ReturnID // the warehouse scans it (POST /v2.2/stores/{storeId}/scan)
	}
	svc := sh.Rate.ServiceName
	if svc == "" {
		svc = sh.Service
	}
	l := label.Label{Carrier: sh.Carrier, Service: svc, TrackingNumber: sh.TrackingNumber, From: p.Request.From, To: p.Request.To,
		QRContent: qr, Reference: sh.Reference, Weight: p.Request.Parcel.Weight.Value + " " + string(p.Request.Parcel.Weight.Unit),
		Date: sh.CreatedAt}
	var b bytes.Buffer
	if err := label.Render(&b, l); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (s *Service) fetch(ctx context.Context, d shipping.Document) ([]byte, string, error) {
	hc := s.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.URL, nil)
	if err != nil {
		return nil, "", err
	}
	res, err := hc.Do(req)
	if err != nil {
		return nil, "", returns.Errorf(returns.EUNAVAILABLE, "the carrier's document could not be fetched: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, "", returns.Errorf(returns.EUNAVAILABLE, "the carrier's document answered %d", res.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		return nil, "", returns.Errorf(returns.EUNAVAILABLE, "the carrier's document could not be read: %v", err)
	}
	ct := d.ContentType
	if ct == "" {
		ct = res.Header.Get("Content-Type")
	}
	return b, ct, nil
}

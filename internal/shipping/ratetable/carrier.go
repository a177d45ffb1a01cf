package ratetable

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/shipping"
)

// Options configure a Carrier.
type Options struct {
	// Namespace separates the tracking numbers of carriers sharing a
	// Store, e.g. the store (merchant) id: the same idempotency key in two
	// namespaces yields two different tracking numbers.
	Namespace string
	// Store keeps shipments; a fresh MemoryStore when nil.
	Store Store
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// Carrier is the built-in carrier of one rate table. It implements
// shipping.Carrier and is safe for concurrent use.
type Carrier struct {
	table *Table
	opts  Options
}

var _ shipping.Carrier = (*Carrier)(nil)

// New returns the carrier of a table returned by Parse (or compiled). It
// panics if the table was not compiled.
func New(t *Table, opts Options) *Carrier {
	if t == nil || t.compiled == nil {
		panic("ratetable: New needs a table from Parse or Compile")
	}
	if opts.Store == nil {
		opts.Store = NewMemoryStore()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Carrier{table: t, opts: opts}
}

// Table returns the carrier's table.
func (c *Carrier) Table() *Table { return c.table }

// Quote implements shipping.Carrier. EInvalid for a bad request; no rates
// (and no error) when the table covers neither the zone nor the weight.
func (c *Carrier) Quote(_ context.Context, req shipping.QuoteRequest) ([]shipping.Rate, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return c.table.Rates(Shopper(req), req.Parcel.Weight)
}

// Buy implements shipping.Carrier. A retry with the same idempotency key
// and request returns the stored shipment (even if the table changed
// since); the same key with another request is EConflict. ENotFound when
// the table does not offer req.Rate.Service for the parcel; EConflict when
// req.Rate carries a price (it came from Quote) that is no longer the
// table's.
func (c *Carrier) Buy(ctx context.Context, req shipping.BuyRequest) (*shipping.Shipment, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	fp := fingerprint(req)
	if rec, err := c.opts.Store.ByKey(ctx, req.IdempotencyKey); err != nil {
		return nil, err
	} else if rec != nil {
		return c.replay(rec, fp)
	}
	rates, err := c.Quote(ctx, req.Request)
	if err != nil {
		return nil, err
	}
	service := serviceOf(req.Rate)
	var rate *shipping.Rate
	for i := range rates {
		if rates[i].Service == service {
			rate = &rates[i]
		}
	}
	if rate == nil {
		return nil, &shipping.Error{Code: shipping.ENotFound, Message: "rate not offered",
			Fields: []shipping.FieldError{{Field: "rate.service", Message: fmt.Sprintf("%q is not offered for this parcel and destination", clip(service))}}}
	}
	if req.Rate.Currency != "" && (req.Rate.Currency != rate.Currency || req.Rate.Amount != rate.Amount) {
		return nil, shipping.Errorf(shipping.EConflict, "the price of %s changed from %s %s to %s %s since the quote; quote again",
			service, fmtAmount(req.Rate), req.Rate.Currency, fmtAmount(*rate), rate.Currency)
	}
	now := c.opts.Now().UTC()
	s := shipping.Shipment{
		Carrier:        rate.Carrier,
		Service:        rate.Service,
		Status:         shipping.StatusPreTransit,
		Rate:           *rate,
		IdempotencyKey: req.IdempotencyKey,
		IsReturn:       req.Request.IsReturn,
		Reference:      req.Reference,
		CreatedAt:      now,
	}
	if rate.EstimatedDays > 0 {
		eta := now.AddDate(0, 0, rate.EstimatedDays)
		s.EstimatedDelivery = &eta
	}
	for attempt := 0; ; attempt++ {
		tn := shipping.GenerateTrackingNumber(c.serial(req.IdempotencyKey, attempt))
		s.Ref, s.TrackingNumber = tn, tn
		s.TrackingURL = c.trackingURL(tn)
		s.Documents = []shipping.Document{{Type: shipping.DocumentLabel, Key: LabelKey(tn), ContentType: "application/pdf"}}
		rec := Record{Shipment: s, Fingerprint: fp, Events: []shipping.TrackingEvent{{Time: now, Status: shipping.StatusPreTransit, Message: "Label created"}}}
		stored, created, err := c.opts.Store.Create(ctx, rec)
		if errors.Is(err, ErrTrackingNumberTaken) && attempt < 100 {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !created { // a concurrent Buy with the same key won
			return c.replay(stored, fp)
		}
		out := stored.Shipment
		return &out, nil
	}
}

func (c *Carrier) replay(rec *Record, fp string) (*shipping.Shipment, error) {
	if rec.Fingerprint != fp {
		return nil, shipping.Errorf(shipping.EConflict, "the idempotency key was already used for another purchase (tracking number %s)", rec.Shipment.TrackingNumber)
	}
	s := rec.Shipment
	return &s, nil
}

// LabelKey is the document key of a built-in shipment's label; the label
// is rendered on demand by internal/shipping/label.
func LabelKey(trackingNumber string) string { return "ratetable/" + trackingNumber + "/label.pdf" }

func (c *Carrier) trackingURL(tn string) string {
	if c.table.TrackingURL == "" {
		return ""
	}
	return strings.ReplaceAll(c.table.TrackingURL, "{trackingNumber}", tn)
}

// serial derives the tracking serial of an idempotency key: deterministic,
// and different for each attempt after a collision.
func (c *Carrier) serial(key string, attempt int) uint64 {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%s\x00%s", attempt, c.opts.Namespace, key)
	sum := h.Sum(nil)
	return binary.BigEndian.Uint64(sum[:8]) % (shipping.MaxTrackingSerial + 1)
}

// serviceOf returns the service a rate names (Quote sets ID to the
// service code, so either identifies it).
func serviceOf(r shipping.Rate) string {
	if r.Service != "" {
		return r.Service
	}
	return r.ID
}

// fingerprint hashes what identifies a purchase: the request, the service
// and the reference (not the quoted price, so a retry after a quote
// matches a first call made without one).
func fingerprint(req shipping.BuyRequest) string {
	b, _ := json.Marshal(struct {
		R shipping.QuoteRequest
		S string
		F string
	}{req.Request, serviceOf(req.Rate), req.Reference})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func fmtAmount(r shipping.Rate) string {
	if _, err := money.Scale(r.Currency); err != nil {
		return fmt.Sprint(r.Amount)
	}
	return money.Format(r.Amount, r.Currency)
}

// Void implements shipping.Carrier: the label is cancelled unless the
// parcel has moved. Voiding a cancelled shipment succeeds. EInvalid for a
// malformed reference, ENotFound for an unknown one, EConflict once the
// parcel is in transit or final.
func (c *Carrier) Void(ctx context.Context, shipmentRef string) error {
	rec, err := c.record(ctx, shipmentRef)
	if err != nil {
		return err
	}
	switch st := rec.Shipment.Status; {
	case st == shipping.StatusCancelled:
		return nil
	case st.Moving() || st.Final():
		return shipping.Errorf(shipping.EConflict, "shipment %s cannot be voided: it is %s", shipmentRef, st)
	}
	return c.setStatus(ctx, rec, shipping.StatusCancelled, "Label voided")
}

// Track implements shipping.Carrier. EInvalid for a malformed tracking
// number (wrong length, prefix or check digit), ENotFound for an unknown
// one.
func (c *Carrier) Track(ctx context.Context, trackingNumber string) (*shipping.TrackingInfo, error) {
	rec, err := c.record(ctx, trackingNumber)
	if err != nil {
		return nil, err
	}
	s := rec.Shipment
	info := &shipping.TrackingInfo{
		TrackingNumber:    s.TrackingNumber,
		Carrier:           s.Carrier,
		Status:            s.Status,
		TrackingURL:       s.TrackingURL,
		EstimatedDelivery: s.EstimatedDelivery,
		Events:            rec.Events,
	}
	if s.Status == shipping.StatusDelivered && len(rec.Events) > 0 {
		at := rec.Events[len(rec.Events)-1].Time
		info.DeliveredAt = &at
	}
	return info, nil
}

// UpdateStatus records a scan of a built-in shipment (the warehouse
// receiving it, say): the status and a message, at the carrier's Now.
// Recording the current status again is a no-op. EInvalid for an unknown
// status or a malformed tracking number, ENotFound for an unknown one,
// EConflict when the shipment's status is already final.
func (c *Carrier) UpdateStatus(ctx context.Context, trackingNumber string, status shipping.TrackingStatus, message string) (*shipping.TrackingInfo, error) {
	if !status.Valid() {
		return nil, shipping.Invalid("status", fmt.Sprintf("is not a tracking status (got %q)", clip(string(status))))
	}
	rec, err := c.record(ctx, trackingNumber)
	if err != nil {
		return nil, err
	}
	switch cur := rec.Shipment.Status; {
	case cur == status:
	case cur.Final():
		return nil, shipping.Errorf(shipping.EConflict, "shipment %s is already %s", trackingNumber, cur)
	default:
		if err := c.setStatus(ctx, rec, status, message); err != nil {
			return nil, err
		}
	}
	return c.Track(ctx, trackingNumber)
}

func (c *Carrier) setStatus(ctx context.Context, rec *Record, st shipping.TrackingStatus, msg string) error {
	rec.Shipment.Status = st
	rec.Events = append(rec.Events, shipping.TrackingEvent{Time: c.opts.Now().UTC(), Status: st, Message: msg})
	return c.opts.Store.Update(ctx, *rec)
}

func (c *Carrier) record(ctx context.Context, tn string) (*Record, error) {
	if _, err := shipping.ValidateTrackingNumber(tn); err != nil {
		return nil, err
	}
	rec, err := c.opts.Store.ByTrackingNumber(ctx, tn)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, shipping.Errorf(shipping.ENotFound, "no shipment with tracking number %s", tn)
	}
	return rec, nil
}

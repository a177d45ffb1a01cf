package shipsvc

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/invoices"
	"github.com/reboundhq/rebound/internal/jobs"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/shipping"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/riverqueue/river"
)

// Timeline kinds of return labels.
const (
	// TimelineLabelFailed: buying the return's label failed (the message
	// says why, e.g. the carrier's refusal, and whether it is retried).
	TimelineLabelFailed = "shipping.label_failed"
	// TimelineLabelVoided: the return's label was voided for a replacement.
	TimelineLabelVoided = "shipping.label_voided"
)

var actor = returns.SystemActor("shipping")

// approves reports whether the change approves the return (creation as
// open, approval, reopening, unflagging).
func approves(r *returns.Return, changes []string) bool {
	return r.Status == returns.StatusOpen && slices.ContainsFunc(changes, func(k string) bool {
		return k == returns.TimelineCreated || k == returns.TimelineApproved || k == returns.TimelineReopened || k == returns.TimelineUnflagged
	})
}

// OnReturnChange is the app.ChangeHook of shipping, run in the change's
// transaction when a return is approved: it fills the return's destination
// (the store's rules), charges the store's per-return fees (once per
// return) and, when the return policy has autoLabel and the return has no
// label, enqueues the label job (unique per return and generation).
func OnReturnChange(ctx context.Context, tx store.Tx, r *returns.Return, changes []string) error {
	if !approves(r, changes) {
		return nil
	}
	if r.Destination == nil {
		st, err := tx.GetShippingSettings(ctx, r.StoreID)
		if err != nil && !returns.IsNotFound(err) {
			return err
		}
		if st != nil {
			ds, err := destinationsOf(st)
			if err != nil {
				return err
			}
			if d, ok := ds.Choose(r); ok {
				r.Destination = domainDestination(d)
				if err := tx.UpdateReturn(ctx, r); err != nil {
					return err
				}
			}
		}
	}
	if err := invoices.ChargeFees(ctx, tx, r); err != nil {
		return err
	}
	if r.Label != nil {
		return nil
	}
	p, err := tx.GetPolicy(ctx, r.StoreID)
	if err != nil {
		return err
	}
	if p.AutoLabel == nil {
		return nil
	}
	return enqueueLabel(ctx, tx, r, 0)
}

func enqueueLabel(ctx context.Context, tx store.Tx, r *returns.Return, gen int) error {
	return tx.Enqueue(ctx, jobs.ShippingLabelArgs{StoreID: r.StoreID, ReturnID: r.ID, Generation: gen},
		&river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}})
}

// AddWorkers registers the shipping workers with w.
func AddWorkers(w *river.Workers, s *Service) {
	river.AddWorker(w, &LabelWorker{S: s})
}

// LabelWorker buys a return's label.
type LabelWorker struct {
	river.WorkerDefaults[jobs.ShippingLabelArgs]
	S *Service
}

// NextRetry implements river.Worker: 1 s, 2 s, 4 s ... at most 10 min.
func (w *LabelWorker) NextRetry(job *river.Job[jobs.ShippingLabelArgs]) time.Time {
	d := time.Second << min(max(job.Attempt-1, 0), 10)
	return time.Now().Add(min(d, 10*time.Minute))
}

func labelKey(returnID string, gen int) string { return fmt.Sprintf("return:%s:%d", returnID, gen) }

// Work implements river.Worker. The purchase is idempotent by the key
// return:<id>:<generation>, so a retried job never buys twice.
func (w *LabelWorker) Work(ctx context.Context, job *river.Job[jobs.ShippingLabelArgs]) error {
	a := job.Args
	s := w.S
	var r *returns.Return
	var pol returns.Policy
	var st *store.ShippingSettings
	var prev *store.ShipmentRecord
	var existing *store.ShipmentRecord
	err := s.Store.View(ctx, func(tx store.ReadTx) error {
		var err error
		if r, err = tx.GetReturn(ctx, a.StoreID, a.ReturnID); err != nil {
			return err
		}
		if pol, err = tx.GetPolicy(ctx, a.StoreID); err != nil {
			return err
		}
		if st, err = settings(ctx, tx, a.StoreID); err != nil {
			return err
		}
		existing, err = tx.GetShipmentByKey(ctx, a.StoreID, labelKey(a.ReturnID, a.Generation))
		if err != nil && !returns.IsNotFound(err) {
			return err
		}
		all, err := tx.ListShipments(ctx, a.StoreID, a.ReturnID)
		if err != nil {
			return err
		}
		if len(all) > 0 {
			prev = all[len(all)-1]
		}
		return nil
	})
	if returns.IsNotFound(err) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if existing != nil { // bought; record the label (again, idempotently)
		p, err := PurchaseOf(existing)
		if err != nil {
			return err
		}
		return s.setLabel(ctx, p)
	}
	if r.Status == returns.StatusDeleted || r.Status == returns.StatusRejected {
		return river.JobCancel(fmt.Errorf("return %s is %s: no label bought", r.ID, r.Status))
	}
	if a.Generation == 0 && r.Label != nil {
		return nil // a label was given with the return
	}
	carrierID, service := "", ""
	weight := shipping.Weight{Value: "1", Unit: shipping.Pound}
	if al := pol.AutoLabel; al != nil {
		carrierID, service = al.Carrier, al.Service
		if al.Weight != "" {
			weight.Value = al.Weight
		}
		if al.WeightUnit != "" {
			weight.Unit = shipping.WeightUnit(al.WeightUnit)
		}
	}
	if prev != nil && a.Generation > 0 { // a replacement: as the label it replaces
		if pp, err := PurchaseOf(prev); err == nil {
			carrierID, service, weight = CarrierID(prev.Carrier, pp.Shipment.Carrier), pp.Shipment.Service, pp.Request.Parcel.Weight
		}
	}
	if carrierID == "" {
		return s.labelFailed(ctx, a, job, errors.New("the return policy has no autoLabel carrier and service"), false)
	}
	from, to, err := returnAddresses(r, st)
	if returns.ErrorCode(err) == returns.EUNPROCESSABLE {
		return s.labelFailed(ctx, a, job, errors.New("the store has no return destination (PUT /v2.2/stores/{storeId}/destinations)"), false)
	}
	if err != nil {
		return err
	}
	p, err := s.Buy(ctx, a.StoreID, BuyInput{CarrierID: carrierID, Service: service, IdempotencyKey: labelKey(r.ID, a.Generation),
		ReturnID: r.ID, Request: shipping.QuoteRequest{From: from, To: to, IsReturn: true, Parcel: shipping.Parcel{Weight: weight}}})
	if err != nil {
		retry := shipping.IsRetryable(err) || returns.ErrorCode(err) == returns.EUNAVAILABLE
		return s.labelFailed(ctx, a, job, err, retry)
	}
	return s.setLabel(ctx, p)
}

// errNoDestination is returnAddresses' error for a store without a return
// destination.
var errNoDestination = &returns.Error{Code: returns.EUNPROCESSABLE, Field: "destination",
	Message: "the store has no return destination to send the parcel to (Settings → Destinations, or PUT /v2.2/stores/{storeId}/destinations)"}

// returnAddresses are the addresses of r's label: from the shopper's
// address to the return's destination, else the one the store's rules
// choose. EUNPROCESSABLE (field "destination") when the store has none.
func returnAddresses(r *returns.Return, st *store.ShippingSettings) (from, to shipping.Address, err error) {
	from = shopperAddress(r)
	if r.Destination != nil {
		return from, destinationAddress(r.Destination), nil
	}
	ds, err := destinationsOf(st)
	if err != nil {
		return from, to, err
	}
	d, ok := ds.Choose(r)
	if !ok {
		return from, to, errNoDestination
	}
	return from, d.ShippingAddress(), nil
}

func shopperAddress(r *returns.Return) shipping.Address {
	a := r.ShippingAddress
	name := strings.TrimSpace(a.FirstName + " " + a.LastName)
	if name == "" {
		name = strings.TrimSpace(r.Customer.FirstName + " " + r.Customer.LastName)
	}
	phone := a.Phone
	if phone == "" {
		phone = r.Customer.Phone
	}
	return shipping.Address{Name: name, Company: a.Company, Street1: a.Address1, Street2: a.Address2, City: a.City,
		State: a.ProvinceCode, PostalCode: a.Zip, Country: a.CountryCode, Phone: phone, Email: r.Customer.Email}
}

func destinationAddress(d *returns.Destination) shipping.Address {
	a := d.Address
	return shipping.Address{Name: d.Name, Company: a.Company, Street1: a.Address1, Street2: a.Address2, City: a.City,
		State: a.ProvinceCode, PostalCode: a.Zip, Country: a.CountryCode, Phone: d.Phone}
}

// labelFailed records a failed purchase on the return's timeline (a return
// event, so webhooks announce it): a retryable failure on the first attempt
// and when the last fails, a permanent one at once (the job ends).
func (s *Service) labelFailed(ctx context.Context, a jobs.ShippingLabelArgs, job *river.Job[jobs.ShippingLabelArgs], cause error, retry bool) error {
	last := job.Attempt >= job.MaxAttempts
	if retry && !last && job.Attempt > 1 {
		return cause
	}
	msg := "Return label purchase failed: " + message(cause)
	switch {
	case retry && !last:
		msg += " Retrying."
	case retry:
		msg = fmt.Sprintf("Return label purchase failed after %d attempts: %s", job.Attempt, message(cause))
	}
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		r, err := tx.LockReturn(ctx, a.StoreID, a.ReturnID)
		if err != nil {
			return err
		}
		ev := returns.Note(r, TimelineLabelFailed, actor, tx.Now(), msg, map[string]any{"retried": retry && !last, "attempt": job.Attempt})
		return s.App.RecordChange(ctx, tx, r, returns.EventReturnUpdated, ev)
	})
	if err != nil {
		return err
	}
	if retry && !last {
		return cause
	}
	return river.JobCancel(cause)
}

// message is an error as the timeline shows it: the carrier's refusal with
// its own message.
func message(err error) string {
	var se *shipping.Error
	if errors.As(err, &se) {
		if se.Code == shipping.ERefused {
			return refusal(se) + "."
		}
		var parts []string
		for _, f := range se.Fields {
			parts = append(parts, f.String())
		}
		if len(parts) > 0 {
			return se.Message + ": " + strings.Join(parts, "; ") + "."
		}
		return se.Message + "."
	}
	return returns.ErrorMessage(err) + "."
}

// LabelOf is the return's label for a purchase.
func (s *Service) LabelOf(p *Purchase) returns.Label {
	sh := p.Shipment
	l := returns.Label{TrackingNumber: sh.TrackingNumber, Carrier: sh.Carrier, TrackingURL: sh.TrackingURL,
		Status: string(sh.Status), ShipmentID: p.Record.ID, PostageLabelURL: s.publicLabelURL(p)}
	if l.Status == "" {
		l.Status = string(shipping.StatusUnknown)
	}
	if sh.EstimatedDelivery != nil {
		l.EstimatedDeliveryDate = sh.EstimatedDelivery.UTC().Format(time.RFC3339)
	}
	for _, ev := range p.Events {
		if ev.Status == shipping.StatusDelivered {
			l.DeliveredAt = ev.Time.UTC().Format(time.RFC3339)
		}
	}
	return l
}

// setLabel makes the purchase the return's label (app.SetReturnLabel:
// timeline, events, Loop label webhooks, the return's move on the carrier
// status).
func (s *Service) setLabel(ctx context.Context, p *Purchase) error {
	if p.Record.ReturnID == "" {
		return nil
	}
	_, err := s.App.SetReturnLabel(ctx, actor, p.Record.StoreID, p.Record.ReturnID, s.LabelOf(p))
	return err
}

// publicLabelURL is the label's URL a shopper can open without a key: the
// shipment id and the shipment's random token.
func (s *Service) publicLabelURL(p *Purchase) string {
	return strings.TrimRight(s.PublicURL, "/") + "/shipping/labels/" + p.Record.StoreID + "/" + p.Record.ID + "/" + p.Token
}

// PublicLabel returns the label document of the public URL; ENOTFOUND for
// a wrong token.
func (s *Service) PublicLabel(ctx context.Context, storeID, id, token string) ([]byte, string, error) {
	p, err := s.GetShipment(ctx, storeID, id)
	if err != nil {
		return nil, "", returns.Errorf(returns.ENOTFOUND, "no such label")
	}
	want := p.Token
	if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(token)) != 1 {
		return nil, "", returns.Errorf(returns.ENOTFOUND, "no such label")
	}
	return s.Document(ctx, storeID, id, DocLabel)
}

// ReplaceLabel voids the return's current label (the carrier refunds it;
// the invoice gets a credit row) and enqueues the purchase of a new one
// with the same carrier and service. A return without a label gets one
// (as autoLabel would). ENOTFOUND for an unknown return; ECONFLICT (or the
// carrier's refusal) when the label cannot be voided (the parcel moved).
func (s *Service) ReplaceLabel(ctx context.Context, storeID, returnID string) (*returns.Return, error) {
	var r *returns.Return
	var shipments []*store.ShipmentRecord
	err := s.Store.View(ctx, func(tx store.ReadTx) error {
		var err error
		if r, err = tx.GetReturn(ctx, storeID, returnID); err != nil {
			return err
		}
		shipments, err = tx.ListShipments(ctx, storeID, returnID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := labelable(r); err != nil {
		return nil, err
	}
	gen := len(shipments)
	cur, err := currentPurchase(r, shipments)
	if err != nil {
		return nil, err
	}
	if cur == nil && len(shipments) == 0 {
		pol, err := store.Read(ctx, s.Store, func(tx store.ReadTx) (returns.Policy, error) { return tx.GetPolicy(ctx, storeID) })
		if err != nil {
			return nil, err
		}
		if pol.AutoLabel == nil {
			return nil, returns.Errorf(returns.EUNPROCESSABLE, "the return has no label Rebound bought and the return policy has no autoLabel carrier")
		}
	}
	if err := s.voidAtCarrier(ctx, storeID, cur); err != nil {
		return nil, err
	}
	var out *returns.Return
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		r, err := tx.LockReturn(ctx, storeID, returnID)
		if err != nil {
			return err
		}
		out = r
		var evs []returns.TimelineEvent
		if cur != nil {
			ev, err := s.recordVoid(ctx, tx, r, cur.Record.ID, actor, "a replacement is being bought")
			if err != nil {
				return err
			}
			evs = append(evs, ev)
		} else {
			evs = append(evs, returns.Note(r, TimelineLabelVoided, actor, tx.Now(), "A return label is being bought.", nil))
		}
		if err := tx.UpdateReturn(ctx, r); err != nil {
			return err
		}
		if err := s.App.RecordChange(ctx, tx, r, returns.EventReturnUpdated, evs...); err != nil {
			return err
		}
		return enqueueLabel(ctx, tx, r, gen)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// labelable refuses a label for a deleted or rejected return (ECONFLICT).
func labelable(r *returns.Return) error {
	if r.Status == returns.StatusDeleted || r.Status == returns.StatusRejected {
		return returns.Errorf(returns.ECONFLICT, "return %s is %s: no label is bought for it", r.ID, r.Status)
	}
	return nil
}

// currentPurchase is the shipment of r's current label among its
// shipments, when Rebound bought it and it is not voided; nil otherwise.
func currentPurchase(r *returns.Return, shipments []*store.ShipmentRecord) (*Purchase, error) {
	if r.Label == nil || r.Label.ShipmentID == "" {
		return nil, nil
	}
	for _, rec := range shipments {
		if rec.ID == r.Label.ShipmentID && rec.VoidedAt == nil {
			return PurchaseOf(rec)
		}
	}
	return nil, nil
}

// voidAtCarrier voids cur's label at its carrier (nothing for nil): the
// carrier's refusal (the parcel moved) maps through AppError.
func (s *Service) voidAtCarrier(ctx context.Context, storeID string, cur *Purchase) error {
	if cur == nil {
		return nil
	}
	c, err := s.carrier(ctx, storeID, cur.Record.Carrier)
	if err != nil {
		return err
	}
	if err := c.Void(ctx, cur.Shipment.Ref); err != nil {
		return AppError(err, nil)
	}
	return nil
}

// recordVoid records in tx that the shipment, voided at its carrier, is
// cancelled: its status and tracking event, the invoice's credit row (once)
// and, when it is r's label, the label's status (r is updated by the
// caller). It returns the timeline event to record with the change, whose
// message ends with why.
func (s *Service) recordVoid(ctx context.Context, tx store.Tx, r *returns.Return, shipmentID string, by returns.Actor, why string) (returns.TimelineEvent, error) {
	rec, err := tx.GetShipment(ctx, r.StoreID, shipmentID)
	if err != nil {
		return returns.TimelineEvent{}, err
	}
	p, err := PurchaseOf(rec)
	if err != nil {
		return returns.TimelineEvent{}, err
	}
	if rec.VoidedAt == nil {
		now := s.now()
		rec.VoidedAt = &now
		p.Shipment.Status = shipping.StatusCancelled
		p.Events = append(p.Events, shipping.TrackingEvent{Time: now, Status: shipping.StatusCancelled, Message: "Label voided"})
		if err := p.encode(); err != nil {
			return returns.TimelineEvent{}, err
		}
		if err := tx.UpdateShipment(ctx, rec); err != nil {
			return returns.TimelineEvent{}, err
		}
		c := &store.InvoiceCharge{StoreID: r.StoreID, Key: "void:" + rec.ID, Kind: store.ChargeVoid, ReturnID: r.ID,
			ShipmentID: rec.ID, TrackingNumber: p.Shipment.TrackingNumber, Carrier: p.Shipment.Carrier, Service: p.Shipment.Service,
			Description: fmt.Sprintf("Credit: voided label %s", p.Shipment.TrackingNumber), Quantity: 1,
			UnitPrice: -p.Shipment.Rate.Amount, Currency: p.Shipment.Rate.Currency, At: now}
		if err := orderOf(ctx, tx, c); err != nil {
			return returns.TimelineEvent{}, err
		}
		if _, err := invoices.AddCharge(ctx, tx, c); err != nil {
			return returns.TimelineEvent{}, err
		}
	}
	if r.Label != nil && r.Label.ShipmentID == rec.ID {
		l := *r.Label
		l.Status = string(shipping.StatusCancelled)
		r.Label = &l
		r.UpdatedAt = tx.Now()
	}
	return returns.Note(r, returns.TimelineShipmentUpdated, by, tx.Now(),
		fmt.Sprintf("Label %s voided; %s.", p.Shipment.TrackingNumber, why),
		map[string]any{"trackingNumber": p.Shipment.TrackingNumber, "status": string(shipping.StatusCancelled)}), nil
}

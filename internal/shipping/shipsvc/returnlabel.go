package shipsvc

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/shipping"
	"github.com/reboundhq/rebound/internal/store"
)

// Labels a person chooses for a return (the admin's return page): rates
// quoted for the return's own addresses, one bought by an idempotency key
// the form carries, and a replacement that voids the current label first
// (as ReplaceLabel does) and buys the chosen rate instead of the same one.

// manualKeyPrefix namespaces the idempotency keys of labels bought by a
// person, apart from the label job's return:<id>:<generation> and the
// API's api:<key>.
const manualKeyPrefix = "manual:"

// MaxReturnLabelKey is the longest idempotency key BuyReturnLabel takes.
const MaxReturnLabelKey = shipping.MaxIdempotencyKey - len(manualKeyPrefix)

// ReturnLabels is what a return's label page shows: the return's label
// shipments, oldest first, and the parcel weight a new label defaults to
// (the return policy's autoLabel weight, else 1 lb).
type ReturnLabels struct {
	Shipments []*Purchase
	Weight    shipping.Weight
}

// ReturnLabels returns the return's label shipments and default weight.
// ENOTFOUND for another store's return.
func (s *Service) ReturnLabels(ctx context.Context, storeID, returnID string) (*ReturnLabels, error) {
	out := &ReturnLabels{}
	err := s.Store.View(ctx, func(tx store.ReadTx) error {
		if _, err := tx.GetReturn(ctx, storeID, returnID); err != nil {
			return err
		}
		pol, err := tx.GetPolicy(ctx, storeID)
		if err != nil {
			return err
		}
		out.Weight = policyWeight(pol)
		recs, err := tx.ListShipments(ctx, storeID, returnID)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			p, err := PurchaseOf(rec)
			if err != nil {
				return err
			}
			out.Shipments = append(out.Shipments, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("return labels of %s: %w", returnID, err)
	}
	return out, nil
}

// policyWeight is the parcel weight of the policy's autoLabel, else 1 lb.
func policyWeight(pol returns.Policy) shipping.Weight {
	w := shipping.Weight{Value: "1", Unit: shipping.Pound}
	if al := pol.AutoLabel; al != nil {
		if al.Weight != "" {
			w.Value = al.Weight
		}
		if al.WeightUnit != "" {
			w.Unit = shipping.WeightUnit(al.WeightUnit)
		}
	}
	return w
}

// returnRequest reads the return, its shipments and the store's shipping
// settings, and the quote request of its label: from the shopper's address
// to its destination, a parcel of weight. ENOTFOUND for another store's
// return; ECONFLICT for a deleted or rejected one; EUNPROCESSABLE (field
// "destination") when the store has no destination; EINVALID for an
// incomplete address or a bad weight, fields named as ReturnField does.
func (s *Service) returnRequest(ctx context.Context, storeID, returnID string, weight shipping.Weight) (*returns.Return, []*store.ShipmentRecord, shipping.QuoteRequest, error) {
	var r *returns.Return
	var recs []*store.ShipmentRecord
	var st *store.ShippingSettings
	var q shipping.QuoteRequest
	err := s.Store.View(ctx, func(tx store.ReadTx) error {
		var err error
		if r, err = tx.GetReturn(ctx, storeID, returnID); err != nil {
			return err
		}
		if recs, err = tx.ListShipments(ctx, storeID, returnID); err != nil {
			return err
		}
		st, err = settings(ctx, tx, storeID)
		return err
	})
	if err != nil {
		return nil, nil, q, err
	}
	if err := labelable(r); err != nil {
		return nil, nil, q, err
	}
	from, to, err := returnAddresses(r, st)
	if err != nil {
		return nil, nil, q, err
	}
	q = shipping.QuoteRequest{From: from, To: to, IsReturn: true, Parcel: shipping.Parcel{Weight: weight}}
	if err := q.Validate(); err != nil {
		return nil, nil, q, AppError(err, ReturnField)
	}
	return r, recs, q, nil
}

// ReturnField names a quote request's path for a return's label:
// from.* is the shopper's address ("shopperAddress.street1"), to.* the
// return's destination ("destination.city"), parcel.weight.* "weight".
func ReturnField(f string) string {
	f = strings.TrimPrefix(f, "request.")
	switch {
	case strings.HasPrefix(f, "from."):
		return "shopperAddress." + strings.TrimPrefix(f, "from.")
	case strings.HasPrefix(f, "to."):
		return "destination." + strings.TrimPrefix(f, "to.")
	case strings.HasPrefix(f, "parcel.weight"):
		return "weight"
	case f == "rate", f == "rate.service":
		return "service"
	case f == "rate.carrier":
		return "carrier"
	}
	return f
}

// QuoteReturn returns the rates of every carrier the store configured for
// the return's label (returnRequest's addresses, a parcel of weight). Its
// errors are returnRequest's and Quote's, carriers' mapped through
// AppError: EUNPROCESSABLE when the store has no carrier or a carrier
// refuses, EUNAVAILABLE when one is down. Nothing is written.
func (s *Service) QuoteReturn(ctx context.Context, storeID, returnID string, weight shipping.Weight) ([]Rate, error) {
	_, _, q, err := s.returnRequest(ctx, storeID, returnID, weight)
	if err != nil {
		return nil, fmt.Errorf("quote the label of return %s: %w", returnID, err)
	}
	rates, err := s.Quote(ctx, storeID, q)
	if err != nil {
		return nil, fmt.Errorf("quote the label of return %s: %w", returnID, AppError(err, ReturnField))
	}
	return rates, nil
}

// ReturnLabelInput is a label a person buys for a return.
type ReturnLabelInput struct {
	// CarrierID and Service are one of QuoteReturn's rates.
	CarrierID, Service string
	Weight             shipping.Weight
	// IdempotencyKey is required (at most MaxReturnLabelKey bytes): the
	// same key with the same input returns the first purchase, so a form
	// sent twice buys one label.
	IdempotencyKey string
	// Replace voids the return's current label first; without it a return
	// whose label is not cancelled is ECONFLICT.
	Replace bool
}

// ReturnLabelResult is a label BuyReturnLabel bought, or found bought.
type ReturnLabelResult struct {
	Purchase *Purchase
	// Voided is the tracking number of the label voided for it ("" for
	// none); Replayed is true when the key's first purchase was returned
	// and nothing was bought or voided.
	Voided   string
	Replayed bool
}

// BuyReturnLabel buys the chosen rate as the return's label and makes it
// the return's (app.SetReturnLabel: timeline "shipment updated", events,
// Loop label webhooks), recorded as by's. With Replace, the current label
// Rebound bought is first voided as ReplaceLabel voids it (carrier refund,
// invoice credit, label cancelled, a timeline note by by).
//
// Nothing is voided, bought or written when the input is bad (EINVALID:
// fields "carrier", "service", "weight", "idempotencyKey", or an
// incomplete address as ReturnField names it), the return is another
// store's (ENOTFOUND), deleted or rejected (ECONFLICT), has a label and
// Replace is false (ECONFLICT, field "replace"), the store has no
// destination or no such carrier (EUNPROCESSABLE), the key was used for
// another input (ECONFLICT, field "idempotencyKey"), a replacement's rate
// is not offered (EINVALID, field "service"), or the current label cannot be voided (ECONFLICT or the
// carrier's refusal). A purchase failing after the void (the carrier
// refuses or is down: EUNPROCESSABLE, EUNAVAILABLE) leaves the old label
// voided, noted on the timeline (shipping.label_failed); buying again with
// the same key is safe.
func (s *Service) BuyReturnLabel(ctx context.Context, by returns.Actor, storeID, returnID string, in ReturnLabelInput) (*ReturnLabelResult, error) {
	wrap := func(err error) error { return fmt.Errorf("buy the label of return %s: %w", returnID, err) }
	kind, _, err := ParseCarrierID("carrier", in.CarrierID)
	if err != nil {
		return nil, wrap(err)
	}
	switch {
	case strings.TrimSpace(in.Service) == "":
		return nil, wrap(returns.Invalid("service", "choose a rate"))
	case strings.TrimSpace(in.IdempotencyKey) == "":
		return nil, wrap(returns.Invalid("idempotencyKey", "is required"))
	case len(in.IdempotencyKey) > MaxReturnLabelKey:
		return nil, wrap(returns.Invalid("idempotencyKey", fmt.Sprintf("must be at most %d bytes", MaxReturnLabelKey)))
	}
	r, recs, q, err := s.returnRequest(ctx, storeID, returnID, in.Weight)
	if err != nil {
		return nil, wrap(err)
	}
	bi := BuyInput{CarrierID: in.CarrierID, Service: in.Service, Request: q, IdempotencyKey: manualKeyPrefix + in.IdempotencyKey, ReturnID: r.ID}
	if p, err := s.replay(ctx, storeID, bi.IdempotencyKey, requestHash(bi)); err != nil || p != nil {
		if returns.ErrorCode(err) == returns.ECONFLICT {
			return nil, wrap(errKeyUsed())
		}
		if err != nil {
			return nil, wrap(err)
		}
		// Bought before: make it the label again only if nothing replaced
		// it since (a purchase whose label was never set, say).
		if p.Record.VoidedAt == nil && (r.Label == nil || r.Label.Status == string(shipping.StatusCancelled) || r.Label.ShipmentID == p.Record.ID) {
			if _, err := s.App.SetReturnLabel(ctx, by, storeID, r.ID, s.LabelOf(p)); err != nil {
				return nil, wrap(err)
			}
		}
		return &ReturnLabelResult{Purchase: p, Replayed: true}, nil
	}
	hasLabel := r.Label != nil && r.Label.Status != string(shipping.StatusCancelled)
	if hasLabel && !in.Replace {
		return nil, wrap(&returns.Error{Code: returns.ECONFLICT, Field: "replace",
			Message: fmt.Sprintf("the return has a label already (tracking number %s): replace it instead", r.Label.TrackingNumber)})
	}
	if _, err := s.carrier(ctx, storeID, kind); err != nil {
		return nil, wrap(err)
	}
	cur, err := currentPurchase(r, recs)
	if err != nil {
		return nil, wrap(err)
	}
	res := &ReturnLabelResult{}
	if in.Replace && cur != nil {
		// The rate must be offered before the current label is voided.
		rates, err := s.Quote(ctx, storeID, q)
		if err != nil {
			return nil, wrap(AppError(err, ReturnField))
		}
		if !slices.ContainsFunc(rates, func(rt Rate) bool { return rt.CarrierID == in.CarrierID && rt.Service == in.Service }) {
			return nil, wrap(returns.Invalid("service", fmt.Sprintf("%s %s is not offered for this parcel: choose one of the rates", clip(in.CarrierID), clip(in.Service))))
		}
		if err := s.voidAtCarrier(ctx, storeID, cur); err != nil {
			return nil, wrap(err)
		}
		res.Voided = cur.Shipment.TrackingNumber
		if err := s.Store.Update(ctx, func(tx store.Tx) error {
			r, err := tx.LockReturn(ctx, storeID, returnID)
			if err != nil {
				return err
			}
			ev, err := s.recordVoid(ctx, tx, r, cur.Record.ID, by, "replaced by a label chosen in the admin")
			if err != nil {
				return err
			}
			if err := tx.UpdateReturn(ctx, r); err != nil {
				return err
			}
			return s.App.RecordChange(ctx, tx, r, returns.EventReturnUpdated, ev)
		}); err != nil {
			return nil, wrap(err)
		}
	}
	p, err := s.Buy(ctx, storeID, bi)
	if returns.ErrorCode(err) == returns.ECONFLICT { // Buy's only conflict: the key, used concurrently for another input
		err = errKeyUsed()
	}
	if err != nil {
		err = AppError(err, ReturnField)
		if res.Voided != "" {
			s.noteReplacementFailed(ctx, by, storeID, returnID, res.Voided, err)
			err = returns.Errorf(returns.ErrorCode(err), "label %s was voided, but the new label could not be bought: %s",
				res.Voided, returns.ErrorMessage(err))
		}
		return nil, wrap(err)
	}
	res.Purchase = p
	if _, err := s.App.SetReturnLabel(ctx, by, storeID, r.ID, s.LabelOf(p)); err != nil {
		return nil, wrap(err)
	}
	return res, nil
}

// errKeyUsed is BuyReturnLabel's answer to a form whose key bought a
// label for another input.
func errKeyUsed() error {
	return &returns.Error{Code: returns.ECONFLICT, Field: "idempotencyKey", Message: "this form bought another label already: open the label page again to buy one more"}
}

// noteReplacementFailed notes on the return's timeline that the label
// voided for a replacement was not replaced (best effort: the purchase's
// error is what the caller reports).
func (s *Service) noteReplacementFailed(ctx context.Context, by returns.Actor, storeID, returnID, voided string, cause error) {
	_ = s.Store.Update(ctx, func(tx store.Tx) error {
		r, err := tx.LockReturn(ctx, storeID, returnID)
		if err != nil {
			return err
		}
		msg := fmt.Sprintf("Label %s was voided, but the replacement could not be bought: %s", voided, message(cause))
		ev := returns.Note(r, TimelineLabelFailed, by, tx.Now(), msg, map[string]any{"voided": voided})
		return s.App.RecordChange(ctx, tx, r, returns.EventReturnUpdated, ev)
	})
}

package app

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// Use cases of Redo's Orders API: orders created by the merchant's system,
// their fulfillments and shipment statuses. Fulfillments live in the
// order (returns.Order.Fulfillments), so eligibility, the return window
// and returnable quantities read them exactly as those of a synced order.

// CreateOrder creates the store's order o (decoded from an Orders API
// create request), or replaces the order with the same external id: a
// repeated create is idempotent. A replaced order keeps its fulfillments
// (returns.Order.CarryFulfillments; ECONFLICT when the new lines
// contradict them) and its Rebound id. UpdatedAt and SyncedAt are the
// transaction's time. Records an order.synced event. ENOTFOUND when the
// store does not exist.
func (a *App) CreateOrder(ctx context.Context, storeID string, o *returns.Order) (*SyncResult, error) {
	res := &SyncResult{Order: o, Applied: true}
	err := a.Store.Update(ctx, func(tx store.Tx) error {
		o.StoreID = storeID
		o.UpdatedAt, o.SyncedAt = tx.Now(), tx.Now()
		o.Fulfillments = nil
		prev, err := orderByExternalID(ctx, tx, storeID, o.ExternalID)
		switch {
		case err == nil:
			if prev, err = tx.LockOrder(ctx, storeID, prev.ID); err != nil {
				return err
			}
			if err := o.CarryFulfillments(prev); err != nil {
				return err
			}
			o.ID = prev.ID
			if prev.UpdatedAt.After(o.UpdatedAt) {
				o.UpdatedAt = prev.UpdatedAt // never move the source clock back
			}
			if err := tx.SaveOrder(ctx, o); err != nil {
				return err
			}
		case returns.IsNotFound(err):
			o.ID = returns.NewID(tx.Now())
			if _, err := tx.UpsertOrder(ctx, o); err != nil {
				return err
			}
		default:
			return err
		}
		payload, _ := json.Marshal(orderEvent{OrderID: o.ExternalID, RedoID: o.ID, UpdatedAt: &o.UpdatedAt})
		return tx.AddEvent(ctx, &returns.Event{StoreID: storeID, Kind: returns.EventOrderSynced, SubjectType: "order", SubjectID: o.ID, Payload: payload})
	})
	if err != nil {
		return nil, wrapOp("create order", err)
	}
	return res, nil
}

// orderByExternalID returns the store's order with exactly that external
// id (GetOrder also matches Rebound ids and names), or ENOTFOUND.
func orderByExternalID(ctx context.Context, tx store.ReadTx, storeID, ext string) (*returns.Order, error) {
	o, err := tx.GetOrder(ctx, storeID, ext)
	if err != nil {
		return nil, err
	}
	if o.ExternalID != ext {
		return nil, returns.Errorf(returns.ENOTFOUND, "order %q not found", ext)
	}
	return o, nil
}

// lockOrderRef locks the store's order found by external id or Rebound id
// (the Orders API's {orderId}; names do not match), or ENOTFOUND.
func lockOrderRef(ctx context.Context, tx store.Tx, storeID, ref string) (*returns.Order, error) {
	o, err := tx.GetOrder(ctx, storeID, ref)
	if err != nil {
		return nil, err
	}
	if o.ExternalID != ref && o.ID != ref {
		return nil, returns.Errorf(returns.ENOTFOUND, "order %q not found", ref)
	}
	return tx.LockOrder(ctx, storeID, o.ID)
}

// FulfillmentRequest is a new fulfillment of an order.
type FulfillmentRequest struct {
	// ID is the fulfillment's id; "" generates one.
	ID    string
	Lines []returns.FulfillmentLine
	// Tracking is the shipment's tracking number, if any.
	Tracking *returns.TrackingNumber
	// Dummy asks for a test tracker: a generated tracking number (unless
	// Tracking is given) whose statuses come only from UpdateShipment.
	Dummy bool
	// Initial is the dummy tracker's first status (pre_transit when nil);
	// ignored unless Dummy.
	Initial *returns.ShipmentUpdate
}

// DummyCarrier is the carrier of generated test trackers.
const DummyCarrier = "dummy"

// FulfillmentResult is the outcome of CreateFulfillment and
// UpdateShipment: the order as saved and the fulfillment in it.
type FulfillmentResult struct {
	Order       *returns.Order
	Fulfillment *returns.Fulfillment
	// Created is false when CreateFulfillment found the same fulfillment
	// already recorded (a repeated request) and changed nothing.
	Created bool
}

type fulfillmentEvent struct {
	OrderID       string                 `json:"orderId"`
	RedoID        string                 `json:"redoId"`
	FulfillmentID string                 `json:"fulfillmentId"`
	Status        returns.ShipmentStatus `json:"status"`
}

func addFulfillmentEvent(ctx context.Context, tx store.Tx, o *returns.Order, f *returns.Fulfillment, st returns.ShipmentStatus) error {
	payload, _ := json.Marshal(fulfillmentEvent{OrderID: o.ExternalID, RedoID: o.ID, FulfillmentID: f.ID, Status: st})
	return tx.AddEvent(ctx, &returns.Event{StoreID: o.StoreID, Kind: returns.EventOrderFulfillment, SubjectType: "order", SubjectID: o.ID, Payload: payload})
}

// CreateFulfillment records a fulfillment of the store's order ref
// (external id or Rebound id): the units it ships become fulfilled, and so
// returnable (returns.Order.AddFulfillment). Its CreatedAt and ShippingDate
// are now; its status is pre_transit, or the dummy tracker's initial
// status. Repeating a create with the same ID, lines and tracking answers
// the recorded fulfillment (Created false). Errors: ENOTFOUND for an
// unknown order; EINVALID naming lineItems[i] for unknown lines or more
// units than are unfulfilled; ECONFLICT for an ID the order already has
// for another shipment.
func (a *App) CreateFulfillment(ctx context.Context, storeID, ref string, req FulfillmentRequest) (*FulfillmentResult, error) {
	var res *FulfillmentResult
	err := a.Store.Update(ctx, func(tx store.Tx) error {
		o, err := lockOrderRef(ctx, tx, storeID, ref)
		if err != nil {
			return err
		}
		now := tx.Now()
		f := returns.Fulfillment{ID: req.ID, CreatedAt: now, ShippingDate: &now, Lines: req.Lines, Status: returns.ShipmentPreTransit, Dummy: req.Dummy}
		if f.ID == "" {
			f.ID = returns.NewID(now)
		}
		switch {
		case req.Tracking != nil:
			f.TrackingNumbers = []returns.TrackingNumber{*req.Tracking}
		case req.Dummy:
			f.TrackingNumbers = []returns.TrackingNumber{{Carrier: DummyCarrier, Number: dummyTrackingNumber()}}
		}
		if prev := o.Fulfillment(f.ID); prev != nil {
			again := f
			if req.Dummy && req.Tracking == nil && prev.Dummy {
				again.TrackingNumbers = prev.TrackingNumbers // generated the first time
			}
			if prev.SameShipment(&again) {
				res = &FulfillmentResult{Order: o, Fulfillment: prev}
				return nil
			}
		}
		if err := o.AddFulfillment(f); err != nil {
			return err
		}
		nf := &o.Fulfillments[len(o.Fulfillments)-1]
		if req.Dummy {
			u := returns.ShipmentUpdate{Status: returns.ShipmentPreTransit}
			if req.Initial != nil {
				u = *req.Initial
			}
			nf.Apply(u, now)
		}
		if err := tx.SaveOrder(ctx, o); err != nil {
			return err
		}
		res = &FulfillmentResult{Order: o, Fulfillment: nf, Created: true}
		return addFulfillmentEvent(ctx, tx, o, nf, nf.CurrentStatus())
	})
	if err != nil {
		return nil, wrapOp("create fulfillment", err)
	}
	return res, nil
}

// UpdateShipment applies a shipment status or automation event to the
// fulfillment fulfillmentID of the store's order ref (returns.Fulfillment
// .Apply): the event joins the tracking history, a status becomes the
// current one, and delivered sets the delivery date a return window
// counted from delivery starts at. ENOTFOUND for an unknown order or
// fulfillment.
func (a *App) UpdateShipment(ctx context.Context, storeID, ref, fulfillmentID string, u returns.ShipmentUpdate) (*FulfillmentResult, error) {
	var res *FulfillmentResult
	err := a.Store.Update(ctx, func(tx store.Tx) error {
		o, err := lockOrderRef(ctx, tx, storeID, ref)
		if err != nil {
			return err
		}
		f := o.Fulfillment(fulfillmentID)
		if f == nil {
			return returns.Errorf(returns.ENOTFOUND, "fulfillment %q of order %q not found", fulfillmentID, ref)
		}
		f.Apply(u, tx.Now())
		if err := tx.SaveOrder(ctx, o); err != nil {
			return err
		}
		res = &FulfillmentResult{Order: o, Fulfillment: f}
		return addFulfillmentEvent(ctx, tx, o, f, u.Status)
	})
	if err != nil {
		return nil, wrapOp("update shipment status", err)
	}
	return res, nil
}

// dummyTrackingNumber is a random 20-digit number prefixed "DUMMY".
func dummyTrackingNumber() string {
	n, _ := rand.Int(rand.Reader, new(big.Int).Exp(big.NewInt(10), big.NewInt(20), nil))
	return fmt.Sprintf("DUMMY%020d", n)
}

// wrapOp names the operation in err, except in a list of field errors
// (errors.Join), which must stay a list so that every field is reported.
func wrapOp(op string, err error) error {
	if _, ok := err.(interface{ Unwrap() []error }); ok {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}

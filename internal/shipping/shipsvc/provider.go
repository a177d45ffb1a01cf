package shipsvc

import (
	"context"
	"fmt"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// Use cases of external label providers (Loop's Labels API): a return
// approved without a label Rebound buys is a label request the provider
// fulfils with its own label (app.SetReturnLabel), or refuses.

// RecordLabelError notes on the return's timeline (and as a return event)
// that a label provider could not make its label: reason is the provider's
// code, message its text. ENOTFOUND for an unknown return.
func (s *Service) RecordLabelError(ctx context.Context, by returns.Actor, storeID, returnID, reason, message string) (time.Time, error) {
	var at time.Time
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		r, err := tx.LockReturn(ctx, storeID, returnID)
		if err != nil {
			return err
		}
		at = tx.Now()
		msg := fmt.Sprintf("The label provider could not make the label (%s)", reason)
		if message != "" {
			msg += ": " + message
		}
		ev := returns.Note(r, TimelineLabelFailed, by, at, msg+".", map[string]any{"reason": reason, "provider": true})
		return s.App.RecordChange(ctx, tx, r, returns.EventReturnUpdated, ev)
	})
	return at, err
}

// GenerateLabel queues the purchase of the return's label with the return
// policy's autoLabel carrier. ENOTFOUND for an unknown return; ECONFLICT
// when it has a label (not cancelled); EUNPROCESSABLE when it is not open
// or the policy has no autoLabel.
func (s *Service) GenerateLabel(ctx context.Context, storeID, returnID string) error {
	return s.Store.Update(ctx, func(tx store.Tx) error {
		r, err := tx.LockReturn(ctx, storeID, returnID)
		if err != nil {
			return err
		}
		if r.Label != nil && r.Label.Status != "cancelled" {
			return returns.Errorf(returns.ECONFLICT, "return %s has a label already (tracking number %s)", r.ID, r.Label.TrackingNumber)
		}
		if r.Status != returns.StatusOpen {
			return returns.Errorf(returns.EUNPROCESSABLE, "return %s is %s: only an open return gets a label", r.ID, r.Status)
		}
		p, err := tx.GetPolicy(ctx, storeID)
		if err != nil {
			return err
		}
		if p.AutoLabel == nil {
			return returns.Errorf(returns.EUNPROCESSABLE, "the return policy names no autoLabel carrier and service")
		}
		all, err := tx.ListShipments(ctx, storeID, returnID)
		if err != nil {
			return err
		}
		return enqueueLabel(ctx, tx, r, len(all))
	})
}

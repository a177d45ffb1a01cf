package refundidsync

import (
	"context"
	"errors"
	"fmt"

	"github.com/reboundhq/rebound/internal/refundid"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// linkError maps the errors of refundid's link builders.
func linkError(err error, in *returns.RefundidIntegration) error {
	var pe *refundid.ParamError
	switch {
	case errors.As(err, &pe):
		return &returns.Error{Code: returns.EUNPROCESSABLE, Field: pe.Param,
			Message: fmt.Sprintf("Refundid's link parameter %s %s", pe.Param, pe.Reason)}
	case errors.Is(err, refundid.ErrNoPortalURL):
		return returns.Errorf(returns.EUNPROCESSABLE, "no Refundid portal URL is known for the %s environment: connect with portalUrl", in.Environment)
	}
	return err
}

// OrderLink builds the initial redirect of a Refundid-initiated refund
// (flow 1) for one of storeID's orders (by external id, Rebound id or
// name): shop, order_number (the order's name), email, merchant_order_ref
// (its external id) and the optional redirect. Errors: ENOTFOUND when the
// store has no Refundid connection or no such order; EINVALID for a bad
// redirect; EUNPROCESSABLE (Field the parameter) when the order's data
// breaks Refundid's parameter rules, or no portal URL is known.
func (s *Service) OrderLink(ctx context.Context, storeID, orderRef, redirect string) (string, error) {
	if redirect != "" {
		if err := refundid.CheckParam(refundid.ParamRedirect, redirect); err != nil {
			return "", paramError(err)
		}
	}
	var link string
	err := s.Store.View(ctx, func(tx store.ReadTx) error {
		in, err := tx.GetRefundidIntegration(ctx, storeID)
		if err != nil {
			return err
		}
		o, err := tx.GetOrder(ctx, storeID, orderRef)
		if err != nil {
			return err
		}
		link, err = Environment(in).OrderLink(refundid.OrderLink{
			Shop: in.Shop, OrderNumber: o.Name, Email: o.Customer.Email, MerchantOrderRef: o.ExternalID, Redirect: redirect,
		})
		return linkError(err, in)
	})
	return link, err
}

// ReturnLink builds the initial redirect of a merchant-initiated refund
// (flow 2) of one of storeID's returns: shop, merchant_rma_ref (the
// return's id), a fresh privacy key and the optional redirect. The key's
// hash is stored with the return, so that Refundid's calls about it must
// carry it; every call issues a new key, and earlier ones keep working.
// Errors: ENOTFOUND (no connection, no such return); ECONFLICT for a
// deleted or rejected return; EINVALID for a bad redirect; EUNPROCESSABLE
// as OrderLink.
func (s *Service) ReturnLink(ctx context.Context, storeID, returnID, redirect string) (string, error) {
	if redirect != "" {
		if err := refundid.CheckParam(refundid.ParamRedirect, redirect); err != nil {
			return "", paramError(err)
		}
	}
	var link string
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		in, err := tx.GetRefundidIntegration(ctx, storeID)
		if err != nil {
			return err
		}
		r, err := tx.GetReturn(ctx, storeID, returnID)
		if err != nil {
			return err
		}
		if !r.Status.HoldsItems() {
			return returns.Errorf(returns.ECONFLICT, "return %s is %s: Refundid cannot refund it", r.ID, r.Status)
		}
		var key string
		link, key, err = Environment(in).RMALink(in.Shop, r.ID, redirect)
		if err != nil {
			return linkError(err, in)
		}
		return tx.AddRefundidKey(ctx, storeID, r.ID, refundid.HashSecret(key))
	})
	return link, err
}

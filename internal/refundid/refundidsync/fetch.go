package refundidsync

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/refundid"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// Authenticate finds the integration whose URLs carry token and checks the
// call against it: every layer it configures (address allow-list, bearer
// token, API-key header) must pass. Nothing but the integration is read.
// Errors: ENOTFOUND for an unknown token; EUNAUTHORIZED (with a message
// that names no secret) otherwise.
func (s *Service) Authenticate(ctx context.Context, token string, h http.Header, remote netip.Addr) (*returns.RefundidIntegration, error) {
	in, err := store.Read(ctx, s.Store, func(tx store.ReadTx) (*returns.RefundidIntegration, error) {
		return tx.GetRefundidIntegrationByToken(ctx, token)
	})
	if err != nil {
		return nil, err
	}
	c, err := authConfig(in)
	if err != nil {
		return nil, err
	}
	if err := c.Check(h, remote); err != nil {
		return nil, &returns.Error{Code: returns.EUNAUTHORIZED, Message: err.Error()}
	}
	return in, nil
}

// paramError maps a *refundid.ParamError to an EINVALID error naming the
// query parameter.
func paramError(err error) error {
	var pe *refundid.ParamError
	if errors.As(err, &pe) {
		return returns.Invalid(pe.Param, "parameter "+pe.Param+" "+pe.Reason)
	}
	return err
}

// checkParams checks the present parameters among names in q by
// Refundid's rules (refundid.CheckParam), and that shop, when present, is
// in's.
func checkParams(in *returns.RefundidIntegration, q url.Values, names ...string) error {
	for _, name := range names {
		if v := q.Get(name); v != "" {
			if err := refundid.CheckParam(name, v); err != nil {
				return paramError(err)
			}
		}
	}
	if shop := q.Get(refundid.ParamShop); shop != "" && shop != in.Shop {
		return returns.Errorf(returns.ENOTFOUND, "unknown shop %q", shop)
	}
	return nil
}

var errBadKey = &returns.Error{Code: returns.EUNAUTHORIZED, Message: "the privacy key does not match"}

// keyReturn returns the return a privacy key was issued for, or
// EUNAUTHORIZED.
func keyReturn(ctx context.Context, tx store.ReadTx, storeID, key string) (string, error) {
	if len(key) > refundid.MaxCredentialLen {
		return "", errBadKey
	}
	id, err := tx.RefundidKeyReturn(ctx, storeID, refundid.HashSecret(key))
	if returns.IsNotFound(err) {
		return "", errBadKey
	}
	return id, err
}

// FetchOrder answers GET /order for in's store: the order found by
// order_number and email, by merchant_order_ref, or both (they must name
// the same order), with every line's returnable_quantity and
// non_returnable_reasons from returns.Eligibility under the store's policy,
// given the units held by the order's returns (Refundid's included). When
// the call carries a privacy key, it must be one issued for a return of
// this order, whose own units then count as returnable (they are the RMA's
// to refund).
//
// Errors: EINVALID naming the parameter for one that breaks Refundid's
// rules or a lookup without order_number and email or merchant_order_ref;
// ENOTFOUND for another shop or an order the store does not have (or whose
// email differs); EUNAUTHORIZED for a wrong privacy key.
func (s *Service) FetchOrder(ctx context.Context, in *returns.RefundidIntegration, q url.Values) (*refundid.RapiOrder, error) {
	if err := checkParams(in, q, refundid.ParamShop, refundid.ParamOrderNumber, refundid.ParamEmail,
		refundid.ParamMerchantOrderRef, refundid.ParamKey); err != nil {
		return nil, err
	}
	number, email, ref, key := q.Get(refundid.ParamOrderNumber), q.Get(refundid.ParamEmail), q.Get(refundid.ParamMerchantOrderRef), q.Get(refundid.ParamKey)
	if ref == "" && (number == "" || email == "") {
		field := refundid.ParamOrderNumber
		if number != "" {
			field = refundid.ParamEmail
		}
		return nil, returns.Invalid(field, "give order_number and email, or merchant_order_ref")
	}
	notFound := returns.Errorf(returns.ENOTFOUND, "no such order")
	var out *refundid.RapiOrder
	err := s.Store.View(ctx, func(tx store.ReadTx) error {
		var o *returns.Order
		if ref != "" {
			found, err := tx.GetOrder(ctx, in.StoreID, ref)
			if returns.IsNotFound(err) || (err == nil && found.ExternalID != ref) {
				return notFound
			}
			if err != nil {
				return err
			}
			o = found
		}
		if number != "" {
			found, err := tx.GetOrder(ctx, in.StoreID, number)
			if returns.IsNotFound(err) || (err == nil && (found.Name != number || (o != nil && found.ID != o.ID))) {
				return notFound
			}
			if err != nil {
				return err
			}
			o = found
		}
		if email != "" && !strings.EqualFold(email, o.Customer.Email) {
			return notFound
		}
		except := ""
		if key != "" {
			id, err := keyReturn(ctx, tx, in.StoreID, key)
			if err != nil {
				return err
			}
			r, err := tx.GetReturn(ctx, in.StoreID, id)
			if err != nil || r.OrderID != o.ID {
				return errBadKey
			}
			except = r.ID
		}
		policy, err := tx.GetPolicy(ctx, in.StoreID)
		if err != nil {
			return err
		}
		rs, err := tx.ReturnsForOrder(ctx, in.StoreID, o.ID)
		if err != nil {
			return err
		}
		others := make([]returns.Return, len(rs))
		for i, r := range rs {
			others[i] = *r
		}
		elig := returns.Eligibility(o, policy, returns.HeldBy(others, except), time.Now())
		out, err = refundid.OrderFor(o, elig)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FetchReturn answers GET /refund for in's store: the return whose id is
// merchant_rma_ref, as a RapiReturn. When privacy keys were issued for the
// return (ReturnLink), the call must carry one of them.
//
// Errors: EINVALID naming the parameter (merchant_rma_ref is required);
// ENOTFOUND for another shop, a return the store does not have, or one
// that is deleted or rejected; EUNAUTHORIZED for a missing or wrong key.
func (s *Service) FetchReturn(ctx context.Context, in *returns.RefundidIntegration, q url.Values) (*refundid.RapiReturn, error) {
	if err := checkParams(in, q, refundid.ParamShop, refundid.ParamMerchantRMARef, refundid.ParamKey); err != nil {
		return nil, err
	}
	rma, key := q.Get(refundid.ParamMerchantRMARef), q.Get(refundid.ParamKey)
	if rma == "" {
		return nil, paramError(refundid.CheckParam(refundid.ParamMerchantRMARef, ""))
	}
	var out *refundid.RapiReturn
	err := s.Store.View(ctx, func(tx store.ReadTx) error {
		r, err := tx.GetReturn(ctx, in.StoreID, rma)
		if err != nil {
			return err
		}
		if err := checkReturnKey(ctx, tx, in.StoreID, r.ID, key, true); err != nil {
			return err
		}
		if !r.Status.HoldsItems() {
			return returns.Errorf(returns.ENOTFOUND, "return %s is %s", r.ID, r.Status)
		}
		os, err := tx.GetOrdersByID(ctx, in.StoreID, []string{r.OrderID})
		if err != nil {
			return err
		}
		o := os[r.OrderID]
		if o == nil {
			return returns.Errorf(returns.ENOTFOUND, "the order of return %s is gone", r.ID)
		}
		policy, err := tx.GetPolicy(ctx, in.StoreID)
		if err != nil {
			return err
		}
		out, err = refundid.ReturnFor(o, r, policy)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkReturnKey checks a privacy key presented for a return: a key given
// must be one issued for it; with required, a return that has keys needs
// one.
func checkReturnKey(ctx context.Context, tx store.ReadTx, storeID, returnID, key string, required bool) error {
	if key == "" {
		if !required {
			return nil
		}
		has, err := tx.HasRefundidKeys(ctx, storeID, returnID)
		if err != nil {
			return err
		}
		if has {
			return &returns.Error{Code: returns.EUNAUTHORIZED, Message: "this return's link carried a privacy key: the call must carry it"}
		}
		return nil
	}
	id, err := keyReturn(ctx, tx, storeID, key)
	if err != nil {
		return err
	}
	if id != returnID {
		return errBadKey
	}
	return nil
}

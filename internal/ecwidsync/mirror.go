package ecwidsync

import (
	"context"
	"errors"
	"strings"

	"github.com/reboundhq/rebound/internal/ecwid"
)

// Mirror creates the Ecwid order for in.Return (see BuildOrder) and returns
// its public id ("XJ12H"). It never creates more than one order per call,
// and, used as below, one per return:
//
//   - When in.Return.EcwidOrderID is set, the return is already mirrored:
//     Mirror returns that id and sends nothing.
//   - BuildOrder runs first; its *AddressError or *InputError is returned
//     before any request.
//   - When uncertain is true (a previous attempt may have reached Ecwid
//     without an answer), Mirror first searches for the return's order with
//     FindMirrored and returns the id found instead of creating one.
//   - Otherwise, or when nothing is found, it sends one create request. The
//     client retries that request only after a 429, which Ecwid refuses
//     before processing.
//
// Every error can be passed to Classify, Uncertain and Reason. An error for
// which Uncertain is true means the order may exist: the next attempt must
// pass uncertain=true. That is the case after a timeout, a dropped
// connection, a 5xx or an unreadable 2xx answer to the create request, and
// for any failure of a call made with uncertain=true (Ecwid's search may lag
// behind a creation, so the doubt is not lifted until an order is found or
// created).
//
// Mirror sends nothing about refunds or store credit.
func Mirror(ctx context.Context, client *ecwid.Client, in MirrorInput, uncertain bool) (orderID string, err error) {
	if in.Return == nil {
		return "", &InputError{Field: "return", Message: "no return given"}
	}
	if id := strings.TrimSpace(in.Return.EcwidOrderID); id != "" {
		return id, nil
	}
	o, err := BuildOrder(in)
	if err != nil {
		return "", err
	}
	if client == nil {
		return "", &InputError{Field: "client", Message: "no Ecwid client given"}
	}
	if uncertain {
		id, found, err := FindMirrored(ctx, client, in.Return.ID)
		if err != nil {
			return "", &UncertainError{Err: err}
		}
		if found {
			return id, nil
		}
	}
	res, err := client.Orders.Create(ctx, o)
	if err != nil {
		if errors.Is(err, ecwid.ErrMalformedResponse) {
			// Ecwid answered 2xx, so the order exists: look it up now.
			if id, found, ferr := FindMirrored(ctx, client, in.Return.ID); ferr == nil && found {
				return id, nil
			}
			return "", &UncertainError{Err: err}
		}
		if uncertain || createMayHaveApplied(err) {
			return "", &UncertainError{Err: err}
		}
		return "", err
	}
	return string(res.OrderID), nil
}

// createMayHaveApplied reports whether a failed create request may have
// created the order: anything but a 4xx answer (Ecwid refused it) or 429
// (refused before processing). 408 and 5xx answers and every transport or
// context failure may follow the creation.
func createMayHaveApplied(err error) bool {
	if e := ecwid.AsError(err); e != nil {
		return e.Status >= 500 || e.Status == 408
	}
	return true
}

// FindMirrored searches Ecwid for the order mirroring the return with id
// returnID: an order whose orderComments or privateAdminNotes carry
// "Rebound return ID: <returnID>" exactly (an id that merely starts with
// returnID does not match). It searches with keywords=returnID, reads every
// result page and filters the results itself, since Ecwid's keyword search
// also matches other fields and partial words. When several orders match
// (duplicates made by hand or by another system), the earliest created is
// returned. found is false when none matches; err is the search's failure.
func FindMirrored(ctx context.Context, client *ecwid.Client, returnID string) (orderID string, found bool, err error) {
	if returnID == "" {
		return "", false, &InputError{Field: "return.id", Message: "the return has no id"}
	}
	f := &ecwid.OrderFilter{
		Keywords:       returnID,
		Limit:          ecwid.MaxLimit,
		ResponseFields: "total,count,offset,limit,items(id,orderComments,privateAdminNotes,createTimestamp)",
	}
	var best *ecwid.Order
	for o, err := range client.Orders.All(ctx, f) {
		if err != nil {
			return "", false, err
		}
		if !mentionsReturn(o.OrderComments, returnID) && !mentionsReturn(o.PrivateAdminNotes, returnID) {
			continue
		}
		if o.ID == "" {
			continue
		}
		if best == nil || o.CreateTimestamp < best.CreateTimestamp {
			best = &o
		}
	}
	if best == nil {
		return "", false, nil
	}
	return string(best.ID), true, nil
}

// UpdateTracking updates the Ecwid order ecwidOrderID after the return's
// tracking number arrived or changed: it PUTs affiliateId (the return's
// current Label.TrackingNumber, "" when it has none) and orderComments
// (rebuilt from in as BuildOrder does) and nothing else, so fields the
// merchant changed in Ecwid are kept. The address is not checked: the order
// exists already. PUT is idempotent, so its errors are never Uncertain.
func UpdateTracking(ctx context.Context, client *ecwid.Client, ecwidOrderID string, in MirrorInput) error {
	if in.Return == nil {
		return &InputError{Field: "return", Message: "no return given"}
	}
	id := strings.TrimSpace(ecwidOrderID)
	if id == "" {
		return &InputError{Field: "ecwidOrderId", Message: "the return has no Ecwid order to update"}
	}
	if client == nil {
		return &InputError{Field: "client", Message: "no Ecwid client given"}
	}
	tn := trackingNumber(in.Return)
	comments := orderComments(in)
	_, err := client.Orders.Update(ctx, ecwid.OrderID(id), &ecwid.OrderUpdate{
		AffiliateID:   &tn,
		OrderComments: &comments,
	})
	return err
}

// Package easyposttest is a fake EasyPost API v2 for tests and local
// development: an http.Handler (use it with httptest.NewServer) that can
// also listen on an address (ListenAndServe, for `rebound dev
// fake-easypost`).
//
// It keeps shipments, rates, purchases, refunds and trackers in memory and
// answers with EasyPost's object and error shapes:
//
//   - POST /shipments creates a shipment with three generated rates (USPS
//     GroundAdvantage and Priority, UPS Ground) priced by weight; an address
//     whose street1 has no house number, or whose zip is "00000", is refused
//     with 422 ADDRESS.VERIFY.FAILURE; a missing address or parcel, or a
//     weight that is not positive, with 422 SHIPMENT.INVALID_PARAMS.
//   - POST /shipments/{id}/buy {"rate":{"id":...}} buys once: a rate not of
//     the shipment is 422 SHIPMENT.INVALID_PARAMS, a second buy is 422
//     SHIPMENT.POSTAGE.EXISTS. The bought shipment has a postage label (a
//     real PDF rendered by internal/shipping/label, served at
//     /labels/{id}.pdf without authentication) and a tracker in pre_transit.
//   - POST /shipments/{id}/refund sets refund_status "submitted", or
//     "rejected" once the parcel has moved.
//   - POST /trackers returns the tracker of a known code or creates one
//     (EasyPost's test codes EZ1000000001 … EZ7000000007 start in their
//     documented statuses); GET /trackers/{id}, GET /shipments/{id}.
//   - Unknown ids are 404 NOT_FOUND; a missing or wrong API key (HTTP Basic
//     user name) is 401.
//
// The error codes for an unknown rate, a second purchase, an invalid
// refund and authentication are modelled on EasyPost's dotted style; only
// ADDRESS.VERIFY.FAILURE, SHIPMENT.INVALID_PARAMS and the error object
// shape are confirmed by EasyPost's documentation.
//
// Faults are injected on demand: FailNext (the next n API calls answer an
// error status and do nothing), FailNextBuyAfterPurchase (the next buy
// stores the purchase, then answers 500), Hold (the next call waits until
// released) and Options.Latency (every call is slow). AdvanceTracker moves
// a tracker to a new status and sends a signed tracker.updated event to
// Options.WebhookURL.
package easyposttest

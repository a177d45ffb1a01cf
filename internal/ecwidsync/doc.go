// Package ecwidsync is Rebound's Ecwid integration: it mirrors approved
// returns into Ecwid and reads Ecwid's webhooks back onto the returns'
// timelines. It owns its use cases (Service: connecting a store, the
// inbound webhook, external RMAs on return create) and its workers (the
// mirror and tracking jobs, enqueued by OnReturnChange in the change's
// transaction); the mirroring itself (BuildOrder, Mirror, UpdateTracking,
// Classify) holds no state, and its callers record the outcome.
//
// # Mirroring a return
//
// An approved return becomes one Ecwid order that represents the incoming
// parcel: a $0 PAID order awaiting processing, whose items are the returned
// SKUs with the return reason as a selected option, whose addresses are the
// returner's, and whose comments and private notes name the merchant, the
// return, the original order, the return tracking number, the shopper's
// questionnaire answers and photo URLs. [BuildOrder] lists every field.
// The order carries no Ecwid product ids, so Ecwid does not move stock, and
// it asks Ecwid not to e-mail the shopper. Refunds and store credit are never
// sent to Ecwid.
//
// [Mirror] creates that order, once. The job that calls it should:
//
//	id, err := ecwidsync.Mirror(ctx, client, in, uncertain)
//	switch ecwidsync.Classify(err) {
//	case ecwidsync.None:      // save id on the return, timeline "Ecwid order <id> created"
//	case ecwidsync.Permanent: // timeline error ecwidsync.Reason(err); do not retry
//	case ecwidsync.Auth:      // mark the integration failing with ecwidsync.Reason(err); do not retry
//	case ecwidsync.Retryable: // retry later, with uncertain = ecwidsync.Uncertain(err)
//	}
//
// uncertain says that an earlier attempt may have created the order without
// Rebound hearing the answer (a timeout or a dropped connection after the
// POST was sent, a 5xx). Mirror then first searches Ecwid for an order
// carrying the return's id (see [FindMirrored]) and returns it instead of
// creating a second one. Passing uncertain=true when it is not needed only
// costs one search, so a job without somewhere to keep the flag may pass
// "this is not the first attempt".
//
// [UpdateTracking] rewrites the order's tracking number (affiliateId) and
// comments when the return's label arrives or changes.
//
// # Errors
//
// [Classify] sorts every error returned here into [Permanent] (an incomplete
// address, [*AddressError]; unusable input, [*InputError]; an Ecwid 4xx other
// than 401, 403, 408 and 429), [Auth] (Ecwid 401 or 403: a bad token or a
// missing scope) and [Retryable] (Ecwid 5xx, 408, 429, timeouts, network
// failures). [Uncertain] tells whether the next attempt must search first.
// [Reason] gives the sentence to show a merchant, with Ecwid's errorMessage
// when Ecwid sent one.
//
// # Webhooks
//
// [VerifyWebhook] parses an Ecwid webhook body and checks its
// X-Ecwid-Webhook-Signature (base64 HMAC-SHA256 of "{eventCreated}.{eventId}"
// keyed with the app's client secret) and its age. Every failure is a
// [*WebhookError], to be answered 401 with nothing recorded. Only eventId
// and eventCreated are signed: de-duplicate on eventId. [NoteFor] gives the
// timeline sentence for an event; an Ecwid event never changes a return's
// status.
package ecwidsync

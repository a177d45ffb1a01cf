// Package easypost is a small client of EasyPost's REST API v2
// (https://api.easypost.com/v2): shipments with their rates, buying a rate,
// postage labels, refunds, trackers and signed tracker webhooks. Client
// implements shipping.Carrier.
//
// The official Go client is not available from the module proxy; this one
// covers only what Rebound uses. Wire types follow EasyPost's documented
// objects (Shipment, Rate, PostageLabel, Tracker, TrackingDetail, Event,
// Error) and ignore members they do not declare.
//
// Requests authenticate with HTTP Basic auth, the API key as user name and
// an empty password, and send JSON bodies with an explicit Content-Length.
//
// Errors are *shipping.Error: 404 is ENotFound; 429, 5xx, timeouts and
// unreadable answers are EUnavailable (retryable: the outcome of a write is
// unknown); other 4xx answers are ERefused carrying EasyPost's error code
// (e.g. ADDRESS.VERIFY.FAILURE, SHIPMENT.INVALID_PARAMS), message and field
// errors.
//
// A fake EasyPost server for tests and development is in easyposttest.
package easypost

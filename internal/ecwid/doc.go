// Package ecwid is a client for the Ecwid REST API v3
// (https://app.ecwid.com/api/v3/{storeId}).
//
// A [Client] is bound to one store and one secret token. Its services cover
// the resources Rebound reads or writes:
//
//	c.Products    GET /products, GET /products/{id}, GET /products/{id}/combinations
//	c.Orders      GET/POST /orders, GET/PUT/DELETE /orders/{id}
//	c.Customers   GET /customers, GET /customers/{id}
//	c.Categories  GET /categories, GET /categories/{id}
//	c.Coupons     GET /discount_coupons, GET /discount_coupons/{id}
//	c.Promotions  GET /promotions
//	c.Carts       GET /carts, GET /carts/{cartId}   (abandoned carts)
//	c.Profile     GET /profile
//
// [Client.Do] reaches any other endpoint with the same auth, limits and
// retries.
//
// # Identifiers
//
// Ids keep the types Ecwid gives them: [OrderID] is a string such as "XJ12H"
// (a store may add a prefix or suffix), [CartID] is a UUID string, and
// products, customers, categories, coupons and promotions use int64-based
// types. Orders also have a numeric InternalID; Ecwid accepts it in paths,
// but the string id is the one to store and show.
//
// # Searching and paging
//
// Every list endpoint answers with the envelope {total, count, offset, limit,
// items}, decoded into [Page]. Search methods fetch one page; All methods
// return an [iter.Seq2] that walks offset/limit pages of at most [MaxLimit]
// items and stops once total is reached:
//
//	for o, err := range c.Orders.All(ctx, &ecwid.OrderFilter{PaymentStatus: []ecwid.PaymentStatus{ecwid.PaymentPaid}}) {
//		if err != nil {
//			return err
//		}
//		...
//	}
//
// Filters are typed structs. Date bounds are sent as UNIX seconds, which
// Ecwid accepts next to its "2006-01-02 15:04:05" form and which does not
// depend on a time zone. Each filter has ResponseFields, Ecwid's field
// selection syntax ("total,items(id,email)"), and Get methods take the same
// selection as variadic fields.
//
// # Errors
//
// A non-2xx answer is returned as [*Error] carrying the HTTP status and
// Ecwid's errorCode and errorMessage. [IsAuth], [IsNotFound] and
// [IsRetryable] classify errors.
//
// # Rate limits and retries
//
// Ecwid allows 600 requests per minute per token and answers 429 with a
// Retry-After (seconds) beyond that. By default every Client waits on a
// token bucket shared by all clients in the process that use the same token
// ([SharedLimiter]), sized so that no 60-second window can exceed 600
// requests.
//
// Retries happen inside one call and respect its context:
//
//   - 429 is retried for every method, POST included: Ecwid rejected the
//     request without processing it. The client waits Retry-After (10 s if
//     absent). If that is longer than [WithMaxRetryAfter] or than what is
//     left of the context deadline, it gives up at once and returns the
//     *Error with RetryAfter set, so a job queue can reschedule instead.
//   - 5xx, 408 and transport failures (timeouts, resets) are retried with
//     jittered exponential backoff for GET, PUT and DELETE only.
//   - POST is never retried after a 5xx or a transport failure: Ecwid may
//     have created the order before failing, and a retry would create a
//     duplicate. A caller that wants to retry an order creation should first
//     search for the order it tried to create (for example with
//     OrderFilter.Keywords on a reference it put in orderComments).
//
// Each call gets the client's default timeout ([WithTimeout]) when its
// context has no deadline; the timeout covers retries and waits.
//
// # Webhooks
//
// [VerifyWebhook] checks the X-Ecwid-Webhook-Signature of an inbound event
// and decodes it into a [WebhookEvent].
//
// The package ecwidtest provides an in-process fake of the API for tests.
package ecwid

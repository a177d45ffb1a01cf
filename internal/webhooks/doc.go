// Package webhooks is Rebound's outbound webhooks, as an integration that
// owns its use cases and its workers: the subscription use cases of every
// surface (Service: upsert, update, delete, enable/disable, secret
// rotation, replay, backfill, the delivery log, redelivery), the event
// dispatcher that fans changes out into delivery rows, the delivery worker
// and the recovery sweep (AddWorkers, Sweep), the payloads (Redo's and
// Loop's), and the building blocks beneath them that need no storage:
// signing, the outbound safety guard, one delivery attempt, the retry
// schedule, and a verifying receiver for local development.
//
// # Signing
//
// Every delivery carries the Standard Webhooks headers
// (https://www.standardwebhooks.com, spec v1.0.0): webhook-id, which must be
// the same on every retry of one event so receivers can de-duplicate;
// webhook-timestamp, the unix time of this attempt; and webhook-signature, a
// space-separated list of "v1,<base64 HMAC-SHA256>" entries over
// "{id}.{timestamp}.{body}", one per active secret, so that during a secret
// rotation receivers holding either the old or the new secret can verify.
// Secrets are "whsec_" + base64 of 32 random bytes (NewSecret). Headers
// builds the three headers; Verify is the receiver side (used by tests and
// fakes). These signatures are checked in the tests by the official
// Standard Webhooks JavaScript library (npm package standardwebhooks, pinned).
//
// Subscriptions of kind "loop" also carry X-Loop-Signature (LoopSignature),
// Loop's scheme: base64(HMAC-SHA256(raw body)) keyed with the secret string
// itself. Both schemes sign the exact bytes sent, so the body must not be
// re-encoded between signing and sending.
//
// # Outbound safety
//
// A Guard refuses webhook targets that are not public internet hosts. It is
// applied twice: CheckURL when a subscription is created or changed (https
// only, no credentials in the URL, every address the host resolves to must be
// public), and again inside the dialer of the http.Client from Guard.Client,
// on the address actually being connected to, which defeats DNS rebinding (a
// name that resolved to a public address at subscription time and to
// 169.254.169.254 later). That client never follows redirects and ignores
// proxy environment variables. Guard{AllowPrivate: true} turns every address
// check off and also allows http:// (for tests and local development; the
// server's --allow-private-webhook-targets).
//
// # Delivery and retries
//
// Deliver makes one POST and classifies the result (Outcome): 2xx is success;
// 408, 409, 425, 429, 5xx, network errors and timeouts are retryable; other
// statuses (including 3xx, since redirects are not followed) and refused
// targets are not. At most MaxResponseRead bytes of a response are read.
//
// NextDelay gives the wait before the next attempt: exponential backoff with
// full jitter (Backoff), never less than the receiver's Retry-After, never
// more than MaxDelay. An event is retried until RetryWindow (24 h) after its
// first attempt (GiveUp); with the constants here that is about 56 attempts
// (see Backoff).
package webhooks

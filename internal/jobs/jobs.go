// Package jobs names Rebound's durable background jobs (River): their
// arguments and kinds, and nothing else. The store enqueues them in the
// same transaction as the change that causes them; the packages that own
// each job register its worker (internal/webhooks, internal/ecwidsync).
// It is a leaf: it imports no other Rebound package, so that the storage
// layer can enqueue jobs without linking any integration.
package jobs

import (
	"time"

	"github.com/riverqueue/river"
)

// QueueEvents is the job queue of the webhook path: event dispatch and
// delivery (their args say so, InsertOpts). It has workers of its own, so
// that a backlog in River's default queue — shopper emails after a burst
// of returns, a slow SMTP server, Ecwid calls — never holds webhooks back.
// Jobs of these kinds queued in the default queue before the queue
// existed are still run there.
const QueueEvents = "events"

// DispatchEventsArgs asks for a store's undispatched events to be fanned
// out to its subscribers, oldest first. Dispatch is requested as a unique
// job per store and Slot (see store.Tx.RequestDispatch): a request finding
// the job of a slot running (which may have read its events already, or
// have died with its process) tries the next slot, so one more job is
// queued; the webhook sweep requests one again for a store whose events
// wait too long (after a crash).
type DispatchEventsArgs struct {
	StoreID string `json:"store_id"`
	Slot    int    `json:"slot,omitempty"`
}

// Kind implements river.JobArgs.
func (DispatchEventsArgs) Kind() string { return "event.dispatch" }

// InsertOpts implements river.JobArgsWithInsertOpts: QueueEvents.
func (DispatchEventsArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueueEvents} }

// DeliverArgs asks for a subscription's due deliveries to be attempted.
type DeliverArgs struct {
	StoreID   string `json:"store_id"`
	WebhookID string `json:"webhook_id"`
}

// Kind implements river.JobArgs.
func (DeliverArgs) Kind() string { return "webhook.deliver" }

// InsertOpts implements river.JobArgsWithInsertOpts: QueueEvents.
func (DeliverArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueueEvents} }

// Modes of a WebhookFillArgs job.
const (
	FillBackfill = "backfill" // every existing return, as it is now
	FillReplay   = "replay"   // every return event since Start, as recorded
)

// WebhookFillArgs asks for deliveries of a store's history to one
// subscription, a chunk at a time: each run queues one chunk and, in the
// same transaction, the job for the next (Cursor).
type WebhookFillArgs struct {
	StoreID   string    `json:"store_id"`
	WebhookID string    `json:"webhook_id"`
	Mode      string    `json:"mode"`
	Start     time.Time `json:"start,omitzero"` // replay: events created at or after
	// Nonce makes this fill's webhook-ids its own.
	Nonce string `json:"nonce"`
	// Cursor is where the next chunk starts: a return id (backfill, going
	// from the newest to the oldest) or an event id (replay, oldest first).
	Cursor string `json:"cursor,omitempty"`
}

// Kind implements river.JobArgs.
func (WebhookFillArgs) Kind() string { return "webhook.fill" }

// EcwidMirrorArgs asks for a return to be mirrored into Ecwid.
type EcwidMirrorArgs struct {
	StoreID  string `json:"store_id"`
	ReturnID string `json:"return_id"`
}

// Kind implements river.JobArgs.
func (EcwidMirrorArgs) Kind() string { return "ecwid.mirror" }

// EcwidTrackingArgs asks for a mirrored return's Ecwid order to get the
// return's current tracking.
type EcwidTrackingArgs struct {
	StoreID  string `json:"store_id"`
	ReturnID string `json:"return_id"`
}

// Kind implements river.JobArgs.
func (EcwidTrackingArgs) Kind() string { return "ecwid.tracking" }

// ShopperEmailArgs asks for one email to a return's shopper (Email, its kind:
// received, approved, refunded, credited or rejected; internal/notify).
// Unique by its args: a return gets at most one email of each kind.
type ShopperEmailArgs struct {
	StoreID  string `json:"store_id"`
	ReturnID string `json:"return_id"`
	Email    string `json:"kind"`
}

// Kind implements river.JobArgs.
func (ShopperEmailArgs) Kind() string { return "email.shopper" }

// OutboxEmailArgs asks for one email already in the email outbox (an
// invitation to an admin user; internal/notify) to be sent through SMTP.
// It names the row, not its content: the outbox row is the email. Unique
// by its args.
type OutboxEmailArgs struct {
	StoreID string `json:"store_id"`
	EmailID string `json:"email_id"`
}

// Kind implements river.JobArgs.
func (OutboxEmailArgs) Kind() string { return "email.outbox" }

// Package store defines Rebound's persistence boundary: a Store with
// read-only and read-write transactions composed of per-aggregate
// interfaces (merchants, API keys, orders, events, returns, tags, policies,
// webhooks, integrations, Loop ids, Refundid, shipping, invoices, the portal,
// admin users). Two backends implement it,
// internal/store/sqlite and internal/store/postgres; storetest holds the
// contract suite both must pass.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/riverqueue/river"
)

// ErrClosed is returned by a Store used after Close.
var ErrClosed = errors.New("store: closed")

// Store is a handle on one database.
type Store interface {
	// View runs fn in a read-only transaction (a consistent snapshot).
	// fn's error is returned unchanged.
	View(ctx context.Context, fn func(ReadTx) error) error

	// Update runs fn in a read-write transaction. The writes fn makes and the
	// jobs it enqueues commit together or not at all. If fn returns an error
	// nothing fn wrote is kept and the error is returned unchanged. fn may be
	// run in a transaction shared with other concurrent Update calls (group
	// commit) and, if any of them fails, run again alone: fn must have no
	// effects outside the Tx it is given other than setting its results.
	// A ctx already done when fn would start returns ctx's error with
	// nothing written. Cancelled while fn runs, a shared transaction (the
	// SQLite backend) runs on to its end, so that one caller cannot roll
	// back the others, and Update reports its outcome; a transaction of
	// its own (PostgreSQL) fails its next statement and is rolled back.
	Update(ctx context.Context, fn func(Tx) error) error

	// InsertNewOrders writes each order of os that is new to its store (no
	// stored order and none earlier in os has its external id) together
	// with evs[i], its event, in one atomic write of its own, and reports
	// which it inserted; the others are left untouched for the caller to
	// upsert. The orders must carry their ID, StoreID and SyncedAt; each
	// inserted event gets its ID and CreatedAt. ENOTFOUND if a store does
	// not exist, and then nothing is written. It is the order-sync hot
	// path: on PostgreSQL one statement outside any transaction (one round
	// trip), on SQLite a write of the group commit. len(evs) must be
	// len(os).
	InsertNewOrders(ctx context.Context, os []*returns.Order, evs []*returns.Event) (inserted []bool, err error)

	// APIKey returns the key (revoked or not) by id, or ENOTFOUND. It is
	// the authentication hot path: one prepared read outside any
	// transaction.
	APIKey(ctx context.Context, id string) (*returns.APIKey, error)

	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Ready reports an error unless the database answers and every migration
	// is applied.
	Ready(ctx context.Context) error

	// StartWorkers starts the background job workers registered in w; they
	// run until StopWorkers or Close. It is an error to start twice.
	StartWorkers(ctx context.Context, w *river.Workers) error
	// StopWorkers stops fetching new jobs and waits for running ones to
	// finish or ctx to end (then they are cancelled and retried later).
	StopWorkers(ctx context.Context) error

	// JobCounts returns how many background jobs are in each state
	// (available, running, retryable, completed, ...).
	JobCounts(ctx context.Context) (map[string]int, error)

	// Dialect names the backend: "sqlite" or "postgres".
	Dialect() string
	Close() error
}

// ReadTx reads within one transaction. Every method is scoped to one store
// (tenant) where it takes a storeID: data of another store is never returned.
type ReadTx interface {
	MerchantsReader
	APIKeysReader
	OrdersReader
	EventsReader
	ReturnsReader
	TagsReader
	PoliciesReader
	WebhooksReader
	IntegrationsReader
	RefundidReader
	LoopReader
	ShippingReader
	InvoicesReader
	UsersReader
	PortalReader
}

// PendingWebhook is a subscription with deliveries to attempt, and when
// the first of them can be claimed.
type PendingWebhook struct {
	StoreID, WebhookID string
	NextAttemptAt      time.Time
}

// ReturnQuery filters and pages ListReturns. Zero values filter nothing.
type ReturnQuery struct {
	Status     returns.Status
	OrderName  string    // the order's name (Return.OrderName)
	UpdatedMin time.Time // UpdatedAt >= UpdatedMin
	UpdatedMax time.Time // UpdatedAt < UpdatedMax (exclusive, as Redo's updated_at_max)
	// Before is a keyset cursor: only returns with id < Before; "" starts
	// from the newest.
	Before string
	// Limit is the most returns to return; ≤ 0 means 20.
	Limit int
}

// Tx reads and writes within one transaction.
type Tx interface {
	ReadTx
	MerchantsWriter
	APIKeysWriter
	OrdersWriter
	EventsWriter
	ReturnsWriter
	TagsWriter
	PoliciesWriter
	WebhooksWriter
	IntegrationsWriter
	RefundidWriter
	LoopWriter
	ShippingWriter
	InvoicesWriter
	UsersWriter
	PortalWriter

	// Now is the transaction's clock, fixed for its duration.
	Now() time.Time
	// Enqueue inserts a job in this transaction.
	Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
}

// PoolStats describes one connection pool, for metrics.
type PoolStats struct {
	MaxOpen      int
	Open         int
	InUse        int
	Idle         int
	WaitCount    int64
	WaitDuration time.Duration
}

// Pooler is implemented by stores that can report their connection pools,
// keyed by pool name ("writer", "reader", "main").
type Pooler interface {
	Pools() map[string]PoolStats
}

// MerchantsReader reads merchants (Redo's stores).
type MerchantsReader interface {
	// GetStore returns the store, or ENOTFOUND.
	GetStore(ctx context.Context, id string) (*returns.Merchant, error)

	// ListStores returns every store, oldest first.
	ListStores(ctx context.Context) ([]*returns.Merchant, error)

	// GetStoreByName returns the oldest store with that name, or ENOTFOUND.
	GetStoreByName(ctx context.Context, name string) (*returns.Merchant, error)
}

// MerchantsWriter writes merchants (Redo's stores).
type MerchantsWriter interface {
	// CreateStore inserts s (ID and CreatedAt must be set).
	CreateStore(ctx context.Context, s *returns.Merchant) error
}

// APIKeysReader reads API keys.
type APIKeysReader interface {
	// GetAPIKey returns the key (revoked or not), or ENOTFOUND.
	GetAPIKey(ctx context.Context, id string) (*returns.APIKey, error)

	// ListAPIKeys returns a store's keys (revoked ones too), oldest first.
	ListAPIKeys(ctx context.Context, storeID string) ([]*returns.APIKey, error)
}

// APIKeysWriter writes API keys.
type APIKeysWriter interface {
	// CreateAPIKey inserts k. ENOTFOUND if its store does not exist.
	CreateAPIKey(ctx context.Context, k *returns.APIKey) error

	// RevokeAPIKey marks the key revoked at Now. ENOTFOUND if it does not
	// exist; revoking a revoked key is a no-op that keeps the first time.
	RevokeAPIKey(ctx context.Context, id string) (*returns.APIKey, error)
}

// OrdersReader reads orders.
type OrdersReader interface {
	// GetOrder finds a store's order by external id, Rebound id or name, in
	// that order of precedence. ENOTFOUND when none matches.
	GetOrder(ctx context.Context, storeID, ref string) (*returns.Order, error)

	// CountOrders returns how many orders the store has.
	CountOrders(ctx context.Context, storeID string) (int, error)

	// GetOrdersByID returns the store's orders with these Rebound ids, keyed
	// by id; ids that match nothing are left out (no error).
	GetOrdersByID(ctx context.Context, storeID string, ids []string) (map[string]*returns.Order, error)
}

// OrdersWriter writes orders.
type OrdersWriter interface {
	// UpsertOrder inserts o, or updates the store's order with the same
	// ExternalID. An update is applied only when o.UpdatedAt is not older
	// than the stored order's; otherwise nothing changes and applied is
	// false. Either way o.ID is set to the stored order's id (a new id is
	// kept from o.ID on insert). ENOTFOUND when the store does not exist.
	UpsertOrder(ctx context.Context, o *returns.Order) (applied bool, err error)

	// UpsertOrders is UpsertOrder for several orders of one or more
	// stores, with the same outcome as calling it for each in slice order
	// (an external id repeated in os is checked against its earlier
	// occurrence): applied[i] is os[i]'s. New orders are inserted a chunk
	// per statement. ENOTFOUND when a store does not exist; on any error
	// the caller must roll the transaction back.
	UpsertOrders(ctx context.Context, os []*returns.Order) (applied []bool, err error)

	// DeleteOrder deletes a store's order found by external id or Rebound id
	// and returns it; ENOTFOUND if there is none.
	DeleteOrder(ctx context.Context, storeID, ref string) (*returns.Order, error)

	// SaveOrder writes o over the store's order with o.ID (and o.StoreID)
	// as it is, without UpsertOrder's UpdatedAt check: for changes Rebound
	// makes to an order it holds locked (LockOrder), such as the Orders
	// API's fulfillments and shipment statuses. The external id stays as
	// stored. ENOTFOUND when the store has no such order.
	SaveOrder(ctx context.Context, o *returns.Order) error

	// LockOrder returns the store's order with that Rebound id and holds it
	// locked until the transaction ends, so that concurrent returns for the
	// same order are decided one after the other; ENOTFOUND when there is
	// none.
	LockOrder(ctx context.Context, storeID, orderID string) (*returns.Order, error)
}

// EventsReader reads the event outbox.
type EventsReader interface {
	// ListEvents returns a store's events with id > afterID, oldest first, at
	// most limit of them.
	ListEvents(ctx context.Context, storeID string, afterID int64, limit int) ([]*returns.Event, error)

	// StaleDispatches returns the ids of the stores whose oldest
	// undispatched event was created at or before before: stores whose
	// dispatch job was lost (a crashed process) or is late.
	StaleDispatches(ctx context.Context, before time.Time) ([]string, error)

	// ListEventsSince returns the store's events created at or after since
	// with id > afterID, oldest first, at most limit (for replays).
	ListEventsSince(ctx context.Context, storeID string, since time.Time, afterID int64, limit int) ([]*returns.Event, error)
}

// EventsWriter writes the event outbox.
type EventsWriter interface {
	// AddEvent records ev (setting ID and CreatedAt) and makes sure the
	// store's event.dispatch job will run after this transaction commits:
	// queued in it unless one is (SQLite), or requested by the backend once
	// the transaction has committed (PostgreSQL, where no per-store row is
	// written by event writers).
	AddEvent(ctx context.Context, ev *returns.Event) error

	// AddEvents is AddEvent for several events, inserted a chunk per
	// statement; their ids increase in slice order. ENOTFOUND when a
	// store does not exist.
	AddEvents(ctx context.Context, evs []*returns.Event) error

	// TakeEvents returns up to limit of the store's undispatched events,
	// in dispatch order, and marks them dispatched (by moving the store's
	// dispatch cursor past them). Each event is taken exactly once however
	// many dispatchers run at once, and never after a later event written
	// after it committed. On PostgreSQL only events whose transaction id is
	// below the snapshot's xmin are taken (no transaction that could still
	// add an earlier one is running); events held back so, and a full
	// batch, make it request another dispatch after commit, so no event is
	// left behind.
	TakeEvents(ctx context.Context, storeID string, limit int) ([]*returns.Event, error)

	// RequestDispatch makes sure an event.dispatch job for the store is
	// waiting to run, in this transaction: unless one of its unique slots
	// holds a job not yet started, it queues one (a running job may have
	// read its events already, or be stuck on a dead process). For the
	// recovery sweep; AddEvent requests dispatch by itself.
	RequestDispatch(ctx context.Context, storeID string) error
}

// ReturnsReader reads returns, their timeline, comments, files, idempotency keys and gift cards.
type ReturnsReader interface {
	// GetReturn returns the store's return, or ENOTFOUND (also when the
	// return belongs to another store).
	GetReturn(ctx context.Context, storeID, id string) (*returns.Return, error)

	// ListReturns returns a page of the store's returns, newest first (by
	// id, descending), filtered by q. It reads the page through an index
	// in (store, id) order from q.Before: its cost does not grow with the
	// number of returns before the cursor.
	ListReturns(ctx context.Context, storeID string, q ReturnQuery) ([]*returns.Return, error)

	// ReturnsForOrder returns every return (any status) of the store's
	// order with that Rebound id, oldest first.
	ReturnsForOrder(ctx context.Context, storeID, orderID string) ([]*returns.Return, error)

	// GetIdempotencyKey returns the request hash and return id saved for a
	// store's Idempotency-Key, or ENOTFOUND.
	GetIdempotencyKey(ctx context.Context, storeID, key string) (requestHash, returnID string, err error)

	// ListTimeline returns a return's timeline, oldest first (by id).
	ListTimeline(ctx context.Context, storeID, returnID string) ([]*returns.TimelineEvent, error)

	// ListComments returns a return's comments, oldest first.
	ListComments(ctx context.Context, storeID, returnID string) ([]*returns.Comment, error)

	// GetBlob returns the file with that id, whatever its store, or
	// ENOTFOUND.
	GetBlob(ctx context.Context, id string) (*returns.Blob, error)

	// GetGiftCard returns the store's gift card by code, or ENOTFOUND.
	GetGiftCard(ctx context.Context, storeID, code string) (*returns.GiftCard, error)
}

// ReturnsWriter writes returns, their timeline, comments, files, idempotency keys and gift cards.
type ReturnsWriter interface {
	// LockReturn is GetReturn holding the return locked until the
	// transaction ends, so that concurrent changes to it are made one after
	// the other; ENOTFOUND when the store has no such return.
	LockReturn(ctx context.Context, storeID, id string) (*returns.Return, error)

	// CreateReturn inserts r (ID, StoreID, CreatedAt, UpdatedAt set).
	// ECONFLICT when the id exists; ENOTFOUND when the store does not.
	CreateReturn(ctx context.Context, r *returns.Return) error

	// UpdateReturn saves r over the stored return with its id and store;
	// ENOTFOUND when there is none.
	UpdateReturn(ctx context.Context, r *returns.Return) error

	// PutIdempotencyKey remembers that a store's Idempotency-Key created
	// returnID from a request with that hash. ECONFLICT when the key is
	// already saved.
	PutIdempotencyKey(ctx context.Context, storeID, key, requestHash, returnID string) error

	// AddTimelineEvent appends ev to its return's timeline and sets ev.ID.
	AddTimelineEvent(ctx context.Context, storeID string, ev *returns.TimelineEvent) error

	// AddComment saves c (ID set by the caller).
	AddComment(ctx context.Context, c *returns.Comment) error

	// PutBlob saves b (ID set by the caller).
	PutBlob(ctx context.Context, b *returns.Blob) error

	// CreateGiftCard saves g. ECONFLICT when the store has the code.
	CreateGiftCard(ctx context.Context, g *returns.GiftCard) error
}

// TagsReader reads return tags.
type TagsReader interface {
	// ListReturnTags returns the store's return tags by name.
	ListReturnTags(ctx context.Context, storeID string) ([]*returns.ReturnTag, error)

	// ReturnIDsWithTag returns the ids of the store's returns that carry the
	// tag, in id order.
	ReturnIDsWithTag(ctx context.Context, storeID, tag string) ([]string, error)

	// GetReturnTag returns the store's tag, or ENOTFOUND.
	GetReturnTag(ctx context.Context, storeID, name string) (*returns.ReturnTag, error)
}

// TagsWriter writes return tags.
type TagsWriter interface {
	// PutReturnTag creates the store's tag t.Name, assigning NumericID and
	// CreatedAt, or updates its PillTheme (and writes the stored fields
	// back to t). created reports which.
	PutReturnTag(ctx context.Context, t *returns.ReturnTag) (created bool, err error)

	// RenameReturnTag renames a store's tag and every use of it on the
	// store's returns. ENOTFOUND when from does not exist, ECONFLICT when
	// to does.
	RenameReturnTag(ctx context.Context, storeID, from, to string) error

	// DeleteReturnTag deletes a store's tag and strips it from every
	// return; ENOTFOUND when it does not exist.
	DeleteReturnTag(ctx context.Context, storeID, name string) error
}

// PoliciesReader reads return policies.
type PoliciesReader interface {
	// GetPolicy returns the store's return policy, or returns.DefaultPolicy
	// when none was set.
	GetPolicy(ctx context.Context, storeID string) (returns.Policy, error)
}

// PoliciesWriter writes return policies.
type PoliciesWriter interface {
	// PutPolicy saves the store's return policy. ENOTFOUND when the store
	// does not exist.
	PutPolicy(ctx context.Context, storeID string, p returns.Policy) error
}

// WebhooksReader reads webhook subscriptions and deliveries.
type WebhooksReader interface {
	// GetWebhook returns the store's webhook subscription, or ENOTFOUND
	// (also when it belongs to another store).
	GetWebhook(ctx context.Context, storeID, id string) (*returns.Webhook, error)

	// GetWebhookByExternalID returns the store's subscription with that
	// external id, or ENOTFOUND.
	GetWebhookByExternalID(ctx context.Context, storeID, externalID string) (*returns.Webhook, error)

	// ListWebhooks returns the store's subscriptions, oldest first.
	ListWebhooks(ctx context.Context, storeID string) ([]*returns.Webhook, error)

	// GetDelivery returns the store's delivery, or ENOTFOUND.
	GetDelivery(ctx context.Context, storeID string, id int64) (*returns.Delivery, error)

	// ListDeliveries returns a subscription's deliveries, newest first,
	// with id < beforeID (0: from the newest), at most limit, each with its
	// attempts (oldest first) in the map keyed by delivery id.
	ListDeliveries(ctx context.Context, storeID, webhookID string, beforeID int64, limit int) ([]*returns.Delivery, map[int64][]returns.DeliveryAttempt, error)

	// PendingWebhooks returns the ids (store id, webhook id) of enabled
	// subscriptions with pending deliveries, and for each the earliest
	// time one of them is claimable: the later of its NextAttemptAt and
	// its ClaimedUntil (a lease still running, e.g. a dead worker's).
	PendingWebhooks(ctx context.Context) ([]PendingWebhook, error)

	// CountPendingDeliveries returns how many deliveries are pending, over
	// all stores (a metric).
	CountPendingDeliveries(ctx context.Context) (int, error)
}

// WebhooksWriter writes webhook subscriptions and deliveries.
type WebhooksWriter interface {
	// LockWebhook is GetWebhook holding the subscription locked until the
	// transaction ends, for read-modify-write changes (UpdateWebhook) that
	// must not overwrite a concurrent one; ENOTFOUND when there is none.
	LockWebhook(ctx context.Context, storeID, id string) (*returns.Webhook, error)

	// CreateWebhook inserts w (ID set by the caller). ECONFLICT when the
	// store has a subscription with the same ExternalID; ENOTFOUND when the
	// store does not exist.
	CreateWebhook(ctx context.Context, w *returns.Webhook) error

	// UpdateWebhook saves w over the store's subscription with its id;
	// ENOTFOUND when there is none, ECONFLICT when its ExternalID is
	// another subscription's.
	UpdateWebhook(ctx context.Context, w *returns.Webhook) error

	// DeleteWebhook deletes the store's subscription and its deliveries;
	// ENOTFOUND when there is none.
	DeleteWebhook(ctx context.Context, storeID, id string) error

	// AddDeliveries inserts deliveries (setting ID, CreatedAt, UpdatedAt;
	// State pending unless set).
	AddDeliveries(ctx context.Context, ds []*returns.Delivery) error

	// ClaimDeliveries returns up to limit deliveries of an enabled
	// subscription that may be attempted at now, oldest first, and leases
	// them until now+lease so that no other worker takes them meanwhile: a
	// delivery may be attempted when it is pending, its NextAttemptAt is not
	// after now, it is not leased, and no earlier delivery of the same
	// subscription and subject is still pending. Concurrent claimers never
	// get the same delivery. Each returned delivery's ClaimedUntil is its
	// lease.
	ClaimDeliveries(ctx context.Context, webhookID string, now time.Time, lease time.Duration, limit int) ([]*returns.Delivery, error)

	// FinishAttempts records attempts: each delivery's State, Attempts,
	// NextAttemptAt, FirstAttemptAt, LastStatus and LastError are saved
	// from ds[i], its lease is released and as[i] is appended to its log.
	// ds and as have the same length. A delivery claimed again since ds[i]
	// was claimed (ds[i].ClaimedUntil no longer matches) is skipped: the
	// newer claimer records it.
	FinishAttempts(ctx context.Context, ds []*returns.Delivery, as []returns.DeliveryAttempt) error

	// ResetDelivery makes a delivery pending again for a manual redelivery
	// (attempt at once, keeping its MessageID and log); ENOTFOUND when the
	// store has no such delivery.
	ResetDelivery(ctx context.Context, storeID string, id int64, now time.Time) (*returns.Delivery, error)

	// PruneDeliveries deletes up to limit finished (succeeded or failed)
	// deliveries last updated before before, oldest first, with their
	// attempt logs, and returns how many it deleted.
	PruneDeliveries(ctx context.Context, before time.Time, limit int) (int, error)
}

// IntegrationsReader reads third-party integrations (Ecwid).
type IntegrationsReader interface {
	// GetEcwidIntegration returns the store's Ecwid integration, or
	// ENOTFOUND.
	GetEcwidIntegration(ctx context.Context, storeID string) (*returns.EcwidIntegration, error)

	// GetEcwidIntegrationByToken returns the Ecwid integration whose
	// webhook URL has this token, or ENOTFOUND.
	GetEcwidIntegrationByToken(ctx context.Context, token string) (*returns.EcwidIntegration, error)

	// GetReturnByEcwidOrder returns the store's return mirrored as that
	// Ecwid order (PutEcwidMirror), or ENOTFOUND.
	GetReturnByEcwidOrder(ctx context.Context, storeID, ecwidOrderID string) (*returns.Return, error)
}

// IntegrationsWriter writes third-party integrations (Ecwid).
type IntegrationsWriter interface {
	// PutEcwidIntegration inserts or replaces the store's Ecwid integration
	// (one per store). On replace the stored CreatedAt is kept and written
	// back to in. ENOTFOUND if the store does not exist.
	PutEcwidIntegration(ctx context.Context, in *returns.EcwidIntegration) error

	// DeleteEcwidIntegration removes the store's Ecwid integration;
	// ENOTFOUND if there is none.
	DeleteEcwidIntegration(ctx context.Context, storeID string) error

	// PutEcwidMirror records that an Ecwid order mirrors a store's return.
	PutEcwidMirror(ctx context.Context, storeID, ecwidOrderID, returnID string) error

	// RecordEcwidEvent records an Ecwid webhook event id for the store and
	// reports whether it is new (false: it was recorded before).
	RecordEcwidEvent(ctx context.Context, storeID, eventID string) (isNew bool, err error)
}

// RefundidReader reads the Refundid integration: connections, the
// refunds Refundid notified, and the privacy keys of redirect links.
type RefundidReader interface {
	// GetRefundidIntegration returns the store's Refundid integration, or
	// ENOTFOUND.
	GetRefundidIntegration(ctx context.Context, storeID string) (*returns.RefundidIntegration, error)

	// GetRefundidIntegrationByToken returns the Refundid integration whose
	// URLs carry this token, or ENOTFOUND.
	GetRefundidIntegrationByToken(ctx context.Context, token string) (*returns.RefundidIntegration, error)

	// GetRefundidRefund returns the store's record of a Refundid refund, or
	// ENOTFOUND.
	GetRefundidRefund(ctx context.Context, storeID, refundidID string) (*returns.RefundidRefund, error)

	// ListRefundidRefunds returns the store's Refundid refunds, oldest
	// first (by creation, then refundid id).
	ListRefundidRefunds(ctx context.Context, storeID string) ([]*returns.RefundidRefund, error)

	// RefundidKeyReturn returns the id of the store's return a privacy key
	// (by its SHA-256) was issued for, or ENOTFOUND.
	RefundidKeyReturn(ctx context.Context, storeID string, keyHash []byte) (string, error)

	// HasRefundidKeys reports whether any privacy key was issued for the
	// store's return.
	HasRefundidKeys(ctx context.Context, storeID, returnID string) (bool, error)
}

// RefundidWriter writes the Refundid integration.
type RefundidWriter interface {
	// PutRefundidIntegration inserts or replaces the store's Refundid
	// integration (one per store). On replace the stored CreatedAt is kept
	// and written back to in. ENOTFOUND if the store does not exist;
	// ECONFLICT if another integration has the same URLToken.
	PutRefundidIntegration(ctx context.Context, in *returns.RefundidIntegration) error

	// DeleteRefundidIntegration removes the store's Refundid integration
	// (its refunds and keys stay, for the record); ENOTFOUND if there is
	// none.
	DeleteRefundidIntegration(ctx context.Context, storeID string) error

	// LockRefundidRefund returns the store's record of a Refundid refund,
	// creating it in state "" when there is none, and holds it locked until
	// the transaction ends, so that notifications about one refund are
	// applied one after the other. ENOTFOUND if the store does not exist.
	LockRefundidRefund(ctx context.Context, storeID, refundidID string) (*returns.RefundidRefund, error)

	// PutRefundidRefund saves rf over the stored record with its store and
	// refundid id (setting UpdatedAt to Now); ENOTFOUND when there is none.
	PutRefundidRefund(ctx context.Context, rf *returns.RefundidRefund) error

	// AddRefundidKey records that a privacy key (by its SHA-256) was issued
	// for the store's return. ECONFLICT if the store has that key already.
	AddRefundidKey(ctx context.Context, storeID, returnID string, keyHash []byte) error
}

// Read runs fn in a read-only transaction of st and returns its value: the
// one-value form of Store.View. fn's error is returned unchanged.
func Read[T any](ctx context.Context, st Store, fn func(ReadTx) (T, error)) (T, error) {
	var v T
	err := st.View(ctx, func(tx ReadTx) error {
		var err error
		v, err = fn(tx)
		return err
	})
	return v, err
}

// Kinds of numeric Loop ids (LoopReader, LoopWriter): what the native id
// names.
const (
	LoopKindReturn  = "return"  // a return's id
	LoopKindLine    = "line"    // a returned unit: LoopLineNative(item id, unit)
	LoopKindOrder   = "order"   // an order's Rebound id
	LoopKindComment = "comment" // a comment (a Loop note)
	LoopKindStore   = "store"   // a store (Loop's shop_id)
	LoopKindWebhook = "webhook" // a webhook subscription
)

// LoopLineNative is the native id of unit unit of the return item itemID.
func LoopLineNative(itemID string, unit int) string { return fmt.Sprintf("%s/%d", itemID, unit) }

// LoopKey is a position in a Loop list: the list's time (created_at or
// updated_at, to the microsecond as stored) and the return's numeric id.
type LoopKey struct {
	At time.Time
	ID int64
}

// LoopReturnQuery selects a page of ListLoopReturns.
type LoopReturnQuery struct {
	// ByUpdated windows and orders on updated_at; otherwise created_at.
	ByUpdated bool
	// From and To bound the window, both inclusive.
	From, To time.Time
	// Statuses filters on status; empty means every status.
	Statuses []returns.Status
	// After and Before, when set, keep the rows strictly after / before
	// that position.
	After, Before *LoopKey
	// Descending orders by (time, id) descending instead of ascending.
	Descending bool
	// Limit is the most rows returned; ≤ 0 means 100.
	Limit int
}

// LoopReturn is a return with its numeric id and list position.
type LoopReturn struct {
	Return *returns.Return
	Key    LoopKey
}

// LoopReader reads the numeric ids Loop's clients see.
type LoopReader interface {
	// LoopIDs returns the numeric ids of the store's native ids of kind,
	// keyed by native id; ids with none are left out.
	LoopIDs(ctx context.Context, storeID, kind string, nativeIDs []string) (map[string]int64, error)

	// LoopNativeID returns the native id behind the store's numeric id of
	// kind, or ENOTFOUND (also when it is another store's or kind's).
	LoopNativeID(ctx context.Context, storeID, kind string, id int64) (string, error)

	// ListLoopReturns returns a page of the store's numbered returns in the
	// window, ordered by (time, numeric id), filtered by q. It reads the page
	// through an index in (store, time, numeric id) order from the keyset
	// position: its cost does not grow with the returns before it.
	ListLoopReturns(ctx context.Context, storeID string, q LoopReturnQuery) ([]LoopReturn, error)

	// HasUnnumberedReturns reports whether the store has returns without a
	// numeric id (written to the store without AssignLoopIDs).
	HasUnnumberedReturns(ctx context.Context, storeID string) (bool, error)
}

// LoopWriter assigns numeric ids. An id is assigned once and never given to
// anything else, in any store, even after what it named is deleted.
type LoopWriter interface {
	// AssignLoopIDs gives each native id of kind that has no numeric id a
	// new one, in the order given, and returns the numeric ids of all of
	// them. For LoopKindReturn the return's row carries its id too (see
	// ListLoopReturns). Assigning concurrently is safe: one id wins.
	AssignLoopIDs(ctx context.Context, storeID, kind string, nativeIDs []string) (map[string]int64, error)

	// NumberReturns assigns numeric ids to up to limit of the store's
	// returns that have none, oldest first, and returns how many it
	// numbered.
	NumberReturns(ctx context.Context, storeID string, limit int) (int, error)
}

// ShippingReader reads shipping settings, shipments and carrier records.
type ShippingReader interface {
	// GetShippingSettings returns the store's shipping settings, or
	// ENOTFOUND when none were saved.
	GetShippingSettings(ctx context.Context, storeID string) (*ShippingSettings, error)

	// GetShippingSettingsByWebhookToken returns the settings whose EasyPost
	// webhook URL has this token, or ENOTFOUND.
	GetShippingSettingsByWebhookToken(ctx context.Context, token string) (*ShippingSettings, error)

	// GetShipment returns the store's shipment, or ENOTFOUND (also when it
	// is another store's).
	GetShipment(ctx context.Context, storeID, id string) (*ShipmentRecord, error)

	// GetShipmentByKey returns the store's shipment bought with the
	// idempotency key, or ENOTFOUND.
	GetShipmentByKey(ctx context.Context, storeID, key string) (*ShipmentRecord, error)

	// GetShipmentByTracking returns the store's newest shipment with the
	// tracking number, or ENOTFOUND.
	GetShipmentByTracking(ctx context.Context, storeID, trackingNumber string) (*ShipmentRecord, error)

	// ListShipments returns the store's shipments of a return ("" for the
	// API's), oldest first.
	ListShipments(ctx context.Context, storeID, returnID string) ([]*ShipmentRecord, error)

	// GetCarrierRecord returns the record of (store, carrier, key), or
	// ENOTFOUND.
	GetCarrierRecord(ctx context.Context, storeID, carrier, key string) (*CarrierRecord, error)

	// GetCarrierRecordByTracking returns the carrier's record with the
	// tracking number, whatever its store, or ENOTFOUND.
	GetCarrierRecordByTracking(ctx context.Context, carrier, trackingNumber string) (*CarrierRecord, error)
}

// ShippingWriter writes shipping settings, shipments and carrier records.
type ShippingWriter interface {
	// PutShippingSettings inserts or replaces the store's settings.
	// ENOTFOUND when the store does not exist; ECONFLICT when another
	// store has the same EasyPost webhook token.
	PutShippingSettings(ctx context.Context, s *ShippingSettings) error

	// CreateShipment inserts rec (ID set by the caller). ECONFLICT when the
	// store has a shipment with the same IdempotencyKey.
	CreateShipment(ctx context.Context, rec *ShipmentRecord) error

	// UpdateShipment saves rec's Status, TrackingNumber, Data and VoidedAt
	// over the store's shipment with its id (UpdatedAt set to Now);
	// ENOTFOUND when there is none.
	UpdateShipment(ctx context.Context, rec *ShipmentRecord) error

	// CreateCarrierRecord inserts rec unless (store, carrier, key) has a
	// record, and returns the stored record with created true, or the
	// existing one with created false. ECONFLICT (field "trackingNumber")
	// when another record of the carrier has rec's tracking number.
	CreateCarrierRecord(ctx context.Context, rec *CarrierRecord) (stored *CarrierRecord, created bool, err error)

	// UpdateCarrierRecord saves rec's Data (and UpdatedAt, set to Now)
	// over the record of (store, carrier, key); ENOTFOUND when there is
	// none.
	UpdateCarrierRecord(ctx context.Context, rec *CarrierRecord) error
}

// InvoicesReader reads invoices, their charges and billing settings.
type InvoicesReader interface {
	// GetInvoiceSettings returns the store's billing settings, or the
	// defaults (UTC, no fees) when none were saved.
	GetInvoiceSettings(ctx context.Context, storeID string) (*InvoiceSettings, error)

	// ListInvoices returns the store's invoices, newest period first.
	ListInvoices(ctx context.Context, storeID string) ([]*Invoice, error)

	// GetInvoice returns the store's invoice, or ENOTFOUND (also when it
	// is another store's).
	GetInvoice(ctx context.Context, storeID, id string) (*Invoice, error)

	// GetInvoiceByPeriod returns the store's invoice of the period and
	// currency, or ENOTFOUND.
	GetInvoiceByPeriod(ctx context.Context, storeID, period, currency string) (*Invoice, error)

	// ListCharges returns the charges of the store's invoice, oldest first
	// (by time, then id).
	ListCharges(ctx context.Context, storeID, invoiceID string) ([]*InvoiceCharge, error)
}

// InvoicesWriter writes invoices, their charges and billing settings.
type InvoicesWriter interface {
	// PutInvoiceSettings inserts or replaces the store's billing settings.
	// ENOTFOUND when the store does not exist.
	PutInvoiceSettings(ctx context.Context, s *InvoiceSettings) error

	// AddCharge adds c to the store's invoice of c.Period and c.Currency,
	// creating the invoice (with the id newID) when there is none, and sets
	// c.ID and c.InvoiceID. When the store has a charge with c.Key already,
	// nothing is written and created is false (c is left as given).
	AddCharge(ctx context.Context, c *InvoiceCharge, newID string) (created bool, err error)

	// PayInvoice marks the store's invoice paid at Now; paying a paid
	// invoice keeps the first time. ENOTFOUND when there is none.
	PayInvoice(ctx context.Context, storeID, id string) (*Invoice, error)
}

// User is a merchant admin user of one store (internal/users). Email is
// lowercased and unique over every store. PasswordHash is an argon2id PHC
// string, "" while the invitation is pending; InviteHash is the hex
// SHA-256 of a pending invitation's token ("" when none).
type User struct {
	ID              string
	StoreID         string
	Email           string
	Role            string
	PasswordHash    string
	InviteHash      string
	InviteExpiresAt time.Time // zero when no invitation is pending
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// QueueQuery selects a page of the admin queue (QueueReturns).
type QueueQuery struct {
	// Statuses keeps returns in one of them; empty keeps every status but
	// deleted.
	Statuses []returns.Status
	// Tag keeps returns carrying this tag of the store.
	Tag string
	// Before is a keyset cursor: only returns with id < Before.
	Before string
	// Limit is the most returns returned; ≤ 0 means 50.
	Limit int
}

// UsersReader reads admin users, their sessions and the admin queue.
type UsersReader interface {
	// GetUser returns the store's user, or ENOTFOUND (also when the user
	// is another store's).
	GetUser(ctx context.Context, storeID, id string) (*User, error)
	// GetUserByEmail returns the user with that email (any store; matched
	// lowercased), or ENOTFOUND.
	GetUserByEmail(ctx context.Context, email string) (*User, error)
	// GetUserByInvite returns the user whose pending invitation has that
	// token hash, or ENOTFOUND.
	GetUserByInvite(ctx context.Context, inviteHash string) (*User, error)
	// ListUsers returns the store's users by email.
	ListUsers(ctx context.Context, storeID string) ([]*User, error)

	// GetSession returns a session's data unless it expired at or before
	// now; found is false when there is none.
	GetSession(ctx context.Context, token string, now time.Time) (data []byte, found bool, err error)

	// CountReturnsByStatus counts the store's returns per status.
	CountReturnsByStatus(ctx context.Context, storeID string) (map[returns.Status]int, error)
	// FindReturns returns the store's returns whose id, order name,
	// tracking number or customer email (case-insensitively) is term
	// exactly, newest first, at most limit.
	FindReturns(ctx context.Context, storeID, term string, limit int) ([]*returns.Return, error)
	// QueueReturns returns a page of the store's returns, newest first,
	// filtered by q. It reads through an index from q.Before: (store, id),
	// (store, status, id) for one status, or the tag's links.
	QueueReturns(ctx context.Context, storeID string, q QueueQuery) ([]*returns.Return, error)
}

// UsersWriter writes admin users and sessions.
type UsersWriter interface {
	// CreateUser inserts u. ECONFLICT when the email is taken (in any
	// store); ENOTFOUND when the store does not exist.
	CreateUser(ctx context.Context, u *User) error
	// UpdateUser saves u's role, password hash and invitation over the
	// store's user with u.ID; ENOTFOUND when there is none.
	UpdateUser(ctx context.Context, u *User) error
	// DeleteUser deletes the store's user; ENOTFOUND when there is none.
	DeleteUser(ctx context.Context, storeID, id string) error

	// PutSession inserts or replaces a session.
	PutSession(ctx context.Context, token string, data []byte, expiry time.Time) error
	// DeleteSession deletes a session (no error when there is none).
	DeleteSession(ctx context.Context, token string) error
	// DeleteExpiredSessions deletes up to limit sessions expired at or
	// before now and returns how many it deleted.
	DeleteExpiredSessions(ctx context.Context, now time.Time, limit int) (int, error)
}

// PortalSettings are a store's shopper-portal settings: its handle (the
// {storeHandle} of /portal/{storeHandle}) and how the portal looks and
// behaves.
type PortalSettings struct {
	StoreID string `json:"-"`
	// Handle is unique over all stores: 2–40 of a-z, 0-9 and inner "-".
	Handle string `json:"handle"`
	// LogoURL is an https (or same-site path) URL of the logo, or "".
	LogoURL string `json:"logoUrl,omitempty"`
	// Color is the accent colour "#rrggbb", or "" for the default.
	Color string `json:"color,omitempty"`
	// LookupBy is what a shopper proves the order with besides its number:
	// "email" (default), "postal_code", or "either" (the shopper chooses).
	LookupBy string `json:"lookupBy,omitempty"`
	// StoreCreditBonusPercent is shown to the shopper next to store credit
	// (0: none); it is an incentive the merchant honours when issuing the
	// credit.
	StoreCreditBonusPercent int `json:"storeCreditBonusPercent,omitempty"`
	// ExchangeVariants are the variants a shopper may exchange a product
	// for, by product id; empty means exchanges are not offered.
	ExchangeVariants map[string][]ExchangeVariant `json:"exchangeVariants,omitempty"`
	UpdatedAt        time.Time                    `json:"updatedAt"`
}

// ExchangeVariant is a variant offered in exchange: its ids, title and
// unit price (a decimal string in the shop currency).
type ExchangeVariant struct {
	VariantID string `json:"variantId"`
	SKU       string `json:"sku,omitempty"`
	Title     string `json:"title"`
	Price     string `json:"price"`
}

// PortalDraft is a shopper's return in progress in the portal.
type PortalDraft struct {
	ID, StoreID, OrderID string
	// IdemKey is the Idempotency-Key of the draft's one submit.
	IdemKey string
	// Data is the portal's own JSON of the choices made so far.
	Data []byte
	// ReturnID is set once the draft was submitted.
	ReturnID             string
	CreatedAt, UpdatedAt time.Time
}

// OutboxEmail is an email of a store: to a shopper about one of its
// returns (ReturnID set), or to one of its admin users (UserID set: an
// invitation).
type OutboxEmail struct {
	ID, StoreID string
	// ReturnID is the return the email is about, "" for none.
	ReturnID string
	// UserID is the admin user the email is to, "" for a shopper's email.
	UserID string
	// Kind is what the email announces (received, approved, refunded,
	// credited, rejected; invitation); a return, or a user, gets at most
	// one of each.
	Kind              string
	To, Subject, Body string
	CreatedAt         time.Time
	SentAt            *time.Time // nil while not sent through SMTP
}

// PortalReader reads the shopper portal's settings, drafts and emails.
type PortalReader interface {
	// GetPortalSettings returns the store's portal settings, or ENOTFOUND.
	GetPortalSettings(ctx context.Context, storeID string) (*PortalSettings, error)
	// GetPortalSettingsByHandle returns the settings of the store with that
	// handle, or ENOTFOUND.
	GetPortalSettingsByHandle(ctx context.Context, handle string) (*PortalSettings, error)
	// GetPortalDraft returns the store's draft, or ENOTFOUND.
	GetPortalDraft(ctx context.Context, storeID, id string) (*PortalDraft, error)
	// ListOutboxEmails returns the store's emails, newest first, at most
	// limit (≤ 0: 100).
	ListOutboxEmails(ctx context.Context, storeID string, limit int) ([]*OutboxEmail, error)
	// GetOutboxEmail returns the store's email, or ENOTFOUND.
	GetOutboxEmail(ctx context.Context, storeID, id string) (*OutboxEmail, error)
}

// PortalWriter writes the shopper portal's settings, drafts and emails.
type PortalWriter interface {
	// PutPortalSettings inserts or replaces the store's settings (UpdatedAt
	// set to Now). ENOTFOUND when the store does not exist; ECONFLICT when
	// another store has the handle.
	PutPortalSettings(ctx context.Context, s *PortalSettings) error
	// PutPortalDraft inserts or replaces a draft (by ID; UpdatedAt set to
	// Now, CreatedAt kept).
	PutPortalDraft(ctx context.Context, d *PortalDraft) error
	// AddOutboxEmail saves e (ID and CreatedAt set by the caller) and
	// reports whether it is new: false, and nothing written, when the
	// email's return and user (ReturnID, UserID) already have an email of
	// that kind, or an email has its ID.
	AddOutboxEmail(ctx context.Context, e *OutboxEmail) (bool, error)
	// MarkEmailSent records that the store's email was sent at Now.
	MarkEmailSent(ctx context.Context, storeID, id string) error
}

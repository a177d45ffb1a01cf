// Package store defines Rebound's persistence boundary: a Store with
// read-only and read-write transactions whose methods are per aggregate
// (stores, API keys, orders, events). Two backends implement it,
// internal/store/sqlite and internal/store/postgres; storetest holds the
// contract suite both must pass.
package store

import (
	"context"
	"errors"
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
	Update(ctx context.Context, fn func(Tx) error) error

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
	// GetStore returns the store, or ENOTFOUND.
	GetStore(ctx context.Context, id string) (*returns.Store, error)
	// ListStores returns every store, oldest first.
	ListStores(ctx context.Context) ([]*returns.Store, error)
	// GetStoreByName returns the oldest store with that name, or ENOTFOUND.
	GetStoreByName(ctx context.Context, name string) (*returns.Store, error)

	// GetAPIKey returns the key (revoked or not), or ENOTFOUND.
	GetAPIKey(ctx context.Context, id string) (*returns.APIKey, error)
	// ListAPIKeys returns a store's keys (revoked ones too), oldest first.
	ListAPIKeys(ctx context.Context, storeID string) ([]*returns.APIKey, error)

	// GetOrder finds a store's order by external id, Rebound id or name, in
	// that order of precedence. ENOTFOUND when none matches.
	GetOrder(ctx context.Context, storeID, ref string) (*returns.Order, error)
	// CountOrders returns how many orders the store has.
	CountOrders(ctx context.Context, storeID string) (int, error)

	// ListEvents returns a store's events with id > afterID, oldest first, at
	// most limit of them.
	ListEvents(ctx context.Context, storeID string, afterID int64, limit int) ([]*returns.Event, error)

	// GetEcwidIntegration returns the store's Ecwid integration, or
	// ENOTFOUND.
	GetEcwidIntegration(ctx context.Context, storeID string) (*returns.EcwidIntegration, error)
}

// Tx reads and writes within one transaction.
type Tx interface {
	ReadTx

	// Now is the transaction's clock, fixed for its duration.
	Now() time.Time

	// CreateStore inserts s (ID and CreatedAt must be set).
	CreateStore(ctx context.Context, s *returns.Store) error

	// CreateAPIKey inserts k. ENOTFOUND if its store does not exist.
	CreateAPIKey(ctx context.Context, k *returns.APIKey) error
	// RevokeAPIKey marks the key revoked at Now. ENOTFOUND if it does not
	// exist; revoking a revoked key is a no-op that keeps the first time.
	RevokeAPIKey(ctx context.Context, id string) (*returns.APIKey, error)

	// UpsertOrder inserts o, or updates the store's order with the same
	// ExternalID. An update is applied only when o.UpdatedAt is not older
	// than the stored order's; otherwise nothing changes and applied is
	// false. Either way o.ID is set to the stored order's id (a new id is
	// kept from o.ID on insert).
	UpsertOrder(ctx context.Context, o *returns.Order) (applied bool, err error)
	// DeleteOrder deletes a store's order found by external id or Rebound id
	// and returns it; ENOTFOUND if there is none.
	DeleteOrder(ctx context.Context, storeID, ref string) (*returns.Order, error)

	// AddEvent records ev (setting ID and CreatedAt) and, unless one is
	// already queued for the store, enqueues the store's event.dispatch job,
	// all in this transaction.
	AddEvent(ctx context.Context, ev *returns.Event) error
	// TakeEvents returns up to limit of the store's undispatched events,
	// oldest first, and marks them dispatched (by moving the store's
	// dispatch cursor past them). On PostgreSQL it first waits for the
	// store's in-flight event writers to finish, so that no event with a
	// smaller id can still commit behind the cursor. It clears the store's
	// queued-dispatch flag first, and when more events remain it sets it
	// again and enqueues another dispatch job, so no event is left behind.
	TakeEvents(ctx context.Context, storeID string, limit int) ([]*returns.Event, error)

	// PutEcwidIntegration inserts or replaces the store's Ecwid integration
	// (one per store). On replace the stored CreatedAt is kept and written
	// back to in. ENOTFOUND if the store does not exist.
	PutEcwidIntegration(ctx context.Context, in *returns.EcwidIntegration) error
	// DeleteEcwidIntegration removes the store's Ecwid integration;
	// ENOTFOUND if there is none.
	DeleteEcwidIntegration(ctx context.Context, storeID string) error

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

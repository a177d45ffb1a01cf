// Package postgres is the PostgreSQL backend of store.Store (pgx v5), for
// running several Rebound replicas against one database. Migrations run
// under a session advisory lock so replicas can start together; River
// (riverpgxv5) shares the pool, so jobs are enqueued in the same transaction
// as the change that causes them.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/sqlstore"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

// DefaultMaxConns is the pool size used unless the URL sets pool_max_conns.
const DefaultMaxConns = 25

// Config configures Open.
type Config struct {
	// URL is a PostgreSQL connection string (postgres://...). Parameters
	// pgx understands are honoured, e.g. pool_max_conns or search_path.
	URL    string
	Logger *slog.Logger
	// FetchPollInterval is how often job workers poll in addition to
	// LISTEN/NOTIFY (default 100ms: a cheap indexed query, and it bounds how
	// long a job waits when a notification is missed or limited).
	FetchPollInterval time.Duration
}

// Store is the PostgreSQL store.Store. Safe for concurrent use.
type Store struct {
	cfg      Config
	pool     *pgxpool.Pool
	sqldb    *sql.DB // for goose only
	migrator *goose.Provider
	river    *river.Client[pgx.Tx]
	dialect  *sqlstore.Dialect
	requests *requester

	mu      sync.Mutex
	workers *sqlstore.Workers[pgx.Tx]
	closed  bool
}

var _ store.Store = (*Store)(nil)

// Open connects, applies every pending migration (under an advisory lock)
// and returns the store.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.FetchPollInterval <= 0 {
		cfg.FetchPollInterval = 100 * time.Millisecond
	}
	pcfg, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse database url: %w", err)
	}
	if !strings.Contains(cfg.URL, "pool_max_conns") {
		// pgxpool's default (max(4, CPUs)) starves a server whose requests
		// each hold a connection for a whole transaction.
		pcfg.MaxConns = DefaultMaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	s := &Store{cfg: cfg, pool: pool, workers: sqlstore.NewWorkers[pgx.Tx]("postgres")}
	s.sqldb = stdlib.OpenDBFromPool(pool)
	s.dialect = &sqlstore.Dialect{Name: "postgres", Dollar: true, ForUpdate: " FOR UPDATE", ForNoKeyUpdate: " FOR NO KEY UPDATE",
		SkipLocked: " FOR UPDATE SKIP LOCKED", XidEvents: true, WritableCTE: true,
		IsForeignKeyViolation: isForeignKeyViolation, IsUniqueViolation: isUniqueViolation}
	if err := s.migrate(ctx); err != nil {
		s.closeDBs()
		return nil, err
	}
	s.river, err = river.NewClient(riverpgxv5.New(pool), &river.Config{Logger: cfg.Logger})
	if err != nil {
		s.closeDBs()
		return nil, fmt.Errorf("postgres: river client: %w", err)
	}
	s.requests = &requester{insert: s.insertRequests, log: cfg.Logger, pending: map[string]bool{}}
	return s, nil
}

func (s *Store) migrate(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: acquire for migrations: %w", err)
	}
	defer conn.Release()
	// One lock per schema, so replicas sharing a schema migrate one at a
	// time while independent schemas (tests) don't wait on each other.
	const lockKey = `hashtextextended('rebound:migrate:' || current_schema(), 0)`
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+lockKey+`)`); err != nil {
		return fmt.Errorf("postgres: migration lock: %w", err)
	}
	defer func() {
		_, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+lockKey+`)`)
	}()
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, s.sqldb, sub, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	s.migrator = p
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres: apply migrations: %w", err)
	}
	m, err := rivermigrate.New(riverpgxv5.New(s.pool), &rivermigrate.Config{Logger: s.cfg.Logger})
	if err != nil {
		return fmt.Errorf("postgres: job queue migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("postgres: apply job queue migrations: %w", err)
	}
	return nil
}

func isForeignKeyViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23503"
}

func isUniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

// Dialect implements store.Store.
func (s *Store) Dialect() string { return "postgres" }

// Pool exposes the connection pool (metrics).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// View implements store.Store.
func (s *Store) View(ctx context.Context, fn func(store.ReadTx) error) error {
	if s.isClosed() {
		return store.ErrClosed
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return classify(fmt.Errorf("postgres: begin read: %w", err))
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	return classify(fn(sqlstore.NewTx(conn{tx}, s.dialect, time.Now(), nil)))
}

// Update implements store.Store.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	if s.isClosed() {
		return store.ErrClosed
	}
	return classify(s.update(ctx, fn))
}

func (s *Store) update(ctx context.Context, fn func(store.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	enqueue := func(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
		return s.river.InsertTx(ctx, tx, args, opts)
	}
	t := sqlstore.NewTx(conn{tx}, s.dialect, time.Now(), enqueue)
	if err := fn(t); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	// Dispatch is requested once the events are visible (see requester).
	// The transaction does not wait for it: a process that dies before the
	// request is made leaves the events to the sweep.
	if reqs := t.DispatchRequests(); len(reqs) > 0 {
		s.requests.request(reqs)
	}
	return nil
}

// InsertNewOrders implements store.Store: one statement on a pooled
// connection, atomic without a transaction (no BEGIN and COMMIT round
// trips).
func (s *Store) InsertNewOrders(ctx context.Context, os []*returns.Order, evs []*returns.Event) ([]bool, error) {
	if s.isClosed() {
		return nil, store.ErrClosed
	}
	t := sqlstore.NewTx(conn{s.pool}, s.dialect, time.Now(), nil)
	inserted, err := t.InsertNewOrders(ctx, os, evs)
	if err != nil {
		return nil, classify(err)
	}
	if reqs := t.DispatchRequests(); len(reqs) > 0 {
		s.requests.request(reqs)
	}
	return inserted, nil
}

// FlushDispatchRequests waits until the dispatch requests of the
// transactions committed so far have been made (tests).
func (s *Store) FlushDispatchRequests(ctx context.Context) { s.requests.flush(ctx) }

// insertRequests inserts dispatch requests in a transaction of their own
// that does not wait for its commit to be flushed: a request lost with the
// database server's crash costs a delay (the sweep finds the events), not
// an event, and no writer waits for a second WAL flush.
func (s *Store) insertRequests(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
		return nil, err
	}
	res, err := s.river.InsertManyTx(ctx, tx, params)
	if err != nil {
		return nil, err
	}
	return res, tx.Commit(ctx)
}

func (s *Store) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// APIKey implements store.Store.
func (s *Store) APIKey(ctx context.Context, id string) (*returns.APIKey, error) {
	k, err := sqlstore.ScanAPIKey(row{s.pool.QueryRow(ctx, s.dialect.Q(sqlstore.APIKeyQuery), id)}, id)
	return k, classify(err)
}

// classify marks a failure to reach PostgreSQL (no connection can be
// made, the connection broke, the server is shutting down or refuses
// connections) as EUNAVAILABLE, so that API requests answer 503 with
// Retry-After instead of 500; the pool reconnects by itself once the
// server is back. Text holding a NUL, which PostgreSQL refuses, is
// EINVALID. Other errors, application errors included, are returned
// as they are; a context that ended is left to the caller (a request past
// its deadline is a 503 in httpx).
func classify(err error) error {
	if err == nil || returns.ErrorCode(err) != returns.EINTERNAL ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if isConnectionError(err) {
		return fmt.Errorf("%w: %w", returns.Errorf(returns.EUNAVAILABLE, "the database is unreachable; retry later"), err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "22021" {
		// character_not_in_repertoire: PostgreSQL's TEXT cannot hold a NUL
		// (SQLite's can); the input, not the server, is at fault.
		return fmt.Errorf("%w: %w", returns.Errorf(returns.EINVALID, "text must not contain NUL (U+0000) characters"), err)
	}
	return err
}

func isConnectionError(err error) bool {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08 connection exception; the server shutting down, in
		// recovery or out of connection slots.
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" || pe.Code == "53300"
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		pgconn.SafeToRetry(err)
}

// Ping implements store.Store.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// Ready implements store.Store.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.Ping(ctx); err != nil {
		return fmt.Errorf("database unreachable: %w", err)
	}
	pending, err := s.migrator.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("read migration state: %w", err)
	}
	if pending {
		return errors.New("migrations pending")
	}
	return nil
}

// StartWorkers implements store.Store.
func (s *Store) StartWorkers(ctx context.Context, w *river.Workers) error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return store.ErrClosed
	}
	return s.workers.Start(ctx, riverpgxv5.New(s.pool), w, sqlstore.WorkerOptions{
		Logger: s.cfg.Logger, MaxWorkers: 50, FetchPollInterval: s.cfg.FetchPollInterval, PollOnly: false,
	})
}

// StopWorkers implements store.Store.
func (s *Store) StopWorkers(ctx context.Context) error { return s.workers.Stop(ctx) }

// Close stops the workers and closes the pool. Safe to call more than once.
func (s *Store) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = s.StopWorkers(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.requests != nil {
		s.requests.close()
	}
	return s.closeDBs()
}

func (s *Store) closeDBs() error {
	var errs []error
	if s.migrator != nil {
		errs = append(errs, s.migrator.Close())
	}
	errs = append(errs, s.sqldb.Close())
	s.pool.Close()
	return errors.Join(errs...)
}

// conn adapts a pgx.Tx (or, for single statements, the pool) to
// sqlstore.Conn.
type conn struct {
	tx interface {
		Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
		QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
		Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	}
}

func (c conn) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := c.tx.Exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (c conn) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	return row{c.tx.QueryRow(ctx, q, args...)}
}

func (c conn) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	return c.tx.Query(ctx, q, args...)
}

type row struct{ r pgx.Row }

func (r row) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return sqlstore.ErrNoRows
	}
	return err
}

// JobCounts implements store.Store.
// The dispatch requests of the transactions committed so far are made
// first, so that the counts include them.
func (s *Store) JobCounts(ctx context.Context) (map[string]int, error) {
	fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	s.requests.flush(fctx)
	cancel()
	return sqlstore.JobCounts(ctx, s.View) // View marks connection failures
}

// Pools implements store.Pooler.
func (s *Store) Pools() map[string]store.PoolStats {
	st := s.pool.Stat()
	return map[string]store.PoolStats{"main": {
		MaxOpen: int(st.MaxConns()), Open: int(st.TotalConns()), InUse: int(st.AcquiredConns()), Idle: int(st.IdleConns()),
		WaitCount: st.EmptyAcquireCount(), WaitDuration: st.AcquireDuration(),
	}}
}

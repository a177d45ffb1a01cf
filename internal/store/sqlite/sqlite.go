// Package sqlite is the embedded SQLite backend of store.Store (pure-Go
// modernc.org/sqlite). It keeps one writer connection, fed by a group-commit
// loop that runs concurrent Update calls in one transaction so that many
// small writes share one commit (if one of them fails, each is re-run
// alone), plus a pool of read-only connections and a background WAL
// checkpointer. River (riversqlite) shares the writer connection, so
// jobs are enqueued in the same transaction as the change that causes them.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/sqlstore"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

// Config configures Open.
type Config struct {
	// Path of the database file; created with its directory if missing.
	Path string
	// Logger receives River's and the store's logs (default: slog.Default).
	Logger *slog.Logger
	// MaxBatch bounds how many Update calls share one commit (default 128).
	MaxBatch int
	// Readers is the size of the read-only pool (default: GOMAXPROCS, min 2).
	Readers int
	// FetchPollInterval is how often job workers look for new jobs
	// (default 50ms).
	FetchPollInterval time.Duration
	// WALSizeLimit bounds the write-ahead log (default DefaultWALSizeLimit):
	// it is SQLite's journal_size_limit, and when the log file grows past it
	// the write loop runs a RESTART checkpoint between batches, so the next
	// commits write the log from its start again.
	WALSizeLimit int64
	// MaxPageCount caps the database file at that many pages (SQLite's
	// max_page_count; 0: no cap). A write that needs more fails as a full
	// disk does (EUNAVAILABLE) and leaves nothing behind.
	MaxPageCount int
	// Exclusive makes the store own its data dir (the directory of Path)
	// while open: it holds an exclusive flock on LockFile there, and Open
	// fails at once with a *LockedError naming the holder's pid and start
	// time if another exclusive store has it. serve and worker open their
	// store so; one-shot commands do not, and share the database with them
	// through SQLite's own locking.
	Exclusive bool
}

// DefaultWALSizeLimit is Config.WALSizeLimit's default.
const DefaultWALSizeLimit = 64 << 20

// idleCheckpointAfter is how long the write loop waits without writes
// before it truncates the WAL to zero bytes (a TRUNCATE checkpoint), and
// then how often it does so again while idle if the log is not empty.
const idleCheckpointAfter = time.Second

// Store is the SQLite store.Store. Safe for concurrent use.
type Store struct {
	cfg      Config
	lock     *dirLock // held while open (Config.Exclusive)
	writer   *sql.DB
	reader   *sql.DB
	migrator *goose.Provider
	river    *river.Client[*sql.Tx] // insert-only, used by Update

	dialect *sqlstore.Dialect
	batches atomic.Int64 // transactions committed by the write loop
	carried atomic.Int64 // Update calls they carried
	// checkpoints counts the RESTART and TRUNCATE checkpoints completed;
	// restartAfter delays the next RESTART after a busy one (write loop only).
	checkpoints  atomic.Int64
	restartAfter time.Time
	// backfilled is when the checkpointer last left at most restartSlack
	// frames of the log uncopied (unix nanoseconds); catchUp asks it to
	// get there now (see restartCheckpoint).
	backfilled atomic.Int64
	catchUp    chan struct{}
	dbFile     *os.File // the database file, for syncDB
	stmts      *stmtCache
	keyStmt    *sql.Stmt // APIKey's prepared read on the reader pool
	writes     chan *writeReq
	done       chan struct{}
	wg         sync.WaitGroup

	mu      sync.Mutex
	workers *sqlstore.Workers[*sql.Tx]
	closed  bool

	// sendMu orders Close after every in-flight send to writes: senders hold
	// it shared and check sendClosed; Close takes it exclusively.
	sendMu     sync.RWMutex
	sendClosed bool
}

var _ store.Store = (*Store)(nil)

// writeReq is one write for the write loop: an Update's fn, or (fn nil)
// an InsertNewOrders, which the loop merges with the others of its batch.
type writeReq struct {
	ctx  context.Context
	fn   func(store.Tx) error
	done chan error

	orders   []*returns.Order // InsertNewOrders' arguments
	events   []*returns.Event
	inserted []bool // its answer, set before done
}

func (cfg *Config) dsn(readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// Statement journals and temp b-trees stay in memory.
	q.Add("_pragma", "temp_store(memory)")
	// No checkpoints on the commit path: the store's checkpointer runs
	// them in the background (see checkpointLoop).
	q.Add("_pragma", "wal_autocheckpoint(0)")
	// When a commit restarts the log, the file is cut back to this size.
	q.Add("_pragma", fmt.Sprintf("journal_size_limit(%d)", cfg.WALSizeLimit))
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
		if cfg.MaxPageCount > 0 {
			q.Add("_pragma", fmt.Sprintf("max_page_count(%d)", cfg.MaxPageCount))
		}
	}
	return fileURI(cfg.Path) + "?" + q.Encode()
}

// Open opens (creating if needed) the database at cfg.Path, applies every
// pending migration (Rebound's and River's) and starts the write loop.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 128
	}
	if cfg.Readers <= 0 {
		cfg.Readers = max(2, runtime.GOMAXPROCS(0))
	}
	if cfg.FetchPollInterval <= 0 {
		cfg.FetchPollInterval = 50 * time.Millisecond
	}
	if cfg.WALSizeLimit <= 0 {
		cfg.WALSizeLimit = DefaultWALSizeLimit
	}
	if err := os.MkdirAll(filepath.Dir(cfg.Path), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: create data dir: %w", err)
	}
	var lock *dirLock
	if cfg.Exclusive {
		var err error
		if lock, err = lockDir(filepath.Dir(cfg.Path)); err != nil {
			return nil, err
		}
	}
	s, err := open(ctx, cfg)
	if err != nil {
		_ = lock.release()
		return nil, err
	}
	s.lock = lock
	if cfg.Exclusive {
		if err := s.releaseLeases(ctx); err != nil {
			_ = s.Close()
			return nil, err
		}
	}
	return s, nil
}

// releaseLeases ends the delivery leases left by the data dir's previous
// owner (see sqlstore.Tx.ReleaseLeases): holding the data dir's lock, this
// store is the only one that can hold any. After a crash its deliveries
// in flight are then attempted again as soon as the sweep looks, not a
// lease (30 s) later.
func (s *Store) releaseLeases(ctx context.Context) error {
	var n int64
	if err := s.Update(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.(*sqlstore.Tx).ReleaseLeases(ctx)
		return err
	}); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if n > 0 {
		s.cfg.Logger.Info("released the delivery leases of the data dir's previous owner", slog.Int64("deliveries", n))
	}
	return nil
}

func open(ctx context.Context, cfg Config) (*Store, error) {
	w, err := sql.Open("sqlite", cfg.dsn(false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open writer: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	s := &Store{cfg: cfg, writer: w, writes: make(chan *writeReq, 1024), done: make(chan struct{}), workers: sqlstore.NewWorkers[*sql.Tx]("sqlite")}
	if err := s.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", cfg.dsn(true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open reader: %w", err)
	}
	r.SetMaxOpenConns(cfg.Readers)
	r.SetMaxIdleConns(cfg.Readers)
	s.reader = r
	s.river, err = river.NewClient(riversqlite.New(w), &river.Config{Logger: cfg.Logger})
	if err != nil {
		s.closeDBs()
		return nil, fmt.Errorf("sqlite: river client: %w", err)
	}
	s.dialect = &sqlstore.Dialect{Name: "sqlite", IsForeignKeyViolation: isForeignKeyViolation, IsUniqueViolation: isUniqueViolation}
	s.stmts = newStmtCache(w)
	if s.keyStmt, err = r.PrepareContext(ctx, sqlstore.APIKeyQuery); err != nil {
		s.closeDBs()
		return nil, fmt.Errorf("sqlite: prepare: %w", err)
	}
	s.catchUp = make(chan struct{}, 1)
	if s.dbFile, err = os.Open(cfg.Path); err != nil {
		s.closeDBs()
		return nil, fmt.Errorf("sqlite: open database file: %w", err)
	}
	s.wg.Add(2)
	go s.writeLoop()
	go s.checkpointLoop()
	return s, nil
}

func (s *Store) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, s.writer, sub, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	s.migrator = p
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: apply migrations: %w", err)
	}
	m, err := rivermigrate.New(riversqlite.New(s.writer), &rivermigrate.Config{Logger: s.cfg.Logger})
	if err != nil {
		return fmt.Errorf("sqlite: job queue migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("sqlite: apply job queue migrations: %w", err)
	}
	return nil
}

func isForeignKeyViolation(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

func isUniqueViolation(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// Dialect implements store.Store.
func (s *Store) Dialect() string { return "sqlite" }

// View implements store.Store.
func (s *Store) View(ctx context.Context, fn func(store.ReadTx) error) error {
	tx, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: begin read: %w", err)
	}
	defer tx.Rollback()
	return fn(sqlstore.NewTx(conn{tx: tx}, s.dialect, time.Now(), nil))
}

// Update implements store.Store. Concurrent calls are group-committed.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	return s.write(&writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)})
}

// write queues req for the write loop and waits for its outcome.
func (s *Store) write(req *writeReq) error {
	ctx := req.ctx
	s.sendMu.RLock()
	if s.sendClosed {
		s.sendMu.RUnlock()
		return store.ErrClosed
	}
	select {
	case s.writes <- req:
		s.sendMu.RUnlock()
	case <-ctx.Done():
		s.sendMu.RUnlock()
		return ctx.Err()
	}
	// Once queued the request runs to its end (or is skipped when its ctx is
	// already done): wait for the outcome so callers never see a false error.
	return unavailable(<-req.done)
}

// InsertNewOrders implements store.Store: a write of the group commit.
// The write loop inserts the orders of every InsertNewOrders call in its
// batch together (one statement for up to 16 orders, and one for their
// events), so that concurrent order-sync groups share statements as well
// as the commit. If that fails, each call is run again alone, as any
// write of a failed batch is.
func (s *Store) InsertNewOrders(ctx context.Context, os []*returns.Order, evs []*returns.Event) ([]bool, error) {
	if len(evs) != len(os) {
		return nil, fmt.Errorf("insert new orders: %d events for %d orders", len(evs), len(os))
	}
	req := &writeReq{ctx: ctx, orders: os, events: evs, done: make(chan error, 1)}
	if err := s.write(req); err != nil {
		return nil, err
	}
	return req.inserted, nil
}

// unavailable marks a full disk (SQLITE_FULL: no space for the database
// or its WAL, or Config.MaxPageCount reached) as EUNAVAILABLE: the
// transaction was rolled back whole and the write may be retried once
// space is freed. Other errors are returned as they are.
func unavailable(err error) error {
	var e *sqlite.Error
	if errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_FULL {
		return fmt.Errorf("%w: %w", returns.Errorf(returns.EUNAVAILABLE, "the database is full: no space left for it; nothing was written"), err)
	}
	return err
}

// checkpointInterval is how often the WAL is copied back into the database
// file.
const checkpointInterval = time.Second

// checkpointLoop runs PASSIVE checkpoints on a connection of its own, so
// the copy and its fsync never stall a commit. On Close a final TRUNCATE
// checkpoint leaves a small WAL behind.
//
// PASSIVE checkpoints copy pages back but never restart the log: while
// writes are continuous the WAL would grow without bound. The write loop
// therefore restarts it when it passes Config.WALSizeLimit
// (restartCheckpoint) and truncates it when writes pause
// (idleCheckpoint). Before a restart the write loop asks this loop to
// catch up (catchUp): passes run back to back, each copying what the
// commits added during the one before, until at most restartSlack frames
// are left, so that the restart itself, which holds the writer, has
// little to copy.
func (s *Store) checkpointLoop() {
	defer s.wg.Done()
	// Checkpoints copy frames from the log to the database file without
	// the page cache: a small one keeps this connection's memory from
	// growing with the database (measured: RSS +6% over a 3-minute soak
	// with SQLite's default 2 MiB here, +2% with 64 KiB).
	db, err := sql.Open("sqlite", s.cfg.dsn(false)+"&_pragma=cache_size(-64)")
	if err != nil {
		s.cfg.Logger.Error("sqlite: checkpointer disabled", slog.Any("error", err))
		return
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	synced := 0 // frames copied when the database file was last synced
	passive := func() (left int, ok bool) {
		var busy, logFrames, copied int
		if err := db.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &copied); err != nil {
			s.cfg.Logger.Warn("sqlite: checkpoint", slog.Any("error", err))
			return 0, false
		}
		if copied < synced { // the log was restarted
			synced = 0
		}
		if copied-synced >= restartSlack {
			s.syncDB()
			synced = copied
		}
		return logFrames - copied, busy == 0
	}
	for {
		select {
		case <-s.done:
			_, _ = db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
			return
		case <-t.C:
			passive()
		case <-s.catchUp:
			for range catchUpPasses {
				left, ok := passive()
				if !ok {
					break
				}
				if left <= restartSlack {
					s.backfilled.Store(time.Now().UnixNano())
					break
				}
			}
			// A request made during these passes is answered by them: a
			// pass now would hold the checkpoint lock just when the write
			// loop restarts.
			select {
			case <-s.catchUp:
			default:
			}
		}
	}
}

// syncDB flushes the database file's pages to disk, outside SQLite and
// holding none of its locks. SQLite syncs the file itself only in a
// checkpoint that copies the whole log — for the restart, with the writer
// held — and that sync then has every page copied since the last one to
// write (20–115 ms on a VM's disk after a second of full-speed ingest).
// Synced here after each pass, it finds little left. The file stays open
// until the store's connections are closed: closing a descriptor of the
// database file would drop the POSIX locks SQLite holds on it.
func (s *Store) syncDB() {
	if err := s.dbFile.Sync(); err != nil {
		s.cfg.Logger.Warn("sqlite: sync database file", slog.Any("error", err))
	}
}

// catchUpPasses bounds the passes of one catch-up; restartSlack is how
// many frames (pages) it may leave for the restart to copy; restartFresh is
// how long after a catch-up the write loop may restart on it.
const (
	catchUpPasses = 8
	restartSlack  = 256
	restartFresh  = 20 * time.Millisecond
)

// commitDelay is the longest the write loop waits for more writes before
// committing, and only while writers are concurrent (the previous batch
// carried several): one commit then serves more of them. A lone writer is
// never delayed.
const commitDelay = 200 * time.Microsecond

func (s *Store) writeLoop() {
	defer s.wg.Done()
	batch := make([]*writeReq, 0, s.cfg.MaxBatch)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	idle := time.NewTimer(idleCheckpointAfter)
	defer idle.Stop()
	concurrent := false
	for {
		var first *writeReq
		select {
		case first = <-s.writes:
		case <-idle.C:
			s.idleCheckpoint()
			idle.Reset(idleCheckpointAfter)
			continue
		case <-s.done:
			// Drain what was queued before Close.
			for {
				select {
				case r := <-s.writes:
					s.runBatch([]*writeReq{r})
				default:
					return
				}
			}
		}
		batch = append(batch[:0], first)
	fill:
		for len(batch) < s.cfg.MaxBatch {
			select {
			case r := <-s.writes:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		if concurrent || len(batch) > 1 {
			timer.Reset(commitDelay)
		linger:
			for len(batch) < s.cfg.MaxBatch {
				select {
				case r := <-s.writes:
					batch = append(batch, r)
				case <-timer.C:
					break linger
				}
			}
			timer.Stop()
		}
		concurrent = len(batch) > 1
		s.runBatch(batch)
		s.stmts.prepareWanted()
		s.restartCheckpoint()
		idle.Reset(idleCheckpointAfter)
	}
}

// walSize is the size of the WAL file (0 when there is none).
func (s *Store) walSize() int64 {
	fi, err := os.Stat(s.cfg.Path + "-wal")
	if err != nil {
		return 0
	}
	return fi.Size()
}

// restartBusyTimeout bounds how long a RESTART or TRUNCATE checkpoint
// waits for readers still using the log (the write loop waits with it).
const restartBusyTimeout = 500 * time.Millisecond

// restartCheckpoint runs, between batches, a RESTART checkpoint when the
// WAL file has grown past the limit: every frame is copied back and the
// next commit writes the log from its start, cutting the file back to the
// limit. It runs on the writer connection, so no writer of ours can block
// it — and it holds up every writer while it runs, for the time it takes
// to copy what is left of the log, sync the database file and wait for
// readers still on the log. So it runs only just after the checkpointer
// has caught up (restartFresh), leaving it little to copy, and waits for
// readers restartQuickTimeout at most; otherwise it asks the checkpointer
// to catch up and is tried after a later batch. Only a log past twice the
// limit (the checkpointer cannot keep up, or readers never let go) is
// restarted whatever it costs, waiting up to restartBusyTimeout. When
// readers keep a restart from completing, the next waits restartBackoff.
func (s *Store) restartCheckpoint() {
	size := s.walSize()
	if size <= s.cfg.WALSizeLimit || time.Now().Before(s.restartAfter) {
		return
	}
	timeout := restartQuickTimeout
	if size <= 2*s.cfg.WALSizeLimit {
		if time.Since(time.Unix(0, s.backfilled.Load())) > restartFresh {
			select {
			case s.catchUp <- struct{}{}:
			default: // asked already
			}
			return
		}
	} else {
		timeout = restartBusyTimeout
	}
	s.backfilled.Store(0)
	if s.checkpoint("RESTART", timeout) == checkpointReaders {
		s.restartAfter = time.Now().Add(restartBackoff)
	}
}

// restartQuickTimeout bounds how long a restart on a caught-up log waits
// for readers.
const restartQuickTimeout = 5 * time.Millisecond

const restartBackoff = 250 * time.Millisecond

// Outcomes of checkpoint.
const (
	checkpointDone    = iota
	checkpointLocked  // another connection was checkpointing
	checkpointReaders // readers kept the log from being restarted
)

// idleCheckpoint truncates a non-empty WAL to zero bytes when no write has
// come for idleCheckpointAfter.
func (s *Store) idleCheckpoint() {
	if s.walSize() > 0 {
		s.checkpoint("TRUNCATE", restartBusyTimeout)
	}
}

// checkpoint runs a blocking checkpoint (RESTART or TRUNCATE) on the
// writer connection with a short busy timeout.
func (s *Store) checkpoint(mode string, busy time.Duration) int {
	ctx := context.Background()
	c, err := s.writer.Conn(ctx)
	if err != nil {
		return checkpointReaders
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", max(1, busy.Milliseconds()))); err != nil {
		return checkpointReaders
	}
	defer c.ExecContext(ctx, "PRAGMA busy_timeout = 10000") //nolint:errcheck // as in dsn
	var b, logPages, done int
	if err := c.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&b, &logPages, &done); err != nil {
		s.cfg.Logger.Warn("sqlite: checkpoint", slog.String("mode", mode), slog.Any("error", err))
		return checkpointReaders
	}
	switch {
	case b == 0:
		s.checkpoints.Add(1)
		return checkpointDone
	case logPages < 0:
		return checkpointLocked
	}
	return checkpointReaders
}

// runBatch runs the requests of batch in one transaction and reports each
// outcome. It is optimistic: if every fn succeeds, one commit serves them
// all. If any fn fails, the transaction is rolled back and each request is
// run again alone in its own transaction, so one failure never affects the
// others (fn may therefore run twice; see store.Store.Update).
func (s *Store) runBatch(batch []*writeReq) {
	if len(batch) == 1 {
		batch[0].done <- s.runAlone(batch[0])
		return
	}
	tx, err := s.writer.BeginTx(context.Background(), nil)
	if err != nil {
		for _, r := range batch {
			r.done <- fmt.Errorf("sqlite: begin: %w", err)
		}
		return
	}
	live := batch[:0:0]
	var inserts []*writeReq              // InsertNewOrders calls, run together after the rest
	answered := make([]bool, len(batch)) // every request gets exactly one answer
	ds := &sqlstore.DispatchSet{}
	c := s.writerConn(tx)
	var failed bool
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			answered[i] = true
			continue
		}
		live = append(live, r)
		if r.fn == nil {
			inserts = append(inserts, r)
			continue
		}
		if err := s.runOne(r, c, tx, ds); err != nil {
			failed = true
			break
		}
	}
	if !failed && len(inserts) > 0 {
		failed = s.insertOrders(inserts, c, tx, ds) != nil
	}
	if !failed && len(live) > 0 {
		failed = s.flush(c, tx, ds) != nil
	}
	if failed {
		_ = tx.Rollback()
		for i, r := range batch {
			if !answered[i] {
				r.done <- s.runAlone(r) // answers ctx.Err() when it is done
			}
		}
		return
	}
	if len(live) == 0 {
		_ = tx.Rollback()
		return
	}
	if err := tx.Commit(); err != nil {
		for _, r := range live {
			r.done <- fmt.Errorf("sqlite: commit: %w", err)
		}
		return
	}
	s.batches.Add(1)
	s.carried.Add(int64(len(live)))
	for _, r := range live {
		r.done <- nil
	}
}

// runAlone runs one request in a transaction of its own.
func (s *Store) runAlone(r *writeReq) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	tx, err := s.writer.BeginTx(context.Background(), nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	ds := &sqlstore.DispatchSet{}
	c := s.writerConn(tx)
	if err := s.runOne(r, c, tx, ds); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := s.flush(c, tx, ds); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	s.batches.Add(1)
	s.carried.Add(1)
	return nil
}

func (s *Store) enqueuer(tx *sql.Tx) sqlstore.EnqueueFunc {
	return func(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
		// The write loop's transaction, as conn.detach.
		return s.river.InsertTx(context.WithoutCancel(ctx), tx, args, opts)
	}
}

// writerConn is the connection adapter for one write transaction.
func (s *Store) writerConn(tx *sql.Tx) conn {
	return conn{tx: tx, stmts: s.stmts, bound: map[string]*sql.Stmt{}, detached: true}
}

func (s *Store) runOne(r *writeReq, c conn, tx *sql.Tx, ds *sqlstore.DispatchSet) (err error) {
	if r.fn == nil {
		return s.insertOrders([]*writeReq{r}, c, tx, ds)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sqlite: update panicked: %v", p)
		}
	}()
	return r.fn(sqlstore.NewTx(c, s.dialect, time.Now(), s.enqueuer(tx)).Defer(ds))
}

// insertOrders runs the InsertNewOrders calls rs as one: their orders and
// events in one sqlstore.Tx.InsertNewOrders, in rs order, each call's
// answer set from its part of the result. The calls are independent (each
// sync group holds distinct calls), and one that repeats an external id
// of an earlier one sees it stored, as it would in a transaction after it.
func (s *Store) insertOrders(rs []*writeReq, c conn, tx *sql.Tx, ds *sqlstore.DispatchSet) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sqlite: insert new orders panicked: %v", p)
		}
	}()
	os, evs := rs[0].orders, rs[0].events
	if len(rs) > 1 {
		os, evs = nil, nil
		for _, r := range rs {
			os = append(os, r.orders...)
			evs = append(evs, r.events...)
		}
	}
	inserted, err := sqlstore.NewTx(c, s.dialect, time.Now(), s.enqueuer(tx)).Defer(ds).InsertNewOrders(rs[0].ctx, os, evs)
	if err != nil {
		return err
	}
	for _, r := range rs {
		r.inserted, inserted = inserted[:len(r.orders):len(r.orders)], inserted[len(r.orders):]
	}
	return nil
}

// flush issues the batch's deferred dispatch requests, last thing before
// commit.
func (s *Store) flush(c conn, tx *sql.Tx, ds *sqlstore.DispatchSet) error {
	return ds.Flush(context.Background(), sqlstore.NewTx(c, s.dialect, time.Now(), s.enqueuer(tx)))
}

// APIKey implements store.Store.
func (s *Store) APIKey(ctx context.Context, id string) (*returns.APIKey, error) {
	return sqlstore.ScanAPIKey(row{s.keyStmt.QueryRowContext(ctx, id)}, id)
}

// Ping implements store.Store.
func (s *Store) Ping(ctx context.Context) error { return s.reader.PingContext(ctx) }

// Ready implements store.Store.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.Ping(ctx); err != nil {
		return fmt.Errorf("database unreachable: %w", err)
	}
	var v int64
	if err := s.reader.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&v); err != nil {
		return fmt.Errorf("read migration version: %w", err)
	}
	want := latest(s.migrator)
	if v < want {
		return fmt.Errorf("migrations pending: at %d, want %d", v, want)
	}
	return nil
}

func latest(p *goose.Provider) int64 {
	var v int64
	for _, src := range p.ListSources() {
		v = max(v, src.Version)
	}
	return v
}

// StartWorkers implements store.Store.
func (s *Store) StartWorkers(ctx context.Context, w *river.Workers) error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return store.ErrClosed
	}
	return s.workers.Start(ctx, riversqlite.New(s.writer), w, sqlstore.WorkerOptions{
		Logger: s.cfg.Logger, MaxWorkers: 20, FetchPollInterval: s.cfg.FetchPollInterval, PollOnly: true,
	})
}

// StopWorkers implements store.Store.
func (s *Store) StopWorkers(ctx context.Context) error { return s.workers.Stop(ctx) }

// Close stops the workers and the write loop (after the writes already
// queued) and closes the database. Safe to call more than once.
func (s *Store) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = s.StopWorkers(ctx)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.sendMu.Lock()
	s.sendClosed = true
	s.sendMu.Unlock()
	close(s.done)
	s.wg.Wait()
	err := s.closeDBs()
	return errors.Join(err, s.lock.release())
}

func (s *Store) closeDBs() error {
	var errs []error
	if s.reader != nil {
		errs = append(errs, s.reader.Close())
	}
	if s.migrator != nil {
		errs = append(errs, s.migrator.Close())
	}
	if s.stmts != nil {
		s.stmts.close()
	}
	if s.keyStmt != nil {
		_ = s.keyStmt.Close()
	}
	errs = append(errs, s.writer.Close())
	if s.dbFile != nil { // after every connection: see syncDB
		errs = append(errs, s.dbFile.Close())
	}
	return errors.Join(errs...)
}

// conn adapts *sql.Tx to sqlstore.Conn. With a statement cache (writer
// transactions) it runs cached prepared statements instead of parsing the
// SQL again.
type conn struct {
	tx       *sql.Tx
	stmts    *stmtCache
	bound    map[string]*sql.Stmt // cached statements bound to tx, per transaction
	detached bool                 // the write loop's: see detach
}

// detach is the context a statement runs with: on the writer, ctx without
// its cancellation (values kept). A write transaction carries the Update
// calls of several callers, each checked for cancellation before its
// function runs; once it runs, one caller's cancellation must not
// interrupt a statement and so roll back the others' writes. Without a
// Done channel neither database/sql nor the driver starts a goroutine per
// statement to watch it, nor installs SQLite's progress handler.
func (c conn) detach(ctx context.Context) context.Context {
	if !c.detached {
		return ctx
	}
	return context.WithoutCancel(ctx)
}

// stmt returns q prepared and bound to the transaction, or nil.
func (c conn) stmt(ctx context.Context, q string) *sql.Stmt {
	if c.bound != nil {
		if st, ok := c.bound[q]; ok {
			return st
		}
	}
	st := c.stmts.get(ctx, c.tx, q)
	if st != nil && c.bound != nil {
		c.bound[q] = st
	}
	return st
}

// result runs q through the statement cache when it is prepared.
func (c conn) result(ctx context.Context, q string, args []any) (sql.Result, error) {
	ctx = c.detach(ctx)
	if st := c.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.tx.ExecContext(ctx, q, args...)
}

func (c conn) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	r, err := c.result(ctx, q, args)
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

// ExecInsertID implements sqlstore.InsertIDConn.
func (c conn) ExecInsertID(ctx context.Context, q string, args ...any) (int64, error) {
	r, err := c.result(ctx, q, args)
	if err != nil {
		return 0, err
	}
	return r.LastInsertId()
}

func (c conn) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	ctx = c.detach(ctx)
	if st := c.stmt(ctx, q); st != nil {
		return row{st.QueryRowContext(ctx, args...)}
	}
	return row{c.tx.QueryRowContext(ctx, q, args...)}
}

func (c conn) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	ctx = c.detach(ctx)
	var r *sql.Rows
	var err error
	if st := c.stmt(ctx, q); st != nil {
		r, err = st.QueryContext(ctx, args...)
	} else {
		r, err = c.tx.QueryContext(ctx, q, args...)
	}
	if err != nil {
		return nil, err
	}
	return rows{r}, nil
}

// stmtCache keeps statements prepared on the writer pool. Its single
// connection cannot prepare while a transaction holds it, so a miss runs
// the query unprepared and records it; the write loop prepares recorded
// queries between batches. database/sql then reuses the prepared statement
// for transactions on that same connection.
type stmtCache struct {
	db     *sql.DB
	mu     sync.Mutex
	ready  map[string]*sql.Stmt
	wanted map[string]bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, ready: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
}

// get returns q bound to tx, or nil when q is not prepared yet.
func (c *stmtCache) get(ctx context.Context, tx *sql.Tx, q string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	st := c.ready[q]
	if st == nil {
		c.wanted[q] = true
	}
	c.mu.Unlock()
	if st == nil {
		return nil
	}
	return tx.StmtContext(ctx, st)
}

// prepareWanted prepares the recorded queries; call with no transaction
// open on the pool.
func (c *stmtCache) prepareWanted() {
	c.mu.Lock()
	if len(c.wanted) == 0 {
		c.mu.Unlock()
		return
	}
	qs := make([]string, 0, len(c.wanted))
	for q := range c.wanted {
		qs = append(qs, q)
	}
	clear(c.wanted)
	c.mu.Unlock()
	for _, q := range qs {
		st, err := c.db.Prepare(q)
		if err != nil {
			continue // it keeps running unprepared
		}
		c.mu.Lock()
		if c.ready[q] == nil {
			c.ready[q] = st
		} else {
			_ = st.Close()
		}
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.ready {
		_ = st.Close()
	}
	clear(c.ready)
}

type row struct{ r *sql.Row }

func (r row) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return sqlstore.ErrNoRows
	}
	return err
}

type rows struct{ *sql.Rows }

func (r rows) Close() { _ = r.Rows.Close() }

// GroupCommitStats returns how many write transactions were committed and
// how many Update calls they carried (their ratio is the mean batch size).
func (s *Store) GroupCommitStats() (batches, writes int64) {
	return s.batches.Load(), s.carried.Load()
}

// JobCounts implements store.Store.
func (s *Store) JobCounts(ctx context.Context) (map[string]int, error) {
	return sqlstore.JobCounts(ctx, s.View)
}

// Pools implements store.Pooler.
func (s *Store) Pools() map[string]store.PoolStats {
	conv := func(st sql.DBStats) store.PoolStats {
		return store.PoolStats{MaxOpen: st.MaxOpenConnections, Open: st.OpenConnections, InUse: st.InUse, Idle: st.Idle, WaitCount: st.WaitCount, WaitDuration: st.WaitDuration}
	}
	return map[string]store.PoolStats{"writer": conv(s.writer.Stats()), "reader": conv(s.reader.Stats())}
}

// fileURI is the SQLite URI of the file at path: "%", "?" and "#" are
// percent-encoded, since SQLite reads them as the URI's escapes, query and
// fragment (a data dir named "a#1" would otherwise open the file "a").
func fileURI(path string) string {
	return "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

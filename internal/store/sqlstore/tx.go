package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/jobs"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Tx implements store.Tx (and store.ReadTx) over a Conn.
type Tx struct {
	c        Conn
	d        *Dialect
	now      time.Time
	enqueue  EnqueueFunc  // nil in read-only transactions
	deferred *DispatchSet // when set, dispatch requests wait for its Flush
	requests []DispatchRequest
}

// DispatchSet collects the stores whose events were added in one physical
// transaction, so that their dispatch jobs are requested once each, by
// Flush, before the transaction commits (used by the SQLite group commit,
// where one transaction carries many writes).
type DispatchSet struct{ stores []string }

// Defer makes t record dispatch requests in ds instead of issuing them
// (serialised writers; with XidEvents requests wait for the commit anyway).
func (t *Tx) Defer(ds *DispatchSet) *Tx {
	if !t.d.XidEvents {
		t.deferred = ds
	}
	return t
}

// Flush requests dispatch for every store recorded, through t; call it
// last, before commit.
func (ds *DispatchSet) Flush(ctx context.Context, t *Tx) error {
	for _, id := range ds.stores {
		if err := t.requestDispatch(ctx, id); err != nil {
			return err
		}
	}
	ds.stores = ds.stores[:0]
	return nil
}

// NewTx wraps c. enqueue may be nil for read-only use.
func NewTx(c Conn, d *Dialect, now time.Time, enqueue EnqueueFunc) *Tx {
	return &Tx{c: c, d: d, now: now.UTC(), enqueue: enqueue}
}

var (
	_ store.Tx     = (*Tx)(nil)
	_ store.ReadTx = (*Tx)(nil)
)

// Now implements store.Tx.
func (t *Tx) Now() time.Time { return t.now }

func (t *Tx) exec(ctx context.Context, q string, args ...any) (int64, error) {
	return t.c.Exec(ctx, t.d.Q(q), args...)
}
func (t *Tx) row(ctx context.Context, q string, args ...any) Row {
	return t.c.QueryRow(ctx, t.d.Q(q), args...)
}
func (t *Tx) query(ctx context.Context, q string, args ...any) (Rows, error) {
	return t.c.Query(ctx, t.d.Q(q), args...)
}

// US converts t to Unix microseconds, the stored form of timestamps.
func US(t time.Time) int64 { return t.UnixMicro() }

// FromUS converts stored Unix microseconds back to a UTC time.
func FromUS(us int64) time.Time { return time.UnixMicro(us).UTC() }

func notFound(what, id string) error {
	return returns.Errorf(returns.ENOTFOUND, "%s %q not found", what, id)
}

// ---- stores

// CreateStore implements store.Tx.
func (t *Tx) CreateStore(ctx context.Context, s *returns.Merchant) error {
	_, err := t.exec(ctx, `INSERT INTO stores (id, name, created_at) VALUES (?, ?, ?)`, s.ID, s.Name, US(s.CreatedAt))
	if err != nil {
		return fmt.Errorf("create store: %w", err)
	}
	return nil
}

// GetStore implements store.ReadTx.
func (t *Tx) GetStore(ctx context.Context, id string) (*returns.Merchant, error) {
	return t.oneStore(ctx, `SELECT `+merchantCols+` FROM stores WHERE id = ?`, id)
}

// GetStoreByName implements store.ReadTx.
func (t *Tx) GetStoreByName(ctx context.Context, name string) (*returns.Merchant, error) {
	return t.oneStore(ctx, `SELECT `+merchantCols+` FROM stores WHERE name = ? ORDER BY created_at, id LIMIT 1`, name)
}

func (t *Tx) oneStore(ctx context.Context, q, arg string) (*returns.Merchant, error) {
	s, err := scanMerchant(t.row(ctx, q, arg))
	if errors.Is(err, ErrNoRows) {
		return nil, notFound("store", arg)
	}
	if err != nil {
		return nil, fmt.Errorf("get store: %w", err)
	}
	return s, nil
}

const merchantCols = `id, name, created_at`

func scanMerchant(r Row) (*returns.Merchant, error) {
	var s returns.Merchant
	var created int64
	if err := r.Scan(&s.ID, &s.Name, &created); err != nil {
		return nil, err
	}
	s.CreatedAt = FromUS(created)
	return &s, nil
}

// ListStores implements store.ReadTx.
func (t *Tx) ListStores(ctx context.Context) ([]*returns.Merchant, error) {
	return collect(ctx, t, "list stores", scanMerchant, `SELECT `+merchantCols+` FROM stores ORDER BY created_at, id`)
}

// ---- API keys

// CreateAPIKey implements store.Tx.
func (t *Tx) CreateAPIKey(ctx context.Context, k *returns.APIKey) error {
	if _, err := t.GetStore(ctx, k.StoreID); err != nil {
		return err
	}
	scopes := make([]string, len(k.Scopes))
	for i, s := range k.Scopes {
		scopes[i] = string(s)
	}
	_, err := t.exec(ctx, `INSERT INTO api_keys (id, store_id, hash, label, scopes, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, 0)`,
		k.ID, k.StoreID, k.Hash, k.Label, strings.Join(scopes, ","), US(k.CreatedAt))
	if err != nil {
		return fmt.Errorf("create api key: %w", err)
	}
	return nil
}

const apiKeyCols = `id, store_id, hash, label, scopes, created_at, revoked_at`

func scanAPIKey(r Row) (*returns.APIKey, error) {
	var k returns.APIKey
	var scopes string
	var created, revoked int64
	if err := r.Scan(&k.ID, &k.StoreID, &k.Hash, &k.Label, &scopes, &created, &revoked); err != nil {
		return nil, err
	}
	for s := range strings.SplitSeq(scopes, ",") {
		if s != "" {
			k.Scopes = append(k.Scopes, returns.Scope(s))
		}
	}
	k.CreatedAt = FromUS(created)
	if revoked != 0 {
		r := FromUS(revoked)
		k.RevokedAt = &r
	}
	return &k, nil
}

// APIKeyQuery is the single-row read behind GetAPIKey, exported so a
// backend can prepare it for its transaction-free fast path.
const APIKeyQuery = `SELECT ` + apiKeyCols + ` FROM api_keys WHERE id = ?`

// ScanAPIKey reads an APIKeyQuery row; ENOTFOUND when there is none.
func ScanAPIKey(r Row, id string) (*returns.APIKey, error) {
	k, err := scanAPIKey(r)
	if errors.Is(err, ErrNoRows) {
		return nil, notFound("api key", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get api key: %w", err)
	}
	return k, nil
}

// GetAPIKey implements store.ReadTx.
func (t *Tx) GetAPIKey(ctx context.Context, id string) (*returns.APIKey, error) {
	return ScanAPIKey(t.row(ctx, APIKeyQuery, id), id)
}

// ListAPIKeys implements store.ReadTx.
func (t *Tx) ListAPIKeys(ctx context.Context, storeID string) ([]*returns.APIKey, error) {
	return collect(ctx, t, "list api keys", scanAPIKey, `SELECT `+apiKeyCols+` FROM api_keys WHERE store_id = ? ORDER BY created_at, id`, storeID)
}

// RevokeAPIKey implements store.Tx.
func (t *Tx) RevokeAPIKey(ctx context.Context, id string) (*returns.APIKey, error) {
	if _, err := t.exec(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at = 0`, US(t.now), id); err != nil {
		return nil, fmt.Errorf("revoke api key: %w", err)
	}
	return t.GetAPIKey(ctx, id)
}

// ---- orders

const orderCols = `id, store_id, external_id, name, doc, synced_at`

func (t *Tx) scanOrder(r Row) (*returns.Order, error) {
	var id, storeID, ext, name string
	var doc []byte
	var synced int64
	if err := r.Scan(&id, &storeID, &ext, &name, &doc, &synced); err != nil {
		return nil, err
	}
	return decodeOrder(doc, id, storeID, ext, name, synced)
}

// decodeOrder decodes a stored order document and sets the fields kept in
// columns.
func decodeOrder(doc []byte, id, storeID, ext, name string, synced int64) (*returns.Order, error) {
	var o returns.Order
	if err := json.Unmarshal(doc, &o); err != nil {
		return nil, fmt.Errorf("decode stored order %s: %w", id, err)
	}
	o.ID, o.StoreID, o.ExternalID, o.Name, o.SyncedAt = id, storeID, ext, name, FromUS(synced)
	return &o, nil
}

// GetOrder implements store.ReadTx.
func (t *Tx) GetOrder(ctx context.Context, storeID, ref string) (*returns.Order, error) {
	for _, q := range []string{
		`SELECT ` + orderCols + ` FROM orders WHERE store_id = ? AND external_id = ?`,
		`SELECT ` + orderCols + ` FROM orders WHERE store_id = ? AND id = ?`,
		`SELECT ` + orderCols + ` FROM orders WHERE store_id = ? AND name = ? AND name <> external_id ORDER BY source_created_at, id LIMIT 1`,
	} {
		o, err := t.scanOrder(t.row(ctx, q, storeID, ref))
		if errors.Is(err, ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("get order: %w", err)
		}
		return o, nil
	}
	return nil, notFound("order", ref)
}

// CountOrders implements store.ReadTx.
func (t *Tx) CountOrders(ctx context.Context, storeID string) (int, error) {
	var n int
	if err := t.row(ctx, `SELECT COUNT(*) FROM orders WHERE store_id = ?`, storeID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count orders: %w", err)
	}
	return n, nil
}

// UpsertOrder implements store.Tx.
func (t *Tx) UpsertOrder(ctx context.Context, o *returns.Order) (bool, error) {
	// Fast path for new orders: one INSERT; a conflict means the order
	// exists (or a concurrent sync just created it) and is updated below.
	var inserted [1]bool
	if err := t.insertOrders(ctx, []*returns.Order{o}, inserted[:]); err != nil {
		return false, err
	}
	if inserted[0] {
		return true, nil
	}
	return t.updateOrder(ctx, o)
}

// UpsertOrders implements store.Tx: the orders new to the store are
// inserted by multi-row INSERTs in chunks (see chunkSize); each of the
// others (known already, or an external id seen earlier in os) then goes
// through UpsertOrder's update, in slice order.
func (t *Tx) UpsertOrders(ctx context.Context, os []*returns.Order) ([]bool, error) {
	applied := make([]bool, len(os))
	if err := t.insertOrderChunks(ctx, os, applied); err != nil {
		return nil, err
	}
	for i, o := range os {
		if applied[i] {
			continue
		}
		ok, err := t.updateOrder(ctx, o)
		if err != nil {
			return nil, err
		}
		applied[i] = ok
	}
	return applied, nil
}

// insertOrderChunks is insertOrders over os in chunks (see chunkSize).
func (t *Tx) insertOrderChunks(ctx context.Context, os []*returns.Order, inserted []bool) error {
	for start := 0; start < len(os); {
		n := chunkSize(len(os) - start)
		if err := t.insertOrders(ctx, os[start:start+n], inserted[start:start+n]); err != nil {
			return err
		}
		start += n
	}
	return nil
}

// orderRow is how an order is stored besides its keys (id, store_id,
// external_id): its customer's email lower-cased (it is matched without
// regard to case) and the whole order as JSON in doc.
type orderRow struct {
	name, email, coverage    string
	created, updated, synced int64
	doc                      []byte
}

func newOrderRow(o *returns.Order) (orderRow, error) {
	doc, err := json.Marshal(o)
	if err != nil {
		return orderRow{}, fmt.Errorf("encode order: %w", err)
	}
	return orderRow{name: o.Name, email: strings.ToLower(o.Customer.Email), coverage: string(o.Coverage),
		created: US(o.CreatedAt), updated: US(o.UpdatedAt), synced: US(o.SyncedAt), doc: doc}, nil
}

// orderRowSet is the SET list of an UPDATE of an order's row, its values
// in appendArgs' order.
const orderRowSet = `name = ?, customer_email = ?, coverage = ?, source_created_at = ?, source_updated_at = ?, synced_at = ?, doc = ?`

// appendArgs appends r's values in the column order name, customer_email,
// coverage, source_created_at, source_updated_at, synced_at, doc.
func (r orderRow) appendArgs(args []any) []any {
	return append(args, r.name, r.email, r.coverage, r.created, r.updated, r.synced, r.doc)
}

// insertOrders inserts the orders of os that are new to their store in one
// statement, setting inserted[i] for each. Rows conflicting with a stored
// order, or with one earlier in the same statement, are skipped (ON
// CONFLICT DO NOTHING processes the rows in VALUES order, so an external id
// repeated in os is inserted from its first occurrence).
func (t *Tx) insertOrders(ctx context.Context, os []*returns.Order, inserted []bool) error {
	const row = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	args := make([]any, 0, 10*len(os))
	for _, o := range os {
		r, err := newOrderRow(o)
		if err != nil {
			return err
		}
		args = r.appendArgs(append(args, o.ID, o.StoreID, o.ExternalID))
	}
	ids, err := collect(ctx, t, "insert orders", scanString, `INSERT INTO orders (id, store_id, external_id, name, customer_email, coverage,
		source_created_at, source_updated_at, synced_at, doc) VALUES `+repeatRows(row, len(os))+`
		ON CONFLICT (store_id, external_id) DO NOTHING RETURNING id`, args...)
	if err != nil {
		if t.d.IsForeignKeyViolation(err) {
			return notFound("store", os[0].StoreID)
		}
		return err
	}
	got := make(map[string]bool, len(ids))
	for _, id := range ids {
		got[id] = true
	}
	for i, o := range os {
		inserted[i] = got[o.ID]
	}
	return nil
}

// InsertNewOrders inserts each order of os that is new to its store, with
// evs[i] its event, and reports which were inserted (the others are left
// untouched); see store.Store.InsertNewOrders. With Dialect.WritableCTE it
// is one statement, atomic on a connection outside any transaction;
// otherwise t must be a transaction.
func (t *Tx) InsertNewOrders(ctx context.Context, os []*returns.Order, evs []*returns.Event) ([]bool, error) {
	if len(evs) != len(os) {
		return nil, fmt.Errorf("insert new orders: %d events for %d orders", len(evs), len(os))
	}
	inserted := make([]bool, len(os))
	if t.d.WritableCTE {
		return inserted, t.insertOrdersWithEvents(ctx, os, evs, inserted)
	}
	if err := t.insertOrderChunks(ctx, os, inserted); err != nil {
		return nil, err
	}
	var add []*returns.Event
	for i, ev := range evs {
		if inserted[i] {
			add = append(add, ev)
		}
	}
	if err := t.AddEvents(ctx, add); err != nil {
		return nil, err
	}
	return inserted, nil
}

// insertOrdersWithEvents is InsertNewOrders in one statement of one shape
// whatever the number of orders (columns as arrays, so one prepared
// statement and plan serve every group): the orders' INSERT and, joined
// to the rows it inserted, their events' INSERT, both in os order. It
// answers the inserted orders' ids and then their events' ids.
func (t *Tx) insertOrdersWithEvents(ctx context.Context, os []*returns.Order, evs []*returns.Event, inserted []bool) error {
	const (
		ordID = iota
		ordStore
		ordExt
		ordName
		ordEmail
		ordCoverage
		ordDoc
		evStore
		evKind
		evSubjectType
		evSubject
		evPayload
		texts
	)
	var text [texts][]string
	for i := range text {
		text[i] = make([]string, len(os))
	}
	created, updated, synced := make([]int64, len(os)), make([]int64, len(os)), make([]int64, len(os))
	evCreated := make([]int64, len(os))
	for i, o := range os {
		r, err := newOrderRow(o)
		if err != nil {
			return err
		}
		ev := evs[i]
		ev.CreatedAt = t.now
		if err := t.noteEvent(ctx, ev.StoreID); err != nil {
			return err
		}
		text[ordID][i], text[ordStore][i], text[ordExt][i], text[ordName][i] = o.ID, o.StoreID, o.ExternalID, r.name
		text[ordEmail][i], text[ordCoverage][i], text[ordDoc][i] = r.email, r.coverage, string(r.doc)
		text[evStore][i], text[evKind][i], text[evSubjectType][i] = ev.StoreID, ev.Kind, ev.SubjectType
		text[evSubject][i], text[evPayload][i] = ev.SubjectID, eventPayload(ev)
		created[i], updated[i], synced[i], evCreated[i] = r.created, r.updated, r.synced, US(ev.CreatedAt)
	}
	type result struct {
		order bool
		id    string
	}
	res, err := collect(ctx, t, "insert orders", func(r Row) (result, error) { var x result; return x, r.Scan(&x.order, &x.id) },
		`WITH v AS (SELECT * FROM unnest(CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]),
				CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]),
				CAST(? AS TEXT[]), CAST(? AS BIGINT[]), CAST(? AS BIGINT[]), CAST(? AS BIGINT[]), CAST(? AS BIGINT[]))
			WITH ORDINALITY AS v (id, store_id, external_id, name, customer_email, coverage, doc,
				ev_store_id, kind, subject_type, subject_id, payload, source_created_at, source_updated_at, synced_at, created_at, ord)),
		o AS (INSERT INTO orders (id, store_id, external_id, name, customer_email, coverage, source_created_at, source_updated_at, synced_at, doc)
			SELECT id, store_id, external_id, name, customer_email, coverage, source_created_at, source_updated_at, synced_at, doc
			FROM v ORDER BY ord
			ON CONFLICT (store_id, external_id) DO NOTHING RETURNING id),
		e AS (INSERT INTO events (store_id, kind, subject_type, subject_id, payload, created_at)
			SELECT v.ev_store_id, v.kind, v.subject_type, v.subject_id, v.payload, v.created_at
			FROM v JOIN o ON o.id = v.id ORDER BY v.ord RETURNING id)
		SELECT TRUE, id FROM o UNION ALL SELECT FALSE, CAST(id AS TEXT) FROM e`,
		text[ordID], text[ordStore], text[ordExt], text[ordName], text[ordEmail], text[ordCoverage], text[ordDoc],
		text[evStore], text[evKind], text[evSubjectType], text[evSubject], text[evPayload], created, updated, synced, evCreated)
	if err != nil {
		if t.d.IsForeignKeyViolation(err) {
			return notFound("store", os[0].StoreID)
		}
		return err
	}
	got := make(map[string]bool, len(os))
	var ids []int64
	for _, x := range res {
		if x.order {
			got[x.id] = true
			continue
		}
		id, err := strconv.ParseInt(x.id, 10, 64)
		if err != nil {
			return fmt.Errorf("insert orders: event id %q: %w", x.id, err)
		}
		ids = append(ids, id)
	}
	// The events' ids were drawn in os order.
	slices.Sort(ids)
	n := 0
	for i, o := range os {
		inserted[i] = got[o.ID]
		if inserted[i] {
			if n == len(ids) {
				return fmt.Errorf("insert orders: %d events for %d orders", len(ids), len(got))
			}
			evs[i].ID = ids[n]
			n++
		}
	}
	return nil
}

// updateOrder is UpsertOrder for an order whose external id the store
// holds already: it locks the stored row and applies o unless the stored
// copy is newer.
func (t *Tx) updateOrder(ctx context.Context, o *returns.Order) (bool, error) {
	var id string
	var srcUpdated int64
	err := t.row(ctx, `SELECT id, source_updated_at FROM orders WHERE store_id = ? AND external_id = ?`+t.d.ForUpdate,
		o.StoreID, o.ExternalID).Scan(&id, &srcUpdated)
	if err != nil {
		return false, fmt.Errorf("find order: %w", err)
	}
	o.ID = id
	if US(o.UpdatedAt) < srcUpdated {
		return false, nil
	}
	r, err := newOrderRow(o)
	if err != nil {
		return false, err
	}
	_, err = t.exec(ctx, `UPDATE orders SET `+orderRowSet+` WHERE id = ?`, append(r.appendArgs(nil), id)...)
	if err != nil {
		return false, fmt.Errorf("update order: %w", err)
	}
	return true, nil
}

// DeleteOrder implements store.Tx.
func (t *Tx) DeleteOrder(ctx context.Context, storeID, ref string) (*returns.Order, error) {
	o, err := t.scanOrder(t.row(ctx, `SELECT `+orderCols+` FROM orders
		WHERE store_id = ? AND (external_id = ? OR id = ?)
		ORDER BY CASE WHEN external_id = ? THEN 0 ELSE 1 END LIMIT 1`+t.d.ForUpdate, storeID, ref, ref, ref))
	if errors.Is(err, ErrNoRows) {
		return nil, notFound("order", ref)
	}
	if err != nil {
		return nil, fmt.Errorf("find order: %w", err)
	}
	if _, err := t.exec(ctx, `DELETE FROM orders WHERE id = ?`, o.ID); err != nil {
		return nil, fmt.Errorf("delete order: %w", err)
	}
	return o, nil
}

// ---- events
//
// Two outbox schemes share one contract (store.EventsWriter):
//
//   - Serialised writers (SQLite): events are taken by id from
//     stores.dispatched_through; stores.dispatch_pending says a dispatch job
//     is queued, so that a burst of events queues one job. With one writer
//     no event can commit behind the cursor.
//   - Concurrent writers (Dialect.XidEvents, PostgreSQL): nothing per
//     request touches the store's row. Each event row carries the id of
//     the transaction that wrote it (events.xid, default
//     pg_current_xact_id()). The dispatcher reads the xmin of a fresh
//     snapshot first: every transaction with a smaller id has ended, and
//     none can start with one, so the events below it are all visible and
//     final. It takes them in (xid, id) order after the cursor of
//     event_cursors, a row only dispatchers write, locked FOR UPDATE, so
//     concurrent dispatchers (replicas) take each event exactly once, in
//     order. Dispatch is requested after commit (DispatchRequests), once
//     the event is visible, through a unique job per store and slot.

// DispatchSlots is how many unique dispatch jobs a store may have at once
// in one DispatchPeriod (jobs.DispatchEventsArgs.Slot). A request is
// satisfied by a slot whose job is new or waiting to run. A running job may
// have read its events before the requester's committed, so the request
// moves on to the next slot: a request made while a job runs queues
// exactly one more. A running job may also be dead (its process was
// killed; River rescues it only after two minutes): uniqueness holds
// within a DispatchPeriod only, so dead jobs hold their slots for at most
// that long. All slots running is rare (it takes that many jobs dead in one
// period); the request is then retried (the backend's requester, or the
// next sweep).
const DispatchSlots = 4

// DispatchPeriod is the span of time within which dispatch jobs are unique
// (River's ByPeriod). At a period's start a request may queue a job beside
// one left waiting from the period before: one spare run, which finds
// nothing to take.
const DispatchPeriod = 5 * time.Second

// DispatchUnique are the unique options of every event.dispatch job: one
// per store, slot and period among the states River requires (available,
// pending, running, scheduled) plus retryable.
var DispatchUnique = river.UniqueOpts{
	ByArgs:   true,
	ByPeriod: DispatchPeriod,
	ByState:  []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled},
}

// DispatchQueued reports whether a unique dispatch insert satisfied the
// request: a new job, or one that has not started yet (it will read the
// events committed before the request).
func DispatchQueued(res *rivertype.JobInsertResult) bool {
	return res != nil && (!res.UniqueSkippedAsDuplicate || res.Job == nil || res.Job.State != rivertype.JobStateRunning)
}

// DispatchRequest is a store whose dispatch must be requested once the
// transaction has committed, after Delay.
type DispatchRequest struct {
	StoreID string
	Delay   time.Duration
}

// DispatchRequests returns the dispatch requests the backend must issue
// after this transaction commits (Dialect.XidEvents only): a request made
// inside the transaction could be taken by a dispatcher before the events
// it is for are visible.
func (t *Tx) DispatchRequests() []DispatchRequest { return t.requests }

func (t *Tx) requestAfterCommit(storeID string, delay time.Duration) {
	for i, r := range t.requests {
		if r.StoreID == storeID {
			t.requests[i].Delay = min(r.Delay, delay)
			return
		}
	}
	t.requests = append(t.requests, DispatchRequest{StoreID: storeID, Delay: delay})
}

// The events INSERT, its row of placeholders and its arguments.
const (
	eventInsert = `INSERT INTO events (store_id, kind, subject_type, subject_id, payload, created_at) VALUES `
	eventRow    = `(?, ?, ?, ?, ?, ?)`
)

// eventArgs appends ev's values for eventRow to args (an empty payload is
// stored as {}).
func eventArgs(args []any, ev *returns.Event) []any {
	return append(args, ev.StoreID, ev.Kind, ev.SubjectType, ev.SubjectID, eventPayload(ev), US(ev.CreatedAt))
}

// eventPayload is ev's payload as stored: {} when it has none.
func eventPayload(ev *returns.Event) string {
	if len(ev.Payload) == 0 {
		return "{}"
	}
	return string(ev.Payload)
}

// AddEvent implements store.Tx.
func (t *Tx) AddEvent(ctx context.Context, ev *returns.Event) error {
	ev.CreatedAt = t.now
	if err := t.noteEvent(ctx, ev.StoreID); err != nil {
		return err
	}
	insert := eventInsert + eventRow
	args := eventArgs(nil, ev)
	var err error
	if ins, ok := t.c.(InsertIDConn); ok {
		ev.ID, err = ins.ExecInsertID(ctx, t.d.Q(insert), args...)
	} else {
		err = t.row(ctx, insert+` RETURNING id`, args...).Scan(&ev.ID)
	}
	if err != nil && t.d.IsForeignKeyViolation(err) {
		return notFound("store", ev.StoreID)
	}
	if err != nil {
		return fmt.Errorf("add event: %w", err)
	}
	return nil
}

// AddEvents implements store.Tx: one multi-row INSERT per chunk (see
// chunkSize). The rows get their ids in VALUES order, so the returned ids,
// sorted, are evs' in order.
func (t *Tx) AddEvents(ctx context.Context, evs []*returns.Event) error {
	for _, ev := range evs {
		ev.CreatedAt = t.now
		if err := t.noteEvent(ctx, ev.StoreID); err != nil {
			return err
		}
	}
	for rest := evs; len(rest) > 0; {
		n := chunkSize(len(rest))
		if err := t.insertEvents(ctx, rest[:n]); err != nil {
			return err
		}
		rest = rest[n:]
	}
	return nil
}

func (t *Tx) insertEvents(ctx context.Context, evs []*returns.Event) error {
	args := make([]any, 0, 6*len(evs))
	for _, ev := range evs {
		args = eventArgs(args, ev)
	}
	ids, err := collect(ctx, t, "add events", func(r Row) (int64, error) { var id int64; return id, r.Scan(&id) },
		eventInsert+repeatRows(eventRow, len(evs))+` RETURNING id`, args...)
	if err != nil {
		if t.d.IsForeignKeyViolation(err) {
			return notFound("store", evs[0].StoreID)
		}
		return err
	}
	if len(ids) != len(evs) {
		return fmt.Errorf("add events: %d inserted, want %d", len(ids), len(evs))
	}
	slices.Sort(ids)
	for i, ev := range evs {
		ev.ID = ids[i]
	}
	return nil
}

// noteEvent makes sure the store's dispatch runs after this transaction
// (see store.EventsWriter.AddEvent): requested after commit with
// concurrent writers, once per transaction in a deferred batch, else
// queued now unless it is already.
func (t *Tx) noteEvent(ctx context.Context, storeID string) error {
	switch {
	case t.d.XidEvents:
		t.requestAfterCommit(storeID, 0)
	case t.deferred != nil:
		if !slices.Contains(t.deferred.stores, storeID) {
			t.deferred.stores = append(t.deferred.stores, storeID)
		}
	default:
		return t.requestDispatch(ctx, storeID)
	}
	return nil
}

// requestDispatch (serialised writers) queues the store's dispatch job
// unless the store's flag says one is queued. With one writer at a time no
// dispatcher can clear the flag between this check and the commit.
func (t *Tx) requestDispatch(ctx context.Context, storeID string) error {
	n, err := t.exec(ctx, `UPDATE stores SET dispatch_pending = 1 WHERE id = ? AND dispatch_pending = 0`, storeID)
	if err != nil {
		return fmt.Errorf("request dispatch: %w", err)
	}
	if n == 1 {
		return t.Enqueue(ctx, jobs.DispatchEventsArgs{StoreID: storeID}, nil)
	}
	return nil // already queued, or no such store (the event insert says so)
}

// StaleDispatches implements store.ReadTx.
func (t *Tx) StaleDispatches(ctx context.Context, before time.Time) ([]string, error) {
	if t.d.XidEvents {
		// The first undispatched event in dispatch order; its age bounds
		// the wait well enough for a safety net.
		return collect(ctx, t, "stale dispatches", scanString, `SELECT s.id FROM stores s LEFT JOIN event_cursors c ON c.store_id = s.id
			WHERE (SELECT e.created_at FROM events e WHERE e.store_id = s.id
				AND (e.xid, e.id) > (COALESCE(c.xid, '0'::xid8), COALESCE(c.id, 0)) ORDER BY e.xid, e.id LIMIT 1) <= ? ORDER BY s.id`, US(before))
	}
	return collect(ctx, t, "stale dispatches", scanString, `SELECT s.id FROM stores s WHERE (SELECT MIN(e.created_at) FROM events e
		WHERE e.store_id = s.id AND e.id > s.dispatched_through) <= ? ORDER BY s.id`, US(before))
}

// RequestDispatch implements store.Tx: the first dispatch slot whose job is
// new or waiting (see DispatchSlots), in this transaction. With serialised
// writers it also sets the store's queued flag.
func (t *Tx) RequestDispatch(ctx context.Context, storeID string) error {
	if !t.d.XidEvents {
		if _, err := t.exec(ctx, `UPDATE stores SET dispatch_pending = 1 WHERE id = ?`, storeID); err != nil {
			return fmt.Errorf("request dispatch: %w", err)
		}
	}
	for slot := range DispatchSlots {
		res, err := t.EnqueueResult(ctx, jobs.DispatchEventsArgs{StoreID: storeID, Slot: slot}, &river.InsertOpts{UniqueOpts: DispatchUnique})
		if err != nil {
			return err
		}
		if DispatchQueued(res) {
			return nil
		}
	}
	return nil // every slot's job is running: the next sweep asks again
}

// heldBackRetry is how soon a dispatcher that found committed events it
// may not take yet (a transaction with a smaller id is still running) asks
// for another look.
const heldBackRetry = 20 * time.Millisecond

// TakeEvents implements store.Tx.
func (t *Tx) TakeEvents(ctx context.Context, storeID string, limit int) ([]*returns.Event, error) {
	if t.d.XidEvents {
		return t.takeXid(ctx, storeID, limit)
	}
	var through int64
	if err := t.row(ctx, `SELECT dispatched_through FROM stores WHERE id = ?`+t.d.ForNoKeyUpdate, storeID).Scan(&through); err != nil {
		if errors.Is(err, ErrNoRows) {
			return nil, notFound("store", storeID)
		}
		return nil, fmt.Errorf("take events: %w", err)
	}
	evs, err := t.listEvents(ctx, `SELECT `+eventCols+` FROM events WHERE store_id = ? AND id > ? ORDER BY id LIMIT ?`, storeID, through, limit)
	if err != nil {
		return nil, err
	}
	if len(evs) > 0 {
		through = evs[len(evs)-1].ID
	}
	if _, err := t.exec(ctx, `UPDATE stores SET dispatch_pending = 0, dispatched_through = ? WHERE id = ?`, through, storeID); err != nil {
		return nil, fmt.Errorf("take events: %w", err)
	}
	for _, e := range evs {
		e.Dispatched = true
	}
	if len(evs) == limit {
		if err := t.requestDispatch(ctx, storeID); err != nil {
			return nil, err
		}
	}
	return evs, nil
}

// takeXid is TakeEvents with concurrent writers (see the top of this
// section).
func (t *Tx) takeXid(ctx context.Context, storeID string, limit int) ([]*returns.Event, error) {
	// The horizon comes first, from a snapshot taken before this
	// transaction has an id of its own: every transaction below it had
	// ended then, so the events read below (a later snapshot) hold all of
	// the events under it.
	var horizonText string
	if err := t.row(ctx, `SELECT pg_snapshot_xmin(pg_current_snapshot())::text`).Scan(&horizonText); err != nil {
		return nil, fmt.Errorf("take events: horizon: %w", err)
	}
	horizon, err := strconv.ParseUint(horizonText, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("take events: horizon %q: %w", horizonText, err)
	}
	var curXid string
	var curID int64
	lockCursor := func() error {
		return t.row(ctx, `SELECT xid::text, id FROM event_cursors WHERE store_id = ? FOR UPDATE`, storeID).Scan(&curXid, &curID)
	}
	err = lockCursor()
	if errors.Is(err, ErrNoRows) {
		// The store's first dispatch (or a concurrent one creates the row).
		if _, err := t.exec(ctx, `INSERT INTO event_cursors (store_id) SELECT id FROM stores WHERE id = ? ON CONFLICT (store_id) DO NOTHING`, storeID); err != nil {
			return nil, fmt.Errorf("take events: %w", err)
		}
		err = lockCursor()
	}
	if errors.Is(err, ErrNoRows) {
		return nil, notFound("store", storeID)
	}
	if err != nil {
		return nil, fmt.Errorf("take events: cursor: %w", err)
	}
	// ORDER BY names the table's columns: a bare "xid" would be the text
	// output column, and '1000001' sorts before '999950', so events written
	// as the server's counter gained a digit were passed by the cursor.
	rows, err := t.query(ctx, `SELECT id, store_id, kind, subject_type, subject_id, payload, created_at, xid::text FROM events
		WHERE store_id = ? AND (xid, id) > (?::xid8, ?) ORDER BY events.xid, events.id LIMIT ?`, storeID, curXid, curID, limit)
	if err != nil {
		return nil, fmt.Errorf("take events: %w", err)
	}
	var out []*returns.Event
	held := false
	for rows.Next() {
		var e returns.Event
		var payload []byte
		var created int64
		var x string
		if err := rows.Scan(&e.ID, &e.StoreID, &e.Kind, &e.SubjectType, &e.SubjectID, &payload, &created, &x); err != nil {
			rows.Close()
			return nil, fmt.Errorf("take events: %w", err)
		}
		if xv, err := strconv.ParseUint(x, 10, 64); err != nil || xv >= horizon {
			held = true // committed, but a transaction below it may still add events before it
			break
		}
		e.Payload, e.CreatedAt, e.Dispatched = payload, FromUS(created), true
		out = append(out, &e)
		curXid, curID = x, e.ID
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("take events: %w", err)
	}
	if len(out) > 0 {
		if _, err := t.exec(ctx, `UPDATE event_cursors SET xid = ?::xid8, id = ? WHERE store_id = ?`, curXid, curID, storeID); err != nil {
			return nil, fmt.Errorf("take events: %w", err)
		}
	}
	switch {
	case len(out) == limit:
		t.requestAfterCommit(storeID, 0)
	case held:
		t.requestAfterCommit(storeID, heldBackRetry)
	}
	return out, nil
}

const eventCols = `id, store_id, kind, subject_type, subject_id, payload, created_at,
	id <= (SELECT dispatched_through FROM stores WHERE stores.id = events.store_id)`

// eventColsXid replaces eventCols with concurrent writers.
const eventColsXid = `id, store_id, kind, subject_type, subject_id, payload, created_at,
	COALESCE((xid, id) <= (SELECT c.xid, c.id FROM event_cursors c WHERE c.store_id = events.store_id), false)`

// ListEvents implements store.ReadTx.
func (t *Tx) ListEvents(ctx context.Context, storeID string, afterID int64, limit int) ([]*returns.Event, error) {
	return t.listEvents(ctx, `SELECT `+eventCols+` FROM events WHERE store_id = ? AND id > ? ORDER BY id LIMIT ?`, storeID, afterID, limit)
}

func (t *Tx) listEvents(ctx context.Context, q string, args ...any) ([]*returns.Event, error) {
	if t.d.XidEvents {
		q = strings.Replace(q, eventCols, eventColsXid, 1)
	}
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()
	var out []*returns.Event
	for rows.Next() {
		var e returns.Event
		var payload []byte
		var created int64
		if err := rows.Scan(&e.ID, &e.StoreID, &e.Kind, &e.SubjectType, &e.SubjectID, &payload, &created, &e.Dispatched); err != nil {
			return nil, fmt.Errorf("list events: %w", err)
		}
		e.Payload = payload
		e.CreatedAt = FromUS(created)
		out = append(out, &e)
	}
	return out, rows.Err()
}

// JobCounts implements store.Store.JobCounts for a backend, in a read
// transaction opened by view (the backend's View).
func JobCounts(ctx context.Context, view func(context.Context, func(store.ReadTx) error) error) (map[string]int, error) {
	var out map[string]int
	err := view(ctx, func(tx store.ReadTx) error {
		var err error
		out, err = tx.(*Tx).JobCounts(ctx)
		return err
	})
	return out, err
}

// JobCounts returns how many background jobs are in each state.
func (t *Tx) JobCounts(ctx context.Context) (map[string]int, error) {
	rows, err := t.query(ctx, `SELECT CAST(state AS TEXT), COUNT(*) FROM river_job GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("job counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("job counts: %w", err)
		}
		out[state] = n
	}
	return out, rows.Err()
}

// Enqueue implements store.Tx.
func (t *Tx) Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	_, err := t.EnqueueResult(ctx, args, opts)
	return err
}

// EnqueueResult is Enqueue returning River's result.
func (t *Tx) EnqueueResult(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	if t.enqueue == nil {
		return nil, errors.New("enqueue: read-only transaction")
	}
	res, err := t.enqueue(ctx, args, opts)
	if err != nil {
		return nil, fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return res, nil
}

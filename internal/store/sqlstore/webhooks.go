package sqlstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// Webhook subscriptions are stored as documents (doc, the JSON of the whole
// returns.Webhook) plus copies of external_id and disabled. Deliveries and
// their attempts are plain rows: they are written on every attempt.
//
// Claiming. A delivery may be attempted when it is pending, due, not leased
// and no earlier delivery of its subscription and subject is pending;
// ClaimDeliveries leases the oldest such ones in one statement (a CTE that
// selects them, and an UPDATE of their claimed_until).
//
// The subject check is written to keep its plan one index probe per
// candidate whatever the planner's statistics say (they are typically
// stale exactly when it matters: a backlog builds up while an endpoint is
// down). It is a scalar subquery, not NOT EXISTS, so that PostgreSQL cannot
// turn it into an anti-join, whose inner side it will happily make a scan
// of a whole partial index it believes tiny; and it reads subject_key
// (webhook_id and subject_id in one generated column), which only the
// partial webhook_deliveries_subject index starts with.
//
// Concurrency (PostgreSQL; SQLite has a single writer). The CTE locks the
// rows it picks FOR UPDATE SKIP LOCKED, so claimers in concurrent
// transactions never pick the same row: the second skips the rows the first
// holds, and a row whose lease was committed after the second's snapshot
// fails the re-check of claimed_until when it is locked. Nor does one pick
// a later delivery of a subject whose earlier one another holds: that one
// is pending in every snapshot until its attempt is saved.
//
// Order within a subject also needs deliveries to become visible in id
// order: AddDeliveries locks the subscriptions it inserts for (FOR NO KEY
// UPDATE) before allocating ids, so for one subscription no id is
// allocated while a transaction that allocated a smaller one is still open.

// DefaultDeliveriesLimit is ListDeliveries' (and ListEventsSince's) page
// size when limit ≤ 0.
const DefaultDeliveriesLimit = 50

// usOrZero stores a zero time as 0 ("none").
func usOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return US(t)
}

// fromUSOrZero reads back usOrZero.
func fromUSOrZero(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return FromUS(us)
}

func (t *Tx) isUniqueViolation(err error) bool {
	return t.d.IsUniqueViolation != nil && t.d.IsUniqueViolation(err)
}

// inListOf is inList for any id type.
func inListOf[T any](ids []T) (string, []any) {
	n := 1
	for n < len(ids) {
		n *= 2
	}
	args := make([]any, n)
	for i := range args {
		args[i] = ids[min(i, len(ids)-1)]
	}
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", "), args
}

// ---- subscriptions

const webhookCols = `id, store_id, doc`

func scanWebhook(r Row) (*returns.Webhook, error) {
	var id, storeID string
	var doc []byte
	if err := r.Scan(&id, &storeID, &doc); err != nil {
		return nil, err
	}
	var w returns.Webhook
	if err := json.Unmarshal(doc, &w); err != nil {
		return nil, fmt.Errorf("decode stored webhook %s: %w", id, err)
	}
	w.ID, w.StoreID = id, storeID
	return &w, nil
}

func (t *Tx) oneWebhook(ctx context.Context, what, ref, q string, args ...any) (*returns.Webhook, error) {
	w, err := scanWebhook(t.row(ctx, q, args...))
	if errors.Is(err, ErrNoRows) {
		return nil, notFound("webhook", ref)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return w, nil
}

// GetWebhook implements store.ReadTx.
func (t *Tx) GetWebhook(ctx context.Context, storeID, id string) (*returns.Webhook, error) {
	return t.oneWebhook(ctx, "get webhook", id,
		`SELECT `+webhookCols+` FROM webhooks WHERE store_id = ? AND id = ?`, storeID, id)
}

// LockWebhook implements store.Tx.
func (t *Tx) LockWebhook(ctx context.Context, storeID, id string) (*returns.Webhook, error) {
	return t.oneWebhook(ctx, "lock webhook", id,
		`SELECT `+webhookCols+` FROM webhooks WHERE store_id = ? AND id = ?`+t.d.ForUpdate, storeID, id)
}

// GetWebhookByExternalID implements store.ReadTx.
func (t *Tx) GetWebhookByExternalID(ctx context.Context, storeID, externalID string) (*returns.Webhook, error) {
	return t.oneWebhook(ctx, "get webhook by external id", externalID,
		`SELECT `+webhookCols+` FROM webhooks WHERE store_id = ? AND external_id = ?`, storeID, externalID)
}

// ListWebhooks implements store.ReadTx.
func (t *Tx) ListWebhooks(ctx context.Context, storeID string) ([]*returns.Webhook, error) {
	return collect(ctx, t, "list webhooks", scanWebhook, `SELECT `+webhookCols+` FROM webhooks WHERE store_id = ? ORDER BY created_at, id`, storeID)
}

// externalIDArg binds an optional external id (nil: NULL).
func externalIDArg(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func externalConflict(w *returns.Webhook) error {
	return returns.Errorf(returns.ECONFLICT, "webhook with external id %q already exists", *w.ExternalID)
}

// CreateWebhook implements store.Tx. The insert ignores conflicts (on the
// id or the external id) and reports ECONFLICT, which leaves a PostgreSQL
// transaction usable.
func (t *Tx) CreateWebhook(ctx context.Context, w *returns.Webhook) error {
	doc, err := json.Marshal(w)
	if err != nil {
		return fmt.Errorf("create webhook: encode: %w", err)
	}
	n, err := t.exec(ctx, `INSERT INTO webhooks (id, store_id, external_id, disabled, created_at, updated_at, doc)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		w.ID, w.StoreID, externalIDArg(w.ExternalID), boolInt(w.Disabled), US(w.CreatedAt), US(w.UpdatedAt), string(doc))
	if err != nil && t.d.IsForeignKeyViolation(err) {
		return notFound("store", w.StoreID)
	}
	if err != nil {
		return fmt.Errorf("create webhook: %w", err)
	}
	if n == 0 {
		if w.ExternalID != nil {
			return externalConflict(w)
		}
		return returns.Errorf(returns.ECONFLICT, "webhook %q already exists", w.ID)
	}
	return nil
}

// UpdateWebhook implements store.Tx. An external id taken by another
// subscription is found by a read first, so the usual ECONFLICT leaves a
// PostgreSQL transaction usable; only a concurrent writer of the same
// external id makes the UPDATE itself fail (still ECONFLICT, but then the
// PostgreSQL transaction is aborted and must be given up).
func (t *Tx) UpdateWebhook(ctx context.Context, w *returns.Webhook) error {
	if w.ExternalID != nil {
		var one int
		err := t.row(ctx, `SELECT 1 FROM webhooks WHERE store_id = ? AND external_id = ? AND id <> ?`,
			w.StoreID, *w.ExternalID, w.ID).Scan(&one)
		if err == nil {
			return externalConflict(w)
		}
		if !errors.Is(err, ErrNoRows) {
			return fmt.Errorf("update webhook: %w", err)
		}
	}
	doc, err := json.Marshal(w)
	if err != nil {
		return fmt.Errorf("update webhook: encode: %w", err)
	}
	n, err := t.exec(ctx, `UPDATE webhooks SET external_id = ?, disabled = ?, created_at = ?, updated_at = ?, doc = ?
		WHERE store_id = ? AND id = ?`,
		externalIDArg(w.ExternalID), boolInt(w.Disabled), US(w.CreatedAt), US(w.UpdatedAt), string(doc), w.StoreID, w.ID)
	if err != nil && w.ExternalID != nil && t.isUniqueViolation(err) {
		return externalConflict(w)
	}
	if err != nil {
		return fmt.Errorf("update webhook: %w", err)
	}
	if n == 0 {
		return notFound("webhook", w.ID)
	}
	return nil
}

// DeleteWebhook implements store.Tx. Deliveries and attempts go with it
// (ON DELETE CASCADE).
func (t *Tx) DeleteWebhook(ctx context.Context, storeID, id string) error {
	n, err := t.exec(ctx, `DELETE FROM webhooks WHERE store_id = ? AND id = ?`, storeID, id)
	if err != nil {
		return fmt.Errorf("delete webhook: %w", err)
	}
	if n == 0 {
		return notFound("webhook", id)
	}
	return nil
}

// ---- deliveries

const deliveryCols = `id, store_id, webhook_id, event_id, message_id, type, subject_id, at, payload, state,
	attempts, next_attempt_at, first_attempt_at, last_status, last_error, created_at, updated_at`

func scanDelivery(r Row) (*returns.Delivery, error) {
	var d returns.Delivery
	var at, next, first, created, updated int64
	var payload []byte
	if err := r.Scan(&d.ID, &d.StoreID, &d.WebhookID, &d.EventID, &d.MessageID, &d.Type, &d.SubjectID, &at, &payload, &d.State,
		&d.Attempts, &next, &first, &d.LastStatus, &d.LastError, &created, &updated); err != nil {
		return nil, err
	}
	if len(payload) > 0 {
		d.Payload = payload
	}
	d.At, d.NextAttemptAt, d.FirstAttemptAt = FromUS(at), fromUSOrZero(next), fromUSOrZero(first)
	d.CreatedAt, d.UpdatedAt = FromUS(created), FromUS(updated)
	return &d, nil
}

func (t *Tx) listDeliveries(ctx context.Context, what, q string, args ...any) ([]*returns.Delivery, error) {
	return collect(ctx, t, what, scanDelivery, q, args...)
}

// GetDelivery implements store.ReadTx.
func (t *Tx) GetDelivery(ctx context.Context, storeID string, id int64) (*returns.Delivery, error) {
	d, err := scanDelivery(t.row(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries WHERE id = ? AND store_id = ?`, id, storeID))
	if errors.Is(err, ErrNoRows) {
		return nil, notFound("delivery", fmt.Sprint(id))
	}
	if err != nil {
		return nil, fmt.Errorf("get delivery: %w", err)
	}
	return d, nil
}

// ListDeliveries implements store.ReadTx: the page is read backwards along
// (webhook_id, id) from beforeID, then its attempts in one more query.
// limit ≤ 0 means DefaultDeliveriesLimit.
func (t *Tx) ListDeliveries(ctx context.Context, storeID, webhookID string, beforeID int64, limit int) ([]*returns.Delivery, map[int64][]returns.DeliveryAttempt, error) {
	if beforeID <= 0 {
		beforeID = math.MaxInt64
	}
	if limit <= 0 {
		limit = DefaultDeliveriesLimit
	}
	ds, err := t.listDeliveries(ctx, "list deliveries", `SELECT `+deliveryCols+` FROM webhook_deliveries
		WHERE webhook_id = ? AND store_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, webhookID, storeID, beforeID, limit)
	if err != nil {
		return nil, nil, err
	}
	attempts := make(map[int64][]returns.DeliveryAttempt, len(ds))
	ids := make([]int64, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	for chunk := range slices.Chunk(ids, maxInList) {
		ph, args := inListOf(chunk)
		rows, err := t.query(ctx, `SELECT delivery_id, attempt, at, status_code, latency_us, error, next_attempt_at
			FROM webhook_attempts WHERE delivery_id IN (`+ph+`) ORDER BY delivery_id, attempt`, args...)
		if err != nil {
			return nil, nil, fmt.Errorf("list delivery attempts: %w", err)
		}
		for rows.Next() {
			var a returns.DeliveryAttempt
			var at, latency, next int64
			if err := rows.Scan(&a.DeliveryID, &a.Attempt, &at, &a.StatusCode, &latency, &a.Error, &next); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("list delivery attempts: %w", err)
			}
			a.At, a.Latency = FromUS(at), time.Duration(latency)*time.Microsecond
			if next != 0 {
				n := FromUS(next)
				a.NextAttemptAt = &n
			}
			attempts[a.DeliveryID] = append(attempts[a.DeliveryID], a)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("list delivery attempts: %w", err)
		}
	}
	return ds, attempts, nil
}

// AddDeliveries implements store.Tx. Every delivery's subscription must
// exist in its store (ENOTFOUND otherwise). The subscriptions are locked
// first on PostgreSQL (see the comment at the top of this file), then the
// deliveries inserted by multi-row INSERTs in chunks (see chunkSize).
func (t *Tx) AddDeliveries(ctx context.Context, ds []*returns.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	hooks := make([]string, len(ds))
	for i, d := range ds {
		hooks[i] = d.WebhookID
	}
	slices.Sort(hooks)
	hooks = slices.Compact(hooks)
	owner := make(map[string]string, len(hooks))
	for chunk := range slices.Chunk(hooks, maxInList) {
		ph, args := inListOf(chunk)
		rows, err := t.query(ctx, `SELECT id, store_id FROM webhooks WHERE id IN (`+ph+`) ORDER BY id`+t.d.ForNoKeyUpdate, args...)
		if err != nil {
			return fmt.Errorf("add deliveries: %w", err)
		}
		for rows.Next() {
			var id, storeID string
			if err := rows.Scan(&id, &storeID); err != nil {
				rows.Close()
				return fmt.Errorf("add deliveries: %w", err)
			}
			owner[id] = storeID
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("add deliveries: %w", err)
		}
	}
	for _, d := range ds {
		if s, ok := owner[d.WebhookID]; !ok || s != d.StoreID {
			return notFound("webhook", d.WebhookID)
		}
	}
	for _, d := range ds {
		if d.State == "" {
			d.State = returns.DeliveryPending
		}
		d.CreatedAt, d.UpdatedAt = t.now, t.now
	}
	for rest := ds; len(rest) > 0; {
		n := chunkSize(len(rest))
		if err := t.insertDeliveries(ctx, rest[:n]); err != nil {
			return err
		}
		rest = rest[n:]
	}
	return nil
}

// insertDeliveries inserts ds in one statement and sets their ids. The
// rows of a multi-row INSERT get their ids in VALUES order (the identity or
// rowid is drawn row by row, as the rows are inserted), so the returned
// ids, sorted, are ds' in order.
func (t *Tx) insertDeliveries(ctx context.Context, ds []*returns.Delivery) error {
	const row = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`
	args := make([]any, 0, 16*len(ds))
	for _, d := range ds {
		args = append(args, d.StoreID, d.WebhookID, d.EventID, d.MessageID, d.Type, d.SubjectID, US(d.At), string(d.Payload),
			d.State, d.Attempts, usOrZero(d.NextAttemptAt), usOrZero(d.FirstAttemptAt), d.LastStatus, d.LastError,
			US(d.CreatedAt), US(d.UpdatedAt))
	}
	rows, err := t.query(ctx, `INSERT INTO webhook_deliveries (store_id, webhook_id, event_id, message_id, type, subject_id, at, payload,
		state, attempts, next_attempt_at, first_attempt_at, claimed_until, last_status, last_error, created_at, updated_at)
		VALUES `+repeatRows(row, len(ds))+` RETURNING id`, args...)
	if err != nil {
		return t.addDeliveriesError(ds, err)
	}
	defer rows.Close()
	ids := make([]int64, 0, len(ds))
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return t.addDeliveriesError(ds, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return t.addDeliveriesError(ds, err)
	}
	if len(ids) != len(ds) {
		return fmt.Errorf("add deliveries: %d inserted, want %d", len(ids), len(ds))
	}
	slices.Sort(ids)
	for i, d := range ds {
		d.ID = ids[i]
	}
	return nil
}

func (t *Tx) addDeliveriesError(ds []*returns.Delivery, err error) error {
	if t.d.IsForeignKeyViolation(err) {
		return notFound("webhook", ds[0].WebhookID)
	}
	return fmt.Errorf("add deliveries: %w", err)
}

// ReleaseLeases ends every delivery's lease (claimed_until) at once and
// returns how many it ended. Only for a process that owns the database
// alone (the SQLite store opened exclusive, see sqlite.Config.Exclusive):
// the leases are then those of the process before it, which is gone, and
// its deliveries may be attempted again at once instead of when their
// leases run out. Where other processes share the database (PostgreSQL
// replicas) a lease may be live and must run out instead.
func (t *Tx) ReleaseLeases(ctx context.Context) (int64, error) {
	n, err := t.exec(ctx, `UPDATE webhook_deliveries SET claimed_until = 0 WHERE state = 'pending' AND claimed_until > 0`)
	if err != nil {
		return 0, fmt.Errorf("release delivery leases: %w", err)
	}
	return n, nil
}

// ClaimDeliveries implements store.Tx, in one statement: see the comment
// at the top of this file. The candidates are read along
// webhook_deliveries_claim in id order (the unary + keeps the planner from
// reading them by next_attempt_at instead, then sorting them all), each
// checked with one probe of the partial webhook_deliveries_subject index.
func (t *Tx) ClaimDeliveries(ctx context.Context, webhookID string, now time.Time, lease time.Duration, limit int) ([]*returns.Delivery, error) {
	if limit <= 0 {
		return nil, nil
	}
	nowUS := US(now)
	ds, err := t.listDeliveries(ctx, "claim deliveries", `WITH c AS MATERIALIZED (
			SELECT d.id FROM webhook_deliveries d
			WHERE d.webhook_id = ? AND d.state = 'pending' AND +d.next_attempt_at <= ? AND d.claimed_until <= ?
				AND (SELECT e.id FROM webhook_deliveries e
					WHERE e.subject_key = d.subject_key AND e.state = 'pending' AND e.id < d.id LIMIT 1) IS NULL
				AND EXISTS (SELECT 1 FROM webhooks w WHERE w.id = d.webhook_id AND w.disabled = 0)
			ORDER BY d.id LIMIT ?`+t.d.SkipLocked+`)
		UPDATE webhook_deliveries SET claimed_until = ? WHERE id IN (SELECT id FROM c)
		RETURNING `+deliveryCols,
		webhookID, nowUS, nowUS, limit, US(now.Add(lease)))
	if err != nil {
		return nil, err
	}
	until := FromUS(US(now.Add(lease)))
	for _, d := range ds {
		d.ClaimedUntil = until
	}
	slices.SortFunc(ds, func(a, b *returns.Delivery) int { return cmp.Compare(a.ID, b.ID) })
	return ds, nil
}

// FinishAttempts implements store.Tx with multi-row statements: the
// deliveries are saved by UPDATE ... FROM (VALUES ...) and the attempts
// logged by INSERT ... VALUES, in chunks (see chunkSize): 100 deliveries
// take three UPDATEs and three INSERTs.
//
// A delivery that no longer exists (its subscription was deleted
// meanwhile), or that was claimed again since this copy was claimed (its
// ClaimedUntil no longer matches: the lease ran out and another worker took
// it), is skipped, attempt and all. An attempt whose number is
// already logged for its delivery is not logged again: that only happens
// when a lease ran out while its holder was still attempting and another
// worker attempted the delivery too.
func (t *Tx) FinishAttempts(ctx context.Context, ds []*returns.Delivery, as []returns.DeliveryAttempt) error {
	if len(ds) != len(as) {
		return fmt.Errorf("finish attempts: %d deliveries but %d attempts", len(ds), len(as))
	}
	saved := make(map[int64]bool, len(ds))
	for rest := ds; len(rest) > 0; {
		n := chunkSize(len(rest))
		if err := t.saveDeliveries(ctx, rest[:n], saved); err != nil {
			return err
		}
		rest = rest[n:]
	}
	logged := make([]returns.DeliveryAttempt, 0, len(as))
	for i, a := range as {
		if saved[ds[i].ID] {
			a.DeliveryID = ds[i].ID
			logged = append(logged, a)
		}
	}
	for len(logged) > 0 {
		n := chunkSize(len(logged))
		if err := t.logAttempts(ctx, logged[:n]); err != nil {
			return err
		}
		logged = logged[n:]
	}
	return nil
}

// maxChunk bounds the rows of one multi-row statement.
const maxChunk = 64

// exactChunk is the most rows written by a statement of exactly the rows
// at hand.
const exactChunk = 16

// chunkSize is the rows of the next chunk of a batch of n rows: all of
// them up to exactChunk, else the largest power of two ≤ min(n,
// maxChunk). A few fixed statement texts (prepared once: at most 16 + 2
// per statement kind) thus serve every batch size, and the small batches
// of a group commit are written by one statement each (measured: a
// commit of 7 orders as one statement cost the write loop 30% less than
// as chunks of 4, 2 and 1: BenchmarkInsertNewOrdersBatch).
func chunkSize(n int) int {
	if n <= exactChunk {
		return max(n, 1)
	}
	c := 1
	for c*2 <= min(n, maxChunk) {
		c *= 2
	}
	return c
}

// repeatRows returns n copies of row, comma-separated.
func repeatRows(row string, n int) string {
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// saveDeliveries saves ds (one statement) and records in saved the ids of
// those that exist. The casts type the VALUES columns on PostgreSQL.
func (t *Tx) saveDeliveries(ctx context.Context, ds []*returns.Delivery, saved map[int64]bool) error {
	const row = `(CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS INTEGER), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS INTEGER), CAST(? AS TEXT), CAST(? AS BIGINT))`
	args := make([]any, 0, 1+8*len(ds))
	args = append(args, US(t.now))
	for _, d := range ds {
		d.UpdatedAt = t.now
		args = append(args, d.ID, d.State, d.Attempts, usOrZero(d.NextAttemptAt), usOrZero(d.FirstAttemptAt), d.LastStatus, d.LastError, usOrZero(d.ClaimedUntil))
	}
	// column8 is the claimer's lease: a delivery claimed again since (its
	// lease ran out and another worker took it) is left to that worker.
	ids, err := collect(ctx, t, "finish attempts", scanInt64, `UPDATE webhook_deliveries SET state = v.column2, attempts = v.column3, next_attempt_at = v.column4,
		first_attempt_at = v.column5, last_status = v.column6, last_error = v.column7, claimed_until = 0, updated_at = ?
		FROM (VALUES `+repeatRows(row, len(ds))+`) AS v
		WHERE webhook_deliveries.id = v.column1 AND (v.column8 = 0 OR webhook_deliveries.claimed_until = v.column8) RETURNING id`, args...)
	for _, id := range ids {
		saved[id] = true
	}
	return err
}

// logAttempts appends as to their deliveries' logs (one statement).
func (t *Tx) logAttempts(ctx context.Context, as []returns.DeliveryAttempt) error {
	args := make([]any, 0, 7*len(as))
	for _, a := range as {
		var next int64
		if a.NextAttemptAt != nil {
			next = US(*a.NextAttemptAt)
		}
		args = append(args, a.DeliveryID, a.Attempt, US(a.At), a.StatusCode, a.Latency.Microseconds(), a.Error, next)
	}
	_, err := t.exec(ctx, `INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, latency_us, error, next_attempt_at)
		VALUES `+repeatRows(`(?, ?, ?, ?, ?, ?, ?)`, len(as))+` ON CONFLICT (delivery_id, attempt) DO NOTHING`, args...)
	if err != nil {
		return fmt.Errorf("log attempts: %w", err)
	}
	return nil
}

// ResetDelivery implements store.Tx. It makes the delivery pending and due
// at now with a fresh retry window, keeping its attempt count and log. A
// lease still running is kept: the delivery is being attempted right now,
// and its holder's FinishAttempts decides what follows (releasing the
// lease would let a second worker attempt it concurrently).
func (t *Tx) ResetDelivery(ctx context.Context, storeID string, id int64, now time.Time) (*returns.Delivery, error) {
	d, err := scanDelivery(t.row(ctx, `UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = ?, first_attempt_at = 0, updated_at = ?
		WHERE id = ? AND store_id = ? RETURNING `+deliveryCols, US(now), US(now), id, storeID))
	if errors.Is(err, ErrNoRows) {
		return nil, notFound("delivery", fmt.Sprint(id))
	}
	if err != nil {
		return nil, fmt.Errorf("reset delivery: %w", err)
	}
	return d, nil
}

// ---- scheduling and replays

// ListEventsSince implements store.ReadTx. limit ≤ 0 means
// DefaultDeliveriesLimit. It reads along (store_id, id) from afterID and
// filters on created_at, so a first page far behind since walks the
// events before it.
func (t *Tx) ListEventsSince(ctx context.Context, storeID string, since time.Time, afterID int64, limit int) ([]*returns.Event, error) {
	if limit <= 0 {
		limit = DefaultDeliveriesLimit
	}
	return t.listEvents(ctx, `SELECT `+eventCols+` FROM events WHERE store_id = ? AND id > ? AND created_at >= ? ORDER BY id LIMIT ?`,
		storeID, afterID, US(since), limit)
}

// PendingWebhooks implements store.ReadTx: one pass over the enabled
// subscriptions, each reading its pending deliveries along
// webhook_deliveries_claim for the earliest time one is claimable (due,
// and its lease, if any, run out). Ordered by that time, then id.
func (t *Tx) PendingWebhooks(ctx context.Context) ([]store.PendingWebhook, error) {
	return collect(ctx, t, "pending webhooks", func(r Row) (store.PendingWebhook, error) {
		var p store.PendingWebhook
		var next int64
		err := r.Scan(&p.StoreID, &p.WebhookID, &next)
		p.NextAttemptAt = fromUSOrZero(next)
		return p, err
	}, `SELECT store_id, id, next_at FROM (
			SELECT w.store_id, w.id, (SELECT MIN(CASE WHEN d.claimed_until > d.next_attempt_at THEN d.claimed_until ELSE d.next_attempt_at END)
				FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.state = 'pending') AS next_at
			FROM webhooks w WHERE w.disabled = 0) p
		WHERE next_at IS NOT NULL ORDER BY next_at, id`)
}

// CountPendingDeliveries implements store.ReadTx: a count along
// webhook_deliveries_claim per subscription, so its cost is that of the
// pending deliveries, not of the whole history.
func (t *Tx) CountPendingDeliveries(ctx context.Context) (int, error) {
	var n int
	if err := t.row(ctx, `SELECT COALESCE(SUM((SELECT COUNT(*) FROM webhook_deliveries d
		WHERE d.webhook_id = w.id AND d.state = 'pending')), 0) FROM webhooks w`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count pending deliveries: %w", err)
	}
	return n, nil
}

// PruneDeliveries implements store.Tx. It walks deliveries in id order, so
// old finished rows (at the start of the table) are found without an index
// on their time.
func (t *Tx) PruneDeliveries(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	sub := `SELECT id FROM webhook_deliveries WHERE state <> 'pending' AND updated_at < ? ORDER BY id LIMIT ?`
	if _, err := t.exec(ctx, `DELETE FROM webhook_attempts WHERE delivery_id IN (`+sub+`)`, US(before), limit); err != nil {
		return 0, fmt.Errorf("prune delivery attempts: %w", err)
	}
	n, err := t.exec(ctx, `DELETE FROM webhook_deliveries WHERE id IN (`+sub+`)`, US(before), limit)
	if err != nil {
		return 0, fmt.Errorf("prune deliveries: %w", err)
	}
	return int(n), nil
}

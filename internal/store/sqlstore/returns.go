package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// Returns are stored as documents (doc, the JSON of the whole
// returns.Return) plus copies of the fields the queries filter on. Tags are
// mirrored in return_tag_links so that a tag's returns are found by index.
//
// Inserts that may collide use ON CONFLICT DO NOTHING and report ECONFLICT
// when nothing was inserted: unlike a unique-violation error this leaves a
// PostgreSQL transaction usable, so a caller may read the existing row and
// go on.

// ---- orders

// maxInList bounds the ids bound in one IN (...) list.
const maxInList = 512

// inList returns "?, ?, ..." for n ids padded up to a power of two, and the
// padded arguments (the last id repeated): the number of distinct query
// texts, which the dialect and the statement caches keep, stays small.
func inList(ids []string) (string, []any) {
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

// GetOrdersByID implements store.ReadTx.
func (t *Tx) GetOrdersByID(ctx context.Context, storeID string, ids []string) (map[string]*returns.Order, error) {
	out := make(map[string]*returns.Order, len(ids))
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for chunk := range slices.Chunk(ids, maxInList) {
		ph, args := inList(chunk)
		os, err := collect(ctx, t, "get orders by id", t.scanOrderCached,
			`SELECT `+orderCols+` FROM orders WHERE store_id = ? AND id IN (`+ph+`)`, append([]any{storeID}, args...)...)
		if err != nil {
			return nil, err
		}
		for _, o := range os {
			out[o.ID] = o
		}
	}
	return out, nil
}

// LockOrder implements store.Tx. On PostgreSQL the row is read FOR UPDATE;
// SQLite has a single writer, whose transaction already excludes every
// other.
func (t *Tx) LockOrder(ctx context.Context, storeID, orderID string) (*returns.Order, error) {
	o, err := t.scanOrder(t.row(ctx, `SELECT `+orderCols+` FROM orders WHERE store_id = ? AND id = ?`+t.d.ForUpdate, storeID, orderID))
	if errors.Is(err, ErrNoRows) {
		return nil, notFound("order", orderID)
	}
	if err != nil {
		return nil, fmt.Errorf("lock order: %w", err)
	}
	return o, nil
}

// ---- returns

func decodeReturn(doc []byte) (*returns.Return, error) {
	var r returns.Return
	if err := json.Unmarshal(doc, &r); err != nil {
		return nil, fmt.Errorf("decode stored return: %w", err)
	}
	return &r, nil
}

func (t *Tx) oneReturn(ctx context.Context, q string, storeID, id string) (*returns.Return, error) {
	var doc []byte
	err := t.row(ctx, q, storeID, id).Scan(&doc)
	if errors.Is(err, ErrNoRows) {
		return nil, notFound("return", id)
	}
	if err != nil {
		return nil, err
	}
	return decodeReturn(doc)
}

// GetReturn implements store.ReadTx.
func (t *Tx) GetReturn(ctx context.Context, storeID, id string) (*returns.Return, error) {
	r, err := t.oneReturn(ctx, `SELECT doc FROM returns WHERE store_id = ? AND id = ?`, storeID, id)
	if err != nil && !returns.IsNotFound(err) {
		return nil, fmt.Errorf("get return: %w", err)
	}
	return r, err
}

// LockReturn implements store.Tx.
func (t *Tx) LockReturn(ctx context.Context, storeID, id string) (*returns.Return, error) {
	r, err := t.oneReturn(ctx, `SELECT doc FROM returns WHERE store_id = ? AND id = ?`+t.d.ForUpdate, storeID, id)
	if err != nil && !returns.IsNotFound(err) {
		return nil, fmt.Errorf("lock return: %w", err)
	}
	return r, err
}

func (t *Tx) listReturns(ctx context.Context, what, q string, args ...any) ([]*returns.Return, error) {
	return collect(ctx, t, what, func(r Row) (*returns.Return, error) {
		var doc []byte
		if err := r.Scan(&doc); err != nil {
			return nil, err
		}
		return decodeReturn(doc)
	}, q, args...)
}

// DefaultReturnsLimit is ListReturns' page size when q.Limit ≤ 0.
const DefaultReturnsLimit = 20

// ListReturns implements store.ReadTx. It is a keyset query: the page is
// read backwards from q.Before along (store_id, id), or (store_id, status,
// id) / (store_id, order_name, id) when those filters are set, so no sort
// and no skipped rows. The UpdatedMin/UpdatedMax filters are checked on the
// rows met along the way.
func (t *Tx) ListReturns(ctx context.Context, storeID string, q store.ReturnQuery) ([]*returns.Return, error) {
	var b strings.Builder
	b.WriteString(`SELECT doc FROM returns WHERE store_id = ?`)
	args := []any{storeID}
	if q.Status != "" {
		b.WriteString(` AND status = ?`)
		args = append(args, string(q.Status))
	}
	if q.OrderName != "" {
		b.WriteString(` AND order_name = ?`)
		args = append(args, q.OrderName)
	}
	if !q.UpdatedMin.IsZero() {
		b.WriteString(` AND updated_at >= ?`)
		args = append(args, US(q.UpdatedMin))
	}
	if !q.UpdatedMax.IsZero() {
		b.WriteString(` AND updated_at < ?`)
		args = append(args, US(q.UpdatedMax))
	}
	if q.Before != "" {
		b.WriteString(` AND id < ?`)
		args = append(args, q.Before)
	}
	b.WriteString(` ORDER BY id DESC LIMIT ?`)
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultReturnsLimit
	}
	args = append(args, limit)
	return t.listReturns(ctx, "list returns", b.String(), args...)
}

// ReturnsForOrder implements store.ReadTx.
func (t *Tx) ReturnsForOrder(ctx context.Context, storeID, orderID string) ([]*returns.Return, error) {
	return t.listReturns(ctx, "returns for order",
		`SELECT doc FROM returns WHERE store_id = ? AND order_id = ? ORDER BY created_at, id`, storeID, orderID)
}

func encodeReturn(r *returns.Return) (string, error) {
	doc, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("encode return %s: %w", r.ID, err)
	}
	return string(doc), nil
}

// CreateReturn implements store.Tx.
func (t *Tx) CreateReturn(ctx context.Context, r *returns.Return) error {
	doc, err := encodeReturn(r)
	if err != nil {
		return fmt.Errorf("create return: %w", err)
	}
	n, err := t.exec(ctx, `INSERT INTO returns (id, store_id, order_id, status, order_name, created_at, updated_at, doc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		r.ID, r.StoreID, r.OrderID, string(r.Status), r.OrderName, US(r.CreatedAt), US(r.UpdatedAt), doc)
	if err != nil && t.d.IsForeignKeyViolation(err) {
		return notFound("store", r.StoreID)
	}
	if err != nil {
		return fmt.Errorf("create return: %w", err)
	}
	if n == 0 {
		return returns.Errorf(returns.ECONFLICT, "return %q already exists", r.ID)
	}
	if err := t.insertTagLinks(ctx, r.StoreID, r.ID, r.Tags); err != nil {
		return fmt.Errorf("create return: %w", err)
	}
	return nil
}

// UpdateReturn implements store.Tx.
func (t *Tx) UpdateReturn(ctx context.Context, r *returns.Return) error {
	doc, err := encodeReturn(r)
	if err != nil {
		return fmt.Errorf("update return: %w", err)
	}
	n, err := t.exec(ctx, `UPDATE returns SET order_id = ?, status = ?, order_name = ?, created_at = ?, updated_at = ?, doc = ?
		WHERE store_id = ? AND id = ?`,
		r.OrderID, string(r.Status), r.OrderName, US(r.CreatedAt), US(r.UpdatedAt), doc, r.StoreID, r.ID)
	if err != nil {
		return fmt.Errorf("update return: %w", err)
	}
	if n == 0 {
		return notFound("return", r.ID)
	}
	if _, err := t.exec(ctx, `DELETE FROM return_tag_links WHERE store_id = ? AND return_id = ?`, r.StoreID, r.ID); err != nil {
		return fmt.Errorf("update return: tags: %w", err)
	}
	if err := t.insertTagLinks(ctx, r.StoreID, r.ID, r.Tags); err != nil {
		return fmt.Errorf("update return: %w", err)
	}
	return nil
}

// insertTagLinks records that the return uses tags (duplicates ignored).
func (t *Tx) insertTagLinks(ctx context.Context, storeID, returnID string, tags []string) error {
	for _, tag := range tags {
		_, err := t.exec(ctx, `INSERT INTO return_tag_links (store_id, tag, return_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			storeID, tag, returnID)
		if err != nil {
			return fmt.Errorf("link tag %q: %w", tag, err)
		}
	}
	return nil
}

// ---- idempotency keys

// GetIdempotencyKey implements store.ReadTx.
func (t *Tx) GetIdempotencyKey(ctx context.Context, storeID, key string) (string, string, error) {
	var hash, returnID string
	err := t.row(ctx, `SELECT request_hash, return_id FROM idempotency_keys WHERE store_id = ? AND key = ?`, storeID, key).
		Scan(&hash, &returnID)
	if errors.Is(err, ErrNoRows) {
		return "", "", notFound("idempotency key", key)
	}
	if err != nil {
		return "", "", fmt.Errorf("get idempotency key: %w", err)
	}
	return hash, returnID, nil
}

// PutIdempotencyKey implements store.Tx.
func (t *Tx) PutIdempotencyKey(ctx context.Context, storeID, key, requestHash, returnID string) error {
	n, err := t.exec(ctx, `INSERT INTO idempotency_keys (store_id, key, request_hash, return_id, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (store_id, key) DO NOTHING`,
		storeID, key, requestHash, returnID, US(t.now))
	if err != nil && t.d.IsForeignKeyViolation(err) {
		return notFound("store", storeID)
	}
	if err != nil {
		return fmt.Errorf("put idempotency key: %w", err)
	}
	if n == 0 {
		return returns.Errorf(returns.ECONFLICT, "idempotency key %q already used", key)
	}
	return nil
}

// ---- timeline

// AddTimelineEvent implements store.Tx.
func (t *Tx) AddTimelineEvent(ctx context.Context, storeID string, ev *returns.TimelineEvent) error {
	saved := *ev
	saved.ID = 0 // the id is the row's
	doc, err := json.Marshal(&saved)
	if err != nil {
		return fmt.Errorf("add timeline event: encode: %w", err)
	}
	const insert = `INSERT INTO timeline_events (store_id, return_id, kind, at, doc) VALUES (?, ?, ?, ?, ?)`
	args := []any{storeID, ev.ReturnID, ev.Kind, US(ev.At), string(doc)}
	var id int64
	if ins, ok := t.c.(InsertIDConn); ok {
		id, err = ins.ExecInsertID(ctx, t.d.Q(insert), args...)
	} else {
		err = t.row(ctx, insert+` RETURNING id`, args...).Scan(&id)
	}
	if err != nil && t.d.IsForeignKeyViolation(err) {
		return notFound("store", storeID)
	}
	if err != nil {
		return fmt.Errorf("add timeline event: %w", err)
	}
	ev.ID = id
	return nil
}

// ListTimeline implements store.ReadTx.
func (t *Tx) ListTimeline(ctx context.Context, storeID, returnID string) ([]*returns.TimelineEvent, error) {
	return collect(ctx, t, "list timeline", func(r Row) (*returns.TimelineEvent, error) {
		var id int64
		var doc []byte
		if err := r.Scan(&id, &doc); err != nil {
			return nil, err
		}
		var ev returns.TimelineEvent
		if err := json.Unmarshal(doc, &ev); err != nil {
			return nil, fmt.Errorf("decode event %d: %w", id, err)
		}
		ev.ID = id
		return &ev, nil
	}, `SELECT id, doc FROM timeline_events WHERE store_id = ? AND return_id = ? ORDER BY id`, storeID, returnID)
}

// ---- comments and blobs

// AddComment implements store.Tx. ECONFLICT when the id exists.
func (t *Tx) AddComment(ctx context.Context, c *returns.Comment) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("add comment: encode: %w", err)
	}
	n, err := t.exec(ctx, `INSERT INTO comments (id, store_id, return_id, created_at, doc) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`, c.ID, c.StoreID, c.ReturnID, US(c.CreatedAt), string(doc))
	if err != nil && t.d.IsForeignKeyViolation(err) {
		return notFound("store", c.StoreID)
	}
	if err != nil {
		return fmt.Errorf("add comment: %w", err)
	}
	if n == 0 {
		return returns.Errorf(returns.ECONFLICT, "comment %q already exists", c.ID)
	}
	return nil
}

// ListComments implements store.ReadTx.
func (t *Tx) ListComments(ctx context.Context, storeID, returnID string) ([]*returns.Comment, error) {
	return collect(ctx, t, "list comments", func(r Row) (*returns.Comment, error) {
		var doc []byte
		if err := r.Scan(&doc); err != nil {
			return nil, err
		}
		var c returns.Comment
		if err := json.Unmarshal(doc, &c); err != nil {
			return nil, fmt.Errorf("decode: %w", err)
		}
		return &c, nil
	}, `SELECT doc FROM comments WHERE store_id = ? AND return_id = ? ORDER BY created_at, id`, storeID, returnID)
}

// PutBlob implements store.Tx. ECONFLICT when the id exists.
func (t *Tx) PutBlob(ctx context.Context, b *returns.Blob) error {
	data := b.Data
	if data == nil {
		data = []byte{} // NOT NULL: a nil slice would bind as NULL
	}
	n, err := t.exec(ctx, `INSERT INTO blobs (id, store_id, content_type, data, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`, b.ID, b.StoreID, b.ContentType, data, US(b.CreatedAt))
	if err != nil && t.d.IsForeignKeyViolation(err) {
		return notFound("store", b.StoreID)
	}
	if err != nil {
		return fmt.Errorf("put blob: %w", err)
	}
	if n == 0 {
		return returns.Errorf(returns.ECONFLICT, "blob %q already exists", b.ID)
	}
	return nil
}

// GetBlob implements store.ReadTx.
func (t *Tx) GetBlob(ctx context.Context, id string) (*returns.Blob, error) {
	var b returns.Blob
	var created int64
	err := t.row(ctx, `SELECT id, store_id, content_type, data, created_at FROM blobs WHERE id = ?`, id).
		Scan(&b.ID, &b.StoreID, &b.ContentType, &b.Data, &created)
	if errors.Is(err, ErrNoRows) {
		return nil, notFound("blob", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get blob: %w", err)
	}
	if b.Data == nil {
		b.Data = []byte{}
	}
	b.CreatedAt = FromUS(created)
	return &b, nil
}

// ---- tags

const returnTagCols = `store_id, name, pill_theme, source, numeric_id, created_at`

func scanReturnTag(r Row) (*returns.ReturnTag, error) {
	var tag returns.ReturnTag
	var created int64
	if err := r.Scan(&tag.StoreID, &tag.Name, &tag.PillTheme, &tag.Source, &tag.NumericID, &created); err != nil {
		return nil, err
	}
	tag.CreatedAt = FromUS(created)
	return &tag, nil
}

// ListReturnTags implements store.ReadTx.
func (t *Tx) ListReturnTags(ctx context.Context, storeID string) ([]*returns.ReturnTag, error) {
	return collect(ctx, t, "list return tags", scanReturnTag, `SELECT `+returnTagCols+` FROM return_tags WHERE store_id = ? ORDER BY name`, storeID)
}

// GetReturnTag implements store.ReadTx.
func (t *Tx) GetReturnTag(ctx context.Context, storeID, name string) (*returns.ReturnTag, error) {
	tag, err := scanReturnTag(t.row(ctx, `SELECT `+returnTagCols+` FROM return_tags WHERE store_id = ? AND name = ?`, storeID, name))
	if errors.Is(err, ErrNoRows) {
		return nil, notFound("return tag", name)
	}
	if err != nil {
		return nil, fmt.Errorf("get return tag: %w", err)
	}
	return tag, nil
}

// putTagAttempts bounds PutReturnTag's retries. Each retry follows the
// commit of a concurrent creator of a tag in the same store, so it only
// runs out when that many tags are being created at once.
const putTagAttempts = 64

// PutReturnTag implements store.Tx. A new tag's NumericID is the store's
// largest plus one; the insert ignores conflicts on the name and on the
// numeric id (a concurrent PostgreSQL writer may take the same one: the
// insert waits for it to commit), and is retried when neither the tag
// exists nor the insert took.
func (t *Tx) PutReturnTag(ctx context.Context, tag *returns.ReturnTag) (bool, error) {
	for range putTagAttempts {
		var created int64
		err := t.row(ctx, `UPDATE return_tags SET pill_theme = ? WHERE store_id = ? AND name = ? RETURNING source, numeric_id, created_at`,
			tag.PillTheme, tag.StoreID, tag.Name).Scan(&tag.Source, &tag.NumericID, &created)
		if err == nil {
			tag.CreatedAt = FromUS(created)
			return false, nil
		}
		if !errors.Is(err, ErrNoRows) {
			return false, fmt.Errorf("put return tag: %w", err)
		}
		var numericID int64
		err = t.row(ctx, `INSERT INTO return_tags (`+returnTagCols+`)
			SELECT ?, ?, ?, ?, COALESCE(MAX(numeric_id), 0) + 1, ? FROM return_tags WHERE store_id = ?
			ON CONFLICT DO NOTHING RETURNING numeric_id`,
			tag.StoreID, tag.Name, tag.PillTheme, tag.Source, US(t.now), tag.StoreID).Scan(&numericID)
		if err == nil {
			tag.NumericID, tag.CreatedAt = numericID, FromUS(US(t.now)) // as stored
			return true, nil
		}
		if t.d.IsForeignKeyViolation(err) {
			return false, notFound("store", tag.StoreID)
		}
		if !errors.Is(err, ErrNoRows) {
			return false, fmt.Errorf("put return tag: %w", err)
		}
	}
	return false, returns.Errorf(returns.ECONFLICT, "put return tag %q: too many concurrent changes", tag.Name)
}

// retag rewrites tag from to to ("" strips it) in the Tags of every return
// that uses it, and their links. It keeps the returns' UpdatedAt: the
// return itself did not change, only a tag's name.
func (t *Tx) retag(ctx context.Context, storeID, from, to string) error {
	ids, err := t.ReturnIDsWithTag(ctx, storeID, from)
	if err != nil {
		return err
	}
	for _, id := range ids {
		r, err := t.oneReturn(ctx, `SELECT doc FROM returns WHERE store_id = ? AND id = ?`+t.d.ForNoKeyUpdate, storeID, id)
		if err != nil && !returns.IsNotFound(err) {
			return err
		}
		if r != nil {
			tags := make([]string, 0, len(r.Tags))
			for _, tg := range r.Tags {
				if tg == from {
					tg = to
				}
				if tg != "" && !slices.Contains(tags, tg) {
					tags = append(tags, tg)
				}
			}
			if len(tags) == 0 {
				tags = nil
			}
			r.Tags = tags
			doc, err := encodeReturn(r)
			if err != nil {
				return err
			}
			if _, err := t.exec(ctx, `UPDATE returns SET doc = ? WHERE store_id = ? AND id = ?`, doc, storeID, id); err != nil {
				return err
			}
			if to != "" {
				if err := t.insertTagLinks(ctx, storeID, id, []string{to}); err != nil {
					return err
				}
			}
		}
		if _, err := t.exec(ctx, `DELETE FROM return_tag_links WHERE store_id = ? AND tag = ? AND return_id = ?`, storeID, from, id); err != nil {
			return err
		}
	}
	return nil
}

// RenameReturnTag implements store.Tx. Renaming a tag to its own name is a
// no-op.
func (t *Tx) RenameReturnTag(ctx context.Context, storeID, from, to string) error {
	var one int
	err := t.row(ctx, `SELECT 1 FROM return_tags WHERE store_id = ? AND name = ?`+t.d.ForUpdate, storeID, from).Scan(&one)
	if errors.Is(err, ErrNoRows) {
		return notFound("return tag", from)
	}
	if err != nil {
		return fmt.Errorf("rename return tag: %w", err)
	}
	if from == to {
		return nil
	}
	err = t.row(ctx, `SELECT 1 FROM return_tags WHERE store_id = ? AND name = ?`, storeID, to).Scan(&one)
	if err == nil {
		return returns.Errorf(returns.ECONFLICT, "return tag %q already exists", to)
	}
	if !errors.Is(err, ErrNoRows) {
		return fmt.Errorf("rename return tag: %w", err)
	}
	if _, err := t.exec(ctx, `UPDATE return_tags SET name = ? WHERE store_id = ? AND name = ?`, to, storeID, from); err != nil {
		return fmt.Errorf("rename return tag: %w", err)
	}
	if err := t.retag(ctx, storeID, from, to); err != nil {
		return fmt.Errorf("rename return tag: %w", err)
	}
	return nil
}

// DeleteReturnTag implements store.Tx.
func (t *Tx) DeleteReturnTag(ctx context.Context, storeID, name string) error {
	n, err := t.exec(ctx, `DELETE FROM return_tags WHERE store_id = ? AND name = ?`, storeID, name)
	if err != nil {
		return fmt.Errorf("delete return tag: %w", err)
	}
	if n == 0 {
		return notFound("return tag", name)
	}
	if err := t.retag(ctx, storeID, name, ""); err != nil {
		return fmt.Errorf("delete return tag: %w", err)
	}
	return nil
}

// ---- policy

// GetPolicy implements store.ReadTx.
func (t *Tx) GetPolicy(ctx context.Context, storeID string) (returns.Policy, error) {
	var doc []byte
	err := t.row(ctx, `SELECT doc FROM return_policies WHERE store_id = ?`, storeID).Scan(&doc)
	if errors.Is(err, ErrNoRows) {
		return returns.DefaultPolicy(), nil
	}
	if err != nil {
		return returns.Policy{}, fmt.Errorf("get policy: %w", err)
	}
	var p returns.Policy
	if err := json.Unmarshal(doc, &p); err != nil {
		return returns.Policy{}, fmt.Errorf("get policy: decode: %w", err)
	}
	return p, nil
}

// PutPolicy implements store.Tx.
func (t *Tx) PutPolicy(ctx context.Context, storeID string, p returns.Policy) error {
	doc, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("put policy: encode: %w", err)
	}
	_, err = t.exec(ctx, `INSERT INTO return_policies (store_id, doc, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (store_id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at`,
		storeID, string(doc), US(t.now))
	if err != nil && t.d.IsForeignKeyViolation(err) {
		return notFound("store", storeID)
	}
	if err != nil {
		return fmt.Errorf("put policy: %w", err)
	}
	return nil
}

// ---- gift cards

// GetGiftCard implements store.ReadTx.
func (t *Tx) GetGiftCard(ctx context.Context, storeID, code string) (*returns.GiftCard, error) {
	var g returns.GiftCard
	var created int64
	err := t.row(ctx, `SELECT store_id, code, return_id, amount, balance, currency, external_id, created_at
		FROM gift_cards WHERE store_id = ? AND code = ?`, storeID, code).
		Scan(&g.StoreID, &g.Code, &g.ReturnID, &g.Amount, &g.Balance, &g.Currency, &g.ExternalID, &created)
	if errors.Is(err, ErrNoRows) {
		return nil, notFound("gift card", code)
	}
	if err != nil {
		return nil, fmt.Errorf("get gift card: %w", err)
	}
	g.CreatedAt = FromUS(created)
	return &g, nil
}

// CreateGiftCard implements store.Tx.
func (t *Tx) CreateGiftCard(ctx context.Context, g *returns.GiftCard) error {
	n, err := t.exec(ctx, `INSERT INTO gift_cards (store_id, code, return_id, amount, balance, currency, external_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (store_id, code) DO NOTHING`,
		g.StoreID, g.Code, g.ReturnID, g.Amount, g.Balance, g.Currency, g.ExternalID, US(g.CreatedAt))
	if err != nil && t.d.IsForeignKeyViolation(err) {
		return notFound("store", g.StoreID)
	}
	if err != nil {
		return fmt.Errorf("create gift card: %w", err)
	}
	if n == 0 {
		return returns.Errorf(returns.ECONFLICT, "gift card %q already exists", g.Code)
	}
	return nil
}

// ReturnIDsWithTag implements store.ReadTx.
func (t *Tx) ReturnIDsWithTag(ctx context.Context, storeID, tag string) ([]string, error) {
	return collect(ctx, t, "returns with tag", scanString, `SELECT return_id FROM return_tag_links WHERE store_id = ? AND tag = ? ORDER BY return_id`, storeID, tag)
}

package sqlstore

// Numeric ids for Loop's clients: the loop_ids table (one sequence for
// every kind) and the returns.loop_id copy the Loop list pages through.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// LoopIDs implements store.ReadTx.
func (t *Tx) LoopIDs(ctx context.Context, storeID, kind string, nativeIDs []string) (map[string]int64, error) {
	out := make(map[string]int64, len(nativeIDs))
	ids := slices.Clone(nativeIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for chunk := range slices.Chunk(ids, maxInList) {
		ph, args := inList(chunk)
		rows, err := t.query(ctx, `SELECT native_id, id FROM loop_ids WHERE kind = ? AND store_id = ? AND native_id IN (`+ph+`)`,
			append([]any{kind, storeID}, args...)...)
		if err != nil {
			return nil, fmt.Errorf("loop ids: %w", err)
		}
		for rows.Next() {
			var n string
			var id int64
			if err := rows.Scan(&n, &id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("loop ids: %w", err)
			}
			out[n] = id
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("loop ids: %w", err)
		}
	}
	return out, nil
}

// LoopNativeID implements store.ReadTx.
func (t *Tx) LoopNativeID(ctx context.Context, storeID, kind string, id int64) (string, error) {
	var n string
	err := t.row(ctx, `SELECT native_id FROM loop_ids WHERE id = ? AND kind = ? AND store_id = ?`, id, kind, storeID).Scan(&n)
	if errors.Is(err, ErrNoRows) {
		return "", returns.Errorf(returns.ENOTFOUND, "%s %d not found", kind, id)
	}
	if err != nil {
		return "", fmt.Errorf("loop native id: %w", err)
	}
	return n, nil
}

// AssignLoopIDs implements store.Tx. Inserts that lose to a concurrent one
// (ON CONFLICT DO NOTHING) read the winner's id.
func (t *Tx) AssignLoopIDs(ctx context.Context, storeID, kind string, nativeIDs []string) (map[string]int64, error) {
	out, err := t.LoopIDs(ctx, storeID, kind, nativeIDs)
	if err != nil {
		return nil, err
	}
	for _, n := range nativeIDs {
		if _, ok := out[n]; ok {
			continue
		}
		var id int64
		err := t.row(ctx, `INSERT INTO loop_ids (kind, store_id, native_id) VALUES (?, ?, ?)
			ON CONFLICT (kind, native_id) DO NOTHING RETURNING id`, kind, storeID, n).Scan(&id)
		switch {
		case errors.Is(err, ErrNoRows):
			if err := t.row(ctx, `SELECT id FROM loop_ids WHERE kind = ? AND store_id = ? AND native_id = ?`, kind, storeID, n).Scan(&id); err != nil {
				return nil, fmt.Errorf("assign loop id of %s %s: %w", kind, n, err)
			}
		case err != nil && t.d.IsForeignKeyViolation(err):
			return nil, notFound("store", storeID)
		case err != nil:
			return nil, fmt.Errorf("assign loop id of %s %s: %w", kind, n, err)
		}
		out[n] = id
		if kind == store.LoopKindReturn {
			if _, err := t.exec(ctx, `UPDATE returns SET loop_id = ? WHERE store_id = ? AND id = ? AND loop_id = 0`, id, storeID, n); err != nil {
				return nil, fmt.Errorf("assign loop id of return %s: %w", n, err)
			}
		}
	}
	return out, nil
}

// NumberReturns implements store.Tx.
func (t *Tx) NumberReturns(ctx context.Context, storeID string, limit int) (int, error) {
	ids, err := collect(ctx, t, "number returns", scanString, `SELECT id FROM returns WHERE store_id = ? AND loop_id = 0 ORDER BY created_at, id LIMIT ?`, storeID, limit)
	if err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, nil
	}
	if _, err := t.AssignLoopIDs(ctx, storeID, store.LoopKindReturn, ids); err != nil {
		return 0, err
	}
	return len(ids), nil
}

// HasUnnumberedReturns implements store.ReadTx.
func (t *Tx) HasUnnumberedReturns(ctx context.Context, storeID string) (bool, error) {
	var one int
	err := t.row(ctx, `SELECT 1 FROM returns WHERE store_id = ? AND loop_id = 0 LIMIT 1`, storeID).Scan(&one)
	if errors.Is(err, ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("unnumbered returns: %w", err)
	}
	return true, nil
}

// DefaultLoopLimit is ListLoopReturns' page size when q.Limit ≤ 0.
const DefaultLoopLimit = 100

// ListLoopReturns implements store.ReadTx: a keyset query along
// (store_id, created_at | updated_at, loop_id), the status checked on the
// index entries (returns_loop_created, returns_loop_updated).
func (t *Tx) ListLoopReturns(ctx context.Context, storeID string, q store.LoopReturnQuery) ([]store.LoopReturn, error) {
	col := "created_at"
	if q.ByUpdated {
		col = "updated_at"
	}
	// The time range starts (or ends) at the keyset position itself, so
	// that the index range scanned begins there: the row-value comparison
	// alone is checked on the entries met, not used to seek.
	lo, hi := US(q.From), US(q.To)
	if k := q.After; k != nil {
		lo = max(lo, US(k.At))
	}
	if k := q.Before; k != nil {
		hi = min(hi, US(k.At))
	}
	var b strings.Builder
	b.WriteString(`SELECT doc, loop_id, ` + col + ` FROM returns WHERE store_id = ? AND ` + col + ` >= ? AND ` + col + ` <= ? AND loop_id > 0`)
	args := []any{storeID, lo, hi}
	if len(q.Statuses) > 0 {
		b.WriteString(` AND status IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(q.Statuses)), ", ") + `)`)
		for _, s := range q.Statuses {
			args = append(args, string(s))
		}
	}
	if k := q.After; k != nil {
		b.WriteString(` AND (` + col + `, loop_id) > (?, ?)`)
		args = append(args, US(k.At), k.ID)
	}
	if k := q.Before; k != nil {
		b.WriteString(` AND (` + col + `, loop_id) < (?, ?)`)
		args = append(args, US(k.At), k.ID)
	}
	if q.Descending {
		b.WriteString(` ORDER BY ` + col + ` DESC, loop_id DESC LIMIT ?`)
	} else {
		b.WriteString(` ORDER BY ` + col + `, loop_id LIMIT ?`)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLoopLimit
	}
	args = append(args, limit)
	return collect(ctx, t, "list loop returns", func(r Row) (store.LoopReturn, error) {
		var doc []byte
		var id, at int64
		if err := r.Scan(&doc, &id, &at); err != nil {
			return store.LoopReturn{}, err
		}
		ret, err := decodeReturn(doc)
		return store.LoopReturn{Return: ret, Key: store.LoopKey{At: FromUS(at), ID: id}}, err
	}, b.String(), args...)
}

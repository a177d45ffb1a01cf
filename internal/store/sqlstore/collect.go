package sqlstore

import (
	"context"
	"fmt"
)

// collect runs the query q and returns every row read by scan, in order.
// Errors are wrapped with what, which names the read ("list stores").
func collect[T any](ctx context.Context, t *Tx, what string, scan func(Row) (T, error), q string, args ...any) ([]T, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// scanString reads a one-column text row.
func scanString(r Row) (string, error) {
	var s string
	return s, r.Scan(&s)
}

// scanInt64 reads a one-column integer row.
func scanInt64(r Row) (int64, error) {
	var n int64
	return n, r.Scan(&n)
}

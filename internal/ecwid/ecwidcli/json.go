package ecwidcli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"reflect"
	"slices"

	"github.com/reboundhq/rebound/internal/ecwid"
)

// ---------------------------------------------------------------------------
// JSON of decoded objects

// entityJSON encodes an object the client decoded, v a pointer to a struct.
// The members the client kept in an Extra field (which is not marshaled)
// are appended, so nothing Ecwid sent and the client kept is lost.
func entityJSON(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b := bytes.TrimSpace(buf.Bytes())
	rv := reflect.Indirect(reflect.ValueOf(v))
	if rv.Kind() != reflect.Struct {
		return b, nil
	}
	fv := rv.FieldByName("Extra")
	if !fv.IsValid() || !fv.CanInterface() {
		return b, nil
	}
	extra, _ := fv.Interface().(ecwid.Extra)
	if len(extra) == 0 || len(b) < 2 || b[len(b)-1] != '}' {
		return b, nil
	}
	out := slices.Clone(b[:len(b)-1])
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range extra {
			if !yield(k) {
				return
			}
		}
	}) {
		if len(out) > 1 {
			out = append(out, ',')
		}
		key, _ := json.Marshal(k)
		out = append(out, key...)
		out = append(out, ':')
		var val bytes.Buffer
		if err := json.Compact(&val, extra[k]); err != nil {
			return nil, fmt.Errorf("member %s: %w", k, err)
		}
		out = append(out, val.Bytes()...)
	}
	return append(out, '}'), nil
}

func objectJSON[T any](v *T, err error) (json.RawMessage, error) {
	if err != nil {
		return nil, err
	}
	return entityJSON(v)
}

// A paged resource's filter (F) carries Offset, Limit and ResponseFields;
// the client's Search and All for it have these shapes.
type (
	searchFunc[F, T any] func(context.Context, *F) (*ecwid.Page[T], error)
	allFunc[F, T any]    func(context.Context, *F) iter.Seq2[T, error]
	// pageSetter puts the paging arguments into a filter.
	pageSetter[F any] func(g *F, offset, limit int, fields string)
)

// pagedList returns a resource's list function: one page, with the filter
// the flags filled in (*f, read at call time) plus the paging arguments.
func pagedList[F, T any](f *F, set pageSetter[F], search func(*ecwid.Client) searchFunc[F, T]) func(context.Context, *ecwid.Client, int, int, string) (*listPage, error) {
	return func(ctx context.Context, c *ecwid.Client, offset, limit int, fields string) (*listPage, error) {
		g := *f
		set(&g, offset, limit, fields)
		p, err := search(c)(ctx, &g)
		if err != nil {
			return nil, err
		}
		return toListPage(p)
	}
}

// pagedAll returns a resource's all function: every page from offset on.
func pagedAll[F, T any](f *F, set pageSetter[F], all func(*ecwid.Client) allFunc[F, T]) func(context.Context, *ecwid.Client, int, int, string) iter.Seq2[json.RawMessage, error] {
	return func(ctx context.Context, c *ecwid.Client, offset, limit int, fields string) iter.Seq2[json.RawMessage, error] {
		g := *f
		set(&g, offset, limit, fields)
		return rawSeq(all(c)(ctx, &g))
	}
}

// getFunc is the shape of the client's Get for a resource with numeric ids.
type getFunc[ID ~int64, T any] func(ctx context.Context, id ID, fields ...string) (*T, error)

// numericGet returns a resource's get function for numeric ids (checked as
// numbers before any request is made; see ecwidResource.numericID).
func numericGet[ID ~int64, T any](get func(*ecwid.Client) getFunc[ID, T]) func(context.Context, *ecwid.Client, string, []string) (json.RawMessage, error) {
	return func(ctx context.Context, c *ecwid.Client, id string, fields []string) (json.RawMessage, error) {
		n, err := parseNumber[ID](id)
		if err != nil {
			return nil, err
		}
		return objectJSON(get(c)(ctx, n, fields...))
	}
}

func toListPage[T any](p *ecwid.Page[T]) (*listPage, error) {
	lp := &listPage{Total: p.Total, Count: p.Count, Offset: p.Offset, Limit: p.Limit,
		Items: make([]json.RawMessage, 0, len(p.Items))}
	for i := range p.Items {
		raw, err := entityJSON(&p.Items[i])
		if err != nil {
			return nil, err
		}
		lp.Items = append(lp.Items, raw)
	}
	return lp, nil
}

func rawSeq[T any](seq iter.Seq2[T, error]) iter.Seq2[json.RawMessage, error] {
	return func(yield func(json.RawMessage, error) bool) {
		for v, err := range seq {
			if err != nil {
				yield(nil, err)
				return
			}
			raw, err := entityJSON(&v)
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(raw, nil) {
				return
			}
		}
	}
}

func writeJSONDoc(w io.Writer, v any) error {
	if items, ok := v.([]json.RawMessage); ok && items == nil {
		v = []json.RawMessage{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

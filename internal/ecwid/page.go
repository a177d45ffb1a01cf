package ecwid

import (
	"context"
	"encoding/json"
	"iter"
	"net/url"
	"reflect"
	"strings"
	"sync"
)

// Page is one page of a search: Ecwid's {total, count, offset, limit, items}
// envelope. Fields left out by responseFields stay zero.
type Page[T any] struct {
	Total  int `json:"total"`  // items matching the search, across all pages
	Count  int `json:"count"`  // items in this page
	Offset int `json:"offset"` // offset the page starts at
	Limit  int `json:"limit"`  // page size Ecwid applied
	Items  []T `json:"items"`
}

// fetchFunc fetches the page starting at offset with at most limit items.
type fetchFunc[T any] func(ctx context.Context, offset, limit int) (*Page[T], error)

// paginate walks pages from offset until Ecwid's total is reached. It also
// stops on an empty page, and on a short page when total is missing (a
// responseFields selection without "total"), so it never loops forever.
func paginate[T any](ctx context.Context, offset, limit int, fetch fetchFunc[T]) iter.Seq2[T, error] {
	if limit <= 0 || limit > MaxLimit {
		limit = MaxLimit
	}
	return func(yield func(T, error) bool) {
		for {
			p, err := fetch(ctx, offset, limit)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range p.Items {
				if !yield(it, nil) {
					return
				}
			}
			n := len(p.Items)
			offset += n
			switch {
			case n == 0:
				return
			case p.Total > 0 && offset >= p.Total:
				return
			case p.Total == 0 && n < limit:
				return
			}
		}
	}
}

// Extra holds the JSON members of an entity that have no field in its Go
// type, keyed by their JSON name, so nothing Ecwid sends is lost.
type Extra map[string]json.RawMessage

// Decode unmarshals the member named key into v. It reports false when the
// member is absent.
func (e Extra) Decode(key string, v any) (bool, error) {
	raw, ok := e[key]
	if !ok {
		return false, nil
	}
	return true, json.Unmarshal(raw, v)
}

var knownKeysCache sync.Map // reflect.Type → map[string]bool

// knownKeys returns the JSON names of t's fields.
func knownKeys(t reflect.Type) map[string]bool {
	if m, ok := knownKeysCache.Load(t); ok {
		return m.(map[string]bool)
	}
	m := map[string]bool{}
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		switch {
		case name == "-":
		case name == "" && f.Anonymous && f.Type.Kind() == reflect.Struct:
			for k := range knownKeys(f.Type) {
				m[k] = true
			}
		case name != "":
			m[name] = true
		case f.IsExported():
			m[f.Name] = true
		}
	}
	knownKeysCache.Store(t, m)
	return m
}

// decodeWithExtra unmarshals data into v (a pointer to a struct type with no
// UnmarshalJSON of its own) and returns the members v has no field for.
func decodeWithExtra(data []byte, v any) (Extra, error) {
	if err := json.Unmarshal(data, v); err != nil {
		return nil, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	known := knownKeys(reflect.TypeOf(v).Elem())
	var extra Extra
	for k, raw := range all {
		if known[k] {
			continue
		}
		if extra == nil {
			extra = Extra{}
		}
		extra[k] = raw
	}
	return extra, nil
}

// getAs GETs path with query q and decodes the answer into a new T.
func getAs[T any](ctx context.Context, c *Client, path string, q url.Values) (*T, error) {
	var v T
	if err := c.get(ctx, path, q, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// allPages iterates over every item a search returns, from the filter's
// offset on (f nil means no filter); paging names the filter's offset and
// limit fields, which it sets on a copy for each page.
func allPages[F, T any](ctx context.Context, f *F, paging func(*F) (offset, limit *int), search func(context.Context, *F) (*Page[T], error)) iter.Seq2[T, error] {
	var g F
	if f != nil {
		g = *f
	}
	offset, limit := paging(&g)
	return paginate(ctx, *offset, *limit, func(ctx context.Context, o, l int) (*Page[T], error) {
		*offset, *limit = o, l
		return search(ctx, &g)
	})
}

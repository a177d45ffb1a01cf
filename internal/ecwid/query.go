package ecwid

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Ptr returns a pointer to v, for the optional fields of filters and
// updates: &OrderUpdate{Total: ecwid.Ptr(0.0)}.
func Ptr[T any](v T) *T { return &v }

// Fields joins response field selectors for ResponseFields or Get:
// Fields("total", "items(id,email)") is "total,items(id,email)".
func Fields(f ...string) string { return strings.Join(f, ",") }

// params builds the query of a search request.
type params struct{ v url.Values }

func newParams() params { return params{url.Values{}} }

func (p params) str(k, s string) {
	if s != "" {
		p.v.Set(k, s)
	}
}

func (p params) int(k string, n int64) {
	if n != 0 {
		p.v.Set(k, strconv.FormatInt(n, 10))
	}
}

func (p params) intp(k string, n *int64) {
	if n != nil {
		p.v.Set(k, strconv.FormatInt(*n, 10))
	}
}

func (p params) floatp(k string, f *float64) {
	if f != nil {
		p.v.Set(k, strconv.FormatFloat(*f, 'f', -1, 64))
	}
}

func (p params) boolp(k string, b *bool) {
	if b != nil {
		p.v.Set(k, strconv.FormatBool(*b))
	}
}

func (p params) flag(k string, b bool) {
	if b {
		p.v.Set(k, "true")
	}
}

// time sends a date bound as UNIX seconds. Ecwid also takes
// "2006-01-02 15:04:05", but that form leaves the time zone implied.
func (p params) time(k string, t time.Time) {
	if !t.IsZero() {
		p.v.Set(k, strconv.FormatInt(t.Unix(), 10))
	}
}

func (p params) page(offset, limit int, fields string) {
	if offset > 0 {
		p.v.Set("offset", strconv.Itoa(offset))
	}
	if limit > 0 {
		p.v.Set("limit", strconv.Itoa(min(limit, MaxLimit)))
	}
	p.str("responseFields", fields)
}

func joinInts[T ~int64](ids []T) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(int64(id), 10)
	}
	return strings.Join(s, ",")
}

func joinStrings[T ~string](ss []T) string {
	s := make([]string, len(ss))
	for i, v := range ss {
		s[i] = string(v)
	}
	return strings.Join(s, ",")
}

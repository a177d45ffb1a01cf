package loopapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Key is a returned row's position in a list: the time of the list's
// filter (created_at or updated_at) and the return's numeric id, which
// breaks ties. Lists are ordered by (At, ID), ascending.
type Key struct {
	At time.Time
	ID int64
}

// Less reports whether k comes before l.
func (k Key) Less(l Key) bool {
	if !k.At.Equal(l.At) {
		return k.At.Before(l.At)
	}
	return k.ID < l.ID
}

// Seek is a page's keyset position: the rows after Key (ascending), or,
// with Before, the rows before it (fetched descending, shown ascending).
type Seek struct {
	Before bool
	Key    Key
}

// Matches reports whether a row at k belongs to the page side s names
// (strictly after, or strictly before, s.Key).
func (s Seek) Matches(k Key) bool {
	if s.Before {
		return k.Less(s.Key)
	}
	return s.Key.Less(k)
}

// Cursors issues and checks the opaque cursor= values of page links. A
// cursor is the keyset position and a digest of the listing's window, filter
// and state, in base64url JSON, with a truncated HMAC-SHA256 under the key:
// a client cannot forge or alter one, nor use one with another query. The
// same key must be used by every replica; changing it invalidates links
// already given out (the client then starts again from the first page).
type Cursors struct {
	key []byte
}

// ErrCursorKey is returned by NewCursors for a key shorter than 16 bytes.
var ErrCursorKey = errors.New("loopapi: cursor key must have at least 16 bytes")

// NewCursors returns Cursors that sign with key (at least 16 bytes, e.g.
// derived from the server's secret).
func NewCursors(key []byte) (*Cursors, error) {
	if len(key) < 16 {
		return nil, ErrCursorKey
	}
	return &Cursors{key: slices.Clone(key)}, nil
}

// errCursor is every Decode error: the reason is not told to clients.
var errCursor = errors.New("loopapi: invalid cursor")

type cursorJSON struct {
	V int    `json:"v"`
	D string `json:"d"` // "n" (after) or "p" (before)
	T int64  `json:"t"` // Key.At, Unix nanoseconds
	I int64  `json:"i"` // Key.ID
	Q string `json:"q"` // digest of the query
}

const macLen = 16

func queryDigest(q ListQuery) string {
	v := q.Values()
	v.Del("paginate")
	v.Del("pageSize")
	sum := sha256.Sum256([]byte(v.Encode()))
	return base64.RawURLEncoding.EncodeToString(sum[:9])
}

func (c *Cursors) mac(b []byte) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write(b)
	return m.Sum(nil)[:macLen]
}

// Encode returns the cursor of position s in the listing q.
func (c *Cursors) Encode(q ListQuery, s Seek) string {
	d := "n"
	if s.Before {
		d = "p"
	}
	b, _ := json.Marshal(cursorJSON{V: 1, D: d, T: s.Key.At.UnixNano(), I: s.Key.ID, Q: queryDigest(q)})
	return base64.RawURLEncoding.EncodeToString(b) + "." + base64.RawURLEncoding.EncodeToString(c.mac(b))
}

// Decode checks a cursor issued by Encode for the same window, filter and
// state as q (the page size may differ) and returns its position. Any
// other string, a cursor of another query or one signed with another key,
// is an error; so is every cursor when c is nil.
func (c *Cursors) Decode(tok string, q ListQuery) (*Seek, error) {
	if c == nil {
		return nil, errCursor
	}
	body, sig, ok := strings.Cut(tok, ".")
	if !ok {
		return nil, errCursor
	}
	b, err1 := base64.RawURLEncoding.DecodeString(body)
	m, err2 := base64.RawURLEncoding.DecodeString(sig)
	if err1 != nil || err2 != nil || !hmac.Equal(m, c.mac(b)) {
		return nil, errCursor
	}
	var cj cursorJSON
	if err := json.Unmarshal(b, &cj); err != nil || cj.V != 1 || (cj.D != "n" && cj.D != "p") || cj.Q != queryDigest(q) {
		return nil, errCursor
	}
	return &Seek{Before: cj.D == "p", Key: Key{At: time.Unix(0, cj.T).UTC(), ID: cj.I}}, nil
}

// Limit is how many rows to fetch for q's page: one more than the page
// size, which tells whether there is a further page.
func (q ListQuery) Limit() int { return q.PageSize + 1 }

// Descending reports whether q's rows are fetched in descending (At, ID)
// order: for a previous-page link. The fetch is, in every case: the rows in
// q's window and states, matching q.Seek when set (Seek.Matches), ordered by
// (At, ID) ascending, or descending when Descending, at most Limit() of them.
func (q ListQuery) Descending() bool { return q.Seek != nil && q.Seek.Before }

// Page turns the rows fetched for q (see Descending) into the page shown,
// ascending, and its links: absolute URLs built on base (the list
// endpoint's URL; its query is replaced by q.Values() and the cursor), nil
// when there is no page on that side. key gives a row's Key.
//
// Since pages are keyset ranges rather than offsets, a return created or
// changed between two requests never shifts another return onto the wrong
// page: with filter=created_at every return in the window when the listing
// started is listed exactly once, in order, whatever is created meanwhile
// (returns created later with a time before the cursor's are not listed);
// with filter=updated_at a return
// updated after its page was read moves to a later position and is listed
// again there (it is never skipped).
func Page[T any](c *Cursors, base *url.URL, q ListQuery, rows []T, key func(T) Key) (page []T, next, prev *string) {
	n := q.PageSize
	more := len(rows) > n
	page = slices.Clone(rows[:min(len(rows), n)])
	link := func(s *Seek) *string {
		u := *base
		v := q.Values()
		if s != nil {
			v.Set("cursor", c.Encode(q, *s))
		}
		u.RawQuery = v.Encode()
		str := u.String()
		return &str
	}
	switch {
	case q.Descending():
		slices.Reverse(page)
		if len(page) == 0 {
			// Nothing before the position: the first page starts at it.
			return page, link(nil), nil
		}
		next = link(&Seek{Key: key(page[len(page)-1])})
		if more {
			prev = link(&Seek{Before: true, Key: key(page[0])})
		}
	default:
		if more {
			next = link(&Seek{Key: key(page[len(page)-1])})
		}
		if q.Seek != nil {
			if len(page) == 0 {
				// Everything up to and including the position: ids are
				// integers, so (t, id+1) is the position just after it.
				k := q.Seek.Key
				prev = link(&Seek{Before: true, Key: Key{At: k.At, ID: k.ID + 1}})
			} else {
				prev = link(&Seek{Before: true, Key: key(page[0])})
			}
		}
	}
	return page, next, prev
}

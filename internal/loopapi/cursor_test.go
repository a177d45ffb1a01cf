package loopapi_test

import (
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/loopapi"
)

// row is a return as a store query sees it.
type row struct {
	id               int64
	created, updated time.Time
	state            loopapi.State
}

// fakeStore answers list queries exactly as the contract of
// ListQuery.Descending says a store must.
type fakeStore struct{ rows []row }

func (s *fakeStore) key(q loopapi.ListQuery, r row) loopapi.Key {
	if q.Filter == loopapi.FilterUpdatedAt {
		return loopapi.Key{At: r.updated, ID: r.id}
	}
	return loopapi.Key{At: r.created, ID: r.id}
}

func (s *fakeStore) fetch(q loopapi.ListQuery) []row {
	var out []row
	for _, r := range s.rows {
		k := s.key(q, r)
		if q.InWindow(k.At) && slices.Contains(q.States(), r.state) && (q.Seek == nil || q.Seek.Matches(k)) {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		less := s.key(q, out[i]).Less(s.key(q, out[j]))
		if q.Descending() {
			return !less
		}
		return less
	})
	return out[:min(len(out), q.Limit())]
}

func cursors(t *testing.T, key string) *loopapi.Cursors {
	t.Helper()
	c, err := loopapi.NewCursors([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var base, _ = url.Parse("https://rebound.example/api/v1/warehouse/return/list")

// get follows a page link (or the first request) the way a client does.
func get(t *testing.T, c *loopapi.Cursors, s *fakeStore, link string, at time.Time) (ids []int64, next, prev string) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	q, err := loopapi.DecodeList(u.Query(), at, c)
	if err != nil {
		t.Fatalf("%s: %v", link, err)
	}
	page, n, p := loopapi.Page(c, base, q, s.fetch(q), func(r row) loopapi.Key { return s.key(q, r) })
	for _, r := range page {
		ids = append(ids, r.id)
	}
	if n != nil {
		next = *n
	}
	if p != nil {
		prev = *p
	}
	return ids, next, prev
}

func TestPagesStayExactWhileReturnsAreCreated(t *testing.T) {
	c := cursors(t, "0123456789abcdef0123456789abcdef")
	s := &fakeStore{}
	start := now.Add(-20 * time.Hour)
	var nextID int64 = 1
	add := func(at time.Time, st loopapi.State) {
		s.rows = append(s.rows, row{id: nextID, created: at, updated: at, state: st})
		nextID++
	}
	for i := 0; i < 10; i++ {
		add(start.Add(time.Duration(i)*time.Hour), loopapi.StateOpen)
		add(start.Add(time.Duration(i)*time.Hour), loopapi.StateClosed) // same time: the id breaks the tie
	}
	add(start, loopapi.StateReview) // left out by the default states

	link := base.String() + "?paginate=true&pageSize=3"
	var seen []int64
	var pages int
	at := now
	for link != "" {
		ids, next, _ := get(t, c, s, link, at)
		seen = append(seen, ids...)
		pages++
		// Between pages: returns created now, and a return imported with a
		// creation time inside the window, before the pages already read.
		add(at, loopapi.StateOpen)
		add(start.Add(-time.Minute), loopapi.StateOpen)
		at = at.Add(time.Minute)
		link = next
		if pages > 20 {
			t.Fatal("pagination does not end")
		}
	}
	want := []int64{}
	for i := int64(1); i <= 20; i++ {
		want = append(want, i)
	}
	// The first new return (id 22, created at the first request's "now") is
	// inside the window the links carry; later ones are after it.
	want = append(want, 22)
	if !slices.Equal(seen, want) {
		t.Errorf("listed %v\nwant     %v", seen, want)
	}
	if pages != 7 {
		t.Errorf("%d pages, want 7", pages)
	}
}

func TestUpdatedReturnIsListedAgainNeverSkipped(t *testing.T) {
	c := cursors(t, "0123456789abcdef0123456789abcdef")
	s := &fakeStore{}
	for i := int64(1); i <= 6; i++ {
		at := now.Add(-time.Duration(10-i) * time.Hour)
		s.rows = append(s.rows, row{id: i, created: at, updated: at, state: loopapi.StateOpen})
	}
	ids, next, _ := get(t, c, s, base.String()+"?paginate=true&pageSize=2&filter=updated_at&from=2024-06-01T00:00:00Z&to=2024-06-01T12:00:00Z", now)
	s.rows[0].updated = now.Add(-time.Minute) // return 1, already listed, is updated
	s.rows[3].updated = now.Add(-time.Minute) // return 4, not yet listed, moves later
	for next != "" {
		var more []int64
		more, next, _ = get(t, c, s, next, now)
		ids = append(ids, more...)
	}
	if !slices.Equal(ids, []int64{1, 2, 3, 5, 6, 1, 4}) {
		t.Errorf("listed %v", ids)
	}
}

func TestPreviousPageLinks(t *testing.T) {
	c := cursors(t, "0123456789abcdef0123456789abcdef")
	s := &fakeStore{}
	for i := int64(1); i <= 7; i++ {
		s.rows = append(s.rows, row{id: i, created: now.Add(-time.Duration(10-i) * time.Hour), state: loopapi.StateOpen})
	}
	first, next, prev := get(t, c, s, base.String()+"?paginate=true&pageSize=3", now)
	if prev != "" || !slices.Equal(first, []int64{1, 2, 3}) {
		t.Fatalf("first page %v prev %q", first, prev)
	}
	second, next, prev := get(t, c, s, next, now)
	third, next3, prev3 := get(t, c, s, next, now)
	if !slices.Equal(second, []int64{4, 5, 6}) || !slices.Equal(third, []int64{7}) || next3 != "" {
		t.Fatalf("pages %v %v next %q", second, third, next3)
	}
	back, _, _ := get(t, c, s, prev3, now)
	if !slices.Equal(back, second) {
		t.Errorf("previous of the third page is %v, want %v", back, second)
	}
	back, _, backPrev := get(t, c, s, prev, now)
	if !slices.Equal(back, first) || backPrev != "" {
		t.Errorf("previous of the second page is %v (prev %q), want %v and no link", back, backPrev, first)
	}
	// The page after the last one, emptied by a deletion, still links back.
	s.rows = s.rows[:6]
	empty, n, p := get(t, c, s, next, now)
	if len(empty) != 0 || n != "" || p == "" {
		t.Fatalf("emptied page: %v next %q prev %q", empty, n, p)
	}
	if back, _, _ := get(t, c, s, p, now); !slices.Equal(back, []int64{4, 5, 6}) {
		t.Errorf("back from the emptied page: %v", back)
	}
}

func TestCursorsAreTamperEvident(t *testing.T) {
	c := cursors(t, "0123456789abcdef0123456789abcdef")
	q, err := loopapi.DecodeList(vals("from=2024-05-01T00:00:00Z&to=2024-05-02T00:00:00Z&paginate=true"), now, c)
	if err != nil {
		t.Fatal(err)
	}
	tok := c.Encode(q, loopapi.Seek{Key: loopapi.Key{At: now, ID: 9}})
	if !strings.HasPrefix(tok, "eyJ") {
		t.Errorf("cursor %q is not base64 JSON", tok)
	}
	if s, err := c.Decode(tok, q); err != nil || s.Key.ID != 9 || !s.Key.At.Equal(now) || s.Before {
		t.Fatalf("round trip: %+v, %v", s, err)
	}
	other := q
	other.State = loopapi.StateClosed
	bigger := q
	bigger.PageSize = 700
	other2 := cursors(t, "another key, also long enough")
	flipped := []byte(tok)
	flipped[5] ^= 1
	for name, bad := range map[string]func() error{
		"altered":      func() error { _, err := c.Decode(string(flipped), q); return err },
		"other query":  func() error { _, err := c.Decode(tok, other); return err },
		"other key":    func() error { _, err := other2.Decode(tok, q); return err },
		"no signature": func() error { _, err := c.Decode(strings.SplitN(tok, ".", 2)[0], q); return err },
		"nil codec":    func() error { var n *loopapi.Cursors; _, err := n.Decode(tok, q); return err },
		"decoded query": func() error {
			_, err := loopapi.DecodeList(url.Values{"cursor": {tok}, "state": {"closed"}, "from": {"2024-05-01T00:00:00Z"}, "to": {"2024-05-02T00:00:00Z"}}, now, c)
			return err
		},
	} {
		if bad() == nil {
			t.Errorf("%s: cursor accepted", name)
		}
	}
	if _, err := c.Decode(tok, bigger); err != nil {
		t.Errorf("a changed page size invalidated the cursor: %v", err)
	}
	if _, err := loopapi.NewCursors([]byte("short")); err == nil {
		t.Error("a short key was accepted")
	}
}

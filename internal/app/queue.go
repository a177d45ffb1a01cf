package app

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// Use cases of a merchant's work queue (the admin's returns list): pages
// of a view, lookups by what a person types or a scanner reads, and the
// counts per status.

// QueueView is one view of a store's returns, newest first.
type QueueView struct {
	// Statuses keeps returns in one of them (empty: every status but
	// deleted).
	Statuses []returns.Status
	// Tag keeps returns carrying this tag.
	Tag string
	// OlderThan keeps returns created more than this long before Now
	// (0: any age). Ids start with their creation second
	// (returns.NewID), so it is a keyset bound.
	OlderThan time.Duration
	Now       time.Time
	// Reason keeps returns with an item of this reason (its code or its
	// label, case-insensitive); Compensation those with an item of this
	// compensation (an item without one has the return's). No index
	// serves these two: they are checked on the rows read.
	Reason       string
	Compensation returns.Compensation
	// Before is the keyset cursor: returns with id < Before.
	Before string
}

func (v QueueView) matches(r *returns.Return) bool {
	if v.Reason == "" && v.Compensation == "" {
		return true
	}
	ok, okComp := v.Reason == "", v.Compensation == ""
	for _, it := range r.Items {
		if v.Reason != "" && (strings.EqualFold(it.ReasonCode, v.Reason) || strings.EqualFold(it.Reason, v.Reason)) {
			ok = true
		}
		c := it.Compensation
		if c == "" {
			c = r.Compensation
		}
		if c == v.Compensation {
			okComp = true
		}
	}
	return ok && okComp
}

// ageCursor is the id cursor of "created before t".
func ageCursor(t time.Time) string { return fmt.Sprintf("%08x%016x", uint32(t.Unix()), 0) }

// QueuePage returns up to limit returns of the view, reading at most scan
// of the store's returns (the rows read to check Reason and Compensation),
// and the cursor to go on from ("" when the view has no more). A page cut
// short by scan has fewer than limit returns and a cursor: a rare match
// never makes one page read the whole store.
func (a *App) QueuePage(ctx context.Context, storeID string, v QueueView, limit, scan int) ([]*returns.Return, string, error) {
	before := v.Before
	if v.OlderThan > 0 {
		if c := ageCursor(v.Now.Add(-v.OlderThan)); before == "" || c < before {
			before = c
		}
	}
	var out []*returns.Return
	scanned := 0
	for {
		batch := limit + 1
		if v.Reason != "" || v.Compensation != "" {
			batch = 200
		}
		rs, err := store.Read(ctx, a.Store, func(tx store.ReadTx) ([]*returns.Return, error) {
			return tx.QueueReturns(ctx, storeID, store.QueueQuery{Statuses: v.Statuses, Tag: v.Tag, Before: before, Limit: batch})
		})
		if err != nil {
			return nil, "", fmt.Errorf("queue: %w", err)
		}
		for i, r := range rs {
			scanned++
			if v.matches(r) {
				if len(out) == limit {
					return out, out[limit-1].ID, nil
				}
				out = append(out, r)
			}
			if scanned >= scan && i < len(rs)-1 {
				return out, r.ID, nil
			}
		}
		if len(rs) < batch {
			return out, "", nil
		}
		before = rs[len(rs)-1].ID
		if scanned >= scan {
			return out, before, nil
		}
	}
}

// SearchLimit is the most returns one lookup term finds.
const SearchLimit = 50

// SearchTerms are the lookups a typed or scanned search tries: the text
// itself; for a URL, its last path segment (a QR code of a return's page);
// for a USPS IMpb barcode, the tracking number after its "420" + ZIP
// routing prefix; and the text in upper case (tracking numbers are upper
// case; scanners may send lower).
func SearchTerms(s string) []string {
	s = strings.TrimSpace(s)
	terms := []string{s}
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && u.Host != "" {
		seg := strings.Trim(u.Path, "/")
		if i := strings.LastIndex(seg, "/"); i >= 0 {
			seg = seg[i+1:]
		}
		if seg != "" {
			terms = append(terms, seg)
		}
	}
	if strings.HasPrefix(s, "420") && allDigits(s) {
		for _, zip := range []int{5, 9} {
			if len(s) > 3+zip+10 {
				terms = append(terms, s[3+zip:])
			}
		}
	}
	if up := strings.ToUpper(s); up != s {
		terms = append(terms, up)
	}
	return terms
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// SearchReturns finds the store's returns by order name, email, return id
// or tracking number, trying every one of SearchTerms(s) (each an exact,
// indexed lookup), newest first, each return once.
func (a *App) SearchReturns(ctx context.Context, storeID, s string) ([]*returns.Return, error) {
	var out []*returns.Return
	seen := map[string]bool{}
	for _, term := range SearchTerms(s) {
		rs, err := store.Read(ctx, a.Store, func(tx store.ReadTx) ([]*returns.Return, error) {
			return tx.FindReturns(ctx, storeID, term, SearchLimit)
		})
		if err != nil {
			return nil, fmt.Errorf("search returns: %w", err)
		}
		for _, r := range rs {
			if !seen[r.ID] {
				seen[r.ID] = true
				out = append(out, r)
			}
		}
	}
	slices.SortFunc(out, func(a, b *returns.Return) int { return strings.Compare(b.ID, a.ID) })
	return out, nil
}

// CountsTTL is how long CountReturnsByStatus reuses a store's counts.
// Counting reads every return of the store (tens of milliseconds at
// 100,000), and the admin's queue shows the counts on every page; a change
// made through this App drops them at once (as it is recorded, so a count
// read in the instant before that change commits may be kept), and only
// another process's changes (a replica, the worker) show this late.
const CountsTTL = 5 * time.Second

// countCache keeps recent per-store status counts. gen counts the changes
// recorded per store, so that counts read while a change was being made
// are not kept.
type countCache struct {
	mu  sync.Mutex
	m   map[string]cachedCounts
	gen map[string]uint64
}

type cachedCounts struct {
	counts map[returns.Status]int
	at     time.Time
}

// changed forgets storeID's counts (a return of it changed).
func (c *countCache) changed(storeID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == nil {
		c.gen = map[string]uint64{}
	}
	c.gen[storeID]++
	delete(c.m, storeID)
}

// CountReturnsByStatus returns how many of the store's returns are in each
// status (deleted ones left out), as of at most CountsTTL ago (see there).
// The map is the caller's.
func (a *App) CountReturnsByStatus(ctx context.Context, storeID string) (map[returns.Status]int, error) {
	c := &a.counts
	c.mu.Lock()
	e, ok := c.m[storeID]
	gen := c.gen[storeID]
	c.mu.Unlock()
	if ok && time.Since(e.at) < CountsTTL {
		return maps.Clone(e.counts), nil
	}
	at := time.Now()
	counts, err := store.Read(ctx, a.Store, func(tx store.ReadTx) (map[returns.Status]int, error) { return tx.CountReturnsByStatus(ctx, storeID) })
	if err != nil {
		return nil, fmt.Errorf("count returns: %w", err)
	}
	c.mu.Lock()
	if c.gen[storeID] == gen {
		if c.m == nil || len(c.m) > 10_000 {
			c.m = map[string]cachedCounts{}
		}
		c.m[storeID] = cachedCounts{counts: maps.Clone(counts), at: at}
	}
	c.mu.Unlock()
	return counts, nil
}

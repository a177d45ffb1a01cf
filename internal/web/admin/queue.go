package admin

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// tab is one of the queue's tabs: a name in the URL and the statuses it
// shows.
type tab struct {
	Key, Label string
	Statuses   []returns.Status
}

var tabs = []tab{
	{"needs_review", "Needs review", []returns.Status{returns.StatusNeedsReview, returns.StatusPreShipment}},
	{"open", "Open", []returns.Status{returns.StatusOpen}},
	{"in_transit", "In transit", []returns.Status{returns.StatusInTransit}},
	{"delivered", "Delivered", []returns.Status{returns.StatusDelivered, returns.StatusInReview}},
	{"flagged", "Flagged", []returns.Status{returns.StatusFlagged}},
	{"complete", "Completed", []returns.Status{returns.StatusComplete}},
	{"rejected", "Rejected", []returns.Status{returns.StatusRejected}},
}

func tabOf(key string) (tab, bool) {
	for _, t := range tabs {
		if t.Key == key {
			return t, true
		}
	}
	return tab{}, false
}

// queueQuery is the queue's current view, as its URL spells it.
type queueQuery struct {
	Tab          string
	Search       string
	Age          int // only returns created more than Age days ago (0: any)
	Reason       string
	Compensation string
	Tag          string
	Before       string
}

var hexID = regexp.MustCompile(`^[0-9a-f]{24}$`)

func parseQueue(v url.Values) (queueQuery, []string) {
	var q queueQuery
	var problems []string
	q.Tab = v.Get("tab")
	if _, ok := tabOf(q.Tab); !ok {
		if q.Tab != "" {
			problems = append(problems, "Unknown tab: showing Needs review.")
		}
		q.Tab = tabs[0].Key
	}
	q.Search = strings.TrimSpace(v.Get("q"))
	if len(q.Search) > 500 {
		q.Search = q.Search[:500]
	}
	if a := v.Get("age"); a != "" {
		n, err := strconv.Atoi(a)
		if err != nil || n < 0 || n > 3650 {
			problems = append(problems, "The age filter must be a number of days.")
		} else {
			q.Age = n
		}
	}
	q.Reason = strings.TrimSpace(v.Get("reason"))
	q.Compensation = v.Get("compensation")
	if q.Compensation != "" && !returns.Compensation(q.Compensation).Valid() {
		problems = append(problems, "Unknown compensation filter: ignored.")
		q.Compensation = ""
	}
	q.Tag = strings.TrimSpace(v.Get("tag"))
	if b := v.Get("before"); b != "" {
		if hexID.MatchString(b) {
			q.Before = b
		} else {
			problems = append(problems, "The page link was not valid: showing the first page.")
		}
	}
	return q, problems
}

// URL is the queue's URL with the view's filters and, when set, a cursor.
func (q queueQuery) URL(path, before string) string {
	v := url.Values{}
	v.Set("tab", q.Tab)
	if q.Age > 0 {
		v.Set("age", strconv.Itoa(q.Age))
	}
	for k, s := range map[string]string{"reason": q.Reason, "compensation": q.Compensation, "tag": q.Tag, "before": before} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return path + "?" + v.Encode()
}

// TabURL is the URL of another tab with the same filters.
func (q queueQuery) TabURL(key string) string {
	q.Tab = key
	return q.URL(Prefix+"/returns", "")
}

// matches applies the filters that no index serves.
func (q queueQuery) matches(r *returns.Return) bool {
	if q.Reason == "" && q.Compensation == "" {
		return true
	}
	ok := q.Reason == ""
	okComp := q.Compensation == ""
	for _, it := range r.Items {
		if q.Reason != "" && (strings.EqualFold(it.ReasonCode, q.Reason) || strings.EqualFold(it.Reason, q.Reason)) {
			ok = true
		}
		c := it.Compensation
		if c == "" {
			c = r.Compensation
		}
		if string(c) == q.Compensation {
			okComp = true
		}
	}
	return ok && okComp
}

// ageCursor is the id cursor of "created before now-days": ids start with
// their creation second (returns.NewID), so the age filter is a keyset
// bound.
func ageCursor(now time.Time, days int) string {
	return fmt.Sprintf("%08x%016x", uint32(now.Add(-time.Duration(days)*24*time.Hour).Unix()), 0)
}

// Page sizes and scan bounds of the queue.
const (
	queuePage = 50
	// queueScan bounds the returns read for one page when the reason or
	// compensation filter (checked on the rows) is set, so that a rare
	// match cannot make a page read the whole store: the page then ends
	// early with a link to go on.
	queueScan = 1000
	csvMax    = 50000
)

// list returns one page of the view and the cursor of the next ("" when
// none), reading at most scan returns.
func (h *Handler) list(ctx context.Context, storeID string, q queueQuery, limit, scan int) ([]*returns.Return, string, error) {
	t, _ := tabOf(q.Tab)
	before := q.Before
	if q.Age > 0 {
		if c := ageCursor(time.Now(), q.Age); before == "" || c < before {
			before = c
		}
	}
	var out []*returns.Return
	scanned := 0
	for {
		batch := limit + 1
		if q.Reason != "" || q.Compensation != "" {
			batch = 200
		}
		rs, err := store.Read(ctx, h.st, func(tx store.ReadTx) ([]*returns.Return, error) {
			return tx.QueueReturns(ctx, storeID, store.QueueQuery{Statuses: t.Statuses, Tag: q.Tag, Before: before, Limit: batch})
		})
		if err != nil {
			return nil, "", err
		}
		for i, r := range rs {
			scanned++
			if q.matches(r) {
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

// searchTerms are the lookups a typed or scanned search tries: the text
// itself; for a URL, its last path segment (a QR code of a return's page);
// for a USPS IMpb barcode, the tracking number after its "420" + ZIP
// routing prefix.
func searchTerms(s string) []string {
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
		terms = append(terms, up) // tracking numbers are upper case; scanners may send lower
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

func (h *Handler) search(ctx context.Context, storeID, s string) ([]*returns.Return, error) {
	var out []*returns.Return
	seen := map[string]bool{}
	for _, term := range searchTerms(s) {
		rs, err := store.Read(ctx, h.st, func(tx store.ReadTx) ([]*returns.Return, error) { return tx.FindReturns(ctx, storeID, term, queuePage) })
		if err != nil {
			return nil, err
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

type tabCount struct {
	tab
	Count   int
	Current bool
	URL     string
}

type queueData struct {
	Q        queueQuery
	Tabs     []tabCount
	Returns  []*returns.Return
	Next     string
	Searched bool
	Problems []string
	Tags     []*returns.ReturnTag
	Reasons  []string
	CSV      string
}

func (h *Handler) queue(w http.ResponseWriter, r *http.Request, p *page) {
	p.Nav = "returns"
	q, problems := parseQueue(r.URL.Query())
	ctx := r.Context()
	d := queueData{Q: q, Problems: problems}
	if q.Search != "" {
		rs, err := h.search(ctx, p.Store.ID, q.Search)
		if err != nil {
			h.fail(w, r, p, err)
			return
		}
		// Scan → open: one match opens the return.
		if len(rs) == 1 {
			http.Redirect(w, r, Prefix+"/returns/"+rs[0].ID, http.StatusSeeOther)
			return
		}
		d.Returns, d.Searched = rs, true
	} else {
		rs, next, err := h.list(ctx, p.Store.ID, q, queuePage, queueScan)
		if err != nil {
			h.fail(w, r, p, err)
			return
		}
		d.Returns = rs
		if next != "" {
			d.Next = q.URL(Prefix+"/returns", next)
		}
	}
	counts, err := store.Read(ctx, h.st, func(tx store.ReadTx) (map[returns.Status]int, error) { return tx.CountReturnsByStatus(ctx, p.Store.ID) })
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	for _, t := range tabs {
		n := 0
		for _, s := range t.Statuses {
			n += counts[s]
		}
		d.Tabs = append(d.Tabs, tabCount{tab: t, Count: n, Current: t.Key == q.Tab && !d.Searched, URL: q.TabURL(t.Key)})
	}
	if d.Tags, err = h.app.ListReturnTags(ctx, p.Store.ID); err != nil {
		h.fail(w, r, p, err)
		return
	}
	if pol, err := h.app.GetPolicy(ctx, p.Store.ID); err == nil {
		for _, rs := range pol.Reasons {
			d.Reasons = append(d.Reasons, rs.Code)
			for _, c := range rs.Children {
				d.Reasons = append(d.Reasons, c.Code)
			}
		}
	}
	qq := q
	qq.Before = ""
	d.CSV = qq.URL(Prefix+"/returns.csv", "")
	title := "Returns"
	if d.Searched {
		title = "Search: " + q.Search
	}
	h.render(w, r, http.StatusOK, "queue", p, title, nil, d)
}

// queueCSV exports the current view (tab and filters, or a search), every
// page of it up to csvMax rows.
func (h *Handler) queueCSV(w http.ResponseWriter, r *http.Request, p *page) {
	q, _ := parseQueue(r.URL.Query())
	ctx := r.Context()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="returns-%s-%s.csv"`, q.Tab, time.Now().UTC().Format("20060102")))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "status", "order", "email", "customer", "items", "reasons", "compensation", "tracking_number", "refund", "store_credit", "currency", "tags", "created_at", "updated_at"})
	write := func(rs []*returns.Return) {
		for _, ret := range rs {
			var reasons, comps []string
			n := 0
			for _, it := range ret.Items {
				n += it.Quantity
				reasons = appendUnique(reasons, it.Reason)
				c := it.Compensation
				if c == "" {
					c = ret.Compensation
				}
				comps = appendUnique(comps, string(c))
			}
			track := ""
			if ret.Label != nil {
				track = ret.Label.TrackingNumber
			}
			_ = cw.Write([]string{ret.ID, string(ret.Status), csvSafe(ret.OrderName), csvSafe(ret.Customer.Email),
				csvSafe(strings.TrimSpace(ret.Customer.FirstName + " " + ret.Customer.LastName)), strconv.Itoa(n),
				csvSafe(strings.Join(reasons, "; ")), strings.Join(comps, "; "), csvSafe(track),
				funcs["money"].(func(int64, string) string)(ret.Totals.Refund, ""), funcs["money"].(func(int64, string) string)(ret.Totals.StoreCredit, ""),
				ret.Currency, csvSafe(strings.Join(ret.Tags, "; ")), ret.CreatedAt.UTC().Format(time.RFC3339), ret.UpdatedAt.UTC().Format(time.RFC3339)})
		}
	}
	if q.Search != "" {
		rs, err := h.search(ctx, p.Store.ID, q.Search)
		if err == nil {
			write(rs)
		}
		cw.Flush()
		return
	}
	total := 0
	for total < csvMax {
		rs, next, err := h.list(ctx, p.Store.ID, q, 500, 5000)
		if err != nil {
			break
		}
		write(rs)
		total += len(rs)
		if next == "" {
			break
		}
		q.Before = next
	}
	cw.Flush()
}

func appendUnique(s []string, v string) []string {
	if v == "" || slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// csvSafe keeps a shopper-typed cell from being read as a formula by a
// spreadsheet (CSV injection).
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

package admin

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/returns"
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

// view is the app's queue view of q at now.
func (q queueQuery) view(now time.Time) app.QueueView {
	t, _ := tabOf(q.Tab)
	return app.QueueView{Statuses: t.Statuses, Tag: q.Tag, OlderThan: time.Duration(q.Age) * 24 * time.Hour, Now: now,
		Reason: q.Reason, Compensation: returns.Compensation(q.Compensation), Before: q.Before}
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
		rs, err := h.app.SearchReturns(ctx, p.Store.ID, q.Search)
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
		rs, next, err := h.app.QueuePage(ctx, p.Store.ID, q.view(time.Now()), queuePage, queueScan)
		if err != nil {
			h.fail(w, r, p, err)
			return
		}
		d.Returns = rs
		if next != "" {
			d.Next = q.URL(Prefix+"/returns", next)
		}
	}
	counts, err := h.app.CountReturnsByStatus(ctx, p.Store.ID)
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
		rs, err := h.app.SearchReturns(ctx, p.Store.ID, q.Search)
		if err == nil {
			write(rs)
		}
		cw.Flush()
		return
	}
	total, now := 0, time.Now()
	for total < csvMax {
		rs, next, err := h.app.QueuePage(ctx, p.Store.ID, q.view(now), 500, 5000)
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

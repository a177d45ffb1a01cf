package loopapi

import (
	"encoding/json"
	"mime"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Filter is the time a list is windowed and ordered on.
type Filter string

// Filters.
const (
	FilterCreatedAt Filter = "created_at"
	FilterUpdatedAt Filter = "updated_at"
)

// List limits.
const (
	DefaultPageSize = 100
	MaxPageSize     = 750
	// DefaultWindow is the window of a list with neither from nor to: the
	// previous 24 hours.
	DefaultWindow = 24 * time.Hour
	// MaxRange is the longest window a list (and, from version 2026-10, the
	// ASN report) accepts.
	MaxRange = 120 * 24 * time.Hour
)

// ListQuery is a decoded Detailed Returns List request.
type ListQuery struct {
	// From and To bound the window on Filter's time, both inclusive, in UTC.
	From, To time.Time
	Filter   Filter
	// State is the state asked for, "" for Loop's default (DefaultListStates).
	State State
	// Paginate asks for the ListPage answer; PageSize is its page size
	// (DefaultPageSize unless given).
	Paginate bool
	PageSize int
	// Seek is the keyset position of the page asked for, nil for the first.
	Seek *Seek
}

// States returns the states the list includes.
func (q ListQuery) States() []State {
	if q.State != "" {
		return []State{q.State}
	}
	return slices.Clone(DefaultListStates)
}

// InWindow reports whether t is within [From, To].
func (q ListQuery) InWindow(t time.Time) bool { return !t.Before(q.From) && !t.After(q.To) }

// Values returns the query's parameters in normal form (explicit window,
// RFC 3339 UTC times with nanoseconds), without the cursor: what a page link
// carries, so that every page of a listing sees the same window even when the
// first request relied on the 24-hour default.
func (q ListQuery) Values() url.Values {
	v := url.Values{}
	v.Set("from", q.From.UTC().Format(time.RFC3339Nano))
	v.Set("to", q.To.UTC().Format(time.RFC3339Nano))
	v.Set("filter", string(q.Filter))
	if q.State != "" {
		v.Set("state", string(q.State))
	}
	if q.Paginate {
		v.Set("paginate", "true")
		v.Set("pageSize", strconv.Itoa(q.PageSize))
	}
	return v
}

// param returns the last value of name, "" when absent or empty: PHP, and
// so Loop, keeps the last of repeated parameters, and Laravel reads an empty
// one as absent.
func param(q url.Values, name string) string {
	vs := q[name]
	if len(vs) == 0 {
		return ""
	}
	return strings.TrimSpace(vs[len(vs)-1])
}

// DecodeList decodes the Detailed Returns List's parameters (from, to,
// filter, state, paginate, pageSize, cursor); other parameters are ignored.
// now is the time of the request.
//
//   - With neither from nor to the window is the 24 hours before now; with
//     only from it ends at now; with only to it starts 24 hours before to.
//   - from and to are RFC 3339 date-times (a missing zone is UTC; a space
//     where a "+" offset was sent unencoded is read as "+"), "2006-01-02
//     15:04:05" or a date (its midnight, UTC).
//   - to before from, or a window longer than 120 days, is invalid.
//   - filter is created_at (default) or updated_at; state one of States.
//   - paginate is true, false, 1 or 0; pageSize an integer 1..750 (checked
//     with or without paginate).
//   - cursor must be one c issued for this same query (see Cursors); with
//     no Cursors every cursor is invalid.
//
// Every problem found is reported at once in a *ValidationError (Loop's
// 422 body), keyed by parameter.
func DecodeList(q url.Values, now time.Time, c *Cursors) (ListQuery, error) {
	var p problems
	out := ListQuery{Filter: FilterCreatedAt, PageSize: DefaultPageSize}
	from, fromOK := parseTimeParam(q, "from", &p)
	to, toOK := parseTimeParam(q, "to", &p)
	window(&out.From, &out.To, from, to, fromOK, toOK, now)
	checkYears(&p, out.From, out.To, fromOK, toOK)
	if !p.has("from") && !p.has("to") {
		checkRange(&p, out.From, out.To, true)
	}
	switch f := param(q, "filter"); f {
	case "":
	case string(FilterCreatedAt), string(FilterUpdatedAt):
		out.Filter = Filter(f)
	default:
		p.add("filter", "The filter parameter must be created_at or updated_at.")
	}
	if s := param(q, "state"); s != "" {
		if !slices.Contains(States, State(s)) {
			p.add("state", "The state parameter must be one of open, closed, cancelled, expired, review.")
		} else {
			out.State = State(s)
		}
	}
	switch v := strings.ToLower(param(q, "paginate")); v {
	case "", "false", "0":
	case "true", "1":
		out.Paginate = true
	default:
		p.add("paginate", "The paginate parameter must be true or false.")
	}
	if v := param(q, "pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageSize {
			p.add("pageSize", "The pageSize parameter must be an integer from 1 to %d.", MaxPageSize)
		} else {
			out.PageSize = n
		}
	}
	if v := param(q, "cursor"); v != "" && len(p.order) == 0 {
		seek, err := c.Decode(v, out)
		if err != nil {
			p.add("cursor", "The cursor parameter is not a cursor of this listing.")
		} else {
			out.Seek = seek
		}
	}
	if e := p.err(); e != nil {
		return ListQuery{}, e
	}
	return out, nil
}

func window(from, to *time.Time, f, t time.Time, fOK, tOK bool, now time.Time) {
	switch {
	case fOK && tOK:
		*from, *to = f, t
	case fOK:
		*from, *to = f, now.UTC()
	case tOK:
		*from, *to = t.Add(-DefaultWindow), t
	default:
		*from, *to = now.UTC().Add(-DefaultWindow), now.UTC()
	}
}

// checkYears keeps a window, given or derived, within years 1..9999, so
// that its normal form (Values) is a valid RFC 3339 time that decodes back.
// A derived bound's problem is reported on the parameter it came from.
func checkYears(p *problems, from, to time.Time, fromOK, toOK bool) {
	if p.has("from") || p.has("to") {
		return
	}
	if from.Year() < 1 {
		if fromOK {
			p.add("from", "The from parameter must be a date-time after the year 0.")
		} else {
			p.add("to", "The to parameter must be a date-time after the year 0.")
		}
	}
	if to.Year() > 9999 {
		if toOK {
			p.add("to", "The to parameter must be a date-time before the year 10000.")
		} else {
			p.add("from", "The from parameter must be a date-time before the year 10000.")
		}
	}
}

func checkRange(p *problems, from, to time.Time, limit bool) {
	switch {
	case to.Before(from):
		p.add("to", "The to parameter must be a date-time after from.")
	case limit && to.Sub(from) > MaxRange:
		p.add("to", "The window from from to to must not be longer than 120 days.")
	}
}

var unencodedPlus = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?) (\d{2}:?\d{2})$`)

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
}

// ParseTime parses a Loop date-time parameter (see DecodeList); times
// without a zone are UTC. The result is in UTC.
func ParseTime(s string) (time.Time, bool) {
	if m := unencodedPlus.FindStringSubmatch(s); m != nil {
		s = m[1] + "+" + m[2]
	}
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func parseTimeParam(q url.Values, name string, p *problems) (time.Time, bool) {
	s := param(q, name)
	if s == "" {
		return time.Time{}, false
	}
	t, ok := ParseTime(s)
	if !ok {
		p.add(name, "The %s parameter must be a date-time such as 2024-01-31T00:00:00Z.", name)
	}
	return t, ok
}

// ReturnRef identifies a return in an action's path: its numeric id, or its
// native id given as ?redo_return_id= (the path id is then a placeholder,
// e.g. 0, and is not read).
type ReturnRef struct {
	ID       int64
	NativeID string // lower-case 24 hex, or ""
}

var nativeID = regexp.MustCompile(`^[0-9a-fA-F]{24}$`)

// DecodeReturnRef reads the return of an action path. ok is false when the
// path id is not a positive integer (and no native id is given) or the
// native id is malformed: answer 404 NotFound, since no return can match.
func DecodeReturnRef(pathID string, q url.Values) (ref ReturnRef, ok bool) {
	if n := param(q, "redo_return_id"); n != "" {
		if !nativeID.MatchString(n) {
			return ReturnRef{}, false
		}
		return ReturnRef{NativeID: strings.ToLower(n)}, true
	}
	id, err := strconv.ParseInt(pathID, 10, 64)
	if err != nil || id <= 0 {
		return ReturnRef{}, false
	}
	return ReturnRef{ID: id}, true
}

// CurrencyType selects the currency of Get Return Details' amounts.
type CurrencyType string

// Currency types.
const (
	CurrencyShop        CurrencyType = "shop"
	CurrencyPresentment CurrencyType = "presentment"
)

// DetailsQuery is a decoded Get Return Details request. Exactly one of its
// identifiers is set, in this precedence when several are given: return_id,
// redo_return_id, order_id, order_name.
type DetailsQuery struct {
	ReturnID  int64
	NativeID  string // lower-case 24 hex
	OrderID   int64  // the platform's order id
	OrderName string
	// Currency is shop (default) or presentment.
	Currency CurrencyType
}

// DecodeDetails decodes Get Return Details' parameters. A request naming
// no return, a return_id or order_id that is not a positive integer, a
// malformed redo_return_id or an unknown currency_type is a
// *ValidationError.
func DecodeDetails(q url.Values) (DetailsQuery, error) {
	var p problems
	out := DetailsQuery{Currency: CurrencyShop}
	positive := func(name string) int64 {
		v := param(q, name)
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			p.add(name, "The %s parameter must be a positive integer.", name)
			return 0
		}
		return n
	}
	rid, oid := positive("return_id"), positive("order_id")
	nid := param(q, "redo_return_id")
	if nid != "" && !nativeID.MatchString(nid) {
		p.add("redo_return_id", "The redo_return_id parameter must be 24 hexadecimal digits.")
		nid = ""
	}
	name := param(q, "order_name")
	switch {
	case rid > 0:
		out.ReturnID = rid
	case nid != "":
		out.NativeID = strings.ToLower(nid)
	case oid > 0:
		out.OrderID = oid
	case name != "":
		out.OrderName = name
	case len(p.order) == 0:
		p.add("return_id", "One of return_id, order_id or order_name is required.")
	}
	switch ct := param(q, "currency_type"); ct {
	case "":
	case string(CurrencyShop), string(CurrencyPresentment):
		out.Currency = CurrencyType(ct)
	default:
		p.add("currency_type", "The currency_type parameter must be shop or presentment.")
	}
	if e := p.err(); e != nil {
		return DetailsQuery{}, e
	}
	return out, nil
}

// DecodeRemove decodes the remove endpoint's line_item_id: one id or a
// comma-separated list ("1,2"; spaces and empty entries ignored, duplicates
// dropped, order kept). A missing or empty list, or an entry that is not a
// positive integer, is a *LineItemError.
func DecodeRemove(q url.Values) ([]int64, error) {
	raw := param(q, "line_item_id")
	var ids []int64
	for part := range strings.SplitSeq(raw, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		n, err := strconv.ParseInt(part, 10, 64)
		if err != nil || n <= 0 {
			return nil, &LineItemError{Err: MessageError{Message: MsgLineItemMalformed}}
		}
		if !slices.Contains(ids, n) {
			ids = append(ids, n)
		}
	}
	if len(ids) == 0 {
		return nil, &LineItemError{Err: MessageError{Message: MsgLineItemRequired}}
	}
	return ids, nil
}

// MaxNoteRunes is the longest note content, in characters: Loop requires
// fewer than 255.
const MaxNoteRunes = 254

// DecodeNote decodes a create-note body: JSON {"content": "..."} (members
// Loop does not declare are ignored), or a form-encoded content= (Loop
// accepts both). content must be a string with a non-blank character and at
// most MaxNoteRunes characters; it is returned as sent. Anything else is a
// *NoteError.
func DecodeNote(contentType string, body []byte) (string, error) {
	bad := &NoteError{Errors: MessageError{Message: MsgNoteContentInvalid}}
	var content string
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "application/x-www-form-urlencoded" {
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return "", bad
		}
		content = v.Get("content")
	} else {
		var b struct {
			Content *json.RawMessage `json:"content"`
		}
		if err := json.Unmarshal(body, &b); err != nil || b.Content == nil {
			return "", bad
		}
		if err := json.Unmarshal(*b.Content, &content); err != nil {
			return "", bad
		}
	}
	if strings.TrimSpace(content) == "" || !utf8.ValidString(content) || utf8.RuneCountInString(content) > MaxNoteRunes {
		return "", bad
	}
	return content, nil
}

// TrackingStatuses are the label statuses the ASN report filters on
// (EasyPost's tracking statuses, which Loop's labels use).
var TrackingStatuses = []string{
	"new", "unknown", "pre_transit", "in_transit", "out_for_delivery", "delivered",
	"available_for_pickup", "return_to_sender", "failure", "cancelled", "error",
}

// ASNQuery is a decoded Advanced Shipping Notice request.
type ASNQuery struct {
	From, To time.Time // inclusive, UTC
	// TrackingStatuses are the label statuses asked for; empty means all.
	TrackingStatuses []string
}

// DecodeASN decodes the ASN report's parameters: from and to as for the
// list (the same defaults, 24 hours before now), and tracking_status, one
// status or a comma-separated list of TrackingStatuses. limitRange applies
// the 120-day maximum, which Loop enforces from version 2026-10 on.
// Problems are a *ValidationError.
func DecodeASN(q url.Values, now time.Time, limitRange bool) (ASNQuery, error) {
	var p problems
	var out ASNQuery
	from, fromOK := parseTimeParam(q, "from", &p)
	to, toOK := parseTimeParam(q, "to", &p)
	window(&out.From, &out.To, from, to, fromOK, toOK, now)
	checkYears(&p, out.From, out.To, fromOK, toOK)
	if !p.has("from") && !p.has("to") {
		checkRange(&p, out.From, out.To, limitRange)
	}
	for s := range strings.SplitSeq(param(q, "tracking_status"), ",") {
		s = strings.ToLower(strings.TrimSpace(s))
		switch {
		case s == "":
		case !slices.Contains(TrackingStatuses, s):
			p.add("tracking_status", "The tracking_status parameter must list tracking statuses such as in_transit or delivered.")
		case !slices.Contains(out.TrackingStatuses, s):
			out.TrackingStatuses = append(out.TrackingStatuses, s)
		}
	}
	if e := p.err(); e != nil {
		return ASNQuery{}, e
	}
	return out, nil
}

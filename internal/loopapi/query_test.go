package loopapi_test

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/loopapi"
	"github.com/reboundhq/rebound/internal/loopapi/loopspectest"
)

var now = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

func vals(s string) url.Values {
	v, err := url.ParseQuery(s)
	if err != nil {
		panic(err)
	}
	return v
}

func TestDecodeListDefaults(t *testing.T) {
	q, err := loopapi.DecodeList(vals(""), now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !q.From.Equal(now.Add(-24*time.Hour)) || !q.To.Equal(now) || q.Filter != loopapi.FilterCreatedAt ||
		q.Paginate || q.PageSize != 100 || q.Seek != nil || q.State != "" {
		t.Errorf("defaults: %+v", q)
	}
	if got := q.States(); !slices.Equal(got, []loopapi.State{"open", "closed", "expired"}) {
		t.Errorf("default states %v", got)
	}
	q, _ = loopapi.DecodeList(vals("to=2024-05-02T00:00:00Z"), now, nil)
	if !q.From.Equal(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("to only: from %v", q.From)
	}
	q, _ = loopapi.DecodeList(vals("from=2024-05-02"), now, nil)
	if !q.From.Equal(time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC)) || !q.To.Equal(now) {
		t.Errorf("from only: %v..%v", q.From, q.To)
	}
}

func TestDecodeListAccepts(t *testing.T) {
	cases := map[string]func(loopapi.ListQuery) bool{
		"from=2024-05-01T00:00:00.000Z&to=2024-05-31T23:59:59.000Z&filter=updated_at&state=review&paginate=true&pageSize=750": func(q loopapi.ListQuery) bool {
			return q.Filter == "updated_at" && q.State == "review" && q.Paginate && q.PageSize == 750
		},
		// Loop's own pagination example: space-separated date-times.
		"paginate=true&pageSize=50&from=2024-01-01%2000%3A00%3A00&to=2024-03-12%2000%3A00%3A00&filter=created_at&state=open": func(q loopapi.ListQuery) bool {
			return q.From.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) && q.PageSize == 50
		},
		// An unencoded "+" offset arrives as a space.
		"from=2024-05-01T02:00:00+02:00&to=2024-05-02T00:00:00Z": func(q loopapi.ListQuery) bool {
			return q.From.Equal(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC))
		},
		// Repeated parameters: the last wins, as in PHP; empty ones are absent.
		"state=closed&state=open&filter=&paginate=1&unknown=x": func(q loopapi.ListQuery) bool {
			return q.State == "open" && q.Filter == "created_at" && q.Paginate
		},
		"from=2024-01-01T00:00:00Z&to=2024-04-30T00:00:00Z": func(q loopapi.ListQuery) bool { return true }, // exactly 120 days
	}
	for raw, ok := range cases {
		q, err := loopapi.DecodeList(vals(raw), now, nil)
		if err != nil || !ok(q) {
			t.Errorf("%s: %+v, %v", raw, q, err)
		}
	}
}

func TestDecodeListRejects(t *testing.T) {
	spec := loopspectest.Load(t)
	cases := map[string][]string{
		"from=yesterday": {"from"},
		"to=2024-13-01":  {"to"},
		"from=2024-05-02T00:00:00Z&to=2024-05-01T00:00:00Z": {"to"},
		"from=2024-01-01T00:00:00Z&to=2024-04-30T00:00:01Z": {"to"},
		"filter=closed_at":     {"filter"},
		"state=needs%20review": {"state"},
		"paginate=yes":         {"paginate"},
		"pageSize=0":           {"pageSize"},
		"pageSize=751":         {"pageSize"},
		"pageSize=ten":         {"pageSize"},
		"cursor=abc":           {"cursor"},
		"from=x&to=y&filter=z&state=w&paginate=q&pageSize=0": {"filter", "from", "pageSize", "paginate", "state", "to"},
	}
	for raw, params := range cases {
		_, err := loopapi.DecodeList(vals(raw), now, nil)
		var ve *loopapi.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%s: %v, want a ValidationError", raw, err)
			continue
		}
		if !slices.Equal(ve.Params(), params) {
			t.Errorf("%s: invalid %v, want %v", raw, ve.Params(), params)
		}
		if len(params) > 1 && !strings.Contains(ve.Message, "more error") {
			t.Errorf("%s: message %q does not count the other errors", raw, ve.Message)
		}
		spec.CheckResponse(t, "GET", "/api/v1/warehouse/return/list?"+raw, 422, nil, marshal(t, ve))
	}
}

func TestDecodeDetails(t *testing.T) {
	spec := loopspectest.Load(t)
	q, err := loopapi.DecodeDetails(vals("order_name=%231001&order_id=77&currency_type=presentment"))
	if err != nil || q.OrderID != 77 || q.OrderName != "" || q.Currency != loopapi.CurrencyPresentment {
		t.Errorf("order_id wins over order_name: %+v, %v", q, err)
	}
	q, err = loopapi.DecodeDetails(vals("redo_return_id=65F0C0FFEE0000000000ABCD"))
	if err != nil || q.NativeID != "65f0c0ffee0000000000abcd" || q.Currency != loopapi.CurrencyShop {
		t.Errorf("native id: %+v, %v", q, err)
	}
	q, err = loopapi.DecodeDetails(vals("return_id=5&order_name=x"))
	if err != nil || q.ReturnID != 5 || q.OrderName != "" {
		t.Errorf("return_id first: %+v, %v", q, err)
	}
	for raw, param := range map[string]string{
		"":                            "return_id",
		"return_id=abc":               "return_id",
		"order_id=-1":                 "order_id",
		"return_id=1&currency_type=x": "currency_type",
		"redo_return_id=zz":           "redo_return_id",
	} {
		_, err := loopapi.DecodeDetails(vals(raw))
		var ve *loopapi.ValidationError
		if !errors.As(err, &ve) || ve.Errors[param] == nil {
			t.Errorf("%q: %v, want a problem with %s", raw, err, param)
			continue
		}
		spec.CheckResponse(t, "GET", "/api/v1/warehouse/return/details?"+raw, 422, nil, marshal(t, ve))
	}
}

func TestDecodeReturnRef(t *testing.T) {
	if r, ok := loopapi.DecodeReturnRef("42", nil); !ok || r.ID != 42 {
		t.Errorf("numeric: %+v %v", r, ok)
	}
	if r, ok := loopapi.DecodeReturnRef("0", vals("redo_return_id=65f0c0ffee0000000000abcd")); !ok || r.NativeID == "" || r.ID != 0 {
		t.Errorf("native: %+v %v", r, ok)
	}
	for _, c := range []struct {
		path string
		q    url.Values
	}{{"0", nil}, {"abc", nil}, {"-3", nil}, {"1", vals("redo_return_id=nothex")}} {
		if _, ok := loopapi.DecodeReturnRef(c.path, c.q); ok {
			t.Errorf("%q %v accepted", c.path, c.q)
		}
	}
}

func TestDecodeRemove(t *testing.T) {
	spec := loopspectest.Load(t)
	ids, err := loopapi.DecodeRemove(vals("line_item_id=1,%202,,1"))
	if err != nil || !slices.Equal(ids, []int64{1, 2}) {
		t.Errorf("ids %v, %v", ids, err)
	}
	for raw, msg := range map[string]string{"": loopapi.MsgLineItemRequired, "line_item_id=,": loopapi.MsgLineItemRequired, "line_item_id=1,x": loopapi.MsgLineItemMalformed} {
		_, err := loopapi.DecodeRemove(vals(raw))
		var le *loopapi.LineItemError
		if !errors.As(err, &le) || le.Err.Message != msg {
			t.Errorf("%q: %v, want %q", raw, err, msg)
			continue
		}
		spec.CheckResponse(t, "POST", "/api/v1/warehouse/return/1/remove?line_item_id=1", 422, nil, marshal(t, le))
	}
}

func TestDecodeNote(t *testing.T) {
	spec := loopspectest.Load(t)
	for ct, body := range map[string]string{
		"application/json":                  `{"content":"Box crushed","pinned":true}`,
		"application/json; charset=utf-8":   `{"content":"` + strings.Repeat("é", 254) + `"}`,
		"application/x-www-form-urlencoded": `content=Box+crushed`,
		"":                                  `{"content":"no type"}`,
	} {
		if c, err := loopapi.DecodeNote(ct, []byte(body)); err != nil || c == "" {
			t.Errorf("%s %s: %q, %v", ct, body, c, err)
		}
	}
	for _, body := range []string{`{}`, `{"content":""}`, `{"content":"   "}`, `{"content":5}`, `{"content":null}`, `not json`,
		`{"content":"` + strings.Repeat("a", 255) + `"}`} {
		_, err := loopapi.DecodeNote("application/json", []byte(body))
		var ne *loopapi.NoteError
		if !errors.As(err, &ne) {
			t.Errorf("%.40s: %v, want a NoteError", body, err)
			continue
		}
		spec.CheckResponse(t, "POST", "/api/v1/warehouse/return/1/note", 422, nil, marshal(t, ne))
	}
}

func TestDecodeASN(t *testing.T) {
	q, err := loopapi.DecodeASN(vals("from=2023-08-21T00:00:00.000Z&to=2023-08-22T00:00:00.000Z&tracking_status=in_transit,DELIVERED,in_transit"), now, true)
	if err != nil || !slices.Equal(q.TrackingStatuses, []string{"in_transit", "delivered"}) || !q.From.Equal(time.Date(2023, 8, 21, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("%+v, %v", q, err)
	}
	long := vals("from=2023-01-01&to=2023-12-31")
	if _, err := loopapi.DecodeASN(long, now, true); err == nil {
		t.Error("a year-long ASN window was accepted with the 120-day limit")
	}
	if _, err := loopapi.DecodeASN(long, now, false); err != nil {
		t.Errorf("without the limit: %v", err)
	}
	if _, err := loopapi.DecodeASN(vals("tracking_status=lost_at_sea"), now, false); err == nil {
		t.Error("an unknown tracking status was accepted")
	}
}

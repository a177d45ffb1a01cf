package refundid

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDecodeNotification(t *testing.T) {
	n, err := DecodeNotification([]byte(`{
		"refundid_id": "rf_1", "merchant_rma_ref": "rma-1", "status": "refundid",
		"merchant_order_ref": "order_123456", "order_number": "order_123456",
		"created_at": "2025-02-01T09:00:00Z",
		"line_items": [{"line_item_ref": "line_1", "quantity": 1, "return_reason": "too small"}],
		"surprise": {"nested": [1, 2, 3]}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 2, 1, 9, 0, 0, 0, time.UTC)
	want := RapiRefundidOrder{
		RefundidID: "rf_1", MerchantRMARef: "rma-1", Status: StatusRefundid,
		MerchantOrderRef: "order_123456", OrderNumber: "order_123456", CreatedAt: &at,
		LineItems: []RapiRefundidOrderLineItem{{LineItemRef: "line_1", Quantity: 1, ReturnReason: "too small"}},
	}
	if !n.CreatedAt.Equal(at) {
		t.Errorf("created_at = %v, want %v", n.CreatedAt, at)
	}
	n.CreatedAt = &at
	if !reflect.DeepEqual(n.RapiRefundidOrder, want) || n.Ignored != nil {
		t.Errorf("decoded %+v (ignored %v), want %+v", n.RapiRefundidOrder, n.Ignored, want)
	}
}

func TestDecodeNotificationMinimalAndTolerant(t *testing.T) {
	tests := []struct {
		name, body string
		status     Status
		ignored    []string
	}{
		{"minimal", `{"refundid_id":"rf_1","status":"refunding"}`, StatusRefunding, nil},
		{"null optional", `{"refundid_id":"rf_1","status":"failed","merchant_rma_ref":null,"line_items":null}`, StatusFailed, nil},
		{"undocumented status value", `{"refundid_id":"rf_1","status":"approved"}`, "approved", nil},
		{"status as a model (GAP)", `{"refundid_id":"rf_1","status":{"status":"refundid","at":"x"}}`, StatusRefundid, nil},
		{"status model with value", `{"refundid_id":"rf_1","status":{"value":"failed"}}`, StatusFailed, nil},
		{"GAP members of another shape", `{"refundid_id":"rf_1","status":"refundid","order_number":1001,"created_at":"yesterday","line_items":[{"sku":"x"}]}`,
			StatusRefundid, []string{"order_number", "created_at", "line_items"}},
		{"fractional quantity", `{"refundid_id":"rf_1","status":"refundid","line_items":[{"line_item_ref":"a","quantity":1.5}]}`, StatusRefundid, []string{"line_items"}},
		{"whitespace around", " \n{\"refundid_id\":\"rf_1\",\"status\":\"refundid\"}\n ", StatusRefundid, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := DecodeNotification([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if n.RefundidID != "rf_1" || n.Status != tt.status || !slices.Equal(n.Ignored, tt.ignored) {
				t.Errorf("got id %q status %q ignored %v, want rf_1 %q %v", n.RefundidID, n.Status, n.Ignored, tt.status, tt.ignored)
			}
		})
	}
}

func TestDecodeNotificationErrors(t *testing.T) {
	tests := []struct {
		name, body, field string
	}{
		{"empty", ``, ""},
		{"not JSON", `refundid`, ""},
		{"array", `[{"refundid_id":"rf_1","status":"refundid"}]`, ""},
		{"null", `null`, ""},
		{"trailing data", `{"refundid_id":"rf_1","status":"refundid"} {}`, ""},
		{"truncated", `{"refundid_id":"rf_1","status":"refu`, ""},
		{"no id", `{"status":"refundid"}`, "refundid_id"},
		{"null id", `{"refundid_id":null,"status":"refundid"}`, "refundid_id"},
		{"numeric id", `{"refundid_id":42,"status":"refundid"}`, "refundid_id"},
		{"blank id", `{"refundid_id":"  ","status":"refundid"}`, "refundid_id"},
		{"no status", `{"refundid_id":"rf_1"}`, "status"},
		{"empty status", `{"refundid_id":"rf_1","status":""}`, "status"},
		{"boolean status", `{"refundid_id":"rf_1","status":true}`, "status"},
		{"status model without a name", `{"refundid_id":"rf_1","status":{"code":3}}`, "status"},
		{"numeric rma ref", `{"refundid_id":"rf_1","status":"refundid","merchant_rma_ref":7}`, "merchant_rma_ref"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeNotification([]byte(tt.body))
			var ne *NotificationError
			if !errors.As(err, &ne) || !errors.Is(err, ErrNotification) {
				t.Fatalf("err = %v, want a *NotificationError", err)
			}
			if ne.Field != tt.field {
				t.Errorf("field %q, want %q (%v)", ne.Field, tt.field, err)
			}
		})
	}
	big := `{"refundid_id":"rf_1","status":"refundid","pad":"` + strings.Repeat("x", MaxNotificationBytes) + `"}`
	if _, err := DecodeNotification([]byte(big)); !errors.Is(err, ErrNotification) {
		t.Errorf("an oversized body was accepted: %v", err)
	}
}

// FuzzDecodeNotification checks that no input panics, that accepted input
// satisfies DecodeNotification's contract, and that re-encoding a decoded
// notification decodes to the same notification.
func FuzzDecodeNotification(f *testing.F) {
	f.Add([]byte(`{"refundid_id":"rf_1","status":"refundid"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := DecodeNotification(body)
		if err != nil {
			var ne *NotificationError
			if !errors.As(err, &ne) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if strings.TrimSpace(n.RefundidID) == "" || strings.TrimSpace(string(n.Status)) == "" {
			t.Fatalf("accepted a blank id or status: %+v", n)
		}
		for _, it := range n.LineItems {
			if it.LineItemRef == "" || it.Quantity < 1 {
				t.Fatalf("accepted a bad line item: %+v", it)
			}
		}
		b, err := json.Marshal(n.RapiRefundidOrder)
		if err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
		m, err := DecodeNotification(b)
		if err != nil {
			t.Fatalf("re-encoded %s does not decode: %v", b, err)
		}
		if m.Ignored != nil {
			t.Fatalf("re-encoded %s has ignored members %v", b, m.Ignored)
		}
		if (n.CreatedAt == nil) != (m.CreatedAt == nil) || n.CreatedAt != nil && !n.CreatedAt.Equal(*m.CreatedAt) {
			t.Fatalf("created_at %v became %v", n.CreatedAt, m.CreatedAt)
		}
		a, c := n.RapiRefundidOrder, m.RapiRefundidOrder
		a.CreatedAt, c.CreatedAt = nil, nil
		if !reflect.DeepEqual(a, c) {
			t.Fatalf("round trip changed %+v into %+v", a, c)
		}
	})
}

// TestFuzzSeedsPresent keeps the checked-in corpus from silently vanishing:
// plain `go test` runs FuzzDecodeNotification over these files.
func TestFuzzSeedsPresent(t *testing.T) {
	files, err := filepath.Glob("testdata/fuzz/FuzzDecodeNotification/*")
	if err != nil || len(files) < 10 {
		t.Fatalf("want at least 10 seed files, found %d (%v)", len(files), err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil || !strings.HasPrefix(string(b), "go test fuzz v1\n") {
			t.Errorf("%s is not a fuzz corpus file (%v)", f, err)
		}
	}
}

// TestAdvanceTable lists every state × status, including an undocumented
// status and an unknown state.
func TestAdvanceTable(t *testing.T) {
	const unknown Status = "approved"
	type want struct {
		to      State
		outcome Outcome
		err     error
		enters  bool
	}
	tests := []struct {
		from   State
		status Status
		want   want
	}{
		{StateNone, StatusRefunding, want{StateRefunding, OutcomeApplied, nil, false}},
		{StateNone, StatusRefundid, want{StateRefundid, OutcomeApplied, nil, true}},
		{StateNone, StatusFailed, want{StateFailed, OutcomeApplied, nil, false}},
		{StateNone, unknown, want{StateNone, "", ErrUnknownStatus, false}},

		{StateRefunding, StatusRefunding, want{StateRefunding, OutcomeDuplicate, nil, false}},
		{StateRefunding, StatusRefundid, want{StateRefundid, OutcomeApplied, nil, true}},
		{StateRefunding, StatusFailed, want{StateFailed, OutcomeApplied, nil, false}},
		{StateRefunding, unknown, want{StateRefunding, "", ErrUnknownStatus, false}},

		{StateRefundid, StatusRefunding, want{StateRefundid, OutcomeStale, nil, false}},
		{StateRefundid, StatusRefundid, want{StateRefundid, OutcomeDuplicate, nil, false}},
		{StateRefundid, StatusFailed, want{StateRefundid, "", ErrRefused, false}},
		{StateRefundid, unknown, want{StateRefundid, "", ErrUnknownStatus, false}},

		{StateFailed, StatusRefunding, want{StateFailed, OutcomeStale, nil, false}},
		{StateFailed, StatusRefundid, want{StateRefundid, OutcomeApplied, nil, true}},
		{StateFailed, StatusFailed, want{StateFailed, OutcomeDuplicate, nil, false}},
		{StateFailed, unknown, want{StateFailed, "", ErrUnknownStatus, false}},

		{"approved", StatusRefundid, want{"approved", "", ErrUnknownState, false}},
	}
	if n := len(tests); n != 4*4+1 {
		t.Fatalf("table has %d rows, want every pair", n)
	}
	for _, tt := range tests {
		got, err := Advance(tt.from, tt.status)
		if !errors.Is(err, tt.want.err) || (err == nil) != (tt.want.err == nil) {
			t.Errorf("Advance(%q, %q) error %v, want %v", tt.from, tt.status, err, tt.want.err)
		}
		var te *TransitionError
		if err != nil && !errors.As(err, &te) {
			t.Errorf("error %v is not a *TransitionError", err)
		}
		if got.From != tt.from || got.To != tt.want.to || got.Outcome != tt.want.outcome || got.EntersRefundid() != tt.want.enters {
			t.Errorf("Advance(%q, %q) = %+v (enters %v), want to %q outcome %q enters %v",
				tt.from, tt.status, got, got.EntersRefundid(), tt.want.to, tt.want.outcome, tt.want.enters)
		}
	}
}

// TestAdvanceAnyOrder delivers each documented sequence in every order,
// with every status possibly duplicated, and checks that the refund ends in
// the sequence's final state and enters refundid exactly once when it
// should.
func TestAdvanceAnyOrder(t *testing.T) {
	for _, seq := range [][]Status{
		{StatusRefunding, StatusRefundid},
		{StatusRefunding, StatusFailed},
	} {
		final := State(seq[len(seq)-1])
		// Every delivery: each status 1 or 2 times, in every order.
		for mask := range 1 << len(seq) {
			var msgs []Status
			for i, s := range seq {
				msgs = append(msgs, s)
				if mask&(1<<i) != 0 {
					msgs = append(msgs, s)
				}
			}
			for _, order := range permutations(msgs) {
				st, entered := StateNone, 0
				for _, s := range order {
					tr, err := Advance(st, s)
					if err != nil {
						t.Fatalf("%v: Advance(%q, %q): %v", order, st, s, err)
					}
					if tr.EntersRefundid() {
						entered++
					}
					st = tr.To
				}
				if st != final {
					t.Errorf("%v ends in %q, want %q", order, st, final)
				}
				if want := map[bool]int{true: 1, false: 0}[final == StateRefundid]; entered != want {
					t.Errorf("%v enters refundid %d times, want %d", order, entered, want)
				}
			}
		}
	}
}

func permutations(s []Status) [][]Status {
	if len(s) <= 1 {
		return [][]Status{slices.Clone(s)}
	}
	var out [][]Status
	for i := range s {
		rest := slices.Concat(s[:i:i], s[i+1:])
		for _, p := range permutations(rest) {
			out = append(out, append([]Status{s[i]}, p...))
		}
	}
	return out
}

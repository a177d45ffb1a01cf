package loopapi_test

import (
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"testing"

	"github.com/reboundhq/rebound/internal/loopapi"
)

// FuzzDecodeList checks DecodeList's contract on any query string: it never
// panics; a decoded query has a window of at most 120 days in order, a known
// filter and state and a page size in range, and its normal form decodes to
// the same query; an error is a ValidationError whose JSON has a message and
// a problem for each parameter it names. Seeds are in testdata/fuzz.
func FuzzDecodeList(f *testing.F) {
	f.Add("from=2024-05-01T00:00:00Z&to=2024-05-02T00:00:00Z&filter=updated_at&state=open&paginate=true&pageSize=750")
	c, err := loopapi.NewCursors([]byte("fuzzing key, sixteen bytes or more"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, _ := url.ParseQuery(raw) // a malformed query still yields the parts that parse
		q, err := loopapi.DecodeList(v, now, c)
		if err != nil {
			var ve *loopapi.ValidationError
			if !errors.As(err, &ve) || ve.Message == "" || len(ve.Errors) == 0 {
				t.Fatalf("error %v (%T) is not a complete ValidationError", err, err)
			}
			for p, ms := range ve.Errors {
				if len(ms) == 0 || !slices.Contains([]string{"from", "to", "filter", "state", "paginate", "pageSize", "cursor"}, p) {
					t.Fatalf("problem %q: %v", p, ms)
				}
			}
			if b, err := json.Marshal(ve); err != nil || !json.Valid(b) {
				t.Fatalf("body %s: %v", b, err)
			}
			return
		}
		if q.To.Before(q.From) || q.To.Sub(q.From) > loopapi.MaxRange {
			t.Fatalf("window %v..%v", q.From, q.To)
		}
		if q.Filter != loopapi.FilterCreatedAt && q.Filter != loopapi.FilterUpdatedAt {
			t.Fatalf("filter %q", q.Filter)
		}
		if q.State != "" && !slices.Contains(loopapi.States, q.State) {
			t.Fatalf("state %q", q.State)
		}
		if q.PageSize < 1 || q.PageSize > loopapi.MaxPageSize {
			t.Fatalf("page size %d", q.PageSize)
		}
		again, err := loopapi.DecodeList(q.Values(), now, c)
		if err != nil {
			t.Fatalf("normal form %v does not decode: %v", q.Values(), err)
		}
		if !again.From.Equal(q.From) || !again.To.Equal(q.To) || again.Filter != q.Filter || again.State != q.State ||
			again.Paginate != q.Paginate || (q.Paginate && again.PageSize != q.PageSize) {
			t.Fatalf("normal form %v decodes to %+v, not %+v", q.Values(), again, q)
		}
	})
}

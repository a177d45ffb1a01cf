package loophttp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// loopClient syncs returns the way Loop's documentation and the public
// connectors do: the key in X-Authorization, the Detailed Returns List in
// consecutive 24-hour from/to windows with paginate=true, following
// $.nextPageUrl until it is null. It knows nothing of Rebound.
type loopClient struct {
	base, key string
	check     func(target string, status int, header http.Header, body []byte)
}

type loopPage struct {
	Returns []struct {
		ID     string `json:"id"`
		RedoID string `json:"redo_id"`
		State  string `json:"state"`
	} `json:"returns"`
	NextPageURL *string `json:"nextPageUrl"`
}

func (c *loopClient) get(u string) (*loopPage, error) {
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("X-Authorization", c.key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	c.check(u, res.StatusCode, res.Header, b)
	if res.StatusCode != 200 {
		return nil, fmt.Errorf("GET %s: %d %s", u, res.StatusCode, b)
	}
	var p loopPage
	return &p, json.Unmarshal(b, &p)
}

// sync lists every window from start to end and calls seen for each
// return listed.
func (c *loopClient) sync(start, end time.Time, seen func(id, redoID string)) (pages int, err error) {
	for from := start; from.Before(end); from = from.Add(24 * time.Hour) {
		q := url.Values{"from": {from.Format("2006-01-02 15:04:05")}, "to": {from.Add(24 * time.Hour).Format("2006-01-02 15:04:05")},
			"filter": {"created_at"}, "paginate": {"true"}, "pageSize": {"100"}}
		next := c.base + "/api/v1/warehouse/return/list?" + q.Encode()
		for next != "" {
			p, err := c.get(next)
			if err != nil {
				return pages, err
			}
			pages++
			for _, r := range p.Returns {
				seen(r.ID, r.RedoID)
			}
			next = ""
			if p.NextPageURL != nil {
				next = *p.NextPageURL
			}
		}
	}
	return pages, nil
}

// TestSyncClient2000: a client written from Loop's documentation syncs a
// store of 2,000 returns (written straight to the store, so numbered by
// the API on first use) exactly once each, on both databases.
func TestSyncClient2000(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		const n = 2000
		ctx := context.Background()
		start := time.Now().UTC().Add(-10 * 24 * time.Hour).Truncate(24 * time.Hour)
		step := 10 * 24 * time.Hour / n
		want := map[string]bool{}
		err := e.st.Update(ctx, func(tx store.Tx) error {
			for i := range n {
				at := start.Add(time.Duration(i)*step + 123*time.Millisecond)
				r := returns.Return{ID: returns.NewID(at), StoreID: e.storeID, Status: []returns.Status{returns.StatusOpen, returns.StatusComplete, returns.StatusInTransit}[i%3],
					Compensation: returns.CompensationRefund, CreatedAt: at, UpdatedAt: at,
					Items: []returns.ReturnItem{{ID: returns.NewID(at), OrderLineID: "l1", Quantity: 1 + i%2, Reason: "Too small", Status: returns.ItemOpen,
						ItemDetail: returns.ItemDetail{SKU: "SKU-1", Title: "Shirt", Value: returns.UnitValue{Price: 2000, Tax: 200, Total: 2200}}}},
					ReturnDetail: returns.ReturnDetail{Type: returns.TypeReturn, Provider: returns.ProviderCustom, OrderName: fmt.Sprintf("#%d", 1000+i), Currency: "USD"},
				}
				if err := tx.CreateReturn(ctx, &r); err != nil {
					return err
				}
				want[r.ID] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		c := &loopClient{base: e.srv.URL, key: e.key, check: func(target string, status int, h http.Header, body []byte) {
			u, _ := url.Parse(target)
			e.spec.CheckResponse(t, "GET", u.RequestURI(), status, h, body)
		}}
		got := map[string]int{}
		numeric := map[string]string{}
		pages, err := c.sync(start, time.Now(), func(id, redoID string) {
			got[redoID]++
			if prev, ok := numeric[id]; ok && prev != redoID {
				t.Errorf("numeric id %s names %s and %s", id, prev, redoID)
			}
			numeric[id] = redoID
		})
		if err != nil {
			t.Fatal(err)
		}
		for id := range want {
			if got[id] != 1 {
				t.Errorf("return %s synced %d times", id, got[id])
			}
		}
		if len(got) != n || len(numeric) != n {
			t.Errorf("synced %d returns with %d numeric ids, want %d", len(got), len(numeric), n)
		}
		if pages < n/100 {
			t.Errorf("%d pages for %d returns in pages of 100", pages, n)
		}
	})
}

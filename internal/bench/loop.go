package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"
)

// LoopConfig configures RunLoopList.
type LoopConfig struct {
	// Returns in the store (default 100,000), dated over the last 119
	// days so that one Loop window (at most 120 days) holds them all.
	Returns int
	// PageSize is Loop's pageSize and Redo's X-Page-Size (default 100).
	PageSize int
	// Requests per API (default 3000) from Clients concurrent clients
	// (default 1).
	Requests int
	Clients  int
	// DatabaseURL selects PostgreSQL; empty means SQLite.
	DatabaseURL string
	Progress    io.Writer
}

// LoopReport is a whole RunLoopList.
type LoopReport struct {
	Database       string
	Returns        int
	PageSize       int
	Clients        int
	Loop, Redo     Result
	SeedTime       time.Duration
	NumberingTime  time.Duration
	CursorsVisited int
}

// Ratio is the Loop list's p99 over the Redo list's.
func (r LoopReport) Ratio() float64 {
	if r.Redo.P99 == 0 {
		return 0
	}
	return float64(r.Loop.P99) / float64(r.Redo.P99)
}

func (r LoopReport) String() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d returns (%d in Loop's default states), pages of %d, %d clients, %s (seeded in %s; numbered for Loop on first list in %s)\n",
		r.Returns, r.CursorsVisited, r.PageSize, r.Clients, r.Database, r.SeedTime.Round(time.Second), r.NumberingTime.Round(time.Millisecond))
	fmt.Fprintf(&b, "%-58s %10s %10s %10s %8s\n", "list", "req/s", "p50", "p99", "errors")
	for _, x := range []struct {
		name string
		Result
	}{{"GET /api/v1/warehouse/return/list?paginate=true&pageSize=N", r.Loop}, {"GET /v2.2/stores/{id}/returns (X-Page-Size N)", r.Redo}} {
		fmt.Fprintf(&b, "%-58s %10.0f %10s %10s %8d\n", x.name, x.Throughput, x.P50.Round(10*time.Microsecond), x.P99.Round(10*time.Microsecond), x.Errors)
	}
	fmt.Fprintf(&b, "p99 ratio (Loop / Redo): %.2f\n", r.Ratio())
	return b.String()
}

// RunLoopList seeds one store and measures, on the same data, the Loop
// list (paginate=true, one 120-day window) and Redo's list: a quarter of
// the requests read the first page, the rest start at cursors spread over
// the whole list (Loop's collected by walking the window once).
func RunLoopList(ctx context.Context, cfg LoopConfig) (LoopReport, error) {
	if cfg.Returns <= 0 {
		cfg.Returns = 100_000
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 100
	}
	if cfg.Requests <= 0 {
		cfg.Requests = 3000
	}
	if cfg.Clients <= 0 {
		cfg.Clients = 1
	}
	e, err := Start(ctx, Config{DatabaseURL: cfg.DatabaseURL})
	if err != nil {
		return LoopReport{}, err
	}
	defer e.Close()
	rep := LoopReport{Database: e.DB, Returns: cfg.Returns, PageSize: cfg.PageSize, Clients: cfg.Clients}
	t0 := time.Now()
	ss, err := seedOver(ctx, e.App, e.Store, cfg.Returns, 119*24*time.Hour, cfg.Progress)
	if err != nil {
		return rep, err
	}
	rep.SeedTime = time.Since(t0)

	to := time.Now().UTC().Add(time.Minute).Truncate(time.Second)
	q := url.Values{"from": {to.Add(-120 * 24 * time.Hour).Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)},
		"paginate": {"true"}, "pageSize": {"750"}}
	first := e.URL + "/api/v1/warehouse/return/list?" + q.Encode()
	t0 = time.Now()
	if _, _, err := loopGet(ctx, http.DefaultClient, first, ss.key); err != nil { // numbers the store
		return rep, err
	}
	rep.NumberingTime = time.Since(t0)
	var links []string
	for next := first; next != ""; {
		n, seen, err := loopGet(ctx, http.DefaultClient, next, ss.key)
		if err != nil {
			return rep, err
		}
		rep.CursorsVisited += seen
		if n != "" {
			links = append(links, withPageSize(n, cfg.PageSize))
		}
		next = n
	}
	// Every fifth seeded return awaits review, a state Loop's list leaves
	// out without state=review.
	if want := cfg.Returns - cfg.Returns/5; rep.CursorsVisited != want {
		return rep, fmt.Errorf("bench: the Loop window lists %d returns, want %d", rep.CursorsVisited, want)
	}
	firstPage := withPageSize(first, cfg.PageSize)

	e.loopPhase(ctx, ss.key, firstPage, links, cfg.Clients, cfg.Requests/10)
	e.listPhase(ctx, ss, cfg.PageSize, cfg.Clients, cfg.Requests/10)
	const rounds = 5
	var l, r sample
	for range rounds {
		l.add(e.loopPhase(ctx, ss.key, firstPage, links, cfg.Clients, cfg.Requests/rounds))
		r.add(e.listPhase(ctx, ss, cfg.PageSize, cfg.Clients, cfg.Requests/rounds))
	}
	rep.Loop, rep.Redo = l.result("loop"), r.result("redo")
	if l.errors+r.errors > 0 {
		return rep, fmt.Errorf("bench: %d list requests failed", l.errors+r.errors)
	}
	return rep, ctx.Err()
}

func withPageSize(link string, n int) string {
	u, err := url.Parse(link)
	if err != nil {
		return link
	}
	v := u.Query()
	v.Set("pageSize", fmt.Sprint(n))
	u.RawQuery = v.Encode()
	return u.String()
}

// loopGet reads one Loop page and returns its next link and row count.
func loopGet(ctx context.Context, c *http.Client, u, key string) (string, int, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	req.Header.Set("X-Authorization", key)
	res, err := c.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return "", 0, err
	}
	if res.StatusCode != http.StatusOK {
		return "", 0, fmt.Errorf("GET %s: %s %s", u, res.Status, b)
	}
	var p struct {
		Returns     []json.RawMessage `json:"returns"`
		NextPageURL *string           `json:"nextPageUrl"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return "", 0, err
	}
	next := ""
	if p.NextPageURL != nil {
		next = *p.NextPageURL
	}
	return next, len(p.Returns), nil
}

func (e *Env) loopPhase(ctx context.Context, key, first string, links []string, clients, n int) sample {
	return phase(ctx, clients, n, 7, func(ctx context.Context, client *http.Client, rng *rand.Rand) error {
		u := first
		if rng.IntN(4) != 0 && len(links) > 0 {
			u = links[rng.IntN(len(links))]
		}
		_, _, err := loopGet(ctx, client, u, key)
		return err
	})
}

package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/customorder"
	"github.com/reboundhq/rebound/internal/examples"
	"github.com/reboundhq/rebound/internal/redoapi"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// ListConfig configures RunReturnList.
type ListConfig struct {
	// Small and Large are the sizes of the two stores measured (default
	// 10,000 and 1,000,000 returns).
	Small, Large int
	// PageSize is X-Page-Size (default 50).
	PageSize int
	// Requests per store (default 3000) from Clients concurrent clients
	// (default 1: the latency of one client).
	Requests int
	Clients  int
	// DatabaseURL selects PostgreSQL; empty means SQLite.
	DatabaseURL string
	// Progress, when set, receives a line per seeding step.
	Progress io.Writer
}

// ListResult is the figures of one store.
type ListResult struct {
	Returns int
	Result
}

// ListReport is a whole RunReturnList.
type ListReport struct {
	Database     string
	PageSize     int
	Clients      int
	Small, Large ListResult
	SeedTime     time.Duration
}

// Ratio is the large store's p99 over the small store's: 1 means the cost
// of a page does not depend on how many returns the store holds.
func (r ListReport) Ratio() float64 {
	if r.Small.P99 == 0 {
		return 0
	}
	return float64(r.Large.P99) / float64(r.Small.P99)
}

func (r ListReport) String() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "GET /v2.2/stores/{id}/returns, pages of %d, %d clients, %s (seeded in %s)\n", r.PageSize, r.Clients, r.Database, r.SeedTime.Round(time.Second))
	fmt.Fprintf(&b, "%-12s %10s %10s %10s %8s\n", "store", "req/s", "p50", "p99", "errors")
	for _, x := range []ListResult{r.Small, r.Large} {
		fmt.Fprintf(&b, "%-12s %10.0f %10s %10s %8d\n", fmt.Sprintf("%d", x.Returns), x.Throughput, x.P50.Round(10*time.Microsecond), x.P99.Round(10*time.Microsecond), x.Errors)
	}
	fmt.Fprintf(&b, "p99 ratio (large / small): %.2f\n", r.Ratio())
	return b.String()
}

// seededStore is a store filled with returns, and cursors spread over its
// list.
type seededStore struct {
	id, key string
	cursors []string
}

// seed creates a store with n returns over 200 orders, in batches, and
// keeps one cursor per 500 returns.
func seed(ctx context.Context, a *app.App, st store.Store, n int, progress io.Writer) (*seededStore, error) {
	return seedOver(ctx, a, st, n, 365*24*time.Hour, progress)
}

// seedOver is seed with the returns dated over the span before now.
func seedOver(ctx context.Context, a *app.App, st store.Store, n int, span time.Duration, progress io.Writer) (*seededStore, error) {
	s, k, err := a.CreateStore(ctx, fmt.Sprintf("Bench %d", n))
	if err != nil {
		return nil, err
	}
	ss := &seededStore{id: s.ID, key: k.Secret}
	const nOrders = 200
	orders := make([]*returns.Order, nOrders)
	err = st.Update(ctx, func(tx store.Tx) error {
		for i := range orders {
			o, err := customorder.Decode(examples.OrderWithID(fmt.Sprintf("bench-order-%d", i)))
			if err != nil {
				return err
			}
			o.StoreID, o.ID, o.SyncedAt = s.ID, returns.NewID(tx.Now()), tx.Now()
			if _, err := tx.UpsertOrder(ctx, o); err != nil {
				return err
			}
			orders[i] = o
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	values, err := returns.OrderValues(orders[0], returns.SideShop)
	if err != nil {
		return nil, err
	}
	unit := values[orders[0].Lines[0].ID].Units[0]
	// Returns are dated over the last year, oldest first, so that ids (which
	// begin with their creation second) spread like a real store's.
	start := time.Now().Add(-span)
	step := span / time.Duration(n)
	statuses := []returns.Status{returns.StatusOpen, returns.StatusInTransit, returns.StatusDelivered, returns.StatusComplete, returns.StatusNeedsReview}
	const batch = 5000
	for done := 0; done < n; {
		m := min(batch, n-done)
		err := st.Update(ctx, func(tx store.Tx) error {
			for i := range m {
				j := done + i
				at := start.Add(time.Duration(j) * step)
				o := orders[j%nOrders]
				r := returns.Return{
					ID: returns.NewID(at), StoreID: s.ID, OrderID: o.ID, Status: statuses[j%len(statuses)],
					Compensation: returns.CompensationRefund, CreatedAt: at, UpdatedAt: at,
					Items: []returns.ReturnItem{{ID: returns.NewID(at), OrderLineID: o.Lines[0].ID, Quantity: 1, Reason: "Too small", Status: returns.ItemOpen,
						ItemDetail: returns.ItemDetail{ProductID: o.Lines[0].ProductID, SKU: o.Lines[0].SKU, Title: o.Lines[0].Title, Slots: []int{0}, Value: unit}}},
					ReturnDetail: returns.ReturnDetail{Type: returns.TypeReturn, Provider: returns.ProviderCustom, OrderExternalID: o.ExternalID,
						OrderName: o.Name, Currency: o.ShopCurrency,
						Customer:        returns.Returner{FirstName: o.Customer.FirstName, LastName: o.Customer.LastName, Email: o.Customer.Email},
						ShippingAddress: o.ShippingAddress, Totals: returns.Totals{Refund: unit.Total}},
				}
				if err := tx.CreateReturn(ctx, &r); err != nil {
					return err
				}
				if j%500 == 0 {
					ss.cursors = append(ss.cursors, redoapi.PageCursor(r.ID))
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
		done += m
		if progress != nil && (done%100_000 == 0 || done == n) {
			fmt.Fprintf(progress, "seeded %d/%d returns\n", done, n)
		}
	}
	return ss, nil
}

// RunReturnList seeds two stores in one database, one with Small and one
// with Large returns, then measures listing pages of PageSize from each:
// a quarter of the requests read the first page, the rest start at cursors
// spread evenly over the whole list.
func RunReturnList(ctx context.Context, cfg ListConfig) (ListReport, error) {
	if cfg.Small <= 0 {
		cfg.Small = 10_000
	}
	if cfg.Large <= 0 {
		cfg.Large = 1_000_000
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 50
	}
	if cfg.Requests <= 0 {
		cfg.Requests = 3000
	}
	if cfg.Clients <= 0 {
		cfg.Clients = 1
	}
	e, err := Start(ctx, Config{DatabaseURL: cfg.DatabaseURL})
	if err != nil {
		return ListReport{}, err
	}
	defer e.Close()
	a := app.New(e.Store)
	rep := ListReport{Database: e.DB, PageSize: cfg.PageSize, Clients: cfg.Clients}
	t0 := time.Now()
	small, err := seed(ctx, a, e.Store, cfg.Small, cfg.Progress)
	if err != nil {
		return rep, err
	}
	large, err := seed(ctx, a, e.Store, cfg.Large, cfg.Progress)
	if err != nil {
		return rep, err
	}
	rep.SeedTime = time.Since(t0)
	// Warm both, then alternate in slices so machine drift hits both alike.
	e.listPhase(ctx, small, cfg.PageSize, cfg.Clients, cfg.Requests/10)
	e.listPhase(ctx, large, cfg.PageSize, cfg.Clients, cfg.Requests/10)
	const rounds = 5
	var s, l sample
	for range rounds {
		s.add(e.listPhase(ctx, small, cfg.PageSize, cfg.Clients, cfg.Requests/rounds))
		l.add(e.listPhase(ctx, large, cfg.PageSize, cfg.Clients, cfg.Requests/rounds))
	}
	rep.Small = ListResult{Returns: cfg.Small, Result: s.result("small")}
	rep.Large = ListResult{Returns: cfg.Large, Result: l.result("large")}
	if s.errors+l.errors > 0 {
		return rep, fmt.Errorf("bench: %d list requests failed", s.errors+l.errors)
	}
	return rep, ctx.Err()
}

// phase runs n requests from clients concurrent clients, each made and
// sent by do (which draws from its client's own rng) and timed; a failed
// one is counted, and a cancelled context ends the client.
func phase(ctx context.Context, clients, n int, seed uint64, do func(ctx context.Context, c *http.Client, rng *rand.Rand) error) sample {
	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var (
		mu  sync.Mutex
		out sample
	)
	per := max(1, n/clients)
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c), uint64(n)+seed))
			var local sample
			for range per {
				t0 := time.Now()
				if err := do(ctx, client, rng); err != nil {
					local.errors++
					if errors.Is(err, context.Canceled) {
						break
					}
					continue
				}
				local.latencies = append(local.latencies, time.Since(t0))
			}
			mu.Lock()
			out.add(local)
			mu.Unlock()
		})
	}
	wg.Wait()
	out.elapsed = time.Since(start)
	return out
}

// listPhase reads pages of Redo's return list: a quarter the first page,
// the rest from cursors spread over the list.
func (e *Env) listPhase(ctx context.Context, ss *seededStore, pageSize, clients, n int) sample {
	return phase(ctx, clients, n, 0, func(ctx context.Context, client *http.Client, rng *rand.Rand) error {
		req, _ := http.NewRequestWithContext(ctx, "GET", e.URL+"/v2.2/stores/"+ss.id+"/returns", nil)
		req.Header.Set("Authorization", "Bearer "+ss.key)
		req.Header.Set("X-Page-Size", fmt.Sprint(pageSize))
		if rng.IntN(4) != 0 && len(ss.cursors) > 0 {
			req.Header.Set("X-Page-Continue", ss.cursors[rng.IntN(len(ss.cursors))])
		}
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		if _, err := io.Copy(io.Discard, res.Body); err != nil {
			return err
		}
		if res.StatusCode != http.StatusOK {
			return errors.New(res.Status)
		}
		return nil
	})
}

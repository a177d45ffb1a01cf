package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/webhooks"
)

// WebhookConfig configures RunWebhooks.
type WebhookConfig struct {
	// Returns is how many returns the store holds (default 2,000) and
	// Backlog how many deliveries the throughput phase drains (default
	// 20,000, spread evenly over the returns).
	Returns, Backlog int
	// Rate is the events per second of the latency phase (default 500),
	// for Duration (default 10 s).
	Rate     int
	Duration time.Duration
	// DatabaseURL selects PostgreSQL; empty means SQLite.
	DatabaseURL string
	Progress    io.Writer
}

// WebhookReport is a whole RunWebhooks.
type WebhookReport struct {
	Database string
	// Baseline is signed POSTs per second to the same receiver from a tight
	// loop of the same parallelism, with no database: the ceiling.
	Baseline float64
	// Throughput is deliveries per second draining the backlog.
	Throughput float64
	Backlog    int
	// Rate, Delivered and P50/P99 are the latency phase: events at Rate
	// per second, and the time from each change to its delivery.
	Rate      int
	Delivered int
	P50, P99  time.Duration
}

// Ratio is Throughput over Baseline.
func (r WebhookReport) Ratio() float64 {
	if r.Baseline == 0 {
		return 0
	}
	return r.Throughput / r.Baseline
}

func (r WebhookReport) String() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "webhook delivery to a local receiver, signed, %s\n", r.Database)
	fmt.Fprintf(&b, "%-40s %12.0f\n", "baseline: signed POSTs/s, no database", r.Baseline)
	fmt.Fprintf(&b, "%-40s %12.0f   (ratio %.2f)\n", fmt.Sprintf("deliveries/s draining %d", r.Backlog), r.Throughput, r.Ratio())
	fmt.Fprintf(&b, "event→delivery at %d events/s: %d delivered, p50 %s, p99 %s\n", r.Rate, r.Delivered, r.P50.Round(time.Millisecond), r.P99.Round(time.Millisecond))
	return b.String()
}

// hookReceiver counts deliveries and records each one's latency from the
// change it carries (the payload's "at").
type hookReceiver struct {
	n       atomic.Int64
	mu      sync.Mutex
	lat     []time.Duration
	measure atomic.Bool
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if h.measure.Load() {
		var p struct {
			At time.Time `json:"at"`
		}
		if json.Unmarshal(body, &p) == nil && !p.At.IsZero() {
			d := time.Since(p.At)
			h.mu.Lock()
			h.lat = append(h.lat, d)
			h.mu.Unlock()
		}
	}
	h.n.Add(1)
	w.WriteHeader(http.StatusNoContent)
}

// RunWebhooks measures webhook delivery end to end: a store with returns
// and one redo subscription to a receiver on loopback; first a backlog of
// deliveries is drained (deliveries per second), then return changes are
// made at a steady rate and the time from each change to its delivery is
// measured (p50, p99). A baseline of signed POSTs to the same receiver,
// with no database, is measured in the same run.
func RunWebhooks(ctx context.Context, cfg WebhookConfig) (WebhookReport, error) {
	if cfg.Returns <= 0 {
		cfg.Returns = 2000
	}
	if cfg.Backlog <= 0 {
		cfg.Backlog = 20_000
	}
	if cfg.Rate <= 0 {
		cfg.Rate = 500
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	var key [32]byte
	_, _ = rand.Read(key[:])
	box, err := secrets.New(key[:])
	if err != nil {
		return WebhookReport{}, err
	}
	e, err := Start(ctx, Config{DatabaseURL: cfg.DatabaseURL, Webhooks: webhooks.WorkerConfig{Secrets: box, AllowPrivateTargets: true}})
	if err != nil {
		return WebhookReport{}, err
	}
	defer e.Close()
	rep := WebhookReport{Database: e.DB, Backlog: cfg.Backlog, Rate: cfg.Rate}

	recv := &hookReceiver{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return rep, err
	}
	hs := &http.Server{Handler: recv}
	go hs.Serve(ln)
	defer hs.Close()
	url := "http://" + ln.Addr().String() + "/hook"

	rep.Baseline = baselinePosts(ctx, url, 3*time.Second)
	recv.n.Store(0)

	a := e.App
	ss, err := seed(ctx, a, e.Store, cfg.Returns, cfg.Progress)
	if err != nil {
		return rep, err
	}
	sub, err := e.Services.Webhooks.UpsertWebhook(ctx, ss.id, webhooks.WebhookInput{Kind: returns.WebhookRedo, Topic: returns.WebhookTopicReturn, URL: url})
	if err != nil {
		return rep, err
	}
	hook := sub.Webhook

	// Throughput: a backlog of deliveries (each return's state, several
	// times over), then one job to drain it.
	var rs []*returns.Return
	if err := e.Store.View(ctx, func(tx store.ReadTx) error {
		var err error
		rs, err = tx.ListReturns(ctx, ss.id, store.ReturnQuery{Limit: cfg.Returns})
		return err
	}); err != nil {
		return rep, err
	}
	payloads := make([][]byte, len(rs))
	for i, r := range rs {
		payloads[i], _ = json.Marshal(returns.ReturnChange{Type: "updated", At: time.Now(), Return: *r})
	}
	for done := 0; done < cfg.Backlog; {
		n := min(5000, cfg.Backlog-done)
		err := e.Store.Update(ctx, func(tx store.Tx) error {
			ds := make([]*returns.Delivery, n)
			for i := range ds {
				j := done + i
				r := rs[j%len(rs)]
				ds[i] = &returns.Delivery{StoreID: ss.id, WebhookID: hook.ID, MessageID: fmt.Sprintf("msg_bench_%d", j), Type: "updated",
					SubjectID: r.ID, At: tx.Now(), Payload: payloads[j%len(rs)], State: returns.DeliveryPending, NextAttemptAt: tx.Now()}
			}
			return tx.AddDeliveries(ctx, ds)
		})
		if err != nil {
			return rep, err
		}
		done += n
	}
	start := time.Now()
	if err := e.Store.Update(ctx, func(tx store.Tx) error { return webhooks.EnqueueDeliver(ctx, tx, ss.id, hook.ID, time.Time{}) }); err != nil {
		return rep, err
	}
	if err := waitCount(ctx, &recv.n, int64(cfg.Backlog), 5*time.Minute); err != nil {
		return rep, err
	}
	rep.Throughput = float64(cfg.Backlog) / time.Since(start).Seconds()

	// Latency: flag and unflag returns at a steady rate.
	var open []string
	for _, r := range rs {
		if r.Status == returns.StatusOpen { // flag → unflag goes back to open
			open = append(open, r.ID)
		}
	}
	if len(open) == 0 {
		return rep, fmt.Errorf("bench: no open returns to change")
	}
	recv.measure.Store(true)
	base := recv.n.Load()
	actor := returns.SystemActor("bench")
	tick := time.NewTicker(time.Second / time.Duration(cfg.Rate))
	defer tick.Stop()
	stop := time.Now().Add(cfg.Duration)
	var sent atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Int64
	flagged := make([]atomic.Bool, len(open))
	for i := 0; time.Now().Before(stop); i++ {
		select {
		case <-ctx.Done():
			return rep, ctx.Err()
		case <-tick.C:
		}
		k := i % len(open)
		wg.Go(func() {
			target := returns.StatusFlagged
			if flagged[k].Load() {
				target = returns.StatusOpen
			}
			if _, err := a.SetReturnStatus(ctx, actor, ss.id, open[k], target, ""); err != nil {
				failed.Add(1)
				return
			}
			flagged[k].Store(target == returns.StatusFlagged)
			sent.Add(1)
		})
		if k == len(open)-1 {
			wg.Wait() // a return is not changed twice at once
		}
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		return rep, fmt.Errorf("bench: %d status changes failed", f)
	}
	if err := waitCount(ctx, &recv.n, base+sent.Load(), time.Minute); err != nil {
		return rep, err
	}
	recv.mu.Lock()
	lat := slices.Clone(recv.lat)
	recv.mu.Unlock()
	slices.Sort(lat)
	rep.Delivered = len(lat)
	if len(lat) > 0 {
		rep.P50 = lat[len(lat)/2]
		rep.P99 = lat[min(len(lat)-1, len(lat)*99/100)]
	}
	return rep, nil
}

func waitCount(ctx context.Context, n *atomic.Int64, want int64, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for n.Load() < want {
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: %d of %d deliveries arrived within %s", n.Load(), want, limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return nil
}

// baselinePosts measures signed POSTs per second to url from 32
// goroutines (the deliverer's parallelism) with the deliverer's client.
func baselinePosts(ctx context.Context, url string, d time.Duration) float64 {
	client := webhooks.Guard{AllowPrivate: true}.Client(webhooks.DefaultTimeout)
	secret := webhooks.NewSecret()
	body := []byte(`{"type":"updated","at":"2026-01-01T00:00:00Z","return":{"id":"x"}}`)
	var n atomic.Int64
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for range 32 {
		wg.Go(func() {
			for i := 0; time.Now().Before(stop) && ctx.Err() == nil; i++ {
				h, _ := webhooks.Headers([]string{secret}, fmt.Sprintf("msg_%d", i), time.Now(), body)
				if out := webhooks.Deliver(ctx, client, webhooks.Request{URL: url, Body: body, Header: h}); out.Success {
					n.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds()
}

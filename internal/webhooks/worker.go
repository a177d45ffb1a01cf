package webhooks

// Webhook delivery: the event dispatcher fans return events out to a
// store's subscriptions as delivery rows (in its transaction), and a
// webhook.deliver job per subscription attempts them. The rows are the
// durable state; jobs only say "look at this subscription now" (or at the
// next retry), so a lost or duplicated job never loses or reorders a
// delivery:
//
//   - a delivery is attempted only after every earlier delivery of the same
//     subscription and return succeeded or was given up
//     (store.Tx.ClaimDeliveries), so retries never reorder a return's events;
//   - a claimed delivery is leased; a worker that dies mid-attempt leaves
//     the lease to expire and the delivery is attempted again, with the same
//     webhook-id (at-least-once);
//   - Sweep, run periodically, enqueues a job for every subscription with
//     deliveries due, as a safety net for jobs lost with a crashed process.

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/reboundhq/rebound/internal/jobs"
	"github.com/reboundhq/rebound/internal/loopapi"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/riverqueue/river"
)

// EnqueueDeliver enqueues a webhook.deliver job in tx, to run at once or at
// at (when not zero).
func EnqueueDeliver(ctx context.Context, tx store.Tx, storeID, webhookID string, at time.Time) error {
	opts := &river.InsertOpts{}
	if !at.IsZero() {
		opts.ScheduledAt = at
	}
	return tx.Enqueue(ctx, jobs.DeliverArgs{StoreID: storeID, WebhookID: webhookID}, opts)
}

// DeliveryFor returns the delivery of the store event ev to w, or nil when
// ev is not a return event (w's topic). Its webhook-id is "msg_<event id>",
// the same on every attempt.
//
// A loop subscription gets the events of its topic, and when it names a
// trigger only those with that trigger (LoopTrigger); any other
// subscription every return event.
func DeliveryFor(w *returns.Webhook, ev *returns.Event) *returns.Delivery {
	if w.Kind == returns.WebhookLoop {
		trig := LoopTrigger(w.Topic, ev)
		if trig == "" || (w.Trigger != "" && w.Trigger != string(trig)) {
			return nil
		}
	} else if ev.Kind != returns.EventReturnCreated && ev.Kind != returns.EventReturnUpdated {
		return nil
	}
	var head struct {
		Type string    `json:"type"`
		At   time.Time `json:"at"`
	}
	if err := json.Unmarshal(ev.Payload, &head); err != nil || head.Type == "" {
		head.Type, head.At = "updated", ev.CreatedAt
		if ev.Kind == returns.EventReturnCreated {
			head.Type = "created"
		}
	}
	return &returns.Delivery{StoreID: w.StoreID, WebhookID: w.ID, EventID: ev.ID, MessageID: "msg_" + strconv.FormatInt(ev.ID, 10),
		Type: head.Type, SubjectID: ev.SubjectID, At: head.At, Payload: ev.Payload, State: returns.DeliveryPending, NextAttemptAt: ev.CreatedAt}
}

// fanOut turns a store's dispatched events into deliveries for each of its
// subscriptions and enqueues their deliverers, in tx.
func fanOut(ctx context.Context, tx store.Tx, storeID string, evs []*returns.Event) error {
	if len(evs) == 0 {
		return nil
	}
	hooks, err := tx.ListWebhooks(ctx, storeID)
	if err != nil || len(hooks) == 0 {
		return err
	}
	for _, w := range hooks {
		if w.Topic != returns.WebhookTopicReturn && w.Kind != returns.WebhookLoop {
			continue
		}
		var ds []*returns.Delivery
		for _, ev := range evs {
			if ev.CreatedAt.Before(w.CreatedAt) {
				continue // it happened before the subscription existed
			}
			if d := DeliveryFor(w, ev); d != nil {
				ds = append(ds, d)
			}
		}
		if len(ds) == 0 {
			continue
		}
		if err := tx.AddDeliveries(ctx, ds); err != nil {
			return err
		}
		if !w.Disabled {
			if err := EnqueueDeliver(ctx, tx, storeID, w.ID, time.Time{}); err != nil {
				return err
			}
		}
	}
	return nil
}

// WorkerConfig configures webhook delivery.
type WorkerConfig struct {
	// Secrets unseals subscriptions' signing secrets and bearer tokens.
	// Without it nothing can be signed: attempts fail and are retried.
	Secrets *secrets.Box
	// AllowPrivateTargets lets deliveries reach private and loopback
	// addresses and http:// URLs (tests, local development).
	AllowPrivateTargets bool
	// RootCAs, when set, replaces the system's trusted certificate
	// authorities (tests with a local TLS receiver).
	RootCAs *x509.CertPool
	// Timeout bounds one attempt (default DefaultTimeout, 10 s).
	Timeout time.Duration
	// Lease is how long a claimed delivery is reserved for its worker
	// (default Timeout + 20 s): after a crash it is attempted again once the
	// lease has passed.
	Lease time.Duration
	// Batch is how many deliveries one claim takes (default 100) and
	// Parallel how many of them are in flight at once (default 32).
	Batch, Parallel int
	// RetryDelay is the wait before retrying after the attempt-th failed
	// attempt, given the receiver's Retry-After (default
	// NextDelay: exponential backoff with full jitter, at most an
	// hour). Tests shorten it.
	RetryDelay func(attempt int, retryAfter time.Duration) time.Duration
	// RetryWindow is how long a delivery is retried, and how long a
	// subscription may fail every attempt before it is disabled (default
	// RetryWindow, 24 h).
	RetryWindow time.Duration
	// Metrics, when set, receives delivery metrics.
	Metrics *Metrics
	Logger  *slog.Logger
}

func (c *WorkerConfig) defaults() {
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Lease <= 0 {
		c.Lease = c.Timeout + 20*time.Second
	}
	if c.Batch <= 0 {
		c.Batch = 100
	}
	if c.Parallel <= 0 {
		c.Parallel = 32
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.RetryDelay == nil {
		c.RetryDelay = func(attempt int, retryAfter time.Duration) time.Duration {
			return NextDelay(attempt, retryAfter, nil)
		}
	}
	if c.RetryWindow <= 0 {
		c.RetryWindow = RetryWindow
	}
}

// DeliverWorker attempts a subscription's due deliveries.
type DeliverWorker struct {
	river.WorkerDefaults[jobs.DeliverArgs]
	Store  store.Store
	Config WorkerConfig
	client *http.Client

	mu       sync.Mutex
	unsealed map[string]string // sealed → clear
}

// NewDeliverWorker returns a worker for st.
func NewDeliverWorker(st store.Store, cfg WorkerConfig) *DeliverWorker {
	cfg.defaults()
	g := Guard{AllowPrivate: cfg.AllowPrivateTargets, RootCAs: cfg.RootCAs}
	return &DeliverWorker{Store: st, Config: cfg, client: g.Client(cfg.Timeout), unsealed: map[string]string{}}
}

// Timeout implements river.Worker: a job delivers for at most runBudget
// plus one attempt.
func (w *DeliverWorker) Timeout(*river.Job[jobs.DeliverArgs]) time.Duration {
	return runBudget + 2*w.Config.Timeout
}

// shortWait is the longest retry wait a job sleeps through itself.
const shortWait = 2 * time.Second

// runBudget is how long one job keeps claiming batches before handing over
// to a fresh job (so one busy subscription does not hold a worker forever).
const runBudget = 20 * time.Second

func (w *DeliverWorker) unseal(sealed string) (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if v, ok := w.unsealed[sealed]; ok {
		return v, nil
	}
	if w.Config.Secrets == nil {
		return "", errors.New("no secret key configured: cannot unseal the subscription's secrets")
	}
	b, err := w.Config.Secrets.Open(sealed)
	if err != nil {
		return "", err
	}
	if len(w.unsealed) > 10000 {
		clear(w.unsealed)
	}
	w.unsealed[sealed] = string(b)
	return string(b), nil
}

// Work implements river.Worker.
func (w *DeliverWorker) Work(ctx context.Context, job *river.Job[jobs.DeliverArgs]) error {
	args := job.Args
	stop := time.Now().Add(runBudget)
	var next time.Time
	for {
		n, retryAt, err := w.round(ctx, args)
		if err != nil {
			if returns.IsNotFound(err) {
				return river.JobCancel(err) // the subscription was deleted
			}
			return fmt.Errorf("deliver webhooks of %s: %w", args.WebhookID, err)
		}
		if !retryAt.IsZero() && (next.IsZero() || retryAt.Before(next)) {
			next = retryAt
		}
		if n == 0 {
			// A retry due within a couple of seconds is waited for here
			// rather than handed to the job scheduler, which only looks
			// every few seconds.
			if wait := time.Until(next); !next.IsZero() && wait < shortWait && time.Now().Add(wait).Before(stop) {
				t := time.NewTimer(max(wait, 0))
				select {
				case <-ctx.Done():
					t.Stop()
					return ctx.Err()
				case <-t.C:
				}
				next = time.Time{}
				continue
			}
			break
		}
		if time.Now().After(stop) {
			next = time.Now() // more may be due: hand over to a new job
			break
		}
	}
	if next.IsZero() {
		return nil
	}
	return w.Store.Update(ctx, func(tx store.Tx) error { return EnqueueDeliver(ctx, tx, args.StoreID, args.WebhookID, next) })
}

// attempt is one delivery's attempt in a round.
type attempt struct {
	d   *returns.Delivery
	out Outcome
	err error // rendering or signing failed
}

// round claims one batch, attempts it and records the outcomes. It returns
// how many deliveries it attempted and the earliest retry it scheduled.
func (w *DeliverWorker) round(ctx context.Context, args jobs.DeliverArgs) (int, time.Time, error) {
	cfg := w.Config
	var (
		hook  *returns.Webhook
		name  string
		batch []*returns.Delivery
	)
	err := w.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		if hook, err = tx.GetWebhook(ctx, args.StoreID, args.WebhookID); err != nil {
			return err
		}
		if hook.Disabled {
			batch = nil
			return nil
		}
		s, err := tx.GetStore(ctx, args.StoreID)
		if err != nil {
			return err
		}
		name = s.Name
		batch, err = tx.ClaimDeliveries(ctx, args.WebhookID, tx.Now(), cfg.Lease, cfg.Batch)
		return err
	})
	if err != nil || len(batch) == 0 {
		return 0, time.Time{}, err
	}

	// The returns' orders, read once for the batch.
	changes := make([]*returns.ReturnChange, len(batch))
	var orderIDs []string
	for i, d := range batch {
		var ch returns.ReturnChange
		if err := json.Unmarshal(d.Payload, &ch); err == nil {
			changes[i] = &ch
			if ch.Return.OrderID != "" {
				orderIDs = append(orderIDs, ch.Return.OrderID)
			}
		}
	}
	var orders map[string]*returns.Order
	if len(orderIDs) > 0 {
		if err := w.Store.View(ctx, func(tx store.ReadTx) error {
			var err error
			orders, err = tx.GetOrdersByID(ctx, args.StoreID, orderIDs)
			return err
		}); err != nil {
			return 0, time.Time{}, err
		}
	}
	// Loop payloads name numeric ids, assigned here when the return got
	// none at creation (e.g. imported straight into the store).
	var lids map[string]loopapi.IDs
	var shopID int64
	if hook.Kind == returns.WebhookLoop {
		var rs []*returns.Return
		for _, ch := range changes {
			if ch != nil {
				rs = append(rs, &ch.Return)
			}
		}
		if err := w.Store.Update(ctx, func(tx store.Tx) error {
			var err error
			if shopID, err = loopapi.ShopID(ctx, tx, args.StoreID); err != nil {
				return err
			}
			lids, err = loopapi.AssignIDs(ctx, tx, args.StoreID, rs)
			return err
		}); err != nil {
			return 0, time.Time{}, err
		}
	}
	secretsClear, bearer, keyErr := w.keys(hook, time.Now())

	atts := make([]attempt, len(batch))
	sem := make(chan struct{}, cfg.Parallel)
	var wg sync.WaitGroup
	for i, d := range batch {
		atts[i].d = d
		if changes[i] == nil {
			atts[i].err = errors.New("the event's payload cannot be read")
			continue
		}
		if keyErr != nil {
			atts[i].err = keyErr
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			ids := LoopIDs{ShopID: shopID, IDs: lids[changes[i].Return.ID]}
			atts[i].out, atts[i].err = w.send(ctx, hook, name, d, changes[i], orders[changes[i].Return.OrderID], ids, secretsClear, bearer)
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		// Shutting down: record nothing; the leases expire and the
		// deliveries are attempted again, with the same webhook-id.
		return 0, time.Time{}, ctx.Err()
	}
	return w.record(ctx, args, atts)
}

// keys returns the subscription's live signing secrets and bearer token in
// the clear.
func (w *DeliverWorker) keys(hook *returns.Webhook, now time.Time) ([]string, string, error) {
	var out []string
	for _, s := range hook.Secrets {
		if s.ExpiresAt != nil && !s.ExpiresAt.After(now) {
			continue
		}
		v, err := w.unseal(s.Secret)
		if err != nil {
			return nil, "", fmt.Errorf("signing secret: %w", err)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, "", errors.New("the subscription has no signing secret")
	}
	bearer := ""
	if hook.BearerToken != "" {
		v, err := w.unseal(hook.BearerToken)
		if err != nil {
			return nil, "", fmt.Errorf("bearer token: %w", err)
		}
		bearer = v
	}
	return out, bearer, nil
}

// send renders, signs and posts one delivery.
func (w *DeliverWorker) send(ctx context.Context, hook *returns.Webhook, merchant string, d *returns.Delivery, ch *returns.ReturnChange, o *returns.Order, ids LoopIDs, secrets []string, bearer string) (Outcome, error) {
	var body []byte
	var err error
	if hook.Kind == returns.WebhookLoop {
		body, err = LoopPayload(hook, d.Payload, ch, o, ids)
	} else {
		body, err = Payload(hook.Kind, ch, o, merchant)
	}
	if err != nil {
		return Outcome{}, err
	}
	h, err := Headers(secrets, d.MessageID, time.Now(), body)
	if err != nil {
		return Outcome{}, err
	}
	if bearer != "" {
		h.Set("Authorization", "Bearer "+bearer)
	}
	if hook.Kind == returns.WebhookLoop {
		h.Set("X-Loop-Signature", LoopSignature(secrets[0], body))
	}
	return Deliver(ctx, w.client, Request{URL: hook.URL, Body: body, Header: h}), nil
}

// record saves a round's outcomes, updates the subscription's failure
// streak (disabling it after RetryWindow of nothing but failures)
// and returns the earliest retry.
func (w *DeliverWorker) record(ctx context.Context, args jobs.DeliverArgs, atts []attempt) (int, time.Time, error) {
	m := w.Config.Metrics
	now := time.Now().UTC()
	var next time.Time
	ds := make([]*returns.Delivery, len(atts))
	as := make([]returns.DeliveryAttempt, len(atts))
	outcomes := make([]string, len(atts))
	succeeded, lastErr := 0, ""
	for i, a := range atts {
		d := a.d
		if d.FirstAttemptAt.IsZero() {
			d.FirstAttemptAt = now
		}
		d.Attempts++
		out := a.out
		if a.err != nil {
			out = Outcome{Err: a.err.Error(), Retryable: true}
		}
		if !out.Success && out.Snippet != "" {
			out.Err = fmt.Sprintf("%s: %.200s", out.Err, out.Snippet) // what the receiver said, for the log
		}
		d.LastStatus, d.LastError = out.StatusCode, out.Err
		att := returns.DeliveryAttempt{DeliveryID: d.ID, Attempt: d.Attempts, At: now, StatusCode: out.StatusCode, Latency: out.Latency, Error: out.Err}
		switch {
		case out.Success:
			d.State = returns.DeliverySucceeded
			succeeded++
			outcomes[i] = "succeeded"
		case out.Retryable && now.Sub(d.FirstAttemptAt) < w.Config.RetryWindow:
			d.NextAttemptAt = now.Add(w.Config.RetryDelay(d.Attempts, out.RetryAfter))
			t := d.NextAttemptAt
			att.NextAttemptAt = &t
			if next.IsZero() || t.Before(next) {
				next = t
			}
			lastErr = out.Err
			outcomes[i] = "retrying"
		default:
			d.State = returns.DeliveryFailed
			lastErr = out.Err
			outcomes[i] = "failed"
		}
		ds[i], as[i] = d, att
	}
	err := w.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.FinishAttempts(ctx, ds, as); err != nil {
			return err
		}
		hook, err := tx.LockWebhook(ctx, args.StoreID, args.WebhookID)
		if err != nil {
			return err
		}
		changed := false
		switch {
		case succeeded > 0 && hook.FailingSince != nil:
			hook.FailingSince, changed = nil, true
		case succeeded == 0 && hook.FailingSince == nil:
			hook.FailingSince, changed = &now, true
		case succeeded == 0 && now.Sub(*hook.FailingSince) >= w.Config.RetryWindow && !hook.Disabled:
			hook.Disabled, hook.DisabledAt, changed = true, &now, true
			hook.DisabledReason = fmt.Sprintf("Every delivery failed for %s (since %s); last error: %s. Fix the endpoint and re-enable the subscription: held events are then delivered in order.",
				w.Config.RetryWindow, hook.FailingSince.Format(time.RFC3339), strings.TrimSpace(lastErr))
			w.Config.Logger.Warn("webhook subscription disabled", slog.String("webhook", hook.ID), slog.String("reason", hook.DisabledReason))
		}
		if changed {
			hook.UpdatedAt = now
			return tx.UpdateWebhook(ctx, hook)
		}
		return nil
	})
	if err != nil {
		return 0, time.Time{}, err
	}
	// Counted once recorded: a failed commit retries the attempts, which
	// would otherwise be counted twice, and a scrape never sees an outcome
	// the delivery log does not yet show.
	for i, o := range outcomes {
		m.observe(o, ds[i], now)
	}
	return len(atts), next, nil
}

// Metrics are the delivery metrics.
type Metrics struct {
	deliveries *prometheus.CounterVec
	attempts   prometheus.Histogram
	latency    prometheus.Histogram
}

// NewMetrics registers the delivery metrics with reg, plus a gauge of
// pending deliveries read from st at scrape time.
func NewMetrics(reg prometheus.Registerer, st store.Store) *Metrics {
	m := &Metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rebound_webhook_attempts_total",
			Help: "Webhook delivery attempts by outcome: succeeded, retrying (failed, will retry), failed (given up)."}, []string{"outcome"}),
		attempts: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "rebound_webhook_delivery_attempts",
			Help: "Attempts a delivery took, observed when it succeeds or is given up.", Buckets: []float64{1, 2, 3, 5, 10, 20, 40, 80}}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "rebound_webhook_event_to_delivery_seconds",
			Help: "Time from a return's change to its successful delivery.", Buckets: prometheus.ExponentialBuckets(0.005, 2, 18)}),
	}
	reg.MustRegister(m.deliveries, m.attempts, m.latency, prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "rebound_webhook_pending_deliveries",
		Help: "Webhook deliveries waiting for an attempt (the queue depth)."}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		var n int
		if err := st.View(ctx, func(tx store.ReadTx) error {
			var err error
			n, err = tx.CountPendingDeliveries(ctx)
			return err
		}); err != nil {
			return -1
		}
		return float64(n)
	}))
	return m
}

func (m *Metrics) observe(outcome string, d *returns.Delivery, now time.Time) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(outcome).Inc()
	if outcome != "retrying" {
		m.attempts.Observe(float64(d.Attempts))
	}
	if outcome == "succeeded" && !d.At.IsZero() {
		m.latency.Observe(now.Sub(d.At).Seconds())
	}
}

// StaleDispatchAge is how long a store's undispatched event may wait
// before Sweep queues the store's dispatch again: far longer than a live
// dispatcher ever takes, short enough that a crash costs under a minute.
const StaleDispatchAge = 15 * time.Second

// SweepInterval is how often a process's Sweep looks for work lost with a
// crashed process. Each look is a few index probes per store and
// subscription; a short interval keeps recovery after a crash well within
// a minute (a dead worker's leases, then at most one interval).
const SweepInterval = 10 * time.Second

// PruneInterval is how often Sweep deletes old finished deliveries.
const PruneInterval = time.Minute

// Sweep is the safety net for jobs lost with a crashed process. Once at
// once and then every interval until ctx ends it: queues the event
// dispatch of every store with events left undispatched (all of them at
// start, where the process before may have died mid-dispatch; later those
// older than StaleDispatchAge), and enqueues a webhook.deliver job for
// every enabled subscription with a delivery pending, at the time the
// earliest becomes claimable (due, and any lease run out). At start and
// then every PruneInterval it also deletes finished deliveries older than
// DeliveryRetention. Normally events and deliveries are handled by the jobs
// their changes enqueue.
func Sweep(ctx context.Context, st store.Store, interval time.Duration, log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	age := time.Duration(0)
	var pruned time.Time
	for {
		if time.Since(pruned) >= PruneInterval {
			if err := pruneOnce(ctx, st); err != nil && ctx.Err() == nil {
				log.Warn("webhook sweep failed", slog.Any("error", err))
			} else {
				pruned = time.Now()
			}
		}
		if err := sweepOnce(ctx, st, age); err != nil && ctx.Err() == nil {
			log.Warn("webhook sweep failed", slog.Any("error", err))
		}
		age = StaleDispatchAge
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// DeliveryRetention is how long finished deliveries (and their attempt
// logs) are kept for the delivery log before Sweep deletes them.
const DeliveryRetention = 30 * 24 * time.Hour

// pruneOnce deletes finished deliveries older than DeliveryRetention, a
// bounded number per call so that no transaction runs long.
func pruneOnce(ctx context.Context, st store.Store) error {
	return st.Update(ctx, func(tx store.Tx) error {
		_, err := tx.PruneDeliveries(ctx, tx.Now().Add(-DeliveryRetention), 5000)
		return err
	})
}

func sweepOnce(ctx context.Context, st store.Store, staleAge time.Duration) error {
	var due []store.PendingWebhook
	var stale []string
	if err := st.View(ctx, func(tx store.ReadTx) error {
		var err error
		if stale, err = tx.StaleDispatches(ctx, time.Now().Add(-staleAge)); err != nil {
			return err
		}
		due, err = tx.PendingWebhooks(ctx)
		return err
	}); err != nil {
		return err
	}
	if len(due) == 0 && len(stale) == 0 {
		return nil
	}
	return st.Update(ctx, func(tx store.Tx) error {
		for _, id := range stale {
			if err := tx.RequestDispatch(ctx, id); err != nil {
				return err
			}
		}
		for _, p := range due {
			at := p.NextAttemptAt
			if !at.After(tx.Now()) {
				at = time.Time{}
			}
			if err := EnqueueDeliver(ctx, tx, p.StoreID, p.WebhookID, at); err != nil {
				return err
			}
		}
		return nil
	})
}

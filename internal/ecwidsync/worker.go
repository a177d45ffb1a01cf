package ecwidsync

// Mirroring returns into Ecwid: when a return is approved (open) and its
// store is connected to Ecwid, an ecwid.mirror job (unique per return,
// enqueued in the change's transaction) creates the one Ecwid order that
// represents it (internal/ecwidsync); when its tracking changes later, an
// ecwid.tracking job updates that order. Every outcome is written on the
// return's timeline and announced as a return event.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/ecwid"
	"github.com/reboundhq/rebound/internal/jobs"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/riverqueue/river"
)

// OnReturnChange is the app.ChangeHook that asks for the Ecwid jobs a
// change calls for, in the change's transaction: a mirror job when r is
// approved (open) and not mirrored yet, and a tracking update when r is
// mirrored and the change touched its label — both only when the store is
// connected to Ecwid.
func OnReturnChange(ctx context.Context, tx store.Tx, r *returns.Return, changes []string) error {
	// Mirrored when the change approves the return (creation as open,
	// approval, reopening, unflagging): not on every later change, so that a
	// return whose mirroring failed for good is not tried again and again.
	mirror := r.Status == returns.StatusOpen && r.EcwidOrderID == "" && slices.ContainsFunc(changes, func(k string) bool {
		return k == returns.TimelineCreated || k == returns.TimelineApproved || k == returns.TimelineReopened || k == returns.TimelineUnflagged
	})
	tracking := r.EcwidOrderID != "" && slices.Contains(changes, returns.TimelineShipmentUpdated)
	if !mirror && !tracking {
		return nil
	}
	if _, err := tx.GetEcwidIntegration(ctx, r.StoreID); err != nil {
		if returns.IsNotFound(err) {
			return nil
		}
		return err
	}
	if mirror {
		// Unique per return, completed jobs included: a return is mirrored
		// once, however often it is approved again.
		return tx.Enqueue(ctx, jobs.EcwidMirrorArgs{StoreID: r.StoreID, ReturnID: r.ID}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}})
	}
	return tx.Enqueue(ctx, jobs.EcwidTrackingArgs{StoreID: r.StoreID, ReturnID: r.ID}, nil)
}

// AddWorkers registers the Ecwid workers (mirror and tracking) with w.
func AddWorkers(w *river.Workers, st store.Store, a *app.App, cfg WorkerConfig) {
	river.AddWorker(w, &MirrorWorker{Store: st, App: a, Config: cfg})
	river.AddWorker(w, &TrackingWorker{Store: st, App: a, Config: cfg})
}

// WorkerConfig configures the Ecwid workers.
type WorkerConfig struct {
	// Secrets unseals the integrations' access tokens.
	Secrets *secrets.Box
	// Options are added to every Ecwid client (tests disable pacing).
	Options []ecwid.Option
}

// target is what an Ecwid job works with.
type target struct {
	ret    *returns.Return
	order  *returns.Order
	in     *returns.EcwidIntegration
	store  string
	client *ecwid.Client
}

// load reads the return, its order, the store's integration and builds the
// client. ENOTFOUND when the return or the integration is gone.
func (c WorkerConfig) load(ctx context.Context, st store.Store, storeID, returnID string) (*target, error) {
	t := &target{}
	err := st.View(ctx, func(tx store.ReadTx) error {
		var err error
		if t.ret, err = tx.GetReturn(ctx, storeID, returnID); err != nil {
			return err
		}
		if t.in, err = tx.GetEcwidIntegration(ctx, storeID); err != nil {
			return err
		}
		s, err := tx.GetStore(ctx, storeID)
		if err != nil {
			return err
		}
		t.store = s.Name
		if t.ret.OrderID != "" {
			os, err := tx.GetOrdersByID(ctx, storeID, []string{t.ret.OrderID})
			if err != nil {
				return err
			}
			t.order = os[t.ret.OrderID]
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if c.Secrets == nil {
		return nil, errors.New("no secret key configured: cannot unseal the Ecwid access token")
	}
	tok, err := c.Secrets.Open(t.in.TokenSealed)
	if err != nil {
		return nil, fmt.Errorf("unseal the Ecwid access token: %w", err)
	}
	opts := append([]ecwid.Option(nil), c.Options...)
	if t.in.APIBaseURL != "" {
		opts = append(opts, ecwid.WithBaseURL(t.in.APIBaseURL))
	}
	t.client = ecwid.New(t.in.EcwidStoreID, string(tok), opts...)
	return t, nil
}

func (t *target) input() MirrorInput {
	return MirrorInput{Return: t.ret, Order: t.order, MerchantName: t.store, CustomerGroup: t.in.CustomerGroup}
}

// MirrorWorker creates a return's Ecwid order.
type MirrorWorker struct {
	river.WorkerDefaults[jobs.EcwidMirrorArgs]
	Store  store.Store
	App    *app.App
	Config WorkerConfig
}

// Work implements river.Worker.
func (w *MirrorWorker) Work(ctx context.Context, job *river.Job[jobs.EcwidMirrorArgs]) error {
	a := job.Args
	t, err := w.Config.load(ctx, w.Store, a.StoreID, a.ReturnID)
	if returns.IsNotFound(err) {
		return river.JobCancel(err) // the return or the integration is gone
	}
	if err != nil {
		return err
	}
	if t.ret.EcwidOrderID != "" {
		return nil
	}
	if t.ret.Status == returns.StatusDeleted || t.ret.Status == returns.StatusRejected {
		return river.JobCancel(fmt.Errorf("return %s is %s: not mirrored", t.ret.ID, t.ret.Status))
	}
	// A job enqueued by PrepareRMA searches first: the synchronous attempt
	// of createExternalRMAs may have created the order unheard.
	uncertain := job.Attempt > 1 || searchFirst(job.Metadata)
	id, err := Mirror(ctx, t.client, t.input(), uncertain)
	return outcome(ctx, w.Store, w.App, a.StoreID, a.ReturnID, job.Attempt, job.MaxAttempts, err, func(tx store.Tx, r *returns.Return) ([]returns.TimelineEvent, error) {
		return recordMirror(ctx, tx, r, id)
	})
}

// TrackingWorker updates a mirrored return's Ecwid order with its
// current tracking.
type TrackingWorker struct {
	river.WorkerDefaults[jobs.EcwidTrackingArgs]
	Store  store.Store
	App    *app.App
	Config WorkerConfig
}

// Work implements river.Worker.
func (w *TrackingWorker) Work(ctx context.Context, job *river.Job[jobs.EcwidTrackingArgs]) error {
	a := job.Args
	t, err := w.Config.load(ctx, w.Store, a.StoreID, a.ReturnID)
	if returns.IsNotFound(err) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if t.ret.EcwidOrderID == "" {
		return nil // not mirrored (yet): the mirror job sends the tracking
	}
	err = UpdateTracking(ctx, t.client, t.ret.EcwidOrderID, t.input())
	tracking := ""
	if t.ret.Label != nil {
		tracking = t.ret.Label.TrackingNumber
	}
	return outcome(ctx, w.Store, w.App, a.StoreID, a.ReturnID, job.Attempt, job.MaxAttempts, err, func(tx store.Tx, r *returns.Return) ([]returns.TimelineEvent, error) {
		return []returns.TimelineEvent{returns.Note(r, returns.TimelineEcwidUpdated, returns.SystemActor("ecwid"), tx.Now(),
			fmt.Sprintf("Ecwid order %s updated with tracking number %q.", r.EcwidOrderID, tracking),
			map[string]any{"ecwidOrderId": r.EcwidOrderID, "trackingNumber": tracking})}, nil
	})
}

// outcome records the result of an Ecwid call on the return, in one
// transaction, and tells River what to do with the job: on success
// success(tx, r) changes the return and returns its timeline events; a
// permanent failure is written on the timeline and not retried; an auth
// failure also marks the integration failing; a retryable one is retried,
// and written on the timeline when the last attempt fails.
func outcome(ctx context.Context, st store.Store, a *app.App, storeID, returnID string, attempt, maxAttempts int, callErr error,
	success func(tx store.Tx, r *returns.Return) ([]returns.TimelineEvent, error)) error {
	class := Classify(callErr)
	if class == Retryable && attempt < maxAttempts {
		return callErr // River retries with backoff
	}
	err := st.Update(ctx, func(tx store.Tx) error {
		r, err := tx.LockReturn(ctx, storeID, returnID)
		if err != nil {
			return err
		}
		in, err := tx.GetEcwidIntegration(ctx, storeID)
		if err != nil && !returns.IsNotFound(err) {
			return err
		}
		var evs []returns.TimelineEvent
		switch class {
		case None:
			if evs, err = success(tx, r); err != nil {
				return err
			}
			if in != nil && in.Status == returns.IntegrationFailing {
				in.Status, in.StatusReason, in.UpdatedAt = returns.IntegrationConnected, "", tx.Now()
				if err := tx.PutEcwidIntegration(ctx, in); err != nil {
					return err
				}
			}
		default:
			reason := Reason(callErr)
			msg := "Ecwid sync failed: " + reason
			if class == Retryable {
				msg = fmt.Sprintf("Ecwid sync failed after %d attempts: %s", attempt, reason)
			}
			if class == Auth && in != nil {
				in.Status, in.StatusReason, in.UpdatedAt = returns.IntegrationFailing, reason, tx.Now()
				if err := tx.PutEcwidIntegration(ctx, in); err != nil {
					return err
				}
				msg = strings.TrimSuffix(msg, ".") + ". The Ecwid integration is marked failing: check the access token and its scopes."
			}
			evs = []returns.TimelineEvent{returns.Note(r, returns.TimelineEcwidError, returns.SystemActor("ecwid"), tx.Now(), msg,
				map[string]any{"class": class.String(), "retried": class == Retryable})}
		}
		if len(evs) == 0 {
			return nil
		}
		if err := tx.UpdateReturn(ctx, r); err != nil {
			return err
		}
		return a.RecordChange(ctx, tx, r, returns.EventReturnUpdated, evs...)
	})
	if err != nil {
		return err
	}
	if class != None {
		return river.JobCancel(callErr)
	}
	return nil
}

// nextRetry retries Ecwid calls sooner than River's default (which
// waits attempt⁴ seconds): 5 s, 10 s, 20 s ... capped at 30 min, so 25
// attempts span about 8 hours.
func nextRetry(attempt int) time.Time {
	d := 5 * time.Second << min(max(attempt-1, 0), 10)
	return time.Now().Add(min(d, 30*time.Minute))
}

// NextRetry implements river.Worker.
func (w *MirrorWorker) NextRetry(job *river.Job[jobs.EcwidMirrorArgs]) time.Time {
	return nextRetry(job.Attempt)
}

// NextRetry implements river.Worker.
func (w *TrackingWorker) NextRetry(job *river.Job[jobs.EcwidTrackingArgs]) time.Time {
	return nextRetry(job.Attempt)
}

package refundidsync

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/reboundhq/rebound/internal/jobs"
	"github.com/reboundhq/rebound/internal/refundid"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/riverqueue/river"
)

// ReconcileResult tells what Reconcile compared.
type ReconcileResult struct {
	Listed int // refunds Refundid listed (RapiRefundidOrder elements)
	Other  int // elements of another shape (RapiStandardReturn), not compared
	// Differences are every difference found, noted or not.
	Differences []string
	// Noted is how many differences were newly noted on a return's
	// timeline (one noted before is not noted again).
	Noted int
	// Unmatched are differences about no return Rebound knows (a refund
	// Refundid lists for no RMA of the store and never notified).
	Unmatched int
}

// Reconcile compares storeID's refunds as Refundid's merchant API lists
// them (every page of GET /v1/merchant/returns) with Rebound's records:
// a refund whose status differs from its recorded state, one Refundid lists
// but never notified, and one Rebound recorded that Refundid does not list.
// Each difference is noted once on its return's timeline (an
// app.RecordChange, so a webhook event too). Errors: Client's; Refundid's
// (*refundid.APIError) or the transport's; nothing is noted then.
func (s *Service) Reconcile(ctx context.Context, storeID string) (*ReconcileResult, error) {
	c, err := s.Client(ctx, storeID)
	if err != nil {
		return nil, err
	}
	res := &ReconcileResult{}
	theirs := map[string]*refundid.RapiRefundidOrder{}
	var order []string
	for el, err := range c.Returns(ctx, nil) {
		if err != nil {
			return nil, err
		}
		if el.Order == nil {
			res.Other++
			continue
		}
		res.Listed++
		if _, dup := theirs[el.Order.RefundidID]; !dup {
			order = append(order, el.Order.RefundidID)
		}
		theirs[el.Order.RefundidID] = el.Order
	}
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		*res = ReconcileResult{Listed: res.Listed, Other: res.Other}
		ours, err := tx.ListRefundidRefunds(ctx, storeID)
		if err != nil {
			return err
		}
		known := map[string]*returns.RefundidRefund{}
		for _, rf := range ours {
			known[rf.RefundidID] = rf
		}
		type diff struct {
			id, returnID, msg string
		}
		var diffs []diff
		for _, id := range order {
			o := theirs[id]
			rf := known[id]
			switch {
			case rf == nil || rf.State == "":
				ret := ""
				if rf != nil {
					ret = rf.ReturnID
				}
				if ret == "" && o.MerchantRMARef != "" {
					if _, err := tx.GetReturn(ctx, storeID, o.MerchantRMARef); err == nil {
						ret = o.MerchantRMARef
					}
				}
				diffs = append(diffs, diff{id, ret, fmt.Sprintf("Refundid lists refund %s as %q; Rebound received no notification of it.", id, o.Status)})
			case string(o.Status) != rf.State:
				diffs = append(diffs, diff{id, rf.ReturnID, fmt.Sprintf("Refundid lists refund %s as %q; Rebound recorded %q.", id, o.Status, rf.State)})
			}
		}
		for _, rf := range ours {
			if _, ok := theirs[rf.RefundidID]; !ok && rf.State != "" {
				diffs = append(diffs, diff{rf.RefundidID, rf.ReturnID, fmt.Sprintf("Refundid does not list refund %s; Rebound recorded %q.", rf.RefundidID, rf.State)})
			}
		}
		for _, d := range diffs {
			res.Differences = append(res.Differences, d.msg)
			if d.returnID == "" {
				res.Unmatched++
				continue
			}
			rf, err := tx.LockRefundidRefund(ctx, storeID, d.id)
			if err != nil {
				return err
			}
			if rf.Difference == d.msg {
				continue
			}
			rf.Difference = d.msg
			if rf.ReturnID == "" && rf.State == "" {
				rf.ReturnID = d.returnID // for the record; the notification, if it comes, is applied normally
			}
			if err := tx.PutRefundidRefund(ctx, rf); err != nil {
				return err
			}
			r, err := tx.LockReturn(ctx, storeID, d.returnID)
			if err != nil {
				return err
			}
			r.UpdatedAt = tx.Now()
			note := returns.Note(r, returns.TimelineRefundidDifference, Actor, tx.Now(), d.msg, map[string]any{"refundidId": d.id})
			if err := tx.UpdateReturn(ctx, r); err != nil {
				return err
			}
			if err := s.App.RecordChange(ctx, tx, r, returns.EventReturnUpdated, note); err != nil {
				return err
			}
			res.Noted++
		}
		slices.Sort(res.Differences)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("refundid reconcile: %w", err)
	}
	return res, nil
}

// AddWorkers registers the Refundid reconciliation worker with w.
func AddWorkers(w *river.Workers, s *Service, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	river.AddWorker(w, &ReconcileWorker{Service: s, Logger: log})
}

// ReconcileWorker runs a store's Reconcile and then snoozes its job for
// Service.ReconcileInterval, so that it runs daily for as long as the store
// has a merchant API key. A store without a connection or a key ends the
// cycle (Connect with a key starts it again). A failed run is logged and
// recorded as the connection's status, and tried again next time.
type ReconcileWorker struct {
	river.WorkerDefaults[jobs.RefundidReconcileArgs]
	Service *Service
	Logger  *slog.Logger
}

// Timeout bounds one run (below the store's stuck-job rescue).
func (w *ReconcileWorker) Timeout(*river.Job[jobs.RefundidReconcileArgs]) time.Duration {
	return 90 * time.Second
}

// Work implements river.Worker.
func (w *ReconcileWorker) Work(ctx context.Context, job *river.Job[jobs.RefundidReconcileArgs]) error {
	storeID := job.Args.StoreID
	res, err := w.Service.Reconcile(ctx, storeID)
	switch code := returns.ErrorCode(err); {
	case err == nil:
		w.Logger.Info("refundid reconciled", slog.String("store", storeID), slog.Int("listed", res.Listed),
			slog.Int("differences", len(res.Differences)), slog.Int("noted", res.Noted))
		w.Service.setStatus(ctx, storeID, returns.IntegrationConnected, "")
	case code == returns.ENOTFOUND || code == returns.EUNPROCESSABLE:
		w.Logger.Info("refundid reconciliation stops", slog.String("store", storeID), slog.String("reason", returns.ErrorMessage(err)))
		return nil
	default:
		if ctx.Err() != nil {
			return err // shutting down: River runs it again
		}
		w.Logger.Warn("refundid reconciliation failed", slog.String("store", storeID), slog.Any("error", err))
		w.Service.setStatus(ctx, storeID, returns.IntegrationFailing, "reconciliation: "+err.Error())
	}
	return river.JobSnooze(w.Service.interval())
}

// setStatus records the connection's status, best effort.
func (s *Service) setStatus(ctx context.Context, storeID, status, reason string) {
	_ = s.Store.Update(ctx, func(tx store.Tx) error {
		in, err := tx.GetRefundidIntegration(ctx, storeID)
		if err != nil || (in.Status == status && in.StatusReason == reason) {
			return nil
		}
		in.Status, in.StatusReason, in.UpdatedAt = status, reason, tx.Now()
		return tx.PutRefundidIntegration(ctx, in)
	})
}

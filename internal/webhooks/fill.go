package webhooks

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/reboundhq/rebound/internal/jobs"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/riverqueue/river"
)

// fillChunk is how many returns (or events) one transaction of a fill
// queues: big stores are filled in many short transactions, each durable,
// rather than one long one.
const fillChunk = 500

// EnqueueFill starts a backfill or replay for w in tx.
func EnqueueFill(ctx context.Context, tx store.Tx, w *returns.Webhook, mode string, start time.Time) error {
	return tx.Enqueue(ctx, jobs.WebhookFillArgs{StoreID: w.StoreID, WebhookID: w.ID, Mode: mode, Start: start, Nonce: returns.NewID(tx.Now())}, nil)
}

// FillWorker queues one chunk of a backfill or replay.
type FillWorker struct {
	river.WorkerDefaults[jobs.WebhookFillArgs]
	Store store.Store
}

// Work implements river.Worker. A deleted subscription ends the fill.
func (w *FillWorker) Work(ctx context.Context, job *river.Job[jobs.WebhookFillArgs]) error {
	a := job.Args
	err := w.Store.Update(ctx, func(tx store.Tx) error {
		hook, err := tx.GetWebhook(ctx, a.StoreID, a.WebhookID)
		if err != nil {
			return err
		}
		var ds []*returns.Delivery
		next := ""
		switch a.Mode {
		case jobs.FillBackfill:
			if hook.Kind == returns.WebhookLoop && hook.Topic != returns.WebhookTopicReturn {
				return nil // a backfill is of returns: label and processing subscribers get none
			}
			rs, err := tx.ListReturns(ctx, a.StoreID, store.ReturnQuery{Before: a.Cursor, Limit: fillChunk})
			if err != nil {
				return err
			}
			now := tx.Now()
			for _, r := range rs {
				payload, err := json.Marshal(returns.ReturnChange{Type: "backfill", At: now, Return: *r})
				if err != nil {
					return err
				}
				ds = append(ds, &returns.Delivery{StoreID: a.StoreID, WebhookID: a.WebhookID, MessageID: fmt.Sprintf("msg_backfill_%s_%s", a.Nonce, r.ID),
					Type: "backfill", SubjectID: r.ID, At: now, Payload: payload, State: returns.DeliveryPending, NextAttemptAt: now})
			}
			if len(rs) == fillChunk {
				next = rs[len(rs)-1].ID
			}
		case jobs.FillReplay:
			var after int64
			if a.Cursor != "" {
				fmt.Sscan(a.Cursor, &after)
			}
			evs, err := tx.ListEventsSince(ctx, a.StoreID, a.Start, after, fillChunk)
			if err != nil {
				return err
			}
			for _, ev := range evs {
				if d := DeliveryFor(hook, ev); d != nil {
					d.MessageID = fmt.Sprintf("msg_%d_replay_%s", ev.ID, a.Nonce)
					d.NextAttemptAt = tx.Now()
					ds = append(ds, d)
				}
			}
			if len(evs) == fillChunk {
				next = fmt.Sprint(evs[len(evs)-1].ID)
			}
		default:
			return river.JobCancel(fmt.Errorf("unknown fill mode %q", a.Mode))
		}
		if len(ds) > 0 {
			if err := tx.AddDeliveries(ctx, ds); err != nil {
				return err
			}
			if err := EnqueueDeliver(ctx, tx, a.StoreID, a.WebhookID, time.Time{}); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		a.Cursor = next
		return tx.Enqueue(ctx, a, nil)
	})
	if returns.IsNotFound(err) {
		return river.JobCancel(err)
	}
	return err
}

package ecwidsync

// The Ecwid integration's app.RMACreator: Redo's createExternalRMAs creates
// the return's Ecwid order (its mirror) before the create request is
// answered, with the mirror job's exactly-once mechanism.
//
// In the creating transaction PrepareRMA enqueues the return's mirror job
// itself, before the change hook would: delayed by RMAFallbackDelay and
// marked to search Ecwid before creating. The hook's own (immediate) insert
// is then a duplicate of this unique job and is skipped. After the commit
// CreateRMA calls Mirror and records the order on the return exactly as the
// job does (EcwidOrderID, the mirror mapping, the "Ecwid order created"
// timeline event). When the delayed job runs it finds EcwidOrderID set and
// does nothing; if CreateRMA failed or never ran (a crash), the job
// searches first (the order may exist) and then mirrors the return as
// usual, retrying and recording failures on the timeline. CreateRMA itself
// records only success: a failure is answered to the client and left to
// the job.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/ecwid"
	"github.com/reboundhq/rebound/internal/jobs"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/riverqueue/river"
)

// RMAProvider is the integrationProvider of Ecwid's externalRMAResponses
// entries.
const RMAProvider = "ecwid"

// DefaultRMAFallbackDelay is how long the mirror job of a return created
// with createExternalRMAs waits, so that the synchronous attempt (bounded by
// RMATimeout) is over before it runs.
const DefaultRMAFallbackDelay = 2 * time.Minute

// RMATimeout bounds CreateRMA's call to Ecwid.
const RMATimeout = 30 * time.Second

// metaSearchFirst is the mirror job metadata member that makes its first
// attempt search Ecwid before creating (an earlier attempt outside the job
// may have created the order).
const metaSearchFirst = "rebound_search_first"

var _ app.RMACreator = (*Service)(nil)

func (a *Service) workerConfig() WorkerConfig {
	return WorkerConfig{Secrets: a.Secrets, Options: a.EcwidOptions}
}

// PrepareRMA implements app.RMACreator: for an approved (open) return of a
// store connected to Ecwid, it enqueues the return's mirror job, delayed
// and searching first, as the durable fallback of CreateRMA.
func (a *Service) PrepareRMA(ctx context.Context, tx store.Tx, r *returns.Return) error {
	if r.Status != returns.StatusOpen {
		return nil // mirrored on approval, by OnReturnChange
	}
	if _, err := tx.GetEcwidIntegration(ctx, r.StoreID); err != nil {
		if returns.IsNotFound(err) {
			return nil
		}
		return err
	}
	delay := a.RMAFallbackDelay
	if delay <= 0 {
		delay = DefaultRMAFallbackDelay
	}
	meta, err := json.Marshal(map[string]bool{metaSearchFirst: true})
	if err != nil {
		return err
	}
	// The same unique job as OnReturnChange's (by args), so that one is
	// skipped as a duplicate of this one.
	return tx.Enqueue(ctx, jobs.EcwidMirrorArgs{StoreID: r.StoreID, ReturnID: r.ID}, &river.InsertOpts{
		ScheduledAt: tx.Now().Add(delay), Metadata: meta, UniqueOpts: river.UniqueOpts{ByArgs: true},
	})
}

// CreateRMA implements app.RMACreator: it creates r's Ecwid order with
// Mirror (nothing is sent when r is mirrored already) and records it on
// the return as the mirror job does. ok is false when the store is not
// connected to Ecwid. A return that is not approved yet gets an error entry
// (its order is created when it is approved); so does a replay of a create
// whose order does not exist yet (the mirror job is on it).
func (a *Service) CreateRMA(ctx context.Context, r *returns.Return, replay bool) (app.RMAResult, bool) {
	res := app.RMAResult{Provider: RMAProvider}
	cfg := a.workerConfig()
	t, err := cfg.load(ctx, a.Store, r.StoreID, r.ID)
	if returns.IsNotFound(err) {
		return res, false // not connected (or the return is gone)
	}
	if err != nil {
		res.ErrorCode, res.ErrorMessage = "internal", "the Ecwid integration cannot be used: "+err.Error()
		return res, true
	}
	if t.ret.EcwidOrderID != "" {
		res.ExternalID = t.ret.EcwidOrderID
		return res, true
	}
	switch {
	case t.ret.Status != returns.StatusOpen:
		res.ErrorCode = "not_approved"
		res.ErrorMessage = fmt.Sprintf("the return is %s: its Ecwid order is created when it is approved", t.ret.Status)
		return res, true
	case replay:
		res.ErrorCode = "pending"
		res.ErrorMessage = "the Ecwid order is not created yet; Rebound creates it in the background"
		return res, true
	}
	cctx, cancel := context.WithTimeout(ctx, RMATimeout)
	defer cancel()
	id, err := Mirror(cctx, t.client, t.input(), false)
	if err != nil {
		res.ErrorCode, res.ErrorMessage = rmaErrorCode(err), Reason(err)
		if Classify(err) == Retryable {
			res.ErrorMessage += "; Rebound retries in the background"
		}
		return res, true
	}
	res.ExternalID = id
	// Recorded as the job records it. Should this fail, the order exists
	// anyway and the delayed job, searching first, finds and records it.
	_ = outcome(ctx, a.Store, a.App, r.StoreID, r.ID, 1, 1, nil, func(tx store.Tx, rr *returns.Return) ([]returns.TimelineEvent, error) {
		return recordMirror(ctx, tx, rr, id)
	})
	return res, true
}

// recordMirror saves that the Ecwid order id mirrors r and returns the
// timeline event saying so; nothing when r is mirrored already.
func recordMirror(ctx context.Context, tx store.Tx, r *returns.Return, id string) ([]returns.TimelineEvent, error) {
	if r.EcwidOrderID != "" {
		return nil, nil
	}
	r.EcwidOrderID = id
	if err := tx.PutEcwidMirror(ctx, r.StoreID, id, r.ID); err != nil {
		return nil, err
	}
	return []returns.TimelineEvent{returns.Note(r, returns.TimelineEcwidOrder, returns.SystemActor("ecwid"), tx.Now(),
		fmt.Sprintf("Ecwid order %s created.", id), map[string]any{"ecwidOrderId": id})}, nil
}

// rmaErrorCode is the errorCode of a failed RMA: Ecwid's errorCode when it
// sent one, else what kind of failure it was.
func rmaErrorCode(err error) string {
	var ae *AddressError
	var ie *InputError
	switch {
	case errors.As(err, &ae):
		return "address_incomplete"
	case errors.As(err, &ie):
		return "invalid_input"
	}
	if e := ecwid.AsError(err); e != nil {
		if e.Code != "" {
			return e.Code
		}
		return fmt.Sprintf("http_%d", e.Status)
	}
	return "unavailable"
}

// searchFirst reports whether a mirror job's metadata asks its first
// attempt to search before creating.
func searchFirst(meta []byte) bool {
	var m map[string]any
	if json.Unmarshal(meta, &m) != nil {
		return false
	}
	b, _ := m[metaSearchFirst].(bool)
	return b
}

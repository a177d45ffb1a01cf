package app

import (
	"context"
	"encoding/json"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// ChangeHook is called in the transaction of every recorded return change,
// after its timeline events and its event are written, with the kinds of
// the change's timeline events. Integrations use it to enqueue the jobs a
// change calls for (e.g. mirroring an approved return into Ecwid); an error
// aborts the change.
type ChangeHook func(ctx context.Context, tx store.Tx, r *returns.Return, changes []string) error

// OnReturnChange registers h to be called for every recorded return
// change. Register hooks before serving: the list is not locked.
func (a *App) OnReturnChange(h ChangeHook) { a.hooks = append(a.hooks, h) }

// RecordChange records one change of r in tx: its timeline events (IDs
// set), a return event whose payload is the return as the change left it
// (returns.ReturnChange, for webhooks), and whatever the registered
// ChangeHooks add. Every use case that changes a return, in this package or
// in an integration, records the change through it.
func (a *App) RecordChange(ctx context.Context, tx store.Tx, r *returns.Return, kind string, evs ...returns.TimelineEvent) error {
	a.counts.changed(r.StoreID)
	changes := make([]string, 0, len(evs))
	for i := range evs {
		if err := tx.AddTimelineEvent(ctx, r.StoreID, &evs[i]); err != nil {
			return err
		}
		changes = append(changes, evs[i].Kind)
	}
	typ := "updated"
	if kind == returns.EventReturnCreated {
		typ = "created"
	}
	payload, err := json.Marshal(returns.ReturnChange{Type: typ, At: tx.Now(), Return: *r, Changes: changes})
	if err != nil {
		return err
	}
	if err := tx.AddEvent(ctx, &returns.Event{StoreID: r.StoreID, Kind: kind, SubjectType: "return", SubjectID: r.ID, Payload: payload}); err != nil {
		return err
	}
	for _, h := range a.hooks {
		if err := h(ctx, tx, r, changes); err != nil {
			return err
		}
	}
	return nil
}

// Package jobs holds Rebound's durable background jobs (River): their
// arguments, which the store enqueues in the same transaction as the change
// that causes them, and their workers.
package jobs

// DispatchEventsArgs asks for a store's undispatched events to be fanned
// out to its subscribers, oldest first. At most one such job per store is
// queued at a time (see store.Tx.AddEvent).
type DispatchEventsArgs struct {
	StoreID string `json:"store_id"`
}

// Kind implements river.JobArgs.
func (DispatchEventsArgs) Kind() string { return "event.dispatch" }

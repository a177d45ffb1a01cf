// Package jobs holds Rebound's durable background jobs (River): their
// arguments, which the store enqueues in the same transaction as the change
// that causes them, and their workers.
package jobs

// DispatchEventArgs asks for one recorded event to be fanned out to the
// store's subscribers.
type DispatchEventArgs struct {
	EventID int64 `json:"event_id"`
}

// Kind implements river.JobArgs.
func (DispatchEventArgs) Kind() string { return "event.dispatch" }

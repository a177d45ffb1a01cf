package loopapi

import (
	"fmt"
	"slices"

	"github.com/reboundhq/rebound/internal/returns"
)

// State is a Loop return state.
type State string

// Loop's return states. Rebound never produces StateExpired (it has no label
// expiry yet); a list filtered on it is empty.
const (
	StateOpen      State = "open"      // outcomes not yet processed
	StateClosed    State = "closed"    // processed, or closed without outcomes
	StateCancelled State = "cancelled" // cancelled: the items may be returned again
	StateExpired   State = "expired"   // never shipped before its label expired
	StateReview    State = "review"    // needs a person: awaiting approval, or flagged
)

// States lists Loop's states in the order of its list filter's enum.
var States = []State{StateOpen, StateClosed, StateCancelled, StateExpired, StateReview}

// DefaultListStates are the states a Detailed Returns List with no state
// parameter returns (Loop leaves cancelled and review out).
var DefaultListStates = []State{StateOpen, StateClosed, StateExpired}

// stateOf is the Loop state of every Rebound status.
var stateOf = map[returns.Status]State{
	returns.StatusNeedsReview: StateReview,
	returns.StatusPreShipment: StateReview,
	returns.StatusOpen:        StateOpen,
	returns.StatusInTransit:   StateOpen,
	returns.StatusDelivered:   StateOpen,
	returns.StatusInReview:    StateOpen,
	returns.StatusFlagged:     StateReview,
	returns.StatusComplete:    StateClosed,
	returns.StatusRejected:    StateClosed,
	returns.StatusDeleted:     StateCancelled,
}

// StateOf returns the Loop state of a Rebound status (see MAPPING.md): the
// approved, not yet processed statuses, inspection (in_review) included, are
// open; the ones that wait for a person are review; complete and rejected
// are closed; deleted is cancelled. An unknown status is open.
func StateOf(s returns.Status) State {
	if st, ok := stateOf[s]; ok {
		return st
	}
	return StateOpen
}

// StatusesIn returns the Rebound statuses whose Loop state is one of states,
// in lifecycle order: what a store query filters on.
func StatusesIn(states ...State) []returns.Status {
	var out []returns.Status
	for _, s := range returns.Statuses {
		if slices.Contains(states, stateOf[s]) {
			out = append(out, s)
		}
	}
	return out
}

// Action is one of Loop's return actions.
type Action string

// Loop's return actions (POST /warehouse/return/{return_id}/ACTION).
const (
	ActionProcess Action = "process"
	ActionFlag    Action = "flag"
	ActionClose   Action = "close"
	ActionCancel  Action = "cancel"
	ActionRemove  Action = "remove"
)

// Actions lists the actions in MAPPING.md's column order.
var Actions = []Action{ActionProcess, ActionFlag, ActionClose, ActionCancel, ActionRemove}

// Effect is what an action does to a Rebound return.
type Effect string

// Effects.
const (
	// EffectProcess: decide every open item as accepted (restocked as the
	// merchant's settings say), compute the final totals, issue the
	// compensation and Complete the return, in one transaction.
	EffectProcess Effect = "process"
	// EffectRemove: reject the listed items, then as EffectProcess for the
	// others (Loop's "remove line items, then process").
	EffectRemove Effect = "remove"
	// EffectCompleteNoAction: SetStatus(complete): Complete with
	// CompleteWithNoAction, no compensation issued; the items stay held.
	EffectCompleteNoAction Effect = "complete_no_action"
	// EffectReject: Reject; the items become returnable again.
	EffectReject Effect = "reject"
	// EffectDelete: Delete (Redo's reset); the items become returnable again.
	EffectDelete Effect = "delete"
	// EffectFlag: Flag.
	EffectFlag Effect = "flag"
	// EffectNone: the return is already in the state the action leads to:
	// answer success and write nothing.
	EffectNone Effect = "none"
	// EffectRefuse: answer Plan.Refusal and write nothing.
	EffectRefuse Effect = "refuse"
)

// RefusalKind is the shape of the body refusing an action.
type RefusalKind string

// Refusal shapes, as Loop's documents name them.
const (
	RefuseMessage RefusalKind = "message" // {"message": ...}
	RefuseState   RefusalKind = "state"   // {"errors": {"message": ..., "code": "UNPROCESSABLE_RETURN"}}
	RefuseContent RefusalKind = "content" // {"content": ...}
)

// Plan is what an action does to a return in a given status.
type Plan struct {
	Effect Effect
	// Target is the status the return ends in (for EffectProcess and
	// EffectRemove, complete; "" when nothing changes).
	Target returns.Status
	// Status is the HTTP status of the answer: 200 for every outcome of
	// process, flag, close and cancel (Loop answers their refusals with 200
	// too), 422 for a refused remove.
	Status int
	// Kind and Message describe the refusal body when Effect is
	// EffectRefuse; see (Plan).Body.
	Kind    RefusalKind
	Message string
}

// Body returns the answer's body: Loop's success value "true" (a JSON
// string), or the refusal object.
func (p Plan) Body() any {
	if p.Effect != EffectRefuse {
		return Success
	}
	switch p.Kind {
	case RefuseState:
		return StateError{Errors: StateErrorDetail{Message: p.Message, Code: CodeUnprocessableReturn}}
	case RefuseContent:
		return ContentError{Content: p.Message}
	}
	return MessageError{Message: p.Message}
}

var verbs = map[Action]string{
	ActionProcess: "processed", ActionFlag: "flagged", ActionClose: "closed", ActionCancel: "cancelled", ActionRemove: "modified",
}

func refuse(a Action, kind RefusalKind, st State) Plan {
	return Plan{Effect: EffectRefuse, Status: 200, Kind: kind, Message: fmt.Sprintf("Return is %s and therefore cannot be %s.", st, verbs[a])}
}

func change(e Effect, to returns.Status) Plan { return Plan{Effect: e, Target: to, Status: 200} }

var none = Plan{Effect: EffectNone, Status: 200}

// planFor is the action table; PlanFor documents it.
func planFor(a Action, s returns.Status) Plan {
	st := StateOf(s)
	switch a {
	case ActionProcess:
		switch st {
		case StateOpen:
			return change(EffectProcess, returns.StatusComplete)
		case StateReview:
			return refuse(a, RefuseMessage, st)
		case StateCancelled:
			return refuse(a, RefuseMessage, st)
		}
		return refuse(a, RefuseState, st)
	case ActionRemove:
		if st == StateOpen {
			return change(EffectRemove, returns.StatusComplete)
		}
		return Plan{Effect: EffectRefuse, Status: 422, Kind: RefuseMessage, Message: "Return cannot be modified."}
	case ActionFlag:
		switch st {
		case StateOpen:
			return change(EffectFlag, returns.StatusFlagged)
		case StateReview:
			return none
		}
		return refuse(a, RefuseState, st)
	case ActionClose:
		switch {
		case st == StateOpen || s == returns.StatusFlagged:
			return change(EffectCompleteNoAction, returns.StatusComplete)
		case st == StateReview:
			return change(EffectReject, returns.StatusRejected)
		case st == StateClosed:
			return none
		}
		return refuse(a, RefuseMessage, st)
	case ActionCancel:
		switch st {
		case StateOpen:
			return change(EffectDelete, returns.StatusDeleted)
		case StateCancelled:
			return none
		case StateReview:
			msg := "Return is review and cannot be cancelled."
			if s == returns.StatusFlagged {
				msg = "Return is flagged and cannot be processed."
			}
			return Plan{Effect: EffectRefuse, Status: 200, Kind: RefuseContent, Message: msg}
		}
		return refuse(a, RefuseState, st)
	}
	return Plan{Effect: EffectRefuse, Status: 404, Kind: RefuseMessage, Message: fmt.Sprintf("Unknown action %q.", a)}
}

// PlanFor returns what Loop's action a does to a return in Rebound status s
// (MAPPING.md has the whole table):
//
//   - process: an open-state return is processed (EffectProcess); a review
//     or cancelled one is refused with {"message"}, a closed one with
//     {"errors": {"code": "UNPROCESSABLE_RETURN"}}. Flagged returns are not
//     processed (Loop's default, without "allow flagged returns to process").
//   - remove: as process, for open-state returns only; others get 422
//     "Return cannot be modified.". Which items qualify is CheckRemoval's.
//   - flag: open-state returns are flagged; review ones already wait for a
//     person (success, no change); closed and cancelled ones are refused.
//   - close: open-state and flagged returns are completed with no action
//     (no outcome fulfilled, items not returnable again: Loop's close);
//     returns awaiting approval are rejected, the only way to close them
//     (their items do become returnable again); closed ones succeed with no
//     change; cancelled ones are refused.
//   - cancel: open-state returns are deleted (items returnable again);
//     cancelled ones succeed with no change; review ones are refused with
//     {"content"}, closed ones with the UNPROCESSABLE_RETURN body.
//
// Every transition PlanFor names is one the lifecycle allows
// (returns.CanTransition); the caller still performs it through the domain
// method, which checks it again. An unknown action gets a 404 refusal.
func PlanFor(a Action, s returns.Status) Plan { return planFor(a, s) }

package returns

// The return lifecycle: Redo's ten statuses and the one function per
// transition that checks it, changes the return and describes the change as a
// timeline event.
//
// # Transitions
//
// The table (Transitions, CanTransition) is the whole truth; every method
// below only performs the subset of it that it names:
//
//	needs_review → open (Approve) | rejected (Reject) | deleted (Delete)
//	pre_shipment → open (Approve) | rejected (Reject) | deleted
//	open         → in_transit (MarkInTransit) | delivered (MarkDelivered)
//	               | flagged (Flag) | complete (Complete) | rejected | deleted
//	in_transit   → delivered (MarkDelivered) | flagged | complete | rejected
//	               | deleted
//	delivered    → in_review (MarkInReview) | flagged | complete | rejected
//	               | deleted
//	in_review    → flagged | complete | rejected | deleted
//	flagged      → its PreviousStatus (Unflag: open, in_transit, delivered
//	               or in_review) | open when flagged from a later status
//	               (UnflagToOpen) | complete | rejected | deleted
//	complete     → open (Reopen) | deleted
//	rejected     → open (Reopen) | deleted
//	deleted      → nothing: a deleted return is final
//
// Decisions beyond DESIGN.md's outline, all in the shopper's or merchant's
// favour where carriers or platforms are imperfect:
//
//   - in_review is inspection: a delivered return whose items the warehouse
//     has started to grade. It is reached from delivered only and leaves for
//     complete (processed), flagged (a problem found) or deleted.
//   - complete may be reached from any approved, not yet final status (open,
//     in_transit, delivered, in_review, flagged): returnless ("keep the item")
//     returns close straight from open, and a warehouse may process a parcel
//     whose carrier never reported delivery.
//   - open → delivered is allowed: carriers sometimes report a delivery
//     without an earlier in-transit scan.
//   - pre_shipment → rejected is allowed: a pre-shipment authorisation can be
//     refused, not only granted.
//   - flagged is resolved by the merchant: back to the status it was flagged
//     from (Unflag), back to open from any status (UnflagToOpen: e.g. a
//     parcel lost in transit that the shopper must send again), or straight
//     to complete or rejected.
//   - rejected may be reached from every status before complete: a merchant
//     may refuse a return after approving it, also once the parcel is on its
//     way or received (Redo's status PUT allows it). Items not yet complete
//     become rejected; nothing issued is reversed.
//   - any status but deleted, needs_review and pre_shipment included, may be
//     deleted (Redo's "reset"); deleted is final.
//   - Status changes to the current status are illegal for the methods (so
//     each call writes exactly one event); SetStatus, which implements the
//     idempotent PUT, treats them as a no-op instead.
//
// # What the caller does with a transition
//
// Every method validates, mutates the *Return in memory and returns one
// TimelineEvent. It has no other effect. In the one store transaction that
// performs the change, the caller:
//
//  1. saves the return (Status, PreviousStatus, item statuses, UpdatedAt,
//     CompleteWithNoAction);
//  2. appends the TimelineEvent to the return's timeline;
//  3. writes an Event for webhook fan-out (Redo's "updated" return webhook)
//     and enqueues the Ecwid mirror job, as for any change to a return.
//
// Quantities held by a return follow from its status (Status.HoldsItems and
// HeldBy), so Delete and Reject release units without further bookkeeping.
// Reopen makes units held again: the caller must check that they are still
// available (CheckQuantities) in the same transaction, with the order locked.
//
// # Errors
//
// Every method returns an EINVALID *Error when actor or at are unusable
// (unknown actor kind, zero time), and a *TransitionError, which unwraps to
// an ECONFLICT *Error naming both statuses, when the return's status does not
// allow the transition. On error the return is left unchanged.

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Status is the status of a return, spelled as Redo's return-status schema
// spells it.
type Status string

// Redo's return statuses.
const (
	StatusNeedsReview Status = "needs_review" // awaiting merchant approval
	StatusPreShipment Status = "pre_shipment" // awaiting pre-shipment merchant authorisation
	StatusOpen        Status = "open"         // approved, awaiting shipment
	StatusInTransit   Status = "in_transit"   // on its way back
	StatusDelivered   Status = "delivered"    // received, awaiting processing
	StatusInReview    Status = "in_review"    // being inspected (Rebound's use; see the package doc above)
	StatusFlagged     Status = "flagged"      // a problem needs merchant action
	StatusComplete    Status = "complete"     // processed
	StatusRejected    Status = "rejected"     // refused by the merchant
	StatusDeleted     Status = "deleted"      // reset: its items are returnable again
)

// Statuses lists every status, in lifecycle order.
var Statuses = []Status{
	StatusNeedsReview, StatusPreShipment, StatusOpen, StatusInTransit, StatusDelivered,
	StatusInReview, StatusFlagged, StatusComplete, StatusRejected, StatusDeleted,
}

// WritableStatuses are the statuses Redo's PUT /returns/{id}/status accepts
// (return-status-update.schema); see (*Return).SetStatus.
var WritableStatuses = []Status{StatusComplete, StatusOpen, StatusFlagged, StatusRejected, StatusDeleted}

// InitialStatuses are the statuses a return may be created in.
var InitialStatuses = []Status{StatusNeedsReview, StatusPreShipment, StatusOpen}

// Valid reports whether s is one of the ten statuses.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Writable reports whether s may be set through Redo's status PUT.
func (s Status) Writable() bool { return slices.Contains(WritableStatuses, s) }

// HoldsItems reports whether a return in status s holds its items' units, so
// that they cannot be claimed by another return: true for every status but
// rejected and deleted. (A return awaiting review already holds its units, so
// that two pending requests cannot claim the same unit.)
func (s Status) HoldsItems() bool { return s.Valid() && s != StatusRejected && s != StatusDeleted }

// ParseStatus returns s as a Status, or an EINVALID *Error (Field "status")
// naming the valid statuses when it is not one.
func ParseStatus(s string) (Status, error) {
	st := Status(s)
	if !st.Valid() {
		return "", &Error{Code: EINVALID, Field: "status", Message: fmt.Sprintf("unknown status %q; expected one of %s", s, joinStatuses(Statuses))}
	}
	return st, nil
}

func joinStatuses(ss []Status) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, ", ")
}

// flowStatuses are the statuses a return can be flagged from and returns to
// when unflagged.
var flowStatuses = []Status{StatusOpen, StatusInTransit, StatusDelivered, StatusInReview}

// transitions is the lifecycle table: from → the statuses it may go to.
// flagged → in_transit/delivered/in_review is allowed only back to the
// return's PreviousStatus; flagged → open always (Unflag or UnflagToOpen).
var transitions = map[Status][]Status{
	StatusNeedsReview: {StatusOpen, StatusRejected, StatusDeleted},
	StatusPreShipment: {StatusOpen, StatusRejected, StatusDeleted},
	StatusOpen:        {StatusInTransit, StatusDelivered, StatusFlagged, StatusComplete, StatusRejected, StatusDeleted},
	StatusInTransit:   {StatusDelivered, StatusFlagged, StatusComplete, StatusRejected, StatusDeleted},
	StatusDelivered:   {StatusInReview, StatusFlagged, StatusComplete, StatusRejected, StatusDeleted},
	StatusInReview:    {StatusFlagged, StatusComplete, StatusRejected, StatusDeleted},
	StatusFlagged:     {StatusOpen, StatusInTransit, StatusDelivered, StatusInReview, StatusComplete, StatusRejected, StatusDeleted},
	StatusComplete:    {StatusOpen, StatusDeleted},
	StatusRejected:    {StatusOpen, StatusDeleted},
	StatusDeleted:     nil,
}

// Transitions returns the statuses a return in status from may move to, in
// lifecycle order (a new slice; nil for deleted and unknown statuses). For
// flagged it lists every status Unflag could return to; a given return may
// only go back to its PreviousStatus.
func Transitions(from Status) []Status { return slices.Clone(transitions[from]) }

// CanTransition reports whether the table allows from → to. It ignores
// PreviousStatus; (*Return).Can does not.
func CanTransition(from, to Status) bool { return slices.Contains(transitions[from], to) }

// Can reports whether r may move to status to now: CanTransition, and for a
// flagged return going back into the flow past open, to must be its
// PreviousStatus (a flagged return may always go back to open).
func (r *Return) Can(to Status) bool {
	if !CanTransition(r.Status, to) {
		return false
	}
	if r.Status == StatusFlagged && to != StatusOpen && slices.Contains(flowStatuses, to) {
		return to == r.PreviousStatus
	}
	return true
}

// TransitionError is the error of a status change the lifecycle does not
// allow. It unwraps to an ECONFLICT *Error whose message names both
// statuses, so ErrorCode/ErrorMessage work on it; the HTTP layer can get
// From and To with errors.As to put them in the 409 problem body.
type TransitionError struct {
	From   Status // the return's status
	To     Status // the requested status ("" when unflagging a return with no PreviousStatus)
	Action string // the verb attempted, e.g. "approve"
}

func (e *TransitionError) Error() string { return e.conflict().Error() }

// Unwrap returns the ECONFLICT *Error describing e.
func (e *TransitionError) Unwrap() error { return e.conflict() }

func (e *TransitionError) conflict() *Error {
	to := string(e.To)
	if to == "" {
		to = "(none)"
	}
	return &Error{Code: ECONFLICT, Message: fmt.Sprintf("cannot %s a return whose status is %s (requested status: %s)", e.Action, e.From, to)}
}

// ItemStatus is the status of one returned item. Redo leaves item statuses
// free-form; Rebound uses these three.
type ItemStatus string

const (
	ItemOpen     ItemStatus = "open"     // requested, not yet decided
	ItemComplete ItemStatus = "complete" // processed (restocked, disposed, ...)
	ItemRejected ItemStatus = "rejected" // refused; its units are not held
)

// Compensation is how the shopper is made whole, one of Redo's
// compensationMethods.
type Compensation string

const (
	CompensationRefund      Compensation = "refund"
	CompensationStoreCredit Compensation = "store_credit"
	CompensationExchange    Compensation = "exchange"
)

// Valid reports whether c is one of the three methods.
func (c Compensation) Valid() bool {
	return c == CompensationRefund || c == CompensationStoreCredit || c == CompensationExchange
}

// Return is a request to send back some units of one order's lines.
type Return struct {
	ID      string `json:"id"` // 24 hex, as NewID
	StoreID string `json:"storeId"`
	OrderID string `json:"orderId"` // Order.ID (Redo's order redoId)
	Status  Status `json:"status"`
	// PreviousStatus is the status a flagged return was flagged from, where
	// Unflag takes it back; "" unless Status is flagged.
	PreviousStatus Status       `json:"previousStatus,omitempty"`
	Items          []ReturnItem `json:"items"`
	Compensation   Compensation `json:"compensation"`
	// CompleteWithNoAction is Redo's completeWithNoAction: the return was
	// completed through the status API (SetStatus), which issues no
	// compensation. Reopen clears it.
	CompleteWithNoAction bool      `json:"completeWithNoAction,omitempty"`
	CreatedAt            time.Time `json:"createdAt"`
	UpdatedAt            time.Time `json:"updatedAt"`

	// The rest describes the return; the lifecycle methods do not read it.
	// See detail.go.
	ReturnDetail
}

// ReturnItem is some units of one order line in a return. A return may hold
// several items for the same line (e.g. one unit "damaged", one "too small").
type ReturnItem struct {
	ID              string     `json:"id"`
	OrderLineID     string     `json:"orderLineId"`          // OrderLine.ID
	Quantity        int        `json:"quantity"`             // ≥ 1
	Reason          string     `json:"reason,omitempty"`     // the reason's label as the shopper saw it
	ReasonCode      string     `json:"reasonCode,omitempty"` // Reason.Code, when the policy has reasons
	CustomerComment string     `json:"customerComment,omitempty"`
	Status          ItemStatus `json:"status"`

	// The rest describes the item; the lifecycle methods do not read it.
	ItemDetail
}

// Quantities returns the units r asks for per order line (the sum over its
// items), whatever r's status.
func (r *Return) Quantities() map[string]int {
	q := make(map[string]int, len(r.Items))
	for _, it := range r.Items {
		q[it.OrderLineID] += it.Quantity
	}
	return q
}

// Actor kinds.
const (
	ActorAPIKey   = "api_key"  // an API client; ID is the key's id
	ActorMerchant = "merchant" // a merchant user in the admin
	ActorShopper  = "shopper"  // the customer, in the portal
	ActorSystem   = "system"   // Rebound itself: carrier tracking, platform webhooks, jobs
)

// Actor is who caused a timeline event. The domain records actors and does
// not authorise them: which actor may perform which transition is the
// adapters' concern.
type Actor struct {
	Kind string `json:"kind"` // one of the Actor* kinds
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// KeyActor is the actor of a change made with an API key: named by the
// key's label (else "API key ID"), followed by via when not empty
// ("erp (Loop API)").
func KeyActor(k *APIKey, via string) Actor {
	name := k.Label
	if name == "" {
		name = "API key " + k.ID
	}
	if via != "" {
		name += " (" + via + ")"
	}
	return Actor{Kind: ActorAPIKey, ID: k.ID, Name: name}
}

// SystemActor returns the system actor with the given name (e.g. "tracking").
func SystemActor(name string) Actor { return Actor{Kind: ActorSystem, Name: name} }

func (a Actor) validate() error {
	switch a.Kind {
	case ActorAPIKey, ActorMerchant, ActorShopper, ActorSystem:
		return nil
	}
	return &Error{Code: EINVALID, Field: "actor.kind", Message: fmt.Sprintf("unknown actor kind %q", a.Kind)}
}

// Timeline event kinds written by the lifecycle. Other parts of Rebound
// (comments, processing, shipments) add kinds of their own.
const (
	TimelineCreated   = "return.created"
	TimelineApproved  = "return.approved"
	TimelineRejected  = "return.rejected"
	TimelineInTransit = "return.in_transit"
	TimelineDelivered = "return.delivered"
	TimelineInReview  = "return.in_review"
	TimelineFlagged   = "return.flagged"
	TimelineUnflagged = "return.unflagged"
	TimelineCompleted = "return.completed"
	TimelineReopened  = "return.reopened"
	TimelineDeleted   = "return.deleted"
)

// TimelineEvent is one entry of a return's timeline: who did what, when, and
// why. For status changes From and To are the statuses before and after; for
// creation From is "".
type TimelineEvent struct {
	ID       int64     `json:"id,omitempty"` // assigned by the store; 0 until saved
	ReturnID string    `json:"returnId"`
	Kind     string    `json:"kind"` // one of the Timeline* kinds
	Actor    Actor     `json:"actor"`
	At       time.Time `json:"at"`
	From     Status    `json:"from,omitempty"`
	To       Status    `json:"to,omitempty"`
	// Message is the why given to the transition or, when none was given, a
	// short default sentence ("Return approved.").
	Message string         `json:"message"`
	Data    map[string]any `json:"data,omitempty"`
}

// CreateReturn validates a new return and returns it in its initial status
// with the "return.created" timeline event. From r it uses ID (a NewID(at)
// when empty), StoreID, OrderID, Status (one of InitialStatuses, typically
// Policy.InitialStatus), Compensation and Items (OrderLineID, Quantity,
// Reason, ReasonCode, CustomerComment; an empty item ID becomes NewID(at));
// it sets every item's status to open, CreatedAt and UpdatedAt to at and
// clears PreviousStatus and CompleteWithNoAction.
//
// CreateReturn checks the return's shape only. Whether the order's lines may
// be returned in these quantities is CheckRequest's business, and whether a
// reason code is one of the policy's is Policy.CheckReason's; the caller
// runs both first, in the same transaction, with the order locked.
//
// It returns an EINVALID *Error, Field naming the input, when an id is
// missing, the status is not an initial status, the compensation is unknown,
// there are no items, or an item has no order line or a quantity below 1.
func CreateReturn(r Return, actor Actor, at time.Time) (Return, TimelineEvent, error) {
	if err := checkEventInput(actor, at); err != nil {
		return Return{}, TimelineEvent{}, err
	}
	switch {
	case r.StoreID == "":
		return Return{}, TimelineEvent{}, invalid("storeId", "must not be empty")
	case r.OrderID == "" && r.Provider != ProviderExternal:
		return Return{}, TimelineEvent{}, invalid("orderId", "must not be empty (only imported returns, provider external, have no order)")
	case !slices.Contains(InitialStatuses, r.Status):
		return Return{}, TimelineEvent{}, invalid("status", fmt.Sprintf("a new return's status must be one of %s, not %q", joinStatuses(InitialStatuses), r.Status))
	case !r.Compensation.Valid():
		return Return{}, TimelineEvent{}, invalid("compensation", fmt.Sprintf("unknown compensation method %q; expected refund, store_credit or exchange", r.Compensation))
	case len(r.Items) == 0:
		return Return{}, TimelineEvent{}, invalid("items", "a return needs at least one item")
	}
	items := slices.Clone(r.Items)
	for i := range items {
		it := &items[i]
		field := fmt.Sprintf("items[%d]", i)
		switch {
		case it.OrderLineID == "":
			return Return{}, TimelineEvent{}, invalid(field+".orderLineId", "must not be empty")
		case it.Quantity < 1:
			return Return{}, TimelineEvent{}, invalid(field+".quantity", "must be at least 1")
		}
		if it.ID == "" {
			it.ID = NewID(at)
		}
		it.Status = ItemOpen
	}
	r.Items = items
	if r.ID == "" {
		r.ID = NewID(at)
	}
	r.PreviousStatus = ""
	r.CompleteWithNoAction = false
	r.CreatedAt, r.UpdatedAt = at, at
	ev := TimelineEvent{
		ReturnID: r.ID, Kind: TimelineCreated, Actor: actor, At: at, To: r.Status,
		Message: "Return created.",
	}
	return r, ev, nil
}

func checkEventInput(actor Actor, at time.Time) error {
	if err := actor.validate(); err != nil {
		return err
	}
	if at.IsZero() {
		return invalid("at", "the time of the change must be set")
	}
	return nil
}

// move performs one transition after every check: from must be one of the
// statuses the action starts from, and r.Can(to) must hold. It sets the new
// status and UpdatedAt, and returns the event; apply, when not nil, runs
// before the status changes and may fill the event's Data.
func (r *Return) move(action, kind string, froms []Status, to Status, actor Actor, at time.Time, why, dflt string, apply func(ev *TimelineEvent)) (TimelineEvent, error) {
	if err := checkEventInput(actor, at); err != nil {
		return TimelineEvent{}, err
	}
	if !slices.Contains(froms, r.Status) || !r.Can(to) {
		return TimelineEvent{}, &TransitionError{From: r.Status, To: to, Action: action}
	}
	msg := strings.TrimSpace(why)
	if msg == "" {
		msg = dflt
	}
	ev := TimelineEvent{ReturnID: r.ID, Kind: kind, Actor: actor, At: at, From: r.Status, To: to, Message: msg}
	if apply != nil {
		apply(&ev)
	}
	if to == StatusFlagged {
		r.PreviousStatus = r.Status
	} else {
		r.PreviousStatus = ""
	}
	r.Status = to
	r.UpdatedAt = at
	return ev, nil
}

// setItems sets the status of every item whose status is in from.
func (r *Return) setItems(to ItemStatus, from ...ItemStatus) {
	for i := range r.Items {
		if slices.Contains(from, r.Items[i].Status) {
			r.Items[i].Status = to
		}
	}
}

// Approve accepts a return awaiting review or pre-shipment authorisation:
// needs_review | pre_shipment → open. Items are unchanged (open).
func (r *Return) Approve(actor Actor, at time.Time, why string) (TimelineEvent, error) {
	return r.move("approve", TimelineApproved, []Status{StatusNeedsReview, StatusPreShipment}, StatusOpen, actor, at, why, "Return approved.", nil)
}

// Reject refuses a return: needs_review | pre_shipment | open | in_transit |
// delivered | in_review | flagged → rejected (every status before complete).
// Every item not yet complete becomes rejected, so the return's units are
// returnable again.
func (r *Return) Reject(actor Actor, at time.Time, why string) (TimelineEvent, error) {
	froms := []Status{StatusNeedsReview, StatusPreShipment, StatusOpen, StatusInTransit, StatusDelivered, StatusInReview, StatusFlagged}
	ev, err := r.move("reject", TimelineRejected, froms, StatusRejected, actor, at, why, "Return rejected.", nil)
	if err == nil {
		r.setItems(ItemRejected, ItemOpen)
	}
	return ev, err
}

// MarkInTransit records that the parcel is on its way back: open →
// in_transit. Typically the system actor, from carrier tracking.
func (r *Return) MarkInTransit(actor Actor, at time.Time, why string) (TimelineEvent, error) {
	return r.move("mark in transit", TimelineInTransit, []Status{StatusOpen}, StatusInTransit, actor, at, why, "Return shipment in transit.", nil)
}

// MarkDelivered records that the parcel reached the merchant: open |
// in_transit → delivered. (A delivery may be reported without an in-transit
// scan.) While a return is flagged, tracking updates get a TransitionError;
// the tracking worker may ignore it and the merchant's Unflag decides.
func (r *Return) MarkDelivered(actor Actor, at time.Time, why string) (TimelineEvent, error) {
	return r.move("mark delivered", TimelineDelivered, []Status{StatusOpen, StatusInTransit}, StatusDelivered, actor, at, why, "Return shipment delivered.", nil)
}

// MarkInReview records that inspection of the delivered items has begun:
// delivered → in_review.
func (r *Return) MarkInReview(actor Actor, at time.Time, why string) (TimelineEvent, error) {
	return r.move("start reviewing", TimelineInReview, []Status{StatusDelivered}, StatusInReview, actor, at, why, "Return inspection started.", nil)
}

// Flag marks a problem that needs merchant action: open | in_transit |
// delivered | in_review → flagged. The status flagged from is kept in
// PreviousStatus, and in the event's Data as "previousStatus".
func (r *Return) Flag(actor Actor, at time.Time, why string) (TimelineEvent, error) {
	return r.move("flag", TimelineFlagged, flowStatuses, StatusFlagged, actor, at, why, "Return flagged.", func(ev *TimelineEvent) {
		ev.Data = map[string]any{"previousStatus": string(r.Status)}
	})
}

// Unflag resolves a flag by resuming the flow: flagged → PreviousStatus.
// The TransitionError of a return that is not flagged names PreviousStatus
// (possibly "") as the requested status.
func (r *Return) Unflag(actor Actor, at time.Time, why string) (TimelineEvent, error) {
	to := r.PreviousStatus
	if r.Status != StatusFlagged || !slices.Contains(flowStatuses, to) {
		if err := checkEventInput(actor, at); err != nil {
			return TimelineEvent{}, err
		}
		return TimelineEvent{}, &TransitionError{From: r.Status, To: to, Action: "unflag"}
	}
	return r.move("unflag", TimelineUnflagged, []Status{StatusFlagged}, to, actor, at, why, "Flag resolved.", nil)
}

// UnflagToOpen resolves a flag by sending the return back to open (awaiting
// shipment) although it was flagged from a later status: flagged → open when
// PreviousStatus is not open (e.g. a parcel lost in transit that the shopper
// must send again). A return flagged from open goes back with Unflag. The
// event is a "return.unflagged" whose Data has the status the return was
// flagged from as "previousStatus".
func (r *Return) UnflagToOpen(actor Actor, at time.Time, why string) (TimelineEvent, error) {
	if r.Status == StatusFlagged && r.PreviousStatus == StatusOpen {
		if err := checkEventInput(actor, at); err != nil {
			return TimelineEvent{}, err
		}
		return TimelineEvent{}, &TransitionError{From: r.Status, To: StatusOpen, Action: "unflag to open"}
	}
	prev := r.PreviousStatus
	return r.move("unflag to open", TimelineUnflagged, []Status{StatusFlagged}, StatusOpen, actor, at, why, "Flag resolved; the return awaits shipment again.", func(ev *TimelineEvent) {
		ev.Data = map[string]any{"previousStatus": string(prev)}
	})
}

// Complete marks the return processed: open | in_transit | delivered |
// in_review | flagged → complete. Every open item becomes complete; rejected
// items stay rejected. Complete issues nothing: compensation is the
// processing code's, which calls Complete once every item is decided (see
// SetStatus for completing with no action).
func (r *Return) Complete(actor Actor, at time.Time, why string) (TimelineEvent, error) {
	ev, err := r.move("complete", TimelineCompleted, []Status{StatusOpen, StatusInTransit, StatusDelivered, StatusInReview, StatusFlagged}, StatusComplete, actor, at, why, "Return completed.", nil)
	if err == nil {
		r.setItems(ItemComplete, ItemOpen)
	}
	return ev, err
}

// Reopen reopens a processed or rejected return: complete | rejected → open.
// Every item becomes open again and CompleteWithNoAction is cleared; refunds,
// store credit and exchanges already issued are not reversed (Redo's rule).
// The reopened return holds its units again: the caller checks them with
// CheckQuantities first.
func (r *Return) Reopen(actor Actor, at time.Time, why string) (TimelineEvent, error) {
	ev, err := r.move("reopen", TimelineReopened, []Status{StatusComplete, StatusRejected}, StatusOpen, actor, at, why, "Return reopened.", nil)
	if err == nil {
		r.setItems(ItemOpen, ItemComplete, ItemRejected)
		r.CompleteWithNoAction = false
	}
	return ev, err
}

// Delete resets the return (Redo's "deleted"): any status but deleted →
// deleted. Its units become returnable again. Items keep their statuses, for
// the record; nothing already issued is reversed, so deleting a completed
// return that was compensated lets the same units be compensated again — the
// admin should warn before doing it.
func (r *Return) Delete(actor Actor, at time.Time, why string) (TimelineEvent, error) {
	froms := slices.DeleteFunc(slices.Clone(Statuses), func(s Status) bool { return s == StatusDeleted })
	return r.move("delete", TimelineDeleted, froms, StatusDeleted, actor, at, why, "Return deleted.", nil)
}

// SetStatus implements Redo's PUT /returns/{id}/status: it moves r to target
// by dispatching to the transition methods, and reports whether anything
// changed.
//
//   - complete: Complete, and CompleteWithNoAction is set (the status API
//     issues no compensation; Redo: "marks all items complete"). The event's
//     Data has "noAction": true.
//   - open: Approve from needs_review or pre_shipment, Reopen from complete
//     or rejected, and from flagged Unflag when the return was flagged from
//     open, UnflagToOpen otherwise.
//   - flagged: Flag. rejected: Reject. deleted: Delete.
//
// Setting the current status is a no-op, as befits a PUT: changed is false,
// the event is the zero value and r is untouched; the caller writes nothing.
//
// It returns an EINVALID *Error (Field "status") when target is unknown or
// not one of WritableStatuses, and the methods' errors otherwise (a
// *TransitionError when the lifecycle does not allow the change).
func (r *Return) SetStatus(target Status, actor Actor, at time.Time, why string) (ev TimelineEvent, changed bool, err error) {
	if _, err := ParseStatus(string(target)); err != nil {
		return TimelineEvent{}, false, err
	}
	if !target.Writable() {
		return TimelineEvent{}, false, invalid("status", fmt.Sprintf("status %s cannot be set; expected one of %s", target, joinStatuses(WritableStatuses)))
	}
	if err := checkEventInput(actor, at); err != nil {
		return TimelineEvent{}, false, err
	}
	if target == r.Status {
		return TimelineEvent{}, false, nil
	}
	switch target {
	case StatusComplete:
		ev, err = r.Complete(actor, at, why)
		if err == nil {
			r.CompleteWithNoAction = true
			ev.Data = map[string]any{"noAction": true}
		}
	case StatusOpen:
		switch r.Status {
		case StatusNeedsReview, StatusPreShipment:
			ev, err = r.Approve(actor, at, why)
		case StatusComplete, StatusRejected:
			ev, err = r.Reopen(actor, at, why)
		case StatusFlagged:
			if r.PreviousStatus == StatusOpen {
				ev, err = r.Unflag(actor, at, why)
			} else {
				ev, err = r.UnflagToOpen(actor, at, why)
			}
		default:
			err = &TransitionError{From: r.Status, To: StatusOpen, Action: "open"}
		}
	case StatusFlagged:
		ev, err = r.Flag(actor, at, why)
	case StatusRejected:
		ev, err = r.Reject(actor, at, why)
	case StatusDeleted:
		ev, err = r.Delete(actor, at, why)
	}
	if err != nil {
		return TimelineEvent{}, false, err
	}
	return ev, true, nil
}

// Held is how many units of each order line (by OrderLine.ID) other returns
// already hold. See HeldBy.
type Held map[string]int

// HeldBy sums the units held by the given returns of one order: the items,
// except rejected ones, of every return whose status HoldsItems. The return
// with ID except (typically the one being created or reopened; "" for none)
// is left out.
func HeldBy(rs []Return, except string) Held {
	h := make(Held)
	for i := range rs {
		r := &rs[i]
		if (except != "" && r.ID == except) || !r.Status.HoldsItems() {
			continue
		}
		for _, it := range r.Items {
			if it.Status != ItemRejected && it.Quantity > 0 {
				h[it.OrderLineID] += it.Quantity
			}
		}
	}
	return h
}

// IsTransitionError reports whether err is or wraps a *TransitionError and
// returns it.
func IsTransitionError(err error) (*TransitionError, bool) {
	var te *TransitionError
	ok := errors.As(err, &te)
	return te, ok
}

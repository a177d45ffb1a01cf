package returns

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	t0       = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tChange  = t0.Add(48 * time.Hour)
	merchant = Actor{Kind: ActorMerchant, ID: "u1", Name: "Ada"}
)

// testReturn is a return in status s with one open and one rejected item.
// prev is its PreviousStatus (meaningful when s is flagged).
func testReturn(s, prev Status) *Return {
	return &Return{
		ID: "r1", StoreID: "s1", OrderID: "o1", Status: s, PreviousStatus: prev,
		Compensation: CompensationRefund,
		Items: []ReturnItem{
			{ID: "i1", OrderLineID: "l1", Quantity: 2, Status: ItemOpen},
			{ID: "i2", OrderLineID: "l2", Quantity: 1, Status: ItemRejected},
		},
		CreatedAt: t0, UpdatedAt: t0,
	}
}

type transitionFunc func(*Return, Actor, time.Time, string) (TimelineEvent, error)

// The methods, by name, with the event kind each writes.
var methods = []struct {
	name string
	kind string
	fn   transitionFunc
}{
	{"Approve", TimelineApproved, (*Return).Approve},
	{"Reject", TimelineRejected, (*Return).Reject},
	{"MarkInTransit", TimelineInTransit, (*Return).MarkInTransit},
	{"MarkDelivered", TimelineDelivered, (*Return).MarkDelivered},
	{"MarkInReview", TimelineInReview, (*Return).MarkInReview},
	{"Flag", TimelineFlagged, (*Return).Flag},
	{"Unflag", TimelineUnflagged, (*Return).Unflag},
	{"UnflagToOpen", TimelineUnflagged, (*Return).UnflagToOpen},
	{"Complete", TimelineCompleted, (*Return).Complete},
	{"Reopen", TimelineReopened, (*Return).Reopen},
	{"Delete", TimelineDeleted, (*Return).Delete},
}

// legal is the lifecycle, written out independently of the table in
// status.go: from → to → the one method that performs it. flagged → open is
// Unflag when the return was flagged from open, UnflagToOpen otherwise
// (see aim).
var legal = map[Status]map[Status]string{
	StatusNeedsReview: {StatusOpen: "Approve", StatusRejected: "Reject", StatusDeleted: "Delete"},
	StatusPreShipment: {StatusOpen: "Approve", StatusRejected: "Reject", StatusDeleted: "Delete"},
	StatusOpen: {StatusInTransit: "MarkInTransit", StatusDelivered: "MarkDelivered", StatusFlagged: "Flag",
		StatusComplete: "Complete", StatusRejected: "Reject", StatusDeleted: "Delete"},
	StatusInTransit: {StatusDelivered: "MarkDelivered", StatusFlagged: "Flag", StatusComplete: "Complete", StatusRejected: "Reject", StatusDeleted: "Delete"},
	StatusDelivered: {StatusInReview: "MarkInReview", StatusFlagged: "Flag", StatusComplete: "Complete", StatusRejected: "Reject", StatusDeleted: "Delete"},
	StatusInReview:  {StatusFlagged: "Flag", StatusComplete: "Complete", StatusRejected: "Reject", StatusDeleted: "Delete"},
	StatusFlagged: {StatusOpen: "Unflag|UnflagToOpen", StatusInTransit: "Unflag", StatusDelivered: "Unflag", StatusInReview: "Unflag",
		StatusComplete: "Complete", StatusRejected: "Reject", StatusDeleted: "Delete"},
	StatusComplete: {StatusOpen: "Reopen", StatusDeleted: "Delete"},
	StatusRejected: {StatusOpen: "Reopen", StatusDeleted: "Delete"},
	StatusDeleted:  {},
}

// aim returns the status method takes a return in status from (flagged from
// prev) to, and whether the lifecycle allows it: Unflag goes back to prev,
// UnflagToOpen to open when prev is not open.
func aim(from, prev Status, method string) (Status, bool) {
	for target, meths := range legal[from] {
		if !slices.Contains(strings.Split(meths, "|"), method) {
			continue
		}
		switch {
		case method == "Unflag" && target != prev:
		case method == "UnflagToOpen" && prev == StatusOpen:
		default:
			return target, true
		}
	}
	return "", false
}

func cloneReturn(r *Return) *Return {
	c := *r
	c.Items = slices.Clone(r.Items)
	return &c
}

// TestTransitionsExhaustive runs every method on a return in every status
// (and, for flagged, with every previous status) and checks that exactly the
// legal transitions succeed, each writing the expected event, and that every
// other attempt is a 409 naming both statuses and leaves the return as it
// was.
func TestTransitionsExhaustive(t *testing.T) {
	if len(Statuses) != 10 {
		t.Fatalf("%d statuses, want Redo's 10", len(Statuses))
	}
	for _, from := range Statuses {
		for _, to := range Statuses {
			_, want := legal[from][to]
			if got := CanTransition(from, to); got != want {
				t.Errorf("CanTransition(%s, %s) = %v, want %v", from, to, got, want)
			}
		}
		if got, want := len(Transitions(from)), len(legal[from]); got != want {
			t.Errorf("Transitions(%s) = %v, want %d statuses", from, Transitions(from), want)
		}
	}

	prevs := map[Status][]Status{StatusFlagged: {StatusOpen, StatusInTransit, StatusDelivered, StatusInReview}}
	for _, from := range Statuses {
		for _, prev := range append(prevs[from], "") {
			if from == StatusFlagged && prev == "" {
				continue
			}
			for _, m := range methods {
				name := fmt.Sprintf("%s(prev=%s)/%s", from, prev, m.name)
				t.Run(name, func(t *testing.T) {
					r := testReturn(from, prev)
					before := cloneReturn(r)
					ev, err := m.fn(r, merchant, tChange, "because")

					// Which status does this method aim at, and is it legal here?
					to, okWant := aim(from, prev, m.name)
					if okWant {
						if err != nil {
							t.Fatalf("%s → %s: %v", from, to, err)
						}
						want := TimelineEvent{ReturnID: "r1", Kind: m.kind, Actor: merchant, At: tChange, From: from, To: to, Message: "because"}
						switch m.name {
						case "Flag":
							want.Data = map[string]any{"previousStatus": string(from)}
						case "UnflagToOpen":
							want.Data = map[string]any{"previousStatus": string(prev)}
						}
						if !reflect.DeepEqual(ev, want) {
							t.Errorf("event = %+v\nwant    %+v", ev, want)
						}
						if r.Status != to || !r.UpdatedAt.Equal(tChange) {
							t.Errorf("return now %s updated %v, want %s at %v", r.Status, r.UpdatedAt, to, tChange)
						}
						wantPrev := Status("")
						if to == StatusFlagged {
							wantPrev = from
						}
						if r.PreviousStatus != wantPrev {
							t.Errorf("PreviousStatus = %q, want %q", r.PreviousStatus, wantPrev)
						}
						return
					}
					if err == nil {
						t.Fatalf("succeeded (%+v), want a conflict", ev)
					}
					if !reflect.DeepEqual(r, before) {
						t.Errorf("return changed by a refused transition:\n%+v\nwas %+v", r, before)
					}
					if !reflect.DeepEqual(ev, TimelineEvent{}) {
						t.Errorf("event %+v on error", ev)
					}
					te, ok := IsTransitionError(err)
					if !ok {
						t.Fatalf("error %v is not a *TransitionError", err)
					}
					if te.From != from {
						t.Errorf("TransitionError.From = %s, want %s", te.From, from)
					}
					if ErrorCode(err) != ECONFLICT {
						t.Errorf("ErrorCode = %q, want conflict", ErrorCode(err))
					}
					var ae *Error
					if !errors.As(err, &ae) || ae.Code != ECONFLICT {
						t.Fatalf("errors.As(*Error) = %v", ae)
					}
					if !strings.Contains(ae.Message, string(from)) {
						t.Errorf("message %q does not name the current status %s", ae.Message, from)
					}
					if te.To != "" && !strings.Contains(ae.Message, string(te.To)) {
						t.Errorf("message %q does not name the requested status %s", ae.Message, te.To)
					}
				})
			}
		}
	}
}

// The requested status in a TransitionError is the method's target.
func TestTransitionErrorNamesTarget(t *testing.T) {
	cases := []struct {
		from, prev Status
		fn         transitionFunc
		to         Status
	}{
		{StatusComplete, "", (*Return).Approve, StatusOpen},
		{StatusComplete, "", (*Return).Reject, StatusRejected},
		{StatusDelivered, "", (*Return).MarkInTransit, StatusInTransit},
		{StatusComplete, "", (*Return).MarkDelivered, StatusDelivered},
		{StatusOpen, "", (*Return).MarkInReview, StatusInReview},
		{StatusNeedsReview, "", (*Return).Flag, StatusFlagged},
		{StatusOpen, "", (*Return).Unflag, ""},
		{StatusFlagged, StatusOpen, (*Return).UnflagToOpen, StatusOpen},
		{StatusInTransit, "", (*Return).UnflagToOpen, StatusOpen},
		{StatusNeedsReview, "", (*Return).Complete, StatusComplete},
		{StatusOpen, "", (*Return).Reopen, StatusOpen},
		{StatusDeleted, "", (*Return).Delete, StatusDeleted},
	}
	for _, c := range cases {
		_, err := c.fn(testReturn(c.from, c.prev), merchant, tChange, "")
		te, ok := IsTransitionError(err)
		if !ok || te.From != c.from || te.To != c.to {
			t.Errorf("from %s: error %#v, want From %s To %q", c.from, err, c.from, c.to)
		}
	}
	err := &TransitionError{From: StatusComplete, To: StatusInTransit, Action: "mark in transit"}
	if got, want := err.Error(), "conflict: cannot mark in transit a return whose status is complete (requested status: in_transit)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got := ErrorMessage(fmt.Errorf("wrapped: %w", err)); !strings.Contains(got, "complete") || !strings.Contains(got, "in_transit") {
		t.Errorf("ErrorMessage through a wrap = %q", got)
	}
}

// A flagged return goes back into the flow only to the status it was flagged
// from, or to open.
func TestFlagUnflagRoundTrip(t *testing.T) {
	for _, from := range []Status{StatusOpen, StatusInTransit, StatusDelivered, StatusInReview} {
		r := testReturn(from, "")
		ev, err := r.Flag(merchant, tChange, "")
		if err != nil {
			t.Fatal(err)
		}
		if ev.Message != "Return flagged." || ev.Data["previousStatus"] != string(from) {
			t.Errorf("flag event %+v", ev)
		}
		if r.Status != StatusFlagged || r.PreviousStatus != from {
			t.Fatalf("after Flag: %s prev %s", r.Status, r.PreviousStatus)
		}
		for _, other := range []Status{StatusOpen, StatusInTransit, StatusDelivered, StatusInReview} {
			if got := r.Can(other); got != (other == from || other == StatusOpen) {
				t.Errorf("flagged from %s: Can(%s) = %v", from, other, got)
			}
		}
		ev, err = r.Unflag(SystemActor("rules"), tChange.Add(time.Hour), "  checked  ")
		if err != nil {
			t.Fatal(err)
		}
		want := TimelineEvent{ReturnID: "r1", Kind: TimelineUnflagged, Actor: Actor{Kind: ActorSystem, Name: "rules"},
			At: tChange.Add(time.Hour), From: StatusFlagged, To: from, Message: "checked"}
		if !reflect.DeepEqual(ev, want) {
			t.Errorf("unflag event %+v, want %+v", ev, want)
		}
		if r.Status != from || r.PreviousStatus != "" {
			t.Errorf("after Unflag: %s prev %q", r.Status, r.PreviousStatus)
		}
	}
	// A flagged return with a PreviousStatus outside the flow cannot be
	// unflagged (corrupt data is a conflict, not a panic).
	r := testReturn(StatusFlagged, StatusComplete)
	if _, err := r.Unflag(merchant, tChange, ""); ErrorCode(err) != ECONFLICT {
		t.Errorf("Unflag with previous complete: %v", err)
	}
}

func TestDefaultMessages(t *testing.T) {
	cases := []struct {
		from Status
		fn   transitionFunc
		msg  string
	}{
		{StatusNeedsReview, (*Return).Approve, "Return approved."},
		{StatusNeedsReview, (*Return).Reject, "Return rejected."},
		{StatusOpen, (*Return).MarkInTransit, "Return shipment in transit."},
		{StatusInTransit, (*Return).MarkDelivered, "Return shipment delivered."},
		{StatusDelivered, (*Return).MarkInReview, "Return inspection started."},
		{StatusOpen, (*Return).Flag, "Return flagged."},
		{StatusFlagged, (*Return).UnflagToOpen, "Flag resolved; the return awaits shipment again."},
		{StatusDelivered, (*Return).Complete, "Return completed."},
		{StatusComplete, (*Return).Reopen, "Return reopened."},
		{StatusOpen, (*Return).Delete, "Return deleted."},
	}
	for _, c := range cases {
		ev, err := c.fn(testReturn(c.from, ""), merchant, tChange, " \t")
		if err != nil || ev.Message != c.msg {
			t.Errorf("from %s: %q, %v; want %q", c.from, ev.Message, err, c.msg)
		}
	}
}

func TestItemStatuses(t *testing.T) {
	items := func(r *Return) []ItemStatus {
		var out []ItemStatus
		for _, it := range r.Items {
			out = append(out, it.Status)
		}
		return out
	}
	// Reject: open items become rejected.
	r := testReturn(StatusNeedsReview, "")
	if _, err := r.Reject(merchant, tChange, ""); err != nil {
		t.Fatal(err)
	}
	if got := items(r); !slices.Equal(got, []ItemStatus{ItemRejected, ItemRejected}) {
		t.Errorf("after Reject: %v", got)
	}
	// Reject after the parcel arrived: the same.
	r = testReturn(StatusDelivered, "")
	if _, err := r.Reject(merchant, tChange, ""); err != nil {
		t.Fatal(err)
	}
	if got := items(r); !slices.Equal(got, []ItemStatus{ItemRejected, ItemRejected}) {
		t.Errorf("after Reject from delivered: %v", got)
	}
	// Complete: open items become complete, rejected ones stay rejected.
	r = testReturn(StatusDelivered, "")
	if _, err := r.Complete(merchant, tChange, ""); err != nil {
		t.Fatal(err)
	}
	if got := items(r); !slices.Equal(got, []ItemStatus{ItemComplete, ItemRejected}) {
		t.Errorf("after Complete: %v", got)
	}
	if r.CompleteWithNoAction {
		t.Error("Complete set CompleteWithNoAction")
	}
	// Reopen: every item open again, CompleteWithNoAction cleared.
	r.CompleteWithNoAction = true
	if _, err := r.Reopen(merchant, tChange, ""); err != nil {
		t.Fatal(err)
	}
	if got := items(r); !slices.Equal(got, []ItemStatus{ItemOpen, ItemOpen}) || r.CompleteWithNoAction {
		t.Errorf("after Reopen: %v noAction=%v", got, r.CompleteWithNoAction)
	}
	// Delete keeps item statuses for the record.
	r = testReturn(StatusComplete, "")
	r.Items[0].Status = ItemComplete
	if _, err := r.Delete(merchant, tChange, ""); err != nil {
		t.Fatal(err)
	}
	if got := items(r); !slices.Equal(got, []ItemStatus{ItemComplete, ItemRejected}) {
		t.Errorf("after Delete: %v", got)
	}
}

func TestTransitionInputErrors(t *testing.T) {
	for _, m := range methods {
		for _, c := range []struct {
			actor Actor
			at    time.Time
			field string
		}{
			{Actor{Kind: "robot"}, tChange, "actor.kind"},
			{Actor{}, tChange, "actor.kind"},
			{merchant, time.Time{}, "at"},
		} {
			r := testReturn(StatusFlagged, StatusOpen)
			before := cloneReturn(r)
			_, err := m.fn(r, c.actor, c.at, "")
			var e *Error
			if !errors.As(err, &e) || e.Code != EINVALID || e.Field != c.field {
				t.Errorf("%s(%+v, %v): %v, want EINVALID on %s", m.name, c.actor, c.at, err, c.field)
			}
			if !reflect.DeepEqual(r, before) {
				t.Errorf("%s changed the return on bad input", m.name)
			}
		}
	}
}

// SetStatus over every status × every writable target.
func TestSetStatus(t *testing.T) {
	type outcome struct {
		kind    string // event kind; "" for a no-op
		noop    bool
		errCode string
	}
	expect := func(from, prev, target Status) outcome {
		if from == target {
			return outcome{noop: true}
		}
		switch target {
		case StatusOpen:
			switch {
			case from == StatusNeedsReview || from == StatusPreShipment:
				return outcome{kind: TimelineApproved}
			case from == StatusComplete || from == StatusRejected:
				return outcome{kind: TimelineReopened}
			case from == StatusFlagged: // Unflag or UnflagToOpen
				return outcome{kind: TimelineUnflagged}
			}
			return outcome{errCode: ECONFLICT}
		case StatusComplete, StatusFlagged, StatusRejected, StatusDeleted:
			if !CanTransition(from, target) {
				return outcome{errCode: ECONFLICT}
			}
			return outcome{kind: map[Status]string{StatusComplete: TimelineCompleted, StatusFlagged: TimelineFlagged,
				StatusRejected: TimelineRejected, StatusDeleted: TimelineDeleted}[target]}
		}
		panic("unreachable")
	}
	for _, from := range Statuses {
		prevs := []Status{""}
		if from == StatusFlagged {
			prevs = []Status{StatusOpen, StatusInTransit, StatusDelivered, StatusInReview}
		}
		for _, prev := range prevs {
			for _, target := range WritableStatuses {
				r := testReturn(from, prev)
				before := cloneReturn(r)
				ev, changed, err := r.SetStatus(target, merchant, tChange, "via API")
				want := expect(from, prev, target)
				name := fmt.Sprintf("%s(prev=%s) → %s", from, prev, target)
				switch {
				case want.errCode != "":
					if ErrorCode(err) != want.errCode || changed {
						t.Errorf("%s: changed=%v err=%v, want %s", name, changed, err, want.errCode)
					}
					if te, ok := IsTransitionError(err); !ok || te.From != from || te.To != target {
						t.Errorf("%s: transition error %+v", name, te)
					}
					if !reflect.DeepEqual(r, before) {
						t.Errorf("%s: return changed on error", name)
					}
				case want.noop:
					if err != nil || changed || !reflect.DeepEqual(ev, TimelineEvent{}) || !reflect.DeepEqual(r, before) {
						t.Errorf("%s: want a no-op, got changed=%v ev=%+v err=%v", name, changed, ev, err)
					}
				default:
					if err != nil || !changed {
						t.Fatalf("%s: changed=%v err=%v", name, changed, err)
					}
					if ev.Kind != want.kind || ev.From != from || ev.To != target || r.Status != target || ev.Message != "via API" {
						t.Errorf("%s: event %+v, return %s; want kind %s", name, ev, r.Status, want.kind)
					}
					if target == StatusComplete {
						if !r.CompleteWithNoAction || ev.Data["noAction"] != true {
							t.Errorf("%s: noAction not recorded: %v %+v", name, r.CompleteWithNoAction, ev.Data)
						}
						for _, it := range r.Items {
							if it.Status == ItemOpen {
								t.Errorf("%s: item %s still open", name, it.ID)
							}
						}
					}
				}
			}
		}
	}
}

func TestSetStatusReopenAndDelete(t *testing.T) {
	// complete → open (reopen) → deleted; refunds are not our business, the
	// items are open again.
	r := testReturn(StatusDelivered, "")
	if _, _, err := r.SetStatus(StatusComplete, merchant, tChange, ""); err != nil {
		t.Fatal(err)
	}
	ev, changed, err := r.SetStatus(StatusOpen, merchant, tChange.Add(time.Hour), "customer called")
	if err != nil || !changed || ev.Kind != TimelineReopened || ev.From != StatusComplete {
		t.Fatalf("reopen: %+v %v %v", ev, changed, err)
	}
	if r.CompleteWithNoAction || r.Items[0].Status != ItemOpen || r.Items[1].Status != ItemOpen {
		t.Errorf("after reopen: %+v", r)
	}
	ev, _, err = r.SetStatus(StatusDeleted, merchant, tChange.Add(2*time.Hour), "")
	if err != nil || ev.Kind != TimelineDeleted || r.Status != StatusDeleted {
		t.Fatalf("delete: %+v %v", ev, err)
	}
	// Deleted is final: every other target is a conflict, deleted a no-op.
	for _, target := range WritableStatuses {
		_, changed, err := r.SetStatus(target, merchant, tChange, "")
		if target == StatusDeleted {
			if err != nil || changed {
				t.Errorf("deleted → deleted: %v %v", changed, err)
			}
		} else if ErrorCode(err) != ECONFLICT {
			t.Errorf("deleted → %s: %v", target, err)
		}
	}
	// rejected → open reopens too.
	r = testReturn(StatusRejected, "")
	if ev, _, err := r.SetStatus(StatusOpen, merchant, tChange, ""); err != nil || ev.Kind != TimelineReopened {
		t.Errorf("rejected → open: %+v %v", ev, err)
	}
}

func TestSetStatusInvalidTarget(t *testing.T) {
	for _, target := range []Status{StatusInTransit, StatusDelivered, StatusNeedsReview, StatusInReview, StatusPreShipment, "bogus", ""} {
		r := testReturn(StatusOpen, "")
		_, changed, err := r.SetStatus(target, merchant, tChange, "")
		var e *Error
		if !errors.As(err, &e) || e.Code != EINVALID || e.Field != "status" || changed {
			t.Errorf("SetStatus(%q): %v, want EINVALID on status", target, err)
		}
		if r.Status != StatusOpen {
			t.Errorf("SetStatus(%q) changed the status", target)
		}
	}
	// Bad actor even for a no-op.
	r := testReturn(StatusOpen, "")
	if _, _, err := r.SetStatus(StatusOpen, Actor{}, tChange, ""); ErrorCode(err) != EINVALID {
		t.Errorf("bad actor: %v", err)
	}
}

func TestCreateReturn(t *testing.T) {
	in := Return{
		StoreID: "s1", OrderID: "o1", Status: StatusNeedsReview, Compensation: CompensationStoreCredit,
		PreviousStatus: StatusOpen, CompleteWithNoAction: true,
		Items: []ReturnItem{
			{OrderLineID: "l1", Quantity: 1, ReasonCode: "damaged", Status: ItemComplete},
			{ID: "fixed", OrderLineID: "l1", Quantity: 1, ReasonCode: "too_small"},
		},
	}
	shopper := Actor{Kind: ActorShopper, Name: "Grace"}
	r, ev, err := CreateReturn(in, shopper, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.ID) != 24 || r.Items[0].ID == "" || r.Items[1].ID != "fixed" {
		t.Errorf("ids: return %q items %q %q", r.ID, r.Items[0].ID, r.Items[1].ID)
	}
	for _, it := range r.Items {
		if it.Status != ItemOpen {
			t.Errorf("item %s status %s", it.ID, it.Status)
		}
	}
	if in.Items[0].Status != ItemComplete || in.Items[0].ID != "" {
		t.Error("CreateReturn modified its argument's items")
	}
	if r.PreviousStatus != "" || r.CompleteWithNoAction || !r.CreatedAt.Equal(t0) || !r.UpdatedAt.Equal(t0) {
		t.Errorf("return %+v", r)
	}
	want := TimelineEvent{ReturnID: r.ID, Kind: TimelineCreated, Actor: shopper, At: t0, To: StatusNeedsReview, Message: "Return created."}
	if !reflect.DeepEqual(ev, want) {
		t.Errorf("event %+v, want %+v", ev, want)
	}
	if got := r.Quantities(); !reflect.DeepEqual(got, map[string]int{"l1": 2}) {
		t.Errorf("Quantities = %v", got)
	}

	bad := []struct {
		name  string
		edit  func(*Return)
		field string
	}{
		{"no store", func(r *Return) { r.StoreID = "" }, "storeId"},
		{"no order", func(r *Return) { r.OrderID = "" }, "orderId"},
		{"status complete", func(r *Return) { r.Status = StatusComplete }, "status"},
		{"status empty", func(r *Return) { r.Status = "" }, "status"},
		{"compensation", func(r *Return) { r.Compensation = "cash" }, "compensation"},
		{"no items", func(r *Return) { r.Items = nil }, "items"},
		{"no line", func(r *Return) { r.Items[1].OrderLineID = "" }, "items[1].orderLineId"},
		{"zero qty", func(r *Return) { r.Items[0].Quantity = 0 }, "items[0].quantity"},
	}
	for _, b := range bad {
		in2 := in
		in2.Items = slices.Clone(in.Items)
		b.edit(&in2)
		_, _, err := CreateReturn(in2, shopper, t0)
		var e *Error
		if !errors.As(err, &e) || e.Code != EINVALID || e.Field != b.field {
			t.Errorf("%s: %v, want EINVALID on %s", b.name, err, b.field)
		}
	}
	for _, s := range InitialStatuses {
		in2 := in
		in2.Status = s
		if _, _, err := CreateReturn(in2, shopper, t0); err != nil {
			t.Errorf("initial status %s: %v", s, err)
		}
	}
	if _, _, err := CreateReturn(in, Actor{Kind: "x"}, t0); ErrorCode(err) != EINVALID {
		t.Errorf("bad actor: %v", err)
	}
}

func TestHeldBy(t *testing.T) {
	mk := func(id string, s Status, items ...ReturnItem) Return {
		return Return{ID: id, Status: s, Items: items}
	}
	item := func(line string, q int, st ItemStatus) ReturnItem {
		return ReturnItem{OrderLineID: line, Quantity: q, Status: st}
	}
	rs := []Return{
		mk("a", StatusOpen, item("l1", 1, ItemOpen), item("l1", 2, ItemOpen), item("l2", 1, ItemRejected)),
		mk("b", StatusComplete, item("l2", 1, ItemComplete)),
		mk("c", StatusRejected, item("l1", 5, ItemRejected)),
		mk("d", StatusDeleted, item("l1", 7, ItemOpen)),
		mk("e", StatusNeedsReview, item("l3", 1, ItemOpen)),
		mk("f", StatusFlagged, item("l3", 2, ItemOpen)),
	}
	if got, want := HeldBy(rs, ""), (Held{"l1": 3, "l2": 1, "l3": 3}); !reflect.DeepEqual(got, want) {
		t.Errorf("HeldBy = %v, want %v", got, want)
	}
	if got, want := HeldBy(rs, "a"), (Held{"l2": 1, "l3": 3}); !reflect.DeepEqual(got, want) {
		t.Errorf("HeldBy except a = %v, want %v", got, want)
	}
	for _, s := range Statuses {
		if got, want := s.HoldsItems(), s != StatusRejected && s != StatusDeleted; got != want {
			t.Errorf("%s.HoldsItems() = %v", s, got)
		}
	}
	if Status("bogus").HoldsItems() {
		t.Error("an unknown status holds items")
	}
}

func TestParseStatus(t *testing.T) {
	for _, s := range Statuses {
		if got, err := ParseStatus(string(s)); err != nil || got != s {
			t.Errorf("ParseStatus(%s) = %s, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "Open", "pending", "completed"} {
		var e *Error
		if _, err := ParseStatus(s); !errors.As(err, &e) || e.Code != EINVALID || e.Field != "status" {
			t.Errorf("ParseStatus(%q): %v", s, err)
		}
	}
	for _, s := range Statuses {
		if got, want := s.Writable(), slices.Contains([]Status{"complete", "open", "flagged", "rejected", "deleted"}, s); got != want {
			t.Errorf("%s.Writable() = %v", s, got)
		}
	}
}

package loopapi

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/returns"
)

var updateMapping = flag.Bool("update-mapping", false, "rewrite MAPPING.md's generated tables from the code")

func TestStateOfEveryStatus(t *testing.T) {
	want := map[returns.Status]State{
		returns.StatusNeedsReview: StateReview, returns.StatusPreShipment: StateReview,
		returns.StatusOpen: StateOpen, returns.StatusInTransit: StateOpen, returns.StatusDelivered: StateOpen, returns.StatusInReview: StateOpen,
		returns.StatusFlagged: StateReview, returns.StatusComplete: StateClosed, returns.StatusRejected: StateClosed,
		returns.StatusDeleted: StateCancelled,
	}
	for _, s := range returns.Statuses {
		if got := StateOf(s); got != want[s] {
			t.Errorf("StateOf(%s) = %s, want %s", s, got, want[s])
		}
	}
	if len(stateOf) != len(returns.Statuses) {
		t.Errorf("stateOf has %d statuses, the domain %d", len(stateOf), len(returns.Statuses))
	}
	if got := StatusesIn(DefaultListStates...); strings.Join(statusNames(got), ",") != "open,in_transit,delivered,in_review,complete,rejected" {
		t.Errorf("default list statuses = %v", got)
	}
	if got := StatusesIn(StateExpired); len(got) != 0 {
		t.Errorf("expired statuses = %v, want none", got)
	}
}

func statusNames(ss []returns.Status) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

// TestPlansAgreeWithTheLifecycle checks every cell of the action table
// against the domain's transition table: each planned change is allowed,
// applying it through the domain reaches Target, and refusals change nothing.
func TestPlansAgreeWithTheLifecycle(t *testing.T) {
	actor := returns.Actor{Kind: returns.ActorAPIKey, ID: "k"}
	for _, a := range Actions {
		for _, s := range returns.Statuses {
			p := PlanFor(a, s)
			r := returns.Return{ID: "r", Status: s, Items: []returns.ReturnItem{{ID: "i", Quantity: 1, Status: returns.ItemOpen}}}
			if s == returns.StatusFlagged {
				r.PreviousStatus = returns.StatusOpen
			}
			var err error
			at := r.UpdatedAt.AddDate(2020, 0, 0)
			switch p.Effect {
			case EffectProcess, EffectRemove:
				_, err = r.Complete(actor, at, "")
			case EffectCompleteNoAction:
				_, _, err = r.SetStatus(returns.StatusComplete, actor, at, "")
			case EffectReject:
				_, err = r.Reject(actor, at, "")
			case EffectDelete:
				_, err = r.Delete(actor, at, "")
			case EffectFlag:
				_, err = r.Flag(actor, at, "")
			case EffectNone:
				// The return is already where the action leads.
				want := map[Action][]State{ActionFlag: {StateReview}, ActionClose: {StateClosed}, ActionCancel: {StateCancelled}}[a]
				if !containsState(want, StateOf(s)) {
					t.Errorf("%s on %s: no change, but its state %s is not the action's", a, s, StateOf(s))
				}
				if p.Target != "" || p.Status != 200 {
					t.Errorf("%s on %s: no-change plan %+v", a, s, p)
				}
				continue
			case EffectRefuse:
				if p.Message == "" || p.Kind == "" || (p.Status != 200 && p.Status != 422) {
					t.Errorf("%s on %s: incomplete refusal %+v", a, s, p)
				}
				if a == ActionRemove && p.Status != 422 || a != ActionRemove && p.Status != 200 {
					t.Errorf("%s on %s: refusal status %d", a, s, p.Status)
				}
				continue
			default:
				t.Fatalf("%s on %s: unknown effect %q", a, s, p.Effect)
			}
			if err != nil {
				t.Errorf("%s on %s: plan %s is not allowed by the lifecycle: %v", a, s, p.Effect, err)
				continue
			}
			if r.Status != p.Target {
				t.Errorf("%s on %s: reached %s, plan says %s", a, s, r.Status, p.Target)
			}
		}
	}
	if p := PlanFor("explode", returns.StatusOpen); p.Effect != EffectRefuse || p.Status != 404 {
		t.Errorf("unknown action: %+v", p)
	}
}

func containsState(ss []State, s State) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestPlanBodies(t *testing.T) {
	cases := []struct {
		a    Action
		s    returns.Status
		body string
	}{
		{ActionProcess, returns.StatusOpen, `"true"`},
		{ActionProcess, returns.StatusComplete, `{"errors":{"message":"Return is closed and therefore cannot be processed.","code":"UNPROCESSABLE_RETURN"}}`},
		{ActionProcess, returns.StatusDeleted, `{"message":"Return is cancelled and therefore cannot be processed."}`},
		{ActionProcess, returns.StatusFlagged, `{"message":"Return is review and therefore cannot be processed."}`},
		{ActionCancel, returns.StatusFlagged, `{"content":"Return is flagged and cannot be processed."}`},
		{ActionRemove, returns.StatusComplete, `{"message":"Return cannot be modified."}`},
		{ActionFlag, returns.StatusNeedsReview, `"true"`},
	}
	for _, c := range cases {
		b, err := Marshal(PlanFor(c.a, c.s).Body())
		if err != nil || string(b) != c.body {
			t.Errorf("%s on %s: body %s, %v; want %s", c.a, c.s, b, err, c.body)
		}
	}
}

// mappingTables renders the state and action tables as MAPPING.md shows them.
func mappingTables() string {
	var b strings.Builder
	b.WriteString("| Rebound status | Loop state |")
	for _, a := range Actions {
		fmt.Fprintf(&b, " %s |", a)
	}
	b.WriteString("\n|---|---|")
	for range Actions {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, s := range returns.Statuses {
		fmt.Fprintf(&b, "| `%s` | %s |", s, StateOf(s))
		for _, a := range Actions {
			fmt.Fprintf(&b, " %s |", cell(PlanFor(a, s)))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func cell(p Plan) string {
	switch p.Effect {
	case EffectProcess:
		return "process → `complete`"
	case EffectRemove:
		return "reject listed items, process → `complete`"
	case EffectCompleteNoAction:
		return "complete with no action → `complete`"
	case EffectReject:
		return "reject → `rejected`"
	case EffectDelete:
		return "delete → `deleted`"
	case EffectFlag:
		return "flag → `flagged`"
	case EffectNone:
		return "no change, `\"true\"`"
	}
	b, _ := Marshal(p.Body())
	return fmt.Sprintf("refused, %d `%s`", p.Status, b)
}

const (
	beginGenerated = "<!-- BEGIN GENERATED by TestMappingDoc: go test ./internal/loopapi -run TestMappingDoc -update-mapping -->\n"
	endGenerated   = "<!-- END GENERATED -->"
)

// TestMappingDoc keeps MAPPING.md's table identical to the code's.
func TestMappingDoc(t *testing.T) {
	doc, err := os.ReadFile("MAPPING.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	i, j := strings.Index(s, beginGenerated), strings.Index(s, endGenerated)
	if i < 0 || j < i {
		t.Fatalf("MAPPING.md lacks the generated-table markers")
	}
	want := mappingTables()
	got := s[i+len(beginGenerated) : j]
	if got == want {
		return
	}
	if *updateMapping {
		if err := os.WriteFile("MAPPING.md", []byte(s[:i+len(beginGenerated)]+want+s[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("MAPPING.md's table differs from the code; run with -update-mapping. Want:\n%s", want)
}

package loopapi_test

import (
	"errors"
	"testing"

	"github.com/reboundhq/rebound/internal/loopapi"
	"github.com/reboundhq/rebound/internal/returns"
)

func removable() (*returns.Return, loopapi.IDs) {
	r := &returns.Return{ID: "r", Status: returns.StatusDelivered, Compensation: returns.CompensationRefund, Items: []returns.ReturnItem{
		{ID: "A", Quantity: 2, Status: returns.ItemOpen},
		{ID: "B", Quantity: 1, Status: returns.ItemOpen, ItemDetail: returns.ItemDetail{Compensation: returns.CompensationStoreCredit}},
		{ID: "C", Quantity: 1, Status: returns.ItemOpen, ItemDetail: returns.ItemDetail{Compensation: returns.CompensationExchange}},
	}}
	ids := loopapi.IDs{Return: 1, LineItems: map[loopapi.LineKey]int64{}}
	for i, k := range loopapi.Units(r) {
		ids.LineItems[k] = int64(i + 1) // A: 1, 2; B: 3; C: 4
	}
	return r, ids
}

func TestCheckRemoval(t *testing.T) {
	r, ids := removable()
	ds, err := loopapi.CheckRemoval(r, ids, []int64{1, 2, 3}, true)
	if err != nil {
		t.Fatal(err)
	}
	want := []returns.ItemDecision{{ItemID: "A", Reject: true}, {ItemID: "B", Reject: true}, {ItemID: "C", Restock: true}}
	if len(ds) != len(want) {
		t.Fatalf("decisions %+v", ds)
	}
	for i := range ds {
		if ds[i] != want[i] {
			t.Errorf("decision %d = %+v, want %+v", i, ds[i], want[i])
		}
	}
	// The decisions are the domain's to apply: every item decided.
	if done, err := r.Decide(ds); err != nil || !done {
		t.Errorf("Decide: %v, %v", done, err)
	}

	for name, c := range map[string]struct {
		status returns.Status
		ids    []int64
		msg    string
	}{
		"exchange item":   {returns.StatusOpen, []int64{4}, loopapi.MsgNoLineItems},
		"unknown id":      {returns.StatusOpen, []int64{99}, loopapi.MsgNoLineItems},
		"part of an item": {returns.StatusOpen, []int64{1}, loopapi.MsgNoLineItems},
		"some do not":     {returns.StatusOpen, []int64{3, 4}, loopapi.MsgNotAllLineItems},
		"some unknown":    {returns.StatusOpen, []int64{3, 99}, loopapi.MsgNotAllLineItems},
		"closed return":   {returns.StatusComplete, []int64{3}, loopapi.MsgNotModifiable},
		"flagged return":  {returns.StatusFlagged, []int64{3}, loopapi.MsgNotModifiable},
	} {
		r, ids := removable()
		r.Status = c.status
		_, err := loopapi.CheckRemoval(r, ids, c.ids, false)
		var me *loopapi.MessageError
		if !errors.As(err, &me) || me.Message != c.msg {
			t.Errorf("%s: %v, want %q", name, err, c.msg)
		}
	}
}

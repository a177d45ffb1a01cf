package admin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/web"
)

// action is a status change the return page offers.
type action struct {
	Key, Label string
	To         returns.Status
	NeedsWhy   bool // a reason is required (reject: the shopper sees it)
}

var allActions = []action{
	{"approve", "Approve", returns.StatusOpen, false},
	{"reject", "Reject", returns.StatusRejected, true},
	{"flag", "Flag", returns.StatusFlagged, true},
	{"unflag", "Resolve flag (back to open)", returns.StatusOpen, false},
	{"reopen", "Re-open", returns.StatusOpen, false},
}

// actionsFor are the actions the return's status allows.
func actionsFor(s returns.Status) []action {
	var keys []string
	switch s {
	case returns.StatusNeedsReview, returns.StatusPreShipment:
		keys = []string{"approve", "reject"}
	case returns.StatusOpen, returns.StatusInTransit, returns.StatusDelivered, returns.StatusInReview:
		keys = []string{"flag", "reject"}
	case returns.StatusFlagged:
		keys = []string{"unflag", "reject"}
	case returns.StatusComplete, returns.StatusRejected:
		keys = []string{"reopen"}
	}
	var out []action
	for _, a := range allActions {
		if slices.Contains(keys, a.Key) {
			out = append(out, a)
		}
	}
	return out
}

// processable reports whether items may be decided in this status.
func processable(s returns.Status) bool {
	switch s {
	case returns.StatusOpen, returns.StatusInTransit, returns.StatusDelivered, returns.StatusInReview, returns.StatusFlagged:
		return true
	}
	return false
}

type returnData struct {
	R         *returns.Return
	Order     *returns.Order
	Timeline  []*returns.TimelineEvent
	Comments  []*returns.Comment
	Actions   []action
	CanDecide bool
	OpenItems []returns.ReturnItem
	EcwidURL  string
	Decisions map[string]itemForm // the process form's values (after an error)
	// CanLabel: the user may buy (or replace) the return's label, and it
	// may have one.
	CanLabel bool
}

type itemForm struct {
	Decision, Adjustment string
}

func (h *Handler) loadReturn(w http.ResponseWriter, r *http.Request, p *page) (*returnData, bool) {
	ctx := r.Context()
	id := r.PathValue("id")
	if !hexID.MatchString(id) {
		h.fail(w, r, p, returns.Errorf(returns.ENOTFOUND, "No return has the id %q.", id))
		return nil, false
	}
	res, err := h.app.GetReturn(ctx, p.Store.ID, id)
	if err != nil {
		h.fail(w, r, p, err)
		return nil, false
	}
	d := &returnData{R: res.Return, Order: res.Order, Actions: actionsFor(res.Return.Status), Decisions: map[string]itemForm{}}
	if d.Timeline, err = h.app.Timeline(ctx, p.Store.ID, id); err != nil {
		h.fail(w, r, p, err)
		return nil, false
	}
	if d.Comments, err = h.app.ListComments(ctx, p.Store.ID, id); err != nil {
		h.fail(w, r, p, err)
		return nil, false
	}
	for _, it := range d.R.Items {
		if it.Status == returns.ItemOpen {
			d.OpenItems = append(d.OpenItems, it)
		}
	}
	d.CanDecide = processable(d.R.Status) && len(d.OpenItems) > 0
	d.CanLabel = h.ship != nil && p.CanLabels() && d.R.Status != returns.StatusDeleted && d.R.Status != returns.StatusRejected
	if d.R.EcwidOrderID != "" && h.ecwid != nil {
		if c, err := h.ecwid.Get(ctx, p.Store.ID); err == nil {
			d.EcwidURL = fmt.Sprintf("https://my.ecwid.com/store/%d#order:id=%s", c.Integration.EcwidStoreID, d.R.EcwidOrderID)
		}
	}
	return d, true
}

func (h *Handler) returnPage(w http.ResponseWriter, r *http.Request, p *page) {
	p.Nav = "returns"
	d, ok := h.loadReturn(w, r, p)
	if !ok {
		return
	}
	h.render(w, r, http.StatusOK, "return", p, "Return "+d.R.OrderName, nil, d)
}

func (h *Handler) setStatus(w http.ResponseWriter, r *http.Request, p *page) {
	d, ok := h.loadReturn(w, r, p)
	if !ok {
		return
	}
	f, ok := h.form(w, r, p)
	if !ok {
		return
	}
	key := f.String("action", 20)
	why := f.String("reason", 1000)
	var act *action
	for _, a := range d.Actions {
		if a.Key == key {
			act = &a
		}
	}
	if act == nil {
		f.Errors.Add("action", fmt.Sprintf("This return is %s: it cannot be changed that way now. Nothing was changed.", statusLabel(d.R.Status)))
	} else if act.NeedsWhy && why == "" {
		f.Errors.Add("reason-"+act.Key, "Give a reason: "+map[bool]string{true: "the shopper sees it.", false: "it goes on the timeline."}[act.Key == "reject"])
	}
	if !f.Errors.OK() {
		h.render(w, r, http.StatusUnprocessableEntity, "return", p, "Return "+d.R.OrderName, f.Errors, d)
		return
	}
	if _, err := h.app.SetReturnStatus(r.Context(), actor(p), p.Store.ID, d.R.ID, act.To, why); err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.redirect(w, r, Prefix+"/returns/"+d.R.ID, "Return "+map[string]string{"approve": "approved", "reject": "rejected", "flag": "flagged", "unflag": "back to open", "reopen": "re-opened"}[act.Key]+".")
}

func (h *Handler) addComment(w http.ResponseWriter, r *http.Request, p *page) {
	d, ok := h.loadReturn(w, r, p)
	if !ok {
		return
	}
	f, ok := h.form(w, r, p)
	if !ok {
		return
	}
	msg := f.Required("comment", 5000, "Write the comment first.")
	if !f.Errors.OK() {
		h.render(w, r, http.StatusUnprocessableEntity, "return", p, "Return "+d.R.OrderName, f.Errors, d)
		return
	}
	if _, err := h.app.AddComment(r.Context(), actor(p), p.Store.ID, d.R.ID, app.Comment{Message: msg}); err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.redirect(w, r, Prefix+"/returns/"+d.R.ID+"#comments", "Comment added.")
}

// decisionsForm reads the process form: one decision (restock, keep —
// accepted without restock — or reject) and an optional adjustment per
// open item. Fields of items that are not open are ignored.
func decisionsForm(f *web.Form, d *returnData) ([]app.ItemDecisionInput, []returns.ItemDecision) {
	var in []app.ItemDecisionInput
	var ds []returns.ItemDecision
	for _, it := range d.OpenItems {
		dec := f.Choice("decision-"+it.ID, []string{"restock", "keep", "reject"}, "Choose what happens to "+itemTitle(it)+".")
		adj := f.String("adjustment-"+it.ID, 30)
		d.Decisions[it.ID] = itemForm{Decision: dec, Adjustment: adj}
		x := app.ItemDecisionInput{ItemID: it.ID, Reject: dec == "reject", Restock: dec == "restock"}
		y := returns.ItemDecision{ItemID: it.ID, Reject: x.Reject, Restock: x.Restock}
		if adj != "" {
			if dec == "reject" {
				f.Errors.Add("adjustment-"+it.ID, "A rejected item credits nothing: leave its adjustment empty.")
			} else if n, err := money.ParseAmount(adj, d.R.Currency); err != nil || n < 0 {
				f.Errors.Add("adjustment-"+it.ID, "Enter what "+itemTitle(it)+" credits as an amount like 12.50, or leave it empty.")
			} else {
				x.Adjustment, y.Adjustment = &adj, &n
			}
		}
		in, ds = append(in, x), append(ds, y)
	}
	if len(d.OpenItems) == 0 {
		f.Errors.Add("process", "No item of this return is left to process.")
	}
	return in, ds
}

func itemTitle(it returns.ReturnItem) string {
	if it.Title != "" {
		return it.Title
	}
	if it.SKU != "" {
		return it.SKU
	}
	return "the item"
}

type previewData struct {
	*returnData
	After *returns.Return // the return as processing would leave it
}

// processPreview recomputes the totals with the decisions applied, on a
// copy: nothing is written.
func (h *Handler) processPreview(w http.ResponseWriter, r *http.Request, p *page) {
	d, ok := h.loadReturn(w, r, p)
	if !ok {
		return
	}
	f, ok := h.form(w, r, p)
	if !ok {
		return
	}
	if !processable(d.R.Status) {
		f.Errors.Add("process", fmt.Sprintf("This return is %s: it cannot be processed now. Nothing was changed.", statusLabel(d.R.Status)))
	}
	_, ds := decisionsForm(f, d)
	if !f.Errors.OK() {
		h.render(w, r, http.StatusUnprocessableEntity, "return", p, "Return "+d.R.OrderName, f.Errors, d)
		return
	}
	after, err := h.preview(r, p, d, ds)
	if err != nil {
		f.Errors.Add("process", returns.ErrorMessage(err))
		h.render(w, r, http.StatusUnprocessableEntity, "return", p, "Return "+d.R.OrderName, f.Errors, d)
		return
	}
	h.render(w, r, http.StatusOK, "preview", p, "Confirm processing", nil, previewData{returnData: d, After: after})
}

func (h *Handler) preview(r *http.Request, p *page, d *returnData, ds []returns.ItemDecision) (*returns.Return, error) {
	ctx := r.Context()
	b, _ := json.Marshal(d.R)
	var c returns.Return
	_ = json.Unmarshal(b, &c)
	done, err := c.Decide(ds)
	if err != nil || !done {
		return &c, err
	}
	pol, err := h.app.GetPolicy(ctx, p.Store.ID)
	if err != nil {
		return nil, err
	}
	var others []returns.Return
	if c.OrderID != "" {
		rs, err := store.Read(ctx, h.st, func(tx store.ReadTx) ([]*returns.Return, error) {
			return tx.ReturnsForOrder(ctx, p.Store.ID, c.OrderID)
		})
		if err != nil {
			return nil, err
		}
		for _, x := range rs {
			others = append(others, *x)
		}
	}
	if err := returns.ComputeTotals(d.Order, pol, &c, others); err != nil {
		return nil, err
	}
	return &c, nil
}

func (h *Handler) process(w http.ResponseWriter, r *http.Request, p *page) {
	d, ok := h.loadReturn(w, r, p)
	if !ok {
		return
	}
	f, ok := h.form(w, r, p)
	if !ok {
		return
	}
	if !processable(d.R.Status) {
		f.Errors.Add("process", fmt.Sprintf("This return is %s: it cannot be processed now. Nothing was changed.", statusLabel(d.R.Status)))
	}
	in, _ := decisionsForm(f, d)
	notes := f.String("customerNotes", 2000)
	if !f.Errors.OK() {
		h.render(w, r, http.StatusUnprocessableEntity, "return", p, "Return "+d.R.OrderName, f.Errors, d)
		return
	}
	res, err := h.app.ProcessReturn(r.Context(), actor(p), p.Store.ID, d.R.ID, in, notes)
	if returns.ErrorCode(err) == returns.EINVALID || returns.ErrorCode(err) == returns.ECONFLICT {
		f.Errors.Add("process", returns.ErrorMessage(err)+" Nothing was changed.")
		h.render(w, r, http.StatusUnprocessableEntity, "return", p, "Return "+d.R.OrderName, f.Errors, d)
		return
	}
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	msg := "Items processed."
	if res.Done {
		msg = "Return processed: " + statusLabel(res.Return.Status) + "."
	}
	h.redirect(w, r, Prefix+"/returns/"+d.R.ID, msg)
}

package portal

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/web"
)

// request is the draft as the app's ReturnRequest: the one the review
// previews and the submit sends.
func (ss *session) request() *app.ReturnRequest {
	req := &app.ReturnRequest{Provider: "portal", ExternalOrderID: ss.order.ExternalID, Type: returns.TypeReturn,
		ShippingAddress: ss.data.Address, Customer: returns.Returner{Email: ss.order.Customer.Email,
			FirstName: ss.data.Address.FirstName, LastName: ss.data.Address.LastName}}
	comp := returns.Compensation(ss.data.Outcome)
	for _, it := range ss.data.Items {
		ri := app.ReturnItemRequest{LineItemID: it.LineID, Quantity: it.Quantity, ReasonCode: it.Reason,
			Compensation: comp, Notes: it.Comment, Questions: it.Answers}
		for _, u := range it.Photos {
			ri.Images = append(ri.Images, app.Upload{URL: u})
		}
		req.Items = append(req.Items, ri)
		if v, ok := ss.data.Exchange[it.LineID]; ok && comp == returns.CompensationExchange {
			l, _ := ss.line(it.LineID)
			req.Exchange = append(req.Exchange, app.ExchangeItemRequest{ProductID: v.ProductID, VariantID: v.VariantID,
				SKU: v.SKU, Title: l.Title + " – " + v.Title, Quantity: it.Quantity, Price: money.Format(v.Price, ss.order.ShopCurrency)})
		}
	}
	return req
}

// preview values items as CreateReturn does (returns.ValueItems and
// returns.ComputeTotals over the order, policy and other returns), without
// saving anything.
func (p *Portal) preview(ss *session, items []draftItem, outcome string, exch map[string]returns.CatalogVariant) (*returns.Return, error) {
	now := time.Now()
	r := returns.Return{ID: returns.NewID(now), StoreID: ss.settings.StoreID, OrderID: ss.order.ID, Compensation: returns.Compensation(outcome)}
	for _, it := range items {
		l, _ := ss.line(it.LineID)
		if l == nil {
			return nil, fmt.Errorf("no line %s", it.LineID)
		}
		r.Items = append(r.Items, returns.ReturnItem{ID: returns.NewID(now), OrderLineID: it.LineID, Quantity: it.Quantity,
			ItemDetail: returns.ItemDetail{ProductID: l.ProductID, Title: l.Title, Compensation: returns.Compensation(outcome)}})
		if v, ok := exch[it.LineID]; ok && outcome == string(returns.CompensationExchange) {
			if r.Exchange == nil {
				r.Exchange = &returns.Exchange{}
			}
			r.Exchange.Items = append(r.Exchange.Items, returns.ExchangeItem{ProductID: v.ProductID, VariantID: v.VariantID, SKU: v.SKU,
				Title: l.Title + " – " + v.Title, Quantity: it.Quantity, Price: v.Price})
		}
	}
	if err := returns.ValueItems(ss.order, &r, ss.others); err != nil {
		return nil, err
	}
	if err := returns.ComputeTotals(ss.order, ss.policy, &r, ss.others); err != nil {
		return nil, err
	}
	return &r, nil
}

type reviewPage struct {
	Base     string
	Key      string
	Items    []reviewItem
	Outcome  string
	Bonus    int
	Address  returns.Address
	Totals   []moneyRow
	Exchange []moneyRow // the new items of an exchange, at their price
	Policy   []string
	Currency string
}

type reviewItem struct {
	Title, Variant, Reason, Comment string
	Quantity, Photos                int
	Value                           string
}

type moneyRow struct{ Label, Amount string }

func outcomeWords(c string) string {
	switch returns.Compensation(c) {
	case returns.CompensationStoreCredit:
		return "Store credit"
	case returns.CompensationExchange:
		return "Exchange for another variant"
	}
	return "Refund to your original payment method"
}

func (p *Portal) reviewPage(w http.ResponseWriter, r *http.Request) {
	ss, ok := p.step(w, r, 2)
	if !ok {
		return
	}
	if ss.data.Outcome == string(returns.CompensationExchange) && len(ss.data.Exchange) == 0 {
		// A draft from before variants were kept with it.
		http.Redirect(w, r, ss.base+"/options", http.StatusSeeOther)
		return
	}
	v, err := p.reviewView(ss)
	if err != nil {
		p.fail(w, r, ss.site, err)
		return
	}
	v.Flash = web.TakeFlash(w, r)
	p.rd.Page(w, r, http.StatusOK, "review", v)
}

func (p *Portal) reviewView(ss *session) (*web.View, error) {
	pv, err := p.preview(ss, ss.data.Items, ss.data.Outcome, ss.data.Exchange)
	if err != nil {
		return nil, err
	}
	cur := ss.order.ShopCurrency
	f := func(m int64) string { return money.Format(m, cur) + " " + cur }
	pg := &reviewPage{Base: ss.base, Key: ss.draft.IdemKey, Outcome: outcomeWords(ss.data.Outcome), Address: ss.data.Address, Currency: cur}
	if ss.data.Outcome == string(returns.CompensationStoreCredit) {
		pg.Bonus = ss.settings.StoreCreditBonusPercent
	}
	for i, it := range ss.data.Items {
		l, _ := ss.line(it.LineID)
		reason := it.Reason
		if rs, parent, ok := ss.policy.FindReason(it.Reason); ok {
			reason = rs.Label
			if parent != nil {
				reason = parent.Label + ": " + rs.Label
			}
		}
		pg.Items = append(pg.Items, reviewItem{Title: l.Title, Variant: l.VariantTitle, Reason: reason, Comment: it.Comment,
			Quantity: it.Quantity, Photos: len(it.Photos), Value: f(pv.Items[i].Value.Total)})
	}
	if pv.Exchange != nil {
		for _, ei := range pv.Exchange.Items {
			pg.Exchange = append(pg.Exchange, moneyRow{fmt.Sprintf("%s × %d", ei.Title, ei.Quantity), f(ei.Price * int64(ei.Quantity))})
		}
	}
	t := pv.Totals
	if t.Refund > 0 || ss.data.Outcome == string(returns.CompensationRefund) {
		pg.Totals = append(pg.Totals, moneyRow{"Refund", f(t.Refund)})
	}
	if t.StoreCredit > 0 || ss.data.Outcome == string(returns.CompensationStoreCredit) {
		pg.Totals = append(pg.Totals, moneyRow{"Store credit", f(t.StoreCredit)})
	}
	if t.Exchange > 0 {
		pg.Totals = append(pg.Totals, moneyRow{"New items", f(t.Exchange)})
	}
	if t.Charge > 0 {
		pg.Totals = append(pg.Totals, moneyRow{"You pay the difference", f(t.Charge)})
	}
	for _, a := range pv.Adjustments {
		pg.Totals = append(pg.Totals, moneyRow{a.Description, f(a.Amount)})
	}
	pol := ss.policy
	if pol.WindowDays > 0 {
		pg.Policy = append(pg.Policy, fmt.Sprintf("Items can be returned within %d days.", pol.WindowDays))
	}
	if pol.AutoApprove {
		pg.Policy = append(pg.Policy, "Most returns are approved straight away; some are reviewed by the store first.")
	} else {
		pg.Policy = append(pg.Policy, "The store reviews every return before approving it.")
	}
	if pol.RefundShipping {
		pg.Policy = append(pg.Policy, "Original shipping is refunded when the whole order comes back.")
	}
	pg.Policy = append(pg.Policy, "The amounts are confirmed when the store has received and checked your items.")
	v := ss.view("Review your return")
	v.Data = pg
	return v, nil
}

func (p *Portal) submit(w http.ResponseWriter, r *http.Request) {
	ss, ok := p.session(w, r)
	if !ok {
		return
	}
	f, err := web.ParseForm(w, r, 16<<10)
	if err != nil {
		p.rd.Error(w, r, http.StatusBadRequest, ss.view(""), "The form could not be read. Please try again.", ss.base+"/review")
		return
	}
	if key := f.String("key", 64); key != ss.draft.IdemKey {
		p.rd.Error(w, r, http.StatusBadRequest, ss.view("Review your return"),
			"This form is out of date or was changed. Nothing was submitted: go back to the review page and submit again.", ss.base+"/review")
		return
	}
	if ss.draft.ReturnID == "" && (ss.data.Done < 2 || len(ss.data.Items) == 0) {
		http.Redirect(w, r, ss.base+"/items", http.StatusSeeOther)
		return
	}
	req := ss.request()
	body, _ := json.Marshal(req)
	sum := sha256.Sum256(body)
	res, err := p.app.CreateReturn(r.Context(), returns.Actor{Kind: returns.ActorShopper, Name: req.Customer.FirstName + " " + req.Customer.LastName},
		ss.settings.StoreID, req, app.Idempotency{Key: "portal:" + ss.draft.IdemKey, Hash: hex.EncodeToString(sum[:])})
	if err != nil {
		switch returns.ErrorCode(err) {
		case returns.EINVALID, returns.ECONFLICT, returns.EUNPROCESSABLE:
			web.SetFlash(w, r, "Your return could not be submitted: "+returns.ErrorMessage(err)+" Please check your choices.")
			http.Redirect(w, r, ss.base+"/items", http.StatusSeeOther)
		default:
			p.fail(w, r, ss.site, err)
		}
		return
	}
	if ss.draft.ReturnID == "" {
		ss.draft.ReturnID = res.Return.ID
		if err := p.saveDraft(r.Context(), ss); err != nil {
			p.fail(w, r, ss.site, err)
			return
		}
	}
	http.Redirect(w, r, p.StatusURL(ss.settings.Handle, ss.settings.StoreID, res.Return.ID), http.StatusSeeOther)
}

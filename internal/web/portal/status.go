package portal

import (
	"crypto/hmac"
	"net/http"
	"strings"

	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/web"
)

// words is a status in the shopper's words.
type words struct{ Title, Detail string }

func statusWords(s returns.Status) words {
	switch s {
	case returns.StatusNeedsReview, returns.StatusPreShipment:
		return words{"We're reviewing your return", "The store is looking at your request. You'll get an email when it's approved."}
	case returns.StatusOpen:
		return words{"Approved: send your items back", "Pack the items and send them back with the label."}
	case returns.StatusInTransit:
		return words{"On its way back", "Your parcel is on its way to the store."}
	case returns.StatusDelivered, returns.StatusInReview:
		return words{"Received", "The store has your items and is checking them."}
	case returns.StatusFlagged:
		return words{"We're looking into your return", "Something needs a closer look; the store will be in touch."}
	case returns.StatusComplete:
		return words{"Complete", "Your return is done."}
	case returns.StatusRejected:
		return words{"Not accepted", "The store could not accept this return."}
	case returns.StatusDeleted:
		return words{"Cancelled", "This return was cancelled."}
	}
	return words{"In progress", ""}
}

type statusPage struct {
	Base     string
	ID       string
	Order    string
	Status   words
	Items    []reviewItem
	Timeline []timelineRow
	Label    *returns.Label
	Issued   []moneyRow
	Totals   []moneyRow
	Outcome  string
}

type timelineRow struct{ At, Text string }

func (p *Portal) statusPage(w http.ResponseWriter, r *http.Request) {
	s, ok := p.site(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	notFound := func() {
		p.rd.Error(w, r, http.StatusNotFound, s.view(""), "We couldn't find this return. Check the link in your email, or find your order again.", s.base)
	}
	if !hmac.Equal([]byte(r.URL.Query().Get("t")), []byte(StatusToken(p.key, s.settings.StoreID, id))) {
		notFound()
		return
	}
	res, err := p.app.GetReturn(r.Context(), s.settings.StoreID, id)
	if returns.IsNotFound(err) {
		notFound()
		return
	}
	if err != nil {
		p.fail(w, r, s, err)
		return
	}
	tl, err := p.app.Timeline(r.Context(), s.settings.StoreID, id)
	if err != nil {
		p.fail(w, r, s, err)
		return
	}
	rt := res.Return
	cur := ""
	if res.Order != nil {
		cur = res.Order.ShopCurrency
	}
	f := func(m int64) string { return money.Format(m, cur) + " " + cur }
	pg := &statusPage{Base: s.base, ID: rt.ID, Order: rt.OrderName, Status: statusWords(rt.Status), Label: rt.Label,
		Outcome: outcomeWords(string(rt.Compensation))}
	if pg.Order == "" {
		pg.Order = rt.OrderExternalID
	}
	for _, it := range rt.Items {
		pg.Items = append(pg.Items, reviewItem{Title: it.Title, Reason: it.Reason, Quantity: it.Quantity, Value: f(it.Value.Total)})
	}
	for _, ev := range tl {
		text := ""
		switch {
		case ev.To != "" && ev.From != ev.To:
			text = statusWords(ev.To).Title
		case ev.Kind == returns.TimelineCreated:
			text = "Return requested"
		case strings.Contains(ev.Kind, "label"):
			text = "Return label ready"
		case strings.Contains(ev.Kind, "process"):
			text = "Return processed"
		default:
			continue // internal notes stay internal
		}
		if ev.Kind == returns.TimelineCreated {
			text = "Return requested: " + strings.ToLower(statusWords(ev.To).Title[:1]) + statusWords(ev.To).Title[1:]
		}
		pg.Timeline = append(pg.Timeline, timelineRow{At: ev.At.Format("January 2, 2006 15:04 MST"), Text: text})
	}
	for _, rf := range rt.Refunds {
		pg.Issued = append(pg.Issued, moneyRow{"Refunded " + rf.CreatedAt.Format("January 2, 2006"), money.Format(rf.Amount, rf.Currency) + " " + rf.Currency})
	}
	for _, g := range rt.GiftCards {
		pg.Issued = append(pg.Issued, moneyRow{"Store credit, code " + g.Code, money.Format(g.Amount, g.Currency) + " " + g.Currency})
	}
	t := rt.Totals
	if t.Refund > 0 {
		pg.Totals = append(pg.Totals, moneyRow{"Refund", f(t.Refund)})
	}
	if t.StoreCredit > 0 {
		pg.Totals = append(pg.Totals, moneyRow{"Store credit", f(t.StoreCredit)})
	}
	if t.Charge > 0 {
		pg.Totals = append(pg.Totals, moneyRow{"You pay the difference", f(t.Charge)})
	}
	v := s.view("Your return")
	v.Flash = web.TakeFlash(w, r)
	v.Data = pg
	p.rd.Page(w, r, http.StatusOK, "status", v)
}

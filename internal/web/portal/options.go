package portal

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/web"
)

type optionsPage struct {
	Base     string
	Outcome  string
	Bonus    int
	Exchange []exchangeRow // items that may be exchanged
	Address  returns.Address
}

type exchangeRow struct {
	Index    int
	Title    string
	Variants []store.ExchangeVariant
	Chosen   string
}

func (p *Portal) optionsView(ss *session, errs web.Errors) *web.View {
	pg := &optionsPage{Base: ss.base, Outcome: ss.data.Outcome, Bonus: ss.settings.StoreCreditBonusPercent, Address: ss.data.Address}
	for _, it := range ss.data.Items {
		l, _ := ss.line(it.LineID)
		if l == nil {
			continue
		}
		if vs := ss.settings.ExchangeVariants[l.ProductID]; len(vs) > 0 {
			pg.Exchange = append(pg.Exchange, exchangeRow{Index: lineIndex(ss, l.ID), Title: l.Title, Variants: vs, Chosen: ss.data.Exchange[l.ID]})
		}
	}
	if pg.Outcome == "" {
		pg.Outcome = string(returns.CompensationRefund)
	}
	v := ss.view("Refund and address")
	v.Errors = errs
	v.Data = pg
	return v
}

func lineIndex(ss *session, id string) int {
	for i, l := range ss.order.Lines {
		if l.ID == id {
			return i
		}
	}
	return -1
}

func (p *Portal) optionsPage(w http.ResponseWriter, r *http.Request) {
	ss, ok := p.step(w, r, 1)
	if !ok {
		return
	}
	p.rd.Page(w, r, http.StatusOK, "options", p.optionsView(ss, nil))
}

// step is session for a step that needs the ones before it done.
func (p *Portal) step(w http.ResponseWriter, r *http.Request, need int) (*session, bool) {
	ss, ok := p.session(w, r)
	if !ok {
		return nil, false
	}
	if ss.draft.ReturnID != "" {
		http.Redirect(w, r, p.StatusURL(ss.settings.Handle, ss.settings.StoreID, ss.draft.ReturnID), http.StatusSeeOther)
		return nil, false
	}
	if ss.data.Done < need || len(ss.data.Items) == 0 {
		http.Redirect(w, r, ss.base+"/items", http.StatusSeeOther)
		return nil, false
	}
	return ss, true
}

func (p *Portal) options(w http.ResponseWriter, r *http.Request) {
	ss, ok := p.step(w, r, 1)
	if !ok {
		return
	}
	f, err := web.ParseForm(w, r, 64<<10)
	if err != nil {
		p.rd.Error(w, r, http.StatusBadRequest, ss.view(""), "The form could not be read. Please try again.", ss.base+"/options")
		return
	}
	allowed := []string{string(returns.CompensationRefund), string(returns.CompensationStoreCredit)}
	pg := p.optionsView(ss, nil).Data.(*optionsPage)
	if len(pg.Exchange) > 0 {
		allowed = append(allowed, string(returns.CompensationExchange))
	}
	outcome := f.Choice("outcome", allowed, "Choose what you would like back.")
	exch := map[string]string{}
	if outcome == string(returns.CompensationExchange) {
		for _, row := range pg.Exchange {
			field := "variant-" + strconv.Itoa(row.Index)
			v := f.String(field, 100)
			found := false
			for _, x := range row.Variants {
				found = found || x.VariantID == v
			}
			if !found {
				f.Errors.Add(field, fmt.Sprintf("Choose the variant of %s you want instead.", row.Title))
				continue
			}
			exch[ss.order.Lines[row.Index].ID] = v
		}
	}
	a := returns.Address{
		FirstName: f.String("first_name", 100), LastName: f.String("last_name", 100),
		Address1: f.Required("address1", 200, "Enter the street and house number."),
		Address2: f.String("address2", 200),
		City:     f.Required("city", 100, "Enter the town or city."),
		Zip:      f.String("zip", 20), ProvinceCode: f.String("province", 50),
		CountryCode: strings.ToUpper(f.String("country", 0)),
		Phone:       f.String("phone", 40),
	}
	if !isAlpha2(a.CountryCode) {
		f.Errors.Add("country", "Enter the country as a two-letter code, such as US.")
	}
	if !f.Errors.OK() {
		v := p.optionsView(ss, f.Errors)
		pg := v.Data.(*optionsPage)
		pg.Outcome, pg.Address = outcome, a
		p.rd.Page(w, r, http.StatusUnprocessableEntity, "options", v)
		return
	}
	ss.data.Outcome, ss.data.Exchange, ss.data.Address, ss.data.Done = outcome, exch, a, 2
	if err := p.saveDraft(r.Context(), ss); err != nil {
		p.fail(w, r, ss.site, err)
		return
	}
	http.Redirect(w, r, ss.base+"/review", http.StatusSeeOther)
}

func isAlpha2(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

package portal

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/web"
)

type optionsPage struct {
	Base     string
	Outcome  string
	Bonus    int
	Exchange []exchangeRow // items that may be exchanged
	Address  returns.Address
}

// exchangeRow is an item to return with the variants it may be exchanged
// for.
type exchangeRow struct {
	Index    int
	Title    string
	Variants []variantChoice
	Chosen   string
	offers   []returns.CatalogVariant
}

// variantChoice is one variant in an exchange row's list: its price and
// what it costs or gives back against the returned units.
type variantChoice struct {
	ID, Label string
	Disabled  bool // out of stock: shown, not offered
}

// optionsView builds the options page: for each chosen item, the variants
// it may be exchanged for (Portal.variants) with their price differences
// against the item's value (returns.ValueItems over the draft, as the
// review and processing value it).
func (p *Portal) optionsView(ctx context.Context, ss *session, errs web.Errors) *web.View {
	pg := &optionsPage{Base: ss.base, Outcome: ss.data.Outcome, Bonus: ss.settings.StoreCreditBonusPercent, Address: ss.data.Address}
	cur := ss.order.ShopCurrency
	var values []returns.ReturnItem
	if pv, err := p.preview(ss, ss.data.Items, string(returns.CompensationRefund), nil); err == nil {
		values = pv.Items
	}
	for i, it := range ss.data.Items {
		l, _ := ss.line(it.LineID)
		if l == nil || i >= len(values) {
			continue
		}
		vs := p.variants(ctx, ss, l)
		if len(vs) == 0 {
			continue
		}
		row := exchangeRow{Index: lineIndex(ss, l.ID), Title: l.Title, Chosen: ss.data.Exchange[l.ID].VariantID, offers: vs}
		for _, v := range vs {
			label := fmt.Sprintf("%s – %s %s (%s)", v.Title, money.Format(v.Price, cur), cur, priceDifference(v, it.Quantity, values[i].Value.Total, cur))
			if !v.InStock {
				label = v.Title + " – out of stock"
			}
			row.Variants = append(row.Variants, variantChoice{ID: v.VariantID, Label: label, Disabled: !v.InStock})
		}
		pg.Exchange = append(pg.Exchange, row)
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
	p.rd.Page(w, r, http.StatusOK, "options", p.optionsView(r.Context(), ss, nil))
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
	pg := p.optionsView(r.Context(), ss, nil).Data.(*optionsPage)
	if len(pg.Exchange) > 0 {
		allowed = append(allowed, string(returns.CompensationExchange))
	}
	outcome := f.Choice("outcome", allowed, "Choose what you would like back.")
	exch := map[string]returns.CatalogVariant{}
	if outcome == string(returns.CompensationExchange) {
		for _, row := range pg.Exchange {
			field := "variant-" + strconv.Itoa(row.Index)
			id := f.String(field, 100)
			i := slices.IndexFunc(row.offers, func(v returns.CatalogVariant) bool { return v.VariantID == id })
			switch {
			case i < 0:
				f.Errors.Add(field, fmt.Sprintf("Choose the variant of %s you want instead.", row.Title))
			case !row.offers[i].InStock:
				f.Errors.Add(field, fmt.Sprintf("%s of %s is out of stock: choose another variant.", row.offers[i].Title, row.Title))
			default:
				exch[ss.order.Lines[row.Index].ID] = row.offers[i]
			}
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
		v := p.optionsView(r.Context(), ss, f.Errors)
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

package admin

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/shipping/shipsvc"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/web/portal"
)

// ---- portal settings (owner only)

type portalForm struct {
	StoreName, Handle, LogoURL, Color, LookupBy, Bonus, Variants string
	LookupBys                                                    []string
}

var lookupBys = []string{"email", "postal_code", "either"}

func (h *Handler) portalPage(w http.ResponseWriter, r *http.Request, p *page) {
	p.Nav, p.Sub = "settings", "portal"
	ps, err := portal.GetSettings(r.Context(), h.st, p.Store.ID)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	pf := portalForm{StoreName: p.Store.Name, Handle: ps.Handle, LogoURL: ps.LogoURL, Color: ps.Color, LookupBy: ps.LookupBy,
		Bonus: strconv.Itoa(ps.StoreCreditBonusPercent), LookupBys: lookupBys}
	if pf.LookupBy == "" {
		pf.LookupBy = "email"
	}
	if len(ps.ExchangeVariants) > 0 {
		b, _ := json.MarshalIndent(ps.ExchangeVariants, "", "  ")
		pf.Variants = string(b)
	}
	h.render(w, r, http.StatusOK, "portal", p, "Portal", nil, pf)
}

func (h *Handler) savePortal(w http.ResponseWriter, r *http.Request, p *page) {
	p.Nav, p.Sub = "settings", "portal"
	f, ok := h.form(w, r, p)
	if !ok {
		return
	}
	pf := portalForm{StoreName: p.Store.Name, Handle: strings.TrimSpace(f.String("handle", 40)), LogoURL: strings.TrimSpace(f.String("logoUrl", 2000)),
		Color: strings.TrimSpace(f.String("color", 7)), LookupBy: f.String("lookupBy", 20), Bonus: f.String("bonus", 3), Variants: f.String("variants", 50000),
		LookupBys: lookupBys}
	ps := &store.PortalSettings{StoreID: p.Store.ID, Handle: pf.Handle, LogoURL: pf.LogoURL, Color: pf.Color,
		LookupBy:                f.Choice("lookupBy", lookupBys, "Choose how shoppers find their order."),
		StoreCreditBonusPercent: f.Int("bonus", 0, 100, true, "Enter a percentage from 0 to 100.")}
	if v := strings.TrimSpace(pf.Variants); v != "" {
		if err := json.Unmarshal([]byte(v), &ps.ExchangeVariants); err != nil {
			f.Errors.Add("variants", `Exchange variants: write JSON like {"prod_1": [{"variantId": "v2", "title": "Large", "price": "29.99"}]}.`)
		}
	}
	if f.Errors.OK() {
		if err := portal.PutSettings(r.Context(), h.st, ps); err != nil {
			switch returns.ErrorCode(err) {
			case returns.EINVALID, returns.ECONFLICT:
				field := errorField(err)
				if strings.HasPrefix(field, "exchangeVariants") {
					field = "variants"
				} else if field == "storeCreditBonusPercent" {
					field = "bonus"
				} else if field == "" {
					field = "handle"
				}
				f.Errors.Add(field, returns.ErrorMessage(err))
			default:
				h.fail(w, r, p, err)
				return
			}
		}
	}
	if !f.Errors.OK() {
		h.render(w, r, http.StatusUnprocessableEntity, "portal", p, "Portal", f.Errors, pf)
		return
	}
	h.redirect(w, r, Prefix+"/settings/portal", "Portal settings saved.")
}

// ---- destinations (owner only)

type destinationsForm struct{ JSON string }

func (h *Handler) destinationsPage(w http.ResponseWriter, r *http.Request, p *page) {
	p.Nav, p.Sub = "settings", "destinations"
	if h.ship == nil {
		h.fail(w, r, p, returns.Errorf(returns.ENOTFOUND, "shipping is not configured"))
		return
	}
	ds, err := h.ship.Destinations(r.Context(), p.Store.ID)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	b, _ := json.MarshalIndent(ds, "", "  ")
	h.render(w, r, http.StatusOK, "destinations", p, "Destinations", nil, destinationsForm{JSON: string(b)})
}

func (h *Handler) saveDestinations(w http.ResponseWriter, r *http.Request, p *page) {
	p.Nav, p.Sub = "settings", "destinations"
	f, ok := h.form(w, r, p)
	if !ok || h.ship == nil {
		return
	}
	df := destinationsForm{JSON: f.String("destinations", 60000)}
	var ds shipsvc.Destinations
	dec := json.NewDecoder(strings.NewReader(df.JSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ds); err != nil {
		f.Errors.Add("destinations", "Destinations: not valid JSON of the shape shown in the documentation ("+err.Error()+").")
	} else if _, err := h.ship.SetDestinations(r.Context(), p.Store.ID, ds); err != nil {
		if returns.ErrorCode(err) != returns.EINVALID {
			h.fail(w, r, p, err)
			return
		}
		msg := returns.ErrorMessage(err)
		if fl := errorField(err); fl != "" {
			msg = fl + ": " + msg
		}
		f.Errors.Add("destinations", "Destinations not saved: "+msg)
	}
	if !f.Errors.OK() {
		h.render(w, r, http.StatusUnprocessableEntity, "destinations", p, "Destinations", f.Errors, df)
		return
	}
	h.redirect(w, r, Prefix+"/settings/destinations", "Destinations saved.")
}

// errorField is the Field of a *returns.Error in err, or "".
func errorField(err error) string {
	var e *returns.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// ---- the shopper emails (owner only)

func (h *Handler) emailsPage(w http.ResponseWriter, r *http.Request, p *page) {
	p.Nav, p.Sub = "settings", "emails"
	es, err := store.Read(r.Context(), h.st, func(tx store.ReadTx) ([]*store.OutboxEmail, error) {
		return tx.ListOutboxEmails(r.Context(), p.Store.ID, 100)
	})
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.render(w, r, http.StatusOK, "emails", p, "Emails", nil, es)
}

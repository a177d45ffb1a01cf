package admin

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/shipping"
	"github.com/reboundhq/rebound/internal/shipping/shipsvc"
	"github.com/reboundhq/rebound/internal/web"
)

// ---- return labels (owner, agent): shipsvc.QuoteReturn and BuyReturnLabel

var weightUnits = []string{string(shipping.Ounce), string(shipping.Pound), string(shipping.Gram), string(shipping.Kilogram)}

// labelForm is the label page's form: the parcel weight, the rate chosen
// ("carrierId|service"), the idempotency key of the purchase it makes.
type labelForm struct {
	Weight, Unit, Rate, Key string
}

// rateValue is a rate as the form's radio value.
func rateValue(rt shipsvc.Rate) string { return rt.CarrierID + "|" + rt.Service }

type labelData struct {
	R         *returns.Return
	Labels    *shipsvc.ReturnLabels
	Rates     []shipsvc.Rate
	Form      labelForm
	Units     []string
	HasLabel  bool   // the return has a label that is not cancelled
	RateError string // why no rates are shown ("" when quoted)
	Chosen    *shipsvc.Rate
}

// newKey is a fresh idempotency key for one purchase form.
func newKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// labelReturn loads the return of the path for the label pages (the ship
// service is required: without one there is no such page).
func (h *Handler) labelReturn(w http.ResponseWriter, r *http.Request, p *page) (*returns.Return, bool) {
	p.Nav = "returns"
	if h.ship == nil {
		h.fail(w, r, p, returns.Errorf(returns.ENOTFOUND, "Shipping is not configured."))
		return nil, false
	}
	id := r.PathValue("id")
	if !hexID.MatchString(id) {
		h.fail(w, r, p, returns.Errorf(returns.ENOTFOUND, "No return has the id %q.", id))
		return nil, false
	}
	res, err := h.app.GetReturn(r.Context(), p.Store.ID, id)
	if err != nil {
		h.fail(w, r, p, err)
		return nil, false
	}
	return res.Return, true
}

// labelPage shows the return's label and its history, and the rates of a
// parcel of the weight asked for (the policy's default first).
func (h *Handler) labelPage(w http.ResponseWriter, r *http.Request, p *page) {
	ret, ok := h.labelReturn(w, r, p)
	if !ok {
		return
	}
	f := web.NewForm(r)
	lf := labelForm{Weight: f.String("weight", 20), Unit: f.String("unit", 3), Key: newKey()}
	h.renderLabel(w, r, p, http.StatusOK, ret, f.Errors, lf, true)
}

// renderLabel renders the label page; quote asks for rates (when the
// weight is good).
func (h *Handler) renderLabel(w http.ResponseWriter, r *http.Request, p *page, status int, ret *returns.Return, errs web.Errors, lf labelForm, quote bool) {
	ls, err := h.ship.ReturnLabels(r.Context(), p.Store.ID, ret.ID)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	if lf.Weight == "" {
		lf.Weight = ls.Weight.Value
	}
	if lf.Unit == "" {
		lf.Unit = string(ls.Weight.Unit)
	}
	d := labelData{R: ret, Labels: ls, Form: lf, Units: weightUnits,
		HasLabel: ret.Label != nil && ret.Label.Status != string(shipping.StatusCancelled)}
	if quote && errs.Get("weight") == "" {
		rates, err := h.ship.QuoteReturn(r.Context(), p.Store.ID, ret.ID, shipping.Weight{Value: lf.Weight, Unit: shipping.WeightUnit(lf.Unit)})
		switch {
		case err == nil:
			d.Rates = rates
			if len(rates) == 0 {
				d.RateError = "The carriers offer no rate for this parcel."
			}
		case labelErrorShown(err):
			if errs == nil {
				errs = web.Errors{}
			}
			if status == http.StatusOK {
				status = http.StatusUnprocessableEntity
			}
			addLabelErrors(errs, err)
			d.RateError = "No rates: see the message above."
		default:
			h.fail(w, r, p, err)
			return
		}
	}
	h.render(w, r, status, "label", p, "Return label", errs, d)
}

// labelErrorShown reports whether a label use case's error is told on the
// page (bad input, no carrier or destination, the carrier's refusal or
// absence, a conflict) rather than as an error page.
func labelErrorShown(err error) bool {
	switch returns.ErrorCode(err) {
	case returns.EINVALID, returns.EUNPROCESSABLE, returns.ECONFLICT, returns.EUNAVAILABLE, returns.EUPSTREAM:
		return true
	}
	return false
}

// addLabelErrors puts a label use case's errors by their fields: the
// weight by its control, the rest (addresses, carrier, conflicts) at the
// top of the form ("buy").
func addLabelErrors(errs web.Errors, err error) {
	for _, e := range unjoin(err) {
		field, msg := errorField(e), returns.ErrorMessage(e)
		switch {
		case field == "weight":
			errs.Add("weight", "Enter a weight like 1.5 in oz, lb, g or kg ("+msg+").")
		case strings.HasPrefix(field, "shopperAddress."):
			errs.Add("buy", "The shopper's address is incomplete: "+addressPart(strings.TrimPrefix(field, "shopperAddress."))+" "+msg+". Nothing was bought.")
		case strings.HasPrefix(field, "destination."):
			errs.Add("buy", "The return destination's address is incomplete: "+addressPart(strings.TrimPrefix(field, "destination."))+" "+msg+" (Settings → Destinations). Nothing was bought.")
		case returns.ErrorCode(e) == returns.EUNAVAILABLE:
			errs.Add("buy", "The carrier could not be reached: "+msg+". Nothing was bought; try again.")
		default:
			errs.Add("buy", upperFirst(msg)+". Nothing was bought.")
		}
	}
}

func addressPart(f string) string {
	switch f {
	case "street1":
		return "the street"
	case "postalCode":
		return "the postal code"
	case "name":
		return "the name"
	}
	return "the " + f
}

func upperFirst(s string) string {
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// buyLabel buys the chosen rate. A return that has a label gets a
// confirmation page first (the replacement voids it); the confirmed form
// replaces it. The form's idempotency key makes a form sent twice buy one
// label: the second answer is the first purchase.
func (h *Handler) buyLabel(w http.ResponseWriter, r *http.Request, p *page) {
	ret, ok := h.labelReturn(w, r, p)
	if !ok {
		return
	}
	f, ok := h.form(w, r, p)
	if !ok {
		return
	}
	lf := labelForm{Weight: f.String("weight", 20), Unit: f.Choice("unit", weightUnits, "Choose oz, lb, g or kg."), Rate: f.String("rate", 300),
		Key: f.String("key", shipsvc.MaxReturnLabelKey)}
	carrierID, service, _ := strings.Cut(lf.Rate, "|")
	if carrierID == "" || service == "" {
		f.Errors.Add("rate", "Choose a rate.")
	}
	if lf.Key == "" {
		f.Errors.Add("buy", "The form is incomplete: reload the page and choose the rate again.")
		lf.Key = newKey()
	}
	if !f.Errors.OK() {
		h.renderLabel(w, r, p, http.StatusUnprocessableEntity, ret, f.Errors, lf, true)
		return
	}
	confirmed := f.String("confirm", 3) == "yes"
	in := shipsvc.ReturnLabelInput{CarrierID: carrierID, Service: service, Weight: shipping.Weight{Value: lf.Weight, Unit: shipping.WeightUnit(lf.Unit)},
		IdempotencyKey: lf.Key, Replace: confirmed}
	res, err := h.ship.BuyReturnLabel(r.Context(), actor(p), p.Store.ID, ret.ID, in)
	if returns.ErrorCode(err) == returns.ECONFLICT && errorField(err) == "replace" {
		h.confirmReplace(w, r, p, ret, lf)
		return
	}
	if err != nil {
		if !labelErrorShown(err) {
			h.fail(w, r, p, err)
			return
		}
		if errorField(err) == "idempotencyKey" {
			lf.Key = newKey() // that key bought another label: this form starts afresh
		}
		// The return as it is now: a replacement failing after the void
		// shows the voided label.
		if res, gerr := h.app.GetReturn(r.Context(), p.Store.ID, ret.ID); gerr == nil {
			ret = res.Return
		}
		addLabelErrors(f.Errors, err)
		h.renderLabel(w, r, p, http.StatusUnprocessableEntity, ret, f.Errors, lf, true)
		return
	}
	sh := res.Purchase.Shipment
	msg := fmt.Sprintf("Label bought: %s %s, tracking %s.", sh.Carrier, serviceName(sh.Rate), sh.TrackingNumber)
	switch {
	case res.Replayed:
		msg = fmt.Sprintf("This form was sent already: its label (tracking %s) was bought once, nothing more.", sh.TrackingNumber)
	case res.Voided != "":
		msg = fmt.Sprintf("Label %s voided and replaced: %s %s, tracking %s.", res.Voided, sh.Carrier, serviceName(sh.Rate), sh.TrackingNumber)
	}
	h.redirect(w, r, Prefix+"/returns/"+ret.ID, msg)
}

func serviceName(rt shipping.Rate) string {
	if rt.ServiceName != "" {
		return rt.ServiceName
	}
	return rt.Service
}

// confirmReplace asks to confirm that the current label is voided for the
// chosen rate, with the form's values (its key included) carried over.
func (h *Handler) confirmReplace(w http.ResponseWriter, r *http.Request, p *page, ret *returns.Return, lf labelForm) {
	rates, err := h.ship.QuoteReturn(r.Context(), p.Store.ID, ret.ID, shipping.Weight{Value: lf.Weight, Unit: shipping.WeightUnit(lf.Unit)})
	if err != nil {
		errs := web.Errors{}
		if !labelErrorShown(err) {
			h.fail(w, r, p, err)
			return
		}
		addLabelErrors(errs, err)
		h.renderLabel(w, r, p, http.StatusUnprocessableEntity, ret, errs, lf, false)
		return
	}
	d := labelData{R: ret, Form: lf, HasLabel: true}
	for i := range rates {
		if rateValue(rates[i]) == lf.Rate {
			d.Chosen = &rates[i]
		}
	}
	if d.Chosen == nil {
		h.renderLabel(w, r, p, http.StatusUnprocessableEntity, ret, web.Errors{"rate": "That rate is no longer offered: choose another."}, lf, true)
		return
	}
	h.render(w, r, http.StatusOK, "labelconfirm", p, "Replace the label", nil, d)
}

// labelPDF serves a label document of one of the return's shipments.
func (h *Handler) labelPDF(w http.ResponseWriter, r *http.Request, p *page) {
	ret, ok := h.labelReturn(w, r, p)
	if !ok {
		return
	}
	sid := r.PathValue("shipment")
	sh, err := h.ship.GetShipment(r.Context(), p.Store.ID, sid)
	if err == nil && sh.Record.ReturnID != ret.ID {
		err = returns.Errorf(returns.ENOTFOUND, "This return has no label %q.", sid)
	}
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	b, ct, err := h.ship.Document(r.Context(), p.Store.ID, sid, shipsvc.DocLabel)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", "label-"+sh.Shipment.TrackingNumber+".pdf"))
	_, _ = w.Write(b)
}

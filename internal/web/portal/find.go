package portal

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/ratelimit"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/web"
)

// findForm is the find page's data.
type findForm struct {
	Action   string
	Number   string
	Email    string
	Postal   string
	Method   string // email or postal_code
	ByEmail  bool   // the store accepts the email
	ByPostal bool   // the store accepts the postal code
	Problem  string // the lookup failed (never says which field was wrong)
}

func (s *site) findForm() *findForm {
	f := &findForm{Action: s.base, Method: "email"}
	switch s.settings.LookupBy {
	case "postal_code":
		f.ByPostal, f.Method = true, "postal_code"
	case "either":
		f.ByEmail, f.ByPostal = true, true
	default:
		f.ByEmail = true
	}
	return f
}

func (p *Portal) findPage(w http.ResponseWriter, r *http.Request) {
	s, ok := p.site(w, r)
	if !ok {
		return
	}
	v := s.view("Start a return")
	v.Flash = web.TakeFlash(w, r)
	v.Data = s.findForm()
	p.rd.Page(w, r, http.StatusOK, "find", v)
}

// notFoundMsg is the one answer to a failed lookup, whichever of the two
// inputs was wrong.
const notFoundMsg = "We couldn't find an order with these details. Check the order number and the other detail you entered, and try again."

func (p *Portal) find(w http.ResponseWriter, r *http.Request) {
	s, ok := p.site(w, r)
	if !ok {
		return
	}
	storeID := s.settings.StoreID
	if ok, wait := p.perIP.Allow(storeID + "|" + clientIP(r)); !ok {
		p.tooMany(w, r, s, wait)
		return
	}
	f, err := web.ParseForm(w, r, 16<<10)
	if err != nil {
		p.rd.Error(w, r, http.StatusBadRequest, s.view(""), "The form could not be read. Please try again.", s.base)
		return
	}
	ff := s.findForm()
	ff.Number = f.Required("number", 100, "Enter your order number.")
	if ff.ByEmail && ff.ByPostal {
		ff.Method = f.Choice("method", []string{"email", "postal_code"}, "Choose how to confirm your order.")
	}
	if ff.Method == "email" {
		ff.Email = f.Required("email", 254, "Enter the email address you ordered with.")
	} else if ff.Method == "postal_code" {
		ff.Postal = f.Required("postal", 20, "Enter the postal code the order was sent to.")
	}
	v := s.view("Start a return")
	v.Data = ff
	if !f.Errors.OK() {
		v.Errors = f.Errors
		p.rd.Page(w, r, http.StatusUnprocessableEntity, "find", v)
		return
	}
	if ok, wait := p.perOrder.Allow(storeID + "|" + normalize(ff.Number)); !ok {
		p.tooMany(w, r, s, wait)
		return
	}
	o, err := p.lookup(r, storeID, ff)
	if err != nil {
		p.fail(w, r, s, err)
		return
	}
	if o == nil {
		ff.Problem = notFoundMsg
		p.rd.Page(w, r, http.StatusUnprocessableEntity, "find", v)
		return
	}
	addr := o.ShippingAddress
	if addr.FirstName == "" && addr.LastName == "" {
		addr.FirstName, addr.LastName = o.Customer.FirstName, o.Customer.LastName
	}
	data, _ := jsonMarshal(draftData{Address: addr})
	d := &store.PortalDraft{ID: randomHex(16), StoreID: storeID, OrderID: o.ID, IdemKey: randomHex(16), Data: data}
	if err := p.app.Store.Update(r.Context(), func(tx store.Tx) error { return tx.PutPortalDraft(r.Context(), d) }); err != nil {
		p.fail(w, r, s, err)
		return
	}
	web.SetCookie(w, r, &http.Cookie{Name: cookieName, Value: d.ID, Path: s.base, MaxAge: int(draftTTL.Seconds())})
	http.Redirect(w, r, s.base+"/items", http.StatusSeeOther)
}

// lookup finds the order by the number the shopper typed (its name or
// platform id, never Rebound's internal id) and checks the second detail;
// nil when they do not match.
func (p *Portal) lookup(r *http.Request, storeID string, ff *findForm) (*returns.Order, error) {
	ctx := r.Context()
	var o *returns.Order
	for _, ref := range []string{ff.Number, strings.TrimPrefix(ff.Number, "#"), "#" + ff.Number} {
		err := p.app.Store.View(ctx, func(tx store.ReadTx) error {
			var err error
			o, err = tx.GetOrder(ctx, storeID, ref)
			return err
		})
		if returns.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if normalize(o.Name) == normalize(ref) || normalize(o.ExternalID) == normalize(ref) {
			break
		}
		o = nil
	}
	if o == nil {
		return nil, nil
	}
	switch ff.Method {
	case "email":
		if o.Customer.Email == "" || !strings.EqualFold(strings.TrimSpace(o.Customer.Email), ff.Email) {
			return nil, nil
		}
	case "postal_code":
		zip := o.ShippingAddress.Zip
		if o.BillingAddress != nil && normalize(o.BillingAddress.Zip) == normalize(ff.Postal) {
			zip = o.BillingAddress.Zip
		}
		if zip == "" || normalize(zip) != normalize(ff.Postal) {
			return nil, nil
		}
	default:
		return nil, nil
	}
	return o, nil
}

func (p *Portal) tooMany(w http.ResponseWriter, r *http.Request, s *site, wait time.Duration) {
	secs := ratelimit.RetryAfterSeconds(wait)
	w.Header().Set("Retry-After", fmt.Sprint(secs))
	p.rd.Error(w, r, http.StatusTooManyRequests, s.view(""),
		fmt.Sprintf("You have tried too many times. Please wait %d seconds and try again.", secs), s.base)
}

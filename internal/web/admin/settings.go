package admin

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/reboundhq/rebound/internal/ecwidsync"
	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/refundid/refundidsync"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/users"
	"github.com/reboundhq/rebound/internal/web"
	"github.com/reboundhq/rebound/internal/webhooks"
)

// ---- policy

type policyForm struct {
	WindowDays, WindowFrom, FinalSaleTags, NonReturnableSKUs, Reasons, ReviewRules string
	AutoApprove, RefundShipping                                                    bool
	RestockingPercent, RestockingFlat, ReturnShippingFee, Currency                 string
	WindowFroms                                                                    []string
}

var windowFroms = []string{string(returns.WindowFromOrder), string(returns.WindowFromFulfillment), string(returns.WindowFromDelivery)}

func formatReasons(rs []returns.Reason) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "%s | %s\n", r.Code, r.Label)
		for _, c := range r.Children {
			fmt.Fprintf(&b, "  %s | %s\n", c.Code, c.Label)
		}
	}
	return b.String()
}

func parseReasons(s string) ([]returns.Reason, error) {
	var out []returns.Reason
	for i, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		child := strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") || strings.HasPrefix(strings.TrimSpace(line), "- ")
		t := strings.TrimPrefix(strings.TrimSpace(line), "- ")
		code, label, ok := strings.Cut(t, "|")
		code, label = strings.TrimSpace(code), strings.TrimSpace(label)
		if !ok || code == "" || label == "" {
			return nil, fmt.Errorf("line %d: write a reason as \"code | Label\"", i+1)
		}
		r := returns.Reason{Code: code, Label: label}
		if child {
			if len(out) == 0 {
				return nil, fmt.Errorf("line %d: an indented reason needs a parent above it", i+1)
			}
			out[len(out)-1].Children = append(out[len(out)-1].Children, r)
		} else {
			out = append(out, r)
		}
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Review rules, one a line: "min=150.00 reasons=damaged,wrong tags=vip"
// (every part optional, at least one).
func formatRules(rs []returns.ReviewRule) string {
	var b strings.Builder
	for _, r := range rs {
		var parts []string
		if r.MinValue != nil {
			parts = append(parts, "min="+money.Format(r.MinValue.Minor, r.MinValue.Currency))
		}
		if len(r.ReasonCodes) > 0 {
			parts = append(parts, "reasons="+strings.Join(r.ReasonCodes, ","))
		}
		if len(r.CustomerTags) > 0 {
			parts = append(parts, "tags="+strings.Join(r.CustomerTags, ","))
		}
		b.WriteString(strings.Join(parts, " ") + "\n")
	}
	return b.String()
}

func parseRules(s, currency string) ([]returns.ReviewRule, error) {
	var out []returns.ReviewRule
	for i, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var r returns.ReviewRule
		for _, part := range strings.Fields(line) {
			k, v, _ := strings.Cut(part, "=")
			switch k {
			case "min":
				n, err := money.ParseAmount(v, currency)
				if err != nil {
					return nil, fmt.Errorf("line %d: min must be an amount in %s like 150.00", i+1, currency)
				}
				r.MinValue = &returns.Money{Minor: n, Currency: currency}
			case "reasons":
				r.ReasonCodes = splitList(v)
			case "tags":
				r.CustomerTags = splitList(v)
			default:
				return nil, fmt.Errorf("line %d: %q is not min=, reasons= or tags=", i+1, part)
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func policyToForm(p returns.Policy, currency string) policyForm {
	f := policyForm{WindowDays: strconv.Itoa(p.WindowDays), WindowFrom: string(p.WindowFrom), FinalSaleTags: strings.Join(p.FinalSaleTags, ", "),
		NonReturnableSKUs: strings.Join(p.NonReturnableSKUs, ", "), Reasons: formatReasons(p.Reasons), ReviewRules: formatRules(p.ReviewRules),
		AutoApprove: p.AutoApprove, RefundShipping: p.RefundShipping, Currency: currency,
		RestockingPercent: money.FormatScale(int64(p.RestockingFeeBasisPoints), 2),
		RestockingFlat:    money.Format(p.RestockingFeeFlat, currency), ReturnShippingFee: money.Format(p.ReturnShippingFee, currency), WindowFroms: windowFroms}
	for _, r := range p.ReviewRules {
		if r.MinValue != nil {
			f.Currency = r.MinValue.Currency
		}
	}
	return f
}

func (h *Handler) policyPage(w http.ResponseWriter, r *http.Request, p *page) {
	p.Nav, p.Sub = "settings", "policy"
	pol, err := h.app.GetPolicy(r.Context(), p.Store.ID)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.render(w, r, http.StatusOK, "policy", p, "Return policy", nil, policyToForm(pol, "USD"))
}

func (h *Handler) savePolicy(w http.ResponseWriter, r *http.Request, p *page) {
	p.Nav, p.Sub = "settings", "policy"
	f, ok := h.form(w, r, p)
	if !ok {
		return
	}
	pf := policyForm{WindowDays: f.String("windowDays", 10), WindowFrom: f.String("windowFrom", 20), FinalSaleTags: f.String("finalSaleTags", 20000),
		NonReturnableSKUs: f.String("nonReturnableSkus", 50000), Reasons: f.String("reasons", 50000), ReviewRules: f.String("reviewRules", 20000),
		AutoApprove: f.String("autoApprove", 5) == "on", RefundShipping: f.String("refundShipping", 5) == "on",
		RestockingPercent: f.String("restockingPercent", 10), RestockingFlat: f.String("restockingFlat", 20), ReturnShippingFee: f.String("returnShippingFee", 20),
		Currency: strings.ToUpper(f.String("currency", 3)), WindowFroms: windowFroms}
	var pol returns.Policy
	pol.WindowDays = f.Int("windowDays", 0, returns.MaxWindowDays, true, fmt.Sprintf("Enter a number of days from 0 to %d.", returns.MaxWindowDays))
	pol.WindowFrom = returns.WindowFrom(f.Choice("windowFrom", windowFroms, "Choose when the window starts."))
	pol.FinalSaleTags, pol.NonReturnableSKUs = splitList(pf.FinalSaleTags), splitList(pf.NonReturnableSKUs)
	pol.AutoApprove, pol.RefundShipping = pf.AutoApprove, pf.RefundShipping
	if _, err := money.ParseAmount("0", pf.Currency); err != nil {
		f.Errors.Add("currency", "Enter a currency code like USD or EUR.")
		pf.Currency = "USD"
	}
	var err error
	if pol.Reasons, err = parseReasons(pf.Reasons); err != nil {
		f.Errors.Add("reasons", "Reasons: "+err.Error()+".")
	}
	if pol.ReviewRules, err = parseRules(pf.ReviewRules, pf.Currency); err != nil {
		f.Errors.Add("reviewRules", "Review rules: "+err.Error()+".")
	}
	if bp, err := money.ParseDecimal(pf.RestockingPercent, 2, false); err != nil || bp < 0 || bp > 10000 {
		f.Errors.Add("restockingPercent", "Enter a percentage from 0 to 100, like 10 or 12.5.")
	} else {
		pol.RestockingFeeBasisPoints = int(bp)
	}
	for _, x := range []struct {
		name string
		dst  *int64
		val  string
	}{{"restockingFlat", &pol.RestockingFeeFlat, pf.RestockingFlat}, {"returnShippingFee", &pol.ReturnShippingFee, pf.ReturnShippingFee}} {
		if x.val == "" {
			continue
		}
		if n, err := money.ParseAmount(x.val, pf.Currency); err != nil || n < 0 {
			f.Errors.Add(x.name, "Enter an amount like 5.00 (0 for none).")
		} else {
			*x.dst = n
		}
	}
	if f.Errors.OK() {
		if _, err := h.app.PutPolicy(r.Context(), p.Store.ID, pol); err != nil {
			if returns.ErrorCode(err) != returns.EINVALID {
				h.fail(w, r, p, err)
				return
			}
			f.Errors.Add("windowDays", "The policy was not saved: "+returns.ErrorMessage(err))
		}
	}
	if !f.Errors.OK() {
		h.render(w, r, http.StatusUnprocessableEntity, "policy", p, "Return policy", f.Errors, pf)
		return
	}
	h.redirect(w, r, Prefix+"/settings/policy", "Return policy saved.")
}

// ---- integrations

type integrationsData struct {
	Ecwid    *ecwidsync.Connection
	Refundid *refundidsync.Connection
	Form     map[string]string
	// RefundidOn: the Refundid integration is configured (its form shown).
	RefundidOn   bool
	RefundidForm refundidForm
	// RefundidToken is the bearer token Connect generated, shown this
	// once; RefundidSaved that the connection was just saved.
	RefundidToken string
	RefundidSaved bool
	RefundidHosts []refundidsync.Host
}

func (h *Handler) integrations(r *http.Request, p *page) (integrationsData, error) {
	var d integrationsData
	ctx := r.Context()
	c, err := h.ecwid.Get(ctx, p.Store.ID)
	if err != nil && !returns.IsNotFound(err) {
		return d, err
	}
	d.Ecwid = c
	if h.refundid != nil {
		rc, err := h.refundid.Get(ctx, p.Store.ID)
		if err != nil && !returns.IsNotFound(err) {
			return d, err
		}
		d.Refundid, d.RefundidOn, d.RefundidHosts = rc, true, refundidsync.Hosts()
		d.RefundidForm = refundidFormOf(rc)
	}
	return d, nil
}

func (h *Handler) integrationsPage(w http.ResponseWriter, r *http.Request, p *page) {
	p.Nav, p.Sub = "settings", "integrations"
	d, err := h.integrations(r, p)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	d.Form = map[string]string{"customerGroup": "Returns"}
	h.render(w, r, http.StatusOK, "integrations", p, "Integrations", nil, d)
}

func (h *Handler) connectEcwid(w http.ResponseWriter, r *http.Request, p *page) {
	p.Nav, p.Sub = "settings", "integrations"
	f, ok := h.form(w, r, p)
	if !ok {
		return
	}
	form := map[string]string{}
	for _, k := range []string{"ecwidStoreId", "accessToken", "customerGroup", "clientId", "clientSecret", "apiBaseUrl"} {
		form[k] = f.String(k, 2048)
	}
	in := ecwidsync.ConnectInput{AccessToken: form["accessToken"], CustomerGroup: form["customerGroup"], ClientID: form["clientId"],
		ClientSecret: form["clientSecret"], APIBaseURL: form["apiBaseUrl"]}
	in.EcwidStoreID, _ = strconv.ParseInt(form["ecwidStoreId"], 10, 64)
	_, err := h.ecwid.Connect(r.Context(), p.Store.ID, in)
	if err != nil {
		code := returns.ErrorCode(err)
		if code != returns.EINVALID && code != returns.EUPSTREAM && code != returns.EUNAUTHORIZED {
			h.fail(w, r, p, err)
			return
		}
		for _, e := range unjoin(err) {
			field := "ecwidStoreId"
			if re, ok := e.(*returns.Error); ok && re.Field != "" {
				field = re.Field
			}
			f.Errors.Add(field, returns.ErrorMessage(e))
		}
		d, derr := h.integrations(r, p)
		if derr != nil {
			h.fail(w, r, p, derr)
			return
		}
		form["accessToken"], form["clientSecret"] = "", "" // secrets are never echoed back
		d.Form = form
		h.render(w, r, http.StatusUnprocessableEntity, "integrations", p, "Integrations", f.Errors, d)
		return
	}
	h.redirect(w, r, Prefix+"/settings/integrations", "Ecwid connected.")
}

func unjoin(err error) []error {
	var out []error
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		var re *returns.Error
		if asErr(e, &re) {
			out = append(out, re)
			return
		}
		out = append(out, e)
	}
	walk(err)
	return out
}

func (h *Handler) disconnectEcwid(w http.ResponseWriter, r *http.Request, p *page) {
	if err := h.ecwid.Disconnect(r.Context(), p.Store.ID); err != nil && !returns.IsNotFound(err) {
		h.fail(w, r, p, err)
		return
	}
	h.redirect(w, r, Prefix+"/settings/integrations", "Ecwid disconnected.")
}

func (h *Handler) disconnectRefundid(w http.ResponseWriter, r *http.Request, p *page) {
	if h.refundid != nil {
		if err := h.refundid.Disconnect(r.Context(), p.Store.ID); err != nil && !returns.IsNotFound(err) {
			h.fail(w, r, p, err)
			return
		}
	}
	h.redirect(w, r, Prefix+"/settings/integrations", "Refundid disconnected.")
}

// ---- webhooks

type webhooksData struct {
	Webhooks []*returns.Webhook
	Secret   string
	URL      string
	Kinds    []string
}

func (h *Handler) webhooksPage(w http.ResponseWriter, r *http.Request, p *page) {
	p.Nav, p.Sub = "settings", "webhooks"
	ws, err := h.hooks.ListWebhooks(r.Context(), p.Store.ID)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.render(w, r, http.StatusOK, "webhooks", p, "Webhooks", nil, webhooksData{Webhooks: ws, Kinds: []string{"redo", "loop"}})
}

func (h *Handler) createWebhook(w http.ResponseWriter, r *http.Request, p *page) {
	p.Nav, p.Sub = "settings", "webhooks"
	f, ok := h.form(w, r, p)
	if !ok {
		return
	}
	u := f.Required("url", 2048, "Enter the URL to deliver to.")
	kind := f.Choice("kind", []string{"redo", "loop"}, "Choose the payload format.")
	tok := f.String("bearerToken", webhooks.MaxBearerTokenLen)
	var res *webhooks.WebhookResult
	if f.Errors.OK() {
		in := webhooks.WebhookInput{Kind: returns.WebhookKind(kind), Topic: returns.WebhookTopicReturn, URL: u}
		if tok != "" {
			in.BearerToken = &tok
		}
		var err error
		res, err = h.hooks.UpsertWebhook(r.Context(), p.Store.ID, in)
		if code := returns.ErrorCode(err); code == returns.EINVALID || code == returns.ECONFLICT || code == returns.EUNPROCESSABLE {
			f.Errors.Add("url", returns.ErrorMessage(err))
		} else if err != nil {
			h.fail(w, r, p, err)
			return
		}
	}
	ws, err := h.hooks.ListWebhooks(r.Context(), p.Store.ID)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	d := webhooksData{Webhooks: ws, URL: u, Kinds: []string{"redo", "loop"}}
	if !f.Errors.OK() {
		h.render(w, r, http.StatusUnprocessableEntity, "webhooks", p, "Webhooks", f.Errors, d)
		return
	}
	d.Secret, d.URL = res.Secret, ""
	h.render(w, r, http.StatusOK, "webhooks", p, "Webhooks", nil, d)
}

type webhookData struct {
	W   *returns.Webhook
	Log *webhooks.DeliveryLog
	// More is the next page's link.
	More string
}

func (h *Handler) webhookPage(w http.ResponseWriter, r *http.Request, p *page) {
	p.Nav, p.Sub = "settings", "webhooks"
	id := r.PathValue("id")
	wh, err := h.hooks.GetWebhook(r.Context(), p.Store.ID, id)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	log, err := h.hooks.ListDeliveries(r.Context(), p.Store.ID, id, before, 50)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	d := webhookData{W: wh, Log: log}
	if log.Next != 0 {
		d.More = fmt.Sprintf("%s/settings/webhooks/%s?before=%d", Prefix, id, log.Next)
	}
	h.render(w, r, http.StatusOK, "webhook", p, "Webhook deliveries", nil, d)
}

func (h *Handler) deleteWebhook(w http.ResponseWriter, r *http.Request, p *page) {
	if err := h.hooks.DeleteWebhook(r.Context(), p.Store.ID, r.PathValue("id")); err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.redirect(w, r, Prefix+"/settings/webhooks", "Webhook deleted.")
}

func (h *Handler) redeliver(w http.ResponseWriter, r *http.Request, p *page) {
	id := r.PathValue("id")
	did, err := strconv.ParseInt(r.PathValue("delivery"), 10, 64)
	if err != nil {
		h.fail(w, r, p, returns.Errorf(returns.ENOTFOUND, "No such delivery."))
		return
	}
	if _, err := h.hooks.Redeliver(r.Context(), p.Store.ID, id, did); err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.redirect(w, r, Prefix+"/settings/webhooks/"+id, fmt.Sprintf("Delivery %d queued again.", did))
}

// ---- API keys

type keysData struct {
	Keys   []*returns.APIKey
	Scopes []returns.Scope
	Secret string
	Label  string
}

func (h *Handler) keys(r *http.Request, p *page) ([]*returns.APIKey, error) {
	return store.Read(r.Context(), h.st, func(tx store.ReadTx) ([]*returns.APIKey, error) { return tx.ListAPIKeys(r.Context(), p.Store.ID) })
}

func (h *Handler) keysPage(w http.ResponseWriter, r *http.Request, p *page) {
	p.Nav, p.Sub = "settings", "keys"
	ks, err := h.keys(r, p)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.render(w, r, http.StatusOK, "keys", p, "API keys", nil, keysData{Keys: ks, Scopes: returns.AllScopes})
}

func (h *Handler) createKey(w http.ResponseWriter, r *http.Request, p *page) {
	p.Nav, p.Sub = "settings", "keys"
	f, ok := h.form(w, r, p)
	if !ok {
		return
	}
	label := f.String("label", 200)
	var scopes []returns.Scope
	for _, s := range f.Values("scope") {
		if !slices.Contains(returns.AllScopes, returns.Scope(s)) {
			f.Errors.Add("scopes", fmt.Sprintf("%q is not a scope. Nothing was created.", s))
			continue
		}
		scopes = append(scopes, returns.Scope(s))
	}
	if len(scopes) == 0 {
		f.Errors.Add("scopes", "Choose at least one scope.")
	}
	d := keysData{Scopes: returns.AllScopes, Label: label}
	if f.Errors.OK() {
		k, err := h.app.CreateAPIKey(r.Context(), p.Store.ID, scopes, label)
		if err != nil {
			h.fail(w, r, p, err)
			return
		}
		d.Secret, d.Label = k.Secret, ""
	}
	ks, err := h.keys(r, p)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	d.Keys = ks
	status := http.StatusOK
	if !f.Errors.OK() {
		status = http.StatusUnprocessableEntity
	}
	h.render(w, r, status, "keys", p, "API keys", f.Errors, d)
}

func (h *Handler) revokeKey(w http.ResponseWriter, r *http.Request, p *page) {
	id := r.PathValue("id")
	ks, err := h.keys(r, p)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	if !slices.ContainsFunc(ks, func(k *returns.APIKey) bool { return k.ID == id }) {
		h.fail(w, r, p, returns.Errorf(returns.ENOTFOUND, "This store has no API key %q.", id))
		return
	}
	if _, err := h.app.RevokeAPIKey(r.Context(), id); err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.redirect(w, r, Prefix+"/settings/keys", "API key revoked.")
}

// ---- users

type usersData struct {
	Users     []*store.User
	Roles     []users.Role
	InviteURL string
	Invited   string // the invitee's email, with InviteURL
	Email     string
	Role      string
	Me        string
}

func (h *Handler) usersPage(w http.ResponseWriter, r *http.Request, p *page) {
	p.Nav, p.Sub = "settings", "users"
	h.renderUsers(w, r, p, http.StatusOK, nil, usersData{Role: string(users.RoleAgent)})
}

func (h *Handler) renderUsers(w http.ResponseWriter, r *http.Request, p *page, status int, errs web.Errors, d usersData) {
	us, err := h.users.List(r.Context(), p.Store.ID)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	d.Users, d.Roles, d.Me = us, users.Roles, p.User.ID
	h.render(w, r, status, "users", p, "Users", errs, d)
}

func (h *Handler) inviteUser(w http.ResponseWriter, r *http.Request, p *page) {
	p.Nav, p.Sub = "settings", "users"
	f, ok := h.form(w, r, p)
	if !ok {
		return
	}
	email := f.Required("email", users.MaxEmailLen, "Enter the email address to invite.")
	role := f.Choice("role", []string{"owner", "agent", "warehouse"}, "Choose a role.")
	d := usersData{Email: email, Role: role}
	if f.Errors.OK() {
		scheme := "http"
		if web.IsHTTPS(r) {
			scheme = "https"
		}
		link := func(tok string) string { return scheme + "://" + r.Host + Prefix + "/invite/" + tok }
		u, tok, err := h.users.Invite(r.Context(), p.Store.ID, users.InviteInput{Email: email, Role: users.Role(role), InvitedBy: p.User.Email, Link: link})
		if code := returns.ErrorCode(err); code == returns.EINVALID || code == returns.ECONFLICT {
			f.Errors.Add("email", returns.ErrorMessage(err))
		} else if err != nil {
			h.fail(w, r, p, err)
			return
		} else {
			d = usersData{Role: string(users.RoleAgent), InviteURL: link(tok), Invited: u.Email}
		}
	}
	status := http.StatusOK
	if !f.Errors.OK() {
		status = http.StatusUnprocessableEntity
	}
	h.renderUsers(w, r, p, status, f.Errors, d)
}

func (h *Handler) setRole(w http.ResponseWriter, r *http.Request, p *page) {
	p.Nav, p.Sub = "settings", "users"
	f, ok := h.form(w, r, p)
	if !ok {
		return
	}
	role := f.Choice("role", []string{"owner", "agent", "warehouse"}, "Choose a role.")
	if !f.Errors.OK() {
		h.renderUsers(w, r, p, http.StatusUnprocessableEntity, f.Errors, usersData{Role: string(users.RoleAgent)})
		return
	}
	_, err := h.users.SetRole(r.Context(), p.Store.ID, r.PathValue("id"), users.Role(role))
	if returns.ErrorCode(err) == returns.ECONFLICT {
		h.renderUsers(w, r, p, http.StatusConflict, web.Errors{"role": returns.ErrorMessage(err)}, usersData{Role: string(users.RoleAgent)})
		return
	}
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.redirect(w, r, Prefix+"/settings/users", "Role changed.")
}

func (h *Handler) removeUser(w http.ResponseWriter, r *http.Request, p *page) {
	p.Nav, p.Sub = "settings", "users"
	err := h.users.Remove(r.Context(), p.Store.ID, r.PathValue("id"))
	if returns.ErrorCode(err) == returns.ECONFLICT {
		h.renderUsers(w, r, p, http.StatusConflict, web.Errors{"email": returns.ErrorMessage(err)}, usersData{Role: string(users.RoleAgent)})
		return
	}
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	h.redirect(w, r, Prefix+"/settings/users", "User removed.")
}

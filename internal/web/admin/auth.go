package admin

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/web"
)

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

func (h *Handler) routes() {
	m := h.mux
	m.HandleFunc("GET "+Prefix+"/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix+"/returns", http.StatusSeeOther)
	})
	m.HandleFunc("GET "+Prefix+"/signin", h.signInForm)
	m.HandleFunc("POST "+Prefix+"/signin", h.signIn)
	m.HandleFunc("POST "+Prefix+"/signout", h.signOut)
	m.HandleFunc("GET "+Prefix+"/invite/{token}", h.inviteForm)
	m.HandleFunc("POST "+Prefix+"/invite/{token}", h.acceptInvite)

	m.HandleFunc("GET "+Prefix+"/returns", h.auth(permAny, h.queue))
	m.HandleFunc("GET "+Prefix+"/returns.csv", h.auth(permAny, h.queueCSV))
	m.HandleFunc("GET "+Prefix+"/returns/{id}", h.auth(permAny, h.returnPage))
	m.HandleFunc("POST "+Prefix+"/returns/{id}/status", h.auth(permReview, h.setStatus))
	m.HandleFunc("POST "+Prefix+"/returns/{id}/comments", h.auth(permReview, h.addComment))
	m.HandleFunc("POST "+Prefix+"/returns/{id}/process/preview", h.auth(permAny, h.processPreview))
	m.HandleFunc("POST "+Prefix+"/returns/{id}/process", h.auth(permAny, h.process))
	m.HandleFunc("GET "+Prefix+"/returns/{id}/label", h.auth(permLabels, h.labelPage))
	m.HandleFunc("POST "+Prefix+"/returns/{id}/label", h.auth(permLabels, h.buyLabel))
	m.HandleFunc("GET "+Prefix+"/returns/{id}/labels/{shipment}", h.auth(permAny, h.labelPDF))

	m.HandleFunc("GET "+Prefix+"/settings", h.auth(permSettings, func(w http.ResponseWriter, r *http.Request, p *page) {
		http.Redirect(w, r, Prefix+"/settings/policy", http.StatusSeeOther)
	}))
	m.HandleFunc("GET "+Prefix+"/settings/policy", h.auth(permSettings, h.policyPage))
	m.HandleFunc("POST "+Prefix+"/settings/policy", h.auth(permSettings, h.savePolicy))
	m.HandleFunc("GET "+Prefix+"/settings/portal", h.auth(permSettings, h.portalPage))
	m.HandleFunc("POST "+Prefix+"/settings/portal", h.auth(permSettings, h.savePortal))
	m.HandleFunc("GET "+Prefix+"/settings/destinations", h.auth(permSettings, h.destinationsPage))
	m.HandleFunc("POST "+Prefix+"/settings/destinations", h.auth(permSettings, h.saveDestinations))
	m.HandleFunc("GET "+Prefix+"/settings/emails", h.auth(permSettings, h.emailsPage))
	m.HandleFunc("GET "+Prefix+"/settings/integrations", h.auth(permSettings, h.integrationsPage))
	m.HandleFunc("POST "+Prefix+"/settings/integrations/ecwid", h.auth(permSettings, h.connectEcwid))
	m.HandleFunc("POST "+Prefix+"/settings/integrations/ecwid/disconnect", h.auth(permSettings, h.disconnectEcwid))
	m.HandleFunc("POST "+Prefix+"/settings/integrations/refundid", h.auth(permSettings, h.connectRefundid))
	m.HandleFunc("POST "+Prefix+"/settings/integrations/refundid/disconnect", h.auth(permSettings, h.disconnectRefundid))
	m.HandleFunc("GET "+Prefix+"/settings/webhooks", h.auth(permSettings, h.webhooksPage))
	m.HandleFunc("POST "+Prefix+"/settings/webhooks", h.auth(permSettings, h.createWebhook))
	m.HandleFunc("GET "+Prefix+"/settings/webhooks/{id}", h.auth(permSettings, h.webhookPage))
	m.HandleFunc("POST "+Prefix+"/settings/webhooks/{id}/delete", h.auth(permSettings, h.deleteWebhook))
	m.HandleFunc("POST "+Prefix+"/settings/webhooks/{id}/deliveries/{delivery}/redeliver", h.auth(permSettings, h.redeliver))
	m.HandleFunc("GET "+Prefix+"/settings/keys", h.auth(permSettings, h.keysPage))
	m.HandleFunc("POST "+Prefix+"/settings/keys", h.auth(permSettings, h.createKey))
	m.HandleFunc("POST "+Prefix+"/settings/keys/{id}/revoke", h.auth(permSettings, h.revokeKey))
	m.HandleFunc("GET "+Prefix+"/settings/users", h.auth(permSettings, h.usersPage))
	m.HandleFunc("POST "+Prefix+"/settings/users", h.auth(permSettings, h.inviteUser))
	m.HandleFunc("POST "+Prefix+"/settings/users/{id}/role", h.auth(permSettings, h.setRole))
	m.HandleFunc("POST "+Prefix+"/settings/users/{id}/remove", h.auth(permSettings, h.removeUser))
	m.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		h.rd.Error(w, r, http.StatusNotFound, nil, "There is no such admin page.", Prefix+"/returns")
	})
}

type signInData struct {
	Email, Next string
}

// safeNext keeps a post-sign-in redirect inside the admin.
func safeNext(s string) string {
	if strings.HasPrefix(s, Prefix+"/") && !strings.HasPrefix(s, "//") && !strings.Contains(s, "\\") {
		return s
	}
	return Prefix + "/returns"
}

func (h *Handler) signInForm(w http.ResponseWriter, r *http.Request) {
	v := &web.View{Title: "Sign in", Flash: web.TakeFlash(w, r), Data: pageData{Page: signInData{Next: r.URL.Query().Get("next")}}}
	h.rd.Page(w, r, http.StatusOK, "signin", v)
}

func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	f, ok := h.form(w, r, nil)
	if !ok {
		return
	}
	email := f.String("email", 254)
	password := f.Values("password")
	next := f.String("next", 2000)
	d := signInData{Email: email, Next: next}
	again := func(status int, errs web.Errors) {
		h.rd.Page(w, r, status, "signin", &web.View{Title: "Sign in", Errors: errs, Data: pageData{Page: d}})
	}
	if ok, _ := h.limitIP.Allow(clientIP(r)); !ok {
		again(http.StatusTooManyRequests, web.Errors{"email": "Too many sign-in attempts. Wait a minute and try again."})
		return
	}
	if ok, _ := h.limitEmail.Allow(strings.ToLower(email)); !ok {
		again(http.StatusTooManyRequests, web.Errors{"email": "Too many sign-in attempts. Wait a minute and try again."})
		return
	}
	pw := ""
	if len(password) > 0 {
		pw = password[0]
	}
	if email == "" || pw == "" {
		errs := web.Errors{}
		if email == "" {
			errs.Add("email", "Enter your email address.")
		}
		if pw == "" {
			errs.Add("password", "Enter your password.")
		}
		again(http.StatusUnprocessableEntity, errs)
		return
	}
	u, err := h.users.Authenticate(r.Context(), email, pw)
	if returns.ErrorCode(err) == returns.EUNAUTHORIZED {
		again(http.StatusUnauthorized, web.Errors{"email": "The email or password is not right."})
		return
	}
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	sm := h.sessions(r)
	if err := sm.RenewToken(r.Context()); err != nil {
		h.fail(w, r, nil, err)
		return
	}
	sm.Put(r.Context(), sessionUser, u.ID)
	sm.Put(r.Context(), sessionStore, u.StoreID)
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	_ = h.sessions(r).Destroy(r.Context())
	h.redirect(w, r, Prefix+"/signin", "You are signed out.")
}

type inviteData struct {
	Email, Role, Token string
}

func (h *Handler) inviteForm(w http.ResponseWriter, r *http.Request) {
	u, err := h.users.Invitation(r.Context(), r.PathValue("token"))
	if err != nil {
		h.rd.Error(w, r, http.StatusNotFound, nil, "This invitation link is not valid or has expired. Ask an owner of the store for a new one.", "")
		return
	}
	h.rd.Page(w, r, http.StatusOK, "invite", &web.View{Title: "Accept the invitation", Data: pageData{Page: inviteData{Email: u.Email, Role: u.Role, Token: r.PathValue("token")}}})
}

func (h *Handler) acceptInvite(w http.ResponseWriter, r *http.Request) {
	f, ok := h.form(w, r, nil)
	if !ok {
		return
	}
	tok := r.PathValue("token")
	inv, err := h.users.Invitation(r.Context(), tok)
	if err != nil {
		h.rd.Error(w, r, http.StatusNotFound, nil, "This invitation link is not valid or has expired. Ask an owner of the store for a new one.", "")
		return
	}
	pw := ""
	if v := f.Values("password"); len(v) > 0 {
		pw = v[0]
	}
	_, err = h.users.AcceptInvite(r.Context(), tok, pw)
	if returns.ErrorCode(err) == returns.EINVALID {
		h.rd.Page(w, r, http.StatusUnprocessableEntity, "invite", &web.View{Title: "Accept the invitation",
			Errors: web.Errors{"password": returns.ErrorMessage(err)}, Data: pageData{Page: inviteData{Email: inv.Email, Role: inv.Role, Token: tok}}})
		return
	}
	if err != nil {
		h.fail(w, r, nil, err)
		return
	}
	h.redirect(w, r, Prefix+"/signin", "Your password is set. Sign in with it.")
}

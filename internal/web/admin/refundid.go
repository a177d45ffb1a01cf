package admin

import (
	"net/http"
	"strings"

	"github.com/reboundhq/rebound/internal/refundid/refundidsync"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/web"
)

// ---- Refundid connect (owner only): refundidsync.Service.Connect, the
// inputs of PUT /v2.2/stores/{storeId}/integrations/refundid

// refundidForm is the connect form's values. Secrets (the header value,
// the merchant API key) are never echoed back.
type refundidForm struct {
	Shop, Environment, Bearer, HeaderName, AllowedIPs, PortalURL, APIURL string
	KeepHeader, KeepAPIKey                                               bool
}

// refundidFormOf is the form for the current connection (nil: none): its
// values, its secrets kept.
func refundidFormOf(c *refundidsync.Connection) refundidForm {
	if c == nil {
		return refundidForm{Environment: returns.RefundidProduction, Bearer: refundidsync.BearerGenerate}
	}
	in := c.Integration
	f := refundidForm{Shop: in.Shop, Environment: in.Environment, HeaderName: in.HeaderName, AllowedIPs: strings.Join(in.AllowedIPs, "\n"),
		PortalURL: in.PortalURL, APIURL: in.APIURL, KeepHeader: in.HeaderHash != nil, KeepAPIKey: in.APIKeySealed != ""}
	if in.BearerHash != nil {
		f.Bearer = refundidsync.BearerKeep
	}
	return f
}

// refundidField is the form control of a ConnectInput.Validate field.
func refundidField(f string) string {
	switch {
	case strings.HasPrefix(f, "allowedIps"):
		return "refundid-allowedIps"
	case f == "apiKeyHeader.keep":
		return "refundid-headerValue"
	case f == "apiKeyHeader.name":
		return "refundid-headerName"
	case f == "apiKeyHeader.value":
		return "refundid-headerValue"
	case f == "keepMerchantApiKey":
		return "refundid-merchantApiKey"
	case f == "shop", f == "environment", f == "bearerToken", f == "merchantApiKey", f == "portalUrl", f == "apiUrl":
		return "refundid-" + f
	}
	return "refundid-shop"
}

func (h *Handler) connectRefundid(w http.ResponseWriter, r *http.Request, p *page) {
	p.Nav, p.Sub = "settings", "integrations"
	if h.refundid == nil {
		h.fail(w, r, p, returns.Errorf(returns.ENOTFOUND, "Refundid is not configured."))
		return
	}
	f, ok := h.form(w, r, p)
	if !ok {
		return
	}
	rf := refundidForm{Shop: f.String("shop", 255), Environment: f.String("environment", 20), Bearer: f.String("bearerToken", 20),
		HeaderName: f.String("headerName", 200), AllowedIPs: f.String("allowedIps", 10000), PortalURL: f.String("portalUrl", 2048),
		APIURL: f.String("apiUrl", 2048), KeepHeader: f.String("keepHeader", 5) == "on", KeepAPIKey: f.String("keepMerchantApiKey", 5) == "on"}
	in := refundidsync.ConnectInput{Shop: rf.Shop, Environment: rf.Environment, BearerToken: rf.Bearer, AllowedIPs: splitList(rf.AllowedIPs),
		MerchantAPIKey: f.String("merchantApiKey", 0), KeepMerchantAPIKey: rf.KeepAPIKey, PortalURL: rf.PortalURL, APIURL: rf.APIURL}
	if hv := f.String("headerValue", 0); rf.HeaderName != "" || hv != "" || rf.KeepHeader {
		in.APIKeyHeader = &refundidsync.HeaderInput{Name: rf.HeaderName, Value: hv, Keep: rf.KeepHeader}
	}
	// Fields too long or unreadable are refused before Connect.
	pre := f.Errors
	f.Errors = web.Errors{}
	for k, msg := range pre {
		f.Errors.Add("refundid-"+k, msg)
	}
	var c *refundidsync.Connection
	if f.Errors.OK() {
		var err error
		c, err = h.refundid.Connect(r.Context(), p.Store.ID, in)
		if code := returns.ErrorCode(err); err != nil && code != returns.EINVALID && code != returns.EUPSTREAM {
			h.fail(w, r, p, err)
			return
		}
		if err != nil {
			for _, e := range unjoin(err) {
				f.Errors.Add(refundidField(errorField(e)), upperFirst(returns.ErrorMessage(e))+".")
			}
		}
	}
	d, err := h.integrations(r, p)
	if err != nil {
		h.fail(w, r, p, err)
		return
	}
	d.Form = map[string]string{"customerGroup": "Returns"}
	if !f.Errors.OK() {
		d.RefundidForm = rf
		h.render(w, r, http.StatusUnprocessableEntity, "integrations", p, "Integrations", f.Errors, d)
		return
	}
	d.RefundidToken, d.RefundidSaved = c.BearerToken, true
	h.render(w, r, http.StatusOK, "integrations", p, "Integrations", nil, d)
}

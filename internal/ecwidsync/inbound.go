package ecwidsync

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/reboundhq/rebound/internal/httpx"
	"github.com/reboundhq/rebound/internal/returns"
)

// MaxWebhookBytes bounds an inbound Ecwid webhook body.
const MaxWebhookBytes = 256 << 10

// Mount registers the inbound Ecwid webhook route, WebhookPath + {token},
// on mux: the surface Ecwid itself calls.
func (a *Service) Mount(mux *http.ServeMux, cat *httpx.Catalog) {
	cat.Add("POST "+WebhookPath+"{token}", "Ecwid (inbound webhooks)", httpx.SecurityNone, "")
	mux.HandleFunc("POST "+WebhookPath+"{token}", a.serveWebhook)
}

// serveWebhook receives Ecwid's webhooks at a store's unique URL. It needs
// no API key: the path's token finds the integration and the signature
// proves the sender. Answers (problem+json errors): 200 (recorded,
// duplicate or ignored — Ecwid must not retry those), 401 (bad, missing or
// stale signature: nothing recorded), 404 (unknown URL, or an integration
// without client secret), 413 (body over MaxWebhookBytes).
func (a *Service) serveWebhook(w http.ResponseWriter, r *http.Request) {
	body, err := httpx.ReadBody(w, r, MaxWebhookBytes)
	if err != nil {
		httpx.WriteProblem(w, r, httpx.StatusError(http.StatusRequestEntityTooLarge, fmt.Sprintf("webhook body exceeds %d bytes", MaxWebhookBytes)))
		return
	}
	res, err := a.HandleWebhook(r.Context(), r.PathValue("token"), r.Header.Get(SignatureHeader), body)
	if err != nil {
		httpx.Logger(r).Info("ecwid webhook refused", slog.String("error", returns.ErrorMessage(err)))
		httpx.WriteProblem(w, r, err)
		return
	}
	status := "recorded"
	switch {
	case res.Duplicate:
		status = "duplicate"
	case res.Ignored != "":
		status = "ignored"
		httpx.Logger(r).Info("ecwid webhook ignored", slog.String("reason", res.Ignored))
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]string{"status": status, "returnId": res.ReturnID})
}

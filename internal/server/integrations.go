package server

import (
	"fmt"
	"io"
	"log/slog"

	"bytes"
	"encoding/json"
	"errors"
	"github.com/reboundhq/rebound/internal/ecwidsync"
	"net/http"
	"strconv"
	"time"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/returns"
)

// Ecwid integration endpoints (Rebound extension, not in Redo's API):
// PUT/GET/DELETE /v2.2/stores/{storeId}/integrations/ecwid. They answer
// problem+json errors. Connecting or disconnecting needs orders_write
// (the integration reads and writes the shop's orders); reading needs
// orders_read.

type ecwidView struct {
	EcwidStoreID    int64     `json:"ecwidStoreId"`
	CustomerGroup   string    `json:"customerGroup"`
	ClientID        string    `json:"clientId"`
	APIBaseURL      string    `json:"apiBaseUrl"`
	AccessToken     string    `json:"accessToken"` // masked
	HasClientSecret bool      `json:"hasClientSecret"`
	Status          string    `json:"status"`
	StatusReason    string    `json:"statusReason"`
	WebhookURL      string    `json:"webhookUrl"`
	CreatedAt       time.Time `json:"createdAt"`
	UpdatedAt       time.Time `json:"updatedAt"`
}

func ecwidViewOf(c *app.EcwidConnection) ecwidView {
	in := c.Integration
	return ecwidView{
		EcwidStoreID: in.EcwidStoreID, CustomerGroup: in.CustomerGroup, ClientID: in.ClientID,
		APIBaseURL: in.APIBaseURL, AccessToken: c.TokenHint, HasClientSecret: c.HasClientSecret,
		Status: in.Status, StatusReason: in.StatusReason, WebhookURL: c.WebhookURL,
		CreatedAt: in.CreatedAt, UpdatedAt: in.UpdatedAt,
	}
}

// decodeConnectEcwid reads the PUT body. Members of the wrong JSON type are
// reported per field, like missing ones (by the app's validation).
func decodeConnectEcwid(body []byte) (app.ConnectEcwidInput, error) {
	var in app.ConnectEcwidInput
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&m); err != nil || m == nil || dec.More() {
		return in, statusError(http.StatusBadRequest, "request body must be a JSON object")
	}
	var errs []error
	bad := func(field, msg string) {
		errs = append(errs, &returns.Error{Code: returns.EINVALID, Field: field, Message: msg})
	}
	if raw, ok := m["ecwidStoreId"]; ok && string(raw) != "null" {
		var n json.Number
		var s string
		switch {
		case json.Unmarshal(raw, &n) == nil:
		case json.Unmarshal(raw, &s) == nil: // tolerate "1003"
			n = json.Number(s)
		}
		id, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil || id <= 0 {
			bad("ecwidStoreId", "must be your Ecwid store id, a positive number")
		} else {
			in.EcwidStoreID = id
		}
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"accessToken", &in.AccessToken}, {"customerGroup", &in.CustomerGroup}, {"clientId", &in.ClientID},
		{"clientSecret", &in.ClientSecret}, {"apiBaseUrl", &in.APIBaseURL},
	} {
		if raw, ok := m[f.name]; ok && string(raw) != "null" {
			if json.Unmarshal(raw, f.dst) != nil {
				bad(f.name, "must be a string")
			}
		}
	}
	if verr := in.Validate(); verr != nil {
		if j, ok := verr.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				var re *returns.Error
				if errors.As(e, &re) && !hasField(errs, re.Field) {
					errs = append(errs, e)
				}
			}
		}
	}
	return in, errors.Join(errs...)
}

func hasField(errs []error, field string) bool {
	for _, e := range errs {
		var re *returns.Error
		if errors.As(e, &re) && re.Field == field {
			return true
		}
	}
	return false
}

func (s *Server) putEcwid(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	body, err := readJSONBody(w, r, 64<<10)
	if err != nil {
		return err
	}
	in, err := decodeConnectEcwid(body)
	if err != nil {
		return err
	}
	c, err := s.app.ConnectEcwid(r.Context(), key.StoreID, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, "application/json", ecwidViewOf(c))
	return nil
}

func (s *Server) getEcwid(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	c, err := s.app.GetEcwid(r.Context(), key.StoreID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, "application/json", ecwidViewOf(c))
	return nil
}

func (s *Server) deleteEcwid(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	if err := s.app.DisconnectEcwid(r.Context(), key.StoreID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// MaxEcwidWebhookBytes bounds an inbound Ecwid webhook body.
const MaxEcwidWebhookBytes = 256 << 10

// ecwidWebhook receives Ecwid's webhooks at a store's unique URL. It needs
// no API key: the path's token finds the integration and the signature
// proves the sender. Answers: 200 (recorded, duplicate or ignored — Ecwid
// must not retry those), 401 (bad, missing or stale signature: nothing
// recorded), 404 (unknown URL, or an integration without client secret).
func (s *Server) ecwidWebhook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxEcwidWebhookBytes))
	if err != nil {
		writeError(w, r, styleProblem, statusError(http.StatusRequestEntityTooLarge, fmt.Sprintf("webhook body exceeds %d bytes", MaxEcwidWebhookBytes)))
		return
	}
	res, err := s.app.HandleEcwidWebhook(r.Context(), r.PathValue("token"), r.Header.Get(ecwidsync.SignatureHeader), body)
	if err != nil {
		logger(r).Info("ecwid webhook refused", slog.String("error", returns.ErrorMessage(err)))
		writeError(w, r, styleProblem, err)
		return
	}
	status := "recorded"
	switch {
	case res.Duplicate:
		status = "duplicate"
	case res.Ignored != "":
		status = "ignored"
		logger(r).Info("ecwid webhook ignored", slog.String("reason", res.Ignored))
	}
	writeJSON(w, http.StatusOK, "application/json", map[string]string{"status": status, "returnId": res.ReturnID})
}

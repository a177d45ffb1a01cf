package redoapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/reboundhq/rebound/internal/ecwidsync"
	"github.com/reboundhq/rebound/internal/httpx"

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

func ecwidViewOf(c *ecwidsync.Connection) ecwidView {
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
func decodeConnectEcwid(body []byte) (ecwidsync.ConnectInput, error) {
	var in ecwidsync.ConnectInput
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

func (s *API) putEcwid(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	body, err := httpx.ReadJSONBody(w, r, 64<<10)
	if err != nil {
		return err
	}
	in, err := decodeConnectEcwid(body)
	if err != nil {
		return err
	}
	c, err := s.ecwid.Connect(r.Context(), key.StoreID, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", ecwidViewOf(c))
	return nil
}

func (s *API) getEcwid(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	c, err := s.ecwid.Get(r.Context(), key.StoreID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", ecwidViewOf(c))
	return nil
}

func (s *API) deleteEcwid(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	if err := s.ecwid.Disconnect(r.Context(), key.StoreID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// integrationRoutes: the store's Ecwid connection (Rebound extension).
func (s *API) integrationRoutes() {
	s.handle("PUT /v2.2/stores/{storeId}/integrations/ecwid", returns.ScopeOrdersWrite, styleProblem, s.putEcwid)
	s.handle("GET /v2.2/stores/{storeId}/integrations/ecwid", returns.ScopeOrdersRead, styleProblem, s.getEcwid)
	s.handle("DELETE /v2.2/stores/{storeId}/integrations/ecwid", returns.ScopeOrdersWrite, styleProblem, s.deleteEcwid)
}

package redoapi

// Webhook subscriptions: Redo's v2.2 endpoints and Rebound's extensions
// (secret rotation, enable/disable, the delivery log, redelivery).

import (
	"net/http"
	"strconv"
	"time"

	"github.com/reboundhq/rebound/internal/httpx"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/webhooks"
)

func (s *API) webhookRoutes() {
	s.handle("POST /v2.2/stores/{storeId}/webhooks", returns.ScopeWebhooksWrite, styleProblem, s.upsertWebhook)
	s.handle("GET /v2.2/stores/{storeId}/webhooks", returns.ScopeWebhooksRead, styleProblem, s.listWebhooks)
	s.handle("GET /v2.2/webhooks/{webhookId}", returns.ScopeWebhooksRead, styleProblem, s.getWebhook)
	s.handle("PUT /v2.2/webhooks/{webhookId}", returns.ScopeWebhooksWrite, styleProblem, s.updateWebhook)
	s.handle("DELETE /v2.2/webhooks/{webhookId}", returns.ScopeWebhooksWrite, styleProblem, s.deleteWebhook)
	s.handle("POST /v2.2/webhooks/{webhookId}/replay", returns.ScopeWebhooksWrite, styleProblem, s.replayWebhook)
	// Rebound extensions.
	s.handle("POST /v2.2/webhooks/{webhookId}/rotate-secret", returns.ScopeWebhooksWrite, styleProblem, s.rotateWebhookSecret)
	s.handle("POST /v2.2/webhooks/{webhookId}/enable", returns.ScopeWebhooksWrite, styleProblem, s.enableWebhook)
	s.handle("POST /v2.2/webhooks/{webhookId}/disable", returns.ScopeWebhooksWrite, styleProblem, s.disableWebhook)
	s.handle("GET /v2.2/webhooks/{webhookId}/deliveries", returns.ScopeWebhooksRead, styleProblem, s.listDeliveries)
	s.handle("POST /v2.2/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver", returns.ScopeWebhooksWrite, styleProblem, s.redeliver)
}

type callbackJSON struct {
	URL  string    `json:"url"`
	Auth *authJSON `json:"auth"`
}

type authJSON struct {
	Bearer *struct {
		Token *string `json:"token"`
	} `json:"bearer"`
}

type webhookJSON struct {
	ID         string              `json:"id"`
	ExternalID *string             `json:"externalId"`
	Kind       returns.WebhookKind `json:"kind"`
	Topic      string              `json:"topic"`
	Callback   callbackJSON        `json:"callback"`
	CreatedAt  string              `json:"createdAt"`
	UpdatedAt  string              `json:"updatedAt"`
	Rebound    webhookExtra        `json:"rebound"`
}

// webhookExtra is what Rebound adds to a subscription.
type webhookExtra struct {
	Enabled        bool    `json:"enabled"`
	DisabledReason string  `json:"disabledReason,omitempty"`
	DisabledAt     *string `json:"disabledAt"`
	FailingSince   *string `json:"failingSince"`
	// Secret is the signing secret, only in the answer that created or
	// rotated it.
	Secret        string `json:"secret,omitempty"`
	SecretsActive int    `json:"secretsActive"`
}

func optTS(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := ts(*t)
	return &s
}

func webhookView(w *returns.Webhook, secret string) webhookJSON {
	v := webhookJSON{ID: w.ID, ExternalID: w.ExternalID, Kind: w.Kind, Topic: w.Topic, Callback: callbackJSON{URL: w.URL},
		CreatedAt: ts(w.CreatedAt), UpdatedAt: ts(w.UpdatedAt),
		Rebound: webhookExtra{Enabled: !w.Disabled, DisabledReason: w.DisabledReason, DisabledAt: optTS(w.DisabledAt),
			FailingSince: optTS(w.FailingSince), Secret: secret}}
	if w.BearerToken != "" {
		// The token is never returned: a placeholder says one is set.
		masked := "********"
		v.Callback.Auth = &authJSON{Bearer: &struct {
			Token *string `json:"token"`
		}{Token: &masked}}
	}
	now := time.Now()
	for _, s := range w.Secrets {
		if s.ExpiresAt == nil || s.ExpiresAt.After(now) {
			v.Rebound.SecretsActive++
		}
	}
	return v
}

// webhookBody is Redo's webhook-create schema; webhook-update declares
// only callback and externalId, so an update ignores the other members
// (Redo's routes read tolerantly).
type webhookBody struct {
	Callback   *callbackJSON       `json:"callback"`
	Topic      string              `json:"topic"`
	Kind       returns.WebhookKind `json:"kind"`
	ExternalID *string             `json:"externalId"`
	Backfill   bool                `json:"backfill"`
}

type webhookUpdateBody struct {
	Callback   *callbackJSON `json:"callback"`
	ExternalID *string       `json:"externalId"`
}

func decodeWebhook(w http.ResponseWriter, r *http.Request) (webhooks.WebhookInput, error) {
	b, err := httpx.DecodeMember[webhookBody](w, r, "webhook", httpx.MaxBodyBytes, httpx.Tolerant)
	if err != nil {
		return webhooks.WebhookInput{}, err
	}
	in := webhooks.WebhookInput{ExternalID: b.ExternalID, Kind: b.Kind, Topic: b.Topic, Backfill: b.Backfill}
	return in, callbackInput(b.Callback, &in)
}

func decodeWebhookUpdate(w http.ResponseWriter, r *http.Request) (webhooks.WebhookInput, error) {
	b, err := httpx.DecodeMember[webhookUpdateBody](w, r, "webhook", httpx.MaxBodyBytes, httpx.Tolerant)
	if err != nil {
		return webhooks.WebhookInput{}, err
	}
	in := webhooks.WebhookInput{ExternalID: b.ExternalID}
	return in, callbackInput(b.Callback, &in)
}

// callbackInput fills in's URL and bearer token from a callback. An auth
// without a token — null, {}, {"bearer": {}} or an empty token — is no
// auth: Redo's schema allows all of them and none names a token.
func callbackInput(c *callbackJSON, in *webhooks.WebhookInput) error {
	if c == nil {
		return &returns.Error{Code: returns.EINVALID, Field: "webhook.callback", Message: "is required"}
	}
	in.URL = c.URL
	empty := ""
	in.BearerToken = &empty
	if a := c.Auth; a != nil && a.Bearer != nil && a.Bearer.Token != nil && *a.Bearer.Token != "" {
		in.BearerToken = a.Bearer.Token
	}
	return nil
}

func (s *API) upsertWebhook(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	in, err := decodeWebhook(w, r)
	if err != nil {
		return err
	}
	res, err := s.hooks.UpsertWebhook(r.Context(), key.StoreID, in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if res.Created {
		status = http.StatusCreated
	}
	httpx.WriteJSON(w, status, "application/json", map[string]any{"webhook": webhookView(res.Webhook, res.Secret)})
	return nil
}

func (s *API) listWebhooks(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	ws, err := s.hooks.ListWebhooks(r.Context(), key.StoreID)
	if err != nil {
		return err
	}
	out := make([]webhookJSON, 0, len(ws))
	for _, wh := range ws {
		out = append(out, webhookView(wh, ""))
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]any{"webhooks": out})
	return nil
}

func (s *API) getWebhook(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	wh, err := s.hooks.GetWebhook(r.Context(), key.StoreID, r.PathValue("webhookId"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]any{"webhook": webhookView(wh, "")})
	return nil
}

func (s *API) updateWebhook(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	in, err := decodeWebhookUpdate(w, r)
	if err != nil {
		return err
	}
	if _, err := s.hooks.UpdateWebhook(r.Context(), key.StoreID, r.PathValue("webhookId"), in); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *API) deleteWebhook(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	if err := s.hooks.DeleteWebhook(r.Context(), key.StoreID, r.PathValue("webhookId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *API) replayWebhook(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	in, err := httpx.DecodeBody[struct {
		Start *string `json:"start"`
	}](w, r, httpx.MaxBodyBytes, httpx.Tolerant)
	if err != nil {
		return err
	}
	if in.Start == nil {
		return &returns.Error{Code: returns.EINVALID, Field: "start", Message: "is required: an RFC 3339 date-time"}
	}
	start, err := time.Parse(time.RFC3339Nano, *in.Start)
	if err != nil {
		return &returns.Error{Code: returns.EINVALID, Field: "start", Message: "must be an RFC 3339 date-time such as 2025-01-31T00:00:00Z"}
	}
	if err := s.hooks.ReplayWebhook(r.Context(), key.StoreID, r.PathValue("webhookId"), start); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (s *API) rotateWebhookSecret(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	res, err := s.hooks.RotateWebhookSecret(r.Context(), key.StoreID, r.PathValue("webhookId"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]any{"webhook": webhookView(res.Webhook, res.Secret)})
	return nil
}

func (s *API) enableWebhook(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	wh, err := s.hooks.SetWebhookEnabled(r.Context(), key.StoreID, r.PathValue("webhookId"), true, "")
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]any{"webhook": webhookView(wh, "")})
	return nil
}

func (s *API) disableWebhook(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	wh, err := s.hooks.SetWebhookEnabled(r.Context(), key.StoreID, r.PathValue("webhookId"), false, "")
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]any{"webhook": webhookView(wh, "")})
	return nil
}

type attemptJSON struct {
	Attempt       int     `json:"attempt"`
	At            string  `json:"at"`
	StatusCode    int     `json:"statusCode"`
	LatencyMs     float64 `json:"latencyMs"`
	Error         string  `json:"error,omitempty"`
	NextAttemptAt *string `json:"nextAttemptAt"`
}

type deliveryJSON struct {
	ID            int64         `json:"id"`
	EventID       int64         `json:"eventId"`
	MessageID     string        `json:"messageId"`
	Type          string        `json:"type"`
	ReturnID      string        `json:"returnId"`
	At            string        `json:"at"`
	State         string        `json:"state"`
	Attempts      []attemptJSON `json:"attempts"`
	NextAttemptAt *string       `json:"nextAttemptAt"`
	LastStatus    int           `json:"lastStatus"`
	LastError     string        `json:"lastError,omitempty"`
}

func (s *API) listDeliveries(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	q := r.URL.Query()
	var before int64
	limit := 50
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return &returns.Error{Code: returns.EINVALID, Field: "before", Message: "must be a delivery id (the next value of the previous page)"}
		}
		before = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return &returns.Error{Code: returns.EINVALID, Field: "limit", Message: "must be an integer from 1 to 500"}
		}
		limit = n
	}
	log, err := s.hooks.ListDeliveries(r.Context(), key.StoreID, r.PathValue("webhookId"), before, limit)
	if err != nil {
		return err
	}
	out := make([]deliveryJSON, 0, len(log.Deliveries))
	for _, d := range log.Deliveries {
		v := deliveryJSON{ID: d.ID, EventID: d.EventID, MessageID: d.MessageID, Type: d.Type, ReturnID: d.SubjectID, At: ts(d.At),
			State: d.State, Attempts: []attemptJSON{}, LastStatus: d.LastStatus, LastError: d.LastError}
		if d.State == returns.DeliveryPending {
			t := d.NextAttemptAt
			v.NextAttemptAt = optTS(&t)
		}
		for _, a := range log.Attempts[d.ID] {
			v.Attempts = append(v.Attempts, attemptJSON{Attempt: a.Attempt, At: ts(a.At), StatusCode: a.StatusCode,
				LatencyMs: float64(a.Latency.Microseconds()) / 1000, Error: a.Error, NextAttemptAt: optTS(a.NextAttemptAt)})
		}
		out = append(out, v)
	}
	resp := map[string]any{"deliveries": out}
	if log.Next != 0 {
		resp["next"] = strconv.FormatInt(log.Next, 10)
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", resp)
	return nil
}

func (s *API) redeliver(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	id, err := strconv.ParseInt(r.PathValue("deliveryId"), 10, 64)
	if err != nil || id <= 0 {
		return returns.Errorf(returns.ENOTFOUND, "delivery %q not found", r.PathValue("deliveryId"))
	}
	d, err := s.hooks.Redeliver(r.Context(), key.StoreID, r.PathValue("webhookId"), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusAccepted, "application/json", map[string]any{"delivery": map[string]any{"id": d.ID, "messageId": d.MessageID, "state": d.State}})
	return nil
}

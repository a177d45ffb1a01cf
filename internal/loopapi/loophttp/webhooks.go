package loophttp

// Loop's programmatic webhooks API over Rebound's subscriptions of kind
// loop (internal/webhooks.Service): a subscription made here and one made
// through Redo's API with kind "loop" are the same thing.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/reboundhq/rebound/internal/httpx"
	"github.com/reboundhq/rebound/internal/loopapi"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/webhooks"
)

func (a *API) webhookRoutes(p string) {
	read, write := returns.ScopeWebhooksRead, returns.ScopeWebhooksWrite
	a.handle("GET "+p+"/webhooks", read, a.listWebhooks)
	a.handle("POST "+p+"/webhooks", write, a.createWebhook)
	a.handle("PUT "+p+"/webhooks/{id}", write, a.updateWebhook)
	a.handle("DELETE "+p+"/webhooks/{id}", write, a.deleteWebhook)
}

// webhookJSON is a subscription as Loop shows it, with its native id
// (redo_id), the one Redo's API (and its rotate-secret) takes.
type webhookJSON struct {
	loopapi.Webhook
	RedoID string `json:"redo_id"`
}

// view renders w. A subscription made through Redo's API has no trigger
// (it gets every trigger of its topic): it shows the topic's first.
func view(w *returns.Webhook, id, shop int64) webhookJSON {
	trig := loopapi.Trigger(w.Trigger)
	if trig == "" {
		if ts := loopapi.TopicTriggers[loopapi.Topic(w.Topic)]; len(ts) > 0 {
			trig = ts[0]
		}
	}
	st := loopapi.WebhookActive
	if w.Disabled {
		st = loopapi.WebhookInactive
	}
	return webhookJSON{Webhook: loopapi.Webhook{ID: id, ShopID: shop, Topic: loopapi.Topic(w.Topic), Trigger: trig, URL: w.URL, Status: st}, RedoID: w.ID}
}

// numbers returns the numeric ids of the subscriptions and the store's
// shop_id, assigning those missing.
func (a *API) numbers(ctx context.Context, storeID string, ws []*returns.Webhook) (map[string]int64, int64, error) {
	natives := make([]string, len(ws))
	for i, w := range ws {
		natives[i] = w.ID
	}
	var ids map[string]int64
	var shop int64
	err := a.app.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		if shop, err = loopapi.ShopID(ctx, tx, storeID); err != nil {
			return err
		}
		ids, err = tx.AssignLoopIDs(ctx, storeID, store.LoopKindWebhook, natives)
		return err
	})
	return ids, shop, err
}

func (a *API) listWebhooks(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	ctx := r.Context()
	all, err := a.hooks.ListWebhooks(ctx, key.StoreID)
	if err != nil {
		return err
	}
	var ws []*returns.Webhook
	for _, h := range all {
		if h.Kind == returns.WebhookLoop {
			ws = append(ws, h)
		}
	}
	ids, shop, err := a.numbers(ctx, key.StoreID, ws)
	if err != nil {
		return err
	}
	out := struct {
		Webhooks []webhookJSON `json:"webhooks"`
	}{Webhooks: []webhookJSON{}}
	for _, h := range ws {
		out.Webhooks = append(out.Webhooks, view(h, ids[h.ID], shop))
	}
	write(w, http.StatusOK, out)
	return nil
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, httpx.MaxBodyBytes))
	if err != nil {
		return nil, &loopapi.ValidationError{Message: "The body is too large.", Errors: map[string][]string{"body": {"The body is too large."}}}
	}
	return b, nil
}

// asValidation turns the service's EINVALID and ECONFLICT errors into
// Loop's 422 body, keyed by the member (webhook.callback.url → url).
func asValidation(err error) error {
	switch returns.ErrorCode(err) {
	case returns.EINVALID, returns.ECONFLICT:
	default:
		return err
	}
	ve := &loopapi.ValidationError{Errors: map[string][]string{}}
	for _, fe := range httpx.FieldErrors(err) {
		name := map[string]string{"webhook.callback.url": "url", "webhook.topic": "topic", "webhook.trigger": "trigger"}[fe.Field]
		if name == "" {
			name = "webhook"
		}
		ve.Errors[name] = append(ve.Errors[name], fe.Message)
		if ve.Message == "" {
			ve.Message = fe.Message
		}
	}
	if ve.Message == "" {
		ve.Message = returns.ErrorMessage(err)
		ve.Errors["webhook"] = []string{ve.Message}
	}
	return ve
}

func (a *API) createWebhook(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	ctx := r.Context()
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	req, err := loopapi.DecodeWebhook(body, false)
	if err != nil {
		return err
	}
	res, err := a.hooks.UpsertWebhook(ctx, key.StoreID, webhooks.WebhookInput{Kind: returns.WebhookLoop, Topic: string(req.Topic),
		Trigger: string(req.Trigger), URL: req.URL, Disabled: req.Status == loopapi.WebhookInactive})
	if err != nil {
		return asValidation(err)
	}
	ids, shop, err := a.numbers(ctx, key.StoreID, []*returns.Webhook{res.Webhook})
	if err != nil {
		return err
	}
	write(w, http.StatusOK, view(res.Webhook, ids[res.Webhook.ID], shop))
	return nil
}

// pathWebhook resolves {id}, a numeric id of one of the store's loop
// subscriptions.
func (a *API) pathWebhook(ctx context.Context, r *http.Request, storeID string) (*returns.Webhook, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, notFound("Webhook")
	}
	n, err := store.Read(ctx, a.app.Store, func(tx store.ReadTx) (string, error) { return tx.LoopNativeID(ctx, storeID, store.LoopKindWebhook, id) })
	if returns.IsNotFound(err) {
		return nil, notFound("Webhook")
	}
	if err != nil {
		return nil, err
	}
	h, err := a.hooks.GetWebhook(ctx, storeID, n)
	if returns.IsNotFound(err) || (err == nil && h.Kind != returns.WebhookLoop) {
		return nil, notFound("Webhook")
	}
	return h, err
}

func (a *API) updateWebhook(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	ctx := r.Context()
	h, err := a.pathWebhook(ctx, r, key.StoreID)
	if err != nil {
		return err
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	req, err := loopapi.DecodeWebhook(body, true)
	if err != nil {
		return err
	}
	_, err = a.hooks.UpdateWebhook(ctx, key.StoreID, h.ID, webhooks.WebhookInput{ExternalID: h.ExternalID, Kind: returns.WebhookLoop,
		Topic: string(req.Topic), Trigger: string(req.Trigger), URL: req.URL})
	if err != nil {
		if returns.IsNotFound(err) {
			return notFound("Webhook")
		}
		return asValidation(err)
	}
	if req.Status != "" {
		if _, err := a.hooks.SetWebhookEnabled(ctx, key.StoreID, h.ID, req.Status == loopapi.WebhookActive, "Set inactive through the Loop API."); err != nil {
			return err
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) deleteWebhook(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	ctx := r.Context()
	h, err := a.pathWebhook(ctx, r, key.StoreID)
	if err != nil {
		return err
	}
	if err := a.hooks.DeleteWebhook(ctx, key.StoreID, h.ID); err != nil && !errors.Is(err, context.Canceled) {
		if returns.IsNotFound(err) {
			return notFound("Webhook")
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

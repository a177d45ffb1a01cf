package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/jobs"
	"github.com/reboundhq/rebound/internal/loopapi"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/store"
)

// SecretGracePeriod is how long a rotated-out signing secret keeps signing
// deliveries next to the new one.
const SecretGracePeriod = 24 * time.Hour

// Webhook limits.
const (
	MaxWebhooksPerStore = 50
	MaxExternalIDLen    = 255
	MaxBearerTokenLen   = 4096
	maxURLLen           = 2048
)

// WebhookInput is a subscription as a client creates or updates it.
type WebhookInput struct {
	ExternalID  *string
	Kind        returns.WebhookKind
	Topic       string
	URL         string
	BearerToken *string // nil or "": none (callback.auth null, {}, {"bearer": {}}; a PUT replaces the callback, its auth included)
	Backfill    bool
	// Trigger is, for kind loop, the one trigger of Topic to deliver (""
	// for all of them); Loop's topics (return, label, return.processing)
	// are accepted for kind loop only.
	Trigger string
	// Disabled creates the subscription disabled (Loop's status inactive).
	Disabled bool
}

// WebhookResult is a subscription and, right after it was created or its
// secret rotated, the signing secret in the clear (shown once).
type WebhookResult struct {
	Webhook *returns.Webhook
	Secret  string
	Created bool
}

// Service holds the webhook subscription use cases of every surface:
// create (upsert), read, update, delete, enable/disable, secret rotation,
// replay, backfill, the delivery log and redelivery.
type Service struct {
	Store store.Store
	// Secrets seals signing secrets and bearer tokens; every use case that
	// writes a subscription fails (EINTERNAL) without it.
	Secrets *secrets.Box
	// AllowPrivateTargets lets callbacks be http:// URLs and resolve to
	// private, loopback and link-local addresses (tests, local
	// development). Off in production: see Guard.
	AllowPrivateTargets bool
}

func (a *Service) needSecrets() error {
	if a.Secrets == nil {
		return returns.Errorf(returns.EINTERNAL, "no secret key is configured: webhook subscriptions need one to seal their secrets (REBOUND_SECRET_KEY or the data dir's secret.key)")
	}
	return nil
}

func (a *Service) checkWebhookInput(ctx context.Context, in *WebhookInput, create bool) error {
	var errs []error
	if create {
		switch in.Kind {
		case "":
			in.Kind = returns.WebhookRedo
		case returns.WebhookRedo, returns.WebhookLoop:
		default:
			errs = append(errs, returns.Invalid("webhook.kind", fmt.Sprintf("unknown kind %q; expected redo or loop", in.Kind)))
		}
	}
	if create || in.Topic != "" {
		errs = append(errs, checkTopic(in.Kind, in.Topic, in.Trigger)...)
	}
	if in.ExternalID != nil && len(*in.ExternalID) > MaxExternalIDLen {
		errs = append(errs, returns.Invalid("webhook.externalId", fmt.Sprintf("must be at most %d characters", MaxExternalIDLen)))
	}
	if in.BearerToken != nil && len(*in.BearerToken) > MaxBearerTokenLen {
		errs = append(errs, returns.Invalid("webhook.callback.auth.bearer.token", fmt.Sprintf("must be at most %d characters", MaxBearerTokenLen)))
	}
	u, err := url.Parse(in.URL)
	switch {
	case strings.TrimSpace(in.URL) == "":
		errs = append(errs, returns.Invalid("webhook.callback.url", "is required"))
	case len(in.URL) > maxURLLen:
		errs = append(errs, returns.Invalid("webhook.callback.url", fmt.Sprintf("must be at most %d characters", maxURLLen)))
	case err != nil || u.Host == "":
		errs = append(errs, returns.Invalid("webhook.callback.url", "must be an absolute https URL"))
	default:
		if err := a.guard().CheckURL(ctx, in.URL); err != nil {
			errs = append(errs, returns.Invalid("webhook.callback.url", err.Error()))
		}
	}
	return errors.Join(errs...)
}

// checkTopic checks a subscription's topic and trigger: "return" with no
// trigger for kind redo; one of Loop's topics, and no trigger or one of
// the topic's, for kind loop.
func checkTopic(kind returns.WebhookKind, topic, trigger string) []error {
	if kind != returns.WebhookLoop {
		var errs []error
		if topic != returns.WebhookTopicReturn {
			errs = append(errs, returns.Invalid("webhook.topic", fmt.Sprintf("unknown topic %q; the only topic is \"return\"", topic)))
		}
		if trigger != "" {
			errs = append(errs, returns.Invalid("webhook.trigger", "only subscriptions of kind loop have a trigger"))
		}
		return errs
	}
	triggers, ok := loopapi.TopicTriggers[loopapi.Topic(topic)]
	if !ok {
		return []error{returns.Invalid("webhook.topic", fmt.Sprintf("unknown topic %q; expected return, label or return.processing", topic))}
	}
	if trigger != "" && !slices.Contains(triggers, loopapi.Trigger(trigger)) {
		return []error{returns.Invalid("webhook.trigger", fmt.Sprintf("trigger %q is not one of topic %s's", trigger, topic))}
	}
	return nil
}

// guard is the SSRF guard webhook targets are checked with.
func (a *Service) guard() *Guard {
	return &Guard{AllowPrivate: a.AllowPrivateTargets}
}

// UpsertWebhook creates a subscription, or updates the store's
// subscription with the same external id (Redo's upsert): Created tells
// which. A new subscription gets a signing secret, returned once in Secret;
// with Backfill a backfill delivery is queued for every existing return of
// the store. The callback URL must be https and resolve to public
// addresses (unless AllowPrivateWebhookTargets). Errors: EINVALID naming
// the field; EINTERNAL without a secret key.
func (a *Service) UpsertWebhook(ctx context.Context, storeID string, in WebhookInput) (*WebhookResult, error) {
	if err := a.needSecrets(); err != nil {
		return nil, err
	}
	if err := a.checkWebhookInput(ctx, &in, true); err != nil {
		return nil, err
	}
	res := &WebhookResult{}
	err := a.Store.Update(ctx, func(tx store.Tx) error {
		*res = WebhookResult{}
		now := tx.Now()
		if in.ExternalID != nil {
			w, err := tx.GetWebhookByExternalID(ctx, storeID, *in.ExternalID)
			if err == nil {
				if w, err = tx.LockWebhook(ctx, storeID, w.ID); err != nil {
					return err
				}
				w.Kind, w.Topic, w.Trigger, w.URL, w.UpdatedAt = in.Kind, in.Topic, in.Trigger, in.URL, now
				if err := a.setBearer(w, in.BearerToken); err != nil {
					return err
				}
				if err := tx.UpdateWebhook(ctx, w); err != nil {
					return err
				}
				res.Webhook = w
				return a.backfill(ctx, tx, w, in.Backfill)
			}
			if !returns.IsNotFound(err) {
				return err
			}
		}
		existing, err := tx.ListWebhooks(ctx, storeID)
		if err != nil {
			return err
		}
		if len(existing) >= MaxWebhooksPerStore {
			return returns.Errorf(returns.ECONFLICT, "the store has %d webhook subscriptions, the most allowed", len(existing))
		}
		secret := NewSecret()
		sealed, err := a.Secrets.Seal([]byte(secret))
		if err != nil {
			return err
		}
		w := &returns.Webhook{ID: returns.NewID(now), StoreID: storeID, ExternalID: in.ExternalID, Kind: in.Kind, Topic: in.Topic,
			Trigger: in.Trigger, URL: in.URL, Secrets: []returns.WebhookSecret{{Secret: sealed, CreatedAt: now}}, CreatedAt: now, UpdatedAt: now}
		if in.Disabled {
			w.Disabled, w.DisabledReason, w.DisabledAt = true, "Created inactive.", &now
		}
		if err := a.setBearer(w, in.BearerToken); err != nil {
			return err
		}
		if err := tx.CreateWebhook(ctx, w); err != nil {
			return err
		}
		*res = WebhookResult{Webhook: w, Secret: secret, Created: true}
		return a.backfill(ctx, tx, w, in.Backfill)
	})
	if err != nil {
		return nil, fmt.Errorf("upsert webhook: %w", err)
	}
	return res, nil
}

func (a *Service) setBearer(w *returns.Webhook, tok *string) error {
	switch {
	case tok == nil:
	case *tok == "":
		w.BearerToken = ""
	default:
		sealed, err := a.Secrets.Seal([]byte(*tok))
		if err != nil {
			return err
		}
		w.BearerToken = sealed
	}
	return nil
}

// backfill queues, when on, a backfill of every existing return of the
// store to w: a durable job that fills in chunks (jobs.WebhookFillArgs).
func (a *Service) backfill(ctx context.Context, tx store.Tx, w *returns.Webhook, on bool) error {
	if !on {
		return nil
	}
	return EnqueueFill(ctx, tx, w, jobs.FillBackfill, time.Time{})
}

// GetWebhook returns the store's subscription, or ENOTFOUND.
func (a *Service) GetWebhook(ctx context.Context, storeID, id string) (*returns.Webhook, error) {
	return store.Read(ctx, a.Store, func(tx store.ReadTx) (*returns.Webhook, error) { return tx.GetWebhook(ctx, storeID, id) })
}

// ListWebhooks returns the store's subscriptions, oldest first.
func (a *Service) ListWebhooks(ctx context.Context, storeID string) ([]*returns.Webhook, error) {
	return store.Read(ctx, a.Store, func(tx store.ReadTx) ([]*returns.Webhook, error) { return tx.ListWebhooks(ctx, storeID) })
}

// UpdateWebhook changes a subscription's callback (URL and bearer token)
// and external id and, when in.Topic is set, its topic and trigger (kind
// loop; in.Kind must then be the subscription's kind). Errors: ENOTFOUND,
// EINVALID, ECONFLICT when the external id is another subscription's.
func (a *Service) UpdateWebhook(ctx context.Context, storeID, id string, in WebhookInput) (*returns.Webhook, error) {
	if err := a.needSecrets(); err != nil {
		return nil, err
	}
	if err := a.checkWebhookInput(ctx, &in, false); err != nil {
		return nil, err
	}
	var w *returns.Webhook
	err := a.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		if w, err = tx.LockWebhook(ctx, storeID, id); err != nil {
			return err
		}
		if in.Topic != "" {
			if in.Kind != w.Kind {
				return returns.Invalid("webhook.kind", "a subscription's kind cannot be changed")
			}
			w.Topic, w.Trigger = in.Topic, in.Trigger
		}
		w.URL, w.ExternalID, w.UpdatedAt = in.URL, in.ExternalID, tx.Now()
		if err := a.setBearer(w, in.BearerToken); err != nil {
			return err
		}
		return tx.UpdateWebhook(ctx, w)
	})
	if err != nil {
		return nil, fmt.Errorf("update webhook: %w", err)
	}
	return w, nil
}

// DeleteWebhook deletes a subscription and its pending deliveries;
// ENOTFOUND when there is none.
func (a *Service) DeleteWebhook(ctx context.Context, storeID, id string) error {
	return a.Store.Update(ctx, func(tx store.Tx) error { return tx.DeleteWebhook(ctx, storeID, id) })
}

// SetWebhookEnabled enables or disables a subscription. Re-enabling clears
// the disabled reason and the failure streak, and resumes held deliveries
// in order. ENOTFOUND when there is none.
func (a *Service) SetWebhookEnabled(ctx context.Context, storeID, id string, enabled bool, reason string) (*returns.Webhook, error) {
	var w *returns.Webhook
	err := a.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		if w, err = tx.LockWebhook(ctx, storeID, id); err != nil {
			return err
		}
		now := tx.Now()
		if enabled == !w.Disabled {
			return nil
		}
		w.UpdatedAt = now
		if enabled {
			w.Disabled, w.DisabledReason, w.DisabledAt, w.FailingSince = false, "", nil, nil
		} else {
			if reason == "" {
				reason = "Disabled through the API."
			}
			w.Disabled, w.DisabledReason, w.DisabledAt = true, reason, &now
		}
		if err := tx.UpdateWebhook(ctx, w); err != nil {
			return err
		}
		if enabled {
			return EnqueueDeliver(ctx, tx, w.StoreID, w.ID, time.Time{})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("set webhook enabled: %w", err)
	}
	return w, nil
}

// RotateWebhookSecret gives a subscription a new signing secret, returned
// once; the previous secrets keep signing for SecretGracePeriod, so that
// receivers can switch without missing a delivery. ENOTFOUND when there is
// no such subscription.
func (a *Service) RotateWebhookSecret(ctx context.Context, storeID, id string) (*WebhookResult, error) {
	if err := a.needSecrets(); err != nil {
		return nil, err
	}
	res := &WebhookResult{}
	err := a.Store.Update(ctx, func(tx store.Tx) error {
		w, err := tx.LockWebhook(ctx, storeID, id)
		if err != nil {
			return err
		}
		now := tx.Now()
		secret := NewSecret()
		sealed, err := a.Secrets.Seal([]byte(secret))
		if err != nil {
			return err
		}
		expires := now.Add(SecretGracePeriod)
		keep := []returns.WebhookSecret{{Secret: sealed, CreatedAt: now}}
		for _, s := range w.Secrets {
			if s.ExpiresAt != nil && !s.ExpiresAt.After(now) {
				continue
			}
			if s.ExpiresAt == nil || s.ExpiresAt.After(expires) {
				s.ExpiresAt = &expires
			}
			keep = append(keep, s)
		}
		w.Secrets, w.UpdatedAt = keep, now
		if err := tx.UpdateWebhook(ctx, w); err != nil {
			return err
		}
		*res = WebhookResult{Webhook: w, Secret: secret}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rotate webhook secret: %w", err)
	}
	return res, nil
}

// ReplayWebhook queues, for one subscription, a new delivery of every
// return event of the store since start, each with the state it recorded
// and a webhook-id of its own; a durable job queues them in chunks, oldest
// first, after this returns. ENOTFOUND when there is no such subscription.
func (a *Service) ReplayWebhook(ctx context.Context, storeID, id string, start time.Time) error {
	err := a.Store.Update(ctx, func(tx store.Tx) error {
		w, err := tx.GetWebhook(ctx, storeID, id)
		if err != nil {
			return err
		}
		return EnqueueFill(ctx, tx, w, jobs.FillReplay, start)
	})
	if err != nil {
		return fmt.Errorf("replay webhook: %w", err)
	}
	return nil
}

// DeliveryLog is a page of a subscription's deliveries with their attempts.
type DeliveryLog struct {
	Deliveries []*returns.Delivery
	Attempts   map[int64][]returns.DeliveryAttempt
	// Next is the cursor of the next page (a delivery id); 0 on the last.
	Next int64
}

// ListDeliveries returns a subscription's deliveries, newest first, before
// the delivery id before (0: newest). ENOTFOUND when there is no such
// subscription.
func (a *Service) ListDeliveries(ctx context.Context, storeID, id string, before int64, limit int) (*DeliveryLog, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	log := &DeliveryLog{}
	err := a.Store.View(ctx, func(tx store.ReadTx) error {
		if _, err := tx.GetWebhook(ctx, storeID, id); err != nil {
			return err
		}
		ds, as, err := tx.ListDeliveries(ctx, storeID, id, before, limit+1)
		if err != nil {
			return err
		}
		if len(ds) > limit {
			ds = ds[:limit]
			log.Next = ds[limit-1].ID
		}
		log.Deliveries, log.Attempts = ds, as
		return nil
	})
	return log, err
}

// Redeliver attempts one delivery again at once, with the same webhook-id,
// whatever its state. ENOTFOUND when the subscription has no such delivery.
func (a *Service) Redeliver(ctx context.Context, storeID, webhookID string, deliveryID int64) (*returns.Delivery, error) {
	var d *returns.Delivery
	err := a.Store.Update(ctx, func(tx store.Tx) error {
		cur, err := tx.GetDelivery(ctx, storeID, deliveryID)
		if err != nil {
			return err
		}
		if cur.WebhookID != webhookID {
			return returns.Errorf(returns.ENOTFOUND, "delivery %d not found", deliveryID)
		}
		if d, err = tx.ResetDelivery(ctx, storeID, deliveryID, tx.Now()); err != nil {
			return err
		}
		return EnqueueDeliver(ctx, tx, storeID, webhookID, time.Time{})
	})
	if err != nil {
		return nil, fmt.Errorf("redeliver: %w", err)
	}
	return d, nil
}

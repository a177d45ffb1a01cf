// Package shipsvc is Rebound's return shipping use cases over the store:
// the stores' carriers (the built-in rate table and EasyPost, behind
// shipping.Carrier), rates and idempotent label purchases, documents,
// labels bought for approved returns by a durable job, replacements,
// tracking from EasyPost's webhooks and warehouse scans (moving returns
// through app.SetReturnLabel), and return destinations. Label purchases
// and voids become invoice charges (internal/invoices).
package shipsvc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/shipping"
	"github.com/reboundhq/rebound/internal/shipping/easypost"
	"github.com/reboundhq/rebound/internal/shipping/ratetable"
	"github.com/reboundhq/rebound/internal/store"
)

// Carrier kinds, as the API names them (carrier.id).
const (
	CarrierRateTable = returns.CarrierRateTable // "rebound"
	CarrierEasyPost  = returns.CarrierEasyPost  // "easypost"
)

// Service is the shipping use cases of one process.
type Service struct {
	Store store.Store
	App   *app.App
	// Secrets seals the EasyPost API keys and webhook secrets.
	Secrets *secrets.Box
	// PublicURL is the base URL handed out (document and webhook URLs).
	PublicURL string
	// HTTPClient calls EasyPost (nil: a client with a 60 s timeout).
	HTTPClient *http.Client
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// settings returns the store's shipping settings (empty ones when none were
// saved).
func settings(ctx context.Context, tx store.ReadTx, storeID string) (*store.ShippingSettings, error) {
	st, err := tx.GetShippingSettings(ctx, storeID)
	if returns.IsNotFound(err) {
		if _, err := tx.GetStore(ctx, storeID); err != nil {
			return nil, err
		}
		return &store.ShippingSettings{StoreID: storeID}, nil
	}
	return st, err
}

// Settings returns the store's shipping settings.
func (s *Service) Settings(ctx context.Context, storeID string) (*store.ShippingSettings, error) {
	return store.Read(ctx, s.Store, func(tx store.ReadTx) (*store.ShippingSettings, error) { return settings(ctx, tx, storeID) })
}

// updateSettings applies fn to the store's settings and saves them.
func (s *Service) updateSettings(ctx context.Context, storeID string, fn func(*store.ShippingSettings) error) (*store.ShippingSettings, error) {
	var out *store.ShippingSettings
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		st, err := settings(ctx, tx, storeID)
		if err != nil {
			return err
		}
		if err := fn(st); err != nil {
			return err
		}
		out = st
		return tx.PutShippingSettings(ctx, st)
	})
	return out, err
}

// SetRateTable validates and saves the store's rate table document.
// EINVALID naming every bad member.
func (s *Service) SetRateTable(ctx context.Context, storeID string, doc []byte) (*ratetable.Table, error) {
	t, err := ratetable.Parse(doc)
	if err != nil {
		return nil, AppError(err, nil)
	}
	if _, err := s.updateSettings(ctx, storeID, func(st *store.ShippingSettings) error {
		st.RateTable = append(json.RawMessage(nil), doc...)
		return nil
	}); err != nil {
		return nil, err
	}
	return t, nil
}

// RateTable returns the store's rate table document; ENOTFOUND when none
// is set.
func (s *Service) RateTable(ctx context.Context, storeID string) ([]byte, error) {
	st, err := s.Settings(ctx, storeID)
	if err != nil {
		return nil, err
	}
	if len(st.RateTable) == 0 {
		return nil, returns.Errorf(returns.ENOTFOUND, "the store has no rate table; PUT one to /v2.2/stores/%s/shipping/rate-table", storeID)
	}
	return st.RateTable, nil
}

// EasyPostConnection is what ConnectEasyPost returns: the webhook URL to
// register at EasyPost and, once, its signing secret.
type EasyPostConnection struct {
	KeyHint       string `json:"apiKey"`
	BaseURL       string `json:"baseUrl,omitempty"`
	WebhookURL    string `json:"webhookUrl"`
	WebhookSecret string `json:"webhookSecret,omitempty"`
	Connected     bool   `json:"connected"`
}

// ConnectEasyPost saves the store's EasyPost API key (sealed), with an
// optional base URL (a fake's) and webhook secret (a random one when
// empty). EINVALID for an empty key or a bad URL.
func (s *Service) ConnectEasyPost(ctx context.Context, storeID, apiKey, baseURL, webhookSecret string) (*EasyPostConnection, error) {
	if strings.TrimSpace(apiKey) == "" {
		return nil, returns.Invalid("apiKey", "is required")
	}
	if _, err := easypost.New(apiKey, easypost.Options{BaseURL: baseURL}); err != nil {
		return nil, AppError(err, nil)
	}
	if s.Secrets == nil {
		return nil, errors.New("no secret key configured: cannot seal the EasyPost API key")
	}
	if webhookSecret == "" {
		webhookSecret = randomToken()
	}
	keySealed, err := s.Secrets.Seal([]byte(apiKey))
	if err != nil {
		return nil, err
	}
	secretSealed, err := s.Secrets.Seal([]byte(webhookSecret))
	if err != nil {
		return nil, err
	}
	st, err := s.updateSettings(ctx, storeID, func(st *store.ShippingSettings) error {
		st.EasyPostKeySealed, st.EasyPostBaseURL, st.EasyPostWebhookSecretSealed = keySealed, baseURL, secretSealed
		if st.EasyPostWebhookToken == "" {
			st.EasyPostWebhookToken = randomToken()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	c := s.connection(st, apiKey)
	c.WebhookSecret = webhookSecret
	return c, nil
}

// EasyPost returns the store's EasyPost connection; ENOTFOUND when none.
func (s *Service) EasyPost(ctx context.Context, storeID string) (*EasyPostConnection, error) {
	st, err := s.Settings(ctx, storeID)
	if err != nil {
		return nil, err
	}
	if st.EasyPostKeySealed == "" {
		return nil, returns.Errorf(returns.ENOTFOUND, "the store is not connected to EasyPost")
	}
	key := ""
	if s.Secrets != nil {
		if k, err := s.Secrets.Open(st.EasyPostKeySealed); err == nil {
			key = string(k)
		}
	}
	return s.connection(st, key), nil
}

func (s *Service) connection(st *store.ShippingSettings, key string) *EasyPostConnection {
	hint := "…"
	if len(key) > 4 {
		hint = "…" + key[len(key)-4:]
	}
	return &EasyPostConnection{KeyHint: hint, BaseURL: st.EasyPostBaseURL, Connected: true,
		WebhookURL: strings.TrimRight(s.PublicURL, "/") + "/integrations/easypost/webhooks/" + st.EasyPostWebhookToken}
}

// carrier returns the store's carrier of that kind. EINVALID (field
// "carrier") for an unknown kind; EUNPROCESSABLE when the store has not
// configured it.
func (s *Service) carrier(ctx context.Context, storeID, kind string) (shipping.Carrier, error) {
	st, err := s.Settings(ctx, storeID)
	if err != nil {
		return nil, err
	}
	return s.carrierOf(st, kind)
}

func (s *Service) carrierOf(st *store.ShippingSettings, kind string) (shipping.Carrier, error) {
	switch kind {
	case CarrierRateTable:
		if len(st.RateTable) == 0 {
			return nil, &returns.Error{Code: returns.EUNPROCESSABLE, Field: "carrier",
				Message: "the built-in carrier has no rate table for this store (PUT /v2.2/stores/{storeId}/shipping/rate-table)"}
		}
		t, err := ratetable.Parse(st.RateTable)
		if err != nil {
			return nil, fmt.Errorf("stored rate table: %w", err)
		}
		return ratetable.New(t, ratetable.Options{Namespace: st.StoreID, Store: &rateTableStore{st: s.Store, storeID: st.StoreID}, Now: s.now}), nil
	case CarrierEasyPost:
		if st.EasyPostKeySealed == "" {
			return nil, &returns.Error{Code: returns.EUNPROCESSABLE, Field: "carrier",
				Message: "the store is not connected to EasyPost (PUT /v2.2/stores/{storeId}/integrations/easypost)"}
		}
		if s.Secrets == nil {
			return nil, errors.New("no secret key configured: cannot unseal the EasyPost API key")
		}
		key, err := s.Secrets.Open(st.EasyPostKeySealed)
		if err != nil {
			return nil, fmt.Errorf("unseal the EasyPost API key: %w", err)
		}
		c, err := easypost.New(string(key), easypost.Options{BaseURL: st.EasyPostBaseURL, HTTPClient: s.HTTPClient,
			Keys: &easyPostKeys{st: s.Store, storeID: st.StoreID}})
		if err != nil {
			return nil, AppError(err, nil)
		}
		return c, nil
	}
	return nil, returns.Invalid("carrier", fmt.Sprintf("unknown carrier %q; expected %s or %s", clip(kind), CarrierRateTable, CarrierEasyPost))
}

// configured lists the carrier kinds the store has set up.
func configured(st *store.ShippingSettings) []string {
	var out []string
	if len(st.RateTable) > 0 {
		out = append(out, CarrierRateTable)
	}
	if st.EasyPostKeySealed != "" {
		out = append(out, CarrierEasyPost)
	}
	return out
}

func clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	return s[:40] + "…"
}

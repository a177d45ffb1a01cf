package ecwidsync

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/ecwid"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/store"
)

// Service holds the Ecwid integration's use cases: connecting a store,
// reading and removing the connection, unsealing its credentials, and
// handling the signed webhooks Ecwid sends. Return changes it makes go
// through App.RecordChange like every other change.
type Service struct {
	Store store.Store
	App   *app.App
	// Secrets seals and unseals the access token and client secret;
	// Connect, Credentials and HandleWebhook fail without it.
	Secrets *secrets.Box
	// PublicURL is the base URL of the store's webhook URL ("" gives a
	// path).
	PublicURL string
	// EcwidOptions are added to every Ecwid client the service creates
	// (tests use them to disable pacing and retries).
	EcwidOptions []ecwid.Option
	// WebhookMaxAge is how old an inbound Ecwid webhook may be (default
	// DefaultWebhookMaxAge).
	WebhookMaxAge time.Duration
	// RMAFallbackDelay delays the mirror job of a return created with
	// createExternalRMAs (default DefaultRMAFallbackDelay); see rma.go.
	RMAFallbackDelay time.Duration
}

// CheckTimeout bounds the token check ConnectEcwid makes.
const CheckTimeout = 10 * time.Second

// WebhookPath is the path of a store's unique Ecwid webhook URL,
// followed by its WebhookToken.
const WebhookPath = "/integrations/ecwid/webhooks/"

// ConnectInput is what a merchant enters to connect their Ecwid shop.
type ConnectInput struct {
	EcwidStoreID  int64
	AccessToken   string
	CustomerGroup string
	ClientID      string // optional
	ClientSecret  string // optional
	APIBaseURL    string // optional; absolute http(s) URL of the API root
}

// Connection is a stored integration as shown to its owner: the
// secrets stay sealed; TokenHint is the masked access token.
type Connection struct {
	Integration     *returns.EcwidIntegration
	TokenHint       string // e.g. "secret_…abcd"
	HasClientSecret bool
	WebhookURL      string
}

// Validate reports every missing or malformed field, as *returns.Error
// values with Field set joined with errors.Join; nil when all are fine.
func (in *ConnectInput) Validate() error {
	in.AccessToken = strings.TrimSpace(in.AccessToken)
	in.CustomerGroup = strings.TrimSpace(in.CustomerGroup)
	in.ClientID = strings.TrimSpace(in.ClientID)
	in.ClientSecret = strings.TrimSpace(in.ClientSecret)
	in.APIBaseURL = strings.TrimRight(strings.TrimSpace(in.APIBaseURL), "/")
	var errs []error
	if in.EcwidStoreID <= 0 {
		errs = append(errs, returns.Invalid("ecwidStoreId", "must be your Ecwid store id, a positive number"))
	}
	if in.AccessToken == "" {
		errs = append(errs, returns.Invalid("accessToken", "must not be empty"))
	}
	if in.CustomerGroup == "" {
		errs = append(errs, returns.Invalid("customerGroup", "must not be empty"))
	}
	if in.APIBaseURL != "" {
		u, err := url.Parse(in.APIBaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, returns.Invalid("apiBaseUrl", "must be an absolute http or https URL"))
		}
	}
	return errors.Join(errs...)
}

// Connect checks the credentials against Ecwid (GET /profile) and
// saves them, sealed, as storeID's Ecwid integration, replacing any
// previous one but keeping its webhook URL. Errors: EINVALID (with Field)
// for bad input or credentials Ecwid rejects, with Ecwid's message;
// EUPSTREAM when Ecwid fails or cannot be reached; ENOTFOUND for an
// unknown store.
func (a *Service) Connect(ctx context.Context, storeID string, in ConnectInput) (*Connection, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if a.Secrets == nil {
		return nil, errors.New("connect ecwid: no secrets key configured")
	}
	if err := a.check(ctx, in); err != nil {
		return nil, err
	}
	tokenSealed, err := a.Secrets.Seal([]byte(in.AccessToken))
	if err != nil {
		return nil, fmt.Errorf("connect ecwid: %w", err)
	}
	var secretSealed string
	if in.ClientSecret != "" {
		if secretSealed, err = a.Secrets.Seal([]byte(in.ClientSecret)); err != nil {
			return nil, fmt.Errorf("connect ecwid: %w", err)
		}
	}
	var saved *returns.EcwidIntegration
	err = a.Store.Update(ctx, func(tx store.Tx) error {
		webhookToken := ""
		prev, err := tx.GetEcwidIntegration(ctx, storeID)
		switch {
		case err == nil:
			webhookToken = prev.WebhookToken
		case returns.IsNotFound(err):
			webhookToken = newWebhookToken()
		default:
			return err
		}
		saved = &returns.EcwidIntegration{
			StoreID: storeID, EcwidStoreID: in.EcwidStoreID, TokenSealed: tokenSealed,
			CustomerGroup: in.CustomerGroup, ClientID: in.ClientID, ClientSecretSealed: secretSealed,
			APIBaseURL: in.APIBaseURL, WebhookToken: webhookToken, Status: returns.IntegrationConnected,
			CreatedAt: tx.Now(), UpdatedAt: tx.Now(),
		}
		return tx.PutEcwidIntegration(ctx, saved)
	})
	if err != nil {
		return nil, fmt.Errorf("connect ecwid: %w", err)
	}
	return a.connection(saved), nil
}

// checkEcwid reads the store profile with the given credentials.
func (a *Service) check(parent context.Context, in ConnectInput) error {
	ctx, cancel := context.WithTimeout(parent, CheckTimeout)
	defer cancel()
	opts := []ecwid.Option{ecwid.WithMaxRetries(1)}
	if in.APIBaseURL != "" {
		opts = append(opts, ecwid.WithBaseURL(in.APIBaseURL))
	}
	opts = append(opts, a.EcwidOptions...)
	c := ecwid.New(in.EcwidStoreID, in.AccessToken, opts...)
	_, err := c.Profile.Get(ctx, "generalInfo")
	if err == nil {
		return nil
	}
	if e := ecwid.AsError(err); e != nil && e.Status >= 400 && e.Status < 500 && e.Status != http.StatusTooManyRequests && e.Status != http.StatusRequestTimeout {
		field := "accessToken"
		if e.Status == http.StatusNotFound {
			field = "ecwidStoreId"
		}
		return errors.Join(returns.Invalid(field, fmt.Sprintf("Ecwid rejected the credentials (%d %s): %s", e.Status, e.Code, e.Message)))
	}
	if parent.Err() != nil {
		return parent.Err() // the caller went away
	}
	msg := "Ecwid could not be reached to check the access token; try again later"
	if e := ecwid.AsError(err); e != nil {
		msg = fmt.Sprintf("Ecwid answered %d while checking the access token: %s; try again later", e.Status, e.Message)
	}
	return returns.Errorf(returns.EUPSTREAM, "%s", msg)
}

func newWebhookToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Get returns storeID's Ecwid integration, or ENOTFOUND.
func (a *Service) Get(ctx context.Context, storeID string) (*Connection, error) {
	in, err := store.Read(ctx, a.Store, func(tx store.ReadTx) (*returns.EcwidIntegration, error) { return tx.GetEcwidIntegration(ctx, storeID) })
	if err != nil {
		return nil, err
	}
	return a.connection(in), nil
}

// Disconnect deletes storeID's Ecwid integration (its webhook URL
// stops working); ENOTFOUND if there is none.
func (a *Service) Disconnect(ctx context.Context, storeID string) error {
	return a.Store.Update(ctx, func(tx store.Tx) error { return tx.DeleteEcwidIntegration(ctx, storeID) })
}

func (a *Service) connection(in *returns.EcwidIntegration) *Connection {
	hint := "…"
	if a.Secrets != nil {
		if tok, err := a.Secrets.Open(in.TokenSealed); err == nil {
			hint = MaskToken(string(tok))
		}
	}
	return &Connection{
		Integration:     in,
		TokenHint:       hint,
		HasClientSecret: in.ClientSecretSealed != "",
		WebhookURL:      strings.TrimRight(a.PublicURL, "/") + WebhookPath + in.WebhookToken,
	}
}

// MaskToken shows a token's kind prefix ("secret_", "public_") and, when it
// is long enough for that to reveal little, its last four characters:
// "secret_…abcd".
func MaskToken(tok string) string {
	prefix := ""
	for _, p := range []string{"secret_", "public_"} {
		if strings.HasPrefix(tok, p) {
			prefix = p
		}
	}
	rest := tok[len(prefix):]
	if len(rest) < 12 {
		return prefix + "…"
	}
	return prefix + "…" + rest[len(rest)-4:]
}

// EcwidCredentials are what a client needs to call a connected store's
// Ecwid API.
type EcwidCredentials struct {
	EcwidStoreID int64
	Token        string
	APIBaseURL   string // "" means Ecwid's default
}

// Credentials unseals storeID's Ecwid credentials. ENOTFOUND when the
// store has no Ecwid integration; EINTERNAL when no secrets key is
// configured or the stored token cannot be unsealed with it (a different
// key than the one that sealed it).
func (a *Service) Credentials(ctx context.Context, storeID string) (*EcwidCredentials, error) {
	if a.Secrets == nil {
		return nil, errors.New("ecwid credentials: no secrets key configured")
	}
	in, err := store.Read(ctx, a.Store, func(tx store.ReadTx) (*returns.EcwidIntegration, error) { return tx.GetEcwidIntegration(ctx, storeID) })
	if err != nil {
		return nil, err
	}
	tok, err := a.Secrets.Open(in.TokenSealed)
	if err != nil {
		return nil, fmt.Errorf("ecwid credentials of store %s: %w (is this the key that sealed them?)", storeID, err)
	}
	return &EcwidCredentials{EcwidStoreID: in.EcwidStoreID, Token: string(tok), APIBaseURL: in.APIBaseURL}, nil
}

// DefaultWebhookMaxAge is how old an Ecwid webhook's eventCreated may
// be before it is refused as a possible replay.
const DefaultWebhookMaxAge = time.Hour

// WebhookResult tells what an inbound Ecwid webhook did.
type WebhookResult struct {
	// ReturnID is the return whose timeline got a note; "" when the event
	// was ignored or a duplicate.
	ReturnID string
	// Duplicate: the event id was recorded before; nothing was done.
	Duplicate bool
	// Ignored says why an authentic event changed nothing ("" otherwise).
	Ignored string
}

// HandleWebhook handles a webhook Ecwid POSTs to a store's unique URL
// (WebhookPath + token). It verifies the X-Ecwid-Webhook-Signature
// with the integration's client secret and the event's age
// (EcwidWebhookMaxAge, default one hour), records the event id (an event
// delivered twice is handled once) and, for order.updated about an order
// that mirrors a return, writes a timeline note with the new and old
// fulfillment and payment statuses. It never changes a return's status.
//
// Errors: ENOTFOUND when no integration has that token or it has no client
// secret (one-way mode: Rebound sends orders to Ecwid but takes no
// webhooks); EUNAUTHORIZED when the signature is missing or wrong or the
// event is too old or in the future — nothing is recorded then. Authentic
// events that concern nothing Rebound knows are answered without error and
// logged by the caller (Ignored).
func (a *Service) HandleWebhook(ctx context.Context, token, signature string, body []byte) (*WebhookResult, error) {
	in, err := store.Read(ctx, a.Store, func(tx store.ReadTx) (*returns.EcwidIntegration, error) {
		return tx.GetEcwidIntegrationByToken(ctx, token)
	})
	if err != nil {
		return nil, err
	}
	if in.ClientSecretSealed == "" {
		return nil, returns.Errorf(returns.ENOTFOUND, "this store's Ecwid integration takes no webhooks: connect it with a client id and client secret")
	}
	if a.Secrets == nil {
		return nil, errors.New("ecwid webhook: no secrets key configured")
	}
	secret, err := a.Secrets.Open(in.ClientSecretSealed)
	if err != nil {
		return nil, fmt.Errorf("ecwid webhook: unseal the client secret: %w", err)
	}
	maxAge := a.WebhookMaxAge
	if maxAge <= 0 {
		maxAge = DefaultWebhookMaxAge
	}
	ev, err := VerifyWebhook(string(secret), signature, body, time.Now(), maxAge)
	if err != nil {
		return nil, &returns.Error{Code: returns.EUNAUTHORIZED, Message: err.Error()}
	}
	res := &WebhookResult{}
	err = a.Store.Update(ctx, func(tx store.Tx) error {
		*res = WebhookResult{}
		if ev.StoreID != 0 && ev.StoreID != in.EcwidStoreID {
			res.Ignored = fmt.Sprintf("event for Ecwid store %d; this integration is Ecwid store %d", ev.StoreID, in.EcwidStoreID)
			return nil
		}
		isNew, err := tx.RecordEcwidEvent(ctx, in.StoreID, ev.EventID)
		if err != nil {
			return err
		}
		if !isNew {
			res.Duplicate = true
			return nil
		}
		if ev.EventType != EventOrderUpdated {
			res.Ignored = "event type " + ev.EventType + " is not handled"
			return nil
		}
		if ev.Data.OldFulfillmentStatus == ev.Data.NewFulfillmentStatus && ev.Data.OldPaymentStatus == ev.Data.NewPaymentStatus {
			// E.g. Rebound's own tracking update echoed back: nothing a
			// merchant needs on the timeline.
			res.Ignored = "no fulfillment or payment status change"
			return nil
		}
		orderID := string(ev.Data.OrderID)
		found, err := tx.GetReturnByEcwidOrder(ctx, in.StoreID, orderID)
		if returns.IsNotFound(err) {
			res.Ignored = "Ecwid order " + orderID + " does not mirror a return"
			return nil
		}
		if err != nil {
			return err
		}
		r, err := tx.LockReturn(ctx, in.StoreID, found.ID)
		if err != nil {
			return err
		}
		note := returns.Note(r, returns.TimelineEcwidWebhook, returns.SystemActor("ecwid"), tx.Now(), NoteFor(ev), map[string]any{
			"eventId": ev.EventID, "ecwidOrderId": orderID,
			"oldFulfillmentStatus": ev.Data.OldFulfillmentStatus, "newFulfillmentStatus": ev.Data.NewFulfillmentStatus,
			"oldPaymentStatus": ev.Data.OldPaymentStatus, "newPaymentStatus": ev.Data.NewPaymentStatus,
		})
		res.ReturnID = r.ID
		return a.App.RecordChange(ctx, tx, r, returns.EventReturnUpdated, note)
	})
	if err != nil {
		return nil, fmt.Errorf("ecwid webhook: %w", err)
	}
	return res, nil
}

package server

import (
	"crypto/rand"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/ecwid"
	"github.com/reboundhq/rebound/internal/ecwidsync"
	"github.com/reboundhq/rebound/internal/invoices"
	"github.com/reboundhq/rebound/internal/loopapi"
	"github.com/reboundhq/rebound/internal/notify"
	"github.com/reboundhq/rebound/internal/ratelimit"
	"github.com/reboundhq/rebound/internal/refundid/refundidsync"
	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/shipping/shipsvc"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/users"
	"github.com/reboundhq/rebound/internal/webhooks"
	"github.com/riverqueue/river"
)

// Options configure NewServices. The zero value (but Store) works: no
// secrets (signing, Ecwid and sealing then fail), public webhook targets
// only, default webhook and Ecwid settings.
type Options struct {
	Store store.Store
	// Secrets seals third-party credentials and signing secrets at rest.
	Secrets *secrets.Box
	// PublicURL is the base URL the server is reached at from outside, for
	// the URLs it hands out (files, webhook URLs); "" gives paths.
	PublicURL string
	// AllowPrivateWebhookTargets lets webhook callbacks be http:// and
	// reach loopback and private addresses (tests, local development).
	AllowPrivateWebhookTargets bool
	// EcwidOptions are added to every Ecwid client (tests disable pacing).
	EcwidOptions []ecwid.Option
	// EcwidWebhookMaxAge bounds the age of inbound Ecwid webhooks
	// (default ecwidsync.DefaultWebhookMaxAge).
	EcwidWebhookMaxAge time.Duration
	// Webhooks configures webhook delivery (its Secrets and
	// AllowPrivateTargets default to the fields above).
	Webhooks webhooks.WorkerConfig
	// RedoRateLimit and LoopRateLimit are requests per minute per API key
	// (Redo API) and per token (Loop API); 0 is no limit. rebound serve's
	// defaults: Redo off (bulk order sync from one key is legitimate),
	// Loop 300.
	RedoRateLimit, LoopRateLimit int
	// Mailer sends the shopper emails (notify.NewSMTP); nil keeps them in
	// the email outbox, shown in the admin.
	Mailer notify.Mailer
}

// Services are the use cases of one process, wired together: the core app
// with the integrations' change hooks registered, the webhook subscription
// service and the Ecwid integration.
type Services struct {
	Store    store.Store
	App      *app.App
	Webhooks *webhooks.Service
	Ecwid    *ecwidsync.Service
	// Catalog is the Ecwid catalogue the portal offers exchanges from.
	Catalog  *ecwidsync.Catalog
	Refundid *refundidsync.Service
	Shipping *shipsvc.Service
	Invoices *invoices.Service
	// WebhookWorkers and EcwidWorkers configure the workers Workers
	// returns; NewServices fills them from its Options.
	WebhookWorkers webhooks.WorkerConfig
	EcwidWorkers   ecwidsync.WorkerConfig
	// RedoLimiter and LoopLimiter limit each surface's requests per key
	// (nil: no limit; a nil *ratelimit.Limiter allows everything).
	RedoLimiter, LoopLimiter *ratelimit.Limiter
	// Notifier composes and sends the shopper emails and invitations.
	Notifier *notify.Notifier
	// Users are the admin's users; an invitation queues its email
	// (Notifier.QueueInvitation).
	Users     *users.Service
	portalKey []byte
}

// NewServices wires the use cases over o.Store.
func NewServices(o Options) *Services {
	a := app.New(o.Store)
	a.PublicURL = o.PublicURL
	a.OnReturnChange(ecwidsync.OnReturnChange)
	a.OnReturnChange(loopapi.OnReturnChange)
	a.OnReturnChange(shipsvc.OnReturnChange)
	a.OnReturnChange(notify.OnReturnChange)
	if o.Webhooks.Secrets == nil {
		o.Webhooks.Secrets = o.Secrets
	}
	o.Webhooks.AllowPrivateTargets = o.Webhooks.AllowPrivateTargets || o.AllowPrivateWebhookTargets
	s := &Services{
		Store:    o.Store,
		App:      a,
		Webhooks: &webhooks.Service{Store: o.Store, Secrets: o.Secrets, AllowPrivateTargets: o.AllowPrivateWebhookTargets},
		Ecwid: &ecwidsync.Service{Store: o.Store, App: a, Secrets: o.Secrets, PublicURL: o.PublicURL,
			EcwidOptions: o.EcwidOptions, WebhookMaxAge: o.EcwidWebhookMaxAge},
		Refundid:       &refundidsync.Service{Store: o.Store, App: a, Secrets: o.Secrets, PublicURL: o.PublicURL},
		Shipping:       &shipsvc.Service{Store: o.Store, App: a, Secrets: o.Secrets, PublicURL: o.PublicURL},
		Invoices:       &invoices.Service{Store: o.Store},
		WebhookWorkers: o.Webhooks,
		EcwidWorkers:   ecwidsync.WorkerConfig{Secrets: o.Secrets, Options: o.EcwidOptions},
		RedoLimiter:    ratelimit.New(o.RedoRateLimit, ratelimit.Options{}),
		LoopLimiter:    ratelimit.New(o.LoopRateLimit, ratelimit.Options{}),
	}
	if o.Secrets != nil {
		s.portalKey = o.Secrets.Derive("portal-status-links")
	} else {
		s.portalKey = make([]byte, 32)
		_, _ = rand.Read(s.portalKey)
	}
	s.Catalog = &ecwidsync.Catalog{Service: s.Ecwid}
	s.Notifier = &notify.Notifier{Store: o.Store, Mailer: o.Mailer, StatusKey: s.portalKey, PublicURL: o.PublicURL}
	s.Users = &users.Service{Store: o.Store, OnInvite: s.Notifier.QueueInvitation}
	a.AddRMACreator(s.Ecwid)
	return s
}

// SetPublicURL changes the base URL of the URLs handed out (serve learns
// its address only once it listens).
func (s *Services) SetPublicURL(u string) {
	s.App.PublicURL = u
	s.Ecwid.PublicURL = u
	s.Refundid.PublicURL = u
	s.Shipping.PublicURL = u
	s.Notifier.PublicURL = u
}

// Workers returns every background worker of Rebound, bound to the
// services: webhook dispatch, delivery and fill; Ecwid mirror and
// tracking; Refundid reconciliation; return labels; emails. reg, when
// not nil, receives the webhook delivery metrics.
func (s *Services) Workers(reg prometheus.Registerer, log *slog.Logger) *river.Workers {
	cfg := s.WebhookWorkers
	if reg != nil && cfg.Metrics == nil {
		cfg.Metrics = webhooks.NewMetrics(reg, s.Store)
	}
	if cfg.Logger == nil {
		cfg.Logger = log
	}
	w := river.NewWorkers()
	webhooks.AddWorkers(w, s.Store, cfg)
	ecwidsync.AddWorkers(w, s.Store, s.App, s.EcwidWorkers)
	refundidsync.AddWorkers(w, s.Refundid, log)
	shipsvc.AddWorkers(w, s.Shipping)
	if s.Notifier.Logger == nil {
		s.Notifier.Logger = log
	}
	notify.AddWorkers(w, s.Notifier)
	return w
}

// PortalKey is the key the shopper portal signs its status links with
// (and the shopper emails link with), derived from the secret key (so
// replicas agree); without secrets, a random key of this process.
func (s *Services) PortalKey() []byte { return s.portalKey }

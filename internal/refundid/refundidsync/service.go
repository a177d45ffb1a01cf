// Package refundidsync is Rebound's Refundid integration: connecting a
// store (Connect, Get, Disconnect), the endpoints Refundid calls under a
// per-store secret path (GET order, GET refund, POST refundid; Mount), the
// status notifications that hold, record and release units of a return
// (HandleNotification), the initial redirect links (OrderLink, ReturnLink)
// and the daily comparison with Refundid's own records (Reconcile, run by
// the worker AddWorkers registers). Wire models and rules are
// internal/refundid's; return changes go through app.RecordChange like
// every other change.
package refundidsync

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/jobs"
	"github.com/reboundhq/rebound/internal/refundid"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// PathPrefix starts the URLs Refundid calls: PathPrefix + token + "/order",
// "/refund" and "/refundid".
const PathPrefix = "/integrations/refundid/"

// DefaultReconcileInterval is how often a store's refunds are compared with
// Refundid's.
const DefaultReconcileInterval = 24 * time.Hour

// CheckTimeout bounds the merchant API key check Connect makes.
const CheckTimeout = 10 * time.Second

// Service holds the Refundid integration's use cases.
type Service struct {
	Store store.Store
	App   *app.App
	// Secrets seals the merchant API key; Connect with a key, Reconcile and
	// Client fail without it.
	Secrets *secrets.Box
	// PublicURL is the base URL of the endpoint URLs handed out ("" gives
	// paths).
	PublicURL string
	// HTTPClient calls Refundid's merchant API; nil means a client with a
	// 30 s timeout.
	HTTPClient *http.Client
	// ReconcileInterval is how often Reconcile runs per store (default
	// DefaultReconcileInterval).
	ReconcileInterval time.Duration
}

// Actor is who Refundid's changes are recorded as.
var Actor = returns.SystemActor("refundid")

// Bearer token choices of ConnectInput.BearerToken.
const (
	BearerGenerate = "generate" // a new token, shown once
	BearerKeep     = "keep"     // the token of the current connection
)

// ConnectInput is what a merchant enters to connect to Refundid. Connect
// replaces the whole connection; secrets not given again are dropped,
// except those the input asks to keep.
type ConnectInput struct {
	Shop        string // Refundid's id of the merchant (required)
	Environment string // returns.RefundidProduction (default) or returns.RefundidSandbox
	// BearerToken is "" (Refundid sends no bearer token), BearerGenerate or
	// BearerKeep.
	BearerToken string
	// APIKeyHeader is a merchant-chosen header Refundid sends; nil for
	// none.
	APIKeyHeader *HeaderInput
	// AllowedIPs are addresses or CIDR prefixes calls may come from; empty
	// allows any (Refundid publishes its own: see Hosts).
	AllowedIPs []string
	// MerchantAPIKey is Refundid's X-Refundid-Api-Key, for reading its RMAs;
	// KeepMerchantAPIKey keeps the current one instead.
	MerchantAPIKey     string
	KeepMerchantAPIKey bool
	// PortalURL and APIURL override the environment's (Refundid gives no
	// sandbox addresses publicly).
	PortalURL, APIURL string
}

// HeaderInput is an API-key header: its name and value, or Keep to keep
// the value of the current connection's header of the same name.
type HeaderInput struct {
	Name  string
	Value string
	Keep  bool
}

// Endpoints are the URLs to give Refundid.
type Endpoints struct {
	Order    string `json:"order"`    // GET, answers RapiOrder
	Refund   string `json:"refund"`   // GET, answers RapiReturn
	Refundid string `json:"refundid"` // POST, status notifications
}

// Connection is a stored integration as shown to its owner.
type Connection struct {
	Integration *returns.RefundidIntegration
	// BearerToken is the token Connect generated, shown this once; "" on
	// every other read.
	BearerToken string
	// APIKeyHint is the masked merchant API key ("" when none).
	APIKeyHint string
	Endpoints  Endpoints
	// Environment is the deployment with the overrides applied.
	Environment refundid.Environment
}

// Host is one of Refundid's published caller hosts.
type Host struct {
	Environment string   `json:"environment"`
	Host        string   `json:"host"`
	IPs         []string `json:"ips"`
}

// Hosts are Refundid's published caller hosts and addresses, for an
// allow-list.
func Hosts() []Host {
	var out []Host
	for _, e := range []refundid.Environment{refundid.Production(), refundid.Sandbox()} {
		h := Host{Environment: e.Name, Host: e.CallerHost}
		for _, p := range e.CallerPrefixes {
			h.IPs = append(h.IPs, p.String())
		}
		out = append(out, h)
	}
	return out
}

// Validate normalises in and reports every bad field, as EINVALID
// *returns.Error values joined with errors.Join.
func (in *ConnectInput) Validate() error {
	in.Shop = strings.TrimSpace(in.Shop)
	in.Environment = strings.TrimSpace(in.Environment)
	in.PortalURL = strings.TrimRight(strings.TrimSpace(in.PortalURL), "/")
	in.APIURL = strings.TrimRight(strings.TrimSpace(in.APIURL), "/")
	var errs []error
	bad := func(field, msg string) { errs = append(errs, returns.Invalid(field, msg)) }
	if err := refundid.CheckParam(refundid.ParamShop, in.Shop); err != nil {
		var pe *refundid.ParamError
		errors.As(err, &pe)
		bad("shop", "Refundid's shop id "+pe.Reason)
	}
	switch in.Environment {
	case "":
		in.Environment = returns.RefundidProduction
	case returns.RefundidProduction, returns.RefundidSandbox:
	default:
		bad("environment", fmt.Sprintf("must be %q or %q", returns.RefundidProduction, returns.RefundidSandbox))
	}
	switch in.BearerToken {
	case "", BearerGenerate, BearerKeep:
	default:
		bad("bearerToken", fmt.Sprintf("must be %q or %q (or absent: no bearer token)", BearerGenerate, BearerKeep))
	}
	if h := in.APIKeyHeader; h != nil {
		h.Name = strings.TrimSpace(h.Name)
		switch {
		case h.Name == "" || (refundid.AuthConfig{HeaderName: h.Name, HeaderHash: make([]byte, 32)}).Validate() != nil:
			bad("apiKeyHeader.name", "must be an HTTP header name")
		case strings.EqualFold(h.Name, "Authorization") && in.BearerToken != "":
			bad("apiKeyHeader.name", "cannot be Authorization alongside a bearer token")
		}
		switch {
		case h.Keep && h.Value != "":
			bad("apiKeyHeader.value", "give a value or keep, not both")
		case !h.Keep && h.Value == "":
			bad("apiKeyHeader.value", "must not be empty")
		case len(h.Value) > refundid.MaxCredentialLen:
			bad("apiKeyHeader.value", fmt.Sprintf("must be at most %d bytes", refundid.MaxCredentialLen))
		}
	}
	if in.BearerToken == "" && in.APIKeyHeader == nil {
		bad("bearerToken", `set "generate" (or "keep"), or an apiKeyHeader: Refundid's calls must carry a secret`)
	}
	for i, s := range in.AllowedIPs {
		p, err := parsePrefix(s)
		if err != nil {
			bad(fmt.Sprintf("allowedIps[%d]", i), "must be an IP address or CIDR prefix")
			continue
		}
		in.AllowedIPs[i] = p.String()
	}
	if in.KeepMerchantAPIKey && in.MerchantAPIKey != "" {
		bad("merchantApiKey", "give a key or keepMerchantApiKey, not both")
	}
	if in.MerchantAPIKey != "" {
		if _, err := refundid.NewClient("https://api.refundid.com", in.MerchantAPIKey, nil); err != nil {
			bad("merchantApiKey", strings.TrimPrefix(err.Error(), "refundid: "))
		}
	}
	for _, u := range []struct{ field, v string }{{"portalUrl", in.PortalURL}, {"apiUrl", in.APIURL}} {
		if u.v == "" {
			continue
		}
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.RawQuery != "" {
			bad(u.field, "must be an absolute http or https URL without a query")
		}
	}
	return errors.Join(errs...)
}

func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Environment returns in's deployment with its overrides.
func Environment(in *returns.RefundidIntegration) refundid.Environment {
	e := refundid.Production()
	if in.Environment == returns.RefundidSandbox {
		e = refundid.Sandbox()
	}
	if in.PortalURL != "" {
		e.PortalURL = in.PortalURL
	}
	if in.APIURL != "" {
		e.APIURL = in.APIURL
	}
	return e
}

// authConfig is how in's callers authenticate.
func authConfig(in *returns.RefundidIntegration) (refundid.AuthConfig, error) {
	c := refundid.AuthConfig{BearerHash: in.BearerHash, HeaderName: in.HeaderName, HeaderHash: in.HeaderHash}
	for _, s := range in.AllowedIPs {
		p, err := parsePrefix(s)
		if err != nil {
			return c, fmt.Errorf("stored allowed prefix %q: %w", s, err)
		}
		c.AllowedPrefixes = append(c.AllowedPrefixes, p)
	}
	return c, nil
}

// Connect saves storeID's Refundid connection, replacing any previous one
// but keeping its URLs. With a merchant API key and an API URL it first
// checks the key against Refundid (one page of GET /v1/merchant/returns)
// and queues the daily reconciliation. Errors: EINVALID (with Field) for
// bad input, a kept secret that does not exist, or a key Refundid refuses;
// EUPSTREAM when Refundid fails or cannot be reached; ENOTFOUND for an
// unknown store.
func (s *Service) Connect(ctx context.Context, storeID string, in ConnectInput) (*Connection, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if in.MerchantAPIKey != "" && s.Secrets == nil {
		return nil, errors.New("connect refundid: no secrets key configured to seal the merchant API key")
	}
	draft := &returns.RefundidIntegration{Environment: in.Environment, PortalURL: in.PortalURL, APIURL: in.APIURL}
	env := Environment(draft)
	status, reason := returns.IntegrationConnected, ""
	var sealed string
	if in.MerchantAPIKey != "" {
		if env.APIURL == "" {
			reason = "the merchant API key was not checked: no API URL is known for this environment (set apiUrl)"
		} else if err := s.checkKey(ctx, env.APIURL, in.MerchantAPIKey); err != nil {
			return nil, err
		}
		var err error
		if sealed, err = s.Secrets.Seal([]byte(in.MerchantAPIKey)); err != nil {
			return nil, fmt.Errorf("connect refundid: %w", err)
		}
	}
	var token string
	if in.BearerToken == BearerGenerate {
		token = "rfd_" + randomToken()
	}
	var saved *returns.RefundidIntegration
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		prev, err := tx.GetRefundidIntegration(ctx, storeID)
		if err != nil && !returns.IsNotFound(err) {
			return err
		}
		now := tx.Now()
		saved = &returns.RefundidIntegration{
			StoreID: storeID, Shop: in.Shop, Environment: in.Environment, AllowedIPs: in.AllowedIPs,
			APIKeySealed: sealed, PortalURL: in.PortalURL, APIURL: in.APIURL,
			Status: status, StatusReason: reason, CreatedAt: now, UpdatedAt: now,
		}
		if prev != nil {
			saved.URLToken = prev.URLToken
		} else {
			saved.URLToken = randomToken()
		}
		var errs []error
		switch in.BearerToken {
		case BearerGenerate:
			saved.BearerHash = refundid.HashSecret(token)
		case BearerKeep:
			if prev == nil || prev.BearerHash == nil {
				errs = append(errs, returns.Invalid("bearerToken", "there is no bearer token to keep: use \"generate\""))
			} else {
				saved.BearerHash = prev.BearerHash
			}
		}
		if h := in.APIKeyHeader; h != nil {
			saved.HeaderName = h.Name
			if h.Keep {
				if prev == nil || prev.HeaderHash == nil || !strings.EqualFold(prev.HeaderName, h.Name) {
					errs = append(errs, returns.Invalid("apiKeyHeader.keep", "there is no value of this header to keep"))
				} else {
					saved.HeaderHash = prev.HeaderHash
				}
			} else {
				saved.HeaderHash = refundid.HashSecret(h.Value)
			}
		}
		if in.KeepMerchantAPIKey {
			if prev == nil || prev.APIKeySealed == "" {
				errs = append(errs, returns.Invalid("keepMerchantApiKey", "there is no merchant API key to keep"))
			} else {
				saved.APIKeySealed = prev.APIKeySealed
			}
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
		if err := tx.PutRefundidIntegration(ctx, saved); err != nil {
			return err
		}
		if saved.APIKeySealed != "" && Environment(saved).APIURL != "" {
			return s.enqueueReconcile(ctx, tx, storeID)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("connect refundid: %w", err)
	}
	c := s.connection(saved)
	c.BearerToken = token
	return c, nil
}

// enqueueReconcile queues the store's reconciliation a ReconcileInterval
// from now, unless one is queued (or running) already.
func (s *Service) enqueueReconcile(ctx context.Context, tx store.Tx, storeID string) error {
	return tx.Enqueue(ctx, jobs.RefundidReconcileArgs{StoreID: storeID}, &river.InsertOpts{
		ScheduledAt: tx.Now().Add(s.interval()),
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
			rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
			rivertype.JobStateScheduled, rivertype.JobStateRetryable,
		}},
	})
}

func (s *Service) interval() time.Duration {
	if s.ReconcileInterval > 0 {
		return s.ReconcileInterval
	}
	return DefaultReconcileInterval
}

func (s *Service) httpClient() *http.Client {
	if s.HTTPClient != nil {
		return s.HTTPClient
	}
	return &http.Client{Timeout: 30 * time.Second}
}

// checkKey reads one page of Refundid's returns with key.
func (s *Service) checkKey(parent context.Context, apiURL, key string) error {
	ctx, cancel := context.WithTimeout(parent, CheckTimeout)
	defer cancel()
	c, err := refundid.NewClient(apiURL, key, s.httpClient())
	if err != nil {
		return returns.Invalid("apiUrl", err.Error())
	}
	_, err = c.ListReturns(ctx, 0, nil)
	var ae *refundid.APIError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 && !ae.Temporary():
		return errors.Join(returns.Invalid("merchantApiKey", fmt.Sprintf("Refundid refused the key (%d): %s", ae.Status, ae.Message)))
	case parent.Err() != nil:
		return parent.Err()
	}
	return returns.Errorf(returns.EUPSTREAM, "Refundid could not be reached to check the merchant API key: %v; try again later", err)
}

func randomToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Get returns storeID's Refundid connection, or ENOTFOUND.
func (s *Service) Get(ctx context.Context, storeID string) (*Connection, error) {
	in, err := store.Read(ctx, s.Store, func(tx store.ReadTx) (*returns.RefundidIntegration, error) {
		return tx.GetRefundidIntegration(ctx, storeID)
	})
	if err != nil {
		return nil, err
	}
	return s.connection(in), nil
}

// Disconnect deletes storeID's Refundid connection: its URLs stop working
// at once. The refunds recorded stay. ENOTFOUND if there is none.
func (s *Service) Disconnect(ctx context.Context, storeID string) error {
	return s.Store.Update(ctx, func(tx store.Tx) error { return tx.DeleteRefundidIntegration(ctx, storeID) })
}

func (s *Service) connection(in *returns.RefundidIntegration) *Connection {
	base := strings.TrimRight(s.PublicURL, "/") + PathPrefix + in.URLToken
	c := &Connection{
		Integration: in,
		Endpoints: Endpoints{
			Order: base + refundid.MerchantOrderPath, Refund: base + refundid.MerchantRefundPath,
			Refundid: base + refundid.MerchantNotifyPath,
		},
		Environment: Environment(in),
	}
	if in.APIKeySealed != "" {
		c.APIKeyHint = "…"
		if s.Secrets != nil {
			if k, err := s.Secrets.Open(in.APIKeySealed); err == nil && len(k) >= 12 {
				c.APIKeyHint = "…" + string(k[len(k)-4:])
			}
		}
	}
	return c
}

// Client returns a client of Refundid's merchant API with storeID's key.
// ENOTFOUND when the store has no connection or no key; EUNPROCESSABLE
// when no API URL is known for its environment.
func (s *Service) Client(ctx context.Context, storeID string) (*refundid.Client, error) {
	in, err := store.Read(ctx, s.Store, func(tx store.ReadTx) (*returns.RefundidIntegration, error) {
		return tx.GetRefundidIntegration(ctx, storeID)
	})
	if err != nil {
		return nil, err
	}
	return s.client(in)
}

func (s *Service) client(in *returns.RefundidIntegration) (*refundid.Client, error) {
	if in.APIKeySealed == "" {
		return nil, returns.Errorf(returns.ENOTFOUND, "store %s has no Refundid merchant API key: connect it with merchantApiKey", in.StoreID)
	}
	env := Environment(in)
	if env.APIURL == "" {
		return nil, returns.Errorf(returns.EUNPROCESSABLE, "no Refundid API URL is known for the %s environment: connect with apiUrl", in.Environment)
	}
	if s.Secrets == nil {
		return nil, errors.New("refundid: no secrets key configured to unseal the merchant API key")
	}
	key, err := s.Secrets.Open(in.APIKeySealed)
	if err != nil {
		return nil, fmt.Errorf("refundid: unseal the merchant API key of store %s: %w (is this the key that sealed it?)", in.StoreID, err)
	}
	return refundid.NewClient(env.APIURL, string(key), s.httpClient())
}

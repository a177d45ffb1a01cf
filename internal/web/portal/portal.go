// Package portal is the shopper return portal at /portal/{storeHandle}:
// a shopper finds an order (its number and email or postal code), chooses
// items with a reason, photos and answers, chooses what to get back and
// where the parcel comes from, reviews the totals exactly as processing
// computes them, submits once (idempotently), and follows the return on
// a status page reached by an unguessable link. Pages are rendered by
// internal/web and work without JavaScript.
//
// Each step is a small handler: load the store and the shopper's draft,
// decode and validate the form in one place, save, redirect (post →
// redirect → get). A draft lives in the database (store.PortalDraft),
// keyed by a random id kept in an HttpOnly cookie scoped to the store's
// portal path.
package portal

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/httpx"
	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/ratelimit"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/web"
)

//go:embed templates
var templatesFS embed.FS

// Path is the prefix every portal page is under.
const Path = "/portal/"

// Limits of the forms.
const (
	MaxPhotoBytes    = 5 << 20 // one photo
	MaxPhotosPerItem = 3
	maxFormBytes     = MaxPhotosPerItem*MaxPhotoBytes*4 + 1<<20
	draftTTL         = 24 * time.Hour
	cookieName       = "rebound_portal"
)

// stepNames are the steps after finding the order, as the progress list
// shows them.
var stepNames = []string{"Items and reasons", "Refund and address", "Review"}

// Config configures New.
type Config struct {
	App *app.App
	// StatusKey signs the status pages' tokens (secrets.Box.Derive);
	// replicas must share it.
	StatusKey []byte
	// Catalog offers the catalogue's variants for exchanges (nil: only
	// the merchant-listed ones).
	Catalog Catalog
	// LookupsPerIP and LookupsPerOrder limit order lookups per minute
	// (defaults 20 and 5; negative: no limit).
	LookupsPerIP, LookupsPerOrder int
}

// Portal serves the shopper portal.
type Portal struct {
	app      *app.App
	catalog  Catalog
	key      []byte
	rd       *web.Renderer
	perIP    *ratelimit.Limiter
	perOrder *ratelimit.Limiter
}

// New returns the portal.
func New(cfg Config) *Portal {
	if cfg.LookupsPerIP == 0 {
		cfg.LookupsPerIP = 20
	}
	if cfg.LookupsPerOrder == 0 {
		cfg.LookupsPerOrder = 5
	}
	p := &Portal{app: cfg.App, catalog: cfg.Catalog, key: cfg.StatusKey,
		perIP: ratelimit.New(max(cfg.LookupsPerIP, 0), ratelimit.Options{}), perOrder: ratelimit.New(max(cfg.LookupsPerOrder, 0), ratelimit.Options{})}
	if len(p.key) == 0 {
		p.key = make([]byte, 32)
		_, _ = rand.Read(p.key)
	}
	p.rd = web.MustRenderer(templatesFS, template.FuncMap{"money": money.Format, "steplist": func(i int) []any { return []any{i, stepNames} }}, "templates/*.html")
	return p
}

// Mount registers the portal's routes on mux, behind web.Protect.
func (p *Portal) Mount(mux *http.ServeMux) {
	m := http.NewServeMux()
	m.HandleFunc("GET /portal/{handle}", p.findPage)
	m.HandleFunc("POST /portal/{handle}", p.find)
	m.HandleFunc("GET /portal/{handle}/items", p.itemsPage)
	m.HandleFunc("POST /portal/{handle}/items", p.items)
	m.HandleFunc("POST /portal/{handle}/items/summary", p.itemsSummary)
	m.HandleFunc("GET /portal/{handle}/options", p.optionsPage)
	m.HandleFunc("POST /portal/{handle}/options", p.options)
	m.HandleFunc("GET /portal/{handle}/review", p.reviewPage)
	m.HandleFunc("POST /portal/{handle}/submit", p.submit)
	m.HandleFunc("GET /portal/{handle}/returns/{id}", p.statusPage)
	m.HandleFunc("/portal/", func(w http.ResponseWriter, r *http.Request) {
		p.rd.Error(w, r, http.StatusNotFound, nil, "There is no such page in this returns portal.", "")
	})
	h := web.Protect(m)
	mux.Handle(Path, h)
}

// StatusToken is the token of a return's status page: an HMAC of the store
// and return ids under key, so only who was given the link can open it.
func StatusToken(key []byte, storeID, returnID string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("portal-status\x00" + storeID + "\x00" + returnID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// StatusURL is the path of a return's status page.
func (p *Portal) StatusURL(handle, storeID, returnID string) string {
	return Path + handle + "/returns/" + returnID + "?t=" + StatusToken(p.key, storeID, returnID)
}

// ---- the store and the draft of a request

// site is the store a request is for.
type site struct {
	settings *store.PortalSettings
	merchant *returns.Merchant
	base     string // "/portal/{handle}"
}

func (s *site) view(title string) *web.View {
	return &web.View{Title: title, Home: s.base, Brand: web.Brand{Name: s.merchant.Name, LogoURL: s.settings.LogoURL, Color: s.settings.Color}}
}

var handleRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$`)

// ValidHandle reports whether h is a valid store handle: 1–40 of a-z, 0-9
// and inner "-".
func ValidHandle(h string) bool { return handleRE.MatchString(h) }

func (p *Portal) site(w http.ResponseWriter, r *http.Request) (*site, bool) {
	h := r.PathValue("handle")
	if !ValidHandle(h) {
		p.rd.Error(w, r, http.StatusNotFound, nil, "There is no returns portal at this address.", "")
		return nil, false
	}
	var s site
	err := p.app.Store.View(r.Context(), func(tx store.ReadTx) error {
		var err error
		if s.settings, err = tx.GetPortalSettingsByHandle(r.Context(), h); err != nil {
			return err
		}
		s.merchant, err = tx.GetStore(r.Context(), s.settings.StoreID)
		return err
	})
	if returns.IsNotFound(err) {
		p.rd.Error(w, r, http.StatusNotFound, nil, "There is no returns portal at this address.", "")
		return nil, false
	}
	if err != nil {
		p.fail(w, r, nil, err)
		return nil, false
	}
	s.base = Path + h
	return &s, true
}

func (p *Portal) fail(w http.ResponseWriter, r *http.Request, s *site, err error) {
	httpx.Logger(r).Error("portal", slog.Any("error", err))
	var v *web.View
	if s != nil {
		v = s.view("")
	}
	p.rd.Error(w, r, http.StatusInternalServerError, v, "Something went wrong on our side. Please try again in a moment.", "")
}

// draftData is what the steps chose so far (PortalDraft.Data).
type draftData struct {
	Items   []draftItem     `json:"items,omitempty"`
	Outcome string          `json:"outcome,omitempty"`
	Address returns.Address `json:"address"`
	// Exchange is the variant chosen for each line (by line id), as it
	// was offered when chosen: the review and the submit use it as is.
	Exchange map[string]returns.CatalogVariant `json:"exchangeVariants,omitempty"`
	// Done is how far the shopper got: 1 items chosen, 2 options chosen.
	Done int `json:"done"`
}

type draftItem struct {
	LineID   string             `json:"lineId"`
	Quantity int                `json:"quantity"`
	Reason   string             `json:"reason"`
	Comment  string             `json:"comment,omitempty"`
	Photos   []string           `json:"photos,omitempty"`
	Answers  []returns.Question `json:"answers,omitempty"`
}

// session is a request's draft with its order, policy and eligibility.
type session struct {
	*site
	draft  *store.PortalDraft
	data   draftData
	order  *returns.Order
	policy returns.Policy
	others []returns.Return
	elig   []returns.LineEligibility
}

// session loads the shopper's draft for the store, or sends the shopper
// back to the find page.
func (p *Portal) session(w http.ResponseWriter, r *http.Request) (*session, bool) {
	s, ok := p.site(w, r)
	if !ok {
		return nil, false
	}
	c, err := r.Cookie(cookieName)
	if err != nil || len(c.Value) != 32 {
		p.expired(w, r, s)
		return nil, false
	}
	ss := &session{site: s}
	ctx := r.Context()
	err = p.app.Store.View(ctx, func(tx store.ReadTx) error {
		var err error
		if ss.draft, err = tx.GetPortalDraft(ctx, s.settings.StoreID, c.Value); err != nil {
			return err
		}
		if m, err := tx.GetOrdersByID(ctx, s.settings.StoreID, []string{ss.draft.OrderID}); err != nil {
			return err
		} else if ss.order = m[ss.draft.OrderID]; ss.order == nil {
			return returns.Errorf(returns.ENOTFOUND, "order gone")
		}
		if ss.policy, err = tx.GetPolicy(ctx, s.settings.StoreID); err != nil {
			return err
		}
		rs, err := tx.ReturnsForOrder(ctx, s.settings.StoreID, ss.order.ID)
		for _, x := range rs {
			ss.others = append(ss.others, *x)
		}
		return err
	})
	if returns.IsNotFound(err) || (err == nil && time.Since(ss.draft.CreatedAt) > draftTTL) {
		p.expired(w, r, s)
		return nil, false
	}
	if err != nil {
		p.fail(w, r, s, err)
		return nil, false
	}
	if err := json.Unmarshal(ss.draft.Data, &ss.data); err != nil {
		p.fail(w, r, s, err)
		return nil, false
	}
	ss.elig = returns.Eligibility(ss.order, ss.policy, returns.HeldBy(ss.others, ""), time.Now())
	return ss, true
}

func (p *Portal) expired(w http.ResponseWriter, r *http.Request, s *site) {
	web.SetFlash(w, r, "Please find your order to start a return.")
	http.Redirect(w, r, s.base, http.StatusSeeOther)
}

func (p *Portal) saveDraft(ctx context.Context, ss *session) error {
	b, err := json.Marshal(ss.data)
	if err != nil {
		return err
	}
	ss.draft.Data = b
	return p.app.Store.Update(ctx, func(tx store.Tx) error { return tx.PutPortalDraft(ctx, ss.draft) })
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// line returns the order line with that id.
func (ss *session) line(id string) (*returns.OrderLine, *returns.LineEligibility) {
	for i := range ss.order.Lines {
		if ss.order.Lines[i].ID == id {
			return &ss.order.Lines[i], &ss.elig[i]
		}
	}
	return nil, nil
}

// orderNumber is what the shopper types for o: its name, else its id.
func orderNumber(o *returns.Order) string {
	if o.Name != "" {
		return o.Name
	}
	return o.ExternalID
}

func normalize(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), ""))
}

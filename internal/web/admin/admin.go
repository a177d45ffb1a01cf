// Package admin is the merchant admin at /admin: server-rendered pages on
// internal/web's layout for a store's users (internal/users) to sign in,
// work the returns queue, review and process returns, and manage the
// store's settings (return policy, shopper portal, return destinations,
// integrations, webhooks, API keys, users, and the shopper emails sent or
// kept in the outbox). As miniflux's internal/ui, each page action is one small handler:
// decode the form, validate it in one place, call a use case (internal/app,
// internal/webhooks, internal/ecwidsync, internal/users), then render a
// view or redirect (POST → 303 → GET).
//
// Sessions are github.com/alexedwards/scs/v2's, kept in the database
// (users.SessionStore). Every page is behind web.Protect: CSP without
// unsafe-inline, frame-ancestors 'none', nosniff, and
// http.CrossOriginProtection, which refuses a cross-site POST even with a
// valid session cookie (the cookie is also SameSite=Lax, HttpOnly, and
// Secure over https: a __Host- cookie then).
//
// Roles (users.Role): owner may do everything; agent everything but
// settings, whose links are hidden and whose URLs answer 403; warehouse
// finds, opens, processes returns and prints their labels only (buying a
// label answers it 403).
package admin

import (
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/ecwidsync"
	"github.com/reboundhq/rebound/internal/httpx"
	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/ratelimit"
	"github.com/reboundhq/rebound/internal/refundid/refundidsync"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/shipping/shipsvc"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/users"
	"github.com/reboundhq/rebound/internal/web"
	"github.com/reboundhq/rebound/internal/webhooks"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed static
var staticFS embed.FS

// Prefix is where the admin is mounted.
const Prefix = "/admin"

// Config configures New.
type Config struct {
	App      *app.App
	Webhooks *webhooks.Service
	Ecwid    *ecwidsync.Service
	Refundid *refundidsync.Service
	// Users are the admin's users (nil: a users.Service over App.Store
	// whose invitations send no email).
	Users *users.Service
	// Shipping serves the destinations page and the return label pages
	// (nil: no such pages).
	Shipping *shipsvc.Service
	// SignInPerMinute limits sign-in attempts per email (default 10; a
	// burst of as many); a client address may make five times as many.
	SignInPerMinute int
	// SessionLifetime is how long a session lasts at most (default 12h);
	// it also ends after SessionIdle without a request (default 2h).
	SessionLifetime, SessionIdle time.Duration
}

// Handler serves the admin.
type Handler struct {
	app      *app.App
	st       store.Store
	hooks    *webhooks.Service
	ecwid    *ecwidsync.Service
	refundid *refundidsync.Service
	users    *users.Service
	ship     *shipsvc.Service
	rd       *web.Renderer
	// plain and secure are the session managers of http and https
	// requests (scs's cookie Secure flag is per manager).
	plain, secure *scs.SessionManager
	limitIP       *ratelimit.Limiter
	limitEmail    *ratelimit.Limiter
	mux           *http.ServeMux
}

// New builds the admin over cfg's use cases.
func New(cfg Config) *Handler {
	if cfg.SignInPerMinute <= 0 {
		cfg.SignInPerMinute = 10
	}
	if cfg.SessionLifetime <= 0 {
		cfg.SessionLifetime = 12 * time.Hour
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = 2 * time.Hour
	}
	h := &Handler{app: cfg.App, st: cfg.App.Store, hooks: cfg.Webhooks, ecwid: cfg.Ecwid, refundid: cfg.Refundid, users: cfg.Users, ship: cfg.Shipping,
		limitIP: ratelimit.New(5*cfg.SignInPerMinute, ratelimit.Options{}), limitEmail: ratelimit.New(cfg.SignInPerMinute, ratelimit.Options{}),
		mux: http.NewServeMux()}
	if h.users == nil {
		h.users = &users.Service{Store: h.st}
	}
	ss := &users.SessionStore{Store: h.st}
	mk := func(secure bool) *scs.SessionManager {
		m := scs.New()
		m.Store = ss
		m.Lifetime, m.IdleTimeout = cfg.SessionLifetime, cfg.SessionIdle
		m.Cookie.Name = "rebound_admin"
		if secure {
			m.Cookie.Name = "__Host-rebound_admin"
		}
		m.Cookie.Path, m.Cookie.HttpOnly, m.Cookie.SameSite, m.Cookie.Secure, m.Cookie.Persist = "/", true, http.SameSiteLaxMode, secure, false
		m.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
			httpx.Logger(r).Error("admin session", slog.Any("error", err))
			h.rd.Error(w, r, http.StatusServiceUnavailable, nil, "The session store could not be reached. Please try again in a moment.", "")
		}
		return m
	}
	h.plain, h.secure = mk(false), mk(true)
	h.rd = web.MustRenderer(templatesFS, funcs, "templates/*.html")
	h.routes()
	return h
}

// Mount adds the admin under Prefix to mux.
func (h *Handler) Mount(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET "+Prefix+"/static/", http.StripPrefix(Prefix+"/static/", staticHandler(static)))
	hd := web.Protect(h.withSession(h.mux))
	mux.Handle(Prefix+"/", hd)
	mux.Handle(Prefix, http.RedirectHandler(Prefix+"/", http.StatusMovedPermanently))
}

func staticHandler(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}

func (h *Handler) sessions(r *http.Request) *scs.SessionManager {
	if web.IsHTTPS(r) {
		return h.secure
	}
	return h.plain
}

func (h *Handler) withSession(next http.Handler) http.Handler {
	p, s := h.plain.LoadAndSave(next), h.secure.LoadAndSave(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if web.IsHTTPS(r) {
			s.ServeHTTP(w, r)
			return
		}
		p.ServeHTTP(w, r)
	})
}

// perm is what a handler needs of the signed-in user.
type perm int

const (
	permAny perm = iota
	permReview
	permLabels
	permSettings
)

func (p perm) allows(role users.Role) bool {
	switch p {
	case permSettings:
		return role.CanManageSettings()
	case permReview:
		return role.CanReview()
	case permLabels:
		return role.CanBuyLabels()
	}
	return role.CanProcess()
}

// page is a signed-in request's context.
type page struct {
	User  *store.User
	Role  users.Role
	Store *returns.Merchant
	Nav   string // the current section: returns, settings
	Sub   string // the current settings page
}

func (p *page) CanSettings() bool { return p.Role.CanManageSettings() }
func (p *page) CanReview() bool   { return p.Role.CanReview() }
func (p *page) CanLabels() bool   { return p.Role.CanBuyLabels() }

type pageHandler func(w http.ResponseWriter, r *http.Request, p *page)

const sessionUser, sessionStore = "uid", "sid"

// auth resolves the session's user (read again on every request: a removed
// user or changed role takes effect at once) and checks need.
func (h *Handler) auth(need perm, fn pageHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sm := h.sessions(r)
		uid, sid := sm.GetString(r.Context(), sessionUser), sm.GetString(r.Context(), sessionStore)
		if uid == "" {
			h.toSignIn(w, r)
			return
		}
		u, err := h.users.Get(r.Context(), sid, uid)
		if returns.IsNotFound(err) {
			_ = sm.Destroy(r.Context())
			h.toSignIn(w, r)
			return
		}
		if err != nil {
			h.fail(w, r, nil, err)
			return
		}
		s, err := h.app.GetStore(r.Context(), u.StoreID)
		if err != nil {
			h.fail(w, r, nil, err)
			return
		}
		p := &page{User: u, Role: users.Role(u.Role), Store: s}
		if !need.allows(p.Role) {
			h.rd.Error(w, r, http.StatusForbidden, h.view(r, p, ""), "Your role ("+u.Role+") does not allow this page. Ask an owner of the store.", Prefix+"/returns")
			return
		}
		fn(w, r, p)
	}
}

func (h *Handler) toSignIn(w http.ResponseWriter, r *http.Request) {
	next := ""
	if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, Prefix+"/") {
		next = r.URL.RequestURI()
	}
	target := Prefix + "/signin"
	if next != "" && next != Prefix+"/" {
		target += "?next=" + urlQueryEscape(next)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// view is the layout's view of a signed-in page.
func (h *Handler) view(r *http.Request, p *page, title string) *web.View {
	v := &web.View{Title: title, Home: Prefix + "/returns"}
	if p != nil {
		v.Brand = web.Brand{Name: p.Store.Name + " · Admin"}
	}
	return v
}

// render renders a signed-in page: data is the page's own, under .Data.Page.
type pageData struct {
	P    *page
	Page any
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page, title string, errs web.Errors, data any) {
	v := h.view(r, p, title)
	v.Flash = web.TakeFlash(w, r)
	v.Errors = errs
	v.Data = pageData{P: p, Page: data}
	h.rd.Page(w, r, status, name, v)
}

// fail answers a use case's error: not found, forbidden, conflict and
// invalid in plain words, anything else as 500 (logged).
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, p *page, err error) {
	back := Prefix + "/returns"
	v := h.view(r, p, "")
	switch returns.ErrorCode(err) {
	case returns.ENOTFOUND:
		h.rd.Error(w, r, http.StatusNotFound, v, "There is no such page in this store. "+returns.ErrorMessage(err), back)
	case returns.EFORBIDDEN:
		h.rd.Error(w, r, http.StatusForbidden, v, returns.ErrorMessage(err), back)
	case returns.ECONFLICT, returns.EUNPROCESSABLE:
		h.rd.Error(w, r, http.StatusConflict, v, returns.ErrorMessage(err), back)
	case returns.EINVALID:
		h.rd.Error(w, r, http.StatusBadRequest, v, returns.ErrorMessage(err), back)
	case returns.EUPSTREAM:
		h.rd.Error(w, r, http.StatusBadGateway, v, returns.ErrorMessage(err), back)
	case returns.EUNAVAILABLE:
		h.rd.Error(w, r, http.StatusServiceUnavailable, v, "The database cannot be reached right now. Please try again in a moment.", back)
	default:
		if errors.Is(err, web.ErrTooLarge) {
			h.rd.Error(w, r, http.StatusRequestEntityTooLarge, v, "The form is too large.", back)
			return
		}
		httpx.Logger(r).Error("admin", slog.Any("error", err))
		h.rd.Error(w, r, http.StatusInternalServerError, v, "Something went wrong on our side. Please try again.", back)
	}
}

// form parses a POSTed form (64 KiB at most).
func (h *Handler) form(w http.ResponseWriter, r *http.Request, p *page) (*web.Form, bool) {
	f, err := web.ParseForm(w, r, 64<<10)
	if err != nil {
		if errors.Is(err, web.ErrTooLarge) {
			h.rd.Error(w, r, http.StatusRequestEntityTooLarge, h.view(r, p, ""), "The form is too large.", "")
		} else {
			h.rd.Error(w, r, http.StatusBadRequest, h.view(r, p, ""), "The form could not be read.", "")
		}
		return nil, false
	}
	return f, true
}

func (h *Handler) redirect(w http.ResponseWriter, r *http.Request, to, flash string) {
	if flash != "" {
		web.SetFlash(w, r, flash)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func actor(p *page) returns.Actor {
	return returns.Actor{Kind: returns.ActorMerchant, ID: p.User.ID, Name: p.User.Email}
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

var funcs = template.FuncMap{
	"money": func(minor int64, currency string) string {
		if currency == "" {
			return money.FormatScale(minor, 2)
		}
		return money.Format(minor, currency) + " " + currency
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"statusLabel": statusLabel,
	"derefTime": func(t *time.Time) time.Time {
		if t == nil {
			return time.Time{}
		}
		return *t
	},
	"list": func(s ...string) []string { return s },
	"pageOf": func(d any) *page {
		if pd, ok := d.(pageData); ok {
			return pd.P
		}
		return nil
	},
	"label": func(k string) string {
		return map[string]string{"ecwidStoreId": "Ecwid store id", "accessToken": "Access token (secret_…)", "customerGroup": "Customer group of return orders",
			"clientId": "App client id (optional, for webhooks)", "clientSecret": "App client secret (optional)", "apiBaseUrl": "API base URL (optional)"}[k]
	},
	"reasons": func(r *returns.Return) string {
		var out []string
		for _, it := range r.Items {
			out = appendUnique(out, it.Reason)
		}
		return strings.Join(out, ", ")
	},
	"deref": func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	},
}

func statusLabel(s returns.Status) string {
	switch s {
	case returns.StatusNeedsReview:
		return "Needs review"
	case returns.StatusPreShipment:
		return "Pre-shipment"
	case returns.StatusInTransit:
		return "In transit"
	case returns.StatusInReview:
		return "In review"
	case returns.StatusComplete:
		return "Completed"
	}
	s2 := string(s)
	if s2 == "" {
		return ""
	}
	return strings.ToUpper(s2[:1]) + s2[1:]
}

func asErr(err error, target **returns.Error) bool { return errors.As(err, target) }

package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/reboundhq/rebound/internal/httpx"
)

//go:embed templates
var layoutFS embed.FS

// Brand is how a store looks on its pages: name, logo and accent colour.
type Brand struct {
	Name    string
	LogoURL string // a same-site URL of the logo image, or ""
	Color   string // accent colour "#rrggbb"; anything else is the default
}

// DefaultColor is the accent colour of a Brand without a valid one.
const DefaultColor = "#1d4ed8"

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// ValidColor reports whether c is an accent colour Brand accepts
// ("#rrggbb").
func ValidColor(c string) bool { return hexColor.MatchString(c) }

// Accent is the brand colour, or DefaultColor.
func (b Brand) Accent() string {
	if ValidColor(b.Color) {
		return strings.ToLower(b.Color)
	}
	return DefaultColor
}

// OnAccent is the text colour on the accent (black or white, whichever
// contrasts more, WCAG relative luminance).
func (b Brand) OnAccent() string {
	c := b.Accent()
	lum := 0.0
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		v, _ := strconv.ParseUint(c[1+2*i:3+2*i], 16, 8)
		s := float64(v) / 255
		if s <= 0.04045 {
			s /= 12.92
		} else {
			s = math.Pow((s+0.055)/1.055, 2.4)
		}
		lum += w * s
	}
	// Contrast with white (1.05/(L+0.05)) vs with black ((L+0.05)/0.05).
	if 1.05/(lum+0.05) >= (lum+0.05)/0.05 {
		return "#ffffff"
	}
	return "#000000"
}

// View is what the layout renders around a page: every page handler
// builds one.
type View struct {
	Title  string // the page's title (<title>, before the brand's name)
	Brand  Brand
	Home   string // where the brand in the header links ("" for none)
	Flash  string // a one-time message (TakeFlash), shown as a status
	Errors Errors // form errors, summarised at the top of the page
	Lang   string // the page's language; "" is "en"
	Data   any    // the page's own data

	// Nonce is set by Page: the request's CSP nonce.
	Nonce string
}

// MaxPageBytes is the size a rendered page must stay under; Page logs a
// warning when one does not (the tests check it too).
const MaxPageBytes = 100 << 10

// Renderer renders pages of one surface inside the layout.
type Renderer struct {
	pages map[string]*template.Template
	base  *template.Template
}

// Funcs are the template functions every Renderer has: asset (AssetURL),
// fieldError (the message of a field in Errors, or ""), and join/contains
// helpers.
func baseFuncs() template.FuncMap {
	return template.FuncMap{
		"asset":      AssetURL,
		"fieldError": func(e Errors, field string) string { return e.Get(field) },
		"join":       strings.Join,
		"add":        func(a, b int) int { return a + b },
		"seq": func(from, to int) []int {
			var s []int
			for i := from; i <= to; i++ {
				s = append(s, i)
			}
			return s
		},
	}
}

// NewRenderer parses the pages matching patterns in fsys. A file whose name
// starts with "_" holds partials (named templates) shared by every page; any
// other file is one page, named by its base name less ".html", which must
// define "content" (the page's main) and may define "head" (more tags in
// <head>). The layout's own "error" page is added. funcs are added to the
// base functions (and may override them).
func NewRenderer(fsys fs.FS, funcs template.FuncMap, patterns ...string) (*Renderer, error) {
	fm := baseFuncs()
	for k, v := range funcs {
		fm[k] = v
	}
	base, err := template.New("layout").Funcs(fm).ParseFS(layoutFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	var pages, partials []string
	for _, p := range patterns {
		m, err := fs.Glob(fsys, p)
		if err != nil {
			return nil, err
		}
		for _, f := range m {
			if strings.HasPrefix(path.Base(f), "_") {
				partials = append(partials, f)
			} else {
				pages = append(pages, f)
			}
		}
	}
	if len(partials) > 0 {
		if base, err = base.ParseFS(fsys, partials...); err != nil {
			return nil, err
		}
	}
	rd := &Renderer{pages: map[string]*template.Template{}, base: base}
	add := func(name string, src fs.FS, file string) error {
		t, err := template.Must(base.Clone()).ParseFS(src, file)
		if err != nil {
			return err
		}
		if t.Lookup("content") == nil {
			return fmt.Errorf("web: page %s defines no \"content\"", file)
		}
		rd.pages[name] = t
		return nil
	}
	if err := add("error", layoutFS, "templates/error.html"); err != nil {
		return nil, err
	}
	for _, f := range pages {
		if err := add(strings.TrimSuffix(path.Base(f), ".html"), fsys, f); err != nil {
			return nil, err
		}
	}
	return rd, nil
}

// MustRenderer is NewRenderer that panics on an error (templates are
// embedded: an error is a bug every test finds).
func MustRenderer(fsys fs.FS, funcs template.FuncMap, patterns ...string) *Renderer {
	rd, err := NewRenderer(fsys, funcs, patterns...)
	if err != nil {
		panic(err)
	}
	return rd
}

// Page renders the page name in the layout with status. A template error
// is logged and answered 500 (nothing half-written reaches the client).
func (rd *Renderer) Page(w http.ResponseWriter, r *http.Request, status int, name string, v *View) {
	t, ok := rd.pages[name]
	if !ok {
		panic("web: no page " + name)
	}
	if v.Errors == nil {
		v.Errors = Errors{}
	}
	if v.Lang == "" {
		v.Lang = "en"
	}
	v.Nonce = Nonce(r)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		httpx.Logger(r).Error("rendering a page", slog.String("page", name), slog.Any("error", err))
		http.Error(w, "Something went wrong on our side. Please try again.", http.StatusInternalServerError)
		return
	}
	if buf.Len() > MaxPageBytes {
		httpx.Logger(r).Warn("page over its size budget", slog.String("page", name), slog.Int("bytes", buf.Len()))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// Fragment renders one named template (a partial, for an htmx request)
// with data, without the layout.
func (rd *Renderer) Fragment(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := rd.base.ExecuteTemplate(&buf, name, data); err != nil {
		httpx.Logger(r).Error("rendering a fragment", slog.String("fragment", name), slog.Any("error", err))
		http.Error(w, "Something went wrong on our side. Please try again.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// ErrorPage is the data of the layout's "error" page.
type ErrorPage struct {
	Heading, Message string
	Back             string // a link to go on from ("" for none)
}

// Error renders the layout's error page with status: a heading from the
// status and msg in plain words. v supplies the brand (nil for none).
func (rd *Renderer) Error(w http.ResponseWriter, r *http.Request, status int, v *View, msg, back string) {
	if v == nil {
		v = &View{}
	}
	heading := http.StatusText(status)
	switch status {
	case http.StatusNotFound:
		heading = "Page not found"
	case http.StatusTooManyRequests:
		heading = "Too many attempts"
	case http.StatusInternalServerError, http.StatusServiceUnavailable:
		heading = "Something went wrong"
	}
	if v.Title == "" {
		v.Title = heading
	}
	v.Data = ErrorPage{Heading: heading, Message: msg, Back: back}
	rd.Page(w, r, status, "error", v)
}

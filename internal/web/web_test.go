package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/web"
)

func TestProtectHeadersAndCrossOrigin(t *testing.T) {
	rd := web.MustRenderer(os.DirFS("testdata"), nil, "*.html")
	posted := 0
	h := web.Protect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posted++
		}
		rd.Page(w, r, http.StatusOK, "hello", &web.View{Title: "Hi", Brand: web.Brand{Name: "Acme", Color: "#ffff00"}, Data: "<world>"})
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()

	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"frame-ancestors 'none'", "default-src 'none'", "'nonce-"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows unsafe-inline: %q", csp)
	}
	if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q", got)
	}
	nonce := csp[strings.Index(csp, "'nonce-")+7:]
	nonce = nonce[:strings.Index(nonce, "'")]
	page := string(body)
	for _, want := range []string{`<style nonce="` + nonce + `">`, "--on-accent:#000000", "Hello &lt;world&gt;", "<title>Hi · Acme</title>", `href="/assets/app.css?v=`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}

	// Same-origin POST passes, cross-site POST is refused.
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("name=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
		t.Fatalf("same-origin POST: %v %v", res.StatusCode, err)
	}
	req, _ = http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("name=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin POST: status %d, want 403", res.StatusCode)
	}
	if posted != 1 {
		t.Errorf("handler saw %d POSTs, want 1 (the cross-origin one must not reach it)", posted)
	}
}

func TestErrorsSummaryAndErrorPage(t *testing.T) {
	rd := web.MustRenderer(os.DirFS("testdata"), nil, "*.html")
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/", nil)
	rd.Page(w, r, http.StatusUnprocessableEntity, "hello", &web.View{Errors: web.Errors{"name": "Enter your name."}})
	if w.Code != 422 || !strings.Contains(w.Body.String(), `<a href="#name">Enter your name.</a>`) || !strings.Contains(w.Body.String(), `aria-invalid="true"`) {
		t.Errorf("got %d\n%s", w.Code, w.Body)
	}
	w = httptest.NewRecorder()
	rd.Error(w, r, http.StatusNotFound, nil, "No such return.", "/back")
	if w.Code != 404 || !strings.Contains(w.Body.String(), "<h1>Page not found</h1>") || !strings.Contains(w.Body.String(), "No such return.") {
		t.Errorf("got %d\n%s", w.Code, w.Body)
	}
	w = httptest.NewRecorder()
	rd.Fragment(w, r, 200, "part", "frag")
	if w.Body.String() != `<p id="part">frag</p>` {
		t.Errorf("fragment %q", w.Body)
	}
}

func TestBrandContrast(t *testing.T) {
	for c, want := range map[string]string{"#000000": "#ffffff", "#ffffff": "#000000", "#1d4ed8": "#ffffff", "#fde047": "#000000", "red": "#ffffff"} {
		if got := (web.Brand{Color: c}).OnAccent(); got != want {
			t.Errorf("OnAccent(%s) = %s, want %s", c, got, want)
		}
	}
	if (web.Brand{Color: "javascript:x"}).Accent() != web.DefaultColor {
		t.Error("invalid colour kept")
	}
}

func TestAssets(t *testing.T) {
	u := web.AssetURL("htmx.min.js")
	w := httptest.NewRecorder()
	web.Assets().ServeHTTP(w, httptest.NewRequest("GET", u, nil))
	if w.Code != 200 || !strings.Contains(w.Header().Get("Cache-Control"), "immutable") || !strings.Contains(w.Body.String(), "htmx") {
		t.Errorf("asset: %d %v", w.Code, w.Header())
	}
	w = httptest.NewRecorder()
	web.Assets().ServeHTTP(w, httptest.NewRequest("GET", "/assets/", nil))
	if w.Code != 404 {
		t.Errorf("listing: %d", w.Code)
	}
}

func TestFormAndCookies(t *testing.T) {
	body := url.Values{"q": {" 3 "}, "name": {"  "}, "c": {"x"}}.Encode()
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	f, err := web.ParseForm(w, r, 1024)
	if err != nil {
		t.Fatal(err)
	}
	if n := f.Int("q", 1, 2, false, "Choose 1 or 2."); n != 1 || f.Errors.Get("q") != "Choose 1 or 2." {
		t.Errorf("Int: %d %v", n, f.Errors)
	}
	f.Required("name", 10, "Enter a name.")
	if f.Choice("c", []string{"y"}, "Choose one.") != "" || len(f.Errors) != 3 {
		t.Errorf("errors: %v", f.Errors)
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("a=b&", 1000)))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if _, err := web.ParseForm(httptest.NewRecorder(), r, 100); err != web.ErrTooLarge {
		t.Errorf("over limit: %v", err)
	}

	r = httptest.NewRequest("GET", "https://x/", nil)
	r.Header.Set("X-Forwarded-Proto", "https")
	w = httptest.NewRecorder()
	web.SetFlash(w, r, "Saved <ok>")
	c := w.Result().Cookies()[0]
	if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
		t.Errorf("cookie %+v", c)
	}
	r2 := httptest.NewRequest("GET", "/", nil)
	r2.AddCookie(c)
	w = httptest.NewRecorder()
	if got := web.TakeFlash(w, r2); got != "Saved <ok>" {
		t.Errorf("flash %q", got)
	}
	if cl := w.Result().Cookies(); len(cl) != 1 || cl[0].MaxAge >= 0 {
		t.Errorf("flash not cleared: %v", cl)
	}
}

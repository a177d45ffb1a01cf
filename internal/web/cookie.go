package web

import (
	"net/http"
	"net/url"
	"time"
)

// SetCookie sets c with the defaults every Rebound cookie has: Path "/"
// unless set, HttpOnly, SameSite=Lax, and Secure when the request came
// over https (IsHTTPS).
func SetCookie(w http.ResponseWriter, r *http.Request, c *http.Cookie) {
	if c.Path == "" {
		c.Path = "/"
	}
	c.HttpOnly = true
	c.SameSite = http.SameSiteLaxMode
	c.Secure = IsHTTPS(r)
	http.SetCookie(w, c)
}

// ClearCookie removes the cookie name at path ("" is "/").
func ClearCookie(w http.ResponseWriter, r *http.Request, name, path string) {
	SetCookie(w, r, &http.Cookie{Name: name, Path: path, MaxAge: -1, Expires: time.Unix(1, 0)})
}

const flashCookie = "rebound_flash"

// SetFlash keeps a short message for the next page rendered to this
// browser (after a redirect): View.Flash shows it once. The text is
// escaped when shown.
func SetFlash(w http.ResponseWriter, r *http.Request, msg string) {
	SetCookie(w, r, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(msg), MaxAge: 300})
}

// TakeFlash returns the flash message SetFlash kept, and clears it.
func TakeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	ClearCookie(w, r, flashCookie, "")
	msg, err := url.QueryUnescape(c.Value)
	if err != nil || len(msg) > 500 {
		return ""
	}
	return msg
}

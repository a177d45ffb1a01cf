package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
)

type ctxKey int

const ctxNonce ctxKey = iota

// CSP is the Content-Security-Policy of every page, less the nonce that
// Protect adds to style-src: no inline script or style (but the layout's
// nonced brand style), nothing from another origin, no framing.
const CSP = "default-src 'none'; script-src 'self'; img-src 'self' data: blob: https:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Protect wraps a surface's handler with what every page needs: the
// security headers (CSP without unsafe-inline, frame-ancestors 'none',
// X-Content-Type-Options, Referrer-Policy), a per-request CSP nonce
// (Nonce), no caching of pages, and http.CrossOriginProtection, which
// refuses any unsafe-method request (POST, ...) that a browser marks as
// cross-site (Sec-Fetch-Site) or whose Origin is not the Host; refusals
// are answered with the layout-less 403 page.
func Protect(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte("This form was sent from another site and was refused. Go back to the page, reload it and try again.\n"))
	}))
	h := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [16]byte
		_, _ = rand.Read(b[:])
		nonce := base64.RawURLEncoding.EncodeToString(b[:])
		hd := w.Header()
		hd.Set("Content-Security-Policy", CSP+"; style-src 'self' 'nonce-"+nonce+"'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxNonce, nonce)))
	})
}

// Nonce is the request's CSP nonce ("" outside Protect).
func Nonce(r *http.Request) string {
	n, _ := r.Context().Value(ctxNonce).(string)
	return n
}

// IsHTTPS reports whether the client reached us over TLS: directly, or
// through a proxy that says so in X-Forwarded-Proto (Rebound is run behind
// one in production; the header only makes cookies stricter).
func IsHTTPS(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}

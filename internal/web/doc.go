// Package web is the foundation every server-rendered surface of Rebound
// shares (the shopper portal in web/portal, the merchant admin in
// web/admin): the one html/template layout, the embedded assets (the
// stylesheet and a vendored htmx, never a CDN), page rendering, the
// security-header and cross-origin-protection middleware, cookies, flash
// messages, and form decoding and validation.
//
// A surface builds one Renderer from its own page templates, wraps its
// handler in Protect, and renders every page as a View:
//
//	rd := web.MustRenderer(pagesFS, "templates/*.html")
//	mux.Handle("/portal/", web.Protect(portalMux))
//	rd.Page(w, r, http.StatusOK, "find", &web.View{Title: "Find your order", Data: form})
//
// Assets are served once for every surface by Assets at AssetPrefix
// (internal/server mounts it). Pages must work without JavaScript; htmx
// only enhances them. The CSP forbids inline scripts and styles except the
// layout's own brand-colour style, which carries the request's nonce.
package web

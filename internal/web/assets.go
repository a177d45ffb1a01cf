package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
)

// HTMXVersion is the version of the vendored assets/htmx.min.js, from the
// npm package htmx.org: vendor.sh fetches it (checking the tarball's
// published integrity) and assets_test.go pins the file's digest.
const HTMXVersion = "2.0.11"

// AssetPrefix is the path the assets are served under.
const AssetPrefix = "/assets/"

//go:embed assets
var assetFS embed.FS

var assetHashes = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	_ = fs.WalkDir(assetFS, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := assetFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		m[strings.TrimPrefix(p, "assets/")] = hex.EncodeToString(sum[:6])
		return nil
	})
	return m
})

// AssetURL is the URL of an embedded asset ("app.css"), versioned by its
// content so it can be cached for good. It panics on an unknown asset (a
// template bug found by the first render in any test).
func AssetURL(name string) string {
	h, ok := assetHashes()[name]
	if !ok {
		panic("web: no asset " + name)
	}
	return AssetPrefix + name + "?v=" + h
}

// Assets serves the embedded assets under AssetPrefix: immutable caching
// when the URL carries the current version, nosniff, and no listing.
func Assets() http.Handler {
	sub, _ := fs.Sub(assetFS, "assets")
	files := http.StripPrefix(AssetPrefix, http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), AssetPrefix)
		h, ok := assetHashes()[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if r.URL.Query().Get("v") == h {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		files.ServeHTTP(w, r)
	})
}

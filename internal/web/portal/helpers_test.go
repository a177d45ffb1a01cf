package portal_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/url"
	"testing"

	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/web/portal"
)

func urlEscape(s string) string { return url.QueryEscape(s) }

func newMultipart(w io.Writer) *multipart.Writer { return multipart.NewWriter(w) }

// pngPhoto is a small real PNG.
func pngPhoto() string {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for x := 0; x < 8; x++ {
		for y := 0; y < 8; y++ {
			img.Set(x, y, color.RGBA{200, uint8(x * 30), 40, 255})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.String()
}

func portalSetHandle(t *testing.T, e *env, storeID, handle string) (*store.PortalSettings, error) {
	return portal.SetHandle(t.Context(), e.st, storeID, handle)
}

package redoapi

import (
	"testing"

	"github.com/reboundhq/rebound/internal/httpx"
)

// FuzzReturnRequest feeds arbitrary bodies to the create-return decoder:
// it must never panic, and whatever it accepts has the shape the app
// relies on.
func FuzzReturnRequest(f *testing.F) {
	f.Add([]byte(`{"data":{"provider":"custom","externalOrderId":"o1","items":[{"lineItemId":"l1","quantity":1,"reason":"r","compensation":"refund"}],"shippingAddress":{"line1":"a","city":"b","state":"c","postalCode":"d","country":"US"}}}`))
	f.Add([]byte(`{"data":{"items":[{"images":["data:image/png;base64,iVBORw0KGgo="]}],"exchange":{"items":[{"price":"1e3","quantity":-1}]}}}`))
	f.Add([]byte(`{"data":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var in createReturnBody
		if err := httpx.DecodeStrict(body, &in); err != nil || in.Data == nil {
			return
		}
		req, err := returnRequest(in.Data)
		if err != nil {
			return
		}
		if len(req.Items) != len(in.Data.Items) {
			t.Fatalf("%d items decoded from %d", len(req.Items), len(in.Data.Items))
		}
		for _, it := range req.Items {
			for _, img := range it.Images {
				if img.Data != nil && !allowedImageTypes[img.ContentType] {
					t.Fatalf("accepted an upload of type %q", img.ContentType)
				}
			}
		}
	})
}

// FuzzPageCursor: decodeCursor accepts exactly what PageCursor produces
// for ids, and never panics.
func FuzzPageCursor(f *testing.F) {
	f.Add("cjEuNmIwMzIxODVjYTk0YzkxZDA2ZTA3OTIy")
	f.Add("")
	f.Add("!!!")
	f.Fuzz(func(t *testing.T, c string) {
		id, err := decodeCursor(c)
		if err != nil {
			return
		}
		if !hexID.MatchString(id) {
			t.Fatalf("cursor %q gave id %q", c, id)
		}
		if back, err := decodeCursor(PageCursor(id)); err != nil || back != id {
			t.Fatalf("round trip of %q: %q, %v", id, back, err)
		}
	})
}

package server

import "testing"

// The access log never holds a secret path segment.
func TestLoggedPathMasksTokens(t *testing.T) {
	for _, c := range []struct{ pattern, path, want string }{
		{"GET /admin/invite/{token}", "/admin/invite/s3cr3t", "/admin/invite/{token}"},
		{"GET /integrations/refundid/{token}/order", "/integrations/refundid/k9Rm/order", "/integrations/refundid/{token}/order"},
		{"POST /integrations/ecwid/webhooks/{token}", "/integrations/ecwid/webhooks/abc", "/integrations/ecwid/webhooks/{token}"},
		{"GET /v2.2/returns/{returnId}", "/v2.2/returns/6b03", "/v2.2/returns/6b03"},
		{"", "/nowhere", "/nowhere"},
	} {
		if got := loggedPath(c.pattern, c.path); got != c.want {
			t.Errorf("loggedPath(%q, %q) = %q, want %q", c.pattern, c.path, got, c.want)
		}
	}
}

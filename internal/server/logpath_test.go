package server

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/store/storetest"
)

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

// The access log line is written, with the request's id, when the
// logger's level takes INFO, and not when it does not.
func TestAccessLogFollowsTheLevel(t *testing.T) {
	st := storetest.OpenSQLite(t)
	for _, c := range []struct {
		level slog.Level
		want  bool
	}{{slog.LevelInfo, true}, {slog.LevelWarn, false}} {
		var buf bytes.Buffer
		log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: c.level}))
		s := New(Config{Services: NewServices(Options{Store: st}), Logger: log, AccessLog: true})
		req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
		req.Header.Set("X-Request-Id", "req-42")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET /healthz = %d", rec.Code)
		}
		got := strings.Contains(buf.String(), `"msg":"request"`) && strings.Contains(buf.String(), `"request_id":"req-42"`)
		if got != c.want {
			t.Errorf("level %v: access line written = %v, want %v (log: %s)", c.level, got, c.want, buf.String())
		}
	}
}

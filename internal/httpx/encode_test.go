package httpx

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestResolveClientGone: an error caused by the client's going away is
// resolved to 499 and logged at info, not as a server fault; the same
// cancellation error on a request still open is a 500 logged as an error.
func TestResolveClientGone(t *testing.T) {
	var logs bytes.Buffer
	base := slog.New(slog.NewTextHandler(&logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	r, _ := Begin(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/x", nil).WithContext(ctx), base)
	cancel()
	e := Resolve(r, fmt.Errorf("sync order: %w", context.Canceled))
	if e.Status != StatusClientClosedRequest {
		t.Errorf("client gone: status %d, want %d", e.Status, StatusClientClosedRequest)
	}
	if !strings.Contains(logs.String(), "level=INFO") || strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("client gone: want one info line, got %q", logs.String())
	}

	logs.Reset()
	open, _ := Begin(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/x", nil), base)
	e = Resolve(open, fmt.Errorf("some job: %w", context.Canceled))
	if e.Status != http.StatusInternalServerError || !strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("open request: status %d, logs %q; want 500 logged as an error", e.Status, logs.String())
	}
	if !strings.Contains(e.Detail, RequestID(open)) {
		t.Errorf("open request: detail %q should quote the request id only", e.Detail)
	}
}

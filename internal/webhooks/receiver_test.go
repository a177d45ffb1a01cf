package webhooks

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestReceiverVerifiesAndPrints(t *testing.T) {
	secret := NewSecret()
	var out bytes.Buffer
	rc := &Receiver{Secret: secret, Out: &out}
	body := []byte(`{"type":"updated","return":{"id":"r1","status":"complete"}}`)
	send := func(h http.Header) int {
		req := httptest.NewRequest("POST", "/hooks", bytes.NewReader(body))
		for k, v := range h {
			req.Header[k] = v
		}
		rec := httptest.NewRecorder()
		rc.ServeHTTP(rec, req)
		return rec.Code
	}
	h, err := Headers([]string{secret}, "msg_1", time.Now(), body)
	if err != nil {
		t.Fatal(err)
	}
	if code := send(h); code != http.StatusNoContent {
		t.Errorf("verified delivery answered %d, want 204", code)
	}
	other, _ := Headers([]string{NewSecret()}, "msg_2", time.Now(), body)
	if code := send(other); code != http.StatusUnauthorized {
		t.Errorf("delivery signed with another secret answered %d, want 401", code)
	}
	if code := send(http.Header{}); code != http.StatusUnauthorized {
		t.Errorf("unsigned delivery answered %d, want 401", code)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || lines[0] != "webhook msg_1 verified: return r1 updated, status complete" ||
		!strings.HasPrefix(lines[1], "webhook msg_2 REFUSED: ") || !strings.HasPrefix(lines[2], "webhook  REFUSED: ") {
		t.Errorf("output:\n%s", out.String())
	}
}

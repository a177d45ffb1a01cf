package webhooks

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Receiver is a webhook endpoint for trying Rebound locally (rebound dev
// webhook-receiver): it verifies each delivery's Standard Webhooks
// signature with Secret, answers 204 to a verified one and 401 to any
// other, and writes one line per delivery to Out:
//
//	webhook msg_12 verified: return 01J… updated, status complete
//	webhook msg_13 REFUSED: webhooks: signature verification failed: …
//
// Every delivery of either kind (redo, loop) carries the Standard Webhooks
// headers, so one check serves both.
type Receiver struct {
	Secret string
	Out    io.Writer
	// Now is the clock for the timestamp check (default time.Now).
	Now func() time.Time

	mu sync.Mutex
}

// MaxReceiverBody bounds a delivery the Receiver reads.
const MaxReceiverBody = 1 << 20

// ServeHTTP implements http.Handler.
func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxReceiverBody))
	if err != nil {
		rc.printf("webhook REFUSED: reading the body: %v\n", err)
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	now := time.Now
	if rc.Now != nil {
		now = rc.Now
	}
	id := r.Header.Get(HeaderID)
	if err := Verify(rc.Secret, r.Header, body, now()); err != nil {
		rc.printf("webhook %s REFUSED: %v\n", id, err)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	rc.printf("webhook %s verified: %s\n", id, summarize(body))
	w.WriteHeader(http.StatusNoContent)
}

func (rc *Receiver) printf(format string, a ...any) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	fmt.Fprintf(rc.Out, format, a...)
}

// summarize names the return, the change and the status of a Redo or Loop
// return payload ("return 01J… updated, status complete").
func summarize(body []byte) string {
	var p struct {
		Type   string `json:"type"`
		Return *struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"return"`
		// Loop's payload: the return at the top level.
		Trigger string `json:"trigger"`
		ID      any    `json:"id"`
		RedoID  string `json:"redo_id"`
		State   string `json:"state"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return fmt.Sprintf("%d bytes (not JSON)", len(body))
	}
	if p.Return != nil {
		return fmt.Sprintf("return %s %s, status %s", p.Return.ID, p.Type, p.Return.Status)
	}
	if p.Trigger != "" {
		return fmt.Sprintf("%s return %v (%s), state %s", p.Trigger, p.ID, p.RedoID, p.State)
	}
	return fmt.Sprintf("%d bytes", len(body))
}

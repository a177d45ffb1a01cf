//go:build unix

package main

import (
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/examples"
)

// TestDevFakeEcwidRoundTrip follows the walkthrough of docs/ecwid.md with
// the commands fake-ecwid prints: connect a Rebound store to the fake,
// hand the fake the store's webhook URL, approve a return, see its order in
// the fake, change that order's status in the fake, and read the signed
// order.updated on the return's timeline.
func TestDevFakeEcwidRoundTrip(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatalf("curl is needed to run the printed commands: %v", err)
	}
	data := t.TempDir()
	s := createStore(t, nil, "Acme Outdoor", "--data-dir", data)
	srv := startServer(t, t.TempDir(), nil, "--addr", "127.0.0.1:0", "--data-dir", data)
	const secret = "walkthrough-secret"
	fake := startFake(t, "--client-secret", secret)
	shellEnv := []string{"REBOUND=" + srv.base, "STORE=" + s.id, "KEY=" + s.key}

	// Reading the fake works with the printed token.
	if out := runShell(t, fake.curl(t, "/orders -H")); !strings.Contains(out, `"total":5`) {
		t.Errorf("printed order list: %s", out)
	}

	// Connect with the printed curl.
	conn := jsonObject(t, runShell(t, fake.curl(t, "integrations/ecwid"), shellEnv...))
	if conn["status"] != "connected" || conn["hasClientSecret"] != true || conn["apiBaseUrl"] != fake.apiBase ||
		conn["ecwidStoreId"] != 1003.0 || conn["accessToken"] != "secret_…" {
		t.Fatalf("connect answered %v", conn)
	}
	hookURL := conn["webhookUrl"].(string)
	if !strings.HasPrefix(hookURL, srv.base+"/integrations/ecwid/webhooks/") {
		t.Fatalf("webhookUrl %q", hookURL)
	}

	// Hand the fake the webhook URL with the printed curl.
	set := strings.ReplaceAll(fake.curl(t, "/dev/webhook"), "WEBHOOK_URL", hookURL)
	if got := jsonObject(t, runShell(t, set)); got["url"] != hookURL {
		t.Fatalf("/dev/webhook answered %v", got)
	}

	// An order and a return for it (auto-approved by the default policy).
	expectStatus(t, 200, "POST", ordersURL(srv.base, s.id), s.key, examples.Order())
	body := []byte(`{"data":{"provider":"custom","externalOrderId":"order_123456",
		"items":[{"lineItemId":"line_1","quantity":1,"reason":"Too small","compensation":"refund"}],
		"shippingAddress":{"line1":"123 Main St","city":"New York","state":"NY","postalCode":"10001","country":"US","name":"Jane Doe"}}}`)
	created := jsonObject(t, expectStatus(t, 201, "POST", srv.base+"/v2.2/stores/"+s.id+"/returns", s.key, body))
	ret := created["return"].(map[string]any)
	returnID := ret["id"].(string)
	if ret["status"] != "open" {
		t.Fatalf("return status %v", ret["status"])
	}

	// The mirror job creates the order in the fake.
	var ecwidID string
	waitUntil(t, 30*time.Second, "the return's Ecwid order", func() bool {
		r := jsonObject(t, expectStatus(t, 200, "GET", srv.base+"/v2.2/returns/"+returnID, s.key, nil))
		ecwidID, _ = r["return"].(map[string]any)["rebound"].(map[string]any)["ecwidOrderId"].(string)
		return ecwidID != ""
	})
	list := runShell(t, fake.curl(t, "/orders -H"))
	if !strings.Contains(list, `"id":"`+ecwidID+`"`) || !strings.Contains(list, "Rebound return ID: "+returnID) {
		t.Errorf("the fake's orders lack %s for return %s: %s", ecwidID, returnID, list)
	}

	// Warehouse staff change the order in "Ecwid": the fake sends a signed
	// order.updated, which lands on the timeline as a note.
	change := strings.ReplaceAll(fake.curl(t, "ORDER_ID"), "ORDER_ID", ecwidID)
	if out := runShell(t, change); !strings.Contains(out, `"updateCount":1`) {
		t.Fatalf("printed order update: %s", out)
	}
	timelineURL := srv.base + "/v2.2/returns/" + returnID + "/timeline"
	want := "Ecwid order " + ecwidID + " updated: fulfillment AWAITING_PROCESSING → PROCESSING; payment PAID → PAID"
	waitUntil(t, 30*time.Second, "the webhook's note on the timeline", func() bool {
		return strings.Contains(expectStatus(t, 200, "GET", timelineURL, s.key, nil), want)
	})
	status := jsonObject(t, expectStatus(t, 200, "GET", srv.base+"/v2.2/returns/"+returnID+"/status", s.key, nil))
	if status["status"] != "open" {
		t.Errorf("the webhook changed the return's status: %v", status)
	}
	// The fake logs the delivery once it has Rebound's answer, which may
	// come after the note is visible.
	waitUntil(t, 10*time.Second, "the fake to log the delivery", func() bool {
		return strings.Contains(fake.stderr.String(), "fake Ecwid: webhook delivered")
	})

	// ecwid-webhook against the same URL: recorded, then a duplicate; a
	// wrong secret and a stale event are refused.
	send := func(args ...string) result {
		return rebound(t, nil, append([]string{"dev", "ecwid-webhook", "--url", hookURL, "--order-id", ecwidID}, args...)...)
	}
	r := send("--client-secret", secret, "--event-id", "evt-cli-1", "--old-fulfillment", "PROCESSING", "--fulfillment", "SHIPPED")
	if r.code != 0 || !strings.Contains(r.stdout, "-> 200 OK") || !strings.Contains(r.stdout, `"status":"recorded"`) {
		t.Fatalf("ecwid-webhook: %s", r)
	}
	if r := send("--client-secret", secret, "--event-id", "evt-cli-1"); r.code != 0 || !strings.Contains(r.stdout, `"status":"duplicate"`) {
		t.Errorf("replayed ecwid-webhook: %s", r)
	}
	if r := send("--client-secret", "wrong"); r.code != 1 || !strings.Contains(r.stdout, "-> 401") || !strings.Contains(r.stderr, "webhook not delivered") {
		t.Errorf("wrong secret: %s", r)
	}
	stale := time.Now().Add(-2 * time.Hour).Unix()
	if r := send("--client-secret", secret, "--created", strconv.FormatInt(stale, 10)); r.code != 1 || !strings.Contains(r.stdout, "-> 401") {
		t.Errorf("stale event: %s", r)
	}
	tl := expectStatus(t, 200, "GET", timelineURL, s.key, nil)
	if n := strings.Count(tl, `"kind":"ecwid.webhook"`); n != 2 {
		t.Errorf("%d ecwid.webhook notes, want 2: %s", n, tl)
	}

	// Ctrl-C stops the fake cleanly.
	if err := fake.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-fake.exited:
		if code := fake.cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("fake-ecwid exited %d after SIGINT", code)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("fake-ecwid did not stop after SIGINT")
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/examples"
)

var fakeRefundidBannerRE = regexp.MustCompile(`fake Refundid on (http://\S+) `)

// startFakeRefundid runs `rebound dev fake-refundid args...` and returns
// its base URL from its banner.
func startFakeRefundid(t *testing.T, args ...string) string {
	t.Helper()
	stderr := &syncBuffer{}
	cmd := exec.Command(binPath, append([]string{"dev", "fake-refundid", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Dir, cmd.Env, cmd.Stderr = t.TempDir(), environ(), stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("fake-refundid stderr:\n%s", stderr)
		}
	})
	var m []string
	waitUntil(t, 30*time.Second, "the fake-refundid banner", func() bool {
		select {
		case <-exited:
			t.Fatalf("fake-refundid exited early:\n%s", stderr)
		default:
		}
		m = fakeRefundidBannerRE.FindStringSubmatch(stderr.String())
		return m != nil
	})
	return m[1]
}

// postJSON posts v to u and decodes the JSON answer into out; it fails the
// test unless the status is want.
func postJSON(t *testing.T, u string, v, out any, want int) {
	t.Helper()
	b, _ := json.Marshal(v)
	res, err := http.Post(u, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var raw json.RawMessage
	_ = json.NewDecoder(res.Body).Decode(&raw)
	if res.StatusCode != want {
		t.Fatalf("POST %s: %d %s", u, res.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("POST %s: %v in %s", u, err, raw)
		}
	}
}

// TestDevFakeRefundidEndToEnd: the docs/refundid.md walkthrough with both
// real binaries: `rebound serve` connected to `rebound dev fake-refundid`
// (its merchant API key checked on connect), a Refundid-initiated refund
// driven through the fake's HTTP controls (open the link, choose, confirm,
// deliver the notifications), and the return completed in Rebound, paid by
// Refundid; the fake's merchant API lists the refund.
func TestDevFakeRefundidEndToEnd(t *testing.T) {
	dir := t.TempDir()
	env := []string{"REBOUND_DATA_DIR=" + dir}
	s := createStore(t, env, "Acme")
	addr := freePort(t)
	srv := startServer(t, dir, env, "--addr", addr, "--public-url", "http://"+addr)
	expectStatus(t, 200, "POST", ordersURL(srv.base, s.id), s.key, examples.Order())

	// Connect without the API key first: the fake needs the endpoints
	// the connection gives.
	connect := func(body map[string]any) map[string]any {
		b, _ := json.Marshal(body)
		var m map[string]any
		if err := json.Unmarshal([]byte(expectStatus(t, 200, "PUT", srv.base+"/v2.2/stores/"+s.id+"/integrations/refundid", s.key, b)), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	conn := connect(map[string]any{"shop": "acme.example", "environment": "sandbox", "bearerToken": "generate"})
	ep := conn["endpoints"].(map[string]any)
	fake := startFakeRefundid(t, "--shop", "acme.example", "--order-url", ep["order"].(string), "--refund-url", ep["refund"].(string),
		"--notify-url", ep["refundid"].(string), "--bearer-token", conn["bearerToken"].(string), "--api-key", "rk_test_e2e")
	if m := connect(map[string]any{"shop": "acme.example", "environment": "sandbox", "bearerToken": "keep",
		"portalUrl": fake, "apiUrl": fake, "merchantApiKey": "rk_test_e2e"}); m["hasMerchantApiKey"] != true {
		t.Fatalf("reconnect with the API key: %v", m)
	}

	// The shopper's link, opened at the fake's portal.
	var link struct{ URL string }
	if err := json.Unmarshal([]byte(expectStatus(t, 200, "GET", srv.base+"/v2.2/stores/"+s.id+"/orders/order_123456/refundid-link", s.key, nil)), &link); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(link.URL, fake+"/") {
		t.Fatalf("link %s does not go to the fake at %s", link.URL, fake)
	}
	res, err := http.Get(link.URL)
	if err != nil {
		t.Fatal(err)
	}
	var sess struct {
		ID     string
		State  string
		Orders []struct {
			LineItems []struct {
				ReturnableQuantity int `json:"returnable_quantity"`
			} `json:"line_items"`
		}
	}
	if err := json.NewDecoder(res.Body).Decode(&sess); err != nil || res.StatusCode != 200 {
		t.Fatalf("open link: %d %v", res.StatusCode, err)
	}
	res.Body.Close()
	if sess.ID == "" || len(sess.Orders) != 1 {
		t.Fatalf("session = %+v", sess)
	}
	postJSON(t, fake+"/_fake/sessions/"+sess.ID+"/choose", []map[string]any{{"line_item_ref": "line_1", "quantity": 1, "return_reason": "Too small"}}, nil, 200)
	var confirmed struct {
		RefundidID string `json:"refundid_id"`
	}
	postJSON(t, fake+"/_fake/sessions/"+sess.ID+"/confirm", map[string]any{"outcome": "refundid"}, &confirmed, 200)
	var delivered struct {
		Deliveries []struct{ Accepted bool }
	}
	postJSON(t, fake+"/_fake/refunds/"+confirmed.RefundidID+"/deliver", map[string]any{"statuses": []string{"refunding", "refundid"}}, &delivered, 200)
	if len(delivered.Deliveries) != 2 || !delivered.Deliveries[0].Accepted || !delivered.Deliveries[1].Accepted {
		t.Fatalf("deliveries = %+v", delivered)
	}

	// The return in Rebound: completed, refunded by Refundid.
	var list struct {
		Returns []struct {
			Status  string
			Refunds []map[string]any `json:"refunds"`
		}
	}
	body := expectStatus(t, 200, "GET", srv.base+"/v2.2/stores/"+s.id+"/returns?"+url.Values{"order_id": {"order_123456"}}.Encode(), s.key, nil)
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Returns) != 1 || list.Returns[0].Status != "complete" {
		t.Fatalf("returns after the refund: %v %s", err, body)
	}
	if !strings.Contains(body, `"paidBy":"refundid"`) {
		t.Errorf("the return does not say Refundid paid it: %s", body)
	}

	// And the fake's merchant API lists it, through the CLI.
	r := mustRebound(t, env, "refundid", "returns", "--store", s.id)
	if !strings.Contains(r.stdout, confirmed.RefundidID) {
		t.Errorf("rebound refundid returns = %s, want %s listed", r.stdout, confirmed.RefundidID)
	}
}

package webhooks

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/webhooks/webhookstest"
)

// These tests check our signatures with the official Standard Webhooks
// library (npm standardwebhooks, pinned in webhookstest) run by Node.js, and
// X-Loop-Signature with the computation from Loop's documentation. They
// need node and (on the first run) npm; without them they fail, never skip.

type jsCase struct {
	Name    string            `json:"name"`
	Op      string            `json:"op"`
	Secret  string            `json:"secret"`
	BodyB64 string            `json:"body_b64"`
	Headers map[string]string `json:"headers,omitempty"`
	ID      string            `json:"id,omitempty"`
	TS      int64             `json:"ts"`
}

type jsResult struct {
	Name  string `json:"name"`
	OK    bool   `json:"ok"`
	Error string `json:"error"`
	Value string `json:"value"`
}

// runJS runs the cases through webhookstest's verify.js and returns the results
// by case name.
func runJS(t *testing.T, cases []jsCase) map[string]jsResult {
	t.Helper()
	node, dir := webhookstest.Node(t), webhookstest.Dir(t)
	in, err := json.Marshal(map[string]any{"cases": cases})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, webhookstest.Script(), dir, "batch")
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node verify.js: %v\n%s", err, stderr.String())
	}
	var out struct {
		Version string     `json:"version"`
		Results []jsResult `json:"results"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("node output %q: %v", stdout.String(), err)
	}
	if out.Version != webhookstest.Version {
		t.Fatalf("node loaded standardwebhooks %s, want %s", out.Version, webhookstest.Version)
	}
	res := map[string]jsResult{}
	for _, r := range out.Results {
		res[r.Name] = r
	}
	if len(res) != len(cases) {
		t.Fatalf("got %d results for %d cases", len(res), len(cases))
	}
	return res
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func headerMap(h http.Header) map[string]string {
	m := map[string]string{}
	for k := range h {
		m[strings.ToLower(k)] = h.Get(k) // as Node.js presents them
	}
	return m
}

// A body with what tends to break signing: non-ASCII text, an emoji,
// escaped slashes, a newline inside a string.
var jsBody = []byte(`{"type":"created","at":"2026-11-22T10:00:00.000Z","merchantName":"Café Zoë 🛍️",` +
	`"return":{"id":"ret_1","note":"line1\nline2","url":"https:\/\/shop.example\/r\/1"}}`)

func TestStandardWebhooksLibraryVerifies(t *testing.T) {
	oldSecret, newSecret, otherSecret := NewSecret(), NewSecret(), NewSecret()
	short := SecretPrefix + b64(bytes.Repeat([]byte{0xA5}, MinSecretBytes)) // unpadded base64
	now := time.Now()
	const id = "evt_2kq7Yh1Jx0"

	var cases []jsCase
	verify := func(name, secret string, h http.Header, body []byte) {
		cases = append(cases, jsCase{Name: name, Op: "verify", Secret: secret, BodyB64: b64(body), Headers: headerMap(h)})
	}
	headers := func(secrets []string, id string, ts time.Time, body []byte) http.Header {
		h, err := Headers(secrets, id, ts, body)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}

	one := headers([]string{newSecret}, id, now, jsBody)
	verify("valid", newSecret, one, jsBody)
	verify("valid 24-byte secret", short, headers([]string{short}, id, now, jsBody), jsBody)
	verify("empty body", newSecret, headers([]string{newSecret}, id, now, nil), nil)
	tampered := bytes.Replace(jsBody, []byte("ret_1"), []byte("ret_2"), 1)
	verify("tampered body", newSecret, one, tampered)
	verify("wrong secret", otherSecret, one, jsBody)
	h := one.Clone()
	h.Set(HeaderID, id+"x")
	verify("tampered id", newSecret, h, jsBody)
	h = one.Clone()
	h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix()+1, 10))
	verify("tampered timestamp", newSecret, h, jsBody)
	verify("stale timestamp", newSecret, headers([]string{newSecret}, id, now.Add(-10*time.Minute), jsBody), jsBody)

	rotating := headers([]string{newSecret, oldSecret}, id, now, jsBody)
	verify("rotation: new secret", newSecret, rotating, jsBody)
	verify("rotation: old secret", oldSecret, rotating, jsBody)
	verify("rotation: other secret", otherSecret, rotating, jsBody)
	verify("rotation: tampered body", oldSecret, rotating, tampered)

	// Byte-for-byte: the library's own sign() gives our signature.
	vectors := []struct {
		secret, id string
		ts         time.Time
		body       []byte
	}{
		{newSecret, id, now, jsBody},
		{short, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`)},
		{oldSecret, "a.b", time.Unix(0, 0), nil},
	}
	for i, v := range vectors {
		cases = append(cases, jsCase{Name: fmt.Sprint("sign ", i), Op: "sign", Secret: v.secret, ID: v.id, TS: v.ts.Unix(), BodyB64: b64(v.body)})
	}

	res := runJS(t, cases)
	for _, c := range cases {
		if c.Op != "verify" {
			continue
		}
		r := res[c.Name]
		wantOK := !strings.Contains(c.Name, "tampered") && !strings.Contains(c.Name, "wrong") &&
			!strings.Contains(c.Name, "other") && !strings.Contains(c.Name, "stale")
		if r.OK != wantOK {
			t.Errorf("%s: library verify ok=%v (%s), want ok=%v", c.Name, r.OK, r.Error, wantOK)
		}
		if !wantOK && !strings.HasPrefix(r.Error, "WebhookVerificationError") {
			t.Errorf("%s: rejected with %q, want a WebhookVerificationError", c.Name, r.Error)
		}
	}
	for i, v := range vectors {
		want, err := Sign([]string{v.secret}, v.id, v.ts, v.body)
		if err != nil {
			t.Fatal(err)
		}
		if got := res[fmt.Sprint("sign ", i)]; !got.OK || got.Value != want {
			t.Errorf("vector %d: library signs %q (%s), we sign %q", i, got.Value, got.Error, want)
		}
	}
}

// TestLoopSignatureAsLoopDocs checks LoopSignature against Loop's documented
// computation in Node.js (crypto.createHmac('sha256', secret)
// .update(rawBody, 'utf8').digest('base64')) and against a vector made with
// `openssl dgst -sha256 -hmac SECRET -binary | base64`, the equivalent of
// Loop's PHP example base64_encode(hash_hmac('sha256', $body, SECRET, true)).
func TestLoopSignatureAsLoopDocs(t *testing.T) {
	const vecSecret = "loop_secret_Ab3/+="
	vecBody := []byte(`{"topic":"return","trigger":"return.created","id":"123","label_url":"https:\/\/example.com\/l.pdf"}`)
	const vecSig = "jJJtu2Ep69x5nn9XT1WsLVzJxQe5NERZFitBGihJ+28="
	if got := LoopSignature(vecSecret, vecBody); got != vecSig {
		t.Errorf("LoopSignature(openssl vector) = %q, want %q", got, vecSig)
	}

	whsec := NewSecret()
	cases := []jsCase{
		{Name: "vector", Op: "loop", Secret: vecSecret, BodyB64: b64(vecBody)},
		{Name: "whsec secret, unicode body", Op: "loop", Secret: whsec, BodyB64: b64(jsBody)},
		{Name: "empty body", Op: "loop", Secret: whsec},
	}
	res := runJS(t, cases)
	for _, c := range cases {
		body, _ := base64.StdEncoding.DecodeString(c.BodyB64)
		if want, got := LoopSignature(c.Secret, body), res[c.Name]; !got.OK || got.Value != want {
			t.Errorf("%s: Loop's computation gives %q (%s), LoopSignature %q", c.Name, got.Value, got.Error, want)
		}
	}
}

// TestDeliverToStandardWebhooksReceiver delivers over HTTP to a Node.js
// receiver that verifies each request with the official library (and
// X-Loop-Signature as Loop's docs do), as a subscriber would.
func TestDeliverToStandardWebhooksReceiver(t *testing.T) {
	oldSecret, newSecret, loopSecret, otherLoopSecret := NewSecret(), NewSecret(), NewSecret(), NewSecret()

	receiver := func(secret string) string { return webhookstest.StartReceiver(t, secret, loopSecret) }
	urlOld, urlNew := receiver(oldSecret), receiver(newSecret)
	client := Guard{AllowPrivate: true}.Client(5 * time.Second)

	send := func(url string, secrets []string, body, sent []byte, loopKey string) Outcome {
		h, err := Headers(secrets, "evt_1", time.Now(), body)
		if err != nil {
			t.Fatal(err)
		}
		h.Set("Authorization", "Bearer merchant-token")
		if loopKey != "" {
			h.Set(HeaderLoopSignature, LoopSignature(loopKey, body))
		}
		return Deliver(t.Context(), client, Request{URL: url, Body: sent, Header: h})
	}
	tampered := bytes.Replace(jsBody, []byte("ret_1"), []byte("ret_9"), 1)
	const rejected = "WebhookVerificationError"
	for _, c := range []struct {
		name    string
		url     string
		secrets []string
		sent    []byte
		loopKey string
		fail    string // "" for success, else expected in the 401 body
	}{
		{"signed with the receiver's secret", urlNew, []string{newSecret}, jsBody, "", ""},
		{"rotation, receiver has the new secret", urlNew, []string{newSecret, oldSecret}, jsBody, "", ""},
		{"rotation, receiver has the old secret", urlOld, []string{newSecret, oldSecret}, jsBody, "", ""},
		{"loop kind", urlNew, []string{newSecret}, jsBody, loopSecret, ""},
		{"old secret only, receiver has the new one", urlNew, []string{oldSecret}, jsBody, "", rejected},
		{"body changed after signing", urlNew, []string{newSecret}, tampered, "", rejected},
		{"body changed after signing, loop kind", urlOld, []string{oldSecret, newSecret}, tampered, loopSecret, rejected},
		{"loop kind, wrong loop secret", urlNew, []string{newSecret}, jsBody, otherLoopSecret, "X-Loop-Signature mismatch"},
	} {
		o := send(c.url, c.secrets, jsBody, c.sent, c.loopKey)
		if o.Success != (c.fail == "") {
			t.Errorf("%s: success=%v, want %v (status %d, %s, %s)", c.name, o.Success, c.fail == "", o.StatusCode, o.Err, o.Snippet)
		}
		if c.fail != "" && (o.StatusCode != 401 || o.Retryable || !strings.Contains(o.Snippet, c.fail)) {
			t.Errorf("%s: status %d retryable=%v snippet %q, want a non-retryable 401 saying %q", c.name, o.StatusCode, o.Retryable, o.Snippet, c.fail)
		}
	}
}

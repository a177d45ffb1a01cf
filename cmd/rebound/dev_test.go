//go:build unix

// End-to-end tests of `rebound dev`, run as the built binary (see
// main_test.go): the fake Ecwid a new user starts, the curls it prints, the
// round trip through a real `rebound serve`, and ecwid-webhook.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/ecwid/ecwidtest"
	"github.com/reboundhq/rebound/internal/ecwidsync"
)

// fakeProc is a running `rebound dev fake-ecwid`.
type fakeProc struct {
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	exited         chan struct{}
	base, apiBase  string // http://host:port, its /api/v3
	curls          []string
}

var fakeBannerRE = regexp.MustCompile(`Fake Ecwid store running at (http://\S+) .*\n\n\s+API base URL\s+(\S+)\n`)

// startFake runs `rebound dev fake-ecwid args...` and waits for its banner.
func startFake(t *testing.T, args ...string) *fakeProc {
	t.Helper()
	f := &fakeProc{stdout: &syncBuffer{}, stderr: &syncBuffer{}, exited: make(chan struct{})}
	f.cmd = exec.Command(binPath, append([]string{"dev", "fake-ecwid", "--addr", "127.0.0.1:0"}, args...)...)
	f.cmd.Dir = t.TempDir()
	f.cmd.Env = environ()
	f.cmd.Stdout, f.cmd.Stderr = f.stdout, f.stderr
	f.cmd.WaitDelay = 5 * time.Second
	if err := f.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = f.cmd.Wait()
		close(f.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-f.exited:
		default:
			_ = f.cmd.Process.Kill()
			<-f.exited
		}
		if t.Failed() {
			t.Logf("fake-ecwid output:\n--- stdout:\n%s\n--- stderr:\n%s", f.stdout, f.stderr)
		}
	})
	var m []string
	waitUntil(t, 30*time.Second, "the fake-ecwid banner", func() bool {
		select {
		case <-f.exited:
			t.Fatalf("fake-ecwid exited early (code %d)\n%s", f.cmd.ProcessState.ExitCode(), f.stderr)
		default:
		}
		m = fakeBannerRE.FindStringSubmatch(f.stderr.String())
		return m != nil
	})
	f.base, f.apiBase = m[1], m[2]
	// The printed commands: every paragraph that starts with curl.
	for _, p := range strings.Split(f.stderr.String(), "\n\n") {
		if strings.HasPrefix(p, "curl ") {
			f.curls = append(f.curls, p)
		}
	}
	return f
}

// curl returns the printed command containing s.
func (f *fakeProc) curl(t *testing.T, s string) string {
	t.Helper()
	for _, c := range f.curls {
		if strings.Contains(c, s) {
			return c
		}
	}
	t.Fatalf("no printed curl contains %q: %q", s, f.curls)
	return ""
}

// runShell runs a printed command with sh and extra environment variables,
// without curl's config files or proxies, and returns its output.
func runShell(t *testing.T, command string, env ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	home := t.TempDir()
	cmd.Env = append(environ(env...), "HOME="+home, "CURL_HOME="+home, "NO_PROXY=*", "no_proxy=*", "http_proxy=", "HTTP_PROXY=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sh -c %q: %v\n%s%s", command, err, out, stderr.String())
	}
	return string(out)
}

func jsonObject(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("not a JSON object: %q: %v", s, err)
	}
	return m
}

func TestDevUsage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"dev", "--help"}, 0, []string{"rebound dev fake-ecwid", "rebound dev ecwid-webhook", "docs/ecwid.md"}},
		{[]string{"dev", "fake-ecwid", "--help"}, 0, []string{"Usage: rebound dev fake-ecwid", "-addr", "-store-id", "-token", "-client-secret", "-webhook-url", "-webhook-events"}},
		{[]string{"dev", "ecwid-webhook", "--help"}, 0, []string{"Usage: rebound dev ecwid-webhook", "-url", "-client-secret", "-order-id", "-fulfillment", "-payment", "-event-id", "-created"}},
		{[]string{"--help"}, 0, []string{"rebound dev fake-ecwid [--addr 127.0.0.1:8090]", "rebound dev ecwid-webhook --url URL"}},
		{[]string{"dev"}, 2, []string{"Usage: rebound dev COMMAND", "\n  rebound dev fake-ecwid"}},
		{[]string{"dev", "bogus"}, 2, []string{`rebound dev: unknown command "bogus"`}},
		{[]string{"dev", "fake-ecwid", "extra"}, 2, []string{`unexpected argument "extra"`}},
		{[]string{"dev", "fake-ecwid", "--store-id", "0"}, 2, []string{"--store-id must be a positive number"}},
		{[]string{"dev", "fake-ecwid", "--webhook-url", "ftp://x"}, 2, []string{"--webhook-url: want an absolute http(s) URL"}},
		{[]string{"dev", "fake-ecwid", "--webhook-events", "order.exploded"}, 2, []string{`unknown event "order.exploded"`}},
		{[]string{"dev", "ecwid-webhook"}, 2, []string{"--url, --client-secret, --order-id required"}},
		{[]string{"dev", "ecwid-webhook", "--url", "x", "--client-secret", "s", "--order-id", "A"}, 2, []string{"--url: want an absolute http(s) URL"}},
	} {
		// Help goes to stdout, mistakes to stderr.
		r := rebound(t, nil, c.args...)
		out, other := r.stderr, r.stdout
		if c.code == 0 {
			out, other = r.stdout, r.stderr
		}
		if r.code != c.code || other != "" {
			t.Errorf("%v: want exit %d and nothing on the other stream\n%s", c.args, c.code, r)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q\n%s", c.args, w, r)
			}
		}
	}
}

// TestDevFakeEcwidFlags: --store-id, --token, --client-secret and
// --webhook-url shape the fake; its webhooks are signed as Ecwid signs.
func TestDevFakeEcwidFlags(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []*http.Request
	var bodies [][]byte
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, bodies = append(got, r), append(bodies, b)
		mu.Unlock()
	}))
	defer recv.Close()
	fake := startFake(t, "--store-id", "4242", "--token", "secret_devflagtoken", "--client-secret", "flag-secret",
		"--webhook-url", recv.URL+"/hook", "--webhook-events", "order.created,order.updated")
	if fake.apiBase != fake.base+"/api/v3" {
		t.Errorf("API base URL %q", fake.apiBase)
	}
	for _, w := range []string{"store id       4242", "access token   secret_devflagtoken", "client secret  flag-secret",
		"order changes are sent to " + recv.URL + "/hook", `"ecwidStoreId":4242`, `"clientSecret":"flag-secret"`} {
		if !strings.Contains(fake.stderr.String(), w) {
			t.Errorf("banner lacks %q", w)
		}
	}
	do := func(method, path, token, body string) (int, string) {
		req, _ := http.NewRequest(method, fake.apiBase+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := do("GET", "/1003/profile", "secret_devflagtoken", ""); code != 404 {
		t.Errorf("store 1003 answered %d", code)
	}
	if code, _ := do("GET", "/4242/profile", ecwidtest.DefaultToken, ""); code != 403 {
		t.Errorf("the default token answered %d", code)
	}
	code, b := do("POST", "/4242/orders", "secret_devflagtoken",
		`{"total":0,"subtotal":0,"email":"a@example.com","paymentStatus":"PAID","fulfillmentStatus":"AWAITING_PROCESSING"}`)
	if code != 200 {
		t.Fatalf("create: %d %s", code, b)
	}
	id := jsonObject(t, b)["orderid"].(string)
	if code, b := do("PUT", "/4242/orders/"+id, "secret_devflagtoken", `{"fulfillmentStatus":"SHIPPED"}`); code != 200 {
		t.Fatalf("update: %d %s", code, b)
	}
	waitUntil(t, 10*time.Second, "two webhooks", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 2
	})
	mu.Lock()
	defer mu.Unlock()
	for i, typ := range []string{"order.created", "order.updated"} {
		ev, err := ecwidsync.VerifyWebhook("flag-secret", got[i].Header.Get(ecwidsync.SignatureHeader), bodies[i], time.Now(), 0)
		if err != nil || ev.EventType != typ || ev.StoreID != 4242 || string(ev.Data.OrderID) != id || got[i].URL.Path != "/hook" {
			t.Errorf("webhook %d: %+v, %v (%s)", i, ev, err, bodies[i])
		}
	}
}

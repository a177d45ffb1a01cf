//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ---------------------------------------------------------------------------
// Running the server

// syncBuffer is a bytes.Buffer safe for a process to write while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

type serverProc struct {
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	exited         chan struct{} // closed once the process has exited
	addr           string        // host:port it listens on
	base           string        // http://host:port
}

func (s *serverProc) running() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

func (s *serverProc) output() string {
	return fmt.Sprintf("--- stdout:\n%s\n--- stderr:\n%s", s.stdout, s.stderr)
}

// startServer runs `rebound serve args...` in working directory dir and
// waits until it logs its address and /readyz answers 200.
func startServer(t *testing.T, dir string, env []string, args ...string) *serverProc {
	t.Helper()
	s := &serverProc{stdout: &syncBuffer{}, stderr: &syncBuffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(binPath, append([]string{"serve"}, args...)...)
	s.cmd.Dir = dir
	s.cmd.Env = environ(env...)
	s.cmd.Stdout, s.cmd.Stderr = s.stdout, s.stderr
	s.cmd.WaitDelay = 5 * time.Second
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start rebound serve: %v", err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		if s.running() {
			_ = s.cmd.Process.Kill()
		}
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			t.Errorf("rebound serve (pid %d) did not exit after SIGKILL", s.cmd.Process.Pid)
		}
		if t.Failed() {
			t.Logf("rebound serve %s output:\n%s", strings.Join(args, " "), s.output())
		}
	})
	waitUntil(t, 30*time.Second, "rebound serve to log its address", func() bool {
		if !s.running() {
			t.Fatalf("rebound serve exited early (code %d)\n%s", s.cmd.ProcessState.ExitCode(), s.output())
		}
		s.addr = listeningAddr(s.stderr.String())
		return s.addr != ""
	})
	s.base = "http://" + s.addr
	waitUntil(t, 30*time.Second, "/readyz to answer 200", func() bool {
		if !s.running() {
			t.Fatalf("rebound serve exited early (code %d)\n%s", s.cmd.ProcessState.ExitCode(), s.output())
		}
		code, _ := tryHTTP("GET", s.base+"/readyz", "", nil)
		return code == http.StatusOK
	})
	return s
}

// listeningAddr finds host:port in the "rebound listening" log line.
func listeningAddr(stderr string) string {
	for _, line := range strings.Split(stderr, "\n") {
		var m struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &m) == nil && m.Msg == "rebound listening" {
			return strings.TrimPrefix(m.Addr, "http://")
		}
	}
	return ""
}

// stop sends SIGTERM and returns the exit code; the process must exit
// within timeout.
func (s *serverProc) stop(t *testing.T, timeout time.Duration) int {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	return s.wait(t, timeout)
}

func (s *serverProc) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-s.exited:
		return s.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		t.Fatalf("rebound serve did not exit within %v\n%s", timeout, s.output())
		return -1
	}
}

type demoOutput struct {
	storeID, key      string
	postCurl, getCurl string
}

var demoRE = regexp.MustCompile(`(?s)store id: (\S+)\n\s+API key:\s+(\S+).*?Sync an example order:\n\n(curl .*?)\n\nThen read it back:\n\n(curl [^\n]*)\n`)

// demo waits for and parses the --demo output on stdout.
func (s *serverProc) demo(t *testing.T) demoOutput {
	t.Helper()
	var m []string
	waitUntil(t, 10*time.Second, "the --demo output on stdout", func() bool {
		m = demoRE.FindStringSubmatch(s.stdout.String())
		return m != nil
	})
	d := demoOutput{storeID: m[1], key: m[2], postCurl: m[3], getCurl: m[4]}
	keyID(t, d.key)
	if want := s.base + "/v2.2/stores/" + d.storeID + "/custom/orders"; !strings.Contains(d.postCurl, want) {
		t.Errorf("printed curl does not POST to %s:\n%s", want, d.postCurl)
	}
	if !strings.Contains(d.postCurl, "Bearer "+d.key) || !strings.Contains(d.getCurl, "Bearer "+d.key) {
		t.Errorf("printed curls do not use the printed key %s", d.key)
	}
	return d
}

// waitUntil polls cond until it holds, failing the test after timeout.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ---------------------------------------------------------------------------
// HTTP

// httpClient never uses a proxy and never keeps idle connections, so a
// server's graceful shutdown is not delayed or confused by them.
var httpClient = &http.Client{
	Timeout:   15 * time.Second,
	Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
}

func tryHTTP(method, url, key string, body []byte) (int, string) {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// call makes a request and fails the test on a transport error.
func call(t *testing.T, method, url, key string, body []byte) (int, string) {
	t.Helper()
	code, b := tryHTTP(method, url, key, body)
	if code == 0 {
		t.Fatalf("%s %s: %s", method, url, b)
	}
	return code, b
}

func expectStatus(t *testing.T, want int, method, url, key string, body []byte) string {
	t.Helper()
	code, b := call(t, method, url, key, body)
	if code != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, url, code, want, b)
	}
	return b
}

func ordersURL(base, storeID string) string {
	return base + "/v2.2/stores/" + storeID + "/custom/orders"
}

func orderURL(base, storeID, orderID string) string {
	return base + "/v2.2/stores/" + storeID + "/orders/" + orderID
}

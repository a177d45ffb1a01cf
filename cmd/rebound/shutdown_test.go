//go:build unix

package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/examples"
)

// ---------------------------------------------------------------------------
// Graceful shutdown

// inFlight reads rebound_http_requests_in_flight, which counts the scrape
// itself too.
func inFlight(base string) float64 {
	code, body := tryHTTP("GET", base+"/metrics", "", nil)
	if code != 200 {
		return -1
	}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "rebound_http_requests_in_flight "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return -1
			}
			return f
		}
	}
	return -1
}

type slowRequest struct {
	pw   *io.PipeWriter
	rest []byte
	done chan slowResult
}

type slowResult struct {
	code int
	body string
	err  error
}

// startSlowRequest begins an order sync whose body arrives in two parts and
// returns once the server is handling it.
func startSlowRequest(t *testing.T, srv *serverProc, storeID, key string) *slowRequest {
	t.Helper()
	body := examples.Order()
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.CloseWithError(errors.New("test over")) })
	req, err := http.NewRequest("POST", ordersURL(srv.base, storeID), pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	sr := &slowRequest{pw: pw, rest: body[len(body)/2:], done: make(chan slowResult, 1)}
	go func() {
		resp, err := httpClient.Do(req)
		if err != nil {
			sr.done <- slowResult{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		sr.done <- slowResult{code: resp.StatusCode, body: string(b), err: err}
	}()
	first := make(chan error, 1)
	go func() { _, err := pw.Write(body[:len(body)/2]); first <- err }()
	select {
	case err := <-first:
		if err != nil {
			t.Fatalf("sending the first half of the body: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the client did not send the first half of the body")
	}
	// The scrape counts itself: 2 means our request is in a handler.
	waitUntil(t, 10*time.Second, "the slow request to be in flight", func() bool { return inFlight(srv.base) >= 2 })
	return sr
}

func refused(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
		return false
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	s := createStore(t, nil, "Shutdown Store", "--data-dir", data)
	srv := startServer(t, t.TempDir(), nil, "--addr", "127.0.0.1:0", "--data-dir", data, "--shutdown-timeout", "10s")

	sr := startSlowRequest(t, srv, s.id, s.key)
	sent := time.Now()
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 5*time.Second, "the shutdown log line", func() bool {
		return strings.Contains(srv.stderr.String(), "shutting down: finishing in-flight requests and jobs")
	})
	// The listener closes at once, while the request is still in flight.
	waitUntil(t, 5*time.Second, "new connections to be refused during shutdown", func() bool { return refused(srv.addr) })
	if !srv.running() {
		t.Fatalf("serve exited before its in-flight request finished\n%s", srv.output())
	}
	// Finish the body a few hundred milliseconds after the signal.
	time.Sleep(time.Until(sent.Add(300 * time.Millisecond)))
	if _, err := sr.pw.Write(sr.rest); err != nil {
		t.Fatalf("sending the rest of the body: %v", err)
	}
	sr.pw.Close()
	select {
	case res := <-sr.done:
		if res.err != nil || res.code != 200 || !strings.Contains(res.body, "Order synced successfully") {
			t.Errorf("in-flight request: status %d, body %s, err %v; want 200 Order synced successfully", res.code, res.body, res.err)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("the in-flight request did not complete")
	}
	if code := srv.wait(t, 10*time.Second); code != 0 {
		t.Errorf("serve exited %d, want 0\n%s", code, srv.output())
	}
	if !strings.Contains(srv.stderr.String(), `"msg":"stopped"`) {
		t.Errorf("no `stopped` log line\n%s", srv.output())
	}
	if !refused(srv.addr) {
		t.Errorf("a new connection to %s after shutdown was not refused", srv.addr)
	}

	// The order synced during shutdown was kept.
	srv = startServer(t, t.TempDir(), nil, "--addr", "127.0.0.1:0", "--data-dir", data)
	expectStatus(t, 200, "GET", orderURL(srv.base, s.id, "order_123456"), s.key, nil)
}

func TestShutdownTimeoutExceeded(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	s := createStore(t, nil, "Stuck Store", "--data-dir", data)
	srv := startServer(t, t.TempDir(), nil, "--addr", "127.0.0.1:0", "--data-dir", data, "--shutdown-timeout", "300ms")
	sr := startSlowRequest(t, srv, s.id, s.key) // never finished
	start := time.Now()
	code := srv.stop(t, 10*time.Second)
	if code != 1 {
		t.Errorf("serve exited %d when the shutdown deadline passed, want 1\n%s", code, srv.output())
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("serve exited after %v, before --shutdown-timeout 300ms", d)
	}
	if !strings.Contains(srv.stderr.String(), "rebound: http shutdown") {
		t.Errorf("no `rebound: http shutdown` message\n%s", srv.output())
	}
	sr.pw.Close()
}

//go:build unix

// End-to-end tests of the real rebound binary: TestMain builds it once and
// every test runs it as a user would, with an explicit environment (every
// REBOUND_* variable of the developer's environment is removed), its own
// temporary working and data directories, and bounded timeouts. Servers are
// started on 127.0.0.1:0 and their address is read from the "rebound
// listening" log line (or the --demo output); they are killed at cleanup if
// a test did not stop them.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/examples"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

// testVersion is linked into the binary under test (-X main.version).
const testVersion = "e2e-test"

// binPath is the binary TestMain builds.
var binPath string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "rebound-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: temp dir:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binPath = filepath.Join(dir, "rebound")
	// `go test` runs the test binary in the package directory and puts
	// $GOROOT/bin first on its PATH, so this builds this very package with
	// the same toolchain.
	goTool, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: the go command is needed to build the binary under test:", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", binPath, "-ldflags", "-X main.version="+testVersion, ".")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: go build:", err)
		return 1
	}
	return m.Run()
}

// ---------------------------------------------------------------------------
// Running the CLI

// environ returns the test process's environment without any REBOUND_*
// variable (so the developer's settings never leak in), plus extra.
func environ(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "REBOUND_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s\n--- stderr:\n%s", r.code, r.stdout, r.stderr)
}

// rebound runs the binary to completion in a fresh working directory.
func rebound(t *testing.T, env []string, args ...string) result {
	t.Helper()
	return reboundIn(t, t.TempDir(), env, args...)
}

// reboundIn runs the binary to completion in working directory dir, with
// the environment environ(env...), for at most a minute.
func reboundIn(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Dir = dir
	cmd.Env = environ(env...)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("rebound %s: did not finish within a minute\n%s", strings.Join(args, " "), r)
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("rebound %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// mustRebound runs the binary and fails the test unless it exits 0.
func mustRebound(t *testing.T, env []string, args ...string) result {
	t.Helper()
	r := rebound(t, env, args...)
	if r.code != 0 {
		t.Fatalf("rebound %s: want exit 0\n%s", strings.Join(args, " "), r)
	}
	return r
}

// jsonLines decodes stdout as one JSON object per line.
func jsonLines(t *testing.T, stdout string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	for _, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("stdout line is not a JSON object: %q: %v", line, err)
		}
		rows = append(rows, m)
	}
	return rows
}

// oneJSON asserts stdout is exactly one JSON object on one line and returns it.
func oneJSON(t *testing.T, stdout string) map[string]any {
	t.Helper()
	if strings.Count(stdout, "\n") != 1 || !strings.HasSuffix(stdout, "\n") {
		t.Fatalf("stdout is not exactly one line: %q", stdout)
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("stdout is not a JSON object: %q: %v", stdout, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("stdout has more than one JSON value: %q", stdout)
	}
	return m
}

func keysOf(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// assertLogLines checks that stderr holds only structured (JSON, since it
// is not a terminal) log lines, and at least one.
func assertLogLines(t *testing.T, stderr string) {
	t.Helper()
	n := 0
	for _, line := range strings.Split(stderr, "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil || m["level"] == nil || m["msg"] == nil {
			t.Errorf("stderr line is not a JSON log line: %q", line)
		}
		n++
	}
	if n == 0 {
		t.Errorf("no log lines on stderr")
	}
}

var keyRE = regexp.MustCompile(`^rbk_([0-9a-f]{24})_[A-Za-z0-9_-]{43}$`)

// keyID returns the key id embedded in an API key.
func keyID(t *testing.T, key string) string {
	t.Helper()
	m := keyRE.FindStringSubmatch(key)
	if m == nil {
		t.Fatalf("API key %q does not look like rbk_<24 hex>_<43 base64url>", key)
	}
	return m[1]
}

type createdStore struct{ id, name, key string }

// createStore runs `store create` and checks its output contract.
func createStore(t *testing.T, env []string, name string, dbArgs ...string) createdStore {
	t.Helper()
	r := mustRebound(t, env, append([]string{"store", "create", "--name", name}, dbArgs...)...)
	m := oneJSON(t, r.stdout)
	if got := keysOf(m); !slices.Equal(got, []string{"apiKey", "name", "storeId"}) {
		t.Fatalf("store create printed keys %v, want exactly [apiKey name storeId]: %s", got, r.stdout)
	}
	s := createdStore{id: str(t, m, "storeId"), name: str(t, m, "name"), key: str(t, m, "apiKey")}
	if s.name != name {
		t.Errorf("store create: name = %q, want %q", s.name, name)
	}
	keyID(t, s.key)
	return s
}

func str(t *testing.T, m map[string]any, k string) string {
	t.Helper()
	s, ok := m[k].(string)
	if !ok || s == "" {
		t.Fatalf("%q is not a non-empty string in %v", k, m)
	}
	return s
}

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

// ---------------------------------------------------------------------------
// Command line: help, usage errors, version

func TestHelp(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args  []string
		usage string   // expected at the start of a line
		flags []string // each must be named
	}{
		{[]string{"--help"}, "Usage:", []string{"rebound serve", "rebound migrate", "rebound store create", "rebound key revoke", "rebound bench orders", "rebound version"}},
		{[]string{"-h"}, "Usage:", nil},
		{[]string{"help"}, "Usage:", nil},
		{[]string{"serve", "--help"}, "Usage: rebound serve", []string{"-addr", "-data-dir", "-database-url", "-demo", "-shutdown-timeout"}},
		{[]string{"serve", "-h"}, "Usage: rebound serve", []string{"-addr", "-demo"}},
		{[]string{"migrate", "--help"}, "Usage: rebound migrate", []string{"-data-dir", "-database-url"}},
		{[]string{"store", "--help"}, "Usage: rebound store", []string{"create", "list", "--name"}},
		{[]string{"store", "create", "--help"}, "Usage: rebound store create", []string{"-name", "-data-dir", "-database-url"}},
		{[]string{"store", "list", "--help"}, "Usage: rebound store list", []string{"-data-dir", "-database-url"}},
		{[]string{"key", "--help"}, "Usage: rebound key", []string{"create", "revoke", "list", "--store"}},
		{[]string{"key", "create", "--help"}, "Usage: rebound key create", []string{"-store", "-scopes", "-label", "-data-dir", "-database-url"}},
		{[]string{"key", "revoke", "--help"}, "Usage: rebound key revoke", []string{"KEY_ID", "-data-dir", "-database-url"}},
		{[]string{"key", "list", "--help"}, "Usage: rebound key list", []string{"-store", "-data-dir", "-database-url"}},
		{[]string{"bench", "--help"}, "Usage:", []string{"rebound bench orders", "rebound bench returns", "rebound bench webhooks", "--clients", "--duration"}},
		{[]string{"bench", "returns", "--help"}, "Usage: rebound bench returns", []string{"-small", "-large", "-page-size", "-database-url"}},
		{[]string{"bench", "webhooks", "--help"}, "Usage: rebound bench webhooks", []string{"-backlog", "-rate", "-database-url"}},
		{[]string{"bench", "orders", "--help"}, "Usage: rebound bench orders", []string{"-clients", "-duration", "-warmup", "-database-url"}},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			r := reboundIn(t, dir, nil, c.args...)
			if r.code != 0 {
				t.Fatalf("want exit 0\n%s", r)
			}
			out := r.stdout + r.stderr
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(c.usage)).MatchString(out) {
				t.Errorf("no line starting with %q\n%s", c.usage, r)
			}
			for _, f := range c.flags {
				if !strings.Contains(out, f) {
					t.Errorf("help does not name %q\n%s", f, r)
				}
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("--help created files in the working directory: %v", entries)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	r := mustRebound(t, nil, "version")
	if r.stdout != "rebound "+testVersion+"\n" {
		t.Errorf("version printed %q, want %q", r.stdout, "rebound "+testVersion+"\n")
	}
	// `version` has no flags; --help must at least succeed.
	if r := rebound(t, nil, "version", "--help"); r.code != 0 {
		t.Errorf("version --help: want exit 0\n%s", r)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		msg  string // expected on stderr
	}{
		{"no command", nil, "Usage:"},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown store subcommand", []string{"store", "delete"}, "Usage: rebound store"},
		{"store without subcommand", []string{"store"}, "Usage: rebound store"},
		{"unknown key subcommand", []string{"key", "rotate"}, "Usage: rebound key"},
		{"unknown bench subcommand", []string{"bench", "invoices"}, "Usage:"},
		{"unknown flag", []string{"serve", "--bogus"}, "flag provided but not defined: -bogus"},
		{"flag without value", []string{"store", "create", "--name"}, "flag needs an argument: -name"},
		{"bad flag value", []string{"serve", "--shutdown-timeout", "soon"}, "invalid value"},
		{"store create without --name", []string{"store", "create"}, "--name is required"},
		{"key create without --store", []string{"key", "create", "--scopes", "orders_read"}, "--store is required"},
		{"key list without --store", []string{"key", "list"}, "--store is required"},
		{"key revoke without id", []string{"key", "revoke"}, "exactly one KEY_ID is required"},
		{"key revoke with two ids", []string{"key", "revoke", "a", "b"}, "exactly one KEY_ID is required"},
		{"serve with an argument", []string{"serve", "now"}, `unexpected argument "now"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			data := filepath.Join(t.TempDir(), "data")
			r := rebound(t, []string{"REBOUND_DATA_DIR=" + data}, c.args...)
			if r.code != 2 {
				t.Fatalf("want exit 2\n%s", r)
			}
			if !strings.Contains(r.stderr, c.msg) {
				t.Errorf("stderr does not contain %q\n%s", c.msg, r)
			}
			if r.stdout != "" {
				t.Errorf("a usage error printed to stdout: %q", r.stdout)
			}
			if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a usage error touched the data directory (stat: %v)", err)
			}
		})
	}
}

// TestStrayArgumentsAreUsageErrors: commands that take no positional
// argument must reject one, as serve does, instead of silently ignoring it:
// `rebound store create --name Acme Outdoor` (quotes forgotten) must not
// create a store named "Acme".
func TestStrayArgumentsAreUsageErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"store", "create", "--name", "Acme", "Outdoor"},
		{"store", "list", "extra"},
		{"key", "create", "--store", "x", "extra"},
		{"key", "list", "--store", "x", "extra"},
		{"migrate", "extra"},
		{"version", "extra"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			data := t.TempDir()
			r := rebound(t, []string{"REBOUND_DATA_DIR=" + data}, args...)
			if r.code != 2 {
				t.Errorf("want exit 2\n%s", r)
			}
		})
	}
}

func TestCommandErrorsExit1(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	db := []string{"--data-dir", data}
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"key", "create", "--store", "6b0306a60000000000000000"}, "not found"},
		{[]string{"key", "create", "--store", "6b0306a60000000000000000", "--scopes", "orders_read,bogus"}, "unknown scope bogus"},
		{[]string{"key", "revoke", "6b0306a60000000000000000"}, "not found"},
		{[]string{"key", "list", "--store", "6b0306a60000000000000000"}, "not found"},
		{[]string{"store", "create", "--name", "   "}, "must not be empty"},
	} {
		r := rebound(t, nil, append(c.args, db...)...)
		if r.code != 1 {
			t.Errorf("rebound %s: want exit 1\n%s", strings.Join(c.args, " "), r)
			continue
		}
		if !regexp.MustCompile(`(?m)^rebound: .*` + regexp.QuoteMeta(c.msg)).MatchString(r.stderr) {
			t.Errorf("rebound %s: want a `rebound: …%s` line on stderr\n%s", strings.Join(c.args, " "), c.msg, r)
		}
		if r.stdout != "" {
			t.Errorf("rebound %s: failure printed to stdout: %q", strings.Join(c.args, " "), r.stdout)
		}
	}

	// The listen address is taken.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	r := rebound(t, nil, "serve", "--addr", ln.Addr().String(), "--data-dir", data)
	if r.code != 1 || !strings.Contains(r.stderr, "rebound: listen on "+ln.Addr().String()) {
		t.Errorf("serve on a busy address: want exit 1 and `rebound: listen on …`\n%s", r)
	}
}

// ---------------------------------------------------------------------------
// Database selection

func TestMigrateSQLite(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "does", "not", "exist", "yet")
	r := mustRebound(t, nil, "migrate", "--data-dir", data)
	if r.stdout != "" {
		t.Errorf("migrate printed to stdout: %q", r.stdout)
	}
	assertLogLines(t, r.stderr)
	if !strings.Contains(r.stderr, `"migrations applied"`) {
		t.Errorf("migrate did not log `migrations applied`\n%s", r)
	}
	if fi, err := os.Stat(filepath.Join(data, "rebound.db")); err != nil || fi.Size() == 0 {
		t.Fatalf("migrate did not create %s/rebound.db: %v", data, err)
	}
	// Again: nothing to do, still fine.
	mustRebound(t, nil, "migrate", "--data-dir", data)

	// sqlite:PATH ignores --data-dir.
	other := t.TempDir()
	path := filepath.Join(other, "custom.db")
	ignored := filepath.Join(t.TempDir(), "ignored")
	mustRebound(t, nil, "migrate", "--data-dir", ignored, "--database-url", "sqlite:"+path)
	if _, err := os.Stat(path); err != nil {
		t.Errorf("--database-url sqlite:%s: %v", path, err)
	}
	if _, err := os.Stat(ignored); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("--data-dir was used although --database-url is set (stat: %v)", err)
	}
}

func TestUnsupportedDatabaseURL(t *testing.T) {
	t.Parallel()
	const u = "mysql://u:secret@h/db"
	check := func(t *testing.T, r result) {
		t.Helper()
		if r.code != 1 {
			t.Errorf("want exit 1\n%s", r)
		}
		if !strings.Contains(r.stderr, "rebound: --database-url: unsupported URL") {
			t.Errorf("want a `rebound: --database-url: unsupported URL` message\n%s", r)
		}
		if strings.Contains(r.stdout+r.stderr, "secret") {
			t.Errorf("the output leaks the password\n%s", r)
		}
		if !strings.Contains(r.stderr, "mysql://u:xxxxx@h/db") {
			t.Errorf("want the URL with its password masked\n%s", r)
		}
	}
	data := filepath.Join(t.TempDir(), "data")
	for _, args := range [][]string{
		{"migrate"},
		{"store", "create", "--name", "X"},
		{"store", "list"},
		{"key", "revoke", "6b0306a60000000000000000"},
		{"serve", "--addr", "127.0.0.1:0"},
	} {
		t.Run(strings.Join(args, " ")+" flag", func(t *testing.T) {
			check(t, rebound(t, nil, append(args, "--data-dir", data, "--database-url", u)...))
		})
	}
	t.Run("env", func(t *testing.T) {
		check(t, rebound(t, []string{"REBOUND_DATABASE_URL=" + u, "REBOUND_DATA_DIR=" + data}, "migrate"))
	})
	if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the data directory was created although --database-url was set (stat: %v)", err)
	}
}

// TestDatabaseURLPasswordNeverLeaks covers passwords that the masking of
// unsupported URLs misses.
func TestDatabaseURLPasswordNeverLeaks(t *testing.T) {
	t.Parallel()
	for _, u := range []string{
		"mysql://u:s3cr@tpass@h/db",                   // raw '@' in the password: "tpass" leaked
		"host=db user=u password=s3cr3tpass dbname=x", // pgx key=value DSN: printed verbatim
	} {
		r := rebound(t, nil, "migrate", "--data-dir", t.TempDir(), "--database-url", u)
		if r.code != 1 {
			t.Errorf("%s: want exit 1\n%s", u, r)
		}
		if strings.Contains(r.stdout+r.stderr, "pass") {
			t.Errorf("%s: the output leaks the password\n%s", u, r)
		}
	}
}

// pgURL returns a URL of a fresh PostgreSQL schema, skipping the test when
// no test server is configured (and failing under CI, where one must be).
func pgURL(t *testing.T) string {
	t.Helper()
	if os.Getenv(storetest.EnvDatabaseURL) == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s must be set under CI so PostgreSQL is tested", storetest.EnvDatabaseURL)
		}
		t.Skipf("%s is not set", storetest.EnvDatabaseURL)
	}
	return storetest.PostgresURL(t)
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	u := pgURL(t)
	data := filepath.Join(t.TempDir(), "data")
	r := mustRebound(t, nil, "migrate", "--database-url", u, "--data-dir", data)
	if !strings.Contains(r.stderr, `"database":"postgres"`) {
		t.Errorf("migrate did not log the postgres dialect\n%s", r)
	}
	mustRebound(t, nil, "migrate", "--database-url", u) // idempotent

	s := createStore(t, nil, "Acme Outdoor", "--database-url", u, "--data-dir", data)
	// The same database through the environment.
	env := []string{"REBOUND_DATABASE_URL=" + u}
	rows := jsonLines(t, mustRebound(t, env, "store", "list").stdout)
	if len(rows) != 1 || rows[0]["storeId"] != s.id || rows[0]["name"] != "Acme Outdoor" {
		t.Errorf("store list = %v, want just %s", rows, s.id)
	}
	if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("--data-dir was used with a PostgreSQL URL (stat: %v)", err)
	}

	// With PostgreSQL the secrets key must come from the environment.
	if r := rebound(t, env, "serve", "--addr", "127.0.0.1:0"); r.code == 0 || !strings.Contains(r.stderr, "REBOUND_SECRET_KEY") {
		t.Errorf("serve on PostgreSQL without REBOUND_SECRET_KEY: code %d, stderr %q", r.code, r.stderr)
	}
	env = append(env, "REBOUND_SECRET_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	srv := startServer(t, t.TempDir(), env, "--addr", "127.0.0.1:0")
	if b := expectStatus(t, 200, "GET", srv.base+"/readyz", "", nil); !strings.Contains(b, `"database":"postgres"`) {
		t.Errorf("/readyz = %s, want database postgres", b)
	}
	if b := expectStatus(t, 200, "POST", ordersURL(srv.base, s.id), s.key, examples.Order()); !strings.Contains(b, "Order synced successfully") {
		t.Errorf("order sync answered %s", b)
	}
	// A key created by the CLI while the server runs works at once.
	k := oneJSON(t, mustRebound(t, env, "key", "create", "--store", s.id, "--scopes", "orders_read").stdout)
	expectStatus(t, 200, "GET", orderURL(srv.base, s.id, "order_123456"), str(t, k, "apiKey"), nil)
	if code := srv.stop(t, 15*time.Second); code != 0 {
		t.Errorf("serve exited %d after SIGTERM, want 0", code)
	}
}

// ---------------------------------------------------------------------------
// Stores and keys

func TestStoreCreate(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	r := mustRebound(t, nil, "store", "create", "--name", "Acme Outdoor", "--data-dir", data)
	m := oneJSON(t, r.stdout)
	if got := keysOf(m); !slices.Equal(got, []string{"apiKey", "name", "storeId"}) {
		t.Fatalf("store create printed keys %v, want exactly [apiKey name storeId]", got)
	}
	if m["name"] != "Acme Outdoor" {
		t.Errorf("name = %v", m["name"])
	}
	keyID(t, str(t, m, "apiKey"))
	if !regexp.MustCompile(`^[0-9a-f]{24}$`).MatchString(str(t, m, "storeId")) {
		t.Errorf("storeId = %v, want 24 hex digits", m["storeId"])
	}
	assertLogLines(t, r.stderr)
	if strings.Contains(r.stderr, str(t, m, "apiKey")) {
		t.Errorf("the API key was logged to stderr")
	}

	// Flags win over the environment; REBOUND_LOG_LEVEL quiets the logs.
	envDir := filepath.Join(t.TempDir(), "env")
	r = mustRebound(t, []string{"REBOUND_DATA_DIR=" + envDir, "REBOUND_LOG_LEVEL=error"}, "store", "create", "--name", "Second", "--data-dir", data)
	if r.stderr != "" {
		t.Errorf("REBOUND_LOG_LEVEL=error still logged:\n%s", r.stderr)
	}
	oneJSON(t, r.stdout)
	if _, err := os.Stat(envDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("REBOUND_DATA_DIR was used although --data-dir was given (stat: %v)", err)
	}

	// store list through REBOUND_DATA_DIR sees both, one object per line.
	rows := jsonLines(t, mustRebound(t, []string{"REBOUND_DATA_DIR=" + data}, "store", "list").stdout)
	var names []string
	for _, row := range rows {
		if got := keysOf(row); !slices.Equal(got, []string{"createdAt", "name", "storeId"}) {
			t.Errorf("store list row keys %v", got)
		}
		names = append(names, row["name"].(string))
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"Acme Outdoor", "Second"}) {
		t.Errorf("store list names = %v", names)
	}

	// Without --data-dir or REBOUND_DATA_DIR: ./rebound-data.
	cwd := t.TempDir()
	reboundIn(t, cwd, []string{"REBOUND_LOG_LEVEL=error"}, "store", "create", "--name", "Here")
	if _, err := os.Stat(filepath.Join(cwd, "rebound-data", "rebound.db")); err != nil {
		t.Errorf("default data dir: %v", err)
	}
}

// TestKeysWhileServing: the CLI and a running server share one SQLite file;
// stores and keys created by the CLI work at once, revocations within the
// server's one-second key cache.
func TestKeysWhileServing(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	srv := startServer(t, t.TempDir(), nil, "--addr", "127.0.0.1:0", "--data-dir", data)
	env := []string{"REBOUND_DATA_DIR=" + data}

	// A store created while the server runs.
	s := createStore(t, nil, "Live Store", "--data-dir", data)
	b := expectStatus(t, 200, "POST", ordersURL(srv.base, s.id), s.key, examples.Order())
	if !strings.Contains(b, "Order synced successfully") {
		t.Errorf("order sync answered %s", b)
	}
	expectStatus(t, 200, "GET", orderURL(srv.base, s.id, "order_123456"), s.key, nil)

	// A read-only key.
	r := mustRebound(t, env, "key", "create", "--store", s.id, "--scopes", "orders_read", "--label", "reporting")
	k := oneJSON(t, r.stdout)
	if got := keysOf(k); !slices.Equal(got, []string{"apiKey", "keyId", "scopes", "storeId"}) {
		t.Errorf("key create printed keys %v", got)
	}
	readKey, readID := str(t, k, "apiKey"), str(t, k, "keyId")
	if keyID(t, readKey) != readID || k["storeId"] != s.id {
		t.Errorf("key create output inconsistent: %v", k)
	}
	if sc, _ := k["scopes"].([]any); len(sc) != 1 || sc[0] != "orders_read" {
		t.Errorf("scopes = %v, want [orders_read]", k["scopes"])
	}
	expectStatus(t, 200, "GET", orderURL(srv.base, s.id, "order_123456"), readKey, nil)
	expectStatus(t, 404, "GET", orderURL(srv.base, s.id, "no_such_order"), readKey, nil)
	if b := expectStatus(t, 403, "POST", ordersURL(srv.base, s.id), readKey, examples.Order()); !strings.Contains(b, "scope/forbidden") {
		t.Errorf("POST with a read-only key: %s", b)
	}
	// Another store's key is refused on this store.
	other := createStore(t, env, "Other Store")
	if b := expectStatus(t, 403, "GET", orderURL(srv.base, s.id, "order_123456"), other.key, nil); !strings.Contains(b, "store/forbidden") {
		t.Errorf("cross-store GET: %s", b)
	}

	// Revoke, with the flags after the key id; the key was just verified,
	// so the server may trust it for up to a second more.
	r = mustRebound(t, nil, "key", "revoke", readID, "--data-dir", data)
	rv := oneJSON(t, r.stdout)
	if rv["keyId"] != readID || rv["storeId"] != s.id || rv["revokedAt"] == nil {
		t.Errorf("key revoke printed %v", rv)
	}
	revoked := time.Now()
	for {
		code, _ := call(t, "GET", orderURL(srv.base, s.id, "order_123456"), readKey, nil)
		if code == http.StatusUnauthorized {
			break
		}
		if code != http.StatusOK {
			t.Fatalf("revoked key: status %d, want 200 (cached) or 401", code)
		}
		if time.Since(revoked) > 1500*time.Millisecond {
			t.Fatalf("revoked key still accepted %v after `key revoke` exited", time.Since(revoked))
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The store's first key is unaffected.
	expectStatus(t, 200, "GET", orderURL(srv.base, s.id, "order_123456"), s.key, nil)
	// Revoking again succeeds and keeps the first time.
	again := oneJSON(t, mustRebound(t, env, "key", "revoke", readID).stdout)
	if again["revokedAt"] != rv["revokedAt"] {
		t.Errorf("second revoke: revokedAt %v, want the first %v", again["revokedAt"], rv["revokedAt"])
	}

	rows := jsonLines(t, mustRebound(t, env, "key", "list", "--store", s.id).stdout)
	if len(rows) != 2 {
		t.Fatalf("key list: %d rows, want 2: %v", len(rows), rows)
	}
	for _, row := range rows {
		if _, ok := row["apiKey"]; ok {
			t.Errorf("key list shows a secret: %v", row)
		}
		switch row["keyId"] {
		case readID:
			if row["revokedAt"] == nil || row["label"] != "reporting" {
				t.Errorf("revoked key listed as %v", row)
			}
		case keyID(t, s.key):
			if _, ok := row["revokedAt"]; ok {
				t.Errorf("the first key is listed as revoked: %v", row)
			}
		default:
			t.Errorf("unexpected key %v", row)
		}
	}
}

// ---------------------------------------------------------------------------
// serve

// runCurl runs a printed shell command with sh, appending only a -w option
// that reports the status. curl's config files and proxies are kept out.
func runCurl(t *testing.T, command string) (int, string) {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatalf("curl is not installed: it is needed to check the acceptance criterion "+
			"\"the first command starts a server that accepts the printed curl\" (%v)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	home := t.TempDir()
	cmd := exec.CommandContext(ctx, "sh", "-c", strings.TrimRight(command, " \n")+` -w '\nHTTP_STATUS=%{http_code}'`)
	var env []string
	for _, kv := range environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch strings.ToLower(name) {
		case "http_proxy", "https_proxy", "all_proxy", "no_proxy", "home", "curl_home", "xdg_config_home":
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = append(env, "HOME="+home, "CURL_HOME="+home, "XDG_CONFIG_HOME="+home, "NO_PROXY=*")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sh -c <printed curl>: %v\nstdout: %s\nstderr: %s\ncommand:\n%s", err, out, stderr.String(), command)
	}
	body, status, ok := strings.Cut(string(out), "\nHTTP_STATUS=")
	code, err := strconv.Atoi(strings.TrimSpace(status))
	if !ok || err != nil {
		t.Fatalf("cannot read curl's status from %q", out)
	}
	return code, body
}

func TestServeDemo(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	cwd := t.TempDir()

	srv := startServer(t, cwd, nil, "--demo", "--addr", "127.0.0.1:0", "--data-dir", data)
	d1 := srv.demo(t)

	code, body := runCurl(t, d1.postCurl)
	if code != 200 || !strings.Contains(body, "Order synced successfully") || !strings.Contains(body, `"orderId":"order_123456"`) {
		t.Fatalf("printed curl: status %d, body %s; want 200 Order synced successfully", code, body)
	}
	code, body = runCurl(t, d1.getCurl)
	if code != 200 || !strings.Contains(body, `"orderId":"order_123456"`) {
		t.Errorf("printed read-back curl: status %d, body %s", code, body)
	}
	b := expectStatus(t, 200, "GET", orderURL(srv.base, d1.storeID, "order_123456"), d1.key, nil)
	var order struct {
		OrderID    string  `json:"orderId"`
		TotalPrice float64 `json:"totalPrice"`
	}
	if err := json.Unmarshal([]byte(b), &order); err != nil || order.OrderID != "order_123456" || order.TotalPrice != 65.97 {
		t.Errorf("GET order = %s (%v)", b, err)
	}
	if code := srv.stop(t, 15*time.Second); code != 0 {
		t.Fatalf("serve exited %d after SIGTERM, want 0", code)
	}

	// Restart on the same data dir: same store, new key, old key revoked.
	srv = startServer(t, cwd, nil, "--demo", "--addr", "127.0.0.1:0", "--data-dir", data)
	d2 := srv.demo(t)
	if d2.storeID != d1.storeID {
		t.Errorf("restart created another demo store: %s, first was %s", d2.storeID, d1.storeID)
	}
	if d2.key == d1.key {
		t.Errorf("restart printed the same key")
	}
	expectStatus(t, 401, "GET", orderURL(srv.base, d1.storeID, "order_123456"), d1.key, nil)
	expectStatus(t, 200, "GET", orderURL(srv.base, d2.storeID, "order_123456"), d2.key, nil)
	code, body = runCurl(t, d2.postCurl)
	if code != 200 || !strings.Contains(body, `"applied":true`) {
		t.Errorf("second printed curl: status %d, body %s", code, body)
	}

	env := []string{"REBOUND_DATA_DIR=" + data}
	stores := jsonLines(t, mustRebound(t, env, "store", "list").stdout)
	if len(stores) != 1 || stores[0]["storeId"] != d1.storeID || stores[0]["name"] != "Demo Store" {
		t.Errorf("store list = %v, want only the Demo Store %s", stores, d1.storeID)
	}
	// The store's first (unlabelled) key and the first demo key are
	// revoked; only the new demo key is live.
	keys := jsonLines(t, mustRebound(t, env, "key", "list", "--store", d1.storeID).stdout)
	live := map[string]bool{}
	for _, k := range keys {
		_, revoked := k["revokedAt"]
		live[k["keyId"].(string)] = !revoked
	}
	if len(keys) != 3 || live[keyID(t, d1.key)] || !live[keyID(t, d2.key)] {
		t.Errorf("key list = %v, want 3 keys with only %s live", keys, keyID(t, d2.key))
	}
	if _, err := os.Stat(filepath.Join(cwd, "rebound-data")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("serve --data-dir also created ./rebound-data (stat: %v)", err)
	}
}

// freePort returns a loopback address that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestServeEnvFallbacks(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	cwd := t.TempDir()
	addr := freePort(t)
	srv := startServer(t, cwd, []string{"REBOUND_DATA_DIR=" + data, "REBOUND_ADDR=" + addr})
	if srv.addr != addr {
		t.Errorf("serve listens on %s, want REBOUND_ADDR %s", srv.addr, addr)
	}
	if b := expectStatus(t, 200, "GET", "http://"+addr+"/readyz", "", nil); !strings.Contains(b, `"database":"sqlite"`) {
		t.Errorf("/readyz = %s", b)
	}
	expectStatus(t, 200, "GET", "http://"+addr+"/healthz", "", nil)
	if _, err := os.Stat(filepath.Join(data, "rebound.db")); err != nil {
		t.Errorf("REBOUND_DATA_DIR not used: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cwd, "rebound-data")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("serve used ./rebound-data despite REBOUND_DATA_DIR (stat: %v)", err)
	}
	// The server sees a store created through the same environment.
	s := createStore(t, []string{"REBOUND_DATA_DIR=" + data}, "Env Store")
	expectStatus(t, 404, "GET", orderURL(srv.base, s.id, "nope"), s.key, nil)
	if code := srv.stop(t, 15*time.Second); code != 0 {
		t.Errorf("serve exited %d after SIGTERM, want 0", code)
	}

	// --addr wins over REBOUND_ADDR.
	srv = startServer(t, cwd, []string{"REBOUND_DATA_DIR=" + data, "REBOUND_ADDR=256.0.0.1:1"}, "--addr", "127.0.0.1:0")
	if code := srv.stop(t, 15*time.Second); code != 0 {
		t.Errorf("serve exited %d after SIGTERM, want 0", code)
	}
}

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

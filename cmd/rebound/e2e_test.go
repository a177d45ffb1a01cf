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
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
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
	if got := keysOf(m); !slices.Equal(got, []string{"apiKey", "handle", "name", "storeId"}) {
		t.Fatalf("store create printed keys %v, want exactly [apiKey handle name storeId]: %s", got, r.stdout)
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

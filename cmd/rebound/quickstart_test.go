package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// quickstartScript returns the shell blocks of the README's quick start
// (between <!-- quickstart --> and <!-- /quickstart -->), in order.
func quickstartScript(t *testing.T, readme string) string {
	t.Helper()
	b, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	start, end := strings.Index(s, "<!-- quickstart -->"), strings.Index(s, "<!-- /quickstart -->")
	if start < 0 || end < start {
		t.Fatal("README.md has no <!-- quickstart --> … <!-- /quickstart --> section")
	}
	var blocks []string
	for _, part := range strings.Split(s[start:end], "```sh\n")[1:] {
		code, _, ok := strings.Cut(part, "```")
		if !ok {
			t.Fatal("unterminated code block in the quick start")
		}
		blocks = append(blocks, code)
	}
	if len(blocks) < 5 {
		t.Fatalf("quick start has %d shell blocks; want the whole walk", len(blocks))
	}
	return strings.Join(blocks, "\n")
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestReadmeQuickstart runs the README's quick start verbatim, as a new
// user pastes it into one terminal at the root of the clone: it builds the
// binary, starts the server and the webhook receiver in the background,
// and walks an order through a return, its approval and its processing.
// Every change must arrive at the receiver with a verified signature. Only
// the addresses and the data dir come from the environment (the script
// reads REBOUND_ADDR and RECEIVER_ADDR when set).
func TestReadmeQuickstart(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the quick start needs %s (install it: apt-get install %s)", tool, tool)
		}
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	script := quickstartScript(t, filepath.Join(root, "README.md"))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", "set -euo pipefail\n"+script)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "REBOUND_ADDR="+freeAddr(t), "RECEIVER_ADDR="+freeAddr(t),
		"REBOUND_DATA_DIR="+t.TempDir(), "REBOUND_LOG_LEVEL=warn")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A file, not a pipe: the server and the receiver keep writing after
	// the script ends, and Wait would wait for them to close a pipe.
	out, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The server and the receiver outlive the script: stop the group.
	defer func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }()
	werr := cmd.Wait()
	b, err := os.ReadFile(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	if werr != nil {
		t.Fatalf("the quick start failed: %v\n%s", werr, text)
	}
	if strings.Contains(text, "REFUSED") {
		t.Errorf("the receiver refused a delivery:\n%s", text)
	}
	for _, want := range []string{"needs_review\n", "complete\n29.99\n", "Return processed."} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	line := regexp.MustCompile(`(?m)^webhook msg_\d+ verified: return (\w+) (created|updated), status (\w+)$`)
	got := line.FindAllStringSubmatch(text, -1)
	if len(got) < 3 {
		t.Fatalf("verified deliveries = %d, want at least 3 (created, approved, processed):\n%s", len(got), text)
	}
	statuses := map[string]bool{}
	for _, m := range got {
		if m[1] != got[0][1] {
			t.Errorf("deliveries for two returns: %s and %s", got[0][1], m[1])
		}
		statuses[m[3]] = true
	}
	for _, s := range []string{"needs_review", "open", "complete"} {
		if !statuses[s] {
			t.Errorf("no verified delivery with status %s:\n%s", s, text)
		}
	}
	t.Logf("quick start output:\n%s", text)
	if n := strings.Count(text, " succeeded\n"); n < 3 {
		t.Errorf("the delivery log shows %d succeeded deliveries, want at least 3:\n%s", n, text)
	}
}

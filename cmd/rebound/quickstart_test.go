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

// docScript returns the shell blocks of a document's section marked
// <!-- NAME --> … <!-- /NAME -->, in order.
func docScript(t *testing.T, doc, name string) string {
	t.Helper()
	b, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	start, end := strings.Index(s, "<!-- "+name+" -->"), strings.Index(s, "<!-- /"+name+" -->")
	if start < 0 || end < start {
		t.Fatalf("%s has no <!-- %s --> … <!-- /%s --> section", doc, name, name)
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
		t.Fatalf("%s's %s has %d shell blocks; want the whole walk", doc, name, len(blocks))
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

// runDoc runs the shell blocks of a document's section verbatim, as a
// reader pastes them into one terminal at the root of the clone, with
// bash's -euo pipefail; env adds to the environment (the free addresses
// the script reads when set, a data dir). The processes the script leaves
// in the background are stopped when the test ends. It returns everything
// the script and its background processes printed.
func runDoc(t *testing.T, doc, name string, env ...string) string {
	t.Helper()
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the walkthrough needs %s (install it: apt-get install %s)", tool, tool)
		}
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	script := docScript(t, filepath.Join(root, doc), name)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", "set -euo pipefail\n"+script)
	cmd.Dir = root
	cmd.Env = append(append(os.Environ(), "REBOUND_DATA_DIR="+t.TempDir(), "REBOUND_LOG_LEVEL=warn"), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A file, not a pipe: the background processes keep writing after the
	// script ends, and Wait would wait for them to close a pipe.
	out, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopGroup(cmd.Process.Pid) })
	werr := cmd.Wait()
	b, err := os.ReadFile(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	if werr != nil {
		t.Fatalf("%s's %s failed: %v\n%s", doc, name, werr, text)
	}
	return text
}

// TestReadmeQuickstart runs the README's quick start verbatim: it builds
// the binary, starts the server and the webhook receiver in the
// background, and walks an order through a return, its approval and its
// processing. Every change must arrive at the receiver with a verified
// signature.
func TestReadmeQuickstart(t *testing.T) {
	text := runDoc(t, "README.md", "quickstart", "REBOUND_ADDR="+freeAddr(t), "RECEIVER_ADDR="+freeAddr(t))
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

// stopGroup ends the process group pgid: SIGTERM (the server shuts down
// gracefully), then SIGKILL after 15 s, and waits until no process of it
// is left, so that the test's temporary dirs are no longer written to.
func stopGroup(pgid int) {
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	deadline := time.Now().Add(15 * time.Second)
	for syscall.Kill(-pgid, 0) == nil {
		if time.Now().After(deadline) {
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			deadline = time.Now().Add(time.Hour)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

//go:build unix

package main

import (
	"flag"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestEnvName(t *testing.T) {
	for _, c := range []struct{ cmd, flag, want string }{
		{"serve", "shutdown-timeout", "REBOUND_SHUTDOWN_TIMEOUT"},
		{"serve", "demo", "REBOUND_DEMO"},
		{"serve", "ecwid-webhook-max-age", "REBOUND_ECWID_WEBHOOK_MAX_AGE"},
		{"serve", "allow-private-webhook-targets", "REBOUND_ALLOW_PRIVATE_WEBHOOK_TARGETS"},
		{"migrate", "data-dir", "REBOUND_DATA_DIR"},
		{"key create", "database-url", "REBOUND_DATABASE_URL"},
		{"ecwid", "data-dir", "REBOUND_DATA_DIR"},
		{"bench orders", "database-url", "REBOUND_BENCH_DATABASE_URL"},
		{"dev fake-ecwid", "addr", "REBOUND_DEV_ADDR"},
	} {
		if got := envName(c.cmd, c.flag); got != c.want {
			t.Errorf("envName(%q, %q) = %q, want %q", c.cmd, c.flag, got, c.want)
		}
	}
}

func TestApplyEnv(t *testing.T) {
	fs := flag.NewFlagSet("rebound serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", "127.0.0.1:8080", "")
	demo := fs.Bool("demo", false, "")
	allow := fs.Bool("allow-private-webhook-targets", true, "")
	timeout := fs.Duration("shutdown-timeout", 30*time.Second, "")
	t.Setenv("REBOUND_ADDR", "0.0.0.0:1")
	t.Setenv("REBOUND_DEMO", "on")
	t.Setenv("REBOUND_ALLOW_PRIVATE_WEBHOOK_TARGETS", "no")
	t.Setenv("REBOUND_SHUTDOWN_TIMEOUT", "") // empty: unset
	if err := fs.Parse([]string{"--addr", "127.0.0.1:9"}); err != nil {
		t.Fatal(err)
	}
	if err := applyEnv(fs, "serve"); err != nil {
		t.Fatal(err)
	}
	if *addr != "127.0.0.1:9" || !*demo || *allow || *timeout != 30*time.Second {
		t.Errorf("addr %q (the flag wins), demo %v (on), allow %v (no), timeout %v (empty ignored)", *addr, *demo, *allow, *timeout)
	}

	t.Setenv("REBOUND_SHUTDOWN_TIMEOUT", "soon")
	if err := applyEnv(fs, "serve", "addr"); err != nil {
		t.Errorf("only addr: %v", err)
	}
	err := applyEnv(fs, "serve")
	if err == nil || err.Error() != `REBOUND_SHUTDOWN_TIMEOUT: invalid value "soon" for --shutdown-timeout: parse error` {
		t.Errorf("bad value: %v", err)
	}
}

func TestSynopsisAndUsage(t *testing.T) {
	fs := newFlagSet("key create", nil, io.Discard, io.Discard)
	fs.String("store", "", "`STORE_ID` of the store")
	fs.String("scopes", "", "scopes")
	fs.Bool("json", false, "")
	fs.Duration("wait", time.Second, "")
	fs.require("store")
	if got := strings.Join(fs.synopsis(), " "); got != "rebound key create --store STORE_ID [--json] [--scopes SCOPES] [--wait 1s]" {
		t.Errorf("synopsis = %q", got)
	}
	var b strings.Builder
	fs.printUsage(&b)
	for _, w := range []string{"Usage: rebound key create --store STORE_ID", "\n  -store STORE_ID\n", "(env REBOUND_STORE)", "(env REBOUND_WAIT) (default 1s)"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("usage lacks %q:\n%s", w, b.String())
		}
	}
	// Printing twice does not name the variable twice.
	b.Reset()
	fs.printUsage(&b)
	if n := strings.Count(b.String(), "(env REBOUND_STORE)"); n != 1 {
		t.Errorf("REBOUND_STORE named %d times", n)
	}

	words := append([]string{"rebound", "bench returns"}, strings.Fields(strings.Repeat("[--flag VALUE] ", 20))...)
	w := wrap("  ", words)
	for i, line := range strings.Split(w, "\n") {
		if len(line) > 100 {
			t.Errorf("line %d is %d columns", i, len(line))
		}
		if i > 0 && !strings.HasPrefix(line, strings.Repeat(" ", len("  rebound bench returns "))+"[") {
			t.Errorf("line %d is not indented under the flags: %q", i, line)
		}
	}
}

// The README's configuration table lists every flag of serve with its
// variable.
func TestReadmeConfigurationTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for i := range commands {
		if commands[i].name != "serve" {
			continue
		}
		commands[i].flagsOf().VisitAll(func(f *flag.Flag) {
			row := regexp.MustCompile("(?m)^\\| `--" + regexp.QuoteMeta(f.Name) + "` \\| `" + envName("serve", f.Name) + "` \\|")
			if !row.Match(readme) {
				t.Errorf("README.md's configuration table has no row | `--%s` | `%s` |", f.Name, envName("serve", f.Name))
			}
		})
	}
}

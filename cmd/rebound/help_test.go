//go:build unix

package main

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

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

//go:build unix

package main

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
)

// ---------------------------------------------------------------------------
// Help on stdout, listing every flag; --version

// TestHelpListsEveryFlag: for every command, --help, -h and "rebound help
// CMD" print on stdout and exit 0, and name each of its flags three times:
// in the synopsis (--flag), in the flag list (-flag) and by its
// environment variable. The top-level usage and the group usages show
// every command's synopsis.
func TestHelpListsEveryFlag(t *testing.T) {
	t.Parallel()
	top := rebound(t, nil, "--help")
	if top.code != 0 || top.stderr != "" || !strings.HasPrefix(top.stdout, "rebound — self-hosted returns platform\n\nUsage:\n") {
		t.Fatalf("rebound --help: want exit 0 and the usage on stdout\n%s", top)
	}
	for _, args := range [][]string{{"help"}, {"-h"}} {
		if r := rebound(t, nil, args...); r.code != 0 || r.stderr != "" || r.stdout != top.stdout {
			t.Errorf("rebound %v: want exit 0 and the usage of --help on stdout\n%s", args, r)
		}
	}
	for _, w := range []string{"rebound ecwid {products|orders|customers|categories|coupons|promotions|carts|profile}",
		"rebound ecwid connect --store STORE_ID", "REBOUND_ECWID_TOKEN", "REBOUND_ECWID_CLIENT_SECRET", "rebound --version"} {
		if !strings.Contains(top.stdout, w) {
			t.Errorf("rebound --help lacks %q\n%s", w, top.stdout)
		}
	}
	groupHelp := map[string]string{}
	for g := range groups {
		r := rebound(t, nil, g, "--help")
		if r.code != 0 || r.stderr != "" || !strings.HasPrefix(r.stdout, "Usage: rebound "+g+" COMMAND") {
			t.Errorf("rebound %s --help: want exit 0 and the group's usage on stdout\n%s", g, r)
		}
		groupHelp[g] = r.stdout
	}
	for i := range commands {
		c := &commands[i]
		if c.setup == nil {
			continue // rebound ecwid: internal/ecwid/ecwidcli tests its help
		}
		fs := c.flagsOf()
		syn := wrap("  ", fs.synopsis())
		if !strings.Contains(top.stdout, syn+"\n") {
			t.Errorf("rebound --help lacks the synopsis of %s:\n%s", c.name, syn)
		}
		if g, _, ok := strings.Cut(c.name, " "); ok && !strings.Contains(groupHelp[g], syn+"\n") {
			t.Errorf("rebound %s --help lacks the synopsis of %s", g, c.name)
		}
		for _, args := range [][]string{
			append(strings.Fields(c.name), "--help"),
			append(strings.Fields(c.name), "-h"),
			append([]string{"help"}, strings.Fields(c.name)...),
		} {
			r := rebound(t, nil, args...)
			if r.code != 0 || r.stderr != "" || !strings.HasPrefix(r.stdout, "Usage: rebound "+c.name) {
				t.Errorf("rebound %s: want exit 0 and the usage on stdout\n%s", strings.Join(args, " "), r)
				continue
			}
			synopsis, list, _ := strings.Cut(r.stdout, "\n\nFlags:\n")
			fs.VisitAll(func(f *flag.Flag) {
				if !strings.Contains(synopsis, "--"+f.Name) {
					t.Errorf("rebound %s: the synopsis lacks --%s\n%s", strings.Join(args, " "), f.Name, r.stdout)
				}
				if !strings.Contains(list, "\n  -"+f.Name+" ") && !strings.Contains(list, "\n  -"+f.Name+"\n") && !strings.HasPrefix(list, "  -"+f.Name) {
					t.Errorf("rebound %s: the flag list lacks -%s\n%s", strings.Join(args, " "), f.Name, r.stdout)
				}
				if env := envName(c.name, f.Name); !strings.Contains(list, "(env "+env+")") {
					t.Errorf("rebound %s: the help of -%s does not name %s\n%s", strings.Join(args, " "), f.Name, env, r.stdout)
				}
			})
		}
	}
}

func TestVersionFlag(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--version"}, {"-version"}, {"version"}} {
		r := rebound(t, nil, args...)
		if r.code != 0 || r.stdout != "rebound "+testVersion+"\n" || r.stderr != "" {
			t.Errorf("rebound %v: want exit 0 and %q on stdout\n%s", args, "rebound "+testVersion, r)
		}
	}
}

// ---------------------------------------------------------------------------
// Environment fallbacks

func TestEnvFallbackBadValues(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		env  string
		args []string
	}{
		{"REBOUND_SHUTDOWN_TIMEOUT=soon", []string{"serve"}},
		{"REBOUND_ECWID_WEBHOOK_MAX_AGE=forever", []string{"serve"}},
		{"REBOUND_DEMO=maybe", []string{"serve"}},
		{"REBOUND_BENCH_CLIENTS=many", []string{"bench", "orders"}},
		{"REBOUND_DEV_STORE_ID=shop", []string{"dev", "fake-ecwid"}},
	} {
		data := filepath.Join(t.TempDir(), "data")
		r := rebound(t, []string{c.env, "REBOUND_DATA_DIR=" + data}, c.args...)
		name, value, _ := strings.Cut(c.env, "=")
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "rebound "+strings.Join(c.args, " ")+": "+name+`: invalid value "`+value+`"`) {
			t.Errorf("%s rebound %v: want exit 2 and an error naming %s\n%s", c.env, c.args, name, r)
		}
		if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: a bad variable still touched the data directory (stat: %v)", c.env, err)
		}
	}
}

func TestEnvFallbackServe(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	srv := startServer(t, t.TempDir(), []string{"REBOUND_DATA_DIR=" + data, "REBOUND_ADDR=127.0.0.1:0", "REBOUND_DEMO=1",
		"REBOUND_SHUTDOWN_TIMEOUT=7s", "REBOUND_ALLOW_PRIVATE_WEBHOOK_TARGETS=yes", "REBOUND_PUBLIC_URL=https://returns.example.test"})
	srv.demo(t) // REBOUND_DEMO
	if !strings.Contains(srv.stderr.String(), "--allow-private-webhook-targets") {
		t.Errorf("REBOUND_ALLOW_PRIVATE_WEBHOOK_TARGETS=yes did not allow private targets\n%s", srv.output())
	}
	if code := srv.stop(t, 15*time.Second); code != 0 {
		t.Errorf("serve exited %d after SIGTERM, want 0", code)
	}
	if !strings.Contains(srv.stderr.String(), `"timeout":7000000000`) {
		t.Errorf("REBOUND_SHUTDOWN_TIMEOUT=7s was not the shutdown timeout\n%s", srv.output())
	}
}

func TestEnvFallbackCommandFlags(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	env := []string{"REBOUND_DATA_DIR=" + data, "REBOUND_NAME=From Env"}
	s := oneJSON(t, mustRebound(t, env, "store", "create").stdout)
	if s["name"] != "From Env" {
		t.Errorf("REBOUND_NAME: store create made %v", s)
	}
	if s := oneJSON(t, mustRebound(t, env, "store", "create", "--name", "From Flag").stdout); s["name"] != "From Flag" {
		t.Errorf("--name must win over REBOUND_NAME: %v", s)
	}
	k := oneJSON(t, mustRebound(t, append(env, "REBOUND_STORE="+str(t, s, "storeId"), "REBOUND_SCOPES=returns_read"), "key", "create").stdout)
	if sc, _ := k["scopes"].([]any); len(sc) != 1 || sc[0] != "returns_read" {
		t.Errorf("REBOUND_SCOPES: key create granted %v", k["scopes"])
	}
}

// ---------------------------------------------------------------------------
// One-shot commands log what they did, nothing of the job queue's

func TestOneShotCommandsQuiet(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	env := []string{"REBOUND_DATA_DIR=" + data}
	only := func(r result, msgs ...string) {
		t.Helper()
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
			var m struct{ Msg string }
			if line != "" && json.Unmarshal([]byte(line), &m) == nil {
				got = append(got, m.Msg)
			} else if line != "" {
				got = append(got, line)
			}
		}
		if strings.Join(got, "|") != strings.Join(msgs, "|") {
			t.Errorf("stderr logged %q, want only %q\n%s", got, msgs, r)
		}
	}
	only(mustRebound(t, env, "migrate"), "migrations applied") // a fresh database: River applies its migrations
	only(mustRebound(t, env, "migrate"), "migrations applied") // and then has none to apply
	s := oneJSON(t, mustRebound(t, env, "store", "create", "--name", "Quiet").stdout)
	id := str(t, s, "storeId")
	k := oneJSON(t, mustRebound(t, env, "key", "create", "--store", id).stdout)
	r := mustRebound(t, env, "store", "create", "--name", "Quiet 2")
	only(r, "store created")
	only(mustRebound(t, env, "key", "create", "--store", id, "--label", "x"), "api key created")
	only(mustRebound(t, env, "key", "revoke", str(t, k, "keyId")), "api key revoked")
	only(mustRebound(t, env, "key", "list", "--store", id))
	only(mustRebound(t, env, "store", "list"))
	// A fresh data dir: store create's first open applies every migration.
	only(mustRebound(t, []string{"REBOUND_DATA_DIR=" + t.TempDir()}, "store", "create", "--name", "Fresh"), "store created")

	// serve keeps the job queue's info lines.
	srv := startServer(t, t.TempDir(), []string{"REBOUND_DATA_DIR=" + t.TempDir()}, "--addr", "127.0.0.1:0")
	if !strings.Contains(srv.stderr.String(), "rivermigrate") {
		t.Errorf("serve no longer logs the job queue's migrations at info\n%s", srv.output())
	}
}

// ---------------------------------------------------------------------------
// key create --scopes

func TestUnknownScopeListsValidScopes(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	r := rebound(t, []string{"REBOUND_DATA_DIR=" + data}, "key", "create", "--store", "6b0306a60000000000000000", "--scopes", "orders_read,order_write")
	if r.code != 1 || r.stdout != "" || !strings.HasPrefix(r.stderr, "rebound: --scopes: unknown scope order_write; valid scopes: orders_read, orders_write, ") {
		t.Fatalf("want exit 1 and the unknown scope with the valid ones\n%s", r)
	}
	for _, sc := range returns.AllScopes {
		if !strings.Contains(r.stderr, string(sc)) {
			t.Errorf("the message lacks the valid scope %s\n%s", sc, r)
		}
	}
	if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an unknown scope still opened the database (stat: %v)", err)
	}
}

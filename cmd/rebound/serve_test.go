//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

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

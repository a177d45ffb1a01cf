package main

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func runIn(t *testing.T, in string, args ...string) (int, string, string) {
	t.Helper()
	stdin = strings.NewReader(in)
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestUserCreate: user create prints exactly {email, role, password} with a
// generated password, {email, role} with --password-stdin, and refuses a
// taken email, a bad role and a missing store.
func TestUserCreate(t *testing.T) {
	data := t.TempDir()
	code, out, errs := runIn(t, "", "store", "create", "--name", "Acme", "--data-dir", data)
	if code != 0 {
		t.Fatalf("store create: %d %s", code, errs)
	}
	var s map[string]string
	_ = json.Unmarshal([]byte(out), &s)
	code, out, errs = runIn(t, "", "user", "create", "--store", s["storeId"], "--email", "Owner@Example.com", "--data-dir", data)
	if code != 0 {
		t.Fatalf("user create: %d %s", code, errs)
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(out), &m); err != nil || strings.Count(out, "\n") != 1 {
		t.Fatalf("not one JSON object: %q", out)
	}
	keys := []string{}
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"email", "password", "role"}) || m["email"] != "owner@example.com" || m["role"] != "owner" || len(m["password"]) < 16 {
		t.Fatalf("printed %v", m)
	}
	if strings.Contains(errs, m["password"]) {
		t.Error("the password was logged")
	}
	code, out, _ = runIn(t, "a chosen password\n", "user", "create", "--store", s["storeId"], "--email", "w@example.com", "--role", "warehouse", "--password-stdin", "--data-dir", data)
	m = nil
	_ = json.Unmarshal([]byte(out), &m)
	if code != 0 || len(m) != 2 || m["role"] != "warehouse" {
		t.Fatalf("--password-stdin: %d %v", code, m)
	}
	for _, args := range [][]string{
		{"--store", s["storeId"], "--email", "owner@example.com"},
		{"--store", s["storeId"], "--email", "x@example.com", "--role", "admin"},
		{"--store", "000000000000000000000000", "--email", "y@example.com"},
		{"--email", "z@example.com"},
	} {
		if code, out, _ := runIn(t, "", append(append([]string{"user", "create"}, args...), "--data-dir", data)...); code == 0 || out != "" {
			t.Errorf("user create %v: exit %d, stdout %q", args, code, out)
		}
	}
}

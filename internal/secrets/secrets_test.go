package secrets_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/secrets"
)

func newBox(t *testing.T, b byte) *secrets.Box {
	t.Helper()
	box, err := secrets.New(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return box
}

func TestSealOpen(t *testing.T) {
	box := newBox(t, 1)
	s1, err := box.Seal([]byte("secret_token"))
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := box.Seal([]byte("secret_token"))
	if !strings.HasPrefix(s1, "v1:") || strings.Contains(s1, "secret_token") {
		t.Fatalf("sealed = %q", s1)
	}
	if s1 == s2 {
		t.Error("two seals of the same value are equal (nonce reused?)")
	}
	got, err := box.Open(s1)
	if err != nil || string(got) != "secret_token" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	empty, _ := box.Seal(nil)
	if got, err := box.Open(empty); err != nil || len(got) != 0 {
		t.Errorf("Open(empty) = %q, %v", got, err)
	}
}

func TestTamperAndWrongKey(t *testing.T) {
	box := newBox(t, 1)
	s, _ := box.Seal([]byte("secret_token"))
	raw, _ := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(s, "v1:"))
	for i := range raw {
		c := bytes.Clone(raw)
		c[i] ^= 0x01
		if _, err := box.Open("v1:" + base64.RawStdEncoding.EncodeToString(c)); !errors.Is(err, secrets.ErrOpen) {
			t.Fatalf("tampered byte %d: err = %v", i, err)
		}
	}
	for _, bad := range []string{"", "v1:", "v2:" + s[3:], s[3:], "v1:!!!", s[:len(s)-4]} {
		if _, err := box.Open(bad); !errors.Is(err, secrets.ErrOpen) {
			t.Errorf("Open(%q) err = %v", bad, err)
		}
	}
	if _, err := newBox(t, 2).Open(s); !errors.Is(err, secrets.ErrOpen) {
		t.Errorf("wrong key: err = %v", err)
	}
}

func TestNewKeySize(t *testing.T) {
	if _, err := secrets.New(make([]byte, 16)); err == nil {
		t.Error("16-byte key accepted")
	}
}

func TestLoadKeyFile(t *testing.T) {
	t.Setenv(secrets.EnvKey, "")
	dir := filepath.Join(t.TempDir(), "data")
	a, err := secrets.LoadKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, secrets.KeyFile)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", fi.Mode().Perm())
	}
	before, _ := os.ReadFile(path)
	s, _ := a.Seal([]byte("x"))
	b, err := secrets.LoadKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.Open(s); err != nil || string(got) != "x" {
		t.Errorf("reloaded key cannot open: %q, %v", got, err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("key file was rewritten")
	}

	if err := os.WriteFile(path, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := secrets.LoadKey(dir); err == nil {
		t.Error("malformed key file accepted")
	}
	if got, _ := os.ReadFile(path); string(got) != "short" {
		t.Error("malformed key file was overwritten")
	}
}

func TestLoadKeyEnv(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	t.Setenv(secrets.EnvKey, base64.StdEncoding.EncodeToString(key))
	dir := t.TempDir()
	box, err := secrets.LoadKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, secrets.KeyFile)); !os.IsNotExist(err) {
		t.Error("key file created although the env key is set")
	}
	s, _ := box.Seal([]byte("y"))
	if got, err := newBox(t, 7).Open(s); err != nil || string(got) != "y" {
		t.Errorf("env key not used: %q, %v", got, err)
	}
	if _, err := secrets.LoadKey(""); err != nil {
		t.Errorf("env key without data dir: %v", err)
	}

	for _, bad := range []string{"not base64!!", base64.StdEncoding.EncodeToString(make([]byte, 16))} {
		t.Setenv(secrets.EnvKey, bad)
		if _, err := secrets.LoadKey(dir); err == nil {
			t.Errorf("env key %q accepted", bad)
		}
	}
	t.Setenv(secrets.EnvKey, "")
	if _, err := secrets.LoadKey(""); err == nil {
		t.Error("no env key and no data dir accepted")
	}
}

func TestDerive(t *testing.T) {
	k := make([]byte, secrets.KeySize)
	a, _ := secrets.New(k)
	b, _ := secrets.New(k)
	k2 := make([]byte, secrets.KeySize)
	k2[0] = 1
	c, _ := secrets.New(k2)
	if string(a.Derive("x")) != string(b.Derive("x")) || len(a.Derive("x")) != 32 {
		t.Error("the same key and purpose must derive the same 32 bytes")
	}
	if string(a.Derive("x")) == string(a.Derive("y")) || string(a.Derive("x")) == string(c.Derive("x")) {
		t.Error("another purpose or key must derive another key")
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestRefundidConnectCLI(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := run([]string{"store", "create", "--data-dir", dir, "--name", "Acme"}, &out, &errb); code != 0 {
		t.Fatalf("store create: %d %s", code, errb.String())
	}
	var s map[string]any
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	id, _ := s["storeId"].(string)
	out.Reset()
	errb.Reset()
	code := run([]string{"refundid", "connect", "--data-dir", dir, "--store", id, "--shop", "acme.example",
		"--environment", "sandbox", "--public-url", "https://returns.example"}, &out, &errb)
	if code != 0 {
		t.Fatalf("refundid connect: %d %s", code, errb.String())
	}
	var c struct {
		BearerToken string            `json:"bearerToken"`
		Endpoints   map[string]string `json:"endpoints"`
	}
	if err := json.Unmarshal(out.Bytes(), &c); err != nil || !strings.HasPrefix(c.BearerToken, "rfd_") ||
		!strings.HasPrefix(c.Endpoints["order"], "https://returns.example/integrations/refundid/") {
		t.Fatalf("connect printed %s (%v)", out.String(), err)
	}
	// Without a merchant API key there is nothing to list.
	out.Reset()
	errb.Reset()
	if code := run([]string{"refundid", "returns", "--data-dir", dir, "--store", id}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "merchant API key") {
		t.Errorf("returns without a key: %d %q", code, errb.String())
	}
	if code := run([]string{"refundid", "connect", "--data-dir", dir, "--store", id}, &out, &errb); code != 2 {
		t.Errorf("connect without --shop: exit %d, want 2", code)
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/refundid"
	"github.com/reboundhq/rebound/internal/refundid/refundidtest"
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

// rebound refundid returns --all pages through Refundid's merchant API (the
// fake's, 20 a page) and prints each RMA once, with progress on stderr.
func TestRefundidReturnsAllCLI(t *testing.T) {
	fake := refundidtest.Start(refundidtest.Config{PageSize: 20})
	t.Cleanup(fake.Close)
	for range 45 {
		fake.AddRefund(refundid.RapiRefundidOrder{Status: refundid.StatusRefundid})
	}
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := run([]string{"store", "create", "--data-dir", dir, "--name", "Acme"}, &out, &errb); code != 0 {
		t.Fatalf("store create: %d %s", code, errb.String())
	}
	var s map[string]any
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	id, _ := s["storeId"].(string)
	out.Reset()
	errb.Reset()
	if code := run([]string{"refundid", "connect", "--data-dir", dir, "--store", id, "--shop", refundidtest.DefaultShop,
		"--merchant-api-key", refundidtest.DefaultAPIKey, "--api-url", fake.URL(), "--portal-url", fake.URL()}, &out, &errb); code != 0 {
		t.Fatalf("connect: %d %s", code, errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := run([]string{"refundid", "returns", "--data-dir", dir, "--store", id, "--all"}, &out, &errb); code != 0 {
		t.Fatalf("returns --all: %d %s", code, errb.String())
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r struct {
			RefundidID string `json:"refundid_id"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil || r.RefundidID == "" || seen[r.RefundidID] {
			t.Fatalf("line %q: %v (or a repeat)", line, err)
		}
		seen[r.RefundidID] = true
	}
	if len(seen) != 45 || !strings.Contains(errb.String(), "page 3: 5 returns (45 so far)") {
		t.Errorf("%d returns listed; stderr:\n%s", len(seen), errb.String())
	}
	// Without --all, the first page only.
	out.Reset()
	if code := run([]string{"refundid", "returns", "--data-dir", dir, "--store", id}, &out, &errb); code != 0 || strings.Count(out.String(), "\n") != 20 {
		t.Errorf("first page: exit %d, %d lines", code, strings.Count(out.String(), "\n"))
	}
}

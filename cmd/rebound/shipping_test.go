package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShippingCLI: a merchant without scripts sets a rate table, quotes,
// buys (idempotently), saves the label and reads the invoice.
func TestShippingCLI(t *testing.T) {
	dir := t.TempDir()
	rebound := func(args ...string) (string, string, int) {
		t.Helper()
		var out, errb bytes.Buffer
		code := run(append(args[:len(args):len(args)], "--data-dir", dir), &out, &errb)
		return out.String(), errb.String(), code
	}
	out, errs, code := rebound("store", "create", "--name", "Acme")
	if code != 0 {
		t.Fatalf("store create: %d %s", code, errs)
	}
	var s map[string]any
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	id := s["storeId"].(string)
	table := filepath.Join("..", "..", "internal", "shipping", "ratetable", "testdata", "example.json")
	if out, errs, code := rebound("shipping", "rate-table", "set", "--store", id, "--file", table); code != 0 || !strings.Contains(out, "Rebound Post") {
		t.Fatalf("rate-table set: %d %s %s", code, out, errs)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"currency":"USD"}`), 0o644)
	if _, errs, code := rebound("shipping", "rate-table", "set", "--store", id, "--file", bad); code != 1 || !strings.Contains(errs, "weightUnit") {
		t.Errorf("bad table: %d %s", code, errs)
	}
	from := "Jane Doe, 123 Main St, New York, NY, 10001, US"
	to := "Acme Returns, 1 Dock Rd, Newark, NJ, 07102, US"
	out, errs, code = rebound("shipping", "rates", "--store", id, "--from", from, "--to", to, "--weight", "24oz")
	if code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(out, `"price":"9.75"`) {
		t.Fatalf("rates: %d %s %s", code, out, errs)
	}
	if _, errs, code := rebound("shipping", "rates", "--store", id, "--from", from, "--to", to, "--weight", "-1lb"); code != 1 || !strings.Contains(errs, "weight") {
		t.Errorf("negative weight: %d %s", code, errs)
	}
	pdf := filepath.Join(t.TempDir(), "label.pdf")
	args := []string{"shipping", "buy", "--store", id, "--from", from, "--to", to, "--weight", "1.5lb", "--service", "ground", "--idempotency-key", "cli-1", "--out", pdf}
	out, errs, code = rebound(args...)
	if code != 0 {
		t.Fatalf("buy: %d %s", code, errs)
	}
	var p map[string]any
	json.Unmarshal([]byte(out), &p)
	again, _, _ := rebound(args...)
	var p2 map[string]any
	json.Unmarshal([]byte(again), &p2)
	if p["trackingNumber"] == nil || p2["trackingNumber"] != p["trackingNumber"] || p2["replayed"] != true {
		t.Errorf("retried buy: %s / %s", out, again)
	}
	if b, err := os.ReadFile(pdf); err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Errorf("label file: %v", err)
	}
	if out, errs, code := rebound("shipping", "label", "--store", id, "--shipment", p["id"].(string), "--out", pdf); code != 0 || !strings.Contains(out, pdf) {
		t.Errorf("label: %d %s", code, errs)
	}
	out, errs, code = rebound("invoices", "csv", "--store", id)
	if code != 0 {
		t.Fatalf("csv: %d %s", code, errs)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][10] != "9.75" || rows[1][4] != p["trackingNumber"] {
		t.Errorf("csv: %v %v", rows, err)
	}
	if out, _, code := rebound("invoices", "list", "--store", id); code != 0 || !strings.Contains(out, `"total":"9.75"`) || !strings.Contains(out, `"status":"pending"`) {
		t.Errorf("list: %s", out)
	}
	if _, _, code := rebound("shipping", "buy", "--store", id); code != 2 {
		t.Errorf("buy without flags: %d", code)
	}
}

package ecwidcli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/ecwid/ecwidtest"
)

func TestEcwidAll(t *testing.T) {
	clearEcwidEnv(t)
	srv := newEcwidFake(t, ecwidtest.WithoutSeedData())
	ids := srv.GenerateOrders(250)

	r := mustEcwid(t, srv, "orders", "--all")
	var offsets []string
	for _, req := range srv.Requests() {
		if req.Path == "/orders" {
			offsets = append(offsets, req.Query.Get("offset")+"/"+req.Query.Get("limit"))
		}
	}
	if !slices.Equal(offsets, []string{"/100", "100/100", "200/100"}) {
		t.Errorf("pages fetched (offset/limit) = %q, want 3 pages of 100", offsets)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 251 || !strings.HasPrefix(lines[0], "id ") || !strings.HasPrefix(lines[250], ids[249]+" ") {
		t.Errorf("table has %d lines (want a header and 250 rows); first %q, last %q", len(lines), lines[0], lines[len(lines)-1])
	}
	wantErr := "fetched 100 of 250\nfetched 200 of 250\nfetched 250 of 250\n250 of 250\n"
	if r.stderr != wantErr {
		t.Errorf("stderr = %q, want %q", r.stderr, wantErr)
	}

	// --json: one array of every item.
	srv.ResetRequests()
	r = mustEcwid(t, srv, "orders", "--all", "--json")
	var items []struct{ ID string }
	if err := json.Unmarshal([]byte(r.stdout), &items); err != nil {
		t.Fatalf("--all --json: %v", err)
	}
	got := make([]string, len(items))
	for i, it := range items {
		got[i] = it.ID
	}
	if !slices.Equal(got, ids) {
		t.Errorf("--all --json returned %d orders, want the 250 in order", len(got))
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("--all --json sent %d requests, want 3", n)
	}
	if !strings.HasSuffix(r.stderr, "fetched 250 of 250\n") {
		t.Errorf("stderr = %q", r.stderr)
	}

	// --limit is the page size and --offset the start; filters and
	// --fields apply to every page.
	srv.ResetRequests()
	r = mustEcwid(t, srv, "orders", "--all", "--limit", "50", "--offset", "20", "--payment-status", "PAID,AWAITING_PAYMENT", "--fields", "id")
	offsets = nil
	for _, req := range srv.Requests() {
		offsets = append(offsets, req.Query.Get("offset"))
		if req.Query.Get("paymentStatus") != "PAID,AWAITING_PAYMENT" || req.Query.Get("responseFields") != "total,count,offset,limit,items(id)" {
			t.Errorf("page request lost its filters: %s", req.RawQuery)
		}
	}
	if !slices.Equal(offsets, []string{"20", "70", "120", "170", "220"}) {
		t.Errorf("offsets = %q", offsets)
	}
	if lines := strings.Count(r.stdout, "\n"); lines != 231 {
		t.Errorf("table has %d lines, want 231", lines)
	}
	wantErr = "fetched 50 of 230\nfetched 100 of 230\nfetched 150 of 230\nfetched 200 of 230\nfetched 230 of 230\n230 of 250 (from offset 20)\n"
	if r.stderr != wantErr {
		t.Errorf("stderr = %q, want %q", r.stderr, wantErr)
	}

	// A store that fits one page: one request.
	small := newEcwidFake(t)
	r = mustEcwid(t, small, "orders", "--all")
	if n := len(small.Requests()); n != 1 || r.stderr != "fetched 5 of 5\n5 of 5\n" {
		t.Errorf("%d requests, stderr %q", n, r.stderr)
	}
	// Promotions have no paging; --all gives the array.
	r = mustEcwid(t, small, "promotions", "--all", "--json")
	var promos []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &promos); err != nil || len(promos) != 2 {
		t.Errorf("promotions --all --json: %v\n%s", err, r)
	}
}

func TestEcwidAllErrorMidway(t *testing.T) {
	clearEcwidEnv(t)
	srv := newEcwidFake(t, ecwidtest.WithoutSeedData())
	srv.GenerateOrders(150)
	// The first page goes through; the second is refused with a Retry-After
	// too long to wait for.
	srv.SetRateLimit(1, time.Hour, time.Hour)
	r := ecwidCLI(t, srv, "orders", "--all", "--json")
	if r.code != 1 || r.stdout != "" || r.stderr != "fetched 100 of 150\n"+
		"rebound ecwid: 429 RATE_LIMITED: Too many requests: the access token is temporarily blocked (retry after 1h0m0s)\n" {
		t.Errorf("an error during --all must print nothing on stdout and exit 1: %s", r)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestEcwidFields(t *testing.T) {
	clearEcwidEnv(t)
	srv := newEcwidFake(t)

	r := mustEcwid(t, srv, "orders", "--fields", "id,email,billingPerson.name,billingPerson.city", "--limit", "2")
	if got := lastRequest(t, srv, "/orders").Query.Get("responseFields"); got != "total,count,offset,limit,items(id,email,billingPerson(name,city))" {
		t.Errorf("responseFields = %q", got)
	}
	want := "id     email                    billingPerson.name  billingPerson.city\n" +
		"K8XTQ  jamie.ortiz@example.com  Jamie Ortiz         Seattle\n" +
		"EBJFT  priya.nair@example.org   Priya Nair          Austin\n"
	if r.stdout != want {
		t.Errorf("table:\n%s\nwant:\n%s", r.stdout, want)
	}
	if r.stderr != "2 of 5; more with --offset 2, or --all\n" {
		t.Errorf("footer = %q", r.stderr)
	}

	// Ecwid's own nested syntax passes through.
	mustEcwid(t, srv, "customers", "--fields", "id,billingPerson(name,phone)")
	if got := lastRequest(t, srv, "/customers").Query.Get("responseFields"); got != "total,count,offset,limit,allCustomerCount,items(id,billingPerson(name,phone))" {
		t.Errorf("responseFields = %q", got)
	}

	// Single gets: the selection is sent as is and restricts the lines.
	r = mustEcwid(t, srv, "orders", "get", "K8XTQ", "--fields", "id,total,shippingPerson.city")
	if got := lastRequest(t, srv, "/orders/K8XTQ").Query.Get("responseFields"); got != "id,total,shippingPerson(city)" {
		t.Errorf("responseFields = %q", got)
	}
	if r.stdout != "id                   K8XTQ\ntotal                63.5\nshippingPerson.city  Seattle\n" {
		t.Errorf("get --fields:\n%s", r)
	}

	// --json with --fields: the page as decoded.
	r = mustEcwid(t, srv, "products", "--fields", "id,sku", "--json", "--limit", "1")
	var page struct {
		Total int
		Items []map[string]any
	}
	if err := json.Unmarshal([]byte(r.stdout), &page); err != nil || page.Total != 6 || page.Items[0]["sku"] != "TS-ORG-BLU" {
		t.Errorf("--fields --json: %v\n%s", err, r)
	}
}

func TestParseFieldSel(t *testing.T) {
	for in, want := range map[string]string{
		"id":                                   "id",
		" id , name ":                          "id,name",
		"id,billingPerson.name,items(sku,qty)": "id,billingPerson(name),items(sku,qty)",
		"a.b.c,a.b.d,a.e":                      "a(b(c,d),e)",
		"billingPerson,billingPerson.name":     "billingPerson",
	} {
		s, err := parseFieldSel(in)
		if err != nil || s.ecwid != want {
			t.Errorf("parseFieldSel(%q) = %+v, %v; want %q", in, s, err, want)
		}
	}
	for _, in := range []string{"id,", "a..b", "items(sku", "items)", "a b", "(x)"} {
		if s, err := parseFieldSel(in); err == nil {
			t.Errorf("parseFieldSel(%q) = %+v, want an error", in, s)
		}
	}
}

package ecwidcli

// Tests of "rebound ecwid", run in-process through Run against an
// ecwidtest fake. Each fake gets a token of its own: the client paces
// requests per token process-wide (a burst of 10, then ~10/s), and tests must
// not wait on each other's budget.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/ecwid/ecwidtest"
)

var ecwidTokenSeq atomic.Int64

func newEcwidFake(t *testing.T, opts ...ecwidtest.Option) *ecwidtest.Server {
	t.Helper()
	tok := fmt.Sprintf("secret_clitest_%d_%d", time.Now().UnixNano(), ecwidTokenSeq.Add(1))
	srv := ecwidtest.NewServer(append([]ecwidtest.Option{ecwidtest.WithToken(tok)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

// clearEcwidEnv keeps the developer's REBOUND_ECWID_* and log settings out.
func clearEcwidEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{EnvStoreID, EnvToken, EnvAPIBaseURL, "REBOUND_LOG_LEVEL"} {
		t.Setenv(k, "")
	}
}

type ecwidResult struct {
	code           int
	stdout, stderr string
}

func (r ecwidResult) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s--- stderr:\n%s", r.code, r.stdout, r.stderr)
}

// ecwidRaw runs "rebound ecwid args..." as given.
func ecwidRaw(t *testing.T, args ...string) ecwidResult {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(context.Background(), args, &out, &errOut, testDeps(&errOut))
	return ecwidResult{code, out.String(), errOut.String()}
}

// ecwidCLI runs "rebound ecwid args..." with srv's credentials as flags.
func ecwidCLI(t *testing.T, srv *ecwidtest.Server, args ...string) ecwidResult {
	t.Helper()
	return ecwidRaw(t, append(args, "--ecwid-store-id", strconv.FormatInt(srv.StoreID, 10),
		"--token", srv.Token, "--api-base-url", srv.APIRoot())...)
}

func mustEcwid(t *testing.T, srv *ecwidtest.Server, args ...string) ecwidResult {
	t.Helper()
	r := ecwidCLI(t, srv, args...)
	if r.code != 0 {
		t.Fatalf("rebound ecwid %s: %s", strings.Join(args, " "), r)
	}
	return r
}

// lastRequest returns the last request to path.
func lastRequest(t *testing.T, srv *ecwidtest.Server, path string) ecwidtest.Request {
	t.Helper()
	reqs := srv.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Path == path {
			return reqs[i]
		}
	}
	t.Fatalf("no request to %s in %d requests", path, len(reqs))
	return ecwidtest.Request{}
}

func hasLine(out, pattern string) bool {
	return regexp.MustCompile(`(?m)^` + pattern + `$`).MatchString(out)
}

// ---------------------------------------------------------------------------

func TestEcwidTables(t *testing.T) {
	clearEcwidEnv(t)
	srv := newEcwidFake(t)
	cases := []struct {
		args   []string
		header string
		rows   []string // regexps of whole lines
		footer string
	}{
		{[]string{"products"}, `id\s+sku\s+name\s+price\s+quantity\s+inStock\s+enabled`,
			[]string{`12345601\s+TS-ORG-BLU\s+Organic Cotton Tee\s+28\s+42\s+true\s+true`,
				`12345605\s+SH-RUN-GRY\s+Trail Running Shoe\s+140\s+unlimited\s+true\s+false`}, "6 of 6"},
		{[]string{"orders"}, `id\s+created\s+email\s+total\s+paymentStatus\s+fulfillmentStatus`,
			[]string{`K8XTQ\s+2024-03-04T16:05:00Z\s+jamie\.ortiz@example\.com\s+63\.5\s+PAID\s+SHIPPED`}, "5 of 5"},
		{[]string{"customers"}, `id\s+email\s+name\s+registered`,
			[]string{`177737165\s+jamie\.ortiz@example\.com\s+Jamie Ortiz\s+2024-01-15 18:22:10 \+0000`}, "4 of 4"},
		{[]string{"categories", "--hidden-categories"}, `id\s+name\s+parent\s+enabled\s+productCount`,
			[]string{`9691095\s+T-shirts\s+9691094\s+true\s+2`, `9691097\s+Clearance\s+false\s+1`}, "4 of 4"},
		{[]string{"coupons"}, `id\s+code\s+discountType\s+discount\s+status`,
			[]string{`162428889\s+SPRING10\s+PERCENT\s+10\s+ACTIVE`}, "3 of 3"},
		{[]string{"promotions"}, `id\s+name\s+enabled`,
			[]string{`608503\s+Wholesale boots \$20 off\s+false`}, "2 of 2"},
		{[]string{"carts", "--show-hidden"}, `cartId\s+email\s+total\s+updated`,
			[]string{`6626E60A-A6F9-4CD5-8230-43D5F162E0CD\s+sam\.chen@example\.com\s+147\s+\S+Z`}, "2 of 2"},
		{[]string{"products", "--limit", "2", "--offset", "1"}, `id\s+sku.*`,
			[]string{`12345602\s+TS-LIN-WHT.*`, `12345603\s+JK-RAIN-GRN.*`},
			"2 of 6 (from offset 1); more with --offset 3, or --all"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			r := mustEcwid(t, srv, c.args...)
			lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
			if !hasLine(lines[0], c.header) {
				t.Errorf("header %q does not match %q", lines[0], c.header)
			}
			for _, row := range c.rows {
				if !hasLine(r.stdout, row) {
					t.Errorf("no row matching %q\n%s", row, r)
				}
			}
			if r.stderr != c.footer+"\n" {
				t.Errorf("stderr = %q, want the footer %q", r.stderr, c.footer)
			}
		})
	}
}

func TestEcwidProfile(t *testing.T) {
	clearEcwidEnv(t)
	srv := newEcwidFake(t)
	r := mustEcwid(t, srv, "profile")
	for _, l := range []string{`settings\.storeName\s+Fernhill Outfitters`, `formatsAndUnits\.currency\s+USD`,
		`account\.availableFeatures\s+API, ADVANCED_DISCOUNTS, CUSTOMER_GROUPS`,
		`languages\.defaultLanguage\s+en`} { // a section the client keeps in Extra
		if !hasLine(r.stdout, l) {
			t.Errorf("no line %q\n%s", l, r)
		}
	}
	r = mustEcwid(t, srv, "profile", "--json")
	var p map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatalf("--json: %v\n%s", err, r)
	}
	if p["settings"].(map[string]any)["storeName"] != "Fernhill Outfitters" || p["languages"] == nil {
		t.Errorf("profile JSON: %v", p)
	}
	r = mustEcwid(t, srv, "profile", "--fields", "settings.storeName")
	if got := lastRequest(t, srv, "/profile").Query.Get("responseFields"); got != "settings(storeName)" {
		t.Errorf("responseFields = %q", got)
	}
	if strings.TrimSpace(r.stdout) != "settings.storeName  Fernhill Outfitters" {
		t.Errorf("profile --fields:\n%s", r)
	}
}

func TestEcwidJSON(t *testing.T) {
	clearEcwidEnv(t)
	srv := newEcwidFake(t)
	ids, err := srv.Add(ecwidtest.Products, map[string]any{"sku": "RB-1", "name": "Ribboned", "price": 9.5,
		"enabled": true, "inStock": true, "unlimited": true, "ribbon": map[string]any{"text": "New"}})
	if err != nil {
		t.Fatal(err)
	}

	r := mustEcwid(t, srv, "products", "--json", "--sku", "RB-1")
	var page struct {
		Total, Count, Offset, Limit int
		Items                       []map[string]any
	}
	if err := json.Unmarshal([]byte(r.stdout), &page); err != nil {
		t.Fatalf("--json is not one JSON document: %v\n%s", err, r)
	}
	if page.Total != 1 || page.Count != 1 || page.Limit != 100 || len(page.Items) != 1 {
		t.Fatalf("page = %+v", page)
	}
	it := page.Items[0]
	if it["sku"] != "RB-1" || it["price"] != 9.5 || it["ribbon"] == nil {
		t.Errorf("item lost data (ribbon is kept in the client's Extra): %v", it)
	}
	if r.stderr != "" {
		t.Errorf("--json wrote to stderr: %q", r.stderr)
	}

	r = mustEcwid(t, srv, "products", "get", ids[0], "--json")
	var p map[string]any
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("get --json: %v\n%s", err, r)
	}
	if fmt.Sprint(p["id"]) != ids[0] || p["ribbon"].(map[string]any)["text"] != "New" {
		t.Errorf("get --json = %v", p)
	}

	// HTML in descriptions is not escaped.
	r = mustEcwid(t, srv, "products", "get", "12345601", "--json")
	if !strings.Contains(r.stdout, `"description": "<p>Soft organic cotton tee.</p>"`) {
		t.Errorf("description mangled:\n%s", r.stdout)
	}

	// Customers pages carry allCustomerCount.
	r = mustEcwid(t, srv, "customers", "--json", "--keyword", "jamie")
	var cp map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &cp); err != nil {
		t.Fatal(err)
	}
	if cp["total"] != 1.0 || cp["allCustomerCount"] != 4.0 {
		t.Errorf("customers page = %v", cp)
	}
}

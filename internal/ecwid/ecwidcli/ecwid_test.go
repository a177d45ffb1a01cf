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
	"net/url"
	"regexp"
	"slices"
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

// TestEcwidFilterFlags checks that every filter flag reaches Ecwid as its
// query parameter, and nothing else does.
func TestEcwidFilterFlags(t *testing.T) {
	clearEcwidEnv(t)
	unix := func(y int, m time.Month, d, h, min, s int) string {
		return strconv.FormatInt(time.Date(y, m, d, h, min, s, 0, time.UTC).Unix(), 10)
	}
	dayStart, dayEnd := unix(2024, 1, 2, 0, 0, 0), unix(2024, 1, 2, 23, 59, 59)
	rfc := unix(2024, 1, 2, 1, 4, 5) // 2024-01-02T03:04:05+02:00
	type q = map[string]string
	cases := []struct {
		path string
		args []string
		want q
	}{
		{"/products", []string{"products"}, q{}},
		{"/products", []string{"products", "--keyword", "tee*"}, q{"keyword": "tee*"}},
		{"/products", []string{"products", "--ids", "1,2", "--ids", "3"}, q{"productId": "1,2,3"}},
		{"/products", []string{"products", "--sku", "TS-ORG-BLU"}, q{"sku": "TS-ORG-BLU"}},
		{"/products", []string{"products", "--category", "0"}, q{"category": "0"}},
		{"/products", []string{"products", "--categories", "9691094, 9691095"}, q{"categories": "9691094,9691095"}},
		{"/products", []string{"products", "--category", "9691094", "--include-subcategories"}, q{"category": "9691094", "includeProductsFromSubcategories": "true"}},
		{"/products", []string{"products", "--price-from", "10", "--price-to", "99.5"}, q{"priceFrom": "10", "priceTo": "99.5"}},
		{"/products", []string{"products", "--created-from", "2024-01-02", "--created-to", "2024-01-02"}, q{"createdFrom": dayStart, "createdTo": dayEnd}},
		{"/products", []string{"products", "--updated-from", "2024-01-02T03:04:05+02:00", "--updated-to", "2024-01-02"}, q{"updatedFrom": rfc, "updatedTo": dayEnd}},
		{"/products", []string{"products", "--enabled"}, q{"enabled": "true"}},
		{"/products", []string{"products", "--enabled=false"}, q{"enabled": "false"}},
		{"/products", []string{"products", "--in-stock"}, q{"inStock": "true"}},
		{"/products", []string{"products", "--in-stock=false"}, q{"inStock": "false"}},
		{"/products", []string{"products", "--sort-by", "price_desc"}, q{"sortBy": "PRICE_DESC"}},

		{"/orders", []string{"orders"}, q{}},
		{"/orders", []string{"orders", "--ids", "K8XTQ,EBJFT"}, q{"ids": "K8XTQ,EBJFT"}},
		{"/orders", []string{"orders", "--keywords", "Pine Ave"}, q{"keywords": "Pine Ave"}},
		{"/orders", []string{"orders", "--email", "jamie.ortiz@example.com"}, q{"email": "jamie.ortiz@example.com"}},
		{"/orders", []string{"orders", "--customer-id", "177737165"}, q{"customerId": "177737165"}},
		{"/orders", []string{"orders", "--product-id", "12345601,12345604"}, q{"productId": "12345601,12345604"}},
		{"/orders", []string{"orders", "--total-from", "50", "--total-to", "200"}, q{"totalFrom": "50", "totalTo": "200"}},
		{"/orders", []string{"orders", "--created-from", "2024-01-02", "--created-to", "2024-01-02T03:04:05+02:00"}, q{"createdFrom": dayStart, "createdTo": rfc}},
		{"/orders", []string{"orders", "--updated-from", "2024-01-02", "--updated-to", "2024-01-02"}, q{"updatedFrom": dayStart, "updatedTo": dayEnd}},
		{"/orders", []string{"orders", "--payment-status", "paid,REFUNDED"}, q{"paymentStatus": "PAID,REFUNDED"}},
		{"/orders", []string{"orders", "--fulfillment-status", "SHIPPED", "--fulfillment-status", "delivered"}, q{"fulfillmentStatus": "SHIPPED,DELIVERED"}},
		{"/orders", []string{"orders", "--payment-method", "Credit card"}, q{"paymentMethod": "Credit card"}},
		{"/orders", []string{"orders", "--shipping-method", "UPS Ground"}, q{"shippingMethod": "UPS Ground"}},
		{"/orders", []string{"orders", "--coupon-code", "SPRING10"}, q{"couponCode": "SPRING10"}},

		{"/customers", []string{"customers"}, q{}},
		{"/customers", []string{"customers", "--keyword", "jamie"}, q{"keyword": "jamie"}},
		{"/customers", []string{"customers", "--name", "Ortiz"}, q{"name": "Ortiz"}},
		{"/customers", []string{"customers", "--email", "jamie.ortiz@example.com", "--exact-email"}, q{"email": "jamie.ortiz@example.com", "useExactEmailMatch": "true"}},
		{"/customers", []string{"customers", "--phone", "555"}, q{"phone": "555"}},
		{"/customers", []string{"customers", "--city", "Seattle"}, q{"city": "Seattle"}},
		{"/customers", []string{"customers", "--postal-code", "98101"}, q{"postalCode": "98101"}},
		{"/customers", []string{"customers", "--state", "WA"}, q{"stateOrProvinceCode": "WA"}},
		{"/customers", []string{"customers", "--country-codes", "us,de"}, q{"countryCodes": "US,DE"}},
		{"/customers", []string{"customers", "--company-name", "Acme"}, q{"companyName": "Acme"}},
		{"/customers", []string{"customers", "--accept-marketing=false"}, q{"acceptMarketing": "false"}},
		{"/customers", []string{"customers", "--customer-group-ids", "0,7"}, q{"customerGroupIds": "0,7"}},
		{"/customers", []string{"customers", "--min-order-count", "0", "--max-order-count", "5"}, q{"minOrderCount": "0", "maxOrderCount": "5"}},
		{"/customers", []string{"customers", "--min-sales-value", "10.5", "--max-sales-value", "1000"}, q{"minSalesValue": "10.5", "maxSalesValue": "1000"}},
		{"/customers", []string{"customers", "--created-from", "2024-01-02", "--created-to", "2024-01-02"}, q{"createdFrom": dayStart, "createdTo": dayEnd}},
		{"/customers", []string{"customers", "--updated-from", "2024-01-02", "--updated-to", "2024-01-02"}, q{"updatedFrom": dayStart, "updatedTo": dayEnd}},
		{"/customers", []string{"customers", "--sort-by", "SALES_VALUE_DESC"}, q{"sortBy": "SALES_VALUE_DESC"}},

		{"/categories", []string{"categories"}, q{}},
		{"/categories", []string{"categories", "--keyword", "boots"}, q{"keyword": "boots"}},
		{"/categories", []string{"categories", "--parent", "0"}, q{"parent": "0"}},
		{"/categories", []string{"categories", "--parent", "9691094", "--with-subcategories"}, q{"parent": "9691094", "withSubcategories": "true"}},
		{"/categories", []string{"categories", "--parent-ids", "9691094,9691096"}, q{"parentIds": "9691094,9691096"}},
		{"/categories", []string{"categories", "--hidden-categories"}, q{"hidden_categories": "true"}},
		{"/categories", []string{"categories", "--product-ids"}, q{"productIds": "true"}},

		{"/discount_coupons", []string{"coupons"}, q{}},
		{"/discount_coupons", []string{"coupons", "--code", "SPRING10"}, q{"code": "SPRING10"}},
		{"/discount_coupons", []string{"coupons", "--discount-type", "percent"}, q{"discount_type": "PERCENT"}},
		{"/discount_coupons", []string{"coupons", "--availability", "ACTIVE"}, q{"availability": "ACTIVE"}},
		{"/discount_coupons", []string{"coupons", "--created-from", "2024-01-02", "--created-to", "2024-01-02"}, q{"createdFrom": dayStart, "createdTo": dayEnd}},
		{"/discount_coupons", []string{"coupons", "--updated-from", "2024-01-02", "--updated-to", "2024-01-02"}, q{"updatedFrom": dayStart, "updatedTo": dayEnd}},

		{"/carts", []string{"carts"}, q{}},
		{"/carts", []string{"carts", "--show-hidden"}, q{"showHidden": "true"}},
		{"/carts", []string{"carts", "--show-hidden=false"}, q{"showHidden": "false"}},
		{"/carts", []string{"carts", "--total-from", "1", "--total-to", "2"}, q{"totalFrom": "1", "totalTo": "2"}},
		{"/carts", []string{"carts", "--created-from", "2024-01-02", "--created-to", "2024-01-02"}, q{"createdFrom": dayStart, "createdTo": dayEnd}},
		{"/carts", []string{"carts", "--updated-from", "2024-01-02", "--updated-to", "2024-01-02"}, q{"updatedFrom": dayStart, "updatedTo": dayEnd}},
		{"/carts", []string{"carts", "--email", "sam.chen@example.com"}, q{"email": "sam.chen@example.com"}},
		{"/carts", []string{"carts", "--customer-id", "177737168"}, q{"customerId": "177737168"}},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			srv := newEcwidFake(t)
			mustEcwid(t, srv, c.args...)
			got := lastRequest(t, srv, c.path).Query
			want := url.Values{"limit": {"100"}} // one page of the largest size
			for k, v := range c.want {
				want.Set(k, v)
			}
			if got.Encode() != want.Encode() {
				t.Errorf("query = %s\nwant    %s", got.Encode(), want.Encode())
			}
		})
	}

	// Promotions take no filters, profile none either: no query at all.
	srv := newEcwidFake(t)
	mustEcwid(t, srv, "promotions")
	mustEcwid(t, srv, "profile")
	for _, p := range []string{"/promotions", "/profile"} {
		if q := lastRequest(t, srv, p).RawQuery; q != "" {
			t.Errorf("%s query = %q, want none", p, q)
		}
	}
}

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

func TestEcwidGet(t *testing.T) {
	clearEcwidEnv(t)
	srv := newEcwidFake(t)
	cases := []struct {
		args  []string
		path  string
		lines []string
	}{
		{[]string{"products", "get", "12345601"}, "/products/12345601", []string{`id\s+12345601`, `sku\s+TS-ORG-BLU`, `categoryIds\s+9691094, 9691095`, `combinations\[1\]\.sku\s+TS-ORG-BLU-M`}},
		{[]string{"orders", "get", "K8XTQ"}, "/orders/K8XTQ", []string{`id\s+K8XTQ`, `total\s+63\.5`, `items\[0\]\.sku\s+TS-ORG-BLU-M`, `billingPerson\.city\s+Seattle`, `vendorOrderNumber\s+K8XTQ`}},
		{[]string{"customers", "get", "177737166"}, "/customers/177737166", []string{`id\s+177737166`, `email\s+priya\.nair@example\.org`}},
		{[]string{"categories", "get", "9691095"}, "/categories/9691095", []string{`id\s+9691095`, `name\s+T-shirts`, `parentId\s+9691094`}},
		{[]string{"coupons", "get", "162428889"}, "/discount_coupons/162428889", []string{`id\s+162428889`, `code\s+SPRING10`}},
		{[]string{"carts", "get", "6626E60A-A6F9-4CD5-8230-43D5F162E0CD"}, "/carts/6626E60A-A6F9-4CD5-8230-43D5F162E0CD", []string{`cartId\s+6626E60A-A6F9-4CD5-8230-43D5F162E0CD`, `email\s+sam\.chen@example\.com`}},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			r := mustEcwid(t, srv, c.args...)
			lastRequest(t, srv, c.path)
			for _, l := range c.lines {
				if !hasLine(r.stdout, l) {
					t.Errorf("no line %q\n%s", l, r)
				}
			}
			if r.stderr != "" {
				t.Errorf("stderr = %q", r.stderr)
			}
			r = mustEcwid(t, srv, append(c.args, "--json")...)
			var m map[string]any
			if err := json.Unmarshal([]byte(r.stdout), &m); err != nil || (m["id"] == nil && m["cartId"] == nil) {
				t.Errorf("--json: %v\n%s", err, r)
			}
		})
	}
}

func TestEcwidErrors(t *testing.T) {
	clearEcwidEnv(t)
	srv := newEcwidFake(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"orders", "get", "NOPE"}, "rebound ecwid: 404 ORDER_NOT_FOUND: Order #NOPE not found\n"},
		{[]string{"products", "get", "1"}, "rebound ecwid: 404 PRODUCT_NOT_FOUND: Product #1 not found\n"},
		{[]string{"customers", "get", "1"}, "rebound ecwid: 404: Customer #1 not found\n"},
		{[]string{"carts", "get", "00000000-0000-4000-8000-000000000000"}, "rebound ecwid: 404 CHECKOUT_NOT_FOUND: Abandoned cart 00000000-0000-4000-8000-000000000000 not found\n"},
		{[]string{"orders", "--payment-status", "PAYED"}, "rebound ecwid: 400 WRONG_PARAMETER: Wrong parameter 'paymentStatus' value 'PAYED': expected one of "},
	} {
		r := ecwidCLI(t, srv, c.args...)
		if r.code != 1 || r.stdout != "" || !strings.HasPrefix(r.stderr, c.want) {
			t.Errorf("%v: want exit 1 and %q\n%s", c.args, c.want, r)
		}
	}

	// 429 with a long Retry-After is not waited on (the client gives up
	// beyond a minute) and says when to come back.
	srv.InjectFault(1, ecwidtest.Fault{Path: "/profile", Status: 429, RetryAfter: "3600"})
	r := ecwidCLI(t, srv, "profile")
	if r.code != 1 || !strings.Contains(r.stderr, "rebound ecwid: 429 RATE_LIMITED: Too Many Requests (retry after 1h0m0s)") {
		t.Errorf("429: %s", r)
	}

	// A failure that is not an Ecwid error answer: a truncated body.
	srv.InjectFault(1, ecwidtest.Fault{Path: "/profile", Malformed: true})
	r = ecwidCLI(t, srv, "profile")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "rebound ecwid: GET /profile: malformed response: ") {
		t.Errorf("malformed answer: %s", r)
	}
}

func TestEcwidAuthFailures(t *testing.T) {
	clearEcwidEnv(t)
	t.Setenv("REBOUND_LOG_LEVEL", "debug") // debug logs must not leak the token either
	srv := newEcwidFake(t, ecwidtest.WithScopedToken("secret_catalog_only_4711", ecwidtest.ScopeReadCatalog))
	id := strconv.FormatInt(srv.StoreID, 10)
	noLeak := func(r ecwidResult, token string) {
		t.Helper()
		if strings.Contains(r.stdout+r.stderr, token) || strings.Contains(r.stdout+r.stderr, token[len("secret_"):]) {
			t.Errorf("the token appears in the output:\n%s", r)
		}
	}

	bad := "secret_not_a_real_token_0815"
	r := ecwidRaw(t, "orders", "--ecwid-store-id", id, "--token", bad, "--api-base-url", srv.APIRoot())
	if r.code != 1 || r.stdout != "" ||
		!strings.Contains(r.stderr, "rebound ecwid: 403 INVALID_API_TOKEN: Invalid API token\n") ||
		!strings.Contains(r.stderr, "rebound ecwid: hint: check the token (--token or REBOUND_ECWID_TOKEN): it must be a valid token of store 1003 with the read_orders scope") {
		t.Errorf("bad token: %s", r)
	}
	noLeak(r, bad)

	scoped := "secret_catalog_only_4711"
	r = ecwidRaw(t, "customers", "get", "177737165", "--ecwid-store-id", id, "--token", scoped, "--api-base-url", srv.APIRoot())
	if r.code != 1 ||
		!strings.Contains(r.stderr, "rebound ecwid: 403 INSUFFICIENT_APP_SCOPE: Access token doesn't have read_customers scope\n") ||
		!strings.Contains(r.stderr, "hint: the token lacks the read_customers scope needed to read customers") {
		t.Errorf("missing scope: %s", r)
	}
	noLeak(r, scoped)
	// A token where a value was expected is echoed by the flag parser;
	// it is masked all the same.
	for _, args := range [][]string{
		{"products", "--ecwid-store-id", "--token", "secret_4f9aZ81kQ0bb77x"},
		{"products", "--ecwid-store-id", id, "secret_4f9aZ81kQ0bb77x"},
	} {
		r = ecwidRaw(t, args...)
		if r.code != 2 || strings.Contains(r.stderr, "4f9aZ81kQ0bb77x") {
			t.Errorf("%v: want exit 2 and no token\n%s", args, r)
		}
	}
	// The same token reads the catalog.
	if r := ecwidRaw(t, "products", "--ecwid-store-id", id, "--token", scoped, "--api-base-url", srv.APIRoot()); r.code != 0 {
		t.Errorf("scoped token on its scope: %s", r)
	}

	srv.InjectFault(1, ecwidtest.Fault{Status: 401, Message: "Unauthorized: token " + srv.Token + " expired"})
	r = ecwidCLI(t, srv, "products", "--all")
	if r.code != 1 || !strings.Contains(r.stderr, "rebound ecwid: 401: Unauthorized: token [token redacted] expired\n") ||
		!strings.Contains(r.stderr, "hint: check the token") {
		t.Errorf("401: %s", r)
	}
	noLeak(r, srv.Token)
}

func TestEcwidCredentials(t *testing.T) {
	clearEcwidEnv(t)
	srv := newEcwidFake(t)
	id := strconv.FormatInt(srv.StoreID, 10)

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"products"}, "rebound ecwid products: missing Ecwid credentials: set --ecwid-store-id (or REBOUND_ECWID_STORE_ID) and --token (or REBOUND_ECWID_TOKEN)\n"},
		{[]string{"products", "--token", srv.Token}, "rebound ecwid products: missing Ecwid credentials: set --ecwid-store-id (or REBOUND_ECWID_STORE_ID)\n"},
		{[]string{"orders", "get", "K8XTQ", "--ecwid-store-id", id}, "rebound ecwid orders get: missing Ecwid credentials: set --token (or REBOUND_ECWID_TOKEN)\n"},
		{[]string{"profile", "--ecwid-store-id", "shop", "--token", srv.Token}, "rebound ecwid profile: the Ecwid store id must be a positive number, got \"shop\"\n"},
		{[]string{"profile", "--ecwid-store-id", id, "--token", srv.Token, "--api-base-url", "app.ecwid.com/api/v3"}, "rebound ecwid profile: the API base URL must be an http(s) URL"},
	} {
		r := ecwidRaw(t, c.args...)
		if r.code != 2 || r.stdout != "" || !strings.HasPrefix(r.stderr, c.want) || strings.Contains(r.stderr, srv.Token) {
			t.Errorf("%v: want exit 2 and %q\n%s", c.args, c.want, r)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests reached Ecwid without credentials", n)
	}

	// The environment supplies them; a flag wins over its variable.
	t.Setenv(EnvStoreID, id)
	t.Setenv(EnvToken, srv.Token)
	t.Setenv(EnvAPIBaseURL, srv.APIRoot())
	if r := ecwidRaw(t, "profile"); r.code != 0 || !hasLine(r.stdout, `settings\.storeName\s+Fernhill Outfitters`) {
		t.Errorf("credentials from the environment: %s", r)
	}
	t.Setenv(EnvToken, "secret_wrong")
	if r := ecwidRaw(t, "profile", "--token", srv.Token); r.code != 0 {
		t.Errorf("--token must win over %s: %s", EnvToken, r)
	}
	// A base URL with the {storeId} placeholder, as in Ecwid's docs.
	t.Setenv(EnvAPIBaseURL, srv.APIRoot()+"/{storeId}")
	if r := ecwidRaw(t, "profile", "--token", srv.Token); r.code != 0 {
		t.Errorf("base URL with {storeId}: %s", r)
	}
}

func TestEcwidUsageErrors(t *testing.T) {
	clearEcwidEnv(t)
	srv := newEcwidFake(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"products", "extra"}, `unexpected argument "extra"`},
		{[]string{"products", "--keyword", "organic", "cotton"}, `unexpected argument "cotton"`},
		{[]string{"orders", "get"}, "exactly one ORDER_ID is required"},
		{[]string{"orders", "get", "A", "B"}, "exactly one ORDER_ID is required"},
		{[]string{"orders", "get", ""}, "ORDER_ID is empty"},
		{[]string{"products", "get", "abc"}, `PRODUCT_ID must be a number, got "abc"`},
		{[]string{"coupons", "get", "SPRING10"}, `COUPON_ID must be a number`},
		{[]string{"profile", "get"}, `unexpected argument "get"`},
		{[]string{"promotions", "get", "608502"}, `unexpected argument "get"`},
		{[]string{"promotions", "--limit", "5"}, "flag provided but not defined: -limit"},
		{[]string{"profile", "--all"}, "flag provided but not defined: -all"},
		{[]string{"products", "--limit", "0"}, "--limit must be between 1 and 100, got 0"},
		{[]string{"products", "--limit", "101"}, "--limit must be between 1 and 100, got 101"},
		{[]string{"orders", "--offset", "-1"}, "--offset must not be negative"},
		{[]string{"orders", "--created-from", "yesterday"}, "want RFC 3339 (2024-05-01T09:30:00Z) or YYYY-MM-DD"},
		{[]string{"orders", "--created-to", "2024-13-01"}, "want RFC 3339"},
		{[]string{"products", "--price-from", "cheap"}, "not a number"},
		{[]string{"products", "--enabled=maybe"}, "want true or false"},
		{[]string{"products", "--ids", "1,x"}, "not a whole number"},
		{[]string{"customers", "--exact-email"}, "--exact-email needs --email"},
		{[]string{"orders", "--fields", "items(sku"}, "--fields: unbalanced parentheses"},
		{[]string{"orders", "--fields", "id,,email"}, "--fields: empty field name"},
		{[]string{"orders", "--bogus"}, "flag provided but not defined: -bogus"},
	} {
		r := ecwidCLI(t, srv, c.args...)
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: want exit 2 and %q\n%s", c.args, c.want, r)
		}
	}
	for _, args := range [][]string{nil, {"bogus"}, {"abandoned_carts"}} {
		r := ecwidRaw(t, args...)
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "Usage:\n  rebound ecwid RESOURCE") {
			t.Errorf("%v: want exit 2 and the usage\n%s", args, r)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests reached Ecwid after usage errors", n)
	}
}

func TestEcwidHelp(t *testing.T) {
	clearEcwidEnv(t)
	t.Setenv(EnvToken, "secret_from_env_must_not_show")
	check := func(args []string, want ...string) {
		t.Helper()
		r := ecwidRaw(t, args...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("%v: want exit 0 and the help on stdout\n%s", args, r)
		}
		for _, w := range want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("%v: help lacks %q\n%s", args, w, r)
			}
		}
		if strings.Contains(r.stdout, "secret_from_env") {
			t.Errorf("%v: help shows the token from the environment", args)
		}
	}
	for _, h := range []string{"--help", "-h", "help"} {
		check([]string{h}, "Usage:\n  rebound ecwid RESOURCE", "products", "carts", "REBOUND_ECWID_API_BASE_URL", "rebound ecwid connect")
	}
	resources := map[string][]string{
		"products":   {"-keyword", "-sku", "-category", "-enabled", "-in-stock", "-price-from", "-created-to", "-sort-by", "-all", "-limit", "-offset"},
		"orders":     {"-keywords", "-email", "-payment-status", "-fulfillment-status", "-created-from", "-ids", "-coupon-code"},
		"customers":  {"-keyword", "-email", "-name", "-exact-email", "-sort-by"},
		"categories": {"-parent", "-hidden-categories", "-with-subcategories"},
		"coupons":    {"-code", "-discount-type", "-availability"},
		"promotions": {"-all", "-fields", "-json"},
		"carts":      {"-show-hidden", "-created-from", "-created-to", "-email"},
		"profile":    {"-fields", "-json", "-ecwid-store-id", "-token", "-api-base-url"},
	}
	for name, flags := range resources {
		for _, h := range []string{"--help", "-h"} {
			check([]string{name, h}, append([]string{"Usage: rebound ecwid " + name}, flags...)...)
			if ecwidResources[name]().idName != "" {
				check([]string{name, "get", h}, "Usage: rebound ecwid "+name+" get ", "-fields", "-json", "-token")
			}
		}
	}
	check([]string{"connect", "--help"}, "Usage: rebound ecwid connect", "-store", "-ecwid-store-id", "-customer-group", "-client-id", "-api-base-url", "-public-url")
}

func TestEcwidProgressTerminal(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf, tty: true}
	p.update(100, 1000)
	p.update(1000, 1000)
	p.done()
	want := "\rfetched 100 of 1000\rfetched 1000 of 1000\r                    \r"
	if buf.String() != want {
		t.Errorf("terminal progress = %q, want %q", buf.String(), want)
	}
}

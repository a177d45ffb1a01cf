package ecwidcli

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/ecwid/ecwidtest"
)

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

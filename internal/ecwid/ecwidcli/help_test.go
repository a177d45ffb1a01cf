package ecwidcli

import (
	"bytes"
	"strings"
	"testing"
)

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

package refundid

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestOrderLink(t *testing.T) {
	link, err := Production().OrderLink(OrderLink{
		Shop: "rebound-demo", OrderNumber: "order_123456", Email: "jane.doe@example.com",
		MerchantOrderRef: "order_123456", Redirect: "https://shop.example/returns?done=1",
	})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "https" || u.Host != "portal.refundid.com" || u.Path != "/query-order" {
		t.Errorf("link %s: want https://portal.refundid.com/query-order", link)
	}
	q := u.Query()
	want := map[string]string{
		"shop": "rebound-demo", "order_number": "order_123456", "email": "jane.doe@example.com",
		"merchant_order_ref": "order_123456", "redirect": "https://shop.example/returns?done=1",
	}
	if len(q) != len(want) {
		t.Errorf("query %v, want exactly %v", q, want)
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if got := ParamsFrom(q).Missing(); got != nil {
		t.Errorf("link is not complete: missing %v", got)
	}
}

func TestOrderLinkErrors(t *testing.T) {
	ok := OrderLink{Shop: "s", OrderNumber: "1001", Email: "a@b.co"}
	tests := []struct {
		name  string
		edit  func(*OrderLink)
		param string
		kind  error
	}{
		{"no shop", func(l *OrderLink) { l.Shop = "" }, ParamShop, ErrParamMissing},
		{"no order number", func(l *OrderLink) { l.OrderNumber = "" }, ParamOrderNumber, ErrParamMissing},
		{"no email", func(l *OrderLink) { l.Email = "" }, ParamEmail, ErrParamMissing},
		{"spaced order number", func(l *OrderLink) { l.OrderNumber = "# 1001" }, ParamOrderNumber, ErrParamSpace},
		{"bad email", func(l *OrderLink) { l.Email = "a@b" }, ParamEmail, ErrParamEmail},
		{"long merchant ref", func(l *OrderLink) { l.MerchantOrderRef = strings.Repeat("x", 256) }, ParamMerchantOrderRef, ErrParamTooLong},
		{"non-ASCII key", func(l *OrderLink) { l.Key = "ключ" }, ParamKey, ErrParamNonASCII},
		{"relative redirect", func(l *OrderLink) { l.Redirect = "done" }, ParamRedirect, ErrParamURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := ok
			tt.edit(&l)
			_, err := Production().OrderLink(l)
			var pe *ParamError
			if !errors.As(err, &pe) || pe.Param != tt.param || !errors.Is(err, tt.kind) {
				t.Fatalf("OrderLink = %v, want a %v error naming %s", err, tt.kind, tt.param)
			}
		})
	}
	if _, err := Sandbox().OrderLink(ok); !errors.Is(err, ErrNoPortalURL) {
		t.Errorf("sandbox OrderLink = %v, want ErrNoPortalURL (its portal is unknown)", err)
	}
	env := Environment{PortalURL: "portal.example"}
	if _, err := env.OrderLink(ok); err == nil {
		t.Errorf("a portal URL without a scheme was accepted")
	}
}

func TestRMALink(t *testing.T) {
	env := Environment{Name: "test", PortalURL: "http://127.0.0.1:9/prefix/"}
	link, key, err := env.RMALink("s", "rma-1", "")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(link)
	if u.Path != "/prefix/query-order" {
		t.Errorf("path %q, want the portal's path joined with /query-order", u.Path)
	}
	q := u.Query()
	if q.Get("shop") != "s" || q.Get("merchant_rma_ref") != "rma-1" || q.Get("key") != key || len(q) != 3 {
		t.Errorf("query %v, want shop, merchant_rma_ref and key=%s only", q, key)
	}
	if err := CheckParam(ParamKey, key); err != nil {
		t.Errorf("the fresh key breaks Refundid's rules: %v", err)
	}
	_, key2, err := env.RMALink("s", "rma-1", "")
	if err != nil || key2 == key {
		t.Errorf("a second link reused the key (%v)", err)
	}
	if _, _, err := env.RMALink("s", "", ""); !errors.Is(err, ErrParamMissing) {
		t.Errorf("RMALink with no RMA = %v, want ErrParamMissing", err)
	}
}

func TestNewPrivacyKey(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		k, err := NewPrivacyKey()
		if err != nil {
			t.Fatal(err)
		}
		if len(k) != 43 || seen[k] {
			t.Fatalf("key %q: want 43 characters, never repeated", k)
		}
		if err := CheckParam(ParamKey, k); err != nil {
			t.Fatal(err)
		}
		seen[k] = true
	}
}

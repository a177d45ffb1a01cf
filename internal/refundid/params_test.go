package refundid

import (
	"errors"
	"strings"
	"testing"
)

// TestCheckParamRules has one case per rule, each breaking that rule only.
func TestCheckParamRules(t *testing.T) {
	tests := []struct {
		rule  string
		param string
		value string
		kind  error // nil: accepted
	}{
		{"an empty value is missing", ParamShop, "", ErrParamMissing},
		{"ids may be 255 characters", ParamOrderNumber, strings.Repeat("a", 255), nil},
		{"ids may not be 256 characters", ParamOrderNumber, strings.Repeat("a", 256), ErrParamTooLong},
		{"ids may not contain a space", ParamMerchantOrderRef, "ord 1", ErrParamSpace},
		{"a tab is a space", ParamShop, "a\tb", ErrParamSpace},
		{"ids are ASCII only", ParamMerchantRMARef, "rma-ü", ErrParamNonASCII},
		{"ids hold no control characters (Rebound)", ParamKey, "k\x00y", ErrParamControl},
		{"ids may hold any printable ASCII", ParamKey, "a-Z_0.9~!@#$%^&*()+={}[]|:;'<>,?/\"\\`", nil},
		{"an email may be 320 characters", ParamEmail, emailOfLen(320), nil},
		{"an email may not be 321 characters", ParamEmail, emailOfLen(321), ErrParamTooLong},
		{"an email must be an address", ParamEmail, "jane.doe.example.com", ErrParamEmail},
		{"an email has a dotted domain", ParamEmail, "jane@localhost", ErrParamEmail},
		{"an email has no display name", ParamEmail, "Jane <jane@example.com>", ErrParamSpace},
		{"an email has no angle brackets", ParamEmail, "<jane@example.com>", ErrParamEmail},
		{"an email may be non-ASCII", ParamEmail, "jürgen@exämple.de", nil},
		{"a redirect is an absolute http(s) URL (Rebound)", ParamRedirect, "/returns/done", ErrParamURL},
		{"a redirect has no user info (Rebound)", ParamRedirect, "https://u:p@shop.example/done", ErrParamURL},
		{"a redirect is at most 2048 bytes (Rebound)", ParamRedirect, "https://shop.example/" + strings.Repeat("a", 2048), ErrParamTooLong},
		{"a redirect may carry a query", ParamRedirect, "https://shop.example/done?x=1&y=a%20b", nil},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			err := CheckParam(tt.param, tt.value)
			if tt.kind == nil {
				if err != nil {
					t.Fatalf("CheckParam(%s, %q) = %v, want nil", tt.param, tt.value, err)
				}
				return
			}
			var pe *ParamError
			if !errors.As(err, &pe) || !errors.Is(err, tt.kind) {
				t.Fatalf("CheckParam(%s, %q) = %v, want a *ParamError of kind %v", tt.param, tt.value, err, tt.kind)
			}
			if pe.Param != tt.param || !strings.Contains(err.Error(), tt.param) {
				t.Errorf("error %q names %q, want %q", err, pe.Param, tt.param)
			}
		})
	}
}

// emailOfLen returns a valid address of n characters.
func emailOfLen(n int) string {
	return strings.Repeat("a", n-len("@example.com")) + "@example.com"
}

func TestParamsCheckOrderAndMissing(t *testing.T) {
	p := Params{Shop: "shop 1", Email: "bad", Key: "é"}
	var pe *ParamError
	if err := p.Check(); !errors.As(err, &pe) || pe.Param != ParamShop {
		t.Fatalf("Check = %v, want the shop error first", err)
	}
	p.Shop = "shop1"
	if err := p.Check(); !errors.As(err, &pe) || pe.Param != ParamEmail {
		t.Fatalf("Check = %v, want the email error", err)
	}
	if err := (Params{}).Check(); err != nil {
		t.Fatalf("absent parameters are not checked, got %v", err)
	}

	tests := []struct {
		p    Params
		want string
	}{
		{Params{}, "shop,order_number,email"},
		{Params{Shop: "s"}, "order_number,email"},
		{Params{Shop: "s", OrderNumber: "1"}, "email"},
		{Params{Shop: "s", OrderNumber: "1", Email: "a@b.co"}, ""},
		{Params{Shop: "s", MerchantRMARef: "r"}, ""},
		{Params{MerchantRMARef: "r"}, "shop"},
	}
	for _, tt := range tests {
		if got := strings.Join(tt.p.Missing(), ","); got != tt.want {
			t.Errorf("%+v.Missing() = %q, want %q", tt.p, got, tt.want)
		}
	}
}

func TestParamsValuesRoundTrip(t *testing.T) {
	p := Params{Shop: "s", OrderNumber: "1001", Email: "a@b.co", MerchantOrderRef: "o-1", MerchantRMARef: "r-1", Key: "k", Redirect: "https://x.example/?a=b"}
	if got := ParamsFrom(p.Values()); got != p {
		t.Fatalf("ParamsFrom(Values()) = %+v, want %+v", got, p)
	}
	if v := (Params{Shop: "s"}).Values(); len(v) != 1 {
		t.Fatalf("absent parameters are left out, got %v", v)
	}
}

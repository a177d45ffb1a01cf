package money

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"testing"
)

func TestScale(t *testing.T) {
	tests := []struct {
		code  string
		scale int
	}{
		{"USD", 2}, {"EUR", 2}, {"GBP", 2}, {"CHF", 2},
		// zero-decimal currencies
		{"JPY", 0}, {"KRW", 0}, {"CLP", 0}, {"ISK", 0}, {"UYI", 0}, {"VND", 0}, {"XOF", 0}, {"XAF", 0}, {"XPF", 0}, {"UGX", 0},
		// three-decimal currencies
		{"KWD", 3}, {"BHD", 3}, {"JOD", 3}, {"TND", 3}, {"OMR", 3}, {"LYD", 3},
		{"CLF", 4},
		// CLDR would say 0 (cash rounding for HUF/TWD): ISO 4217 wins
		{"HUF", 2}, {"TWD", 2}, {"IDR", 2}, {"COP", 2}, {"PKR", 2}, {"IQD", 3},
		// codes missing from x/text's tables
		{"MRU", 2}, {"VES", 2}, {"SLE", 2}, {"ZWG", 2}, {"XCG", 2}, {"UYW", 4},
		// historic codes are still ISO 4217 codes
		{"HRK", 2}, {"DEM", 2},
	}
	for _, tt := range tests {
		got, err := Scale(tt.code)
		if err != nil || got != tt.scale {
			t.Errorf("Scale(%q) = %d, %v; want %d", tt.code, got, err, tt.scale)
		}
	}
}

func TestScaleErrors(t *testing.T) {
	tests := []struct {
		code, want string
	}{
		{"", `currency "" must be three uppercase letters (ISO 4217, e.g. "USD")`},
		{"usd", `currency "usd" must be three uppercase letters (ISO 4217, e.g. "USD")`},
		{"Usd", `currency "Usd" must be three uppercase letters (ISO 4217, e.g. "USD")`},
		{"US", `currency "US" must be three uppercase letters (ISO 4217, e.g. "USD")`},
		{"USDX", `currency "USDX" must be three uppercase letters (ISO 4217, e.g. "USD")`},
		{"US1", `currency "US1" must be three uppercase letters (ISO 4217, e.g. "USD")`},
		{" USD", `currency " USD" must be three uppercase letters (ISO 4217, e.g. "USD")`},
		{"ABC", `currency "ABC" is not a known ISO 4217 currency code`},
		{"QQQ", `currency "QQQ" is not a known ISO 4217 currency code`},
		{"CNH", `currency "CNH" is not a known ISO 4217 currency code`},
		{"XAU", `currency "XAU" has no minor unit in ISO 4217 and cannot be used for amounts`},
		{"XXX", `currency "XXX" has no minor unit in ISO 4217 and cannot be used for amounts`},
		{"XTS", `currency "XTS" has no minor unit in ISO 4217 and cannot be used for amounts`},
		{"XDR", `currency "XDR" has no minor unit in ISO 4217 and cannot be used for amounts`},
	}
	for _, tt := range tests {
		_, err := Scale(tt.code)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Scale(%q) error = %v; want %s", tt.code, err, tt.want)
		}
		if !errors.Is(err, ErrCurrency) {
			t.Errorf("Scale(%q) error does not wrap ErrCurrency", tt.code)
		}
	}
}

func TestParseAmount(t *testing.T) {
	tests := []struct {
		s, code string
		want    int64
	}{
		{"29.99", "USD", 2999},
		{"0.5", "USD", 50},
		{"0.50", "USD", 50},
		{"100", "USD", 10000},
		{"-3.10", "USD", -310},
		{"0", "USD", 0},
		{"-0", "USD", 0},
		{"-0.00", "USD", 0},
		{"29.990", "USD", 2999},
		{"29.99000000000000000000000000", "USD", 2999},
		{"1000", "JPY", 1000},
		{"1000.0", "JPY", 1000},
		{"1.5", "KWD", 1500},
		{"1.234", "KWD", 1234},
		{"0.0001", "CLF", 1},
		{"92233720368547758.07", "USD", math.MaxInt64},
		{"-92233720368547758.08", "USD", math.MinInt64},
		{"9223372036854775807", "JPY", math.MaxInt64},
		{"-9223372036854775808", "JPY", math.MinInt64},
		{"1234567.89", "USD", 123456789},
	}
	for _, tt := range tests {
		got, err := ParseAmount(tt.s, tt.code)
		if err != nil || got != tt.want {
			t.Errorf("ParseAmount(%q, %s) = %d, %v; want %d", tt.s, tt.code, got, err, tt.want)
		}
	}
}

func TestParseAmountErrors(t *testing.T) {
	tests := []struct {
		s, code string
		kind    error
		want    string
	}{
		{"", "USD", ErrSyntax, `amount "" is empty`},
		{" 1.00", "USD", ErrSyntax, `amount " 1.00" must not contain spaces`},
		{"1.00 ", "USD", ErrSyntax, `amount "1.00 " must not contain spaces`},
		{"1 000", "USD", ErrSyntax, `amount "1 000" must not contain spaces`},
		{"+1", "USD", ErrSyntax, `amount "+1" must not start with '+'`},
		{"1e3", "USD", ErrSyntax, `amount "1e3" must not use exponent notation`},
		{"1E3", "USD", ErrSyntax, `amount "1E3" must not use exponent notation`},
		{"1.", "USD", ErrSyntax, `amount "1." needs a digit after the decimal point`},
		{".5", "USD", ErrSyntax, `amount ".5" needs a digit before the decimal point`},
		{"-.5", "USD", ErrSyntax, `amount "-.5" needs a digit before the decimal point`},
		{"01", "USD", ErrSyntax, `amount "01" must not have leading zeros`},
		{"-00.5", "USD", ErrSyntax, `amount "-00.5" must not have leading zeros`},
		{"-", "USD", ErrSyntax, `amount "-" is not a decimal number (expected digits with an optional '-' and '.', e.g. "29.99")`},
		{"--1", "USD", ErrSyntax, `amount "--1" is not a decimal number (expected digits with an optional '-' and '.', e.g. "29.99")`},
		{"1,000", "USD", ErrSyntax, `amount "1,000" is not a decimal number (expected digits with an optional '-' and '.', e.g. "29.99")`},
		{"1.2.3", "USD", ErrSyntax, `amount "1.2.3" is not a decimal number (expected digits with an optional '-' and '.', e.g. "29.99")`},
		{"$5", "USD", ErrSyntax, `amount "$5" is not a decimal number (expected digits with an optional '-' and '.', e.g. "29.99")`},
		{"NaN", "USD", ErrSyntax, `amount "NaN" is not a decimal number (expected digits with an optional '-' and '.', e.g. "29.99")`},
		{"0x10", "USD", ErrSyntax, `amount "0x10" is not a decimal number (expected digits with an optional '-' and '.', e.g. "29.99")`},
		{"29.999", "USD", ErrPrecision, `amount "29.999" has more decimal places than USD allows (2)`},
		{"29.9901", "USD", ErrPrecision, `amount "29.9901" has more decimal places than USD allows (2)`},
		{"1.5", "JPY", ErrPrecision, `amount "1.5" has more decimal places than JPY allows (0)`},
		{"1.2345", "KWD", ErrPrecision, `amount "1.2345" has more decimal places than KWD allows (3)`},
		{"92233720368547758.08", "USD", ErrRange, `amount "92233720368547758.08" is too large (the maximum is 92233720368547758.07 USD)`},
		{"-92233720368547758.09", "USD", ErrRange, `amount "-92233720368547758.09" is too small (the minimum is -92233720368547758.08 USD)`},
		{"99999999999999999999999999", "JPY", ErrRange, `amount "99999999999999999999999999" is too large (the maximum is 9223372036854775807 JPY)`},
		{"1.00", "usd", ErrCurrency, `currency "usd" must be three uppercase letters (ISO 4217, e.g. "USD")`},
		{"1.00", "ABC", ErrCurrency, `currency "ABC" is not a known ISO 4217 currency code`},
	}
	for _, tt := range tests {
		_, err := ParseAmount(tt.s, tt.code)
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseAmount(%q, %s) error = %v; want %s", tt.s, tt.code, err, tt.want)
			continue
		}
		if !errors.Is(err, tt.kind) {
			t.Errorf("ParseAmount(%q, %s) error is not %v", tt.s, tt.code, tt.kind)
		}
	}
}

func TestAmountErrorFields(t *testing.T) {
	_, err := ParseAmount("29.999", "USD")
	var ae *AmountError
	if !errors.As(err, &ae) {
		t.Fatalf("got %T, want *AmountError", err)
	}
	if ae.Reason != "has more decimal places than USD allows (2)" || ae.Currency != "USD" || ae.Scale != 2 || ae.Input != "29.999" {
		t.Errorf("unexpected fields %+v", ae)
	}
	long := "1" + string(make([]byte, 100))
	_, err = ParseAmount(long, "USD")
	if !errors.As(err, &ae) || len(ae.Input) > 43 {
		t.Errorf("long input not clipped: %v", err)
	}
}

func TestParseNumber(t *testing.T) {
	tests := []struct {
		n    string
		code string
		want int64
		err  string
	}{
		{"65.97", "USD", 6597, ""},
		{"65.970", "USD", 6597, ""},
		{"6.597e1", "USD", 6597, ""},
		{"6597E-2", "USD", 6597, ""},
		{"6597e-2", "USD", 6597, ""},
		{"1e2", "USD", 10000, ""},
		{"1E+2", "USD", 10000, ""},
		{"0e999999999999", "USD", 0, ""},
		{"0.0e-999999999999", "USD", 0, ""},
		{"1e-2", "USD", 1, ""},
		{"10e-3", "USD", 1, ""},
		{"1e-3", "KWD", 1, ""},
		{"-2.5", "USD", -250, ""},
		{"100", "JPY", 100, ""},
		{"1e18", "JPY", 1e18, ""},
		{"9.223372036854775807e18", "JPY", math.MaxInt64, ""},
		{"1e-3", "USD", 0, `amount "1e-3" has more decimal places than USD allows (2)`},
		{"65.975", "USD", 0, `amount "65.975" has more decimal places than USD allows (2)`},
		{"1e-999999999999", "USD", 0, `amount "1e-999999999999" has more decimal places than USD allows (2)`},
		{"1e19", "JPY", 0, `amount "1e19" is too large (the maximum is 9223372036854775807 JPY)`},
		{"1e999999999999", "USD", 0, `amount "1e999999999999" is too large (the maximum is 92233720368547758.07 USD)`},
		{"-1e999999999999", "USD", 0, `amount "-1e999999999999" is too small (the minimum is -92233720368547758.08 USD)`},
		{"1e", "USD", 0, `amount "1e" has a malformed exponent`},
		{"1e+", "USD", 0, `amount "1e+" has a malformed exponent`},
		{"1e2.5", "USD", 0, `amount "1e2.5" has a malformed exponent`},
		{"+1", "USD", 0, `amount "+1" must not start with '+'`},
		{"", "USD", 0, `amount "" is empty`},
	}
	for _, tt := range tests {
		got, err := ParseNumber(json.Number(tt.n), tt.code)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseNumber(%s, %s) = %d, %v; want error %s", tt.n, tt.code, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseNumber(%s, %s) = %d, %v; want %d", tt.n, tt.code, got, err, tt.want)
		}
	}
}

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		s     string
		scale int
		exp   bool
		want  int64
		err   string
	}{
		{"3", 0, true, 3, ""},
		{"3.0", 0, true, 3, ""},
		{"3e0", 0, true, 3, ""},
		{"30e-1", 0, true, 3, ""},
		{"3.5", 0, true, 0, `amount "3.5" must be a whole number`},
		{"0.0825", 4, false, 825, ""},
		{"0.08251", 4, false, 0, `amount "0.08251" has more than 4 decimal places`},
		{"1e3", 0, false, 0, `amount "1e3" must not use exponent notation`},
	}
	for _, tt := range tests {
		got, err := ParseDecimal(tt.s, tt.scale, tt.exp)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseDecimal(%q, %d, %v) = %d, %v; want error %s", tt.s, tt.scale, tt.exp, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseDecimal(%q, %d, %v) = %d, %v; want %d", tt.s, tt.scale, tt.exp, got, err, tt.want)
		}
	}
	if _, err := ParseDecimal("1", 19, false); err == nil {
		t.Error("ParseDecimal accepted scale 19")
	}
}

func TestCheckDecimal(t *testing.T) {
	for _, s := range []string{"0.0825", "7", "-1.5", "123456789012345678901234567890.123456789"} {
		if err := CheckDecimal(s); err != nil {
			t.Errorf("CheckDecimal(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"", "1.", ".5", "8%", "1e3", " 1"} {
		if err := CheckDecimal(s); !errors.Is(err, ErrSyntax) {
			t.Errorf("CheckDecimal(%q) = %v; want ErrSyntax", s, err)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		minor int64
		code  string
		want  string
	}{
		{2999, "USD", "29.99"},
		{5, "USD", "0.05"},
		{-5, "USD", "-0.05"},
		{-310, "USD", "-3.10"},
		{0, "USD", "0.00"},
		{1000, "JPY", "1000"},
		{-1000, "JPY", "-1000"},
		{1500, "KWD", "1.500"},
		{1, "CLF", "0.0001"},
		{math.MaxInt64, "USD", "92233720368547758.07"},
		{math.MinInt64, "USD", "-92233720368547758.08"},
		{math.MinInt64, "JPY", "-9223372036854775808"},
		{1234, "???", "12.34"}, // unknown code: scale 2
	}
	for _, tt := range tests {
		if got := Format(tt.minor, tt.code); got != tt.want {
			t.Errorf("Format(%d, %s) = %q; want %q", tt.minor, tt.code, got, tt.want)
		}
	}
	if got := FormatScale(math.MinInt64, 18); got != "-9.223372036854775808" {
		t.Errorf("FormatScale(MinInt64, 18) = %q", got)
	}
	if got := FormatScale(7, 18); got != "0.000000000000000007" {
		t.Errorf("FormatScale(7, 18) = %q", got)
	}
}

func TestParseAmountAllocs(t *testing.T) {
	n := testing.AllocsPerRun(100, func() {
		if _, err := ParseAmount("1234.56", "USD"); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("ParseAmount allocates %v times per call", n)
	}
}

// fuzzCurrencies are the currencies FuzzParseAmount picks from, one per scale.
var fuzzCurrencies = []string{"USD", "JPY", "KWD", "CLF"}

// FuzzParseAmount checks that every accepted amount formats back to a string
// of equal value that parses to the same minor units, and that rejected input
// fails with a typed error.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"29.99", "0.5", "100", "-3.10", "29.990", "1.", ".5", "+1", "1e3", "92233720368547758.07"} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, s string, c uint8) {
		code := fuzzCurrencies[int(c)%len(fuzzCurrencies)]
		minor, err := ParseAmount(s, code)
		if err != nil {
			var ae *AmountError
			if !errors.As(err, &ae) || ae.Reason == "" {
				t.Fatalf("ParseAmount(%q, %s): untyped error %v", s, code, err)
			}
			return
		}
		out := Format(minor, code)
		want, ok := new(big.Rat).SetString(s)
		if !ok {
			t.Fatalf("ParseAmount accepted %q, which big.Rat rejects", s)
		}
		got, ok := new(big.Rat).SetString(out)
		if !ok || got.Cmp(want) != 0 {
			t.Fatalf("Format(ParseAmount(%q, %s)) = %q, numerically different", s, code, out)
		}
		back, err := ParseAmount(out, code)
		if err != nil || back != minor {
			t.Fatalf("ParseAmount(Format(%d, %s) = %q) = %d, %v", minor, code, out, back, err)
		}
		// ParseNumber accepts a superset of ParseAmount's grammar.
		if n, err := ParseNumber(json.Number(s), code); err != nil || n != minor {
			t.Fatalf("ParseNumber(%q, %s) = %d, %v; ParseAmount gave %d", s, code, n, err, minor)
		}
	})
}

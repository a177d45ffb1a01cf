package money

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/text/currency"
)

// ErrCurrency is the sentinel wrapped by every *CurrencyError.
var ErrCurrency = errors.New("money: unsupported currency")

// CurrencyError reports a currency code that Scale does not accept.
type CurrencyError struct {
	Code string // the code as given, truncated when very long
	// Reason is a user-facing predicate that does not repeat the code,
	// e.g. "is not a known ISO 4217 currency code".
	Reason string
}

func (e *CurrencyError) Error() string { return fmt.Sprintf("currency %q %s", e.Code, e.Reason) }

// Unwrap returns ErrCurrency.
func (e *CurrencyError) Unwrap() error { return ErrCurrency }

// Reasons carried by *CurrencyError.
const (
	reasonCurrencyForm    = `must be three uppercase letters (ISO 4217, e.g. "USD")`
	reasonCurrencyUnknown = "is not a known ISO 4217 currency code"
	reasonCurrencyNoMinor = "has no minor unit in ISO 4217 and cannot be used for amounts"
)

// isoMinorUnits lists the ISO 4217 minor units of the codes for which
// golang.org/x/text/currency (v0.43.0, built from an old CLDR release) either
// has no entry or reports a different number of digits.
//
// CLDR's "digits" is a display convention: it says 0 for currencies whose
// fractional unit is no longer used in everyday prices (COP, IDR, PKR, ...).
// ISO 4217 still defines 2 (3 for IQD) for them, and platforms and gateways do
// send amounts such as "15000.50" in those currencies. Using the ISO value is
// never stricter than CLDR's (every amount that is exact at CLDR's scale is
// exact at ISO's), so we prefer ISO wherever the two differ.
//
// The other codes the brief asked about agree between ISO and x/text and need
// no entry: JPY, KRW, CLP, ISK, UYI 0; HUF 2 (CLDR's cash rounding of 0 is
// not used); KWD, BHD, JOD, TND, OMR, LYD 3; CLF 4.
var isoMinorUnits = map[string]int8{
	// CLDR says 0, ISO 4217 says 2.
	"AFN": 2, "ALL": 2, "AMD": 2, "COP": 2, "GYD": 2, "IDR": 2, "IRR": 2,
	"KPW": 2, "LAK": 2, "LBP": 2, "MGA": 2, "MMK": 2, "MNT": 2, "MUR": 2,
	"PKR": 2, "RSD": 2, "SLL": 2, "SOS": 2, "SYP": 2, "TZS": 2, "UZS": 2,
	"YER": 2,
	// Historic codes (ISO 4217 list three) where CLDR says 0 and ISO said 2.
	"MRO": 2, "STD": 2,
	// CLDR says 0, ISO 4217 says 3.
	"IQD": 3,
	// Current ISO 4217 codes missing from x/text v0.43.0.
	"MRU": 2, // Mauritanian ouguiya (2018)
	"VES": 2, // Venezuelan bolívar soberano (2018)
	"VED": 2, // Venezuelan bolívar digital (2021)
	"SLE": 2, // Sierra Leonean leone (2022)
	"ZWG": 2, // Zimbabwe gold (2024)
	"XCG": 2, // Caribbean guilder (2025)
	"UYW": 4, // Uruguayan unidad previsional (2018)
}

// noMinorUnit lists codes x/text recognises that cannot price anything: ISO
// 4217 gives them no minor unit (precious metals, bond-market units, SDR,
// testing and "no currency" codes, and the historic codes of the same kind).
var noMinorUnit = []string{
	"XAG", "XAU", "XPD", "XPT", // metals
	"XBA", "XBB", "XBC", "XBD", // European bond-market units
	"XDR", "XSU", "XUA", // SDR, SUCRE, ADB unit of account
	"XTS", "XXX", // testing, no currency
	"XEU", "XFO", "XFU", "XRE", // historic units of account
}

// notISO lists codes x/text (CLDR) knows that ISO 4217 has never assigned.
var notISO = []string{
	"CNH", // offshore renminbi: a market convention, not an ISO code
}

// Table entries: 0 unknown, -1 no minor unit, otherwise scale+1.
type scaleTable [26 * 26 * 26]int8

func tableIndex(code string) (int, bool) {
	if len(code) != 3 {
		return 0, false
	}
	a, b, c := code[0]-'A', code[1]-'A', code[2]-'A'
	if a >= 26 || b >= 26 || c >= 26 { // bytes: wraps below 'A'
		return 0, false
	}
	return int(a)*676 + int(b)*26 + int(c), true
}

// scales is built once, on first use, from x/text plus the tables above. A
// flat array keeps Scale allocation-free and branch-light on the hot path.
var scales = sync.OnceValue(func() *scaleTable {
	t := new(scaleTable)
	var code [3]byte
	for a := byte('A'); a <= 'Z'; a++ {
		for b := byte('A'); b <= 'Z'; b++ {
			for c := byte('A'); c <= 'Z'; c++ {
				code = [3]byte{a, b, c}
				s := string(code[:])
				u, err := currency.ParseISO(s)
				if err != nil {
					continue
				}
				scale, _ := currency.Standard.Rounding(u)
				i, _ := tableIndex(s)
				t[i] = int8(scale) + 1
			}
		}
	}
	for code, scale := range isoMinorUnits {
		i, _ := tableIndex(code)
		t[i] = scale + 1
	}
	for _, code := range noMinorUnit {
		i, _ := tableIndex(code)
		t[i] = -1
	}
	for _, code := range notISO {
		i, _ := tableIndex(code)
		t[i] = 0
	}
	return t
})

// Scale returns the number of minor-unit digits of an ISO 4217 currency code:
// 2 for USD, 0 for JPY, 3 for KWD, 4 for CLF.
//
// code must be exactly three uppercase ASCII letters ("usd" is rejected) and a
// code ISO 4217 has assigned, current or historic (historic codes such as HRK
// remain accepted so that old orders can be imported). Codes without a minor
// unit (XAU, XDR, XTS, XXX, ...) are rejected. Digits follow ISO 4217's minor
// unit, which for a few currencies differs from the CLDR data in x/text; see
// isoMinorUnits. Cash rounding (CHF 0.05, HUF and TWD whole units in cash) is
// not applied: amounts are accounting amounts.
//
// The error is a *CurrencyError wrapping ErrCurrency.
func Scale(code string) (int, error) {
	i, ok := tableIndex(code)
	if !ok {
		return 0, &CurrencyError{Code: clip(code, 16), Reason: reasonCurrencyForm}
	}
	switch v := scales()[i]; {
	case v > 0:
		return int(v) - 1, nil
	case v < 0:
		return 0, &CurrencyError{Code: code, Reason: reasonCurrencyNoMinor}
	default:
		return 0, &CurrencyError{Code: code, Reason: reasonCurrencyUnknown}
	}
}

// clip shortens s to at most n bytes for inclusion in an error message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

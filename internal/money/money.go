// Package money converts between decimal text and exact integer amounts in a
// currency's minor units (cents for USD, yen for JPY, fils for KWD).
//
// Nothing here uses floating point: amounts are parsed digit by digit, and a
// value that cannot be represented exactly at the currency's scale, or that
// does not fit in an int64, is an error rather than being rounded.
package money

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Sentinels wrapped by every *AmountError, for errors.Is.
var (
	ErrSyntax    = errors.New("money: malformed decimal")
	ErrPrecision = errors.New("money: too many decimal places")
	ErrRange     = errors.New("money: amount out of range")
)

// AmountError reports text that is not an exact amount at the wanted scale.
type AmountError struct {
	Input    string // the text as given, truncated when very long
	Currency string // the currency code, "" for ParseDecimal
	Scale    int    // decimal places allowed
	Kind     error  // ErrSyntax, ErrPrecision or ErrRange
	// Reason is a user-facing predicate that does not repeat the input, e.g.
	// "has more decimal places than USD allows (2)".
	Reason string
}

func (e *AmountError) Error() string { return fmt.Sprintf("amount %q %s", e.Input, e.Reason) }

// Unwrap returns e.Kind.
func (e *AmountError) Unwrap() error { return e.Kind }

// maxScale bounds the scale accepted by ParseDecimal and FormatScale; 10^18
// is the largest power of ten that fits in an int64.
const maxScale = 18

// ParseAmount parses s, a plain decimal string, into an exact number of minor
// units of the currency code.
//
// The accepted grammar is JSON's number grammar without the exponent:
// an optional '-', then "0" or a digit string not starting with '0', then
// optionally '.' and one or more digits. So "29.99", "0.50", "100", "-3.10"
// and "29.990" are accepted; "", " 1", "+1", "1e3", "1.", ".5", "01", "1,000"
// and "0x10" are not. Rejecting "1." and ".5" is deliberate: they are usually
// the product of a broken formatter, and a strict grammar keeps amounts
// unambiguous.
//
// Fractional digits beyond the currency's scale (see Scale) are allowed only
// when they are zeros: "29.990" is 2999 for USD, "29.999" is an error. A
// result outside the int64 range is an error. "-0" parses as 0.
//
// Errors are *CurrencyError for a bad code and *AmountError otherwise.
func ParseAmount(s string, code string) (int64, error) {
	scale, err := Scale(code)
	if err != nil {
		return 0, err
	}
	v, kind, reason := parse(s, scale, false)
	if kind != nil {
		return 0, newAmountError(s, code, scale, kind, reason)
	}
	return v, nil
}

// ParseNumber is ParseAmount for a JSON number such as 65.97, read from its
// text so that no precision is lost. Exponent forms are accepted when the
// value is exact at the currency's scale: 6.597e1 is 6597 for USD, 1e-3 is an
// error for USD and 1 for KWD.
func ParseNumber(n json.Number, code string) (int64, error) {
	scale, err := Scale(code)
	if err != nil {
		return 0, err
	}
	v, kind, reason := parse(string(n), scale, true)
	if kind != nil {
		return 0, newAmountError(string(n), code, scale, kind, reason)
	}
	return v, nil
}

// ParseDecimal parses s as an exact decimal and returns s × 10^scale, without
// reference to a currency. With allowExponent false it accepts the grammar
// of ParseAmount, with allowExponent true that of ParseNumber (JSON numbers).
// scale must be in [0, 18]. ParseDecimal(s, 0, true) is a strict whole-number
// parser: "3", "3.0" and "3e0" are 3, "3.5" fails with ErrPrecision.
func ParseDecimal(s string, scale int, allowExponent bool) (int64, error) {
	if scale < 0 || scale > maxScale {
		return 0, fmt.Errorf("money: scale %d out of range [0, %d]", scale, maxScale)
	}
	v, kind, reason := parse(s, scale, allowExponent)
	if kind != nil {
		return 0, newAmountError(s, "", scale, kind, reason)
	}
	return v, nil
}

// CheckDecimal reports whether s follows ParseAmount's grammar, whatever its
// size or number of decimal places. The error is an *AmountError wrapping
// ErrSyntax. Use it to validate decimal strings that are kept as text (tax
// rates), or amounts whose currency is unknown.
func CheckDecimal(s string) error {
	if _, _, _, reason := scan(s, false); reason != "" {
		return newAmountError(s, "", 0, ErrSyntax, reason)
	}
	return nil
}

func newAmountError(s, code string, scale int, kind error, reason string) *AmountError {
	return &AmountError{Input: clip(s, 40), Currency: code, Scale: scale, Kind: kind, Reason: reasonFor(kind, reason, code, scale)}
}

func reasonFor(kind error, reason, code string, scale int) string {
	switch kind {
	case ErrPrecision:
		if code == "" {
			if scale == 0 {
				return "must be a whole number"
			}
			return fmt.Sprintf("has more than %d decimal places", scale)
		}
		return fmt.Sprintf("has more decimal places than %s allows (%d)", code, scale)
	case ErrRange:
		unit := ""
		if code != "" {
			unit = " " + code
		}
		if reason == "-" {
			return fmt.Sprintf("is too small (the minimum is %s%s)", FormatScale(math.MinInt64, scale), unit)
		}
		return fmt.Sprintf("is too large (the maximum is %s%s)", FormatScale(math.MaxInt64, scale), unit)
	}
	return reason
}

// Syntax reasons.
const (
	reasonEmpty       = "is empty"
	reasonSpace       = "must not contain spaces"
	reasonPlus        = "must not start with '+'"
	reasonExponent    = "must not use exponent notation"
	reasonBadExponent = "has a malformed exponent"
	reasonNoIntDigit  = "needs a digit before the decimal point"
	reasonNoFracDigit = "needs a digit after the decimal point"
	reasonLeadingZero = "must not have leading zeros"
	reasonNotDecimal  = `is not a decimal number (expected digits with an optional '-' and '.', e.g. "29.99")`
)

// maxExp saturates exponents; anything larger has the same effect (overflow
// or all digits dropped) and keeps the arithmetic below far from int overflow.
const maxExp = 1 << 20

// scan checks s against the grammar and splits it into its integer digits,
// fractional digits and exponent. reason is "" when s is well formed.
func scan(s string, allowExp bool) (intDigits, fracDigits string, exp int, reason string) {
	if s == "" {
		return "", "", 0, reasonEmpty
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r', '\v', '\f':
			return "", "", 0, reasonSpace
		}
	}
	i := 0
	switch s[0] {
	case '+':
		return "", "", 0, reasonPlus
	case '-':
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intDigits = s[start:i]
	if i < len(s) && s[i] == '.' {
		i++
		start = i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		fracDigits = s[start:i]
		if intDigits == "" {
			return "", "", 0, reasonNoIntDigit
		}
		if fracDigits == "" {
			if i == len(s) {
				return "", "", 0, reasonNoFracDigit
			}
			return "", "", 0, reasonNotDecimal
		}
	}
	if intDigits == "" {
		return "", "", 0, reasonNotDecimal
	}
	if len(intDigits) > 1 && intDigits[0] == '0' {
		return "", "", 0, reasonLeadingZero
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		if !allowExp {
			return "", "", 0, reasonExponent
		}
		i++
		neg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			neg = s[i] == '-'
			i++
		}
		start = i
		for ; i < len(s) && isDigit(s[i]); i++ {
			if exp < maxExp {
				exp = exp*10 + int(s[i]-'0')
			}
		}
		if i == start || i != len(s) {
			return "", "", 0, reasonBadExponent
		}
		if neg {
			exp = -exp
		}
	}
	if i != len(s) {
		return "", "", 0, reasonNotDecimal
	}
	return intDigits, fracDigits, exp, ""
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// parse returns s × 10^scale exactly. On failure kind is one of the sentinels
// and reason a syntax reason ("-" marks an underflow for ErrRange).
func parse(s string, scale int, allowExp bool) (v int64, kind error, reason string) {
	intDigits, fracDigits, exp, reason := scan(s, allowExp)
	if reason != "" {
		return 0, ErrSyntax, reason
	}
	neg := s[0] == '-'
	// The value is D × 10^power, where D is the integer spelled by
	// intDigits+fracDigits.
	power := exp - len(fracDigits) + scale
	n := len(intDigits) + len(fracDigits)
	digit := func(j int) byte {
		if j < len(intDigits) {
			return intDigits[j] - '0'
		}
		return fracDigits[j-len(intDigits)] - '0'
	}
	keep := n // digits of D that survive; the rest must be zeros
	if power < 0 {
		keep = n + power // may be negative
		for j := max(keep, 0); j < n; j++ {
			if digit(j) != 0 {
				return 0, ErrPrecision, ""
			}
		}
		power = 0
	}
	limit := uint64(math.MaxInt64)
	overflow := ""
	if neg {
		limit++ // |MinInt64|
		overflow = "-"
	}
	var acc uint64
	for j := 0; j < keep; j++ {
		d := uint64(digit(j))
		if acc > (limit-d)/10 {
			return 0, ErrRange, overflow
		}
		acc = acc*10 + d
	}
	if acc != 0 {
		for ; power > 0; power-- {
			if acc > limit/10 {
				return 0, ErrRange, overflow
			}
			acc *= 10
		}
	}
	if neg {
		return int64(-acc), nil, "" // two's complement: -(1<<63) wraps to MinInt64
	}
	return int64(acc), nil, ""
}

// Format renders minor units of the currency code as a decimal string with
// exactly the currency's scale: Format(2999, "USD") is "29.99",
// Format(1000, "JPY") is "1000", Format(1500, "KWD") is "1.500",
// Format(-5, "USD") is "-0.05". The result is accepted by ParseAmount and
// parses back to minor. code should be accepted by Scale; for any other code
// the result uses 2 decimal places, the most common scale.
func Format(minor int64, code string) string {
	scale, err := Scale(code)
	if err != nil {
		scale = 2
	}
	return FormatScale(minor, scale)
}

// FormatScale renders minor / 10^scale with exactly scale decimal places.
// scale is clamped to [0, 18].
func FormatScale(minor int64, scale int) string {
	scale = min(max(scale, 0), maxScale)
	u := uint64(minor)
	if minor < 0 {
		u = -u // correct for MinInt64 too, in uint64 arithmetic
	}
	var dbuf [20]byte
	d := strconv.AppendUint(dbuf[:0], u, 10)
	var obuf [48]byte // '-', 20 digits, '.', up to 18 zeros
	o := obuf[:0]
	if minor < 0 {
		o = append(o, '-')
	}
	if len(d) <= scale {
		o = append(o, '0', '.')
		for i := len(d); i < scale; i++ {
			o = append(o, '0')
		}
		o = append(o, d...)
	} else {
		ip := len(d) - scale
		o = append(o, d[:ip]...)
		if scale > 0 {
			o = append(o, '.')
			o = append(o, d[ip:]...)
		}
	}
	return string(o)
}

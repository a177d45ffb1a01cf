package customorder

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/returns"
)

// flags say how a field may appear.
type flags uint8

const (
	required flags = 1 << iota // absent is an error
	nullable                   // null is allowed (and means absent)

	// optional may be absent; null reads as absent too, because many
	// clients serialise "no value" as null even where the schema omits it.
	optional flags = nullable
)

// Messages shared by several rules.
const (
	msgRequired = "is required"
	msgNotEmpty = "must not be empty"
	timeWant    = "an ISO 8601 date-time (e.g. 2025-01-15T10:30:00Z)"
	msgDecimal  = "must be a decimal string"
	msgNegative = "must not be negative"
	msgWhole    = "must be a whole number"
	msgQuantity = "must be between 1 and 1000 (Redo's Orders API caps a line at 1000 units)"
)

// seg is one step of the path being walked: an object key, or an array index
// when idx >= 0. Paths are only rendered to strings when an error is found.
type seg struct {
	name string
	idx  int
}

// walker walks the decoded body against the schema, building the order and
// collecting field errors.
type walker struct {
	path      []seg
	errs      []FieldError
	truncated bool

	// The order's currencies, "" when missing or invalid (then amounts are
	// not compared against them).
	shop, presentment string

	lines     []lineState
	lineIndex map[string]int // line id → index in lines; only for orders of more than 16 lines
	coverage  int            // index of the coverage line, -1 if none
}

func (w *walker) in(name string) { w.path = append(w.path, seg{name: name, idx: -1}) }
func (w *walker) at(i int)       { w.path = append(w.path, seg{idx: i}) }
func (w *walker) out()           { w.path = w.path[:len(w.path)-1] }

// fail records msg against the current path.
func (w *walker) fail(msg string) {
	if len(w.errs) >= MaxErrors {
		w.truncated = true
		return
	}
	p := make([]string, len(w.path))
	for i, s := range w.path {
		if s.idx >= 0 {
			p[i] = strconv.Itoa(s.idx)
		} else {
			p[i] = s.name
		}
	}
	w.errs = append(w.errs, FieldError{Path: p, Message: msg})
}

// failAt records msg against the member key of the current path.
func (w *walker) failAt(key, msg string) {
	w.in(key)
	w.fail(msg)
	w.out()
}

// typeMsg is "must be <want>", mentioning null when it is allowed.
func typeMsg(want string, f flags) string {
	if f&nullable != 0 {
		return "must be " + want + " or null"
	}
	return "must be " + want
}

// field returns o[key] when it is present and not null. It reports a missing
// required field, and a null that f does not allow (with want, e.g. "a
// string", naming the expected type).
func (w *walker) field(o map[string]any, key string, f flags, want string) (any, bool) {
	v, present := o[key]
	if !present {
		if f&required != 0 {
			w.failAt(key, msgRequired)
		}
		return nil, false
	}
	if v == nil {
		if f&nullable == 0 {
			w.failAt(key, typeMsg(want, f))
		}
		return nil, false
	}
	return v, true
}

// str reads a string field. ok is false when it is absent, null or invalid.
func (w *walker) str(o map[string]any, key string, f flags) (string, bool) {
	v, ok := w.field(o, key, f, "a string")
	if !ok {
		return "", false
	}
	s, ok := v.(string)
	if !ok {
		w.failAt(key, typeMsg("a string", f))
	}
	return s, ok
}

// id reads a required identifier: a string that is not blank and holds
// no NUL (identifiers are looked up and stored as text columns, which
// cannot hold one on PostgreSQL).
func (w *walker) id(o map[string]any, key string) (string, bool) {
	s, ok := w.str(o, key, required)
	switch {
	case ok && strings.TrimSpace(s) == "":
		w.failAt(key, msgNotEmpty)
		return "", false
	case ok && strings.ContainsRune(s, 0):
		w.failAt(key, "must not contain NUL (U+0000) characters")
		return "", false
	}
	return s, ok
}

// obj reads an object field.
func (w *walker) obj(o map[string]any, key string, f flags) (map[string]any, bool) {
	v, ok := w.field(o, key, f, "an object")
	if !ok {
		return nil, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		w.failAt(key, typeMsg("an object", f))
	}
	return m, ok
}

// arr reads an array field of at most limit elements.
func (w *walker) arr(o map[string]any, key string, f flags, limit int) ([]any, bool) {
	v, ok := w.field(o, key, f, "an array")
	if !ok {
		return nil, false
	}
	a, ok := v.([]any)
	if !ok {
		w.failAt(key, typeMsg("an array", f))
		return nil, false
	}
	if len(a) > limit {
		w.failAt(key, fmt.Sprintf("must have at most %d items", limit))
		return nil, false
	}
	return a, true
}

// each walks an array of objects, calling fn with the path at each element
// that is an object, and returns fn's results (nil for an absent or empty
// array). Elements that are not objects are reported and skipped.
func each[T any](w *walker, o map[string]any, key string, f flags, fn func(m map[string]any) T) []T {
	a, ok := w.arr(o, key, f, MaxItems)
	if !ok || len(a) == 0 {
		return nil
	}
	out := make([]T, 0, len(a))
	w.in(key)
	for i, v := range a {
		w.at(i)
		if m, ok := v.(map[string]any); ok {
			out = append(out, fn(m))
		} else {
			w.fail("must be an object")
		}
		w.out()
	}
	w.out()
	return out
}

// strs reads an array of strings; nil when absent or empty.
func (w *walker) strs(o map[string]any, key string, f flags) []string {
	a, ok := w.arr(o, key, f, MaxItems)
	if !ok || len(a) == 0 {
		return nil
	}
	out := make([]string, 0, len(a))
	w.in(key)
	for i, v := range a {
		if s, ok := v.(string); ok {
			out = append(out, s)
			continue
		}
		w.at(i)
		w.fail("must be a string")
		w.out()
	}
	w.out()
	return out
}

// num reads a number field.
func (w *walker) num(o map[string]any, key string, f flags) (json.Number, bool) {
	v, ok := w.field(o, key, f, "a number")
	if !ok {
		return "", false
	}
	n, ok := v.(json.Number)
	if !ok {
		w.failAt(key, typeMsg("a number", f))
	}
	return n, ok
}

// whole reads a whole-number field in [lo, hi]; rangeMsg reports a value
// outside it.
func (w *walker) whole(o map[string]any, key string, f flags, lo, hi int64, rangeMsg string) (int, bool) {
	n, ok := w.num(o, key, f)
	if !ok {
		return 0, false
	}
	v, err := money.ParseDecimal(string(n), 0, true)
	switch {
	case errors.Is(err, money.ErrPrecision):
		w.failAt(key, msgWhole)
		return 0, false
	case err != nil: // out of int64: certainly out of range
		w.failAt(key, rangeMsg)
		return 0, false
	case v < lo || v > hi:
		w.failAt(key, rangeMsg)
		return 0, false
	}
	return int(v), true
}

// timestamp reads an RFC 3339 date-time (ISO 8601 with a zone offset,
// fractional seconds allowed) and returns it in UTC.
func (w *walker) timestamp(o map[string]any, key string, f flags) (time.Time, bool) {
	v, ok := w.field(o, key, f, timeWant)
	if !ok {
		return time.Time{}, false
	}
	if s, isStr := v.(string); isStr {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.UTC(), true
		}
	}
	w.failAt(key, typeMsg(timeWant, f))
	return time.Time{}, false
}

// optTimestamp reads a nullable date-time; nil when absent or null.
func (w *walker) optTimestamp(o map[string]any, key string) *time.Time {
	t, ok := w.timestamp(o, key, nullable)
	if !ok {
		return nil
	}
	return &t
}

// currencyProblem returns a message when code is not usable, "" when it is.
func currencyProblem(code string) string {
	if _, err := money.Scale(code); err != nil {
		var ce *money.CurrencyError
		if errors.As(err, &ce) {
			return fmt.Sprintf("%q %s", ce.Code, ce.Reason)
		}
		return err.Error()
	}
	return ""
}

// currency reads a required ISO 4217 currency code field.
func (w *walker) currency(o map[string]any, key string) (string, bool) {
	code, msg := currencyField(o, key)
	if msg != "" {
		w.failAt(key, msg)
		return "", false
	}
	return code, true
}

// amount parses the decimal string s in currency code ("" when the code is
// unusable: then only the syntax is checked). It returns the minor units, or
// a message saying what is wrong.
func amount(s string, code string, nonNeg bool) (int64, string) {
	if code == "" {
		if money.CheckDecimal(s) != nil {
			return 0, msgDecimal
		}
		return 0, ""
	}
	v, err := money.ParseAmount(s, code)
	if err != nil {
		var ae *money.AmountError
		if errors.As(err, &ae) && !errors.Is(err, money.ErrSyntax) {
			return 0, ae.Reason
		}
		return 0, msgDecimal
	}
	if nonNeg && v < 0 {
		return 0, msgNegative
	}
	return v, ""
}

// money reads a custom-order-money object {amount, currencyCode}; want is
// the order currency it must match ("" when unknown) and wantField the name
// of that order field.
func (w *walker) money(o map[string]any, key, want, wantField string, nonNeg bool) (returns.Money, bool) {
	m, ok := w.obj(o, key, required)
	if !ok {
		return returns.Money{}, false
	}
	// The currency decides how the amount parses, but the amount comes first
	// in the schema, so both are read before either is reported.
	code, codeMsg := currencyField(m, "currencyCode")
	usable := code
	if codeMsg != "" {
		usable = ""
	} else if want != "" && code != want {
		codeMsg = fmt.Sprintf("must match %s (%s)", wantField, want)
	}
	var minor int64
	amountMsg := msgRequired
	if v, present := m["amount"]; present {
		amountMsg = msgDecimal
		if s, isStr := v.(string); isStr {
			minor, amountMsg = amount(s, usable, nonNeg)
		}
	}
	w.in(key)
	if amountMsg != "" {
		w.failAt("amount", amountMsg)
	}
	if codeMsg != "" {
		w.failAt("currencyCode", codeMsg)
	}
	w.out()
	return returns.Money{Minor: minor, Currency: code}, amountMsg == "" && codeMsg == ""
}

// currencyField reads a required currency code field without reporting:
// msg is "" when o[key] is a usable ISO 4217 code.
func currencyField(o map[string]any, key string) (code, msg string) {
	v, present := o[key]
	if !present {
		return "", msgRequired
	}
	code, isStr := v.(string)
	if !isStr {
		return "", "must be a string"
	}
	return code, currencyProblem(code)
}

// moneySet reads a money-set.schema object: presentmentMoney then shopMoney.
func (w *walker) moneySet(o map[string]any, key string, f flags, nonNeg bool) (returns.MoneySet, bool) {
	m, ok := w.obj(o, key, f)
	if !ok {
		return returns.MoneySet{}, false
	}
	w.in(key)
	p, pOK := w.money(m, "presentmentMoney", w.presentment, "presentmentCurrency", nonNeg)
	s, sOK := w.money(m, "shopMoney", w.shop, "shopCurrency", nonNeg)
	w.out()
	return returns.MoneySet{Shop: s, Presentment: p}, pOK && sOK
}

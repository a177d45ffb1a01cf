package shipping

import (
	"fmt"
	"math/big"

	"github.com/reboundhq/rebound/internal/money"
)

// WeightUnit is a unit of mass: "oz", "lb", "g" or "kg" (avoirdupois ounce
// and pound, as Redo's and EasyPost's parcels use).
type WeightUnit string

// Weight units.
const (
	Ounce    WeightUnit = "oz"
	Pound    WeightUnit = "lb"
	Gram     WeightUnit = "g"
	Kilogram WeightUnit = "kg"
)

// LengthUnit is a unit of length: "in" or "cm".
type LengthUnit string

// Length units.
const (
	Inch       LengthUnit = "in"
	Centimeter LengthUnit = "cm"
)

// Exact definitions: 1 lb = 453.59237 g and 1 oz = 1/16 lb (international
// avoirdupois, 1959); 1 in = 2.54 cm.
var (
	gramsPer = map[WeightUnit]*big.Rat{
		Gram:     big.NewRat(1, 1),
		Kilogram: big.NewRat(1000, 1),
		Pound:    big.NewRat(45359237, 100000),
		Ounce:    big.NewRat(45359237, 1600000),
	}
	cmPer = map[LengthUnit]*big.Rat{
		Centimeter: big.NewRat(1, 1),
		Inch:       big.NewRat(254, 100),
	}
)

// Valid reports whether u is one of the four weight units.
func (u WeightUnit) Valid() bool { _, ok := gramsPer[u]; return ok }

// Valid reports whether u is one of the two length units.
func (u LengthUnit) Valid() bool { _, ok := cmPer[u]; return ok }

// ParseDecimal parses s, a plain decimal such as "1.5", "12" or "0.25", into
// an exact rational. The grammar is money.ParseAmount's: JSON's number
// grammar without exponent ("1.", ".5", "1e3", "+1" and "" are rejected).
// The error is an *money.AmountError.
func ParseDecimal(s string) (*big.Rat, error) {
	if err := money.CheckDecimal(s); err != nil {
		return nil, err
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok { // unreachable once CheckDecimal accepted s
		return nil, fmt.Errorf("shipping: cannot parse decimal %q", s)
	}
	return r, nil
}

// maxDecimalLen bounds the length of decimal inputs so that exact
// arithmetic stays cheap on hostile input.
const maxDecimalLen = 32

// Weight is a mass: an exact decimal Value (as text, e.g. "1.5") in Unit.
type Weight struct {
	Value string
	Unit  WeightUnit
}

// Validate checks that Value is a positive decimal and Unit is known. Field
// paths are relative: "value", "unit".
func (w Weight) Validate() error {
	var fe fieldErrors
	w.check(&fe, "")
	return fe.err()
}

func (w Weight) check(fe *fieldErrors, prefix string) {
	checkPositive(fe, joinPath(prefix, "value"), w.Value)
	if !w.Unit.Valid() {
		fe.add(joinPath(prefix, "unit"), "must be one of oz, lb, g, kg (got %q)", clip(string(w.Unit)))
	}
}

// In returns the weight converted exactly to unit. The error is EInvalid
// when w is not valid or unit is unknown.
func (w Weight) In(unit WeightUnit) (*big.Rat, error) {
	if err := w.Validate(); err != nil {
		return nil, err
	}
	to, ok := gramsPer[unit]
	if !ok {
		return nil, Invalid("unit", fmt.Sprintf("must be one of oz, lb, g, kg (got %q)", clip(string(unit))))
	}
	v, _ := ParseDecimal(w.Value)
	v.Mul(v, gramsPer[w.Unit])
	return v.Quo(v, to), nil
}

// Length is a distance: an exact decimal Value (as text) in Unit.
type Length struct {
	Value string
	Unit  LengthUnit
}

// In returns the length converted exactly to unit; EInvalid when the length
// or unit is not valid.
func (l Length) In(unit LengthUnit) (*big.Rat, error) {
	var fe fieldErrors
	l.check(&fe, "")
	if err := fe.err(); err != nil {
		return nil, err
	}
	to, ok := cmPer[unit]
	if !ok {
		return nil, Invalid("unit", fmt.Sprintf("must be in or cm (got %q)", clip(string(unit))))
	}
	v, _ := ParseDecimal(l.Value)
	v.Mul(v, cmPer[l.Unit])
	return v.Quo(v, to), nil
}

func (l Length) check(fe *fieldErrors, prefix string) {
	checkPositive(fe, joinPath(prefix, "value"), l.Value)
	if !l.Unit.Valid() {
		fe.add(joinPath(prefix, "unit"), "must be in or cm (got %q)", clip(string(l.Unit)))
	}
}

func checkPositive(fe *fieldErrors, field, s string) {
	switch {
	case s == "":
		fe.add(field, "is required")
	case len(s) > maxDecimalLen:
		fe.add(field, "is too long (at most %d characters)", maxDecimalLen)
	default:
		r, err := ParseDecimal(s)
		if err != nil {
			fe.add(field, "must be a decimal number such as \"1.5\" (got %q)", clip(s))
		} else if r.Sign() <= 0 {
			fe.add(field, "must be greater than zero (got %s)", s)
		}
	}
}

// clip shortens s for inclusion in an error message.
func clip(s string) string {
	const n = 24
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

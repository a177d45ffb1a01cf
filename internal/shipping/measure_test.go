package shipping

import (
	"math/big"
	"reflect"
	"testing"
)

func rat(s string) *big.Rat { r, _ := new(big.Rat).SetString(s); return r }

func TestWeightConversionIsExact(t *testing.T) {
	cases := []struct {
		w    Weight
		to   WeightUnit
		want string
	}{
		{Weight{"1", Pound}, Gram, "45359237/100000"},
		{Weight{"16", Ounce}, Pound, "1"},
		{Weight{"1", Kilogram}, Gram, "1000"},
		{Weight{"453.59237", Gram}, Pound, "1"},
		{Weight{"0.5", Kilogram}, Ounce, "800000000/45359237"},
		{Weight{"2.25", Pound}, Ounce, "36"},
	}
	for _, c := range cases {
		got, err := c.w.In(c.to)
		if err != nil {
			t.Fatalf("%v.In(%s): %v", c.w, c.to, err)
		}
		if got.Cmp(rat(c.want)) != 0 {
			t.Errorf("%v.In(%s) = %s, want %s", c.w, c.to, got.RatString(), c.want)
		}
	}
	l, err := Length{"10", Inch}.In(Centimeter)
	if err != nil || l.Cmp(rat("25.4")) != 0 {
		t.Errorf("10in = %v cm, %v", l, err)
	}
}

// Converting there and back is the identity, for every pair of units.
func TestWeightConversionRoundTrip(t *testing.T) {
	units := []WeightUnit{Ounce, Pound, Gram, Kilogram}
	for _, v := range []string{"0.001", "1", "3.5", "12.125", "70000"} {
		for _, a := range units {
			for _, b := range units {
				x, err := Weight{v, a}.In(b)
				if err != nil {
					t.Fatal(err)
				}
				back := new(big.Rat).Mul(x, gramsPer[b])
				back.Quo(back, gramsPer[a])
				if back.Cmp(rat(v)) != 0 {
					t.Errorf("%s %s -> %s -> %s", v, a, b, back.RatString())
				}
			}
		}
	}
}

func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	if Code(err) != EInvalid {
		t.Fatalf("error %v, want EInvalid", err)
	}
	var out []string
	for _, f := range err.(*Error).Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestParcelValidation(t *testing.T) {
	ok := Parcel{Weight: Weight{"12", Ounce}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid parcel: %v", err)
	}
	cases := []struct {
		name string
		p    Parcel
		want []string
	}{
		{"zero weight", Parcel{Weight: Weight{"0", Ounce}}, []string{"weight.value"}},
		{"negative weight", Parcel{Weight: Weight{"-1", Pound}}, []string{"weight.value"}},
		{"missing weight", Parcel{}, []string{"weight.value", "weight.unit"}},
		{"unknown unit", Parcel{Weight: Weight{"1", "stone"}}, []string{"weight.unit"}},
		{"exponent", Parcel{Weight: Weight{"1e3", Gram}}, []string{"weight.value"}},
		{"partial dims", Parcel{Length: &Length{"10", Inch}, Weight: Weight{"1", Pound}}, []string{"width", "height"}},
		{"bad dims", Parcel{Length: &Length{"10", "ft"}, Width: &Length{"0", Centimeter}, Height: &Length{"3", Inch}, Weight: Weight{"1", Pound}}, []string{"length.unit", "width.value"}},
		{"bad type", Parcel{Weight: Weight{"1", Pound}, Type: "crate"}, []string{"type"}},
	}
	for _, c := range cases {
		if got := fieldsOf(t, c.p.Validate()); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.want)
		}
	}
}

func TestQuoteRequestValidationPaths(t *testing.T) {
	q := QuoteRequest{
		From:   Address{Name: "Ann", Street1: "1 Main St", City: "Austin", Country: "us"},
		To:     Address{Company: "Shop", City: "Berlin", Country: "DE"},
		Parcel: Parcel{Weight: Weight{"0", "kg"}},
	}
	want := []string{"from.country", "to.street1", "parcel.weight.value"}
	if got := fieldsOf(t, q.Validate()); !reflect.DeepEqual(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}
}

func TestBuyRequestValidation(t *testing.T) {
	a := Address{Name: "Ann", Street1: "1 Main St", City: "Austin", Country: "US"}
	b := BuyRequest{Request: QuoteRequest{From: a, To: a, Parcel: Parcel{Weight: Weight{"1", Pound}}}}
	want := []string{"rate", "idempotencyKey"}
	if got := fieldsOf(t, b.Validate()); !reflect.DeepEqual(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}
	b.Rate.Service, b.IdempotencyKey = "ground", "k1"
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidCountry(t *testing.T) {
	for _, c := range []string{"US", "DE", "GB", "CA", "JP"} {
		if !ValidCountry(c) {
			t.Errorf("%s rejected", c)
		}
	}
	for _, c := range []string{"", "us", "USA", "ZZ", "EU", "QO", "U1", "XK1"} {
		if ValidCountry(c) {
			t.Errorf("%q accepted", c)
		}
	}
}

func TestNormalizePostalCode(t *testing.T) {
	for in, want := range map[string]string{"sw1a 1aa": "SW1A1AA", "12345-6789": "123456789", " 90210 ": "90210"} {
		if got := NormalizePostalCode(in); got != want {
			t.Errorf("%q -> %q, want %q", in, got, want)
		}
	}
}

func TestTrackingStatuses(t *testing.T) {
	want := []string{"unknown", "pre_transit", "in_transit", "out_for_delivery", "available_for_pickup",
		"cancelled", "delivered", "error", "failure", "return_to_sender", "expired"}
	if len(TrackingStatuses) != len(want) {
		t.Fatalf("%d statuses", len(TrackingStatuses))
	}
	for i, s := range TrackingStatuses {
		if string(s) != want[i] || !s.Valid() {
			t.Errorf("status %d = %q, want %q", i, s, want[i])
		}
	}
	if s, ok := ParseTrackingStatus("lost_in_space"); ok || s != StatusUnknown {
		t.Errorf("unknown status parsed as %q, %v", s, ok)
	}
	if !StatusDelivered.Final() || StatusInTransit.Final() || !StatusOutForDelivery.Moving() {
		t.Error("Final/Moving")
	}
}

func TestErrorHelpers(t *testing.T) {
	err := &Error{Code: ERefused, Message: "Address not found", Carrier: "easypost", CarrierCode: "ADDRESS.VERIFY.FAILURE",
		Fields: []FieldError{{"street1", "House number is missing"}}}
	if got := err.Error(); got != "carrier_refused (easypost ADDRESS.VERIFY.FAILURE): Address not found: street1: House number is missing" {
		t.Errorf("Error() = %q", got)
	}
	if IsRetryable(err) || !IsRetryable(Errorf(EUnavailable, "x")) || Code(nil) != "" {
		t.Error("retryable")
	}
	fs := Fields(Parcel{Weight: Weight{"0", Ounce}}.Validate(), "parcels[2]")
	if len(fs) != 1 || fs[0].Field != "parcels[2].weight.value" {
		t.Errorf("Fields = %v", fs)
	}
}

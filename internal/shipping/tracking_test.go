package shipping

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestTrackingNumberKnownValues(t *testing.T) {
	// Luhn reference: "7992739871" has check digit 3.
	if got := luhnCheckDigit("7992739871"); got != 3 {
		t.Fatalf("luhn(7992739871) = %d, want 3", got)
	}
	cases := map[uint64]string{
		0:                 "RB0000000000000000",
		1:                 "RB0000000000000018",
		MaxTrackingSerial: "RB9999999999999995",
	}
	for serial, want := range cases {
		if got := GenerateTrackingNumber(serial); got != want {
			t.Errorf("GenerateTrackingNumber(%d) = %s, want %s", serial, got, want)
		}
	}
}

// randomSerials yields reproducible serials, including the range ends.
func randomSerials(n int) []uint64 {
	r := rand.New(rand.NewPCG(1, 2))
	out := []uint64{0, 1, 9, 10, MaxTrackingSerial}
	for len(out) < n {
		out = append(out, r.Uint64N(MaxTrackingSerial+1))
	}
	return out
}

func TestTrackingNumberRoundTrip(t *testing.T) {
	for _, serial := range randomSerials(2000) {
		tn := GenerateTrackingNumber(serial)
		if len(tn) != TrackingNumberLen {
			t.Fatalf("len(%s) = %d", tn, len(tn))
		}
		got, err := ValidateTrackingNumber(tn)
		if err != nil || got != serial {
			t.Fatalf("Validate(%s) = %d, %v; want %d", tn, got, err, serial)
		}
	}
}

// Every single-digit substitution is detected.
func TestTrackingNumberDetectsSubstitution(t *testing.T) {
	for _, serial := range randomSerials(300) {
		tn := GenerateTrackingNumber(serial)
		for i := len(TrackingPrefix); i < len(tn); i++ {
			for d := byte('0'); d <= '9'; d++ {
				if d == tn[i] {
					continue
				}
				bad := tn[:i] + string(d) + tn[i+1:]
				if _, err := ValidateTrackingNumber(bad); err == nil {
					t.Fatalf("%s (from %s) passed", bad, tn)
				}
			}
		}
	}
}

// Every adjacent transposition is detected, except 09 <-> 90 (the known
// blind spot of Luhn).
func TestTrackingNumberDetectsTransposition(t *testing.T) {
	for _, serial := range randomSerials(1000) {
		tn := GenerateTrackingNumber(serial)
		for i := len(TrackingPrefix); i+1 < len(tn); i++ {
			a, b := tn[i], tn[i+1]
			if a == b || (a == '0' && b == '9') || (a == '9' && b == '0') {
				continue
			}
			bad := tn[:i] + string(b) + string(a) + tn[i+2:]
			if _, err := ValidateTrackingNumber(bad); err == nil {
				t.Fatalf("%s (from %s) passed", bad, tn)
			}
		}
	}
}

func TestValidateTrackingNumberRejects(t *testing.T) {
	for _, s := range []string{
		"", "RB", "RB000000000000001", "RB00000000000000180", "rb0000000000000018",
		"XX0000000000000018", "RB00000000000000A8", "RB0000000000000019",
		"RB 000000000000018", "RB000000000000001８",
	} {
		_, err := ValidateTrackingNumber(s)
		if Code(err) != EInvalid {
			t.Errorf("Validate(%q) = %v, want EInvalid", s, err)
			continue
		}
		if f := err.(*Error).Field(); f != "trackingNumber" {
			t.Errorf("Validate(%q) field = %q", s, f)
		}
	}
}

func TestGenerateTrackingNumberPanicsOutOfRange(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	GenerateTrackingNumber(MaxTrackingSerial + 1)
}

// FuzzValidateTrackingNumber: the validator never panics, accepts only
// canonical numbers, and what it accepts regenerates to itself.
func FuzzValidateTrackingNumber(f *testing.F) {
	f.Add("RB0000000000000018")
	f.Add("RB9999999999999995")
	f.Add("RB0000000000000019")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		serial, err := ValidateTrackingNumber(s)
		if err != nil {
			if Code(err) != EInvalid {
				t.Fatalf("error code %s", Code(err))
			}
			return
		}
		if got := GenerateTrackingNumber(serial); got != s {
			t.Fatalf("accepted %q but serial %d regenerates %q", s, serial, got)
		}
		if !strings.HasPrefix(s, TrackingPrefix) {
			t.Fatalf("accepted %q without prefix", s)
		}
	})
}

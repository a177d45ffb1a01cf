package shipping

import (
	"fmt"
	"strconv"
)

// Tracking numbers of the built-in carrier look like "RB" followed by 16
// digits: a 15-digit serial and a Luhn (mod 10) check digit over the serial,
// e.g. "RB0000000000000018". The check digit catches every single mistyped
// digit and every swap of two adjacent digits except 09 ↔ 90.
const (
	TrackingPrefix = "RB"
	serialDigits   = 15
	// MaxTrackingSerial is the largest serial GenerateTrackingNumber takes.
	MaxTrackingSerial = 999_999_999_999_999
	// TrackingNumberLen is the length of a built-in tracking number.
	TrackingNumberLen = len(TrackingPrefix) + serialDigits + 1
)

// GenerateTrackingNumber returns the tracking number of serial, which must
// be in [0, MaxTrackingSerial]; it panics otherwise (serials are produced by
// the carrier, never taken from input).
func GenerateTrackingNumber(serial uint64) string {
	if serial > MaxTrackingSerial {
		panic(fmt.Sprintf("shipping: tracking serial %d out of range", serial))
	}
	body := fmt.Sprintf("%0*d", serialDigits, serial)
	return TrackingPrefix + body + strconv.Itoa(luhnCheckDigit(body))
}

// ValidateTrackingNumber checks that s is a well-formed built-in tracking
// number with a correct check digit, and returns its serial. The error is an
// EInvalid *Error naming the field "trackingNumber".
func ValidateTrackingNumber(s string) (serial uint64, err error) {
	bad := func(msg string) (uint64, error) { return 0, Invalid("trackingNumber", msg) }
	if len(s) != TrackingNumberLen {
		return bad(fmt.Sprintf("must be %d characters (%s and %d digits)", TrackingNumberLen, TrackingPrefix, serialDigits+1))
	}
	if s[:len(TrackingPrefix)] != TrackingPrefix {
		return bad("must start with " + TrackingPrefix)
	}
	digits := s[len(TrackingPrefix):]
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return bad(fmt.Sprintf("must be %s followed by digits only", TrackingPrefix))
		}
	}
	body, check := digits[:serialDigits], int(digits[serialDigits]-'0')
	if luhnCheckDigit(body) != check {
		return bad("has a wrong check digit (mistyped?)")
	}
	n, _ := strconv.ParseUint(body, 10, 64) // 15 digits always fit
	return n, nil
}

// luhnCheckDigit returns the digit that makes body+digit pass the Luhn
// test: from the rightmost digit of body leftwards, every other digit
// (starting with the rightmost) is doubled, 9 subtracted from results over 9,
// and the check digit brings the sum to a multiple of 10.
func luhnCheckDigit(body string) int {
	sum := 0
	double := true
	for i := len(body) - 1; i >= 0; i-- {
		d := int(body[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return (10 - sum%10) % 10
}

package shipsvc

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/shipping"
)

// CarrierError is a carrier's answer refusing a request or failing, as an
// application error: Code is the returns code the surface maps
// (EINVALID, ENOTFOUND, ECONFLICT, EUNPROCESSABLE, EUNAVAILABLE).
type CarrierError struct {
	Code string
	Err  *shipping.Error
	// Message is shown to the caller (the carrier's own message for a
	// refusal).
	Message string
}

func (e *CarrierError) Error() string { return e.Message }
func (e *CarrierError) Unwrap() error { return e.Err }

// AppError maps a shipping error to the application's errors: EInvalid to
// EINVALID field errors (paths renamed by rename, nil for none), ENotFound
// naming a field and ERefused to EUNPROCESSABLE, ENotFound to ENOTFOUND,
// EConflict to ECONFLICT, EUnavailable to EUNAVAILABLE. Other errors pass
// unchanged.
func AppError(err error, rename func(string) string) error {
	var se *shipping.Error
	if err == nil || !errors.As(err, &se) {
		return err
	}
	if rename == nil {
		rename = func(s string) string { return s }
	}
	switch se.Code {
	case shipping.EInvalid:
		if len(se.Fields) == 0 {
			return &returns.Error{Code: returns.EINVALID, Message: se.Message}
		}
		errs := make([]error, 0, len(se.Fields))
		for _, f := range se.Fields {
			name := rename(f.Field)
			if name == "" {
				name = "body"
			}
			errs = append(errs, &returns.Error{Code: returns.EINVALID, Field: name, Message: f.Message})
		}
		if len(errs) == 1 {
			return errs[0]
		}
		return errors.Join(errs...)
	case shipping.ENotFound:
		if len(se.Fields) > 0 {
			return &returns.Error{Code: returns.EUNPROCESSABLE, Field: rename(se.Fields[0].Field), Message: se.Fields[0].Message}
		}
		return &returns.Error{Code: returns.ENOTFOUND, Message: se.Message}
	case shipping.EConflict:
		return &returns.Error{Code: returns.ECONFLICT, Message: se.Message}
	case shipping.EUnavailable:
		return &returns.Error{Code: returns.EUNAVAILABLE, Message: "the carrier is unavailable; retry later (" + se.Message + ")"}
	case shipping.ERefused:
		return &returns.Error{Code: returns.EUNPROCESSABLE, Message: refusal(se)}
	}
	return err
}

// refusal is a carrier's refusal as one message: the carrier's code and
// message and its field errors.
func refusal(se *shipping.Error) string {
	var b strings.Builder
	if se.Carrier != "" {
		b.WriteString(se.Carrier)
		if se.CarrierCode != "" {
			b.WriteString(" " + se.CarrierCode)
		}
		b.WriteString(": ")
	}
	b.WriteString(se.Message)
	for i, f := range se.Fields {
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f.String())
		if i == len(se.Fields)-1 {
			b.WriteString(")")
		}
	}
	return b.String()
}

func randomToken() string {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

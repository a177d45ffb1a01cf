package shipping

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// Address is a postal address with its contact.
type Address struct {
	Name    string // person; Name or Company is required
	Company string
	Street1 string // required
	Street2 string
	City    string // required
	State   string // state, province or region code, where the country uses one
	// PostalCode is required by most carriers; the rate table matches zones
	// on its normalized prefix (see NormalizePostalCode).
	PostalCode string
	Country    string // ISO 3166-1 alpha-2, upper case ("US"); required
	Phone      string
	Email      string
}

// maxAddressField bounds each address field (in runes).
const maxAddressField = 200

// Validate checks the address. Every bad field is reported, with paths
// relative to the address: "name", "street1", "city", "country", ...
func (a Address) Validate() error {
	var fe fieldErrors
	a.check(&fe, "")
	return fe.err()
}

func (a Address) check(fe *fieldErrors, prefix string) {
	p := func(f string) string { return joinPath(prefix, f) }
	fields := []struct {
		name, v  string
		required bool
	}{
		{"name", a.Name, false}, {"company", a.Company, false},
		{"street1", a.Street1, true}, {"street2", a.Street2, false},
		{"city", a.City, true}, {"state", a.State, false},
		{"postalCode", a.PostalCode, false}, {"phone", a.Phone, false},
		{"email", a.Email, false},
	}
	for _, f := range fields {
		switch {
		case !utf8.ValidString(f.v):
			fe.add(p(f.name), "is not valid UTF-8")
		case utf8.RuneCountInString(f.v) > maxAddressField:
			fe.add(p(f.name), "is too long (at most %d characters)", maxAddressField)
		case f.required && strings.TrimSpace(f.v) == "":
			fe.add(p(f.name), "is required")
		}
	}
	if strings.TrimSpace(a.Name) == "" && strings.TrimSpace(a.Company) == "" {
		fe.add(p("name"), "is required when company is empty")
	}
	if a.Country == "" {
		fe.add(p("country"), "is required")
	} else if !ValidCountry(a.Country) {
		fe.add(p("country"), "must be an ISO 3166-1 alpha-2 country code such as \"US\" (got %q)", clip(a.Country))
	}
}

// ValidCountry reports whether code is an assigned ISO 3166-1 alpha-2 code
// in upper case ("US", "DE"); "us", "USA" and "ZZ" are not.
func ValidCountry(code string) bool {
	if len(code) != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z' {
		return false
	}
	r, err := language.ParseRegion(code)
	return err == nil && r.IsCountry() && r.String() == code
}

// NormalizePostalCode returns the postal code in the form zones match on:
// upper case, with spaces and hyphens removed ("sw1a 1aa" → "SW1A1AA",
// "12345-6789" → "123456789").
func NormalizePostalCode(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if r == ' ' || r == '-' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

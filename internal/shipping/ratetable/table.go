package ratetable

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/shipping"
)

// Table is a rate table document (see the package documentation). Values
// returned by Parse are validated and ready to quote; a Table built by hand
// must go through Parse (of its JSON) or Compile before use.
type Table struct {
	Carrier     string              `json:"carrier,omitempty"`
	Currency    string              `json:"currency"`
	WeightUnit  shipping.WeightUnit `json:"weightUnit"`
	TrackingURL string              `json:"trackingUrl,omitempty"`
	Services    []Service           `json:"services"`
	Zones       []Zone              `json:"zones"`

	compiled []zone // set by Compile
}

// Service is one service offered by the table.
type Service struct {
	Code          string `json:"code"`
	Name          string `json:"name,omitempty"`
	EstimatedDays int    `json:"estimatedDays,omitempty"`
}

// Zone is a set of destinations sharing prices.
type Zone struct {
	Name           string   `json:"name,omitempty"`
	Countries      []string `json:"countries"`
	PostalPrefixes []string `json:"postalPrefixes,omitempty"`
	Bands          []Band   `json:"bands"`
}

// Band is a weight range, over < w ≤ upTo, with a price per service.
type Band struct {
	Over   string            `json:"over,omitempty"`
	UpTo   string            `json:"upTo"`
	Prices map[string]string `json:"prices"`
}

// Limits on documents, so that a hostile table stays cheap to check.
const (
	MaxDocumentBytes = 1 << 20
	maxServices      = 50
	maxZones         = 1000
	maxBands         = 200
	maxCountries     = 300
	maxPrefixes      = 5000
	maxNameLen       = 100
	maxDays          = 365
)

// Wildcard is the country that matches every country.
const Wildcard = "*"

var (
	serviceCodeRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)
	postalPrefixRE = regexp.MustCompile(`^[A-Z0-9]{1,10}$`)
)

type zone struct {
	index     int
	countries []string
	prefixes  []string // normalized
	bands     []band   // sorted by over
}

type band struct {
	over, upTo *big.Rat
	prices     map[string]int64
}

// Decode reads and parses one rate table document from r (at most
// MaxDocumentBytes). See Parse.
func Decode(r io.Reader) (*Table, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxDocumentBytes+1))
	if err != nil {
		return nil, err
	}
	return Parse(data)
}

// Parse decodes a rate table document strictly (unknown members are
// errors) and validates it. The error is an EInvalid *shipping.Error
// listing every bad member by its path.
func Parse(data []byte) (*Table, error) {
	if len(data) > MaxDocumentBytes {
		return nil, shipping.Invalid("", fmt.Sprintf("the rate table is larger than %d bytes", MaxDocumentBytes))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var t Table
	if err := dec.Decode(&t); err != nil {
		return nil, decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, shipping.Invalid("", "unexpected data after the rate table")
	}
	if err := t.Compile(); err != nil {
		return nil, err
	}
	return &t, nil
}

func decodeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return shipping.Invalid(te.Field, fmt.Sprintf("must be a JSON %s, not %s", jsonKind(te.Type.Kind().String()), te.Value))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return shipping.Invalid("", fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, se))
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if field, ok := strings.CutPrefix(msg, "unknown field "); ok {
		return shipping.Invalid("", "unknown member "+field)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return shipping.Invalid("", "the rate table is empty or truncated")
	}
	return shipping.Invalid("", msg)
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "slice":
		return "array"
	case "map", "struct":
		return "object"
	case "int", "int64":
		return "integer"
	}
	return goKind
}

// Compile validates t and prepares it for quoting. The error is an EInvalid
// *shipping.Error listing every bad member by its path.
func (t *Table) Compile() error {
	v := validator{t: t}
	v.check()
	if len(v.errs) > 0 {
		t.compiled = nil
		return &shipping.Error{Code: shipping.EInvalid, Message: "invalid rate table", Fields: v.errs}
	}
	t.compiled = v.zones
	return nil
}

type validator struct {
	t        *Table
	errs     []shipping.FieldError
	services map[string]bool
	scale    int // -1 when the currency is bad
	zones    []zone
}

func (v *validator) add(field, format string, args ...any) {
	v.errs = append(v.errs, shipping.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) check() {
	t := v.t
	if utf8.RuneCountInString(t.Carrier) > maxNameLen || !utf8.ValidString(t.Carrier) {
		v.add("carrier", "must be valid text of at most %d characters", maxNameLen)
	}
	v.scale = -1
	if t.Currency == "" {
		v.add("currency", "is required (an ISO 4217 code such as \"USD\")")
	} else if s, err := money.Scale(t.Currency); err != nil {
		var ce *money.CurrencyError
		if errors.As(err, &ce) {
			v.add("currency", "%s", ce.Reason)
		} else {
			v.add("currency", "%v", err)
		}
	} else {
		v.scale = s
	}
	if !t.WeightUnit.Valid() {
		v.add("weightUnit", "must be one of oz, lb, g, kg (got %q)", clip(string(t.WeightUnit)))
	}
	if t.TrackingURL != "" {
		u, err := url.Parse(strings.ReplaceAll(t.TrackingURL, "{trackingNumber}", "X"))
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			v.add("trackingUrl", "must be an absolute http or https URL")
		case !strings.Contains(t.TrackingURL, "{trackingNumber}"):
			v.add("trackingUrl", "must contain {trackingNumber}")
		}
	}
	v.checkServices()
	v.checkZones()
}

func (v *validator) checkServices() {
	v.services = map[string]bool{}
	switch n := len(v.t.Services); {
	case n == 0:
		v.add("services", "must list at least one service")
	case n > maxServices:
		v.add("services", "must list at most %d services", maxServices)
		return
	}
	first := map[string]int{}
	for i, s := range v.t.Services {
		p := fmt.Sprintf("services[%d]", i)
		switch j, dup := first[s.Code]; {
		case !serviceCodeRE.MatchString(s.Code):
			v.add(p+".code", "must be 1 to 32 lower case letters, digits, \"_\" or \"-\" (got %q)", clip(s.Code))
		case dup:
			v.add(p+".code", "duplicates services[%d]", j)
		default:
			first[s.Code] = i
			v.services[s.Code] = true
		}
		if utf8.RuneCountInString(s.Name) > maxNameLen || !utf8.ValidString(s.Name) {
			v.add(p+".name", "must be valid text of at most %d characters", maxNameLen)
		}
		if s.EstimatedDays < 0 || s.EstimatedDays > maxDays {
			v.add(p+".estimatedDays", "must be between 0 and %d", maxDays)
		}
	}
}

// zoneKey identifies what a zone covers, to find ambiguous tables.
type zoneKey struct{ country, prefix string }

func (v *validator) checkZones() {
	switch n := len(v.t.Zones); {
	case n == 0:
		v.add("zones", "must list at least one zone")
	case n > maxZones:
		v.add("zones", "must list at most %d zones", maxZones)
		return
	}
	owner := map[zoneKey]int{}
	prefixes := 0
	for i, z := range v.t.Zones {
		p := fmt.Sprintf("zones[%d]", i)
		cz := zone{index: i}
		if utf8.RuneCountInString(z.Name) > maxNameLen || !utf8.ValidString(z.Name) {
			v.add(p+".name", "must be valid text of at most %d characters", maxNameLen)
		}
		switch n := len(z.Countries); {
		case n == 0:
			v.add(p+".countries", "must list at least one country (or \"*\")")
		case n > maxCountries:
			v.add(p+".countries", "must list at most %d countries", maxCountries)
		}
		seen := map[string]int{}
		wildcard := false
		for j, c := range z.Countries {
			if j >= maxCountries {
				break
			}
			cp := fmt.Sprintf("%s.countries[%d]", p, j)
			if k, dup := seen[c]; dup {
				v.add(cp, "duplicates %s.countries[%d]", p, k)
				continue
			}
			seen[c] = j
			if c == Wildcard {
				wildcard = true
			} else if !shipping.ValidCountry(c) {
				v.add(cp, "must be an ISO 3166-1 alpha-2 country code in upper case, or \"*\" (got %q)", clip(c))
				continue
			}
			cz.countries = append(cz.countries, c)
		}
		if wildcard && len(z.PostalPrefixes) > 0 {
			v.add(p+".postalPrefixes", "cannot be combined with the country \"*\"")
		}
		prefixes += len(z.PostalPrefixes)
		if prefixes > maxPrefixes {
			v.add(p+".postalPrefixes", "the table lists more than %d postal prefixes", maxPrefixes)
			return
		}
		seenPrefix := map[string]int{}
		for j, raw := range z.PostalPrefixes {
			pp := fmt.Sprintf("%s.postalPrefixes[%d]", p, j)
			n := shipping.NormalizePostalCode(raw)
			if !postalPrefixRE.MatchString(n) {
				v.add(pp, "must be 1 to 10 letters or digits (spaces and hyphens ignored) (got %q)", clip(raw))
				continue
			}
			if k, dup := seenPrefix[n]; dup {
				v.add(pp, "duplicates %s.postalPrefixes[%d]", p, k)
				continue
			}
			seenPrefix[n] = j
			cz.prefixes = append(cz.prefixes, n)
		}
		// Ambiguity across zones.
		for j, c := range z.Countries {
			if _, ok := seen[c]; !ok || seen[c] != j || (c != Wildcard && !shipping.ValidCountry(c)) {
				continue
			}
			if len(z.PostalPrefixes) == 0 {
				k := zoneKey{c, ""}
				if o, taken := owner[k]; taken {
					v.add(fmt.Sprintf("%s.countries[%d]", p, j), "%s without postal prefixes is already covered by zones[%d]", c, o)
				} else {
					owner[k] = i
				}
				continue
			}
			for pj, n := range cz.prefixes {
				k := zoneKey{c, n}
				if o, taken := owner[k]; taken {
					v.add(fmt.Sprintf("%s.postalPrefixes[%d]", p, pj), "%s %s is already covered by zones[%d]", c, n, o)
				} else {
					owner[k] = i
				}
			}
		}
		cz.bands = v.checkBands(p, z.Bands)
		v.zones = append(v.zones, cz)
	}
}

func (v *validator) checkBands(p string, bands []Band) []band {
	switch n := len(bands); {
	case n == 0:
		v.add(p+".bands", "must list at least one weight band")
	case n > maxBands:
		v.add(p+".bands", "must list at most %d weight bands", maxBands)
		return nil
	}
	type indexed struct {
		i int
		b band
	}
	var ok []indexed
	for i, b := range bands {
		bp := fmt.Sprintf("%s.bands[%d]", p, i)
		cb := band{prices: map[string]int64{}}
		good := true
		over := b.Over
		if over == "" {
			over = "0"
		}
		var err error
		if cb.over, err = limit(over); err != nil {
			v.add(bp+".over", "%v", err)
			good = false
		}
		if b.UpTo == "" {
			v.add(bp+".upTo", "is required")
			good = false
		} else if cb.upTo, err = limit(b.UpTo); err != nil {
			v.add(bp+".upTo", "%v", err)
			good = false
		}
		if good && cb.upTo.Cmp(cb.over) <= 0 {
			v.add(bp+".upTo", "must be greater than over (%s)", over)
			good = false
		}
		if len(b.Prices) == 0 {
			v.add(bp+".prices", "must price at least one service")
		}
		codes := make([]string, 0, len(b.Prices))
		for c := range b.Prices {
			codes = append(codes, c)
		}
		sort.Strings(codes)
		for _, c := range codes {
			pp := bp + ".prices." + c
			if !v.services[c] {
				v.add(pp, "is not a service listed in services")
				continue
			}
			s := b.Prices[c]
			if v.scale < 0 {
				if money.CheckDecimal(s) != nil {
					v.add(pp, "must be a decimal string such as \"6.50\" (got %q)", clip(s))
				}
				continue
			}
			amount, err := money.ParseAmount(s, v.t.Currency)
			if err != nil {
				var ae *money.AmountError
				if errors.As(err, &ae) {
					v.add(pp, "%s", ae.Reason)
				} else {
					v.add(pp, "%v", err)
				}
				continue
			}
			if amount < 0 {
				v.add(pp, "must not be negative")
				continue
			}
			cb.prices[c] = amount
		}
		if good {
			ok = append(ok, indexed{i, cb})
		}
	}
	slices.SortStableFunc(ok, func(a, b indexed) int { return a.b.over.Cmp(b.b.over) })
	var out []band
	last := -1 // index in ok of the last band kept
	for k := range ok {
		if last >= 0 && ok[k].b.over.Cmp(ok[last].b.upTo) < 0 {
			later, earlier := ok[k].i, ok[last].i
			if later < earlier {
				later, earlier = earlier, later
			}
			v.add(fmt.Sprintf("%s.bands[%d]", p, later), "overlaps %s.bands[%d]", p, earlier)
			continue
		}
		out = append(out, ok[k].b)
		last = k
	}
	return out
}

// limit parses a band limit: a non-negative decimal string.
func limit(s string) (*big.Rat, error) {
	if len(s) > 32 {
		return nil, errors.New("is too long (at most 32 characters)")
	}
	r, err := shipping.ParseDecimal(s)
	if err != nil {
		return nil, fmt.Errorf("must be a decimal string such as \"1.5\" (got %q)", clip(s))
	}
	if r.Sign() < 0 {
		return nil, errors.New("must not be negative")
	}
	return r, nil
}

func clip(s string) string {
	if len(s) <= 24 {
		return s
	}
	return s[:24] + "..."
}

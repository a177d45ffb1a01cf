package label

import (
	_ "embed"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"

	"github.com/reboundhq/rebound/internal/shipping"
)

var (
	//go:embed fonts/DejaVuSans.ttf
	regularTTF []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	boldTTF []byte
)

const family = "DejaVu"

// epoch is the creation date of documents rendered without a date, so that
// output stays deterministic.
var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// newPDF returns a document in millimetres with the embedded fonts.
func newPDF(size fpdf.SizeType, date time.Time) *fpdf.Fpdf {
	pdf := fpdf.NewCustom(&fpdf.InitType{UnitStr: "mm", Size: size})
	pdf.AddUTF8FontFromBytes(family, "", regularTTF)
	pdf.AddUTF8FontFromBytes(family, "B", boldTTF)
	if date.IsZero() {
		date = epoch
	}
	pdf.SetCreationDate(date.UTC())
	pdf.SetModificationDate(date.UTC())
	pdf.SetCatalogSort(true)
	pdf.SetProducer("Rebound", false)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(0, 0, 0)
	return pdf
}

// Sanitize returns s fit for printing with the embedded font: invalid
// UTF-8 and runes outside the Basic Multilingual Plane (emoji, which fpdf
// cannot set) become U+FFFD, control and format characters become spaces,
// runs of spaces collapse to one and the ends are trimmed.
func Sanitize(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r > 0xFFFF:
			r = '\uFFFD'
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r):
			r = ' '
		case r >= 0xD800 && r <= 0xDFFF, r >= 0xE000 && r <= 0xF8FF:
			r = '\uFFFD' // surrogates, private use
		}
		if r == ' ' {
			if space || b.Len() == 0 {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteRune(r)
	}
	return strings.TrimRight(b.String(), " ")
}

// fit shortens s with an ellipsis until it is at most w wide in the
// current font.
func fit(pdf *fpdf.Fpdf, s string, w float64) string {
	if pdf.GetStringWidth(s) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && pdf.GetStringWidth(string(r)+"…") > w {
		r = r[:len(r)-1]
	}
	return strings.TrimRight(string(r), " ") + "…"
}

// addressLines returns the printed lines of an address.
func addressLines(a shipping.Address) []string {
	var lines []string
	add := func(parts ...string) {
		var kept []string
		for _, p := range parts {
			if p = Sanitize(p); p != "" {
				kept = append(kept, p)
			}
		}
		if len(kept) > 0 {
			lines = append(lines, strings.Join(kept, " "))
		}
	}
	add(a.Name)
	add(a.Company)
	add(a.Street1)
	add(a.Street2)
	city := Sanitize(a.City)
	if st := Sanitize(a.State); st != "" {
		if city != "" {
			city += ","
		}
		city += " " + st
	}
	add(city, a.PostalCode)
	add(a.Country)
	return lines
}

// pt converts a font size in points to millimetres (line heights).
func pt(size float64) float64 { return size * 25.4 / 72 }

func validText(s string) bool { return utf8.ValidString(s) }

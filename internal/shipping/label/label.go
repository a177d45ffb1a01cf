package label

import (
	"bytes"
	"io"
	"math"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/reboundhq/rebound/internal/shipping"
)

// Label is the content of a 4×6 inch shipping label.
type Label struct {
	Carrier        string // carrier name, e.g. "Rebound Post"; required
	Service        string // service name, e.g. "Ground"; required
	TrackingNumber string // printable ASCII, encoded as Code 128; required
	From, To       shipping.Address
	// QRContent is encoded as a QR code: the return's status URL for a
	// return's label, the tracking number for a standalone shipment.
	// Required, at most 1024 bytes.
	QRContent string
	// Reference is the return (RMA) id, printed large; optional.
	Reference string
	Weight    string    // printed as is, e.g. "12 oz"; optional
	Date      time.Time // ship date, printed; also the PDF's date. Optional.
}

// Label size: 4×6 inches.
const (
	labelW = 101.6
	labelH = 152.4
	margin = 4.0
)

// Validate checks the label. The error is an EInvalid *shipping.Error
// naming every bad field ("trackingNumber", "qrContent", "carrier", ...).
func (l Label) Validate() error {
	var fe []shipping.FieldError
	add := func(f, m string) { fe = append(fe, shipping.FieldError{Field: f, Message: m}) }
	for _, f := range []struct{ name, v string }{{"carrier", l.Carrier}, {"service", l.Service}} {
		if strings.TrimSpace(Sanitize(f.v)) == "" {
			add(f.name, "is required")
		}
	}
	if l.TrackingNumber == "" {
		add("trackingNumber", "is required")
	} else if _, _, err := code128Modules(l.TrackingNumber); err != nil {
		add("trackingNumber", err.Error())
	} else if len(l.TrackingNumber) > 40 {
		add("trackingNumber", "is longer than 40 characters")
	}
	switch {
	case l.QRContent == "":
		add("qrContent", "is required")
	case !validText(l.QRContent):
		add("qrContent", "is not valid UTF-8")
	default:
		if _, err := qrSymbol(l.QRContent); err != nil {
			add("qrContent", err.Error())
		}
	}
	if len(fe) > 0 {
		return &shipping.Error{Code: shipping.EInvalid, Message: "invalid label", Fields: fe}
	}
	return nil
}

// Render writes the label as a one-page PDF. EInvalid when the label does
// not validate; other errors come from w.
func Render(w io.Writer, l Label) error {
	if err := l.Validate(); err != nil {
		return err
	}
	pdf := newPDF(fpdf.SizeType{Wd: labelW, Ht: labelH}, l.Date)
	pdf.SetTitle("Shipping label "+l.TrackingNumber, true)
	pdf.AddPage()
	inner := labelW - 2*margin
	pdf.SetLineWidth(0.4)
	pdf.SetDrawColor(0, 0, 0)
	pdf.Rect(1.5, 1.5, labelW-3, labelH-3, "D")

	// Header: carrier and service.
	y := margin + 1
	pdf.SetFont(family, "B", 15)
	pdf.SetXY(margin, y)
	carrier := fit(pdf, Sanitize(l.Carrier), inner*0.55)
	pdf.CellFormat(inner*0.55, pt(15)*1.2, carrier, "", 0, "LM", false, 0, "")
	pdf.SetFont(family, "B", 12)
	pdf.SetXY(margin+inner*0.55, y)
	pdf.CellFormat(inner*0.45, pt(15)*1.2, fit(pdf, strings.ToUpper(Sanitize(l.Service)), inner*0.45), "", 0, "RM", false, 0, "")
	y += pt(15)*1.2 + 2
	rule(pdf, y)

	// From.
	y += 2
	y = addressBlock(pdf, "FROM", l.From, y, 8, 8.5, false)
	if !l.Date.IsZero() || l.Weight != "" {
		pdf.SetFont(family, "", 7.5)
		var parts []string
		if !l.Date.IsZero() {
			parts = append(parts, "Date "+l.Date.UTC().Format("2006-01-02"))
		}
		if w := Sanitize(l.Weight); w != "" {
			parts = append(parts, "Weight "+w)
		}
		pdf.SetXY(margin, y)
		pdf.CellFormat(inner, pt(7.5)*1.3, fit(pdf, strings.Join(parts, "   "), inner), "", 0, "RM", false, 0, "")
		y += pt(7.5) * 1.3
	}
	y += 1
	rule(pdf, y)

	// To.
	y += 3
	y = addressBlock(pdf, "SHIP TO", l.To, y, 8, 12, true)
	y = math.Max(y+2, 78)
	rule(pdf, y)

	// Tracking barcode and its text.
	y += 4
	bc, modules, _ := code128Modules(l.TrackingNumber)
	m := math.Min(0.5, (inner-6)/float64(modules+20))
	bw := m * float64(modules)
	barH := 22.0
	drawBars(pdf, bc, (labelW-bw)/2, y, m, barH)
	y += barH + 1.5
	pdf.SetFont(family, "B", 11)
	pdf.SetXY(margin, y)
	pdf.CellFormat(inner, pt(11)*1.3, spaced(l.TrackingNumber), "", 0, "CM", false, 0, "")
	y += pt(11)*1.3 + 2
	rule(pdf, y)

	// QR code and the return id.
	y += 4
	sym, _ := qrSymbol(l.QRContent)
	n := sym.Bounds().Dx()
	// The QR code keeps a quiet zone of 4 modules from the border.
	qrSide := math.Min(32, labelH-1.5-y-4*32/float64(n+8))
	qm := qrSide / float64(n)
	drawMatrix(pdf, sym, 1.5+4*qm+0.5, y, qm)
	tx := 1.5 + 4*qm + qrSide + 5
	tw := labelW - margin - tx
	ty := y + 2
	if ref := Sanitize(l.Reference); ref != "" {
		pdf.SetFont(family, "", 8)
		pdf.SetXY(tx, ty)
		pdf.CellFormat(tw, pt(8)*1.3, "RETURN", "", 0, "LM", false, 0, "")
		ty += pt(8) * 1.3
		pdf.SetFont(family, "B", 14)
		for _, line := range wrap(pdf, ref, tw, 2) {
			pdf.SetXY(tx, ty)
			pdf.CellFormat(tw, pt(14)*1.25, line, "", 0, "LM", false, 0, "")
			ty += pt(14) * 1.25
		}
	}
	pdf.SetFont(family, "", 7.5)
	pdf.SetXY(tx, math.Max(ty+2, y+qrSide-2*pt(7.5)*1.3))
	for _, line := range wrap(pdf, qrCaption(l), tw, 2) {
		pdf.SetX(tx)
		pdf.CellFormat(tw, pt(7.5)*1.3, line, "", 2, "LM", false, 0, "")
	}

	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return shipping.Errorf(shipping.EInternal, "label: rendering the PDF: %v", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func qrCaption(l Label) string {
	if l.QRContent == l.TrackingNumber {
		return "Scan to track this parcel"
	}
	return "Scan for the status of this return"
}

// rule draws a full-width line at y.
func rule(pdf *fpdf.Fpdf, y float64) { pdf.Line(1.5, y, labelW-1.5, y) }

// addressBlock prints a caption and an address from y, the first line
// bold when bold is set; it returns the y below the block.
func addressBlock(pdf *fpdf.Fpdf, caption string, a shipping.Address, y, captionSize, size float64, bold bool) float64 {
	inner := labelW - 2*margin
	pdf.SetFont(family, "", captionSize)
	pdf.SetXY(margin, y)
	pdf.CellFormat(inner, pt(captionSize)*1.3, caption, "", 0, "LM", false, 0, "")
	y += pt(captionSize) * 1.3
	indent := margin + 3
	for i, line := range addressLines(a) {
		style := ""
		if bold && i == 0 {
			style = "B"
		}
		pdf.SetFont(family, style, size)
		pdf.SetXY(indent, y)
		pdf.CellFormat(inner-3, pt(size)*1.25, fit(pdf, line, inner-3), "", 0, "LM", false, 0, "")
		y += pt(size) * 1.25
	}
	return y
}

// spaced groups a tracking number in fours for reading aloud.
func spaced(tn string) string {
	var b strings.Builder
	for i, r := range tn {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// wrap splits s into at most max lines of width w, the last one shortened
// with an ellipsis if needed.
func wrap(pdf *fpdf.Fpdf, s string, w float64, max int) []string {
	lines := pdf.SplitText(s, w)
	if len(lines) > max {
		lines = lines[:max]
		lines[max-1] = fit(pdf, lines[max-1]+"…", w)
	}
	return lines
}

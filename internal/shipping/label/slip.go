package label

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/reboundhq/rebound/internal/shipping"
)

// PageSize is the paper of a packing slip.
type PageSize string

// Page sizes.
const (
	A4     PageSize = "A4" // 210 × 297 mm; the default
	Letter PageSize = "Letter"
)

// PackingSlip is the content of a packing slip put in a returned parcel.
type PackingSlip struct {
	ReturnID  string // the return (RMA) id; required
	OrderName string // e.g. "#1001"; optional
	Date      time.Time
	// From is the shopper, To the warehouse receiving the parcel.
	From, To shipping.Address
	Items    []Item // at least one
	Notes    string // printed under the items; optional
	PageSize PageSize
}

// Item is one returned line.
type Item struct {
	Title    string // required
	SKU      string
	Quantity int // at least 1
	Reason   string
}

// MaxSlipItems bounds the items of a packing slip.
const MaxSlipItems = 500

// Validate checks the slip. The error is an EInvalid *shipping.Error naming
// every bad field ("returnId", "items[2].quantity", "pageSize", ...).
func (p PackingSlip) Validate() error {
	var fe []shipping.FieldError
	add := func(f, format string, args ...any) {
		fe = append(fe, shipping.FieldError{Field: f, Message: fmt.Sprintf(format, args...)})
	}
	if Sanitize(p.ReturnID) == "" {
		add("returnId", "is required")
	}
	switch p.PageSize {
	case "", A4, Letter:
	default:
		add("pageSize", "must be A4 or Letter (got %q)", p.PageSize)
	}
	switch n := len(p.Items); {
	case n == 0:
		add("items", "must list at least one item")
	case n > MaxSlipItems:
		add("items", "must list at most %d items", MaxSlipItems)
	}
	for i, it := range p.Items {
		if Sanitize(it.Title) == "" {
			add(fmt.Sprintf("items[%d].title", i), "is required")
		}
		if it.Quantity < 1 {
			add(fmt.Sprintf("items[%d].quantity", i), "must be at least 1 (got %d)", it.Quantity)
		}
	}
	if len(fe) > 0 {
		return &shipping.Error{Code: shipping.EInvalid, Message: "invalid packing slip", Fields: fe}
	}
	return nil
}

// RenderPackingSlip writes the slip as a PDF of as many pages as the items
// need; the table header repeats on each page. EInvalid when the slip does
// not validate; other errors come from w.
func RenderPackingSlip(w io.Writer, p PackingSlip) error {
	if err := p.Validate(); err != nil {
		return err
	}
	size := fpdf.SizeType{Wd: 210, Ht: 297}
	if p.PageSize == Letter {
		size = fpdf.SizeType{Wd: 215.9, Ht: 279.4}
	}
	pdf := newPDF(size, p.Date)
	pdf.SetTitle("Packing slip "+Sanitize(p.ReturnID), true)
	s := slip{pdf: pdf, p: p, w: size.Wd, h: size.Ht, m: 15}
	s.render()
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return shipping.Errorf(shipping.EInternal, "label: rendering the packing slip: %v", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

type slip struct {
	pdf     *fpdf.Fpdf
	p       PackingSlip
	w, h, m float64
	y       float64
}

// Column widths as fractions of the text width: title, SKU, quantity, reason.
var slipCols = [4]float64{0.42, 0.18, 0.08, 0.32}

func (s *slip) render() {
	pdf := s.pdf
	inner := s.w - 2*s.m
	pdf.AddPage()
	s.y = s.m
	pdf.SetFont(family, "B", 18)
	pdf.SetXY(s.m, s.y)
	pdf.CellFormat(inner, pt(18)*1.3, "Packing slip", "", 0, "LM", false, 0, "")
	s.y += pt(18)*1.3 + 1
	pdf.SetFont(family, "", 10)
	meta := []string{"Return " + Sanitize(s.p.ReturnID)}
	if o := Sanitize(s.p.OrderName); o != "" {
		meta = append(meta, "Order "+o)
	}
	if !s.p.Date.IsZero() {
		meta = append(meta, s.p.Date.UTC().Format("2006-01-02"))
	}
	pdf.SetXY(s.m, s.y)
	pdf.CellFormat(inner, pt(10)*1.4, fit(pdf, strings.Join(meta, "  ·  "), inner), "", 0, "LM", false, 0, "")
	s.y += pt(10)*1.4 + 4

	top := s.y
	yl := s.address("From", s.p.From, s.m, inner/2-4)
	yr := s.addressAt("Return to", s.p.To, s.m+inner/2, inner/2, top)
	s.y = max(yl, yr) + 6

	s.header()
	for _, it := range s.p.Items {
		s.row(it)
	}
	if n := Sanitize(s.p.Notes); n != "" {
		pdf.SetFont(family, "", 9)
		lines := pdf.SplitText(n, inner)
		s.need(float64(len(lines))*pt(9)*1.35 + 4)
		s.y += 4
		for _, l := range lines {
			pdf.SetXY(s.m, s.y)
			pdf.CellFormat(inner, pt(9)*1.35, l, "", 0, "LM", false, 0, "")
			s.y += pt(9) * 1.35
		}
	}
}

func (s *slip) address(caption string, a shipping.Address, x, w float64) float64 {
	return s.addressAt(caption, a, x, w, s.y)
}

func (s *slip) addressAt(caption string, a shipping.Address, x, w, y float64) float64 {
	pdf := s.pdf
	pdf.SetFont(family, "B", 9)
	pdf.SetXY(x, y)
	pdf.CellFormat(w, pt(9)*1.4, strings.ToUpper(caption), "", 0, "LM", false, 0, "")
	y += pt(9) * 1.4
	pdf.SetFont(family, "", 10)
	for _, line := range addressLines(a) {
		pdf.SetXY(x, y)
		pdf.CellFormat(w, pt(10)*1.3, fit(pdf, line, w), "", 0, "LM", false, 0, "")
		y += pt(10) * 1.3
	}
	return y
}

func (s *slip) colX() (xs [4]float64, ws [4]float64) {
	inner := s.w - 2*s.m
	x := s.m
	for i, f := range slipCols {
		xs[i], ws[i] = x, f*inner
		x += f * inner
	}
	return
}

const cellPad = 1.5

func (s *slip) header() {
	pdf := s.pdf
	xs, ws := s.colX()
	h := pt(9) * 1.6
	pdf.SetFont(family, "B", 9)
	pdf.SetFillColor(230, 230, 230)
	pdf.Rect(s.m, s.y, s.w-2*s.m, h, "F")
	for i, title := range []string{"Item", "SKU", "Qty", "Reason"} {
		align := "LM"
		if i == 2 {
			align = "RM"
		}
		pdf.SetXY(xs[i]+cellPad, s.y)
		pdf.CellFormat(ws[i]-2*cellPad, h, title, "", 0, align, false, 0, "")
	}
	s.y += h
}

// need starts a new page (with the table header) unless h fits below s.y.
func (s *slip) need(h float64) {
	if s.y+h <= s.h-s.m {
		return
	}
	s.pdf.AddPage()
	s.y = s.m
	s.header()
}

func (s *slip) row(it Item) {
	pdf := s.pdf
	xs, ws := s.colX()
	lh := pt(9.5) * 1.35
	pdf.SetFont(family, "", 9.5)
	cells := [4][]string{
		pdf.SplitText(Sanitize(it.Title), ws[0]-2*cellPad),
		pdf.SplitText(Sanitize(it.SKU), ws[1]-2*cellPad),
		{strconv.Itoa(it.Quantity)},
		pdf.SplitText(Sanitize(it.Reason), ws[3]-2*cellPad),
	}
	n := 1
	for i := range cells {
		if len(cells[i]) > 6 { // keep rows within a page
			cells[i] = cells[i][:6]
			cells[i][5] = fit(pdf, cells[i][5]+"…", ws[i]-2*cellPad)
		}
		n = max(n, len(cells[i]))
	}
	h := float64(n)*lh + 2
	s.need(h)
	for i, lines := range cells {
		align := "LM"
		if i == 2 {
			align = "RM"
		}
		for k, l := range lines {
			pdf.SetXY(xs[i]+cellPad, s.y+1+float64(k)*lh)
			pdf.CellFormat(ws[i]-2*cellPad, lh, l, "", 0, align, false, 0, "")
		}
	}
	s.y += h
	pdf.SetDrawColor(180, 180, 180)
	pdf.SetLineWidth(0.2)
	pdf.Line(s.m, s.y, s.w-s.m, s.y)
}

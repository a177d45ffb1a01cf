package label

import (
	"fmt"
	"image/color"

	"codeberg.org/go-pdf/fpdf"
	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/code128"
	"github.com/boombuler/barcode/qr"
)

// dark reports whether a module of a symbol is dark.
func dark(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r+g+b < 3*0x8000
}

// code128Modules encodes s (printable ASCII) as Code 128 and returns the
// symbol and its width in modules.
func code128Modules(s string) (barcode.Barcode, int, error) {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return nil, 0, fmt.Errorf("must be printable ASCII for Code 128")
		}
	}
	bc, err := code128.Encode(s)
	if err != nil {
		return nil, 0, err
	}
	return bc, bc.Bounds().Dx(), nil
}

// drawBars draws a one-dimensional symbol at (x, y), each module m wide and
// the bars h high, merging adjacent dark modules into one rectangle.
func drawBars(pdf *fpdf.Fpdf, bc barcode.Barcode, x, y, m, h float64) {
	b := bc.Bounds()
	pdf.SetFillColor(0, 0, 0)
	for i := b.Min.X; i < b.Max.X; {
		if !dark(bc.At(i, b.Min.Y)) {
			i++
			continue
		}
		j := i
		for j < b.Max.X && dark(bc.At(j, b.Min.Y)) {
			j++
		}
		pdf.Rect(x+float64(i-b.Min.X)*m, y, float64(j-i)*m, h, "F")
		i = j
	}
}

// maxQRBytes bounds QR content; QR codes much larger do not scan from a
// 4×6 label.
const maxQRBytes = 1024

// qrSymbol encodes s as a QR code with medium error correction.
func qrSymbol(s string) (barcode.Barcode, error) {
	if len(s) > maxQRBytes {
		return nil, fmt.Errorf("is longer than %d bytes", maxQRBytes)
	}
	return qr.Encode(s, qr.M, qr.Auto)
}

// drawMatrix draws a two-dimensional symbol at (x, y) with square modules
// of side m, merging runs of dark modules in each row.
func drawMatrix(pdf *fpdf.Fpdf, bc barcode.Barcode, x, y, m float64) {
	b := bc.Bounds()
	pdf.SetFillColor(0, 0, 0)
	for row := b.Min.Y; row < b.Max.Y; row++ {
		for i := b.Min.X; i < b.Max.X; {
			if !dark(bc.At(i, row)) {
				i++
				continue
			}
			j := i
			for j < b.Max.X && dark(bc.At(j, row)) {
				j++
			}
			pdf.Rect(x+float64(i-b.Min.X)*m, y+float64(row-b.Min.Y)*m, float64(j-i)*m, m, "F")
			i = j
		}
	}
}

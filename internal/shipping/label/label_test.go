package label

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/shipping"
)

var writeExample = flag.Bool("write-example", false, "write docs/images/label-example.png")

func exampleLabel() Label {
	return Label{
		Carrier:        "Rebound Post",
		Service:        "Ground",
		TrackingNumber: shipping.GenerateTrackingNumber(424242424242),
		From: shipping.Address{Name: "Zoë Ångström-Łukasiewicz", Street1: "12 Rue de la Paix 🏠", Street2: "Bâtiment C",
			City: "Montréal", State: "QC", PostalCode: "H2X 1Y4", Country: "CA"},
		To: shipping.Address{Company: "Acme Returns Dept.", Name: "Дмитрий Иванов", Street1: "1 Dock Road", City: "Reno",
			State: "NV", PostalCode: "89501", Country: "US"},
		QRContent: "https://returns.example.com/r/ret_65f1c0ffee/status?t=Zx9",
		Reference: "RMA-1001",
		Weight:    "12 oz",
		Date:      time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
	}
}

func render(t *testing.T, l Label) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, l); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	return buf.Bytes()
}

func TestLabelBarcodesDecode(t *testing.T) {
	l := exampleLabel()
	pdf := render(t, l)
	png := pdfPNG(t, pdf, "300")
	got := symbols(t, png)
	if want := []string{l.TrackingNumber}; !reflect.DeepEqual(got["CODE-128"], want) {
		t.Errorf("Code 128: %q, want %q (all: %v)", got["CODE-128"], want, got)
	}
	if want := []string{l.QRContent}; !reflect.DeepEqual(got["QR-Code"], want) {
		t.Errorf("QR: %q, want %q (all: %v)", got["QR-Code"], want, got)
	}
	if *writeExample {
		out := filepath.Join("..", "..", "..", "docs", "images", "label-example.png")
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(out, readFile(t, pdfPNG(t, pdf, "150")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readFile(t *testing.T, p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLabelText(t *testing.T) {
	l := exampleLabel()
	text := pdfText(t, render(t, l))
	for _, want := range []string{
		"Rebound Post", "GROUND", "FROM", "SHIP TO", "RETURN", "RMA-1001",
		"Zoë Ångström-Łukasiewicz", "Bâtiment C", "Montréal, QC H2X 1Y4", "Дмитрий Иванов",
		"Acme Returns Dept.", "Reno, NV 89501", "12 Rue de la Paix \uFFFD", "Weight 12 oz", "Date 2026-03-02",
		"Scan for the status of this return",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(strings.ReplaceAll(text, " ", ""), l.TrackingNumber) {
		t.Errorf("text lacks the tracking number %s:\n%s", l.TrackingNumber, text)
	}
}

// A standalone shipment's label carries the tracking number in the QR code
// too; long carrier tracking numbers (USPS's 22 digits, UPS's 1Z…) fit.
func TestLabelStandaloneAndLongTrackingNumbers(t *testing.T) {
	for _, tn := range []string{"9400100000000000000000", "1Z999AA10123456784", "EZ1000000001XYZABCDEFGHIJKLMNOP"} {
		l := exampleLabel()
		l.TrackingNumber, l.QRContent, l.Reference = tn, tn, ""
		got := symbols(t, pdfPNG(t, render(t, l), "300"))
		if !reflect.DeepEqual(got["CODE-128"], []string{tn}) || !reflect.DeepEqual(got["QR-Code"], []string{tn}) {
			t.Errorf("%s: decoded %v", tn, got)
		}
	}
}

func TestLabelIsDeterministic(t *testing.T) {
	a, b := render(t, exampleLabel()), render(t, exampleLabel())
	if !bytes.Equal(a, b) {
		t.Fatal("two renderings differ")
	}
}

func TestLabelValidate(t *testing.T) {
	err := Render(&bytes.Buffer{}, Label{TrackingNumber: "RB12é", QRContent: strings.Repeat("x", 2000)})
	var got []string
	if shipping.Code(err) != shipping.EInvalid {
		t.Fatalf("err %v", err)
	}
	for _, f := range err.(*shipping.Error).Fields {
		got = append(got, f.Field)
	}
	if want := []string{"carrier", "service", "trackingNumber", "qrContent"}; !reflect.DeepEqual(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"Zoë 🏠 Home":      "Zoë \uFFFD Home",
		"a\tb\nc\x00d":    "a b c d",
		"  x  ":           "x",
		"bad \xff utf8":   "bad \uFFFD utf8",
		"zero\u200bwidth": "zero width",
		"𝔘𝔫𝔦":             "\uFFFD\uFFFD\uFFFD",
	} {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

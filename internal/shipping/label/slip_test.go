package label

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/shipping"
)

func exampleSlip() PackingSlip {
	l := exampleLabel()
	return PackingSlip{
		ReturnID: "RMA-1001", OrderName: "#1001", Date: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
		From: l.From, To: l.To,
		Items: []Item{
			{Title: "Merino wool sweater — forest green, size M", SKU: "SWT-GRN-M", Quantity: 1, Reason: "Too small"},
			{Title: "Chaussettes en laine (lot de 3)", SKU: "SCK-3", Quantity: 2, Reason: "Couleur différente de la photo"},
		},
		Notes: "Please refund to the original payment method.",
	}
}

func TestPackingSlipText(t *testing.T) {
	for _, size := range []PageSize{A4, Letter} {
		p := exampleSlip()
		p.PageSize = size
		var buf bytes.Buffer
		if err := RenderPackingSlip(&buf, p); err != nil {
			t.Fatal(err)
		}
		text := pdfText(t, buf.Bytes())
		for _, want := range []string{"Packing slip", "Return RMA-1001", "Order #1001", "2026-03-02", "FROM", "RETURN TO",
			"Item", "SKU", "Qty", "Reason", "Merino wool sweater", "SWT-GRN-M", "Too small",
			"Chaussettes en laine (lot de 3)", "SCK-3", "Couleur différente de la photo", "Zoë Ångström-Łukasiewicz",
			"Please refund to the original payment method."} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: text lacks %q:\n%s", size, want, text)
			}
		}
	}
}

func TestPackingSlipPaginates(t *testing.T) {
	p := exampleSlip()
	p.Items = nil
	for i := range 120 {
		p.Items = append(p.Items, Item{Title: fmt.Sprintf("Item number %03d", i), SKU: fmt.Sprintf("SKU-%03d", i), Quantity: 1, Reason: "Changed my mind"})
	}
	var buf bytes.Buffer
	if err := RenderPackingSlip(&buf, p); err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, buf.Bytes())
	pages := strings.Split(text, "\f")
	if len(pages) < 3 {
		t.Fatalf("%d pages", len(pages))
	}
	for i := range 120 {
		if !strings.Contains(text, fmt.Sprintf("SKU-%03d", i)) {
			t.Fatalf("item %d missing", i)
		}
	}
	if !strings.Contains(pages[1], "Reason") {
		t.Error("the table header does not repeat on page 2")
	}
}

func TestPackingSlipValidate(t *testing.T) {
	err := RenderPackingSlip(&bytes.Buffer{}, PackingSlip{PageSize: "A5", Items: []Item{{Title: "x", Quantity: 0}, {Quantity: 1}}})
	if shipping.Code(err) != shipping.EInvalid {
		t.Fatalf("err %v", err)
	}
	var got []string
	for _, f := range err.(*shipping.Error).Fields {
		got = append(got, f.Field)
	}
	if want := []string{"returnId", "pageSize", "items[0].quantity", "items[1].title"}; !reflect.DeepEqual(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}
}

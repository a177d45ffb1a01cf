package app_test

import (
	"fmt"
	"testing"

	"github.com/reboundhq/rebound/internal/app"
)

// A scanned or typed search tries the text, a URL's last segment, an
// IMpb barcode's tracking number and the upper-case text.
func TestSearchTerms(t *testing.T) {
	for in, want := range map[string]string{
		"#1001":      "[#1001]",
		" 1z999aa1 ": "[1z999aa1 1Z999AA1]",
		"https://returns.example/admin/returns/6b0329ab83d976bdb64457b0": "[https://returns.example/admin/returns/6b0329ab83d976bdb64457b0 6b0329ab83d976bdb64457b0 HTTPS://RETURNS.EXAMPLE/ADMIN/RETURNS/6B0329AB83D976BDB64457B0]",
		"420100019400111899223197428490":                                 "[420100019400111899223197428490 9400111899223197428490 111899223197428490]",
	} {
		if got := fmt.Sprint(app.SearchTerms(in)); got != want {
			t.Errorf("SearchTerms(%q) = %s, want %s", in, got, want)
		}
	}
}

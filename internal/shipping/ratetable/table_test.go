package ratetable

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/shipping"
)

func exampleTable(t testing.TB) *Table {
	t.Helper()
	data, err := os.ReadFile("testdata/example.json")
	if err != nil {
		t.Fatal(err)
	}
	tab, err := Parse(data)
	if err != nil {
		t.Fatalf("example.json: %v", err)
	}
	return tab
}

// The example in the package documentation is testdata/example.json.
func TestDocExampleMatchesFile(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	in := false
	for _, l := range strings.Split(string(doc), "\n") {
		switch {
		case l == "//\t{":
			in = true
		case !in:
			continue
		}
		lines = append(lines, strings.TrimPrefix(l, "//\t"))
		if l == "//\t}" {
			break
		}
	}
	fromDoc, err := Parse([]byte(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatalf("the documented example does not parse: %v", err)
	}
	if !reflect.DeepEqual(fromDoc, exampleTable(t)) {
		t.Fatal("the documented example differs from testdata/example.json")
	}
}

func errFields(t *testing.T, err error) []string {
	t.Helper()
	if shipping.Code(err) != shipping.EInvalid {
		t.Fatalf("error %v, want EInvalid", err)
	}
	var out []string
	for _, f := range err.(*shipping.Error).Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestParseNamesEveryBadField(t *testing.T) {
	doc := `{
	  "currency": "ZZZ",
	  "weightUnit": "stone",
	  "trackingUrl": "ftp://x/{trackingNumber}",
	  "services": [{"code": "ground"}, {"code": "ground"}, {"code": "Express!", "estimatedDays": -1}],
	  "zones": [
	    {"countries": ["US", "usa"], "bands": [
	      {"upTo": "1", "prices": {"ground": "6.50"}},
	      {"over": "0.5", "upTo": "2", "prices": {"ground": "7", "air": "1"}},
	      {"over": "3", "upTo": "2", "prices": {"ground": "x"}}
	    ]},
	    {"countries": ["US"], "bands": [{"upTo": "1", "prices": {"ground": "1"}}]},
	    {"countries": ["*"], "postalPrefixes": ["9"], "bands": []}
	  ]
	}`
	_, err := Parse([]byte(doc))
	want := []string{
		"currency", "weightUnit", "trackingUrl",
		"services[1].code", "services[2].code", "services[2].estimatedDays",
		"zones[0].countries[1]",
		"zones[0].bands[1].prices.air",
		"zones[0].bands[2].upTo",
		"zones[0].bands[2].prices.ground",
		"zones[0].bands[1]",
		"zones[1].countries[0]",
		"zones[2].postalPrefixes",
		"zones[2].bands",
	}
	if got := errFields(t, err); !reflect.DeepEqual(got, want) {
		t.Errorf("fields\n got %q\nwant %q\n(%v)", got, want, err)
	}
}

func TestParseFieldErrors(t *testing.T) {
	base := func(zones string) string {
		return `{"currency":"USD","weightUnit":"kg","services":[{"code":"ground"},{"code":"express"}],"zones":` + zones + `}`
	}
	cases := []struct {
		name, doc string
		want      []string
	}{
		{"price precision", base(`[{"countries":["US"],"bands":[{"upTo":"1","prices":{"ground":"6.505"}}]}]`), []string{"zones[0].bands[0].prices.ground"}},
		{"negative price", base(`[{"countries":["US"],"bands":[{"upTo":"1","prices":{"ground":"-1.00"}}]}]`), []string{"zones[0].bands[0].prices.ground"}},
		{"duplicate prefix across zones", base(`[{"countries":["US"],"postalPrefixes":["9"],"bands":[{"upTo":"1","prices":{"ground":"1"}}]},{"countries":["US"],"postalPrefixes":["12","9"],"bands":[{"upTo":"1","prices":{"ground":"1"}}]}]`), []string{"zones[1].postalPrefixes[1]"}},
		{"bad prefix", base(`[{"countries":["GB"],"postalPrefixes":["SW1A","S/W"],"bands":[{"upTo":"1","prices":{"ground":"1"}}]}]`), []string{"zones[0].postalPrefixes[1]"}},
		{"overlap out of order", base(`[{"countries":["US"],"bands":[{"over":"5","upTo":"10","prices":{"ground":"1"}},{"upTo":"6","prices":{"ground":"1"}}]}]`), []string{"zones[0].bands[1]"}},
		{"no prices", base(`[{"countries":["US"],"bands":[{"upTo":"1","prices":{}}]}]`), []string{"zones[0].bands[0].prices"}},
		{"no countries", base(`[{"countries":[],"bands":[{"upTo":"1","prices":{"ground":"1"}}]}]`), []string{"zones[0].countries"}},
		{"no zones", base(`[]`), []string{"zones"}},
		{"exponent limit", base(`[{"countries":["US"],"bands":[{"upTo":"1e2","prices":{"ground":"1"}}]}]`), []string{"zones[0].bands[0].upTo"}},
		{"type error", base(`[{"countries":["US"],"bands":[{"upTo":1,"prices":{"ground":"1"}}]}]`), []string{"zones.bands.upTo"}},
		{"unknown member", `{"currency":"USD","colour":"red"}`, []string{""}},
		{"trailing data", base(`[{"countries":["US"],"bands":[{"upTo":"1","prices":{"ground":"1"}}]}]`) + `{}`, []string{""}},
		{"empty", ``, []string{""}},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.doc))
		if got := errFields(t, err); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: fields %q, want %q (%v)", c.name, got, c.want, err)
		}
	}
}

func TestParseAdjacentBandsAndGaps(t *testing.T) {
	doc := `{"currency":"JPY","weightUnit":"g","services":[{"code":"ground"}],"zones":[{"countries":["JP"],"bands":[
	  {"upTo":"500","prices":{"ground":"800"}},{"over":"500","upTo":"1000","prices":{"ground":"1200"}},{"over":"2000","upTo":"5000","prices":{"ground":"2000"}}]}]}`
	if _, err := Parse([]byte(doc)); err != nil {
		t.Fatal(err)
	}
}

func FuzzParse(f *testing.F) {
	data, err := os.ReadFile("testdata/example.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(`{"currency":"USD","weightUnit":"lb","services":[{"code":"a"}],"zones":[{"countries":["*"],"bands":[{"upTo":"1","prices":{"a":"1"}}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := Parse(data)
		if err != nil {
			if shipping.Code(err) != shipping.EInvalid {
				t.Fatalf("error code %s: %v", shipping.Code(err), err)
			}
			return
		}
		// A parsed table quotes without error for any valid parcel.
		for _, w := range []string{"0.001", "1", "5", "1000"} {
			for _, country := range []string{"US", "CA", "JP"} {
				if _, err := tab.Rates(shipping.Address{Country: country, PostalCode: "94105"}, shipping.Weight{Value: w, Unit: shipping.Pound}); err != nil {
					t.Fatalf("Rates: %v", err)
				}
			}
		}
	})
}

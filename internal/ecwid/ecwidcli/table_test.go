package ecwidcli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestCellText(t *testing.T) {
	for in, want := range map[string]string{
		``:                   "",
		`null`:               "",
		` "Jamie" `:          "Jamie",
		`"a \"b\""`:          `a "b"`,
		`42`:                 "42",
		`63.50`:              "63.50",
		`true`:               "true",
		`{}`:                 "",
		`[]`:                 "",
		`[ 1, 2 ]`:           "[1,2]",
		`{"a": {"b": null}}`: `{"a":{"b":null}}`,
	} {
		if got := cellText(json.RawMessage(in)); got != want {
			t.Errorf("cellText(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestTableCell(t *testing.T) {
	if got := tableCell("  two\n lines\tand  tabs "); got != "two lines and tabs" {
		t.Errorf("whitespace: %q", got)
	}
	long := strings.Repeat("é", maxCell+5)
	got := tableCell(long)
	if r := []rune(got); len(r) != maxCell || r[maxCell-1] != '…' {
		t.Errorf("a long cell is cut to %d runes ending in …: %q (%d runes)", maxCell, got, len(r))
	}
	exact := strings.Repeat("x", maxCell)
	if tableCell(exact) != exact {
		t.Errorf("a cell of exactly %d runes is cut", maxCell)
	}
}

func TestLookup(t *testing.T) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(`{"id":"K8","billingPerson":{"name":"Jamie","address":{"city":"Seattle"}},"tags":["a"]}`), &m); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"id":                         `"K8"`,
		"billingPerson.name":         `"Jamie"`,
		"billingPerson.address.city": `"Seattle"`,
		"billingPerson.missing":      ``,
		"tags.0":                     ``, // arrays are not indexed by path
		"nope.deeper":                ``,
	} {
		if got := string(lookup(m, path)); got != want {
			t.Errorf("lookup(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestColumns(t *testing.T) {
	item := func(s string) map[string]json.RawMessage {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	if got := productQuantity(item(`{"unlimited":true,"quantity":3}`)); got != "unlimited" {
		t.Errorf("unlimited product: %q", got)
	}
	if got := productQuantity(item(`{"unlimited":false,"quantity":3}`)); got != "3" {
		t.Errorf("counted product: %q", got)
	}
	created := timestampColumn("createTimestamp", "createDate")
	if got := created(item(`{"createTimestamp":1709568300,"createDate":"2024-03-04 16:05:00 +0000"}`)); got != "2024-03-04T16:05:00Z" {
		t.Errorf("timestamp: %q", got)
	}
	if got := created(item(`{"createTimestamp":0,"createDate":"2024-03-04 16:05:00 +0000"}`)); got != "2024-03-04 16:05:00 +0000" {
		t.Errorf("no timestamp falls back to the date: %q", got)
	}
	if cols := fieldColumns([]string{"id", "billingPerson.name"}); len(cols) != 2 || cols[1].name != "billingPerson.name" ||
		cols[1].value(item(`{"billingPerson":{"name":"Jamie"}}`)) != "Jamie" {
		t.Errorf("fieldColumns: %+v", cols)
	}
}

func TestWriteTable(t *testing.T) {
	var buf bytes.Buffer
	items := []json.RawMessage{
		json.RawMessage(`{"id":1,"name":"Organic Cotton Tee","tags":[]}`),
		json.RawMessage(`{"id":12345,"name":"Rain\njacket","tags":["x"]}`),
	}
	if err := writeTable(&buf, fieldColumns([]string{"id", "name", "tags"}), items); err != nil {
		t.Fatal(err)
	}
	want := "id     name                tags\n" +
		"1      Organic Cotton Tee  \n" +
		"12345  Rain jacket         [\"x\"]\n"
	if buf.String() != want {
		t.Errorf("table:\n%q\nwant:\n%q", buf.String(), want)
	}
	// A header alone for no items; an item that is not an object is an error.
	buf.Reset()
	if err := writeTable(&buf, fieldColumns([]string{"id"}), nil); err != nil || buf.String() != "id\n" {
		t.Errorf("empty table: %q, %v", buf.String(), err)
	}
	if err := writeTable(&buf, fieldColumns([]string{"id"}), []json.RawMessage{json.RawMessage(`[1]`)}); err == nil {
		t.Errorf("an array item was accepted")
	}
}

func TestWriteKV(t *testing.T) {
	raw := json.RawMessage(`{"id":"K8","total":63.5,"note":"","billingPerson":{"name":"Jamie Ortiz","city":"Seattle"},"items":[{"sku":"A"}]}`)
	var buf bytes.Buffer
	if err := writeKV(&buf, raw, nil); err != nil {
		t.Fatal(err)
	}
	want := "id                  K8\n" +
		"total               63.5\n" +
		"billingPerson.name  Jamie Ortiz\n" +
		"billingPerson.city  Seattle\n" +
		"items[0].sku        A\n"
	if buf.String() != want {
		t.Errorf("writeKV:\n%s\nwant:\n%s", buf.String(), want)
	}
	sel, err := parseFieldSel("billingPerson,items")
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := writeKV(&buf, raw, sel); err != nil {
		t.Fatal(err)
	}
	if want := "billingPerson.name  Jamie Ortiz\nbillingPerson.city  Seattle\nitems[0].sku        A\n"; buf.String() != want {
		t.Errorf("writeKV with --fields:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestWriteFooter(t *testing.T) {
	for _, c := range []struct {
		shown, total, offset int
		paged                bool
		want                 string
	}{
		{5, 5, 0, true, "5 of 5\n"},
		{0, 0, 0, true, "0 of 0\n"},
		{2, 6, 1, true, "2 of 6 (from offset 1); more with --offset 3, or --all\n"},
		{2, 6, 0, false, "2 of 6\n"}, // not paged: no --offset hint
		{1, 6, 5, true, "1 of 6 (from offset 5)\n"},
	} {
		var buf bytes.Buffer
		writeFooter(&buf, c.shown, c.total, c.offset, c.paged)
		if buf.String() != c.want {
			t.Errorf("writeFooter(%d, %d, %d, %v) = %q, want %q", c.shown, c.total, c.offset, c.paged, buf.String(), c.want)
		}
	}
}

func TestProgressNotTerminal(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf) // a buffer is not a terminal
	p.update(100, 250)
	p.update(250, 250)
	p.done()
	if want := "fetched 100 of 250\nfetched 250 of 250\n"; buf.String() != want {
		t.Errorf("progress = %q, want %q", buf.String(), want)
	}
}

func TestWriteJSONDoc(t *testing.T) {
	var buf bytes.Buffer
	if err := writeJSONDoc(&buf, []json.RawMessage(nil)); err != nil || buf.String() != "[]\n" {
		t.Errorf("no items: %q, %v (want an empty array, not null)", buf.String(), err)
	}
	buf.Reset()
	if err := writeJSONDoc(&buf, json.RawMessage(`{"d":"<p>&</p>"}`)); err != nil || buf.String() != "{\n  \"d\": \"<p>&</p>\"\n}\n" {
		t.Errorf("object: %q, %v (want indented, HTML unescaped)", buf.String(), err)
	}
}

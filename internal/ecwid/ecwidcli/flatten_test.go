package ecwidcli

import (
	"fmt"
	"testing"
)

func TestFlattenJSON(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
	}{
		{`{}`, `[]`},
		{`{"a":1,"b":"x","c":true,"d":null,"e":""}`, `[{a 1} {b x} {c true}]`},
		{`{"n":12345678901234567890,"f":63.50}`, `[{n 12345678901234567890} {f 63.50}]`}, // numbers as written
		{`{"p":{"name":"J","addr":{"city":"S"}}}`, `[{p.name J} {p.addr.city S}]`},
		{`{"ids":[1,2,3]}`, `[{ids 1, 2, 3}]`}, // scalars: one line
		{`{"items":[{"sku":"A"},{"sku":"B","q":2}]}`, `[{items[0].sku A} {items[1].sku B} {items[1].q 2}]`},
		{`{"mixed":[1,{"a":2}]}`, `[{mixed[0] 1} {mixed[1].a 2}]`}, // not all scalars: indexed
		{`{"empty":[],"obj":{},"nulls":[null]}`, `[]`},
		{`{"s":"two words"}`, `[{s two words}]`},
	} {
		got, err := flattenJSON([]byte(c.in))
		if err != nil {
			t.Errorf("flattenJSON(%s): %v", c.in, err)
			continue
		}
		if s := fmt.Sprint(got); s != c.want {
			t.Errorf("flattenJSON(%s) = %s, want %s", c.in, s, c.want)
		}
	}
	for _, bad := range []string{``, `{"a":`, `{"a" 1}`, `[1,`} {
		if got, err := flattenJSON([]byte(bad)); err == nil {
			t.Errorf("flattenJSON(%q) = %v, want an error", bad, got)
		}
	}
}

func TestFieldSelCovers(t *testing.T) {
	sel, err := parseFieldSel("id,billingPerson.name,items")
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]bool{
		"id": true, "idx": false, "billingPerson.name": true, "billingPerson.name.first": true,
		"billingPerson.city": false, "items[0].sku": true, "items": true, "itemsCount": false,
	} {
		if got := sel.covers(key); got != want {
			t.Errorf("covers(%q) = %v, want %v", key, got, want)
		}
	}
	var none *fieldSel
	if !none.covers("anything") || none.entity() != nil {
		t.Errorf("no selection must cover everything and send no responseFields")
	}
	if got := sel.entity(); len(got) != 1 || got[0] != "id,billingPerson(name),items" {
		t.Errorf("entity() = %q", got)
	}
	if cols := sel.columns; fmt.Sprint(cols) != "[id billingPerson.name items]" {
		t.Errorf("columns = %v", cols)
	}
}

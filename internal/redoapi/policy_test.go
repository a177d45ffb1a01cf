package redoapi

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/reboundhq/rebound/internal/returns"
)

// fill sets every field of v, recursively, to a non-zero value (one
// element in slices, three levels deep), so that a field the wire DTO
// forgets shows up as a difference.
func fill(v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("x" + v.Type().Name())
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(7)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), depth)
	case reflect.Slice:
		if depth > 3 {
			return
		}
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0), depth+1)
		v.Set(s)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth)
			}
		}
	}
}

// The wire DTOs carry every member of the domain values both ways: a field
// added to returns.Policy or returns.Label (at any depth) without its wire
// member fails here. The domain's own JSON is the store's, and is the
// reference.
func TestPolicyAndLabelDTOsCarryEveryField(t *testing.T) {
	same := func(what string, domain, wire, back any) {
		t.Helper()
		d, _ := json.Marshal(domain)
		w, _ := json.Marshal(wire)
		b, _ := json.Marshal(back)
		if string(d) != string(w) || string(d) != string(b) {
			t.Errorf("%s:\ndomain %s\nwire   %s\nback   %s", what, d, w, b)
		}
	}
	var p returns.Policy
	fill(reflect.ValueOf(&p).Elem(), 0)
	same("policy", p, policyView(p), policyView(p).policy())
	var l returns.Label
	fill(reflect.ValueOf(&l).Elem(), 0)
	// Set by Rebound's own shipping when it buys a label, never by a
	// client's PUT …/label.
	l.ShipmentID, l.EstimatedDeliveryDate, l.DeliveredAt = "", "", ""
	var lj labelJSON
	b, _ := json.Marshal(l)
	if err := json.Unmarshal(b, &lj); err != nil {
		t.Fatal(err)
	}
	same("label", l, lj, lj.label())
}

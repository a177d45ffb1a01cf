package redospectest

import (
	"slices"
	"testing"
)

func TestRequestMembers(t *testing.T) {
	s := Load(t)
	got, err := s.RequestMembers("PUT", "/v2.2/returns/r1/status")
	if err != nil || !slices.Equal(got, []string{"status"}) {
		t.Errorf("status PUT members = %v, %v", got, err)
	}
	got, err = s.RequestMembers("POST", "/v2.2/returns/r1/comments")
	if err != nil || !slices.Equal(got, []string{"comment", "comment.image", "comment.message"}) {
		t.Errorf("comment members (both oneOf alternatives) = %v, %v", got, err)
	}
	missing, err := s.MissingMembers("POST", "/v2.2/returns/r1/comments", []byte(`{"comment":{"message":"hi"}}`), []byte(`{"comment":null}`))
	if err != nil || !slices.Equal(missing, []string{"comment.image"}) {
		t.Errorf("missing = %v, %v", missing, err)
	}
	if _, err := s.RequestMembers("GET", "/v2.2/returns/r1"); err == nil {
		t.Error("GET has no request body, want an error")
	}
	if v := s.RequestValues("POST", "/v2.2/stores/s1/returns", "data.provider"); !slices.Contains(v, "shopify") {
		t.Errorf("data.provider values = %v", v)
	}
	if v := s.RequestValues("POST", "/v2.2/stores/s1/returns", "data.items[].compensation"); !slices.Equal(v, []string{"refund", "store_credit"}) {
		t.Errorf("compensation values = %v", v)
	}
	ps, err := s.Parameters("GET", "/v2.2/stores/s1/returns")
	if err != nil || !slices.Contains(ps, Parameter{Name: "X-Page-Size", In: "header"}) || !slices.Contains(ps, Parameter{Name: "storeId", In: "path", Required: true}) {
		t.Errorf("list parameters = %+v, %v", ps, err)
	}
	n := 0
	for _, op := range s.Operations() {
		if op.Method == "PUT" && op.Path == "/v2.2/returns/{returnId}/status" && op.ID == "Return status update" && slices.Contains(op.Tags, "Returns") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("Operations lacks the status update")
	}
}

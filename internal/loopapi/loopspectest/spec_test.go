package loopspectest

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

func auth() http.Header { return http.Header{"X-Authorization": {"key"}} }

func TestLoadFindsSharedDocuments(t *testing.T) {
	s := Load(t)
	if len(s.docs) != 3 {
		t.Fatalf("loaded %d documents, want 3", len(s.docs))
	}
	if _, err := os.Stat(filepath.Join(s.Dir, fileName(DocReturns))); err != nil {
		t.Fatal(err)
	}
}

func TestFindDirEnvOverride(t *testing.T) {
	t.Setenv(EnvDir, "/nonexistent/loop")
	d, err := FindDir()
	if err != nil || d != "/nonexistent/loop" {
		t.Fatalf("FindDir = %q, %v", d, err)
	}
	if _, err := LoadDir(d); err == nil {
		t.Fatal("LoadDir of a missing folder succeeded")
	}
}

const item = `{"id":"17","state":"open","created_at":"2024-05-01T10:00:00Z","updated_at":"2024-05-01T10:00:00Z",` +
	`"total":"63.30","order_id":"9","order_name":"#1001","customer":"a@b.example","currency":"USD","refund":"63.30",` +
	`"carrier":"N/A","tracking_number":"N/A","label_status":"N/A","label_url":null,"destination_id":null,"undeclared_member":1}`

func TestResponses(t *testing.T) {
	s := Load(t)
	cases := []struct {
		name, method, target string
		status               int
		body                 string
		ok                   bool
	}{
		{"process success is the JSON string true", "POST", "/api/v1/warehouse/return/5/process", 200, `"true"`, true},
		{"process success as a JSON boolean", "POST", "/api/v1/warehouse/return/5/process", 200, `true`, false},
		{"process refusal for a cancelled return", "POST", "/api/v1/warehouse/return/5/process", 200, `{"message":"Return is cancelled and therefore cannot be processed."}`, true},
		{"process refusal by state", "POST", "/api/v1/warehouse/return/5/process", 200, `{"errors":{"message":"Return is closed and therefore cannot be processed.","code":"UNPROCESSABLE_RETURN"}}`, true},
		{"process body of no documented shape", "POST", "/api/v1/warehouse/return/5/process", 200, `{"foo":1}`, false},
		{"cancel refusal for a flagged return", "POST", "/api/v1/warehouse/return/5/cancel", 200, `{"content":"Return is flagged and cannot be processed."}`, true},
		{"flag has no content refusal", "POST", "/api/v1/warehouse/return/5/flag", 200, `{"content":"x"}`, false},
		{"list bare array", "GET", "/api/v1/warehouse/return/list", 200, `[` + item + `]`, true},
		{"list paginated", "GET", "/api/v1/warehouse/return/list?paginate=true", 200, `{"returns":[` + item + `],"nextPageUrl":"https://x.example/api/v1/warehouse/return/list?cursor=eyJ","previousPageUrl":null}`, true},
		{"list paginated without links", "GET", "/api/v1/warehouse/return/list?paginate=true", 200, `{"returns":[]}`, false},
		{"list id as a number", "GET", "/api/v1/warehouse/return/list", 200, `[{"id":17}]`, false},
		{"list carrier null", "GET", "/api/v1/warehouse/return/list", 200, `[{"carrier":null}]`, false},
		{"list bad date-time", "GET", "/api/v1/warehouse/return/list", 200, `[{"created_at":"yesterday"}]`, false},
		{"list 422", "GET", "/api/v1/warehouse/return/list", 422, `{"message":"The state is invalid.","errors":{"state":["The state is invalid."]}}`, true},
		{"list 422 without errors", "GET", "/api/v1/warehouse/return/list", 422, `{"message":"x"}`, false},
		{"details numeric id", "GET", "/api/v1/warehouse/return/details?return_id=5", 200, `{"id":5,"state":"open","total":"1.00"}`, true},
		{"details string id", "GET", "/api/v1/warehouse/return/details?return_id=5", 200, `{"id":"5"}`, false},
		{"details 404", "GET", "/api/v1/warehouse/return/details?return_id=5", 404, `{"errors":{"code":"NOT_FOUND","message":"No return."}}`, true},
		{"details 422", "GET", "/api/v1/warehouse/return/details", 422, `{"message":"m","errors":{"return_id":["m"]}}`, true},
		{"401", "GET", "/api/v1/warehouse/return/details", 401, `{"error":{"code":"401","http_code":"GEN-UNAUTHORIZED","message":"Unauthorized."}}`, true},
		{"429", "POST", "/api/2026-07/warehouse/return/5/flag", 429, `{"error":{"code":"429","http_code":"GEN-TOO-MANY-REQUESTS","message":"Too Many Requests."}}`, true},
		{"undeclared status", "GET", "/api/v1/warehouse/return/list", 418, `{}`, false},
		{"remove line item required", "POST", "/api/v1/warehouse/return/5/remove?line_item_id=", 422, `{"error":{"message":"The line item id field is required."}}`, true},
		{"note 422", "POST", "/api/v1/warehouse/return/5/note", 422, `{"errors":{"message":"Content is required and must be less than 255 characters."}}`, true},
		{"notes", "GET", "/api/v1/warehouse/return/5/notes", 200, `{"notes":[{"id":1,"content":"c","created_at":"2024-05-01T10:00:00Z"}]}`, true},
		{"notes id string", "GET", "/api/v1/warehouse/return/5/notes", 200, `{"notes":[{"id":"1"}]}`, false},
		{"no notes", "GET", "/api/v1/warehouse/return/5/notes", 422, `"false"`, true},
		{"asn open row", "GET", "/api/v1/warehouse/reporting/asn", 200, `[{"id":1,"return_line_item_id":"2","closed_at":null}]`, true},
		{"webhook", "POST", "/api/v1/webhooks", 200, `{"id":1,"shop_id":2,"topic":"return.processing","trigger":"return.processing.failed","url":"https://x.example/h","status":"inactive"}`, true},
		{"webhook unknown topic", "POST", "/api/v1/webhooks", 200, `{"id":1,"topic":"orders"}`, false},
		{"webhook 404", "DELETE", "/api/v1/webhooks/3", 404, `{"errors":{"code":"NOT_FOUND"}}`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := s.Response(c.method, c.target, c.status, nil, []byte(c.body))
			if c.ok && err != nil {
				t.Errorf("rejected a valid body: %v", err)
			}
			if !c.ok && err == nil {
				t.Errorf("accepted an invalid body %s", c.body)
			}
		})
	}
}

func TestRequests(t *testing.T) {
	s := Load(t)
	cases := []struct {
		name, method, target string
		header               http.Header
		body                 string
		ok                   bool
	}{
		{"list", "GET", "/api/v1/warehouse/return/list?from=2024-01-01T00:00:00Z&filter=updated_at&state=review&paginate=true&pageSize=750", auth(), "", true},
		{"list no key", "GET", "/api/v1/warehouse/return/list", nil, "", false},
		{"list bad state", "GET", "/api/v1/warehouse/return/list?state=needs_review", auth(), "", false},
		{"list bad filter", "GET", "/api/v1/warehouse/return/list?filter=closed_at", auth(), "", false},
		{"list pageSize too big", "GET", "/api/v1/warehouse/return/list?paginate=true&pageSize=751", auth(), "", false},
		{"details by order name", "GET", "/api/v1/warehouse/return/details?order_name=%231001&currency_type=shop", auth(), "", true},
		{"details return_id not a number", "GET", "/api/v1/warehouse/return/details?return_id=abc", auth(), "", false},
		{"details native id", "GET", "/api/v1/warehouse/return/details?redo_return_id=65f0c0ffee0000000000abcd", auth(), "", true},
		{"process native id with dummy path id", "POST", "/api/v1/warehouse/return/0/process?redo_return_id=65f0c0ffee0000000000abcd", auth(), "", true},
		{"process path id not a number", "POST", "/api/v1/warehouse/return/x/process", auth(), "", false},
		{"remove", "POST", "/api/v1/warehouse/return/5/remove?line_item_id=1,2", auth(), "", true},
		{"remove without ids", "POST", "/api/v1/warehouse/return/5/remove", auth(), "", false},
		{"note", "POST", "/api/v1/warehouse/return/5/note", auth(), `{"content":"Box damaged","extra":true}`, true},
		{"note without content", "POST", "/api/v1/warehouse/return/5/note", auth(), `{}`, false},
		{"asn date-times", "GET", "/api/v1/warehouse/reporting/asn?from=2023-08-21T00:00:00.000Z&to=2023-08-22T00:00:00.000Z&tracking_status=in_transit", auth(), "", true},
		{"webhook create", "POST", "/api/v1/webhooks", auth(), `{"topic":"label","trigger":"label.created","url":"https://x.example/h"}`, true},
		{"webhook create bad trigger", "POST", "/api/v1/webhooks", auth(), `{"topic":"label","trigger":"label.exploded","url":"https://x.example/h"}`, false},
		{"webhook create oauth", "POST", "/api/v1/webhooks", http.Header{"Authorization": {"Bearer t"}}, `{"topic":"return","trigger":"return.created","url":"https://x.example/h","status":"active"}`, true},
		{"unknown path", "GET", "/api/v1/warehouse/nothing", auth(), "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := s.Request(c.method, c.target, c.header, []byte(c.body))
			if c.ok && err != nil {
				t.Errorf("rejected a valid request: %v", err)
			}
			if !c.ok && err == nil {
				t.Errorf("accepted an invalid request")
			}
		})
	}
}

func TestSchema(t *testing.T) {
	s := Load(t)
	if err := s.Schema(DocWebhooks, "Webhook", []byte(`{"id":1,"topic":"return","trigger":"return.updated","url":"u","status":"active"}`)); err != nil {
		t.Errorf("valid webhook rejected: %v", err)
	}
	if err := s.Schema(DocWebhooks, "Webhook", []byte(`{"id":"1"}`)); err == nil {
		t.Error("string webhook id accepted")
	}
	if err := s.Schema(DocWebhooks, "Nope", []byte(`{}`)); err == nil {
		t.Error("unknown schema accepted")
	}
}

func TestExceptionsAreNamedOnce(t *testing.T) {
	seen := map[string]bool{}
	for _, ex := range Exceptions {
		key := ex.Doc + "/" + ex.ID
		if seen[key] {
			t.Errorf("exception %s listed twice", key)
		}
		seen[key] = true
		if ex.Reason == "" || len(ex.Patches) == 0 {
			t.Errorf("exception %s has no reason or no patch", key)
		}
	}
}

func TestPatchMustMatch(t *testing.T) {
	doc := map[string]any{"a": map[string]any{"b": []any{}}}
	for _, p := range []Patch{
		{Op: "replace", Path: "/a/missing", Value: `1`},
		{Op: "add", Path: "/x/y", Value: `1`},
		{Op: "move", From: "/a/nope", Path: "/a/other"},
		{Op: "add", Path: "/*/nope/z", Value: `1`},
	} {
		if err := p.apply(doc); err == nil {
			t.Errorf("%+v applied to nothing without an error", p)
		}
	}
	if err := (Patch{Op: "add", Path: "/a/b/-", Value: `"v"`}).apply(doc); err != nil {
		t.Fatal(err)
	}
	if got := doc["a"].(map[string]any)["b"].([]any); len(got) != 1 || got[0] != "v" {
		t.Errorf("append: %v", got)
	}
}

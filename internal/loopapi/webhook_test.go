package loopapi_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"

	"github.com/reboundhq/rebound/internal/loopapi"
	"github.com/reboundhq/rebound/internal/loopapi/loopspectest"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/webhooks"
)

func TestDecodeWebhook(t *testing.T) {
	spec := loopspectest.Load(t)
	w, err := loopapi.DecodeWebhook([]byte(`{"topic":"return","trigger":"return.created","url":"https://wms.example/hook","extra":1}`), false)
	if err != nil || w.Status != loopapi.WebhookInactive || w.Topic != loopapi.TopicReturn {
		t.Fatalf("%+v, %v", w, err)
	}
	w, err = loopapi.DecodeWebhook([]byte(`{"topic":"return.processing","trigger":"return.processing.failed","url":"http://wms.example/h"}`), true)
	if err != nil || w.Status != "" {
		t.Fatalf("update without status: %+v, %v", w, err)
	}
	for topic, triggers := range loopapi.TopicTriggers {
		for _, tr := range triggers {
			sub := loopapi.Webhook{ID: 1, ShopID: 2, Topic: topic, Trigger: tr, URL: "https://wms.example/h", Status: loopapi.WebhookActive}
			spec.CheckResponse(t, "POST", "/api/v1/webhooks", 200, nil, marshal(t, sub))
			body, _ := json.Marshal(map[string]string{"topic": string(topic), "trigger": string(tr), "url": sub.URL})
			spec.CheckRequest(t, "POST", "/api/v1/webhooks", authHeader(), body)
		}
	}
	spec.CheckResponse(t, "GET", "/api/v1/webhooks", 200, nil, marshal(t, loopapi.Webhooks{Webhooks: []loopapi.Webhook{}}))
	for body, param := range map[string]string{
		`[]`: "body",
		`{"trigger":"return.created","url":"https://x.example"}`:                              "topic",
		`{"topic":"restock","trigger":"restock.requested","url":"https://x.example"}`:         "topic",
		`{"topic":"label","trigger":"return.created","url":"https://x.example"}`:              "trigger",
		`{"topic":"label","trigger":"label.created","url":"ftp://x.example"}`:                 "url",
		`{"topic":"label","trigger":"label.created","url":"/relative"}`:                       "url",
		`{"topic":"label","trigger":"label.created","url":"https://x.example","status":"on"}`: "status",
		`{"topic":5,"trigger":"label.created","url":"https://x.example"}`:                     "topic",
	} {
		_, err := loopapi.DecodeWebhook([]byte(body), false)
		var ve *loopapi.ValidationError
		if !errors.As(err, &ve) || ve.Errors[param] == nil {
			t.Errorf("%s: %v, want a problem with %s", body, err, param)
			continue
		}
		spec.CheckResponse(t, "POST", "/api/v1/webhooks", 422, nil, marshal(t, ve))
	}
}

func authHeader() map[string][]string { return map[string][]string{"X-Authorization": {"k"}} }

func TestReturnTrigger(t *testing.T) {
	cases := []struct {
		typ     string
		status  returns.Status
		changes []string
		want    loopapi.Trigger
	}{
		{"created", returns.StatusOpen, nil, loopapi.TriggerReturnCreated},
		{"updated", returns.StatusComplete, []string{returns.TimelineCompleted}, loopapi.TriggerReturnClosed},
		{"updated", returns.StatusRejected, []string{returns.TimelineRejected}, loopapi.TriggerReturnClosed},
		{"updated", returns.StatusComplete, []string{returns.TimelineTagsChanged}, loopapi.TriggerReturnUpdated},
		{"backfill", returns.StatusComplete, []string{returns.TimelineCompleted}, loopapi.TriggerReturnUpdated},
		{"updated", returns.StatusFlagged, []string{returns.TimelineFlagged}, loopapi.TriggerReturnUpdated},
	}
	for _, c := range cases {
		ch := &returns.ReturnChange{Type: c.typ, Return: returns.Return{Status: c.status}, Changes: c.changes}
		if got := loopapi.ReturnTrigger(ch); got != c.want {
			t.Errorf("%s %s %v: %s, want %s", c.typ, c.status, c.changes, got, c.want)
		}
	}
}

func TestPayloads(t *testing.T) {
	r, o, ids, p := example(t)
	ev, err := loopapi.ReturnEventOf(loopapi.TriggerReturnClosed, 65432, r, o, ids, loopapi.ViewOptions{Policy: &p})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(marshal(t, ev), &m); err != nil {
		t.Fatal(err)
	}
	if m["topic"] != "return" || m["trigger"] != "return.closed" || m["shop_id"] != float64(65432) || m["id"] != float64(37603922) ||
		m["state"] != "closed" || m["address"].(map[string]any)["country"] != "France" || len(m["labels"].([]any)) != 1 {
		t.Errorf("return payload: %v", m)
	}
	if _, err := loopapi.LabelEventOf(loopapi.TriggerLabelCreated, 1, &returns.Return{ID: "x"}, ids, t0); err == nil {
		t.Error("label payload of a return with no label")
	}
	le, err := loopapi.LabelEventOf(loopapi.TriggerLabelUpdated, 1, r, ids, t0)
	if err != nil || le.ReturnID != 37603922 || le.Status != "in_transit" || le.OrderID != "4100" {
		t.Errorf("label payload %+v, %v", le, err)
	}
	pf := loopapi.ProcessingFailed(37603922, r, "", loopapi.SourceAPI)
	if got := string(marshal(t, pf)); got != `{"topic":"return.processing","trigger":"return.processing.failed","return_id":37603922,"redo_id":"650000000000000000000abc","return_state":"closed","message":null,"source":"api"}` {
		t.Errorf("processing payload %s", got)
	}
}

func TestMarshalLikeLoop(t *testing.T) {
	got, err := loopapi.Marshal(map[string]string{"url": "https://a.example/x?a=1&b=<2>", "name": "Lé 😀"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"L\u00e9 \ud83d\ude00","url":"https:\/\/a.example\/x?a=1&b=<2>"}`
	if string(got) != want {
		t.Errorf("Marshal = %s\nwant      %s", got, want)
	}
	var back map[string]string
	if err := json.Unmarshal(got, &back); err != nil || back["name"] != "Lé 😀" || back["url"] != "https://a.example/x?a=1&b=<2>" {
		t.Errorf("round trip %v, %v", back, err)
	}
}

func TestSignatureAgreesWithWebhooksPackage(t *testing.T) {
	body := []byte(`{"topic":"return","url":"https:\/\/x.example"}`)
	for _, secret := range []string{"plain-secret", webhooks.NewSecret()} {
		sig := loopapi.Sign(secret, body)
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(body)
		if sig != base64.StdEncoding.EncodeToString(m.Sum(nil)) {
			t.Errorf("Sign is not base64(HMAC-SHA256(secret, body))")
		}
		if sig != webhooks.LoopSignature(secret, body) {
			t.Errorf("Sign and webhooks.LoopSignature disagree for %q", secret)
		}
		if !loopapi.Verify(secret, body, sig) || loopapi.Verify(secret, append(body, ' '), sig) || loopapi.Verify("other", body, sig) || loopapi.Verify(secret, body, "***") {
			t.Error("Verify")
		}
	}
}

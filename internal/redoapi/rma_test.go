package redoapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/ecwid/ecwidtest"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

// rmaBody is a create-return request asking for external RMAs.
func rmaBody() []byte {
	var b map[string]any
	_ = json.Unmarshal(returnBody(), &b)
	b["options"] = map[string]any{"createExternalRMAs": true}
	out, _ := json.Marshal(b)
	return out
}

func (e *ecwidEnv) createWithKey(body []byte, idemKey string) response {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+"/v2.2/stores/"+e.storeID+"/returns", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.key)
	req.Header.Set("Content-Type", "application/json")
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	e.spec.ValidateResponse(e.t, req, res.StatusCode, res.Header, b)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func (e *ecwidEnv) orderPosts() int {
	n := 0
	for _, r := range e.fake.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/orders") {
			n++
		}
	}
	return n
}

func (e *ecwidEnv) jobsPending() bool {
	e.t.Helper()
	c, err := e.st.JobCounts(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return c["scheduled"]+c["available"]+c["running"]+c["retryable"] > 0
}

// TestCreateExternalRMAs: createExternalRMAs creates the return's Ecwid
// order before the answer, which names it; the mirror job, when it runs,
// finds it and creates nothing; a replay and later approvals create no
// second order.
func TestCreateExternalRMAs(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		e := connectedEcwid(t, st)
		e.sv.Ecwid.RMAFallbackDelay = time.Second // the mirror job runs during the test
		e.synced()
		e.fake.ResetRequests()
		r := e.createWithKey(rmaBody(), "rma-1")
		if r.status != 201 {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		b := r.json(t)
		id := obj(b["return"])["id"].(string)
		rmas := arr(b["externalRMAResponses"])
		if len(rmas) != 1 {
			t.Fatalf("externalRMAResponses = %v, want one entry", rmas)
		}
		entry := obj(rmas[0])
		ecwidID, _ := entry["externalId"].(string)
		if entry["integrationProvider"] != "ecwid" || entry["success"] != true || ecwidID == "" || entry["errorCode"] != nil {
			t.Fatalf("entry = %v", entry)
		}
		// Already there when the answer came.
		if os := e.mirrored(id); len(os) != 1 || string(os[0].ID) != ecwidID {
			t.Fatalf("Ecwid orders for the return: %+v, want exactly %s", os, ecwidID)
		}
		if got := e.returnDoc(id).EcwidOrderID; got != ecwidID {
			t.Errorf("return's EcwidOrderID = %q, want %q", got, ecwidID)
		}
		if n := countKind(e.timeline(id), returns.TimelineEcwidOrder); n != 1 {
			t.Errorf("%d ecwid order events, want 1", n)
		}
		// The mirror job was queued once, delayed (the fallback had the
		// answer failed; the change hook's immediate one was a duplicate)...
		if c, _ := e.st.JobCounts(context.Background()); c["scheduled"] != 1 {
			t.Errorf("jobs = %v, want the one scheduled mirror job", c)
		}
		// ...and, once it has run, still exactly one order.
		waitFor(t, 30*time.Second, "the mirror job to run", func() bool { return !e.jobsPending() })
		if os := e.mirrored(id); len(os) != 1 || e.orderPosts() != 1 {
			t.Errorf("after the mirror job: %d orders, %d creates", len(os), e.orderPosts())
		}
		if evs := e.timeline(id); countKind(evs, returns.TimelineEcwidOrder) != 1 || countKind(evs, returns.TimelineEcwidError) != 0 {
			t.Errorf("timeline after the mirror job = %v", kinds(evs))
		}
		// A replay answers the same entry and sends nothing.
		again := e.createWithKey(rmaBody(), "rma-1")
		if again.status != 200 {
			t.Fatalf("replay: %d %s", again.status, again.body)
		}
		if re := arr(again.json(t)["externalRMAResponses"]); len(re) != 1 || obj(re[0])["externalId"] != ecwidID || obj(re[0])["success"] != true {
			t.Errorf("replay entries = %v", re)
		}
		// Flagging and approving again mirrors nothing new.
		for _, s := range []string{"flagged", "open"} {
			if r := e.do("PUT", "/v2.2/returns/"+id+"/status", e.key, "application/json", []byte(`{"status":"`+s+`"}`)); r.status != 204 {
				t.Fatalf("%s: %d %s", s, r.status, r.body)
			}
		}
		time.Sleep(300 * time.Millisecond)
		waitFor(t, 30*time.Second, "the jobs to settle", func() bool { return !e.jobsPending() })
		if n := e.orderPosts(); n != 1 || len(e.mirrored(id)) != 1 {
			t.Errorf("%d order creates after replay and re-approval, want 1", n)
		}
	})
}

// TestCreateExternalRMAsFailure: when Ecwid refuses the order the return is
// created all the same and the entry gives Ecwid's error.
func TestCreateExternalRMAsFailure(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		e := connectedEcwid(t, st)
		e.synced()
		e.fake.InjectFault(1, ecwidtest.Fault{Method: "POST", Path: "/orders", Status: 400, Code: "WRONG_PARAMETER", Message: "Field OrderItem.quantity is absent"})
		r := e.createWithKey(rmaBody(), "")
		if r.status != 201 {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		b := r.json(t)
		id := obj(b["return"])["id"].(string)
		rmas := arr(b["externalRMAResponses"])
		if len(rmas) != 1 {
			t.Fatalf("externalRMAResponses = %v", rmas)
		}
		entry := obj(rmas[0])
		if entry["integrationProvider"] != "ecwid" || entry["success"] != false || entry["errorCode"] != "WRONG_PARAMETER" ||
			!strings.Contains(entry["errorMessage"].(string), "OrderItem.quantity") || entry["externalId"] != nil {
			t.Errorf("entry = %v", entry)
		}
		if ret := e.returnDoc(id); ret.Status != returns.StatusOpen || ret.EcwidOrderID != "" {
			t.Errorf("return: %s, ecwid order %q", ret.Status, ret.EcwidOrderID)
		}
		if n := len(e.mirrored(id)); n != 0 {
			t.Errorf("%d Ecwid orders", n)
		}
	})
}

// TestCreateExternalRMAsNone: with no integration connected the entries
// are an empty list; a return awaiting review gets an error entry and its
// order when it is approved.
func TestCreateExternalRMAsNone(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.synced()
		r := e.createReturn(rmaBody())
		if rmas, ok := r.json(t)["externalRMAResponses"].([]any); r.status != 201 || !ok || len(rmas) != 0 {
			t.Errorf("create: %d %s", r.status, r.body)
		}
	})
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		e := connectedEcwid(t, st)
		e.synced()
		if r := e.doUnchecked("PUT", "/v2.2/stores/"+e.storeID+"/return-policy", e.key, "application/json", []byte(`{"policy":{"autoApprove":false}}`)); r.status != 200 {
			t.Fatalf("policy: %d %s", r.status, r.body)
		}
		r := e.createWithKey(rmaBody(), "")
		entry := obj(arr(r.json(t)["externalRMAResponses"])[0])
		if r.status != 201 || entry["success"] != false || entry["errorCode"] != "not_approved" {
			t.Fatalf("needs_review: %d %s", r.status, r.body)
		}
		id := obj(r.json(t)["return"])["id"].(string)
		if r := e.do("PUT", "/v2.2/returns/"+id+"/status", e.key, "application/json", []byte(`{"status":"open"}`)); r.status != 204 {
			t.Fatalf("approve: %d %s", r.status, r.body)
		}
		waitFor(t, 15*time.Second, "the Ecwid order", func() bool { return e.returnDoc(id).EcwidOrderID != "" })
		if n := len(e.mirrored(id)); n != 1 {
			t.Errorf("%d Ecwid orders after approval", n)
		}
	})
}

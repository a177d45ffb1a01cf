package loophttp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/loopapi"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// follow requests an absolute page link of the server.
func (e *env) follow(link string) response {
	e.t.Helper()
	if !strings.HasPrefix(link, e.srv.URL+"/api/v1/") {
		e.t.Fatalf("link %q is not an absolute URL of this server's Loop API", link)
	}
	return e.loop("GET", strings.TrimPrefix(link, e.srv.URL), e.key, nil)
}

func listIDs(t *testing.T, page map[string]any) []string {
	t.Helper()
	var out []string
	for _, r := range page["returns"].([]any) {
		out = append(out, r.(map[string]any)["redo_id"].(string))
	}
	return out
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return v.(string)
}

// TestWarehouseFlow is a WMS's day on both databases, over HTTP: a return
// created through Redo's API is announced by a signed return.created Loop
// webhook; the WMS lists (3 pages, with returns created between pages),
// reads the details, adds a note and flags the return; the merchant
// re-opens it through Redo's API; the WMS processes it and gets
// return.closed. Close, cancel and remove act on other returns, and every
// refusal has Loop's body.
func TestWarehouseFlow(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		var failFor atomic.Value
		failFor.Store("")
		e.app.OnReturnChange(func(ctx context.Context, tx store.Tx, r *returns.Return, changes []string) error {
			if r.ID == failFor.Load().(string) && slices.Contains(changes, returns.TimelineCompleted) {
				return returns.Errorf(returns.ECONFLICT, "the refund gateway declined")
			}
			return nil
		})
		e.startWorkers()
		rc := newReceiver(t)
		sub := func(topic, trigger string) map[string]any {
			b := fmt.Sprintf(`{"topic":%q,"trigger":%q,"url":%q,"status":"active"}`, topic, trigger, rc.srv.URL+"/"+trigger)
			r := e.loop("POST", "/api/v1/webhooks", e.key, []byte(b))
			if r.status != 200 {
				t.Fatalf("create webhook: %d %s", r.status, r.body)
			}
			return r.obj(t)
		}
		created, closed, failed := sub("return", "return.created"), sub("return", "return.closed"), sub("return.processing", "return.processing.failed")
		// The secret is read once through Redo's API (rotate-secret).
		secretOf := func(w map[string]any) string {
			r := e.redo("POST", "/v2.2/webhooks/"+w["redo_id"].(string)+"/rotate-secret", nil)
			if r.status != 200 {
				t.Fatalf("rotate secret: %d %s", r.status, r.body)
			}
			return r.obj(t)["webhook"].(map[string]any)["rebound"].(map[string]any)["secret"].(string)
		}
		secrets := map[string]string{"return.created": secretOf(created), "return.closed": secretOf(closed), "return.processing.failed": secretOf(failed)}

		for i := range 8 {
			e.order(fmt.Sprintf("o-%d", i))
		}
		a := e.createReturn("o-0", 1, "refund")
		var ids []string
		ids = append(ids, a)
		for i := 1; i < 5; i++ {
			ids = append(ids, e.createReturn(fmt.Sprintf("o-%d", i), 2, "refund"))
		}

		// return.created, signed, with numeric ids.
		waitFor(t, 10*time.Second, "5 return.created webhooks", func() bool { return len(rc.all()) >= 5 })
		aID := e.numericID(a)
		var sawA bool
		for _, got := range rc.all() {
			var p map[string]any
			if err := json.Unmarshal(got.body, &p); err != nil {
				t.Fatal(err)
			}
			trig := p["trigger"].(string)
			if !loopapi.Verify(secrets[trig], got.body, got.header.Get("X-Loop-Signature")) {
				t.Errorf("%s: bad X-Loop-Signature", trig)
			}
			if trig != "return.created" || p["topic"] != "return" || p["state"] != "open" {
				t.Errorf("webhook %s/%s/%v before any change", p["topic"], trig, p["state"])
			}
			if p["redo_id"] == a {
				sawA = true
				if p["id"] != float64(aID) || p["shop_id"].(float64) <= 0 || len(p["line_items"].([]any)) != 1 {
					t.Errorf("return.created of A: id %v (want %d), shop_id %v, %d line items", p["id"], aID, p["shop_id"], len(p["line_items"].([]any)))
				}
			}
		}
		if !sawA {
			t.Error("no return.created for A")
		}

		// The WMS lists its last 24 hours in pages of 2; returns created
		// meanwhile do not shift the pages.
		r := e.loop("GET", "/api/v1/warehouse/return/list?paginate=true&pageSize=2", e.key, nil)
		if r.status != 200 {
			t.Fatalf("list: %d %s", r.status, r.body)
		}
		p1 := r.obj(t)
		if p1["previousPageUrl"] != nil || p1["nextPageUrl"] == nil {
			t.Errorf("first page links: %v %v", p1["previousPageUrl"], p1["nextPageUrl"])
		}
		late := e.createReturn("o-5", 2, "refund")
		r2 := e.follow(str(p1["nextPageUrl"]))
		p2 := r2.obj(t)
		e.createReturn("o-6", 2, "refund")
		p3 := e.follow(str(p2["nextPageUrl"])).obj(t)
		seen := append(append(listIDs(t, p1), listIDs(t, p2)...), listIDs(t, p3)...)
		if fmt.Sprint(seen) != fmt.Sprint(ids) || p3["nextPageUrl"] != nil {
			t.Errorf("pages listed %v (last next %v), want %v exactly once, in order", seen, p3["nextPageUrl"], ids)
		}
		if back := e.follow(str(p2["previousPageUrl"])).obj(t); fmt.Sprint(listIDs(t, back)) != fmt.Sprint(listIDs(t, p1)) {
			t.Errorf("previous page of page 2 = %v, want page 1 %v", listIDs(t, back), listIDs(t, p1))
		}
		// A new listing sees the late returns.
		all := e.loop("GET", "/api/v1/warehouse/return/list", e.key, nil).json(t).([]any)
		if len(all) != 7 || all[5].(map[string]any)["redo_id"] != late || all[0].(map[string]any)["id"] != fmt.Sprint(aID) {
			t.Errorf("bare list: %d returns", len(all))
		}

		// Details, note, flag.
		d := e.loop("GET", fmt.Sprintf("/api/v1/warehouse/return/details?return_id=%d", aID), e.key, nil).obj(t)
		if d["redo_id"] != a || d["state"] != "open" || d["order_name"] != "order_123456" && d["order_name"] == "" {
			t.Errorf("details: %v", d)
		}
		if r := e.loop("GET", action(aID, "notes"), e.key, nil); r.status != 422 || string(r.body) != `"false"` {
			t.Errorf("notes before any: %d %s", r.status, r.body)
		}
		if r := e.loop("POST", action(aID, "note"), e.key, []byte(`{"content":"Box dented; item fine."}`)); r.status != 200 || string(r.body) != `"true"` {
			t.Errorf("note: %d %s", r.status, r.body)
		}
		ns := e.loop("GET", action(aID, "notes"), e.key, nil).obj(t)["notes"].([]any)
		if len(ns) != 1 || ns[0].(map[string]any)["content"] != "Box dented; item fine." || ns[0].(map[string]any)["id"].(float64) <= 0 {
			t.Errorf("notes: %v", ns)
		}
		for range 2 { // flagging a flagged return changes nothing
			if r := e.loop("POST", action(aID, "flag"), e.key, nil); r.status != 200 || string(r.body) != `"true"` {
				t.Errorf("flag: %d %s", r.status, r.body)
			}
		}
		if s := e.status(a); s != "flagged" {
			t.Errorf("status after flag: %s", s)
		}
		refused := func(target, want string) {
			t.Helper()
			if r := e.loop("POST", target, e.key, nil); r.status != 200 || string(r.body) != want {
				t.Errorf("%s: %d %s, want 200 %s", target, r.status, r.body, want)
			}
		}
		refused(action(aID, "process"), `{"message":"Return is review and therefore cannot be processed."}`)
		refused(action(aID, "cancel"), `{"content":"Return is flagged and cannot be processed."}`)

		// The merchant re-opens it; the WMS processes it.
		if r := e.redo("PUT", "/v2.2/returns/"+a+"/status", []byte(`{"status":"open"}`)); r.status != 204 {
			t.Fatalf("reopen: %d %s", r.status, r.body)
		}
		if r := e.loop("POST", "/api/v1/warehouse/return/0/process?redo_return_id="+a, e.key, nil); r.status != 200 || string(r.body) != `"true"` {
			t.Errorf("process: %d %s", r.status, r.body)
		}
		if s := e.status(a); s != "complete" {
			t.Errorf("status after process: %s", s)
		}
		waitFor(t, 10*time.Second, "return.closed", func() bool {
			for _, p := range rc.payloads() {
				if p["trigger"] == "return.closed" && p["redo_id"] == a {
					return p["state"] == "closed" && p["id"] == float64(aID)
				}
			}
			return false
		})
		refused(action(aID, "process"), `{"errors":{"message":"Return is closed and therefore cannot be processed.","code":"UNPROCESSABLE_RETURN"}}`)
		refused(action(aID, "flag"), `{"errors":{"message":"Return is closed and therefore cannot be flagged.","code":"UNPROCESSABLE_RETURN"}}`)
		refused(action(aID, "cancel"), `{"errors":{"message":"Return is closed and therefore cannot be cancelled.","code":"UNPROCESSABLE_RETURN"}}`)
		refused(action(aID, "close"), `"true"`) // already closed

		// Close: completed with no action, the units stay held.
		b, c, dd := e.numericID(ids[1]), e.numericID(ids[2]), e.numericID(ids[3])
		refused(action(b, "close"), `"true"`)
		if s := e.status(ids[1]); s != "complete" {
			t.Errorf("status after close: %s", s)
		}
		if r := e.redo("POST", "/v2.2/stores/"+e.storeID+"/returns", returnReq("o-1")); r.status != 409 {
			t.Errorf("new return for a closed return's units: %d %s, want 409", r.status, r.body)
		}
		// Cancel: deleted, the units returnable again.
		refused(action(c, "cancel"), `"true"`)
		if s := e.status(ids[2]); s != "deleted" {
			t.Errorf("status after cancel: %s", s)
		}
		if r := e.redo("POST", "/v2.2/stores/"+e.storeID+"/returns", returnReq("o-2")); r.status != 201 {
			t.Errorf("new return for a cancelled return's units: %d %s, want 201", r.status, r.body)
		}
		refused(action(c, "cancel"), `"true"`)
		refused(action(c, "close"), `{"message":"Return is cancelled and therefore cannot be closed."}`)
		refused(action(c, "process"), `{"message":"Return is cancelled and therefore cannot be processed."}`)
		refused(action(c, "flag"), `{"errors":{"message":"Return is cancelled and therefore cannot be flagged.","code":"UNPROCESSABLE_RETURN"}}`)

		// Remove: whole items of refund returns only.
		det := e.loop("GET", fmt.Sprintf("/api/v1/warehouse/return/details?return_id=%d", dd), e.key, nil).obj(t)
		var lines []string
		for _, li := range det["line_items"].([]any) {
			lines = append(lines, li.(map[string]any)["line_item_id"].(string))
		}
		if len(lines) != 2 || lines[0] == lines[1] {
			t.Fatalf("a 2-unit item must be 2 line items with their own ids: %v", lines)
		}
		remove := func(q string, status int, want string) {
			t.Helper()
			if r := e.loopBad("POST", action(dd, "remove")+q, e.key, nil); r.status != status || string(r.body) != want {
				t.Errorf("remove%s: %d %s, want %d %s", q, r.status, r.body, status, want)
			}
		}
		remove("", 422, `{"error":{"message":"The line item id field is required."}}`)
		remove("?line_item_id=abc", 422, `{"error":{"message":"The line item id field must be a comma-separated list of line item ids."}}`)
		remove("?line_item_id=999999999", 422, `{"message":"There are no line items that qualify for removal"}`)
		remove("?line_item_id="+lines[0], 422, `{"message":"There are no line items that qualify for removal"}`)
		remove("?line_item_id="+lines[0]+",999999999", 422, `{"message":"There are no line items that qualify for removal"}`)
		remove("?line_item_id="+lines[0]+","+lines[1], 200, `"true"`)
		if s := e.status(ids[3]); s != "complete" {
			t.Errorf("status after remove: %s", s)
		}
		remove("?line_item_id="+lines[0], 422, `{"message":"Return cannot be modified."}`)

		// A processing that fails after it was accepted: "true", then the
		// return.processing.failed webhook; the return stays open.
		f := e.numericID(ids[4])
		failFor.Store(ids[4])
		refused(action(f, "process"), `"true"`)
		if s := e.status(ids[4]); s != "open" {
			t.Errorf("status after failed processing: %s", s)
		}
		waitFor(t, 10*time.Second, "return.processing.failed", func() bool {
			for _, p := range rc.payloads() {
				if p["trigger"] == "return.processing.failed" {
					if p["topic"] != "return.processing" || p["return_id"] != float64(f) || p["return_state"] != "open" ||
						!contains(str(p["message"]), "declined") || p["source"] != "warehouse" {
						t.Errorf("processing failed payload: %v", p)
					}
					return true
				}
			}
			return false
		})
		// Only subscribed triggers arrived.
		for _, p := range rc.payloads() {
			switch p["trigger"] {
			case "return.created", "return.closed", "return.processing.failed":
			default:
				t.Errorf("unsubscribed trigger delivered: %v", p["trigger"])
			}
		}
		_ = http.StatusOK
	})
}

func returnReq(orderID string) []byte {
	b, _ := json.Marshal(map[string]any{"data": map[string]any{
		"provider": "custom", "externalOrderId": orderID,
		"items":           []map[string]any{{"lineItemId": "line_1", "quantity": 2, "reason": "Too small", "compensation": "refund"}},
		"shippingAddress": map[string]any{"line1": "1 Main St", "city": "New York", "state": "NY", "postalCode": "10001", "country": "US"},
	}})
	return b
}

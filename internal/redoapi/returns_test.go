package redoapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/examples"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// returnBody is a create-return request for the example order.
func returnBody(items ...map[string]any) []byte {
	if len(items) == 0 {
		items = []map[string]any{{"lineItemId": "line_1", "quantity": 1, "reason": "Too small", "compensation": "refund"}}
	}
	b, _ := json.Marshal(map[string]any{"data": map[string]any{
		"provider": "custom", "externalOrderId": "order_123456", "items": items,
		"shippingAddress": map[string]any{"line1": "123 Main St", "city": "New York", "state": "NY", "postalCode": "10001", "country": "US"},
	}})
	return b
}

func (e *env) synced() {
	e.t.Helper()
	if r := e.sync(e.key, examples.Order()); r.status != 200 {
		e.t.Fatalf("sync: %d %s", r.status, r.body)
	}
}

func (e *env) createReturn(body []byte) response {
	e.t.Helper()
	return e.do("POST", "/v2.2/stores/"+e.storeID+"/returns", e.key, "application/json", body)
}

func (e *env) mustCreateReturn(body []byte) map[string]any {
	e.t.Helper()
	r := e.createReturn(body)
	if r.status != 201 {
		e.t.Fatalf("create return: %d %s", r.status, r.body)
	}
	return obj(r.json(e.t)["return"])
}

func (e *env) countReturns() int {
	e.t.Helper()
	n := 0
	err := e.st.View(context.Background(), func(tx store.ReadTx) error {
		rs, err := tx.ListReturns(context.Background(), e.storeID, store.ReturnQuery{Limit: 100000})
		n = len(rs)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) timeline(id string) []map[string]any {
	e.t.Helper()
	r := e.doUnchecked("GET", "/v2.2/returns/"+id+"/timeline", e.key, "", nil)
	if r.status != 200 {
		e.t.Fatalf("timeline: %d %s", r.status, r.body)
	}
	var out []map[string]any
	for _, ev := range arr(r.json(e.t)["events"]) {
		out = append(out, obj(ev))
	}
	return out
}

func kinds(evs []map[string]any) []string {
	var ks []string
	for _, ev := range evs {
		ks = append(ks, ev["kind"].(string))
	}
	return ks
}

func TestCreateAndGetReturn(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.synced()
		ret := e.mustCreateReturn(returnBody(map[string]any{"lineItemId": "line_1", "quantity": 1, "reason": "Too small",
			"compensation": "refund", "multipleChoiceQuestions": []any{map[string]any{"question": "Fit?", "answer": "Small"}},
			"images": []string{base64.StdEncoding.EncodeToString(pngBytes(t)), "https://cdn.example.com/photo.jpg"}}))
		id := ret["id"].(string)
		// The default policy auto-approves, with no window: the 2025 order is
		// returnable.
		if ret["status"] != "open" {
			t.Errorf("status = %v, want open", ret["status"])
		}
		it := obj(arr(ret["items"])[0])
		if it["quantity"] != 1.0 || obj(it["orderItem"])["id"] != "line_1" || it["sku"] != "TEE-BLK-M" {
			t.Errorf("item = %v", it)
		}
		if q := arr(it["multipleChoiceQuestions"]); len(q) != 1 || obj(q[0])["answer"] != "Small" {
			t.Errorf("questions = %v", it["multipleChoiceQuestions"])
		}
		// The uploaded photo is stored and served; the URL is kept as given.
		imgs := arr(it["images"])
		if len(imgs) != 2 || !strings.Contains(imgs[0].(string), "/files/") || imgs[1] != "https://cdn.example.com/photo.jpg" {
			t.Fatalf("images = %v", imgs)
		}
		if res, err := http.Get(e.srv.URL + imgs[0].(string)); err != nil || res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" {
			t.Errorf("uploaded image: %v %v", res, err)
		} else {
			res.Body.Close()
		}
		// One of two 29.99 units, no tax or discount: 29.99 estimated refund.
		if got := obj(obj(obj(ret["totals"])["refund"])["amount"]); got["amount"] != "29.99" || got["currency"] != "USD" {
			t.Errorf("totals.refund = %v", got)
		}
		if src := obj(ret["source"]); src["emailAddress"] != "jane.doe@example.com" || obj(src["name"])["given"] != "Jane" {
			t.Errorf("source = %v", src)
		}

		r := e.do("GET", "/v2.2/returns/"+id, e.key, "", nil)
		if r.status != 200 {
			t.Fatalf("get: %d %s", r.status, r.body)
		}
		b := r.json(t)
		if obj(b["return"])["id"] != id || obj(b["order"])["name"] != "order_123456" {
			t.Errorf("get = %v", b)
		}
		r = e.do("GET", "/v2.2/returns/"+id+"/status", e.key, "", nil)
		if r.status != 200 || r.json(t)["status"] != "open" {
			t.Errorf("status: %d %s", r.status, r.body)
		}
		if ks := kinds(e.timeline(id)); len(ks) != 1 || ks[0] != returns.TimelineCreated {
			t.Errorf("timeline = %v", ks)
		}
		// Unknown return: 404 problem.
		if r := e.do("GET", "/v2.2/returns/000000000000000000000000", e.key, "", nil); r.status != 404 {
			t.Errorf("unknown return: %d", r.status)
		}
	})
}

func TestCreateReturnIdempotency(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.synced()
		send := func(key string, body []byte) response {
			req, _ := http.NewRequest("POST", e.srv.URL+"/v2.2/stores/"+e.storeID+"/returns", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+e.key)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", key)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			e.spec.ValidateResponse(t, req, res.StatusCode, res.Header, b)
			return response{status: res.StatusCode, header: res.Header, body: b}
		}
		first := send("k-1", returnBody())
		if first.status != 201 {
			t.Fatalf("first: %d %s", first.status, first.body)
		}
		again := send("k-1", returnBody())
		if again.status != 200 || obj(again.json(t)["return"])["id"] != obj(first.json(t)["return"])["id"] {
			t.Fatalf("replay: %d %s", again.status, again.body)
		}
		other := send("k-1", returnBody(map[string]any{"lineItemId": "line_1", "quantity": 1, "reason": "Other", "compensation": "refund"}))
		if other.status != 422 {
			t.Fatalf("same key, other body: %d %s", other.status, other.body)
		}
		if n := e.countReturns(); n != 1 {
			t.Errorf("%d returns, want 1", n)
		}
	})
}

func TestCreateReturnBadInput(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.synced()
		before := e.fingerprint()
		cases := []struct {
			name, body, field string
			status            int
		}{
			{"no data", `{}`, "data", 400},
			// Redo's route reads tolerantly: an undeclared member is ignored
			// (TestCreateReturnTolerant), but the rest must still be valid.
			{"unknown member, invalid rest", `{"data":{"provider":"custom"},"x":1}`, "data.shippingAddress", 400},
			{"no provider", strings.Replace(string(returnBody()), `"provider":"custom",`, ``, 1), "data.provider", 400},
			{"rebound extension: unknown member", strings.Replace(string(returnBody()), `"provider"`, `"customer":{"firstName":"A","nickname":"x"},"provider"`, 1), "data.customer.nickname", 400},
			{"rebound extension: wrong type", strings.Replace(string(returnBody()), `"provider"`, `"exchange":[1],"provider"`, 1), "data.exchange", 400},
			{"wrong type", `{"data":{"provider":"custom","externalOrderId":"order_123456","items":[{"lineItemId":"line_1","quantity":"one","reason":"r","compensation":"refund"}],"shippingAddress":{"line1":"a","city":"b","state":"c","postalCode":"d","country":"US"}}}`, "data.items.quantity", 400},
			{"no items", `{"data":{"provider":"custom","externalOrderId":"order_123456","items":[],"shippingAddress":{"line1":"a","city":"b","state":"c","postalCode":"d","country":"US"}}}`, "data.items", 400},
			{"unknown order", strings.Replace(string(returnBody()), "order_123456", "nope", 1), "data.externalOrderId", 404},
			{"too many units", string(returnBody(map[string]any{"lineItemId": "line_1", "quantity": 3, "reason": "r", "compensation": "refund"})), "data.items[line_1].quantity", 400},
			{"unknown line", string(returnBody(map[string]any{"lineItemId": "line_9", "quantity": 1, "reason": "r", "compensation": "refund"})), "data.items[line_9]", 400},
			{"bad compensation", string(returnBody(map[string]any{"lineItemId": "line_1", "quantity": 1, "reason": "r", "compensation": "cash"})), "data.items[0].compensation", 400},
			{"bad image", string(returnBody(map[string]any{"lineItemId": "line_1", "quantity": 1, "reason": "r", "compensation": "refund", "images": []string{base64.StdEncoding.EncodeToString([]byte("not an image at all"))}})), "data.items[0].images[0]", 400},
		}
		for _, c := range cases {
			r := e.do("POST", "/v2.2/stores/"+e.storeID+"/returns", e.key, "application/json", []byte(c.body))
			if r.status != c.status {
				t.Errorf("%s: status %d, want %d: %s", c.name, r.status, c.status, r.body)
				continue
			}
			// Redo's spec has this operation answer its 400s, 404s and 409s
			// as application/json (with the problem body).
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("%s: content type %q", c.name, ct)
			}
			if !strings.Contains(string(r.body), c.field) {
				t.Errorf("%s: body does not name %q: %s", c.name, c.field, r.body)
			}
		}
		if after := e.fingerprint(); after != before || e.countReturns() != 0 {
			t.Errorf("bad requests wrote something: %s → %s", before, after)
		}
	})
}

func TestListReturnsPaging(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.synced()
		// Two units: two returns of one unit each, then reset both so that
		// more can be created; 5 returns in all.
		var ids []string
		for i := 0; i < 5; i++ {
			ret := e.mustCreateReturn(returnBody())
			ids = append(ids, ret["id"].(string))
			if r := e.do("PUT", "/v2.2/returns/"+ret["id"].(string)+"/status", e.key, "application/json", []byte(`{"status":"deleted"}`)); r.status != 204 {
				t.Fatalf("delete: %d %s", r.status, r.body)
			}
		}
		var got []string
		cursor := ""
		pages := 0
		for {
			req, _ := http.NewRequest("GET", e.srv.URL+"/v2.2/stores/"+e.storeID+"/returns", nil)
			req.Header.Set("Authorization", "Bearer "+e.key)
			req.Header.Set("X-Page-Size", "2")
			if cursor != "" {
				req.Header.Set("X-Page-Continue", cursor)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			e.spec.ValidateResponse(t, req, res.StatusCode, res.Header, b)
			if res.StatusCode != 200 {
				t.Fatalf("list: %d %s", res.StatusCode, b)
			}
			var page struct {
				Returns []struct{ ID string }
				Orders  []any
			}
			_ = json.Unmarshal(b, &page)
			if len(page.Returns) > 0 && len(page.Orders) != 1 {
				t.Errorf("orders = %d, want 1", len(page.Orders))
			}
			for _, r := range page.Returns {
				got = append(got, r.ID)
			}
			pages++
			cursor = res.Header.Get("X-Page-Next")
			if cursor == "" {
				break
			}
		}
		if pages != 3 || len(got) != 5 {
			t.Fatalf("pages=%d got=%v", pages, got)
		}
		for i := range got {
			if got[i] != ids[len(ids)-1-i] {
				t.Fatalf("order = %v, want newest first of %v", got, ids)
			}
		}
		// Filters.
		r := e.do("GET", "/v2.2/stores/"+e.storeID+"/returns?status=open", e.key, "", nil)
		if n := len(arr(r.json(t)["returns"])); r.status != 200 || n != 0 {
			t.Errorf("status=open: %d returns", n)
		}
		r = e.do("GET", "/v2.2/stores/"+e.storeID+"/returns?status=deleted&provider_order_name=order_123456", e.key, "", nil)
		if n := len(arr(r.json(t)["returns"])); n != 5 {
			t.Errorf("deleted for order: %d returns", n)
		}
		r = e.do("GET", "/v2.2/stores/"+e.storeID+"/returns?updated_at_min=2999-01-01T00:00:00Z", e.key, "", nil)
		if n := len(arr(r.json(t)["returns"])); n != 0 {
			t.Errorf("future updated_at_min: %d returns", n)
		}
		for _, bad := range []struct{ header, value, query string }{
			{"X-Page-Size", "0", ""}, {"X-Page-Size", "501", ""}, {"X-Page-Continue", "garbage", ""}, {"", "", "?status=lost"}, {"", "", "?updated_at_min=yesterday"},
		} {
			req, _ := http.NewRequest("GET", e.srv.URL+"/v2.2/stores/"+e.storeID+"/returns"+bad.query, nil)
			req.Header.Set("Authorization", "Bearer "+e.key)
			if bad.header != "" {
				req.Header.Set(bad.header, bad.value)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 400 {
				t.Errorf("%s=%s%s: %d %s", bad.header, bad.value, bad.query, res.StatusCode, b)
			}
		}
	})
}

func TestReturnStatusAPI(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.synced()
		put := func(id, status string) response {
			return e.do("PUT", "/v2.2/returns/"+id+"/status", e.key, "application/json", []byte(`{"status":"`+status+`"}`))
		}
		// Review every return.
		if r := e.doUnchecked("PUT", "/v2.2/stores/"+e.storeID+"/return-policy", e.key, "application/json", []byte(`{"policy":{"autoApprove":false}}`)); r.status != 200 {
			t.Fatalf("policy: %d %s", r.status, r.body)
		}
		ret := e.mustCreateReturn(returnBody())
		id := ret["id"].(string)
		if ret["status"] != "needs_review" {
			t.Fatalf("status = %v", ret["status"])
		}
		// Illegal: needs_review → complete.
		r := put(id, "complete")
		if r.status != 409 {
			t.Fatalf("complete from needs_review: %d %s", r.status, r.body)
		}
		if b := r.json(t); b["currentStatus"] != "needs_review" || b["requestedStatus"] != "complete" {
			t.Errorf("409 body = %v", b)
		}
		if r := put(id, "open"); r.status != 204 { // approve
			t.Fatalf("approve: %d %s", r.status, r.body)
		}
		if r := put(id, "open"); r.status != 204 { // idempotent PUT
			t.Fatalf("approve again: %d %s", r.status, r.body)
		}
		// POST is an alias (as seed 002 writes it).
		if r := e.doUnchecked("POST", "/v2.2/returns/"+id+"/status", e.key, "application/json", []byte(`{"status":"flagged","reason":"Box was empty"}`)); r.status != 204 {
			t.Fatalf("flag via POST: %d %s", r.status, r.body)
		}
		if r := put(id, "open"); r.status != 204 { // unflag
			t.Fatalf("unflag: %d %s", r.status, r.body)
		}
		if r := put(id, "complete"); r.status != 204 {
			t.Fatalf("complete: %d %s", r.status, r.body)
		}
		if r := put(id, "open"); r.status != 204 { // reopen
			t.Fatalf("reopen: %d %s", r.status, r.body)
		}
		if r := put(id, "pre_shipment"); r.status != 400 {
			t.Errorf("pre_shipment: %d %s", r.status, r.body)
		}
		if r := put(id, "deleted"); r.status != 204 {
			t.Fatalf("delete: %d %s", r.status, r.body)
		}
		if r := put(id, "open"); r.status != 409 {
			t.Errorf("open after delete: %d %s", r.status, r.body)
		}
		want := []string{returns.TimelineCreated, returns.TimelineApproved, returns.TimelineFlagged, returns.TimelineUnflagged,
			returns.TimelineCompleted, returns.TimelineReopened, returns.TimelineDeleted}
		evs := e.timeline(id)
		if got := kinds(evs); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("timeline = %v, want %v", got, want)
		}
		if evs[2]["message"] != "Box was empty" || obj(evs[2]["actor"])["kind"] != "api_key" || obj(evs[2]["data"])["from"] != "open" {
			t.Errorf("flag event = %v", evs[2])
		}
		// Deleted: both units returnable again.
		e.mustCreateReturn(returnBody(map[string]any{"lineItemId": "line_1", "quantity": 2, "reason": "r", "compensation": "refund"}))
	})
}

// TestLastUnitConcurrency races many returns for the last unit of a line:
// exactly one wins, on each database.
func TestLastUnitConcurrency(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.synced()
		e.mustCreateReturn(returnBody()) // one of two units taken
		const n = 8
		var wg sync.WaitGroup
		statuses := make([]int, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("POST", e.srv.URL+"/v2.2/stores/"+e.storeID+"/returns", bytes.NewReader(returnBody()))
				req.Header.Set("Authorization", "Bearer "+e.key)
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				statuses[i] = res.StatusCode
			}()
		}
		wg.Wait()
		won := 0
		for _, s := range statuses {
			switch s {
			case 201:
				won++
			case 409:
			default:
				t.Errorf("status %d", s)
			}
		}
		if won != 1 {
			t.Errorf("%d of %d racing returns won the last unit (statuses %v), want exactly 1", won, n, statuses)
		}
		if c := e.countReturns(); c != 2 {
			t.Errorf("%d returns stored, want 2", c)
		}
	})
}

func pngBytes(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReturnComments(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.synced()
		id := e.mustCreateReturn(returnBody())["id"].(string)
		path := "/v2.2/returns/" + id + "/comments"
		if r := e.do("POST", path, e.key, "application/json", []byte(`{"comment":{"message":"Parcel dropped off"}}`)); r.status != 201 {
			t.Fatalf("message: %d %s", r.status, r.body)
		}
		pic := pngBytes(t)
		body, _ := json.Marshal(map[string]any{"comment": map[string]any{"image": base64.StdEncoding.EncodeToString(pic)}})
		r := e.do("POST", path, e.key, "application/json", body)
		if r.status != 201 {
			t.Fatalf("image: %d %s", r.status, r.body)
		}
		url := obj(r.json(t)["comment"])["image"].(string)
		r = e.do("GET", path, e.key, "", nil)
		cs := arr(r.json(t)["comments"])
		if len(cs) != 2 || obj(cs[0])["message"] != "Parcel dropped off" || obj(cs[1])["image"] != url {
			t.Fatalf("comments = %s", r.body)
		}
		res, err := http.Get(e.srv.URL + url[strings.Index(url, "/files/"):])
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" || !bytes.Equal(got, pic) {
			t.Errorf("file: %d %s %d bytes", res.StatusCode, res.Header.Get("Content-Type"), len(got))
		}
		for _, bad := range []string{`{"comment":{}}`, `{"comment":{"message":"a","image":"b"}}`, `{"comment":{"message":"  "}}`,
			`{"comment":{"image":"` + base64.StdEncoding.EncodeToString([]byte("<html>not an image</html>")) + `"}}`} {
			if r := e.doUnchecked("POST", path, e.key, "application/json", []byte(bad)); r.status != 400 || !strings.Contains(string(r.body), "comment") {
				t.Errorf("%s: %d %s", bad, r.status, r.body)
			}
		}
		if ks := kinds(e.timeline(id)); len(ks) != 3 || ks[1] != returns.TimelineCommented {
			t.Errorf("timeline = %v", ks)
		}
	})
}

func TestProcessReturn(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.synced()
		ret := e.mustCreateReturn(returnBody(
			map[string]any{"lineItemId": "line_1", "quantity": 1, "reason": "Too small", "compensation": "refund"},
			map[string]any{"lineItemId": "line_1", "quantity": 1, "reason": "Damaged", "compensation": "store_credit"},
		))
		id := ret["id"].(string)
		items := arr(ret["items"])
		first, second := obj(items[0])["id"].(string), obj(items[1])["id"].(string)
		path := "/v2.2/returns/" + id + "/process"
		r := e.do("POST", path, e.key, "application/json", []byte(`{"products":[{"_id":"`+first+`","processInput":{"restock":true}}]}`))
		if r.status != 200 || !strings.Contains(r.json(t)["message"].(string), "once all products are ready") {
			t.Fatalf("partial: %d %s", r.status, r.body)
		}
		// Deciding the same item twice is a conflict; unknown ids are 400s.
		if r := e.do("POST", path, e.key, "application/json", []byte(`{"products":[{"_id":"`+first+`","reject":true}]}`)); r.status != 409 {
			t.Errorf("twice: %d %s", r.status, r.body)
		}
		if r := e.do("POST", path, e.key, "application/json", []byte(`{"products":[{"_id":"nope"}]}`)); r.status != 400 || !strings.Contains(string(r.body), "products[0]._id") {
			t.Errorf("unknown: %d %s", r.status, r.body)
		}
		if r := e.do("POST", path, e.key, "application/json", []byte(`{"products":[{"_id":"`+second+`","reject":true,"processInput":{"restock":true}}]}`)); r.status != 400 {
			t.Errorf("both: %d %s", r.status, r.body)
		}
		r = e.do("POST", path, e.key, "application/json", []byte(`{"customerNotes":"Thanks!","products":[{"_id":"`+second+`","processInput":{"restock":false,"newMerchantAdjustment":20}}]}`))
		if r.status != 200 || r.json(t)["message"] != "Processing triggered successfully" {
			t.Fatalf("final: %d %s", r.status, r.body)
		}
		got := obj(e.do("GET", "/v2.2/returns/"+id, e.key, "", nil).json(t)["return"])
		if got["status"] != "complete" {
			t.Errorf("status = %v", got["status"])
		}
		tot := obj(got["totals"])
		if obj(obj(tot["refund"])["amount"])["amount"] != "29.99" || obj(obj(tot["storeCredit"])["amount"])["amount"] != "20.00" {
			t.Errorf("totals = %v", tot)
		}
		gcs := arr(got["giftCards"])
		if len(gcs) != 1 || obj(obj(gcs[0])["amount"])["amount"] != "20.00" || !strings.HasPrefix(obj(gcs[0])["code"].(string), "RB-") {
			t.Errorf("giftCards = %v", gcs)
		}
		want := []string{returns.TimelineCreated, returns.TimelineItemsDecided, returns.TimelineItemsDecided, returns.TimelineProcessed,
			returns.TimelineRefundIssued, returns.TimelineCreditIssued, returns.TimelineCompleted}
		if ks := kinds(e.timeline(id)); fmt.Sprint(ks) != fmt.Sprint(want) {
			t.Errorf("timeline = %v, want %v", ks, want)
		}
		// A completed return cannot be processed again.
		if r := e.do("POST", path, e.key, "application/json", []byte(`{"products":[{"_id":"`+first+`"}]}`)); r.status != 409 {
			t.Errorf("after complete: %d %s", r.status, r.body)
		}
	})
}

func TestReturnTags(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.synced()
		id := e.mustCreateReturn(returnBody())["id"].(string)
		base := "/v2.2/stores/" + e.storeID + "/return-tags/"
		r := e.do("PUT", base+"fragile", e.key, "application/json", []byte(`{"pillTheme":"DANGER"}`))
		if r.status != 200 || obj(r.json(t)["tag"])["numericId"] != 1.0 {
			t.Fatalf("create tag: %d %s", r.status, r.body)
		}
		e.do("PUT", base+"vip", e.key, "application/json", []byte(`{"pillTheme":"SUCCESS"}`))
		if r := e.doUnchecked("PUT", "/v2.2/returns/"+id+"/tags", e.key, "application/json", []byte(`{"tags":["fragile","vip"]}`)); r.status != 200 {
			t.Fatalf("tag return: %d %s", r.status, r.body)
		}
		if r := e.doUnchecked("PUT", "/v2.2/returns/"+id+"/tags", e.key, "application/json", []byte(`{"tags":["nope"]}`)); r.status != 400 {
			t.Errorf("unknown tag: %d %s", r.status, r.body)
		}
		// Rename cascades.
		if r := e.do("PUT", base+"fragile", e.key, "application/json", []byte(`{"pillTheme":"DANGER","newName":"handle-with-care"}`)); r.status != 200 {
			t.Fatalf("rename: %d %s", r.status, r.body)
		}
		tags := func() string {
			var names []string
			for _, tg := range arr(obj(e.do("GET", "/v2.2/returns/"+id, e.key, "", nil).json(t)["return"])["tags"]) {
				names = append(names, obj(tg)["name"].(string))
			}
			return strings.Join(names, ",")
		}
		if got := tags(); got != "handle-with-care,vip" {
			t.Errorf("tags after rename = %q", got)
		}
		r = e.do("PUT", base+"vip", e.key, "application/json", []byte(`{"pillTheme":"SUCCESS","newName":"handle-with-care"}`))
		if r.status != 400 || r.json(t)["type"] != "com.getredo.api:return-tag/rename-precondition-failed" {
			t.Errorf("rename onto existing: %d %s", r.status, r.body)
		}
		if r := e.do("PUT", base+"x", e.key, "application/json", []byte(`{}`)); r.status != 400 {
			t.Errorf("no theme: %d %s", r.status, r.body)
		}
		if r := e.do("DELETE", base+"vip", e.key, "", nil); r.status != 200 {
			t.Fatalf("delete: %d %s", r.status, r.body)
		}
		if got := tags(); got != "handle-with-care" {
			t.Errorf("tags after delete = %q", got)
		}
		// Setting the tags, the rename and the delete each put an event on
		// the return's timeline (and so a webhook).
		if n := countKind(e.timeline(id), returns.TimelineTagsChanged); n != 3 {
			t.Errorf("%d tags_changed events, want 3: %v", n, kinds(e.timeline(id)))
		}
		r = e.do("GET", "/v2.2/stores/"+e.storeID+"/return-tags", e.key, "", nil)
		if ts := arr(r.json(t)["tags"]); len(ts) != 1 || obj(ts[0])["name"] != "handle-with-care" {
			t.Errorf("tags = %s", r.body)
		}
	})
}

func TestImportReturns(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		body := `{"returns":[
			{"products":[{"productId":"p1","quantity":2,"sku":"SKU-1","productTitle":"Mug","condition":"used"}],"externalReferenceId":"WH-1","trackingNumber":"1Z999","carrier":"UPS","currency":"USD","idempotencyKey":"wh-1",
			 "customer":{"firstName":"Ann","lastName":"Lee","email":"ann@example.com"},"shippingAddress":{"line1":"1 Road","city":"Leeds","country":"GB"}},
			{"products":[{"productId":"","quantity":0}]}
		]}`
		r := e.do("POST", "/v2.2/stores/"+e.storeID+"/returns/bulk", e.key, "application/json", []byte(body))
		if r.status != 200 {
			t.Fatalf("bulk: %d %s", r.status, r.body)
		}
		b := r.json(t)
		if b["totalCount"] != 2.0 || b["processedCount"] != 1.0 || b["errorCount"] != 1.0 {
			t.Fatalf("counts = %v", b)
		}
		res := arr(b["results"])
		id := obj(res[0])["returnId"].(string)
		if obj(res[1])["status"] != "error" || !strings.Contains(obj(res[1])["error"].(string), "products[0].productId") {
			t.Errorf("row 1 = %v", res[1])
		}
		got := e.do("GET", "/v2.2/returns/"+id, e.key, "", nil)
		if got.status != 200 || obj(got.json(t)["return"])["status"] != "open" {
			t.Fatalf("imported: %d %s", got.status, got.body)
		}
		// Same idempotency key: the same return, not a second one.
		r = e.do("POST", "/v2.2/stores/"+e.storeID+"/returns/bulk", e.key, "application/json", []byte(body))
		if obj(arr(r.json(t)["results"])[0])["returnId"] != id || e.countReturns() != 1 {
			t.Errorf("replayed import created another return: %s", r.body)
		}
		many := `{"returns":[` + strings.Repeat(`{"products":[{"productId":"p","quantity":1}]},`, 100) + `{"products":[{"productId":"p","quantity":1}]}]}`
		if r := e.doUnchecked("POST", "/v2.2/stores/"+e.storeID+"/returns/bulk", e.key, "application/json", []byte(many)); r.status != 400 {
			t.Errorf("101 rows: %d", r.status)
		}
	})
}

func TestReturnPolicyAPI(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.synced()
		path := "/v2.2/stores/" + e.storeID + "/return-policy"
		r := e.doUnchecked("GET", path, e.key, "", nil)
		if p := obj(r.json(t)["policy"]); r.status != 200 || p["autoApprove"] != true || p["windowDays"] != 0.0 {
			t.Fatalf("default policy: %d %s", r.status, r.body)
		}
		r = e.doUnchecked("PUT", path, e.key, "application/json", []byte(`{"policy":{"windowDays":-1}}`))
		if r.status != 400 || !strings.Contains(string(r.body), "policy.windowDays") {
			t.Errorf("bad policy: %d %s", r.status, r.body)
		}
		// The order is tagged vip-customer: make that tag final sale.
		r = e.doUnchecked("PUT", path, e.key, "application/json", []byte(`{"policy":{"finalSaleTags":["VIP-Customer"],"autoApprove":true}}`))
		if r.status != 200 {
			t.Fatalf("put: %d %s", r.status, r.body)
		}
		r = e.createReturn(returnBody())
		if r.status != 400 || !strings.Contains(string(r.body), "This item was final sale.") || !strings.Contains(string(r.body), "items[line_1].quantity") {
			t.Errorf("final sale: %d %s", r.status, r.body)
		}
		e.doUnchecked("PUT", path, e.key, "application/json", []byte(`{"policy":{"autoApprove":true,"reasons":[{"code":"fit","label":"Fit","children":[{"code":"small","label":"Too small"}]}]}}`))
		r = e.createReturn(returnBody(map[string]any{"lineItemId": "line_1", "quantity": 1, "reason": "x", "reasonCode": "fit", "compensation": "refund"}))
		if r.status != 400 || !strings.Contains(string(r.body), "data.items[0].reasonCode") {
			t.Errorf("parent reason: %d %s", r.status, r.body)
		}
		ret := e.mustCreateReturn(returnBody(map[string]any{"lineItemId": "line_1", "quantity": 1, "reasonCode": "small", "reason": "", "compensation": "refund"}))
		if it := obj(arr(ret["items"])[0]); it["reason"] != "Too small" || it["reasonCode"] != "small" {
			t.Errorf("item = %v", it)
		}
	})
}

// TestReturnsTenancy: another store's key gets nothing from any returns
// route.
func TestReturnsTenancy(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.synced()
		id := e.mustCreateReturn(returnBody())["id"].(string)
		_, other, err := e.app.CreateStore(context.Background(), "Other")
		if err != nil {
			t.Fatal(err)
		}
		before := e.fingerprint()
		for _, c := range []struct{ method, path, body string }{
			{"GET", "/v2.2/returns/" + id, ""},
			{"GET", "/v2.2/returns/" + id + "/status", ""},
			{"PUT", "/v2.2/returns/" + id + "/status", `{"status":"deleted"}`},
			{"GET", "/v2.2/returns/" + id + "/comments", ""},
			{"POST", "/v2.2/returns/" + id + "/comments", `{"comment":{"message":"hi"}}`},
			{"POST", "/v2.2/returns/" + id + "/process", `{"products":[]}`},
			{"GET", "/v2.2/returns/" + id + "/timeline", ""},
			{"PUT", "/v2.2/returns/" + id + "/tags", `{"tags":[]}`},
		} {
			r := e.doUnchecked(c.method, c.path, other.Secret, "application/json", []byte(c.body))
			if r.status != 404 {
				t.Errorf("%s %s with another store's key: %d %s", c.method, c.path, r.status, r.body)
			}
		}
		for _, c := range []struct{ method, path string }{
			{"GET", "/v2.2/stores/" + e.storeID + "/returns"},
			{"POST", "/v2.2/stores/" + e.storeID + "/returns"},
			{"POST", "/v2.2/stores/" + e.storeID + "/returns/bulk"},
			{"GET", "/v2.2/stores/" + e.storeID + "/return-tags"},
			{"PUT", "/v2.2/stores/" + e.storeID + "/return-tags/x"},
			{"DELETE", "/v2.2/stores/" + e.storeID + "/return-tags/x"},
			{"GET", "/v2.2/stores/" + e.storeID + "/return-policy"},
			{"PUT", "/v2.2/stores/" + e.storeID + "/return-policy"},
		} {
			r := e.doUnchecked(c.method, c.path, other.Secret, "application/json", []byte(`{}`))
			if r.status != 403 {
				t.Errorf("%s %s with another store's key: %d", c.method, c.path, r.status)
			}
		}
		// The other store's own list is empty.
		r := e.doUnchecked("GET", "/v2.2/stores/"+other.Key.StoreID+"/returns", other.Secret, "", nil)
		if r.status != 200 || len(arr(r.json(t)["returns"])) != 0 {
			t.Errorf("other store's list: %d %s", r.status, r.body)
		}
		if after := e.fingerprint(); after != before {
			t.Errorf("another store's key changed data: %s → %s", before, after)
		}
	})
}

// TestReturnStatusMatrix drives PUT /status from every status to every
// writable status: a legal change answers 204 and writes exactly one
// timeline event, a repeat of the current status 204 and none, an illegal
// one 409 naming both statuses and none.
func TestReturnStatusMatrix(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.synced()
		ctx := context.Background()
		for _, from := range returns.Statuses {
			for _, to := range returns.WritableStatuses {
				id := e.mustCreateReturn(returnBody())["id"].(string)
				// Put the return in the starting status directly.
				var want returns.Return
				err := e.st.Update(ctx, func(tx store.Tx) error {
					r, err := tx.LockReturn(ctx, e.storeID, id)
					if err != nil {
						return err
					}
					r.Status, r.PreviousStatus = from, ""
					if from == returns.StatusFlagged {
						r.PreviousStatus = returns.StatusOpen
					}
					want = *r
					return tx.UpdateReturn(ctx, r)
				})
				if err != nil {
					t.Fatal(err)
				}
				_, legal, derr := want.SetStatus(to, returns.SystemActor("test"), time.Now(), "")
				before := len(e.timeline(id))
				r := e.do("PUT", "/v2.2/returns/"+id+"/status", e.key, "application/json", []byte(`{"status":"`+string(to)+`"}`))
				after := len(e.timeline(id))
				switch {
				case derr != nil:
					if r.status != 409 {
						t.Errorf("%s → %s: %d %s, want 409", from, to, r.status, r.body)
					} else if b := r.json(t); b["currentStatus"] != string(from) {
						t.Errorf("%s → %s: 409 body %v", from, to, b)
					}
					if after != before {
						t.Errorf("%s → %s: refused but wrote %d events", from, to, after-before)
					}
				case !legal: // already there
					if r.status != 204 || after != before {
						t.Errorf("%s → %s (same): %d, %d events", from, to, r.status, after-before)
					}
				default:
					if r.status != 204 || after != before+1 {
						t.Errorf("%s → %s: %d %s, %d events, want 204 and 1", from, to, r.status, r.body, after-before)
					}
				}
				// Free the unit for the next case.
				_ = e.st.Update(ctx, func(tx store.Tx) error {
					r, err := tx.LockReturn(ctx, e.storeID, id)
					if err != nil {
						return err
					}
					r.Status = returns.StatusDeleted
					return tx.UpdateReturn(ctx, r)
				})
			}
		}
	})
}

// TestExchangeReturn: an exchange for a cheaper item leaves store credit,
// one for a dearer item is charged; the exchange shows on the return.
func TestExchangeReturn(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.synced()
		for _, c := range []struct {
			price, credit, charge string
		}{{"20.00", "9.99", "0.00"}, {"35.00", "0.00", "5.01"}} {
			body, _ := json.Marshal(map[string]any{"data": map[string]any{
				"provider": "custom", "externalOrderId": "order_123456",
				"items":           []any{map[string]any{"lineItemId": "line_1", "quantity": 1, "reason": "Wrong size", "compensation": "exchange"}},
				"shippingAddress": map[string]any{"line1": "1 Main St", "city": "New York", "state": "NY", "postalCode": "10001", "country": "US"},
				"exchange":        map[string]any{"items": []any{map[string]any{"variantId": "var_L", "sku": "TEE-BLK-L", "title": "Classic T-Shirt L", "quantity": 1, "price": c.price}}},
			}})
			ret := e.mustCreateReturn(body)
			id := ret["id"].(string)
			if ex := obj(ret["exchange"]); ex["itemCount"] != 1.0 || obj(obj(arr(ex["items"])[0])["variant"])["sku"] != "TEE-BLK-L" {
				t.Errorf("exchange = %v", ex)
			}
			item := obj(arr(ret["items"])[0])["id"].(string)
			if r := e.do("POST", "/v2.2/returns/"+id+"/process", e.key, "application/json", []byte(`{"products":[{"_id":"`+item+`","processInput":{"restock":true}}]}`)); r.status != 200 {
				t.Fatalf("process: %d %s", r.status, r.body)
			}
			tot := obj(obj(e.do("GET", "/v2.2/returns/"+id, e.key, "", nil).json(t)["return"])["totals"])
			amount := func(k string) string { return obj(obj(tot[k])["amount"])["amount"].(string) }
			if amount("exchange") != c.price || amount("storeCredit") != c.credit || amount("charge") != c.charge || amount("refund") != "0.00" {
				t.Errorf("exchange at %s: totals %v", c.price, tot)
			}
			// Free the unit for the next case.
			e.do("PUT", "/v2.2/returns/"+id+"/status", e.key, "application/json", []byte(`{"status":"deleted"}`))
		}
	})
}

// TestReturnLabelMovesStatus: tracking updates through the label endpoint
// take an approved return to in_transit, then delivered, on its timeline.
func TestReturnLabelMovesStatus(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.synced()
		id := e.mustCreateReturn(returnBody())["id"].(string)
		put := func(body string) map[string]any {
			r := e.doUnchecked("PUT", "/v2.2/returns/"+id+"/label", e.key, "application/json", []byte(body))
			if r.status != 200 {
				t.Fatalf("label %s: %d %s", body, r.status, r.body)
			}
			return obj(r.json(t)["return"])
		}
		if ret := put(`{"label":{"trackingNumber":"1Z1","carrier":"UPS","status":"pre_transit","postageLabelUrl":"https://labels.example/1Z1.pdf"}}`); ret["status"] != "open" || obj(ret["shipment"])["tracker"] != "1Z1" {
			t.Errorf("pre_transit: %v / %v", ret["status"], ret["shipment"])
		}
		// A status update of the same shipment keeps the label's document.
		if ret := put(`{"label":{"trackingNumber":"1Z1","status":"in_transit"}}`); ret["status"] != "in_transit" {
			t.Errorf("in_transit: %v", ret["status"])
		}
		if r := e.do("GET", "/v2.2/returns/"+id, e.key, "", nil); !strings.Contains(string(r.body), "https://labels.example/1Z1.pdf") {
			t.Errorf("the label's document was dropped by a status update: %s", r.body)
		}
		if ret := put(`{"label":{"trackingNumber":"1Z1","carrier":"UPS","status":"delivered"}}`); ret["status"] != "delivered" {
			t.Errorf("delivered: %v", ret["status"])
		}
		want := []string{returns.TimelineCreated, returns.TimelineShipmentUpdated, returns.TimelineShipmentUpdated, returns.TimelineInTransit,
			returns.TimelineShipmentUpdated, returns.TimelineDelivered}
		if ks := kinds(e.timeline(id)); fmt.Sprint(ks) != fmt.Sprint(want) {
			t.Errorf("timeline = %v, want %v", ks, want)
		}
		for _, bad := range []string{`{"label":{"carrier":"UPS"}}`, `{"label":{"trackingNumber":"1","status":"lost"}}`, `{}`} {
			if r := e.doUnchecked("PUT", "/v2.2/returns/"+id+"/label", e.key, "application/json", []byte(bad)); r.status != 400 {
				t.Errorf("%s: %d %s", bad, r.status, r.body)
			}
		}
	})
}

// TestListStableWhileCreating: returns created while a client pages through
// the list neither repeat nor hide the returns it has not reached yet.
func TestListStableWhileCreating(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.synced()
		var before []string
		for range 6 {
			id := e.mustCreateReturn(returnBody())["id"].(string)
			before = append(before, id)
			e.do("PUT", "/v2.2/returns/"+id+"/status", e.key, "application/json", []byte(`{"status":"deleted"}`))
		}
		page := func(cursor string) ([]string, string) {
			req, _ := http.NewRequest("GET", e.srv.URL+"/v2.2/stores/"+e.storeID+"/returns", nil)
			req.Header.Set("Authorization", "Bearer "+e.key)
			req.Header.Set("X-Page-Size", "2")
			if cursor != "" {
				req.Header.Set("X-Page-Continue", cursor)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var p struct{ Returns []struct{ ID string } }
			_ = json.NewDecoder(res.Body).Decode(&p)
			var ids []string
			for _, r := range p.Returns {
				ids = append(ids, r.ID)
			}
			return ids, res.Header.Get("X-Page-Next")
		}
		var seen []string
		ids, next := page("")
		seen = append(seen, ids...)
		for next != "" {
			// New returns arrive between pages.
			id := e.mustCreateReturn(returnBody())["id"].(string)
			e.do("PUT", "/v2.2/returns/"+id+"/status", e.key, "application/json", []byte(`{"status":"deleted"}`))
			ids, next = page(next)
			seen = append(seen, ids...)
		}
		slices.Reverse(before)
		if fmt.Sprint(seen) != fmt.Sprint(before) {
			t.Errorf("paged %v, want exactly the returns that existed, newest first: %v", seen, before)
		}
	})
}

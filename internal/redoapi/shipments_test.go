package redoapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/shipping"
	"github.com/reboundhq/rebound/internal/store"
)

// §1.2 B shapes of Redo's shipments operations (not in spec 2.2.693):
// every response is decoded strictly into these and its required members
// checked.

type bMoney struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

type bRate struct {
	Carrier struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"carrier"`
	Price   bMoney `json:"price"`
	Service struct {
		Name        string `json:"name"`
		DisplayName string `json:"displayName"`
	} `json:"service"`
	EstimatedDeliveryDays int `json:"estimatedDeliveryDays"`
}

type bShipment struct {
	ID        string `json:"id"`
	Documents []struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	} `json:"documents"`
	Tracker struct {
		Code   string `json:"code"`
		URL    string `json:"url"`
		Status string `json:"status"`
	} `json:"tracker"`
	Price   bMoney `json:"price"`
	Carrier struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"carrier"`
	Service struct {
		Name        string `json:"name"`
		DisplayName string `json:"displayName"`
	} `json:"service"`
	ReturnID              string `json:"returnId"`
	EstimatedDeliveryDate string `json:"estimatedDeliveryDate"`
	CreatedAt             string `json:"createdAt"`
}

type bProblem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail"`
	Instance  string         `json:"instance"`
	RequestID string         `json:"requestId"`
	Errors    map[string]any `json:"errors"`
}

func strictDecode(t *testing.T, b []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("response does not have the §1.2 B shape: %v\n%s", err, b)
	}
}

func checkRates(t *testing.T, r response) []bRate {
	t.Helper()
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("rates: %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	var out struct {
		Rates []bRate `json:"rates"`
	}
	strictDecode(t, r.body, &out)
	if out.Rates == nil {
		t.Fatalf("rates missing: %s", r.body)
	}
	for i, rt := range out.Rates {
		if rt.Carrier.ID == "" || rt.Carrier.Name == "" || rt.Service.Name == "" || rt.Price.Amount == "" || rt.Price.Currency == "" {
			t.Errorf("rates[%d] lacks a required member: %+v", i, rt)
		}
	}
	return out.Rates
}

func checkShipment(t *testing.T, r response, status int) bShipment {
	t.Helper()
	if r.status != status {
		t.Fatalf("buy: %d (want %d) %s", r.status, status, r.body)
	}
	var out struct {
		Shipment *bShipment `json:"shipment"`
	}
	strictDecode(t, r.body, &out)
	s := out.Shipment
	if s == nil || s.ID == "" || s.Tracker.Code == "" || s.Price.Amount == "" || len(s.Documents) == 0 {
		t.Fatalf("shipment lacks a required member: %s", r.body)
	}
	for _, d := range s.Documents {
		if d.Type != "label" && d.Type != "commercialInvoice" {
			t.Errorf("document type %q", d.Type)
		}
	}
	return *s
}

// checkProblem checks an error answer: problem+json with the status and,
// when field is not "", that field named in its errors or detail.
func checkProblem(t *testing.T, what string, r response, status int, field string) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: status %d, want %d: %s", what, r.status, status, r.body)
		return
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: content type %q", what, ct)
	}
	var p bProblem
	strictDecode(t, r.body, &p)
	if p.Status != status || p.Title == "" || p.Type == "" {
		t.Errorf("%s: problem %+v", what, p)
	}
	if field != "" {
		if _, ok := p.Errors[field]; !ok && !strings.Contains(p.Detail, field) {
			t.Errorf("%s: the problem does not name %s: %s", what, field, r.body)
		}
	}
}

func rateTable(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "shipping", "ratetable", "testdata", "example.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (e *env) putRateTable() {
	e.t.Helper()
	if r := e.doUnchecked("PUT", "/v2.2/stores/"+e.storeID+"/shipping/rate-table", e.key, "application/json", rateTable(e.t)); r.status != 200 {
		e.t.Fatalf("rate table: %d %s", r.status, r.body)
	}
}

const warehouses = `{"default":"east","destinations":[
	{"id":"east","name":"Acme Returns East","address":{"line1":"1 Dock Rd","city":"Newark","state":"NJ","postalCode":"07102","country":"US"},"phone":"+12015550100"},
	{"id":"west","name":"Acme Returns West","address":{"line1":"9 Pier Ave","city":"Oakland","state":"CA","postalCode":"94607","country":"US"}}],
	"rules":[{"destination":"west","skus":["TEE-WEST"]},{"destination":"west","countries":["CA"]}]}`

func (e *env) putDestinations() {
	e.t.Helper()
	if r := e.doUnchecked("PUT", "/v2.2/stores/"+e.storeID+"/destinations", e.key, "application/json", []byte(warehouses)); r.status != 200 {
		e.t.Fatalf("destinations: %d %s", r.status, r.body)
	}
}

func (e *env) setAutoLabel(carrier, service string) {
	e.t.Helper()
	body := fmt.Sprintf(`{"policy":{"windowFrom":"order","autoApprove":true,"autoLabel":{"carrier":%q,"service":%q,"weight":"1.5","weightUnit":"lb"}}}`, carrier, service)
	if r := e.doUnchecked("PUT", "/v2.2/stores/"+e.storeID+"/return-policy", e.key, "application/json", []byte(body)); r.status != 200 {
		e.t.Fatalf("policy: %d %s", r.status, r.body)
	}
}

const ratesBody = `{"origin":{"address":{"line1":"123 Main St","city":"New York","state":"NY","postalCode":"10001","country":"US"}},
	"destination":{"address":{"line1":"1 Dock Rd","city":"Newark","state":"NJ","postalCode":"07102","country":"US"}},
	"parcel":{"length":{"value":10,"unit":"in"},"width":{"value":"8","unit":"in"},"height":{"value":4,"unit":"in"},"weight":{"value":24,"unit":"oz"},"type":"box"}}`

func buyBody(carrier, service string) string {
	return `{"origin":{"name":"Jane Doe","phoneNumber":"+12125550100","address":{"line1":"123 Main St","city":"New York","state":"NY","postalCode":"10001","country":"US"}},
	"destination":{"name":"Acme Returns","address":{"line1":"1 Dock Rd","city":"Newark","state":"NJ","postalCode":"07102","country":"US"}},
	"carrier":{"id":"` + carrier + `"},"service":{"name":"` + service + `"},
	"parcel":{"weight":{"value":1.5,"unit":"lb"}}}`
}

func (e *env) post(path, key, body string, header map[string]string) response {
	e.t.Helper()
	req, err := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return e.sendReq(req)
}

func (e *env) sendReq(req *http.Request) response {
	e.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func (e *env) getURL(url, key string) response {
	e.t.Helper()
	if strings.HasPrefix(url, "/") {
		url = e.srv.URL + url
	}
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return e.sendReq(req)
}

// pdfText extracts a PDF's text with pdftotext (poppler-utils); the test
// fails, not skips, when the tool is missing.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatalf("pdftotext is not installed (Debian package poppler-utils): %v", err)
	}
	if !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatalf("not a PDF: %.40q", pdf)
	}
	path := filepath.Join(t.TempDir(), "label.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// textHas reports whether a PDF's text holds want, ignoring case and white
// space (labels group tracking numbers and wrap long references).
func textHas(text, want string) bool {
	squash := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), "")) }
	return strings.Contains(squash(text), squash(want))
}

// shippingState counts what shipping wrote for the store: shipments,
// carrier records and invoice charges.
func (e *env) shippingState() string {
	e.t.Helper()
	var b strings.Builder
	err := e.st.View(context.Background(), func(tx store.ReadTx) error {
		api, err := tx.ListShipments(context.Background(), e.storeID, "")
		if err != nil {
			return err
		}
		ins, err := tx.ListInvoices(context.Background(), e.storeID)
		if err != nil {
			return err
		}
		n := 0
		for _, in := range ins {
			n += in.Count
		}
		fmt.Fprintf(&b, "shipments=%d charges=%d", len(api), n)
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return b.String() + " " + e.fingerprint()
}

func TestShipmentsRatesBuyDocuments(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		base := "/v2.2/stores/" + e.storeID + "/shipments"
		// No carrier yet: 422, nothing written.
		checkProblem(t, "rates without carrier", e.post(base+"/rates", e.key, ratesBody, nil), 422, "")
		e.putRateTable()

		rates := checkRates(t, e.post(base+"/rates", e.key, ratesBody, nil))
		// 24 oz = 1.5 lb: the US band over 1 up to 5 lb (example.json).
		got := map[string]string{}
		for _, r := range rates {
			got[r.Carrier.ID+"/"+r.Service.Name] = r.Price.Amount + " " + r.Price.Currency
		}
		if len(rates) != 2 || got["rebound/ground"] != "9.75 USD" || got["rebound/express"] != "21.00 USD" {
			t.Fatalf("rates = %v", got)
		}

		before := e.shippingState()
		key := map[string]string{"Idempotency-Key": "buy-1"}
		s1 := checkShipment(t, e.post(base+"/buy", e.key, buyBody("rebound", "ground"), key), 201)
		if s1.Price != (bMoney{"9.75", "USD"}) || s1.Tracker.Status != "pre_transit" || !strings.HasPrefix(s1.Tracker.Code, "RB") {
			t.Errorf("bought %+v", s1)
		}
		if _, err := shipping.ValidateTrackingNumber(s1.Tracker.Code); err != nil {
			t.Errorf("tracking number %s: %v", s1.Tracker.Code, err)
		}
		after := e.shippingState()
		if after == before {
			t.Fatal("the purchase wrote nothing")
		}
		// The same key and body: the same shipment, 200, nothing more written.
		s2 := checkShipment(t, e.post(base+"/buy", e.key, buyBody("rebound", "ground"), key), 200)
		if s2.ID != s1.ID || s2.Tracker.Code != s1.Tracker.Code {
			t.Errorf("replay bought another label: %s %s vs %s %s", s2.ID, s2.Tracker.Code, s1.ID, s1.Tracker.Code)
		}
		// The same key, another request: 409.
		checkProblem(t, "key reuse", e.post(base+"/buy", e.key, buyBody("rebound", "express"), key), 409, "")
		if now := e.shippingState(); now != after {
			t.Errorf("replays wrote: %s → %s", after, now)
		}

		// The label PDF, parsed back.
		doc := e.getURL(base+"/"+s1.ID+"/documents/label", e.key)
		if doc.status != 200 || doc.header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("label: %d %s %.200s", doc.status, doc.header.Get("Content-Type"), doc.body)
		}
		text := pdfText(t, doc.body)
		for _, want := range []string{s1.Tracker.Code, "Rebound Post", "Ground", "Acme Returns", "Newark", "Jane Doe"} {
			if !textHas(text, want) {
				t.Errorf("label text lacks %q:\n%s", want, text)
			}
		}
		checkProblem(t, "no commercial invoice", e.getURL(base+"/"+s1.ID+"/documents/commercialInvoice", e.key), 404, "")
		checkProblem(t, "unknown document", e.getURL(base+"/"+s1.ID+"/documents/manifest", e.key), 400, "documentType")

		// Bad input: precise 4xx, nothing bought, nothing written.
		state := e.shippingState()
		bad := []struct {
			what, body string
			status     int
			field      string
		}{
			{"weight unit", strings.Replace(buyBody("rebound", "ground"), `"unit":"lb"`, `"unit":"stone"`, 1), 400, "parcel.weight.unit"},
			{"negative weight", strings.Replace(buyBody("rebound", "ground"), `"value":1.5`, `"value":-2`, 1), 400, "parcel.weight.value"},
			{"zero weight", strings.Replace(buyBody("rebound", "ground"), `"value":1.5`, `"value":0`, 1), 400, "parcel.weight.value"},
			{"length unit", strings.Replace(ratesBody, `"length":{"value":10,"unit":"in"}`, `"length":{"value":10,"unit":"ft"}`, 1), 400, "parcel.length.unit"},
			{"missing height", strings.Replace(ratesBody, `"height":{"value":4,"unit":"in"},`, ``, 1), 400, "parcel.height"},
			{"unknown carrier", buyBody("fedex", "ground"), 400, "carrier.id"},
			{"unknown service", buyBody("rebound", "overnight"), 422, "service.name"},
			{"no carrier", strings.Replace(buyBody("rebound", "ground"), `"carrier":{"id":"rebound"},`, ``, 1), 400, "carrier.id"},
			{"bad country", strings.Replace(buyBody("rebound", "ground"), `"country":"US"`, `"country":"USA"`, 1), 400, "origin.address.country"},
			{"no street", strings.Replace(buyBody("rebound", "ground"), `"line1":"123 Main St",`, ``, 1), 400, "origin.address.line1"},
			{"easypost not connected", buyBody("easypost:USPS", "Priority"), 422, ""},
			{"not json", `{"origin":`, 400, ""},
		}
		for _, c := range bad {
			path := base + "/buy"
			if strings.Contains(c.body, `"length"`) {
				path = base + "/rates"
			}
			checkProblem(t, c.what, e.post(path, e.key, c.body, map[string]string{"Idempotency-Key": "bad-" + c.what}), c.status, c.field)
		}
		checkProblem(t, "rates with a negative weight", e.post(base+"/rates", e.key, strings.Replace(ratesBody, `"value":24`, `"value":-1`, 1), nil), 400, "parcel.weight.value")
		if now := e.shippingState(); now != state {
			t.Errorf("bad input wrote: %s → %s", state, now)
		}

		// Tenancy: another store's key is refused on this store's paths;
		// its own path does not see this store's shipment.
		a2, k2, err := e.app.CreateStore(context.Background(), "Other")
		if err != nil {
			t.Fatal(err)
		}
		state = e.shippingState()
		checkProblem(t, "foreign store rates", e.post(base+"/rates", k2.Secret, ratesBody, nil), 403, "")
		checkProblem(t, "foreign store buy", e.post(base+"/buy", k2.Secret, buyBody("rebound", "ground"), nil), 403, "")
		checkProblem(t, "foreign store document", e.getURL(base+"/"+s1.ID+"/documents/label", k2.Secret), 403, "")
		checkProblem(t, "foreign shipment id", e.getURL("/v2.2/stores/"+a2.ID+"/shipments/"+s1.ID+"/documents/label", k2.Secret), 404, "")
		checkProblem(t, "unknown shipment id", e.getURL(base+"/shp_000000000000000000000000/documents/label", e.key), 404, "")
		checkProblem(t, "no key", e.post(base+"/rates", "", ratesBody, nil), 401, "")
		if now := e.shippingState(); now != state {
			t.Errorf("foreign requests wrote: %s → %s", state, now)
		}

		// The rate table is validated strictly.
		r := e.doUnchecked("PUT", "/v2.2/stores/"+e.storeID+"/shipping/rate-table", e.key, "application/json", []byte(`{"currency":"USD","weightUnit":"stone","services":[],"zones":[],"extra":1}`))
		checkProblem(t, "bad rate table", r, 400, "")
		if rt := e.getURL("/v2.2/stores/"+e.storeID+"/shipping/rate-table", e.key); rt.status != 200 || !strings.Contains(string(rt.body), "Rebound Post") {
			t.Errorf("rate table kept: %d %s", rt.status, rt.body)
		}
	})
}

// tracking returns the return's first shipment as the Redo view shows it.
func (e *env) returnView(id string) map[string]any {
	e.t.Helper()
	r := e.do("GET", "/v2.2/returns/"+id, e.key, "", nil)
	if r.status != 200 {
		e.t.Fatalf("get return: %d %s", r.status, r.body)
	}
	return obj(r.json(e.t)["return"])
}

func shipmentOf(ret map[string]any) map[string]any {
	ss, _ := ret["shipments"].([]any)
	if len(ss) == 0 {
		return nil
	}
	return obj(ss[0])
}

func messages(evs []map[string]any) string {
	var b strings.Builder
	for _, ev := range evs {
		fmt.Fprintf(&b, "%v: %v\n", ev["kind"], ev["message"])
	}
	return b.String()
}

// TestAutoLabelScanDelivered: approving a return buys its label in a job;
// the shopper's PDF is served; scans move it in_transit then delivered; a
// replacement voids the old label.
func TestAutoLabelScanDelivered(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.synced()
		e.putRateTable()
		e.putDestinations()
		e.setAutoLabel("rebound", "ground")
		e.startWorkers(hookConfig())

		ret := e.mustCreateReturn(returnBody())
		id := ret["id"].(string)
		if ret["status"] != "open" {
			t.Fatalf("status %v", ret["status"])
		}
		var sh map[string]any
		waitFor(t, 15*time.Second, "the label job", func() bool { sh = shipmentOf(e.returnView(id)); return sh != nil })
		v := e.returnView(id)
		tn := sh["tracker"].(string)
		if _, err := shipping.ValidateTrackingNumber(tn); err != nil {
			t.Errorf("tracker %q: %v", tn, err)
		}
		if sh["carrier"] != "Rebound Post" || sh["status"] != "pre_transit" || sh["trackingUrl"] != "https://returns.example.com/track/"+tn ||
			sh["estimatedDeliveryDate"] == nil || sh["postageLabel"] == nil {
			t.Errorf("shipment = %v", sh)
		}
		dest := obj(v["destination"])
		if ma := obj(dest["mailingAddress"]); ma["line1"] != "1 Dock Rd" || ma["city"] != "Newark" || dest["phoneNumber"] != "+12015550100" {
			t.Errorf("destination = %v", dest)
		}
		// The shopper's label, without a key.
		pl := sh["postageLabel"].(string)
		doc := e.getURL(e.srv.URL+pl[strings.Index(pl, "/shipping/labels/"):], "")
		if doc.status != 200 || doc.header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("postage label: %d %.200s", doc.status, doc.body)
		}
		text := pdfText(t, doc.body)
		for _, want := range []string{tn, id, "Acme Returns East", "Jane Doe", "New York"} {
			if !textHas(text, want) {
				t.Errorf("label lacks %q:\n%s", want, text)
			}
		}
		if r := e.getURL(e.srv.URL+pl[strings.Index(pl, "/shipping/labels/"):]+"x", ""); r.status != 404 {
			t.Errorf("wrong token: %d", r.status)
		}

		// A replacement voids the label and buys another.
		if r := e.post("/v2.2/returns/"+id+"/label/replace", e.key, "", nil); r.status != 202 {
			t.Fatalf("replace: %d %s", r.status, r.body)
		}
		var sh2 map[string]any
		waitFor(t, 15*time.Second, "the replacement label", func() bool {
			sh2 = shipmentOf(e.returnView(id))
			return sh2 != nil && sh2["tracker"] != tn && sh2["status"] == "pre_transit"
		})
		tn2 := sh2["tracker"].(string)
		// The voided label cannot be scanned any more.
		if r := e.post("/v2.2/stores/"+e.storeID+"/scan", e.key, `{"code":"`+tn+`","status":"in_transit"}`, nil); r.status != 409 {
			t.Errorf("scan of the voided label: %d %s", r.status, r.body)
		}

		// Scans move the return.
		if r := e.post("/v2.2/stores/"+e.storeID+"/scan", e.key, `{"code":"`+tn2+`","status":"in_transit"}`, nil); r.status != 200 {
			t.Fatalf("scan: %d %s", r.status, r.body)
		}
		if v := e.returnView(id); v["status"] != "in_transit" || shipmentOf(v)["status"] != "in_transit" {
			t.Errorf("after the drop-off scan: %v %v", v["status"], shipmentOf(v))
		}
		if r := e.post("/v2.2/returns/"+id+"/scan", e.key, ``, nil); r.status != 200 {
			t.Fatalf("warehouse scan: %d %s", r.status, r.body)
		}
		v = e.returnView(id)
		if v["status"] != "delivered" || shipmentOf(v)["status"] != "delivered" || shipmentOf(v)["deliveredAt"] == nil {
			t.Errorf("after the warehouse scan: %v %v", v["status"], shipmentOf(v))
		}
		evs := e.timeline(id)
		if countKind(evs, "return.in_transit") != 1 || countKind(evs, "return.delivered") != 1 || countKind(evs, "shipment.updated") < 4 {
			t.Errorf("timeline:\n%s", messages(evs))
		}
		// Bad scans.
		for _, c := range []struct {
			body   string
			status int
		}{
			{`{"code":"RB0000000000000000"}`, 404},
			{`{"code":"` + tn2 + `","status":"lost"}`, 400},
			{`{"code":""}`, 400},
			{`{"code":"` + tn2 + `","extra":1}`, 400},
		} {
			if r := e.post("/v2.2/stores/"+e.storeID+"/scan", e.key, c.body, nil); r.status != c.status {
				t.Errorf("scan %s: %d %s", c.body, r.status, r.body)
			}
		}
		_, k2, _ := e.app.CreateStore(context.Background(), "Other")
		if r := e.post("/v2.2/returns/"+id+"/scan", k2.Secret, ``, nil); r.status != 404 {
			t.Errorf("foreign scan: %d %s", r.status, r.body)
		}
		if r := e.post("/v2.2/returns/"+id+"/label/replace", k2.Secret, ``, nil); r.status != 404 {
			t.Errorf("foreign replace: %d %s", r.status, r.body)
		}
	})
}

func TestDestinations(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		path := "/v2.2/stores/" + e.storeID + "/destinations"
		if r := e.getURL(path, e.key); r.status != 200 || !strings.Contains(string(r.body), `"destinations":[]`) {
			t.Errorf("empty: %d %s", r.status, r.body)
		}
		e.putDestinations()
		r := e.getURL(path, e.key)
		var ds struct {
			Default      string
			Destinations []map[string]any
			Rules        []map[string]any
		}
		if err := json.Unmarshal(r.body, &ds); err != nil || ds.Default != "east" || len(ds.Destinations) != 2 || len(ds.Rules) != 2 {
			t.Errorf("get: %s", r.body)
		}
		for _, c := range []struct{ body, field string }{
			{`{"default":"nope","destinations":[{"id":"a","name":"A","address":{"line1":"1 A St","city":"X","country":"US"}}]}`, "default"},
			{`{"default":"a","destinations":[{"id":"a","name":"A","address":{"line1":"1 A St","city":"X","country":"XX"}}]}`, "destinations[0].address.country"},
			{`{"default":"a","destinations":[{"id":"a","name":"A","address":{"line1":"1 A St","city":"X","country":"US"}}],"rules":[{"destination":"a"}]}`, "rules[0]"},
			{`{"default":"a","destinations":[{"id":"a","name":"A","address":{"line1":"1 A St","city":"X","country":"US"}}],"rules":[{"destination":"b","countries":["US"]}]}`, "rules[0].destination"},
			{`{"default":"a","destinations":[],"unknown":true}`, "unknown"},
		} {
			checkProblem(t, c.body, e.doUnchecked("PUT", path, e.key, "application/json", []byte(c.body)), 400, c.field)
		}
		if r := e.getURL(path, e.key); !strings.Contains(string(r.body), "Acme Returns West") {
			t.Errorf("a bad PUT changed the destinations: %s", r.body)
		}
		_, k2, _ := e.app.CreateStore(context.Background(), "Other")
		checkProblem(t, "foreign", e.getURL(path, k2.Secret), 403, "")

		// Rules: by SKU, by country, else the default.
		e.synced()
		e.sync(e.key, mutate(func(o map[string]any) {
			o["id"] = "order_ca"
			line(o, 0)["sku"] = "TEE-WEST"
		}))
		b := strings.Replace(string(returnBody()), "order_123456", "order_ca", 1)
		west := e.mustCreateReturn([]byte(b))
		if ma := obj(obj(e.returnView(west["id"].(string))["destination"])["mailingAddress"]); ma["city"] != "Oakland" {
			t.Errorf("SKU rule: %v", ma)
		}
		east := e.mustCreateReturn(returnBody())
		if ma := obj(obj(e.returnView(east["id"].(string))["destination"])["mailingAddress"]); ma["city"] != "Newark" {
			t.Errorf("default: %v", ma)
		}
	})
}

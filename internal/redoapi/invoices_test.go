package redoapi_test

import (
	"context"
	"encoding/csv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	moneypkg "github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/returns"
)

// clock is a settable clock for the shipping and invoice services.
type clock struct{ t atomic.Pointer[time.Time] }

func (c *clock) set(t time.Time) { c.t.Store(&t) }
func (c *clock) now() time.Time  { return *c.t.Load() }

func (e *env) csvRows(path, key string) [][]string {
	e.t.Helper()
	r := e.do("GET", path, key, "", nil)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
		e.t.Fatalf("%s: %d %s %s", path, r.status, r.header.Get("Content-Type"), r.body)
	}
	rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if err != nil {
		e.t.Fatalf("%s: not RFC 4180 CSV: %v\n%s", path, err, r.body)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "invoice_id,return_id,order_id,order_name,tracking_number,carrier,service,description,quantity,unit_price,amount,currency,date,status" {
		e.t.Fatalf("%s: header %v", path, rows)
	}
	return rows[1:]
}

// csvSum is the sum of the amount column, in minor units.
func csvSum(t *testing.T, rows [][]string) int64 {
	t.Helper()
	var sum int64
	for _, r := range rows {
		n, err := moneypkg.ParseAmount(r[10], r[11])
		if err != nil {
			t.Fatalf("amount %q %q: %v", r[10], r[11], err)
		}
		q, _ := moneypkg.ParseAmount(r[9], r[11])
		if r[8] != "1" || q != n {
			t.Errorf("row %v: amount is not quantity × unit price", r)
		}
		sum += n
	}
	return sum
}

func TestInvoicesMonthCSV(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ny, err := time.LoadLocation("America/New_York")
		if err != nil {
			t.Fatal(err)
		}
		var clk clock
		e.sv.Shipping.Now, e.sv.Invoices.Now = clk.now, clk.now
		e.putRateTable()
		e.putDestinations()
		settings := "/v2.2/stores/" + e.storeID + "/invoice-settings"
		checkProblem(t, "bad zone", e.doUnchecked("PUT", settings, e.key, "application/json", []byte(`{"timeZone":"Mars/Olympus"}`)), 400, "timeZone")
		if r := e.doUnchecked("PUT", settings, e.key, "application/json", []byte(`{"timeZone":"America/New_York"}`)); r.status != 200 {
			t.Fatalf("settings: %d %s", r.status, r.body)
		}
		base := "/v2.2/stores/" + e.storeID + "/shipments"
		buy := func(at time.Time, service, key string) bShipment {
			clk.set(at)
			return checkShipment(t, e.post(base+"/buy", e.key, buyBody("rebound", service), map[string]string{"Idempotency-Key": key}), 201)
		}
		// 23:59 on 31 October in New York is 03:59 UTC on 1 November: October.
		oct := buy(time.Date(2026, 10, 31, 23, 59, 0, 0, ny), "ground", "k1")
		nov := buy(time.Date(2026, 11, 1, 0, 0, 30, 0, ny), "express", "k2")

		// A return's label, voided and replaced, in November.
		clk.set(time.Date(2026, 11, 3, 10, 0, 0, 0, ny))
		e.synced()
		e.setAutoLabel("rebound", "ground")
		e.startWorkers(hookConfig())
		id := e.mustCreateReturn(returnBody())["id"].(string)
		var first map[string]any
		waitFor(t, 15*time.Second, "the label", func() bool { first = shipmentOf(e.returnView(id)); return first != nil })
		if r := e.post("/v2.2/returns/"+id+"/label/replace", e.key, "", nil); r.status != 202 {
			t.Fatalf("replace: %d %s", r.status, r.body)
		}
		waitFor(t, 15*time.Second, "the replacement", func() bool {
			s := shipmentOf(e.returnView(id))
			return s["tracker"] != first["tracker"] && s["status"] == "pre_transit"
		})

		clk.set(time.Date(2026, 11, 15, 12, 0, 0, 0, ny))
		r := e.do("GET", "/v2.2/stores/"+e.storeID+"/invoices", e.key, "", nil)
		if r.status != 200 {
			t.Fatalf("list: %d %s", r.status, r.body)
		}
		list := arr(r.json(t)["invoices"])
		if len(list) != 2 {
			t.Fatalf("invoices: %s", r.body)
		}
		novInv, octInv := obj(list[0]), obj(list[1])
		if octInv["period"] != "2026-10" || octInv["status"] != "open" || obj(octInv["charge"])["amount"] != "9.75" ||
			obj(octInv["team"])["id"] != e.storeID || obj(octInv["store"])["id"] != e.storeID {
			t.Errorf("October: %v", octInv)
		}
		// November: 21.00 + 9.75 (first label) − 9.75 (its void) + 9.75 (replacement).
		if novInv["period"] != "2026-11" || novInv["status"] != "pending" || obj(novInv["charge"])["amount"] != "30.75" {
			t.Errorf("November: %v", novInv)
		}
		for _, in := range []map[string]any{octInv, novInv} {
			rows := e.csvRows("/v2.2/invoices/"+in["id"].(string)+"/items.csv", e.key)
			want, _ := moneypkg.ParseAmount(obj(in["charge"])["amount"].(string), "USD")
			if got := csvSum(t, rows); got != want {
				t.Errorf("%v: CSV sums to %d, the invoice to %d", in["period"], got, want)
			}
			for _, row := range rows {
				if row[0] != in["id"] || row[13] != in["status"] || row[11] != "USD" {
					t.Errorf("row %v of %v", row, in["id"])
				}
			}
		}
		octRows := e.csvRows("/v2.2/invoices/"+octInv["id"].(string)+"/items.csv", e.key)
		if len(octRows) != 1 || octRows[0][4] != oct.Tracker.Code || octRows[0][12] != "2026-10-31T23:59:00-04:00" || octRows[0][6] != "ground" {
			t.Errorf("October rows: %v", octRows)
		}
		novRows := e.csvRows("/v2.2/invoices/pending/items.csv", e.key)
		if len(novRows) != 4 || novRows[0][4] != nov.Tracker.Code {
			t.Fatalf("pending rows: %v", novRows)
		}
		credits := 0
		for _, row := range novRows[1:] {
			if row[1] != id || row[2] != "order_123456" {
				t.Errorf("return row %v", row)
			}
			if strings.HasPrefix(row[10], "-") {
				credits++
				if row[10] != "-9.75" || row[4] != first["tracker"] {
					t.Errorf("credit row %v", row)
				}
			}
		}
		if credits != 1 {
			t.Errorf("credits = %d: %v", credits, novRows)
		}

		// Paying: a closed month only; tenancy.
		pay := func(id, key string) response { return e.post("/v2.2/invoices/"+id+"/pay", key, "", nil) }
		checkProblem(t, "pay pending", pay(novInv["id"].(string), e.key), 409, "")
		if r := pay(octInv["id"].(string), e.key); r.status != 200 || obj(r.json(t)["invoice"])["status"] != "paid" {
			t.Errorf("pay: %d %s", r.status, r.body)
		}
		r = e.do("GET", "/v2.2/stores/"+e.storeID+"/invoices", e.key, "", nil)
		if obj(arr(r.json(t)["invoices"])[1])["status"] != "paid" {
			t.Errorf("after paying: %s", r.body)
		}
		_, k2, err := e.app.CreateStore(context.Background(), "Other")
		if err != nil {
			t.Fatal(err)
		}
		checkProblem(t, "foreign csv", e.do("GET", "/v2.2/invoices/"+octInv["id"].(string)+"/items.csv", k2.Secret, "", nil), 404, "")
		checkProblem(t, "foreign pay", pay(novInv["id"].(string), k2.Secret), 404, "")
		checkProblem(t, "foreign list", e.do("GET", "/v2.2/stores/"+e.storeID+"/invoices", k2.Secret, "", nil), 403, "")
		if rows := e.csvRows("/v2.2/invoices/pending/items.csv", k2.Secret); len(rows) != 0 {
			t.Errorf("another store's pending invoice: %v", rows)
		}
		ro, err := e.app.CreateAPIKey(context.Background(), e.storeID, []returns.Scope{returns.ScopeReturnsRead}, "no invoices")
		if err != nil {
			t.Fatal(err)
		}
		checkProblem(t, "scope", e.do("GET", "/v2.2/invoices/pending/items.csv", ro.Secret, "", nil), 403, "")
		checkProblem(t, "scope list", e.do("GET", "/v2.2/stores/"+e.storeID+"/invoices", ro.Secret, "", nil), 403, "")
	})
}

func TestInvoiceFees(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		settings := "/v2.2/stores/" + e.storeID + "/invoice-settings"
		for _, bad := range []struct{ body, field string }{
			{`{"timeZone":"UTC","fees":[{"code":"h","description":"Handling","amount":"0.505","currency":"USD"}]}`, "fees[0].amount"},
			{`{"timeZone":"UTC","fees":[{"code":"h","description":"Handling","amount":"-1","currency":"USD"}]}`, "fees[0].amount"},
			{`{"timeZone":"UTC","fees":[{"code":"h","description":"Handling","amount":"1","currency":"XXY"}]}`, "fees[0].currency"},
			{`{"timeZone":"UTC","fees":[{"code":"","description":"Handling","amount":"1","currency":"USD"}]}`, "fees[0].code"},
			{`{"timeZone":"UTC","extra":true}`, "extra"},
		} {
			checkProblem(t, bad.body, e.doUnchecked("PUT", settings, e.key, "application/json", []byte(bad.body)), 400, bad.field)
		}
		if r := e.doUnchecked("PUT", settings, e.key, "application/json",
			[]byte(`{"timeZone":"UTC","fees":[{"code":"handling","description":"Return handling","amount":"0.50","currency":"USD"}]}`)); r.status != 200 {
			t.Fatalf("settings: %d %s", r.status, r.body)
		}
		e.synced()
		id := e.mustCreateReturn(returnBody())["id"].(string)
		rows := e.csvRows("/v2.2/invoices/pending/items.csv", e.key)
		if len(rows) != 1 || rows[0][1] != id || rows[0][7] != "Return handling" || rows[0][10] != "0.50" || rows[0][2] != "order_123456" {
			t.Errorf("fee rows: %v", rows)
		}
		// Approving again (reopen) charges nothing more.
		for _, st := range []string{"complete", "open"} {
			if r := e.do("PUT", "/v2.2/returns/"+id+"/status", e.key, "application/json", []byte(`{"status":"`+st+`"}`)); r.status != 204 {
				t.Fatalf("%s: %d %s", st, r.status, r.body)
			}
		}
		if rows := e.csvRows("/v2.2/invoices/pending/items.csv", e.key); len(rows) != 1 {
			t.Errorf("fee charged twice: %v", rows)
		}
	})
}

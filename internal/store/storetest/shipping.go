package storetest

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

func testShippingSettings(t *testing.T, st store.Store) {
	ctx := context.Background()
	a := mustStore(t, st, "Alpha")
	b := mustStore(t, st, "Beta")
	put := func(s *store.ShippingSettings) error {
		return st.Update(ctx, func(tx store.Tx) error { return tx.PutShippingSettings(ctx, s) })
	}
	get := func(id string) (*store.ShippingSettings, error) {
		return store.Read(ctx, st, func(tx store.ReadTx) (*store.ShippingSettings, error) { return tx.GetShippingSettings(ctx, id) })
	}
	byToken := func(tok string) (*store.ShippingSettings, error) {
		return store.Read(ctx, st, func(tx store.ReadTx) (*store.ShippingSettings, error) {
			return tx.GetShippingSettingsByWebhookToken(ctx, tok)
		})
	}
	if _, err := get(a.ID); !returns.IsNotFound(err) {
		t.Fatalf("before put: %v, want ENOTFOUND", err)
	}
	table := json.RawMessage(`{"currency":"USD",  "zones":[]}`)
	in := &store.ShippingSettings{StoreID: a.ID, RateTable: table, EasyPostKeySealed: "v1:k", EasyPostBaseURL: "http://127.0.0.1:1",
		EasyPostWebhookToken: "tok-a", EasyPostWebhookSecretSealed: "v1:s", Destinations: json.RawMessage(`{"default":"x"}`)}
	if err := put(in); err != nil {
		t.Fatal(err)
	}
	got, err := get(a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.RateTable) != string(table) || got.EasyPostKeySealed != "v1:k" || got.EasyPostBaseURL != in.EasyPostBaseURL ||
		got.EasyPostWebhookToken != "tok-a" || got.EasyPostWebhookSecretSealed != "v1:s" || string(got.Destinations) != `{"default":"x"}` || got.UpdatedAt.IsZero() {
		t.Errorf("got %+v", got)
	}
	if s, err := byToken("tok-a"); err != nil || s.StoreID != a.ID {
		t.Errorf("by token: %v %v", s, err)
	}
	for _, tok := range []string{"", "tok-b"} {
		if _, err := byToken(tok); !returns.IsNotFound(err) {
			t.Errorf("by token %q: %v, want ENOTFOUND", tok, err)
		}
	}
	// Another store may not take the token; the store itself may replace
	// everything.
	if err := put(&store.ShippingSettings{StoreID: b.ID, EasyPostWebhookToken: "tok-a"}); returns.ErrorCode(err) != returns.ECONFLICT {
		t.Errorf("token of another store: %v, want ECONFLICT", err)
	}
	if err := put(&store.ShippingSettings{StoreID: a.ID}); err != nil {
		t.Fatal(err)
	}
	if got, _ := get(a.ID); got.RateTable != nil || got.EasyPostKeySealed != "" || got.Destinations != nil {
		t.Errorf("after replace: %+v", got)
	}
	if err := put(&store.ShippingSettings{StoreID: "nope"}); !returns.IsNotFound(err) {
		t.Errorf("unknown store: %v", err)
	}
	if _, err := get(b.ID); !returns.IsNotFound(err) {
		t.Errorf("the failed put wrote: %v", err)
	}
}

func testShipments(t *testing.T, st store.Store) {
	ctx := context.Background()
	a := mustStore(t, st, "Alpha")
	b := mustStore(t, st, "Beta")
	create := func(s *store.ShipmentRecord) error {
		return st.Update(ctx, func(tx store.Tx) error { return tx.CreateShipment(ctx, s) })
	}
	read := func(fn func(tx store.ReadTx) (*store.ShipmentRecord, error)) (*store.ShipmentRecord, error) {
		return store.Read(ctx, st, fn)
	}
	t0 := time.Now().UTC().Truncate(time.Microsecond)
	s1 := &store.ShipmentRecord{ID: "shp_1", StoreID: a.ID, ReturnID: "ret_1", Carrier: "rebound", TrackingNumber: "RB1",
		Status: "pre_transit", IdempotencyKey: "k1", RequestHash: "h1", Data: json.RawMessage(`{"a":1}`), CreatedAt: t0}
	if err := create(s1); err != nil {
		t.Fatal(err)
	}
	// The key is unique per store; another store may use it.
	if err := create(&store.ShipmentRecord{ID: "shp_2", StoreID: a.ID, Carrier: "rebound", IdempotencyKey: "k1", Data: json.RawMessage(`{}`)}); returns.ErrorCode(err) != returns.ECONFLICT {
		t.Errorf("duplicate key: %v, want ECONFLICT", err)
	}
	if err := create(&store.ShipmentRecord{ID: "shp_3", StoreID: b.ID, Carrier: "rebound", IdempotencyKey: "k1", TrackingNumber: "RB1", Data: json.RawMessage(`{}`)}); err != nil {
		t.Errorf("same key in another store: %v", err)
	}
	if err := create(&store.ShipmentRecord{ID: "shp_4", StoreID: "nope", Carrier: "rebound", IdempotencyKey: "k9", Data: json.RawMessage(`{}`)}); !returns.IsNotFound(err) {
		t.Errorf("unknown store: %v", err)
	}
	got, err := read(func(tx store.ReadTx) (*store.ShipmentRecord, error) { return tx.GetShipment(ctx, a.ID, "shp_1") })
	if err != nil || got.ReturnID != "ret_1" || got.TrackingNumber != "RB1" || got.Status != "pre_transit" || got.RequestHash != "h1" ||
		string(got.Data) != `{"a":1}` || !got.CreatedAt.Equal(t0) || got.VoidedAt != nil {
		t.Errorf("get: %+v %v", got, err)
	}
	// Tenancy: another store sees none of it.
	if _, err := read(func(tx store.ReadTx) (*store.ShipmentRecord, error) { return tx.GetShipment(ctx, b.ID, "shp_1") }); !returns.IsNotFound(err) {
		t.Errorf("foreign get: %v", err)
	}
	if got, err := read(func(tx store.ReadTx) (*store.ShipmentRecord, error) { return tx.GetShipmentByKey(ctx, b.ID, "k1") }); err != nil || got.ID != "shp_3" {
		t.Errorf("by key in b: %v %v", got, err)
	}
	if got, err := read(func(tx store.ReadTx) (*store.ShipmentRecord, error) {
		return tx.GetShipmentByTracking(ctx, a.ID, "RB1")
	}); err != nil || got.ID != "shp_1" {
		t.Errorf("by tracking: %v %v", got, err)
	}
	if _, err := read(func(tx store.ReadTx) (*store.ShipmentRecord, error) {
		return tx.GetShipmentByTracking(ctx, a.ID, "RB2")
	}); !returns.IsNotFound(err) {
		t.Errorf("unknown tracking: %v", err)
	}
	// Update.
	v := t0.Add(time.Hour)
	got.Status, got.Data, got.VoidedAt = "cancelled", json.RawMessage(`{"b":2}`), &v
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.UpdateShipment(ctx, got) }); err != nil {
		t.Fatal(err)
	}
	again, _ := read(func(tx store.ReadTx) (*store.ShipmentRecord, error) { return tx.GetShipment(ctx, a.ID, "shp_1") })
	if again.Status != "cancelled" || string(again.Data) != `{"b":2}` || again.VoidedAt == nil || !again.VoidedAt.Equal(v) {
		t.Errorf("after update: %+v", again)
	}
	foreign := *got
	foreign.StoreID = b.ID
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.UpdateShipment(ctx, &foreign) }); !returns.IsNotFound(err) {
		t.Errorf("foreign update: %v", err)
	}
	// List by return, oldest first.
	if err := create(&store.ShipmentRecord{ID: "shp_5", StoreID: a.ID, ReturnID: "ret_1", Carrier: "rebound", IdempotencyKey: "k5",
		Data: json.RawMessage(`{}`), CreatedAt: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	var list, none []*store.ShipmentRecord
	err = st.View(ctx, func(tx store.ReadTx) error {
		var err error
		if list, err = tx.ListShipments(ctx, a.ID, "ret_1"); err != nil {
			return err
		}
		none, err = tx.ListShipments(ctx, b.ID, "ret_1")
		return err
	})
	if err != nil || len(list) != 2 || list[0].ID != "shp_1" || list[1].ID != "shp_5" || len(none) != 0 {
		t.Errorf("list: %v %v %v", list, none, err)
	}
}

func testCarrierRecords(t *testing.T, st store.Store) {
	ctx := context.Background()
	a := mustStore(t, st, "Alpha")
	b := mustStore(t, st, "Beta")
	create := func(c *store.CarrierRecord) (*store.CarrierRecord, bool, error) {
		var out *store.CarrierRecord
		var created bool
		err := st.Update(ctx, func(tx store.Tx) error {
			var err error
			out, created, err = tx.CreateCarrierRecord(ctx, c)
			return err
		})
		return out, created, err
	}
	rec, created, err := create(&store.CarrierRecord{StoreID: a.ID, Carrier: "rebound", Key: "k", TrackingNumber: "RB1", Data: json.RawMessage(`"one"`)})
	if err != nil || !created || string(rec.Data) != `"one"` {
		t.Fatalf("create: %v %v %v", rec, created, err)
	}
	// Same key: the first record, created false.
	rec, created, err = create(&store.CarrierRecord{StoreID: a.ID, Carrier: "rebound", Key: "k", TrackingNumber: "RB2", Data: json.RawMessage(`"two"`)})
	if err != nil || created || string(rec.Data) != `"one"` || rec.TrackingNumber != "RB1" {
		t.Errorf("same key: %v %v %v", rec, created, err)
	}
	// Tracking numbers are unique per carrier over every store.
	if _, _, err := create(&store.CarrierRecord{StoreID: b.ID, Carrier: "rebound", Key: "k2", TrackingNumber: "RB1", Data: json.RawMessage(`1`)}); returns.ErrorCode(err) != returns.ECONFLICT {
		t.Errorf("taken tracking number: %v, want ECONFLICT", err)
	}
	if _, created, err := create(&store.CarrierRecord{StoreID: b.ID, Carrier: "easypost", Key: "k2", TrackingNumber: "RB1", Data: json.RawMessage(`1`)}); err != nil || !created {
		t.Errorf("another carrier's number: %v %v", created, err)
	}
	// Records without tracking numbers do not collide.
	for _, k := range []string{"x", "y"} {
		if _, created, err := create(&store.CarrierRecord{StoreID: a.ID, Carrier: "easypost", Key: k, Data: json.RawMessage(`1`)}); err != nil || !created {
			t.Errorf("claim %s: %v %v", k, created, err)
		}
	}
	got, err := store.Read(ctx, st, func(tx store.ReadTx) (*store.CarrierRecord, error) {
		return tx.GetCarrierRecordByTracking(ctx, "rebound", "RB1")
	})
	if err != nil || got.StoreID != a.ID || got.Key != "k" {
		t.Errorf("by tracking: %v %v", got, err)
	}
	if _, err := store.Read(ctx, st, func(tx store.ReadTx) (*store.CarrierRecord, error) {
		return tx.GetCarrierRecord(ctx, b.ID, "rebound", "k")
	}); !returns.IsNotFound(err) {
		t.Errorf("foreign key: %v", err)
	}
	got.Data = json.RawMessage(`"updated"`)
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.UpdateCarrierRecord(ctx, got) }); err != nil {
		t.Fatal(err)
	}
	if g, _ := store.Read(ctx, st, func(tx store.ReadTx) (*store.CarrierRecord, error) {
		return tx.GetCarrierRecord(ctx, a.ID, "rebound", "k")
	}); string(g.Data) != `"updated"` {
		t.Errorf("after update: %s", g.Data)
	}
	if err := st.Update(ctx, func(tx store.Tx) error {
		return tx.UpdateCarrierRecord(ctx, &store.CarrierRecord{StoreID: b.ID, Carrier: "rebound", Key: "k"})
	}); !returns.IsNotFound(err) {
		t.Errorf("update unknown: %v", err)
	}
	// Concurrent creates with one key: one wins, all see its record.
	var wg sync.WaitGroup
	results := make([]string, 8)
	wins := make([]bool, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec, created, err := create(&store.CarrierRecord{StoreID: a.ID, Carrier: "easypost", Key: "race", Data: json.RawMessage(`"` + string(rune('a'+i)) + `"`)})
			if err != nil {
				t.Errorf("race %d: %v", i, err)
				return
			}
			results[i], wins[i] = string(rec.Data), created
		}()
	}
	wg.Wait()
	n := 0
	for i := range results {
		if wins[i] {
			n++
		}
		if results[i] != results[0] {
			t.Errorf("racers saw different records: %v", results)
		}
	}
	if n != 1 {
		t.Errorf("%d racers created the record", n)
	}
}

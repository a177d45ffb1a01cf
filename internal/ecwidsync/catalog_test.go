package ecwidsync_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/ecwid"
	"github.com/reboundhq/rebound/internal/ecwid/ecwidtest"
	"github.com/reboundhq/rebound/internal/ecwidsync"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

// TestCatalogVariants reads a connected store's combinations from the fake
// (the product's price for those without their own, prices exact in the
// currency asked for), answers "no catalogue" without asking Ecwid when
// there is nothing to ask, and keeps answers for the TTL.
func TestCatalogVariants(t *testing.T) {
	srv := newFake(t)
	st := storetest.OpenSQLite(t)
	box, err := secrets.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(st)
	svc := &ecwidsync.Service{Store: st, App: a, Secrets: box, EcwidOptions: []ecwid.Option{ecwid.WithLimiter(nil)}}
	ctx := context.Background()
	connected, _, err := a.CreateStore(ctx, "Connected")
	if err != nil {
		t.Fatal(err)
	}
	plain, _, err := a.CreateStore(ctx, "Plain")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Connect(ctx, connected.ID, ecwidsync.ConnectInput{EcwidStoreID: srv.StoreID, AccessToken: srv.Token,
		CustomerGroup: "g", APIBaseURL: srv.APIRoot()}); err != nil {
		t.Fatal(err)
	}
	odd, err := srv.Add(ecwidtest.Products, map[string]any{"name": "Odd", "price": 10.005, "enabled": false, "combinations": []any{
		map[string]any{"id": 1, "options": []any{map[string]any{"name": "Size", "value": "S"}}, "quantity": 1},
		map[string]any{"id": 2, "options": []any{map[string]any{"name": "Size", "value": "M"}}, "quantity": 1, "price": 12},
	}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	c := &ecwidsync.Catalog{Service: svc, Now: func() time.Time { return now }}
	reads := func() int { return len(srv.Requests()) }
	before := reads()

	vs, ok, err := c.Variants(ctx, connected.ID, "12345601", "USD")
	if err != nil || !ok || len(vs) != 3 {
		t.Fatalf("seed tee: %v %v %+v", ok, err, vs)
	}
	want := returns.CatalogVariant{ProductID: "12345601", VariantID: "502", SKU: "TS-ORG-BLU-M", Title: "Size: M", Price: 2800, InStock: true}
	if vs[1] != want {
		t.Errorf("M = %+v, want %+v", vs[1], want)
	}
	if vs, _, _ := c.Variants(ctx, connected.ID, "12345601", "JPY"); len(vs) != 3 || vs[0].Price != 28 {
		t.Errorf("in JPY: %+v", vs)
	}
	// A price not exact in cents is left out; a disabled product's
	// variations are out of stock.
	vs, ok, err = c.Variants(ctx, connected.ID, odd[0], "USD")
	if err != nil || !ok || len(vs) != 1 || vs[0].VariantID != "2" || vs[0].Price != 1200 || vs[0].InStock {
		t.Errorf("odd product: %v %v %+v", ok, err, vs)
	}
	for name, q := range map[string][2]string{
		"no variations":    {connected.ID, "12345602"},
		"unknown product":  {connected.ID, "1"},
		"not an Ecwid id":  {connected.ID, "prod_456"},
		"not connected":    {plain.ID, "12345601"},
		"no such store id": {"nope", "12345601"},
	} {
		if vs, ok, err := c.Variants(ctx, q[0], q[1], "USD"); ok || err != nil || vs != nil {
			t.Errorf("%s: %v %v %+v", name, ok, err, vs)
		}
	}
	asked := reads() - before
	if asked != 5 { // tee in USD and JPY, odd, no variations, unknown
		t.Errorf("Ecwid asked %d times, want 5", asked)
	}
	if _, _, _ = c.Variants(ctx, connected.ID, "12345601", "USD"); reads()-before != asked {
		t.Error("a cached answer asked Ecwid again")
	}
	now = now.Add(ecwidsync.DefaultCatalogTTL + time.Second)
	if _, _, _ = c.Variants(ctx, connected.ID, "12345601", "USD"); reads()-before != asked+1 {
		t.Error("an expired answer was not read again")
	}

	srv.InjectFault(1, ecwidtest.Fault{Path: "/products/12345604", Status: 503})
	if _, ok, err := c.Variants(ctx, connected.ID, "12345604", "USD"); ok || err == nil {
		t.Errorf("failing Ecwid: %v %v", ok, err)
	}
	if _, _, err := c.Variants(ctx, connected.ID, "12345604", "USD"); err == nil {
		t.Error("a failure is remembered for FailTTL")
	}
	now = now.Add(ecwidsync.DefaultCatalogFailTTL + time.Second)
	if _, ok, err := c.Variants(ctx, connected.ID, "12345604", "USD"); ok || err != nil {
		t.Errorf("after FailTTL (a product without variations): %v %v", ok, err)
	}
}

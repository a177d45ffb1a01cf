package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

func getEcwid(st store.Store, storeID string) (*returns.EcwidIntegration, error) {
	var in *returns.EcwidIntegration
	err := st.View(context.Background(), func(tx store.ReadTx) error {
		var err error
		in, err = tx.GetEcwidIntegration(context.Background(), storeID)
		return err
	})
	return in, err
}

func testEcwidIntegrations(t *testing.T, st store.Store) {
	ctx := context.Background()
	a := mustStore(t, st, "Alpha")
	b := mustStore(t, st, "Beta")
	put := func(in *returns.EcwidIntegration) error {
		return st.Update(ctx, func(tx store.Tx) error { return tx.PutEcwidIntegration(ctx, in) })
	}
	if _, err := getEcwid(st, a.ID); !returns.IsNotFound(err) {
		t.Fatalf("get before put: err = %v, want ENOTFOUND", err)
	}
	t0 := time.Now().UTC().Truncate(time.Microsecond)
	in := &returns.EcwidIntegration{
		StoreID: a.ID, EcwidStoreID: 1003, TokenSealed: "v1:tok", CustomerGroup: "Returns",
		ClientID: "client", ClientSecretSealed: "v1:sec", APIBaseURL: "http://127.0.0.1:1/api/v3",
		WebhookToken: "whk_a", Status: returns.IntegrationConnected, CreatedAt: t0, UpdatedAt: t0,
	}
	if err := put(in); err != nil {
		t.Fatal(err)
	}
	got, err := getEcwid(st, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if *got != *in {
		t.Errorf("get = %+v, want %+v", got, in)
	}
	if _, err := getEcwid(st, b.ID); !returns.IsNotFound(err) {
		t.Errorf("other store sees the integration: err = %v", err)
	}

	// Replace: every column changes except created_at.
	t1 := t0.Add(time.Hour)
	upd := &returns.EcwidIntegration{
		StoreID: a.ID, EcwidStoreID: 2004, TokenSealed: "v1:tok2", CustomerGroup: "RMA",
		WebhookToken: "whk_a", Status: returns.IntegrationFailing, StatusReason: "token revoked",
		CreatedAt: t1, UpdatedAt: t1,
	}
	if err := put(upd); err != nil {
		t.Fatal(err)
	}
	if !upd.CreatedAt.Equal(t0) {
		t.Errorf("put kept CreatedAt = %v, want %v", upd.CreatedAt, t0)
	}
	got, err = getEcwid(st, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if *got != *upd {
		t.Errorf("after replace = %+v, want %+v", got, upd)
	}

	if err := put(&returns.EcwidIntegration{StoreID: "missing", WebhookToken: "whk_x", CreatedAt: t0, UpdatedAt: t0}); !returns.IsNotFound(err) {
		t.Errorf("put for unknown store: err = %v, want ENOTFOUND", err)
	}

	del := func(id string) error {
		return st.Update(ctx, func(tx store.Tx) error { return tx.DeleteEcwidIntegration(ctx, id) })
	}
	if err := del(b.ID); !returns.IsNotFound(err) {
		t.Errorf("delete absent: err = %v, want ENOTFOUND", err)
	}
	if err := del(a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := getEcwid(st, a.ID); !returns.IsNotFound(err) {
		t.Errorf("get after delete: err = %v, want ENOTFOUND", err)
	}
	if err := del(a.ID); !returns.IsNotFound(err) {
		t.Errorf("second delete: err = %v, want ENOTFOUND", err)
	}
}

package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

func mustStore(t *testing.T, st store.Store, name string) *returns.Merchant {
	t.Helper()
	s := &returns.Merchant{ID: returns.NewID(time.Now()), Name: name, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if err := st.Update(context.Background(), func(tx store.Tx) error { return tx.CreateStore(context.Background(), s) }); err != nil {
		t.Fatalf("create store: %v", err)
	}
	return s
}

func testStores(t *testing.T, st store.Store) {
	ctx := context.Background()
	a := mustStore(t, st, "Alpha")
	mustStore(t, st, "Beta")
	err := st.View(ctx, func(tx store.ReadTx) error {
		got, err := tx.GetStore(ctx, a.ID)
		if err != nil {
			return err
		}
		if *got != *a {
			t.Errorf("GetStore = %+v, want %+v", got, a)
		}
		if _, err := tx.GetStore(ctx, "nope"); !returns.IsNotFound(err) {
			t.Errorf("GetStore(unknown) err = %v, want ENOTFOUND", err)
		}
		byName, err := tx.GetStoreByName(ctx, "Alpha")
		if err != nil || byName.ID != a.ID {
			t.Errorf("GetStoreByName = %v, %v", byName, err)
		}
		all, err := tx.ListStores(ctx)
		if err != nil || len(all) != 2 || all[0].ID != a.ID {
			t.Errorf("ListStores = %v, %v", all, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testAPIKeys(t *testing.T, st store.Store) {
	ctx := context.Background()
	s := mustStore(t, st, "Alpha")
	k := &returns.APIKey{ID: "key1", StoreID: s.ID, Hash: []byte{1, 2, 3}, Scopes: []returns.Scope{returns.ScopeOrdersRead}, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.CreateAPIKey(ctx, k) }); err != nil {
		t.Fatal(err)
	}
	bad := &returns.APIKey{ID: "key2", StoreID: "missing", Hash: []byte{1}, CreatedAt: time.Now()}
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.CreateAPIKey(ctx, bad) }); !returns.IsNotFound(err) {
		t.Errorf("CreateAPIKey(unknown store) = %v, want ENOTFOUND", err)
	}
	var first time.Time
	for i := range 2 {
		err := st.Update(ctx, func(tx store.Tx) error {
			got, err := tx.RevokeAPIKey(ctx, "key1")
			if err != nil {
				return err
			}
			if got.RevokedAt == nil {
				t.Fatal("RevokedAt not set")
			}
			if i == 0 {
				first = *got.RevokedAt
			} else if !got.RevokedAt.Equal(first) {
				t.Errorf("second revoke moved RevokedAt from %v to %v", first, got.RevokedAt)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	err := st.View(ctx, func(tx store.ReadTx) error {
		got, err := tx.GetAPIKey(ctx, "key1")
		if err != nil {
			return err
		}
		if string(got.Hash) != "\x01\x02\x03" || len(got.Scopes) != 1 || got.Scopes[0] != returns.ScopeOrdersRead || got.RevokedAt == nil {
			t.Errorf("GetAPIKey = %+v", got)
		}
		if _, err := tx.GetAPIKey(ctx, "key2"); !returns.IsNotFound(err) {
			t.Errorf("failed create left key2 behind: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Update(ctx, func(tx store.Tx) error { _, err := tx.RevokeAPIKey(ctx, "nope"); return err }); !returns.IsNotFound(err) {
		t.Errorf("RevokeAPIKey(unknown) = %v", err)
	}
}

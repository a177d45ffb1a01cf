package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

func sha(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

func testRefundidIntegrations(t *testing.T, st store.Store) {
	ctx := context.Background()
	a := mustStore(t, st, "Alpha")
	b := mustStore(t, st, "Beta")
	put := func(in *returns.RefundidIntegration) error {
		return st.Update(ctx, func(tx store.Tx) error { return tx.PutRefundidIntegration(ctx, in) })
	}
	get := func(storeID string) (*returns.RefundidIntegration, error) {
		return store.Read(ctx, st, func(tx store.ReadTx) (*returns.RefundidIntegration, error) {
			return tx.GetRefundidIntegration(ctx, storeID)
		})
	}
	byToken := func(tok string) (*returns.RefundidIntegration, error) {
		return store.Read(ctx, st, func(tx store.ReadTx) (*returns.RefundidIntegration, error) {
			return tx.GetRefundidIntegrationByToken(ctx, tok)
		})
	}
	if _, err := get(a.ID); !returns.IsNotFound(err) {
		t.Fatalf("get before put: err = %v, want ENOTFOUND", err)
	}
	t0 := time.Now().UTC().Truncate(time.Microsecond)
	in := &returns.RefundidIntegration{
		StoreID: a.ID, Shop: "alpha.example", Environment: returns.RefundidSandbox, URLToken: "tok_a",
		BearerHash: sha("bearer"), HeaderName: "X-Alpha-Key", HeaderHash: sha("value"),
		AllowedIPs: []string{"34.116.107.90/32", "2001:db8::/32"}, APIKeySealed: "v1:key",
		PortalURL: "http://127.0.0.1:1", APIURL: "http://127.0.0.1:2", Status: returns.IntegrationConnected,
		CreatedAt: t0, UpdatedAt: t0,
	}
	if err := put(in); err != nil {
		t.Fatal(err)
	}
	equal := func(what string, got, want *returns.RefundidIntegration) {
		t.Helper()
		if got.StoreID != want.StoreID || got.Shop != want.Shop || got.Environment != want.Environment ||
			got.URLToken != want.URLToken || !bytes.Equal(got.BearerHash, want.BearerHash) ||
			got.HeaderName != want.HeaderName || !bytes.Equal(got.HeaderHash, want.HeaderHash) ||
			!slices.Equal(got.AllowedIPs, want.AllowedIPs) || got.APIKeySealed != want.APIKeySealed ||
			got.PortalURL != want.PortalURL || got.APIURL != want.APIURL || got.Status != want.Status ||
			got.StatusReason != want.StatusReason || !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
			t.Errorf("%s = %+v, want %+v", what, got, want)
		}
	}
	got, err := get(a.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal("get", got, in)
	got, err = byToken("tok_a")
	if err != nil {
		t.Fatal(err)
	}
	equal("get by token", got, in)
	if _, err := get(b.ID); !returns.IsNotFound(err) {
		t.Errorf("other store sees the integration: err = %v", err)
	}
	if _, err := byToken("tok_b"); !returns.IsNotFound(err) {
		t.Errorf("unknown token: err = %v, want ENOTFOUND", err)
	}

	// Replace: no secrets, no prefixes; CreatedAt kept.
	t1 := t0.Add(time.Hour)
	upd := &returns.RefundidIntegration{StoreID: a.ID, Shop: "alpha2", Environment: returns.RefundidProduction, URLToken: "tok_a",
		BearerHash: sha("bearer2"), Status: returns.IntegrationFailing, StatusReason: "key refused", CreatedAt: t1, UpdatedAt: t1}
	if err := put(upd); err != nil {
		t.Fatal(err)
	}
	if !upd.CreatedAt.Equal(t0) {
		t.Errorf("put kept CreatedAt = %v, want %v", upd.CreatedAt, t0)
	}
	if got, err = get(a.ID); err != nil {
		t.Fatal(err)
	}
	equal("after replace", got, upd)
	if got.HeaderHash != nil || got.AllowedIPs != nil {
		t.Errorf("after replace: header hash %x, prefixes %v; want none", got.HeaderHash, got.AllowedIPs)
	}

	// Tokens are unique across stores.
	if err := put(&returns.RefundidIntegration{StoreID: b.ID, Shop: "beta", Environment: "production", URLToken: "tok_a", CreatedAt: t0, UpdatedAt: t0}); returns.ErrorCode(err) != returns.ECONFLICT {
		t.Errorf("put with another store's token: err = %v, want ECONFLICT", err)
	}
	if err := put(&returns.RefundidIntegration{StoreID: "missing", URLToken: "tok_x", CreatedAt: t0, UpdatedAt: t0}); !returns.IsNotFound(err) {
		t.Errorf("put for unknown store: err = %v, want ENOTFOUND", err)
	}
	del := func(id string) error {
		return st.Update(ctx, func(tx store.Tx) error { return tx.DeleteRefundidIntegration(ctx, id) })
	}
	if err := del(b.ID); !returns.IsNotFound(err) {
		t.Errorf("delete missing: err = %v, want ENOTFOUND", err)
	}
	if err := del(a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := byToken("tok_a"); !returns.IsNotFound(err) {
		t.Errorf("token after delete: err = %v, want ENOTFOUND", err)
	}
}

func testRefundidRefundsAndKeys(t *testing.T, st store.Store) {
	ctx := context.Background()
	a := mustStore(t, st, "Alpha")
	b := mustStore(t, st, "Beta")
	lock := func(storeID, id string, fn func(tx store.Tx, rf *returns.RefundidRefund) error) error {
		return st.Update(ctx, func(tx store.Tx) error {
			rf, err := tx.LockRefundidRefund(ctx, storeID, id)
			if err != nil {
				return err
			}
			return fn(tx, rf)
		})
	}
	// A new record starts in state "" and is saved.
	err := lock(a.ID, "rf_1", func(tx store.Tx, rf *returns.RefundidRefund) error {
		if rf.State != "" || rf.StoreID != a.ID || rf.RefundidID != "rf_1" {
			t.Errorf("new record = %+v", rf)
		}
		rf.State, rf.Flow, rf.ReturnID, rf.OrderID = "refunding", returns.RefundidFlowRefundid, "ret_1", "ord_1"
		return tx.PutRefundidRefund(ctx, rf)
	})
	if err != nil {
		t.Fatal(err)
	}
	// A rolled-back lock leaves no record behind.
	if err := lock(a.ID, "rf_gone", func(store.Tx, *returns.RefundidRefund) error { return returns.Errorf(returns.EINVALID, "no") }); returns.ErrorCode(err) != returns.EINVALID {
		t.Fatalf("rolled back: err = %v", err)
	}
	read := func(storeID, id string) (*returns.RefundidRefund, error) {
		return store.Read(ctx, st, func(tx store.ReadTx) (*returns.RefundidRefund, error) { return tx.GetRefundidRefund(ctx, storeID, id) })
	}
	if _, err := read(a.ID, "rf_gone"); !returns.IsNotFound(err) {
		t.Errorf("rolled-back record: err = %v, want ENOTFOUND", err)
	}
	got, err := read(a.ID, "rf_1")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != "refunding" || got.Flow != returns.RefundidFlowRefundid || got.ReturnID != "ret_1" || got.OrderID != "ord_1" {
		t.Errorf("read = %+v", got)
	}
	if _, err := read(b.ID, "rf_1"); !returns.IsNotFound(err) {
		t.Errorf("other store reads the refund: err = %v", err)
	}
	err = lock(a.ID, "rf_1", func(tx store.Tx, rf *returns.RefundidRefund) error {
		if rf.State != "refunding" || rf.ReturnID != "ret_1" {
			t.Errorf("locked again = %+v", rf)
		}
		rf.State, rf.Refused, rf.Difference = "refundid", "failed", "Refundid says failed"
		return tx.PutRefundidRefund(ctx, rf)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := lock(a.ID, "rf_2", func(tx store.Tx, rf *returns.RefundidRefund) error { return tx.PutRefundidRefund(ctx, rf) }); err != nil {
		t.Fatal(err)
	}
	list, err := store.Read(ctx, st, func(tx store.ReadTx) ([]*returns.RefundidRefund, error) { return tx.ListRefundidRefunds(ctx, a.ID) })
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].RefundidID != "rf_1" || list[0].State != "refundid" || list[0].Refused != "failed" ||
		list[0].Difference != "Refundid says failed" || list[1].RefundidID != "rf_2" {
		t.Errorf("list = %+v", list)
	}
	if l, _ := store.Read(ctx, st, func(tx store.ReadTx) ([]*returns.RefundidRefund, error) { return tx.ListRefundidRefunds(ctx, b.ID) }); len(l) != 0 {
		t.Errorf("other store lists %d refunds", len(l))
	}
	if err := st.Update(ctx, func(tx store.Tx) error {
		return tx.PutRefundidRefund(ctx, &returns.RefundidRefund{StoreID: a.ID, RefundidID: "rf_none"})
	}); !returns.IsNotFound(err) {
		t.Errorf("put of a missing record: err = %v, want ENOTFOUND", err)
	}
	if err := lock("missing", "rf_1", func(store.Tx, *returns.RefundidRefund) error { return nil }); !returns.IsNotFound(err) {
		t.Errorf("lock in an unknown store: err = %v, want ENOTFOUND", err)
	}

	// Keys.
	addKey := func(storeID, ret, key string) error {
		return st.Update(ctx, func(tx store.Tx) error { return tx.AddRefundidKey(ctx, storeID, ret, sha(key)) })
	}
	if err := addKey(a.ID, "ret_1", "k1"); err != nil {
		t.Fatal(err)
	}
	if err := addKey(a.ID, "ret_1", "k2"); err != nil {
		t.Fatal(err)
	}
	if err := addKey(a.ID, "ret_2", "k1"); returns.ErrorCode(err) != returns.ECONFLICT {
		t.Errorf("same key twice: err = %v, want ECONFLICT", err)
	}
	keyReturn := func(storeID, key string) (string, error) {
		return store.Read(ctx, st, func(tx store.ReadTx) (string, error) { return tx.RefundidKeyReturn(ctx, storeID, sha(key)) })
	}
	for _, k := range []string{"k1", "k2"} {
		if id, err := keyReturn(a.ID, k); err != nil || id != "ret_1" {
			t.Errorf("key %s: %q, %v; want ret_1", k, id, err)
		}
	}
	if _, err := keyReturn(b.ID, "k1"); !returns.IsNotFound(err) {
		t.Errorf("other store's key: err = %v, want ENOTFOUND", err)
	}
	has := func(storeID, ret string) bool {
		ok, err := store.Read(ctx, st, func(tx store.ReadTx) (bool, error) { return tx.HasRefundidKeys(ctx, storeID, ret) })
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !has(a.ID, "ret_1") || has(a.ID, "ret_2") || has(b.ID, "ret_1") {
		t.Errorf("HasRefundidKeys: ret_1 %v, ret_2 %v, other store %v", has(a.ID, "ret_1"), has(a.ID, "ret_2"), has(b.ID, "ret_1"))
	}
}

// testLockRefundidRefundSerialises: concurrent notifications about one
// refund are applied one after the other, so exactly one sees it new.
func testLockRefundidRefundSerialises(t *testing.T, st store.Store) {
	ctx := context.Background()
	s := mustStore(t, st, "A")
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	applied := make([]bool, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.Update(ctx, func(tx store.Tx) error {
				applied[i] = false
				rf, err := tx.LockRefundidRefund(ctx, s.ID, "rf_race")
				if err != nil {
					return err
				}
				time.Sleep(10 * time.Millisecond) // widen the race window
				if rf.State != "" {
					return nil
				}
				applied[i] = true
				rf.State = "refunding"
				return tx.PutRefundidRefund(ctx, rf)
			})
		}()
	}
	wg.Wait()
	count := 0
	for i := range n {
		if errs[i] != nil {
			t.Errorf("update %d: %v", i, errs[i])
		}
		if applied[i] {
			count++
		}
	}
	if count != 1 {
		t.Errorf("%d transactions saw the refund new; want 1", count)
	}
}

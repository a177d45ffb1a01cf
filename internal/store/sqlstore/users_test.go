package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

func mkStore(t *testing.T, st store.Store, name string) string {
	t.Helper()
	id := returns.NewID(time.Now())
	if err := st.Update(context.Background(), func(tx store.Tx) error {
		return tx.CreateStore(context.Background(), &returns.Merchant{ID: id, Name: name, CreatedAt: tx.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestUsersAndSessions: users are unique by email over every store, read
// only within their store; sessions expire; another store's user is not
// found.
func TestUsersAndSessions(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		a, b := mkStore(t, st, "A"), mkStore(t, st, "B")
		now := time.Now().UTC().Truncate(time.Microsecond)
		u := &store.User{ID: returns.NewID(now), StoreID: a, Email: "Ann@Example.com", Role: "owner", PasswordHash: "h", CreatedAt: now, UpdatedAt: now}
		err := st.Update(ctx, func(tx store.Tx) error { return tx.CreateUser(ctx, u) })
		if err != nil {
			t.Fatal(err)
		}
		dup := &store.User{ID: returns.NewID(now), StoreID: b, Email: "ann@example.com", Role: "agent", CreatedAt: now, UpdatedAt: now}
		err = st.Update(ctx, func(tx store.Tx) error { return tx.CreateUser(ctx, dup) })
		if returns.ErrorCode(err) != returns.ECONFLICT {
			t.Fatalf("duplicate email: %v, want conflict", err)
		}
		err = st.Update(ctx, func(tx store.Tx) error {
			return tx.CreateUser(ctx, &store.User{ID: "x", StoreID: "nostore", Email: "z@z", Role: "owner", CreatedAt: now, UpdatedAt: now})
		})
		if !returns.IsNotFound(err) {
			t.Fatalf("unknown store: %v", err)
		}
		got, err := store.Read(ctx, st, func(tx store.ReadTx) (*store.User, error) { return tx.GetUserByEmail(ctx, "ANN@example.com") })
		if err != nil || got.ID != u.ID || got.Email != "ann@example.com" || got.StoreID != a {
			t.Fatalf("by email: %+v %v", got, err)
		}
		if _, err := store.Read(ctx, st, func(tx store.ReadTx) (*store.User, error) { return tx.GetUser(ctx, b, u.ID) }); !returns.IsNotFound(err) {
			t.Fatalf("other store's user: %v", err)
		}
		u.Role, u.InviteHash, u.InviteExpiresAt = "agent", "abc", now.Add(time.Hour)
		if err := st.Update(ctx, func(tx store.Tx) error { return tx.UpdateUser(ctx, u) }); err != nil {
			t.Fatal(err)
		}
		got, err = store.Read(ctx, st, func(tx store.ReadTx) (*store.User, error) { return tx.GetUserByInvite(ctx, "abc") })
		if err != nil || got.Role != "agent" || !got.InviteExpiresAt.Equal(u.InviteExpiresAt) {
			t.Fatalf("by invite: %+v %v", got, err)
		}
		if _, err := store.Read(ctx, st, func(tx store.ReadTx) (*store.User, error) { return tx.GetUserByInvite(ctx, "") }); !returns.IsNotFound(err) {
			t.Fatalf("empty invite: %v", err)
		}
		list, err := store.Read(ctx, st, func(tx store.ReadTx) ([]*store.User, error) { return tx.ListUsers(ctx, a) })
		if err != nil || len(list) != 1 {
			t.Fatalf("list: %v %v", list, err)
		}
		if err := st.Update(ctx, func(tx store.Tx) error { return tx.DeleteUser(ctx, b, u.ID) }); !returns.IsNotFound(err) {
			t.Fatalf("delete from another store: %v", err)
		}
		if err := st.Update(ctx, func(tx store.Tx) error { return tx.DeleteUser(ctx, a, u.ID) }); err != nil {
			t.Fatal(err)
		}

		// Sessions.
		err = st.Update(ctx, func(tx store.Tx) error {
			if err := tx.PutSession(ctx, "live", []byte("one"), now.Add(time.Hour)); err != nil {
				return err
			}
			if err := tx.PutSession(ctx, "live", []byte("two"), now.Add(time.Hour)); err != nil {
				return err
			}
			return tx.PutSession(ctx, "old", []byte("x"), now.Add(-time.Second))
		})
		if err != nil {
			t.Fatal(err)
		}
		err = st.View(ctx, func(tx store.ReadTx) error {
			d, ok, err := tx.GetSession(ctx, "live", now)
			if err != nil || !ok || string(d) != "two" {
				t.Errorf("live: %q %v %v", d, ok, err)
			}
			if _, ok, err := tx.GetSession(ctx, "old", now); ok || err != nil {
				t.Errorf("expired session found: %v %v", ok, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := st.Update(ctx, func(tx store.Tx) error {
			var err error
			n, err = tx.DeleteExpiredSessions(ctx, now, 100)
			if err != nil {
				return err
			}
			return tx.DeleteSession(ctx, "live")
		}); err != nil || n != 1 {
			t.Fatalf("prune: %d %v", n, err)
		}
	})
}

// TestQueueQueries: counts per status, exact search by id, order name,
// tracking number and email, and keyset pages by status and tag, all
// within one store.
func TestQueueQueries(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		a, b := mkStore(t, st, "A"), mkStore(t, st, "B")
		now := time.Now().UTC()
		var ids []string
		err := st.Update(ctx, func(tx store.Tx) error {
			for i := range 6 {
				r := &returns.Return{ID: returns.NewID(now), StoreID: a, Status: returns.StatusOpen, CreatedAt: now, UpdatedAt: now}
				if i%2 == 1 {
					r.Status = returns.StatusNeedsReview
				}
				r.OrderName = "#100" + string(rune('0'+i))
				r.Customer.Email = "Shopper" + string(rune('0'+i)) + "@Example.com"
				r.Label = &returns.Label{TrackingNumber: "1Z00" + string(rune('0'+i))}
				if i < 3 {
					r.Tags = []string{"vip"}
				}
				if err := tx.CreateReturn(ctx, r); err != nil {
					return err
				}
				ids = append(ids, r.ID)
			}
			// Another store's return with the same order name and tracking.
			o := &returns.Return{ID: returns.NewID(now), StoreID: b, Status: returns.StatusOpen, CreatedAt: now, UpdatedAt: now, ReturnDetail: returns.ReturnDetail{OrderName: "#1000", Label: &returns.Label{TrackingNumber: "1Z000"}}}
			return tx.CreateReturn(ctx, o)
		})
		if err != nil {
			t.Fatal(err)
		}
		err = st.View(ctx, func(tx store.ReadTx) error {
			c, err := tx.CountReturnsByStatus(ctx, a)
			if err != nil {
				return err
			}
			if c[returns.StatusOpen] != 3 || c[returns.StatusNeedsReview] != 3 {
				t.Errorf("counts %v", c)
			}
			for _, term := range []string{ids[0], "#1000", "1Z000", "shopper0@example.COM", " 1Z000 "} {
				rs, err := tx.FindReturns(ctx, a, term, 10)
				if err != nil {
					return err
				}
				if len(rs) != 1 || rs[0].ID != ids[0] {
					t.Errorf("find %q: %d results", term, len(rs))
				}
			}
			if rs, _ := tx.FindReturns(ctx, a, "nothing", 10); len(rs) != 0 {
				t.Errorf("find nothing: %d", len(rs))
			}
			rs, err := tx.QueueReturns(ctx, a, store.QueueQuery{Statuses: []returns.Status{returns.StatusOpen}, Limit: 2})
			if err != nil {
				return err
			}
			if len(rs) != 2 || rs[0].ID != ids[4] || rs[1].ID != ids[2] {
				t.Errorf("page 1: %v", rs)
			}
			rs, _ = tx.QueueReturns(ctx, a, store.QueueQuery{Statuses: []returns.Status{returns.StatusOpen}, Before: ids[2], Limit: 2})
			if len(rs) != 1 || rs[0].ID != ids[0] {
				t.Errorf("page 2: %v", rs)
			}
			rs, _ = tx.QueueReturns(ctx, a, store.QueueQuery{Tag: "vip", Statuses: []returns.Status{returns.StatusNeedsReview}})
			if len(rs) != 1 || rs[0].ID != ids[1] {
				t.Errorf("tag: %v", rs)
			}
			rs, _ = tx.QueueReturns(ctx, a, store.QueueQuery{})
			if len(rs) != 6 {
				t.Errorf("all: %d", len(rs))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

package users_test

import (
	"context"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
	"github.com/reboundhq/rebound/internal/users"
)

var cheap = &argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

func TestUsersLifecycle(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		s, _, err := app.New(st).CreateStore(ctx, "Acme")
		if err != nil {
			t.Fatal(err)
		}
		svc := &users.Service{Store: st, Params: cheap}
		if _, _, err := svc.Create(ctx, s.ID, "not an email", users.RoleOwner, ""); returns.ErrorCode(err) != returns.EINVALID {
			t.Fatalf("bad email: %v", err)
		}
		if _, _, err := svc.Create(ctx, s.ID, "a@example.com", "admin", ""); returns.ErrorCode(err) != returns.EINVALID {
			t.Fatalf("bad role: %v", err)
		}
		if _, _, err := svc.Create(ctx, s.ID, "a@example.com", users.RoleOwner, "short"); returns.ErrorCode(err) != returns.EINVALID {
			t.Fatalf("short password: %v", err)
		}
		owner, pw, err := svc.Create(ctx, s.ID, " Owner@Example.com ", users.RoleOwner, "")
		if err != nil || len(pw) != 20 || owner.Email != "owner@example.com" {
			t.Fatalf("create: %+v %q %v", owner, pw, err)
		}
		got, err := svc.Authenticate(ctx, "OWNER@example.com", pw)
		if err != nil || got.ID != owner.ID {
			t.Fatalf("sign in: %v", err)
		}
		for _, c := range [][2]string{{"owner@example.com", pw + "x"}, {"nobody@example.com", pw}, {"", ""}} {
			if _, err := svc.Authenticate(ctx, c[0], c[1]); returns.ErrorCode(err) != returns.EUNAUTHORIZED {
				t.Fatalf("sign in %v: %v", c, err)
			}
		}
		if _, _, err := svc.Create(ctx, s.ID, "owner@example.com", users.RoleAgent, ""); returns.ErrorCode(err) != returns.ECONFLICT {
			t.Fatalf("duplicate: %v", err)
		}
		inv, tok, err := svc.Invite(ctx, s.ID, users.InviteInput{Email: "agent@example.com", Role: users.RoleAgent})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Authenticate(ctx, "agent@example.com", ""); err == nil {
			t.Fatal("an invited user signed in without a password")
		}
		if u, err := svc.Invitation(ctx, tok); err != nil || u.ID != inv.ID {
			t.Fatalf("invitation: %v", err)
		}
		if _, err := svc.AcceptInvite(ctx, tok, "too short"); returns.ErrorCode(err) != returns.EINVALID {
			t.Fatalf("short: %v", err)
		}
		if _, err := svc.AcceptInvite(ctx, tok, "a long enough password"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AcceptInvite(ctx, tok, "a long enough password"); !returns.IsNotFound(err) {
			t.Fatalf("token reused: %v", err)
		}
		if _, err := svc.Authenticate(ctx, "agent@example.com", "a long enough password"); err != nil {
			t.Fatal(err)
		}
		// The last owner stays.
		if _, err := svc.SetRole(ctx, s.ID, owner.ID, users.RoleAgent); returns.ErrorCode(err) != returns.ECONFLICT {
			t.Fatalf("demote last owner: %v", err)
		}
		if err := svc.Remove(ctx, s.ID, owner.ID); returns.ErrorCode(err) != returns.ECONFLICT {
			t.Fatalf("remove last owner: %v", err)
		}
		if _, err := svc.SetRole(ctx, s.ID, inv.ID, users.RoleOwner); err != nil {
			t.Fatal(err)
		}
		if err := svc.Remove(ctx, s.ID, owner.ID); err != nil {
			t.Fatal(err)
		}
		// Another store cannot touch this store's users.
		other, _, _ := app.New(st).CreateStore(ctx, "Other")
		if err := svc.Remove(ctx, other.ID, inv.ID); !returns.IsNotFound(err) {
			t.Fatalf("cross-store remove: %v", err)
		}
	})
}

func TestSessionStore(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		now := time.Now()
		ss := &users.SessionStore{Store: st, Now: func() time.Time { return now }}
		if err := ss.Commit("tok", []byte("data"), now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if b, ok, err := ss.Find("tok"); err != nil || !ok || string(b) != "data" {
			t.Fatalf("find: %q %v %v", b, ok, err)
		}
		now = now.Add(2 * time.Minute)
		if _, ok, err := ss.Find("tok"); ok || err != nil {
			t.Fatalf("expired session found: %v %v", ok, err)
		}
		if err := ss.Commit("tok2", []byte("d"), now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := ss.Delete("tok2"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := ss.Find("tok2"); ok {
			t.Fatal("deleted session found")
		}
	})
}

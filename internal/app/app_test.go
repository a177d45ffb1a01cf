package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

// FuzzAuthenticate feeds arbitrary bearer tokens to the verifier: it must
// never panic, and must accept exactly the issued key (and nothing derived
// from it by changing, adding or dropping characters).
func FuzzAuthenticate(f *testing.F) {
	st := storetest.OpenSQLite(f)
	a := app.New(st)
	_, k, err := a.CreateStore(context.Background(), "Fuzz")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(k.Secret)
	f.Add("rbk_")
	f.Add("rbk_" + k.Key.ID + "_")
	f.Add(k.Secret + "x")
	f.Add(strings.ToUpper(k.Secret))
	f.Fuzz(func(t *testing.T, token string) {
		got, err := a.Authenticate(context.Background(), token)
		if token == k.Secret {
			if err != nil || got.ID != k.Key.ID {
				t.Fatalf("the issued key was refused: %v", err)
			}
			return
		}
		if err == nil {
			t.Fatalf("token %q accepted as key %s", token, got.ID)
		}
		if returns.ErrorCode(err) != returns.EUNAUTHORIZED {
			t.Fatalf("token %q: error %v, want EUNAUTHORIZED", token, err)
		}
	})
}

// A key revoked through the same App is refused at once, although verified
// keys are cached.
func TestRevokeBypassesKeyCache(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		a := app.New(st)
		_, k, err := a.CreateStore(ctx, "A")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Authenticate(ctx, k.Secret); err != nil {
			t.Fatal(err)
		}
		if _, err := a.RevokeAPIKey(ctx, k.Key.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Authenticate(ctx, k.Secret); returns.ErrorCode(err) != returns.EUNAUTHORIZED {
			t.Fatalf("revoked key: %v, want EUNAUTHORIZED", err)
		}
	})
}

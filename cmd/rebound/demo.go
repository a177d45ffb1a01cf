package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/examples"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/web/portal"
)

// demoStoreName names the store --demo creates.
const demoStoreName = "Demo Store"

// printDemo makes sure the demo store exists, revokes the previous demo key
// (keys are shown only once, so each start issues a new one) and prints a
// ready-to-paste curl.
func printDemo(ctx context.Context, a *app.App, base string, out io.Writer) error {
	var s *returns.Merchant
	err := a.Store.View(ctx, func(tx store.ReadTx) error {
		var err error
		s, err = tx.GetStoreByName(ctx, demoStoreName)
		return err
	})
	switch {
	case returns.IsNotFound(err):
		created, k, err := a.CreateStore(ctx, demoStoreName)
		if err != nil {
			return err
		}
		if _, err := a.RevokeAPIKey(ctx, k.Key.ID); err != nil {
			return err
		}
		s = created
	case err != nil:
		return err
	}
	var old []*returns.APIKey
	err = a.Store.View(ctx, func(tx store.ReadTx) error {
		var err error
		old, err = tx.ListAPIKeys(ctx, s.ID)
		return err
	})
	if err != nil {
		return err
	}
	for _, k := range old {
		if k.Label == "demo" && k.RevokedAt == nil {
			if _, err := a.RevokeAPIKey(ctx, k.ID); err != nil {
				return err
			}
		}
	}
	k, err := a.CreateAPIKey(ctx, s.ID, nil, "demo")
	if err != nil {
		return err
	}
	ps, err := portal.SetHandle(ctx, a.Store, s.ID, "")
	if err != nil {
		return err
	}
	body := strings.ReplaceAll(string(examples.Order()), "'", `'\''`)
	fmt.Fprintf(out, `Demo store ready.
  store id: %s
  API key:  %s   (shown once; a new one is issued at each --demo start)

Sync an example order:

curl -sS -X POST %s/v2.2/stores/%s/custom/orders \
  -H 'Authorization: Bearer %s' \
  -H 'Content-Type: application/json' \
  -d '%s'

Then read it back:

curl -sS %s/v2.2/stores/%s/orders/order_123456 -H 'Authorization: Bearer %s'

Shopper portal (after the sync, order number order_123456, email jane.doe@example.com):

  %s/portal/%s

`, s.ID, k.Secret, base, s.ID, k.Secret, body, base, s.ID, k.Secret, base, ps.Handle)
	return nil
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/web/portal"
)

// rebound migrate, store and key: one-shot commands on the database of
// --data-dir or --database-url. They print JSON on stdout and log only
// what they did (the store is opened with the quiet logger).

func printJSON(w io.Writer, v any) error {
	return json.NewEncoder(w).Encode(v)
}

func migrateCmd(fs *flagSet, c *cli) func(context.Context) error {
	var db dbFlags
	db.register(fs.FlagSet)
	return func(ctx context.Context) error {
		st, err := db.open(ctx, quiet(c.log))
		if err != nil {
			return err
		}
		defer st.Close()
		if err := st.Ready(ctx); err != nil {
			return err
		}
		c.log.Info("migrations applied", slog.String("database", st.Dialect()))
		return nil
	}
}

func storeCreateCmd(fs *flagSet, c *cli) func(context.Context) error {
	var db dbFlags
	db.register(fs.FlagSet)
	name := fs.String("name", "", "store (merchant) name")
	handle := fs.String("handle", "", "the store's short handle in its portal URL /portal/{handle} (default: made from the name)")
	fs.require("name")
	return func(ctx context.Context) error {
		if *name == "" {
			fmt.Fprintln(c.stderr, "rebound store create: --name is required")
			return errUsage
		}
		if *handle != "" && !portal.ValidHandle(*handle) {
			fmt.Fprintln(c.stderr, "rebound store create: --handle must be 1 to 40 lower-case letters, digits and inner dashes")
			return errUsage
		}
		st, err := db.open(ctx, quiet(c.log))
		if err != nil {
			return err
		}
		defer st.Close()
		s, k, err := app.New(st).CreateStore(ctx, *name)
		if err != nil {
			return err
		}
		ps, err := portal.SetHandle(ctx, st, s.ID, *handle)
		if err != nil {
			return err
		}
		c.log.Info("store created", slog.String("storeId", s.ID), slog.String("keyId", k.Key.ID))
		return printJSON(c.stdout, map[string]string{"storeId": s.ID, "name": s.Name, "apiKey": k.Secret, "handle": ps.Handle})
	}
}

func storeListCmd(fs *flagSet, c *cli) func(context.Context) error {
	var db dbFlags
	db.register(fs.FlagSet)
	return func(ctx context.Context) error {
		st, err := db.open(ctx, quiet(c.log))
		if err != nil {
			return err
		}
		defer st.Close()
		var stores []*returns.Merchant
		err = st.View(ctx, func(tx store.ReadTx) error {
			var err error
			stores, err = tx.ListStores(ctx)
			return err
		})
		if err != nil {
			return err
		}
		for _, s := range stores {
			if err := printJSON(c.stdout, map[string]any{"storeId": s.ID, "name": s.Name, "createdAt": s.CreatedAt.Format(time.RFC3339)}); err != nil {
				return err
			}
		}
		return nil
	}
}

// parseScopes is returns.ParseScopes with the valid scopes in its error.
func parseScopes(s string) ([]returns.Scope, error) {
	sc, err := returns.ParseScopes(s)
	if err == nil {
		return sc, nil
	}
	msg := err.Error()
	if re := (*returns.Error)(nil); errors.As(err, &re) {
		msg = re.Message
	}
	valid := make([]string, len(returns.AllScopes))
	for i, s := range returns.AllScopes {
		valid[i] = string(s)
	}
	return nil, fmt.Errorf("--scopes: %s; valid scopes: %s", msg, strings.Join(valid, ", "))
}

func keyCreateCmd(fs *flagSet, c *cli) func(context.Context) error {
	var db dbFlags
	db.register(fs.FlagSet)
	storeID := fs.String("store", "", "`STORE_ID` of the store")
	scopes := fs.String("scopes", "", "comma-separated scopes, e.g. orders_read,orders_write; default: all")
	label := fs.String("label", "", "free-text label shown in key list")
	fs.require("store")
	return func(ctx context.Context) error {
		if *storeID == "" {
			fmt.Fprintln(c.stderr, "rebound key create: --store is required")
			return errUsage
		}
		sc, err := parseScopes(*scopes)
		if err != nil {
			return err
		}
		st, err := db.open(ctx, quiet(c.log))
		if err != nil {
			return err
		}
		defer st.Close()
		k, err := app.New(st).CreateAPIKey(ctx, *storeID, sc, *label)
		if err != nil {
			return err
		}
		c.log.Info("api key created", slog.String("storeId", k.Key.StoreID), slog.String("keyId", k.Key.ID))
		return printJSON(c.stdout, map[string]any{"keyId": k.Key.ID, "storeId": k.Key.StoreID, "scopes": k.Key.Scopes, "apiKey": k.Secret})
	}
}

func keyRevokeCmd(fs *flagSet, c *cli) func(context.Context) error {
	var db dbFlags
	db.register(fs.FlagSet)
	return func(ctx context.Context) error {
		st, err := db.open(ctx, quiet(c.log))
		if err != nil {
			return err
		}
		defer st.Close()
		k, err := app.New(st).RevokeAPIKey(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		c.log.Info("api key revoked", slog.String("storeId", k.StoreID), slog.String("keyId", k.ID))
		return printJSON(c.stdout, map[string]any{"keyId": k.ID, "storeId": k.StoreID, "revokedAt": k.RevokedAt.Format(time.RFC3339Nano)})
	}
}

func keyListCmd(fs *flagSet, c *cli) func(context.Context) error {
	var db dbFlags
	db.register(fs.FlagSet)
	storeID := fs.String("store", "", "`STORE_ID` of the store")
	fs.require("store")
	return func(ctx context.Context) error {
		if *storeID == "" {
			fmt.Fprintln(c.stderr, "rebound key list: --store is required")
			return errUsage
		}
		st, err := db.open(ctx, quiet(c.log))
		if err != nil {
			return err
		}
		defer st.Close()
		var keys []*returns.APIKey
		err = st.View(ctx, func(tx store.ReadTx) error {
			if _, err := tx.GetStore(ctx, *storeID); err != nil {
				return err
			}
			keys, err = tx.ListAPIKeys(ctx, *storeID)
			return err
		})
		if err != nil {
			return err
		}
		for _, k := range keys {
			row := map[string]any{"keyId": k.ID, "scopes": k.Scopes, "label": k.Label, "createdAt": k.CreatedAt.Format(time.RFC3339)}
			if k.RevokedAt != nil {
				row["revokedAt"] = k.RevokedAt.Format(time.RFC3339)
			}
			if err := printJSON(c.stdout, row); err != nil {
				return err
			}
		}
		return nil
	}
}

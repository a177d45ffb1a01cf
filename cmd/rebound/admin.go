package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/examples"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

func demoOrder() []byte { return examples.Order() }

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	return enc.Encode(v)
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer, log *slog.Logger) error {
	fs := newFlagSet("rebound migrate", "rebound migrate [--data-dir DIR] [--database-url URL]", stderr)
	var db dbFlags
	db.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	st, err := db.open(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Ready(ctx); err != nil {
		return err
	}
	log.Info("migrations applied", slog.String("database", st.Dialect()))
	return nil
}

func cmdStore(ctx context.Context, args []string, stdout, stderr io.Writer, log *slog.Logger) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "list") {
		fmt.Fprintln(stderr, "Usage: rebound store create --name NAME | rebound store list")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return errUsage
	}
	sub := args[0]
	synopsis := "rebound store list [--data-dir DIR] [--database-url URL]"
	if sub == "create" {
		synopsis = "rebound store create --name NAME [--data-dir DIR] [--database-url URL]"
	}
	fs := newFlagSet("rebound store "+sub, synopsis, stderr)
	var db dbFlags
	db.register(fs)
	var name *string
	if sub == "create" {
		name = fs.String("name", "", "store (merchant) name")
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if sub == "create" && *name == "" {
		fmt.Fprintln(stderr, "rebound store create: --name is required")
		return errUsage
	}
	st, err := db.open(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	a := app.New(st)
	if sub == "list" {
		var stores []*returns.Merchant
		err := st.View(ctx, func(tx store.ReadTx) error {
			var err error
			stores, err = tx.ListStores(ctx)
			return err
		})
		if err != nil {
			return err
		}
		for _, s := range stores {
			if err := printJSON(stdout, map[string]any{"storeId": s.ID, "name": s.Name, "createdAt": s.CreatedAt.Format(time.RFC3339)}); err != nil {
				return err
			}
		}
		return nil
	}
	s, k, err := a.CreateStore(ctx, *name)
	if err != nil {
		return err
	}
	return printJSON(stdout, map[string]string{"storeId": s.ID, "name": s.Name, "apiKey": k.Secret})
}

func cmdKey(ctx context.Context, args []string, stdout, stderr io.Writer, log *slog.Logger) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "revoke" && args[0] != "list") {
		fmt.Fprintln(stderr, "Usage: rebound key create --store STORE_ID [--scopes a,b] | rebound key revoke KEY_ID | rebound key list --store STORE_ID")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return errUsage
	}
	sub := args[0]
	fs := newFlagSet("rebound key "+sub, map[string]string{
		"create": "rebound key create --store STORE_ID [--scopes orders_read,orders_write,...] [--label TEXT] [--data-dir DIR] [--database-url URL]",
		"revoke": "rebound key revoke KEY_ID [--data-dir DIR] [--database-url URL]",
		"list":   "rebound key list --store STORE_ID [--data-dir DIR] [--database-url URL]",
	}[sub], stderr)
	var db dbFlags
	db.register(fs)
	var storeID, scopes, label = new(string), new(string), new(string)
	if sub != "revoke" {
		fs.StringVar(storeID, "store", "", "store id")
	}
	if sub == "create" {
		fs.StringVar(scopes, "scopes", "", "comma-separated scopes; default: all")
		fs.StringVar(label, "label", "", "free-text label shown in key list")
	}
	var positional []string
	if sub == "revoke" {
		positional = []string{"KEY_ID"}
	}
	if err := parse(fs, args[1:], positional...); err != nil {
		return err
	}
	if sub != "revoke" && *storeID == "" {
		fmt.Fprintf(stderr, "rebound key %s: --store is required\n", sub)
		return errUsage
	}
	sc, err := returns.ParseScopes(*scopes)
	if err != nil {
		return err
	}
	st, err := db.open(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	a := app.New(st)
	switch sub {
	case "create":
		k, err := a.CreateAPIKey(ctx, *storeID, sc, *label)
		if err != nil {
			return err
		}
		return printJSON(stdout, map[string]any{"keyId": k.Key.ID, "storeId": k.Key.StoreID, "scopes": k.Key.Scopes, "apiKey": k.Secret})
	case "revoke":
		k, err := a.RevokeAPIKey(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		return printJSON(stdout, map[string]any{"keyId": k.ID, "storeId": k.StoreID, "revokedAt": k.RevokedAt.Format(time.RFC3339Nano)})
	default:
		var keys []*returns.APIKey
		err := st.View(ctx, func(tx store.ReadTx) error {
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
			if err := printJSON(stdout, row); err != nil {
				return err
			}
		}
		return nil
	}
}

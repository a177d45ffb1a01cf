package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"

	"github.com/reboundhq/rebound/internal/refundid"
	"github.com/reboundhq/rebound/internal/refundid/refundidsync"
	"github.com/reboundhq/rebound/internal/refundid/refundidtest"
	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/server"
	"github.com/reboundhq/rebound/internal/store"
)

// rebound refundid connect | returns, and rebound dev fake-refundid: flag
// parsing only; the work is internal/refundid/refundidsync's (and
// refundidtest's for the fake). See docs/refundid.md.

// refundidService opens the store the database flags select and the
// Refundid service over it, with the secrets key.
func refundidService(ctx context.Context, c *cli, db *dbFlags, publicURL string) (*refundidsync.Service, store.Store, error) {
	st, err := db.open(ctx, quiet(c.log))
	if err != nil {
		return nil, nil, err
	}
	box, err := secrets.LoadKey(db.keyDir())
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return server.NewServices(server.Options{Store: st, Secrets: box, PublicURL: publicURL}).Refundid, st, nil
}

func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func refundidConnectCmd(fs *flagSet, c *cli) func(context.Context) error {
	var db dbFlags
	db.register(fs.FlagSet)
	storeID := fs.String("store", "", "`STORE_ID` of the store to connect")
	shop := fs.String("shop", "", "Refundid's `SHOP_ID` for the store (the redirect's shop parameter)")
	env := fs.String("environment", "production", "Refundid environment: production or sandbox")
	bearer := fs.String("bearer-token", refundidsync.BearerGenerate, `bearer token Refundid sends: "generate" (a new one, printed once), "keep", or "none"`)
	hName := fs.String("api-key-header", "", "`NAME` of an API-key header Refundid sends too (with --api-key-value)")
	hValue := fs.String("api-key-value", "", "`VALUE` of --api-key-header; empty keeps the current value")
	ips := fs.String("allowed-ips", "", "comma-separated addresses or CIDR prefixes Refundid's calls must come from (empty: any)")
	apiKey := fs.String("merchant-api-key", "", "Refundid's X-Refundid-Api-Key, for reading its RMAs (sealed)")
	keepKey := fs.Bool("keep-merchant-api-key", false, "keep the current merchant API key")
	portal := fs.String("portal-url", "", "override of the environment's portal `URL`")
	api := fs.String("api-url", "", "override of the environment's merchant API `URL`")
	public := fs.String("public-url", "", "base `URL` Rebound is reached at, for the endpoint URLs printed")
	fs.require("store", "shop")
	return func(ctx context.Context) error {
		if *storeID == "" || *shop == "" {
			fmt.Fprintln(c.stderr, "rebound refundid connect: --store and --shop are required")
			fs.printUsage(c.stderr)
			return errUsage
		}
		in := refundidsync.ConnectInput{Shop: *shop, Environment: *env, AllowedIPs: splitList(*ips),
			MerchantAPIKey: *apiKey, KeepMerchantAPIKey: *keepKey, PortalURL: *portal, APIURL: *api}
		if *bearer != "none" {
			in.BearerToken = *bearer
		}
		if *hName != "" {
			in.APIKeyHeader = &refundidsync.HeaderInput{Name: *hName, Value: *hValue, Keep: *hValue == ""}
		}
		svc, st, err := refundidService(ctx, c, &db, *public)
		if err != nil {
			return err
		}
		defer st.Close()
		conn, err := svc.Connect(ctx, *storeID, in)
		if err != nil {
			return err
		}
		ig := conn.Integration
		out := map[string]any{"storeId": ig.StoreID, "shop": ig.Shop, "environment": ig.Environment,
			"hasBearerToken": ig.BearerHash != nil, "apiKeyHeader": ig.HeaderName, "allowedIps": ig.AllowedIPs,
			"hasMerchantApiKey": ig.APIKeySealed != "", "endpoints": conn.Endpoints, "refundidHosts": refundidsync.Hosts(),
			"status": ig.Status, "statusReason": ig.StatusReason}
		if conn.BearerToken != "" {
			out["bearerToken"] = conn.BearerToken
			fmt.Fprintln(c.stderr, "rebound refundid connect: the bearer token is shown once; give it to Refundid now")
		}
		return printJSON(c.stdout, out)
	}
}

func refundidReturnsCmd(fs *flagSet, c *cli) func(context.Context) error {
	var db dbFlags
	db.register(fs.FlagSet)
	storeID := fs.String("store", "", "`STORE_ID` of the connected store")
	all := fs.Bool("all", false, "every page, not only the first (progress on stderr)")
	fs.require("store")
	return func(ctx context.Context) error {
		if *storeID == "" {
			fmt.Fprintln(c.stderr, "rebound refundid returns: --store is required")
			fs.printUsage(c.stderr)
			return errUsage
		}
		svc, st, err := refundidService(ctx, c, &db, "")
		if err != nil {
			return err
		}
		defer st.Close()
		client, err := svc.Client(ctx, *storeID)
		if err != nil {
			return err
		}
		for offset, page := 0, 1; ; page++ {
			res, err := client.ListReturns(ctx, offset, nil)
			if err != nil {
				return err
			}
			for _, r := range res.Refunds {
				b, err := json.Marshal(r)
				if err != nil {
					return err
				}
				if _, err := fmt.Fprintf(c.stdout, "%s\n", b); err != nil {
					return err
				}
			}
			offset += len(res.Refunds)
			if *all {
				fmt.Fprintf(c.stderr, "page %d: %d returns (%d so far)\n", page, len(res.Refunds), offset)
			}
			if !*all || len(res.Refunds) == 0 {
				return nil
			}
		}
	}
}

func devFakeRefundidCmd(fs *flagSet, c *cli) func(context.Context) error {
	addr := fs.String("addr", "127.0.0.1:8091", "listen address")
	shop := fs.String("shop", refundidtest.DefaultShop, "the shop id links must carry")
	orderURL := fs.String("order-url", "", "the merchant's GET order `URL` (the endpoints.order of rebound refundid connect)")
	refundURL := fs.String("refund-url", "", "the merchant's GET refund `URL`")
	notifyURL := fs.String("notify-url", "", "the merchant's POST refundid `URL`")
	bearer := fs.String("bearer-token", "", "bearer token to send the merchant")
	hName := fs.String("api-key-header", "", "API-key header `NAME` to send the merchant")
	hValue := fs.String("api-key-value", "", "its `VALUE`")
	apiKey := fs.String("api-key", refundidtest.DefaultAPIKey, "the X-Refundid-Api-Key GET "+refundid.ReturnsPath+" accepts")
	return func(ctx context.Context) error {
		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stderr, "fake Refundid on http://%s (portal %s, merchant API %s, controls under /_fake/); Ctrl-C stops it\n",
			ln.Addr(), refundid.RedirectPath, refundid.ReturnsPath)
		return refundidtest.Serve(ctx, ln, refundidtest.Config{Shop: *shop, OrderURL: *orderURL, RefundURL: *refundURL,
			NotifyURL: *notifyURL, BearerToken: *bearer, HeaderName: *hName, HeaderValue: *hValue, APIKey: *apiKey})
	}
}

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/server"
	"github.com/reboundhq/rebound/internal/shipping"
	"github.com/reboundhq/rebound/internal/shipping/easypost/easyposttest"
	"github.com/reboundhq/rebound/internal/shipping/shipsvc"
	"github.com/reboundhq/rebound/internal/store"
)

// rebound shipping rate-table set | rates | buy | label, and rebound dev
// fake-easypost: flag parsing only; the work is
// internal/shipping/shipsvc's. See docs/shipping.md.

func shippingService(ctx context.Context, c *cli, db *dbFlags) (*shipsvc.Service, store.Store, error) {
	st, err := db.open(ctx, quiet(c.log))
	if err != nil {
		return nil, nil, err
	}
	box, err := secrets.LoadKey(db.keyDir())
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return server.NewServices(server.Options{Store: st, Secrets: box}).Shipping, st, nil
}

// parseAddress reads "Name, Street, City, State, Postal code, CC" (six
// comma-separated parts; State may be empty).
func parseAddress(flag, s string) (shipping.Address, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 6 {
		return shipping.Address{}, fmt.Errorf("--%s must be \"Name, Street, City, State, Postal code, Country code\" (6 parts, got %d)", flag, len(parts))
	}
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return shipping.Address{Name: parts[0], Street1: parts[1], City: parts[2], State: parts[3], PostalCode: parts[4], Country: strings.ToUpper(parts[5])}, nil
}

// parseWeight reads "1.5lb", "24 oz", "500g".
func parseWeight(s string) shipping.Weight {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' && r != '-' })
	if i < 0 {
		return shipping.Weight{Value: s}
	}
	return shipping.Weight{Value: s[:i], Unit: shipping.WeightUnit(strings.ToLower(s[i:]))}
}

// shipmentRequest builds the quote request of the flags; without --to,
// the store's default return destination.
func shipmentRequest(ctx context.Context, svc *shipsvc.Service, storeID, from, to, weight string) (shipping.QuoteRequest, error) {
	q := shipping.QuoteRequest{IsReturn: true, Parcel: shipping.Parcel{Weight: parseWeight(weight)}}
	var err error
	if q.From, err = parseAddress("from", from); err != nil {
		return q, err
	}
	if to != "" {
		q.To, err = parseAddress("to", to)
		return q, err
	}
	ds, err := svc.Destinations(ctx, storeID)
	if err != nil {
		return q, err
	}
	for _, d := range ds.Destinations {
		if d.ID == ds.Default {
			q.To = d.ShippingAddress()
			return q, nil
		}
	}
	return q, errors.New("--to is required: the store has no default return destination")
}

type shipFlags struct {
	db      dbFlags
	storeID *string
}

func (f *shipFlags) register(fs *flagSet) {
	f.db.register(fs.FlagSet)
	f.storeID = fs.String("store", "", "`STORE_ID` of the store")
}

func (f *shipFlags) check(fs *flagSet, c *cli, names map[string]string) error {
	for name, v := range names {
		if v == "" {
			fmt.Fprintf(c.stderr, "rebound %s: --%s is required\n", fs.cmd, name)
			fs.printUsage(c.stderr)
			return errUsage
		}
	}
	return nil
}

func shippingRateTableSetCmd(fs *flagSet, c *cli) func(context.Context) error {
	var f shipFlags
	f.register(fs)
	file := fs.String("file", "", "`PATH` of the rate table JSON (see docs/shipping.md)")
	fs.require("store", "file")
	return func(ctx context.Context) error {
		if err := f.check(fs, c, map[string]string{"store": *f.storeID, "file": *file}); err != nil {
			return err
		}
		doc, err := os.ReadFile(*file)
		if err != nil {
			return err
		}
		svc, st, err := shippingService(ctx, c, &f.db)
		if err != nil {
			return err
		}
		defer st.Close()
		t, err := svc.SetRateTable(ctx, *f.storeID, doc)
		if err != nil {
			return err
		}
		return printJSON(c.stdout, map[string]any{"carrier": t.Carrier, "currency": t.Currency, "services": len(t.Services), "zones": len(t.Zones)})
	}
}

func shippingRatesCmd(fs *flagSet, c *cli) func(context.Context) error {
	var f shipFlags
	f.register(fs)
	from := fs.String("from", "", "the shopper's `ADDRESS`: \"Name, Street, City, State, Postal code, CC\"")
	to := fs.String("to", "", "the destination `ADDRESS` (default: the store's default return destination)")
	weight := fs.String("weight", "1lb", "parcel weight with its unit: oz, lb, g or kg (e.g. 1.5lb)")
	fs.require("store", "from")
	return func(ctx context.Context) error {
		if err := f.check(fs, c, map[string]string{"store": *f.storeID, "from": *from}); err != nil {
			return err
		}
		svc, st, err := shippingService(ctx, c, &f.db)
		if err != nil {
			return err
		}
		defer st.Close()
		q, err := shipmentRequest(ctx, svc, *f.storeID, *from, *to, *weight)
		if err != nil {
			return err
		}
		rates, err := svc.Quote(ctx, *f.storeID, q)
		if err != nil {
			return shipsvc.AppError(err, nil)
		}
		for _, r := range rates {
			if err := printJSON(c.stdout, map[string]any{"carrier": r.CarrierID, "service": r.Service, "name": r.ServiceName,
				"price": money.Format(r.Amount, r.Currency), "currency": r.Currency, "estimatedDays": r.EstimatedDays}); err != nil {
				return err
			}
		}
		return nil
	}
}

func shippingBuyCmd(fs *flagSet, c *cli) func(context.Context) error {
	var f shipFlags
	f.register(fs)
	from := fs.String("from", "", "the shopper's `ADDRESS`: \"Name, Street, City, State, Postal code, CC\"")
	to := fs.String("to", "", "the destination `ADDRESS` (default: the store's default return destination)")
	weight := fs.String("weight", "1lb", "parcel weight with its unit: oz, lb, g or kg")
	carrier := fs.String("carrier", "rebound", "carrier id from rebound shipping rates: rebound or easypost:<carrier>")
	service := fs.String("service", "", "service from rebound shipping rates, e.g. ground")
	key := fs.String("idempotency-key", "", "`KEY` making the purchase idempotent (repeat it to retry safely)")
	out := fs.String("out", "", "also write the label PDF to `PATH`")
	fs.require("store", "from", "service")
	return func(ctx context.Context) error {
		if err := f.check(fs, c, map[string]string{"store": *f.storeID, "from": *from, "service": *service}); err != nil {
			return err
		}
		svc, st, err := shippingService(ctx, c, &f.db)
		if err != nil {
			return err
		}
		defer st.Close()
		q, err := shipmentRequest(ctx, svc, *f.storeID, *from, *to, *weight)
		if err != nil {
			return err
		}
		p, err := svc.Buy(ctx, *f.storeID, shipsvc.BuyInput{CarrierID: *carrier, Service: *service, Request: q, IdempotencyKey: *key})
		if err != nil {
			return shipsvc.AppError(err, nil)
		}
		if *out != "" {
			if err := writeLabel(ctx, svc, *f.storeID, p.Record.ID, *out); err != nil {
				return err
			}
		}
		sh := p.Shipment
		return printJSON(c.stdout, map[string]any{"id": p.Record.ID, "trackingNumber": sh.TrackingNumber, "carrier": sh.Carrier,
			"service": sh.Service, "price": money.Format(sh.Rate.Amount, sh.Rate.Currency), "currency": sh.Rate.Currency,
			"trackingUrl": sh.TrackingURL, "replayed": p.Replayed})
	}
}

func writeLabel(ctx context.Context, svc *shipsvc.Service, storeID, id, path string) error {
	b, _, err := svc.Document(ctx, storeID, id, shipsvc.DocLabel)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func shippingLabelCmd(fs *flagSet, c *cli) func(context.Context) error {
	var f shipFlags
	f.register(fs)
	id := fs.String("shipment", "", "`SHIPMENT_ID` (shp_…) of a label bought")
	out := fs.String("out", "", "`PATH` to write the PDF to (default <shipment>-label.pdf)")
	fs.require("store", "shipment")
	return func(ctx context.Context) error {
		if err := f.check(fs, c, map[string]string{"store": *f.storeID, "shipment": *id}); err != nil {
			return err
		}
		svc, st, err := shippingService(ctx, c, &f.db)
		if err != nil {
			return err
		}
		defer st.Close()
		path := *out
		if path == "" {
			path = *id + "-label.pdf"
		}
		if err := writeLabel(ctx, svc, *f.storeID, *id, path); err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, path)
		return nil
	}
}

func devFakeEasyPostCmd(fs *flagSet, c *cli) func(context.Context) error {
	addr := fs.String("addr", "127.0.0.1:8092", "listen address")
	apiKey := fs.String("api-key", "", "the API key requests must use (empty: any)")
	hook := fs.String("webhook-url", "", "`URL` tracker webhooks are sent to (the webhookUrl of PUT …/integrations/easypost)")
	secret := fs.String("webhook-secret", "", "secret signing the webhooks (X-Hmac-Signature)")
	return func(ctx context.Context) error {
		fmt.Fprintf(c.stderr, "fake EasyPost on http://%s (API root; use it as baseUrl); Ctrl-C stops it\n", *addr)
		return easyposttest.ListenAndServe(ctx, *addr, easyposttest.Options{APIKey: *apiKey, WebhookURL: *hook, WebhookSecret: *secret})
	}
}

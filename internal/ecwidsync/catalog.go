package ecwidsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/reboundhq/rebound/internal/ecwid"
	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/returns"
)

// Defaults of a Catalog.
const (
	DefaultCatalogTTL     = 5 * time.Minute
	DefaultCatalogFailTTL = 30 * time.Second
	DefaultCatalogTimeout = 3 * time.Second
	maxCatalogEntries     = 10_000
)

// Catalog is the Ecwid catalogue of the stores connected to Ecwid, as the
// shopper portal's exchange step reads it: a product's variations (Ecwid's
// combinations) with their option values, SKU, price and stock.
//
// It reads Ecwid once per store and product (GET /products/{id}, with the
// store's unsealed credentials, one attempt bounded by Timeout) and keeps
// the answer in process for TTL, a failure for FailTTL, so that a shopper's
// pages do not call Ecwid on every render and a broken Ecwid is not asked
// again and again. Answers may be up to TTL old: stock and prices are
// confirmed when the store handles the exchange. Concurrent misses of the
// same product may each ask Ecwid. It is safe for concurrent use.
type Catalog struct {
	// Service unseals the stores' credentials (Service.Credentials) and
	// gives its EcwidOptions to every client.
	Service *Service
	// TTL, FailTTL and Timeout default to DefaultCatalogTTL,
	// DefaultCatalogFailTTL and DefaultCatalogTimeout.
	TTL, FailTTL, Timeout time.Duration
	// Logger receives a line for each failed read (default slog.Default()).
	Logger *slog.Logger
	// Now is the clock of the cache (default time.Now).
	Now func() time.Time

	mu    sync.Mutex
	cache map[catalogKey]catalogEntry
}

type catalogKey struct{ store, product, currency string }

type catalogEntry struct {
	variants []returns.CatalogVariant
	ok       bool
	err      error
	until    time.Time
}

// Variants returns the variations of productID in the Ecwid catalogue of
// storeID, priced in minor units of currency (the order's shop currency,
// which is the Ecwid store's), in Ecwid's order, out-of-stock ones included
// with InStock false (all of them when the product is disabled).
//
// ok is false, with no error, when the catalogue has no variants to offer
// for the product: the store is not connected to Ecwid, productID is not an
// Ecwid product id, Ecwid does not know the product (404), or the product
// has no variations. The caller then offers what the merchant listed.
//
// An error means the catalogue could not be read (Ecwid unreachable, slow,
// answering an error, credentials that cannot be unsealed); it has been
// logged. A variation whose price is not exact in currency is left out
// and logged.
func (c *Catalog) Variants(ctx context.Context, storeID, productID, currency string) ([]returns.CatalogVariant, bool, error) {
	k := catalogKey{storeID, productID, currency}
	now := c.now()
	c.mu.Lock()
	e, hit := c.cache[k]
	c.mu.Unlock()
	if hit && now.Before(e.until) {
		return e.variants, e.ok, e.err
	}
	vs, ok, err := c.read(ctx, storeID, productID, currency)
	if err != nil && ctx.Err() != nil {
		return nil, false, err // the shopper went away: nothing learnt about Ecwid
	}
	ttl := c.TTL
	if ttl <= 0 {
		ttl = DefaultCatalogTTL
	}
	if err != nil {
		c.logger().Warn("ecwid catalogue: cannot read a product's variations; the portal offers the merchant-listed variants, if any",
			slog.String("store", storeID), slog.String("product", productID), slog.Any("error", err))
		ttl = c.FailTTL
		if ttl <= 0 {
			ttl = DefaultCatalogFailTTL
		}
	}
	c.put(k, catalogEntry{variants: vs, ok: ok, err: err, until: now.Add(ttl)})
	return vs, ok, err
}

func (c *Catalog) read(ctx context.Context, storeID, productID, currency string) ([]returns.CatalogVariant, bool, error) {
	id, perr := strconv.ParseInt(productID, 10, 64)
	if perr != nil || id <= 0 {
		return nil, false, nil
	}
	creds, err := c.Service.Credentials(ctx, storeID)
	if returns.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultCatalogTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// One attempt: a shopper is waiting, and a failure falls back.
	opts := append([]ecwid.Option(nil), c.Service.EcwidOptions...)
	if creds.APIBaseURL != "" {
		opts = append(opts, ecwid.WithBaseURL(creds.APIBaseURL))
	}
	opts = append(opts, ecwid.WithMaxRetries(0), ecwid.WithMaxRetryAfter(0))
	cl := ecwid.New(creds.EcwidStoreID, creds.Token, opts...)
	p, err := cl.Products.Get(ctx, ecwid.ProductID(id), "id", "sku", "price", "enabled", "combinations")
	if ecwid.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("ecwid catalogue of store %s: %w", storeID, err)
	}
	cs, err := p.Variations()
	if err != nil {
		return nil, false, fmt.Errorf("ecwid catalogue of store %s: %w", storeID, err)
	}
	var out []returns.CatalogVariant
	for _, cb := range cs {
		v, err := catalogVariant(p, cb, productID, currency)
		if err != nil {
			c.logger().Warn("ecwid catalogue: variation left out", slog.String("store", storeID), slog.String("product", productID),
				slog.Int64("combination", int64(cb.ID)), slog.Any("error", err))
			continue
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, false, nil
	}
	return out, true, nil
}

// catalogVariant converts one Ecwid combination of p: its own price or
// the product's, exact in currency; its own SKU or the product's; its
// option values as the title.
func catalogVariant(p *ecwid.Product, cb ecwid.Combination, productID, currency string) (returns.CatalogVariant, error) {
	price := p.Price
	if cb.Price != nil {
		price = *cb.Price
	}
	minor, err := money.ParseNumber(json.Number(strconv.FormatFloat(price, 'f', -1, 64)), currency)
	if err != nil {
		return returns.CatalogVariant{}, fmt.Errorf("price %v: %w", price, err)
	}
	if minor < 0 {
		return returns.CatalogVariant{}, errors.New("negative price")
	}
	var opts []string
	for _, o := range cb.Options {
		if o.Name != "" {
			opts = append(opts, o.Name+": "+o.Value)
		} else {
			opts = append(opts, o.Value)
		}
	}
	title := strings.Join(opts, ", ")
	if title == "" {
		title = fmt.Sprintf("Variation %d", cb.CombinationNumber)
	}
	sku := cb.SKU
	if sku == "" {
		sku = p.SKU
	}
	return returns.CatalogVariant{ProductID: productID, VariantID: strconv.FormatInt(int64(cb.ID), 10), SKU: sku,
		Title: title, Price: minor, InStock: cb.InStock && p.Enabled}, nil
}

func (c *Catalog) put(k catalogKey, e catalogEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cache == nil {
		c.cache = map[catalogKey]catalogEntry{}
	}
	if len(c.cache) >= maxCatalogEntries {
		now := c.now()
		for k, old := range c.cache {
			if !now.Before(old.until) {
				delete(c.cache, k)
			}
		}
		for k := range c.cache {
			if len(c.cache) < maxCatalogEntries/2 {
				break
			}
			delete(c.cache, k)
		}
	}
	c.cache[k] = e
}

func (c *Catalog) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Catalog) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}

package portal

import (
	"context"
	"fmt"

	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/returns"
)

// Catalog is a store's product catalogue as the exchange step reads it
// (ecwidsync.Catalog for the stores connected to Ecwid).
type Catalog interface {
	// Variants returns the variants of productID in storeID's catalogue,
	// priced in minor units of currency, out-of-stock ones with InStock
	// false. ok false (and no error) means the catalogue has none to
	// offer for it; an error that it could not be read (the implementation
	// logs it). Either way the portal offers the merchant-listed variants.
	Variants(ctx context.Context, storeID, productID, currency string) (vs []returns.CatalogVariant, ok bool, err error)
}

// variants returns what order line l may be exchanged for: the catalogue's
// variants of its product when the catalogue has some, else (no catalogue,
// or it failed) the variants the merchant lists for the product in the
// portal settings; never l's own variant. Merchant-listed variants count as
// in stock; one whose price is not exact in the shop currency is left out.
func (p *Portal) variants(ctx context.Context, ss *session, l *returns.OrderLine) []returns.CatalogVariant {
	cur := ss.order.ShopCurrency
	var vs []returns.CatalogVariant
	if p.catalog != nil {
		if cvs, ok, err := p.catalog.Variants(ctx, ss.settings.StoreID, l.ProductID, cur); err == nil && ok {
			vs = cvs
		}
	}
	if vs == nil {
		for _, v := range ss.settings.ExchangeVariants[l.ProductID] {
			price, err := money.ParseAmount(v.Price, cur)
			if err != nil {
				continue
			}
			vs = append(vs, returns.CatalogVariant{ProductID: l.ProductID, VariantID: v.VariantID, SKU: v.SKU, Title: v.Title, Price: price, InStock: true})
		}
	}
	out := vs[:0:0]
	for _, v := range vs {
		if own := l.VariantID != "" && v.VariantID == l.VariantID || l.VariantID == "" && l.SKU != "" && v.SKU == l.SKU; !own {
			out = append(out, v)
		}
	}
	return out
}

// priceDifference says what exchanging units worth value (their share of
// the order, as returns.ValueItems computes it) for quantity units of v
// means for the shopper, in the words of the options page.
func priceDifference(v returns.CatalogVariant, quantity int, value int64, cur string) string {
	d := v.Price*int64(quantity) - value
	switch {
	case d > 0:
		return fmt.Sprintf("you pay %s %s more", money.Format(d, cur), cur)
	case d < 0:
		return fmt.Sprintf("%s %s back as store credit", money.Format(-d, cur), cur)
	}
	return "same price"
}

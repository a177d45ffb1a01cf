package returns

// CatalogVariant is a variant of a product that a store's catalogue offers
// in exchange: its ids, its title (the option values it stands for, such as
// "Size: L"), its SKU, its unit price in minor units of the shop currency,
// and whether it is in stock.
type CatalogVariant struct {
	ProductID string `json:"productId"`
	VariantID string `json:"variantId"`
	SKU       string `json:"sku,omitempty"`
	Title     string `json:"title"`
	Price     int64  `json:"price"`
	InStock   bool   `json:"inStock"`
}

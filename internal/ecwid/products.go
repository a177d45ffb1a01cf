package ecwid

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"time"
)

// ProductID is a product's internal numeric id.
type ProductID int64

// ProductSort orders a product search.
type ProductSort string

// Product sort orders.
const (
	ProductSortRelevance       ProductSort = "RELEVANCE" // Ecwid's default
	ProductSortDefinedByOwner  ProductSort = "DEFINED_BY_STORE_OWNER"
	ProductSortAddedTimeDesc   ProductSort = "ADDED_TIME_DESC"
	ProductSortAddedTimeAsc    ProductSort = "ADDED_TIME_ASC"
	ProductSortNameAsc         ProductSort = "NAME_ASC"
	ProductSortNameDesc        ProductSort = "NAME_DESC"
	ProductSortPriceAsc        ProductSort = "PRICE_ASC"
	ProductSortPriceDesc       ProductSort = "PRICE_DESC"
	ProductSortUpdatedTimeAsc  ProductSort = "UPDATED_TIME_ASC"
	ProductSortUpdatedTimeDesc ProductSort = "UPDATED_TIME_DESC"
)

// Product is a catalog product.
type Product struct {
	ID                    ProductID    `json:"id"`
	SKU                   string       `json:"sku"`
	Name                  string       `json:"name"`
	Price                 float64      `json:"price"`
	DefaultDisplayedPrice float64      `json:"defaultDisplayedPrice"` // storefront price, taxes included
	CompareToPrice        float64      `json:"compareToPrice"`
	Quantity              *int         `json:"quantity"` // nil when Unlimited
	Unlimited             bool         `json:"unlimited"`
	InStock               bool         `json:"inStock"`
	Enabled               bool         `json:"enabled"`
	Weight                float64      `json:"weight"`
	URL                   string       `json:"url"`
	Created               string       `json:"created"`
	Updated               string       `json:"updated"`
	CreateTimestamp       int64        `json:"createTimestamp"`
	UpdateTimestamp       int64        `json:"updateTimestamp"`
	Description           string       `json:"description"` // HTML
	CategoryIDs           []CategoryID `json:"categoryIds"`
	DefaultCategoryID     CategoryID   `json:"defaultCategoryId"`
	ImageURL              string       `json:"imageUrl"`
	ThumbnailURL          string       `json:"thumbnailUrl"`
	OriginalImageURL      string       `json:"originalImageUrl"`
	IsGiftCard            bool         `json:"isGiftCard"`
	// Options, Combinations (variations) and Attributes are kept as raw
	// JSON arrays.
	Options      json.RawMessage `json:"options"`
	Combinations json.RawMessage `json:"combinations"`
	Attributes   json.RawMessage `json:"attributes"`

	Extra Extra `json:"-"`
}

// UnmarshalJSON decodes a product, keeping unknown members in Extra.
func (p *Product) UnmarshalJSON(b []byte) error {
	type plain Product
	var v plain
	extra, err := decodeWithExtra(b, &v)
	*p = Product(v)
	p.Extra = extra
	return err
}

// ProductFilter narrows a product search. Zero fields are not sent.
type ProductFilter struct {
	// Keyword searches names, descriptions, SKUs, options, category names,
	// image descriptions and attribute values. A trailing "*" turns off
	// exact matching.
	Keyword string
	// IDs makes Ecwid ignore every other search parameter.
	IDs []ProductID
	// SKU matches a product or variation SKU exactly; Ecwid then ignores
	// the other parameters except IDs.
	SKU                              string
	Category                         *CategoryID // 0 is the store front page
	Categories                       []CategoryID
	IncludeProductsFromSubcategories *bool
	PriceFrom, PriceTo               *float64
	CreatedFrom                      time.Time
	CreatedTo                        time.Time
	UpdatedFrom                      time.Time
	UpdatedTo                        time.Time
	Enabled                          *bool
	InStock                          *bool
	SortBy                           ProductSort

	Offset         int
	Limit          int
	ResponseFields string
}

// Values encodes the filter as Ecwid's query parameters.
func (f *ProductFilter) Values() url.Values {
	p := newParams()
	if f == nil {
		return p.v
	}
	p.str("keyword", f.Keyword)
	p.str("productId", joinInts(f.IDs))
	p.str("sku", f.SKU)
	if f.Category != nil {
		p.v.Set("category", strconv.FormatInt(int64(*f.Category), 10))
	}
	p.str("categories", joinInts(f.Categories))
	p.boolp("includeProductsFromSubcategories", f.IncludeProductsFromSubcategories)
	p.floatp("priceFrom", f.PriceFrom)
	p.floatp("priceTo", f.PriceTo)
	p.time("createdFrom", f.CreatedFrom)
	p.time("createdTo", f.CreatedTo)
	p.time("updatedFrom", f.UpdatedFrom)
	p.time("updatedTo", f.UpdatedTo)
	p.boolp("enabled", f.Enabled)
	p.boolp("inStock", f.InStock)
	p.str("sortBy", string(f.SortBy))
	p.page(f.Offset, f.Limit, f.ResponseFields)
	return p.v
}

// ProductsService reads the catalog (scope read_catalog).
type ProductsService struct{ c *Client }

// Search returns one page of products matching f (nil for all).
func (s *ProductsService) Search(ctx context.Context, f *ProductFilter) (*Page[Product], error) {
	return getAs[Page[Product]](ctx, s.c, "/products", f.Values())
}

// All iterates over every product matching f.
func (s *ProductsService) All(ctx context.Context, f *ProductFilter) iter.Seq2[Product, error] {
	return allPages(ctx, f, func(g *ProductFilter) (*int, *int) { return &g.Offset, &g.Limit }, s.Search)
}

// Get returns one product.
func (s *ProductsService) Get(ctx context.Context, id ProductID, fields ...string) (*Product, error) {
	return getAs[Product](ctx, s.c, idPath("/products", strconv.FormatInt(int64(id), 10)), fieldsQuery(fields))
}

// CombinationID is a product variation's internal numeric id.
type CombinationID int64

// Combination is one variation of a product: the choice of option values
// it stands for, with its own SKU, stock and, when set, price (Ecwid's
// "combinations", the product's variations).
type Combination struct {
	ID                CombinationID       `json:"id"`
	CombinationNumber int                 `json:"combinationNumber"` // 1, 2, … as in Ecwid's admin
	Options           []CombinationOption `json:"options"`
	// SKU is empty when the variation inherits the product's SKU.
	SKU       string `json:"sku"`
	Quantity  *int   `json:"quantity"` // nil when Unlimited
	Unlimited bool   `json:"unlimited"`
	InStock   bool   `json:"inStock"`
	// Price is the variation's base price without modifiers; nil when it
	// has none of its own and costs the product's Price.
	Price                 *float64 `json:"price"`
	DefaultDisplayedPrice float64  `json:"defaultDisplayedPrice"` // storefront price, taxes included
	ImageURL              string   `json:"imageUrl"`
	ThumbnailURL          string   `json:"thumbnailUrl"`

	Extra Extra `json:"-"`
}

// CombinationOption is one option value a combination stands for, such as
// Size: M.
type CombinationOption struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// UnmarshalJSON decodes a combination, keeping unknown members in Extra.
func (c *Combination) UnmarshalJSON(b []byte) error {
	type plain Combination
	var v plain
	extra, err := decodeWithExtra(b, &v)
	*c = Combination(v)
	c.Extra = extra
	return err
}

// Variations decodes p.Combinations: nil when the product has none (or
// they were left out by responseFields).
func (p *Product) Variations() ([]Combination, error) {
	if len(p.Combinations) == 0 || string(p.Combinations) == "null" {
		return nil, nil
	}
	var cs []Combination
	if err := json.Unmarshal(p.Combinations, &cs); err != nil {
		return nil, fmt.Errorf("ecwid: product %d combinations: %w: %w", p.ID, ErrMalformedResponse, err)
	}
	return cs, nil
}

// Combinations returns every variation of product id
// (GET /products/{id}/combinations, a plain JSON array).
func (s *ProductsService) Combinations(ctx context.Context, id ProductID, fields ...string) ([]Combination, error) {
	var out []Combination
	err := s.c.get(ctx, idPath("/products", strconv.FormatInt(int64(id), 10))+"/combinations", fieldsQuery(fields), &out)
	return out, err
}

package ecwid

import (
	"context"
	"iter"
	"net/url"
	"strconv"
)

// CategoryID is a category's internal numeric id. 0 stands for the store
// front page (the root) in filters.
type CategoryID int64

// Category is a catalog category.
type Category struct {
	ID                  CategoryID  `json:"id"`
	ParentID            CategoryID  `json:"parentId"`
	Name                string      `json:"name"`
	URL                 string      `json:"url"`
	ProductCount        int         `json:"productCount"`        // in the category and its subcategories
	EnabledProductCount int         `json:"enabledProductCount"` // sent with CategoryFilter.ProductIDs
	Description         string      `json:"description"`         // HTML
	Enabled             bool        `json:"enabled"`
	ImageURL            string      `json:"imageUrl"`
	ThumbnailURL        string      `json:"thumbnailUrl"`
	OrderBy             int         `json:"orderBy"`
	ProductIDs          []ProductID `json:"productIds"` // sent with CategoryFilter.ProductIDs

	Extra Extra `json:"-"`
}

// UnmarshalJSON decodes a category, keeping unknown members in Extra.
func (c *Category) UnmarshalJSON(b []byte) error {
	type plain Category
	var v plain
	extra, err := decodeWithExtra(b, &v)
	*c = Category(v)
	c.Extra = extra
	return err
}

// CategoryFilter narrows a category search. Zero fields are not sent.
type CategoryFilter struct {
	Keyword string // name and description
	// Parent returns the direct children of one category (0: top level).
	Parent *CategoryID
	// ParentIDs returns all descendants of these categories.
	ParentIDs         []CategoryID
	WithSubcategories *bool // the whole tree below Parent
	HiddenCategories  *bool // include disabled categories (hidden_categories)
	ProductIDs        bool  // ask for productIds and enabledProductCount
	Lang              string

	Offset, Limit  int
	ResponseFields string
}

// Values encodes the filter as Ecwid's query parameters.
func (f *CategoryFilter) Values() url.Values {
	p := newParams()
	if f == nil {
		return p.v
	}
	p.str("keyword", f.Keyword)
	if f.Parent != nil {
		p.v.Set("parent", strconv.FormatInt(int64(*f.Parent), 10))
	}
	p.str("parentIds", joinInts(f.ParentIDs))
	p.boolp("withSubcategories", f.WithSubcategories)
	p.boolp("hidden_categories", f.HiddenCategories)
	p.flag("productIds", f.ProductIDs)
	p.str("lang", f.Lang)
	p.page(f.Offset, f.Limit, f.ResponseFields)
	return p.v
}

// CategoriesService reads categories (scope read_catalog).
type CategoriesService struct{ c *Client }

// Search returns one page of categories matching f (nil for all).
func (s *CategoriesService) Search(ctx context.Context, f *CategoryFilter) (*Page[Category], error) {
	return getAs[Page[Category]](ctx, s.c, "/categories", f.Values())
}

// All iterates over every category matching f.
func (s *CategoriesService) All(ctx context.Context, f *CategoryFilter) iter.Seq2[Category, error] {
	return allPages(ctx, f, func(g *CategoryFilter) (*int, *int) { return &g.Offset, &g.Limit }, s.Search)
}

// Get returns one category.
func (s *CategoriesService) Get(ctx context.Context, id CategoryID, fields ...string) (*Category, error) {
	return getAs[Category](ctx, s.c, idPath("/categories", strconv.FormatInt(int64(id), 10)), fieldsQuery(fields))
}

package ecwidcli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"iter"

	"github.com/reboundhq/rebound/internal/ecwid"
)

// ---------------------------------------------------------------------------
// Resources

// listPage is a page of a search with each item as the client decoded it
// (see entityJSON).
type listPage struct {
	Total            int               `json:"total"`
	Count            int               `json:"count"`
	Offset           int               `json:"offset"`
	Limit            int               `json:"limit"`
	Items            []json.RawMessage `json:"items"`
	AllCustomerCount *int              `json:"allCustomerCount,omitempty"`
}

// ecwidResource describes one resource subcommand. Constructors bind the
// filter flags to a fresh filter, so a value is used for one run.
type ecwidResource struct {
	name      string
	scope     string // Ecwid scope reading it needs, for the 401/403 hint
	idName    string // positional argument of "get"; "" when there is no get
	numericID bool
	paged     bool   // --limit and --offset
	single    bool   // no list: the bare command shows one object (profile)
	envelope  string // list envelope members besides total,count,offset,limit, ending in ","
	columns   []column
	filters   func(fs *flag.FlagSet)
	check     func() error
	list      func(ctx context.Context, c *ecwid.Client, offset, limit int, fields string) (*listPage, error)
	all       func(ctx context.Context, c *ecwid.Client, offset, limit int, fields string) iter.Seq2[json.RawMessage, error]
	get       func(ctx context.Context, c *ecwid.Client, id string, fields []string) (json.RawMessage, error)
}

func (r *ecwidResource) synopsis() string {
	creds := "[--ecwid-store-id ID] [--token TOKEN] [--api-base-url URL] [--store STORE_ID]"
	switch {
	case r.single:
		return fmt.Sprintf("rebound ecwid %s [--fields a,b,c] [--json] %s", r.name, creds)
	case !r.paged:
		return fmt.Sprintf("rebound ecwid %s [--all] [--fields a,b,c] [--json] %s", r.name, creds)
	}
	return fmt.Sprintf("rebound ecwid %s [filters] [--limit 100] [--offset 0] [--all] [--fields a,b,c] [--json] %s\n"+
		"       rebound ecwid %s get %s [--fields a,b,c] [--json] %s", r.name, creds, r.name, r.idName, creds)
}

// resourceNames lists the resources in the order the usage shows them.
var resourceNames = []string{"products", "orders", "customers", "categories", "coupons", "promotions", "carts", "profile"}

var ecwidResources = map[string]func() *ecwidResource{
	"products":   ecwidProducts,
	"orders":     ecwidOrders,
	"customers":  ecwidCustomers,
	"categories": ecwidCategories,
	"coupons":    ecwidCoupons,
	"promotions": ecwidPromotions,
	"carts":      ecwidCarts,
	"profile":    ecwidProfile,
}

func ecwidProducts() *ecwidResource {
	var f ecwid.ProductFilter
	set := func(g *ecwid.ProductFilter, offset, limit int, fields string) {
		g.Offset, g.Limit, g.ResponseFields = offset, limit, fields
	}
	return &ecwidResource{
		name: "products", scope: "read_catalog", idName: "PRODUCT_ID", numericID: true, paged: true,
		columns: []column{field("id"), field("sku"), field("name"), field("price"),
			{"quantity", productQuantity}, field("inStock"), field("enabled")},
		filters: func(fs *flag.FlagSet) {
			fs.StringVar(&f.Keyword, "keyword", "", "search names, descriptions, SKUs, options, categories and attributes; a trailing * turns off exact matching (keyword)")
			listVar(fs, &f.IDs, "ids", "comma-separated product ids; Ecwid then ignores the other filters (productId)", parseNumber[ecwid.ProductID])
			fs.StringVar(&f.SKU, "sku", "", "exact product or variation SKU (sku)")
			optVar(fs, &f.Category, "category", "category id, 0 for the store front page (category)", parseNumber[ecwid.CategoryID])
			listVar(fs, &f.Categories, "categories", "comma-separated category ids (categories)", parseNumber[ecwid.CategoryID])
			optVar(fs, &f.IncludeProductsFromSubcategories, "include-subcategories", "with --category or --categories, include products of subcategories (includeProductsFromSubcategories)", parseBool, true)
			optVar(fs, &f.PriceFrom, "price-from", "minimum price (priceFrom)", parseFloat)
			optVar(fs, &f.PriceTo, "price-to", "maximum price (priceTo)", parseFloat)
			dateVars(fs, &f.CreatedFrom, &f.CreatedTo, "created", "products created")
			dateVars(fs, &f.UpdatedFrom, &f.UpdatedTo, "updated", "products updated")
			optVar(fs, &f.Enabled, "enabled", "only enabled products; --enabled=false for disabled ones (enabled)", parseBool, true)
			optVar(fs, &f.InStock, "in-stock", "only products in stock; --in-stock=false for out-of-stock ones (inStock)", parseBool, true)
			enumVar(fs, &f.SortBy, "sort-by", "RELEVANCE, DEFINED_BY_STORE_OWNER, ADDED_TIME_DESC, ADDED_TIME_ASC, NAME_ASC, NAME_DESC, PRICE_ASC, PRICE_DESC, UPDATED_TIME_ASC or UPDATED_TIME_DESC (sortBy)")
		},
		list: pagedList(&f, set, func(c *ecwid.Client) searchFunc[ecwid.ProductFilter, ecwid.Product] { return c.Products.Search }),
		all:  pagedAll(&f, set, func(c *ecwid.Client) allFunc[ecwid.ProductFilter, ecwid.Product] { return c.Products.All }),
		get:  numericGet(func(c *ecwid.Client) getFunc[ecwid.ProductID, ecwid.Product] { return c.Products.Get }),
	}
}

func ecwidOrders() *ecwidResource {
	var f ecwid.OrderFilter
	set := func(g *ecwid.OrderFilter, offset, limit int, fields string) {
		g.Offset, g.Limit, g.ResponseFields = offset, limit, fields
	}
	return &ecwidResource{
		name: "orders", scope: "read_orders", idName: "ORDER_ID", paged: true,
		columns: []column{field("id"), {"created", timestampColumn("createTimestamp", "createDate")}, field("email"),
			field("total"), field("paymentStatus"), field("fulfillmentStatus")},
		filters: func(fs *flag.FlagSet) {
			listVar(fs, &f.IDs, "ids", "comma-separated order ids, internal ids, prefixes or suffixes (ids)", parseString[ecwid.OrderID])
			fs.StringVar(&f.Keywords, "keywords", "", "search ids, transaction ids, addresses, e-mail, tracking codes, item SKUs and names, admin notes (keywords)")
			fs.StringVar(&f.Email, "email", "", "customer e-mail (email)")
			numVar(fs, &f.CustomerID, "customer-id", "customer id (customerId)")
			listVar(fs, &f.ProductIDs, "product-id", "comma-separated product ids the order contains (productId)", parseNumber[ecwid.ProductID])
			optVar(fs, &f.TotalFrom, "total-from", "minimum order total (totalFrom)", parseFloat)
			optVar(fs, &f.TotalTo, "total-to", "maximum order total (totalTo)", parseFloat)
			dateVars(fs, &f.CreatedFrom, &f.CreatedTo, "created", "orders placed")
			dateVars(fs, &f.UpdatedFrom, &f.UpdatedTo, "updated", "orders updated")
			listVar(fs, &f.PaymentStatus, "payment-status", "comma-separated: AWAITING_PAYMENT, PAID, CANCELLED, REFUNDED, PARTIALLY_REFUNDED, INCOMPLETE, CUSTOM_PAYMENT_STATUS_1..3 (paymentStatus)", parseUpper[ecwid.PaymentStatus])
			listVar(fs, &f.FulfillmentStatus, "fulfillment-status", "comma-separated: AWAITING_PROCESSING, PROCESSING, SHIPPED, DELIVERED, WILL_NOT_DELIVER, RETURNED, READY_FOR_PICKUP, OUT_FOR_DELIVERY, CUSTOM_FULFILLMENT_STATUS_1..3 (fulfillmentStatus)", parseUpper[ecwid.FulfillmentStatus])
			fs.StringVar(&f.PaymentMethod, "payment-method", "", "payment method name (paymentMethod)")
			fs.StringVar(&f.ShippingMethod, "shipping-method", "", "shipping method name (shippingMethod)")
			fs.StringVar(&f.CouponCode, "coupon-code", "", "discount coupon code applied to the order (couponCode)")
		},
		list: pagedList(&f, set, func(c *ecwid.Client) searchFunc[ecwid.OrderFilter, ecwid.Order] { return c.Orders.Search }),
		all:  pagedAll(&f, set, func(c *ecwid.Client) allFunc[ecwid.OrderFilter, ecwid.Order] { return c.Orders.All }),
		get: func(ctx context.Context, c *ecwid.Client, id string, fields []string) (json.RawMessage, error) {
			return objectJSON(c.Orders.Get(ctx, ecwid.OrderID(id), fields...))
		},
	}
}

func ecwidCustomers() *ecwidResource {
	var f ecwid.CustomerFilter
	return &ecwidResource{
		name: "customers", scope: "read_customers", idName: "CUSTOMER_ID", numericID: true, paged: true,
		envelope: "allCustomerCount,",
		columns:  []column{field("id"), field("email"), field("name"), field("registered")},
		filters: func(fs *flag.FlagSet) {
			fs.StringVar(&f.Keyword, "keyword", "", "search names and e-mails (keyword)")
			fs.StringVar(&f.Name, "name", "", "billing name (name)")
			fs.StringVar(&f.Email, "email", "", "e-mail, partial match unless --exact-email (email)")
			fs.BoolVar(&f.UseExactEmailMatch, "exact-email", false, "match --email exactly (useExactEmailMatch)")
			fs.StringVar(&f.Phone, "phone", "", "phone number (phone)")
			fs.StringVar(&f.City, "city", "", "city of an address (city)")
			fs.StringVar(&f.PostalCode, "postal-code", "", "postal code (postalCode)")
			fs.StringVar(&f.StateOrProvinceCode, "state", "", "two-letter state or province code (stateOrProvinceCode)")
			listVar(fs, &f.CountryCodes, "country-codes", "comma-separated country codes (countryCodes)", parseUpper[string])
			fs.StringVar(&f.CompanyName, "company-name", "", "company name (companyName)")
			optVar(fs, &f.AcceptMarketing, "accept-marketing", "only customers who accept marketing e-mail; =false for the others (acceptMarketing)", parseBool, true)
			listVar(fs, &f.CustomerGroupIDs, "customer-group-ids", "comma-separated customer group ids (customerGroupIds)", parseNumber[int64])
			optVar(fs, &f.MinOrderCount, "min-order-count", "minimum number of orders (minOrderCount)", parseNumber[int64])
			optVar(fs, &f.MaxOrderCount, "max-order-count", "maximum number of orders (maxOrderCount)", parseNumber[int64])
			optVar(fs, &f.MinSalesValue, "min-sales-value", "minimum total of orders (minSalesValue)", parseFloat)
			optVar(fs, &f.MaxSalesValue, "max-sales-value", "maximum total of orders (maxSalesValue)", parseFloat)
			dateVars(fs, &f.CreatedFrom, &f.CreatedTo, "created", "customers registered")
			dateVars(fs, &f.UpdatedFrom, &f.UpdatedTo, "updated", "customers updated")
			enumVar(fs, &f.SortBy, "sort-by", "NAME_ASC, NAME_DESC, EMAIL_ASC, EMAIL_DESC, ORDER_COUNT_ASC, ORDER_COUNT_DESC, REGISTERED_DATE_DESC, REGISTERED_DATE_ASC, UPDATED_DATE_DESC, UPDATED_DATE_ASC, SALES_VALUE_ASC or SALES_VALUE_DESC (sortBy)")
		},
		check: func() error {
			if f.UseExactEmailMatch && f.Email == "" {
				return errors.New("--exact-email needs --email")
			}
			return nil
		},
		list: func(ctx context.Context, c *ecwid.Client, offset, limit int, fields string) (*listPage, error) {
			g := f
			g.Offset, g.Limit, g.ResponseFields = offset, limit, fields
			p, err := c.Customers.Search(ctx, &g)
			if err != nil {
				return nil, err
			}
			lp, err := toListPage(&p.Page)
			if err != nil {
				return nil, err
			}
			lp.AllCustomerCount = &p.AllCustomerCount
			return lp, nil
		},
		all: func(ctx context.Context, c *ecwid.Client, offset, limit int, fields string) iter.Seq2[json.RawMessage, error] {
			g := f
			g.Offset, g.Limit, g.ResponseFields = offset, limit, fields
			return rawSeq(c.Customers.All(ctx, &g))
		},
		get: numericGet(func(c *ecwid.Client) getFunc[ecwid.CustomerID, ecwid.Customer] { return c.Customers.Get }),
	}
}

func ecwidCategories() *ecwidResource {
	var f ecwid.CategoryFilter
	set := func(g *ecwid.CategoryFilter, offset, limit int, fields string) {
		g.Offset, g.Limit, g.ResponseFields = offset, limit, fields
	}
	return &ecwidResource{
		name: "categories", scope: "read_catalog", idName: "CATEGORY_ID", numericID: true, paged: true,
		columns: []column{field("id"), field("name"), {"parent", func(m map[string]json.RawMessage) string {
			if s := cellText(m["parentId"]); s != "0" {
				return s
			}
			return ""
		}}, field("enabled"), field("productCount")},
		filters: func(fs *flag.FlagSet) {
			fs.StringVar(&f.Keyword, "keyword", "", "search names and descriptions (keyword)")
			optVar(fs, &f.Parent, "parent", "direct children of this category id, 0 for the top level (parent)", parseNumber[ecwid.CategoryID])
			listVar(fs, &f.ParentIDs, "parent-ids", "comma-separated category ids whose descendants to list (parentIds)", parseNumber[ecwid.CategoryID])
			optVar(fs, &f.WithSubcategories, "with-subcategories", "with --parent, the whole tree below it (withSubcategories)", parseBool, true)
			optVar(fs, &f.HiddenCategories, "hidden-categories", "include disabled categories (hidden_categories)", parseBool, true)
			fs.BoolVar(&f.ProductIDs, "product-ids", false, "also return productIds and enabledProductCount (productIds)")
		},
		list: pagedList(&f, set, func(c *ecwid.Client) searchFunc[ecwid.CategoryFilter, ecwid.Category] { return c.Categories.Search }),
		all:  pagedAll(&f, set, func(c *ecwid.Client) allFunc[ecwid.CategoryFilter, ecwid.Category] { return c.Categories.All }),
		get:  numericGet(func(c *ecwid.Client) getFunc[ecwid.CategoryID, ecwid.Category] { return c.Categories.Get }),
	}
}

func ecwidCoupons() *ecwidResource {
	var f ecwid.CouponFilter
	set := func(g *ecwid.CouponFilter, offset, limit int, fields string) {
		g.Offset, g.Limit, g.ResponseFields = offset, limit, fields
	}
	return &ecwidResource{
		name: "coupons", scope: "read_discount_coupons", idName: "COUPON_ID", numericID: true, paged: true,
		columns: []column{field("id"), field("code"), field("discountType"), field("discount"), field("status")},
		filters: func(fs *flag.FlagSet) {
			fs.StringVar(&f.Code, "code", "", "coupon code (code)")
			enumVar(fs, &f.DiscountType, "discount-type", "ABS, PERCENT, SHIPPING, ABS_AND_SHIPPING or PERCENT_AND_SHIPPING (discount_type)")
			enumVar(fs, &f.Availability, "availability", "ACTIVE, PAUSED, EXPIRED or USEDUP (availability)")
			dateVars(fs, &f.CreatedFrom, &f.CreatedTo, "created", "coupons created")
			dateVars(fs, &f.UpdatedFrom, &f.UpdatedTo, "updated", "coupons updated")
		},
		list: pagedList(&f, set, func(c *ecwid.Client) searchFunc[ecwid.CouponFilter, ecwid.Coupon] { return c.Coupons.Search }),
		all:  pagedAll(&f, set, func(c *ecwid.Client) allFunc[ecwid.CouponFilter, ecwid.Coupon] { return c.Coupons.All }),
		get:  numericGet(func(c *ecwid.Client) getFunc[ecwid.CouponID, ecwid.Coupon] { return c.Coupons.Get }),
	}
}

func ecwidPromotions() *ecwidResource {
	return &ecwidResource{
		name: "promotions", scope: "read_promotion",
		columns: []column{field("id"), field("name"), field("enabled")},
		list: func(ctx context.Context, c *ecwid.Client, _, _ int, fields string) (*listPage, error) {
			var sel []string
			if fields != "" {
				sel = []string{fields}
			}
			p, err := c.Promotions.List(ctx, sel...)
			if err != nil {
				return nil, err
			}
			return toListPage(p)
		},
	}
}

func ecwidCarts() *ecwidResource {
	var f ecwid.CartFilter
	set := func(g *ecwid.CartFilter, offset, limit int, fields string) {
		g.Offset, g.Limit, g.ResponseFields = offset, limit, fields
	}
	return &ecwidResource{
		name: "carts", scope: "read_orders", idName: "CART_UUID", paged: true,
		columns: []column{field("cartId"), field("email"), field("total"), {"updated", timestampColumn("updateTimestamp", "updateDate")}},
		filters: func(fs *flag.FlagSet) {
			optVar(fs, &f.ShowHidden, "show-hidden", "include hidden (deleted) carts; --show-hidden=false leaves them out (showHidden)", parseBool, true)
			optVar(fs, &f.TotalFrom, "total-from", "minimum cart total (totalFrom)", parseFloat)
			optVar(fs, &f.TotalTo, "total-to", "maximum cart total (totalTo)", parseFloat)
			dateVars(fs, &f.CreatedFrom, &f.CreatedTo, "created", "carts created")
			dateVars(fs, &f.UpdatedFrom, &f.UpdatedTo, "updated", "carts updated")
			fs.StringVar(&f.Email, "email", "", "customer e-mail (email)")
			numVar(fs, &f.CustomerID, "customer-id", "customer id (customerId)")
		},
		list: pagedList(&f, set, func(c *ecwid.Client) searchFunc[ecwid.CartFilter, ecwid.Cart] { return c.Carts.Search }),
		all:  pagedAll(&f, set, func(c *ecwid.Client) allFunc[ecwid.CartFilter, ecwid.Cart] { return c.Carts.All }),
		get: func(ctx context.Context, c *ecwid.Client, id string, fields []string) (json.RawMessage, error) {
			return objectJSON(c.Carts.Get(ctx, ecwid.CartID(id), fields...))
		},
	}
}

func ecwidProfile() *ecwidResource {
	return &ecwidResource{
		name: "profile", scope: "read_store_profile", single: true,
		get: func(ctx context.Context, c *ecwid.Client, _ string, fields []string) (json.RawMessage, error) {
			return objectJSON(c.Profile.Get(ctx, fields...))
		},
	}
}

package ecwid_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/ecwid"
	"github.com/reboundhq/rebound/internal/ecwid/ecwidtest"
)

var (
	t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) // 1704067200
	t1 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) // 1735689600
)

func TestProducts(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv)
	ctx := context.Background()

	p, err := c.Products.Get(ctx, 12345601)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != 12345601 || p.SKU != "TS-ORG-BLU" || p.Price != 28 || p.Quantity == nil || *p.Quantity != 42 ||
		!slices.Equal(p.CategoryIDs, []ecwid.CategoryID{9691094, 9691095}) || p.Created == "" {
		t.Errorf("product = %+v", p)
	}
	if len(p.Combinations) == 0 || len(p.Options) == 0 {
		t.Error("options/combinations not kept")
	}
	if _, ok := p.Extra["defaultChoice"]; ok {
		t.Error("nested member leaked into Extra")
	}

	unl, err := c.Products.Get(ctx, 12345605)
	if err != nil {
		t.Fatal(err)
	}
	if !unl.Unlimited || unl.Quantity != nil {
		t.Errorf("unlimited product: unlimited=%v quantity=%v", unl.Unlimited, unl.Quantity)
	}

	page, err := c.Products.Search(ctx, &ecwid.ProductFilter{Keyword: "trail", Enabled: ecwid.Ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 1 || len(page.Items) != 1 || page.Items[0].SKU != "BT-TRAIL-BRN" {
		t.Errorf("keyword+enabled search = %+v", page)
	}

	// A variation SKU finds its product.
	page, err = c.Products.Search(ctx, &ecwid.ProductFilter{SKU: "TS-ORG-BLU-L"})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 1 || page.Items[0].ID != 12345601 {
		t.Errorf("sku search = %+v", page)
	}

	page, err = c.Products.Search(ctx, &ecwid.ProductFilter{Category: ecwid.Ptr[ecwid.CategoryID](9691094),
		IncludeProductsFromSubcategories: ecwid.Ptr(true), SortBy: ecwid.ProductSortPriceDesc, InStock: ecwid.Ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	var skus []string
	for _, p := range page.Items {
		skus = append(skus, p.SKU)
	}
	if !slices.Equal(skus, []string{"JK-RAIN-GRN", "TS-ORG-BLU"}) {
		t.Errorf("category search skus = %v", skus)
	}

	_, err = c.Products.Get(ctx, 1)
	if !ecwid.IsNotFound(err) || ecwid.AsError(err).Code != ecwid.CodeProductNotFound {
		t.Errorf("missing product: err = %v", err)
	}
}

// TestProductCombinations reads variations inline (GET /products/{id}) and
// from their own endpoint (a plain array), with the members Ecwid derives:
// inStock from the stock, no quantity when unlimited, the product's price
// when a variation has none.
func TestProductCombinations(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv)
	ctx := context.Background()
	ids, err := srv.Add(ecwidtest.Products, map[string]any{"name": "Jacket", "sku": "JK", "price": 100, "enabled": true, "quantity": 0,
		"combinations": []any{
			map[string]any{"id": 701, "combinationNumber": 1, "options": []any{map[string]any{"name": "Size", "value": "S"}}, "sku": "JK-S", "quantity": 3},
			map[string]any{"id": 702, "combinationNumber": 2, "options": []any{map[string]any{"name": "Size", "value": "L"}}, "price": 104.5, "unlimited": true, "quantity": 9},
			map[string]any{"id": 703, "combinationNumber": 3, "options": []any{map[string]any{"name": "Size", "value": "XL"}}, "sku": "JK-XL", "quantity": 0},
		}})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := strconv.ParseInt(ids[0], 10, 64)
	p, err := c.Products.Get(ctx, ecwid.ProductID(id), "id", "price", "inStock", "combinations")
	if err != nil {
		t.Fatal(err)
	}
	inline, err := p.Variations()
	if err != nil {
		t.Fatal(err)
	}
	own, err := c.Products.Combinations(ctx, ecwid.ProductID(id))
	if err != nil {
		t.Fatal(err)
	}
	if r := lastRequest(t, srv); r.Path != "/products/"+ids[0]+"/combinations" {
		t.Errorf("path = %s", r.Path)
	}
	if !p.InStock {
		t.Error("a product with a variation in stock is in stock")
	}
	for _, cs := range [][]ecwid.Combination{inline, own} {
		if len(cs) != 3 {
			t.Fatalf("combinations = %+v", cs)
		}
		s, l, xl := cs[0], cs[1], cs[2]
		if s.ID != 701 || s.SKU != "JK-S" || !s.InStock || s.Price != nil || s.DefaultDisplayedPrice != 100 || s.Options[0] != (ecwid.CombinationOption{Name: "Size", Value: "S"}) {
			t.Errorf("S = %+v", s)
		}
		if l.Price == nil || *l.Price != 104.5 || !l.InStock || l.Quantity != nil || !l.Unlimited {
			t.Errorf("L = %+v", l)
		}
		if xl.InStock || xl.Quantity == nil || *xl.Quantity != 0 {
			t.Errorf("XL = %+v", xl)
		}
	}
	if none, err := (&ecwid.Product{}).Variations(); none != nil || err != nil {
		t.Errorf("no combinations: %v %v", none, err)
	}
	_, err = c.Products.Combinations(ctx, 1)
	if !ecwid.IsNotFound(err) || ecwid.AsError(err).Code != ecwid.CodeProductNotFound {
		t.Errorf("missing product: err = %v", err)
	}
}

func TestProductFilterEncoding(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv)
	cat := ecwid.CategoryID(0)
	f := &ecwid.ProductFilter{
		Keyword: "tee*", IDs: []ecwid.ProductID{1, 2}, SKU: "A-1", Category: &cat,
		Categories: []ecwid.CategoryID{0, 123456, 138470508}, IncludeProductsFromSubcategories: ecwid.Ptr(true),
		PriceFrom: ecwid.Ptr(0.0), PriceTo: ecwid.Ptr(19.99), CreatedFrom: t0, CreatedTo: t1, UpdatedFrom: t0, UpdatedTo: t1,
		Enabled: ecwid.Ptr(false), InStock: ecwid.Ptr(true), SortBy: ecwid.ProductSortAddedTimeDesc,
		Offset: 200, Limit: 500, ResponseFields: "total,items(id,name,price,sku)",
	}
	if _, err := c.Products.Search(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	assertQuery(t, srv, "/products", url.Values{
		"keyword": {"tee*"}, "productId": {"1,2"}, "sku": {"A-1"}, "category": {"0"},
		"categories": {"0,123456,138470508"}, "includeProductsFromSubcategories": {"true"},
		"priceFrom": {"0"}, "priceTo": {"19.99"},
		"createdFrom": {"1704067200"}, "createdTo": {"1735689600"}, "updatedFrom": {"1704067200"}, "updatedTo": {"1735689600"},
		"enabled": {"false"}, "inStock": {"true"}, "sortBy": {"ADDED_TIME_DESC"},
		"offset": {"200"}, "limit": {"100"}, "responseFields": {"total,items(id,name,price,sku)"},
	})
	if _, err := c.Products.Search(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	assertQuery(t, srv, "/products", url.Values{})
}

func TestOrdersSearchAndGet(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv)
	ctx := context.Background()

	o, err := c.Orders.Get(ctx, "K8XTQ")
	if err != nil {
		t.Fatal(err)
	}
	if o.ID != "K8XTQ" || o.InternalID != 516483487 || o.PaymentStatus != ecwid.PaymentPaid ||
		o.FulfillmentStatus != ecwid.FulfillmentShipped || o.Total != 63.5 || len(o.Items) != 1 ||
		o.Items[0].SelectedOptions[0].Value != "M" || o.ShippingPerson.City != "Seattle" ||
		o.ShippingPerson.FirstName != "Jamie" || o.ShippingOption.ShippingMethodName != "UPS Ground" ||
		o.Created() != time.Unix(1709568300, 0).UTC() || o.CreateDate != "2024-03-04 16:05:00 +0000" {
		t.Errorf("order = %+v", o)
	}
	if _, ok := o.Extra["orderNumber"]; !ok {
		t.Errorf("Extra lacks orderNumber: %v", o.Extra)
	}

	// The internal id works in paths too.
	if o2, err := c.Orders.Get(ctx, "516483487"); err != nil || o2.ID != "K8XTQ" {
		t.Errorf("get by internal id: %v, %v", o2, err)
	}

	page, err := c.Orders.Search(ctx, &ecwid.OrderFilter{
		PaymentStatus:     []ecwid.PaymentStatus{ecwid.PaymentPaid, ecwid.PaymentRefunded},
		FulfillmentStatus: []ecwid.FulfillmentStatus{ecwid.FulfillmentDelivered, ecwid.FulfillmentReturned},
	})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 2 || page.Items[0].ID != "EBJFT" || page.Items[1].ID != "CYQLB" {
		t.Errorf("status search = %+v", page)
	}

	page, err = c.Orders.Search(ctx, &ecwid.OrderFilter{Email: "JAMIE.ortiz@example.com", ResponseFields: "total,items(id,email)"})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 2 || page.Count != 0 || page.Items[0].Total != 0 || page.Items[0].Email == "" {
		t.Errorf("email search with responseFields = %+v", page)
	}

	page, err = c.Orders.Search(ctx, &ecwid.OrderFilter{Keywords: "too narrow"})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 1 || page.Items[0].ID != "CYQLB" {
		t.Errorf("keywords search = %+v", page)
	}

	page, err = c.Orders.Search(ctx, &ecwid.OrderFilter{CreatedFrom: time.Unix(1715433900, 0), CreatedTo: time.Unix(1721419080, 0), TotalFrom: ecwid.Ptr(150.0)})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 2 {
		t.Errorf("date+total search total = %d, want 2", page.Total)
	}

	_, err = c.Orders.Get(ctx, "NOPE1")
	if e := ecwid.AsError(err); e == nil || e.Status != 404 || e.Code != ecwid.CodeOrderNotFound || e.Message != "Order #NOPE1 not found" {
		t.Errorf("missing order err = %#v", err)
	}
}

func TestOrderFilterEncoding(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv)
	f := &ecwid.OrderFilter{
		IDs: []ecwid.OrderID{"EG4H2", "J77J8"}, Keywords: "blue tee", Email: "a@example.com", CustomerID: 177737165,
		Customer: "Jamie", ProductIDs: []ecwid.ProductID{10031004, 86427531}, TotalFrom: ecwid.Ptr(0.0), TotalTo: ecwid.Ptr(99.5),
		CreatedFrom: t0, CreatedTo: t1, UpdatedFrom: t0, UpdatedTo: t1, PickupTimeFrom: t0, PickupTimeTo: t1,
		PaymentStatus:     []ecwid.PaymentStatus{ecwid.PaymentPaid, ecwid.PaymentPartiallyRefunded},
		FulfillmentStatus: []ecwid.FulfillmentStatus{ecwid.FulfillmentReturned},
		PaymentMethod:     "PayPal", PaymentModule: "PayPalStandard", ShippingMethod: "UPS Ground", CouponCode: "SPRING10",
		AcceptMarketing: ecwid.Ptr(true), ContainsPreorderItems: ecwid.Ptr(false), SubscriptionID: 42, RefererID: "7",
		Offset: 100, Limit: 50, ResponseFields: "total,items(id)",
	}
	if _, err := c.Orders.Search(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	assertQuery(t, srv, "/orders", url.Values{
		"ids": {"EG4H2,J77J8"}, "keywords": {"blue tee"}, "email": {"a@example.com"}, "customerId": {"177737165"},
		"customer": {"Jamie"}, "productId": {"10031004,86427531"}, "totalFrom": {"0"}, "totalTo": {"99.5"},
		"createdFrom": {"1704067200"}, "createdTo": {"1735689600"}, "updatedFrom": {"1704067200"}, "updatedTo": {"1735689600"},
		"pickupTimeFrom": {"1704067200"}, "pickupTimeTo": {"1735689600"},
		"paymentStatus": {"PAID,PARTIALLY_REFUNDED"}, "fulfillmentStatus": {"RETURNED"},
		"paymentMethod": {"PayPal"}, "paymentModule": {"PayPalStandard"}, "shippingMethod": {"UPS Ground"},
		"couponCode": {"SPRING10"}, "acceptMarketing": {"true"}, "containsPreorderItems": {"false"},
		"subscriptionId": {"42"}, "refererId": {"7"},
		"offset": {"100"}, "limit": {"50"}, "responseFields": {"total,items(id)"},
	})
	// Special characters are percent-encoded on the wire.
	if got := lastRequest(t, srv).RawQuery; !containsAll(got, "keywords=blue+tee", "email=a%40example.com", "responseFields=total%2Citems%28id%29") {
		t.Errorf("raw query = %s", got)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func TestCustomers(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv)
	ctx := context.Background()

	cu, err := c.Customers.Get(ctx, 177737166)
	if err != nil {
		t.Fatal(err)
	}
	if cu.Email != "priya.nair@example.org" || cu.CustomerGroupName != "Wholesale" || !cu.TaxExempt ||
		cu.Stats == nil || cu.Stats.SalesValue != 370 || len(cu.ShippingAddresses) != 1 ||
		cu.ShippingAddresses[0].ID != 90002 || cu.ShippingAddresses[0].City != "Austin" {
		t.Errorf("customer = %+v", cu)
	}

	page, err := c.Customers.Search(ctx, &ecwid.CustomerFilter{Email: "jamie.ortiz@example.com", UseExactEmailMatch: true})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 1 || page.Items[0].ID != 177737165 || page.AllCustomerCount != 4 {
		t.Errorf("email search = %+v", page)
	}
	page, err = c.Customers.Search(ctx, &ecwid.CustomerFilter{SortBy: ecwid.CustomerSortSalesValueDesc, MinOrderCount: ecwid.Ptr[int64](1)})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 3 || page.Items[0].ID != 177737166 || page.Items[2].ID != 177737167 {
		t.Errorf("sorted search = %+v", page.Items)
	}

	f := &ecwid.CustomerFilter{
		Keyword: "ortiz", Name: "Jamie Ortiz", Email: "jamie@example.com", UseExactEmailMatch: true, Phone: "555",
		City: "Seattle", PostalCode: "98101", StateOrProvinceCode: "WA", CountryCodes: []string{"US", "CA"},
		CompanyName: "Acme", AcceptMarketing: ecwid.Ptr(true), CustomerGroupIDs: []int64{0, 4410},
		MinOrderCount: ecwid.Ptr[int64](0), MaxOrderCount: ecwid.Ptr[int64](10), MinSalesValue: ecwid.Ptr(10.5), MaxSalesValue: ecwid.Ptr(1000.0),
		CreatedFrom: t0, CreatedTo: t1, UpdatedFrom: t0, UpdatedTo: t1, SortBy: ecwid.CustomerSortRegisteredDateDesc,
		Offset: 10, Limit: 20, ResponseFields: "items(id,email)",
	}
	if _, err := c.Customers.Search(ctx, f); err != nil {
		t.Fatal(err)
	}
	assertQuery(t, srv, "/customers", url.Values{
		"keyword": {"ortiz"}, "name": {"Jamie Ortiz"}, "email": {"jamie@example.com"}, "useExactEmailMatch": {"true"},
		"phone": {"555"}, "city": {"Seattle"}, "postalCode": {"98101"}, "stateOrProvinceCode": {"WA"},
		"countryCodes": {"US,CA"}, "companyName": {"Acme"}, "acceptMarketing": {"true"}, "customerGroupIds": {"0,4410"},
		"minOrderCount": {"0"}, "maxOrderCount": {"10"}, "minSalesValue": {"10.5"}, "maxSalesValue": {"1000"},
		"createdFrom": {"1704067200"}, "createdTo": {"1735689600"}, "updatedFrom": {"1704067200"}, "updatedTo": {"1735689600"},
		"sortBy": {"REGISTERED_DATE_DESC"}, "offset": {"10"}, "limit": {"20"}, "responseFields": {"items(id,email)"},
	})

	var n int
	for cu, err := range c.Customers.All(ctx, &ecwid.CustomerFilter{Limit: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		if cu.ID == 0 {
			t.Error("zero customer")
		}
		n++
	}
	if n != 4 {
		t.Errorf("All yielded %d customers, want 4", n)
	}

	if _, err := c.Customers.Get(ctx, 1); !ecwid.IsNotFound(err) {
		t.Errorf("missing customer err = %v", err)
	}
}

func TestCategories(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv)
	ctx := context.Background()

	cat, err := c.Categories.Get(ctx, 9691094)
	if err != nil {
		t.Fatal(err)
	}
	if cat.Name != "Apparel" || cat.ProductCount != 3 || cat.ProductIDs != nil {
		t.Errorf("category = %+v", cat)
	}

	root := ecwid.CategoryID(0)
	page, err := c.Categories.Search(ctx, &ecwid.CategoryFilter{Parent: &root})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 2 { // Apparel, Footwear; Clearance is disabled
		t.Errorf("top-level categories = %+v", page.Items)
	}
	page, err = c.Categories.Search(ctx, &ecwid.CategoryFilter{Parent: &root, HiddenCategories: ecwid.Ptr(true), ProductIDs: true})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 3 || page.Items[2].Enabled || !slices.Equal(page.Items[2].ProductIDs, []ecwid.ProductID{12345606}) ||
		page.Items[0].EnabledProductCount != 3 {
		t.Errorf("with hidden + productIds = %+v", page.Items)
	}

	f := &ecwid.CategoryFilter{
		Keyword: "shirt", Parent: ecwid.Ptr[ecwid.CategoryID](9691094), ParentIDs: []ecwid.CategoryID{1, 2},
		WithSubcategories: ecwid.Ptr(true), HiddenCategories: ecwid.Ptr(false), ProductIDs: true, Lang: "en",
		Offset: 5, Limit: 7, ResponseFields: "items(id)",
	}
	if _, err := c.Categories.Search(ctx, f); err != nil {
		t.Fatal(err)
	}
	assertQuery(t, srv, "/categories", url.Values{
		"keyword": {"shirt"}, "parent": {"9691094"}, "parentIds": {"1,2"}, "withSubcategories": {"true"},
		"hidden_categories": {"false"}, "productIds": {"true"}, "lang": {"en"},
		"offset": {"5"}, "limit": {"7"}, "responseFields": {"items(id)"},
	})

	if _, err := c.Categories.Get(ctx, 42); ecwid.AsError(err) == nil || ecwid.AsError(err).Code != ecwid.CodeCategoriesNotFound {
		t.Errorf("missing category err = %v", err)
	}
}

func TestCoupons(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv)
	ctx := context.Background()

	cp, err := c.Coupons.Get(ctx, 162428891)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Code != "BOOTS20" || cp.DiscountType != ecwid.CouponAbsolute || cp.Status != ecwid.CouponExpired ||
		cp.CatalogLimit == nil || !slices.Equal(cp.CatalogLimit.Products, []ecwid.ProductID{12345604}) {
		t.Errorf("coupon = %+v", cp)
	}
	page, err := c.Coupons.Search(ctx, &ecwid.CouponFilter{Availability: ecwid.CouponActive})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 1 || page.Items[0].Code != "SPRING10" {
		t.Errorf("active coupons = %+v", page)
	}
	f := &ecwid.CouponFilter{Code: "SPRING10", DiscountType: ecwid.CouponPercentAndShipping, Availability: ecwid.CouponUsedUp,
		CreatedFrom: t0, CreatedTo: t1, UpdatedFrom: t0, UpdatedTo: t1, Offset: 1, Limit: 2, ResponseFields: "total"}
	if _, err := c.Coupons.Search(ctx, f); err != nil {
		t.Fatal(err)
	}
	assertQuery(t, srv, "/discount_coupons", url.Values{
		"code": {"SPRING10"}, "discount_type": {"PERCENT_AND_SHIPPING"}, "availability": {"USEDUP"},
		"createdFrom": {"1704067200"}, "createdTo": {"1735689600"}, "updatedFrom": {"1704067200"}, "updatedTo": {"1735689600"},
		"offset": {"1"}, "limit": {"2"}, "responseFields": {"total"},
	})
	var codes []string
	for cp, err := range c.Coupons.All(ctx, &ecwid.CouponFilter{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, cp.Code)
	}
	if !slices.Equal(codes, []string{"SPRING10", "SHIPFREE", "BOOTS20"}) {
		t.Errorf("All coupons = %v", codes)
	}
	if _, err := c.Coupons.Get(ctx, 1); ecwid.AsError(err) == nil || ecwid.AsError(err).Code != ecwid.CodeCouponNotFound {
		t.Errorf("missing coupon err = %v", err)
	}
}

func TestPromotions(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv)
	page, err := c.Promotions.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 2 || page.Items[0].ID != 608502 || page.Items[0].DiscountBase != "SUBTOTAL" ||
		string(page.Items[0].Triggers) != `{"subtotal":150}` || page.Items[1].ExternalReferenceID != "erp-4410-boots" {
		t.Errorf("promotions = %+v", page)
	}
	page, err = c.Promotions.List(context.Background(), "items(name,enabled)")
	if err != nil {
		t.Fatal(err)
	}
	assertQuery(t, srv, "/promotions", url.Values{"responseFields": {"items(name,enabled)"}})
	if page.Total != 0 || page.Items[0].ID != 0 || page.Items[0].Name == "" {
		t.Errorf("projected promotions = %+v", page)
	}
}

func TestCarts(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv)
	ctx := context.Background()

	cart, err := c.Carts.Get(ctx, "6626E60A-A6F9-4CD5-8230-43D5F162E0CD")
	if err != nil {
		t.Fatal(err)
	}
	if cart.CartID != "6626E60A-A6F9-4CD5-8230-43D5F162E0CD" || cart.Total != 147 || cart.Items[0].SKU != "SH-RUN-GRY" ||
		cart.CustomerID != 177737168 || cart.CreateDate == "" {
		t.Errorf("cart = %+v", cart)
	}
	// recoveredOrderId is a number on the wire; it decodes into an OrderID.
	rec, err := c.Carts.Get(ctx, "320AB5DE-5EA6-4419-A4CF-0B04D2913190")
	if err != nil {
		t.Fatal(err)
	}
	if rec.RecoveredOrderID != "516483489" || !rec.Hidden {
		t.Errorf("recovered cart = %+v", rec)
	}

	page, err := c.Carts.Search(ctx, &ecwid.CartFilter{ShowHidden: ecwid.Ptr(false)})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 1 {
		t.Errorf("visible carts = %d, want 1", page.Total)
	}
	f := &ecwid.CartFilter{ShowHidden: ecwid.Ptr(true), TotalFrom: ecwid.Ptr(1.0), TotalTo: ecwid.Ptr(200.0),
		CreatedFrom: t0, CreatedTo: t1, UpdatedFrom: t0, UpdatedTo: t1, Email: "sam.chen@example.com", CustomerID: 177737168,
		Offset: 0, Limit: 100, ResponseFields: "items(cartId,total,email)"}
	if _, err := c.Carts.Search(ctx, f); err != nil {
		t.Fatal(err)
	}
	assertQuery(t, srv, "/carts", url.Values{
		"showHidden": {"true"}, "totalFrom": {"1"}, "totalTo": {"200"},
		"createdFrom": {"1704067200"}, "createdTo": {"1735689600"}, "updatedFrom": {"1704067200"}, "updatedTo": {"1735689600"},
		"email": {"sam.chen@example.com"}, "customerId": {"177737168"}, "limit": {"100"}, "responseFields": {"items(cartId,total,email)"},
	})

	// All always sends a limit: the fake, like Ecwid's docs, defaults carts to 10.
	for i := range 12 {
		if _, err := srv.Add(ecwidtest.Carts, map[string]any{"email": fmt.Sprintf("c%d@example.com", i), "total": i}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for _, err := range c.Carts.All(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 14 || lastRequest(t, srv).Query.Get("limit") != "100" {
		t.Errorf("All yielded %d carts (limit %s), want 14", n, lastRequest(t, srv).Query.Get("limit"))
	}

	_, err = c.Carts.Get(ctx, "00000000-0000-0000-0000-000000000000")
	if !ecwid.IsNotFound(err) {
		t.Errorf("missing cart err = %v", err)
	}
	if p := lastRequest(t, srv).Path; p != "/carts/00000000-0000-0000-0000-000000000000" {
		t.Errorf("cart path = %s", p)
	}
}

func TestProfile(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv)
	p, err := c.Profile.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if p.GeneralInfo.StoreID != srv.StoreID || p.Settings.StoreName != "Fernhill Outfitters" ||
		p.FormatsAndUnits.Currency != "USD" || p.Company.City != "Portland" {
		t.Errorf("profile = %+v", p)
	}
	if _, ok := p.Extra["mailNotifications"]; !ok {
		t.Errorf("Extra = %v", p.Extra)
	}
	var langs struct {
		DefaultLanguage string `json:"defaultLanguage"`
	}
	if ok, err := p.Extra.Decode("languages", &langs); !ok || err != nil || langs.DefaultLanguage != "en" {
		t.Errorf("Extra.Decode languages: %v %v %+v", ok, err, langs)
	}

	p, err = c.Profile.Get(context.Background(), "generalInfo", "settings(storeName)")
	if err != nil {
		t.Fatal(err)
	}
	assertQuery(t, srv, "/profile", url.Values{"responseFields": {"generalInfo,settings(storeName)"}})
	if p.Account != nil || p.Settings.StoreName == "" {
		t.Errorf("projected profile = %+v", p)
	}
}

// TestPagination checks that All walks offset/limit pages and stops on
// total without an extra request.
func TestPagination(t *testing.T) {
	srv := newFake(t, ecwidtest.WithoutSeedData())
	srv.GenerateOrders(250)
	c := newClient(srv)

	var ids []ecwid.OrderID
	for o, err := range c.Orders.All(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, o.ID)
	}
	if len(ids) != 250 {
		t.Fatalf("got %d orders, want 250", len(ids))
	}
	slices.Sort(ids)
	if len(slices.Compact(ids)) != 250 {
		t.Error("duplicate orders across pages")
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("made %d requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		want := url.Values{"limit": {"100"}}
		if i > 0 {
			want.Set("offset", []string{"", "100", "200"}[i])
		}
		if r.Query.Encode() != want.Encode() {
			t.Errorf("page %d query = %s, want %s", i, r.Query.Encode(), want.Encode())
		}
	}

	// Exactly two full pages: no third request.
	srv.Clear(ecwidtest.Orders)
	srv.GenerateOrders(200)
	srv.ResetRequests()
	n := 0
	for _, err := range c.Orders.All(context.Background(), &ecwid.OrderFilter{PaymentStatus: []ecwid.PaymentStatus{ecwid.PaymentPaid}, Limit: 50}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 100 || len(srv.Requests()) != 2 {
		t.Errorf("paid orders: %d in %d requests, want 100 in 2", n, len(srv.Requests()))
	}

	// Breaking out of the loop stops fetching.
	srv.ResetRequests()
	for range c.Orders.All(context.Background(), nil) {
		break
	}
	if len(srv.Requests()) != 1 {
		t.Errorf("early break made %d requests", len(srv.Requests()))
	}

	// Without total in the selection, a short page ends the walk.
	srv.ResetRequests()
	n = 0
	for _, err := range c.Orders.All(context.Background(), &ecwid.OrderFilter{ResponseFields: "items(id)"}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 200 || len(srv.Requests()) != 3 {
		t.Errorf("without total: %d orders in %d requests, want 200 in 3", n, len(srv.Requests()))
	}
}

func TestPaginationError(t *testing.T) {
	srv := newFake(t, ecwidtest.WithoutSeedData())
	srv.GenerateProducts(150)
	c := newClient(srv, ecwid.WithMaxRetries(0))
	srv.InjectFault(1, ecwidtest.Fault{Path: "/products", Status: 500, Method: "GET"})
	// The first page fails.
	var errs int
	for _, err := range c.Products.All(context.Background(), nil) {
		if err != nil {
			errs++
		}
	}
	if errs != 1 {
		t.Errorf("got %d errors, want 1", errs)
	}
}

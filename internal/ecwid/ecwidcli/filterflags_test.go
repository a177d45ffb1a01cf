package ecwidcli

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestEcwidFilterFlags checks that every filter flag reaches Ecwid as its
// query parameter, and nothing else does.
func TestEcwidFilterFlags(t *testing.T) {
	clearEcwidEnv(t)
	unix := func(y int, m time.Month, d, h, min, s int) string {
		return strconv.FormatInt(time.Date(y, m, d, h, min, s, 0, time.UTC).Unix(), 10)
	}
	dayStart, dayEnd := unix(2024, 1, 2, 0, 0, 0), unix(2024, 1, 2, 23, 59, 59)
	rfc := unix(2024, 1, 2, 1, 4, 5) // 2024-01-02T03:04:05+02:00
	type q = map[string]string
	cases := []struct {
		path string
		args []string
		want q
	}{
		{"/products", []string{"products"}, q{}},
		{"/products", []string{"products", "--keyword", "tee*"}, q{"keyword": "tee*"}},
		{"/products", []string{"products", "--ids", "1,2", "--ids", "3"}, q{"productId": "1,2,3"}},
		{"/products", []string{"products", "--sku", "TS-ORG-BLU"}, q{"sku": "TS-ORG-BLU"}},
		{"/products", []string{"products", "--category", "0"}, q{"category": "0"}},
		{"/products", []string{"products", "--categories", "9691094, 9691095"}, q{"categories": "9691094,9691095"}},
		{"/products", []string{"products", "--category", "9691094", "--include-subcategories"}, q{"category": "9691094", "includeProductsFromSubcategories": "true"}},
		{"/products", []string{"products", "--price-from", "10", "--price-to", "99.5"}, q{"priceFrom": "10", "priceTo": "99.5"}},
		{"/products", []string{"products", "--created-from", "2024-01-02", "--created-to", "2024-01-02"}, q{"createdFrom": dayStart, "createdTo": dayEnd}},
		{"/products", []string{"products", "--updated-from", "2024-01-02T03:04:05+02:00", "--updated-to", "2024-01-02"}, q{"updatedFrom": rfc, "updatedTo": dayEnd}},
		{"/products", []string{"products", "--enabled"}, q{"enabled": "true"}},
		{"/products", []string{"products", "--enabled=false"}, q{"enabled": "false"}},
		{"/products", []string{"products", "--in-stock"}, q{"inStock": "true"}},
		{"/products", []string{"products", "--in-stock=false"}, q{"inStock": "false"}},
		{"/products", []string{"products", "--sort-by", "price_desc"}, q{"sortBy": "PRICE_DESC"}},

		{"/orders", []string{"orders"}, q{}},
		{"/orders", []string{"orders", "--ids", "K8XTQ,EBJFT"}, q{"ids": "K8XTQ,EBJFT"}},
		{"/orders", []string{"orders", "--keywords", "Pine Ave"}, q{"keywords": "Pine Ave"}},
		{"/orders", []string{"orders", "--email", "jamie.ortiz@example.com"}, q{"email": "jamie.ortiz@example.com"}},
		{"/orders", []string{"orders", "--customer-id", "177737165"}, q{"customerId": "177737165"}},
		{"/orders", []string{"orders", "--product-id", "12345601,12345604"}, q{"productId": "12345601,12345604"}},
		{"/orders", []string{"orders", "--total-from", "50", "--total-to", "200"}, q{"totalFrom": "50", "totalTo": "200"}},
		{"/orders", []string{"orders", "--created-from", "2024-01-02", "--created-to", "2024-01-02T03:04:05+02:00"}, q{"createdFrom": dayStart, "createdTo": rfc}},
		{"/orders", []string{"orders", "--updated-from", "2024-01-02", "--updated-to", "2024-01-02"}, q{"updatedFrom": dayStart, "updatedTo": dayEnd}},
		{"/orders", []string{"orders", "--payment-status", "paid,REFUNDED"}, q{"paymentStatus": "PAID,REFUNDED"}},
		{"/orders", []string{"orders", "--fulfillment-status", "SHIPPED", "--fulfillment-status", "delivered"}, q{"fulfillmentStatus": "SHIPPED,DELIVERED"}},
		{"/orders", []string{"orders", "--payment-method", "Credit card"}, q{"paymentMethod": "Credit card"}},
		{"/orders", []string{"orders", "--shipping-method", "UPS Ground"}, q{"shippingMethod": "UPS Ground"}},
		{"/orders", []string{"orders", "--coupon-code", "SPRING10"}, q{"couponCode": "SPRING10"}},

		{"/customers", []string{"customers"}, q{}},
		{"/customers", []string{"customers", "--keyword", "jamie"}, q{"keyword": "jamie"}},
		{"/customers", []string{"customers", "--name", "Ortiz"}, q{"name": "Ortiz"}},
		{"/customers", []string{"customers", "--email", "jamie.ortiz@example.com", "--exact-email"}, q{"email": "jamie.ortiz@example.com", "useExactEmailMatch": "true"}},
		{"/customers", []string{"customers", "--phone", "555"}, q{"phone": "555"}},
		{"/customers", []string{"customers", "--city", "Seattle"}, q{"city": "Seattle"}},
		{"/customers", []string{"customers", "--postal-code", "98101"}, q{"postalCode": "98101"}},
		{"/customers", []string{"customers", "--state", "WA"}, q{"stateOrProvinceCode": "WA"}},
		{"/customers", []string{"customers", "--country-codes", "us,de"}, q{"countryCodes": "US,DE"}},
		{"/customers", []string{"customers", "--company-name", "Acme"}, q{"companyName": "Acme"}},
		{"/customers", []string{"customers", "--accept-marketing=false"}, q{"acceptMarketing": "false"}},
		{"/customers", []string{"customers", "--customer-group-ids", "0,7"}, q{"customerGroupIds": "0,7"}},
		{"/customers", []string{"customers", "--min-order-count", "0", "--max-order-count", "5"}, q{"minOrderCount": "0", "maxOrderCount": "5"}},
		{"/customers", []string{"customers", "--min-sales-value", "10.5", "--max-sales-value", "1000"}, q{"minSalesValue": "10.5", "maxSalesValue": "1000"}},
		{"/customers", []string{"customers", "--created-from", "2024-01-02", "--created-to", "2024-01-02"}, q{"createdFrom": dayStart, "createdTo": dayEnd}},
		{"/customers", []string{"customers", "--updated-from", "2024-01-02", "--updated-to", "2024-01-02"}, q{"updatedFrom": dayStart, "updatedTo": dayEnd}},
		{"/customers", []string{"customers", "--sort-by", "SALES_VALUE_DESC"}, q{"sortBy": "SALES_VALUE_DESC"}},

		{"/categories", []string{"categories"}, q{}},
		{"/categories", []string{"categories", "--keyword", "boots"}, q{"keyword": "boots"}},
		{"/categories", []string{"categories", "--parent", "0"}, q{"parent": "0"}},
		{"/categories", []string{"categories", "--parent", "9691094", "--with-subcategories"}, q{"parent": "9691094", "withSubcategories": "true"}},
		{"/categories", []string{"categories", "--parent-ids", "9691094,9691096"}, q{"parentIds": "9691094,9691096"}},
		{"/categories", []string{"categories", "--hidden-categories"}, q{"hidden_categories": "true"}},
		{"/categories", []string{"categories", "--product-ids"}, q{"productIds": "true"}},

		{"/discount_coupons", []string{"coupons"}, q{}},
		{"/discount_coupons", []string{"coupons", "--code", "SPRING10"}, q{"code": "SPRING10"}},
		{"/discount_coupons", []string{"coupons", "--discount-type", "percent"}, q{"discount_type": "PERCENT"}},
		{"/discount_coupons", []string{"coupons", "--availability", "ACTIVE"}, q{"availability": "ACTIVE"}},
		{"/discount_coupons", []string{"coupons", "--created-from", "2024-01-02", "--created-to", "2024-01-02"}, q{"createdFrom": dayStart, "createdTo": dayEnd}},
		{"/discount_coupons", []string{"coupons", "--updated-from", "2024-01-02", "--updated-to", "2024-01-02"}, q{"updatedFrom": dayStart, "updatedTo": dayEnd}},

		{"/carts", []string{"carts"}, q{}},
		{"/carts", []string{"carts", "--show-hidden"}, q{"showHidden": "true"}},
		{"/carts", []string{"carts", "--show-hidden=false"}, q{"showHidden": "false"}},
		{"/carts", []string{"carts", "--total-from", "1", "--total-to", "2"}, q{"totalFrom": "1", "totalTo": "2"}},
		{"/carts", []string{"carts", "--created-from", "2024-01-02", "--created-to", "2024-01-02"}, q{"createdFrom": dayStart, "createdTo": dayEnd}},
		{"/carts", []string{"carts", "--updated-from", "2024-01-02", "--updated-to", "2024-01-02"}, q{"updatedFrom": dayStart, "updatedTo": dayEnd}},
		{"/carts", []string{"carts", "--email", "sam.chen@example.com"}, q{"email": "sam.chen@example.com"}},
		{"/carts", []string{"carts", "--customer-id", "177737168"}, q{"customerId": "177737168"}},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			srv := newEcwidFake(t)
			mustEcwid(t, srv, c.args...)
			got := lastRequest(t, srv, c.path).Query
			want := url.Values{"limit": {"100"}} // one page of the largest size
			for k, v := range c.want {
				want.Set(k, v)
			}
			if got.Encode() != want.Encode() {
				t.Errorf("query = %s\nwant    %s", got.Encode(), want.Encode())
			}
		})
	}

	// Promotions take no filters, profile none either: no query at all.
	srv := newEcwidFake(t)
	mustEcwid(t, srv, "promotions")
	mustEcwid(t, srv, "profile")
	for _, p := range []string{"/promotions", "/profile"} {
		if q := lastRequest(t, srv, p).RawQuery; q != "" {
			t.Errorf("%s query = %q, want none", p, q)
		}
	}
}

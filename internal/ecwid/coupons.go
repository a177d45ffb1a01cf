package ecwid

import (
	"context"
	"iter"
	"net/url"
	"strconv"
	"time"
)

// CouponID is a discount coupon's internal numeric id.
type CouponID int64

// CouponDiscountType is what a coupon takes off.
type CouponDiscountType string

// Coupon discount types.
const (
	CouponAbsolute            CouponDiscountType = "ABS"
	CouponPercent             CouponDiscountType = "PERCENT"
	CouponShipping            CouponDiscountType = "SHIPPING"
	CouponAbsoluteAndShipping CouponDiscountType = "ABS_AND_SHIPPING"
	CouponPercentAndShipping  CouponDiscountType = "PERCENT_AND_SHIPPING"
)

// CouponStatus is a coupon's availability.
type CouponStatus string

// Coupon statuses.
const (
	CouponActive  CouponStatus = "ACTIVE"
	CouponPaused  CouponStatus = "PAUSED"
	CouponExpired CouponStatus = "EXPIRED"
	CouponUsedUp  CouponStatus = "USEDUP"
)

// CouponCatalogLimit restricts a coupon to products or categories.
type CouponCatalogLimit struct {
	Products   []ProductID  `json:"products"`
	Categories []CategoryID `json:"categories"`
}

// Coupon is a discount coupon.
type Coupon struct {
	ID               CouponID            `json:"id"`
	Name             string              `json:"name"`
	Code             string              `json:"code"`
	DiscountType     CouponDiscountType  `json:"discountType"`
	Status           CouponStatus        `json:"status"`
	Discount         float64             `json:"discount"`
	LaunchDate       string              `json:"launchDate"`
	ExpirationDate   string              `json:"expirationDate"`
	TotalLimit       float64             `json:"totalLimit"`       // minimum subtotal for the coupon to apply
	UsesLimit        string              `json:"usesLimit"`        // UNLIMITED, ONCEPERCUSTOMER, SINGLE
	ApplicationLimit string              `json:"applicationLimit"` // UNLIMITED, NEW_CUSTOMER_ONLY, REPEAT_CUSTOMER_ONLY
	CreationDate     string              `json:"creationDate"`
	UpdateDate       string              `json:"updateDate"`
	OrderCount       int                 `json:"orderCount"`
	CatalogLimit     *CouponCatalogLimit `json:"catalogLimit"`

	Extra Extra `json:"-"`
}

// UnmarshalJSON decodes a coupon, keeping unknown members in Extra.
func (c *Coupon) UnmarshalJSON(b []byte) error {
	type plain Coupon
	var v plain
	extra, err := decodeWithExtra(b, &v)
	*c = Coupon(v)
	c.Extra = extra
	return err
}

// CouponFilter narrows a coupon search. Zero fields are not sent.
type CouponFilter struct {
	Code         string
	DiscountType CouponDiscountType // discount_type
	Availability CouponStatus
	CreatedFrom  time.Time
	CreatedTo    time.Time
	UpdatedFrom  time.Time
	UpdatedTo    time.Time

	Offset, Limit  int
	ResponseFields string
}

// Values encodes the filter as Ecwid's query parameters.
func (f *CouponFilter) Values() url.Values {
	p := newParams()
	if f == nil {
		return p.v
	}
	p.str("code", f.Code)
	p.str("discount_type", string(f.DiscountType))
	p.str("availability", string(f.Availability))
	p.time("createdFrom", f.CreatedFrom)
	p.time("createdTo", f.CreatedTo)
	p.time("updatedFrom", f.UpdatedFrom)
	p.time("updatedTo", f.UpdatedTo)
	p.page(f.Offset, f.Limit, f.ResponseFields)
	return p.v
}

// CouponsService reads discount coupons (scope read_discount_coupons).
type CouponsService struct{ c *Client }

// Search returns one page of coupons matching f (nil for all).
func (s *CouponsService) Search(ctx context.Context, f *CouponFilter) (*Page[Coupon], error) {
	return getAs[Page[Coupon]](ctx, s.c, "/discount_coupons", f.Values())
}

// All iterates over every coupon matching f.
func (s *CouponsService) All(ctx context.Context, f *CouponFilter) iter.Seq2[Coupon, error] {
	return allPages(ctx, f, func(g *CouponFilter) (*int, *int) { return &g.Offset, &g.Limit }, s.Search)
}

// Get returns one coupon.
func (s *CouponsService) Get(ctx context.Context, id CouponID, fields ...string) (*Coupon, error) {
	return getAs[Coupon](ctx, s.c, idPath("/discount_coupons", strconv.FormatInt(int64(id), 10)), fieldsQuery(fields))
}

package ecwid

import (
	"context"
	"iter"
	"net/url"
	"time"
)

// CartID is an abandoned cart's id, a UUID string such as
// "6626E60A-A6F9-4CD5-8230-43D5F162E0CD".
type CartID string

// Cart is an abandoned cart: a checkout the customer did not finish.
type Cart struct {
	CartID           CartID          `json:"cartId"`
	Email            string          `json:"email"`
	Total            float64         `json:"total"`
	Subtotal         float64         `json:"subtotal"`
	Tax              float64         `json:"tax"`
	CouponDiscount   float64         `json:"couponDiscount"`
	Discount         float64         `json:"discount"`
	CreateDate       string          `json:"createDate"`
	UpdateDate       string          `json:"updateDate"`
	CreateTimestamp  int64           `json:"createTimestamp"`
	UpdateTimestamp  int64           `json:"updateTimestamp"`
	CustomerID       CustomerID      `json:"customerId"`
	PaymentMethod    string          `json:"paymentMethod"`
	Items            []OrderItem     `json:"items"`
	BillingPerson    *Person         `json:"billingPerson"`
	ShippingPerson   *Person         `json:"shippingPerson"`
	ShippingOption   *ShippingOption `json:"shippingOption"`
	RecoveredOrderID OrderID         `json:"recoveredOrderId"` // set once the cart became an order
	Hidden           bool            `json:"hidden"`

	Extra Extra `json:"-"`
}

// UnmarshalJSON decodes a cart, keeping unknown members in Extra.
func (c *Cart) UnmarshalJSON(b []byte) error {
	type plain Cart
	var v plain
	extra, err := decodeWithExtra(b, &v)
	*c = Cart(v)
	c.Extra = extra
	return err
}

// CartFilter narrows an abandoned-cart search. Zero fields are not sent.
type CartFilter struct {
	ShowHidden         *bool // false leaves out deleted carts
	TotalFrom, TotalTo *float64
	CreatedFrom        time.Time
	CreatedTo          time.Time
	UpdatedFrom        time.Time
	UpdatedTo          time.Time
	Email              string
	CustomerID         CustomerID

	Offset int
	// Limit is the page size, at most MaxLimit. Ecwid's documented default
	// for carts is unclear (10 or 100), so All always sends a limit.
	Limit          int
	ResponseFields string
}

// Values encodes the filter as Ecwid's query parameters.
func (f *CartFilter) Values() url.Values {
	p := newParams()
	if f == nil {
		return p.v
	}
	p.boolp("showHidden", f.ShowHidden)
	p.floatp("totalFrom", f.TotalFrom)
	p.floatp("totalTo", f.TotalTo)
	p.time("createdFrom", f.CreatedFrom)
	p.time("createdTo", f.CreatedTo)
	p.time("updatedFrom", f.UpdatedFrom)
	p.time("updatedTo", f.UpdatedTo)
	p.str("email", f.Email)
	p.int("customerId", int64(f.CustomerID))
	p.page(f.Offset, f.Limit, f.ResponseFields)
	return p.v
}

// CartsService reads abandoned carts (path /carts, scope read_orders).
type CartsService struct{ c *Client }

// Search returns one page of abandoned carts matching f (nil for all).
func (s *CartsService) Search(ctx context.Context, f *CartFilter) (*Page[Cart], error) {
	return getAs[Page[Cart]](ctx, s.c, "/carts", f.Values())
}

// All iterates over every abandoned cart matching f.
func (s *CartsService) All(ctx context.Context, f *CartFilter) iter.Seq2[Cart, error] {
	return allPages(ctx, f, func(g *CartFilter) (*int, *int) { return &g.Offset, &g.Limit }, s.Search)
}

// Get returns one abandoned cart.
func (s *CartsService) Get(ctx context.Context, id CartID, fields ...string) (*Cart, error) {
	return getAs[Cart](ctx, s.c, idPath("/carts", string(id)), fieldsQuery(fields))
}

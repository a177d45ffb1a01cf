package ecwid

import (
	"context"
	"encoding/json"
)

// PromotionID is a promotion's internal numeric id.
type PromotionID int64

// Promotion is an automatic discount ("advanced discount").
type Promotion struct {
	ID                  PromotionID `json:"id"`
	Name                string      `json:"name"` // shown at checkout
	Enabled             bool        `json:"enabled"`
	DiscountBase        string      `json:"discountBase"` // ITEM, SUBTOTAL, SHIPPING
	DiscountType        string      `json:"discountType"` // PERCENT, ABSOLUTE, FIXED_PRICE
	Amount              float64     `json:"amount"`
	ExternalReferenceID string      `json:"externalReferenceId"`
	// Triggers (subtotal, dates, customer groups, quantities, …) and Targets
	// (categories, products, shipping methods, …) are kept as raw JSON.
	Triggers json.RawMessage `json:"triggers"`
	Targets  json.RawMessage `json:"targets"`

	Extra Extra `json:"-"`
}

// UnmarshalJSON decodes a promotion, keeping unknown members in Extra.
func (p *Promotion) UnmarshalJSON(b []byte) error {
	type plain Promotion
	var v plain
	extra, err := decodeWithExtra(b, &v)
	*p = Promotion(v)
	p.Extra = extra
	return err
}

// PromotionsService reads promotions (scope read_promotion).
type PromotionsService struct{ c *Client }

// List returns the store's promotions. The endpoint has no filters or
// paging; fields, if any, select the members returned.
func (s *PromotionsService) List(ctx context.Context, fields ...string) (*Page[Promotion], error) {
	return getAs[Page[Promotion]](ctx, s.c, "/promotions", fieldsQuery(fields))
}

package redoapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/customorder"
	"github.com/reboundhq/rebound/internal/httpx"
	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/returns"
)

type syncResponse struct {
	Message string `json:"message"`
	OrderID string `json:"orderId"`
	RedoID  string `json:"redoId"`
	// Applied is false when the stored order had a newer updatedAt, so this
	// sync changed nothing (Rebound extension; message stays as Redo's).
	Applied bool `json:"applied"`
}

// syncCustomOrder is Redo's "Sync Custom Order".
func (s *API) syncCustomOrder(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	body, err := httpx.ReadJSONBody(w, r, httpx.MaxBodyBytes)
	if err != nil {
		return err
	}
	o, err := customorder.Decode(body)
	if err != nil {
		return err
	}
	res, err := s.app.SyncOrder(r.Context(), key.StoreID, o)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", syncResponse{
		Message: "Order synced successfully", OrderID: res.Order.ExternalID, RedoID: res.Order.ID, Applied: res.Applied,
	})
	return nil
}

func (s *API) getOrder(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	o, err := s.app.GetOrder(r.Context(), key.StoreID, r.PathValue("orderId"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", orderView(o))
	return nil
}

func (s *API) deleteOrder(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	o, err := s.app.DeleteOrder(r.Context(), key.StoreID, r.PathValue("orderId"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]any{"success": true, "orderId": o.ID, "externalOrderId": o.ExternalID})
	return nil
}

// ---- the Orders API view (orders-api-get-order-response)

type orderJSON struct {
	OrderID        string            `json:"orderId"`
	ID             string            `json:"id"` // Rebound (Redo) id; extension
	CreatedAt      string            `json:"createdAt"`
	LineItems      []lineJSON        `json:"lineItems"`
	Customer       customerJSON      `json:"customer"`
	Shipping       shippingJSON      `json:"shipping"`
	TotalPrice     json.Number       `json:"totalPrice"`
	SubtotalPrice  json.Number       `json:"subtotalPrice"`
	TotalTax       json.Number       `json:"totalTax"`
	TotalDiscount  json.Number       `json:"totalDiscount"`
	BillingAddress *addressJSON      `json:"billingAddress,omitempty"`
	Tags           []string          `json:"tags"`
	CurrencyCode   string            `json:"currencyCode"`
	LocationID     *string           `json:"locationId"`
	Fulfillments   []fulfillmentJSON `json:"fulfillments"`
}

type lineJSON struct {
	ID        string      `json:"id"`
	ProductID string      `json:"productId"`
	VariantID *string     `json:"variantId"`
	Title     string      `json:"title"`
	SKU       *string     `json:"sku"`
	Quantity  int         `json:"quantity"`
	Price     json.Number `json:"price"`
	ImageURL  *string     `json:"imageUrl"`
	Discount  json.Number `json:"discount"`
}

type customerJSON struct {
	ID          *string `json:"id"`
	Email       *string `json:"email"`
	PhoneNumber *string `json:"phoneNumber"`
	Name        *string `json:"name"`
	FirstName   *string `json:"firstName"`
	LastName    *string `json:"lastName"`
}

type addressJSON struct {
	Address1   *string `json:"address1"`
	Address2   *string `json:"address2"`
	City       *string `json:"city"`
	Province   *string `json:"province"`
	Country    *string `json:"country"`
	PostalCode *string `json:"postalCode"`
}

type shippingJSON struct {
	Method  *string      `json:"method"`
	Cost    json.Number  `json:"cost"`
	Address *addressJSON `json:"address"`
}

func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func addressView(a *returns.Address) *addressJSON {
	if a == nil {
		return nil
	}
	return &addressJSON{Address1: opt(a.Address1), Address2: opt(a.Address2), City: opt(a.City),
		Province: opt(a.ProvinceCode), Country: opt(a.CountryCode), PostalCode: opt(a.Zip)}
}

// orderView renders an order in the Orders API shape. Amounts are in the
// shop currency; totals follow Shopify's definitions: subtotal = lines after
// line and order discounts, shipping cost after shipping discounts, total =
// subtotal + shipping + tax. Fulfillments are rendered by fulfillmentView.
func orderView(o *returns.Order) orderJSON {
	cur := o.ShopCurrency
	num := func(minor int64) json.Number { return json.Number(money.Format(max(minor, 0), cur)) }
	sumDisc := func(ds []returns.Discount) (n int64) {
		for _, d := range ds {
			n += d.Amount.Shop.Minor
		}
		return n
	}
	sumTax := func(ts []returns.TaxLine) (n int64) {
		for _, t := range ts {
			n += t.Amount.Shop.Minor
		}
		return n
	}
	v := orderJSON{
		OrderID: o.ExternalID, ID: o.ID, CreatedAt: ts(o.CreatedAt), CurrencyCode: cur, Tags: o.Tags,
		LineItems: []lineJSON{}, Fulfillments: []fulfillmentJSON{},
		Customer: customerJSON{ID: opt(o.Customer.ID), Email: opt(o.Customer.Email), PhoneNumber: opt(o.Customer.Phone),
			Name: opt(strings.TrimSpace(o.Customer.FirstName + " " + o.Customer.LastName)), FirstName: opt(o.Customer.FirstName), LastName: opt(o.Customer.LastName)},
		BillingAddress: addressView(o.BillingAddress),
	}
	if v.Tags == nil {
		v.Tags = []string{}
	}
	var gross, lineDisc, tax int64
	for _, l := range o.Lines {
		d := sumDisc(l.Discounts)
		gross += l.Price.Shop.Minor * int64(l.Quantity)
		lineDisc += d
		tax += sumTax(l.TaxLines)
		v.LineItems = append(v.LineItems, lineJSON{ID: l.ID, ProductID: l.ProductID, VariantID: opt(l.VariantID), Title: l.Title,
			SKU: opt(l.SKU), Quantity: l.Quantity, Price: num(l.Price.Shop.Minor), ImageURL: opt(l.Image), Discount: num(d)})
	}
	orderDisc := sumDisc(o.Discounts)
	var ship, shipDisc int64
	var methods []string
	for _, sl := range o.ShippingLines {
		ship += sl.Price.Shop.Minor
		shipDisc += sumDisc(sl.Discounts)
		tax += sumTax(sl.TaxLines)
		if sl.Title != "" {
			methods = append(methods, sl.Title)
		}
	}
	subtotal := max(gross-lineDisc-orderDisc, 0)
	shipCost := max(ship-shipDisc, 0)
	v.SubtotalPrice, v.TotalTax = num(subtotal), num(tax)
	v.TotalDiscount = num(lineDisc + orderDisc + shipDisc)
	v.TotalPrice = num(subtotal + shipCost + tax)
	v.Shipping = shippingJSON{Method: opt(strings.Join(methods, ", ")), Cost: num(shipCost), Address: addressView(&o.ShippingAddress)}
	for i := range o.Fulfillments {
		v.Fulfillments = append(v.Fulfillments, fulfillmentView(o, &o.Fulfillments[i]))
	}
	return v
}

func (s *API) orderRoutes() {
	s.handle("POST /v2.2/stores/{storeId}/custom/orders", returns.ScopeOrdersWrite, styleCustomOrder, s.syncCustomOrder)
	s.handle("GET /v2.2/stores/{storeId}/orders/{orderId}", returns.ScopeOrdersRead, styleOrdersAPI, s.getOrder)
	s.handle("DELETE /v2.2/stores/{storeId}/orders/{orderId}", returns.ScopeOrdersWrite, styleOrdersAPI, s.deleteOrder)
}

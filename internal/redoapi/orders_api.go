package redoapi

// Redo's Orders API writes: Create Order, Create Fulfillment and Update
// Fulfillment Status (GET and DELETE are in orders.go).

import (
	"net/http"

	"github.com/reboundhq/rebound/internal/httpx"
	"github.com/reboundhq/rebound/internal/returns"
)

func (s *API) ordersAPIRoutes() {
	s.handle("POST /v2.2/stores/{storeId}/orders", returns.ScopeOrdersWrite, styleOrderCreate, s.createOrder)
	s.handle("POST /v2.2/stores/{storeId}/orders/{orderId}/fulfillments", returns.ScopeOrdersWrite, styleFulfillment, s.createFulfillment)
	s.handle("POST /v2.2/stores/{storeId}/orders/{orderId}/fulfillments/{fulfillmentId}/shipment-status",
		returns.ScopeOrdersWrite, styleFulfillment, s.updateShipmentStatus)
}

// createOrderResponse is orders-api-create-order-response.
type createOrderResponse struct {
	OrderID         string `json:"orderId"`         // Rebound's (Redo's) id
	ExternalOrderID string `json:"externalOrderId"` // the client's orderId
}

// createOrder is Redo's "Create Order". Creating an order id that exists
// replaces it (idempotent, as Sync Custom Order), keeping its fulfillments.
func (s *API) createOrder(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	body, err := httpx.ReadJSONBody(w, r, httpx.MaxBodyBytes)
	if err != nil {
		return err
	}
	o, err := decodeCreateOrder(body)
	if err != nil {
		return err
	}
	res, err := s.app.CreateOrder(r.Context(), key.StoreID, o)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", createOrderResponse{OrderID: res.Order.ID, ExternalOrderID: res.Order.ExternalID})
	return nil
}

// fulfillmentResponse is orders-api-fulfillment-response.
type fulfillmentResponse struct {
	Success     bool            `json:"success"`
	Fulfillment fulfillmentJSON `json:"fulfillment"`
}

func (s *API) createFulfillment(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	body, err := httpx.ReadJSONBody(w, r, httpx.MaxBodyBytes)
	if err != nil {
		return err
	}
	req, err := decodeCreateFulfillment(body)
	if err != nil {
		return err
	}
	res, err := s.app.CreateFulfillment(r.Context(), key.StoreID, r.PathValue("orderId"), *req)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", fulfillmentResponse{Success: true, Fulfillment: fulfillmentView(res.Order, res.Fulfillment)})
	return nil
}

func (s *API) updateShipmentStatus(w http.ResponseWriter, r *http.Request, key *returns.APIKey) error {
	body, err := httpx.ReadJSONBody(w, r, httpx.MaxBodyBytes)
	if err != nil {
		return err
	}
	u, err := decodeShipmentStatus(body)
	if err != nil {
		return err
	}
	res, err := s.app.UpdateShipment(r.Context(), key.StoreID, r.PathValue("orderId"), r.PathValue("fulfillmentId"), *u)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, "application/json", fulfillmentResponse{Success: true, Fulfillment: fulfillmentView(res.Order, res.Fulfillment)})
	return nil
}

// ---- the fulfillment view (orders-api-fulfillment)

type fulfillmentJSON struct {
	ID                    string              `json:"id"`
	CreatedAt             string              `json:"createdAt"`
	LineItems             []fulfilledJSON     `json:"lineItems"`
	TrackingCompany       *string             `json:"trackingCompany"`
	TrackingNumber        *string             `json:"trackingNumber"`
	Status                string              `json:"status"`
	EstimatedDeliveryDate *string             `json:"estimatedDeliveryDate"`
	DeliveredAt           *string             `json:"deliveredAt"`
	TrackingHistory       []trackingEventJSON `json:"trackingHistory"`
}

type fulfilledJSON struct {
	ID        string  `json:"id"`
	Quantity  int     `json:"quantity"`
	Title     string  `json:"title"`
	ProductID string  `json:"productId"`
	VariantID *string `json:"variantId"`
	SKU       *string `json:"sku"`
}

// trackingEventJSON is orders-api-tracking-event.
type trackingEventJSON struct {
	Message  string        `json:"message"`
	Status   string        `json:"status"`
	Datetime string        `json:"datetime"`
	Location *locationJSON `json:"location,omitempty"`
}

type locationJSON struct {
	City       *string `json:"city"`
	State      *string `json:"state"`
	Country    *string `json:"country"`
	PostalCode *string `json:"postalCode"`
}

// fulfillmentView renders a fulfillment of o. createdAt is when it was
// created through the Orders API, else (a synced fulfillment) its shipping
// date or the order's createdAt; status is its current status
// (returns.Fulfillment.CurrentStatus); trackingHistory its shipment
// statuses and events, oldest first.
func fulfillmentView(o *returns.Order, f *returns.Fulfillment) fulfillmentJSON {
	fv := fulfillmentJSON{ID: f.ID, CreatedAt: ts(o.CreatedAt), Status: string(f.CurrentStatus()),
		LineItems: []fulfilledJSON{}, TrackingHistory: []trackingEventJSON{}, EstimatedDeliveryDate: opt(f.EstimatedDelivery)}
	switch {
	case !f.CreatedAt.IsZero():
		fv.CreatedAt = ts(f.CreatedAt)
	case f.ShippingDate != nil:
		fv.CreatedAt = ts(*f.ShippingDate)
	}
	if f.DeliveryDate != nil {
		fv.DeliveredAt = opt(ts(*f.DeliveryDate))
	}
	if len(f.TrackingNumbers) > 0 {
		fv.TrackingNumber, fv.TrackingCompany = opt(f.TrackingNumbers[0].Number), opt(f.TrackingNumbers[0].Carrier)
	}
	for _, fl := range f.Lines {
		var l returns.OrderLine
		for i := range o.Lines {
			if o.Lines[i].ID == fl.LineID {
				l = o.Lines[i]
				break
			}
		}
		fv.LineItems = append(fv.LineItems, fulfilledJSON{ID: fl.LineID, Quantity: fl.Quantity, Title: l.Title, ProductID: l.ProductID,
			VariantID: opt(l.VariantID), SKU: opt(l.SKU)})
	}
	for _, ev := range f.History {
		e := trackingEventJSON{Message: ev.Message, Status: string(ev.Status), Datetime: ts(ev.At)}
		if loc := ev.Location; loc != nil {
			e.Location = &locationJSON{City: opt(loc.City), State: opt(loc.State), Country: opt(loc.Country), PostalCode: opt(loc.PostalCode)}
		}
		fv.TrackingHistory = append(fv.TrackingHistory, e)
	}
	return fv
}

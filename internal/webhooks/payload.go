package webhooks

// Payload builders: a return event rendered as the body a subscriber of
// each kind expects.

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/redoview"
	"github.com/reboundhq/rebound/internal/returns"
)

// RedoPayload is Redo's webhooks.return body.
type RedoPayload struct {
	Type         string              `json:"type"` // created | updated | backfill
	At           string              `json:"at"`
	MerchantName string              `json:"merchantName"`
	Return       redoview.ReturnJSON `json:"return"`
	Order        redoview.OrderJSON  `json:"order"`
}

// Payload renders the change ch (a delivery's payload) for a subscription
// of kind: the return as the change left it, with its order o (nil when it
// has none, or it was deleted since). merchantName is the store's name.
func Payload(kind returns.WebhookKind, ch *returns.ReturnChange, o *returns.Order, merchantName string) ([]byte, error) {
	r := &ch.Return
	switch kind {
	case returns.WebhookLoop:
		return json.Marshal(loopPayload(ch, o))
	case returns.WebhookRedo, "":
		return json.Marshal(RedoPayload{Type: ch.Type, At: ch.At.UTC().Format(time.RFC3339Nano), MerchantName: merchantName,
			Return: redoview.Return(r, o), Order: redoview.Order(o, r)})
	}
	return nil, fmt.Errorf("webhooks: unknown kind %q", kind)
}

// LoopState is the Loop return state of a Rebound status: open, review,
// closed or cancelled.
func LoopState(s returns.Status) string {
	switch s {
	case returns.StatusNeedsReview, returns.StatusFlagged, returns.StatusInReview:
		return "review"
	case returns.StatusComplete:
		return "closed"
	case returns.StatusRejected, returns.StatusDeleted:
		return "cancelled"
	}
	return "open"
}

// LoopTrigger is the Loop trigger of a change: return.created for a new
// return, return.closed for the change that completed it, return.updated
// otherwise (later changes of a closed return and backfills included).
func LoopTrigger(ch *returns.ReturnChange) string {
	switch {
	case ch.Type == "created":
		return "return.created"
	case ch.Type == "updated" && ch.Return.Status == returns.StatusComplete && slices.Contains(ch.Changes, returns.TimelineCompleted):
		return "return.closed"
	}
	return "return.updated"
}

type loopReturn struct {
	Topic                    string           `json:"topic"`
	Trigger                  string           `json:"trigger"`
	ShopID                   string           `json:"shop_id"`
	ID                       string           `json:"id"`
	State                    string           `json:"state"`
	CreatedAt                string           `json:"created_at"`
	EditedAt                 string           `json:"edited_at"`
	Total                    string           `json:"total"`
	OrderID                  string           `json:"order_id"`
	OrderName                string           `json:"order_name"`
	ProviderOrderID          string           `json:"provider_order_id"`
	OrderNumber              string           `json:"order_number"`
	ProviderOrderNumber      string           `json:"provider_order_number"`
	ProviderOrderExternalID  string           `json:"provider_order_external_id"`
	ProviderOrderSalesChanel string           `json:"provider_order_sales_channel"`
	Customer                 string           `json:"customer"`
	CustomerDetail           loopCustomer     `json:"customer_detail"`
	Address                  loopAddress      `json:"address"`
	Currency                 string           `json:"currency"`
	ReturnProductTotal       string           `json:"return_product_total"`
	ReturnDiscountTotal      string           `json:"return_discount_total"`
	ReturnTaxTotal           string           `json:"return_tax_total"`
	ReturnTotal              string           `json:"return_total"`
	ReturnCreditTotal        string           `json:"return_credit_total"`
	ExchangeProductTotal     string           `json:"exchange_product_total"`
	ExchangeDiscountTotal    string           `json:"exchange_discount_total"`
	ExchangeTaxTotal         string           `json:"exchange_tax_total"`
	ExchangeTotal            string           `json:"exchange_total"`
	ExchangeCreditTotal      string           `json:"exchange_credit_total"`
	GiftCard                 string           `json:"gift_card"`
	HandlingFee              string           `json:"handling_fee"`
	Refund                   string           `json:"refund"`
	Upsell                   string           `json:"upsell"`
	IsGiftReturn             bool             `json:"is_gift_return"`
	Outcome                  string           `json:"outcome"`
	Refunds                  []loopRefund     `json:"refunds"`
	Labels                   []loopLabel      `json:"labels"`
	LineItems                []loopLineItem   `json:"line_items"`
	Exchanges                []loopExchange   `json:"exchanges"`
	Carrier                  string           `json:"carrier"`
	TrackingNumber           string           `json:"tracking_number"`
	Rebound                  loopReboundExtra `json:"rebound"`
}

type loopCustomer struct {
	Email      string `json:"email"`
	FirstName  string `json:"first_name"`
	MiddleName string `json:"middle_name"`
	LastName   string `json:"last_name"`
}

type loopAddress struct {
	Name        string `json:"name"`
	Company     string `json:"company"`
	Address1    string `json:"address1"`
	Address2    string `json:"address2"`
	City        string `json:"city"`
	State       string `json:"state"`
	Zip         string `json:"zip"`
	Country     string `json:"country"`
	CountryCode string `json:"country_code"`
	Phone       string `json:"phone"`
}

type loopRefund struct {
	Gateway          string `json:"gateway"`
	Amount           string `json:"amount"`
	Currency         string `json:"currency"`
	ProviderRefundID string `json:"provider_refund_id"`
}

type loopLabel struct {
	Status         string   `json:"status"`
	UpdatedAt      string   `json:"updated_at"`
	URL            string   `json:"url"`
	Rate           string   `json:"rate"`
	Carrier        string   `json:"carrier"`
	TrackingNumber string   `json:"tracking_number"`
	LineItems      []string `json:"line_items"`
}

type loopLineItem struct {
	LineItemID          string `json:"line_item_id"`
	ProviderLineItemID  string `json:"provider_line_item_id"`
	ProductID           string `json:"product_id"`
	VariantID           string `json:"variant_id"`
	SKU                 string `json:"sku"`
	Title               string `json:"title"`
	Price               string `json:"price"`
	Discount            string `json:"discount"`
	Tax                 string `json:"tax"`
	Refund              string `json:"refund"`
	ReturnedAt          string `json:"returned_at"`
	ReturnReason        string `json:"return_reason"`
	ParentReturnReason  string `json:"parent_return_reason"`
	ReturnComment       string `json:"return_comment"`
	Outcome             string `json:"outcome"`
	Quantity            int    `json:"quantity"`
	ReboundItemStatus   string `json:"rebound_item_status"`
	ReboundCompensation string `json:"rebound_compensation"`
}

type loopExchange struct {
	ProductID string `json:"product_id"`
	VariantID string `json:"variant_id"`
	SKU       string `json:"sku"`
	Title     string `json:"title"`
	Quantity  int    `json:"quantity"`
	Price     string `json:"price"`
}

// loopReboundExtra carries what Loop's shape has no place for.
type loopReboundExtra struct {
	Status string `json:"status"` // the Redo status
	Type   string `json:"type"`   // created | updated | backfill
	At     string `json:"at"`
}

func loopPayload(ch *returns.ReturnChange, o *returns.Order) loopReturn {
	r := &ch.Return
	cur := r.Currency
	if cur == "" && o != nil {
		cur = o.ShopCurrency
	}
	f := func(n int64) string { return money.Format(n, cur) }
	a := r.ShippingAddress
	name := strings.TrimSpace(a.FirstName + " " + a.LastName)
	if name == "" {
		name = strings.TrimSpace(r.Customer.FirstName + " " + r.Customer.LastName)
	}
	var product, discount, tax int64
	lp := loopReturn{
		Topic: "return", Trigger: LoopTrigger(ch), ShopID: r.StoreID, ID: r.ID, State: LoopState(r.Status),
		CreatedAt: ts(r.CreatedAt), EditedAt: ts(r.UpdatedAt),
		OrderID: r.OrderID, OrderName: r.OrderName, ProviderOrderID: r.OrderExternalID, OrderNumber: r.OrderName,
		ProviderOrderNumber: r.OrderName, ProviderOrderExternalID: r.OrderExternalID,
		Customer:       r.Customer.Email,
		CustomerDetail: loopCustomer{Email: r.Customer.Email, FirstName: r.Customer.FirstName, LastName: r.Customer.LastName},
		Address: loopAddress{Name: name, Company: a.Company, Address1: a.Address1, Address2: a.Address2, City: a.City,
			State: a.ProvinceCode, Zip: a.Zip, Country: a.CountryCode, CountryCode: a.CountryCode, Phone: a.Phone},
		Currency: cur, Refunds: []loopRefund{}, Labels: []loopLabel{}, LineItems: []loopLineItem{}, Exchanges: []loopExchange{},
		Outcome: string(r.Compensation), HandlingFee: f(r.Totals.ShippingFee), Refund: f(r.Totals.Refund),
		GiftCard: f(r.Totals.StoreCredit), Upsell: f(r.Totals.Charge),
		Rebound: loopReboundExtra{Status: string(r.Status), Type: ch.Type, At: ts(ch.At)},
	}
	if o != nil {
		lp.ProviderOrderSalesChanel = o.SalesChannel
	}
	for _, it := range r.Items {
		credit := it.Value.Total
		if it.MerchantAdjustment != nil {
			credit = *it.MerchantAdjustment
		}
		if it.Status == returns.ItemRejected {
			credit = 0
		}
		li := loopLineItem{LineItemID: it.ID, ProviderLineItemID: it.OrderLineID, ProductID: it.ProductID, VariantID: it.VariantID,
			SKU: it.SKU, Title: it.Title, Price: f(it.Value.Price), Discount: f(it.Value.Discount + it.Value.OrderDiscount),
			Tax: f(it.Value.Tax), Refund: f(credit), ReturnReason: it.Reason, ReturnComment: it.CustomerComment,
			Outcome: "default", Quantity: it.Quantity, ReboundItemStatus: string(it.Status), ReboundCompensation: string(r.ItemCompensation(&it))}
		if it.Status == returns.ItemComplete && r.ProcessedAt != nil {
			li.ReturnedAt = ts(*r.ProcessedAt)
		}
		lp.LineItems = append(lp.LineItems, li)
		product += it.Value.Price
		discount += it.Value.Discount + it.Value.OrderDiscount
		tax += it.Value.Tax
	}
	credit := r.Totals.Refund + r.Totals.StoreCredit
	lp.ReturnProductTotal, lp.ReturnDiscountTotal, lp.ReturnTaxTotal = f(product), f(discount), f(tax)
	lp.ReturnTotal = f(product - discount + tax)
	lp.ReturnCreditTotal = f(credit)
	lp.Total = lp.ReturnTotal
	var exch int64
	if r.Exchange != nil {
		for _, ei := range r.Exchange.Items {
			exch += ei.Price * int64(ei.Quantity)
			lp.Exchanges = append(lp.Exchanges, loopExchange{ProductID: ei.ProductID, VariantID: ei.VariantID, SKU: ei.SKU,
				Title: ei.Title, Quantity: ei.Quantity, Price: f(ei.Price)})
		}
	}
	lp.ExchangeProductTotal, lp.ExchangeDiscountTotal, lp.ExchangeTaxTotal = f(exch), f(0), f(0)
	lp.ExchangeTotal, lp.ExchangeCreditTotal = f(exch), f(r.Totals.Exchange)
	for _, rf := range r.Refunds {
		lp.Refunds = append(lp.Refunds, loopRefund{Gateway: "rebound", Amount: money.Format(rf.Amount, rf.Currency), Currency: rf.Currency, ProviderRefundID: rf.ID})
	}
	if l := r.Label; l != nil {
		ids := make([]string, 0, len(r.Items))
		for _, it := range r.Items {
			ids = append(ids, it.ID)
		}
		st := l.Status
		if st == "" {
			st = "N/A"
		}
		lp.Labels = append(lp.Labels, loopLabel{Status: st, UpdatedAt: ts(r.UpdatedAt), URL: l.PostageLabelURL, Carrier: l.Carrier,
			TrackingNumber: l.TrackingNumber, LineItems: ids})
		lp.Carrier, lp.TrackingNumber = l.Carrier, l.TrackingNumber
	} else {
		lp.Carrier, lp.TrackingNumber = "N/A", "N/A"
	}
	return lp
}

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Package redoview renders the domain as Redo's API v2.2 wire shapes: a
// return as return-read and its order as order-read, used by the /v2.2
// handlers and by webhook payloads alike. Rebound's additions to
// return-read are under "rebound".
package redoview

import (
	"time"

	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/returns"
)

// unknownEmail stands in for a returner with no known email address:
// return-read requires source.emailAddress, in email format.
const unknownEmail = "unknown@rebound.invalid"

type moneyJSON struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

func moneyOf(minor int64, cur string) moneyJSON {
	return moneyJSON{Amount: money.Format(minor, cur), Currency: cur}
}

type amountJSON struct {
	Amount moneyJSON `json:"amount"`
}

type redoAddressJSON struct {
	Line1      string `json:"line1"`
	Line2      string `json:"line2"`
	City       string `json:"city"`
	State      string `json:"state"`
	PostalCode string `json:"postalCode"`
	Country    string `json:"country"`
}

func redoAddress(a returns.Address) redoAddressJSON {
	return redoAddressJSON{Line1: a.Address1, Line2: a.Address2, City: a.City, State: a.ProvinceCode, PostalCode: a.Zip, Country: a.CountryCode}
}

type personNameJSON struct {
	Given   string `json:"given"`
	Surname string `json:"surname"`
}

type ReturnJSON struct {
	ID                    string              `json:"id"`
	Status                returns.Status      `json:"status"`
	Type                  returns.ReturnType  `json:"type,omitempty"`
	CreatedAt             string              `json:"createdAt"`
	UpdatedAt             string              `json:"updatedAt"`
	CompleteWithNoAction  bool                `json:"completeWithNoAction"`
	CompensationMethods   []string            `json:"compensationMethods"`
	Order                 returnOrderJSON     `json:"order"`
	ExternalOrderIDs      []string            `json:"externalOrderIds"`
	Source                sourceJSON          `json:"source"`
	Destination           destinationJSON     `json:"destination"`
	Items                 []returnItemJSON    `json:"items"`
	GiftCards             []giftCardJSON      `json:"giftCards"`
	Protection            returnProtection    `json:"protection"`
	Totals                totalsJSON          `json:"totals"`
	Tags                  []tagRefJSON        `json:"tags"`
	Notes                 []noteJSON          `json:"notes"`
	Shipment              *shipmentJSON       `json:"shipment,omitempty"`
	Shipments             []shipmentJSON      `json:"shipments"`
	Exchange              *exchangeJSON       `json:"exchange,omitempty"`
	InternalCreatedByName string              `json:"internalCreatedByName,omitempty"`
	Rebound               reboundReturnFields `json:"rebound"`
}

type returnOrderJSON struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

type sourceJSON struct {
	EmailAddress   string          `json:"emailAddress"`
	MailingAddress redoAddressJSON `json:"mailingAddress"`
	Name           personNameJSON  `json:"name"`
	PhoneNumber    string          `json:"phoneNumber"`
}

// destinationJSON is where the parcel goes: the warehouse chosen for the
// return (empty until one is).
type destinationJSON struct {
	MailingAddress *redoAddressJSON `json:"mailingAddress,omitempty"`
	PhoneNumber    string           `json:"phoneNumber,omitempty"`
}

type returnItemJSON struct {
	ID                            string             `json:"id"`
	OrderItem                     orderItemRefJSON   `json:"orderItem"`
	Quantity                      int                `json:"quantity"`
	Reason                        string             `json:"reason"`
	ReasonCode                    string             `json:"reasonCode,omitempty"`
	CustomerComment               string             `json:"customerComment,omitempty"`
	ProductID                     string             `json:"productId,omitempty"`
	VariantID                     string             `json:"variantId,omitempty"`
	SKU                           string             `json:"sku,omitempty"`
	Status                        string             `json:"status"`
	MultipleChoiceQuestions       []returns.Question `json:"multipleChoiceQuestions"`
	Refund                        *refundJSON        `json:"refund,omitempty"`
	ProductValueNoTaxNoAdjustment amountJSON         `json:"productValueNoTaxNoAdjustment"`
	ProductAdjustment             string             `json:"productAdjustment,omitempty"`
	Outcome                       *string            `json:"outcome"`
	Grade                         *string            `json:"grade"`
	// Rebound extensions.
	Title        string               `json:"title,omitempty"`
	Compensation returns.Compensation `json:"compensation"`
	Images       []string             `json:"images"`
	Restock      bool                 `json:"restock"`
	Value        unitValueJSON        `json:"value"`
}

type orderItemRefJSON struct {
	ID         string `json:"id"`
	LineItemID string `json:"line_item_id"`
}

type refundJSON struct {
	Amount moneyJSON `json:"amount"`
	Type   string    `json:"type,omitempty"`
}

type unitValueJSON struct {
	Price         string `json:"price"`
	Discount      string `json:"discount"`
	OrderDiscount string `json:"orderDiscount"`
	Tax           string `json:"tax"`
	Total         string `json:"total"`
}

type giftCardJSON struct {
	Amount     moneyJSON `json:"amount"`
	Code       string    `json:"code"`
	ExternalID string    `json:"externalId"`
}

type returnProtection struct {
	Covered           bool    `json:"covered"`
	ReturnsCoverage   bool    `json:"returnsCoverage"`
	PackageProtection bool    `json:"packageProtection"`
	FinalSaleCoverage bool    `json:"finalSaleCoverage"`
	LabelPayer        *string `json:"labelPayer"`
	LabelPayerReason  *string `json:"labelPayerReason"`
}

type totalsJSON struct {
	Refund      amountJSON `json:"refund"`
	StoreCredit amountJSON `json:"storeCredit"`
	Exchange    amountJSON `json:"exchange"`
	Charge      amountJSON `json:"charge"`
	ShippingFee amountJSON `json:"shippingFee"`
}

type tagRefJSON struct {
	Name   string `json:"name"`
	Source string `json:"source"`
}

type noteJSON struct {
	Message string `json:"message"`
}

type shipmentJSON struct {
	Carrier      string `json:"carrier,omitempty"`
	Status       string `json:"status,omitempty"`
	Tracker      string `json:"tracker,omitempty"`
	TrackingURL  string `json:"trackingUrl,omitempty"`
	PostageLabel string `json:"postageLabel,omitempty"`
	FormLabel    string `json:"formLabel,omitempty"`
	// EstimatedDeliveryDate and DeliveredAt are RFC 3339 times.
	EstimatedDeliveryDate string `json:"estimatedDeliveryDate,omitempty"`
	DeliveredAt           string `json:"deliveredAt,omitempty"`
}

type exchangeJSON struct {
	ItemCount int                `json:"itemCount"`
	Items     []exchangeItemJSON `json:"items"`
	Provision string             `json:"provision"`
}

type exchangeItemJSON struct {
	ID       string        `json:"id"`
	Quantity int           `json:"quantity"`
	Variant  variantJSON   `json:"variant"`
	Product  productJSON   `json:"product"`
	Price    exchPriceJSON `json:"price"`
}

type variantJSON struct {
	ExternalID string `json:"externalId,omitempty"`
	Name       string `json:"name"`
	SKU        string `json:"sku,omitempty"`
}

type productJSON struct {
	ExternalID string `json:"externalId,omitempty"`
	Name       string `json:"name"`
}

type exchPriceJSON struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// reboundReturnFields are Rebound's additions to a return.
type reboundReturnFields struct {
	Provider            string             `json:"provider,omitempty"`
	Currency            string             `json:"currency"`
	OrderName           string             `json:"orderName,omitempty"`
	ExternalReferenceID string             `json:"externalReferenceId,omitempty"`
	Notes               string             `json:"notes,omitempty"`
	CustomerNotes       string             `json:"customerNotes,omitempty"`
	Adjustments         []adjustmentJSON   `json:"adjustments"`
	ShippingRefunded    bool               `json:"shippingRefunded"`
	ProcessedAt         *string            `json:"processedAt"`
	Refunds             []refundRecordJSON `json:"refunds"`
	EcwidOrderID        string             `json:"ecwidOrderId,omitempty"`
	PreviousStatus      returns.Status     `json:"previousStatus,omitempty"`
}

type adjustmentJSON struct {
	Kind        string    `json:"kind"`
	Amount      moneyJSON `json:"amount"`
	Description string    `json:"description"`
}

type refundRecordJSON struct {
	ID        string    `json:"id"`
	Amount    moneyJSON `json:"amount"`
	CreatedAt string    `json:"createdAt"`
	// PaidBy is "refundid" for a refund Refundid has already paid the
	// shopper (the merchant must not pay it again); absent when the
	// merchant pays it out.
	PaidBy string `json:"paidBy,omitempty"`
}

func unitValue(v returns.UnitValue, cur string) unitValueJSON {
	f := func(n int64) string { return money.Format(n, cur) }
	return unitValueJSON{Price: f(v.Price), Discount: f(v.Discount), OrderDiscount: f(v.OrderDiscount), Tax: f(v.Tax), Total: f(v.Total)}
}

// Return renders r as Redo's return-read; o is its order, nil when it
// has none.
func Return(r *returns.Return, o *returns.Order) ReturnJSON {
	cur := r.Currency
	if cur == "" && o != nil {
		cur = o.ShopCurrency
	}
	amt := func(n int64) amountJSON { return amountJSON{Amount: moneyOf(n, cur)} }
	email := r.Customer.Email
	if email == "" {
		email = unknownEmail
	}
	v := ReturnJSON{
		ID: r.ID, Status: r.Status, Type: r.Type, CreatedAt: ts(r.CreatedAt), UpdatedAt: ts(r.UpdatedAt),
		CompleteWithNoAction: r.CompleteWithNoAction,
		Order:                returnOrderJSON{ID: r.OrderID, Name: r.OrderName},
		ExternalOrderIDs:     []string{},
		Source: sourceJSON{EmailAddress: email, MailingAddress: redoAddress(r.ShippingAddress),
			Name: personNameJSON{Given: r.Customer.FirstName, Surname: r.Customer.LastName}, PhoneNumber: r.Customer.Phone},
		Items: []returnItemJSON{}, GiftCards: []giftCardJSON{}, Tags: []tagRefJSON{}, Notes: []noteJSON{}, Shipments: []shipmentJSON{},
		Totals: totalsJSON{Refund: amt(r.Totals.Refund), StoreCredit: amt(r.Totals.StoreCredit), Exchange: amt(r.Totals.Exchange),
			Charge: amt(r.Totals.Charge), ShippingFee: amt(r.Totals.ShippingFee)},
		InternalCreatedByName: r.CreatedByName,
		Rebound: reboundReturnFields{Provider: r.Provider, Currency: cur, OrderName: r.OrderName, ExternalReferenceID: r.ExternalReferenceID,
			Notes: r.Notes, CustomerNotes: r.CustomerNotes, Adjustments: []adjustmentJSON{}, ShippingRefunded: r.ShippingRefunded,
			Refunds: []refundRecordJSON{}, EcwidOrderID: r.EcwidOrderID, PreviousStatus: r.PreviousStatus},
	}
	if r.OrderExternalID != "" {
		v.ExternalOrderIDs = append(v.ExternalOrderIDs, r.OrderExternalID)
	}
	if o != nil {
		v.Protection.Covered = o.Coverage != returns.CoverageNone
		v.Protection.ReturnsCoverage = o.Coverage == returns.CoverageReturns || o.Coverage == returns.CoverageBoth
		v.Protection.PackageProtection = o.Coverage == returns.CoveragePackageProtection || o.Coverage == returns.CoverageBoth
	}
	methods := map[returns.Compensation]bool{}
	for i := range r.Items {
		it := &r.Items[i]
		comp := r.ItemCompensation(it)
		if !methods[comp] {
			methods[comp] = true
			v.CompensationMethods = append(v.CompensationMethods, string(comp))
		}
		iv := returnItemJSON{
			ID: it.ID, OrderItem: orderItemRefJSON{ID: it.OrderLineID, LineItemID: it.OrderLineID}, Quantity: it.Quantity,
			Reason: it.Reason, ReasonCode: it.ReasonCode, CustomerComment: it.CustomerComment,
			ProductID: it.ProductID, VariantID: it.VariantID, SKU: it.SKU, Status: string(it.Status),
			MultipleChoiceQuestions: it.Questions, Title: it.Title, Compensation: comp, Images: it.Images, Restock: it.Restock,
			ProductValueNoTaxNoAdjustment: amt(it.Value.Total - it.Value.Tax),
			Value:                         unitValue(it.Value, cur),
		}
		if iv.MultipleChoiceQuestions == nil {
			iv.MultipleChoiceQuestions = []returns.Question{}
		}
		if iv.Images == nil {
			iv.Images = []string{}
		}
		if it.Condition != "" {
			c := it.Condition
			iv.Grade = &c
		}
		credit := it.Value.Total
		if it.MerchantAdjustment != nil {
			credit = *it.MerchantAdjustment
			iv.ProductAdjustment = money.Format(*it.MerchantAdjustment-it.Value.Total, cur)
		}
		if it.Status == returns.ItemRejected {
			credit = 0
			out := "rejected"
			iv.Outcome = &out
		} else if it.Status == returns.ItemComplete {
			out := "accepted"
			if it.Restock {
				out = "restocked"
			}
			iv.Outcome = &out
		}
		typ := string(comp)
		iv.Refund = &refundJSON{Amount: moneyOf(credit, cur), Type: typ}
		v.Items = append(v.Items, iv)
	}
	if v.CompensationMethods == nil {
		v.CompensationMethods = []string{}
	}
	for _, g := range r.GiftCards {
		v.GiftCards = append(v.GiftCards, giftCardJSON{Amount: moneyOf(g.Amount, g.Currency), Code: g.Code, ExternalID: g.ExternalID})
	}
	for _, t := range r.Tags {
		v.Tags = append(v.Tags, tagRefJSON{Name: t, Source: "merchant"})
	}
	if r.Notes != "" {
		v.Notes = append(v.Notes, noteJSON{Message: r.Notes})
	}
	if d := r.Destination; d != nil {
		a := redoAddress(d.Address)
		v.Destination = destinationJSON{MailingAddress: &a, PhoneNumber: d.Phone}
	}
	if l := r.Label; l != nil {
		s := shipmentJSON{Carrier: l.Carrier, Status: l.Status, Tracker: l.TrackingNumber, TrackingURL: l.TrackingURL,
			PostageLabel: l.PostageLabelURL, FormLabel: l.FormLabelURL,
			EstimatedDeliveryDate: l.EstimatedDeliveryDate, DeliveredAt: l.DeliveredAt}
		if s.Status == "" {
			s.Status = "unknown"
		}
		v.Shipment = &s
		v.Shipments = append(v.Shipments, s)
	}
	if ex := r.Exchange; ex != nil && len(ex.Items) > 0 {
		e := exchangeJSON{Provision: "deferred"}
		for _, ei := range ex.Items {
			name := ei.Title
			if name == "" {
				name = ei.SKU
			}
			e.ItemCount += ei.Quantity
			e.Items = append(e.Items, exchangeItemJSON{ID: ei.ID, Quantity: ei.Quantity,
				Variant: variantJSON{ExternalID: ei.VariantID, Name: name, SKU: ei.SKU},
				Product: productJSON{ExternalID: ei.ProductID, Name: name},
				Price:   exchPriceJSON{Amount: money.Format(ei.Price, cur), Currency: cur}})
		}
		v.Exchange = &e
	}
	for _, a := range r.Adjustments {
		v.Rebound.Adjustments = append(v.Rebound.Adjustments, adjustmentJSON{Kind: a.Kind, Amount: moneyOf(a.Amount, cur), Description: a.Description})
	}
	for _, rf := range r.Refunds {
		v.Rebound.Refunds = append(v.Rebound.Refunds, refundRecordJSON{ID: rf.ID, Amount: moneyOf(rf.Amount, rf.Currency), CreatedAt: ts(rf.CreatedAt), PaidBy: rf.PaidBy})
	}
	if r.ProcessedAt != nil {
		p := ts(*r.ProcessedAt)
		v.Rebound.ProcessedAt = &p
	}
	return v
}

type OrderJSON struct {
	ID             string            `json:"id"`
	ExternalID     string            `json:"externalId,omitempty"`
	Name           string            `json:"name"`
	Customer       orderCustomerJSON `json:"customer"`
	Items          []orderItemJSON   `json:"items"`
	Discounts      moneyJSON         `json:"discounts"`
	LineItemsTotal moneyJSON         `json:"lineItemsTotal"`
	ShippingCost   moneyJSON         `json:"shippingCost"`
	Taxes          moneyJSON         `json:"taxes"`
	Total          moneyJSON         `json:"total"`
	Protection     orderProtection   `json:"protection"`
}

type orderCustomerJSON struct {
	EmailAddress string         `json:"emailAddress,omitempty"`
	Name         personNameJSON `json:"name"`
	PhoneNumber  string         `json:"phoneNumber,omitempty"`
}

type orderItemJSON struct {
	ID                    string      `json:"id"`
	ExternalID            string      `json:"externalId,omitempty"`
	Product               productJSON `json:"product"`
	Variant               variantJSON `json:"variant"`
	Quantity              int         `json:"quantity"`
	Price                 moneyJSON   `json:"price"`
	FulfillmentLocationID *string     `json:"fulfillmentLocationId"`
}

type orderProtection struct {
	Covered           bool `json:"covered"`
	ReturnsCoverage   bool `json:"returnsCoverage"`
	PackageProtection bool `json:"packageProtection"`
	FinalSaleCoverage bool `json:"finalSaleCoverage"`
}

// Order renders o as Redo's order-read (the order embedded in
// return answers). For a return with no order (imported, or its order
// deleted since) it describes the return's items with no money.
func Order(o *returns.Order, r *returns.Return) OrderJSON {
	if o == nil {
		cur := r.Currency
		v := OrderJSON{ID: r.OrderID, ExternalID: r.OrderExternalID, Name: r.OrderName, Items: []orderItemJSON{},
			Customer:  orderCustomerJSON{EmailAddress: r.Customer.Email, Name: personNameJSON{Given: r.Customer.FirstName, Surname: r.Customer.LastName}, PhoneNumber: r.Customer.Phone},
			Discounts: moneyOf(0, cur), LineItemsTotal: moneyOf(0, cur), ShippingCost: moneyOf(0, cur), Taxes: moneyOf(0, cur), Total: moneyOf(0, cur)}
		if v.Name == "" {
			v.Name = r.ExternalReferenceID
		}
		for _, it := range r.Items {
			name := it.Title
			if name == "" {
				name = it.ProductID
			}
			v.Items = append(v.Items, orderItemJSON{ID: it.OrderLineID, Product: productJSON{ExternalID: it.ProductID, Name: name},
				Variant: variantJSON{Name: name, SKU: it.SKU}, Quantity: it.Quantity, Price: moneyOf(0, cur)})
		}
		return v
	}
	cur := o.ShopCurrency
	var gross, disc, tax, ship int64
	v := OrderJSON{ID: o.ID, ExternalID: o.ExternalID, Name: o.Name, Items: []orderItemJSON{},
		Customer: orderCustomerJSON{EmailAddress: o.Customer.Email, Name: personNameJSON{Given: o.Customer.FirstName, Surname: o.Customer.LastName}, PhoneNumber: o.Customer.Phone}}
	for _, l := range o.Lines {
		gross += l.Price.Shop.Minor * int64(l.Quantity)
		for _, d := range l.Discounts {
			disc += d.Amount.Shop.Minor
		}
		for _, t := range l.TaxLines {
			tax += t.Amount.Shop.Minor
		}
		name := l.Title
		if name == "" {
			name = l.SKU
		}
		vname := l.VariantTitle
		if vname == "" {
			vname = name
		}
		v.Items = append(v.Items, orderItemJSON{ID: l.ID, ExternalID: l.ID, Product: productJSON{ExternalID: l.ProductID, Name: name},
			Variant: variantJSON{ExternalID: l.VariantID, Name: vname, SKU: l.SKU}, Quantity: l.Quantity, Price: moneyOf(l.Price.Shop.Minor, cur)})
	}
	for _, d := range o.Discounts {
		disc += d.Amount.Shop.Minor
	}
	for _, s := range o.ShippingLines {
		ship += s.Price.Shop.Minor
		for _, d := range s.Discounts {
			disc += d.Amount.Shop.Minor
		}
		for _, t := range s.TaxLines {
			tax += t.Amount.Shop.Minor
		}
	}
	v.LineItemsTotal = moneyOf(gross, cur)
	v.Discounts = moneyOf(disc, cur)
	v.Taxes = moneyOf(tax, cur)
	v.ShippingCost = moneyOf(ship, cur)
	v.Total = moneyOf(gross+ship-disc+tax, cur)
	v.Protection = orderProtection{Covered: o.Coverage != returns.CoverageNone,
		ReturnsCoverage:   o.Coverage == returns.CoverageReturns || o.Coverage == returns.CoverageBoth,
		PackageProtection: o.Coverage == returns.CoveragePackageProtection || o.Coverage == returns.CoverageBoth}
	return v
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

package redoapi

// Decoding of the Orders API's request bodies (orders-api-*-request in
// Redo's spec) into domain values. Tolerant reader: members the spec does
// not declare are ignored, and null reads as absent for optional members.
// Every member the spec declares is checked against its type, and every
// problem found is reported, each naming its member
// ("lineItems[0].quantity: must be a whole number from 1 to 1000").

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/customorder"
	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/returns"
)

// Limits of the Orders API's bodies.
const (
	maxOrdersAPIID      = 255  // orderId, line item ids, fulfillmentId
	maxOrdersAPIURL     = 2048 // imageUrl (the spec's maxLength)
	maxOrdersAPIErrors  = 100  // problems reported at once
	defaultCurrencyCode = "USD"
)

// reader walks a generic JSON value, collecting field errors.
type reader struct {
	errs []error
}

func (r *reader) fail(path, msg string) {
	if len(r.errs) < maxOrdersAPIErrors {
		r.errs = append(r.errs, returns.Invalid(path, msg))
	}
}

func (r *reader) err() error { return errors.Join(r.errs...) }

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// get returns m[key] unless it is absent or null; required reports that.
func (r *reader) get(m map[string]any, path, key string, required bool) (any, bool) {
	v, ok := m[key]
	if !ok || v == nil {
		if required {
			r.fail(join(path, key), "is required")
		}
		return nil, false
	}
	return v, true
}

func (r *reader) str(m map[string]any, path, key string, required bool) (string, bool) {
	v, ok := r.get(m, path, key, required)
	if !ok {
		return "", false
	}
	s, ok := v.(string)
	if !ok {
		r.fail(join(path, key), "must be a string")
	}
	return s, ok
}

// id is a required, non-empty string of at most maxOrdersAPIID bytes.
func (r *reader) id(m map[string]any, path, key string) (string, bool) {
	s, ok := r.str(m, path, key, true)
	switch {
	case !ok:
		return "", false
	case strings.TrimSpace(s) == "":
		r.fail(join(path, key), "must not be empty")
		return "", false
	case len(s) > maxOrdersAPIID:
		r.fail(join(path, key), fmt.Sprintf("must be at most %d bytes", maxOrdersAPIID))
		return "", false
	}
	return s, true
}

func (r *reader) obj(m map[string]any, path, key string, required bool) (map[string]any, bool) {
	v, ok := r.get(m, path, key, required)
	if !ok {
		return nil, false
	}
	o, ok := v.(map[string]any)
	if !ok {
		r.fail(join(path, key), "must be an object")
	}
	return o, ok
}

func (r *reader) arr(m map[string]any, path, key string, required bool) ([]any, bool) {
	v, ok := r.get(m, path, key, required)
	if !ok {
		return nil, false
	}
	a, ok := v.([]any)
	switch {
	case !ok:
		r.fail(join(path, key), "must be an array")
	case len(a) > customorder.MaxItems:
		r.fail(join(path, key), fmt.Sprintf("must have at most %d items", customorder.MaxItems))
		return nil, false
	}
	return a, ok
}

func (r *reader) boolean(m map[string]any, path, key string) bool {
	v, ok := r.get(m, path, key, false)
	if !ok {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		r.fail(join(path, key), "must be true or false")
	}
	return b
}

// whole is an integer in lo..hi (2, 2.0 and 2e0 are 2).
func (r *reader) whole(m map[string]any, path, key string, required bool, lo, hi int64) (int, bool) {
	v, ok := r.get(m, path, key, required)
	if !ok {
		return 0, false
	}
	msg := fmt.Sprintf("must be a whole number from %d to %d", lo, hi)
	n, ok := v.(json.Number)
	if !ok {
		r.fail(join(path, key), msg)
		return 0, false
	}
	x, err := money.ParseDecimal(string(n), 0, true)
	if err != nil || x < lo || x > hi {
		r.fail(join(path, key), msg)
		return 0, false
	}
	return int(x), true
}

// amount is a decimal amount ≥ 0 in currency code, as minor units; ok is
// false when absent, null or invalid. code "" (an invalid currency,
// already reported) skips the check.
func (r *reader) amount(m map[string]any, path, key, code string) (int64, bool) {
	v, ok := r.get(m, path, key, false)
	if !ok {
		return 0, false
	}
	n, ok := v.(json.Number)
	if !ok {
		r.fail(join(path, key), "must be a number (a decimal amount such as 79.99) or null")
		return 0, false
	}
	if code == "" {
		return 0, false
	}
	x, err := money.ParseNumber(n, code)
	var ae *money.AmountError
	switch {
	case errors.As(err, &ae):
		r.fail(join(path, key), ae.Reason)
		return 0, false
	case err != nil:
		r.fail(join(path, key), err.Error())
		return 0, false
	case x < 0:
		r.fail(join(path, key), "must not be negative")
		return 0, false
	}
	return x, true
}

// timestamp is an RFC 3339 date-time, in UTC.
func (r *reader) timestamp(m map[string]any, path, key string, required bool) (time.Time, bool) {
	s, ok := r.str(m, path, key, required)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		r.fail(join(path, key), "must be an ISO 8601 date-time with a time zone, such as 2025-01-15T10:30:00Z")
		return time.Time{}, false
	}
	return t.UTC(), true
}

var plainDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// date reads an estimated delivery date: a date-time (its calendar date as
// written, in its own offset) or, tolerantly, a plain YYYY-MM-DD.
func (r *reader) date(m map[string]any, path, key string) string {
	s, ok := r.str(m, path, key, false)
	if !ok {
		return ""
	}
	if plainDate.MatchString(s) {
		if _, err := time.Parse(time.DateOnly, s); err == nil {
			return s
		}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		r.fail(join(path, key), "must be an ISO 8601 date-time such as 2025-01-20T00:00:00Z (or a date such as 2025-01-20)")
		return ""
	}
	return t.Format(time.DateOnly)
}

func (r *reader) strs(m map[string]any, path, key string) []string {
	a, ok := r.arr(m, path, key, false)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(a))
	for i, v := range a {
		s, ok := v.(string)
		if !ok {
			r.fail(fmt.Sprintf("%s[%d]", join(path, key), i), "must be a string")
			continue
		}
		out = append(out, s)
	}
	return out
}

// root parses body into a JSON object.
func root(body []byte) (map[string]any, error) {
	v, err := customorder.DecodeGeneric(body)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, returns.Invalid("", "the request body must be a JSON object")
	}
	return m, nil
}

func oneSet(minor int64, code string) returns.MoneySet {
	m := returns.Money{Minor: minor, Currency: code}
	return returns.MoneySet{Shop: m, Presentment: m}
}

// decodeCreateOrder maps orders-api-create-order-request to an order: all
// amounts in currencyCode (USD when absent) on both currency sides; a
// line's price is its unit price and its discount one discount over the
// line; shipping becomes one shipping line; totalDiscount beyond the line
// discounts becomes an order discount (and, past the lines' net, a
// shipping discount); totalTax is apportioned over the lines' nets and the
// shipping cost. totalPrice and subtotalPrice are not kept: they follow
// from the rest (the GET view computes them). locationId is not kept.
func decodeCreateOrder(body []byte) (*returns.Order, error) {
	m, err := root(body)
	if err != nil {
		return nil, err
	}
	r := &reader{}
	o := &returns.Order{}
	if id, ok := r.id(m, "", "orderId"); ok {
		o.ExternalID, o.Name = id, id
	}
	o.CreatedAt, _ = r.timestamp(m, "", "createdAt", true)

	code := defaultCurrencyCode
	if c, ok := r.str(m, "", "currencyCode", false); ok {
		code = strings.ToUpper(strings.TrimSpace(c))
		if _, err := money.Scale(code); err != nil {
			r.fail("currencyCode", fmt.Sprintf("%q is not an ISO 4217 currency code", c))
			code = ""
		}
	}
	o.ShopCurrency, o.PresentmentCurrency = code, code

	var lineDisc, nets []int64
	if items, ok := r.arr(m, "", "lineItems", true); ok {
		if len(items) == 0 {
			r.fail("lineItems", "must have at least one item")
		}
		seen := map[string]int{}
		for i, v := range items {
			path := fmt.Sprintf("lineItems[%d]", i)
			li, ok := v.(map[string]any)
			if !ok {
				r.fail(path, "must be an object")
				continue
			}
			var l returns.OrderLine
			if id, ok := r.id(li, path, "id"); ok {
				if j, dup := seen[id]; dup {
					r.fail(path+".id", fmt.Sprintf("duplicate line item id %q (also used by lineItems[%d])", id, j))
				}
				seen[id] = i
				l.ID = id
			}
			if s, ok := r.str(li, path, "productId", true); ok {
				l.ProductID = s
			}
			l.VariantID, _ = r.str(li, path, "variantId", false)
			l.Title, _ = r.str(li, path, "title", true)
			l.SKU, _ = r.str(li, path, "sku", false)
			l.Quantity, _ = r.whole(li, path, "quantity", true, 1, customorder.MaxQuantity)
			price, _ := r.amount(li, path, "price", code)
			l.Price = oneSet(price, code)
			if img, ok := r.str(li, path, "imageUrl", false); ok {
				if len(img) > maxOrdersAPIURL {
					r.fail(path+".imageUrl", fmt.Sprintf("must be at most %d characters", maxOrdersAPIURL))
				}
				l.Image = img
			}
			disc, hasDisc := r.amount(li, path, "discount", code)
			gross := price * int64(l.Quantity)
			if hasDisc && disc > 0 {
				if l.Quantity > 0 && disc > gross {
					r.fail(path+".discount", fmt.Sprintf("must not exceed the line's price × quantity (%s)", money.Format(gross, code)))
				}
				l.Discounts = []returns.Discount{{ID: l.ID + "-discount", Title: "Discount", Amount: oneSet(disc, code)}}
			}
			lineDisc = append(lineDisc, disc)
			nets = append(nets, max(gross-disc, 0))
			o.Lines = append(o.Lines, l)
		}
	}

	if c, ok := r.obj(m, "", "customer", false); ok {
		cu := &o.Customer
		cu.ID, _ = r.str(c, "customer", "id", false)
		cu.Email, _ = r.str(c, "customer", "email", false)
		cu.Phone, _ = r.str(c, "customer", "phoneNumber", false)
		name, _ := r.str(c, "customer", "name", false)
		cu.FirstName, _ = r.str(c, "customer", "firstName", false)
		cu.LastName, _ = r.str(c, "customer", "lastName", false)
		if cu.FirstName == "" && cu.LastName == "" && strings.TrimSpace(name) != "" {
			first, last, _ := strings.Cut(strings.TrimSpace(name), " ")
			cu.FirstName, cu.LastName = first, strings.TrimSpace(last)
		}
	}

	var shipCost int64
	var shipping *returns.ShippingLine
	if s, ok := r.obj(m, "", "shipping", false); ok {
		method, hasMethod := r.str(s, "shipping", "method", false)
		cost, hasCost := r.amount(s, "shipping", "cost", code)
		if a, ok := r.obj(s, "shipping", "address", false); ok {
			o.ShippingAddress = r.address(a, "shipping.address")
		}
		if hasMethod || hasCost {
			title := method
			if title == "" {
				title = "Shipping"
			}
			shipCost = cost
			shipping = &returns.ShippingLine{ID: "shipping", Title: title, Price: oneSet(cost, code)}
		}
	}
	if a, ok := r.obj(m, "", "billingAddress", false); ok {
		addr := r.address(a, "billingAddress")
		o.BillingAddress = &addr
	}
	o.Tags = r.strs(m, "", "tags")
	_, _ = r.str(m, "", "locationId", false)
	_, _ = r.amount(m, "", "totalPrice", code)
	_, _ = r.amount(m, "", "subtotalPrice", code)

	var sumLineDisc, sumNet int64
	for i := range nets {
		sumLineDisc += lineDisc[i]
		sumNet += nets[i]
	}
	if total, ok := r.amount(m, "", "totalDiscount", code); ok && total > sumLineDisc {
		extra := total - sumLineDisc
		orderDisc := min(extra, sumNet)
		shipDisc := extra - orderDisc
		switch {
		case shipDisc > 0 && (shipping == nil || shipDisc > shipCost):
			r.fail("totalDiscount", fmt.Sprintf("must not exceed the order's line items and shipping (%s)", money.Format(sumNet+sumLineDisc+shipCost, code)))
		default:
			if orderDisc > 0 {
				o.Discounts = []returns.Discount{{ID: "order-discount", Title: "Discount", Amount: oneSet(orderDisc, code)}}
			}
			if shipDisc > 0 {
				shipping.Discounts = []returns.Discount{{ID: "shipping-discount", Title: "Discount", Amount: oneSet(shipDisc, code)}}
			}
		}
	}
	if tax, ok := r.amount(m, "", "totalTax", code); ok && tax > 0 && len(o.Lines) == len(nets) && len(nets) > 0 {
		weights := append(nets, shipCost)
		parts := returns.Apportion(tax, weights)
		for i := range o.Lines {
			if parts[i] > 0 {
				o.Lines[i].TaxLines = []returns.TaxLine{{Title: "Tax", Amount: oneSet(parts[i], code)}}
			}
		}
		if p := parts[len(parts)-1]; p > 0 {
			if shipping == nil {
				shipping = &returns.ShippingLine{ID: "shipping", Title: "Shipping", Price: oneSet(0, code)}
			}
			shipping.TaxLines = []returns.TaxLine{{Title: "Tax", Amount: oneSet(p, code)}}
		}
	}
	if shipping != nil {
		o.ShippingLines = []returns.ShippingLine{*shipping}
	}
	if err := r.err(); err != nil {
		return nil, err
	}
	return o, nil
}

// address reads orders-api-shipping-address / -billing-address.
func (r *reader) address(m map[string]any, path string) returns.Address {
	var a returns.Address
	a.Address1, _ = r.str(m, path, "address1", false)
	a.Address2, _ = r.str(m, path, "address2", false)
	a.City, _ = r.str(m, path, "city", false)
	a.ProvinceCode, _ = r.str(m, path, "province", false)
	a.CountryCode, _ = r.str(m, path, "country", false)
	a.Zip, _ = r.str(m, path, "postalCode", false)
	return a
}

// decodeCreateFulfillment maps orders-api-create-fulfillment-request.
// initialTracking is checked always and used only with useDummyTracking.
func decodeCreateFulfillment(body []byte) (*app.FulfillmentRequest, error) {
	m, err := root(body)
	if err != nil {
		return nil, err
	}
	r := &reader{}
	req := &app.FulfillmentRequest{}
	if _, present := m["fulfillmentId"]; present && m["fulfillmentId"] != nil {
		req.ID, _ = r.id(m, "", "fulfillmentId")
	}
	if items, ok := r.arr(m, "", "lineItems", true); ok {
		if len(items) == 0 {
			r.fail("lineItems", "must have at least one item")
		}
		for i, v := range items {
			path := fmt.Sprintf("lineItems[%d]", i)
			li, ok := v.(map[string]any)
			if !ok {
				r.fail(path, "must be an object")
				continue
			}
			var fl returns.FulfillmentLine
			fl.LineID, _ = r.id(li, path, "id")
			fl.Quantity, _ = r.whole(li, path, "quantity", true, 1, customorder.MaxQuantity)
			req.Lines = append(req.Lines, fl)
		}
	}
	if t, ok := r.obj(m, "", "tracking", false); ok {
		carrier, _ := r.str(t, "tracking", "carrier", true)
		code, ok := r.str(t, "tracking", "code", true)
		if ok && strings.TrimSpace(code) == "" {
			r.fail("tracking.code", "must not be empty")
		}
		req.Tracking = &returns.TrackingNumber{Carrier: carrier, Number: code}
	}
	req.Dummy = r.boolean(m, "", "useDummyTracking")
	if it, ok := r.obj(m, "", "initialTracking", false); ok {
		u := r.shipmentUpdate(it, "initialTracking", returns.ParseShipmentStatus)
		if req.Dummy {
			req.Initial = &u
		}
	}
	if err := r.err(); err != nil {
		return nil, err
	}
	return req, nil
}

// decodeShipmentStatus maps orders-api-update-fulfillment-status-request.
func decodeShipmentStatus(body []byte) (*returns.ShipmentUpdate, error) {
	m, err := root(body)
	if err != nil {
		return nil, err
	}
	r := &reader{}
	u := r.shipmentUpdate(m, "", returns.ParseShipmentUpdate)
	if err := r.err(); err != nil {
		return nil, err
	}
	return &u, nil
}

// shipmentUpdate reads status (checked by parse), estimatedDeliveryDate,
// message, datetime and location.
func (r *reader) shipmentUpdate(m map[string]any, path string, parse func(field, s string) (returns.ShipmentStatus, error)) returns.ShipmentUpdate {
	var u returns.ShipmentUpdate
	if s, ok := r.str(m, path, "status", true); ok {
		st, err := parse(join(path, "status"), s)
		if err != nil {
			r.errs = append(r.errs, err)
		}
		u.Status = st
	}
	u.EstimatedDelivery = r.date(m, path, "estimatedDeliveryDate")
	u.Message, _ = r.str(m, path, "message", false)
	u.At, _ = r.timestamp(m, path, "datetime", false)
	if l, ok := r.obj(m, path, "location", false); ok {
		lp := join(path, "location")
		var loc returns.TrackingLocation
		loc.City, _ = r.str(l, lp, "city", false)
		loc.State, _ = r.str(l, lp, "state", false)
		loc.Country, _ = r.str(l, lp, "country", false)
		loc.PostalCode, _ = r.str(l, lp, "postalCode", false)
		if loc != (returns.TrackingLocation{}) {
			u.Location = &loc
		}
	}
	return u
}

package customorder

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
)

func seedBody(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/seed-order.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// seedTree returns the seed order as a generic JSON tree, for editing.
func seedTree(t testing.TB) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(seedBody(t)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// del as an edit value deletes the member.
type deleteMarker struct{}

var del = deleteMarker{}

// raw is JSON text used verbatim as an edit value (e.g. raw("2.5")).
func raw(s string) json.RawMessage { return json.RawMessage(s) }

// obj parses a JSON object literal for use as an edit value.
func obj(s string) any {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		panic(err)
	}
	return v
}

type edit struct {
	path string // dotted, array indexes as numbers; an index equal to the length appends
	val  any
}

// apply sets (or deletes) the value at path in the tree.
func apply(t testing.TB, root map[string]any, e edit) {
	t.Helper()
	keys := strings.Split(e.path, ".")
	var cur any = root
	for i, k := range keys {
		last := i == len(keys)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				if e.val == del {
					delete(c, k)
				} else {
					c[k] = e.val
				}
				return
			}
			cur = c[k]
		case []any:
			n, err := strconv.Atoi(k)
			if err != nil || n > len(c) {
				t.Fatalf("bad index %q in %s", k, e.path)
			}
			if last {
				if n == len(c) {
					t.Fatalf("cannot append at the end of a path (%s): set the parent", e.path)
				}
				c[n] = e.val
				return
			}
			cur = c[n]
		default:
			t.Fatalf("path %s: %q is not a container", e.path, k)
		}
	}
}

func bodyWith(t testing.TB, edits ...edit) []byte {
	t.Helper()
	root := seedTree(t)
	for _, e := range edits {
		apply(t, root, e)
	}
	b, err := json.Marshal(root)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fieldErrors(t *testing.T, err error) []string {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got error %v (%T), want *ValidationError", err, err)
	}
	out := make([]string, len(ve.Fields))
	for i, f := range ve.Fields {
		out[i] = FieldPath(f.Path) + ": " + f.Message
	}
	return out
}

// A valid second line, and the coverage line the guide describes.
const (
	line2 = `{"id":"line_2","productId":"p2","sku":"S2","title":"Socks","quantity":3,
		"priceSet":{"presentmentMoney":{"amount":"5.00","currencyCode":"USD"},"shopMoney":{"amount":"5.00","currencyCode":"USD"}}}`
	redoLine = `{"id":"redo_1","productId":"redo","sku":"x-redo","vendor":"re:do","title":"Redo","quantity":1,
		"priceSet":{"presentmentMoney":{"amount":"1.98","currencyCode":"USD"},"shopMoney":{"amount":"1.98","currencyCode":"USD"}},
		"tags":["returns"],"properties":[{"name":"_redo_type","value":"return"}]}`
	fulfilment = `{"id":"f1","lineItems":[{"id":"line_1","quantity":1}]}`
)

const (
	msgTimeT   = "must be an ISO 8601 date-time (e.g. 2025-01-15T10:30:00Z)"
	msgQtyT    = "must be between 1 and 1000 (Redo's Orders API caps a line at 1000 units)"
	msgEmailT  = "must be a valid email address (e.g. jane@example.com)"
	priceShop  = "lineItems.0.priceSet.shopMoney"
	priceShopP = "lineItems[0].priceSet.shopMoney"
)

func TestDecodeRules(t *testing.T) {
	tests := []struct {
		name  string
		edits []edit
		want  []string
	}{
		// order
		{"id missing", []edit{{"id", del}}, []string{"id: is required"}},
		{"id empty", []edit{{"id", ""}}, []string{"id: must not be empty"}},
		{"id blank", []edit{{"id", "  "}}, []string{"id: must not be empty"}},
		{"id number", []edit{{"id", raw("123")}}, []string{"id: must be a string"}},
		{"id null", []edit{{"id", nil}}, []string{"id: must be a string"}},
		{"type wrong", []edit{{"type", "invoice"}}, []string{`type: must be "order"`}},
		{"type missing", []edit{{"type", del}}, []string{"type: is required"}},
		{"createdAt date only", []edit{{"createdAt", "2025-01-15"}}, []string{"createdAt: " + msgTimeT}},
		{"createdAt no zone", []edit{{"createdAt", "2025-01-15T10:30:00"}}, []string{"createdAt: " + msgTimeT}},
		{"createdAt number", []edit{{"createdAt", raw("1736937000")}}, []string{"createdAt: " + msgTimeT}},
		{"updatedAt null", []edit{{"updatedAt", nil}}, []string{"updatedAt: " + msgTimeT}},
		{"updatedAt missing", []edit{{"updatedAt", del}}, []string{"updatedAt: is required"}},
		{"presentmentCurrency lowercase", []edit{{"presentmentCurrency", "usd"}},
			[]string{`presentmentCurrency: "usd" must be three uppercase letters (ISO 4217, e.g. "USD")`}},
		{"shopCurrency unknown", []edit{{"shopCurrency", "ABC"}},
			[]string{`shopCurrency: "ABC" is not a known ISO 4217 currency code`}},
		{"shopCurrency metal", []edit{{"shopCurrency", "XAU"}},
			[]string{`shopCurrency: "XAU" has no minor unit in ISO 4217 and cannot be used for amounts`}},
		{"shopCurrency differs from the money", []edit{{"shopCurrency", "EUR"}}, []string{
			"lineItems[0].priceSet.shopMoney.currencyCode: must match shopCurrency (EUR)",
			"shippingLines[0].priceSet.shopMoney.currencyCode: must match shopCurrency (EUR)",
		}},
		{"salesChannel number", []edit{{"salesChannel", raw("5")}}, []string{"salesChannel: must be a string or null"}},
		{"tags element", []edit{{"tags", obj(`["a", 1, "b", null]`)}}, []string{"tags[1]: must be a string", "tags[3]: must be a string"}},
		{"cancelReason unknown", []edit{{"cancelReason", "bored"}},
			[]string{`cancelReason: must be one of "customer", "fraud", "inventory", "declined", "other", "staff" or null`}},
		{"cancelledAt garbage", []edit{{"cancelledAt", "yesterday"}}, []string{"cancelledAt: " + msgTimeT + " or null"}},
		{"metafield incomplete", []edit{{"metafields", obj(`[{"namespace":"a","value":1}]`)}},
			[]string{"metafields[0].key: is required", "metafields[0].value: must be a string"}},

		// customer
		{"customer missing", []edit{{"customer", del}}, []string{"customer: is required"}},
		{"customer not object", []edit{{"customer", "jane"}}, []string{"customer: must be an object"}},
		{"email mangled by a page capture", []edit{{"customer.email", "[email protected]"}}, []string{"customer.email: " + msgEmailT}},
		{"email display name", []edit{{"customer.email", "Jane <jane@example.com>"}}, []string{"customer.email: " + msgEmailT}},
		{"email no dot in domain", []edit{{"customer.email", "jane@localhost"}}, []string{"customer.email: " + msgEmailT}},
		{"email spaces", []edit{{"customer.email", " jane@example.com"}}, []string{"customer.email: " + msgEmailT}},
		{"email domain literal", []edit{{"customer.email", "jane@[10.0.0.1]"}}, []string{"customer.email: " + msgEmailT}},
		{"email missing", []edit{{"customer.email", del}}, []string{"customer.email: is required"}},
		{"customer names", []edit{{"customer.firstName", del}, {"customer.lastName", nil}},
			[]string{"customer.firstName: is required", "customer.lastName: must be a string"}},

		// addresses
		{"shippingAddress missing", []edit{{"shippingAddress", del}}, []string{"shippingAddress: is required"}},
		{"shippingAddress fields", []edit{{"shippingAddress.zip", del}, {"shippingAddress.countryCode", raw("1")}, {"shippingAddress.address2", nil}},
			[]string{"shippingAddress.zip: is required", "shippingAddress.countryCode: must be a string"}},
		{"billingAddress wrong type", []edit{{"billingAddress", "same"}}, []string{"billingAddress: must be an object or null"}},
		{"billingAddress field wrong type", []edit{{"billingAddress", obj(`{"city":7}`)}}, []string{"billingAddress.city: must be a string or null"}},

		// line items
		{"lineItems empty", []edit{{"lineItems", obj(`[]`)}}, []string{"lineItems: must have at least one item"}},
		{"lineItems not array", []edit{{"lineItems", "x"}}, []string{"lineItems: must be an array"}},
		{"lineItems missing", []edit{{"lineItems", del}}, []string{"lineItems: is required"}},
		{"line not object", []edit{{"lineItems.0", raw("5")}}, []string{"lineItems[0]: must be an object"}},
		{"line id duplicate", []edit{{"lineItems", obj(`[` + line2 + `,` + line2 + `]`)}},
			[]string{`lineItems[1].id: duplicate line item id "line_2" (also used by lineItems[0])`}},
		{"line id empty", []edit{{"lineItems.0.id", ""}}, []string{"lineItems[0].id: must not be empty"}},
		{"line required fields", []edit{{"lineItems.0.title", del}, {"lineItems.0.productId", del}, {"lineItems.0.sku", del}}, []string{
			"lineItems[0].title: is required", "lineItems[0].productId: is required", "lineItems[0].sku: is required",
		}},
		{"quantity zero", []edit{{"lineItems.0.quantity", raw("0")}, {"lineItems.0.returnableQuantity", nil}}, []string{"lineItems[0].quantity: " + msgQtyT}},
		{"quantity above cap", []edit{{"lineItems.0.quantity", raw("1001")}}, []string{"lineItems[0].quantity: " + msgQtyT}},
		{"quantity huge", []edit{{"lineItems.0.quantity", raw("1e30")}}, []string{"lineItems[0].quantity: " + msgQtyT}},
		{"quantity fractional", []edit{{"lineItems.0.quantity", raw("1.5")}}, []string{"lineItems[0].quantity: must be a whole number"}},
		{"quantity string", []edit{{"lineItems.0.quantity", "2"}}, []string{"lineItems[0].quantity: must be a number"}},
		{"quantity missing", []edit{{"lineItems.0.quantity", del}}, []string{"lineItems[0].quantity: is required"}},
		{"returnable above quantity", []edit{{"lineItems.0.returnableQuantity", raw("3")}},
			[]string{"lineItems[0].returnableQuantity: must be between 0 and the line's quantity (2)"}},
		{"returnable negative", []edit{{"lineItems.0.returnableQuantity", raw("-1")}},
			[]string{"lineItems[0].returnableQuantity: must be between 0 and the line's quantity (2)"}},
		{"returnable with bad quantity", []edit{{"lineItems.0.quantity", raw("0")}, {"lineItems.0.returnableQuantity", raw("-1")}},
			[]string{"lineItems[0].quantity: " + msgQtyT, "lineItems[0].returnableQuantity: must be between 0 and 1000"}},
		{"returnable fractional", []edit{{"lineItems.0.returnableQuantity", raw("0.5")}},
			[]string{"lineItems[0].returnableQuantity: must be a whole number"}},
		{"returnable string", []edit{{"lineItems.0.returnableQuantity", "2"}},
			[]string{"lineItems[0].returnableQuantity: must be a number or null"}},
		{"vendor number", []edit{{"lineItems.0.vendor", raw("1")}}, []string{"lineItems[0].vendor: must be a string or null"}},
		{"property incomplete", []edit{{"lineItems.0.properties", obj(`[{"name":"gift"},{"name":"a","value":2}]`)}},
			[]string{"lineItems[0].properties[0].value: is required", "lineItems[0].properties[1].value: must be a string"}},
		{"image url missing", []edit{{"lineItems.0.images", obj(`[{"data":null}]`)}}, []string{"lineItems[0].images[0].url: is required"}},
		{"weight negative, unit missing", []edit{{"lineItems.0.weight", obj(`{"value":-1}`)}},
			[]string{"lineItems[0].weight.value: must not be negative", "lineItems[0].weight.unit: is required"}},
		{"weight value string", []edit{{"lineItems.0.weight.value", "0.5"}}, []string{"lineItems[0].weight.value: must be a number"}},
		{"weight too large", []edit{{"lineItems.0.weight.value", raw("1e999")}}, []string{"lineItems[0].weight.value: is too large"}},
		{"weight hugely negative", []edit{{"lineItems.0.weight.value", raw("-1e999")}}, []string{"lineItems[0].weight.value: must not be negative"}},

		// money
		{"amount number", []edit{{priceShop + ".amount", raw("29.99")}}, []string{priceShopP + ".amount: must be a decimal string"}},
		{"amount garbage", []edit{{priceShop + ".amount", "29,99"}}, []string{priceShopP + ".amount: must be a decimal string"}},
		{"amount trailing dot", []edit{{priceShop + ".amount", "29."}}, []string{priceShopP + ".amount: must be a decimal string"}},
		{"amount null", []edit{{priceShop + ".amount", nil}}, []string{priceShopP + ".amount: must be a decimal string"}},
		{"amount too precise", []edit{{priceShop + ".amount", "29.999"}}, []string{priceShopP + ".amount: has more decimal places than USD allows (2)"}},
		{"amount zeros beyond scale ok", []edit{{priceShop + ".amount", "29.990"}}, nil},
		{"amount negative", []edit{{priceShop + ".amount", "-1.00"}}, []string{priceShopP + ".amount: must not be negative"}},
		{"amount overflow", []edit{{priceShop + ".amount", "99999999999999999999"}},
			[]string{priceShopP + ".amount: is too large (the maximum is 92233720368547758.07 USD)"}},
		{"amount missing", []edit{{priceShop + ".amount", del}}, []string{priceShopP + ".amount: is required"}},
		{"money missing", []edit{{"lineItems.0.priceSet.presentmentMoney", del}}, []string{"lineItems[0].priceSet.presentmentMoney: is required"}},
		{"priceSet missing", []edit{{"lineItems.0.priceSet", del}}, []string{"lineItems[0].priceSet: is required"}},
		{"presentment currency mismatch", []edit{{"lineItems.0.priceSet.presentmentMoney.currencyCode", "EUR"}},
			[]string{"lineItems[0].priceSet.presentmentMoney.currencyCode: must match presentmentCurrency (USD)"}},
		{"bad amount and bad currency, amount first", []edit{{priceShop, obj(`{"currencyCode":"XYZ","amount":"abc"}`)}}, []string{
			priceShopP + ".amount: must be a decimal string",
			priceShopP + `.currencyCode: "XYZ" is not a known ISO 4217 currency code`,
		}},
		{"currencyCode missing", []edit{{priceShop + ".currencyCode", del}}, []string{priceShopP + ".currencyCode: is required"}},
		{"JPY amounts are whole", []edit{
			{"shopCurrency", "JPY"}, {"presentmentCurrency", "JPY"},
			{"lineItems.0.priceSet", obj(`{"presentmentMoney":{"amount":"3000.5","currencyCode":"JPY"},"shopMoney":{"amount":"3000","currencyCode":"JPY"}}`)},
			{"shippingLines", obj(`[]`)}, {"transactions", obj(`[]`)},
		}, []string{"lineItems[0].priceSet.presentmentMoney.amount: has more decimal places than JPY allows (0)"}},

		// discounts and taxes
		{"discount incomplete", []edit{{"orderDiscounts", obj(`[{"discountTitle":"x","amountSet":{"presentmentMoney":{"amount":"-1","currencyCode":"USD"},"shopMoney":{"amount":"1","currencyCode":"USD"}}}]`)}},
			[]string{"orderDiscounts[0].amountSet.presentmentMoney.amount: must not be negative", "orderDiscounts[0].discountId: is required"}},
		{"tax rate missing", []edit{{"lineItems.0.taxLines", obj(`[{"priceSet":{"presentmentMoney":{"amount":"1","currencyCode":"USD"},"shopMoney":{"amount":"1","currencyCode":"USD"}}}]`)}},
			[]string{"lineItems[0].taxLines[0].rate: is required (send null when the rate is unknown)"}},
		{"tax rate percent", []edit{{"lineItems.0.taxLines", obj(`[{"rate":"8%","priceSet":{"presentmentMoney":{"amount":"1","currencyCode":"USD"},"shopMoney":{"amount":"1","currencyCode":"USD"}}}]`)}},
			[]string{"lineItems[0].taxLines[0].rate: must be a decimal string or null"}},
		{"tax negative", []edit{{"shippingLines.0.taxLines", obj(`[{"rate":"-0.1","priceSet":{"presentmentMoney":{"amount":"1","currencyCode":"USD"},"shopMoney":{"amount":"-1","currencyCode":"USD"}}}]`)}},
			[]string{"shippingLines[0].taxLines[0].priceSet.shopMoney.amount: must not be negative", "shippingLines[0].taxLines[0].rate: must not be negative"}},

		// shipping lines
		{"shippingLines missing", []edit{{"shippingLines", del}}, []string{"shippingLines: is required"}},
		{"shipping line fields", []edit{{"shippingLines.0.id", del}, {"shippingLines.0.title", del}, {"shippingLines.0.priceSet", del}},
			[]string{"shippingLines[0].id: is required", "shippingLines[0].title: is required", "shippingLines[0].priceSet: is required"}},
		{"required arrays, schema order", []edit{{"fulfillments", del}, {"orderDiscounts", del}},
			[]string{"orderDiscounts: is required", "fulfillments: is required"}},

		// fulfillments
		{"fulfilment unknown line", []edit{{"fulfillments", obj(`[{"id":"f1","lineItems":[{"id":"nope","quantity":1}]}]`)}},
			[]string{`fulfillments[0].lineItems[0].id: unknown line item "nope"`}},
		{"fulfilment over quantity", []edit{{"fulfillments", obj(`[` + fulfilment + `,{"id":"f2","lineItems":[{"id":"line_1","quantity":2}]}]`)}},
			[]string{`fulfillments[1].lineItems[0].quantity: brings the fulfilled quantity of line item "line_1" to 3, more than its quantity (2)`}},
		{"fulfilment quantity zero", []edit{{"fulfillments", obj(`[{"id":"f1","lineItems":[{"id":"line_1","quantity":0}]}]`)}},
			[]string{"fulfillments[0].lineItems[0].quantity: must be between 1 and 1000"}},
		{"fulfilment fields", []edit{{"fulfillments", obj(`[{"id":"","trackingNumbers":[{"carrier":"ups"}],"trackingUrls":[1],"shippingDate":"soon"}]`)}}, []string{
			"fulfillments[0].id: must not be empty",
			"fulfillments[0].trackingNumbers[0].trackingNumber: is required",
			"fulfillments[0].trackingUrls[0]: must be a string",
			"fulfillments[0].lineItems: is required",
			"fulfillments[0].shippingDate: " + msgTimeT + " or null",
		}},

		// transactions
		{"transaction amount string", []edit{{"transactions.0.amount", "65.97"}}, []string{"transactions[0].amount: must be a number"}},
		{"transaction amount too precise", []edit{{"transactions.0.amount", raw("65.975")}},
			[]string{"transactions[0].amount: has more decimal places than USD allows (2)"}},
		{"transaction amount negative", []edit{{"transactions.0.amount", raw("-1")}}, []string{"transactions[0].amount: must not be negative"}},
		{"transaction currency bad", []edit{{"transactions.0.currency", "usd"}},
			[]string{`transactions[0].currency: "usd" must be three uppercase letters (ISO 4217, e.g. "USD")`}},
		{"transaction fields missing", []edit{{"transactions.0.paymentGateway", del}, {"transactions.0.createdDate", "2025"}, {"transactions.0.paymentId", del}}, []string{
			"transactions[0].paymentId: is required",
			"transactions[0].createdDate: " + msgTimeT,
			"transactions[0].paymentGateway: is required",
		}},
		{"card last four short", []edit{{"transactions.0.additionalDetails", obj(`{"creditCardLastFour":"123"}`)}},
			[]string{"transactions[0].additionalDetails.creditCardLastFour: must be exactly 4 characters"}},
		{"card last four missing", []edit{{"transactions.0.additionalDetails", obj(`{}`)}},
			[]string{"transactions[0].additionalDetails.creditCardLastFour: is required"}},

		// refunds
		{"refund incomplete", []edit{{"refunds", obj(`[{"id":"r1","lineItems":[{"lineItemId":"line_1","quantity":0,"totalTaxSet":{}}]}]`)}}, []string{
			"refunds[0].createdAt: is required",
			"refunds[0].lineItems[0].quantity: must be between 1 and 1000",
			"refunds[0].lineItems[0].subtotalSet: is required",
			"refunds[0].lineItems[0].totalTaxSet.presentmentMoney: is required",
			"refunds[0].lineItems[0].totalTaxSet.shopMoney: is required",
		}},
		{"refund amount missing", []edit{{"refunds", obj(`[{"id":"r1","createdAt":"2025-01-16T00:00:00Z","shippingRefunds":[{"reason":"late"}]}]`)}},
			[]string{"refunds[0].shippingRefunds[0].amountSet: is required"}},

		// coverage
		{"coverage line without type", []edit{{"lineItems", obj(`[` + line2 + `,{"id":"redo_1","productId":"redo","sku":"x-redo","vendor":"re:do","title":"Redo","quantity":1,"tags":["misc"],
			"priceSet":{"presentmentMoney":{"amount":"1.98","currencyCode":"USD"},"shopMoney":{"amount":"1.98","currencyCode":"USD"}}}]`)}},
			[]string{"lineItems[1].tags: " + msgCoverage}},
		{"two coverage lines", []edit{{"lineItems", obj(`[` + redoLine + `,` + strings.Replace(redoLine, "redo_1", "redo_2", 1) + `]`)}},
			[]string{`lineItems[1].sku: only one coverage line (vendor "re:do", sku "x-redo") is allowed per order; lineItems[0] is one already`}},

		// errors in several places come out in schema order, whatever the key order
		{"several", []edit{{"refunds", raw("{}")}, {"customer.email", "x"}, {"id", ""}, {"lineItems.0.quantity", raw("0")}}, []string{
			"id: must not be empty",
			"customer.email: " + msgEmailT,
			"lineItems[0].quantity: " + msgQtyT,
			"refunds: must be an array or null",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ord, err := Decode(bodyWith(t, tt.edits...))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if ord != nil {
				t.Error("returned an order along with the error")
			}
			got := fieldErrors(t, err)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("errors:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// Variants of the seed that are valid.
func TestDecodeAccepts(t *testing.T) {
	tests := []struct {
		name  string
		edits []edit
		check func(t *testing.T, o *returns.Order)
	}{
		{"nullable fields null", []edit{
			{"salesChannel", nil}, {"customer.phone", nil}, {"shippingAddress.address2", nil}, {"billingAddress", nil},
			{"lineItems.0.variantId", nil}, {"lineItems.0.vendor", nil}, {"lineItems.0.weight", nil}, {"lineItems.0.image", nil},
			{"cancelledAt", nil}, {"cancelReason", nil},
		}, func(t *testing.T, o *returns.Order) {
			if o.SalesChannel != "" || o.Customer.Phone != "" || o.BillingAddress != nil || o.Lines[0].Weight != nil || o.CancelledAt != nil {
				t.Errorf("nulls not mapped to zero values: %+v", o)
			}
		}},
		{"optional fields null read as absent", []edit{
			{"tags", nil}, {"customer.id", nil}, {"transactions", nil}, {"refunds", nil}, {"metafields", nil},
			{"lineItems.0.tags", nil}, {"lineItems.0.properties", nil}, {"lineItems.0.discounts", nil},
		}, func(t *testing.T, o *returns.Order) {
			if len(o.Tags) != 0 || o.Customer.ID != "" || len(o.Transactions) != 0 || len(o.Lines[0].Tags) != 0 {
				t.Errorf("nulls not read as absent: %+v", o)
			}
		}},
		{"optional fields absent", []edit{
			{"salesChannel", del}, {"tags", del}, {"transactions", del}, {"customer.id", del}, {"customer.phone", del},
			{"lineItems.0.returnableQuantity", del}, {"lineItems.0.weight", del},
		}, func(t *testing.T, o *returns.Order) {
			if o.Lines[0].ReturnableQuantity != 0 {
				t.Errorf("unfulfilled line without returnableQuantity: returnable %d, want 0", o.Lines[0].ReturnableQuantity)
			}
		}},
		{"whole numbers in other spellings", []edit{{"lineItems.0.quantity", raw("2.0")}, {"lineItems.0.returnableQuantity", raw("1e0")}},
			func(t *testing.T, o *returns.Order) {
				if l := o.Lines[0]; l.Quantity != 2 || l.ReturnableQuantity != 1 {
					t.Errorf("quantity %d returnable %d", l.Quantity, l.ReturnableQuantity)
				}
			}},
		{"quantity at cap", []edit{{"lineItems.0.quantity", raw("1000")}}, func(t *testing.T, o *returns.Order) {
			if o.Lines[0].Quantity != 1000 {
				t.Error(o.Lines[0].Quantity)
			}
		}},
		{"timestamps with offset and fraction are UTC", []edit{{"createdAt", "2025-01-15T12:30:00.25+02:00"}, {"cancelledAt", "2025-01-16T00:00:00-05:00"}, {"cancelReason", "customer"}},
			func(t *testing.T, o *returns.Order) {
				if want := time.Date(2025, 1, 15, 10, 30, 0, 250e6, time.UTC); !o.CreatedAt.Equal(want) || o.CreatedAt.Location() != time.UTC {
					t.Errorf("createdAt %v", o.CreatedAt)
				}
				if o.CancelledAt == nil || !o.CancelledAt.Equal(time.Date(2025, 1, 16, 5, 0, 0, 0, time.UTC)) || o.CancelReason != "customer" {
					t.Errorf("cancelledAt %v %q", o.CancelledAt, o.CancelReason)
				}
			}},
		{"fulfilled quantity drives returnable", []edit{
			{"lineItems", obj(`[{"id":"line_1","productId":"p","sku":"s","title":"t","quantity":2,"priceSet":{"presentmentMoney":{"amount":"1","currencyCode":"USD"},"shopMoney":{"amount":"1","currencyCode":"USD"}}},` + line2 + `]`)},
			{"fulfillments", obj(`[` + fulfilment + `,{"id":"f2","shippingDate":"2025-01-16T08:00:00Z","deliveryDate":null,"trackingNumbers":[{"carrier":null,"trackingNumber":"1Z"}],"trackingUrls":["https://t.example/1Z"],"lineItems":[{"id":"line_1","quantity":1},{"id":"line_2","quantity":2}]}]`)},
		}, func(t *testing.T, o *returns.Order) {
			if l := o.Lines[0]; l.FulfilledQuantity != 2 || l.ReturnableQuantity != 2 {
				t.Errorf("line_1 fulfilled %d returnable %d", l.FulfilledQuantity, l.ReturnableQuantity)
			}
			if l := o.Lines[1]; l.FulfilledQuantity != 2 || l.ReturnableQuantity != 2 || l.Quantity != 3 {
				t.Errorf("line_2 fulfilled %d returnable %d", l.FulfilledQuantity, l.ReturnableQuantity)
			}
			f := o.Fulfillments[1]
			if f.ShippingDate == nil || f.DeliveryDate != nil || f.TrackingNumbers[0].Number != "1Z" || len(f.Lines) != 2 || f.TrackingURLs[0] != "https://t.example/1Z" {
				t.Errorf("fulfillment %+v", f)
			}
		}},
		{"tax lines, discounts and billing address", []edit{
			{"lineItems.0.taxLines", obj(`[{"rate":"0.0825","title":"NY","priceSet":{"presentmentMoney":{"amount":"4.95","currencyCode":"USD"},"shopMoney":{"amount":"4.95","currencyCode":"USD"}}},{"rate":null,"priceSet":{"presentmentMoney":{"amount":"0","currencyCode":"USD"},"shopMoney":{"amount":"0","currencyCode":"USD"}}}]`)},
			{"lineItems.0.discounts", obj(`[{"discountId":"","discountCode":"TEN","amountSet":{"presentmentMoney":{"amount":"6.00","currencyCode":"USD"},"shopMoney":{"amount":"6.00","currencyCode":"USD"}}}]`)},
			{"billingAddress", obj(`{"address1":null,"city":"Boston"}`)},
			{"metafields", obj(`[{"namespace":"erp","key":"id","value":"42"}]`)},
		}, func(t *testing.T, o *returns.Order) {
			l := o.Lines[0]
			if len(l.TaxLines) != 2 || l.TaxLines[0].Rate != "0.0825" || l.TaxLines[0].Amount.Shop.Minor != 495 || l.TaxLines[1].Title != "Tax" || l.TaxLines[1].Rate != "" {
				t.Errorf("tax lines %+v", l.TaxLines)
			}
			if len(l.Discounts) != 1 || l.Discounts[0].Code != "TEN" || l.Discounts[0].Amount.Presentment.Minor != 600 {
				t.Errorf("discounts %+v", l.Discounts)
			}
			if o.BillingAddress == nil || o.BillingAddress.City != "Boston" || o.Metafields[0].Value != "42" {
				t.Errorf("billing %+v metafields %+v", o.BillingAddress, o.Metafields)
			}
		}},
		{"different presentment currency", []edit{
			{"presentmentCurrency", "EUR"},
			{"lineItems.0.priceSet.presentmentMoney", obj(`{"amount":"27.50","currencyCode":"EUR"}`)},
			{"shippingLines.0.priceSet.presentmentMoney", obj(`{"amount":"5.50","currencyCode":"EUR"}`)},
		}, func(t *testing.T, o *returns.Order) {
			if p := o.Lines[0].Price; p.Presentment != (returns.Money{Minor: 2750, Currency: "EUR"}) || p.Shop != (returns.Money{Minor: 2999, Currency: "USD"}) {
				t.Errorf("price %+v", p)
			}
		}},
		{"negative zero is zero", []edit{{"lineItems.0.weight.value", raw("-0")}, {"lineItems.0.returnableQuantity", raw("-0")},
			{"lineItems.0.taxLines", obj(`[{"rate":"-0.00","priceSet":{"presentmentMoney":{"amount":"-0","currencyCode":"USD"},"shopMoney":{"amount":"0","currencyCode":"USD"}}}]`)}},
			func(t *testing.T, o *returns.Order) {
				l := o.Lines[0]
				if l.Weight.Value != 0 || l.ReturnableQuantity != 0 || l.TaxLines[0].Amount.Presentment.Minor != 0 {
					t.Errorf("line %+v", l)
				}
			}},
		{"unknown fields ignored", []edit{{"extra", obj(`{"deep":[1,2,3]}`)}, {"lineItems.0.colour", "red"}}, nil},
		{"underscores in line ids", []edit{{"lineItems.0.id", "a_b_c"}}, nil},
		{"refunds", []edit{{"refunds", obj(`[{"id":"r1","createdAt":"2025-01-20T00:00:00Z","note":null,
			"lineItems":[{"lineItemId":"line_1","quantity":1,"subtotalSet":{"presentmentMoney":{"amount":"29.99","currencyCode":"USD"},"shopMoney":{"amount":"29.99","currencyCode":"USD"}},"totalTaxSet":{"presentmentMoney":{"amount":"0","currencyCode":"USD"},"shopMoney":{"amount":"0","currencyCode":"USD"}}},
			             {"lineItemId":"gone","quantity":1,"subtotalSet":{"presentmentMoney":{"amount":"1","currencyCode":"USD"},"shopMoney":{"amount":"1","currencyCode":"USD"}},"totalTaxSet":{"presentmentMoney":{"amount":"0","currencyCode":"USD"},"shopMoney":{"amount":"0","currencyCode":"USD"}}}],
			"orderLevelRefunds":[{"reason":"goodwill","amountSet":{"presentmentMoney":{"amount":"2","currencyCode":"USD"},"shopMoney":{"amount":"2","currencyCode":"USD"}},"taxAmountSet":{"presentmentMoney":{"amount":"0.10","currencyCode":"USD"},"shopMoney":{"amount":"0.10","currencyCode":"USD"}}}]}]`)}},
			func(t *testing.T, o *returns.Order) {
				r := o.Refunds[0]
				if len(r.Lines) != 1 || r.Lines[0].LineID != "line_1" || r.Lines[0].Subtotal.Shop.Minor != 2999 {
					t.Errorf("refund lines %+v (the unknown line must be dropped)", r.Lines)
				}
				if a := r.OrderLevelRefunds[0]; a.Reason != "goodwill" || a.Amount.Shop.Minor != 200 || a.Tax == nil || a.Tax.Shop.Minor != 10 {
					t.Errorf("order-level refund %+v", a)
				}
			}},
		{"transaction extras kept", []edit{{"transactions.0.paymentGateway", "authorize_net"},
			{"transactions.0.additionalDetails", obj(`{"creditCardLastFour":"4242"}`)}, {"transactions.0.authCode", "A1"}, {"transactions.0.amount", raw("6.597e1")}},
			func(t *testing.T, o *returns.Order) {
				tr := o.Transactions[0]
				want := map[string]any{"additionalDetails": map[string]any{"creditCardLastFour": "4242"}, "authCode": "A1"}
				if !reflect.DeepEqual(tr.Extra, want) || tr.Amount.Minor != 6597 {
					t.Errorf("transaction %+v", tr)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Decode(bodyWith(t, tt.edits...))
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				tt.check(t, o)
			}
		})
	}
}

func TestDecodeSeed(t *testing.T) {
	o, err := Decode(seedBody(t))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC)
	usd := func(minor int64) returns.MoneySet {
		m := returns.Money{Minor: minor, Currency: "USD"}
		return returns.MoneySet{Shop: m, Presentment: m}
	}
	want := &returns.Order{
		ExternalID:          "order_123456",
		Name:                "order_123456",
		CreatedAt:           at,
		UpdatedAt:           at,
		PresentmentCurrency: "USD",
		ShopCurrency:        "USD",
		SalesChannel:        "web",
		Tags:                []string{"vip-customer"},
		Customer:            returns.Customer{ID: "cust_789", Email: "jane.doe@example.com", FirstName: "Jane", LastName: "Doe", Phone: "+1234567890"},
		ShippingAddress: returns.Address{Address1: "123 Main St", Address2: "Apt 4B", City: "New York", ProvinceCode: "NY", Zip: "10001",
			CountryCode: "US", FirstName: "Jane", LastName: "Doe", Phone: "+1234567890"},
		Lines: []returns.OrderLine{{
			ID: "line_1", ProductID: "prod_456", VariantID: "var_789", SKU: "TEE-BLK-M", Title: "Classic T-Shirt",
			VariantTitle: "Black / Medium", Vendor: "Acme Apparel", Quantity: 2, ReturnableQuantity: 2,
			Price: usd(2999), Image: "https://example.com/images/tee.jpg", Weight: &returns.Weight{Value: 0.5, Unit: "lb"},
		}},
		ShippingLines: []returns.ShippingLine{{ID: "ship_1", Title: "Standard Shipping", Code: "standard", Price: usd(599)}},
		Transactions: []returns.Transaction{{PaymentID: "pay_abc123", Amount: returns.Money{Minor: 6597, Currency: "USD"},
			CreatedAt: at, PaymentGateway: "stripe"}},
	}
	if !reflect.DeepEqual(o, want) {
		g, _ := json.MarshalIndent(o, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("decoded order differs\n got %s\nwant %s", g, w)
	}
}

func TestCoverage(t *testing.T) {
	tests := []struct {
		name  string
		tags  string // JSON array
		props string // JSON array
		want  returns.Coverage
	}{
		{"returns tag", `["returns"]`, `[]`, returns.CoverageReturns},
		{"return property", `[]`, `[{"name":"_redo_type","value":"return"}]`, returns.CoverageReturns},
		{"package protection tag", `["package protection"]`, `[]`, returns.CoveragePackageProtection},
		{"package protection property", `["misc"]`, `[{"name":"_redo_type","value":"package protection"}]`, returns.CoveragePackageProtection},
		{"both tag", `["both"]`, `[]`, returns.CoverageBoth},
		{"both property", `[]`, `[{"name":"_redo_type","value":"both"}]`, returns.CoverageBoth},
		{"returns and package protection tags", `["returns","package protection"]`, `[]`, returns.CoverageBoth},
		{"tag and property combine", `["returns"]`, `[{"name":"_redo_type","value":"package protection"}]`, returns.CoverageBoth},
		{"case and spaces ignored", `[" Package Protection "]`, `[]`, returns.CoveragePackageProtection},
		{"other properties ignored", `["returns"]`, `[{"name":"redo_type","value":"both"}]`, returns.CoverageReturns},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line := obj(redoLine).(map[string]any)
			line["tags"] = obj(tt.tags)
			line["properties"] = obj(tt.props)
			line["returnableQuantity"] = json.Number("1") // ignored on the coverage line
			body := bodyWith(t,
				edit{"lineItems", []any{seedTree(t)["lineItems"].([]any)[0], line}},
				edit{"fulfillments", obj(`[{"id":"f1","lineItems":[{"id":"redo_1","quantity":1},{"id":"line_1","quantity":2}]}]`)})
			o, err := Decode(body)
			if err != nil {
				t.Fatal(err)
			}
			c := o.Lines[1]
			if c.Coverage != tt.want || !c.IsCoverage() || o.Coverage != tt.want {
				t.Errorf("line coverage %q, order coverage %q; want %q", c.Coverage, o.Coverage, tt.want)
			}
			if c.ReturnableQuantity != 0 || c.FulfilledQuantity != 1 {
				t.Errorf("coverage line returnable %d fulfilled %d; want 0, 1", c.ReturnableQuantity, c.FulfilledQuantity)
			}
			if l := o.Lines[0]; l.IsCoverage() || l.ReturnableQuantity != 2 {
				t.Errorf("ordinary line %+v", l)
			}
		})
	}
	// Only the exact vendor and sku make a coverage line.
	o, err := Decode(bodyWith(t, edit{"lineItems.0.vendor", "Re:do"}, edit{"lineItems.0.tags", obj(`["returns"]`)}))
	if err != nil || o.Coverage != returns.CoverageNone || o.Lines[0].IsCoverage() {
		t.Errorf("vendor Re:do made a coverage line: %v %v", err, o)
	}
}

func TestTreeAndError(t *testing.T) {
	line := obj(line2).(map[string]any)
	line["priceSet"].(map[string]any)["shopMoney"].(map[string]any)["amount"] = json.Number("5")
	body := bodyWith(t, edit{"lineItems", []any{seedTree(t)["lineItems"].([]any)[0], line}}, edit{"customer.email", "nope"})
	_, err := Decode(body)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v", err)
	}
	wantTree := map[string]any{
		"customer":  map[string]any{"email": msgEmailT},
		"lineItems": map[string]any{"1": map[string]any{"priceSet": map[string]any{"shopMoney": map[string]any{"amount": "must be a decimal string"}}}},
	}
	if got := ve.Tree(); !reflect.DeepEqual(got, wantTree) {
		t.Errorf("Tree() = %v\nwant %v", got, wantTree)
	}
	wantMsg := "customer.email: " + msgEmailT + "; lineItems[1].priceSet.shopMoney.amount: must be a decimal string"
	if err.Error() != wantMsg {
		t.Errorf("Error() = %q\nwant %q", err.Error(), wantMsg)
	}
	if got := ve.Fields[1].Path; !reflect.DeepEqual(got, []string{"lineItems", "1", "priceSet", "shopMoney", "amount"}) {
		t.Errorf("path %q", got)
	}
	if returns.ErrorCode(err) != returns.EINVALID || returns.ErrorMessage(err) != wantMsg {
		t.Errorf("returns.ErrorCode/Message = %q, %q", returns.ErrorCode(err), returns.ErrorMessage(err))
	}
}

func TestTreeCollisions(t *testing.T) {
	ve := &ValidationError{Fields: []FieldError{
		{Path: []string{"a", "b"}, Message: "one"},
		{Path: []string{"a", "b"}, Message: "two"},
		{Path: []string{"a"}, Message: "self"},
		{Path: []string{"c"}, Message: "leaf"},
		{Path: []string{"c", "d"}, Message: "child"},
		{Path: nil, Message: "root"},
	}}
	want := map[string]any{
		"a":      map[string]any{"b": "one; two", "_error": "self"},
		"c":      map[string]any{"_error": "leaf", "d": "child"},
		"_error": "root",
	}
	if got := ve.Tree(); !reflect.DeepEqual(got, want) {
		t.Errorf("Tree() = %v\nwant %v", got, want)
	}
}

func TestFieldPath(t *testing.T) {
	tests := []struct {
		p    []string
		want string
	}{
		{nil, ""},
		{[]string{"id"}, "id"},
		{[]string{"lineItems", "1", "priceSet", "shopMoney", "amount"}, "lineItems[1].priceSet.shopMoney.amount"},
		{[]string{"fulfillments", "0", "lineItems", "12"}, "fulfillments[0].lineItems[12]"},
	}
	for _, tt := range tests {
		if got := FieldPath(tt.p); got != tt.want {
			t.Errorf("FieldPath(%q) = %q; want %q", tt.p, got, tt.want)
		}
	}
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		body   string
		offset int64
		msg    string
	}{
		{``, 0, "malformed JSON at byte 0: empty body"},
		{`   `, 3, "malformed JSON at byte 3: empty body"},
		{`{"id":x}`, 6, "malformed JSON at byte 6: invalid character 'x' looking for beginning of value"},
		{`{"id":"a",}`, 10, "malformed JSON at byte 10: invalid character '}' looking for beginning of object key string"},
		{"{\"id\":\"a\",\n\"type\":}", 18, "malformed JSON at byte 18: invalid character '}' looking for beginning of value"},
		{`{"id":"a"`, 9, "malformed JSON at byte 9: unexpected end of input"},
		{`{"id":"a"} x`, 11, "malformed JSON at byte 11: unexpected data after the top-level value"},
		{`{"id":"a"}{}`, 10, "malformed JSON at byte 10: unexpected data after the top-level value"},
		{strings.Repeat("[", 65) + strings.Repeat("]", 65), 64, "malformed JSON at byte 64: nested more than 64 levels deep"},
	}
	for _, tt := range tests {
		_, err := Decode([]byte(tt.body))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Decode(%q) = %v; want *SyntaxError", tt.body, err)
			continue
		}
		if se.Offset != tt.offset || se.Error() != tt.msg {
			t.Errorf("Decode(%q) = offset %d %q; want %d %q", tt.body, se.Offset, se.Error(), tt.offset, tt.msg)
		}
		if returns.ErrorCode(err) != returns.EINVALID {
			t.Errorf("Decode(%q): code %q", tt.body, returns.ErrorCode(err))
		}
	}
	// Trailing whitespace is fine; a deep but legal body is not a syntax error.
	if _, err := DecodeGeneric([]byte("{}\n\t ")); err != nil {
		t.Error(err)
	}
	if _, err := DecodeGeneric([]byte(strings.Repeat("[", 64) + strings.Repeat("]", 64))); err != nil {
		t.Error(err)
	}
	if _, err := DecodeGeneric([]byte(`["[[[[` + strings.Repeat("[", 100) + `\"", 1]`)); err != nil {
		t.Errorf("brackets inside strings counted as nesting: %v", err)
	}
}

func TestNotAnObject(t *testing.T) {
	for _, body := range []string{`[]`, `"order"`, `null`, `42`} {
		_, err := Decode([]byte(body))
		if got := fieldErrors(t, err); !reflect.DeepEqual(got, []string{": must be a JSON object"}) {
			t.Errorf("Decode(%s): %q", body, got)
		}
		if err.Error() != "request body: must be a JSON object" {
			t.Errorf("Decode(%s): %q", body, err.Error())
		}
	}
}

func TestLimits(t *testing.T) {
	line := obj(line2)
	many := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			l := obj(line2).(map[string]any)
			l["id"] = fmt.Sprintf("l%d", i)
			out[i] = l
		}
		return out
	}
	_ = line
	// 1000 lines is fine (and exercises the id index).
	o, err := Decode(bodyWith(t, edit{"lineItems", many(MaxLineItems)}, edit{"fulfillments", obj(`[{"id":"f","lineItems":[{"id":"l999","quantity":3}]}]`)}))
	if err != nil {
		t.Fatal(err)
	}
	if l := o.Lines[999]; l.FulfilledQuantity != 3 || l.ReturnableQuantity != 3 {
		t.Errorf("line 999: %+v", l)
	}
	_, err = Decode(bodyWith(t, edit{"lineItems", many(MaxLineItems + 1)}))
	if got := fieldErrors(t, err); !reflect.DeepEqual(got, []string{"lineItems: must have at most 1000 items"}) {
		t.Errorf("got %q", got)
	}
	// Duplicates are found through the index too.
	lines := many(40)
	lines[39].(map[string]any)["id"] = "l3"
	_, err = Decode(bodyWith(t, edit{"lineItems", lines}))
	if got := fieldErrors(t, err); !reflect.DeepEqual(got, []string{`lineItems[39].id: duplicate line item id "l3" (also used by lineItems[3])`}) {
		t.Errorf("got %q", got)
	}
	// Errors are capped.
	lines = many(300)
	for _, l := range lines {
		l.(map[string]any)["quantity"] = json.Number("0")
	}
	_, err = Decode(bodyWith(t, edit{"lineItems", lines}))
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != MaxErrors || !ve.Truncated || !strings.HasSuffix(err.Error(), "(further errors omitted after the first 100)") {
		t.Errorf("error cap: %d fields, truncated %v", len(ve.Fields), ve.Truncated)
	}
}

// checkInvariants verifies what every successfully decoded order guarantees.
func checkInvariants(t *testing.T, o *returns.Order) {
	t.Helper()
	scaleOK := func(code string) bool {
		return currencyProblem(code) == ""
	}
	if !scaleOK(o.ShopCurrency) || !scaleOK(o.PresentmentCurrency) {
		t.Fatalf("invalid order currencies %q %q", o.ShopCurrency, o.PresentmentCurrency)
	}
	if o.ExternalID == "" || o.Name != o.ExternalID || len(o.Lines) == 0 || len(o.Lines) > MaxLineItems {
		t.Fatalf("bad identity or lines: %q %q %d", o.ExternalID, o.Name, len(o.Lines))
	}
	checkSet := func(what string, s returns.MoneySet) {
		if s.Shop.Currency != o.ShopCurrency || s.Presentment.Currency != o.PresentmentCurrency {
			t.Fatalf("%s: currencies %q/%q differ from the order's", what, s.Shop.Currency, s.Presentment.Currency)
		}
		if s.Shop.Minor < 0 || s.Presentment.Minor < 0 {
			t.Fatalf("%s: negative amount %+v", what, s)
		}
	}
	coverage := 0
	ids := map[string]bool{}
	for i, l := range o.Lines {
		if ids[l.ID] || l.ID == "" {
			t.Fatalf("line %d: empty or duplicate id %q", i, l.ID)
		}
		ids[l.ID] = true
		if l.Quantity < 1 || l.Quantity > MaxQuantity {
			t.Fatalf("line %d: quantity %d", i, l.Quantity)
		}
		if l.ReturnableQuantity < 0 || l.ReturnableQuantity > l.Quantity {
			t.Fatalf("line %d: returnable %d of %d", i, l.ReturnableQuantity, l.Quantity)
		}
		if l.FulfilledQuantity < 0 || l.FulfilledQuantity > l.Quantity {
			t.Fatalf("line %d: fulfilled %d of %d", i, l.FulfilledQuantity, l.Quantity)
		}
		if l.IsCoverage() {
			coverage++
			if l.ReturnableQuantity != 0 || l.Coverage != o.Coverage {
				t.Fatalf("coverage line %d: returnable %d, coverage %q vs order %q", i, l.ReturnableQuantity, l.Coverage, o.Coverage)
			}
		}
		checkSet("line price", l.Price)
		for _, d := range l.Discounts {
			checkSet("line discount", d.Amount)
		}
		for _, tx := range l.TaxLines {
			checkSet("line tax", tx.Amount)
		}
	}
	if coverage > 1 || (coverage == 0 && o.Coverage != returns.CoverageNone) {
		t.Fatalf("%d coverage lines, order coverage %q", coverage, o.Coverage)
	}
	for _, s := range o.ShippingLines {
		checkSet("shipping", s.Price)
	}
	for _, d := range o.Discounts {
		checkSet("order discount", d.Amount)
	}
	for _, f := range o.Fulfillments {
		for _, fl := range f.Lines {
			if !ids[fl.LineID] || fl.Quantity < 1 {
				t.Fatalf("fulfillment line %+v", fl)
			}
		}
	}
	for _, tr := range o.Transactions {
		if !scaleOK(tr.Amount.Currency) || tr.Amount.Minor < 0 {
			t.Fatalf("transaction %+v", tr)
		}
	}
	if o.CreatedAt.Location() != time.UTC || o.UpdatedAt.Location() != time.UTC {
		t.Fatal("timestamps not in UTC")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(seedBody(f))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"id":`))
	f.Fuzz(func(t *testing.T, body []byte) {
		o, err := Decode(body)
		if err != nil {
			if o != nil {
				t.Fatal("order returned with an error")
			}
			var ve *ValidationError
			var se *SyntaxError
			switch {
			case errors.As(err, &ve):
				if len(ve.Fields) == 0 || len(ve.Fields) > MaxErrors {
					t.Fatalf("%d field errors", len(ve.Fields))
				}
				for _, fe := range ve.Fields {
					if fe.Message == "" {
						t.Fatalf("empty message at %q", fe.Path)
					}
				}
				_ = ve.Tree()
			case errors.As(err, &se):
				if se.Offset < 0 || se.Offset > int64(len(body)) {
					t.Fatalf("offset %d outside body of %d bytes", se.Offset, len(body))
				}
			default:
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		checkInvariants(t, o)
	})
}

// TestFuzzCorpus checks that the corpus entries meant to be valid orders
// still are, so that fuzzing starts from deep inside the accepted space.
func TestFuzzCorpus(t *testing.T) {
	valid := map[string]bool{"seed-order": true, "coverage-fulfilled": true, "all-optional-parts": true, "exponent-numbers": true, "invalid-utf8": true}
	entries, err := os.ReadDir("testdata/fuzz/FuzzDecode")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile("testdata/fuzz/FuzzDecode/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitN(string(b), "\n", 3)
		if len(lines) < 2 || lines[0] != "go test fuzz v1" || !strings.HasPrefix(lines[1], "[]byte(") {
			t.Fatalf("%s: not a corpus file", e.Name())
		}
		body, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		o, err := Decode([]byte(body))
		if valid[e.Name()] != (err == nil) {
			t.Errorf("%s: valid=%v, Decode error %v", e.Name(), valid[e.Name()], err)
		}
		if e.Name() == "coverage-fulfilled" && err == nil && (o.Coverage != returns.CoverageBoth || o.Lines[1].ReturnableQuantity != 1) {
			t.Errorf("coverage-fulfilled: coverage %q, line_1 returnable %d", o.Coverage, o.Lines[1].ReturnableQuantity)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	body := seedBody(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeGeneric is the baseline: the bare JSON decode.
func BenchmarkDecodeGeneric(b *testing.B) {
	body := seedBody(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeGeneric(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeLarge decodes an order of 100 lines, each fulfilled.
func BenchmarkDecodeLarge(b *testing.B) {
	root := seedTree(b)
	lines := make([]any, 100)
	ful := make([]any, 100)
	for i := range lines {
		l := obj(line2).(map[string]any)
		l["id"] = fmt.Sprintf("line-%d", i)
		l["taxLines"] = obj(`[{"rate":"0.08","priceSet":{"presentmentMoney":{"amount":"1.20","currencyCode":"USD"},"shopMoney":{"amount":"1.20","currencyCode":"USD"}}}]`)
		lines[i] = l
		ful[i] = map[string]any{"id": l["id"], "quantity": json.Number("3")}
	}
	root["lineItems"] = lines
	root["fulfillments"] = []any{map[string]any{"id": "f1", "lineItems": ful}}
	body, err := json.Marshal(root)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(body); err != nil {
			b.Fatal(err)
		}
	}
}

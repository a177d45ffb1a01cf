package ecwid_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/ecwid"
	"github.com/reboundhq/rebound/internal/ecwid/ecwidtest"
)

// returnOrder is the inbound order Rebound mirrors for an approved return.
func returnOrder() *ecwid.NewOrder {
	addr := &ecwid.Person{
		Name: "Dana Reyes", Street: "12 Cedar Ln\nApt 3", City: "Denver", StateOrProvinceCode: "CO",
		PostalCode: "80202", CountryCode: "US", Phone: "+1 303 555 0100",
	}
	return &ecwid.NewOrder{
		Email: "dana.reyes@example.com", Subtotal: 0, Total: 0,
		PaymentStatus: ecwid.PaymentPaid, FulfillmentStatus: ecwid.FulfillmentAwaitingProcessing,
		CustomerGroup: "redo-returns",
		Items: []ecwid.NewOrderItem{{
			SKU: "TS-ORG-BLU-M", Name: "Organic Cotton Tee", Price: 0, Quantity: 2,
			SelectedOptions: []ecwid.SelectedOption{ecwid.TextOption("Return reason", "Too small")},
		}},
		ShippingPerson:                  addr,
		BillingPerson:                   addr,
		OrderComments:                   "Return RET-1001 for order #1042 from Fernhill; inbound tracking 1Z999AA10123456784",
		PrivateAdminNotes:               "Q: Why? A: Runs small",
		AffiliateID:                     "1Z999AA10123456784",
		DisableAllCustomerNotifications: true,
	}
}

func TestCreateOrder(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv)
	ctx := context.Background()

	res, err := c.Orders.Create(ctx, returnOrder())
	if err != nil {
		t.Fatal(err)
	}
	if res.OrderID == "" || res.InternalID == 0 {
		t.Fatalf("result = %+v", res)
	}

	// The wire body: required members present even at zero, ids not sent.
	r := lastRequest(t, srv)
	if r.Method != http.MethodPost || r.Path != "/orders" || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") ||
		r.Header.Get("Authorization") != "Bearer "+srv.Token {
		t.Errorf("request = %s %s %v", r.Method, r.Path, r.Header)
	}
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"total", "subtotal", "email", "paymentStatus", "fulfillmentStatus", "customerGroup", "affiliateId", "items", "shippingPerson"} {
		if _, ok := body[k]; !ok {
			t.Errorf("body lacks %s: %s", k, r.Body)
		}
	}
	item := body["items"].([]any)[0].(map[string]any)
	if item["price"] != 0.0 || item["quantity"] != 2.0 {
		t.Errorf("item = %v", item)
	}
	if _, ok := body["id"]; ok {
		t.Error("body carries an id")
	}

	o, err := c.Orders.Get(ctx, res.OrderID)
	if err != nil {
		t.Fatal(err)
	}
	if o.InternalID != res.InternalID || o.Total != 0 || o.PaymentStatus != ecwid.PaymentPaid ||
		o.CustomerGroup != "redo-returns" || o.AffiliateID != "1Z999AA10123456784" ||
		o.Items[0].SelectedOptions[0].Value != "Too small" || o.ShippingPerson.StateOrProvinceCode != "CO" ||
		o.ShippingPerson.Street != "12 Cedar Ln\nApt 3" || o.ShippingPerson.LastName != "Reyes" {
		t.Errorf("stored order = %+v", o)
	}

	// A PAID order with an unknown e-mail creates a customer.
	page, err := c.Customers.Search(ctx, &ecwid.CustomerFilter{Email: "dana.reyes@example.com", UseExactEmailMatch: true})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 1 || page.Items[0].ID != o.CustomerID || page.Items[0].TotalOrderCount != 1 {
		t.Errorf("auto-created customer = %+v (order customerId %d)", page.Items, o.CustomerID)
	}

	// Found by the customer group name in keywords? No: by the comment.
	found, err := c.Orders.Search(ctx, &ecwid.OrderFilter{Keywords: "RET-1001"})
	if err != nil {
		t.Fatal(err)
	}
	if found.Total != 1 || found.Items[0].ID != res.OrderID {
		t.Errorf("search by return id = %+v", found)
	}
}

func TestCreateOrderIDCasing(t *testing.T) {
	for _, key := range []string{"orderid", "orderId"} {
		t.Run(key, func(t *testing.T) {
			srv := newFake(t, ecwidtest.WithOrderIDKey(key))
			c := newClient(srv)
			res, err := c.Orders.Create(context.Background(), returnOrder())
			if err != nil {
				t.Fatal(err)
			}
			if res.OrderID == "" || res.InternalID == 0 {
				t.Fatalf("result = %+v", res)
			}
			stored, ok := srv.Get(ecwidtest.Orders, string(res.OrderID))
			if !ok || stored["internalId"].(json.Number).String() == "" {
				t.Fatalf("order %s not stored", res.OrderID)
			}
		})
	}
}

func TestCreateOrderResultDecoding(t *testing.T) {
	for _, tc := range []struct {
		in       string
		id       ecwid.OrderID
		internal int64
		wantErr  bool
	}{
		{`{"id": 212398840, "orderid": "XJ12H"}`, "XJ12H", 212398840, false},
		{`{"id": 547872251, "orderId": "TL3E4"}`, "TL3E4", 547872251, false},
		{`{"orderID": "AB1CD", "id": 5}`, "AB1CD", 5, false},
		{`{"id": 547872251}`, "547872251", 547872251, false}, // no public id: fall back to the internal one
		{`{"id": "AB1CD", "orderNumber": 108394551}`, "AB1CD", 0, false},
		{`{}`, "", 0, true},
		{`{"orderid": {}}`, "", 0, true},
	} {
		var r ecwid.CreateOrderResult
		err := json.Unmarshal([]byte(tc.in), &r)
		if (err != nil) != tc.wantErr || r.OrderID != tc.id || r.InternalID != tc.internal {
			t.Errorf("%s: got %+v, %v", tc.in, r, err)
		}
	}
}

func TestUpdateAndDeleteOrder(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv)
	ctx := context.Background()

	n, err := c.Orders.Update(ctx, "1HOTQ", &ecwid.OrderUpdate{
		FulfillmentStatus: ecwid.FulfillmentReturned,
		PrivateAdminNotes: ecwid.Ptr(""),
		Total:             ecwid.Ptr(0.0),
	})
	if err != nil || n != 1 {
		t.Fatalf("update = %d, %v", n, err)
	}
	r := lastRequest(t, srv)
	if r.Method != http.MethodPut || r.Path != "/orders/1HOTQ" ||
		string(r.Body) != `{"total":0,"fulfillmentStatus":"RETURNED","privateAdminNotes":""}` {
		t.Errorf("update request %s %s %s", r.Method, r.Path, r.Body)
	}
	o, err := c.Orders.Get(ctx, "1HOTQ")
	if err != nil {
		t.Fatal(err)
	}
	if o.FulfillmentStatus != ecwid.FulfillmentReturned || o.PaymentStatus != ecwid.PaymentAwaitingPayment ||
		o.Total != 0 || len(o.Items) != 2 {
		t.Errorf("updated order = %+v", o)
	}

	// Items replace the whole list.
	if _, err := c.Orders.Update(ctx, "1HOTQ", &ecwid.OrderUpdate{Items: []ecwid.NewOrderItem{{SKU: "X", Name: "X", Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	if o, _ := c.Orders.Get(ctx, "1HOTQ"); len(o.Items) != 1 || o.Items[0].SKU != "X" {
		t.Errorf("items after update = %+v", o.Items)
	}

	// Invalid status.
	_, err = c.Orders.Update(ctx, "1HOTQ", &ecwid.OrderUpdate{PaymentStatus: "QUEUED"})
	if e := ecwid.AsError(err); e == nil || e.Status != 400 || e.Code != ecwid.CodeWrongParameter {
		t.Errorf("bad status err = %v", err)
	}
	if _, err := c.Orders.Update(ctx, "NOPE1", &ecwid.OrderUpdate{}); !ecwid.IsNotFound(err) {
		t.Errorf("update missing err = %v", err)
	}

	n, err = c.Orders.Delete(ctx, "1HOTQ")
	if err != nil || n != 1 {
		t.Fatalf("delete = %d, %v", n, err)
	}
	if _, err := c.Orders.Get(ctx, "1HOTQ"); !ecwid.IsNotFound(err) {
		t.Errorf("get after delete err = %v", err)
	}
	if _, err := c.Orders.Delete(ctx, "1HOTQ"); !ecwid.IsNotFound(err) {
		t.Errorf("delete twice err = %v", err)
	}
}

func TestCreateOrderValidation(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv)
	o := returnOrder()
	o.Items[0].SelectedOptions = []ecwid.SelectedOption{{Value: "no name"}}
	_, err := c.Orders.Create(context.Background(), o)
	if e := ecwid.AsError(err); e == nil || e.Status != 400 || !strings.Contains(e.Message, "name") {
		t.Errorf("err = %v", err)
	}
	if srv.Len(ecwidtest.Orders) != 5 {
		t.Error("invalid order stored")
	}
}

// TestCreateOrderNotRetried checks that a POST is never repeated after a
// 5xx or a dropped connection, even when Ecwid did create the order.
func TestCreateOrderNotRetried(t *testing.T) {
	for name, f := range map[string]ecwidtest.Fault{
		"500":                {Method: "POST", Path: "/orders", Status: 500},
		"503":                {Method: "POST", Path: "/orders", Status: 503},
		"500 after creating": {Method: "POST", Path: "/orders", Status: 500, AfterProcessing: true},
		"reset":              {Method: "POST", Path: "/orders", Reset: true},
		"reset after create": {Method: "POST", Path: "/orders", Reset: true, AfterProcessing: true},
	} {
		t.Run(name, func(t *testing.T) {
			srv := newFake(t)
			c := newClient(srv, ecwid.WithMaxRetries(5))
			srv.InjectFault(1, f)
			_, err := c.Orders.Create(context.Background(), returnOrder())
			if err == nil {
				t.Fatal("create succeeded")
			}
			if !ecwid.IsRetryable(err) {
				t.Errorf("err %v not classed retryable", err)
			}
			if n := len(srv.Requests()); n != 1 {
				t.Errorf("sent %d requests, want 1", n)
			}
			want := 5
			if f.AfterProcessing {
				want = 6
			}
			if got := srv.Len(ecwidtest.Orders); got != want {
				t.Errorf("orders stored = %d, want %d", got, want)
			}
		})
	}
}

// TestCreateOrderRetriedOn429 checks that a rate-limited POST is retried:
// Ecwid did not process it.
func TestCreateOrderRetriedOn429(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv)
	srv.InjectFault(2, ecwidtest.Fault{Method: "POST", Status: 429, RetryAfter: "0"})
	res, err := c.Orders.Create(context.Background(), returnOrder())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("sent %d requests, want 3", n)
	}
	if srv.Len(ecwidtest.Orders) != 6 || res.OrderID == "" {
		t.Errorf("orders = %d, result %+v", srv.Len(ecwidtest.Orders), res)
	}
}

func TestSelectedOptionHelpers(t *testing.T) {
	b, _ := json.Marshal([]ecwid.SelectedOption{ecwid.ChoiceOption("Size", "M"), ecwid.TextOption("Return reason", "Too small")})
	want := `[{"name":"Size","type":"CHOICE","value":"M","valuesArray":["M"],` +
		`"selections":[{"selectionTitle":"M","selectionModifier":0,"selectionModifierType":"ABSOLUTE"}]},` +
		`{"name":"Return reason","type":"TEXT","value":"Too small","valuesArray":["Too small"]}]`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

package ecwid_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/reboundhq/rebound/internal/ecwid"
	"github.com/reboundhq/rebound/internal/ecwid/ecwidtest"
)

// The examples run against ecwidtest's fake store. Against the real API,
// drop WithBaseURL: ecwid.New(storeID, "secret_…").

func Example() {
	srv := ecwidtest.NewServer()
	defer srv.Close()

	c := ecwid.New(srv.StoreID, srv.Token, ecwid.WithBaseURL(srv.APIRoot()))
	p, err := c.Profile.Get(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Settings.StoreName, p.FormatsAndUnits.Currency)
	// Output: Fernhill Outfitters USD
}

// Mirror an approved return into Ecwid as a $0, PAID inbound order.
func ExampleOrdersService_Create() {
	srv := ecwidtest.NewServer()
	defer srv.Close()
	c := ecwid.New(srv.StoreID, srv.Token, ecwid.WithBaseURL(srv.APIRoot()))
	ctx := context.Background()

	addr := &ecwid.Person{Name: "Dana Reyes", Street: "12 Cedar Ln", City: "Denver",
		StateOrProvinceCode: "CO", PostalCode: "80202", CountryCode: "US"}
	res, err := c.Orders.Create(ctx, &ecwid.NewOrder{
		Email:             "dana.reyes@example.com",
		Total:             0,
		Subtotal:          0,
		PaymentStatus:     ecwid.PaymentPaid,
		FulfillmentStatus: ecwid.FulfillmentAwaitingProcessing,
		CustomerGroup:     "redo-returns",
		Items: []ecwid.NewOrderItem{{
			SKU: "TS-ORG-BLU-M", Name: "Organic Cotton Tee", Quantity: 1,
			SelectedOptions: []ecwid.SelectedOption{ecwid.TextOption("Return reason", "Too small")},
		}},
		ShippingPerson:                  addr,
		BillingPerson:                   addr,
		OrderComments:                   "Return RET-1001 for order #1042",
		AffiliateID:                     "1Z999AA10123456784", // inbound tracking number
		DisableAllCustomerNotifications: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	o, err := c.Orders.Get(ctx, res.OrderID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(o.ID == res.OrderID, o.PaymentStatus, o.Total, o.CustomerGroup, o.AffiliateID)
	fmt.Println(o.Items[0].SKU, o.Items[0].SelectedOptions[0].Value)
	// Output:
	// true PAID 0 redo-returns 1Z999AA10123456784
	// TS-ORG-BLU-M Too small
}

func ExampleOrdersService_All() {
	srv := ecwidtest.NewServer()
	defer srv.Close()
	c := ecwid.New(srv.StoreID, srv.Token, ecwid.WithBaseURL(srv.APIRoot()))

	f := &ecwid.OrderFilter{PaymentStatus: []ecwid.PaymentStatus{ecwid.PaymentPaid, ecwid.PaymentRefunded}}
	for o, err := range c.Orders.All(context.Background(), f) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(o.ID, o.PaymentStatus, o.FulfillmentStatus, o.Total)
	}
	// Output:
	// K8XTQ PAID SHIPPED 63.5
	// EBJFT PAID DELIVERED 370
	// CYQLB REFUNDED RETURNED 185
}

func ExampleOrdersService_Search() {
	srv := ecwidtest.NewServer()
	defer srv.Close()
	c := ecwid.New(srv.StoreID, srv.Token, ecwid.WithBaseURL(srv.APIRoot()))

	page, err := c.Orders.Search(context.Background(), &ecwid.OrderFilter{
		Email:          "jamie.ortiz@example.com",
		ResponseFields: ecwid.Fields("total", "items(id,total)"),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("total:", page.Total)
	for _, o := range page.Items {
		fmt.Println(o.ID, o.Total)
	}
	// Output:
	// total: 2
	// K8XTQ 63.5
	// 1HOTQ 149.5
}

func ExampleOrdersService_Update() {
	srv := ecwidtest.NewServer()
	defer srv.Close()
	c := ecwid.New(srv.StoreID, srv.Token, ecwid.WithBaseURL(srv.APIRoot()))
	ctx := context.Background()

	// Only the fields set are changed.
	n, err := c.Orders.Update(ctx, "CYQLB", &ecwid.OrderUpdate{
		FulfillmentStatus: ecwid.FulfillmentDelivered,
		PrivateAdminNotes: ecwid.Ptr("Received at the warehouse"),
	})
	if err != nil {
		log.Fatal(err)
	}
	o, err := c.Orders.Get(ctx, "CYQLB", "fulfillmentStatus", "paymentStatus", "privateAdminNotes")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n, o.FulfillmentStatus, o.PaymentStatus, o.PrivateAdminNotes)

	n, err = c.Orders.Delete(ctx, "CYQLB")
	fmt.Println(n, err)
	_, err = c.Orders.Get(ctx, "CYQLB")
	fmt.Println(ecwid.IsNotFound(err))
	// Output:
	// 1 DELIVERED REFUNDED Received at the warehouse
	// 1 <nil>
	// true
}

func ExampleProductsService_Search() {
	srv := ecwidtest.NewServer()
	defer srv.Close()
	c := ecwid.New(srv.StoreID, srv.Token, ecwid.WithBaseURL(srv.APIRoot()))

	page, err := c.Products.Search(context.Background(), &ecwid.ProductFilter{
		Keyword: "trail",
		SortBy:  ecwid.ProductSortPriceAsc,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range page.Items {
		fmt.Println(p.ID, p.SKU, p.Price, p.Enabled)
	}
	// Output:
	// 12345605 SH-RUN-GRY 140 false
	// 12345604 BT-TRAIL-BRN 185 true
}

func ExampleProductsService_Get() {
	srv := ecwidtest.NewServer()
	defer srv.Close()
	c := ecwid.New(srv.StoreID, srv.Token, ecwid.WithBaseURL(srv.APIRoot()))

	p, err := c.Products.Get(context.Background(), 12345601)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Name, p.Price, *p.Quantity, p.CategoryIDs)
	// Output: Organic Cotton Tee 28 42 [9691094 9691095]
}

func ExampleCustomersService_Search() {
	srv := ecwidtest.NewServer()
	defer srv.Close()
	c := ecwid.New(srv.StoreID, srv.Token, ecwid.WithBaseURL(srv.APIRoot()))

	page, err := c.Customers.Search(context.Background(), &ecwid.CustomerFilter{
		Email:              "priya.nair@example.org",
		UseExactEmailMatch: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	cu := page.Items[0]
	fmt.Println(page.Total, page.AllCustomerCount, cu.ID, cu.Name, cu.CustomerGroupName)
	// Output: 1 4 177737166 Priya Nair Wholesale
}

func ExampleCategoriesService_All() {
	srv := ecwidtest.NewServer()
	defer srv.Close()
	c := ecwid.New(srv.StoreID, srv.Token, ecwid.WithBaseURL(srv.APIRoot()))

	for cat, err := range c.Categories.All(context.Background(), &ecwid.CategoryFilter{HiddenCategories: ecwid.Ptr(true)}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(cat.ID, cat.ParentID, cat.Name, cat.Enabled, cat.ProductCount)
	}
	// Output:
	// 9691094 0 Apparel true 3
	// 9691095 9691094 T-shirts true 2
	// 9691096 0 Footwear true 2
	// 9691097 0 Clearance false 1
}

func ExampleCouponsService_Search() {
	srv := ecwidtest.NewServer()
	defer srv.Close()
	c := ecwid.New(srv.StoreID, srv.Token, ecwid.WithBaseURL(srv.APIRoot()))

	page, err := c.Coupons.Search(context.Background(), &ecwid.CouponFilter{Availability: ecwid.CouponActive})
	if err != nil {
		log.Fatal(err)
	}
	for _, cp := range page.Items {
		fmt.Println(cp.Code, cp.DiscountType, cp.Discount, cp.Status)
	}
	// Output: SPRING10 PERCENT 10 ACTIVE
}

func ExamplePromotionsService_List() {
	srv := ecwidtest.NewServer()
	defer srv.Close()
	c := ecwid.New(srv.StoreID, srv.Token, ecwid.WithBaseURL(srv.APIRoot()))

	page, err := c.Promotions.List(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range page.Items {
		fmt.Println(p.ID, p.Name, p.Enabled, p.DiscountType, p.Amount)
	}
	// Output:
	// 608502 10% off orders over $150 true PERCENT 10
	// 608503 Wholesale boots $20 off false ABSOLUTE 20
}

func ExampleCartsService_Search() {
	srv := ecwidtest.NewServer()
	defer srv.Close()
	c := ecwid.New(srv.StoreID, srv.Token, ecwid.WithBaseURL(srv.APIRoot()))
	ctx := context.Background()

	page, err := c.Carts.Search(ctx, &ecwid.CartFilter{ShowHidden: ecwid.Ptr(false), Limit: ecwid.MaxLimit})
	if err != nil {
		log.Fatal(err)
	}
	for _, cart := range page.Items {
		fmt.Println(cart.CartID, cart.Email, cart.Total)
	}
	cart, err := c.Carts.Get(ctx, "320AB5DE-5EA6-4419-A4CF-0B04D2913190")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("recovered as order", cart.RecoveredOrderID)
	// Output:
	// 6626E60A-A6F9-4CD5-8230-43D5F162E0CD sam.chen@example.com 147
	// recovered as order 516483489
}

func ExampleProfileService_Get() {
	srv := ecwidtest.NewServer()
	defer srv.Close()
	c := ecwid.New(srv.StoreID, srv.Token, ecwid.WithBaseURL(srv.APIRoot()))

	p, err := c.Profile.Get(context.Background(), "generalInfo", "company(companyName,countryCode)")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.GeneralInfo.StoreID, p.Company.CompanyName, p.Company.CountryCode, p.Settings == nil)
	// Output: 1003 Fernhill Outfitters LLC US true
}

// Classify failures to decide between fixing the request, retrying later
// and alerting the merchant.
func ExampleError() {
	srv := ecwidtest.NewServer()
	defer srv.Close()
	ctx := context.Background()

	c := ecwid.New(srv.StoreID, srv.Token, ecwid.WithBaseURL(srv.APIRoot()))
	_, err := c.Orders.Get(ctx, "NOPE1")
	var e *ecwid.Error
	if errors.As(err, &e) {
		fmt.Println(e.Status, e.Code, e.Message)
	}

	bad := ecwid.New(srv.StoreID, "secret_revoked", ecwid.WithBaseURL(srv.APIRoot()))
	_, err = bad.Orders.Get(ctx, "K8XTQ")
	fmt.Println(ecwid.IsAuth(err), ecwid.IsRetryable(err))

	srv.InjectFault(1, ecwidtest.Fault{Status: 429, RetryAfter: "90"})
	_, err = c.Orders.Get(ctx, "K8XTQ")
	fmt.Println(ecwid.IsRateLimited(err), ecwid.IsRetryable(err), ecwid.AsError(err).RetryAfter)
	// Output:
	// 404 ORDER_NOT_FOUND Order #NOPE1 not found
	// true false
	// true true 1m30s
}

func ExampleVerifyWebhook() {
	const clientSecret = "app-client-secret" // not the secret_ access token
	body := []byte(`{"eventId":"08a78904-4c1a","eventCreated":1700000000,"storeId":1003,"entityId":516483487,` +
		`"eventType":"order.updated","data":{"orderId":"K8XTQ","oldFulfillmentStatus":"PROCESSING","newFulfillmentStatus":"SHIPPED"}}`)
	signature := ecwid.WebhookSignature(clientSecret, 1700000000, "08a78904-4c1a") // what Ecwid sends

	ev, err := ecwid.VerifyWebhook(body, signature, clientSecret)
	if err != nil {
		log.Fatal(err)
	}
	d, err := ev.OrderData()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ev.EventType, d.OrderID, d.OldFulfillmentStatus, "->", d.NewFulfillmentStatus)

	_, err = ecwid.VerifyWebhook(body, "forged", clientSecret)
	fmt.Println(errors.Is(err, ecwid.ErrWebhookSignature))
	// Output:
	// order.updated K8XTQ PROCESSING -> SHIPPED
	// true
}

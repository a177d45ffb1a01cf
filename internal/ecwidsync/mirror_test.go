package ecwidsync_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/ecwid"
	"github.com/reboundhq/rebound/internal/ecwid/ecwidtest"
	"github.com/reboundhq/rebound/internal/ecwidsync"
	"github.com/reboundhq/rebound/internal/returns"
)

// TestMirrorCreatesOneOrder mirrors a return into the fake and checks the
// stored order and the requests sent.
func TestMirrorCreatesOneOrder(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv)
	before := srv.Len(ecwidtest.Orders)

	id, err := ecwidsync.Mirror(context.Background(), c, sampleInput(), false)
	if err != nil {
		t.Fatal(err)
	}
	if id == "" {
		t.Fatal("no order id")
	}
	if got := srv.Len(ecwidtest.Orders); got != before+1 {
		t.Fatalf("orders = %d, want %d", got, before+1)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Method != "POST" || reqs[0].Path != "/orders" {
		t.Fatalf("requests = %+v, want one POST /orders", reqs)
	}

	stored, ok := srv.Get(ecwidtest.Orders, id)
	if !ok {
		t.Fatalf("order %s not in the fake", id)
	}
	// Read it back through the client, as a merchant's tools would.
	got, err := c.Orders.Get(context.Background(), ecwid.OrderID(id))
	if err != nil {
		t.Fatal(err)
	}
	if got.Total != 0 || got.Subtotal != 0 || got.PaymentStatus != ecwid.PaymentPaid ||
		got.FulfillmentStatus != ecwid.FulfillmentAwaitingProcessing || got.Email != "ada@example.com" ||
		got.CustomerGroup != testGroup || got.AffiliateID != testTracking {
		t.Errorf("stored order = %+v", got)
	}
	if len(got.Items) != 2 || got.Items[0].SKU != "TEE-BLU-M" || got.Items[0].Quantity != 2 || got.Items[0].Price != 0 ||
		got.Items[0].SelectedOptions[0].Name != "Return reason" || got.Items[0].SelectedOptions[0].Value != "Too small" {
		t.Errorf("stored items = %+v", got.Items)
	}
	if got.ShippingPerson == nil || got.ShippingPerson.Street != "12 Birch Lane\nApt 4" || got.BillingPerson == nil ||
		got.BillingPerson.City != "Portland" {
		t.Errorf("stored persons = %+v / %+v", got.ShippingPerson, got.BillingPerson)
	}
	if !strings.Contains(got.OrderComments, testReturnID) || !strings.Contains(got.PrivateAdminNotes, "https://returns.example.com/files/3f2a9c") {
		t.Errorf("stored comments/notes:\n%s\n--\n%s", got.OrderComments, got.PrivateAdminNotes)
	}
	if stored["paymentStatus"] != "PAID" {
		t.Errorf("fake holds %v", stored["paymentStatus"])
	}

	// Mirroring an already mirrored return sends nothing.
	in := sampleInput()
	in.Return.EcwidOrderID = id
	srv.ResetRequests()
	again, err := ecwidsync.Mirror(context.Background(), c, in, true)
	if err != nil || again != id {
		t.Fatalf("re-mirror = %q, %v", again, err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("re-mirror sent %d requests", n)
	}
}

// TestMirrorIncompleteAddressSendsNothing checks that an incomplete address
// fails permanently before any request.
func TestMirrorIncompleteAddressSendsNothing(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv)
	in := sampleInput()
	in.Return.ShippingAddress.City = ""
	in.Return.ShippingAddress.CountryCode = ""
	for _, uncertain := range []bool{false, true} {
		_, err := ecwidsync.Mirror(context.Background(), c, in, uncertain)
		var ae *ecwidsync.AddressError
		if !errors.As(err, &ae) || !slices.Equal(ae.Missing, []string{"city", "country"}) {
			t.Fatalf("err = %v, want *AddressError{city, country}", err)
		}
		if ecwidsync.Classify(err) != ecwidsync.Permanent {
			t.Errorf("class = %v", ecwidsync.Classify(err))
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// hangAfterStoring serves srv, except that the first POST /orders is
// processed (the order is stored) and then never answered: the client times
// out.
func hangAfterStoring(t *testing.T, srv *ecwidtest.Server) *httptest.Server {
	var hung atomic.Bool
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/orders") && hung.CompareAndSwap(false, true) {
			srv.ServeHTTP(httptest.NewRecorder(), r)
			<-r.Context().Done()
			return
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	srv.URL = hs.URL
	return hs
}

// TestMirrorTimeoutAfterStoredIsNotDuplicated: the create reaches Ecwid,
// which stores the order, but the answer never arrives; the retry with
// uncertain=true finds the order instead of creating a second one.
func TestMirrorTimeoutAfterStoredIsNotDuplicated(t *testing.T) {
	srv := ecwidtest.NewUnstartedServer()
	hs := hangAfterStoring(t, srv)
	c := ecwid.New(srv.StoreID, srv.Token, ecwid.WithBaseURL(srv.APIRoot()), ecwid.WithHTTPClient(hs.Client()),
		ecwid.WithLimiter(nil), ecwid.WithRetryBackoff(time.Millisecond, 5*time.Millisecond))

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	_, err := ecwidsync.Mirror(ctx, c, sampleInput(), false)
	cancel()
	if err == nil {
		t.Fatal("first attempt succeeded")
	}
	if cl := ecwidsync.Classify(err); cl != ecwidsync.Retryable {
		t.Errorf("class = %v (%v), want retryable", cl, err)
	}
	if !ecwidsync.Uncertain(err) {
		t.Fatalf("timeout after sending the create is not uncertain: %v", err)
	}
	stored := ordersOf(srv, testReturnID)
	if len(stored) != 1 {
		t.Fatalf("fake holds %d orders for the return after the timeout, want 1", len(stored))
	}

	id, err := ecwidsync.Mirror(context.Background(), c, sampleInput(), ecwidsync.Uncertain(err))
	if err != nil {
		t.Fatal(err)
	}
	if id != stored[0]["id"] {
		t.Errorf("retry returned %q, want the stored %v", id, stored[0]["id"])
	}
	if n := len(ordersOf(srv, testReturnID)); n != 1 {
		t.Errorf("fake holds %d orders for the return, want 1", n)
	}
	if n := countRequests(srv, "POST", "/orders"); n != 1 {
		t.Errorf("%d creates sent, want 1", n)
	}
}

// TestMirrorAmbiguousFailures covers the fake's injected failures of the
// create request: each leaves the outcome uncertain, and the retry ends with
// exactly one order whether or not the first request created it.
func TestMirrorAmbiguousFailures(t *testing.T) {
	for name, f := range map[string]ecwidtest.Fault{
		"reset before create": {Method: "POST", Path: "/orders", Reset: true},
		"reset after create":  {Method: "POST", Path: "/orders", Reset: true, AfterProcessing: true},
		"500 after create":    {Method: "POST", Path: "/orders", Status: 500, AfterProcessing: true},
		"503 before create":   {Method: "POST", Path: "/orders", Status: 503},
		"408 after create":    {Method: "POST", Path: "/orders", Status: 408, AfterProcessing: true},
	} {
		t.Run(name, func(t *testing.T) {
			srv := newFake(t)
			c := newClient(srv, ecwid.WithMaxRetries(5))
			srv.InjectFault(1, f)
			_, err := ecwidsync.Mirror(context.Background(), c, sampleInput(), false)
			if err == nil {
				t.Fatal("first attempt succeeded")
			}
			if ecwidsync.Classify(err) != ecwidsync.Retryable || !ecwidsync.Uncertain(err) {
				t.Fatalf("class = %v uncertain = %v (%v), want retryable and uncertain", ecwidsync.Classify(err), ecwidsync.Uncertain(err), err)
			}
			id, err := ecwidsync.Mirror(context.Background(), c, sampleInput(), true)
			if err != nil {
				t.Fatal(err)
			}
			stored := ordersOf(srv, testReturnID)
			if len(stored) != 1 || stored[0]["id"] != id {
				t.Fatalf("fake holds %d orders for the return (want 1 with id %s)", len(stored), id)
			}
			wantPosts := 1
			if !f.AfterProcessing {
				wantPosts = 2
			}
			if n := countRequests(srv, "POST", "/orders"); n != wantPosts {
				t.Errorf("%d creates sent, want %d", n, wantPosts)
			}
			if n := countRequests(srv, "GET", "/orders"); n != 1 {
				t.Errorf("%d searches sent, want 1", n)
			}
		})
	}
}

// TestMirrorMalformedAnswerFindsOrder: Ecwid answers 2xx with an unreadable
// body; the order exists, and Mirror finds its id at once.
func TestMirrorMalformedAnswerFindsOrder(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv)
	srv.InjectFault(1, ecwidtest.Fault{Method: "POST", Path: "/orders", Malformed: true, AfterProcessing: true})
	id, err := ecwidsync.Mirror(context.Background(), c, sampleInput(), false)
	if err != nil {
		t.Fatal(err)
	}
	stored := ordersOf(srv, testReturnID)
	if len(stored) != 1 || stored[0]["id"] != id {
		t.Fatalf("fake holds %v, Mirror returned %q", stored, id)
	}
}

// TestMirrorUncertainSearchFails: while the outcome is uncertain, a failed
// search keeps it uncertain and creates nothing.
func TestMirrorUncertainSearchFails(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv, ecwid.WithMaxRetries(0))
	srv.InjectFault(1, ecwidtest.Fault{Method: "GET", Path: "/orders", Status: 500})
	_, err := ecwidsync.Mirror(context.Background(), c, sampleInput(), true)
	if ecwidsync.Classify(err) != ecwidsync.Retryable || !ecwidsync.Uncertain(err) {
		t.Fatalf("class = %v uncertain = %v (%v)", ecwidsync.Classify(err), ecwidsync.Uncertain(err), err)
	}
	if n := countRequests(srv, "POST", "/orders"); n != 0 {
		t.Errorf("%d creates sent", n)
	}
}

// TestFindMirroredIsPrecise checks that the search result is filtered by the
// exact return id: decoys whose text contains the id otherwise are ignored.
func TestFindMirroredIsPrecise(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv)
	decoys := []map[string]any{
		// A longer id that starts with ours.
		{"email": "x@example.com", "total": 0, "subtotal": 0, "paymentStatus": "PAID", "fulfillmentStatus": "AWAITING_PROCESSING",
			"orderComments": "Rebound return ID: " + testReturnID + "ff"},
		// Our id, but not as the return reference.
		{"email": "y@example.com", "total": 0, "subtotal": 0, "paymentStatus": "PAID", "fulfillmentStatus": "AWAITING_PROCESSING",
			"orderComments": "Customer mentioned " + testReturnID},
	}
	if _, err := srv.Add(ecwidtest.Orders, decoys[0], decoys[1]); err != nil {
		t.Fatal(err)
	}
	_, found, err := ecwidsync.FindMirrored(context.Background(), c, testReturnID)
	if err != nil || found {
		t.Fatalf("found = %v, err = %v; want nothing", found, err)
	}
	// The reference in the private notes alone is enough (a merchant may
	// edit the comments).
	ids, err := srv.Add(ecwidtest.Orders, map[string]any{
		"email": "z@example.com", "total": 0, "subtotal": 0, "paymentStatus": "PAID", "fulfillmentStatus": "AWAITING_PROCESSING",
		"orderComments": "edited", "privateAdminNotes": "Rebound return ID: " + testReturnID + "\nItem 1",
	})
	if err != nil {
		t.Fatal(err)
	}
	id, found, err := ecwidsync.FindMirrored(context.Background(), c, testReturnID)
	if err != nil || !found || id != ids[0] {
		t.Fatalf("FindMirrored = %q, %v, %v; want %s", id, found, err, ids[0])
	}
	r := srv.Requests()[len(srv.Requests())-1]
	if r.Query.Get("keywords") != testReturnID {
		t.Errorf("search query = %s", r.RawQuery)
	}
}

// TestMirror429BurstSucceedsLater: a burst of 429s outlasting the client's
// own retries fails retryably and certainly (Ecwid processed nothing); the
// next attempt succeeds with one order.
func TestMirror429BurstSucceedsLater(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv, ecwid.WithMaxRetries(3))
	srv.InjectFault(6, ecwidtest.Fault{Method: "POST", Path: "/orders", Status: 429, RetryAfter: "0"})

	_, err := ecwidsync.Mirror(context.Background(), c, sampleInput(), false)
	if ecwidsync.Classify(err) != ecwidsync.Retryable || ecwidsync.Uncertain(err) {
		t.Fatalf("class = %v uncertain = %v (%v), want retryable, certain", ecwidsync.Classify(err), ecwidsync.Uncertain(err), err)
	}
	if !ecwid.IsRateLimited(err) {
		t.Errorf("err = %v, want a 429", err)
	}
	id, err := ecwidsync.Mirror(context.Background(), c, sampleInput(), ecwidsync.Uncertain(err))
	if err != nil {
		t.Fatal(err)
	}
	if stored := ordersOf(srv, testReturnID); len(stored) != 1 || stored[0]["id"] != id {
		t.Fatalf("fake holds %d orders for the return", len(stored))
	}
}

// TestMirrorUnderRateLimit mirrors several returns against the fake's
// per-token limit: the client waits out Retry-After and every return gets
// exactly one order.
func TestMirrorUnderRateLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a rate-limit window")
	}
	srv := newFake(t, ecwidtest.WithRateLimit(3, time.Second, 0))
	c := newClient(srv)
	ids := []string{"65f1c0a1b2c3d4e5f6a7b801", "65f1c0a1b2c3d4e5f6a7b802", "65f1c0a1b2c3d4e5f6a7b803"}
	for _, rid := range ids {
		in := sampleInput()
		in.Return.ID = rid
		if _, err := ecwidsync.Mirror(context.Background(), c, in, true); err != nil {
			t.Fatalf("%s: %v", rid, err)
		}
	}
	limited := 0
	for _, r := range srv.Requests() {
		if r.Status == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Error("the fake never rate-limited; the test does not test anything")
	}
	for _, rid := range ids {
		if n := len(ordersOf(srv, rid)); n != 1 {
			t.Errorf("%s: %d orders", rid, n)
		}
	}
}

func TestMirrorAuthFailures(t *testing.T) {
	t.Run("401", func(t *testing.T) {
		srv := newFake(t)
		c := newClient(srv)
		srv.InjectFault(1, ecwidtest.Fault{Method: "POST", Path: "/orders", Status: 401, Message: "Invalid access token"})
		_, err := ecwidsync.Mirror(context.Background(), c, sampleInput(), false)
		if ecwidsync.Classify(err) != ecwidsync.Auth || ecwidsync.Uncertain(err) {
			t.Fatalf("class = %v uncertain = %v (%v)", ecwidsync.Classify(err), ecwidsync.Uncertain(err), err)
		}
		if r := ecwidsync.Reason(err); !strings.Contains(r, "401") || !strings.Contains(r, "Invalid access token") {
			t.Errorf("reason = %q", r)
		}
	})
	t.Run("unknown token", func(t *testing.T) {
		srv := newFake(t)
		c := newClientToken(srv, "secret_revoked")
		_, err := ecwidsync.Mirror(context.Background(), c, sampleInput(), true)
		if ecwidsync.Classify(err) != ecwidsync.Auth {
			t.Fatalf("class = %v (%v)", ecwidsync.Classify(err), err)
		}
		if r := ecwidsync.Reason(err); !strings.Contains(r, "INVALID_API_TOKEN") {
			t.Errorf("reason = %q", r)
		}
	})
	t.Run("missing scope", func(t *testing.T) {
		srv := newFake(t, ecwidtest.WithScopedToken("secret_readonly", ecwidtest.ScopeReadOrders))
		c := newClientToken(srv, "secret_readonly")
		_, err := ecwidsync.Mirror(context.Background(), c, sampleInput(), false)
		if ecwidsync.Classify(err) != ecwidsync.Auth {
			t.Fatalf("class = %v (%v)", ecwidsync.Classify(err), err)
		}
		if r := ecwidsync.Reason(err); !strings.Contains(r, "create_orders") {
			t.Errorf("reason = %q", r)
		}
		if n := srv.Len(ecwidtest.Orders); n != 5 {
			t.Errorf("orders = %d", n)
		}
	})
}

func TestMirror400IsPermanent(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv, ecwid.WithMaxRetries(5))
	before := srv.Len(ecwidtest.Orders)
	srv.InjectFault(1, ecwidtest.Fault{Method: "POST", Path: "/orders", Status: 400, Message: "Field OrderItem.quantity is absent"})
	_, err := ecwidsync.Mirror(context.Background(), c, sampleInput(), false)
	if ecwidsync.Classify(err) != ecwidsync.Permanent || ecwidsync.Uncertain(err) {
		t.Fatalf("class = %v uncertain = %v (%v)", ecwidsync.Classify(err), ecwidsync.Uncertain(err), err)
	}
	if e := ecwid.AsError(err); e == nil || e.Message != "Field OrderItem.quantity is absent" || e.Code != "WRONG_PARAMETER" {
		t.Errorf("ecwid error = %+v", e)
	}
	if r := ecwidsync.Reason(err); r != "Ecwid answered 400 WRONG_PARAMETER: Field OrderItem.quantity is absent" {
		t.Errorf("reason = %q", r)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests, want 1 (no retry)", n)
	}
	if srv.Len(ecwidtest.Orders) != before {
		t.Error("an order was stored")
	}
}

func TestUpdateTracking(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv)
	in := sampleInput()
	in.Return.Label = nil
	id, err := ecwidsync.Mirror(context.Background(), c, in, false)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := srv.Get(ecwidtest.Orders, id)
	if _, ok := before["affiliateId"]; ok {
		t.Errorf("affiliateId set without a label: %v", before["affiliateId"])
	}

	in.Return.Label = &returns.Label{TrackingNumber: "9400111899223344556677", Carrier: "USPS"}
	in.Return.EcwidOrderID = id
	srv.ResetRequests()
	if err := ecwidsync.UpdateTracking(context.Background(), c, id, in); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Method != "PUT" || reqs[0].Path != "/orders/"+id {
		t.Fatalf("requests = %+v", reqs)
	}
	var body map[string]any
	if err := json.Unmarshal(reqs[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"affiliateId", "orderComments"}) {
		t.Errorf("PUT members = %v, want affiliateId and orderComments only", keys)
	}
	after, _ := srv.Get(ecwidtest.Orders, id)
	if after["affiliateId"] != "9400111899223344556677" {
		t.Errorf("affiliateId = %v", after["affiliateId"])
	}
	if c, _ := after["orderComments"].(string); !strings.Contains(c, "Incoming tracking number: 9400111899223344556677 (USPS)") || !strings.Contains(c, testReturnID) {
		t.Errorf("orderComments = %q", c)
	}
	if after["privateAdminNotes"] != before["privateAdminNotes"] || after["paymentStatus"] != "PAID" {
		t.Error("other fields changed")
	}

	// A deleted Ecwid order: permanent, with Ecwid's message.
	err = ecwidsync.UpdateTracking(context.Background(), c, "NOPE1", in)
	if ecwidsync.Classify(err) != ecwidsync.Permanent || ecwidsync.Uncertain(err) {
		t.Errorf("class = %v uncertain = %v (%v)", ecwidsync.Classify(err), ecwidsync.Uncertain(err), err)
	}
	if r := ecwidsync.Reason(err); !strings.Contains(r, "Order #NOPE1 not found") {
		t.Errorf("reason = %q", r)
	}

	var ie *ecwidsync.InputError
	if err := ecwidsync.UpdateTracking(context.Background(), c, "", in); !errors.As(err, &ie) {
		t.Errorf("empty id: %v", err)
	}
}

// TestOnlyOrdersTouched runs a whole mirror-and-update cycle and checks that
// only order search, create and update were called: nothing about refunds,
// store credit or customers.
func TestOnlyOrdersTouched(t *testing.T) {
	srv := newFake(t)
	c := newClient(srv)
	id, err := ecwidsync.Mirror(context.Background(), c, sampleInput(), true)
	if err != nil {
		t.Fatal(err)
	}
	if err := ecwidsync.UpdateTracking(context.Background(), c, id, sampleInput()); err != nil {
		t.Fatal(err)
	}
	for _, r := range srv.Requests() {
		ok := (r.Method == "GET" && r.Path == "/orders") || (r.Method == "POST" && r.Path == "/orders") ||
			(r.Method == "PUT" && r.Path == "/orders/"+id)
		if !ok {
			t.Errorf("unexpected request %s %s", r.Method, r.Path)
		}
		for _, k := range []string{"refund", "storeCredit", "giftCard"} {
			if strings.Contains(string(r.Body), k) {
				t.Errorf("%s %s body mentions %s", r.Method, r.Path, k)
			}
		}
	}
}

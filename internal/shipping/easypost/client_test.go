package easypost_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/shipping"
	"github.com/reboundhq/rebound/internal/shipping/easypost"
	"github.com/reboundhq/rebound/internal/shipping/easypost/easyposttest"
)

var ctx = context.Background()

const apiKey = "EZTK_test_key"

func setup(t *testing.T, opts easyposttest.Options) (*easypost.Client, *easyposttest.Server) {
	t.Helper()
	if opts.APIKey == "" {
		opts.APIKey = apiKey
	}
	fake := easyposttest.New(opts)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	c, err := easypost.New(apiKey, easypost.Options{BaseURL: srv.URL + "/v2", HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return c, fake
}

var (
	shopper   = shipping.Address{Name: "Ann Buyer", Street1: "12 Elm St", City: "Austin", State: "TX", PostalCode: "78701", Country: "US"}
	warehouse = shipping.Address{Company: "Shop Returns", Street1: "1 Dock Rd", City: "Reno", State: "NV", PostalCode: "89501", Country: "US"}
)

func returnQuote() shipping.QuoteRequest {
	return shipping.QuoteRequest{From: shopper, To: warehouse, IsReturn: true, Parcel: shipping.Parcel{Weight: shipping.Weight{Value: "1.5", Unit: shipping.Pound}}}
}

func quoteAndPick(t *testing.T, c *easypost.Client, service string) (shipping.QuoteRequest, shipping.Rate) {
	t.Helper()
	q := returnQuote()
	rates, err := c.Quote(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rates {
		if r.Service == service {
			return q, r
		}
	}
	t.Fatalf("no %s rate in %+v", service, rates)
	return q, shipping.Rate{}
}

func code(err error) shipping.ErrorCode { return shipping.Code(err) }

func carrierCode(err error) string {
	var e *shipping.Error
	if errors.As(err, &e) {
		return e.CarrierCode
	}
	return ""
}

func buyCalls(fake *easyposttest.Server) int {
	n := 0
	for _, c := range fake.Calls() {
		if c.Method == http.MethodPost && len(c.Path) > 5 && c.Path[len(c.Path)-4:] == "/buy" {
			n++
		}
	}
	return n
}

func TestQuote(t *testing.T) {
	c, fake := setup(t, easyposttest.Options{})
	rates, err := c.Quote(ctx, returnQuote())
	if err != nil {
		t.Fatal(err)
	}
	if len(rates) != 3 {
		t.Fatalf("%d rates", len(rates))
	}
	for i, r := range rates {
		if r.Currency != "USD" || r.Amount <= 0 || r.ShipmentRef == "" || r.ID == "" || r.EstimatedDays == 0 {
			t.Errorf("rate %+v", r)
		}
		if i > 0 && r.Amount < rates[i-1].Amount {
			t.Error("rates not cheapest first")
		}
	}
	// 1.5 lb = 24 oz; GroundAdvantage is 5.25 + 0.09/oz.
	if rates[0].Service != "GroundAdvantage" || rates[0].Amount != 741 {
		t.Errorf("cheapest %+v", rates[0])
	}
	// A return is sent with the outbound addresses: EasyPost swaps them.
	sh := fake.Shipment(rates[0].ShipmentRef)
	if !sh.IsReturn || sh.ToAddress.Name != "Ann Buyer" || sh.FromAddress.Company != "Shop Returns" || sh.Parcel.Weight != 24 {
		t.Errorf("shipment sent %+v %+v %+v", sh.ToAddress, sh.FromAddress, sh.Parcel)
	}
}

func TestQuoteRefusedAddress(t *testing.T) {
	c, _ := setup(t, easyposttest.Options{})
	q := returnQuote()
	q.From.Street1 = "Elm Street"
	_, err := c.Quote(ctx, q)
	if code(err) != shipping.ERefused || carrierCode(err) != "ADDRESS.VERIFY.FAILURE" || shipping.IsRetryable(err) {
		t.Fatalf("err %v", err)
	}
	e := err.(*shipping.Error)
	if e.Message == "" || e.HTTPStatus != 422 || len(e.Fields) != 2 || e.Fields[1].Field != "street1" {
		t.Errorf("error %+v", e)
	}
	q = returnQuote()
	q.Parcel.Weight.Value = "0"
	if _, err := c.Quote(ctx, q); code(err) != shipping.EInvalid {
		t.Errorf("zero weight: %v", err)
	}
}

func TestBuyAndLabel(t *testing.T) {
	c, fake := setup(t, easyposttest.Options{})
	q, rate := quoteAndPick(t, c, "Priority")
	s, err := c.Buy(ctx, shipping.BuyRequest{Request: q, Rate: rate, IdempotencyKey: "ret_1", Reference: "RMA-1"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Ref != rate.ShipmentRef || s.TrackingNumber == "" || s.Status != shipping.StatusPreTransit || s.Carrier != "USPS" ||
		s.Service != "Priority" || s.Rate.Amount != rate.Amount || s.EstimatedDelivery == nil || s.TrackingURL == "" || !s.IsReturn {
		t.Fatalf("shipment %+v", s)
	}
	doc, ok := s.Label()
	if !ok || doc.ContentType != "application/pdf" {
		t.Fatalf("documents %+v", s.Documents)
	}
	resp, err := http.Get(doc.URL)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("label: %d %q", resp.StatusCode, pdf[:min(len(pdf), 20)])
	}
	// A retry returns the same purchase without buying again.
	again, err := c.Buy(ctx, shipping.BuyRequest{Request: q, Rate: rate, IdempotencyKey: "ret_1", Reference: "RMA-1"})
	if err != nil || again.TrackingNumber != s.TrackingNumber {
		t.Fatalf("retry: %+v, %v", again, err)
	}
	if fake.Purchases() != 1 || buyCalls(fake) != 1 {
		t.Errorf("purchases %d, buy calls %d", fake.Purchases(), buyCalls(fake))
	}
	// Buying the same shipment under another key is EasyPost's refusal.
	_, err = c.Buy(ctx, shipping.BuyRequest{Request: q, Rate: rate, IdempotencyKey: "ret_other"})
	if err != nil { // recovered: the shipment is bought, so it is returned
		t.Fatalf("same shipment, other key: %v", err)
	}
	if fake.Purchases() != 1 {
		t.Errorf("purchases %d", fake.Purchases())
	}
}

func TestBuyWithoutQuoteCreatesTheShipment(t *testing.T) {
	c, fake := setup(t, easyposttest.Options{})
	s, err := c.Buy(ctx, shipping.BuyRequest{Request: returnQuote(), Rate: shipping.Rate{Carrier: "UPS", Service: "Ground"}, IdempotencyKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Carrier != "UPS" || s.Service != "Ground" || fake.Purchases() != 1 {
		t.Fatalf("%+v", s)
	}
	_, err = c.Buy(ctx, shipping.BuyRequest{Request: returnQuote(), Rate: shipping.Rate{Carrier: "FedEx", Service: "Overnight"}, IdempotencyKey: "k2"})
	if code(err) != shipping.ENotFound {
		t.Errorf("unknown service: %v", err)
	}
}

func TestBuyAnswerLostAfterPurchase(t *testing.T) {
	c, fake := setup(t, easyposttest.Options{})
	q, rate := quoteAndPick(t, c, "GroundAdvantage")
	fake.FailNextBuyAfterPurchase()
	s, err := c.Buy(ctx, shipping.BuyRequest{Request: q, Rate: rate, IdempotencyKey: "k"})
	if err != nil {
		t.Fatalf("the client should find the purchase: %v", err)
	}
	again, err := c.Buy(ctx, shipping.BuyRequest{Request: q, Rate: rate, IdempotencyKey: "k"})
	if err != nil || again.TrackingNumber != s.TrackingNumber {
		t.Fatalf("retry: %v, %v", again, err)
	}
	if fake.Purchases() != 1 || buyCalls(fake) != 1 {
		t.Errorf("purchases %d, buy calls %d", fake.Purchases(), buyCalls(fake))
	}
}

func TestBuyUnavailableThenRetry(t *testing.T) {
	c, fake := setup(t, easyposttest.Options{})
	q, rate := quoteAndPick(t, c, "GroundAdvantage")
	fake.FailNext(2, http.StatusServiceUnavailable) // the buy, and the check after it
	req := shipping.BuyRequest{Request: q, Rate: rate, IdempotencyKey: "k"}
	_, err := c.Buy(ctx, req)
	if code(err) != shipping.EUnavailable || !shipping.IsRetryable(err) {
		t.Fatalf("err %v", err)
	}
	if fake.Purchases() != 0 {
		t.Fatal("bought during the outage")
	}
	s, err := c.Buy(ctx, req)
	if err != nil || s.TrackingNumber == "" || fake.Purchases() != 1 {
		t.Fatalf("retry: %v, %v, purchases %d", s, err, fake.Purchases())
	}
}

func TestBuyErrors(t *testing.T) {
	c, _ := setup(t, easyposttest.Options{})
	q, rate := quoteAndPick(t, c, "GroundAdvantage")
	bad := rate
	bad.ID = "rate_0000"
	_, err := c.Buy(ctx, shipping.BuyRequest{Request: q, Rate: bad, IdempotencyKey: "k1"})
	if code(err) != shipping.ERefused || carrierCode(err) != "SHIPMENT.INVALID_PARAMS" {
		t.Errorf("unknown rate: %v", err)
	}
	// The key is bound to that shipment: another shipment under it conflicts.
	_, other := quoteAndPick(t, c, "GroundAdvantage")
	if _, err := c.Buy(ctx, shipping.BuyRequest{Request: q, Rate: other, IdempotencyKey: "k1"}); code(err) != shipping.EConflict {
		t.Errorf("key reuse: %v", err)
	}
	if _, err := c.Buy(ctx, shipping.BuyRequest{Request: q, Rate: rate}); code(err) != shipping.EInvalid {
		t.Errorf("no key: %v", err)
	}
	if _, err := c.GetShipment(ctx, "shp_doesnotexist"); code(err) != shipping.ENotFound {
		t.Errorf("unknown shipment: %v", err)
	}
	if _, err := c.GetShipment(ctx, "../trackers"); code(err) != shipping.EInvalid {
		t.Errorf("bad id: %v", err)
	}
}

func TestUnavailableAndRateLimited(t *testing.T) {
	c, fake := setup(t, easyposttest.Options{})
	for _, st := range []int{500, 502, 503, 429} {
		fake.FailNext(1, st)
		_, err := c.Quote(ctx, returnQuote())
		if code(err) != shipping.EUnavailable {
			t.Errorf("%d: %v", st, err)
		}
	}
	bad, err := easypost.New("wrong", easypost.Options{BaseURL: fakeURL(t, fake)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Quote(ctx, returnQuote()); code(err) != shipping.ERefused || err.(*shipping.Error).HTTPStatus != 401 {
		t.Errorf("bad key: %v", err)
	}
	down, _ := easypost.New(apiKey, easypost.Options{BaseURL: "http://" + closedAddr(t)})
	if _, err := down.Quote(ctx, returnQuote()); code(err) != shipping.EUnavailable {
		t.Errorf("connection refused: %v", err)
	}
}

func fakeURL(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// A slow EasyPost: the caller gives up (its context ends) while the call
// is held; the error is retryable and nothing was bought.
func TestSlowAnswerCancelled(t *testing.T) {
	c, fake := setup(t, easyposttest.Options{})
	q, rate := quoteAndPick(t, c, "GroundAdvantage")
	arrived, release := fake.Hold()
	defer release()
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := c.Buy(cctx, shipping.BuyRequest{Request: q, Rate: rate, IdempotencyKey: "k"})
		done <- err
	}()
	<-arrived
	cancel()
	err := <-done
	if code(err) != shipping.EUnavailable || !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	release()
	s, err := c.Buy(ctx, shipping.BuyRequest{Request: q, Rate: rate, IdempotencyKey: "k"})
	if err != nil || fake.Purchases() != 1 {
		t.Fatalf("retry: %v, %v, purchases %d", s, err, fake.Purchases())
	}
}

func TestConcurrentBuysSameKeyBuyOnce(t *testing.T) {
	c, fake := setup(t, easyposttest.Options{})
	req := shipping.BuyRequest{Request: returnQuote(), Rate: shipping.Rate{Carrier: "USPS", Service: "Priority"}, IdempotencyKey: "k"}
	var wg sync.WaitGroup
	tns := make([]string, 8)
	for i := range tns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := c.Buy(ctx, req)
			if err != nil {
				t.Error(err)
				return
			}
			tns[i] = s.TrackingNumber
		}()
	}
	wg.Wait()
	for _, tn := range tns {
		if tn != tns[0] {
			t.Fatalf("tracking numbers %v", tns)
		}
	}
	if fake.Purchases() != 1 {
		t.Errorf("purchases %d", fake.Purchases())
	}
}

func TestVoid(t *testing.T) {
	c, fake := setup(t, easyposttest.Options{})
	buy := func(key string) *shipping.Shipment {
		s, err := c.Buy(ctx, shipping.BuyRequest{Request: returnQuote(), Rate: shipping.Rate{Carrier: "USPS", Service: "Priority"}, IdempotencyKey: key})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := buy("a")
	if err := c.Void(ctx, s.Ref); err != nil {
		t.Fatal(err)
	}
	if err := c.Void(ctx, s.Ref); err != nil {
		t.Errorf("second void: %v", err)
	}
	if fake.Shipment(s.Ref).RefundStatus != "submitted" {
		t.Error("refund not submitted")
	}
	moved := buy("b")
	if _, err := fake.AdvanceTracker(ctx, moved.TrackingNumber, "in_transit", "Accepted", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Void(ctx, moved.Ref); code(err) != shipping.ERefused {
		t.Errorf("void after scan: %v", err)
	}
	if err := c.Void(ctx, "shp_unknown"); code(err) != shipping.ENotFound {
		t.Errorf("unknown: %v", err)
	}
}

func TestTrack(t *testing.T) {
	c, fake := setup(t, easyposttest.Options{})
	info, err := c.Track(ctx, "EZ4000000004")
	if err != nil || info.Status != shipping.StatusDelivered || info.DeliveredAt == nil {
		t.Fatalf("test code: %+v, %v", info, err)
	}
	s, err := c.Buy(ctx, shipping.BuyRequest{Request: returnQuote(), Rate: shipping.Rate{Carrier: "USPS", Service: "Priority"}, IdempotencyKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fake.AdvanceTracker(ctx, s.TrackingNumber, "out_for_delivery", "Out for delivery", &easypost.TrackingLocation{City: "Reno", State: "NV"}); err != nil {
		t.Fatal(err)
	}
	info, err = c.Track(ctx, s.TrackingNumber)
	if err != nil || info.Status != shipping.StatusOutForDelivery || len(info.Events) != 2 || info.Events[1].Location != "Reno, NV" {
		t.Fatalf("bought: %+v, %v", info, err)
	}
	if _, err := c.Track(ctx, "has space"); code(err) != shipping.EInvalid {
		t.Errorf("bad number: %v", err)
	}
}

func TestTrackerWebhooks(t *testing.T) {
	const secret = "whsec-ﬁ"
	got := make(chan *shipping.TrackingInfo, 4)
	var mu sync.Mutex
	var previous []any
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := easypost.VerifyWebhook(secret, r.Header, body); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		ev, err := easypost.ParseEvent(body)
		if err != nil || ev.Description != "tracker.updated" {
			http.Error(w, "bad event", http.StatusBadRequest)
			return
		}
		tr, err := ev.Tracker()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		previous = append(previous, ev.PreviousAttributes["status"])
		mu.Unlock()
		got <- easypost.TrackingInfo(tr)
	}))
	defer receiver.Close()
	c, fake := setup(t, easyposttest.Options{WebhookURL: receiver.URL, WebhookSecret: secret})
	s, err := c.Buy(ctx, shipping.BuyRequest{Request: returnQuote(), Rate: shipping.Rate{Carrier: "USPS", Service: "GroundAdvantage"}, IdempotencyKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{"in_transit", "delivered"} {
		if _, err := fake.AdvanceTracker(ctx, s.TrackingNumber, st, "scan", nil); err != nil {
			t.Fatal(err)
		}
		info := <-got
		if string(info.Status) != st || info.TrackingNumber != s.TrackingNumber {
			t.Fatalf("event %+v", info)
		}
	}
	if mu.Lock(); len(previous) != 2 || previous[0] != "pre_transit" || previous[1] != "in_transit" {
		t.Errorf("previous statuses %v", previous)
	}
	mu.Unlock()

	// A receiver with another secret refuses the delivery; the fake reports it.
	wrong := easyposttest.New(easyposttest.Options{APIKey: apiKey, WebhookURL: receiver.URL, WebhookSecret: "other"})
	wc, _ := easypost.New(apiKey, easypost.Options{BaseURL: fakeURL(t, wrong)})
	s2, err := wc.Buy(ctx, shipping.BuyRequest{Request: returnQuote(), Rate: shipping.Rate{Carrier: "USPS", Service: "GroundAdvantage"}, IdempotencyKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wrong.AdvanceTracker(ctx, s2.TrackingNumber, "in_transit", "scan", nil); err == nil {
		t.Error("a delivery signed with the wrong secret was accepted")
	}
}

func TestListenAndServe(t *testing.T) {
	addr := closedAddr(t)
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- easyposttest.ListenAndServe(cctx, addr, easyposttest.Options{APIKey: apiKey}) }()
	c, _ := easypost.New(apiKey, easypost.Options{BaseURL: "http://" + addr + "/v2"})
	var err error
	for range 200 { // wait until it listens (no timing assertion: only readiness)
		if _, err = c.Quote(ctx, returnQuote()); code(err) != shipping.EUnavailable {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("quote against the listening fake: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("ListenAndServe: %v", err)
	}
	if err := easyposttest.ListenAndServe(ctx, "256.0.0.1:1", easyposttest.Options{}); err == nil {
		t.Error("a bad address was accepted")
	}
}

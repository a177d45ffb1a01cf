package ratetable

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/shipping"
)

var (
	ctx       = context.Background()
	warehouse = shipping.Address{Company: "Shop Returns", Street1: "1 Dock Rd", City: "Reno", State: "NV", PostalCode: "89501", Country: "US"}
)

func shopper(country, postal string) shipping.Address {
	return shipping.Address{Name: "Ann Buyer", Street1: "12 Elm St", City: "Somewhere", PostalCode: postal, Country: country}
}

func returnReq(from shipping.Address, weight string, unit shipping.WeightUnit) shipping.QuoteRequest {
	return shipping.QuoteRequest{From: from, To: warehouse, IsReturn: true, Parcel: shipping.Parcel{Weight: shipping.Weight{Value: weight, Unit: unit}}}
}

func fixedNow() time.Time { return time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) }

func newCarrier(t *testing.T) *Carrier {
	return New(exampleTable(t), Options{Namespace: "store-1", Now: fixedNow})
}

type quoted struct {
	service string
	amount  int64
}

func quote(t *testing.T, c *Carrier, req shipping.QuoteRequest) []quoted {
	t.Helper()
	rates, err := c.Quote(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	var out []quoted
	for _, r := range rates {
		if r.Currency != "USD" || r.Carrier != "Rebound Post" {
			t.Fatalf("rate %+v", r)
		}
		out = append(out, quoted{r.Service, r.Amount})
	}
	return out
}

func TestQuoteZonesAndBands(t *testing.T) {
	c := newCarrier(t)
	cases := []struct {
		name string
		req  shipping.QuoteRequest
		want []quoted
	}{
		{"US default zone", returnReq(shopper("US", "10001"), "12", shipping.Ounce), []quoted{{"ground", 650}, {"express", 1400}}},
		{"west coast prefix wins", returnReq(shopper("US", "94105"), "12", shipping.Ounce), []quoted{{"ground", 525}, {"express", 1100}}},
		{"exactly 1 lb is in the first band", returnReq(shopper("US", "10001"), "16", shipping.Ounce), []quoted{{"ground", 650}, {"express", 1400}}},
		{"just over 1 lb", returnReq(shopper("US", "10001"), "453.59238", shipping.Gram), []quoted{{"ground", 975}, {"express", 2100}}},
		{"exactly 1 lb in grams", returnReq(shopper("US", "10001"), "453.59237", shipping.Gram), []quoted{{"ground", 650}, {"express", 1400}}},
		{"heavy band has ground only", returnReq(shopper("US", "94105"), "6", shipping.Kilogram), []quoted{{"ground", 1200}}},
		{"too heavy: no rates", returnReq(shopper("US", "94105"), "21", shipping.Pound), nil},
		{"canada", returnReq(shopper("CA", "K1A 0B1"), "2", shipping.Pound), []quoted{{"ground", 1800}, {"express", 3200}}},
		{"rest of world", returnReq(shopper("DE", "10115"), "2", shipping.Kilogram), []quoted{{"express", 4500}}},
		{"outbound uses the destination", shipping.QuoteRequest{From: warehouse, To: shopper("US", "90210"), Parcel: shipping.Parcel{Weight: shipping.Weight{Value: "1", Unit: shipping.Pound}}}, []quoted{{"ground", 525}, {"express", 1100}}},
	}
	for _, tc := range cases {
		got := quote(t, c, tc.req)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestZoneForMostSpecificPrefix(t *testing.T) {
	doc := `{"currency":"GBP","weightUnit":"kg","services":[{"code":"a"}],"zones":[
	  {"name":"UK","countries":["GB"],"bands":[{"upTo":"1","prices":{"a":"1"}}]},
	  {"name":"London","countries":["GB"],"postalPrefixes":["E","SW"],"bands":[{"upTo":"1","prices":{"a":"2"}}]},
	  {"name":"Westminster","countries":["GB"],"postalPrefixes":["SW1A"],"bands":[{"upTo":"1","prices":{"a":"3"}}]}]}`
	tab, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for postal, want := range map[string]int{"sw1a 1aa": 2, "SW19 5AE": 1, "E1 6AN": 1, "M1 1AE": 0} {
		if got, ok := tab.ZoneFor("GB", postal); !ok || got != want {
			t.Errorf("%s: zone %d %v, want %d", postal, got, ok, want)
		}
	}
	if _, ok := tab.ZoneFor("FR", "75001"); ok {
		t.Error("FR matched a zone")
	}
}

func TestQuoteInvalidRequest(t *testing.T) {
	c := newCarrier(t)
	_, err := c.Quote(ctx, returnReq(shopper("US", "10001"), "0", shipping.Ounce))
	if got := errFields(t, err); len(got) != 1 || got[0] != "parcel.weight.value" {
		t.Errorf("fields %v", got)
	}
}

func buyReq(key string) shipping.BuyRequest {
	return shipping.BuyRequest{Request: returnReq(shopper("US", "94105"), "12", shipping.Ounce),
		Rate: shipping.Rate{Service: "ground"}, IdempotencyKey: key, Reference: "RMA-1001"}
}

func TestBuyIsIdempotentAndDeterministic(t *testing.T) {
	c := newCarrier(t)
	s1, err := c.Buy(ctx, buyReq("ret_1:label"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := shipping.ValidateTrackingNumber(s1.TrackingNumber); err != nil {
		t.Fatalf("tracking number %s: %v", s1.TrackingNumber, err)
	}
	if s1.Status != shipping.StatusPreTransit || s1.Rate.Amount != 525 || s1.Reference != "RMA-1001" || !s1.IsReturn {
		t.Errorf("shipment %+v", s1)
	}
	if want := fixedNow().AddDate(0, 0, 5); s1.EstimatedDelivery == nil || !s1.EstimatedDelivery.Equal(want) {
		t.Errorf("eta %v, want %v", s1.EstimatedDelivery, want)
	}
	if s1.TrackingURL != "https://returns.example.com/track/"+s1.TrackingNumber {
		t.Errorf("tracking URL %s", s1.TrackingURL)
	}
	if d, ok := s1.Label(); !ok || d.Key != LabelKey(s1.TrackingNumber) {
		t.Errorf("label %+v", s1.Documents)
	}
	s2, err := c.Buy(ctx, buyReq("ret_1:label"))
	if err != nil || s2.TrackingNumber != s1.TrackingNumber {
		t.Fatalf("retry: %v, %v", s2, err)
	}
	// A retry carrying the quoted rate matches the first call.
	quotedRetry := buyReq("ret_1:label")
	quotedRetry.Rate = s1.Rate
	if s, err := c.Buy(ctx, quotedRetry); err != nil || s.TrackingNumber != s1.TrackingNumber {
		t.Fatalf("retry with the quoted rate: %v, %v", s, err)
	}
	// Another carrier instance over the same namespace derives the same number.
	other := New(exampleTable(t), Options{Namespace: "store-1", Now: fixedNow})
	s3, err := other.Buy(ctx, buyReq("ret_1:label"))
	if err != nil || s3.TrackingNumber != s1.TrackingNumber {
		t.Fatalf("same namespace: %v, %v", s3, err)
	}
	// Another key or namespace gives another number.
	s4, _ := c.Buy(ctx, buyReq("ret_2:label"))
	s5, _ := New(exampleTable(t), Options{Namespace: "store-2"}).Buy(ctx, buyReq("ret_1:label"))
	if s4.TrackingNumber == s1.TrackingNumber || s5.TrackingNumber == s1.TrackingNumber {
		t.Fatal("tracking numbers collide")
	}
}

func TestBuyConcurrentSameKeyBuysOnce(t *testing.T) {
	c := newCarrier(t)
	var wg sync.WaitGroup
	got := make([]string, 16)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := c.Buy(ctx, buyReq("k"))
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = s.TrackingNumber
		}()
	}
	wg.Wait()
	for _, tn := range got {
		if tn != got[0] {
			t.Fatalf("tracking numbers differ: %v", got)
		}
	}
}

// collidingStore reports the first n tracking numbers as taken.
type collidingStore struct {
	*MemoryStore
	n     int
	tried []string
}

func (s *collidingStore) Create(ctx context.Context, rec Record) (*Record, bool, error) {
	s.tried = append(s.tried, rec.Shipment.TrackingNumber)
	if len(s.tried) <= s.n {
		return nil, false, ErrTrackingNumberTaken
	}
	return s.MemoryStore.Create(ctx, rec)
}

func TestBuyNeverReusesATakenTrackingNumber(t *testing.T) {
	st := &collidingStore{MemoryStore: NewMemoryStore(), n: 2}
	c := New(exampleTable(t), Options{Store: st})
	s, err := c.Buy(ctx, buyReq("k"))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.tried) != 3 || st.tried[0] == st.tried[1] || s.TrackingNumber != st.tried[2] {
		t.Fatalf("tried %v, got %s", st.tried, s.TrackingNumber)
	}
}

func TestBuyErrors(t *testing.T) {
	c := newCarrier(t)
	if _, err := c.Buy(ctx, buyReq("k1")); err != nil {
		t.Fatal(err)
	}
	other := buyReq("k1")
	other.Reference = "RMA-2"
	if _, err := c.Buy(ctx, other); shipping.Code(err) != shipping.EConflict {
		t.Errorf("key reuse: %v", err)
	}
	none := buyReq("k2")
	none.Rate.Service = "overnight"
	if _, err := c.Buy(ctx, none); shipping.Code(err) != shipping.ENotFound {
		t.Errorf("unknown service: %v", err)
	}
	stale := buyReq("k3")
	stale.Rate = shipping.Rate{Service: "ground", Amount: 499, Currency: "USD"}
	if _, err := c.Buy(ctx, stale); shipping.Code(err) != shipping.EConflict {
		t.Errorf("stale price: %v", err)
	}
	nokey := buyReq("")
	if got := errFields(t, func() error { _, err := c.Buy(ctx, nokey); return err }()); len(got) != 1 || got[0] != "idempotencyKey" {
		t.Errorf("no key: %v", got)
	}
}

func TestVoidTrackAndScans(t *testing.T) {
	c := newCarrier(t)
	s, err := c.Buy(ctx, buyReq("k"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Track(ctx, s.TrackingNumber)
	if err != nil || info.Status != shipping.StatusPreTransit || len(info.Events) != 1 {
		t.Fatalf("track: %+v, %v", info, err)
	}
	if _, err := c.Track(ctx, "RB0000000000000019"); shipping.Code(err) != shipping.EInvalid {
		t.Errorf("bad check digit: %v", err)
	}
	if _, err := c.Track(ctx, shipping.GenerateTrackingNumber(42)); shipping.Code(err) != shipping.ENotFound {
		t.Errorf("unknown: %v", err)
	}

	if _, err := c.UpdateStatus(ctx, s.TrackingNumber, shipping.StatusInTransit, "Picked up"); err != nil {
		t.Fatal(err)
	}
	if err := c.Void(ctx, s.TrackingNumber); shipping.Code(err) != shipping.EConflict {
		t.Errorf("void in transit: %v", err)
	}
	info, err = c.UpdateStatus(ctx, s.TrackingNumber, shipping.StatusDelivered, "Received at the warehouse")
	if err != nil || info.DeliveredAt == nil || len(info.Events) != 3 {
		t.Fatalf("delivered: %+v, %v", info, err)
	}
	if _, err := c.UpdateStatus(ctx, s.TrackingNumber, shipping.StatusInTransit, ""); shipping.Code(err) != shipping.EConflict {
		t.Errorf("after final: %v", err)
	}
	if _, err := c.UpdateStatus(ctx, s.TrackingNumber, "lost", ""); shipping.Code(err) != shipping.EInvalid {
		t.Errorf("bad status: %v", err)
	}

	v, _ := c.Buy(ctx, buyReq("k2"))
	if err := c.Void(ctx, v.TrackingNumber); err != nil {
		t.Fatal(err)
	}
	if err := c.Void(ctx, v.TrackingNumber); err != nil {
		t.Errorf("second void: %v", err)
	}
	if info, _ := c.Track(ctx, v.TrackingNumber); info.Status != shipping.StatusCancelled {
		t.Errorf("voided status %s", info.Status)
	}
	// The idempotent replay reflects the stored state.
	if again, _ := c.Buy(ctx, buyReq("k2")); again.Status != shipping.StatusCancelled {
		t.Errorf("replay status %s", again.Status)
	}
}

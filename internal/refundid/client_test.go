package refundid_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/refundid"
	"github.com/reboundhq/rebound/internal/refundid/refundidtest"
)

func newClient(t *testing.T, fake *refundidtest.Server, key string) *refundid.Client {
	t.Helper()
	c, err := refundid.NewClient(fake.URL(), key, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClientPagesThroughEveryReturn(t *testing.T) {
	fake := refundidtest.Start(refundidtest.Config{PageSize: 3})
	defer fake.Close()
	var want []string
	for i := range 7 {
		want = append(want, fake.AddRefund(refundid.RapiRefundidOrder{Status: refundid.StatusRefundid, MerchantRMARef: fmt.Sprintf("rma-%d", i)}))
	}
	fake.AddRaw(json.RawMessage(`{"return_id":"std-1","kind":"standard"}`)) // a RapiStandardReturn stand-in

	c := newClient(t, fake, refundidtest.DefaultAPIKey)
	var ids []string
	var raw []string
	for r, err := range c.Returns(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if r.Order != nil {
			ids = append(ids, r.Order.RefundidID)
		} else {
			raw = append(raw, string(r.Raw))
		}
	}
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Errorf("ids %v, want %v", ids, want)
	}
	if len(raw) != 1 || !strings.Contains(raw[0], "std-1") {
		t.Errorf("other elements %v, want the standard return kept verbatim", raw)
	}

	page, err := c.ListReturns(context.Background(), 6, nil)
	if err != nil || page.Offset != 6 || len(page.Refunds) != 2 {
		t.Fatalf("page at 6: %+v, %v", page, err)
	}
	page, err = c.ListReturns(context.Background(), 100, nil)
	if err != nil || len(page.Refunds) != 0 {
		t.Fatalf("page past the end: %+v, %v", page, err)
	}
}

func TestClientStopsEarly(t *testing.T) {
	fake := refundidtest.Start(refundidtest.Config{PageSize: 2})
	defer fake.Close()
	for range 5 {
		fake.AddRefund(refundid.RapiRefundidOrder{Status: refundid.StatusRefunding})
	}
	c := newClient(t, fake, refundidtest.DefaultAPIKey)
	n := 0
	for _, err := range c.Returns(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
	// Had the iterator fetched on, the injected failure would be consumed.
	fake.Fail(refundid.ReturnsPath, http.StatusInternalServerError)
	if _, err := c.ListReturns(context.Background(), 0, nil); !errors.Is(err, refundid.ErrServer) {
		t.Errorf("the failure queued after an early stop was not the next request's: %v", err)
	}
}

func TestClientErrors(t *testing.T) {
	fake := refundidtest.Start(refundidtest.Config{})
	defer fake.Close()
	fake.AddRefund(refundid.RapiRefundidOrder{Status: refundid.StatusRefundid})

	var apiErr *refundid.APIError
	_, err := newClient(t, fake, "wrong-key").ListReturns(context.Background(), 0, nil)
	if !errors.Is(err, refundid.ErrUnauthorized) || !errors.As(err, &apiErr) || apiErr.Status != 401 || apiErr.Message != "invalid API key" {
		t.Errorf("wrong key: %v", err)
	}

	c := newClient(t, fake, refundidtest.DefaultAPIKey)
	for _, tt := range []struct {
		status    int
		kind      error
		temporary bool
	}{
		{http.StatusBadRequest, refundid.ErrRequest, false},
		{http.StatusForbidden, refundid.ErrRequest, false},
		{http.StatusTooManyRequests, refundid.ErrRequest, true},
		{http.StatusInternalServerError, refundid.ErrServer, true},
		{http.StatusBadGateway, refundid.ErrServer, true},
		{http.StatusAccepted, refundid.ErrUnexpected, false},
	} {
		fake.Fail(refundid.ReturnsPath, tt.status)
		_, err := c.ListReturns(context.Background(), 0, nil)
		if !errors.Is(err, tt.kind) || !errors.As(err, &apiErr) || apiErr.Status != tt.status || apiErr.Temporary() != tt.temporary {
			t.Errorf("%d: %v, want %v (temporary %v)", tt.status, err, tt.kind, tt.temporary)
		}
	}

	// An error in the middle of paging ends the iteration with it.
	fake.Fail(refundid.ReturnsPath, http.StatusServiceUnavailable)
	var errs int
	for _, err := range c.Returns(context.Background(), nil) {
		if !errors.Is(err, refundid.ErrServer) {
			t.Fatalf("want the 503, got %v", err)
		}
		errs++
	}
	if errs != 1 {
		t.Errorf("%d errors yielded, want 1", errs)
	}

	if _, err := c.ListReturns(context.Background(), -1, nil); err == nil {
		t.Error("a negative offset was sent")
	}
}

func TestClientSlowAnswer(t *testing.T) {
	fake := refundidtest.Start(refundidtest.Config{})
	defer fake.Close()
	arrived, release := fake.Hold(refundid.ReturnsPath)
	defer release()
	c := newClient(t, fake, refundidtest.DefaultAPIKey)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.ListReturns(ctx, 0, nil)
		done <- err
	}()
	<-arrived // the request is at the fake, waiting for an answer
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("held answer, cancelled: %v, want context.Canceled", err)
	}
	release()
	if _, err := c.ListReturns(context.Background(), 0, nil); err != nil {
		t.Errorf("after release: %v", err)
	}
	// A Hold still in force when the fake closes is released by Close, and
	// its release may still be called.
	_, late := fake.Hold(refundid.ReturnsPath)
	fake.Close()
	late()
}

func TestNewClientValidates(t *testing.T) {
	for _, tt := range []struct{ url, key string }{
		{"api.refundid.com", "k"},
		{"ftp://api.refundid.com", "k"},
		{"https://api.refundid.com", ""},
		{"https://api.refundid.com", "has space"},
		{"https://api.refundid.com", "ключ"},
		{"https://api.refundid.com", strings.Repeat("k", 257)},
	} {
		if _, err := refundid.NewClient(tt.url, tt.key, nil); err == nil {
			t.Errorf("NewClient(%q, %q) accepted", tt.url, tt.key)
		}
	}
	if _, err := refundid.NewClient(refundid.Production().APIURL, strings.Repeat("k", 256), nil); err != nil {
		t.Errorf("a 256-character key: %v", err)
	}
}

func TestClientRefusesMalformedAnswers(t *testing.T) {
	answers := map[string]string{
		"0": `{"refunds":[],"offset":5}`,   // does not echo the offset
		"1": `{"refunds":{"a":1}}`,         // refunds is not a list
		"2": `<html>maintenance</html>`,    // not JSON
		"3": `{"refunds":null,"offset":3}`, // null: an empty page
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(refundid.APIKeyHeader) != "k" || r.URL.Path != refundid.ReturnsPath {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, answers[r.URL.Query().Get("offset")])
	}))
	defer srv.Close()
	c, err := refundid.NewClient(srv.URL, "k", srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	for _, off := range []int{0, 1, 2} {
		if _, err := c.ListReturns(context.Background(), off, nil); !errors.Is(err, refundid.ErrUnexpected) {
			t.Errorf("answer %q: %v, want ErrUnexpected", answers[fmt.Sprint(off)], err)
		}
	}
	if p, err := c.ListReturns(context.Background(), 3, nil); err != nil || len(p.Refunds) != 0 {
		t.Errorf("null refunds: %+v, %v", p, err)
	}
}

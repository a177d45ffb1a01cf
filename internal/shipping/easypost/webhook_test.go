package easypost

import (
	"errors"
	"net/http"
	"testing"
)

func TestSignMatchesAnIndependentHMAC(t *testing.T) {
	// Computed with Python's hmac over NFKD("ﬁ-secret") = "fi-secret".
	want := "hmac-sha256-hex=16e18e3afe537caaf21ec2680ffb149e08c00051820234490a7085b1fbe25168"
	if got := Sign("ﬁ-secret", []byte(`{"id":"evt_1"}`)); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestVerifyWebhook(t *testing.T) {
	body := []byte(`{"id":"evt_1","description":"tracker.updated"}`)
	h := http.Header{}
	h.Set(SignatureHeader, Sign("s3cret", body))
	if err := VerifyWebhook("s3cret", h, body); err != nil {
		t.Fatalf("valid signature: %v", err)
	}
	upper := http.Header{}
	upper.Set(SignatureHeader, "HMAC-SHA256-HEX="+Sign("s3cret", body)[len("hmac-sha256-hex="):])
	if err := VerifyWebhook("s3cret", upper, body); err != nil {
		t.Errorf("upper-case form: %v", err)
	}
	for name, c := range map[string]struct {
		secret string
		h      http.Header
		body   []byte
	}{
		"tampered body": {"s3cret", h, []byte(`{"id":"evt_2","description":"tracker.updated"}`)},
		"wrong secret":  {"other", h, body},
		"no header":     {"s3cret", http.Header{}, body},
		"bare hex":      {"s3cret", http.Header{SignatureHeader: {Sign("s3cret", body)[len("hmac-sha256-hex="):]}}, body},
	} {
		if err := VerifyWebhook(c.secret, c.h, c.body); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: %v, want ErrSignature", name, err)
		}
	}
	if err := VerifyWebhook("", h, body); err == nil || errors.Is(err, ErrSignature) {
		t.Errorf("empty secret: %v", err)
	}
}

func TestParseEvent(t *testing.T) {
	ev, err := ParseEvent([]byte(`{"id":"evt_1","object":"Event","description":"tracker.updated","previous_attributes":{"status":"pre_transit"},
	  "result":{"id":"trk_1","object":"Tracker","tracking_code":"EZ2000000002","status":"in_transit","est_delivery_date":"2026-03-05T00:00:00Z",
	  "tracking_details":[{"message":"Arrived","status":"in_transit","datetime":"2026-03-02T10:00:00Z","tracking_location":{"city":"Reno","state":"NV","country":"US","zip":null}}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := ev.Tracker()
	if err != nil {
		t.Fatal(err)
	}
	info := TrackingInfo(tr)
	if info.Status != "in_transit" || info.TrackingNumber != "EZ2000000002" || info.EstimatedDelivery == nil ||
		len(info.Events) != 1 || info.Events[0].Location != "Reno, NV, US" || ev.PreviousAttributes["status"] != "pre_transit" {
		t.Fatalf("info %+v", info)
	}
	if _, err := ParseEvent([]byte(`{"id":"evt_1"}`)); err == nil {
		t.Error("event without description accepted")
	}
	if _, err := (&Event{Description: "batch.updated"}).Tracker(); err == nil {
		t.Error("batch event gave a tracker")
	}
}

func TestFieldErrorAcceptsStrings(t *testing.T) {
	e := answerError(422, []byte(`{"error":{"code":"SHIPMENT.INVALID_PARAMS","message":"bad","errors":["weight is required",{"field":"zip","message":"invalid","suggestion":null}]}}`))
	if e.CarrierCode != "SHIPMENT.INVALID_PARAMS" || len(e.Fields) != 2 || e.Fields[0].Message != "weight is required" || e.Fields[1].Field != "zip" {
		t.Fatalf("%+v", e)
	}
	if e := answerError(502, []byte(`<html>bad gateway</html>`)); e.Code != "carrier_unavailable" || e.Message == "" {
		t.Fatalf("%+v", e)
	}
}

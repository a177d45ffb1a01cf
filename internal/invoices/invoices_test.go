package invoices

import (
	"testing"
	"time"
)

func TestPeriodInTheStoresZone(t *testing.T) {
	ny, err := Location("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 10, 31, 23, 59, 0, 0, ny) // 03:59 UTC on 1 November
	if p := Period(at, ny); p != "2026-10" {
		t.Errorf("New York: %s", p)
	}
	if p := Period(at, time.UTC); p != "2026-11" {
		t.Errorf("UTC: %s", p)
	}
	tokyo, _ := Location("Asia/Tokyo")
	if p := Period(time.Date(2026, 12, 31, 15, 0, 0, 0, time.UTC), tokyo); p != "2027-01" {
		t.Errorf("Tokyo: %s", p)
	}
	for _, tz := range []string{"", "UTC"} {
		if l, err := Location(tz); err != nil || l != time.UTC {
			t.Errorf("%q: %v %v", tz, l, err)
		}
	}
	for _, tz := range []string{"Mars/Olympus", "../../etc/passwd", "/etc/localtime"} {
		if _, err := Location(tz); err == nil {
			t.Errorf("%q accepted", tz)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	ok := Settings{TimeZone: "Europe/Paris", Fees: []Fee{{Code: "h", Description: "Handling", Amount: "0.50", Currency: "EUR"}, {Code: "j", Description: "JPY fee", Amount: "100", Currency: "JPY"}}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		fee  Fee
		want string
	}{
		{Fee{Code: "h", Description: "x", Amount: "1.005", Currency: "USD"}, "fees[0].amount"},
		{Fee{Code: "h", Description: "x", Amount: "1.5", Currency: "JPY"}, "fees[0].amount"},
		{Fee{Code: "h", Description: "x", Amount: "-1", Currency: "USD"}, "fees[0].amount"},
		{Fee{Code: "h", Description: "x", Amount: "1", Currency: "US"}, "fees[0].currency"},
		{Fee{Code: "", Description: "x", Amount: "1", Currency: "USD"}, "fees[0].code"},
		{Fee{Code: "h", Description: "", Amount: "1", Currency: "USD"}, "fees[0].description"},
	} {
		s := Settings{Fees: []Fee{c.fee}}
		err := s.Validate()
		if err == nil || !contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %s", c.fee, err, c.want)
		}
	}
	dup := Settings{Fees: []Fee{{Code: "h", Description: "x", Amount: "1", Currency: "USD"}, {Code: "h", Description: "y", Amount: "2", Currency: "USD"}}}
	if err := dup.Validate(); err == nil || !contains(err.Error(), "fees[1].code") {
		t.Errorf("duplicate code: %v", err)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

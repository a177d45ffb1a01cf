// Package invoices is what a store owes Rebound's operator: the labels
// bought for it (internal/shipping/shipsvc) and the per-return fees the
// merchant configures, one invoice per store, calendar month (in the
// store's time zone) and currency. An invoice is pending while its month is
// current, open once the month has closed, paid when marked so. Charges are
// append-only rows in integer minor units; a voided label is a credit row;
// an invoice's total is the sum of its rows. Items are exported as CSV
// (RFC 4180, encoding/csv).
package invoices

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// Invoice statuses.
const (
	StatusPending = "pending" // the current month: charges still arrive
	StatusOpen    = "open"    // a closed month, unpaid
	StatusPaid    = "paid"
)

// Location returns the zone named tz ("" is UTC). EINVALID for an unknown
// zone.
func Location(tz string) (*time.Location, error) {
	if tz == "" || tz == "UTC" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || strings.HasPrefix(tz, "/") || strings.Contains(tz, "..") {
		return nil, returns.Invalid("timeZone", fmt.Sprintf("unknown IANA time zone %q (e.g. America/New_York)", tz))
	}
	return loc, nil
}

// Period returns the calendar month of at in loc, "YYYY-MM".
func Period(at time.Time, loc *time.Location) string { return at.In(loc).Format("2006-01") }

// Fee is a per-return fee: charged once for every approved return.
type Fee struct {
	Code        string `json:"code"`
	Description string `json:"description"`
	Amount      string `json:"amount"`   // a decimal in Currency, e.g. "0.50"
	Currency    string `json:"currency"` // ISO 4217
}

// Settings are a store's billing settings as the API shows them.
type Settings struct {
	TimeZone string `json:"timeZone"`
	Fees     []Fee  `json:"fees"`
}

// Validate checks the settings, naming the bad member.
func (s *Settings) Validate() error {
	if _, err := Location(s.TimeZone); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, f := range s.Fees {
		p := fmt.Sprintf("fees[%d].", i)
		switch {
		case strings.TrimSpace(f.Code) == "" || len(f.Code) > 64:
			return returns.Invalid(p+"code", "must be 1 to 64 characters")
		case seen[f.Code]:
			return returns.Invalid(p+"code", fmt.Sprintf("%q is used twice", f.Code))
		case strings.TrimSpace(f.Description) == "" || len(f.Description) > 200:
			return returns.Invalid(p+"description", "must be 1 to 200 characters")
		}
		seen[f.Code] = true
		n, err := money.ParseAmount(f.Amount, f.Currency)
		if err != nil {
			if _, cerr := money.Scale(f.Currency); cerr != nil {
				return returns.Invalid(p+"currency", fmt.Sprintf("unknown ISO 4217 currency %q", f.Currency))
			}
			return returns.Invalid(p+"amount", fmt.Sprintf("must be a decimal exact at the currency's minor unit: %v", err))
		}
		if n < 0 {
			return returns.Invalid(p+"amount", "must not be negative")
		}
	}
	return nil
}

// GetSettings reads the store's billing settings.
func GetSettings(ctx context.Context, tx store.ReadTx, storeID string) (*Settings, error) {
	st, err := tx.GetInvoiceSettings(ctx, storeID)
	if err != nil {
		return nil, err
	}
	s := &Settings{TimeZone: st.TimeZone, Fees: []Fee{}}
	if s.TimeZone == "" {
		s.TimeZone = "UTC"
	}
	if len(st.Fees) > 0 {
		if err := json.Unmarshal(st.Fees, &s.Fees); err != nil {
			return nil, fmt.Errorf("stored fees: %w", err)
		}
	}
	return s, nil
}

// AddCharge adds c to its store's invoice of the month c.At falls in (in
// the store's time zone), once per c.Key. Amount is Quantity × UnitPrice.
// created is false when the key was charged before.
func AddCharge(ctx context.Context, tx store.Tx, c *store.InvoiceCharge) (bool, error) {
	s, err := GetSettings(ctx, tx, c.StoreID)
	if err != nil {
		return false, err
	}
	loc, err := Location(s.TimeZone)
	if err != nil {
		return false, err
	}
	if c.Quantity == 0 {
		c.Quantity = 1
	}
	c.Amount = c.Quantity * c.UnitPrice
	c.Period = Period(c.At, loc)
	return tx.AddCharge(ctx, c, "inv_"+returns.NewID(tx.Now()))
}

// ChargeFees charges the store's per-return fees for r (once each).
func ChargeFees(ctx context.Context, tx store.Tx, r *returns.Return) error {
	s, err := GetSettings(ctx, tx, r.StoreID)
	if err != nil {
		return err
	}
	orderID := r.OrderExternalID
	if orderID == "" {
		orderID = r.OrderID
	}
	for _, f := range s.Fees {
		n, err := money.ParseAmount(f.Amount, f.Currency)
		if err != nil {
			return fmt.Errorf("fee %s: %w", f.Code, err)
		}
		if _, err := AddCharge(ctx, tx, &store.InvoiceCharge{StoreID: r.StoreID, Key: "fee:" + f.Code + ":" + r.ID, Kind: store.ChargeFee,
			ReturnID: r.ID, OrderID: orderID, OrderName: r.OrderName, Description: f.Description, Quantity: 1, UnitPrice: n,
			Currency: f.Currency, At: tx.Now()}); err != nil {
			return err
		}
	}
	return nil
}

// Service reads and pays invoices.
type Service struct {
	Store store.Store
	Now   func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// View is an invoice with its status.
type View struct {
	*store.Invoice
	Status string
}

func statusOf(in *store.Invoice, current string) string {
	switch {
	case in.PaidAt != nil:
		return StatusPaid
	case in.Period >= current:
		return StatusPending
	}
	return StatusOpen
}

func (s *Service) current(ctx context.Context, tx store.ReadTx, storeID string) (string, *time.Location, error) {
	st, err := GetSettings(ctx, tx, storeID)
	if err != nil {
		return "", nil, err
	}
	loc, err := Location(st.TimeZone)
	if err != nil {
		return "", nil, err
	}
	return Period(s.now(), loc), loc, nil
}

// List returns the store's invoices, newest first.
func (s *Service) List(ctx context.Context, storeID string) ([]View, error) {
	var out []View
	err := s.Store.View(ctx, func(tx store.ReadTx) error {
		if _, err := tx.GetStore(ctx, storeID); err != nil {
			return err
		}
		cur, _, err := s.current(ctx, tx, storeID)
		if err != nil {
			return err
		}
		ins, err := tx.ListInvoices(ctx, storeID)
		if err != nil {
			return err
		}
		for _, in := range ins {
			out = append(out, View{Invoice: in, Status: statusOf(in, cur)})
		}
		return nil
	})
	return out, err
}

// Pay marks the store's invoice paid. ENOTFOUND for another store's or an
// unknown invoice; ECONFLICT while its month is current.
func (s *Service) Pay(ctx context.Context, storeID, id string) (*View, error) {
	var out *View
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		in, err := tx.GetInvoice(ctx, storeID, id)
		if err != nil {
			return err
		}
		cur, _, err := s.current(ctx, tx, storeID)
		if err != nil {
			return err
		}
		if in.PaidAt == nil && in.Period >= cur {
			return returns.Errorf(returns.ECONFLICT, "invoice %s is pending: its month (%s) has not closed yet", id, in.Period)
		}
		if in, err = tx.PayInvoice(ctx, storeID, id); err != nil {
			return err
		}
		out = &View{Invoice: in, Status: statusOf(in, cur)}
		return nil
	})
	return out, err
}

// CSVHeader is the header row of an invoice's items.
var CSVHeader = []string{"invoice_id", "return_id", "order_id", "order_name", "tracking_number", "carrier", "service",
	"description", "quantity", "unit_price", "amount", "currency", "date", "status"}

// WriteCSV writes the items of the store's invoice id to w; pending (id
// "pending") is the current month's invoice, which may have no rows yet.
// ENOTFOUND for an unknown or another store's invoice.
func (s *Service) WriteCSV(ctx context.Context, w io.Writer, storeID, id string) error {
	var in *store.Invoice
	var charges []*store.InvoiceCharge
	var status string
	var loc *time.Location
	err := s.Store.View(ctx, func(tx store.ReadTx) error {
		cur, l, err := s.current(ctx, tx, storeID)
		if err != nil {
			return err
		}
		loc = l
		if id == "pending" {
			ins, err := tx.ListInvoices(ctx, storeID)
			if err != nil {
				return err
			}
			for _, i := range ins {
				if i.Period == cur && in == nil {
					in = i
				}
			}
			status = StatusPending
			if in == nil {
				return nil
			}
		} else if in, err = tx.GetInvoice(ctx, storeID, id); err != nil {
			return err
		}
		status = statusOf(in, cur)
		charges, err = tx.ListCharges(ctx, storeID, in.ID)
		return err
	})
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, c := range charges {
		row := []string{c.InvoiceID, c.ReturnID, c.OrderID, c.OrderName, c.TrackingNumber, c.Carrier, c.Service,
			c.Description, strconv.FormatInt(c.Quantity, 10), money.Format(c.UnitPrice, c.Currency),
			money.Format(c.Amount, c.Currency), c.Currency, c.At.In(loc).Format(time.RFC3339), status}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// GetSettings returns the store's billing settings.
func (s *Service) GetSettings(ctx context.Context, storeID string) (*Settings, error) {
	return store.Read(ctx, s.Store, func(tx store.ReadTx) (*Settings, error) {
		if _, err := tx.GetStore(ctx, storeID); err != nil {
			return nil, err
		}
		return GetSettings(ctx, tx, storeID)
	})
}

// PutSettings validates and saves the store's billing settings.
func (s *Service) PutSettings(ctx context.Context, storeID string, in Settings) (*Settings, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if in.Fees == nil {
		in.Fees = []Fee{}
	}
	fees, err := json.Marshal(in.Fees)
	if err != nil {
		return nil, err
	}
	tz := in.TimeZone
	if tz == "UTC" {
		tz = ""
	}
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		return tx.PutInvoiceSettings(ctx, &store.InvoiceSettings{StoreID: storeID, TimeZone: tz, Fees: fees})
	})
	if err != nil {
		return nil, err
	}
	if in.TimeZone == "" {
		in.TimeZone = "UTC"
	}
	return &in, nil
}

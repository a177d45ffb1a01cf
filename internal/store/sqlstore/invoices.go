package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// ---- invoice settings

// GetInvoiceSettings implements store.ReadTx.
func (t *Tx) GetInvoiceSettings(ctx context.Context, storeID string) (*store.InvoiceSettings, error) {
	s := store.InvoiceSettings{StoreID: storeID}
	var fees string
	var updated int64
	err := t.row(ctx, `SELECT time_zone, fees, updated_at FROM invoice_settings WHERE store_id = ?`, storeID).Scan(&s.TimeZone, &fees, &updated)
	if errors.Is(err, ErrNoRows) {
		return &s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get invoice settings: %w", err)
	}
	if fees != "" {
		s.Fees = []byte(fees)
	}
	s.UpdatedAt = FromUS(updated)
	return &s, nil
}

// PutInvoiceSettings implements store.Tx.
func (t *Tx) PutInvoiceSettings(ctx context.Context, s *store.InvoiceSettings) error {
	if _, err := t.GetStore(ctx, s.StoreID); err != nil {
		return err
	}
	s.UpdatedAt = t.now
	_, err := t.exec(ctx, `INSERT INTO invoice_settings (store_id, time_zone, fees, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (store_id) DO UPDATE SET time_zone = excluded.time_zone, fees = excluded.fees, updated_at = excluded.updated_at`,
		s.StoreID, s.TimeZone, string(s.Fees), US(s.UpdatedAt))
	if err != nil {
		return fmt.Errorf("put invoice settings: %w", err)
	}
	return nil
}

// ---- invoices

// The invoice with its total, count and last charge time, aggregated from
// its charges (no per-store row is updated when a charge is added).
const invoiceSelect = `SELECT i.id, i.store_id, i.period, i.currency, i.paid_at, i.created_at,
	COALESCE((SELECT SUM(c.amount) FROM invoice_charges c WHERE c.invoice_id = i.id), 0),
	(SELECT COUNT(*) FROM invoice_charges c WHERE c.invoice_id = i.id),
	COALESCE((SELECT MAX(c.at) FROM invoice_charges c WHERE c.invoice_id = i.id), 0)
	FROM invoices i`

func scanInvoice(r Row) (*store.Invoice, error) {
	var in store.Invoice
	var paid, created, last int64
	if err := r.Scan(&in.ID, &in.StoreID, &in.Period, &in.Currency, &paid, &created, &in.Total, &in.Count, &last); err != nil {
		return nil, err
	}
	in.CreatedAt = FromUS(created)
	in.UpdatedAt = in.CreatedAt
	if last > created {
		in.UpdatedAt = FromUS(last)
	}
	if paid != 0 {
		p := FromUS(paid)
		in.PaidAt = &p
		if p.After(in.UpdatedAt) {
			in.UpdatedAt = p
		}
	}
	return &in, nil
}

// ListInvoices implements store.ReadTx.
func (t *Tx) ListInvoices(ctx context.Context, storeID string) ([]*store.Invoice, error) {
	return collect(ctx, t, "list invoices", scanInvoice, invoiceSelect+` WHERE i.store_id = ? ORDER BY i.period DESC, i.currency, i.id`, storeID)
}

func (t *Tx) oneInvoice(ctx context.Context, what, where string, args ...any) (*store.Invoice, error) {
	in, err := scanInvoice(t.row(ctx, invoiceSelect+` WHERE `+where, args...))
	if errors.Is(err, ErrNoRows) {
		return nil, returns.Errorf(returns.ENOTFOUND, "%s", what)
	}
	if err != nil {
		return nil, fmt.Errorf("get invoice: %w", err)
	}
	return in, nil
}

// GetInvoice implements store.ReadTx.
func (t *Tx) GetInvoice(ctx context.Context, storeID, id string) (*store.Invoice, error) {
	return t.oneInvoice(ctx, fmt.Sprintf("invoice %q not found", id), `i.store_id = ? AND i.id = ?`, storeID, id)
}

// GetInvoiceByPeriod implements store.ReadTx.
func (t *Tx) GetInvoiceByPeriod(ctx context.Context, storeID, period, currency string) (*store.Invoice, error) {
	return t.oneInvoice(ctx, fmt.Sprintf("no invoice for %s in %s", period, currency),
		`i.store_id = ? AND i.period = ? AND i.currency = ?`, storeID, period, currency)
}

const chargeCols = `id, store_id, invoice_id, charge_key, kind, return_id, order_id, order_name, shipment_id, tracking_number,
	carrier, service, description, quantity, unit_price, amount, currency, at`

func scanCharge(r Row) (*store.InvoiceCharge, error) {
	var c store.InvoiceCharge
	var at int64
	if err := r.Scan(&c.ID, &c.StoreID, &c.InvoiceID, &c.Key, &c.Kind, &c.ReturnID, &c.OrderID, &c.OrderName, &c.ShipmentID,
		&c.TrackingNumber, &c.Carrier, &c.Service, &c.Description, &c.Quantity, &c.UnitPrice, &c.Amount, &c.Currency, &at); err != nil {
		return nil, err
	}
	c.At = FromUS(at)
	return &c, nil
}

// ListCharges implements store.ReadTx.
func (t *Tx) ListCharges(ctx context.Context, storeID, invoiceID string) ([]*store.InvoiceCharge, error) {
	out, err := collect(ctx, t, "list charges", scanCharge,
		`SELECT `+chargeCols+` FROM invoice_charges WHERE store_id = ? AND invoice_id = ? ORDER BY at, id`, storeID, invoiceID)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	var period string
	if err := t.row(ctx, `SELECT period FROM invoices WHERE id = ?`, invoiceID).Scan(&period); err != nil {
		return nil, fmt.Errorf("list charges: %w", err)
	}
	for _, c := range out {
		c.Period = period
	}
	return out, nil
}

// AddCharge implements store.Tx.
func (t *Tx) AddCharge(ctx context.Context, c *store.InvoiceCharge, newID string) (bool, error) {
	if c.Key == "" || c.Period == "" || c.Currency == "" {
		return false, returns.Errorf(returns.EINVALID, "a charge needs a key, a period and a currency")
	}
	var n int
	if err := t.row(ctx, `SELECT COUNT(*) FROM invoice_charges WHERE store_id = ? AND charge_key = ?`, c.StoreID, c.Key).Scan(&n); err != nil {
		return false, fmt.Errorf("add charge: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	if _, err := t.exec(ctx, `INSERT INTO invoices (id, store_id, period, currency, paid_at, created_at) VALUES (?, ?, ?, ?, 0, ?)
		ON CONFLICT (store_id, period, currency) DO NOTHING`, newID, c.StoreID, c.Period, c.Currency, US(t.now)); err != nil {
		if t.d.IsForeignKeyViolation != nil && t.d.IsForeignKeyViolation(err) {
			return false, notFound("store", c.StoreID)
		}
		return false, fmt.Errorf("add charge: invoice: %w", err)
	}
	var invoiceID string
	if err := t.row(ctx, `SELECT id FROM invoices WHERE store_id = ? AND period = ? AND currency = ?`, c.StoreID, c.Period, c.Currency).Scan(&invoiceID); err != nil {
		return false, fmt.Errorf("add charge: invoice: %w", err)
	}
	var id int64
	err := t.row(ctx, `INSERT INTO invoice_charges (store_id, invoice_id, charge_key, kind, return_id, order_id, order_name, shipment_id,
		tracking_number, carrier, service, description, quantity, unit_price, amount, currency, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (store_id, charge_key) DO NOTHING RETURNING id`,
		c.StoreID, invoiceID, c.Key, c.Kind, c.ReturnID, c.OrderID, c.OrderName, c.ShipmentID, c.TrackingNumber, c.Carrier,
		c.Service, c.Description, c.Quantity, c.UnitPrice, c.Amount, c.Currency, US(c.At)).Scan(&id)
	if errors.Is(err, ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("add charge: %w", err)
	}
	c.ID, c.InvoiceID = id, invoiceID
	return true, nil
}

// PayInvoice implements store.Tx.
func (t *Tx) PayInvoice(ctx context.Context, storeID, id string) (*store.Invoice, error) {
	if _, err := t.exec(ctx, `UPDATE invoices SET paid_at = ? WHERE store_id = ? AND id = ? AND paid_at = 0`, US(t.now), storeID, id); err != nil {
		return nil, fmt.Errorf("pay invoice: %w", err)
	}
	return t.GetInvoice(ctx, storeID, id)
}

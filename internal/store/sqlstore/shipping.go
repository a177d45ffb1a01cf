package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// ---- shipping settings

const shippingSettingsCols = `store_id, rate_table, easypost_key_sealed, easypost_base_url, easypost_webhook_token,
	easypost_webhook_secret_sealed, destinations, updated_at`

func (t *Tx) oneShippingSettings(ctx context.Context, where, arg, what string) (*store.ShippingSettings, error) {
	var s store.ShippingSettings
	var table, dests string
	var updated int64
	err := t.row(ctx, `SELECT `+shippingSettingsCols+` FROM shipping_settings WHERE `+where, arg).Scan(
		&s.StoreID, &table, &s.EasyPostKeySealed, &s.EasyPostBaseURL, &s.EasyPostWebhookToken,
		&s.EasyPostWebhookSecretSealed, &dests, &updated)
	if errors.Is(err, ErrNoRows) {
		return nil, returns.Errorf(returns.ENOTFOUND, "%s", what)
	}
	if err != nil {
		return nil, fmt.Errorf("get shipping settings: %w", err)
	}
	if table != "" {
		s.RateTable = []byte(table)
	}
	if dests != "" {
		s.Destinations = []byte(dests)
	}
	s.UpdatedAt = FromUS(updated)
	return &s, nil
}

// GetShippingSettings implements store.ReadTx.
func (t *Tx) GetShippingSettings(ctx context.Context, storeID string) (*store.ShippingSettings, error) {
	return t.oneShippingSettings(ctx, `store_id = ?`, storeID, fmt.Sprintf("shipping settings of store %q not found", storeID))
}

// GetShippingSettingsByWebhookToken implements store.ReadTx.
func (t *Tx) GetShippingSettingsByWebhookToken(ctx context.Context, token string) (*store.ShippingSettings, error) {
	if token == "" {
		return nil, returns.Errorf(returns.ENOTFOUND, "no EasyPost webhook has this URL")
	}
	return t.oneShippingSettings(ctx, `easypost_webhook_token = ?`, token, "no EasyPost webhook has this URL")
}

// PutShippingSettings implements store.Tx.
func (t *Tx) PutShippingSettings(ctx context.Context, s *store.ShippingSettings) error {
	if _, err := t.GetStore(ctx, s.StoreID); err != nil {
		return err
	}
	if s.EasyPostWebhookToken != "" {
		var other string
		err := t.row(ctx, `SELECT store_id FROM shipping_settings WHERE easypost_webhook_token = ? AND store_id <> ?`, s.EasyPostWebhookToken, s.StoreID).Scan(&other)
		if err == nil {
			return returns.Errorf(returns.ECONFLICT, "another store has this EasyPost webhook token")
		}
		if !errors.Is(err, ErrNoRows) {
			return fmt.Errorf("put shipping settings: %w", err)
		}
	}
	s.UpdatedAt = t.now
	_, err := t.exec(ctx, `INSERT INTO shipping_settings (`+shippingSettingsCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (store_id) DO UPDATE SET rate_table = excluded.rate_table, easypost_key_sealed = excluded.easypost_key_sealed,
			easypost_base_url = excluded.easypost_base_url, easypost_webhook_token = excluded.easypost_webhook_token,
			easypost_webhook_secret_sealed = excluded.easypost_webhook_secret_sealed, destinations = excluded.destinations,
			updated_at = excluded.updated_at`,
		s.StoreID, string(s.RateTable), s.EasyPostKeySealed, s.EasyPostBaseURL, s.EasyPostWebhookToken,
		s.EasyPostWebhookSecretSealed, string(s.Destinations), US(s.UpdatedAt))
	if err != nil {
		return fmt.Errorf("put shipping settings: %w", err)
	}
	return nil
}

// ---- shipments

const shipmentCols = `id, store_id, return_id, carrier, tracking_number, status, idempotency_key, request_hash, data,
	voided_at, created_at, updated_at`

func scanShipment(r Row) (*store.ShipmentRecord, error) {
	var s store.ShipmentRecord
	var data string
	var voided, created, updated int64
	if err := r.Scan(&s.ID, &s.StoreID, &s.ReturnID, &s.Carrier, &s.TrackingNumber, &s.Status, &s.IdempotencyKey,
		&s.RequestHash, &data, &voided, &created, &updated); err != nil {
		return nil, err
	}
	s.Data = []byte(data)
	if voided != 0 {
		v := FromUS(voided)
		s.VoidedAt = &v
	}
	s.CreatedAt, s.UpdatedAt = FromUS(created), FromUS(updated)
	return &s, nil
}

func (t *Tx) oneShipment(ctx context.Context, q string, args ...any) (*store.ShipmentRecord, error) {
	s, err := scanShipment(t.row(ctx, `SELECT `+shipmentCols+` FROM shipments WHERE `+q, args...))
	if errors.Is(err, ErrNoRows) {
		return nil, returns.Errorf(returns.ENOTFOUND, "shipment not found")
	}
	if err != nil {
		return nil, fmt.Errorf("get shipment: %w", err)
	}
	return s, nil
}

// GetShipment implements store.ReadTx.
func (t *Tx) GetShipment(ctx context.Context, storeID, id string) (*store.ShipmentRecord, error) {
	s, err := t.oneShipment(ctx, `store_id = ? AND id = ?`, storeID, id)
	if returns.IsNotFound(err) {
		return nil, notFound("shipment", id)
	}
	return s, err
}

// GetShipmentByKey implements store.ReadTx.
func (t *Tx) GetShipmentByKey(ctx context.Context, storeID, key string) (*store.ShipmentRecord, error) {
	return t.oneShipment(ctx, `store_id = ? AND idempotency_key = ?`, storeID, key)
}

// GetShipmentByTracking implements store.ReadTx.
func (t *Tx) GetShipmentByTracking(ctx context.Context, storeID, tn string) (*store.ShipmentRecord, error) {
	if tn == "" {
		return nil, returns.Errorf(returns.ENOTFOUND, "shipment not found")
	}
	s, err := t.oneShipment(ctx, `store_id = ? AND tracking_number = ? ORDER BY created_at DESC, id DESC LIMIT 1`, storeID, tn)
	if returns.IsNotFound(err) {
		return nil, notFound("shipment with tracking number", tn)
	}
	return s, err
}

// ListShipments implements store.ReadTx.
func (t *Tx) ListShipments(ctx context.Context, storeID, returnID string) ([]*store.ShipmentRecord, error) {
	return collect(ctx, t, "list shipments", scanShipment,
		`SELECT `+shipmentCols+` FROM shipments WHERE store_id = ? AND return_id = ? ORDER BY created_at, id`, storeID, returnID)
}

// CreateShipment implements store.Tx.
func (t *Tx) CreateShipment(ctx context.Context, s *store.ShipmentRecord) error {
	if s.CreatedAt.IsZero() {
		s.CreatedAt = t.now
	}
	s.UpdatedAt = s.CreatedAt
	var id string
	err := t.row(ctx, `INSERT INTO shipments (`+shipmentCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (store_id, idempotency_key) DO NOTHING RETURNING id`,
		s.ID, s.StoreID, s.ReturnID, s.Carrier, s.TrackingNumber, s.Status, s.IdempotencyKey, s.RequestHash, string(s.Data),
		usPtr(s.VoidedAt), US(s.CreatedAt), US(s.UpdatedAt)).Scan(&id)
	if errors.Is(err, ErrNoRows) {
		return returns.Errorf(returns.ECONFLICT, "the store has a shipment bought with this idempotency key")
	}
	if err != nil {
		if t.d.IsForeignKeyViolation != nil && t.d.IsForeignKeyViolation(err) {
			return notFound("store", s.StoreID)
		}
		return fmt.Errorf("create shipment: %w", err)
	}
	return nil
}

func usPtr(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return US(*t)
}

// UpdateShipment implements store.Tx.
func (t *Tx) UpdateShipment(ctx context.Context, s *store.ShipmentRecord) error {
	s.UpdatedAt = t.now
	n, err := t.exec(ctx, `UPDATE shipments SET status = ?, tracking_number = ?, data = ?, voided_at = ?, updated_at = ?
		WHERE store_id = ? AND id = ?`, s.Status, s.TrackingNumber, string(s.Data), usPtr(s.VoidedAt), US(s.UpdatedAt), s.StoreID, s.ID)
	if err != nil {
		return fmt.Errorf("update shipment: %w", err)
	}
	if n == 0 {
		return notFound("shipment", s.ID)
	}
	return nil
}

// ---- carrier records

const carrierRecordCols = `store_id, carrier, record_key, tracking_number, data, created_at, updated_at`

func scanCarrierRecord(r Row) (*store.CarrierRecord, error) {
	var c store.CarrierRecord
	var data string
	var created, updated int64
	if err := r.Scan(&c.StoreID, &c.Carrier, &c.Key, &c.TrackingNumber, &data, &created, &updated); err != nil {
		return nil, err
	}
	c.Data = []byte(data)
	c.CreatedAt, c.UpdatedAt = FromUS(created), FromUS(updated)
	return &c, nil
}

func (t *Tx) oneCarrierRecord(ctx context.Context, q string, args ...any) (*store.CarrierRecord, error) {
	c, err := scanCarrierRecord(t.row(ctx, `SELECT `+carrierRecordCols+` FROM carrier_records WHERE `+q, args...))
	if errors.Is(err, ErrNoRows) {
		return nil, returns.Errorf(returns.ENOTFOUND, "carrier record not found")
	}
	if err != nil {
		return nil, fmt.Errorf("get carrier record: %w", err)
	}
	return c, nil
}

// GetCarrierRecord implements store.ReadTx.
func (t *Tx) GetCarrierRecord(ctx context.Context, storeID, carrier, key string) (*store.CarrierRecord, error) {
	return t.oneCarrierRecord(ctx, `store_id = ? AND carrier = ? AND record_key = ?`, storeID, carrier, key)
}

// GetCarrierRecordByTracking implements store.ReadTx.
func (t *Tx) GetCarrierRecordByTracking(ctx context.Context, carrier, tn string) (*store.CarrierRecord, error) {
	if tn == "" {
		return nil, returns.Errorf(returns.ENOTFOUND, "carrier record not found")
	}
	return t.oneCarrierRecord(ctx, `carrier = ? AND tracking_number = ?`, carrier, tn)
}

// CreateCarrierRecord implements store.Tx.
func (t *Tx) CreateCarrierRecord(ctx context.Context, c *store.CarrierRecord) (*store.CarrierRecord, bool, error) {
	if c.TrackingNumber != "" {
		var key string
		err := t.row(ctx, `SELECT record_key FROM carrier_records WHERE carrier = ? AND tracking_number = ? AND NOT (store_id = ? AND record_key = ?)`,
			c.Carrier, c.TrackingNumber, c.StoreID, c.Key).Scan(&key)
		if err == nil {
			return nil, false, &returns.Error{Code: returns.ECONFLICT, Field: "trackingNumber", Message: "another record has this tracking number"}
		}
		if !errors.Is(err, ErrNoRows) {
			return nil, false, fmt.Errorf("create carrier record: %w", err)
		}
	}
	rec := *c
	rec.CreatedAt, rec.UpdatedAt = t.now, t.now
	var key string
	err := t.row(ctx, `INSERT INTO carrier_records (`+carrierRecordCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (store_id, carrier, record_key) DO NOTHING RETURNING record_key`,
		rec.StoreID, rec.Carrier, rec.Key, rec.TrackingNumber, string(rec.Data), US(rec.CreatedAt), US(rec.UpdatedAt)).Scan(&key)
	if errors.Is(err, ErrNoRows) {
		old, err := t.GetCarrierRecord(ctx, c.StoreID, c.Carrier, c.Key)
		return old, false, err
	}
	if err != nil {
		if t.d.IsUniqueViolation != nil && t.d.IsUniqueViolation(err) {
			return nil, false, &returns.Error{Code: returns.ECONFLICT, Field: "trackingNumber", Message: "another record has this tracking number"}
		}
		if t.d.IsForeignKeyViolation != nil && t.d.IsForeignKeyViolation(err) {
			return nil, false, notFound("store", c.StoreID)
		}
		return nil, false, fmt.Errorf("create carrier record: %w", err)
	}
	return &rec, true, nil
}

// UpdateCarrierRecord implements store.Tx.
func (t *Tx) UpdateCarrierRecord(ctx context.Context, c *store.CarrierRecord) error {
	c.UpdatedAt = t.now
	n, err := t.exec(ctx, `UPDATE carrier_records SET data = ?, updated_at = ? WHERE store_id = ? AND carrier = ? AND record_key = ?`,
		string(c.Data), US(c.UpdatedAt), c.StoreID, c.Carrier, c.Key)
	if err != nil {
		return fmt.Errorf("update carrier record: %w", err)
	}
	if n == 0 {
		return notFound("carrier record", c.Key)
	}
	return nil
}

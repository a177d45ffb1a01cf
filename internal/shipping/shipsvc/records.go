package shipsvc

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/shipping"
	"github.com/reboundhq/rebound/internal/shipping/ratetable"
	"github.com/reboundhq/rebound/internal/store"
)

// rateTableStore is ratetable.Store on the database, for one store: a
// record per idempotency key (carrier "rebound"), tracking numbers unique
// over every store.
type rateTableStore struct {
	st      store.Store
	storeID string
}

var _ ratetable.Store = (*rateTableStore)(nil)

func decodeRecord(c *store.CarrierRecord) (*ratetable.Record, error) {
	var r ratetable.Record
	if err := json.Unmarshal(c.Data, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func (r *rateTableStore) ByKey(ctx context.Context, key string) (*ratetable.Record, error) {
	c, err := store.Read(ctx, r.st, func(tx store.ReadTx) (*store.CarrierRecord, error) {
		return tx.GetCarrierRecord(ctx, r.storeID, CarrierRateTable, key)
	})
	if returns.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeRecord(c)
}

func (r *rateTableStore) Create(ctx context.Context, rec ratetable.Record) (*ratetable.Record, bool, error) {
	data, err := json.Marshal(rec)
	if err != nil {
		return nil, false, err
	}
	var stored *store.CarrierRecord
	var created bool
	err = r.st.Update(ctx, func(tx store.Tx) error {
		var err error
		stored, created, err = tx.CreateCarrierRecord(ctx, &store.CarrierRecord{StoreID: r.storeID, Carrier: CarrierRateTable,
			Key: rec.Shipment.IdempotencyKey, TrackingNumber: rec.Shipment.TrackingNumber, Data: data})
		return err
	})
	if re := (*returns.Error)(nil); errors.As(err, &re) && re.Code == returns.ECONFLICT && re.Field == "trackingNumber" {
		return nil, false, ratetable.ErrTrackingNumberTaken
	}
	if err != nil {
		return nil, false, err
	}
	out, err := decodeRecord(stored)
	return out, created, err
}

func (r *rateTableStore) ByTrackingNumber(ctx context.Context, tn string) (*ratetable.Record, error) {
	c, err := store.Read(ctx, r.st, func(tx store.ReadTx) (*store.CarrierRecord, error) {
		return tx.GetCarrierRecordByTracking(ctx, CarrierRateTable, tn)
	})
	if returns.IsNotFound(err) || (err == nil && c.StoreID != r.storeID) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeRecord(c)
}

func (r *rateTableStore) Update(ctx context.Context, rec ratetable.Record) error {
	return r.st.Update(ctx, func(tx store.Tx) error {
		c, err := tx.GetCarrierRecordByTracking(ctx, CarrierRateTable, rec.Shipment.TrackingNumber)
		if returns.IsNotFound(err) || (err == nil && c.StoreID != r.storeID) {
			return shipping.Errorf(shipping.ENotFound, "no shipment with tracking number %s", rec.Shipment.TrackingNumber)
		}
		if err != nil {
			return err
		}
		if c.Data, err = json.Marshal(rec); err != nil {
			return err
		}
		return tx.UpdateCarrierRecord(ctx, c)
	})
}

// easyPostKeys is easypost.KeyStore on the database, for one store.
type easyPostKeys struct {
	st      store.Store
	storeID string
}

func (k *easyPostKeys) Claim(ctx context.Context, key, shipmentID string) (string, error) {
	data, _ := json.Marshal(shipmentID)
	var stored *store.CarrierRecord
	err := k.st.Update(ctx, func(tx store.Tx) error {
		var err error
		stored, _, err = tx.CreateCarrierRecord(ctx, &store.CarrierRecord{StoreID: k.storeID, Carrier: CarrierEasyPost, Key: key, Data: data})
		return err
	})
	if err != nil {
		return "", err
	}
	var id string
	if err := json.Unmarshal(stored.Data, &id); err != nil {
		return "", err
	}
	return id, nil
}

func (k *easyPostKeys) Lookup(ctx context.Context, key string) (string, error) {
	c, err := store.Read(ctx, k.st, func(tx store.ReadTx) (*store.CarrierRecord, error) {
		return tx.GetCarrierRecord(ctx, k.storeID, CarrierEasyPost, key)
	})
	if returns.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var id string
	return id, json.Unmarshal(c.Data, &id)
}

package ratetable

import (
	"context"
	"errors"
	"sync"

	"github.com/reboundhq/rebound/internal/shipping"
)

// Record is what the carrier keeps of a bought shipment.
type Record struct {
	Shipment shipping.Shipment
	// Fingerprint identifies the request the shipment was bought for, to
	// tell a retry from a conflicting reuse of its idempotency key.
	Fingerprint string
	// Events are the tracking events, oldest first.
	Events []shipping.TrackingEvent
}

// ErrTrackingNumberTaken is returned by Store.Create when another shipment
// already has the tracking number.
var ErrTrackingNumberTaken = errors.New("ratetable: tracking number already used")

// Store keeps the carrier's shipments. The carrier's persistence belongs to
// Rebound's store; MemoryStore serves tests and single-process use.
// Implementations must be safe for concurrent use.
type Store interface {
	// ByKey returns the record bought with the idempotency key, or nil
	// and no error when there is none.
	ByKey(ctx context.Context, key string) (*Record, error)
	// Create stores rec under rec.Shipment.IdempotencyKey and returns it
	// with created true. If a record already has that key it stores
	// nothing and returns that record with created false. If another
	// record has rec.Shipment.TrackingNumber it returns
	// ErrTrackingNumberTaken. The check and the write are atomic.
	Create(ctx context.Context, rec Record) (stored *Record, created bool, err error)
	// ByTrackingNumber returns the record with the tracking number, or nil
	// and no error when there is none.
	ByTrackingNumber(ctx context.Context, trackingNumber string) (*Record, error)
	// Update replaces the record with rec's tracking number; ENotFound when
	// there is none.
	Update(ctx context.Context, rec Record) error
}

// MemoryStore is a Store in memory. The zero value is ready to use.
type MemoryStore struct {
	mu       sync.Mutex
	byKey    map[string]*Record
	tracking map[string]*Record
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{} }

func (m *MemoryStore) init() {
	if m.byKey == nil {
		m.byKey = map[string]*Record{}
		m.tracking = map[string]*Record{}
	}
}

func clone(r *Record) *Record {
	c := *r
	c.Shipment.Documents = append([]shipping.Document(nil), r.Shipment.Documents...)
	c.Events = append([]shipping.TrackingEvent(nil), r.Events...)
	return &c
}

// ByKey implements Store.
func (m *MemoryStore) ByKey(_ context.Context, key string) (*Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	if r, ok := m.byKey[key]; ok {
		return clone(r), nil
	}
	return nil, nil
}

// Create implements Store.
func (m *MemoryStore) Create(_ context.Context, rec Record) (*Record, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	if r, ok := m.byKey[rec.Shipment.IdempotencyKey]; ok {
		return clone(r), false, nil
	}
	if _, ok := m.tracking[rec.Shipment.TrackingNumber]; ok {
		return nil, false, ErrTrackingNumberTaken
	}
	r := clone(&rec)
	m.byKey[rec.Shipment.IdempotencyKey] = r
	m.tracking[rec.Shipment.TrackingNumber] = r
	return clone(r), true, nil
}

// ByTrackingNumber implements Store.
func (m *MemoryStore) ByTrackingNumber(_ context.Context, tn string) (*Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	if r, ok := m.tracking[tn]; ok {
		return clone(r), nil
	}
	return nil, nil
}

// Update implements Store.
func (m *MemoryStore) Update(_ context.Context, rec Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	old, ok := m.tracking[rec.Shipment.TrackingNumber]
	if !ok {
		return shipping.Errorf(shipping.ENotFound, "no shipment with tracking number %s", rec.Shipment.TrackingNumber)
	}
	r := clone(&rec)
	m.tracking[rec.Shipment.TrackingNumber] = r
	m.byKey[old.Shipment.IdempotencyKey] = r
	return nil
}

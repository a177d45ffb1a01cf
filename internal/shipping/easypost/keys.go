package easypost

import (
	"context"
	"sync"
)

// KeyStore remembers, per idempotency key, the EasyPost shipment a Buy is
// buying. Rebound's store implements it later; MemoryKeys serves tests and
// single-process use. Implementations must be safe for concurrent use.
type KeyStore interface {
	// Claim records shipmentID under key unless the key already has a
	// shipment, and returns the shipment recorded under key (shipmentID
	// itself when the claim succeeded). The check and the write are atomic.
	Claim(ctx context.Context, key, shipmentID string) (recorded string, err error)
	// Lookup returns the shipment recorded under key, or "" when none is.
	Lookup(ctx context.Context, key string) (string, error)
}

// MemoryKeys is a KeyStore in memory. The zero value is ready to use.
type MemoryKeys struct {
	mu sync.Mutex
	m  map[string]string
}

// NewMemoryKeys returns an empty MemoryKeys.
func NewMemoryKeys() *MemoryKeys { return &MemoryKeys{} }

// Claim implements KeyStore.
func (k *MemoryKeys) Claim(_ context.Context, key, shipmentID string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil {
		k.m = map[string]string{}
	}
	if id, ok := k.m[key]; ok {
		return id, nil
	}
	k.m[key] = shipmentID
	return shipmentID, nil
}

// Lookup implements KeyStore.
func (k *MemoryKeys) Lookup(_ context.Context, key string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.m[key], nil
}

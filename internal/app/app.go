// Package app holds Rebound's use cases: the operations the HTTP API and the
// CLI both perform (create a store, issue and check API keys, sync an
// order). Each runs in one store transaction; errors are *returns.Error
// values with codes the adapters map to their transport.
package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// App runs use cases against a store.
type App struct {
	Store store.Store
	// PublicURL is the base URL the server is reached at from outside
	// (e.g. "https://returns.example.com"), used to build file URLs;
	// empty means they are given as paths.
	PublicURL string

	hooks  []ChangeHook
	rmas   []RMACreator
	keys   keyCache
	orders syncGroup
	counts countCache
}

// New returns an App over st.
func New(st store.Store) *App { return &App{Store: st} }

// KeyCacheTTL is how long a verified API key is trusted without reading it
// again. A key revoked through this process stops working at once; one
// revoked by another process (the CLI, another replica) within this time.
const KeyCacheTTL = time.Second

// keyCache remembers recently verified keys by the SHA-256 of the whole
// bearer token, so the hot path skips a database read.
type keyCache struct {
	mu sync.Mutex
	m  map[[32]byte]cachedKey
}

type cachedKey struct {
	key     *returns.APIKey
	expires time.Time
}

const keyCacheMax = 10000

func (c *keyCache) get(h [32]byte, now time.Time) *returns.APIKey {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[h]; ok && now.Before(e.expires) {
		return e.key
	}
	return nil
}

func (c *keyCache) put(h [32]byte, k *returns.APIKey, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= keyCacheMax {
		c.m = make(map[[32]byte]cachedKey)
	}
	c.m[h] = cachedKey{key: k, expires: now.Add(KeyCacheTTL)}
}

func (c *keyCache) forget(keyID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for h, e := range c.m {
		if e.key.ID == keyID {
			delete(c.m, h)
		}
	}
}

// keyPrefix starts every Rebound API key: "rbk_<key id>_<secret>".
const keyPrefix = "rbk_"

// NewKey is an API key as shown once to its owner.
type NewKey struct {
	Key    *returns.APIKey
	Secret string // the full bearer token
}

func mintKey(storeID string, scopes []returns.Scope, label string, tx store.Tx) *NewKey {
	var secret [32]byte
	_, _ = rand.Read(secret[:])
	s := base64.RawURLEncoding.EncodeToString(secret[:])
	id := returns.NewID(tx.Now())
	h := sha256.Sum256([]byte(s))
	return &NewKey{
		Key:    &returns.APIKey{ID: id, StoreID: storeID, Hash: h[:], Label: label, Scopes: scopes, CreatedAt: tx.Now()},
		Secret: keyPrefix + id + "_" + s,
	}
}

// CreateStore creates a store named name with a first API key granting
// every scope. EINVALID when name is blank.
func (a *App) CreateStore(ctx context.Context, name string) (*returns.Merchant, *NewKey, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, nil, &returns.Error{Code: returns.EINVALID, Field: "name", Message: "store name must not be empty"}
	}
	var s *returns.Merchant
	var k *NewKey
	err := a.Store.Update(ctx, func(tx store.Tx) error {
		s = &returns.Merchant{ID: returns.NewID(tx.Now()), Name: name, CreatedAt: tx.Now()}
		if err := tx.CreateStore(ctx, s); err != nil {
			return err
		}
		k = mintKey(s.ID, returns.AllScopes, "", tx)
		return tx.CreateAPIKey(ctx, k.Key)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("create store: %w", err)
	}
	return s, k, nil
}

// CreateAPIKey issues a new key for storeID. ENOTFOUND when the store does
// not exist; scopes empty means all scopes.
func (a *App) CreateAPIKey(ctx context.Context, storeID string, scopes []returns.Scope, label string) (*NewKey, error) {
	if len(scopes) == 0 {
		scopes = returns.AllScopes
	}
	var k *NewKey
	err := a.Store.Update(ctx, func(tx store.Tx) error {
		k = mintKey(storeID, scopes, label, tx)
		return tx.CreateAPIKey(ctx, k.Key)
	})
	if err != nil {
		return nil, fmt.Errorf("create api key: %w", err)
	}
	return k, nil
}

// RevokeAPIKey revokes a key by id. ENOTFOUND when it does not exist.
func (a *App) RevokeAPIKey(ctx context.Context, id string) (*returns.APIKey, error) {
	defer a.keys.forget(id)
	var k *returns.APIKey
	err := a.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		k, err = tx.RevokeAPIKey(ctx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("revoke api key: %w", err)
	}
	return k, nil
}

// dummyHash is compared against when a key id is unknown, so that the time
// taken does not reveal whether the id exists.
var dummyHash = sha256.Sum256([]byte("rebound-no-such-key"))

// Authenticate checks a bearer token and returns its key. EUNAUTHORIZED for
// a malformed, unknown or revoked key (the message does not say which).
// Verified keys are cached for KeyCacheTTL.
func (a *App) Authenticate(ctx context.Context, token string) (*returns.APIKey, error) {
	tokenHash := sha256.Sum256([]byte(token))
	now := time.Now()
	if k := a.keys.get(tokenHash, now); k != nil {
		return k, nil
	}
	k, err := a.authenticate(ctx, token)
	if err == nil {
		a.keys.put(tokenHash, k, now)
	}
	return k, err
}

func (a *App) authenticate(ctx context.Context, token string) (*returns.APIKey, error) {
	unauthorized := returns.Errorf(returns.EUNAUTHORIZED, "invalid API key")
	rest, ok := strings.CutPrefix(token, keyPrefix)
	if !ok {
		return nil, unauthorized
	}
	id, secret, ok := strings.Cut(rest, "_")
	if !ok || len(id) != 24 || secret == "" {
		return nil, unauthorized
	}
	k, err := a.Store.APIKey(ctx, id)
	if err != nil && !returns.IsNotFound(err) {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	got := sha256.Sum256([]byte(secret))
	want := dummyHash[:]
	if k != nil {
		want = k.Hash
	}
	match := subtle.ConstantTimeCompare(got[:], want) == 1
	if k == nil || !match || k.RevokedAt != nil {
		return nil, unauthorized
	}
	return k, nil
}

// orderEvent is the payload of order.synced and order.deleted events.
type orderEvent struct {
	OrderID   string     `json:"orderId"`
	RedoID    string     `json:"redoId"`
	UpdatedAt *time.Time `json:"updatedAt,omitempty"`
}

// GetOrder returns a store's order by external id, Rebound id or name.
// ENOTFOUND when there is none.
func (a *App) GetOrder(ctx context.Context, storeID, ref string) (*returns.Order, error) {
	return store.Read(ctx, a.Store, func(tx store.ReadTx) (*returns.Order, error) { return tx.GetOrder(ctx, storeID, ref) })
}

// DeleteOrder deletes a store's order by external id or Rebound id and
// records an order.deleted event. ENOTFOUND when there is none.
func (a *App) DeleteOrder(ctx context.Context, storeID, ref string) (*returns.Order, error) {
	var o *returns.Order
	err := a.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		if o, err = tx.DeleteOrder(ctx, storeID, ref); err != nil {
			return err
		}
		payload, _ := json.Marshal(orderEvent{OrderID: o.ExternalID, RedoID: o.ID})
		return tx.AddEvent(ctx, &returns.Event{StoreID: storeID, Kind: returns.EventOrderDeleted, SubjectType: "order", SubjectID: o.ID, Payload: payload})
	})
	return o, err
}

// GetStore returns the store, or ENOTFOUND.
func (a *App) GetStore(ctx context.Context, id string) (*returns.Merchant, error) {
	return store.Read(ctx, a.Store, func(tx store.ReadTx) (*returns.Merchant, error) { return tx.GetStore(ctx, id) })
}

package sqlstore

import (
	"hash/maphash"
	"sync"

	"github.com/reboundhq/rebound/internal/returns"
)

// orderCacheMax bounds the decoded orders kept per store handle.
const orderCacheMax = 20_000

// orderCache keeps decoded orders by id, with the hash of the stored
// document they were decoded from: a row whose document hashes the same is
// the same order, so listing returns does not decode the same orders on
// every page. Entries are never stale: a changed document hashes
// differently and is decoded again.
type orderCache struct {
	mu   sync.Mutex
	seed maphash.Seed
	m    map[string]cachedOrder
}

type cachedOrder struct {
	hash   uint64
	synced int64
	order  *returns.Order
}

func (c *orderCache) key(doc []byte) uint64 { return maphash.Bytes(c.seed, doc) }

func (c *orderCache) get(id string, hash uint64, synced int64) *returns.Order {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[id]; ok && e.hash == hash && e.synced == synced {
		return e.order
	}
	return nil
}

func (c *orderCache) put(id string, hash uint64, synced int64, o *returns.Order) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]cachedOrder)
	}
	if len(c.m) >= orderCacheMax {
		for k := range c.m { // evict an arbitrary tenth
			delete(c.m, k)
			if len(c.m) < orderCacheMax*9/10 {
				break
			}
		}
	}
	c.m[id] = cachedOrder{hash: hash, synced: synced, order: o}
}

// scanOrderCached is scanOrder through the dialect's order cache. The
// order returned may be shared with other callers: it must not be
// modified.
func (t *Tx) scanOrderCached(r Row) (*returns.Order, error) {
	c := &t.d.orders
	var id, storeID, ext, name string
	var doc []byte
	var synced int64
	if err := r.Scan(&id, &storeID, &ext, &name, &doc, &synced); err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.seed = maphash.MakeSeed()
		c.m = make(map[string]cachedOrder)
	}
	c.mu.Unlock()
	h := c.key(doc)
	if o := c.get(id, h, synced); o != nil && o.StoreID == storeID && o.ExternalID == ext && o.Name == name {
		return o, nil
	}
	o, err := decodeOrder(doc, id, storeID, ext, name, synced)
	if err != nil {
		return nil, err
	}
	c.put(id, h, synced, o)
	return o, nil
}

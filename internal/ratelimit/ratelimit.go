// Package ratelimit limits requests per key (an API key, a token) with one
// token bucket per key (golang.org/x/time/rate). Memory is bounded: a
// bucket idle long enough to have refilled completely is indistinguishable
// from a new one and is evicted, and the number of buckets is capped.
//
// Limits are per process: with several replicas (PostgreSQL), each replica
// keeps its own buckets, so a key may make up to replicas × the limit.
package ratelimit

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultMaxKeys caps the buckets a Limiter keeps (see Options.MaxKeys).
const DefaultMaxKeys = 100_000

// Options configure New. The zero value is a limit of PerMinute with a
// burst of the same size.
type Options struct {
	// Burst is how many requests a key may make at once (default
	// PerMinute: a key may spend a minute's allowance in one burst).
	Burst int
	// MaxKeys caps the number of buckets kept (default DefaultMaxKeys).
	// When idle buckets are not enough to stay under it, arbitrary buckets
	// are dropped: their keys start again with a full bucket, so the cap
	// can only make the limiter more lenient, never refuse more.
	MaxKeys int
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// Limiter allows each key PerMinute requests per minute. A nil *Limiter
// allows everything (the limit is off). Safe for concurrent use.
type Limiter struct {
	perMinute int
	limit     rate.Limit
	burst     int
	idle      time.Duration // a bucket untouched this long is full again
	maxKeys   int
	now       func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// New returns a limiter of perMinute requests per minute per key, or nil
// (everything allowed) when perMinute ≤ 0.
func New(perMinute int, o Options) *Limiter {
	if perMinute <= 0 {
		return nil
	}
	if o.Burst <= 0 {
		o.Burst = perMinute
	}
	if o.MaxKeys <= 0 {
		o.MaxKeys = DefaultMaxKeys
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	limit := rate.Limit(float64(perMinute) / 60)
	return &Limiter{
		perMinute: perMinute, limit: limit, burst: o.Burst, maxKeys: o.MaxKeys, now: o.Now,
		idle:    time.Duration(float64(o.Burst) / float64(limit) * float64(time.Second)),
		buckets: map[string]*bucket{}, lastSweep: o.Now(),
	}
}

// PerMinute is the configured limit (0 for a nil, disabled limiter).
func (l *Limiter) PerMinute() int {
	if l == nil {
		return 0
	}
	return l.perMinute
}

// Allow takes one token from key's bucket. When the bucket is empty it
// reports false and how long until a token is available (for a
// Retry-After header); the refused request costs nothing.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	if l == nil {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		l.makeRoom(now)
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if !r.OK() { // cannot happen with burst ≥ 1
		return false, time.Minute
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	if now.Sub(l.lastSweep) >= l.idle {
		l.sweep(now)
	}
	return true, 0
}

// Len is the number of buckets kept.
func (l *Limiter) Len() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// makeRoom keeps the map under maxKeys before one more bucket is added.
func (l *Limiter) makeRoom(now time.Time) {
	if len(l.buckets) < l.maxKeys {
		return
	}
	l.sweep(now)
	for k := range l.buckets {
		if len(l.buckets) < l.maxKeys {
			break
		}
		delete(l.buckets, k)
	}
}

// sweep evicts the buckets that have been idle long enough to be full.
func (l *Limiter) sweep(now time.Time) {
	l.lastSweep = now
	for k, b := range l.buckets {
		if now.Sub(b.seen) >= l.idle {
			delete(l.buckets, k)
		}
	}
}

// RetryAfterSeconds renders d as a Retry-After value: whole seconds,
// rounded up, at least 1.
func RetryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

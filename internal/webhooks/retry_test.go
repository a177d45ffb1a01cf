package webhooks

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestBackoffBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ceilings := map[int]time.Duration{
		-3: 10 * time.Second, 0: 10 * time.Second, 1: 10 * time.Second, 2: 20 * time.Second,
		3: 40 * time.Second, 9: 2560 * time.Second, 10: time.Hour, 31: time.Hour, 64: time.Hour, 1 << 30: time.Hour,
	}
	for attempt, ceiling := range ceilings {
		var lo, hi time.Duration = ceiling, 0
		var sum time.Duration
		const n = 4000
		for range n {
			d := Backoff(attempt, rng)
			if d < 0 || d > ceiling {
				t.Fatalf("Backoff(%d) = %v, outside [0, %v]", attempt, d, ceiling)
			}
			lo, hi, sum = min(lo, d), max(hi, d), sum+d
		}
		// Full jitter: uniform over the whole range.
		if lo > ceiling/20 || hi < ceiling*19/20 {
			t.Errorf("Backoff(%d) spans [%v, %v], want nearly [0, %v]", attempt, lo, hi, ceiling)
		}
		if mean := sum / n; mean < ceiling*45/100 || mean > ceiling*55/100 {
			t.Errorf("Backoff(%d) mean %v, want about %v", attempt, mean, ceiling/2)
		}
	}
	// A nil rng uses the global source.
	for range 100 {
		if d := Backoff(2, nil); d < 0 || d > 20*time.Second {
			t.Fatalf("Backoff(2, nil) = %v", d)
		}
	}
}

func TestNextDelayHonoursRetryAfter(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		if d := NextDelay(1, 5*time.Minute, rng); d != 5*time.Minute {
			t.Fatalf("Retry-After 5m after attempt 1: %v", d)
		}
		if d := NextDelay(1, 3*time.Hour, rng); d != MaxDelay {
			t.Fatalf("Retry-After 3h: %v, want the %v cap", d, MaxDelay)
		}
		if d := NextDelay(12, 5*time.Minute, rng); d < 5*time.Minute || d > time.Hour {
			t.Fatalf("Retry-After 5m after attempt 12: %v", d)
		}
		if d := NextDelay(2, 0, rng); d > 20*time.Second {
			t.Fatalf("no Retry-After: %v", d)
		}
	}
}

func TestGiveUp(t *testing.T) {
	first := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		after time.Duration
		want  bool
	}{{0, false}, {23*time.Hour + 59*time.Minute, false}, {RetryWindow - time.Nanosecond, false}, {RetryWindow, true}, {25 * time.Hour, true}} {
		if got := GiveUp(first, first.Add(c.after)); got != c.want {
			t.Errorf("GiveUp after %v = %v, want %v", c.after, got, c.want)
		}
	}
}

// TestScheduleSpans24Hours simulates an endpoint that never recovers, with
// the loop a worker runs: after each failure, retry after NextDelay unless
// that lands outside the window. Documented figures (see Backoff): about 56
// attempts, the last one in the final hour before 24 h.
func TestScheduleSpans24Hours(t *testing.T) {
	const events = 2000
	first := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	minN, maxN, total := 1<<30, 0, 0
	var minSpan, maxSpan time.Duration = RetryWindow, 0
	for seed := range uint64(events) {
		rng := rand.New(rand.NewPCG(seed, 99))
		now, attempts := first, 1 // the first attempt, at first
		for {
			next := now.Add(NextDelay(attempts, 0, rng))
			if GiveUp(first, next) {
				break
			}
			now, attempts = next, attempts+1
		}
		span := now.Sub(first)
		minN, maxN, total = min(minN, attempts), max(maxN, attempts), total+attempts
		minSpan, maxSpan = min(minSpan, span), max(maxSpan, span)
	}
	mean := float64(total) / events
	t.Logf("attempts per event over %v: min %d, mean %.1f, max %d; last attempt between %v and %v after the first",
		RetryWindow, minN, mean, maxN, minSpan.Round(time.Minute), maxSpan.Round(time.Minute))
	if mean < 50 || mean > 62 || minN < 35 || maxN > 85 {
		t.Errorf("attempt counts min %d mean %.1f max %d, want about 56 (documented)", minN, mean, maxN)
	}
	if minSpan < RetryWindow-MaxDelay || maxSpan >= RetryWindow {
		t.Errorf("last attempts between %v and %v, want within the last %v of the %v window", minSpan, maxSpan, MaxDelay, RetryWindow)
	}

	// A receiver that always says Retry-After: 1h gets about one attempt an
	// hour: 24 in all (at 0 h, 1 h, ... 23 h).
	rng := rand.New(rand.NewPCG(7, 7))
	now, attempts := first, 1
	for next := now.Add(NextDelay(1, time.Hour, rng)); !GiveUp(first, next); next = now.Add(NextDelay(attempts, time.Hour, rng)) {
		now, attempts = next, attempts+1
	}
	if attempts != 24 {
		t.Errorf("with Retry-After 1h: %d attempts, want 24", attempts)
	}
}

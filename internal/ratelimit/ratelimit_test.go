package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestLimitPerKey(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	l := New(60, Options{Burst: 3, Now: c.now}) // one a second, bursts of 3
	for i := range 3 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, retry := l.Allow("a")
	if ok {
		t.Fatal("fourth request at once allowed, want refused")
	}
	if retry <= 0 || retry > time.Second {
		t.Errorf("retryAfter = %v, want in (0, 1s]", retry)
	}
	if got := RetryAfterSeconds(retry); got != 1 {
		t.Errorf("RetryAfterSeconds(%v) = %d, want 1", retry, got)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Error("another key refused")
	}
	// A refused request costs nothing: one second later exactly one more.
	c.advance(time.Second)
	if ok, _ := l.Allow("a"); !ok {
		t.Error("refused after the bucket refilled one token")
	}
	if ok, _ := l.Allow("a"); ok {
		t.Error("allowed a second request with one token refilled")
	}
}

func TestNilLimiterAllowsEverything(t *testing.T) {
	l := New(0, Options{})
	if l != nil {
		t.Fatal("New(0) is not nil")
	}
	for range 10_000 {
		if ok, _ := l.Allow("k"); !ok {
			t.Fatal("a disabled limiter refused")
		}
	}
	if l.PerMinute() != 0 || l.Len() != 0 {
		t.Error("a disabled limiter reports a limit or buckets")
	}
}

func TestIdleBucketsEvicted(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	l := New(60, Options{Burst: 10, Now: c.now}) // full again after 10 s idle
	for i := range 1000 {
		l.Allow(fmt.Sprint("key-", i))
	}
	if l.Len() != 1000 {
		t.Fatalf("Len = %d, want 1000", l.Len())
	}
	c.advance(10 * time.Second)
	l.Allow("fresh")
	if l.Len() != 1 {
		t.Errorf("after the refill time Len = %d, want 1 (idle buckets evicted)", l.Len())
	}
}

func TestMaxKeysBoundsMemory(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	l := New(60, Options{MaxKeys: 100, Now: c.now})
	for i := range 10_000 {
		if ok, _ := l.Allow(fmt.Sprint("key-", i)); !ok {
			t.Fatalf("first request of key %d refused", i)
		}
		if l.Len() > 100 {
			t.Fatalf("Len = %d after %d keys, want ≤ 100", l.Len(), i+1)
		}
	}
}

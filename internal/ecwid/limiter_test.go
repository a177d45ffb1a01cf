package ecwid_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reboundhq/rebound/internal/ecwid"
	"github.com/reboundhq/rebound/internal/ecwid/ecwidtest"
)

// TestDefaultLimiterBudget drives the default limiter with a greedy caller
// on a synthetic clock and checks that no 60-second window holds more than
// Ecwid's 600 requests, while the budget is still nearly all used.
func TestDefaultLimiterBudget(t *testing.T) {
	l := ecwid.NewLimiter()
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	const span = 5 * time.Minute
	var sent []time.Time
	for now := start; now.Before(start.Add(span)); now = now.Add(time.Millisecond) {
		for l.AllowN(now, 1) {
			sent = append(sent, now)
		}
	}
	// Sliding window over every send.
	worst, j := 0, 0
	for i := range sent {
		for sent[i].Sub(sent[j]) >= time.Minute {
			j++
		}
		worst = max(worst, i-j+1)
	}
	if worst > ecwid.RequestsPerMinute {
		t.Errorf("a 60 s window held %d requests, limit %d", worst, ecwid.RequestsPerMinute)
	}
	if worst < ecwid.RequestsPerMinute-1 {
		t.Errorf("busiest window held only %d requests: the budget is under-used", worst)
	}
	if perMin := float64(len(sent)) / span.Minutes(); perMin < 585 {
		t.Errorf("sustained %.0f requests/min, want close to 590", perMin)
	}
}

func TestSharedLimiter(t *testing.T) {
	a, b := ecwid.SharedLimiter("secret_a"), ecwid.SharedLimiter("secret_a")
	if a != b {
		t.Error("same token, different limiters")
	}
	if ecwid.SharedLimiter("secret_b") == a {
		t.Error("different tokens share a limiter")
	}
	if a.Burst() != ecwid.DefaultBurst || a.Limit() != ecwid.DefaultRate {
		t.Errorf("limiter = %v/%d", a.Limit(), a.Burst())
	}
}

// TestClientsSharePacing runs two clients with the same token against a fake
// enforcing 600/min, on synctest's fake clock: together they are paced to
// the shared budget and never see a 429.
func TestClientsSharePacing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// A token of its own: the shared registry outlives the bubble.
		token := fmt.Sprintf("secret_pacing_%d", rand.Int64())
		srv := ecwidtest.NewUnstartedServer(ecwidtest.WithToken(token), ecwidtest.WithRateLimit(600, time.Minute, 0))
		hc := &http.Client{Transport: srv.Transport()}
		newC := func() *ecwid.Client {
			// Default limiter: the process-wide one for this token.
			return ecwid.New(srv.StoreID, token, ecwid.WithBaseURL("http://ecwid.test/api/v3"), ecwid.WithHTTPClient(hc))
		}
		clients := []*ecwid.Client{newC(), newC()}
		const perClient = 305
		start := time.Now()
		var wg sync.WaitGroup
		for _, c := range clients {
			wg.Go(func() {
				for range perClient {
					if _, err := c.Profile.Get(context.Background(), "generalInfo"); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		// 610 requests: a burst of 10, then 600 at 590/min ≈ 61 s.
		if elapsed < time.Minute || elapsed > 62*time.Second {
			t.Errorf("610 requests took %v of fake time, want about 61 s", elapsed)
		}
		for _, r := range srv.Requests() {
			if r.Status != http.StatusOK {
				t.Fatalf("fake answered %d", r.Status)
			}
		}
	})
}

// TestRateLimitedByFake lets a client without pacing run into the fake's
// limit: it waits the Retry-After (fake time) and carries on.
func TestRateLimitedByFake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := ecwidtest.NewUnstartedServer(ecwidtest.WithRateLimit(5, time.Minute, 0))
		c := ecwid.New(srv.StoreID, srv.Token, ecwid.WithBaseURL("http://ecwid.test/api/v3"),
			ecwid.WithHTTPClient(&http.Client{Transport: srv.Transport()}), ecwid.WithLimiter(nil),
			ecwid.WithTimeout(5*time.Minute))
		start := time.Now()
		for i := range 7 {
			if _, err := c.Orders.Get(context.Background(), "K8XTQ"); err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
		}
		if d := time.Since(start); d != time.Minute {
			t.Errorf("took %v of fake time, want 1m (one Retry-After of 60 s)", d)
		}
		var statuses []int
		for _, r := range srv.Requests() {
			statuses = append(statuses, r.Status)
		}
		if len(statuses) != 8 || statuses[5] != 429 {
			t.Errorf("statuses = %v", statuses)
		}

		// A Retry-After beyond the cap ends the call with the 429.
		srv.SetRateLimit(1, time.Hour, 0)
		c2 := ecwid.New(srv.StoreID, srv.Token, ecwid.WithBaseURL("http://ecwid.test/api/v3"),
			ecwid.WithHTTPClient(&http.Client{Transport: srv.Transport()}), ecwid.WithLimiter(nil))
		_, _ = c2.Profile.Get(context.Background())
		_, err := c2.Profile.Get(context.Background())
		if e := ecwid.AsError(err); e == nil || e.Status != 429 || e.RetryAfter != time.Hour {
			t.Errorf("err = %#v", err)
		}
	})
}

// TestBackoffTiming checks, on the fake clock, that 5xx retries back off
// exponentially within the configured bounds.
func TestBackoffTiming(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := ecwidtest.NewUnstartedServer()
		c := ecwid.New(srv.StoreID, srv.Token, ecwid.WithBaseURL("http://ecwid.test/api/v3"),
			ecwid.WithHTTPClient(&http.Client{Transport: srv.Transport()}), ecwid.WithLimiter(nil),
			ecwid.WithRetryBackoff(time.Second, 4*time.Second), ecwid.WithMaxRetries(3))
		srv.InjectFault(3, ecwidtest.Fault{Status: 500})
		start := time.Now()
		if _, err := c.Profile.Get(context.Background()); err != nil {
			t.Fatal(err)
		}
		// Waits are jittered in [d/2, d] for d = 1 s, 2 s, 4 s.
		if d := time.Since(start); d < 3500*time.Millisecond || d > 7*time.Second {
			t.Errorf("three retries took %v", d)
		}
	})
}

package sqlstore

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/reboundhq/rebound/internal/jobs"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
)

// Job timing shared by both backends.
const (
	// JobTimeout bounds a job that sets no Timeout of its own. Every
	// worker's Timeout must stay below RescueStuckJobsAfter.
	JobTimeout = time.Minute
	// RescueStuckJobsAfter is how long a job may stay running before River
	// takes it for lost (its process crashed) and runs it again. River's
	// default is an hour, which after a crash held a store's event dispatch
	// for that long; two minutes exceeds every job's timeout.
	RescueStuckJobsAfter = 2 * time.Minute
)

// WorkerOptions configure a backend's job workers.
type WorkerOptions struct {
	Logger            *slog.Logger
	MaxWorkers        int // per queue (River's default queue and jobs.QueueEvents)
	FetchPollInterval time.Duration
	PollOnly          bool // no LISTEN/NOTIFY (SQLite)
}

// Workers runs one backend's River job workers: started at most once,
// stopped softly (running jobs finish) and, past the deadline, hard
// (running jobs are cancelled and retried later). It is the one River
// lifecycle of both backends.
type Workers[TTx any] struct {
	name string
	mu   sync.Mutex
	c    *river.Client[TTx]
}

// NewWorkers returns stopped workers for the named backend.
func NewWorkers[TTx any](name string) *Workers[TTx] { return &Workers[TTx]{name: name} }

// Start starts the workers in w over driver. It is an error to start
// twice without Stop.
func (ws *Workers[TTx]) Start(ctx context.Context, driver riverdriver.Driver[TTx], w *river.Workers, o WorkerOptions) error {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.c != nil {
		return fmt.Errorf("%s: workers already started", ws.name)
	}
	c, err := river.NewClient(driver, &river.Config{
		Logger: o.Logger,
		// The webhook path's queue has workers of its own (jobs.QueueEvents).
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.MaxWorkers}, jobs.QueueEvents: {MaxWorkers: o.MaxWorkers}},
		Workers:              w,
		FetchPollInterval:    o.FetchPollInterval,
		FetchCooldown:        min(o.FetchPollInterval, 100*time.Millisecond),
		PollOnly:             o.PollOnly,
		JobTimeout:           JobTimeout,
		RescueStuckJobsAfter: RescueStuckJobsAfter,
	})
	if err != nil {
		return fmt.Errorf("%s: job workers: %w", ws.name, err)
	}
	if err := c.Start(ctx); err != nil {
		return fmt.Errorf("%s: start job workers: %w", ws.name, err)
	}
	ws.c = c
	return nil
}

// Stop stops fetching new jobs and waits for running ones until ctx ends;
// then it cancels them (River retries them later) and reports the
// deadline. Stopping stopped workers is a no-op.
func (ws *Workers[TTx]) Stop(ctx context.Context) error {
	ws.mu.Lock()
	c := ws.c
	ws.c = nil
	ws.mu.Unlock()
	if c == nil {
		return nil
	}
	if err := c.Stop(ctx); err != nil {
		hard, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.StopAndCancel(hard)
		return fmt.Errorf("%s: stop job workers: %w", ws.name, err)
	}
	return nil
}

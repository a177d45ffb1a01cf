// Package bench measures Rebound end to end over real HTTP on loopback: many
// concurrent clients syncing orders through the full server (auth, decode,
// validate, store, enqueue), against a baseline route in the same process
// that only decodes the same JSON and answers 200. Figures are reported as
// throughput, latency percentiles and the ratio to the baseline, so they can
// be compared across machines.
package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/customorder"
	"github.com/reboundhq/rebound/internal/examples"
	"github.com/reboundhq/rebound/internal/jobs"
	"github.com/reboundhq/rebound/internal/server"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/postgres"
	"github.com/reboundhq/rebound/internal/store/sqlite"
)

// Config configures a run.
type Config struct {
	// Clients is the number of concurrent HTTP clients (default 32).
	Clients int
	// Duration of each measured phase (default 10s); Warmup precedes each
	// (default 1s). Requests, when > 0, replaces Duration by a fixed count.
	Duration time.Duration
	Warmup   time.Duration
	Requests int
	// DatabaseURL selects PostgreSQL (a fresh schema is created and dropped);
	// empty means SQLite in a temporary directory.
	DatabaseURL string
	Logger      *slog.Logger
}

// Result is one phase's figures.
type Result struct {
	Name       string
	Requests   int
	Errors     int
	Elapsed    time.Duration
	Throughput float64 // successful requests per second
	P50, P99   time.Duration
}

// Report is a whole run.
type Report struct {
	Database string
	Clients  int
	Baseline Result
	Sync     Result
	// MeanBatch is the mean number of writes per SQLite commit during the
	// sync phase (0 on PostgreSQL).
	MeanBatch float64
}

// Ratio is sync throughput over baseline throughput.
func (r Report) Ratio() float64 {
	if r.Baseline.Throughput == 0 {
		return 0
	}
	return r.Sync.Throughput / r.Baseline.Throughput
}

// String renders the report as a small table.
func (r Report) String() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "order sync over HTTP, %d clients, %s\n", r.Clients, r.Database)
	fmt.Fprintf(&b, "%-22s %10s %10s %10s %8s\n", "route", "req/s", "p50", "p99", "errors")
	for _, x := range []Result{r.Baseline, r.Sync} {
		fmt.Fprintf(&b, "%-22s %10.0f %10s %10s %8d\n", x.Name, x.Throughput, x.P50.Round(10*time.Microsecond), x.P99.Round(10*time.Microsecond), x.Errors)
	}
	fmt.Fprintf(&b, "ratio (sync / decode-only): %.2f\n", r.Ratio())
	if r.MeanBatch > 0 {
		fmt.Fprintf(&b, "mean group-commit batch: %.1f writes\n", r.MeanBatch)
	}
	return b.String()
}

// Env is a running server for benchmarks.
type Env struct {
	URL     string
	StoreID string
	Key     string
	DB      string
	Store   store.Store
	close   func()
}

// Close stops the server and removes what it created.
func (e *Env) Close() { e.close() }

// Start opens a fresh store, starts the job workers and an HTTP server on
// loopback with the full Rebound handler plus POST /bench/decode.
func Start(ctx context.Context, cfg Config) (*Env, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var cleanups []func()
	cleanup := func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}
	var st store.Store
	if cfg.DatabaseURL != "" {
		u, drop, err := freshSchema(ctx, cfg.DatabaseURL)
		if err != nil {
			return nil, err
		}
		cleanups = append(cleanups, drop)
		pg, err := postgres.Open(ctx, postgres.Config{URL: u, Logger: log})
		if err != nil {
			cleanup()
			return nil, err
		}
		st = pg
	} else {
		dir, err := os.MkdirTemp("", "rebound-bench-")
		if err != nil {
			return nil, err
		}
		cleanups = append(cleanups, func() { os.RemoveAll(dir) })
		sq, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(dir, "rebound.db"), Logger: log})
		if err != nil {
			cleanup()
			return nil, err
		}
		st = sq
	}
	cleanups = append(cleanups, func() { st.Close() })
	if err := st.StartWorkers(ctx, jobs.Workers(st)); err != nil {
		cleanup()
		return nil, err
	}
	a := app.New(st)
	s, k, err := a.CreateStore(ctx, "Bench")
	if err != nil {
		cleanup()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/", server.New(server.Config{App: a, Logger: log}))
	mux.HandleFunc("POST /bench/decode", decodeOnly)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cleanup()
		return nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	cleanups = append(cleanups, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	})
	return &Env{URL: "http://" + ln.Addr().String(), StoreID: s.ID, Key: k.Secret, DB: st.Dialect(), Store: st, close: cleanup}, nil
}

// decodeOnly is the baseline: read the body, decode the JSON, answer 200.
func decodeOnly(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, server.MaxBodyBytes))
	if err == nil {
		_, err = customorder.DecodeGeneric(body)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"ok":true}` + "\n"))
}

func freshSchema(ctx context.Context, base string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, fmt.Errorf("bench: connect: %w", err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "rebound_bench_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, fmt.Errorf("bench: create schema: %w", err)
	}
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, base); err == nil {
			_, _ = c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			c.Close(ctx)
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// orderBodies yields the example order with a unique id per request.
type orderBodies struct {
	prefix, suffix []byte
	run            string
	n              atomic.Int64
}

func newOrderBodies() *orderBodies {
	const marker = "__BENCH_ID__"
	body := examples.OrderWithID(marker)
	i := bytes.Index(body, []byte(marker))
	var b [4]byte
	_, _ = rand.Read(b[:])
	return &orderBodies{prefix: body[:i], suffix: body[i+len(marker):], run: hex.EncodeToString(b[:])}
}

func (o *orderBodies) next() []byte {
	id := fmt.Sprintf("bench-%s-%d", o.run, o.n.Add(1))
	out := make([]byte, 0, len(o.prefix)+len(id)+len(o.suffix))
	return append(append(append(out, o.prefix...), id...), o.suffix...)
}

// Phase drives one route with clients concurrent clients for d (or n
// requests when n > 0) and returns its figures.
func (e *Env) Phase(ctx context.Context, name, path string, clients int, d time.Duration, n int) Result {
	bodies := newOrderBodies()
	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      int
		remaining atomic.Int64
	)
	remaining.Store(int64(n))
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			local := make([]time.Duration, 0, 4096)
			localErrs := 0
			for ctx.Err() == nil {
				if n > 0 {
					if remaining.Add(-1) < 0 {
						break
					}
				} else if time.Now().After(deadline) {
					break
				}
				req, _ := http.NewRequestWithContext(ctx, "POST", e.URL+path, bytes.NewReader(bodies.next()))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+e.Key)
				t0 := time.Now()
				res, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if err == nil && res.StatusCode != http.StatusOK {
						err = errors.New(res.Status)
					}
				}
				if err != nil {
					localErrs++
					continue
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			latencies = append(latencies, local...)
			errs += localErrs
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(latencies)
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))]
	}
	return Result{Name: name, Requests: len(latencies), Errors: errs, Elapsed: elapsed,
		Throughput: float64(len(latencies)) / elapsed.Seconds(), P50: pct(0.50), P99: pct(0.99)}
}

// SyncPath is the order sync route for the env's store.
func (e *Env) SyncPath() string { return "/v2.2/stores/" + e.StoreID + "/custom/orders" }

// RunOrderSync measures the decode-only baseline and then order sync, each
// after a warm-up, in one process and one run.
func RunOrderSync(ctx context.Context, cfg Config) (Report, error) {
	if cfg.Clients <= 0 {
		cfg.Clients = 32
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Warmup < 0 {
		cfg.Warmup = 0
	} else if cfg.Warmup == 0 {
		cfg.Warmup = time.Second
	}
	e, err := Start(ctx, cfg)
	if err != nil {
		return Report{}, err
	}
	defer e.Close()
	rep := Report{Database: e.DB, Clients: cfg.Clients}
	e.Phase(ctx, "warmup", "/bench/decode", cfg.Clients, cfg.Warmup, 0)
	rep.Baseline = e.Phase(ctx, "decode-only (baseline)", "/bench/decode", cfg.Clients, cfg.Duration, cfg.Requests)
	e.Phase(ctx, "warmup", e.SyncPath(), cfg.Clients, cfg.Warmup, 0)
	gc, _ := e.Store.(interface{ GroupCommitStats() (int64, int64) })
	var b0, w0 int64
	if gc != nil {
		b0, w0 = gc.GroupCommitStats()
	}
	rep.Sync = e.Phase(ctx, "order sync", e.SyncPath(), cfg.Clients, cfg.Duration, cfg.Requests)
	if gc != nil {
		b1, w1 := gc.GroupCommitStats()
		if b1 > b0 {
			rep.MeanBatch = float64(w1-w0) / float64(b1-b0)
		}
	}
	if rep.Sync.Errors > 0 || rep.Baseline.Errors > 0 {
		return rep, fmt.Errorf("bench: %d sync and %d baseline requests failed", rep.Sync.Errors, rep.Baseline.Errors)
	}
	return rep, ctx.Err()
}

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
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/reboundhq/rebound/internal/app"
	"github.com/reboundhq/rebound/internal/customorder"
	"github.com/reboundhq/rebound/internal/examples"
	"github.com/reboundhq/rebound/internal/httpx"
	"github.com/reboundhq/rebound/internal/server"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/postgres"
	"github.com/reboundhq/rebound/internal/store/sqlite"
	"github.com/reboundhq/rebound/internal/webhooks"
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
	// CPUProfile, when set, receives a CPU profile of the first slice of
	// the sync phase.
	CPUProfile io.Writer
	// Webhooks configures webhook delivery; its Secrets also seal the app's
	// secrets.
	Webhooks webhooks.WorkerConfig
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
	App     *app.App
	// Services are the wired use cases (webhooks, Ecwid) besides App.
	Services *server.Services
	dbPath   string // SQLite's database file
	close    func()
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
	dbPath := ""
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
		dbPath = filepath.Join(dir, "rebound.db")
		sq, err := sqlite.Open(ctx, sqlite.Config{Path: dbPath, Logger: log})
		if err != nil {
			cleanup()
			return nil, err
		}
		st = sq
	}
	cleanups = append(cleanups, func() { st.Close() })
	sv := server.NewServices(server.Options{Store: st, Secrets: cfg.Webhooks.Secrets,
		AllowPrivateWebhookTargets: cfg.Webhooks.AllowPrivateTargets, Webhooks: cfg.Webhooks})
	if err := st.StartWorkers(ctx, sv.Workers(nil, log)); err != nil {
		cleanup()
		return nil, err
	}
	a := sv.App
	s, k, err := a.CreateStore(ctx, "Bench")
	if err != nil {
		cleanup()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/", server.New(server.Config{Services: sv, Logger: log}))
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
	return &Env{URL: "http://" + ln.Addr().String(), StoreID: s.ID, Key: k.Secret, DB: st.Dialect(), Store: st, App: a, Services: sv, dbPath: dbPath, close: cleanup}, nil
}

// decodeOnly is the baseline: read the body, decode the JSON, answer 200.
func decodeOnly(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, httpx.MaxBodyBytes))
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
	return e.phase(ctx, path, clients, d, n).result(name)
}

// sample is the raw outcome of one or more phases on a route.
type sample struct {
	latencies []time.Duration
	errors    int
	elapsed   time.Duration
}

func (s *sample) add(o sample) {
	s.latencies = append(s.latencies, o.latencies...)
	s.errors += o.errors
	s.elapsed += o.elapsed
}

func (s sample) result(name string) Result {
	lat := slices.Clone(s.latencies)
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	r := Result{Name: name, Requests: len(lat), Errors: s.errors, Elapsed: s.elapsed, P50: pct(0.50), P99: pct(0.99)}
	if s.elapsed > 0 {
		r.Throughput = float64(len(lat)) / s.elapsed.Seconds()
	}
	return r
}

func (e *Env) phase(ctx context.Context, path string, clients int, d time.Duration, n int) sample {
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
	return sample{latencies: latencies, errors: errs, elapsed: time.Since(start)}
}

// SyncPath is the order sync route for the env's store.
func (e *Env) SyncPath() string { return "/v2.2/stores/" + e.StoreID + "/custom/orders" }

// RunOrderSync measures the decode-only baseline and order sync, after a
// warm-up of each, in one process and one run, alternating between the two
// routes in slices of about a second.
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
	e.phase(ctx, "/bench/decode", cfg.Clients, cfg.Warmup, 0)
	e.phase(ctx, e.SyncPath(), cfg.Clients, cfg.Warmup, 0)
	// The two routes alternate in slices of about a second, so that drift in
	// the machine's speed during the run affects both alike.
	rounds := max(1, int(cfg.Duration/time.Second))
	slice, n := cfg.Duration/time.Duration(rounds), 0
	if cfg.Requests > 0 {
		rounds, slice, n = 1, 0, cfg.Requests
	}
	gc, _ := e.Store.(interface{ GroupCommitStats() (int64, int64) })
	var base, sync sample
	var batches, writes int64
	for range rounds {
		base.add(e.phase(ctx, "/bench/decode", cfg.Clients, slice, n))
		var b0, w0 int64
		if gc != nil {
			b0, w0 = gc.GroupCommitStats()
		}
		if cfg.CPUProfile != nil {
			if err := pprof.StartCPUProfile(cfg.CPUProfile); err != nil {
				return rep, fmt.Errorf("bench: cpu profile: %w", err)
			}
		}
		sync.add(e.phase(ctx, e.SyncPath(), cfg.Clients, slice, n))
		if cfg.CPUProfile != nil {
			pprof.StopCPUProfile()
			cfg.CPUProfile = nil // one profile: the first sync slice
		}
		if gc != nil {
			b1, w1 := gc.GroupCommitStats()
			batches, writes = batches+b1-b0, writes+w1-w0
		}
	}
	rep.Baseline = base.result("decode-only (baseline)")
	rep.Sync = sync.result("order sync")
	if batches > 0 {
		rep.MeanBatch = float64(writes) / float64(batches)
	}
	if rep.Sync.Errors > 0 || rep.Baseline.Errors > 0 {
		return rep, fmt.Errorf("bench: %d sync and %d baseline requests failed", rep.Sync.Errors, rep.Baseline.Errors)
	}
	return rep, ctx.Err()
}

// DecodeHandler is the baseline route alone (POST any path): it reads the
// body, decodes the JSON as order sync does and answers 200. `rebound bench
// decode-server` serves it in a process of its own, so that an outside load
// generator can measure the baseline and the real server in the same run.
func DecodeHandler() http.Handler { return http.HandlerFunc(decodeOnly) }

package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reboundhq/rebound/internal/store/postgres"
)

// SoakConfig configures RunSoak.
type SoakConfig struct {
	// Duration of the run (default 5m) and Rate, order syncs per second
	// (default 2000; run it at about half of what `bench orders` measures).
	Duration time.Duration
	Rate     int
	// Clients bounds the requests in flight (default 64).
	Clients     int
	DatabaseURL string
	Progress    io.Writer
}

// SoakMinute is one minute of a soak run.
type SoakMinute struct {
	Minute   int
	Requests int
	Errors   int // failed requests
	Skipped  int // requests not sent: Clients were already in flight
	P99      time.Duration
	RSS      int64 // resident set size of the process at the minute's end (bytes)
	// GoHeap is the Go heap's live and not yet swept objects at the
	// minute's end (bytes): what of RSS is Go's own; the rest is the
	// runtime's reserves, goroutine stacks and SQLite's page caches
	// (modernc's C heap, bounded by cache_size per connection).
	GoHeap  int64
	DB, WAL int64 // database size and WAL written (PostgreSQL) or WAL file size (SQLite), bytes
}

// SoakReport is a whole soak run.
type SoakReport struct {
	Database string
	Rate     int
	Minutes  []SoakMinute
	// DBStart, DBEnd are the database's size before and after; WALTotal is
	// the WAL written over the run (PostgreSQL) or the WAL file's largest
	// size (SQLite); Bytes the order JSON sent.
	DBStart, DBEnd, WALTotal, Bytes int64
	Orders                          int
}

func (r SoakReport) String() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "soak: order sync at %d/s, %s\n", r.Rate, r.Database)
	fmt.Fprintf(&b, "%6s %9s %7s %8s %9s %9s %9s %10s %10s\n", "minute", "requests", "errors", "skipped", "p99", "RSS MiB", "heap MiB", "DB MiB", "WAL MiB")
	errs, skipped := 0, 0
	for _, m := range r.Minutes {
		errs += m.Errors
		skipped += m.Skipped
		fmt.Fprintf(&b, "%6d %9d %7d %8d %9s %9.1f %9.1f %10.1f %10.1f\n", m.Minute, m.Requests, m.Errors, m.Skipped, m.P99.Round(10*time.Microsecond),
			mib(m.RSS), mib(m.GoHeap), mib(m.DB), mib(m.WAL))
	}
	fmt.Fprintf(&b, "orders %d, errors %d, skipped %d; order JSON sent %.1f MiB; database %.1f → %.1f MiB (+%.1f); WAL %.1f MiB\n",
		r.Orders, errs, skipped, mib(r.Bytes), mib(r.DBStart), mib(r.DBEnd), mib(r.DBEnd-r.DBStart), mib(r.WALTotal))
	if n := len(r.Minutes); n >= 2 && r.Minutes[0].RSS > 0 {
		fmt.Fprintf(&b, "RSS last/first minute: %.2f; Go heap last/first minute: %.2f\n", float64(r.Minutes[n-1].RSS)/float64(r.Minutes[0].RSS),
			float64(r.Minutes[n-1].GoHeap)/float64(max(r.Minutes[0].GoHeap, 1)))
	}
	return b.String()
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// rss reads this process's resident set size.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// RunSoak syncs new orders at a fixed rate through the full server (in this
// process, as bench orders does) for the duration, and reports per minute
// the requests, errors, p99, the process's RSS and the database's and
// WAL's size.
func RunSoak(ctx context.Context, cfg SoakConfig) (SoakReport, error) {
	if cfg.Duration <= 0 {
		cfg.Duration = 5 * time.Minute
	}
	if cfg.Rate <= 0 {
		cfg.Rate = 2000
	}
	if cfg.Clients <= 0 {
		cfg.Clients = 64
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	e, err := Start(ctx, Config{DatabaseURL: cfg.DatabaseURL})
	if err != nil {
		return SoakReport{}, err
	}
	defer e.Close()
	rep := SoakReport{Database: e.DB, Rate: cfg.Rate}
	sizes := e.sizer()
	rep.DBStart, _ = sizes()

	bodies := newOrderBodies()
	tr := &http.Transport{MaxIdleConns: cfg.Clients, MaxIdleConnsPerHost: cfg.Clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var (
		mu      sync.Mutex
		lat     []time.Duration
		errs    int
		skipped int
		sent    atomic.Int64
		orders  atomic.Int64
		walPeak int64
	)
	slots := make(chan struct{}, cfg.Clients)
	tick := time.NewTicker(time.Second / time.Duration(cfg.Rate) * 10) // 10 requests per tick
	defer tick.Stop()
	start := time.Now()
	minuteEnd := start.Add(time.Minute)
	end := start.Add(cfg.Duration)
	var wg sync.WaitGroup
	flushMinute := func(n int) {
		mu.Lock()
		l, x, sk := lat, errs, skipped
		lat, errs, skipped = nil, 0, 0
		mu.Unlock()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		m := SoakMinute{Minute: n, Requests: len(l), Errors: x, Skipped: sk, RSS: rss(), GoHeap: int64(ms.HeapInuse)}
		m.P99 = sample{latencies: l}.result("").P99
		m.DB, m.WAL = sizes()
		walPeak = max(walPeak, m.WAL)
		rep.Minutes = append(rep.Minutes, m)
		fmt.Fprintf(cfg.Progress, "minute %d: %d requests, %d errors, %d skipped, p99 %s, RSS %.1f MiB\n", n, m.Requests, m.Errors, m.Skipped, m.P99, mib(m.RSS))
	}
	minute := 1
	for now := range tick.C {
		if ctx.Err() != nil {
			break
		}
		if now.After(minuteEnd) {
			flushMinute(minute)
			minute++
			minuteEnd = minuteEnd.Add(time.Minute)
		}
		if now.After(end) {
			break
		}
		for range 10 {
			select {
			case slots <- struct{}{}:
			default:
				mu.Lock()
				skipped++ // over the in-flight bound: the server is not keeping up
				mu.Unlock()
				continue
			}
			body := bodies.next()
			sent.Add(int64(len(body)))
			wg.Go(func() {
				defer func() { <-slots }()
				req, _ := http.NewRequestWithContext(ctx, "POST", e.URL+e.SyncPath(), bytes.NewReader(body))
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
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					errs++
				} else {
					lat = append(lat, d)
					orders.Add(1)
				}
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	if len(rep.Minutes) < int(cfg.Duration/time.Minute) {
		flushMinute(minute)
	}
	rep.Orders, rep.Bytes = int(orders.Load()), sent.Load()
	rep.DBEnd, _ = sizes()
	rep.WALTotal = walPeak
	if e.DB == "postgres" {
		_, rep.WALTotal = sizes()
	}
	total, sk := 0, 0
	for _, m := range rep.Minutes {
		total += m.Errors
		sk += m.Skipped
	}
	if total > 0 || sk > 0 {
		return rep, fmt.Errorf("soak: %d errors, %d requests skipped (the server did not keep up)", total, sk)
	}
	return rep, ctx.Err()
}

// sizer returns a function reporting the database's size and the WAL: on
// SQLite the file sizes of the database and its -wal; on PostgreSQL the
// schema's relations (with their indexes and TOAST) and the WAL written
// since the sizer was made.
func (e *Env) sizer() func() (db, wal int64) {
	if pg, ok := e.Store.(*postgres.Store); ok {
		ctx := context.Background()
		var lsn0 string
		_ = pg.Pool().QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&lsn0)
		return func() (int64, int64) {
			var db, wal int64
			_ = pg.Pool().QueryRow(ctx, `SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
				JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')`).Scan(&db)
			_ = pg.Pool().QueryRow(ctx, `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint`, lsn0).Scan(&wal)
			return db, wal
		}
	}
	path := e.dbPath
	return func() (int64, int64) {
		var db, wal int64
		if st, err := os.Stat(path); err == nil {
			db = st.Size()
		}
		if st, err := os.Stat(path + "-wal"); err == nil {
			wal = st.Size()
		}
		return db, wal
	}
}

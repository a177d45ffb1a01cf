//go:build unix

// Package crashtest kills the real rebound binary with SIGKILL at random
// moments while clients sync orders, create returns (with Idempotency-Key)
// and a receiver takes webhook deliveries, and then checks that nothing
// acknowledged was lost or duplicated and that delivery resumes:
//
//   - every acknowledged order and return is there;
//   - no Idempotency-Key produced two returns (each key is for its own
//     order, so two returns of one order would be a duplicate);
//   - every acknowledged return's return.created event reaches the
//     receiver, within 90 s of the last restart, with a stable webhook-id
//     and never two different bodies under one webhook-id;
//   - a return created after the last restart is delivered within 60 s.
//
// The deadlines are liveness bounds of the product (leases of 30 s after a
// crash, the sweep at start), not performance figures.
package crashtest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/examples"
	"github.com/reboundhq/rebound/internal/store/storetest"
)

var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rebound-crash-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "crashtest:", err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "rebound")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", binPath, "../../cmd/rebound")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	err = cmd.Run()
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "crashtest: go build:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// trackSources stats every source file of the module, so that go test's
// cache, which knows the files a test consulted but not what the go build
// of TestMain read, runs these tests again when the binary's code changes.
// (It must run inside a test: accesses before m.Run are not recorded.)
func trackSources(t *testing.T) {
	t.Helper()
	err := filepath.WalkDir("../..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n != "." && n != ".." && (strings.HasPrefix(n, ".") || n == "node_modules" || n == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".sql", ".html", ".txt", ".css", ".js", ".json", ".mod", ".sum":
			_, err = os.Stat(path)
		}
		return err
	})
	if err != nil {
		t.Fatalf("track sources: %v", err)
	}
}

func environ(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "REBOUND_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// freePort returns a loopback address nobody listens on now; a server is
// restarted on the same address after each kill.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// server is one rebound serve process, restarted after each kill.
type server struct {
	t    *testing.T
	addr string
	args []string
	env  []string
	logs *os.File

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

func newServer(t *testing.T, name string, env []string, args ...string) *server {
	logs, err := os.Create(filepath.Join(t.TempDir(), name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, addr: freePort(t), env: env, logs: logs}
	s.args = append([]string{"serve", "--addr", s.addr, "--allow-private-webhook-targets"}, args...)
	t.Cleanup(func() {
		s.kill()
		logs.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logs.Name())
			var warn []string
			for _, l := range strings.Split(string(b), "\n") {
				if strings.Contains(l, `"level":"WARN"`) || strings.Contains(l, `"level":"ERROR"`) {
					warn = append(warn, l)
				}
			}
			t.Logf("last warnings and errors of %s (%d in all):\n%s", name, len(warn), strings.Join(warn[max(0, len(warn)-30):], "\n"))
			if len(b) > 8000 {
				b = b[len(b)-8000:]
			}
			t.Logf("last log lines of %s:\n%s", name, b)
		}
	})
	return s
}

func (s *server) url() string { return "http://" + s.addr }

// start runs the server and waits until /readyz answers 200.
func (s *server) start() {
	s.t.Helper()
	cmd := exec.Command(binPath, s.args...)
	cmd.Env = environ(s.env...)
	cmd.Stdout, cmd.Stderr = s.logs, s.logs
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start rebound: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	deadline := time.Now().Add(30 * time.Second)
	c := &http.Client{Timeout: time.Second}
	for {
		res, err := c.Get(s.url() + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		select {
		case <-done:
			s.t.Fatalf("rebound exited during start (%v); see its log", cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("rebound not ready within 30s: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// receiver records every webhook delivery.
type receiver struct {
	mu       sync.Mutex
	bodies   map[string]map[[32]byte]bool // webhook-id → distinct body hashes
	created  map[string]time.Time         // return id → first arrival of its "created" delivery
	requests int
}

func newReceiver() *receiver {
	return &receiver{bodies: map[string]map[[32]byte]bool{}, created: map[string]time.Time{}}
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		w.WriteHeader(500)
		return
	}
	id := req.Header.Get("Webhook-Id")
	var p struct {
		Type   string `json:"type"`
		Return struct {
			ID string `json:"id"`
		} `json:"return"`
	}
	_ = json.Unmarshal(body, &p)
	r.mu.Lock()
	r.requests++
	if r.bodies[id] == nil {
		r.bodies[id] = map[[32]byte]bool{}
	}
	r.bodies[id][sha256.Sum256(body)] = true
	if p.Type == "created" && p.Return.ID != "" {
		if _, ok := r.created[p.Return.ID]; !ok {
			r.created[p.Return.ID] = time.Now()
		}
	}
	r.mu.Unlock()
	w.WriteHeader(200)
}

func (r *receiver) delivered(returnID string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.created[returnID]
	return ok
}

// cluster is what the load talks to: one server, or several replicas.
type cluster struct {
	servers []*server
	storeID string
	key     string
	client  *http.Client
	next    atomic.Uint64
}

// do sends one request to some server (round robin), and on a connection
// error or a 5xx to the others, until stop; it returns the status and body
// of the first answer that is not a 5xx, or ok=false when stopped first.
func (c *cluster) do(stop <-chan struct{}, method, path string, body []byte, header map[string]string) (int, []byte, bool) {
	for {
		s := c.servers[c.next.Add(1)%uint64(len(c.servers))]
		req, _ := http.NewRequest(method, s.url()+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+c.key)
		req.Header.Set("Content-Type", "application/json")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := c.client.Do(req)
		if err == nil {
			b, rerr := io.ReadAll(res.Body)
			res.Body.Close()
			if rerr == nil && res.StatusCode < 500 {
				return res.StatusCode, b, true
			}
		}
		select {
		case <-stop:
			return 0, nil, false
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func returnBody(orderID string) []byte {
	return []byte(`{"data":{"provider":"custom","externalOrderId":"` + orderID + `",
		"items":[{"lineItemId":"line_1","quantity":1,"reason":"Too small","compensation":"refund"}],
		"shippingAddress":{"line1":"123 Main St","city":"New York","state":"NY","postalCode":"10001","country":"US","name":"Jane Doe"}}}`)
}

// load is the concurrent clients' record of what was acknowledged.
type load struct {
	mu      sync.Mutex
	orders  []string          // acknowledged order syncs (external ids)
	returns map[string]string // idempotency key → return id, acknowledged
	errors  []string
}

func (l *load) fail(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.errors) < 20 {
		l.errors = append(l.errors, fmt.Sprintf(format, args...))
	}
}

// syncOrder syncs order id until acknowledged (or stopped).
func (c *cluster) syncOrder(stop <-chan struct{}, l *load, id string) bool {
	code, b, ok := c.do(stop, "POST", "/v2.2/stores/"+c.storeID+"/custom/orders", examples.OrderWithID(id), nil)
	if !ok {
		return false
	}
	if code != 200 {
		l.fail("order sync %s: %d %s", id, code, b)
		return false
	}
	l.mu.Lock()
	l.orders = append(l.orders, id)
	l.mu.Unlock()
	return true
}

// createReturn creates a return of order id with Idempotency-Key key,
// retrying with the same key until acknowledged (or stopped).
func (c *cluster) createReturn(stop <-chan struct{}, l *load, key, orderID string) (string, bool) {
	code, b, ok := c.do(stop, "POST", "/v2.2/stores/"+c.storeID+"/returns", returnBody(orderID), map[string]string{"Idempotency-Key": key})
	if !ok {
		return "", false
	}
	var out struct {
		Return struct {
			ID string `json:"id"`
		} `json:"return"`
	}
	if (code != 200 && code != 201) || json.Unmarshal(b, &out) != nil || out.Return.ID == "" {
		l.fail("return create %s: %d %s", key, code, b)
		return "", false
	}
	l.mu.Lock()
	if prev, ok := l.returns[key]; ok && prev != out.Return.ID {
		l.errors = append(l.errors, fmt.Sprintf("Idempotency-Key %s answered return %s, earlier %s", key, out.Return.ID, prev))
	}
	l.returns[key] = out.Return.ID
	l.mu.Unlock()
	return out.Return.ID, true
}

type crashConfig struct {
	kills            int
	minGap, maxGap   time.Duration
	orderClients     int
	returnClients    int
	killOneOfServers bool
	db               database // read when a wait times out, to say why
}

func runCrash(t *testing.T, cfg crashConfig, servers []*server, storeID, key string) {
	rec := newReceiver()
	hooks := httptest.NewServer(rec)
	defer hooks.Close()

	for _, s := range servers {
		s.start()
	}
	c := &cluster{servers: servers, storeID: storeID, key: key, client: &http.Client{Timeout: 5 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	never := make(chan struct{})
	code, b, _ := c.do(never, "POST", "/v2.2/stores/"+storeID+"/webhooks", []byte(`{"webhook":{"callback":{"url":"`+hooks.URL+`/hooks","auth":null},"topic":"return","kind":"redo"}}`), nil)
	if code != 200 && code != 201 {
		t.Fatalf("create webhook: %d %s", code, b)
	}

	var run [4]byte
	_, _ = rand.Read(run[:])
	prefix := base64.RawURLEncoding.EncodeToString(run[:])
	l := &load{returns: map[string]string{}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var seq atomic.Int64
	for range cfg.orderClients {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				c.syncOrder(stop, l, fmt.Sprintf("o-%s-%d", prefix, seq.Add(1)))
			}
		})
	}
	for range cfg.returnClients {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				n := seq.Add(1)
				order := fmt.Sprintf("r-%s-%d", prefix, n)
				if !c.syncOrder(stop, l, order) {
					continue
				}
				c.createReturn(stop, l, fmt.Sprintf("k-%s-%d", prefix, n), order)
			}
		})
	}

	lastRestart := time.Now()
	for i := range cfg.kills {
		gap := cfg.minGap + time.Duration(mrand.Int64N(int64(cfg.maxGap-cfg.minGap)))
		time.Sleep(gap)
		victim := servers[0]
		if cfg.killOneOfServers {
			victim = servers[mrand.IntN(len(servers))]
		}
		victim.kill()
		if len(servers) > 1 {
			time.Sleep(time.Duration(mrand.Int64N(int64(500 * time.Millisecond))))
		}
		victim.start()
		lastRestart = time.Now()
		t.Logf("kill %d of %d done (after %v)", i+1, cfg.kills, gap.Round(time.Millisecond))
	}
	time.Sleep(500 * time.Millisecond) // some load after the last restart
	close(stop)
	wg.Wait()

	l.mu.Lock()
	for _, e := range l.errors {
		t.Errorf("client: %s", e)
	}
	nOrders, nReturns := len(l.orders), len(l.returns)
	l.mu.Unlock()
	t.Logf("acknowledged: %d orders, %d returns; %d kills", nOrders, nReturns, cfg.kills)
	if nReturns < cfg.kills {
		t.Errorf("only %d returns acknowledged in the whole run: the load did not run", nReturns)
	}

	// A return created after the last restart is delivered within 60 s.
	fresh := "fresh-" + prefix
	if !c.syncOrder(never, l, fresh) {
		t.Fatal("sync of the fresh order failed")
	}
	freshID, ok := c.createReturn(never, l, "k-fresh-"+prefix, fresh)
	if !ok {
		t.Fatal("fresh return failed")
	}
	created := time.Now()
	waitFor(t, created.Add(60*time.Second), "the return created after the last restart to be delivered", func() bool { return rec.delivered(freshID) },
		func() string { return cfg.db.describeUndelivered([]string{freshID}) })
	t.Logf("fresh return delivered %v after creation", time.Since(created).Round(time.Millisecond))

	// Every acknowledged return's event is delivered within 90 s of the
	// last restart.
	l.mu.Lock()
	acked := make(map[string]string, len(l.returns))
	for k, v := range l.returns {
		acked[k] = v
	}
	orders := append([]string(nil), l.orders...)
	l.mu.Unlock()
	undelivered := func() []string {
		var ids []string
		for _, id := range acked {
			if !rec.delivered(id) {
				ids = append(ids, id)
			}
		}
		return ids
	}
	waitFor(t, lastRestart.Add(90*time.Second), "every acknowledged return to be delivered", func() bool { return len(undelivered()) == 0 },
		func() string { return cfg.db.describeUndelivered(undelivered()) })
	t.Logf("all %d acknowledged returns delivered %v after the last restart", len(acked), time.Since(lastRestart).Round(time.Millisecond))

	rec.mu.Lock()
	for id, bodies := range rec.bodies {
		if id == "" {
			t.Errorf("a delivery came without webhook-id")
		}
		if len(bodies) > 1 {
			t.Errorf("webhook-id %s came with %d different bodies", id, len(bodies))
		}
	}
	t.Logf("receiver: %d requests, %d distinct webhook-ids", rec.requests, len(rec.bodies))
	rec.mu.Unlock()

	// Every acknowledged order is there.
	missing := 0
	for _, id := range orders {
		code, b, _ := c.do(never, "GET", "/v2.2/stores/"+storeID+"/orders/"+id, nil, nil)
		if code != 200 {
			missing++
			if missing <= 5 {
				t.Errorf("acknowledged order %s: GET answered %d %s", id, code, b)
			}
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged orders are missing", missing, len(orders))
	}

	// Every acknowledged return is there, and no order (each key's own) has
	// two returns.
	byOrder := map[string][]string{}
	all := map[string]bool{}
	cursor := ""
	for {
		h := map[string]string{"X-Page-Size": "500"}
		if cursor != "" {
			h["X-Page-Continue"] = cursor
		}
		req, _ := http.NewRequest("GET", servers[0].url()+"/v2.2/stores/"+storeID+"/returns", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		res, err := c.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Returns []struct {
				ID               string   `json:"id"`
				ExternalOrderIDs []string `json:"externalOrderIds"`
			} `json:"returns"`
		}
		err = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("list returns: %d %v", res.StatusCode, err)
		}
		for _, r := range page.Returns {
			all[r.ID] = true
			for _, o := range r.ExternalOrderIDs {
				byOrder[o] = append(byOrder[o], r.ID)
			}
		}
		cursor = res.Header.Get("X-Page-Next")
		if cursor == "" || len(page.Returns) == 0 {
			break
		}
	}
	for o, ids := range byOrder {
		if len(ids) > 1 {
			t.Errorf("order %s (one Idempotency-Key) has %d returns: %v", o, len(ids), ids)
		}
	}
	for k, id := range acked {
		if !all[id] {
			t.Errorf("acknowledged return %s (key %s) is missing from the list", id, k)
		}
	}
	t.Logf("%d returns listed", len(all))
}

// waitFor polls ok until it holds or deadline passes; then the test fails,
// with why's account of the state when why is given.
func waitFor(t *testing.T, deadline time.Time, what string, ok func() bool, why ...func() string) {
	t.Helper()
	for !ok() {
		if time.Now().After(deadline) {
			var detail []string
			for _, f := range why {
				detail = append(detail, f())
			}
			t.Fatalf("timed out waiting for %s\n%s", what, strings.Join(detail, "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// createStore runs rebound store create and returns the store id and key.
func createStore(t *testing.T, env []string, args ...string) (string, string) {
	t.Helper()
	cmd := exec.Command(binPath, append([]string{"store", "create", "--name", "Crash"}, args...)...)
	cmd.Env = environ(env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("store create: %v\n%s", err, errb.String())
	}
	var m struct{ StoreID, APIKey string }
	if err := json.NewDecoder(bufio.NewReader(&out)).Decode(&m); err != nil || m.StoreID == "" {
		t.Fatalf("store create printed %q: %v", out.String(), err)
	}
	return m.StoreID, m.APIKey
}

// TestCrashSQLite kills the single SQLite server 20 times under load.
func TestCrashSQLite(t *testing.T) {
	t.Parallel()
	trackSources(t)
	data := t.TempDir()
	storeID, key := createStore(t, nil, "--data-dir", data)
	s := newServer(t, "sqlite", nil, "--data-dir", data)
	runCrash(t, crashConfig{kills: 20, minGap: time.Second, maxGap: 2500 * time.Millisecond,
		orderClients: 6, returnClients: 4, db: database{"sqlite", "file:" + filepath.Join(data, "rebound.db") + "?mode=ro"}}, []*server{s}, storeID, key)
}

// TestCrashPostgresReplica kills one of two PostgreSQL replicas at a time
// under load, the other one serving on.
func TestCrashPostgresReplica(t *testing.T) {
	t.Parallel()
	trackSources(t)
	storetest.RequirePostgres(t)
	url := storetest.PostgresURL(t)
	var k [32]byte
	_, _ = rand.Read(k[:])
	env := []string{"REBOUND_SECRET_KEY=" + base64.StdEncoding.EncodeToString(k[:])}
	storeID, key := createStore(t, env, "--database-url", url)
	a := newServer(t, "replica-a", env, "--database-url", url)
	b := newServer(t, "replica-b", env, "--database-url", url)
	runCrash(t, crashConfig{kills: 8, minGap: 2 * time.Second, maxGap: 5 * time.Second,
		orderClients: 6, returnClients: 4, killOneOfServers: true, db: database{"postgres", url}}, []*server{a, b}, storeID, key)
}

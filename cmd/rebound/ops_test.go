//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reboundhq/rebound/internal/examples"
)

// One process owns a SQLite data dir: a second serve (or a worker) on it
// fails at once naming the first; one-shot commands still work beside it.
func TestSecondServeOnDataDirFails(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	srv := startServer(t, t.TempDir(), nil, "--addr", "127.0.0.1:0", "--data-dir", data)
	want := fmt.Sprintf("in use by another rebound process (pid %d, started ", srv.cmd.Process.Pid)
	for _, cmd := range []string{"serve", "worker"} {
		r := rebound(t, nil, cmd, "--addr", "127.0.0.1:0", "--data-dir", data)
		if cmd == "worker" {
			r = rebound(t, nil, cmd, "--data-dir", data)
		}
		if r.code != 1 || !strings.Contains(r.stderr, want) {
			t.Errorf("second %s on the data dir: want exit 1 and %q\n%s", cmd, want, r)
		}
	}
	s := createStore(t, nil, "Beside", "--data-dir", data)
	expectStatus(t, 200, "POST", ordersURL(srv.base, s.id), s.key, examples.Order())
	if code := srv.stop(t, 15*time.Second); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
	// Released on exit: the dir can be served again.
	startServer(t, t.TempDir(), nil, "--addr", "127.0.0.1:0", "--data-dir", data)
}

// rebound backup copies the database while the server writes; the copy,
// put in a new data dir as docs/operations.md says, serves every order
// synced before the backup began.
func TestBackupWhileServingAndRestore(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "data")
	s := createStore(t, nil, "Acme", "--data-dir", data)
	srv := startServer(t, t.TempDir(), nil, "--addr", "127.0.0.1:0", "--data-dir", data)

	var mu sync.Mutex
	var acked []string
	var n atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("o-%d-%d", w, i)
				if code, b := tryHTTP("POST", ordersURL(srv.base, s.id), s.key, examples.OrderWithID(id)); code != 200 {
					t.Errorf("sync %s: %d %s", id, code, b)
					return
				}
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
				n.Add(1)
			}
		})
	}
	waitUntil(t, 30*time.Second, "200 orders synced", func() bool { return n.Load() >= 200 })
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	file := filepath.Join(t.TempDir(), "rebound-backup.db")
	r := mustRebound(t, nil, "backup", "--data-dir", data, "--to", file)
	m := oneJSON(t, r.stdout)
	if m["backup"] != file || m["bytes"].(float64) <= 0 {
		t.Errorf("backup printed %v", m)
	}
	waitUntil(t, 30*time.Second, "more orders synced after the backup", func() bool { return n.Load() >= int64(len(before))+50 })
	close(stop)
	wg.Wait()

	// An existing file is never overwritten without --force.
	if r := rebound(t, nil, "backup", "--data-dir", data, "--to", file); r.code != 1 || !strings.Contains(r.stderr, "exists") {
		t.Errorf("backup over an existing file: want exit 1 naming it\n%s", r)
	}
	forced := filepath.Join(t.TempDir(), "again.db")
	if err := os.WriteFile(forced, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRebound(t, nil, "backup", "--data-dir", data, "--to", forced, "--force")
	if fi, err := os.Stat(forced); err != nil || fi.Size() < 4096 {
		t.Errorf("--force did not replace the file: %v %v", fi, err)
	}
	if code := srv.stop(t, 15*time.Second); code != 0 {
		t.Fatalf("serve exited %d", code)
	}

	// Restore: the copy as DATA_DIR/rebound.db of a new dir (no -wal/-shm).
	restored := filepath.Join(t.TempDir(), "restored")
	if err := os.MkdirAll(restored, 0o750); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(restored, "rebound.db"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	srv2 := startServer(t, t.TempDir(), nil, "--addr", "127.0.0.1:0", "--data-dir", restored)
	for _, id := range before {
		expectStatus(t, 200, "GET", orderURL(srv2.base, s.id, id), s.key, nil)
	}
	t.Logf("%d orders synced before the backup, all restored", len(before))
}

func TestBackupPostgresGivesGuidance(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "x.db")
	r := rebound(t, nil, "backup", "--database-url", "postgres://nobody@127.0.0.1:1/none", "--to", file)
	if r.code != 1 || !strings.Contains(r.stderr, "pg_dump") || !strings.Contains(r.stderr, "pg_restore") {
		t.Errorf("backup of PostgreSQL: want exit 1 and pg_dump guidance\n%s", r)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("a file was written: %v", err)
	}
	if r := rebound(t, nil, "backup", "--data-dir", t.TempDir()); r.code != 2 {
		t.Errorf("backup without --to: want exit 2\n%s", r)
	}
}

// startWorker runs `rebound worker args...` and waits until it logs that
// it started.
func startWorker(t *testing.T, env []string, args ...string) *serverProc {
	t.Helper()
	w := &serverProc{stdout: &syncBuffer{}, stderr: &syncBuffer{}, exited: make(chan struct{})}
	w.cmd = exec.Command(binPath, append([]string{"worker"}, args...)...)
	w.cmd.Dir = t.TempDir()
	w.cmd.Env = environ(env...)
	w.cmd.Stdout, w.cmd.Stderr = w.stdout, w.stderr
	w.cmd.WaitDelay = 5 * time.Second
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = w.cmd.Wait()
		close(w.exited)
	}()
	t.Cleanup(func() {
		if w.running() {
			_ = w.cmd.Process.Kill()
		}
		<-w.exited
		if t.Failed() {
			t.Logf("rebound worker output:\n%s", w.output())
		}
	})
	waitUntil(t, 30*time.Second, "rebound worker to start", func() bool {
		if !w.running() {
			t.Fatalf("rebound worker exited early\n%s", w.output())
		}
		return strings.Contains(w.stderr.String(), `"msg":"rebound worker started"`)
	})
	return w
}

// On PostgreSQL, a rebound worker delivers the webhook of a change made
// through a serve --workers=false process.
func TestWorkerDeliversForHTTPOnlyServe(t *testing.T) {
	t.Parallel()
	u := pgURL(t)
	var got atomic.Int32
	var body atomic.Value
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		body.Store(string(b))
		got.Add(1)
	}))
	t.Cleanup(rc.Close)
	env := []string{"REBOUND_DATABASE_URL=" + u, "REBOUND_SECRET_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "REBOUND_ALLOW_PRIVATE_WEBHOOK_TARGETS=1"}
	s := createStore(t, env, "Acme")
	srv := startServer(t, t.TempDir(), env, "--addr", "127.0.0.1:0", "--workers=false")
	if !strings.Contains(srv.stderr.String(), "job workers not started") {
		t.Errorf("serve --workers=false did not log that it runs no workers")
	}
	hook := `{"webhook":{"callback":{"url":"` + rc.URL + `/hook"},"topic":"return","kind":"redo"}}`
	expectStatus(t, 201, "POST", srv.base+"/v2.2/stores/"+s.id+"/webhooks", s.key, []byte(hook))
	expectStatus(t, 200, "POST", ordersURL(srv.base, s.id), s.key, examples.Order())
	ret, _ := json.Marshal(map[string]any{"data": map[string]any{
		"provider": "custom", "externalOrderId": "order_123456",
		"items":           []any{map[string]any{"lineItemId": "line_1", "quantity": 1, "reason": "Too small", "compensation": "refund"}},
		"shippingAddress": map[string]any{"line1": "123 Main St", "city": "New York", "state": "NY", "postalCode": "10001", "country": "US"},
	}})
	b := expectStatus(t, 201, "POST", srv.base+"/v2.2/stores/"+s.id+"/returns", s.key, ret)
	var created struct{ Return struct{ ID string } }
	if err := json.Unmarshal([]byte(b), &created); err != nil || created.Return.ID == "" {
		t.Fatalf("return create answered %s", b)
	}
	// Nothing runs the jobs serve enqueued until the worker starts.
	if n := got.Load(); n != 0 {
		t.Fatalf("%d deliveries before any worker ran", n)
	}
	startWorker(t, env)
	waitUntil(t, 60*time.Second, "the worker to deliver the return's webhook", func() bool { return got.Load() > 0 })
	if b, _ := body.Load().(string); !strings.Contains(b, created.Return.ID) {
		t.Errorf("delivered body does not name return %s: %s", created.Return.ID, b)
	}
}

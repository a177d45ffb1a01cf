package redoapi_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/reboundhq/rebound/internal/secrets"
	"github.com/reboundhq/rebound/internal/server"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/store/storetest"
	"github.com/reboundhq/rebound/internal/webhooks"
	"github.com/reboundhq/rebound/internal/webhooks/webhookstest"
)

// received is one request a receiver got.
type received struct {
	header http.Header
	body   []byte
	at     time.Time
	status int
}

// receiver is a webhook endpoint that records every request and answers
// with fail's status (200 when fail is nil or returns 0).
type receiver struct {
	srv     *httptest.Server
	arrived atomic.Int32 // requests received, answered or not
	mu      sync.Mutex
	got     []received
	fail    func(body []byte, n int) int // n: requests so far, this one included
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{}
	rc.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.arrived.Add(1)
		rc.mu.Lock()
		n := len(rc.got) + 1
		fail := rc.fail
		rc.mu.Unlock()
		status := 200
		if fail != nil {
			if s := fail(b, n); s != 0 {
				status = s
			}
		}
		rc.mu.Lock()
		rc.got = append(rc.got, received{header: r.Header.Clone(), body: b, at: time.Now(), status: status})
		rc.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// ok returns the requests answered 2xx.
func (rc *receiver) ok() []received {
	var out []received
	for _, r := range rc.all() {
		if r.status < 300 {
			out = append(out, r)
		}
	}
	return out
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testCert is the certificate httptest's TLS servers use.
var testCert = func() *x509.Certificate {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	return srv.Certificate()
}()

var testBox = func() *secrets.Box {
	b, err := secrets.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		panic(err)
	}
	return b
}()

// hookConfig is the delivery configuration tests run with: short timeouts,
// leases and retry waits, private targets allowed (the receiver is on
// loopback).
func hookConfig() webhooks.WorkerConfig {
	pool := x509.NewCertPool()
	pool.AddCert(testCert)
	return webhooks.WorkerConfig{Secrets: testBox, AllowPrivateTargets: true, RootCAs: pool, Timeout: 2 * time.Second, Lease: 3 * time.Second,
		RetryDelay: func(int, time.Duration) time.Duration { return 30 * time.Millisecond }}
}

// startWorkers runs the job workers on e's store until the test ends.
func (e *env) startWorkers(cfg webhooks.WorkerConfig) {
	e.t.Helper()
	e.sv.Webhooks.Secrets = testBox
	e.sv.Webhooks.AllowPrivateTargets = true
	e.sv.WebhookWorkers = cfg
	ctx, cancel := context.WithCancel(context.Background())
	if err := e.st.StartWorkers(ctx, e.sv.Workers(nil, nil)); err != nil {
		e.t.Fatal(err)
	}
	go webhooks.Sweep(ctx, e.st, 100*time.Millisecond, nil)
	e.t.Cleanup(func() {
		sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
		defer c()
		_ = e.st.StopWorkers(sctx)
		cancel()
	})
}

func (e *env) subscribe(body string) map[string]any {
	e.t.Helper()
	r := e.do("POST", "/v2.2/stores/"+e.storeID+"/webhooks", e.key, "application/json", []byte(body))
	if r.status != 201 {
		e.t.Fatalf("subscribe: %d %s", r.status, r.body)
	}
	return obj(r.json(e.t)["webhook"])
}

func hookBody(url, extra string) string {
	return `{"webhook":{"callback":{"url":"` + url + `","auth":{"bearer":{"token":"tok-123"}}},"topic":"return"` + extra + `}}`
}

func TestWebhookSubscriptionAPI(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.sv.Webhooks.Secrets = testBox
		e.sv.Webhooks.AllowPrivateTargets = true
		rc := newReceiver(t)
		w := e.subscribe(hookBody(rc.srv.URL, `,"kind":"redo","externalId":"erp-1"`))
		id := w["id"].(string)
		secret := obj(w["rebound"])["secret"].(string)
		if !strings.HasPrefix(secret, "whsec_") || obj(obj(w["callback"])["auth"])["bearer"] == nil {
			t.Errorf("created = %v", w)
		}
		if strings.Contains(fmt.Sprint(w), "tok-123") {
			t.Errorf("the bearer token was returned: %v", w)
		}
		// Upsert by externalId: 200, same id, no new secret.
		r := e.do("POST", "/v2.2/stores/"+e.storeID+"/webhooks", e.key, "application/json", []byte(hookBody(rc.srv.URL+"/v2", `,"kind":"redo","externalId":"erp-1"`)))
		if b := obj(r.json(t)["webhook"]); r.status != 200 || b["id"] != id || obj(b["callback"])["url"] != rc.srv.URL+"/v2" || obj(b["rebound"])["secret"] != nil {
			t.Fatalf("upsert: %d %s", r.status, r.body)
		}
		r = e.do("GET", "/v2.2/stores/"+e.storeID+"/webhooks", e.key, "", nil)
		if n := len(arr(r.json(t)["webhooks"])); r.status != 200 || n != 1 {
			t.Fatalf("list: %d %s", r.status, r.body)
		}
		if r := e.do("GET", "/v2.2/webhooks/"+id, e.key, "", nil); r.status != 200 {
			t.Fatalf("get: %d %s", r.status, r.body)
		}
		if r := e.do("PUT", "/v2.2/webhooks/"+id, e.key, "application/json", []byte(`{"webhook":{"callback":{"url":"`+rc.srv.URL+`","auth":null},"externalId":"erp-2"}}`)); r.status != 204 {
			t.Fatalf("put: %d %s", r.status, r.body)
		}
		got := obj(e.do("GET", "/v2.2/webhooks/"+id, e.key, "", nil).json(t)["webhook"])
		if got["externalId"] != "erp-2" || obj(got["callback"])["auth"] != nil {
			t.Errorf("after put = %v", got)
		}
		if r := e.do("POST", "/v2.2/webhooks/"+id+"/replay", e.key, "application/json", []byte(`{"start":"2025-01-01T00:00:00Z"}`)); r.status != 202 {
			t.Fatalf("replay: %d %s", r.status, r.body)
		}
		r = e.doUnchecked("POST", "/v2.2/webhooks/"+id+"/rotate-secret", e.key, "", nil)
		if s2 := obj(obj(r.json(t)["webhook"])["rebound"]); r.status != 200 || s2["secret"] == secret || s2["secretsActive"] != 2.0 {
			t.Fatalf("rotate: %d %s", r.status, r.body)
		}
		// Bad input names the field; nothing is created.
		for body, field := range map[string]string{
			`{"webhook":{"callback":{"url":"` + rc.srv.URL + `","auth":null},"topic":"order"}}`:              "webhook.topic",
			`{"webhook":{"callback":{"url":"` + rc.srv.URL + `","auth":null},"topic":"return","kind":"x"}}`:  "webhook.kind",
			`{"webhook":{"callback":{"url":"not a url","auth":null},"topic":"return"}}`:                      "webhook.callback.url",
			`{"webhook":{"callback":{"url":"` + rc.srv.URL + `","auth":{"bearer":"tok"}},"topic":"return"}}`: "webhook.callback.auth.bearer",
			`{"webhook":{"topic":"return"}}`: "webhook.callback",
		} {
			r := e.doUnchecked("POST", "/v2.2/stores/"+e.storeID+"/webhooks", e.key, "application/json", []byte(body))
			if r.status != 400 || !strings.Contains(string(r.body), field) {
				t.Errorf("%s: %d %s", body, r.status, r.body)
			}
		}
		if r := e.do("DELETE", "/v2.2/webhooks/"+id, e.key, "", nil); r.status != 204 {
			t.Fatalf("delete: %d %s", r.status, r.body)
		}
		// (The spec documents no error answer for this operation.)
		if r := e.doUnchecked("GET", "/v2.2/webhooks/"+id, e.key, "", nil); r.status != 404 {
			t.Errorf("get after delete: %d", r.status)
		}
	})
}

// TestWebhookTargetsRefused: without --allow-private-webhook-targets every
// non-public address class and plain http are refused at subscription time.
func TestWebhookTargetsRefused(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t))
	e.sv.Webhooks.Secrets = testBox
	for _, u := range []string{
		"http://example.com/hook",            // not https
		"https://127.0.0.1/hook",             // loopback
		"https://[::1]/hook",                 // loopback v6
		"https://10.1.2.3/hook",              // private
		"https://192.168.0.10/hook",          // private
		"https://172.16.5.4/hook",            // private
		"https://169.254.169.254/latest",     // link-local, cloud metadata
		"https://[fe80::1]/hook",             // link-local v6
		"https://100.64.0.1/hook",            // CGNAT
		"https://0.0.0.0/hook",               // unspecified
		"https://[::ffff:127.0.0.1]/hook",    // v4-mapped loopback
		"https://[fd00:ec2::254]/hook",       // unique local (AWS metadata v6)
		"https://localhost/hook",             // resolves to loopback
		"https://user:pass@example.com/hook", // credentials in the URL
	} {
		r := e.do("POST", "/v2.2/stores/"+e.storeID+"/webhooks", e.key, "application/json",
			[]byte(`{"webhook":{"callback":{"url":"`+u+`","auth":null},"topic":"return"}}`))
		if r.status != 400 || !strings.Contains(string(r.body), "webhook.callback.url") {
			t.Errorf("%s: %d %s", u, r.status, r.body)
		}
	}
	r := e.do("GET", "/v2.2/stores/"+e.storeID+"/webhooks", e.key, "", nil)
	if n := len(arr(r.json(t)["webhooks"])); n != 0 {
		t.Errorf("%d subscriptions created", n)
	}
}

// TestWebhookDeliveryRedo: a return's events reach a redo subscriber in
// order, valid against Redo's webhooks.return schema, with the bearer token
// and Standard Webhooks signature headers.
func TestWebhookDeliveryRedo(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		cfg := hookConfig()
		reg := prometheus.NewRegistry()
		cfg.Metrics = webhooks.NewMetrics(reg, e.st)
		e.startWorkers(cfg)
		rc := newReceiver(t)
		w := e.subscribe(hookBody(rc.srv.URL, `,"kind":"redo"`))
		secret := obj(w["rebound"])["secret"].(string)
		e.synced()
		id := e.mustCreateReturn(returnBody())["id"].(string)
		e.do("PUT", "/v2.2/returns/"+id+"/status", e.key, "application/json", []byte(`{"status":"flagged"}`))
		e.do("POST", "/v2.2/returns/"+id+"/comments", e.key, "application/json", []byte(`{"comment":{"message":"hi"}}`))
		waitFor(t, 10*time.Second, "3 deliveries", func() bool { return len(rc.ok()) >= 3 })
		got := rc.ok()
		var types, statuses []string
		for _, r := range got {
			if err := webhooks.Verify(secret, r.header, r.body, time.Now()); err != nil {
				t.Errorf("signature: %v", err)
			}
			if r.header.Get("Authorization") != "Bearer tok-123" {
				t.Errorf("Authorization = %q", r.header.Get("Authorization"))
			}
			e.spec.ValidateSchema(t, "webhooks.return", r.body)
			var p struct {
				Type         string
				MerchantName string
				Return       struct{ ID, Status string }
			}
			_ = json.Unmarshal(r.body, &p)
			if p.Return.ID != id || p.MerchantName != "Acme" {
				t.Errorf("payload = %s", r.body)
			}
			types = append(types, p.Type)
			statuses = append(statuses, p.Return.Status)
		}
		if fmt.Sprint(types) != "[created updated updated]" || fmt.Sprint(statuses) != "[open flagged flagged]" {
			t.Errorf("types %v statuses %v", types, statuses)
		}
		// Metrics: three successful attempts, their event→delivery latency,
		// and an empty queue. The receiver sees a delivery before the worker
		// records its outcome, so wait for the queue to drain first.
		var mv map[string]float64
		waitFor(t, 10*time.Second, "an empty delivery queue", func() bool {
			mv = gatherMetrics(t, reg)
			return mv["rebound_webhook_pending_deliveries"] == 0 && mv["rebound_webhook_attempts_total/succeeded"] >= 3
		})
		if mv["rebound_webhook_attempts_total/succeeded"] != 3 || mv["rebound_webhook_event_to_delivery_seconds"] != 3 ||
			mv["rebound_webhook_delivery_attempts"] != 3 || mv["rebound_webhook_pending_deliveries"] != 0 {
			t.Errorf("metrics = %v", mv)
		}
		// The delivery log shows each delivery and its attempt.
		r := e.doUnchecked("GET", "/v2.2/webhooks/"+w["id"].(string)+"/deliveries", e.key, "", nil)
		ds := arr(r.json(t)["deliveries"])
		if r.status != 200 || len(ds) != 3 || obj(ds[0])["state"] != "succeeded" || len(arr(obj(ds[0])["attempts"])) != 1 {
			t.Errorf("deliveries: %d %s", r.status, r.body)
		}
	})
}

// gatherMetrics flattens a registry into name(/label value) → value:
// counters by label value, histograms by sample count, gauges by value.
func gatherMetrics(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	mv := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			switch {
			case m.GetCounter() != nil:
				for _, l := range m.GetLabel() {
					mv[mf.GetName()+"/"+l.GetValue()] = m.GetCounter().GetValue()
				}
			case m.GetHistogram() != nil:
				mv[mf.GetName()] = float64(m.GetHistogram().GetSampleCount())
			case m.GetGauge() != nil:
				mv[mf.GetName()] = m.GetGauge().GetValue()
			}
		}
	}
	return mv
}

// TestWebhookDeliveryLoop: a loop subscriber gets Loop's return payload
// signed with X-Loop-Signature as Loop's docs compute it.
func TestWebhookDeliveryLoop(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.startWorkers(hookConfig())
		rc := newReceiver(t)
		w := e.subscribe(hookBody(rc.srv.URL, `,"kind":"loop"`))
		secret := obj(w["rebound"])["secret"].(string)
		e.synced()
		id := e.mustCreateReturn(returnBody())["id"].(string)
		e.do("PUT", "/v2.2/returns/"+id+"/status", e.key, "application/json", []byte(`{"status":"complete"}`))
		waitFor(t, 10*time.Second, "2 deliveries", func() bool { return len(rc.ok()) >= 2 })
		var triggers []string
		for _, r := range rc.ok() {
			mac := hmac.New(sha256.New, []byte(secret))
			mac.Write(r.body)
			if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); r.header.Get("X-Loop-Signature") != want {
				t.Errorf("X-Loop-Signature = %q, want %q", r.header.Get("X-Loop-Signature"), want)
			}
			var p map[string]any
			_ = json.Unmarshal(r.body, &p)
			if n, _ := p["id"].(float64); p["topic"] != "return" || p["redo_id"] != id || n <= 0 || p["order_name"] != "order_123456" {
				t.Errorf("payload = %s", r.body)
			}
			triggers = append(triggers, p["trigger"].(string)+"/"+p["state"].(string))
		}
		if fmt.Sprint(triggers) != "[return.created/open return.closed/closed]" {
			t.Errorf("triggers = %v", triggers)
		}
	})
}

// TestWebhookOrderUnderRetries: a receiver that fails the first attempts
// for one return still gets that return's events in order, while another
// return's events are not held up.
func TestWebhookOrderUnderRetries(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.startWorkers(hookConfig())
		rc := newReceiver(t)
		e.synced()
		// Two returns (one unit each) before subscribing.
		a := e.mustCreateReturn(returnBody())["id"].(string)
		b := e.mustCreateReturn(returnBody())["id"].(string)
		failsA := 0
		rc.fail = func(body []byte, n int) int {
			if bytes.Contains(body, []byte(a)) && failsA < 4 {
				failsA++
				return 503
			}
			return 0
		}
		e.subscribe(hookBody(rc.srv.URL, `,"kind":"redo"`))
		for _, st := range []string{"flagged", "open", "complete"} {
			for _, id := range []string{a, b} {
				if r := e.do("PUT", "/v2.2/returns/"+id+"/status", e.key, "application/json", []byte(`{"status":"`+st+`"}`)); r.status != 204 {
					t.Fatalf("%s → %s: %d %s", id, st, r.status, r.body)
				}
			}
		}
		waitFor(t, 20*time.Second, "6 successful deliveries", func() bool { return len(rc.ok()) >= 6 })
		seq := map[string][]string{}
		for _, r := range rc.ok() {
			var p struct{ Return struct{ ID, Status string } }
			_ = json.Unmarshal(r.body, &p)
			seq[p.Return.ID] = append(seq[p.Return.ID], p.Return.Status)
		}
		for _, id := range []string{a, b} {
			if got := fmt.Sprint(seq[id]); got != "[flagged open complete]" {
				t.Errorf("return %s delivered as %s, want [flagged open complete]", id, got)
			}
		}
		if failsA != 4 {
			t.Errorf("%d failed attempts, want 4", failsA)
		}
		// The same webhook-id on every attempt of an event.
		ids := map[string]bool{}
		for _, r := range rc.all() {
			if bytes.Contains(r.body, []byte(a)) {
				ids[r.header.Get("webhook-id")] = true
			}
		}
		if len(ids) != 3 {
			t.Errorf("%d webhook-ids for return a's 3 events (with retries), want 3", len(ids))
		}
	})
}

// TestWebhookDisableAndResume: a subscription that fails every delivery
// for the whole retry window is disabled with the reason shown; events
// keep being recorded, and re-enabling delivers them in order.
func TestWebhookDisableAndResume(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		cfg := hookConfig()
		cfg.RetryWindow = 500 * time.Millisecond
		e.startWorkers(cfg)
		rc := newReceiver(t)
		down := true
		var mu sync.Mutex
		rc.fail = func([]byte, int) int {
			mu.Lock()
			defer mu.Unlock()
			if down {
				return 500
			}
			return 0
		}
		w := e.subscribe(hookBody(rc.srv.URL, `,"kind":"redo"`))
		id := w["id"].(string)
		e.synced()
		ret := e.mustCreateReturn(returnBody())["id"].(string)
		var hook map[string]any
		waitFor(t, 15*time.Second, "the subscription to be disabled", func() bool {
			hook = obj(e.do("GET", "/v2.2/webhooks/"+id, e.key, "", nil).json(t)["webhook"])
			return obj(hook["rebound"])["enabled"] == false
		})
		if reason, _ := obj(hook["rebound"])["disabledReason"].(string); !strings.Contains(reason, "HTTP 500") {
			t.Errorf("disabledReason = %q", reason)
		}
		// While disabled, changes are recorded but not attempted.
		e.do("PUT", "/v2.2/returns/"+ret+"/status", e.key, "application/json", []byte(`{"status":"flagged"}`))
		e.do("PUT", "/v2.2/returns/"+ret+"/status", e.key, "application/json", []byte(`{"status":"open"}`))
		time.Sleep(300 * time.Millisecond)
		attempts := len(rc.all())
		time.Sleep(300 * time.Millisecond)
		if n := len(rc.all()); n != attempts {
			t.Errorf("%d attempts while disabled", n-attempts)
		}
		mu.Lock()
		down = false
		mu.Unlock()
		if r := e.doUnchecked("POST", "/v2.2/webhooks/"+id+"/enable", e.key, "", nil); r.status != 200 {
			t.Fatalf("enable: %d %s", r.status, r.body)
		}
		// The created event was given up (its window passed); the two
		// held ones arrive in order.
		waitFor(t, 10*time.Second, "held deliveries", func() bool { return len(rc.ok()) >= 2 })
		var statuses []string
		for _, r := range rc.ok() {
			var p struct{ Return struct{ Status string } }
			_ = json.Unmarshal(r.body, &p)
			statuses = append(statuses, p.Return.Status)
		}
		if fmt.Sprint(statuses) != "[flagged open]" {
			t.Errorf("after re-enabling: %v", statuses)
		}
		// Redeliver the given-up created event by hand.
		r := e.doUnchecked("GET", "/v2.2/webhooks/"+id+"/deliveries", e.key, "", nil)
		ds := arr(r.json(t)["deliveries"])
		first := obj(ds[len(ds)-1])
		if first["state"] != "failed" || first["type"] != "created" {
			t.Fatalf("oldest delivery = %v", first)
		}
		r = e.doUnchecked("POST", fmt.Sprintf("/v2.2/webhooks/%s/deliveries/%v/redeliver", id, first["id"]), e.key, "", nil)
		if r.status != 202 {
			t.Fatalf("redeliver: %d %s", r.status, r.body)
		}
		waitFor(t, 10*time.Second, "the redelivery", func() bool { return len(rc.ok()) >= 3 })
		last := rc.ok()[2]
		if last.header.Get("webhook-id") != first["messageId"] {
			t.Errorf("redelivered webhook-id %q, want %q", last.header.Get("webhook-id"), first["messageId"])
		}
	})
}

// TestWebhookCrashSafety stops the workers hard in the middle of
// deliveries, restarts on the same database and checks that every event
// arrives at least once with the same webhook-id.
func TestWebhookCrashSafety(t *testing.T) {
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			reopen := storetest.Reopener(t, be.Name)
			st := reopen()
			sv := server.NewServices(server.Options{Store: st, Secrets: testBox, AllowPrivateWebhookTargets: true})
			a := sv.App
			s, k, err := a.CreateStore(context.Background(), "Acme")
			if err != nil {
				t.Fatal(err)
			}
			rc := newReceiver(t)
			slow := make(chan struct{})
			var once sync.Once
			rc.fail = func([]byte, int) int {
				<-slow // hold every request until the crash
				return 0
			}
			t.Cleanup(func() { once.Do(func() { close(slow) }) })
			srv := httptest.NewServer(server.New(server.Config{Services: sv}))
			defer srv.Close()
			e := &env{t: t, st: st, app: a, sv: sv, srv: srv, spec: nil, storeID: s.ID, key: k.Secret}
			cfg := hookConfig()
			cfg.Lease = time.Second
			ctx, crash := context.WithCancel(context.Background())
			sv.WebhookWorkers = cfg
			if err := st.StartWorkers(ctx, sv.Workers(nil, nil)); err != nil {
				t.Fatal(err)
			}
			e.subscribeUnchecked(hookBody(rc.srv.URL, `,"kind":"redo"`))
			e.syncedUnchecked()
			var ids []string
			for range 2 {
				ids = append(ids, e.createUnchecked(returnBody()))
			}
			for _, id := range ids {
				e.doUnchecked("PUT", "/v2.2/returns/"+id+"/status", e.key, "application/json", []byte(`{"status":"flagged"}`))
			}
			waitFor(t, 10*time.Second, "deliveries in flight", func() bool { return rc.arrived.Load() >= 2 })
			// Crash: cancel everything without letting jobs finish, and
			// drop the process's handle on the database.
			crash()
			_ = st.StopWorkers(expired())
			_ = st.Close()
			once.Do(func() { close(slow) })

			st2 := reopen()
			rc.setFail(nil)
			ctx2, stop := context.WithCancel(context.Background())
			defer stop()
			sv2 := server.NewServices(server.Options{Store: st2, Secrets: testBox, AllowPrivateWebhookTargets: true, Webhooks: cfg})
			if err := st2.StartWorkers(ctx2, sv2.Workers(nil, nil)); err != nil {
				t.Fatal(err)
			}
			go webhooks.Sweep(ctx2, st2, 100*time.Millisecond, nil)
			defer func() {
				c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = st2.StopWorkers(c)
			}()
			// Every event (2 created + 2 updated) arrives, each webhook-id at
			// least once.
			want := map[string]bool{}
			evs := listEvents(t, st2, s.ID)
			for _, ev := range evs {
				want[fmt.Sprintf("msg_%d", ev)] = true
			}
			if len(want) != 4 {
				t.Fatalf("%d events recorded, want 4", len(want))
			}
			waitFor(t, 20*time.Second, "every event delivered after the restart", func() bool {
				seen := map[string]bool{}
				for _, r := range rc.all() {
					if r.status < 300 {
						seen[r.header.Get("webhook-id")] = true
					}
				}
				for id := range want {
					if !seen[id] {
						return false
					}
				}
				return true
			})
		})
	}
}

// setFail replaces the receiver's failure function.
func (rc *receiver) setFail(f func(body []byte, n int) int) {
	rc.mu.Lock()
	rc.fail = f
	rc.mu.Unlock()
}

func expired() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func listEvents(t *testing.T, st store.Store, storeID string) []int64 {
	var ids []int64
	err := st.View(context.Background(), func(tx store.ReadTx) error {
		evs, err := tx.ListEvents(context.Background(), storeID, 0, 1000)
		for _, ev := range evs {
			if strings.HasPrefix(ev.Kind, "return.") {
				ids = append(ids, ev.ID)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func (e *env) subscribeUnchecked(body string) {
	e.t.Helper()
	if r := e.doUnchecked("POST", "/v2.2/stores/"+e.storeID+"/webhooks", e.key, "application/json", []byte(body)); r.status != 201 {
		e.t.Fatalf("subscribe: %d %s", r.status, r.body)
	}
}

func (e *env) syncedUnchecked() {
	e.t.Helper()
	if r := e.doUnchecked("POST", "/v2.2/stores/"+e.storeID+"/custom/orders", e.key, "application/json", mutate(func(map[string]any) {})); r.status != 200 {
		e.t.Fatalf("sync: %d %s", r.status, r.body)
	}
}

func (e *env) createUnchecked(body []byte) string {
	e.t.Helper()
	r := e.doUnchecked("POST", "/v2.2/stores/"+e.storeID+"/returns", e.key, "application/json", body)
	if r.status != 201 {
		e.t.Fatalf("create return: %d %s", r.status, r.body)
	}
	return obj(r.json(e.t)["return"])["id"].(string)
}

// TestWebhookBackfillAndReplay: backfill sends every existing return once
// (type backfill); replay re-sends the events since start
// with the state each recorded.
func TestWebhookBackfillAndReplay(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.startWorkers(hookConfig())
		e.synced()
		a := e.mustCreateReturn(returnBody())["id"].(string)
		b := e.mustCreateReturn(returnBody())["id"].(string)
		rc := newReceiver(t)
		w := e.subscribe(hookBody(rc.srv.URL, `,"kind":"redo","backfill":true`))
		waitFor(t, 10*time.Second, "2 backfill deliveries", func() bool { return len(rc.ok()) >= 2 })
		var got []string
		for _, r := range rc.ok() {
			e.spec.ValidateSchema(t, "webhooks.return", r.body)
			var p struct {
				Type   string
				Return struct{ ID string }
			}
			_ = json.Unmarshal(r.body, &p)
			got = append(got, p.Type+":"+p.Return.ID)
		}
		// Different returns are delivered in parallel: compare as sets.
		slices.Sort(got)
		if want := []string{"backfill:" + a, "backfill:" + b}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("backfill = %v, want %v", got, want)
		}
		// Replay from before the returns were made: their two created
		// events again (the subscription did not exist then).
		r := e.do("POST", "/v2.2/webhooks/"+w["id"].(string)+"/replay", e.key, "application/json", []byte(`{"start":"2000-01-01T00:00:00Z"}`))
		if r.status != 202 {
			t.Fatalf("replay: %d %v", r.status, r.header)
		}
		waitFor(t, 10*time.Second, "2 replayed deliveries", func() bool { return len(rc.ok()) >= 4 })
		got = nil
		for _, r := range rc.ok()[2:] {
			var p struct {
				Type   string
				Return struct{ ID, Status string }
			}
			_ = json.Unmarshal(r.body, &p)
			got = append(got, p.Type+":"+p.Return.ID)
			if !strings.Contains(r.header.Get("webhook-id"), "_replay_") {
				t.Errorf("replayed webhook-id %q", r.header.Get("webhook-id"))
			}
		}
		slices.Sort(got)
		if want := []string{"created:" + a, "created:" + b}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("replay = %v, want %v", got, want)
		}
	})
}

// TestWebhookOfficialLibraryEndToEnd: real deliveries from the running
// server, of both kinds, are verified by a receiver using the official
// Standard Webhooks library (npm standardwebhooks, pinned) and Loop's
// X-Loop-Signature computation, run by Node.js.
func TestWebhookOfficialLibraryEndToEnd(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t))
	e.startWorkers(hookConfig())
	e.synced()
	for _, kind := range []string{"redo", "loop"} {
		t.Run(kind, func(t *testing.T) {
			// The receiver needs the secret, which the subscription's answer
			// holds: a proxy stands at the URL until the receiver starts.
			var target atomic.Pointer[url.URL]
			var mu sync.Mutex
			var statuses []int
			proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				u := target.Load()
				if u == nil {
					w.WriteHeader(http.StatusServiceUnavailable)
					return
				}
				rp := httputil.NewSingleHostReverseProxy(u)
				rp.ModifyResponse = func(res *http.Response) error {
					mu.Lock()
					statuses = append(statuses, res.StatusCode)
					mu.Unlock()
					return nil
				}
				rp.ServeHTTP(w, r)
			}))
			defer proxy.Close()
			r := e.doUnchecked("POST", "/v2.2/stores/"+e.storeID+"/webhooks", e.key, "application/json",
				[]byte(`{"webhook":{"callback":{"url":"`+proxy.URL+`/hook","auth":null},"topic":"return","kind":"`+kind+`"}}`))
			if r.status != 201 {
				t.Fatalf("subscribe: %d %s", r.status, r.body)
			}
			secret := obj(obj(r.json(t)["webhook"])["rebound"])["secret"].(string)
			u, _ := url.Parse(webhookstest.StartReceiver(t, secret, secret))
			target.Store(u)
			id := e.mustCreateReturn(returnBody())["id"].(string)
			e.do("PUT", "/v2.2/returns/"+id+"/status", e.key, "application/json", []byte(`{"status":"flagged"}`))
			waitFor(t, 15*time.Second, "2 deliveries the library accepts", func() bool {
				mu.Lock()
				defer mu.Unlock()
				ok := 0
				for _, s := range statuses {
					if s == 200 {
						ok++
					}
				}
				return ok >= 2
			})
			mu.Lock()
			defer mu.Unlock()
			for _, s := range statuses {
				if s != 200 {
					t.Errorf("the receiver refused a delivery: %d (all: %v)", s, statuses)
				}
			}
			// Free the unit for the next kind.
			e.do("PUT", "/v2.2/returns/"+id+"/status", e.key, "application/json", []byte(`{"status":"deleted"}`))
		})
	}
}

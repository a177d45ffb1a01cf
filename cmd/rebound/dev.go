package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/reboundhq/rebound/internal/ecwid/ecwidtest"
)

// rebound dev: tools for trying Rebound locally without third-party
// accounts. fake-ecwid runs the ecwidtest fake as a standalone Ecwid API;
// ecwid-webhook sends one signed Ecwid webhook.

// Defaults of rebound dev fake-ecwid.
const (
	devFakeAddr         = "127.0.0.1:8090"
	devFakeClientID     = "fake-ecwid"
	devFakeClientSecret = "fake-ecwid-client-secret"
	devFakeGroup        = "Rebound returns"
	devWebhookPath      = "/dev/webhook"
)

// ---------------------------------------------------------------------------
// fake-ecwid

func devFakeEcwidCmd(fs *flagSet, c *cli) func(context.Context) error {
	addr := fs.String("addr", devFakeAddr, "listen address")
	storeID := fs.Int64("store-id", ecwidtest.DefaultStoreID, "the Ecwid store id the fake answers for")
	token := fs.String("token", ecwidtest.DefaultToken, "the access token the fake accepts (every scope)")
	secret := fs.String("client-secret", devFakeClientSecret, "the app client secret webhooks are signed with")
	hookURL := fs.String("webhook-url", "", "send signed webhooks here when an order changes through the API (the webhookUrl Rebound's integration shows); "+
		"can also be set while running: PUT "+devWebhookPath)
	events := fs.String("webhook-events", ecwidtest.EventOrderUpdated, "comma-separated events to send: order.created, order.updated, order.deleted")
	return func(ctx context.Context) error {
		return devFakeEcwid(ctx, fs, c, devFakeConfig{addr: *addr, storeID: *storeID, token: *token, secret: *secret, hookURL: *hookURL, events: *events})
	}
}

type devFakeConfig struct {
	addr, token, secret, hookURL, events string
	storeID                              int64
}

func devFakeEcwid(ctx context.Context, fs *flagSet, c *cli, cfg devFakeConfig) error {
	stderr, log := c.stderr, c.log
	bad := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "rebound dev fake-ecwid: "+format+"\n", a...)
		fs.printUsage(stderr)
		return errUsage
	}
	if cfg.storeID <= 0 {
		return bad("--store-id must be a positive number")
	}
	if strings.TrimSpace(cfg.token) == "" {
		return bad("--token must not be empty")
	}
	if strings.TrimSpace(cfg.secret) == "" {
		return bad("--client-secret must not be empty")
	}
	evs, err := webhookEvents(cfg.events)
	if err != nil {
		return bad("%v", err)
	}
	if cfg.hookURL != "" && !absHTTPURL(cfg.hookURL) {
		return bad("--webhook-url: want an absolute http(s) URL, got %q", cfg.hookURL)
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	fake := ecwidtest.NewUnstartedServer(
		ecwidtest.WithStoreID(cfg.storeID), ecwidtest.WithToken(cfg.token),
		ecwidtest.WithIDSeed(uint64(time.Now().UnixNano())), // fresh order ids after a restart
		ecwidtest.WithLogger(log), ecwidtest.WithRequestLogLimit(1000),
	)
	fake.URL = "http://" + reachableAddr(ln.Addr())
	if cfg.hookURL != "" {
		fake.SetWebhook(cfg.hookURL, cfg.secret, evs...)
	}
	dev := &devFake{fake: fake, secret: cfg.secret, log: log, events: evs}
	srv := &http.Server{
		Handler:           dev,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	printFakeEcwid(stderr, fake, cfg.secret, cfg.hookURL)
	log.Info("fake Ecwid listening", slog.String("addr", fake.URL), slog.String("apiBaseUrl", fake.APIRoot()))

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fake.Close()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	fake.Close()
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	log.Info("fake Ecwid stopped")
	return err
}

// reachableAddr is addr as a client on this machine dials it: a wildcard
// listen address (0.0.0.0, ::, which Go listens on for both IPv4 and IPv6)
// becomes 127.0.0.1.
func reachableAddr(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return addr.String()
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
}

func webhookEvents(list string) ([]string, error) {
	var out []string
	for e := range strings.SplitSeq(list, ",") {
		switch e = strings.TrimSpace(e); e {
		case "":
		case ecwidtest.EventOrderCreated, ecwidtest.EventOrderUpdated, ecwidtest.EventOrderDeleted:
			out = append(out, e)
		default:
			return nil, fmt.Errorf("--webhook-events: unknown event %q (want order.created, order.updated or order.deleted)", e)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("--webhook-events: name at least one event")
	}
	return out, nil
}

func absHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// devFake serves the fake Ecwid API plus PUT/GET /dev/webhook, which plays
// the part of Ecwid's app settings: where the app's webhooks go.
type devFake struct {
	fake   *ecwidtest.Server
	secret string
	log    *slog.Logger
	mu     sync.Mutex
	events []string
}

type devWebhookConfig struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

func (d *devFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != devWebhookPath {
		d.fake.ServeHTTP(w, r)
		return
	}
	answer := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	switch r.Method {
	case http.MethodGet:
	case http.MethodPut:
		var in devWebhookConfig
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&in); err != nil {
			answer(http.StatusBadRequest, map[string]string{"error": `want {"url": "http…"} ("" stops webhooks)`})
			return
		}
		if in.URL != "" && !absHTTPURL(in.URL) {
			answer(http.StatusBadRequest, map[string]string{"error": "url must be an absolute http(s) URL"})
			return
		}
		evs := d.events
		if len(in.Events) > 0 {
			var err error
			if evs, err = webhookEvents(strings.Join(in.Events, ",")); err != nil {
				answer(http.StatusBadRequest, map[string]string{"error": strings.TrimPrefix(err.Error(), "--webhook-events: ")})
				return
			}
		}
		d.events = evs
		d.fake.SetWebhook(in.URL, d.secret, evs...)
		if in.URL == "" {
			d.log.Info("fake Ecwid: webhooks off")
		} else {
			d.log.Info("fake Ecwid: webhooks on", slog.String("events", strings.Join(evs, ",")))
		}
	default:
		w.Header().Set("Allow", "GET, PUT")
		answer(http.StatusMethodNotAllowed, map[string]string{"error": "use GET or PUT"})
		return
	}
	answer(http.StatusOK, devWebhookConfig{URL: d.fake.WebhookURL(), Events: d.events})
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func printFakeEcwid(w io.Writer, fake *ecwidtest.Server, secret, hookURL string) {
	connect, _ := json.Marshal(struct {
		EcwidStoreID  int64  `json:"ecwidStoreId"`
		AccessToken   string `json:"accessToken"`
		CustomerGroup string `json:"customerGroup"`
		ClientID      string `json:"clientId"`
		ClientSecret  string `json:"clientSecret"`
		APIBaseURL    string `json:"apiBaseUrl"`
	}{fake.StoreID, fake.Token, devFakeGroup, devFakeClientID, secret, fake.APIRoot()})
	hooks := "off; set them with --webhook-url or the curl below"
	if hookURL != "" {
		hooks = "order changes are sent to " + hookURL + " (signed with the client secret)"
	}
	orders := fake.APIRoot() + "/" + strconv.FormatInt(fake.StoreID, 10) + "/orders"
	fmt.Fprintf(w, `Fake Ecwid store running at %[1]s (Ctrl-C stops it; its data lives in memory only).

  API base URL   %[2]s
  store id       %[3]d
  access token   %[4]s
  client id      %[5]s
  client secret  %[6]s
  webhooks       %[7]s

Connect a Rebound store to it (REBOUND, STORE and KEY: your server, store id and API key):

curl -sS -X PUT "$REBOUND/v2.2/stores/$STORE/integrations/ecwid" \
  -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d %[8]s

Give the fake the webhookUrl of the answer, so it sends order.updated when an order changes:

curl -sS -X PUT %[1]s%[9]s -d '{"url":"WEBHOOK_URL"}'

Approved returns then appear as orders here:

curl -sS %[10]s -H 'Authorization: Bearer %[4]s'

Change one as warehouse staff would in Ecwid (the fake then sends a signed order.updated):

curl -sS -X PUT %[10]s/ORDER_ID -H 'Authorization: Bearer %[4]s' \
  -H 'Content-Type: application/json' -d '{"fulfillmentStatus":"PROCESSING"}'

`, fake.URL, fake.APIRoot(), fake.StoreID, fake.Token, devFakeClientID, secret, hooks,
		shellQuote(string(connect)), devWebhookPath, orders)
}

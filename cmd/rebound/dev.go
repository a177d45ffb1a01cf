package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
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

const devUsage = `Usage:
  rebound dev fake-ecwid [--addr 127.0.0.1:8090] [--store-id 1003] [--token TOKEN] [--client-secret SECRET] [--webhook-url URL]
  rebound dev ecwid-webhook --url URL --client-secret SECRET --order-id ORDER_ID [--fulfillment STATUS] [--payment STATUS]

Local development tools; see docs/ecwid.md ("Trying it without an Ecwid account").

  fake-ecwid      run a fake Ecwid REST API v3 store in memory until Ctrl-C, and
                  send signed order.updated webhooks when its orders change
  ecwid-webhook   send one Ecwid webhook, signed as Ecwid signs it, to a URL

Run "rebound dev COMMAND --help" for a command's flags.
`

// Defaults of rebound dev fake-ecwid.
const (
	devFakeAddr         = "127.0.0.1:8090"
	devFakeClientID     = "fake-ecwid"
	devFakeClientSecret = "fake-ecwid-client-secret"
	devFakeGroup        = "Rebound returns"
	devWebhookPath      = "/dev/webhook"
)

func cmdDev(ctx context.Context, args []string, stdout, stderr io.Writer, log *slog.Logger) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, devUsage)
		return errUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stderr, devUsage)
		return flag.ErrHelp
	case "fake-ecwid":
		return cmdDevFakeEcwid(ctx, args[1:], stderr, log)
	case "ecwid-webhook":
		return cmdDevEcwidWebhook(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "rebound dev: unknown command %q\n\n%s", args[0], devUsage)
	return errUsage
}

// ---------------------------------------------------------------------------
// fake-ecwid

func cmdDevFakeEcwid(ctx context.Context, args []string, stderr io.Writer, log *slog.Logger) error {
	fs := newFlagSet("rebound dev fake-ecwid", "rebound dev fake-ecwid [--addr 127.0.0.1:8090] [--store-id 1003] [--token TOKEN] [--client-secret SECRET] [--webhook-url URL] [--webhook-events order.updated]", stderr)
	addr := fs.String("addr", devFakeAddr, "listen address")
	storeID := fs.Int64("store-id", ecwidtest.DefaultStoreID, "the Ecwid store id the fake answers for")
	token := fs.String("token", ecwidtest.DefaultToken, "the access token the fake accepts (every scope)")
	secret := fs.String("client-secret", devFakeClientSecret, "the app client secret webhooks are signed with")
	hookURL := fs.String("webhook-url", "", "send signed webhooks here when an order changes through the API (the webhookUrl Rebound's integration shows); "+
		"can also be set while running: PUT "+devWebhookPath)
	events := fs.String("webhook-events", ecwidtest.EventOrderUpdated, "comma-separated events to send: order.created, order.updated, order.deleted")
	if err := parse(fs, args); err != nil {
		return err
	}
	bad := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "rebound dev fake-ecwid: "+format+"\n", a...)
		fs.Usage()
		return errUsage
	}
	if *storeID <= 0 {
		return bad("--store-id must be a positive number")
	}
	if strings.TrimSpace(*token) == "" {
		return bad("--token must not be empty")
	}
	if strings.TrimSpace(*secret) == "" {
		return bad("--client-secret must not be empty")
	}
	evs, err := webhookEvents(*events)
	if err != nil {
		return bad("%v", err)
	}
	if *hookURL != "" && !absHTTPURL(*hookURL) {
		return bad("--webhook-url: want an absolute http(s) URL, got %q", *hookURL)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	fake := ecwidtest.NewUnstartedServer(
		ecwidtest.WithStoreID(*storeID), ecwidtest.WithToken(*token),
		ecwidtest.WithIDSeed(uint64(time.Now().UnixNano())), // fresh order ids after a restart
		ecwidtest.WithLogger(log), ecwidtest.WithRequestLogLimit(1000),
	)
	fake.URL = "http://" + reachableAddr(ln.Addr())
	if *hookURL != "" {
		fake.SetWebhook(*hookURL, *secret, evs...)
	}
	dev := &devFake{fake: fake, secret: *secret, log: log, events: evs}
	srv := &http.Server{
		Handler:           dev,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	printFakeEcwid(stderr, fake, *secret, *hookURL)
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

// ---------------------------------------------------------------------------
// ecwid-webhook

func cmdDevEcwidWebhook(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("rebound dev ecwid-webhook", "rebound dev ecwid-webhook --url URL --client-secret SECRET --order-id ORDER_ID [--fulfillment STATUS] [--payment STATUS] [flags]", stderr)
	target := fs.String("url", "", "the webhook URL to POST to (required), e.g. the webhookUrl of GET /v2.2/stores/{storeId}/integrations/ecwid")
	secret := fs.String("client-secret", "", "the Ecwid app's client secret to sign with (required; the one given to Rebound)")
	orderID := fs.String("order-id", "", "the Ecwid order's public id, e.g. XJ12H (required for order events)")
	eventType := fs.String("event-type", ecwidtest.EventOrderUpdated, "eventType")
	fulfillment := fs.String("fulfillment", "PROCESSING", "newFulfillmentStatus")
	oldFulfillment := fs.String("old-fulfillment", "AWAITING_PROCESSING", "oldFulfillmentStatus (\"\" leaves it out)")
	payment := fs.String("payment", "PAID", "newPaymentStatus")
	oldPayment := fs.String("old-payment", "PAID", "oldPaymentStatus (\"\" leaves it out)")
	storeID := fs.Int64("store-id", ecwidtest.DefaultStoreID, "storeId")
	entityID := fs.Int64("entity-id", 0, "entityId: the order's internal id")
	eventID := fs.String("event-id", "", "eventId; default a random one (send the same one twice to test de-duplication)")
	created := fs.Int64("created", 0, "eventCreated in UNIX seconds; default now (an old one tests the age check)")
	timeout := fs.Duration("timeout", ecwidtest.WebhookAnswerTimeout, "how long to wait for the answer (Ecwid: 10s)")
	if err := parse(fs, args); err != nil {
		return err
	}
	var missing []string
	for _, f := range []struct{ name, v string }{{"--url", *target}, {"--client-secret", *secret}, {"--order-id", *orderID}} {
		if strings.TrimSpace(f.v) == "" && (f.name != "--order-id" || strings.HasPrefix(*eventType, "order.")) {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(stderr, "rebound dev ecwid-webhook: %s required\n", strings.Join(missing, ", "))
		fs.Usage()
		return errUsage
	}
	if !absHTTPURL(*target) {
		fmt.Fprintf(stderr, "rebound dev ecwid-webhook: --url: want an absolute http(s) URL, got %q\n", *target)
		fs.Usage()
		return errUsage
	}
	ev := ecwidtest.WebhookEvent{
		EventID: *eventID, EventCreated: *created, StoreID: *storeID, EntityID: *entityID, EventType: *eventType,
	}
	if ev.EventID == "" {
		ev.EventID = ecwidtest.NewEventID()
	}
	if ev.EventCreated == 0 {
		ev.EventCreated = time.Now().Unix()
	}
	if *orderID != "" {
		ev.Data = &ecwidtest.WebhookData{
			OrderID:          *orderID,
			OldPaymentStatus: *oldPayment, NewPaymentStatus: *payment,
			OldFulfillmentStatus: *oldFulfillment, NewFulfillmentStatus: *fulfillment,
		}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := ecwidtest.NewWebhookRequest(ctx, *target, *secret, ev)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(ev)
	fmt.Fprintf(stdout, "POST %s\n%s: %s\n%s\n", req.URL, ecwidtest.WebhookSignatureHeader, req.Header.Get(ecwidtest.WebhookSignatureHeader), body)
	resp, err := ecwidtest.NewWebhookClient().Do(req)
	if err != nil {
		return fmt.Errorf("webhook not delivered: %w", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	fmt.Fprintf(stdout, "-> %s\n", resp.Status)
	if a := strings.TrimSpace(string(answer)); a != "" {
		fmt.Fprintln(stdout, a)
	}
	if !ecwidtest.WebhookDelivered(resp.StatusCode) {
		return fmt.Errorf("webhook not delivered: the receiver answered %s (Ecwid counts only 200, 201, 202, 204 and 209)", resp.Status)
	}
	return nil
}

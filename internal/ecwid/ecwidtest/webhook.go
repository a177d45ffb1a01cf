package ecwidtest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// Webhook event types the server sends by itself (see SetWebhook).
const (
	EventOrderCreated = "order.created" // POST /orders
	EventOrderUpdated = "order.updated" // PUT /orders/{id}
	EventOrderDeleted = "order.deleted" // DELETE /orders/{id}
)

// WebhookSignatureHeader carries an Ecwid webhook's signature.
const WebhookSignatureHeader = "X-Ecwid-Webhook-Signature"

// Ecwid's delivery timeouts: connecting to the webhook URL, and receiving
// the answer.
const (
	WebhookConnectTimeout = 3 * time.Second
	WebhookAnswerTimeout  = 10 * time.Second
)

// WebhookEvent is the JSON body Ecwid POSTs to an app's webhook URL:
//
//	{"eventId": "80aece08-…", "eventCreated": 1718000000, "storeId": 1003,
//	 "entityId": 600000001, "eventType": "order.updated",
//	 "data": {"orderId": "XJ12H", "oldPaymentStatus": "PAID", "newPaymentStatus": "PAID",
//	          "oldFulfillmentStatus": "AWAITING_PROCESSING", "newFulfillmentStatus": "SHIPPED"}}
type WebhookEvent struct {
	EventID      string `json:"eventId"`      // unique per event
	EventCreated int64  `json:"eventCreated"` // UNIX seconds
	StoreID      int64  `json:"storeId"`
	EntityID     int64  `json:"entityId"` // for orders, the internal id
	EventType    string `json:"eventType"`
	// Data is left out when nil (as for product.* events).
	Data *WebhookData `json:"data,omitempty"`
}

// WebhookData is the data of order.* and unfinished_order.* events; empty
// members are left out (order.created carries no old statuses).
type WebhookData struct {
	OrderID              string `json:"orderId,omitempty"` // the public id, e.g. "XJ12H"
	CartID               string `json:"cartId,omitempty"`
	OldPaymentStatus     string `json:"oldPaymentStatus,omitempty"`
	NewPaymentStatus     string `json:"newPaymentStatus,omitempty"`
	OldFulfillmentStatus string `json:"oldFulfillmentStatus,omitempty"`
	NewFulfillmentStatus string `json:"newFulfillmentStatus,omitempty"`
}

// WebhookSignature returns the X-Ecwid-Webhook-Signature Ecwid sends with an
// event: the standard base64 of HMAC-SHA256 over "{eventCreated}.{eventId}",
// keyed with the app's client secret (not its secret_ access token).
func WebhookSignature(clientSecret string, eventCreated int64, eventID string) string {
	m := hmac.New(sha256.New, []byte(clientSecret))
	m.Write([]byte(strconv.FormatInt(eventCreated, 10) + "." + eventID))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// NewWebhookRequest returns the request Ecwid sends to deliver ev to
// webhookURL, taking ev as it is: a POST with ev as JSON, eventtype=TYPE
// added to the query (Ecwid repeats the type there), Content-Type
// "application/json; charset=UTF-8", Cache-Control "no-cache" and the
// X-Ecwid-Webhook-Signature computed with clientSecret. An empty
// clientSecret leaves the signature header out, as in a request that does
// not come from Ecwid. Tests may alter the request before sending it.
func NewWebhookRequest(ctx context.Context, webhookURL, clientSecret string, ev WebhookEvent) (*http.Request, error) {
	u, err := url.Parse(webhookURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("ecwidtest: webhook URL %q is not an absolute http(s) URL", webhookURL)
	}
	if ev.EventType != "" {
		q := u.Query()
		q.Set("eventtype", ev.EventType)
		u.RawQuery = q.Encode()
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	req.Header.Set("Cache-Control", "no-cache")
	if clientSecret != "" {
		req.Header.Set(WebhookSignatureHeader, WebhookSignature(clientSecret, ev.EventCreated, ev.EventID))
	}
	return req, nil
}

// WebhookDelivered reports whether Ecwid counts an answer with this status
// as delivered: 200, 201, 202, 204 and 209 only (other 2xx and every 3xx
// are failures).
func WebhookDelivered(status int) bool {
	switch status {
	case 200, 201, 202, 204, 209:
		return true
	}
	return false
}

// NewWebhookClient returns an HTTP client with Ecwid's delivery behaviour:
// 3 s to connect, 10 s for the answer, no redirects followed, no proxy.
func NewWebhookClient() *http.Client {
	return &http.Client{
		Timeout: WebhookAnswerTimeout,
		Transport: &http.Transport{
			DialContext:           (&net.Dialer{Timeout: WebhookConnectTimeout}).DialContext,
			TLSHandshakeTimeout:   WebhookConnectTimeout,
			ResponseHeaderTimeout: WebhookAnswerTimeout,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       30 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// NewEventID returns a random event id shaped like Ecwid's
// ("80aece08-40e8-4145-8764-6c2f0d386780").
func NewEventID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// SentWebhook is one webhook the server sent.
type SentWebhook struct {
	URL       string
	Event     WebhookEvent
	Signature string // "" when sent unsigned
	Status    int    // the receiver's answer; 0 when there was none
	Err       error  // why there was no answer
	Time      time.Time
}

// Delivered reports whether Ecwid would count the webhook as delivered.
func (w SentWebhook) Delivered() bool { return w.Err == nil && WebhookDelivered(w.Status) }

// Webhooks returns the webhooks sent so far (by SendWebhook or
// automatically), oldest first.
func (s *Server) Webhooks() []SentWebhook {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	return slices.Clone(s.hookLog)
}

// CompleteWebhookEvent fills what ev lacks as Ecwid would: a random
// EventID, EventCreated now (the server's clock), the server's StoreID,
// EventType order.updated, and, when Data names an order the server holds,
// that order's internal id as EntityID.
func (s *Server) CompleteWebhookEvent(ev WebhookEvent) WebhookEvent {
	if ev.EventID == "" {
		ev.EventID = NewEventID()
	}
	if ev.EventCreated == 0 {
		ev.EventCreated = s.clock().Unix()
	}
	if ev.StoreID == 0 {
		ev.StoreID = s.StoreID
	}
	if ev.EventType == "" {
		ev.EventType = EventOrderUpdated
	}
	if ev.EntityID == 0 && ev.Data != nil && ev.Data.OrderID != "" {
		s.mu.Lock()
		if i := s.find(Orders, ev.Data.OrderID); i >= 0 {
			ev.EntityID, _ = intOf(s.data[Orders][i]["internalId"])
		}
		s.mu.Unlock()
	}
	return ev
}

// SendWebhook sends ev, completed by CompleteWebhookEvent, to webhookURL
// as Ecwid does (see NewWebhookRequest), signed with clientSecret, with the
// server's webhook client (NewWebhookClient unless WithWebhookClient). The
// caller closes the response body. The delivery is added to Webhooks. Ecwid
// retries failed deliveries later; SendWebhook does not.
func (s *Server) SendWebhook(ctx context.Context, webhookURL, clientSecret string, ev WebhookEvent) (*http.Response, error) {
	ev = s.CompleteWebhookEvent(ev)
	req, err := NewWebhookRequest(ctx, webhookURL, clientSecret, ev)
	if err != nil {
		return nil, err
	}
	sent := SentWebhook{URL: webhookURL, Event: ev, Signature: req.Header.Get(WebhookSignatureHeader), Time: s.clock()}
	resp, err := s.webhookClient().Do(req)
	if err != nil {
		sent.Err = err
	} else {
		sent.Status = resp.StatusCode
	}
	s.hookMu.Lock()
	s.hookLog = append(s.hookLog, sent)
	log := s.log
	s.hookMu.Unlock()
	if log != nil {
		attrs := []any{slog.String("event", ev.EventType), slog.String("eventId", ev.EventID), slog.String("url", redactURL(webhookURL))}
		if ev.Data != nil && ev.Data.OrderID != "" {
			attrs = append(attrs, slog.String("orderId", ev.Data.OrderID))
		}
		switch {
		case err != nil:
			log.Warn("fake Ecwid: webhook not delivered", append(attrs, slog.String("error", err.Error()))...)
		case !WebhookDelivered(resp.StatusCode):
			log.Warn("fake Ecwid: webhook not delivered", append(attrs, slog.Int("status", resp.StatusCode))...)
		default:
			log.Info("fake Ecwid: webhook delivered", append(attrs, slog.Int("status", resp.StatusCode))...)
		}
	}
	return resp, err
}

// redactURL keeps a webhook URL's path, which holds its secret token, out
// of logs: scheme and host only.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Scheme + "://" + u.Host + "/…"
}

func (s *Server) webhookClient() *http.Client {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	if s.hookClient == nil {
		s.hookClient = NewWebhookClient()
	}
	return s.hookClient
}

// WithWebhookClient sets the client webhooks are sent with (default
// NewWebhookClient()).
func WithWebhookClient(c *http.Client) Option { return func(s *Server) { s.hookClient = c } }

// WithWebhook is SetWebhook as an option.
func WithWebhook(webhookURL, clientSecret string, events ...string) Option {
	return func(s *Server) { s.setWebhook(webhookURL, clientSecret, events) }
}

// WithLogger makes the server log each request it answers and each webhook
// it sends.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithRequestLogLimit keeps only the last n requests in the request log
// (default: all), for long-running servers.
func WithRequestLogLimit(n int) Option { return func(s *Server) { s.maxReqs = n } }

// SetWebhook makes the server send a signed webhook to webhookURL, as an
// app subscribed to events would receive it, whenever an order changes
// through the API: order.created after POST /orders, order.updated after
// PUT /orders/{id} (with the old and new payment and fulfillment statuses),
// order.deleted after DELETE /orders/{id}. events defaults to order.updated
// alone, the event Rebound's integration subscribes to. An empty webhookURL
// stops sending.
//
// Webhooks are sent in order, one at a time, in the background after the
// change was made (the API answer does not wait for them, and may arrive
// after them); WaitWebhooks waits for them. A failed delivery is not
// retried.
func (s *Server) SetWebhook(webhookURL, clientSecret string, events ...string) {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	s.setWebhook(webhookURL, clientSecret, events)
}

func (s *Server) setWebhook(webhookURL, clientSecret string, events []string) {
	s.hookURL, s.hookSecret = webhookURL, clientSecret
	if len(events) == 0 {
		events = []string{EventOrderUpdated}
	}
	s.hookEvents = map[string]bool{}
	for _, e := range events {
		s.hookEvents[e] = true
	}
}

// WebhookURL returns the URL set with SetWebhook ("" when none).
func (s *Server) WebhookURL() string {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	return s.hookURL
}

// WaitWebhooks blocks until every automatic webhook queued so far has been
// sent (or has failed).
func (s *Server) WaitWebhooks() {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	for s.hookBusy {
		s.hookIdle.Wait()
	}
}

type queuedWebhook struct {
	url, secret string
	ev          WebhookEvent
}

// emitOrderEvent queues an automatic webhook about order o, when one is
// configured for eventType. The caller must not hold s.mu.
func (s *Server) emitOrderEvent(eventType string, internalID any, data WebhookData) {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	if s.hookURL == "" || !s.hookEvents[eventType] {
		return
	}
	id, _ := intOf(internalID)
	ev := WebhookEvent{
		EventID: NewEventID(), EventCreated: s.clock().Unix(), StoreID: s.StoreID,
		EntityID: id, EventType: eventType, Data: &data,
	}
	s.hookQueue = append(s.hookQueue, queuedWebhook{s.hookURL, s.hookSecret, ev})
	if !s.hookBusy {
		s.hookBusy = true
		go s.deliverQueued()
	}
}

func (s *Server) deliverQueued() {
	for {
		s.hookMu.Lock()
		if len(s.hookQueue) == 0 {
			s.hookBusy = false
			s.hookIdle.Broadcast()
			s.hookMu.Unlock()
			return
		}
		q := s.hookQueue[0]
		s.hookQueue = s.hookQueue[1:]
		s.hookMu.Unlock()
		resp, err := s.SendWebhook(s.hookCtx, q.url, q.secret, q.ev)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
		}
	}
}

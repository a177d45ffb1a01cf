package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/reboundhq/rebound/internal/ecwid/ecwidtest"
)

// ---------------------------------------------------------------------------
// ecwid-webhook

func devEcwidWebhookCmd(fs *flagSet, c *cli) func(context.Context) error {
	fs.require("url", "client-secret", "order-id")
	target := fs.String("url", "", "the webhook URL to POST to (required), e.g. the webhookUrl of GET /v2.2/stores/{storeId}/integrations/ecwid")
	secret := fs.String("client-secret", "", "the Ecwid app's client `SECRET` to sign with (required; the one given to Rebound)")
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
	return func(ctx context.Context) error {
		stdout, stderr := c.stdout, c.stderr
		var missing []string
		for _, f := range []struct{ name, v string }{{"--url", *target}, {"--client-secret", *secret}, {"--order-id", *orderID}} {
			if strings.TrimSpace(f.v) == "" && (f.name != "--order-id" || strings.HasPrefix(*eventType, "order.")) {
				missing = append(missing, f.name)
			}
		}
		if len(missing) > 0 {
			fmt.Fprintf(stderr, "rebound dev ecwid-webhook: %s required\n", strings.Join(missing, ", "))
			fs.printUsage(stderr)
			return errUsage
		}
		if !absHTTPURL(*target) {
			fmt.Fprintf(stderr, "rebound dev ecwid-webhook: --url: want an absolute http(s) URL, got %q\n", *target)
			fs.printUsage(stderr)
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
}

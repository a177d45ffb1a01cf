package webhooks

// Payload builders: a return event rendered as the body a subscriber of
// each kind expects — Redo's webhooks.return body, or Loop's payloads
// (internal/loopapi) for subscriptions of kind loop.

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/reboundhq/rebound/internal/loopapi"
	"github.com/reboundhq/rebound/internal/redoview"
	"github.com/reboundhq/rebound/internal/returns"
)

// RedoPayload is Redo's webhooks.return body.
type RedoPayload struct {
	Type         string              `json:"type"` // created | updated | backfill
	At           string              `json:"at"`
	MerchantName string              `json:"merchantName"`
	Return       redoview.ReturnJSON `json:"return"`
	Order        redoview.OrderJSON  `json:"order"`
}

// Payload renders the change ch (a delivery's payload) for a subscription
// of kind redo: the return as the change left it, with its order o (nil
// when it has none, or it was deleted since). merchantName is the store's
// name. Subscriptions of kind loop are rendered by LoopPayload, which needs
// numeric ids.
func Payload(kind returns.WebhookKind, ch *returns.ReturnChange, o *returns.Order, merchantName string) ([]byte, error) {
	r := &ch.Return
	switch kind {
	case returns.WebhookRedo, "":
		return json.Marshal(RedoPayload{Type: ch.Type, At: ch.At.UTC().Format(time.RFC3339Nano), MerchantName: merchantName,
			Return: redoview.Return(r, o), Order: redoview.Order(o, r)})
	}
	return nil, fmt.Errorf("webhooks: kind %q is not rendered by Payload", kind)
}

// EventReturnProcessingFailed is the event of a Loop process request that
// was accepted but whose processing failed (payload: ProcessingFailure);
// only loop subscriptions of topic return.processing receive it.
const EventReturnProcessingFailed = "return.processing_failed"

// ProcessingFailure is the payload of an EventReturnProcessingFailed event:
// a returns.ReturnChange (type "processing_failed") with the failure.
type ProcessingFailure struct {
	Type    string                   `json:"type"`
	At      time.Time                `json:"at"`
	Return  returns.Return           `json:"return"`
	Message string                   `json:"message"`
	Source  loopapi.ProcessingSource `json:"source"`
}

// LoopIDs are the numeric ids a Loop payload names: the store's shop_id
// and the return's ids.
type LoopIDs struct {
	ShopID int64
	loopapi.IDs
}

// LoopTrigger returns the Loop trigger of the store event ev for a loop
// subscription of topic, or "" when the event is not of that topic:
//
//   - return: return.created, return.closed or return.updated
//     (loopapi.ReturnTrigger) for every return event;
//   - label: label.created for a return created with a label and for a
//     label set before any carrier scan (no status, unknown or
//     pre_transit), label.updated for a carrier's later statuses;
//   - return.processing: return.processing.failed for a failed processing.
func LoopTrigger(topic string, ev *returns.Event) loopapi.Trigger {
	isReturn := ev.Kind == returns.EventReturnCreated || ev.Kind == returns.EventReturnUpdated
	switch loopapi.Topic(topic) {
	case loopapi.TopicReturnProcessing:
		if ev.Kind == EventReturnProcessingFailed {
			return loopapi.TriggerProcessingFailed
		}
		return ""
	case loopapi.TopicReturn, loopapi.TopicLabel:
		if !isReturn {
			return ""
		}
	default:
		return ""
	}
	var ch returns.ReturnChange
	if err := json.Unmarshal(ev.Payload, &ch); err != nil || ch.Type == "" {
		ch.Type = "updated"
		if ev.Kind == returns.EventReturnCreated {
			ch.Type = "created"
		}
	}
	if loopapi.Topic(topic) == loopapi.TopicReturn {
		return loopapi.ReturnTrigger(&ch)
	}
	return labelTrigger(&ch)
}

func labelTrigger(ch *returns.ReturnChange) loopapi.Trigger {
	l := ch.Return.Label
	switch {
	case l == nil:
		return ""
	case ch.Type == "created":
		return loopapi.TriggerLabelCreated
	case !slices.Contains(ch.Changes, returns.TimelineShipmentUpdated):
		return ""
	case l.Status == "" || l.Status == "unknown" || l.Status == "pre_transit":
		return loopapi.TriggerLabelCreated
	}
	return loopapi.TriggerLabelUpdated
}

// LoopPayload renders a delivery's payload for the loop subscription hook:
// Loop's return payload (loopapi.ReturnEventOf), label payload
// (loopapi.LabelEventOf) or return-processing payload
// (loopapi.ProcessingFailed), by the subscription's topic, encoded as Loop
// encodes its bodies (loopapi.Marshal). raw is the delivery's payload, ch
// its decoded change and o the return's order (nil when none).
func LoopPayload(hook *returns.Webhook, raw []byte, ch *returns.ReturnChange, o *returns.Order, ids LoopIDs) ([]byte, error) {
	r := &ch.Return
	var v any
	var err error
	switch loopapi.Topic(hook.Topic) {
	case loopapi.TopicReturnProcessing:
		var f ProcessingFailure
		if err := json.Unmarshal(raw, &f); err != nil {
			return nil, err
		}
		v = loopapi.ProcessingFailed(ids.Return, &f.Return, f.Message, f.Source)
	case loopapi.TopicLabel:
		trig := labelTrigger(ch)
		if trig == "" {
			trig = loopapi.TriggerLabelUpdated
		}
		v, err = loopapi.LabelEventOf(trig, ids.ShopID, r, ids.IDs, ch.At)
	default:
		v, err = loopapi.ReturnEventOf(loopapi.ReturnTrigger(ch), ids.ShopID, r, o, ids.IDs, loopapi.ViewOptions{})
	}
	if err != nil {
		return nil, err
	}
	return loopapi.Marshal(v)
}

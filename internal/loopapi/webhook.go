package loopapi

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/reboundhq/rebound/internal/returns"
)

// Topic is a Loop webhook topic.
type Topic string

// Trigger is the event of a topic that a subscription is for; payloads name
// it too.
type Trigger string

// The topics and triggers Rebound delivers. Loop's other topics (restock,
// label.request, giftcard, happy.returns.shipment) have no Rebound events.
const (
	TopicReturn           Topic = "return"
	TopicLabel            Topic = "label"
	TopicReturnProcessing Topic = "return.processing"

	TriggerReturnCreated    Trigger = "return.created"
	TriggerReturnUpdated    Trigger = "return.updated"
	TriggerReturnClosed     Trigger = "return.closed"
	TriggerLabelCreated     Trigger = "label.created"
	TriggerLabelUpdated     Trigger = "label.updated"
	TriggerProcessingFailed Trigger = "return.processing.failed"
)

// Topics lists the topics, and TopicTriggers each one's triggers.
var (
	Topics        = []Topic{TopicReturn, TopicLabel, TopicReturnProcessing}
	TopicTriggers = map[Topic][]Trigger{
		TopicReturn:           {TriggerReturnCreated, TriggerReturnUpdated, TriggerReturnClosed},
		TopicLabel:            {TriggerLabelCreated, TriggerLabelUpdated},
		TopicReturnProcessing: {TriggerProcessingFailed},
	}
)

// WebhookStatus is a subscription's status.
type WebhookStatus string

// Subscription statuses; a new subscription is inactive unless its request
// says otherwise.
const (
	WebhookActive   WebhookStatus = "active"
	WebhookInactive WebhookStatus = "inactive"
)

// WebhookRequest is a decoded create or update subscription body.
type WebhookRequest struct {
	Topic   Topic
	Trigger Trigger
	URL     string
	// Status is the status asked for: on create, inactive when not given;
	// on update, "" when not given (unchanged).
	Status WebhookStatus
}

// Webhook is a subscription as Loop shows it.
type Webhook struct {
	ID      int64         `json:"id"`
	ShopID  int64         `json:"shop_id"`
	Topic   Topic         `json:"topic"`
	Trigger Trigger       `json:"trigger"`
	URL     string        `json:"url"`
	Status  WebhookStatus `json:"status"`
}

// Webhooks is Get Webhooks' answer.
type Webhooks struct {
	Webhooks []Webhook `json:"webhooks"`
}

// DecodeWebhook decodes a create (update false) or update subscription
// body {topic, trigger, url, status}; members Loop does not declare are
// ignored. topic, trigger and url are required; the trigger must be one of
// the topic's, the url an absolute http or https URL, the status active or
// inactive. Problems are a *ValidationError (Loop's 422 body), keyed by
// member.
func DecodeWebhook(body []byte, update bool) (WebhookRequest, error) {
	var p problems
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		p.add("body", "The body must be a JSON object.")
		return WebhookRequest{}, p.err()
	}
	str := func(name string) string {
		m, ok := raw[name]
		if !ok || string(m) == "null" {
			return ""
		}
		var s string
		if err := json.Unmarshal(m, &s); err != nil {
			p.add(name, "The %s member must be a string.", name)
		}
		return strings.TrimSpace(s)
	}
	out := WebhookRequest{Topic: Topic(str("topic")), Trigger: Trigger(str("trigger")), URL: str("url"), Status: WebhookStatus(str("status"))}
	switch {
	case p.has("topic"):
	case out.Topic == "":
		p.add("topic", "The topic member is required.")
	case !slices.Contains(Topics, out.Topic):
		p.add("topic", "Must be one of the following values: return, label, return.processing.")
	}
	switch {
	case p.has("trigger"):
	case out.Trigger == "":
		p.add("trigger", "The trigger member is required.")
	case !p.has("topic") && !slices.Contains(TopicTriggers[out.Topic], out.Trigger):
		p.add("trigger", "The trigger member must be one of %s for topic %s.", joinTriggers(TopicTriggers[out.Topic]), out.Topic)
	}
	if !p.has("url") {
		u, err := url.Parse(out.URL)
		switch {
		case out.URL == "":
			p.add("url", "The url member is required.")
		case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
			p.add("url", "The url member must be an absolute http or https URL.")
		}
	}
	switch {
	case p.has("status"):
	case out.Status == "" && !update:
		out.Status = WebhookInactive
	case out.Status == "", out.Status == WebhookActive, out.Status == WebhookInactive:
	default:
		p.add("status", "The status member must be active or inactive.")
	}
	if e := p.err(); e != nil {
		return WebhookRequest{}, e
	}
	return out, nil
}

func joinTriggers(ts []Trigger) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// CustomerDetail is the returner in a return payload.
type CustomerDetail struct {
	Email      string `json:"email"`
	FirstName  string `json:"first_name"`
	MiddleName string `json:"middle_name"`
	LastName   string `json:"last_name"`
}

// Address is where a return is sent from, in a return payload.
type Address struct {
	Name        string `json:"name"`
	Company     string `json:"company"`
	Address1    string `json:"address1"`
	Address2    string `json:"address2"`
	City        string `json:"city"`
	State       string `json:"state"`
	Zip         string `json:"zip"`
	Country     string `json:"country"`
	CountryCode string `json:"country_code"`
	Phone       string `json:"phone"`
}

// PayloadLabel is a return's label in a return payload; LineItems are the
// numeric ids (as strings) of the units it carries.
type PayloadLabel struct {
	Status         string   `json:"status"`
	UpdatedAt      *string  `json:"updated_at"`
	URL            *string  `json:"url"`
	Rate           *string  `json:"rate"`
	Carrier        string   `json:"carrier"`
	TrackingNumber string   `json:"tracking_number"`
	LineItems      []string `json:"line_items"`
}

// ReturnEvent is the payload of the return topic: the details of the
// return as the change left it, with the shopper and the labels.
type ReturnEvent struct {
	Topic   Topic   `json:"topic"`
	Trigger Trigger `json:"trigger"`
	ShopID  int64   `json:"shop_id"`
	ReturnDetails
	ProviderOrderExternalID   string         `json:"provider_order_external_id"`
	ProviderOrderSalesChannel string         `json:"provider_order_sales_channel"`
	CustomerDetail            CustomerDetail `json:"customer_detail"`
	Address                   Address        `json:"address"`
	Labels                    []PayloadLabel `json:"labels"`
	IsGiftReturn              bool           `json:"is_gift_return"`
}

// ReturnTrigger is the trigger of a return change: return.created for a
// new return, return.closed for the change that closed it (completed, or
// rejected), return.updated for any other (backfills included).
func ReturnTrigger(ch *returns.ReturnChange) Trigger {
	switch {
	case ch.Type == "created":
		return TriggerReturnCreated
	case ch.Type == "updated" && StateOf(ch.Return.Status) == StateClosed &&
		(slices.Contains(ch.Changes, returns.TimelineCompleted) || slices.Contains(ch.Changes, returns.TimelineRejected)):
		return TriggerReturnClosed
	}
	return TriggerReturnUpdated
}

// ReturnEventOf renders the return payload of r (see Details; o is its
// order, nil when none) for shop shopID.
func ReturnEventOf(trigger Trigger, shopID int64, r *returns.Return, o *returns.Order, ids IDs, opt ViewOptions) (ReturnEvent, error) {
	d, err := Details(r, o, ids, opt)
	if err != nil {
		return ReturnEvent{}, err
	}
	a := r.ShippingAddress
	name := strings.TrimSpace(a.FirstName + " " + a.LastName)
	if name == "" {
		name = strings.TrimSpace(r.Customer.FirstName + " " + r.Customer.LastName)
	}
	ev := ReturnEvent{
		Topic: TopicReturn, Trigger: trigger, ShopID: shopID, ReturnDetails: d,
		ProviderOrderExternalID: r.OrderExternalID,
		CustomerDetail:          CustomerDetail{Email: r.Customer.Email, FirstName: r.Customer.FirstName, LastName: r.Customer.LastName},
		Address: Address{Name: name, Company: a.Company, Address1: a.Address1, Address2: a.Address2, City: a.City,
			State: a.ProvinceCode, Zip: a.Zip, CountryCode: a.CountryCode, Phone: a.Phone},
		Labels: []PayloadLabel{},
	}
	if d.OriginCountry != nil {
		ev.Address.Country = *d.OriginCountry
	}
	if o != nil {
		ev.ProviderOrderSalesChannel = o.SalesChannel
	}
	if r.Label != nil {
		l := PayloadLabel{Status: d.LabelStatus, URL: d.LabelURL, Carrier: d.Carrier, TrackingNumber: d.TrackingNumber, LineItems: []string{}}
		for _, li := range d.LineItems {
			l.LineItems = append(l.LineItems, li.LineItemID)
		}
		ev.Labels = append(ev.Labels, l)
	}
	return ev, nil
}

// LabelEvent is the payload of the label topic.
type LabelEvent struct {
	Topic           Topic   `json:"topic"`
	Trigger         Trigger `json:"trigger"`
	ShopID          int64   `json:"shop_id"`
	ReturnID        int64   `json:"return_id"`
	RedoID          string  `json:"redo_id"`
	OrderID         string  `json:"order_id"`
	ProviderOrderID string  `json:"provider_order_id"`
	Carrier         string  `json:"carrier"`
	TrackingNumber  string  `json:"tracking_number"`
	Status          string  `json:"status"`
	UpdatedAt       string  `json:"updated_at"`
}

// LabelEventOf renders the label payload of r's label, changed at at. It
// returns an error when r has no label or no numeric id.
func LabelEventOf(trigger Trigger, shopID int64, r *returns.Return, ids IDs, at time.Time) (LabelEvent, error) {
	if r.Label == nil {
		return LabelEvent{}, fmt.Errorf("loopapi: return %s has no label", r.ID)
	}
	if ids.Return <= 0 {
		return LabelEvent{}, fmt.Errorf("loopapi: return %s has no numeric id", r.ID)
	}
	ev := LabelEvent{Topic: TopicLabel, Trigger: trigger, ShopID: shopID, ReturnID: ids.Return, RedoID: r.ID,
		ProviderOrderID: r.OrderExternalID, Carrier: orNA(r.Label.Carrier), TrackingNumber: orNA(r.Label.TrackingNumber),
		Status: LabelStatus(r.Label.Status), UpdatedAt: ts(at)}
	if ids.Order > 0 {
		ev.OrderID = fmt.Sprint(ids.Order)
	}
	return ev, nil
}

// ProcessingSource is who asked for a processing that failed.
type ProcessingSource string

// Processing sources.
const (
	SourceWarehouse ProcessingSource = "warehouse"
	SourceAdmin     ProcessingSource = "admin"
	SourceAPI       ProcessingSource = "api"
)

// ProcessingFailedEvent is the payload of return.processing.failed: a
// processing that was accepted ("true") but failed afterwards.
type ProcessingFailedEvent struct {
	Topic       Topic             `json:"topic"`
	Trigger     Trigger           `json:"trigger"`
	ReturnID    int64             `json:"return_id"`
	RedoID      string            `json:"redo_id"`
	ReturnState State             `json:"return_state"`
	Message     *string           `json:"message"`
	Source      *ProcessingSource `json:"source"`
}

// ProcessingFailed returns the payload for r (numeric id returnID) whose
// processing failed with message ("" for none); source "" is null.
func ProcessingFailed(returnID int64, r *returns.Return, message string, source ProcessingSource) ProcessingFailedEvent {
	ev := ProcessingFailedEvent{Topic: TopicReturnProcessing, Trigger: TriggerProcessingFailed, ReturnID: returnID, RedoID: r.ID,
		ReturnState: StateOf(r.Status), Message: nullable(message)}
	if source != "" {
		ev.Source = &source
	}
	return ev
}

// HeaderSignature carries Sign's value on every delivery.
const HeaderSignature = "X-Loop-Signature"

// Sign returns the X-Loop-Signature of body as Loop computes it: the
// standard base64 of HMAC-SHA256 over the body's exact bytes, keyed with
// the secret string's bytes as shown to the merchant. body must be exactly
// what is sent.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Verify reports, in constant time, whether signature is Sign(secret, body).
func Verify(secret string, body []byte, signature string) bool {
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(signature))
	if err != nil {
		return false
	}
	want, _ := base64.StdEncoding.DecodeString(Sign(secret, body))
	return hmac.Equal(got, want)
}

// Marshal encodes v as Loop (a PHP service, json_encode with default flags)
// encodes its bodies: compact, no trailing newline, "/" written as "\/",
// every non-ASCII character as a \u escape (UTF-16 pairs above U+FFFF), and
// <, >, & left as they are. Receivers that, as Loop's docs advise,
// re-encode a parsed body with escaped slashes and no newlines before
// checking X-Loop-Signature get back exactly these bytes. Use it for webhook
// bodies and API answers alike.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	out := make([]byte, 0, len(b)+len(b)/8)
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '/':
			out = append(out, '\\', '/')
			i++
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, n := utf8.DecodeRune(b[i:])
			i += n
			if r > 0xFFFF {
				r1, r2 := utf16.EncodeRune(r)
				out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
			} else {
				out = fmt.Appendf(out, `\u%04x`, r)
			}
		}
	}
	return out, nil
}

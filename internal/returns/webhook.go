package returns

import "time"

// WebhookKind is the payload format of a subscription (Redo's webhook-kind).
type WebhookKind string

// Webhook kinds.
const (
	WebhookRedo WebhookKind = "redo" // Redo's webhooks.return payload
	WebhookLoop WebhookKind = "loop" // Loop's return webhook payload, X-Loop-Signature
)

// WebhookTopicReturn is the only topic: every change of a return.
const WebhookTopicReturn = "return"

// Webhook is a subscription: where a store's return events are delivered
// and how they are signed. Secret-bearing fields (BearerToken, Secrets'
// Secret) hold sealed values (see internal/secrets): the store never sees
// them in the clear.
type Webhook struct {
	ID      string `json:"id"`
	StoreID string `json:"storeId"`
	// ExternalID is the client's own id, the upsert key of create; nil
	// when not given.
	ExternalID *string     `json:"externalId"`
	Kind       WebhookKind `json:"kind"`
	Topic      string      `json:"topic"`
	// Trigger, for kind loop, is the one trigger of the topic the
	// subscription gets (Loop's return.created, label.updated, ...); ""
	// means every trigger of the topic.
	Trigger     string `json:"trigger,omitempty"`
	URL         string `json:"url"`
	BearerToken string `json:"bearerToken,omitempty"` // sealed; "" for none
	// Secrets sign deliveries (Standard Webhooks, and X-Loop-Signature for
	// loop): the newest first. After a rotation the previous one keeps
	// signing until its ExpiresAt.
	Secrets []WebhookSecret `json:"secrets"`
	// Disabled subscriptions get no delivery attempts; their deliveries are
	// held and resume in order when re-enabled.
	Disabled       bool       `json:"disabled"`
	DisabledReason string     `json:"disabledReason,omitempty"`
	DisabledAt     *time.Time `json:"disabledAt,omitempty"`
	// FailingSince is the first failed attempt since the last success; nil
	// while deliveries succeed.
	FailingSince *time.Time `json:"failingSince,omitempty"`
	CreatedAt    time.Time  `json:"createdAt"`
	UpdatedAt    time.Time  `json:"updatedAt"`
}

// WebhookSecret is one signing secret of a subscription.
type WebhookSecret struct {
	Secret    string     `json:"secret"` // sealed whsec_ secret
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"` // nil: no end
}

// Delivery states.
const (
	DeliveryPending   = "pending"   // waiting for its (next) attempt
	DeliverySucceeded = "succeeded" // a 2xx answer was received
	DeliveryFailed    = "failed"    // given up: not retryable, or retried for the whole window
)

// Delivery is one event to deliver to one subscription. Deliveries of the
// same subscription and subject (a return) are attempted in ID order: one
// is not attempted before the earlier ones are succeeded or failed.
type Delivery struct {
	ID        int64  `json:"id"`
	StoreID   string `json:"storeId"`
	WebhookID string `json:"webhookId"`
	// EventID is the store event this delivers (0 for backfill).
	EventID int64 `json:"eventId"`
	// MessageID is the webhook-id header: the same on every attempt.
	MessageID string `json:"messageId"`
	// Type is the payload's type: created, updated or backfill.
	Type      string    `json:"type"`
	SubjectID string    `json:"subjectId"`
	At        time.Time `json:"at"` // when the change happened
	// Payload is the JSON the delivery is rendered from (see ReturnChange).
	Payload       []byte    `json:"payload"`
	State         string    `json:"state"`
	Attempts      int       `json:"attempts"`
	NextAttemptAt time.Time `json:"nextAttemptAt"`
	// FirstAttemptAt starts the retry window; zero before the first.
	FirstAttemptAt time.Time `json:"firstAttemptAt"`
	// ClaimedUntil is the lease ClaimDeliveries gave this copy: finishing
	// it is refused once the delivery was claimed again (the lease ran out
	// and another worker took it). Zero when not claimed.
	ClaimedUntil time.Time `json:"claimedUntil,omitzero"`
	LastStatus   int       `json:"lastStatus"`
	LastError    string    `json:"lastError,omitempty"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// DeliveryAttempt is one attempt of a delivery, for the delivery log.
type DeliveryAttempt struct {
	DeliveryID int64         `json:"deliveryId"`
	Attempt    int           `json:"attempt"`
	At         time.Time     `json:"at"`
	StatusCode int           `json:"statusCode"` // 0 when no answer
	Latency    time.Duration `json:"latency"`
	Error      string        `json:"error,omitempty"`
	// NextAttemptAt is when it is retried; nil when it succeeded or was
	// given up.
	NextAttemptAt *time.Time `json:"nextAttemptAt,omitempty"`
}

// ReturnChange is the payload of a return event: the return as the change
// left it, so that every delivery of the event, however late, shows that
// state.
type ReturnChange struct {
	Type    string    `json:"type"` // created | updated | backfill
	At      time.Time `json:"at"`
	Return  Return    `json:"return"`
	Changes []string  `json:"changes,omitempty"` // timeline kinds of the change
}

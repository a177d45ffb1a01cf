-- +goose Up
-- Webhook subscriptions and their deliveries. Timestamps are INTEGER Unix
-- microseconds (0: none). doc is the JSON of the returns.Webhook; the other
-- columns are copies of its fields for filtering.
CREATE TABLE webhooks (
    id          TEXT PRIMARY KEY,
    store_id    TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    -- The client's own id; NULL when not given (NULLs never collide).
    external_id TEXT,
    disabled    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    doc         TEXT NOT NULL,
    UNIQUE (store_id, external_id)
);
-- ListWebhooks, oldest first.
CREATE INDEX webhooks_store ON webhooks (store_id, created_at, id);

-- One event to deliver to one subscription. store_id has no foreign key:
-- deliveries go with their subscription, which goes with its store.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    store_id         TEXT NOT NULL,
    webhook_id       TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id         INTEGER NOT NULL DEFAULT 0,
    message_id       TEXT NOT NULL,
    type             TEXT NOT NULL,
    subject_id       TEXT NOT NULL,
    at               INTEGER NOT NULL,
    payload          TEXT NOT NULL,
    state            TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL DEFAULT 0,
    first_attempt_at INTEGER NOT NULL DEFAULT 0,
    -- A claimer's lease: nobody else claims the delivery before it.
    claimed_until    INTEGER NOT NULL DEFAULT 0,
    last_status      INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    -- The (subscription, subject) a delivery is ordered within, in one
    -- column, so that the claim's "no earlier pending delivery of the same
    -- subject" check names no column another index starts with: the
    -- planner can only answer it from webhook_deliveries_subject, whatever
    -- its statistics say. (Ids hold no spaces; if they did, two subjects
    -- could share a key and wait for each other, never be reordered.)
    subject_key      TEXT GENERATED ALWAYS AS (webhook_id || ' ' || subject_id) VIRTUAL
);
-- The delivery log (newest first).
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, id);
-- Claiming: a subscription's pending deliveries in id order. Not partial,
-- like the next one, so that neither is a candidate for the subject check.
CREATE INDEX webhook_deliveries_claim ON webhook_deliveries (webhook_id, state, id);
-- PendingWebhooks: each subscription's earliest next attempt.
CREATE INDEX webhook_deliveries_next ON webhook_deliveries (webhook_id, state, next_attempt_at);
-- "No earlier pending delivery of the same subscription and subject".
CREATE INDEX webhook_deliveries_subject ON webhook_deliveries (subject_key, id) WHERE state = 'pending';

-- Each delivery's attempts, for the delivery log.
CREATE TABLE webhook_attempts (
    delivery_id     INTEGER NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt         INTEGER NOT NULL,
    at              INTEGER NOT NULL,
    status_code     INTEGER NOT NULL DEFAULT 0,
    latency_us      INTEGER NOT NULL DEFAULT 0,
    error           TEXT NOT NULL DEFAULT '',
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (delivery_id, attempt)
);

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;

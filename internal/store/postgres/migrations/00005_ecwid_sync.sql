-- +goose Up
-- Which Ecwid order mirrors which return (the return's doc also holds the
-- id); looked up when Ecwid's webhooks name the order.
CREATE TABLE ecwid_mirrors (
    store_id       TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    ecwid_order_id TEXT NOT NULL,
    return_id      TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (store_id, ecwid_order_id)
);

-- Ecwid webhook events already recorded, so that a redelivered event is
-- recorded once.
CREATE TABLE ecwid_webhook_events (
    store_id    TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    event_id    TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (store_id, event_id)
);

-- +goose Down
DROP TABLE ecwid_webhook_events;
DROP TABLE ecwid_mirrors;

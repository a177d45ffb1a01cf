-- +goose Up
-- Timestamps are INTEGER Unix microseconds; 0 means "not set".
CREATE TABLE stores (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    -- 1 while an event.dispatch job for this store is queued, so that a
    -- burst of events enqueues one job, not one per event.
    dispatch_pending INTEGER NOT NULL DEFAULT 0,
    -- Events with id <= dispatched_through have been dispatched.
    dispatched_through INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX stores_name ON stores (name);

CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,
    store_id   TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    hash       BLOB NOT NULL,
    label      TEXT NOT NULL DEFAULT '',
    scopes     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX api_keys_store ON api_keys (store_id);

CREATE TABLE orders (
    id                TEXT PRIMARY KEY,
    store_id          TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    external_id       TEXT NOT NULL,
    name              TEXT NOT NULL,
    customer_email    TEXT NOT NULL,
    coverage          TEXT NOT NULL DEFAULT '',
    source_created_at INTEGER NOT NULL,
    source_updated_at INTEGER NOT NULL,
    synced_at         INTEGER NOT NULL,
    doc               TEXT NOT NULL,
    UNIQUE (store_id, external_id)
);
-- Only names that differ from the external id need an index (custom
-- orders are named by their id), so most syncs skip this index entirely.
CREATE INDEX orders_store_name ON orders (store_id, name) WHERE name <> external_id;

CREATE TABLE events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    store_id      TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    subject_type  TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    payload       TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX events_store ON events (store_id, id);

-- +goose Down
DROP TABLE events;
DROP TABLE orders;
DROP TABLE api_keys;
DROP TABLE stores;

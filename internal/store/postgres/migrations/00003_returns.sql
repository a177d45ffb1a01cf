-- +goose Up
-- Returns and what hangs off them. Timestamps are BIGINT Unix
-- microseconds. Documents (doc) are the JSON of the domain value; the other
-- columns are copies of its fields for filtering. Unlike orders.doc they are
-- TEXT, not JSONB: they are only ever read whole, TEXT skips the parse and
-- keeps any string (JSONB refuses \u0000).
CREATE TABLE returns (
    id         TEXT PRIMARY KEY,
    store_id   TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    -- No foreign key: imported returns have no order (''), and deleting an
    -- order must not delete its returns.
    order_id   TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL,
    order_name TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    doc        TEXT NOT NULL
);
-- ListReturns reads a page in (store, [status | order name,] id) order from
-- its keyset cursor. updated_at rides along so that the UpdatedMin/Max
-- filters are checked on index entries, without fetching the rows they
-- skip.
CREATE INDEX returns_store ON returns (store_id, id, updated_at);
CREATE INDEX returns_store_status ON returns (store_id, status, id, updated_at);
CREATE INDEX returns_store_order_name ON returns (store_id, order_name, id, updated_at);
-- ReturnsForOrder, oldest first.
CREATE INDEX returns_store_order ON returns (store_id, order_id, created_at, id);

-- Which returns use which tag (mirrors each return's doc Tags), so that a
-- tag rename or delete finds them without a scan.
CREATE TABLE return_tag_links (
    store_id  TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    tag       TEXT NOT NULL,
    return_id TEXT NOT NULL,
    PRIMARY KEY (store_id, tag, return_id)
);
CREATE INDEX return_tag_links_return ON return_tag_links (store_id, return_id);

CREATE TABLE return_tags (
    store_id   TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    pill_theme TEXT NOT NULL DEFAULT '',
    source     TEXT NOT NULL DEFAULT '',
    numeric_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (store_id, name),
    UNIQUE (store_id, numeric_id)
);

CREATE TABLE idempotency_keys (
    store_id     TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    return_id    TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (store_id, key)
);

CREATE TABLE timeline_events (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    store_id  TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    return_id TEXT NOT NULL,
    kind      TEXT NOT NULL,
    at        BIGINT NOT NULL,
    doc       TEXT NOT NULL
);
CREATE INDEX timeline_events_return ON timeline_events (store_id, return_id, id);

CREATE TABLE comments (
    id         TEXT PRIMARY KEY,
    store_id   TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    return_id  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    doc        TEXT NOT NULL
);
CREATE INDEX comments_return ON comments (store_id, return_id, created_at, id);

CREATE TABLE blobs (
    id           TEXT PRIMARY KEY,
    store_id     TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    data         BYTEA NOT NULL,
    created_at   BIGINT NOT NULL
);

CREATE TABLE return_policies (
    store_id   TEXT PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
    doc        TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE gift_cards (
    store_id    TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    code        TEXT NOT NULL,
    return_id   TEXT NOT NULL DEFAULT '',
    amount      BIGINT NOT NULL,
    balance     BIGINT NOT NULL,
    currency    TEXT NOT NULL,
    external_id TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (store_id, code)
);

-- +goose Down
DROP TABLE gift_cards;
DROP TABLE return_policies;
DROP TABLE blobs;
DROP TABLE comments;
DROP TABLE timeline_events;
DROP TABLE idempotency_keys;
DROP TABLE return_tags;
DROP TABLE return_tag_links;
DROP TABLE returns;

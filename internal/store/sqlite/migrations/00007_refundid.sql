-- +goose Up
-- A store's connection to Refundid (internal/refundid/refundidsync). Hashes
-- are hex SHA-256; allowed_ips is a comma-separated list of CIDR prefixes.
CREATE TABLE refundid_integrations (
    store_id       TEXT PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
    shop           TEXT NOT NULL,
    environment    TEXT NOT NULL,
    url_token      TEXT NOT NULL UNIQUE,
    bearer_hash    TEXT NOT NULL DEFAULT '',
    header_name    TEXT NOT NULL DEFAULT '',
    header_hash    TEXT NOT NULL DEFAULT '',
    allowed_ips    TEXT NOT NULL DEFAULT '',
    api_key_sealed TEXT NOT NULL DEFAULT '',
    portal_url     TEXT NOT NULL DEFAULT '',
    api_url        TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT '',
    status_reason  TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

-- Each Refundid refund (by refundid_id) and what its notifications did.
CREATE TABLE refundid_refunds (
    store_id    TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    refundid_id TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT '',
    flow        TEXT NOT NULL DEFAULT '',
    return_id   TEXT NOT NULL DEFAULT '',
    order_id    TEXT NOT NULL DEFAULT '',
    refused     TEXT NOT NULL DEFAULT '',
    difference  TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (store_id, refundid_id)
);

-- Privacy keys of redirect links (merchant-initiated RMAs), by hex SHA-256.
CREATE TABLE refundid_keys (
    store_id   TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    key_hash   TEXT NOT NULL,
    return_id  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (store_id, key_hash)
);
CREATE INDEX refundid_keys_return ON refundid_keys (store_id, return_id);

-- +goose Down
DROP TABLE refundid_keys;
DROP TABLE refundid_refunds;
DROP TABLE refundid_integrations;

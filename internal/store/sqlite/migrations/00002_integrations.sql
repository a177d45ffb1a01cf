-- +goose Up
-- A store's connection to its Ecwid shop (at most one). Secrets are sealed
-- by the application (AES-GCM); timestamps are Unix microseconds.
CREATE TABLE ecwid_integrations (
    store_id             TEXT PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
    ecwid_store_id       BIGINT NOT NULL,
    token_sealed         TEXT NOT NULL,
    customer_group       TEXT NOT NULL,
    client_id            TEXT NOT NULL DEFAULT '',
    client_secret_sealed TEXT NOT NULL DEFAULT '',
    api_base_url         TEXT NOT NULL DEFAULT '',
    webhook_token        TEXT NOT NULL UNIQUE,
    status               TEXT NOT NULL,
    status_reason        TEXT NOT NULL DEFAULT '',
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);

-- +goose Down
DROP TABLE ecwid_integrations;

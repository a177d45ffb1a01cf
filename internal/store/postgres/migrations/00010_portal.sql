-- +goose Up
-- The shopper portal (internal/web/portal). A store's portal settings: its
-- short handle in /portal/{handle} and how its pages look (settings is
-- JSON owned by the store package: logo, colour, lookup, bonus, variants).
CREATE TABLE portal_settings (
    store_id   TEXT PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
    handle     TEXT NOT NULL UNIQUE,
    settings   TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A shopper's return in progress: what the portal's steps chose so far
-- (data: JSON owned by the portal), and the idempotency key its one submit
-- uses. id is a 128-bit random capability kept in an HttpOnly cookie.
CREATE TABLE portal_drafts (
    id         TEXT PRIMARY KEY,
    store_id   TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    order_id   TEXT NOT NULL,
    idem_key   TEXT NOT NULL,
    data       TEXT NOT NULL,
    return_id  TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX portal_drafts_created ON portal_drafts (created_at);

-- Emails to shoppers: every email the portal's notifier composed, sent
-- through SMTP (sent_at set) or, without SMTP, kept here for the admin.
CREATE TABLE email_outbox (
    id         TEXT PRIMARY KEY,
    store_id   TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    return_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at    BIGINT NOT NULL DEFAULT 0,
    UNIQUE (store_id, return_id, kind)
);
CREATE INDEX email_outbox_store ON email_outbox (store_id, created_at);

-- +goose Down
DROP TABLE email_outbox;
DROP TABLE portal_drafts;
DROP TABLE portal_settings;

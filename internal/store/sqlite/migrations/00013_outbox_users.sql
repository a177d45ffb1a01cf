-- +goose Up
-- The email outbox also keeps emails to admin users (invitations): user_id
-- is the user an email is to ('' for a shopper's), return_id the return it
-- is about ('' for none). One email per return (or user) and kind. SQLite
-- cannot change a table's UNIQUE constraint: the table is rebuilt.
CREATE TABLE email_outbox_new (
    id         TEXT PRIMARY KEY,
    store_id   TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    return_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL DEFAULT '',
    kind       TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at    BIGINT NOT NULL DEFAULT 0,
    UNIQUE (store_id, return_id, user_id, kind)
);
INSERT INTO email_outbox_new (id, store_id, return_id, user_id, kind, recipient, subject, body, created_at, sent_at)
    SELECT id, store_id, return_id, '', kind, recipient, subject, body, created_at, sent_at FROM email_outbox;
DROP TABLE email_outbox;
ALTER TABLE email_outbox_new RENAME TO email_outbox;
CREATE INDEX email_outbox_store ON email_outbox (store_id, created_at);

-- +goose Down
CREATE TABLE email_outbox_old (
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
INSERT INTO email_outbox_old (id, store_id, return_id, kind, recipient, subject, body, created_at, sent_at)
    SELECT id, store_id, return_id, kind, recipient, subject, body, created_at, sent_at FROM email_outbox WHERE user_id = '';
DROP TABLE email_outbox;
ALTER TABLE email_outbox_old RENAME TO email_outbox;
CREATE INDEX email_outbox_store ON email_outbox (store_id, created_at);

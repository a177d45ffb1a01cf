-- +goose Up
-- Merchant admin users (internal/users), one store each; email is stored
-- lowercased and is unique over every store, so the sign-in form needs no
-- store. password_hash is an argon2id PHC string, '' while an invitation
-- is pending; invite_hash is the hex SHA-256 of the invitation token.
CREATE TABLE users (
    id                TEXT PRIMARY KEY,
    store_id          TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    email             TEXT NOT NULL,
    role              TEXT NOT NULL,
    password_hash     TEXT NOT NULL DEFAULT '',
    invite_hash       TEXT NOT NULL DEFAULT '',
    invite_expires_at INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (email);
CREATE INDEX users_store ON users (store_id, email);
CREATE INDEX users_invite ON users (invite_hash) WHERE invite_hash <> '';

-- Admin sessions (github.com/alexedwards/scs/v2's Store): the token, the
-- encoded session and its expiry (Unix microseconds).
CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BLOB NOT NULL,
    expiry INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expiry);

-- The admin queue's search: exact lookups of a store's returns by tracking
-- number and by the customer's email, without a scan.
CREATE INDEX returns_store_tracking ON returns (store_id, json_extract(doc, '$.label.trackingNumber'));
CREATE INDEX returns_store_email ON returns (store_id, lower(json_extract(doc, '$.customer.email')));

-- +goose Down
DROP INDEX returns_store_email;
DROP INDEX returns_store_tracking;
DROP TABLE sessions;
DROP TABLE users;

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
    invite_expires_at BIGINT NOT NULL DEFAULT 0,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (email);
CREATE INDEX users_store ON users (store_id, email);
CREATE INDEX users_invite ON users (invite_hash) WHERE invite_hash <> '';

-- Admin sessions (github.com/alexedwards/scs/v2's Store): the token, the
-- encoded session and its expiry (Unix microseconds).
CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BYTEA NOT NULL,
    expiry BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expiry);

-- The admin queue's search: exact lookups of a store's returns by tracking
-- number and by the customer's email, without a scan. returns.doc is TEXT
-- that may hold what JSONB refuses (\u0000), so the path is read by a
-- function that gives NULL instead of failing the write.
-- +goose StatementBegin
CREATE FUNCTION rebound_doc_text(doc TEXT, path TEXT[]) RETURNS TEXT
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN doc::jsonb #>> path;
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE INDEX returns_store_tracking ON returns (store_id, rebound_doc_text(doc, '{label,trackingNumber}'));
CREATE INDEX returns_store_email ON returns (store_id, lower(rebound_doc_text(doc, '{customer,email}')));

-- +goose Down
DROP INDEX returns_store_email;
DROP INDEX returns_store_tracking;
DROP FUNCTION rebound_doc_text(TEXT, TEXT[]);
DROP TABLE sessions;
DROP TABLE users;

-- +goose Up
-- The email outbox also keeps emails to admin users (invitations): user_id
-- is the user an email is to ('' for a shopper's), return_id the return it
-- is about ('' for none). One email per return (or user) and kind.
ALTER TABLE email_outbox ADD COLUMN user_id TEXT NOT NULL DEFAULT '';
ALTER TABLE email_outbox DROP CONSTRAINT email_outbox_store_id_return_id_kind_key;
ALTER TABLE email_outbox ADD CONSTRAINT email_outbox_store_id_return_id_user_id_kind_key UNIQUE (store_id, return_id, user_id, kind);

-- +goose Down
DELETE FROM email_outbox WHERE user_id <> '';
ALTER TABLE email_outbox DROP CONSTRAINT email_outbox_store_id_return_id_user_id_kind_key;
ALTER TABLE email_outbox DROP COLUMN user_id;
ALTER TABLE email_outbox ADD CONSTRAINT email_outbox_store_id_return_id_kind_key UNIQUE (store_id, return_id, kind);

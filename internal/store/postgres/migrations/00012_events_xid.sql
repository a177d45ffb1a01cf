-- +goose Up
-- Events without a hot row (see internal/store/sqlstore/tx.go, TakeEvents):
-- each event carries the id of the transaction that wrote it, and the
-- dispatcher takes, in (xid, id) order, the events whose xid is below the
-- xmin of its snapshot (every transaction below it has ended, so no event
-- can still appear behind the cursor). The cursor is a row of its own that
-- only dispatchers write; writers never touch the store's row.
ALTER TABLE events ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX events_store_xid ON events (store_id, xid, id);

CREATE TABLE event_cursors (
    store_id TEXT PRIMARY KEY,
    -- The last dispatched event, in (xid, id) order.
    xid      xid8 NOT NULL DEFAULT '0',
    id       BIGINT NOT NULL DEFAULT 0
);
-- Existing events all got this transaction's xid; those up to the old
-- cursor stay dispatched.
INSERT INTO event_cursors (store_id, xid, id) SELECT id, pg_current_xact_id(), dispatched_through FROM stores;

-- A foreign key check key-share-locks the referenced row: every order sync,
-- event and return write locked its store's row, and concurrent lockers
-- turn that row's lock into a MultiXact that each new locker rewrites. The
-- tables written per request check that their store exists with a plain
-- read instead (stores are never deleted, so nothing can cascade) and fail
-- with the same error (foreign_key_violation).
-- +goose StatementBegin
CREATE FUNCTION rebound_store_exists() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM stores WHERE id = NEW.store_id) THEN
        RAISE foreign_key_violation USING MESSAGE = format('%s: store %s does not exist', TG_TABLE_NAME, NEW.store_id);
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
ALTER TABLE orders DROP CONSTRAINT orders_store_id_fkey;
ALTER TABLE events DROP CONSTRAINT events_store_id_fkey;
ALTER TABLE returns DROP CONSTRAINT returns_store_id_fkey;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_store_id_fkey;
ALTER TABLE timeline_events DROP CONSTRAINT timeline_events_store_id_fkey;
CREATE TRIGGER orders_store_exists BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION rebound_store_exists();
CREATE TRIGGER events_store_exists BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION rebound_store_exists();
CREATE TRIGGER returns_store_exists BEFORE INSERT ON returns FOR EACH ROW EXECUTE FUNCTION rebound_store_exists();
CREATE TRIGGER idempotency_keys_store_exists BEFORE INSERT ON idempotency_keys FOR EACH ROW EXECUTE FUNCTION rebound_store_exists();
CREATE TRIGGER timeline_events_store_exists BEFORE INSERT ON timeline_events FOR EACH ROW EXECUTE FUNCTION rebound_store_exists();

-- +goose Down
DROP TRIGGER timeline_events_store_exists ON timeline_events;
DROP TRIGGER idempotency_keys_store_exists ON idempotency_keys;
DROP TRIGGER returns_store_exists ON returns;
DROP TRIGGER events_store_exists ON events;
DROP TRIGGER orders_store_exists ON orders;
DROP FUNCTION rebound_store_exists();
ALTER TABLE orders ADD CONSTRAINT orders_store_id_fkey FOREIGN KEY (store_id) REFERENCES stores (id) ON DELETE CASCADE;
ALTER TABLE events ADD CONSTRAINT events_store_id_fkey FOREIGN KEY (store_id) REFERENCES stores (id) ON DELETE CASCADE;
ALTER TABLE returns ADD CONSTRAINT returns_store_id_fkey FOREIGN KEY (store_id) REFERENCES stores (id) ON DELETE CASCADE;
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_store_id_fkey FOREIGN KEY (store_id) REFERENCES stores (id) ON DELETE CASCADE;
ALTER TABLE timeline_events ADD CONSTRAINT timeline_events_store_id_fkey FOREIGN KEY (store_id) REFERENCES stores (id) ON DELETE CASCADE;
UPDATE stores s SET dispatched_through = c.id FROM event_cursors c WHERE c.store_id = s.id;
DROP TABLE event_cursors;
DROP INDEX events_store_xid;
ALTER TABLE events DROP COLUMN xid;

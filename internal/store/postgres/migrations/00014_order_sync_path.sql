-- +goose Up
-- Order documents and event payloads are TEXT, as return documents are
-- (00003): they are only ever read whole, so JSONB's parse on every write
-- (a good share of an order sync's database time) bought nothing, and it
-- refused strings JSON allows (\u0000), failing such an order's sync.
ALTER TABLE orders ALTER COLUMN doc TYPE TEXT USING doc::text;
ALTER TABLE events ALTER COLUMN payload TYPE TEXT USING payload::text;

-- The store check of 00012 ran once per inserted row (a PL/pgSQL call and
-- a read each); it now runs once per statement over the rows it inserted,
-- so a multi-row insert of a group commit pays it once. Same error
-- (foreign_key_violation), same effect: the statement fails whole.
-- +goose StatementBegin
CREATE FUNCTION rebound_stores_exist() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing TEXT;
BEGIN
    SELECT n.store_id INTO missing FROM new_rows n
    WHERE NOT EXISTS (SELECT 1 FROM stores s WHERE s.id = n.store_id) LIMIT 1;
    IF missing IS NOT NULL THEN
        RAISE foreign_key_violation USING MESSAGE = format('%s: store %s does not exist', TG_TABLE_NAME, missing);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
DROP TRIGGER orders_store_exists ON orders;
DROP TRIGGER events_store_exists ON events;
DROP TRIGGER returns_store_exists ON returns;
DROP TRIGGER idempotency_keys_store_exists ON idempotency_keys;
DROP TRIGGER timeline_events_store_exists ON timeline_events;
DROP FUNCTION rebound_store_exists();
CREATE TRIGGER orders_stores_exist AFTER INSERT ON orders REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rebound_stores_exist();
CREATE TRIGGER events_stores_exist AFTER INSERT ON events REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rebound_stores_exist();
CREATE TRIGGER returns_stores_exist AFTER INSERT ON returns REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rebound_stores_exist();
CREATE TRIGGER idempotency_keys_stores_exist AFTER INSERT ON idempotency_keys REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rebound_stores_exist();
CREATE TRIGGER timeline_events_stores_exist AFTER INSERT ON timeline_events REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rebound_stores_exist();

-- +goose Down
DROP TRIGGER timeline_events_stores_exist ON timeline_events;
DROP TRIGGER idempotency_keys_stores_exist ON idempotency_keys;
DROP TRIGGER returns_stores_exist ON returns;
DROP TRIGGER events_stores_exist ON events;
DROP TRIGGER orders_stores_exist ON orders;
DROP FUNCTION rebound_stores_exist();
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
CREATE TRIGGER orders_store_exists BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION rebound_store_exists();
CREATE TRIGGER events_store_exists BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION rebound_store_exists();
CREATE TRIGGER returns_store_exists BEFORE INSERT ON returns FOR EACH ROW EXECUTE FUNCTION rebound_store_exists();
CREATE TRIGGER idempotency_keys_store_exists BEFORE INSERT ON idempotency_keys FOR EACH ROW EXECUTE FUNCTION rebound_store_exists();
CREATE TRIGGER timeline_events_store_exists BEFORE INSERT ON timeline_events FOR EACH ROW EXECUTE FUNCTION rebound_store_exists();
-- Rows holding \u0000 cannot go back to JSONB; the down migration fails on
-- them rather than altering what was stored.
ALTER TABLE events ALTER COLUMN payload TYPE JSONB USING payload::jsonb;
ALTER TABLE orders ALTER COLUMN doc TYPE JSONB USING doc::jsonb;

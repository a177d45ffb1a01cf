-- +goose Up
-- Numeric ids for Loop's clients (internal/loopapi). One sequence numbers
-- everything Loop shows as an integer: returns, their units (line items),
-- orders, notes (comments), stores (shop_id) and webhook subscriptions.
-- AUTOINCREMENT: an id is never given twice, even after its row is deleted.
-- native_id is the Rebound id (a line item's is "<item id>/<unit>").
CREATE TABLE loop_ids (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    kind      TEXT NOT NULL,
    store_id  TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    native_id TEXT NOT NULL,
    UNIQUE (kind, native_id)
);

-- A return's numeric id is also kept on its row, so that the Detailed
-- Returns List reads pages in (store, time, numeric id) order through an
-- index. 0 until assigned (returns written straight to the store).
ALTER TABLE returns ADD COLUMN loop_id INTEGER NOT NULL DEFAULT 0;
INSERT INTO loop_ids (kind, store_id, native_id)
    SELECT 'return', store_id, id FROM returns ORDER BY created_at, id;
UPDATE returns SET loop_id = (SELECT l.id FROM loop_ids l WHERE l.kind = 'return' AND l.native_id = returns.id);
-- The list's keyset orders; status rides along so that the state filter is
-- checked on index entries.
CREATE INDEX returns_loop_created ON returns (store_id, created_at, loop_id, status);
CREATE INDEX returns_loop_updated ON returns (store_id, updated_at, loop_id, status);
-- Returns still to number, and lookups by numeric id.
CREATE INDEX returns_loop_id ON returns (store_id, loop_id);

-- +goose Down
DROP INDEX returns_loop_id;
DROP INDEX returns_loop_updated;
DROP INDEX returns_loop_created;
ALTER TABLE returns DROP COLUMN loop_id;
DROP TABLE loop_ids;

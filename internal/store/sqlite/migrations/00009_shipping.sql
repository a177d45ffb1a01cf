-- +goose Up
-- Return shipping (internal/shipping) and invoices (internal/invoices).

-- One row per store: the built-in carrier's rate table, the EasyPost
-- connection (key and webhook secret sealed), the return destinations.
-- Documents are kept as sent (TEXT), '' when absent.
CREATE TABLE shipping_settings (
    store_id                       TEXT PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
    rate_table                     TEXT NOT NULL DEFAULT '',
    easypost_key_sealed            TEXT NOT NULL DEFAULT '',
    easypost_base_url              TEXT NOT NULL DEFAULT '',
    easypost_webhook_token         TEXT NOT NULL DEFAULT '',
    easypost_webhook_secret_sealed TEXT NOT NULL DEFAULT '',
    destinations                   TEXT NOT NULL DEFAULT '',
    updated_at                     BIGINT NOT NULL
);
CREATE UNIQUE INDEX shipping_settings_webhook_token ON shipping_settings (easypost_webhook_token) WHERE easypost_webhook_token <> '';

-- Labels Rebound bought (API purchases and return labels).
CREATE TABLE shipments (
    id              TEXT PRIMARY KEY,
    store_id        TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    return_id       TEXT NOT NULL DEFAULT '',
    carrier         TEXT NOT NULL,
    tracking_number TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT NOT NULL,
    request_hash    TEXT NOT NULL DEFAULT '',
    data            TEXT NOT NULL,
    voided_at       BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (store_id, idempotency_key)
);
CREATE INDEX shipments_return ON shipments (store_id, return_id, created_at);
CREATE INDEX shipments_tracking ON shipments (store_id, tracking_number);

-- Carriers' own state: the built-in carrier's shipments, EasyPost's
-- idempotency claims.
CREATE TABLE carrier_records (
    store_id        TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    carrier         TEXT NOT NULL,
    record_key      TEXT NOT NULL,
    tracking_number TEXT NOT NULL DEFAULT '',
    data            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (store_id, carrier, record_key)
);
CREATE UNIQUE INDEX carrier_records_tracking ON carrier_records (carrier, tracking_number) WHERE tracking_number <> '';

-- Billing: the time zone invoices' months are counted in, the fees.
CREATE TABLE invoice_settings (
    store_id   TEXT PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
    time_zone  TEXT NOT NULL DEFAULT '',
    fees       TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL
);

-- One invoice per store, month (in the store's time zone) and currency,
-- created with its first charge and never updated but when paid.
CREATE TABLE invoices (
    id         TEXT PRIMARY KEY,
    store_id   TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    period     TEXT NOT NULL,
    currency   TEXT NOT NULL,
    paid_at    BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    UNIQUE (store_id, period, currency)
);

-- Invoice rows, append-only. Amounts in minor units.
CREATE TABLE invoice_charges (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    store_id        TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    invoice_id      TEXT NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    charge_key      TEXT NOT NULL,
    kind            TEXT NOT NULL,
    return_id       TEXT NOT NULL DEFAULT '',
    order_id        TEXT NOT NULL DEFAULT '',
    order_name      TEXT NOT NULL DEFAULT '',
    shipment_id     TEXT NOT NULL DEFAULT '',
    tracking_number TEXT NOT NULL DEFAULT '',
    carrier         TEXT NOT NULL DEFAULT '',
    service         TEXT NOT NULL DEFAULT '',
    description     TEXT NOT NULL DEFAULT '',
    quantity        BIGINT NOT NULL,
    unit_price      BIGINT NOT NULL,
    amount          BIGINT NOT NULL,
    currency        TEXT NOT NULL,
    at              BIGINT NOT NULL,
    UNIQUE (store_id, charge_key)
);
CREATE INDEX invoice_charges_invoice ON invoice_charges (invoice_id, at, id);

-- +goose Down
DROP TABLE invoice_charges;
DROP TABLE invoices;
DROP TABLE invoice_settings;
DROP TABLE carrier_records;
DROP TABLE shipments;
DROP TABLE shipping_settings;

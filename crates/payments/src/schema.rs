//! The payments' tables. Applied migrations never change: a change is a new migration.
//!
//! Two constraints keep money from being taken twice whatever the timing: a provider's
//! transaction id is stored once (`UNIQUE (provider, provider_id)`), and an invoice is held by
//! at most one open or performed transaction (`active_invoice`, set to the invoice's number
//! while the transaction is created or performed and cleared when it is cancelled, is
//! `UNIQUE`; both databases let any number of rows leave it empty).

use yagona_db::Migration;

const SCHEMA: &str = "
CREATE TABLE payment_invoices (
    number TEXT PRIMARY KEY,
    application TEXT NOT NULL UNIQUE,
    service TEXT NOT NULL,
    payer TEXT NOT NULL,
    amount BIGINT NOT NULL,
    status TEXT NOT NULL,
    refund_allowed BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    paid_at TEXT,
    provider TEXT,
    provider_transaction TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX payment_invoices_by_created ON payment_invoices (created_at);
CREATE INDEX payment_invoices_by_payer ON payment_invoices (payer);
CREATE TABLE payment_invoice_counters (
    year BIGINT PRIMARY KEY,
    last BIGINT NOT NULL
);
CREATE TABLE payment_transactions (
    id AUTO_ID,
    provider TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    invoice TEXT NOT NULL REFERENCES payment_invoices (number),
    amount BIGINT NOT NULL,
    state BIGINT NOT NULL,
    reason BIGINT,
    provider_time BIGINT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    performed_at TEXT,
    cancelled_at TEXT,
    active_invoice TEXT UNIQUE,
    details TEXT NOT NULL,
    UNIQUE (provider, provider_id)
);
CREATE INDEX payment_transactions_by_invoice ON payment_transactions (invoice);
CREATE INDEX payment_transactions_by_provider_time ON payment_transactions (provider, provider_time);
CREATE INDEX payment_transactions_by_created ON payment_transactions (provider, created_at);
CREATE INDEX payment_transactions_open ON payment_transactions (state, expires_at);
CREATE TABLE payment_provider_keys (
    provider TEXT PRIMARY KEY,
    key_hash TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
";

/// The payments component's migrations, for `Db::migrate("payments", MIGRATIONS)`.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "invoices and provider transactions",
    sql: SCHEMA,
}];

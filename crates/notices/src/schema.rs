//! The notices' tables. Applied migrations never change: a change is a new migration.
//!
//! `notices` is the outbox: `dedupe_key` makes queueing idempotent; a node claims rows by
//! setting `lease_owner` and `lease_until` in a guarded update, so each is sent by one node.
//! `notice_addresses` are a person's e-mail addresses, phones and Telegram chats (confirmed
//! once `confirmed_at` is set), `notice_preferences` the channels and language they chose, and
//! `notice_codes` the one-time codes that confirm an address (kept as hashes);
//! `notice_links` the one-time tokens of Telegram start links (kept as hashes).

use yagona_db::Migration;

const SCHEMA: &str = "
CREATE TABLE notices (
    id AUTO_ID,
    dedupe_key TEXT NOT NULL UNIQUE,
    subject_kind TEXT NOT NULL,
    subject_ref TEXT NOT NULL,
    event TEXT NOT NULL,
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    locale TEXT NOT NULL,
    urgent BIGINT NOT NULL,
    params TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_at TEXT NOT NULL,
    lease_owner TEXT,
    lease_until TEXT,
    provider_id TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    delivered_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX notices_due ON notices (status, next_at, id);
CREATE INDEX notices_by_subject ON notices (subject_kind, subject_ref, id);
CREATE INDEX notices_by_provider_id ON notices (channel, provider_id);
CREATE TABLE notice_addresses (
    pinfl TEXT NOT NULL,
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    confirmed_at TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (pinfl, channel, address)
);
CREATE TABLE notice_preferences (
    pinfl TEXT PRIMARY KEY,
    channels TEXT NOT NULL,
    locale TEXT,
    updated_at TEXT NOT NULL
);
CREATE TABLE notice_codes (
    pinfl TEXT NOT NULL,
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    PRIMARY KEY (pinfl, channel, address)
);
";

/// The notices component's migrations, for `Db::migrate(\"notices\", MIGRATIONS)`.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "notices, addresses and preferences",
        sql: SCHEMA,
    },
    Migration {
        version: 2,
        name: "Telegram chats linked through the bot's start link",
        sql: "CREATE TABLE notice_links (
                  token_hash TEXT PRIMARY KEY,
                  pinfl TEXT NOT NULL,
                  locale TEXT NOT NULL,
                  created_at TEXT NOT NULL,
                  expires_at TEXT NOT NULL
              );
              CREATE INDEX notice_links_by_person ON notice_links (pinfl, created_at);",
    },
];

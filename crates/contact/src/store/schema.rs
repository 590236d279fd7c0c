//! The contact point's tables. Migrations already applied in the field never change: a new
//! change of schema is a new migration.

use yagona_db::Migration;

const SCHEMA: &str = "
CREATE TABLE contact_topics (
    code TEXT PRIMARY KEY,
    agency_code TEXT NOT NULL,
    name TEXT NOT NULL,
    position BIGINT NOT NULL
);
CREATE TABLE contact_answers (
    code TEXT PRIMARY KEY,
    service_code TEXT,
    topic_code TEXT,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    position BIGINT NOT NULL
);
CREATE TABLE appeals (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    service_code TEXT,
    topic_code TEXT,
    agency_code TEXT,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    pinfl TEXT,
    name TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    locale TEXT NOT NULL,
    address TEXT,
    lat TEXT,
    lon TEXT,
    application_ref TEXT,
    needs_checking BIGINT NOT NULL,
    received_at TEXT NOT NULL,
    deadline TEXT NOT NULL,
    extended BIGINT NOT NULL,
    answered_at TEXT,
    answered_on_time BIGINT,
    first_contact BIGINT NOT NULL,
    closed_at TEXT,
    rating BIGINT,
    rating_comment TEXT,
    merged_into TEXT,
    officer_id TEXT,
    officer_name TEXT,
    client_id TEXT,
    idempotency_key TEXT UNIQUE,
    updated_at TEXT NOT NULL,
    revision BIGINT NOT NULL
);
CREATE INDEX appeals_by_agency ON appeals (agency_code, status, deadline);
CREATE INDEX appeals_by_status ON appeals (status, deadline);
CREATE INDEX appeals_by_pinfl ON appeals (pinfl);
CREATE INDEX appeals_by_phone ON appeals (phone);
CREATE INDEX appeals_by_email ON appeals (email);
CREATE INDEX appeals_by_client ON appeals (client_id, received_at);
CREATE INDEX appeals_by_received ON appeals (received_at);
CREATE TABLE appeal_events (
    id AUTO_ID,
    appeal_id TEXT NOT NULL REFERENCES appeals (id),
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    public BIGINT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    agency_code TEXT,
    to_agency TEXT,
    body TEXT
);
CREATE INDEX appeal_events_by_appeal ON appeal_events (appeal_id, id);
CREATE TABLE open311_clients (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
";

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "appeals",
        sql: SCHEMA,
    },
    Migration {
        version: 2,
        name: "notices to applicants",
        sql: "CREATE TABLE appeal_notices (
                  id AUTO_ID,
                  appeal_id TEXT NOT NULL REFERENCES appeals (id),
                  channel TEXT NOT NULL,
                  recipient TEXT NOT NULL,
                  action TEXT NOT NULL,
                  locale TEXT NOT NULL,
                  created_at TEXT NOT NULL,
                  sent_at TEXT
              );
              CREATE INDEX appeal_notices_unsent ON appeal_notices (sent_at, id);",
    },
    Migration {
        version: 3,
        name: "notices go through the notices outbox only",
        // Written and never read: notices are queued in `yagona-notices`' outbox, which every
        // node drains.
        sql: "DROP TABLE appeal_notices;",
    },
    Migration {
        version: 4,
        name: "appeals followed from a browser",
        sql: "CREATE TABLE appeal_follows (
                  session_hash TEXT NOT NULL,
                  appeal_id TEXT NOT NULL REFERENCES appeals (id),
                  contact TEXT NOT NULL,
                  expires_at TEXT NOT NULL,
                  PRIMARY KEY (session_hash, appeal_id)
              );
              CREATE INDEX appeal_follows_by_expiry ON appeal_follows (expires_at);",
    },
];

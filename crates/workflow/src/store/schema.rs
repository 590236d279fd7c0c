//! The engine's tables. Applied migrations must never change: a change is a new migration.

use yagona_db::Migration;

const SCHEMA: &str = "
CREATE TABLE process_definitions (
    process_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    source TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    deployed_at TEXT NOT NULL,
    PRIMARY KEY (process_id, version)
);
CREATE TABLE process_instances (
    id TEXT PRIMARY KEY,
    process_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    business_key TEXT,
    state TEXT NOT NULL,
    status TEXT NOT NULL,
    incident TEXT,
    revision BIGINT NOT NULL,
    started_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    ended_at TEXT,
    FOREIGN KEY (process_id, version) REFERENCES process_definitions (process_id, version)
);
CREATE INDEX process_instances_by_business_key ON process_instances (business_key);
CREATE TABLE process_waits (
    instance_id TEXT NOT NULL REFERENCES process_instances (id),
    wait_id BIGINT NOT NULL,
    element_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    job_type TEXT,
    candidate_groups TEXT,
    message_name TEXT,
    due_at TEXT,
    inputs TEXT NOT NULL,
    locked_by TEXT,
    lock_until TEXT,
    retries BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (instance_id, wait_id)
);
CREATE INDEX process_waits_by_kind ON process_waits (kind, job_type, due_at);
CREATE TABLE process_events (
    id AUTO_ID,
    instance_id TEXT NOT NULL REFERENCES process_instances (id),
    at TEXT NOT NULL,
    element_id TEXT NOT NULL,
    element_type TEXT NOT NULL,
    element_name TEXT,
    lifecycle TEXT NOT NULL,
    resource TEXT
);
CREATE INDEX process_events_by_instance ON process_events (instance_id, id);
";

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "process engine",
        sql: SCHEMA,
    },
    Migration {
        version: 2,
        name: "job worker clients",
        sql: "CREATE TABLE process_workers (
            name TEXT PRIMARY KEY,
            token_hash TEXT NOT NULL UNIQUE,
            job_types TEXT NOT NULL,
            created_at TEXT NOT NULL
        );",
    },
    Migration {
        version: 3,
        name: "user task assignment and forms",
        sql: "ALTER TABLE process_waits ADD COLUMN assignee TEXT;
              ALTER TABLE process_waits ADD COLUMN assignee_name TEXT;
              ALTER TABLE process_waits ADD COLUMN form_key TEXT;
              ALTER TABLE process_waits ADD COLUMN label TEXT;
              ALTER TABLE process_waits ADD COLUMN escalated_at TEXT;
              CREATE INDEX process_waits_by_instance_kind ON process_waits (instance_id, kind);",
    },
    Migration {
        version: 4,
        name: "DMN decisions",
        sql: "CREATE TABLE process_decisions (
            decision_id TEXT NOT NULL,
            version BIGINT NOT NULL,
            source TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            deployed_at TEXT NOT NULL,
            PRIMARY KEY (decision_id, version)
        );",
    },
    Migration {
        version: 5,
        name: "called processes",
        sql: "ALTER TABLE process_instances ADD COLUMN parent_instance TEXT;
              ALTER TABLE process_instances ADD COLUMN parent_wait BIGINT;
              ALTER TABLE process_instances ADD COLUMN root_instance TEXT;
              UPDATE process_instances SET root_instance = id;
              CREATE INDEX process_instances_by_root ON process_instances (root_instance);",
    },
    Migration {
        version: 6,
        name: "message start events",
        sql: "CREATE TABLE process_message_starts (
            message_name TEXT NOT NULL,
            process_id TEXT NOT NULL,
            version BIGINT NOT NULL,
            element_id TEXT NOT NULL,
            PRIMARY KEY (message_name, process_id, version)
        );",
    },
    Migration {
        version: 7,
        name: "timer start events",
        sql: "CREATE TABLE process_timer_starts (
            process_id TEXT NOT NULL,
            version BIGINT NOT NULL,
            element_id TEXT NOT NULL,
            due_at TEXT,
            fired BIGINT NOT NULL,
            PRIMARY KEY (process_id, version, element_id)
        );
        CREATE INDEX process_timer_starts_due ON process_timer_starts (due_at);",
    },
    Migration {
        version: 8,
        name: "incidents",
        sql: "CREATE TABLE process_incidents (
            id TEXT PRIMARY KEY,
            instance_id TEXT NOT NULL REFERENCES process_instances (id),
            root_instance TEXT NOT NULL,
            element_id TEXT NOT NULL,
            wait_id BIGINT,
            action TEXT NOT NULL,
            message TEXT NOT NULL,
            caused_by TEXT,
            created_at TEXT NOT NULL,
            resolved_at TEXT,
            resolved_by TEXT
        );
        CREATE INDEX process_incidents_open ON process_incidents (resolved_at, created_at);
        CREATE INDEX process_incidents_by_root ON process_incidents (root_instance);
        CREATE INDEX process_incidents_by_instance ON process_incidents (instance_id, resolved_at);
        ALTER TABLE process_waits ADD COLUMN incident_id TEXT;",
    },
    Migration {
        version: 9,
        name: "message correlation keys and buffered messages",
        sql: "ALTER TABLE process_waits ADD COLUMN correlation_key TEXT;
        CREATE INDEX process_waits_by_message ON process_waits (message_name, correlation_key);
        CREATE TABLE process_messages (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            correlation_key TEXT NOT NULL,
            variables TEXT NOT NULL,
            published_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            consumed_by TEXT,
            consumed_at TEXT
        );
        CREATE INDEX process_messages_open ON process_messages (consumed_at, expires_at);",
    },
    Migration {
        version: 10,
        name: "signals",
        sql: "CREATE TABLE process_signals (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            variables TEXT NOT NULL,
            thrown_at TEXT NOT NULL,
            done_at TEXT
        );
        CREATE INDEX process_signals_open ON process_signals (done_at, thrown_at);
        CREATE TABLE process_signal_deliveries (
            signal_id TEXT NOT NULL,
            instance_id TEXT NOT NULL,
            wait_id BIGINT NOT NULL,
            PRIMARY KEY (signal_id, instance_id, wait_id)
        );",
    },
    Migration {
        version: 11,
        name: "signal start events",
        sql: "CREATE TABLE process_signal_starts (
            signal_name TEXT NOT NULL,
            process_id TEXT NOT NULL,
            version BIGINT NOT NULL,
            element_id TEXT NOT NULL,
            PRIMARY KEY (signal_name, process_id, version)
        );",
    },
];

//! The tables applications own, and how they came to be.

use yagona_db::Migration;

const SCHEMA: &str = "
CREATE TABLE applications (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    applicant_pinfl TEXT NOT NULL,
    applicant_name TEXT NOT NULL,
    service_code TEXT NOT NULL,
    service_version BIGINT NOT NULL,
    agency_code TEXT NOT NULL,
    status TEXT NOT NULL,
    answers TEXT NOT NULL,
    officer_id TEXT,
    officer_name TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    submitted_at TEXT,
    decision_due TEXT,
    decided_at TEXT,
    FOREIGN KEY (service_code, service_version) REFERENCES registry_service_versions (code, version)
);
CREATE INDEX applications_by_applicant ON applications (applicant_pinfl, updated_at);
CREATE INDEX applications_by_agency ON applications (agency_code, status, submitted_at);
CREATE TABLE application_events (
    id AUTO_ID,
    application_id TEXT NOT NULL REFERENCES applications (id),
    at TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    comment TEXT
);
CREATE INDEX application_events_by_application ON application_events (application_id, id);
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id),
    kind TEXT NOT NULL,
    field TEXT NOT NULL,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BINARY NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX documents_by_application ON documents (application_id);
";

pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "applications",
        sql: SCHEMA,
    },
    Migration {
        version: 2,
        name: "applications run on processes",
        sql: "ALTER TABLE applications ADD COLUMN process_instance TEXT;
              ALTER TABLE applications ADD COLUMN current_step TEXT;
              ALTER TABLE applications ADD COLUMN holder_agency TEXT;
              ALTER TABLE application_events ADD COLUMN step TEXT;
              CREATE INDEX applications_by_instance ON applications (process_instance);
              CREATE TABLE application_agencies (
                  application_id TEXT NOT NULL REFERENCES applications (id),
                  agency TEXT NOT NULL,
                  PRIMARY KEY (application_id, agency)
              );
              CREATE TABLE notifications (
                  id AUTO_ID,
                  application_id TEXT NOT NULL REFERENCES applications (id),
                  recipient_kind TEXT NOT NULL,
                  recipient TEXT NOT NULL,
                  template TEXT NOT NULL,
                  created_at TEXT NOT NULL,
                  sent_at TEXT
              );
              CREATE INDEX notifications_unsent ON notifications (sent_at, id);",
    },
    Migration {
        version: 3,
        name: "documents uploaded before their application",
        sql: "CREATE TABLE staged_documents (
                  id TEXT PRIMARY KEY,
                  owner_pinfl TEXT NOT NULL,
                  file_name TEXT NOT NULL,
                  content BINARY NOT NULL,
                  created_at TEXT NOT NULL
              );
              CREATE INDEX staged_documents_by_owner ON staged_documents (owner_pinfl, created_at);
              ALTER TABLE application_events ADD COLUMN actor_agency TEXT;",
    },
    Migration {
        version: 4,
        name: "facts from state registers",
        sql: "CREATE TABLE application_facts (
                  application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
                  source TEXT NOT NULL,
                  service TEXT NOT NULL,
                  request_id TEXT NOT NULL,
                  fetched_at TEXT NOT NULL,
                  data TEXT NOT NULL,
                  PRIMARY KEY (application_id, source)
              );",
    },
    Migration {
        version: 5,
        name: "result documents anyone can verify, and links to share them",
        sql: "ALTER TABLE applications ADD COLUMN locale TEXT;
              CREATE TABLE result_documents (
                  number TEXT PRIMARY KEY,
                  application_id TEXT NOT NULL REFERENCES applications (id),
                  document_id TEXT NOT NULL REFERENCES documents (id),
                  holder_pinfl TEXT NOT NULL,
                  holder_name TEXT NOT NULL,
                  agency_code TEXT NOT NULL,
                  service_code TEXT NOT NULL,
                  title TEXT NOT NULL,
                  content TEXT,
                  locale TEXT NOT NULL,
                  sha256 TEXT NOT NULL,
                  signed_by TEXT,
                  issued_at TEXT NOT NULL,
                  status TEXT NOT NULL,
                  reason TEXT,
                  changed_at TEXT,
                  changed_by TEXT,
                  supersedes TEXT,
                  superseded_by TEXT
              );
              CREATE INDEX result_documents_by_holder ON result_documents (holder_pinfl, issued_at);
              CREATE INDEX result_documents_by_application ON result_documents (application_id);
              CREATE TABLE result_shares (
                  id TEXT PRIMARY KEY,
                  token_hash TEXT NOT NULL UNIQUE,
                  number TEXT NOT NULL REFERENCES result_documents (number),
                  holder_pinfl TEXT NOT NULL,
                  created_at TEXT NOT NULL,
                  expires_at TEXT NOT NULL,
                  withdrawn_at TEXT
              );
              CREATE INDEX result_shares_by_number ON result_shares (number, created_at);",
    },
    Migration {
        version: 6,
        name: "notices go through the notices outbox only",
        // The first outbox was written and never read: decisions are now told through
        // `yagona-notices`, escalations through the agency's inbox and the history.
        sql: "DROP TABLE notifications;",
    },
    Migration {
        version: 7,
        name: "an officer's file carried inside the signed result",
        sql: "ALTER TABLE result_documents ADD COLUMN annex_document_id TEXT REFERENCES documents (id);",
    },
    Migration {
        version: 8,
        name: "who an application is about, to find duplicates",
        // `identity_hash`: the hash of the answers that identify the subject, kept from the
        // submission on. `identity_key`: the same, only for services that stop duplicates and
        // only while the application holds it (not rejected) — unique, so that two
        // submissions at once cannot both pass (NULLs never collide).
        sql: "ALTER TABLE applications ADD COLUMN identity_hash TEXT;
              ALTER TABLE applications ADD COLUMN identity_key TEXT;
              CREATE INDEX applications_by_identity ON applications (service_code, identity_hash);
              CREATE UNIQUE INDEX applications_one_per_identity ON applications (service_code, identity_key);",
    },
];

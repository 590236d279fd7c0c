use crate::documents::{Document, DocumentKind, Upload, UploadError};
use crate::process::{self, APPLICANT_GROUP};
use crate::status::{Action, Actor, Holder, Status};
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::Row;
use yagona_calendar::Calendar;
use yagona_core::{format_timestamp, now, tashkent_date, ReferenceNumber};
use yagona_db::{is_unique_violation, Db, DbError, Migration};
use yagona_forms::{FieldError, FormDefinition, Widget};
use yagona_workflow::store::UserTask;

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

pub const MIGRATIONS: &[Migration] = &[
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
];

/// What a state register said about the applicant, fetched through the exchange for an
/// application (the "once only" principle): shown with its source, kept as evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fact {
    /// `person`, `residence` (see `yagona_forms::FACT_SOURCES`).
    pub source: String,
    /// The exchange service that answered (`X-Road-Service`).
    pub service: String,
    /// `X-Road-Request-Id` of the call: its request and response are in the message log.
    pub request_id: String,
    pub fetched_at: String,
    pub data: Value,
}

impl Fact {
    /// The value at a dotted path (`address.text`), when it is a string or a number.
    pub fn value(&self, path: &str) -> Option<String> {
        let mut v = &self.data;
        for part in path.split('.') {
            v = v.get(part)?;
        }
        match v {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApplicationError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("no such application")]
    NotFound,
    #[error("{action:?} is not possible while the application is {status:?}")]
    NotAllowed { status: Status, action: Action },
    #[error("the application was changed by someone else meanwhile; reload and try again")]
    Conflict,
    #[error("the answers are not complete or not valid")]
    Invalid(Vec<FieldError>),
    #[error("upload refused: {0}")]
    Upload(UploadError),
    #[error("the form has no file field {0:?}")]
    UnknownField(String),
    #[error("a reason is required")]
    CommentRequired,
    #[error("the service's form cannot be used: {0}")]
    BrokenForm(String),
    #[error("no such task on this application, or not for your agency")]
    NoTask,
    #[error("the task is assigned to someone else")]
    TaskTaken,
    #[error("the process cannot go on: {0}")]
    Process(String),
}

impl From<yagona_workflow::store::StoreError> for ApplicationError {
    fn from(e: yagona_workflow::store::StoreError) -> Self {
        use yagona_workflow::store::StoreError as E;
        match e {
            E::Db(d) => ApplicationError::Db(d),
            E::Conflict => ApplicationError::Conflict,
            E::TaskTaken => ApplicationError::TaskTaken,
            E::Engine(yagona_workflow::engine::EngineError::UnknownWait(_)) => {
                ApplicationError::NoTask
            }
            other => ApplicationError::Process(other.to_string()),
        }
    }
}

impl From<sqlx::Error> for ApplicationError {
    fn from(e: sqlx::Error) -> Self {
        ApplicationError::Db(DbError::Sqlx(e))
    }
}

/// Who is reading: every query is scoped by it, so nobody can read past their scope by guessing.
#[derive(Debug, Clone, Copy)]
pub enum Viewer<'a> {
    Applicant(&'a str),
    Agency(&'a str),
}

#[derive(Debug, Clone, Serialize)]
pub struct Application {
    pub id: String,
    pub reference: String,
    pub applicant_pinfl: String,
    pub applicant_name: String,
    pub service_code: String,
    pub service_version: i64,
    pub agency_code: String,
    pub status: Status,
    pub answers: Map<String, Value>,
    pub officer_id: Option<String>,
    pub officer_name: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub submitted_at: Option<String>,
    pub decision_due: Option<NaiveDate>,
    pub decided_at: Option<String>,
    /// The process instance that runs the application (from submission on).
    pub process_instance: Option<String>,
    /// Where the process is, as labels by language (`uz`, `uz-Cyrl`, `ru`, `en`, `name`).
    pub current_step: Option<Map<String, Value>>,
    /// The agency whose task is open now (the service's agency when none is).
    pub holder_agency: Option<String>,
}

impl Application {
    pub fn holder(&self) -> Holder {
        let agency = self
            .holder_agency
            .clone()
            .unwrap_or_else(|| self.agency_code.clone());
        match self.status {
            Status::Draft | Status::Returned => Holder::Applicant,
            Status::Submitted => Holder::Agency { agency },
            Status::InReview => Holder::Officer {
                agency,
                name: self.officer_name.clone().unwrap_or_default(),
            },
            Status::Approved | Status::Rejected => Holder::Closed,
        }
    }

    /// Whether the agency has passed its statutory deadline (on `today`, Tashkent time).
    pub fn overdue(&self, today: NaiveDate) -> bool {
        !self.status.is_final()
            && self.status != Status::Returned
            && self.decision_due.is_some_and(|d| today > d)
    }

    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        let status: String = row.try_get("status")?;
        let answers: String = row.try_get("answers")?;
        let due: Option<String> = row.try_get("decision_due")?;
        let bad = |what: &str| {
            sqlx::Error::Decode(format!("application row has an invalid {what}").into())
        };
        Ok(Application {
            id: row.try_get("id")?,
            reference: row.try_get("reference")?,
            applicant_pinfl: row.try_get("applicant_pinfl")?,
            applicant_name: row.try_get("applicant_name")?,
            service_code: row.try_get("service_code")?,
            service_version: row.try_get("service_version")?,
            agency_code: row.try_get("agency_code")?,
            status: Status::parse(&status).ok_or_else(|| bad("status"))?,
            answers: serde_json::from_str(&answers).map_err(|_| bad("answers"))?,
            officer_id: row.try_get("officer_id")?,
            officer_name: row.try_get("officer_name")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            submitted_at: row.try_get("submitted_at")?,
            decision_due: due
                .map(|d| d.parse().map_err(|_| bad("decision_due")))
                .transpose()?,
            decided_at: row.try_get("decided_at")?,
            process_instance: row.try_get("process_instance")?,
            current_step: row
                .try_get::<Option<String>, _>("current_step")?
                .and_then(|s| serde_json::from_str(&s).ok()),
            holder_agency: row.try_get("holder_agency")?,
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ApplicationEvent {
    pub at: String,
    pub actor_kind: String,
    pub actor_id: String,
    pub actor_name: String,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub comment: Option<String>,
    /// The process step the event happened at, as labels by language.
    pub step: Option<Map<String, Value>>,
}

/// An officer's decision on an application.
pub struct Decision {
    pub action: Action,
    pub comment: Option<String>,
    /// For an approval: the result document the officer attached; without one the platform
    /// generates a PDF from the context.
    pub result: Option<Upload>,
    /// What the officer recorded on the task's own form (checked against it by the caller),
    /// set as process variables.
    pub data: Map<String, Value>,
}

/// Filters of the officer's list.
#[derive(Debug, Default, Clone)]
pub struct OfficerFilter {
    pub status: Option<Status>,
    pub service: Option<String>,
    /// Reference number or applicant PINFL, exact.
    pub query: Option<String>,
    pub overdue_on: Option<NaiveDate>,
}

/// Filters of the officer's task inbox.
#[derive(Debug, Default, Clone)]
pub struct InboxFilter {
    pub service: Option<String>,
    /// Reference number or applicant PINFL, exact.
    pub query: Option<String>,
    /// `Some(true)`: only tasks assigned to me; `Some(false)`: only unassigned ones.
    pub mine: Option<bool>,
    /// Only tasks past their due date (or the application's deadline) on this day.
    pub overdue_on: Option<NaiveDate>,
}

/// One open task in an inbox, with its application.
#[derive(Debug, Clone, Serialize)]
pub struct InboxItem {
    pub application: Application,
    pub task: UserTask,
}

impl InboxItem {
    /// Past its deadline on `day`, or escalated by its deadline timer.
    pub fn overdue(&self, day: NaiveDate) -> bool {
        self.task.escalated_at.is_some() || self.due().is_some_and(|due| due < day)
    }

    /// The task's own due moment, else the application's statutory deadline (end of that day,
    /// Tashkent time), as a date.
    pub fn due(&self) -> Option<NaiveDate> {
        self.task
            .due_at
            .as_deref()
            .and_then(yagona_core::parse_timestamp)
            .map(|t| tashkent_date(&(t - chrono::Duration::seconds(1))))
            .or(self.application.decision_due)
    }
}

pub struct ApplicationStore<'a> {
    pub db: &'a Db,
}

const COLUMNS: &str = "id, reference, applicant_pinfl, applicant_name, service_code, service_version, agency_code, status, answers, officer_id, officer_name, created_at, updated_at, submitted_at, decision_due, decided_at, process_instance, current_step, holder_agency";

/// An officer's agency may read an application of its service, or one on which it has (had) a
/// task; never a draft. `$n` is the agency; `t` the applications table's name in the query.
fn agency_scope(t: &str, n: usize) -> String {
    format!(
        "{t}.status <> 'draft' AND ({t}.agency_code = ${n} OR EXISTS (SELECT 1 FROM application_agencies x WHERE x.application_id = {t}.id AND x.agency = ${n}))"
    )
}

pub(crate) type Tx<'c> = sqlx::Transaction<'c, sqlx::Any>;

impl<'a> ApplicationStore<'a> {
    pub async fn migrate(db: &Db) -> Result<(), DbError> {
        db.migrate("applications", MIGRATIONS).await
    }

    /// Starts an application, or returns the applicant's unfinished draft for the same service
    /// (so that pressing "Start" twice does not leave two drafts behind).
    pub async fn create_draft(
        &self,
        applicant: &Actor,
        service_code: &str,
        service_version: i64,
        agency_code: &str,
    ) -> Result<Application, ApplicationError> {
        let existing = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM applications WHERE applicant_pinfl = $1 AND service_code = $2 AND status = 'draft' ORDER BY created_at DESC LIMIT 1"
        ))
        .bind(applicant.id())
        .bind(service_code)
        .fetch_optional(&self.db.pool)
        .await?;
        if let Some(row) = existing {
            return Ok(Application::from_row(&row)?);
        }
        let id = uuid::Uuid::now_v7().to_string();
        let at = format_timestamp(&now());
        for _ in 0..5 {
            let reference = ReferenceNumber::generate();
            let mut tx = self.db.writer.begin().await?;
            let inserted = sqlx::query(
                "INSERT INTO applications (id, reference, applicant_pinfl, applicant_name, service_code, service_version, agency_code, status, answers, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', '{}', $8, $8)",
            )
            .bind(&id)
            .bind(reference.as_str())
            .bind(applicant.id())
            .bind(applicant.name())
            .bind(service_code)
            .bind(service_version)
            .bind(agency_code)
            .bind(&at)
            .execute(&mut *tx)
            .await;
            match inserted {
                Err(e) if is_unique_violation(&e) => continue,
                Err(e) => return Err(e.into()),
                Ok(_) => {}
            }
            record(
                &mut tx,
                &id,
                &at,
                applicant,
                Action::Create,
                None,
                None,
                None,
            )
            .await?;
            tx.commit().await?;
            return self
                .get(reference.as_str(), Viewer::Applicant(applicant.id()))
                .await?
                .ok_or(ApplicationError::NotFound);
        }
        Err(ApplicationError::Conflict)
    }

    /// The application with this reference, if the viewer may see it.
    pub async fn get(
        &self,
        reference: &str,
        viewer: Viewer<'_>,
    ) -> Result<Option<Application>, ApplicationError> {
        let (clause, scope) = match viewer {
            Viewer::Applicant(p) => ("applicant_pinfl = $2".to_owned(), p),
            Viewer::Agency(a) => (agency_scope("applications", 2), a),
        };
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM applications WHERE reference = $1 AND {clause}"
        ))
        .bind(reference)
        .bind(scope)
        .fetch_optional(&self.db.pool)
        .await?;
        Ok(row.as_ref().map(Application::from_row).transpose()?)
    }

    pub async fn list_for_applicant(
        &self,
        pinfl: &str,
    ) -> Result<Vec<Application>, ApplicationError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM applications WHERE applicant_pinfl = $1 ORDER BY updated_at DESC LIMIT 500"
        ))
        .bind(pinfl)
        .fetch_all(&self.db.pool)
        .await?;
        Ok(rows
            .iter()
            .map(Application::from_row)
            .collect::<Result<_, _>>()?)
    }

    /// The agency's applications (never drafts, which are the applicant's private business).
    pub async fn list_for_agency(
        &self,
        agency: &str,
        filter: &OfficerFilter,
    ) -> Result<Vec<Application>, ApplicationError> {
        let mut sql = format!(
            "SELECT {COLUMNS} FROM applications WHERE {}",
            agency_scope("applications", 1)
        );
        let mut binds: Vec<String> = vec![agency.to_owned()];
        if let Some(s) = filter.status {
            binds.push(s.code().to_owned());
            sql.push_str(&format!(" AND status = ${}", binds.len()));
        }
        if let Some(s) = &filter.service {
            binds.push(s.clone());
            sql.push_str(&format!(" AND service_code = ${}", binds.len()));
        }
        if let Some(q) = &filter.query {
            binds.push(q.clone());
            let n = binds.len();
            sql.push_str(&format!(
                " AND (reference = ${n} OR applicant_pinfl = ${n})"
            ));
        }
        if let Some(day) = filter.overdue_on {
            binds.push(day.to_string());
            sql.push_str(&format!(
                " AND status IN ('submitted', 'in-review') AND decision_due IS NOT NULL AND decision_due < ${}",
                binds.len()
            ));
        }
        sql.push_str(" ORDER BY decision_due IS NULL, decision_due, submitted_at LIMIT 500");
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(&self.db.pool).await?;
        Ok(rows
            .iter()
            .map(Application::from_row)
            .collect::<Result<_, _>>()?)
    }

    /// The open user tasks offered to an agency (its candidate group), with their
    /// applications: the officers' inbox. Oldest deadline first.
    pub async fn inbox(
        &self,
        agency: &str,
        officer_id: &str,
        filter: &InboxFilter,
    ) -> Result<Vec<InboxItem>, ApplicationError> {
        let cols: Vec<String> = COLUMNS.split(", ").map(|c| format!("a.{c}")).collect();
        let mut sql = format!(
            "SELECT {}, w.instance_id AS w_instance, w.wait_id AS w_wait, w.element_id AS w_element, w.candidate_groups AS w_groups,
                    w.assignee AS w_assignee, w.assignee_name AS w_assignee_name, w.form_key AS w_form, w.due_at AS w_due,
                    w.created_at AS w_created, w.label AS w_label, w.escalated_at AS w_escalated
             FROM process_waits w JOIN process_instances pi ON pi.id = w.instance_id
             JOIN applications a ON a.process_instance = pi.root_instance
             WHERE w.kind = 'user-task' AND (',' || w.candidate_groups || ',') LIKE $1",
            cols.join(", ")
        );
        let mut binds: Vec<String> = vec![format!("%,{agency},%")];
        if let Some(s) = &filter.service {
            binds.push(s.clone());
            sql.push_str(&format!(" AND a.service_code = ${}", binds.len()));
        }
        if let Some(q) = &filter.query {
            binds.push(q.clone());
            let n = binds.len();
            sql.push_str(&format!(
                " AND (a.reference = ${n} OR a.applicant_pinfl = ${n})"
            ));
        }
        match filter.mine {
            Some(true) => {
                binds.push(officer_id.to_owned());
                sql.push_str(&format!(" AND w.assignee = ${}", binds.len()));
            }
            Some(false) => sql.push_str(" AND w.assignee IS NULL"),
            None => {}
        }
        sql.push_str(" ORDER BY a.decision_due IS NULL, a.decision_due, w.created_at LIMIT 500");
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(&self.db.pool).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let groups: Option<String> = r.try_get("w_groups")?;
            let item = InboxItem {
                application: Application::from_row(r)?,
                task: UserTask {
                    instance_id: r.try_get("w_instance")?,
                    wait_id: r.try_get("w_wait")?,
                    element_id: r.try_get("w_element")?,
                    candidate_groups: groups
                        .as_deref()
                        .map(yagona_workflow::store::split_groups)
                        .unwrap_or_default(),
                    assignee: r.try_get("w_assignee")?,
                    assignee_name: r.try_get("w_assignee_name")?,
                    form_key: r.try_get("w_form")?,
                    due_at: r.try_get("w_due")?,
                    created_at: r.try_get("w_created")?,
                    label: r
                        .try_get::<Option<String>, _>("w_label")?
                        .and_then(|l| serde_json::from_str(&l).ok())
                        .unwrap_or_default(),
                    escalated_at: r.try_get("w_escalated")?,
                },
            };
            if filter.overdue_on.is_some_and(|day| !item.overdue(day)) {
                continue;
            }
            out.push(item);
        }
        Ok(out)
    }

    pub async fn events(
        &self,
        application_id: &str,
    ) -> Result<Vec<ApplicationEvent>, ApplicationError> {
        let rows = sqlx::query(
            "SELECT at, actor_kind, actor_id, actor_name, action, from_status, to_status, comment, step FROM application_events WHERE application_id = $1 ORDER BY id",
        )
        .bind(application_id)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ApplicationEvent {
                    at: r.try_get("at")?,
                    actor_kind: r.try_get("actor_kind")?,
                    actor_id: r.try_get("actor_id")?,
                    actor_name: r.try_get("actor_name")?,
                    action: r.try_get("action")?,
                    from_status: r.try_get("from_status")?,
                    to_status: r.try_get("to_status")?,
                    comment: r.try_get("comment")?,
                    step: r
                        .try_get::<Option<String>, _>("step")?
                        .and_then(|s| serde_json::from_str(&s).ok()),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    pub async fn documents(&self, application_id: &str) -> Result<Vec<Document>, ApplicationError> {
        let rows = sqlx::query(
            "SELECT id, application_id, kind, field, file_name, media_type, size, sha256, created_at FROM documents WHERE application_id = $1 ORDER BY created_at",
        )
        .bind(application_id)
        .fetch_all(&self.db.pool)
        .await?;
        Ok(rows
            .iter()
            .map(document_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// A document and its content, if the viewer may see the application it belongs to.
    pub async fn document(
        &self,
        id: &str,
        viewer: Viewer<'_>,
    ) -> Result<Option<(Document, Vec<u8>)>, ApplicationError> {
        let (clause, scope) = match viewer {
            Viewer::Applicant(p) => ("a.applicant_pinfl = $2".to_owned(), p),
            Viewer::Agency(a) => (agency_scope("a", 2), a),
        };
        let row = sqlx::query(&format!(
            "SELECT d.id, d.application_id, d.kind, d.field, d.file_name, d.media_type, d.size, d.sha256, d.created_at, d.content
             FROM documents d JOIN applications a ON a.id = d.application_id WHERE d.id = $1 AND {clause}"
        ))
        .bind(id)
        .bind(scope)
        .fetch_optional(&self.db.pool)
        .await?;
        match row {
            Some(r) => Ok(Some((document_from_row(&r)?, r.try_get("content")?))),
            None => Ok(None),
        }
    }

    /// Saves some answers of a draft or returned application (one step of the form).
    pub async fn save_answers(
        &self,
        reference: &str,
        applicant: &Actor,
        answers: Map<String, Value>,
    ) -> Result<Application, ApplicationError> {
        let app = self.editable(reference, applicant).await?;
        let mut merged = app.answers.clone();
        for (k, v) in answers {
            if v.is_null() {
                merged.remove(&k);
            } else {
                merged.insert(k, v);
            }
        }
        self.write_answers(app, merged, &[]).await
    }

    /// Records what the registers said about the applicant of a draft, and fills the answers
    /// that are still empty with `prefill` (field → value) — in one transaction.
    pub async fn record_facts(
        &self,
        reference: &str,
        applicant: &Actor,
        facts: &[Fact],
        prefill: Map<String, Value>,
    ) -> Result<Application, ApplicationError> {
        let app = self.editable(reference, applicant).await?;
        let mut merged = app.answers.clone();
        for (k, v) in prefill {
            merged.entry(k).or_insert(v);
        }
        self.write_answers(app, merged, facts).await
    }

    /// The applicant's application, if they may still change its answers.
    async fn editable(
        &self,
        reference: &str,
        applicant: &Actor,
    ) -> Result<Application, ApplicationError> {
        let app = self
            .get(reference, Viewer::Applicant(applicant.id()))
            .await?
            .ok_or(ApplicationError::NotFound)?;
        if !app.status.editable_by_applicant() {
            return Err(ApplicationError::NotAllowed {
                status: app.status,
                action: Action::Submit,
            });
        }
        Ok(app)
    }

    /// Stores new answers (and facts, if any) unless the application changed meanwhile.
    async fn write_answers(
        &self,
        app: Application,
        merged: Map<String, Value>,
        facts: &[Fact],
    ) -> Result<Application, ApplicationError> {
        let at = format_timestamp(&now());
        let mut tx = self.db.writer.begin().await?;
        for f in facts {
            sqlx::query("DELETE FROM application_facts WHERE application_id = $1 AND source = $2")
                .bind(&app.id)
                .bind(&f.source)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO application_facts (application_id, source, service, request_id, fetched_at, data)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&app.id)
            .bind(&f.source)
            .bind(&f.service)
            .bind(&f.request_id)
            .bind(&f.fetched_at)
            .bind(f.data.to_string())
            .execute(&mut *tx)
            .await?;
        }
        let done = sqlx::query("UPDATE applications SET answers = $1, updated_at = $2 WHERE id = $3 AND updated_at = $4")
            .bind(Value::Object(merged.clone()).to_string())
            .bind(&at)
            .bind(&app.id)
            .bind(&app.updated_at)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(ApplicationError::Conflict);
        }
        tx.commit().await?;
        Ok(Application {
            answers: merged,
            updated_at: at,
            ..app
        })
    }

    /// The facts recorded for an application the viewer may see.
    pub async fn facts(
        &self,
        reference: &str,
        viewer: Viewer<'_>,
    ) -> Result<Vec<Fact>, ApplicationError> {
        let (clause, scope) = match viewer {
            Viewer::Applicant(p) => ("a.applicant_pinfl = $2".to_owned(), p),
            Viewer::Agency(ag) => (agency_scope("a", 2), ag),
        };
        let rows = sqlx::query(&format!(
            "SELECT f.source, f.service, f.request_id, f.fetched_at, f.data
             FROM application_facts f JOIN applications a ON a.id = f.application_id
             WHERE a.reference = $1 AND {clause} ORDER BY f.source"
        ))
        .bind(reference)
        .bind(scope)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let data: String = r.try_get(4)?;
                Ok(Fact {
                    source: r.try_get(0)?,
                    service: r.try_get(1)?,
                    request_id: r.try_get(2)?,
                    fetched_at: r.try_get(3)?,
                    data: serde_json::from_str(&data).unwrap_or(Value::Null),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(|e| ApplicationError::Db(e.into()))
    }

    /// Keeps a file uploaded before its application exists (GovStack's `POST /documents`),
    /// for its owner only; its type is checked when it is attached to a form's file field.
    pub async fn stage(
        &self,
        owner_pinfl: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<String, ApplicationError> {
        if bytes.is_empty() {
            return Err(ApplicationError::Upload(UploadError::Empty));
        }
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query("INSERT INTO staged_documents (id, owner_pinfl, file_name, content, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&id)
            .bind(owner_pinfl)
            .bind(file_name)
            .bind(bytes.to_vec())
            .bind(format_timestamp(&now()))
            .execute(&self.db.writer)
            .await?;
        Ok(id)
    }

    /// A staged file of this owner, as an upload for a form field.
    pub async fn staged(
        &self,
        owner_pinfl: &str,
        id: &str,
        field: &str,
    ) -> Result<Option<Upload>, ApplicationError> {
        let row: Option<(String, Vec<u8>)> = sqlx::query_as(
            "SELECT file_name, content FROM staged_documents WHERE id = $1 AND owner_pinfl = $2",
        )
        .bind(id)
        .bind(owner_pinfl)
        .fetch_optional(&self.db.pool)
        .await?;
        Ok(row.map(|(file_name, bytes)| Upload {
            field: field.to_owned(),
            file_name,
            bytes,
        }))
    }

    /// Forgets a staged file once it is attached.
    /// Deletes documents uploaded before an application that none took up by `cutoff` (they are
    /// personal data with no purpose left). Returns how many went.
    pub async fn sweep_staged(
        &self,
        cutoff: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64, ApplicationError> {
        Ok(
            sqlx::query("DELETE FROM staged_documents WHERE created_at < $1")
                .bind(format_timestamp(&cutoff))
                .execute(&self.db.writer)
                .await?
                .rows_affected(),
        )
    }

    pub async fn unstage(&self, owner_pinfl: &str, id: &str) -> Result<(), ApplicationError> {
        sqlx::query("DELETE FROM staged_documents WHERE id = $1 AND owner_pinfl = $2")
            .bind(id)
            .bind(owner_pinfl)
            .execute(&self.db.writer)
            .await?;
        Ok(())
    }

    /// Stores an uploaded file for a file field of the form and records it as that field's
    /// answer. A refused file leaves nothing behind.
    pub async fn attach(
        &self,
        reference: &str,
        applicant: &Actor,
        form: &FormDefinition,
        upload: Upload,
    ) -> Result<Document, ApplicationError> {
        let field = form
            .field(&upload.field)
            .filter(|f| f.widget == Widget::File)
            .ok_or_else(|| ApplicationError::UnknownField(upload.field.clone()))?;
        let media_type = upload
            .check(&field.accept, field.max_bytes())
            .map_err(ApplicationError::Upload)?;
        let app = self
            .get(reference, Viewer::Applicant(applicant.id()))
            .await?
            .ok_or(ApplicationError::NotFound)?;
        if !app.status.editable_by_applicant() {
            return Err(ApplicationError::NotAllowed {
                status: app.status,
                action: Action::Submit,
            });
        }
        let at = format_timestamp(&now());
        let mut tx = self.db.writer.begin().await?;
        // A draft's earlier file for the field is replaced; once submitted, files stay as evidence.
        if app.status == Status::Draft {
            if let Some(Value::String(old)) = app.answers.get(&upload.field) {
                sqlx::query("DELETE FROM documents WHERE id = $1 AND application_id = $2")
                    .bind(old)
                    .bind(&app.id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let doc = insert_document(
            &mut tx,
            &app.id,
            DocumentKind::Upload,
            &upload.field,
            &upload.clean_name(),
            &media_type,
            &upload.bytes,
            &at,
        )
        .await?;
        let mut answers = app.answers.clone();
        answers.insert(upload.field.clone(), Value::String(doc.id.clone()));
        let done = sqlx::query("UPDATE applications SET answers = $1, updated_at = $2 WHERE id = $3 AND updated_at = $4")
            .bind(Value::Object(answers).to_string())
            .bind(&at)
            .bind(&app.id)
            .bind(&app.updated_at)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(ApplicationError::Conflict);
        }
        tx.commit().await?;
        Ok(doc)
    }

    /// Submits (or resubmits after correction) an application: checks every answer against the
    /// form, counts the agency's deadline on the calendar and records it, all in one transaction.
    /// Invalid answers change nothing.
    pub async fn submit(
        &self,
        reference: &str,
        applicant: &Actor,
        form: &FormDefinition,
        calendar: &Calendar,
        deadline_working_days: u32,
    ) -> Result<Application, ApplicationError> {
        let app = self
            .get(reference, Viewer::Applicant(applicant.id()))
            .await?
            .ok_or(ApplicationError::NotFound)?;
        let action = match app.status {
            Status::Draft => Action::Submit,
            Status::Returned => Action::Resubmit,
            status => {
                return Err(ApplicationError::NotAllowed {
                    status,
                    action: Action::Submit,
                })
            }
        };
        let compiled = form
            .compile()
            .map_err(|e| ApplicationError::BrokenForm(e.to_string()))?;
        let mut errors = compiled.validate(&app.answers);
        // A file answer must name a document of this very application.
        let file_fields: Vec<_> = form
            .steps()
            .iter()
            .flat_map(|s| &s.fields)
            .filter(|f| f.widget == Widget::File)
            .collect();
        let docs = if file_fields.is_empty() {
            Vec::new()
        } else {
            self.documents(&app.id).await?
        };
        for f in file_fields {
            if let Some(Value::String(id)) = app.answers.get(&f.name) {
                if !docs.iter().any(|d| &d.id == id && d.field == f.name)
                    && !errors.iter().any(|e| e.field == f.name)
                {
                    errors.push(FieldError {
                        field: f.name.clone(),
                        keyword: "required".into(),
                        limit: None,
                    });
                }
            }
        }
        if !errors.is_empty() {
            return Err(ApplicationError::Invalid(errors));
        }
        let at_ts = now();
        let at = format_timestamp(&at_ts);
        let due = match calendar.add_working_days(tashkent_date(&at_ts), deadline_working_days) {
            Ok(d) => Some(d.to_string()),
            Err(e) => {
                // The application is still accepted; the missing calendar year is reported, not guessed.
                tracing::error!(reference, error = %e, "decision deadline cannot be counted");
                None
            }
        };
        let engine = process::processes(self.db, calendar);
        let mut tx = self.db.writer.begin().await?;
        let done = sqlx::query(
            "UPDATE applications SET submitted_at = $1, decision_due = $2, updated_at = $1
             WHERE id = $3 AND status = $4 AND updated_at = $5",
        )
        .bind(&at)
        .bind(&due)
        .bind(&app.id)
        .bind(app.status.code())
        .bind(&app.updated_at)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(ApplicationError::Conflict);
        }
        let submitted = Application {
            submitted_at: Some(at.clone()),
            ..app.clone()
        };
        match &app.process_instance {
            None => {
                start_process(&mut tx, &engine, &submitted, deadline_working_days).await?;
            }
            Some(instance) => {
                // Returned: the correction is the applicant's task in the process.
                let task = engine
                    .user_tasks_of(instance)
                    .await?
                    .into_iter()
                    .find(|t| t.candidate_groups.iter().any(|g| g == APPLICANT_GROUP))
                    .ok_or(ApplicationError::NoTask)?;
                let mut result = Map::new();
                result.insert("answers".into(), Value::Object(app.answers.clone()));
                engine
                    .complete_in(
                        &mut tx,
                        &task.instance_id,
                        task.wait_id as u64,
                        result,
                        Some(applicant.name()),
                    )
                    .await?;
            }
        }
        record(
            &mut tx,
            &app.id,
            &at,
            applicant,
            action,
            Some(app.status),
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        self.get(reference, Viewer::Applicant(applicant.id()))
            .await?
            .ok_or(ApplicationError::NotFound)
    }

    /// Officers' decisions (`approve`, `return`, `reject`) as (moment, action), oldest first,
    /// optionally of one service, by one officer (name) or by one agency: for statistics.
    pub async fn decisions(
        &self,
        service: Option<&str>,
        operator: Option<&str>,
        agency: Option<&str>,
    ) -> Result<Vec<(String, String)>, ApplicationError> {
        Ok(sqlx::query_as(
            "SELECT e.at, e.action FROM application_events e JOIN applications a ON a.id = e.application_id
             WHERE e.actor_kind = 'officer' AND e.action IN ('approve', 'return', 'reject')
               AND ($1 = '' OR a.service_code = $1) AND ($2 = '' OR e.actor_name = $2)
               AND ($3 = '' OR e.actor_agency = $3)
             ORDER BY e.at",
        )
        .bind(service.unwrap_or(""))
        .bind(operator.unwrap_or(""))
        .bind(agency.unwrap_or(""))
        .fetch_all(&self.db.pool)
        .await?)
    }

    /// The open user tasks of an application that an agency may work.
    pub async fn tasks_for(
        &self,
        app: &Application,
        agency: &str,
        calendar: &Calendar,
    ) -> Result<Vec<UserTask>, ApplicationError> {
        let Some(instance) = &app.process_instance else {
            return Ok(Vec::new());
        };
        Ok(process::processes(self.db, calendar)
            .user_tasks_of(instance)
            .await?
            .into_iter()
            .filter(|t| t.candidate_groups.iter().any(|g| g == agency))
            .collect())
    }

    async fn officer_task(
        &self,
        reference: &str,
        officer: &Actor,
        task: &str,
        calendar: &Calendar,
    ) -> Result<(Application, UserTask), ApplicationError> {
        let Actor::Officer { agency, .. } = officer else {
            return Err(ApplicationError::NotFound);
        };
        let app = self
            .get(reference, Viewer::Agency(agency))
            .await?
            .ok_or(ApplicationError::NotFound)?;
        let task = self
            .tasks_for(&app, agency, calendar)
            .await?
            .into_iter()
            .find(|t| t.key() == task)
            .ok_or(ApplicationError::NoTask)?;
        Ok((app, task))
    }

    /// An officer takes a task of their agency on the application: it is theirs until they
    /// decide or release it.
    pub async fn take(
        &self,
        reference: &str,
        officer: &Actor,
        task: &str,
        calendar: &Calendar,
    ) -> Result<Application, ApplicationError> {
        self.assign(reference, officer, task, calendar, true).await
    }

    /// The officer gives the task back to the agency's queue.
    pub async fn release(
        &self,
        reference: &str,
        officer: &Actor,
        task: &str,
        calendar: &Calendar,
    ) -> Result<Application, ApplicationError> {
        self.assign(reference, officer, task, calendar, false).await
    }

    async fn assign(
        &self,
        reference: &str,
        officer: &Actor,
        task: &str,
        calendar: &Calendar,
        take: bool,
    ) -> Result<Application, ApplicationError> {
        let (app, task) = self
            .officer_task(reference, officer, task, calendar)
            .await?;
        let instance = task.instance_id.as_str();
        let engine = process::processes(self.db, calendar);
        let at = format_timestamp(&now());
        let mut tx = self.db.writer.begin().await?;
        let action = if take {
            engine
                .claim_in(
                    &mut tx,
                    instance,
                    task.wait_id as u64,
                    officer.id(),
                    officer.name(),
                )
                .await?;
            Action::Take
        } else {
            engine
                .unclaim_in(&mut tx, instance, task.wait_id as u64, officer.id())
                .await?;
            Action::Release
        };
        record(
            &mut tx,
            &app.id,
            &at,
            officer,
            action,
            Some(app.status),
            None,
            Some(&task.label),
        )
        .await?;
        tx.commit().await?;
        self.get(reference, Viewer::Agency(officer_agency(officer)))
            .await?
            .ok_or(ApplicationError::NotFound)
    }

    /// An officer's decision on a review task of their agency: approve (optionally attaching
    /// the result document; otherwise the process issues one), reject with a reason, or return
    /// for correction with a comment. The task's completion, the document and the history
    /// event are one transaction; where the application goes next is the process's business.
    pub async fn decide(
        &self,
        reference: &str,
        officer: &Actor,
        task: &str,
        decision: Decision,
        calendar: &Calendar,
    ) -> Result<Application, ApplicationError> {
        let (app, task) = self
            .officer_task(reference, officer, task, calendar)
            .await?;
        if task.assignee.as_deref().is_some_and(|a| a != officer.id()) {
            return Err(ApplicationError::TaskTaken);
        }
        let comment = decision
            .comment
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        if decision.action.needs_comment() && comment.is_none() {
            return Err(ApplicationError::CommentRequired);
        }
        // Check an attached result before the transaction: a refused file changes nothing.
        let result_doc = match (decision.action, decision.result) {
            (Action::Approve, Some(upload)) => {
                let accept = vec!["application/pdf".to_owned()];
                let media = upload
                    .check(&accept, 10 * 1024 * 1024)
                    .map_err(ApplicationError::Upload)?;
                Some((upload.clean_name(), media, upload.bytes))
            }
            _ => None,
        };
        let mut vars = decision.data;
        vars.insert("decision".into(), decision.action.code().into());
        vars.insert("comment".into(), comment.clone().unwrap_or_default().into());
        let instance = task.instance_id.as_str();
        let at = format_timestamp(&now());
        let engine = process::processes(self.db, calendar);
        let mut tx = self.db.writer.begin().await?;
        if task.assignee.is_none() {
            // Deciding without taking first takes the task on the way.
            engine
                .claim_in(
                    &mut tx,
                    instance,
                    task.wait_id as u64,
                    officer.id(),
                    officer.name(),
                )
                .await?;
        }
        sqlx::query("UPDATE applications SET officer_id = $1 WHERE id = $2")
            .bind(officer.id())
            .bind(&app.id)
            .execute(&mut *tx)
            .await?;
        if let Some((file_name, media, bytes)) = result_doc {
            insert_document(
                &mut tx,
                &app.id,
                DocumentKind::Result,
                "",
                &file_name,
                &media,
                &bytes,
                &at,
            )
            .await?;
        }
        engine
            .complete_in(
                &mut tx,
                instance,
                task.wait_id as u64,
                vars,
                Some(officer.name()),
            )
            .await?;
        record(
            &mut tx,
            &app.id,
            &at,
            officer,
            decision.action,
            Some(app.status),
            comment.as_deref(),
            Some(&task.label),
        )
        .await?;
        tx.commit().await?;
        self.get(reference, Viewer::Agency(officer_agency(officer)))
            .await?
            .ok_or(ApplicationError::NotFound)
    }

    /// An application by id, for the platform's own workers (no viewer: never reachable from
    /// a request).
    pub(crate) async fn get_by_id(
        &self,
        id: &str,
    ) -> Result<Option<Application>, ApplicationError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM applications WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await?;
        Ok(row.as_ref().map(Application::from_row).transpose()?)
    }
}

/// Starts the application's process (its service's, else the standard review) inside the
/// caller's transaction and links it to the application.
async fn start_process(
    tx: &mut Tx<'static>,
    engine: &yagona_workflow::store::ProcessStore<'_>,
    app: &Application,
    deadline_working_days: u32,
) -> Result<String, ApplicationError> {
    let vars = process::variables(app, deadline_working_days);
    let instance = match engine
        .start_in(tx, &app.service_code, Some(&app.id), vars.clone())
        .await
    {
        // A service without a model of its own runs the standard review.
        Err(yagona_workflow::store::StoreError::NoDefinition(_)) => {
            engine
                .start_in(tx, process::STANDARD_PROCESS_ID, Some(&app.id), vars)
                .await?
        }
        other => other?,
    };
    sqlx::query("UPDATE applications SET process_instance = $1 WHERE id = $2")
        .bind(&instance)
        .bind(&app.id)
        .execute(&mut **tx)
        .await?;
    Ok(instance)
}

impl ApplicationStore<'_> {
    /// Applications submitted before their services ran on processes (an upgraded database)
    /// get their process now, each in one transaction, and go to their agency's inbox: none
    /// stays stuck without a task. `deadline` gives a service's statutory working days.
    pub async fn adopt_unprocessed(
        &self,
        calendar: &Calendar,
        deadline: impl Fn(&str) -> u32,
    ) -> Result<usize, ApplicationError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM applications WHERE process_instance IS NULL AND status IN ('submitted', 'in-review', 'returned')"
        ))
        .fetch_all(&self.db.pool)
        .await?;
        let engine = process::processes(self.db, calendar);
        let mut adopted = 0;
        for row in &rows {
            let app = Application::from_row(row)?;
            let mut tx = self.db.writer.begin().await?;
            match start_process(&mut tx, &engine, &app, deadline(&app.service_code)).await {
                Ok(_) => {
                    tx.commit().await?;
                    adopted += 1;
                }
                Err(ApplicationError::Db(e)) => return Err(ApplicationError::Db(e)),
                // One application whose process cannot start keeps its status and is reported;
                // it does not keep the node from starting or the others from being adopted.
                Err(e) => {
                    tracing::error!(reference = %app.reference, error = %e, "application not adopted by a process");
                }
            }
        }
        Ok(adopted)
    }
}

fn officer_agency(officer: &Actor) -> &str {
    match officer {
        Actor::Officer { agency, .. } => agency,
        _ => "",
    }
}

/// Records a history event; the status it led to is read back from the application, which the
/// process projection has already updated within the same transaction.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record(
    tx: &mut Tx<'_>,
    application_id: &str,
    at: &str,
    actor: &Actor,
    action: Action,
    from: Option<Status>,
    comment: Option<&str>,
    step: Option<&Map<String, Value>>,
) -> Result<(), sqlx::Error> {
    let to: String = sqlx::query_scalar("SELECT status FROM applications WHERE id = $1")
        .bind(application_id)
        .fetch_one(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO application_events (application_id, at, actor_kind, actor_id, actor_name, action, from_status, to_status, comment, step, actor_agency)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(application_id)
    .bind(at)
    .bind(actor.kind())
    .bind(actor.id())
    .bind(actor.name())
    .bind(action.code())
    .bind(from.map(Status::code))
    .bind(to)
    .bind(comment)
    .bind(step.map(|s| Value::Object(s.clone()).to_string()))
    .bind(match actor {
        Actor::Officer { agency, .. } => Some(agency.as_str()),
        _ => None,
    })
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_document(
    tx: &mut Tx<'_>,
    application_id: &str,
    kind: DocumentKind,
    field: &str,
    file_name: &str,
    media_type: &str,
    bytes: &[u8],
    at: &str,
) -> Result<Document, sqlx::Error> {
    let id = uuid::Uuid::new_v4().to_string();
    let sha256 = yagona_core::sha256_hex(bytes);
    sqlx::query(
        "INSERT INTO documents (id, application_id, kind, field, file_name, media_type, size, sha256, content, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&id)
    .bind(application_id)
    .bind(kind.code())
    .bind(field)
    .bind(file_name)
    .bind(media_type)
    .bind(bytes.len() as i64)
    .bind(&sha256)
    .bind(bytes.to_vec())
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(Document {
        id,
        application_id: application_id.to_owned(),
        kind,
        field: field.to_owned(),
        file_name: file_name.to_owned(),
        media_type: media_type.to_owned(),
        size: bytes.len() as i64,
        sha256,
        created_at: at.to_owned(),
    })
}

fn document_from_row(r: &AnyRow) -> Result<Document, sqlx::Error> {
    let kind: String = r.try_get("kind")?;
    Ok(Document {
        id: r.try_get("id")?,
        application_id: r.try_get("application_id")?,
        kind: if kind == "result" {
            DocumentKind::Result
        } else {
            DocumentKind::Upload
        },
        field: r.try_get("field")?,
        file_name: r.try_get("file_name")?,
        media_type: r.try_get("media_type")?,
        size: r.try_get("size")?,
        sha256: r.try_get("sha256")?,
        created_at: r.try_get("created_at")?,
    })
}

//! What an application is, as every channel sees it: the application, its history, the facts
//! registers gave for it, who may read it, and what can go wrong.

use crate::documents::UploadError;
use crate::status::{Action, Holder, Status};
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Map, Value};
use yagona_core::{rfc3339, tashkent_date, Pinfl, ReferenceNumber, Timestamp};
use yagona_db::DbError;
use yagona_forms::FieldError;
use yagona_workflow::store::UserTask;

/// What a state register said about the applicant, fetched through the exchange for an
/// application (the "once only" principle): shown with its source, kept as evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fact {
    /// The fact source's key (the registry's `facts.toml`): `person`, `residence`.
    pub source: String,
    /// The exchange service that answered (`X-Road-Service`).
    pub service: String,
    /// `X-Road-Request-Id` of the call: its request and response are in the message log.
    pub request_id: String,
    #[serde(with = "rfc3339")]
    pub fetched_at: Timestamp,
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
    #[error("no such service, or it cannot be applied for online")]
    NoService,
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
    #[error("no document uploaded with this address for {0:?}")]
    NoStagedDocument(String),
    #[error("a reason is required")]
    CommentRequired,
    #[error("the service's form cannot be used: {0}")]
    BrokenForm(String),
    #[error("the e-form has a newer version: fill in {0}")]
    FormOutdated(String),
    #[error("the task's form {0:?} cannot be completed here")]
    UnknownTaskForm(String),
    #[error("no such task on this application, or not for your agency")]
    NoTask,
    #[error("the task is assigned to someone else")]
    TaskTaken,
    #[error("the process cannot go on: {0}")]
    Process(String),
    #[error("the result document is no longer valid (revoked or superseded)")]
    ResultClosed,
    #[error("a link is shared for 1, 7 or 30 days")]
    ShareDuration,
    #[error("the result document cannot be made: {0}")]
    ResultDocument(String),
    /// Another application for the same subject (the same child, for a birth) is active or
    /// approved, and the service stops duplicates. `reference` names it only when it is the
    /// applicant's own: another person's application is never named.
    #[error("an application for the same subject is already in")]
    Duplicate { reference: Option<ReferenceNumber> },
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
    Applicant(&'a Pinfl),
    Agency(&'a str),
}

#[derive(Debug, Clone, Serialize)]
pub struct Application {
    pub id: String,
    pub reference: ReferenceNumber,
    pub applicant_pinfl: Pinfl,
    pub applicant_name: String,
    pub service_code: String,
    pub service_version: i64,
    pub agency_code: String,
    pub status: Status,
    pub answers: Map<String, Value>,
    pub officer_id: Option<String>,
    pub officer_name: Option<String>,
    #[serde(with = "rfc3339")]
    pub created_at: Timestamp,
    #[serde(with = "rfc3339")]
    pub updated_at: Timestamp,
    #[serde(with = "rfc3339::option")]
    pub submitted_at: Option<Timestamp>,
    pub decision_due: Option<NaiveDate>,
    #[serde(with = "rfc3339::option")]
    pub decided_at: Option<Timestamp>,
    /// The process instance that runs the application (from submission on).
    pub process_instance: Option<String>,
    /// Where the process is, as labels by language (`uz`, `uz-Cyrl`, `ru`, `en`, `name`).
    pub current_step: Option<Map<String, Value>>,
    /// The agency whose task is open now (the service's agency when none is).
    pub holder_agency: Option<String>,
    /// The language the applicant submitted in: their result document is written in it.
    pub locale: Option<yagona_core::Locale>,
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
}

#[derive(Debug, Clone, Serialize)]
pub struct ApplicationEvent {
    #[serde(with = "rfc3339")]
    pub at: Timestamp,
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

/// An officer's decision on a task, as a channel received it: checked by
/// [`crate::Applications::decide`] against the review form and the task's own form, whatever
/// the channel.
#[derive(Debug, Default)]
pub struct Decision {
    /// `approve`, `reject` or `return`, as sent.
    pub decision: Option<String>,
    pub comment: Option<String>,
    /// For an approval: the result document the officer attached; without one the platform
    /// generates a PDF from the context.
    pub result: Option<crate::Upload>,
    /// What the officer recorded on the task's own form, set as process variables.
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
        task_overdue(&self.task, self.application.decision_due, day)
    }

    /// The task's own due moment, else the application's statutory deadline (end of that day,
    /// Tashkent time), as a date.
    pub fn due(&self) -> Option<NaiveDate> {
        task_due(&self.task, self.application.decision_due)
    }
}

/// [`InboxItem::due`] of a task whose application must be decided by `decision_due` (the inbox
/// picks its page with this before it reads the applications themselves).
pub(crate) fn task_due(task: &UserTask, decision_due: Option<NaiveDate>) -> Option<NaiveDate> {
    task.due_at
        .map(|t| tashkent_date(&(t - chrono::Duration::seconds(1))))
        .or(decision_due)
}

/// [`InboxItem::overdue`] of a task whose application must be decided by `decision_due`.
pub(crate) fn task_overdue(
    task: &UserTask,
    decision_due: Option<NaiveDate>,
    day: NaiveDate,
) -> bool {
    task.escalated_at.is_some() || task_due(task, decision_due).is_some_and(|due| due < day)
}

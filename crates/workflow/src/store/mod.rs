//! Durable execution: process definitions, instances and their waits in the database.
//!
//! Every change to an instance is one transaction: the instance's new state (with an optimistic
//! revision check), the waits that appeared or went away, and the history events. Several nodes
//! may share one database: a job or a due timer is claimed by a conditional update that only one
//! node can win, and an instance changed by another node meanwhile is reported as a conflict,
//! never overwritten. A node killed at any moment loses nothing that was committed and repeats
//! nothing: an uncommitted step simply did not happen, and a claimed job whose worker died is
//! offered again when its lock expires.
//!
//! Where to start: [`ProcessStore`] is the store. [`ProcessStore::deploy`] stores a model,
//! [`ProcessStore::start`] starts an instance, and everything that happens to it afterwards
//! ([`ProcessStore::complete`], [`ProcessStore::trigger`], a job's completion, a message, a
//! due timer) is one step: the instance is loaded, the engine ([`crate::engine`]) moves it, and
//! its new state is saved with the step's waits and history. The code is split by concern:
//!
//! - `schema`: the tables ([`MIGRATIONS`]);
//! - `deploy`: deploying process and decision definitions, and reading them back;
//! - `steps`: loading an instance, applying one event and saving it; the per-node cache of
//!   instance states;
//! - `start`: starting instances, and the processes that call activities call;
//! - `write`: the rows a step writes (its waits and history events);
//! - `tasks`: user tasks, inboxes, claiming (each claim in the history);
//! - `jobs`: jobs and the workers that do them;
//! - `timers`: when timers fall due, and firing them;
//! - `messages`: correlating messages;
//! - `history`: status, history, the history for XES, diagram, decision results.
//!
//! Invariants every change must keep:
//!
//! - one step, one transaction: the instance's state, its waits, its history events and the
//!   [`StepHook`] are written together or not at all;
//! - a state is saved only if its revision is still the one that was read (optimistic
//!   revisions); otherwise the step fails with [`StoreError::Conflict`]. A state this node
//!   remembers is only a guess checked the same way;
//! - a job, a due timer, a timer start event's repetition or a user task is claimed by a
//!   conditional `UPDATE`: the one whose update changed the row has it;
//! - [`MIGRATIONS`] only grow: a migration that has been applied never changes.

mod deploy;
mod history;
mod incidents;
mod jobs;
mod messages;
mod schema;
mod signals;
mod start;
mod steps;
mod tasks;
mod timers;
mod write;

pub use incidents::{Action as IncidentAction, Incident};
pub use schema::MIGRATIONS;
pub use tasks::tree_user_tasks;
pub use timers::{timer_due, timer_problem};

use crate::engine::{EngineError, Instance, Step};
use crate::feel::Expressions;
use crate::model::Definitions;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value as Json};
use std::sync::Arc;
use yagona_calendar::Calendar;
use yagona_core::format_timestamp;
use yagona_db::{Db, DbError};

/// What a message did when it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Correlation {
    /// An instance with the business key was waiting for it.
    Delivered(String),
    /// Nobody waited, and it started a new instance at a process's message start event.
    Started(String),
    /// It would start a process that already runs for this business key: as in Zeebe, one
    /// active instance per key — a client that sends the same message twice starts one.
    AlreadyRunning(String),
    /// Nobody waited and no process starts with it.
    Unmatched,
    /// Nobody waited yet: kept (this id) for its time to live, for the first wait that opens.
    Buffered(String),
}

/// An agency system allowed to work jobs of some types through the job worker API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Worker {
    pub name: String,
    pub job_types: Vec<String>,
}

impl Worker {
    pub fn may_work(&self, job_type: &str) -> bool {
        self.job_types.iter().any(|t| t == job_type || t == "*")
    }
}

fn hash(source: &str) -> String {
    yagona_core::sha256_hex(source.as_bytes())
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("the model cannot be deployed: {0}")]
    Unrunnable(String),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("no process instance {0}")]
    NoInstance(String),
    #[error("no deployed process {0:?}")]
    NoDefinition(String),
    #[error("the instance was changed by another node meanwhile; try again")]
    Conflict,
    #[error("the task is assigned to someone else")]
    TaskTaken,
    #[error("decision {0:?} is not deployed")]
    NoDecision(String),
    #[error(transparent)]
    Decision(#[from] crate::dmn::DmnError),
    #[error("the job is not locked by this worker (it may have timed out and gone to another)")]
    NotYourJob,
    /// The step met what the model cannot go past: recorded for an administrator, who can
    /// correct variables and retry it. Nothing of the step happened.
    #[error("the process could not go on at {element:?}: {message} — incident {id} is recorded and waits for an administrator")]
    Incident {
        id: String,
        element: String,
        message: String,
    },
    #[error("no open incident {0}")]
    NoIncident(String),
    #[error("the job failed and has no retries left: {0}")]
    JobFailed(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Db(DbError::Sqlx(e))
    }
}

#[derive(Clone)]
struct Loaded {
    revision: i64,
    business_key: Option<String>,
    parent: Option<(String, u64)>,
    root: String,
    defs: Arc<Definitions>,
    instance: Instance,
}

/// A job handed to a worker.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ActivatedJob {
    pub instance_id: String,
    pub wait_id: i64,
    pub element_id: String,
    pub job_type: String,
    pub business_key: Option<String>,
    pub retries: i64,
    /// The instance's variables with the task's inputs on top.
    pub variables: Map<String, Json>,
    /// The task's `zeebe:taskHeaders`: static settings of the job (a notification's template).
    pub headers: Map<String, Json>,
}

/// A write transaction on the store's database.
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// What an instance looks like right after a step, for whoever keeps a view of it.
pub struct StepView<'a> {
    pub instance_id: &'a str,
    /// The instance at the top of a call hierarchy (the instance itself when not called).
    pub root_instance: &'a str,
    pub business_key: Option<&'a str>,
    pub defs: &'a Definitions,
    pub instance: &'a Instance,
    pub step: &'a Step,
    /// Who made the step (a person's name, a worker), if anyone.
    pub resource: Option<&'a str>,
    pub at: DateTime<Utc>,
}

/// Called inside the transaction of every step (start, completion, timer, message, error,
/// claim), so that a view kept elsewhere — an application's status — changes with the instance
/// or not at all.
pub trait StepHook: Send + Sync {
    fn after_step<'a>(
        &'a self,
        tx: &'a mut Tx,
        view: StepView<'a>,
    ) -> futures::future::BoxFuture<'a, Result<(), StoreError>>;
}

#[derive(Clone, Copy)]
pub struct ProcessStore<'a> {
    pub db: &'a Db,
    pub expr: &'a dyn Expressions,
    /// Keeps other components' views in step with instances.
    pub hook: Option<&'a dyn StepHook>,
    /// The holiday calendar for `yagona:calendar="working-days"` timers.
    pub calendar: Option<&'a Calendar>,
}

impl UserTask {
    /// The task's key, unique across instances and the processes they call: `INSTANCE:WAIT`.
    pub fn key(&self) -> String {
        format!("{}:{}", self.instance_id, self.wait_id)
    }
}

/// A user task as an inbox shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UserTask {
    pub instance_id: String,
    pub wait_id: i64,
    pub element_id: String,
    pub candidate_groups: Vec<String>,
    pub assignee: Option<String>,
    pub assignee_name: Option<String>,
    pub form_key: Option<String>,
    #[serde(with = "yagona_core::rfc3339::option")]
    pub due_at: Option<yagona_core::Timestamp>,
    #[serde(with = "yagona_core::rfc3339")]
    pub created_at: yagona_core::Timestamp,
    /// What people call the task: see [`crate::model::FlowElement::labels`].
    pub label: Map<String, Json>,
    /// When a non-interrupting timer on the task's boundary fired (its deadline passed).
    #[serde(with = "yagona_core::rfc3339::option")]
    pub escalated_at: Option<yagona_core::Timestamp>,
}

/// Which open user tasks an inbox lists.
#[derive(Debug, Clone, Copy)]
pub struct TaskQuery<'a> {
    /// The candidate group offered the tasks.
    pub group: &'a str,
    /// `Some(Some(id))`: assigned to this person; `Some(None)`: assigned to nobody.
    pub assignee: Option<Option<&'a str>>,
    /// Only tasks of instances with one of these business keys.
    pub business_keys: Option<&'a [String]>,
}

/// An open user task and the business key of its instance.
#[derive(Debug, Clone)]
pub struct OpenTask {
    pub business_key: Option<String>,
    pub task: UserTask,
}

/// `a,b` or `=["a","b"]` (Camunda writes both) as a list of groups.
pub fn split_groups(raw: &str) -> Vec<String> {
    raw.trim_start_matches('=')
        .trim_matches(|c| c == '[' || c == ']')
        .split(',')
        .map(|g| g.trim().trim_matches('"').trim().to_owned())
        .filter(|g| !g.is_empty())
        .collect()
}

fn ts(t: &DateTime<Utc>) -> String {
    format_timestamp(t)
}

impl<'a> ProcessStore<'a> {
    pub async fn migrate(db: &Db) -> Result<(), DbError> {
        db.migrate("workflow", MIGRATIONS).await
    }

    pub fn new(db: &'a Db, expr: &'a dyn Expressions) -> Self {
        ProcessStore {
            db,
            expr,
            hook: None,
            calendar: None,
        }
    }

    pub fn with_hook(self, hook: &'a dyn StepHook) -> Self {
        ProcessStore {
            hook: Some(hook),
            ..self
        }
    }

    pub fn with_calendar(self, calendar: &'a Calendar) -> Self {
        ProcessStore {
            calendar: Some(calendar),
            ..self
        }
    }
}

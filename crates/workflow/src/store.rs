//! Durable execution: process definitions, instances and their waits in the database.
//!
//! Every change to an instance is one transaction: the instance's new state (with an optimistic
//! revision check), the waits that appeared or went away, and the history events. Several nodes
//! may share one database: a job or a due timer is claimed by a conditional update that only one
//! node can win, and an instance changed by another node meanwhile is reported as a conflict,
//! never overwritten. A node killed at any moment loses nothing that was committed and repeats
//! nothing: an uncommitted step simply did not happen, and a claimed job whose worker died is
//! offered again when its lock expires.

use crate::engine::{EngineError, Instance, Step, Wait, WaitKind};
use crate::feel::Expressions;
use crate::model::{Definitions, Kind};
use chrono::{DateTime, Duration, Months, Utc};
use serde_json::{Map, Value as Json};
use sqlx::Row;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use yagona_calendar::Calendar;
use yagona_core::format_timestamp;
use yagona_db::{Batch, Db, DbError, Migration, Outcome, Value};

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
];

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

/// Parsed models by content fingerprint: a deployed version never changes, so it is parsed once
/// per process.
fn parsed() -> &'static Mutex<HashMap<String, Arc<Definitions>>> {
    static PARSED: OnceLock<Mutex<HashMap<String, Arc<Definitions>>>> = OnceLock::new();
    PARSED.get_or_init(Default::default)
}

/// Instances as this node last committed them, so that the next step on an instance need not
/// read it back. A remembered state is only a guess: the revision check when the step is saved
/// catches a change made elsewhere (another node, another process on the same file), and the
/// step is then done again from the stored state.
fn states() -> &'static Mutex<hashlink::LruCache<String, Loaded>> {
    static STATES: OnceLock<Mutex<hashlink::LruCache<String, Loaded>>> = OnceLock::new();
    STATES.get_or_init(|| Mutex::new(hashlink::LruCache::new(4096)))
}

fn remembered(instance_id: &str) -> Option<Loaded> {
    states()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(instance_id)
        .cloned()
}

fn remember(instance_id: &str, loaded: Loaded) {
    states()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(instance_id.to_owned(), loaded);
}

fn forget(instance_id: &str) {
    states()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(instance_id);
}

fn cached(fingerprint: &str) -> Option<Arc<Definitions>> {
    parsed()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(fingerprint)
        .cloned()
}

/// A fresh random token (256 bits, hex) for a worker client.
fn yagona_core_token() -> String {
    let a = uuid::Uuid::new_v4().simple().to_string();
    let b = uuid::Uuid::new_v4().simple().to_string();
    format!("yw_{a}{b}")
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
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Db(DbError::Sqlx(e))
    }
}

/// The columns of a new `process_waits` row (after the instance id).
struct WaitRow {
    wait_id: i64,
    element: String,
    kind: &'static str,
    job_type: Option<String>,
    groups: Option<String>,
    message: Option<String>,
    due: Option<String>,
    inputs: String,
    retries: i64,
    created_at: String,
    form_key: Option<String>,
    label: Option<String>,
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

fn user_task_from_row(r: &sqlx::any::AnyRow) -> Result<UserTask, StoreError> {
    let groups: Option<String> = r.try_get(3)?;
    Ok(UserTask {
        instance_id: r.try_get(0)?,
        wait_id: r.try_get(1)?,
        element_id: r.try_get(2)?,
        candidate_groups: groups.as_deref().map(split_groups).unwrap_or_default(),
        assignee: r.try_get(4)?,
        assignee_name: r.try_get(5)?,
        form_key: r.try_get(6)?,
        due_at: r.try_get(7)?,
        created_at: r.try_get(8)?,
        label: r
            .try_get::<Option<String>, _>(9)?
            .and_then(|l| serde_json::from_str(&l).ok())
            .unwrap_or_default(),
        escalated_at: r.try_get(10)?,
    })
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
    pub due_at: Option<String>,
    pub created_at: String,
    /// What people call the task: see [`crate::model::FlowElement::labels`].
    pub label: Map<String, Json>,
    /// When a non-interrupting timer on the task's boundary fired (its deadline passed).
    pub escalated_at: Option<String>,
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

/// The version a deployment gets in `table` (keyed by `key_column`): the latest one when its
/// content is the same, the next one otherwise; and whether that version must be stored.
async fn next_version(
    tx: &mut Tx,
    table: &str,
    key_column: &str,
    key: &str,
    fingerprint: &str,
) -> Result<(i64, bool), StoreError> {
    let latest: Option<(i64, String)> = sqlx::query_as(&format!(
        "SELECT version, content_hash FROM {table} WHERE {key_column} = $1 ORDER BY version DESC LIMIT 1"
    ))
    .bind(key)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match latest {
        Some((v, h)) if h == fingerprint => (v, false),
        Some((v, _)) => (v + 1, true),
        None => (1, true),
    })
}

/// Moves a timer start event's due time from `slot.3` to `next`: whoever does it (one node
/// only) has this repetition.
async fn claim_timer_start(
    tx: &mut Tx,
    slot: (&str, i64, &str, &str),
    next: Option<&str>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE process_timer_starts SET due_at = $1, fired = fired + 1
         WHERE process_id = $2 AND version = $3 AND element_id = $4 AND due_at = $5",
    )
    .bind(next)
    .bind(slot.0)
    .bind(slot.1)
    .bind(slot.2)
    .bind(slot.3)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// When a timer falls due, from its ISO 8601 date, duration or cycle (the first repetition).
pub fn timer_due(
    what: &WaitKind,
    now: DateTime<Utc>,
    vars: &Map<String, Json>,
    expr: &dyn Expressions,
    calendar: Option<&Calendar>,
) -> Option<DateTime<Utc>> {
    let WaitKind::Timer {
        date,
        duration,
        cycle,
        working_days,
    } = what
    else {
        return None;
    };
    let text = |e: &Option<String>| {
        e.as_ref().and_then(|e| match expr.evaluate(e, vars) {
            Ok(Json::String(s)) => Some(s),
            _ => None,
        })
    };
    if let Some(d) = text(date) {
        return DateTime::parse_from_rfc3339(&d)
            .ok()
            .map(|t| t.with_timezone(&Utc));
    }
    let period = text(duration)
        .or_else(|| text(cycle).map(|c| c.rsplit('/').next().unwrap_or_default().to_owned()))?;
    let parsed = iso8601::duration(&period).ok()?;
    if *working_days {
        if let (
            iso8601::Duration::YMDHMS {
                year: 0,
                month: 0,
                day,
                hour: 0,
                minute: 0,
                second: 0,
                millisecond: 0,
            },
            Some(cal),
        ) = (parsed, calendar)
        {
            // The deadline is the end of the n-th working day, Tashkent time: the timer fires
            // when the next day begins there (UTC+5, no daylight saving).
            if let Ok(last) = cal.add_working_days(yagona_core::tashkent_date(&now), day) {
                let midnight = last.succ_opt()?.and_hms_opt(0, 0, 0)?;
                return Some(midnight.and_utc() - Duration::hours(5));
            }
        }
        // A year the calendar does not cover yet, or a duration that is not whole days:
        // counted in calendar days rather than never firing.
    }
    // A cycle with a start (`R/2027-01-04T04:00:00Z/P1D`): the first repetition after now.
    let start = text(duration)
        .is_none()
        .then(|| text(cycle))
        .flatten()
        .and_then(|c| {
            let parts: Vec<&str> = c.split('/').collect();
            (parts.len() == 3)
                .then(|| DateTime::parse_from_rfc3339(parts[1]).ok())
                .flatten()
        });
    if let Some(start) = start {
        let mut t = start.with_timezone(&Utc);
        for _ in 0..1_000_000 {
            if t > now {
                return Some(t);
            }
            t = after(t, parsed)?;
        }
        return None;
    }
    after(now, parsed)
}

/// A moment plus an ISO 8601 duration (months and years by the calendar).
fn after(now: DateTime<Utc>, period: iso8601::Duration) -> Option<DateTime<Utc>> {
    match period {
        iso8601::Duration::Weeks(w) => now.checked_add_signed(Duration::weeks(w.into())),
        iso8601::Duration::YMDHMS {
            year,
            month,
            day,
            hour,
            minute,
            second,
            millisecond,
        } => now
            .checked_add_months(Months::new(year * 12 + month))?
            .checked_add_signed(
                Duration::days(day.into())
                    + Duration::hours(hour.into())
                    + Duration::minutes(minute.into())
                    + Duration::seconds(second.into())
                    + Duration::milliseconds(millisecond.into()),
            ),
    }
}

impl<'a> ProcessStore<'a> {
    pub async fn migrate(db: &Db) -> Result<(), DbError> {
        db.migrate("workflow", MIGRATIONS).await
    }

    /// Deploys every executable process of a BPMN file. Deploying the same file again changes
    /// nothing; a changed file makes a new version, and running instances stay on theirs.
    pub async fn deploy(&self, source: &str) -> Result<Vec<(String, i64)>, StoreError> {
        let defs = crate::read(source)
            .map_err(|e| StoreError::Unrunnable(format!("line {}: {e}", e.line())))?;
        let findings = crate::check(&defs);
        let blocking: Vec<String> = findings
            .iter()
            .filter(|f| !(f.element == "process" && f.reason.starts_with("isExecutable")))
            .map(|f| format!("line {}: {} ({}): {}", f.line, f.id, f.element, f.reason))
            .collect();
        if !blocking.is_empty() {
            return Err(StoreError::Unrunnable(blocking.join("; ")));
        }
        let fingerprint = hash(source);
        let now = ts(&Utc::now());
        let mut out = Vec::new();
        let mut tx = self.db.writer.begin().await?;
        for p in defs.processes.iter().filter(|p| p.executable) {
            let (version, new) = next_version(
                &mut tx,
                "process_definitions",
                "process_id",
                &p.id,
                &fingerprint,
            )
            .await?;
            if new {
                sqlx::query("INSERT INTO process_definitions (process_id, version, source, content_hash, deployed_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&p.id)
                    .bind(version)
                    .bind(source)
                    .bind(&fingerprint)
                    .bind(&now)
                    .execute(&mut *tx)
                    .await?;
                // A new version's timer start events replace the old version's (as in Zeebe).
                sqlx::query("DELETE FROM process_timer_starts WHERE process_id = $1")
                    .bind(&p.id)
                    .execute(&mut *tx)
                    .await?;
                for e in &p.scope.elements {
                    if let Kind::StartEvent {
                        trigger: trigger @ crate::model::Trigger::Timer { .. },
                        ..
                    } = &e.kind
                    {
                        let what = WaitKind::of_trigger(trigger);
                        let due =
                            timer_due(&what, Utc::now(), &Map::new(), self.expr, self.calendar);
                        sqlx::query("INSERT INTO process_timer_starts (process_id, version, element_id, due_at, fired) VALUES ($1, $2, $3, $4, 0)")
                            .bind(&p.id)
                            .bind(version)
                            .bind(&e.id)
                            .bind(due.map(|d| ts(&d)))
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                // The messages that start this version, found when a message arrives.
                for e in &p.scope.elements {
                    if let Kind::StartEvent {
                        trigger: crate::model::Trigger::Message { message },
                        ..
                    } = &e.kind
                    {
                        let name = message
                            .as_ref()
                            .and_then(|m| defs.messages.iter().find(|x| &x.id == m))
                            .and_then(|m| m.name.clone().or(Some(m.id.clone())));
                        if let Some(name) = name {
                            sqlx::query("INSERT INTO process_message_starts (message_name, process_id, version, element_id) VALUES ($1, $2, $3, $4)")
                                .bind(name)
                                .bind(&p.id)
                                .bind(version)
                                .bind(&e.id)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                }
            }
            out.push((p.id.clone(), version));
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Deploys every decision of a DMN file. An unchanged decision keeps its version; a changed
    /// one gets a new version, which business-rule tasks use from then on.
    pub async fn deploy_decisions(&self, source: &str) -> Result<Vec<(String, i64)>, StoreError> {
        let decisions = crate::dmn::read(source)?;
        let fingerprint = hash(source);
        let now = ts(&Utc::now());
        let mut out = Vec::new();
        let mut tx = self.db.writer.begin().await?;
        for d in &decisions {
            let (version, new) = next_version(
                &mut tx,
                "process_decisions",
                "decision_id",
                &d.id,
                &fingerprint,
            )
            .await?;
            if new {
                sqlx::query("INSERT INTO process_decisions (decision_id, version, source, content_hash, deployed_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&d.id)
                    .bind(version)
                    .bind(source)
                    .bind(&fingerprint)
                    .bind(&now)
                    .execute(&mut *tx)
                    .await?;
            }
            out.push((d.id.clone(), version));
        }
        tx.commit().await?;
        Ok(out)
    }

    /// The latest deployed version of a decision (parsed once per content).
    async fn decision(&self, id: &str) -> Result<Arc<crate::dmn::Decision>, StoreError> {
        static DECISIONS: OnceLock<Mutex<HashMap<String, Arc<crate::dmn::Decision>>>> =
            OnceLock::new();
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT content_hash, source FROM process_decisions WHERE decision_id = $1 ORDER BY version DESC LIMIT 1",
        )
        .bind(id)
        .fetch_optional(&self.db.pool)
        .await?;
        let (fingerprint, source) = row.ok_or_else(|| StoreError::NoDecision(id.to_owned()))?;
        let key = format!("{fingerprint}/{id}");
        let cache = DECISIONS.get_or_init(Default::default);
        if let Some(d) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(d.clone());
        }
        let d = crate::dmn::read(&source)?
            .into_iter()
            .find(|d| d.id == id)
            .map(Arc::new)
            .ok_or_else(|| StoreError::NoDecision(id.to_owned()))?;
        cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, d.clone());
        Ok(d)
    }

    /// Does, within the same step, the work that needs no one: business-rule tasks that call a
    /// deployed decision are evaluated and completed at once (their result in
    /// `resultVariable`). A decision that fails or is missing fails the whole step.
    async fn settle(
        &self,
        instance: &mut Instance,
        defs: &Definitions,
        step: &mut Step,
    ) -> Result<(), StoreError> {
        for _ in 0..1000 {
            let next = instance.waits.iter().find_map(|w| {
                let e = defs
                    .processes
                    .iter()
                    .flat_map(|p| p.scope.walk())
                    .find(|e| e.id == w.element)?;
                match (&e.kind, &e.zeebe.called_decision, &e.zeebe.task_type) {
                    (Kind::BusinessRuleTask, Some(d), None) => Some((
                        w.id,
                        w.inputs.clone(),
                        d.clone(),
                        e.zeebe
                            .result_variable
                            .clone()
                            .unwrap_or_else(|| "result".into()),
                    )),
                    _ => None,
                }
            });
            let Some((wait, inputs, decision, var)) = next else {
                return Ok(());
            };
            let d = self.decision(&decision).await?;
            let mut vars = instance.variables.clone();
            vars.extend(inputs);
            let value = d.evaluate(&vars, self.expr)?;
            let mut result = Map::new();
            result.insert(var, value);
            let more = instance.complete(defs, wait, result, self.expr)?;
            step.completed.extend(more.completed);
            step.new_waits.extend(more.new_waits);
            step.cancelled_waits.extend(more.cancelled_waits);
            step.cancelled_waits.push(wait);
        }
        Err(StoreError::Engine(EngineError::TooManySteps(1000)))
    }

    async fn definitions(
        &self,
        process_id: &str,
        version: Option<i64>,
    ) -> Result<(i64, Arc<Definitions>), StoreError> {
        let row: Option<(i64, String)> = match version {
            Some(v) => sqlx::query_as("SELECT version, content_hash FROM process_definitions WHERE process_id = $1 AND version = $2")
                .bind(process_id)
                .bind(v)
                .fetch_optional(&self.db.pool)
                .await?,
            None => sqlx::query_as("SELECT version, content_hash FROM process_definitions WHERE process_id = $1 ORDER BY version DESC LIMIT 1")
                .bind(process_id)
                .fetch_optional(&self.db.pool)
                .await?,
        };
        let (v, fingerprint) =
            row.ok_or_else(|| StoreError::NoDefinition(process_id.to_owned()))?;
        if let Some(d) = cached(&fingerprint) {
            return Ok((v, d));
        }
        let source: String = sqlx::query_scalar(
            "SELECT source FROM process_definitions WHERE process_id = $1 AND version = $2",
        )
        .bind(process_id)
        .bind(v)
        .fetch_one(&self.db.pool)
        .await?;
        let defs =
            Arc::new(crate::read(&source).map_err(|e| StoreError::Unrunnable(e.to_string()))?);
        parsed()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(fingerprint, defs.clone());
        Ok((v, defs))
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

    /// Starts an instance of the latest version; `business_key` ties it to an application.
    pub async fn start(
        &self,
        process_id: &str,
        business_key: Option<&str>,
        variables: Map<String, Json>,
    ) -> Result<String, StoreError> {
        Ok(self
            .start_step(process_id, business_key, variables)
            .await?
            .0)
    }

    /// [`Self::start`], telling also what the first step did (the waits it opened).
    pub async fn start_step(
        &self,
        process_id: &str,
        business_key: Option<&str>,
        variables: Map<String, Json>,
    ) -> Result<(String, Step), StoreError> {
        let first = self.first_step(process_id, variables).await?;
        loop {
            let mut slot = self.db.join_group().await?;
            let done = self
                .insert_first(slot.tx(), process_id, business_key, &first)
                .await;
            match slot.finish(done.is_ok()).await? {
                Outcome::Retry => continue,
                Outcome::RolledBack | Outcome::Committed => {}
            }
            let id = done?;
            let (_, defs, instance, step) = first;
            remember(
                &id,
                Loaded {
                    revision: 1,
                    business_key: business_key.map(str::to_owned),
                    parent: None,
                    root: id.clone(),
                    defs,
                    instance,
                },
            );
            return Ok((id, step));
        }
    }

    /// [`Self::start`] inside the caller's transaction (an application submitted and its
    /// process started, together or not at all).
    pub async fn start_in(
        &self,
        tx: &mut Tx,
        process_id: &str,
        business_key: Option<&str>,
        variables: Map<String, Json>,
    ) -> Result<String, StoreError> {
        let first = self.first_step(process_id, variables).await?;
        self.insert_first(tx, process_id, business_key, &first)
            .await
    }

    /// A new instance of the latest version, run up to its first waits (nothing stored yet).
    async fn first_step(
        &self,
        process_id: &str,
        variables: Map<String, Json>,
    ) -> Result<(i64, Arc<Definitions>, Instance, Step), StoreError> {
        let (version, defs) = self.definitions(process_id, None).await?;
        let (mut instance, mut step) =
            Instance::start(&defs, Some(process_id), variables, self.expr)?;
        self.settle(&mut instance, &defs, &mut step).await?;
        Ok((version, defs, instance, step))
    }

    async fn insert_first(
        &self,
        tx: &mut Tx,
        process_id: &str,
        business_key: Option<&str>,
        (version, defs, instance, step): &(i64, Arc<Definitions>, Instance, Step),
    ) -> Result<String, StoreError> {
        self.insert_instance(
            tx,
            process_id,
            *version,
            defs,
            business_key,
            instance,
            step,
            None,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert_instance(
        &self,
        tx: &mut Tx,
        process_id: &str,
        version: i64,
        defs: &Definitions,
        business_key: Option<&str>,
        instance: &Instance,
        step: &Step,
        caller: Option<(&str, u64, &str)>,
    ) -> Result<String, StoreError> {
        let id = uuid::Uuid::now_v7().to_string();
        let now = Utc::now();
        let root = caller.map(|c| c.2.to_owned()).unwrap_or_else(|| id.clone());
        let mut batch = Batch::new();
        batch.push(
            "INSERT INTO process_instances (id, process_id, version, business_key, state, status, revision, started_at, updated_at, ended_at, parent_instance, parent_wait, root_instance)
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7, $8, $9, $10, $11)",
            vec![
                id.as_str().into(),
                process_id.into(),
                Value::Int(version),
                business_key.into(),
                serde_json::to_string(instance).expect("instances serialise").into(),
                (if instance.ended { "completed" } else { "active" }).into(),
                ts(&now).into(),
                instance.ended.then(|| ts(&now)).into(),
                caller.map(|c| c.0).into(),
                caller.map(|c| c.1 as i64).into(),
                root.as_str().into(),
            ],
        );
        self.write_step(&mut batch, &id, defs, instance, step, None, now);
        batch.run(self.db.backend, tx).await?;
        if let Some(hook) = self.hook {
            hook.after_step(
                tx,
                StepView {
                    instance_id: &id,
                    root_instance: &root,
                    business_key,
                    defs,
                    instance,
                    step,
                    resource: None,
                    at: now,
                },
            )
            .await?;
        }
        let parent = caller.map(|c| (c.0.to_owned(), c.1));
        self.follow_calls(
            tx,
            &id,
            &root,
            business_key,
            defs,
            instance,
            step,
            parent.as_ref(),
        )
        .await?;
        Ok(id)
    }

    /// Call activities: starts the called process for each call activity the step reached (in
    /// the same transaction, as a child of this instance with the same business key), and,
    /// when this instance is a child that has just ended, completes its caller's call activity
    /// with the child's variables.
    #[allow(clippy::too_many_arguments)]
    fn follow_calls<'b>(
        &'b self,
        tx: &'b mut Tx,
        id: &'b str,
        root: &'b str,
        business_key: Option<&'b str>,
        defs: &'b Definitions,
        instance: &'b Instance,
        step: &'b Step,
        parent: Option<&'b (String, u64)>,
    ) -> futures::future::BoxFuture<'b, Result<(), StoreError>> {
        Box::pin(async move {
            for w in &step.new_waits {
                if !instance.waits.iter().any(|x| x.id == w.id) {
                    continue;
                }
                let Some(e) = defs
                    .processes
                    .iter()
                    .flat_map(|p| p.scope.walk())
                    .find(|e| e.id == w.element && matches!(e.kind, Kind::CallActivity))
                else {
                    continue;
                };
                let called = e.zeebe.called_process.clone().unwrap_or_default();
                let called = if called.starts_with('=') {
                    match self.expr.evaluate(&called, &instance.variables) {
                        Ok(Json::String(s)) => s,
                        _ => {
                            return Err(StoreError::Unrunnable(format!(
                                "{}: the called process {called:?} does not name a process",
                                e.id
                            )))
                        }
                    }
                } else {
                    called
                };
                let (version, child_defs) = self.definitions(&called, None).await?;
                let vars = if w.inputs.is_empty() {
                    instance.variables.clone()
                } else {
                    w.inputs.clone()
                };
                let (mut child, mut child_step) =
                    Instance::start(&child_defs, Some(&called), vars, self.expr)?;
                self.settle(&mut child, &child_defs, &mut child_step)
                    .await?;
                self.insert_instance(
                    tx,
                    &called,
                    version,
                    &child_defs,
                    business_key,
                    &child,
                    &child_step,
                    Some((id, w.id, root)),
                )
                .await?;
            }
            if let (true, Some((caller, wait))) = (instance.ended, parent) {
                self.complete_in(tx, caller, *wait, instance.variables.clone(), None)
                    .await?;
            }
            Ok(())
        })
    }

    /// Adds a step's writes to `batch`: the waits that went away, the new ones, and the history
    /// events — one statement per kind of change, however many rows.
    #[allow(clippy::too_many_arguments)]
    fn write_step(
        &self,
        batch: &mut Batch,
        id: &str,
        defs: &Definitions,
        instance: &Instance,
        step: &Step,
        resource: Option<&str>,
        now: DateTime<Utc>,
    ) {
        let gone: Vec<i64> = step
            .consumed
            .iter()
            .chain(&step.cancelled_waits)
            .map(|w| *w as i64)
            .collect();
        if !gone.is_empty() {
            let list: Vec<String> = (0..gone.len()).map(|i| format!("${}", i + 2)).collect();
            let mut values = vec![Value::from(id)];
            values.extend(gone.into_iter().map(Value::Int));
            batch.push(
                format!(
                    "DELETE FROM process_waits WHERE instance_id = $1 AND wait_id IN ({})",
                    list.join(", ")
                ),
                values,
            );
        }
        let rows: Vec<WaitRow> = step
            .new_waits
            .iter()
            .filter(|w| instance.waits.iter().any(|x| x.id == w.id)) // not gone within the step
            .map(|w| self.wait_row(defs, instance, w, now))
            .collect();
        if !rows.is_empty() {
            let placeholders: Vec<String> = (0..rows.len())
                .map(|i| {
                    let n = 2 + 12 * i;
                    let cols: Vec<String> = (n..n + 12).map(|k| format!("${k}")).collect();
                    format!("($1, {})", cols.join(", "))
                })
                .collect();
            let mut values = vec![Value::from(id)];
            for r in rows {
                values.extend([
                    Value::Int(r.wait_id),
                    r.element.into(),
                    r.kind.into(),
                    r.job_type.into(),
                    r.groups.into(),
                    r.message.into(),
                    r.due.into(),
                    r.inputs.into(),
                    Value::Int(r.retries),
                    r.created_at.into(),
                    r.form_key.into(),
                    r.label.into(),
                ]);
            }
            batch.push(
                format!(
                    "INSERT INTO process_waits (instance_id, wait_id, element_id, kind, job_type, candidate_groups, message_name, due_at, inputs, retries, created_at, form_key, label)
                     VALUES {}",
                    placeholders.join(", ")
                ),
                values,
            );
        }
        if !step.completed.is_empty() {
            let placeholders: Vec<String> = (0..step.completed.len())
                .map(|i| {
                    format!(
                        "($1, $2, ${}, ${}, ${}, 'complete', $3)",
                        4 + 3 * i,
                        5 + 3 * i,
                        6 + 3 * i
                    )
                })
                .collect();
            let mut values = vec![Value::from(id), ts(&now).into(), resource.into()];
            for c in &step.completed {
                values.extend([
                    Value::from(c.id.as_str()),
                    c.kind.as_str().into(),
                    c.name.as_deref().into(),
                ]);
            }
            batch.push(
                format!(
                    "INSERT INTO process_events (instance_id, at, element_id, element_type, element_name, lifecycle, resource) VALUES {}",
                    placeholders.join(", ")
                ),
                values,
            );
        }
    }

    /// What the `process_waits` row of a new wait holds.
    fn wait_row(
        &self,
        defs: &Definitions,
        instance: &Instance,
        w: &Wait,
        now: DateTime<Utc>,
    ) -> WaitRow {
        let element = defs
            .processes
            .iter()
            .flat_map(|p| p.scope.walk())
            .find(|e| e.id == w.element);
        let called = element.is_some_and(|e| matches!(e.kind, Kind::CallActivity));
        let (kind, job_type, message) = match &w.what {
            // A call activity waits for its called process, not for a worker.
            WaitKind::Job { .. } if called => ("call", None, None),
            WaitKind::Job { job_type } => ("job", job_type.clone(), None),
            WaitKind::UserTask => ("user-task", None, None),
            WaitKind::Timer { .. } => ("timer", None, None),
            WaitKind::Message { message } => {
                let name = message
                    .as_ref()
                    .and_then(|m| defs.messages.iter().find(|x| &x.id == m))
                    .and_then(|m| m.name.clone().or(Some(m.id.clone())));
                ("message", None, name)
            }
        };
        let due = match &w.what {
            WaitKind::UserTask => element
                .and_then(|e| e.zeebe.due_date.as_deref())
                .and_then(|d| self.moment(d, &instance.variables)),
            other => timer_due(other, now, &instance.variables, self.expr, self.calendar),
        }
        .map(|t| ts(&t));
        // Candidate groups as a plain list `a,b`; `=expression` is evaluated (`=agency`).
        let groups = element
            .and_then(|e| e.zeebe.candidate_groups.as_deref())
            .map(|g| {
                if g.starts_with('=') {
                    match self.expr.evaluate(g, &instance.variables) {
                        Ok(Json::String(s)) => split_groups(&s),
                        Ok(Json::Array(items)) => items
                            .iter()
                            .filter_map(|i| i.as_str().map(str::to_owned))
                            .collect(),
                        _ => Vec::new(),
                    }
                } else {
                    split_groups(g)
                }
                .join(",")
            });
        let retries = element
            .and_then(|e| e.zeebe.retries.as_deref())
            .and_then(|r| r.parse::<i64>().ok())
            .unwrap_or(3);
        WaitRow {
            wait_id: w.id as i64,
            element: w.element.clone(),
            kind,
            job_type,
            groups,
            message,
            due,
            inputs: Json::Object(w.inputs.clone()).to_string(),
            retries,
            created_at: ts(&now),
            form_key: element.and_then(|e| e.zeebe.form_key.clone()),
            label: element.map(|e| Json::Object(e.labels()).to_string()),
        }
    }

    /// Reads an instance with its model, through the pool or inside a transaction.
    async fn load<'e, E>(&self, ex: E, instance_id: &str) -> Result<Loaded, StoreError>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let row = sqlx::query(
            "SELECT i.process_id, i.version, i.state, i.revision, d.content_hash, i.business_key, i.parent_instance, i.parent_wait, i.root_instance FROM process_instances i
             JOIN process_definitions d ON d.process_id = i.process_id AND d.version = i.version WHERE i.id = $1",
        )
        .bind(instance_id)
        .fetch_optional(ex)
        .await?
        .ok_or_else(|| StoreError::NoInstance(instance_id.to_owned()))?;
        let process_id: String = row.try_get(0)?;
        let version: i64 = row.try_get(1)?;
        let state: String = row.try_get(2)?;
        let fingerprint: String = row.try_get(4)?;
        let defs = match cached(&fingerprint) {
            Some(d) => d,
            None => self.definitions(&process_id, Some(version)).await?.1,
        };
        let parent: Option<String> = row.try_get(6)?;
        let parent_wait: Option<i64> = row.try_get(7)?;
        let root: Option<String> = row.try_get(8)?;
        Ok(Loaded {
            revision: row.try_get(3)?,
            business_key: row.try_get(5)?,
            parent: parent.zip(parent_wait.map(|w| w as u64)),
            root: root.unwrap_or_else(|| instance_id.to_owned()),
            defs,
            instance: serde_json::from_str(&state)
                .map_err(|e| StoreError::Unrunnable(format!("stored state unreadable: {e}")))?,
        })
    }

    /// Writes an instance's new state, provided nobody changed it since it was read, with the
    /// step's waits and history, and lets the hook follow.
    async fn save(
        &self,
        tx: &mut Tx,
        instance_id: &str,
        loaded: &Loaded,
        step: &Step,
        resource: Option<&str>,
    ) -> Result<(), StoreError> {
        // The transaction may yet roll back: until it commits, only the database knows.
        forget(instance_id);
        let now = Utc::now();
        let instance = &loaded.instance;
        let mut batch = Batch::new();
        batch.push(
            "UPDATE process_instances SET state = $1, status = $2, revision = revision + 1, updated_at = $3, ended_at = $4
             WHERE id = $5 AND revision = $6",
            vec![
                serde_json::to_string(instance).expect("instances serialise").into(),
                (if instance.ended { "completed" } else { "active" }).into(),
                ts(&now).into(),
                instance.ended.then(|| ts(&now)).into(),
                instance_id.into(),
                Value::Int(loaded.revision),
            ],
        );
        self.write_step(
            &mut batch,
            instance_id,
            &loaded.defs,
            instance,
            step,
            resource,
            now,
        );
        // All in one round trip; the first count tells whether the revision still matched (if
        // not, the caller's transaction rolls the rest back).
        let counts = batch.run(self.db.backend, tx).await?;
        if counts.first() != Some(&1) {
            return Err(StoreError::Conflict);
        }
        if let Some(hook) = self.hook {
            hook.after_step(
                tx,
                StepView {
                    instance_id,
                    root_instance: &loaded.root,
                    business_key: loaded.business_key.as_deref(),
                    defs: &loaded.defs,
                    instance,
                    step,
                    resource,
                    at: now,
                },
            )
            .await?;
        }
        self.follow_calls(
            tx,
            instance_id,
            &loaded.root,
            loaded.business_key.as_deref(),
            &loaded.defs,
            instance,
            step,
            loaded.parent.as_ref(),
        )
        .await
    }

    /// A moment written as a date, a date-time or a FEEL expression giving one (a user task's
    /// `zeebe:taskSchedule dueDate`).
    fn moment(&self, text: &str, vars: &Map<String, Json>) -> Option<DateTime<Utc>> {
        let value = if text.starts_with('=') {
            match self.expr.evaluate(text, vars) {
                Ok(Json::String(s)) => s,
                _ => return None,
            }
        } else {
            text.to_owned()
        };
        DateTime::parse_from_rfc3339(&value)
            .map(|t| t.with_timezone(&Utc))
            .ok()
            .or_else(|| {
                let d: chrono::NaiveDate = value.parse().ok()?;
                Some(d.succ_opt()?.and_hms_opt(0, 0, 0)?.and_utc() - Duration::hours(5))
            })
    }

    /// Loads an instance, applies one engine call, and writes the result in one transaction,
    /// provided nobody changed the instance since it was read. The instance comes from what
    /// this node remembers of it when it can, else from the database; a remembered state that
    /// turns out stale (or fails the call) is dropped and the call done on the stored one.
    async fn apply(
        &self,
        instance_id: &str,
        resource: Option<&str>,
        f: impl Fn(&mut Instance, &Definitions) -> Result<Step, EngineError>,
    ) -> Result<Step, StoreError> {
        if let Some(loaded) = remembered(instance_id) {
            match self.step_and_save(instance_id, loaded, resource, &f).await {
                Ok(step) => return Ok(step),
                Err(_) => forget(instance_id),
            }
        }
        // Read from the shared pool: the revision check in `save` catches any change meanwhile.
        let loaded = self.load(&self.db.pool, instance_id).await?;
        self.step_and_save(instance_id, loaded, resource, &f).await
    }

    /// One engine call on a loaded instance, saved in a (group-committed) transaction.
    async fn step_and_save(
        &self,
        instance_id: &str,
        mut loaded: Loaded,
        resource: Option<&str>,
        f: &impl Fn(&mut Instance, &Definitions) -> Result<Step, EngineError>,
    ) -> Result<Step, StoreError> {
        let mut step = f(&mut loaded.instance, &loaded.defs)?;
        self.settle(&mut loaded.instance, &loaded.defs, &mut step)
            .await?;
        loop {
            let mut slot = self.db.join_group().await?;
            let done = self
                .save(slot.tx(), instance_id, &loaded, &step, resource)
                .await;
            match slot.finish(done.is_ok()).await? {
                Outcome::Retry => continue,
                Outcome::RolledBack | Outcome::Committed => done?,
            }
            loaded.revision += 1;
            remember(instance_id, loaded);
            return Ok(step);
        }
    }

    /// [`Self::apply`] inside the caller's transaction.
    async fn apply_in(
        &self,
        tx: &mut Tx,
        instance_id: &str,
        resource: Option<&str>,
        f: impl FnOnce(&mut Instance, &Definitions) -> Result<Step, EngineError>,
    ) -> Result<Step, StoreError> {
        let mut loaded = self.load(&mut **tx, instance_id).await?;
        let mut step = f(&mut loaded.instance, &loaded.defs)?;
        self.settle(&mut loaded.instance, &loaded.defs, &mut step)
            .await?;
        self.save(tx, instance_id, &loaded, &step, resource).await?;
        Ok(step)
    }

    /// Completes a user task or a job (jobs through [`Self::complete_job`], which checks the lock).
    pub async fn complete(
        &self,
        instance_id: &str,
        wait_id: u64,
        result: Map<String, Json>,
        resource: Option<&str>,
    ) -> Result<Step, StoreError> {
        self.apply(instance_id, resource, |i, d| {
            i.complete(d, wait_id, result.clone(), self.expr)
        })
        .await
    }

    /// A timer fired or a message arrived at the event this wait stands for. A timer on the
    /// boundary of a task that stays open (non-interrupting) marks that task escalated: the
    /// deadline it guarded has passed.
    pub async fn trigger(
        &self,
        instance_id: &str,
        wait_id: u64,
        variables: Map<String, Json>,
    ) -> Result<Step, StoreError> {
        let mut loaded = self.load(&self.db.pool, instance_id).await?;
        let guarded = loaded
            .instance
            .waits
            .iter()
            .find(|w| w.id == wait_id && matches!(w.what, WaitKind::Timer { .. }))
            .and_then(|w| w.attached_to);
        let mut step = loaded
            .instance
            .trigger(&loaded.defs, wait_id, variables, self.expr)?;
        self.settle(&mut loaded.instance, &loaded.defs, &mut step)
            .await?;
        let mut tx = self.db.writer.begin().await?;
        self.save(&mut tx, instance_id, &loaded, &step, None)
            .await?;
        if let Some(task) = guarded {
            sqlx::query(
                "UPDATE process_waits SET escalated_at = $1 WHERE instance_id = $2 AND wait_id = $3",
            )
            .bind(ts(&Utc::now()))
            .bind(instance_id)
            .bind(task as i64)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(step)
    }

    /// [`Self::complete`] inside the caller's transaction (a decision recorded with the step).
    pub async fn complete_in(
        &self,
        tx: &mut Tx,
        instance_id: &str,
        wait_id: u64,
        result: Map<String, Json>,
        resource: Option<&str>,
    ) -> Result<Step, StoreError> {
        self.apply_in(tx, instance_id, resource, |i, d| {
            i.complete(d, wait_id, result, self.expr)
        })
        .await
    }

    /// The open user tasks of an instance and of the processes it called, oldest first.
    pub async fn user_tasks_of(&self, instance_id: &str) -> Result<Vec<UserTask>, StoreError> {
        let rows = sqlx::query(
            "SELECT instance_id, wait_id, element_id, candidate_groups, assignee, assignee_name, form_key, due_at, created_at, label, escalated_at
             FROM process_waits WHERE kind = 'user-task'
               AND instance_id IN (SELECT id FROM process_instances WHERE root_instance = $1)
             ORDER BY created_at, wait_id",
        )
        .bind(instance_id)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(user_task_from_row).collect()
    }

    /// A person takes a user task (inside the caller's transaction): it is theirs until they
    /// complete or release it. Someone else's task cannot be taken over this way.
    pub async fn claim_in(
        &self,
        tx: &mut Tx,
        instance_id: &str,
        wait_id: u64,
        user_id: &str,
        user_name: &str,
    ) -> Result<(), StoreError> {
        self.assign(
            tx,
            instance_id,
            wait_id,
            Some((user_id, user_name)),
            user_id,
        )
        .await
    }

    /// The assignee gives a user task back to its groups (inside the caller's transaction).
    pub async fn unclaim_in(
        &self,
        tx: &mut Tx,
        instance_id: &str,
        wait_id: u64,
        user_id: &str,
    ) -> Result<(), StoreError> {
        self.assign(tx, instance_id, wait_id, None, user_id).await
    }

    async fn assign(
        &self,
        tx: &mut Tx,
        instance_id: &str,
        wait_id: u64,
        to: Option<(&str, &str)>,
        by: &str,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE process_waits SET assignee = $1, assignee_name = $2
             WHERE instance_id = $3 AND wait_id = $4 AND kind = 'user-task' AND (assignee IS NULL OR assignee = $5)",
        )
        .bind(to.map(|t| t.0))
        .bind(to.map(|t| t.1))
        .bind(instance_id)
        .bind(wait_id as i64)
        .bind(by)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() != 1 {
            let open: Option<i64> = sqlx::query_scalar(
                "SELECT wait_id FROM process_waits WHERE instance_id = $1 AND wait_id = $2 AND kind = 'user-task'",
            )
            .bind(instance_id)
            .bind(wait_id as i64)
            .fetch_optional(&mut **tx)
            .await?;
            return Err(match open {
                Some(_) => StoreError::TaskTaken,
                None => StoreError::Engine(EngineError::UnknownWait(wait_id)),
            });
        }
        if let Some(hook) = self.hook {
            let loaded = self.load(&mut **tx, instance_id).await?;
            hook.after_step(
                tx,
                StepView {
                    instance_id,
                    root_instance: &loaded.root,
                    business_key: loaded.business_key.as_deref(),
                    defs: &loaded.defs,
                    instance: &loaded.instance,
                    step: &Step::default(),
                    resource: to.map(|t| t.1),
                    at: Utc::now(),
                },
            )
            .await?;
        }
        Ok(())
    }

    /// Hands out up to `max` open jobs of a type, each to exactly one worker, locked for `lock`.
    pub async fn activate_jobs(
        &self,
        job_type: &str,
        worker: &str,
        max: usize,
        lock: Duration,
    ) -> Result<Vec<ActivatedJob>, StoreError> {
        let now = Utc::now();
        let candidates = sqlx::query(
            "SELECT w.instance_id, w.wait_id, w.element_id, w.inputs, w.retries, i.business_key, i.state, i.process_id, i.version
             FROM process_waits w JOIN process_instances i ON i.id = w.instance_id
             WHERE w.kind = 'job' AND w.job_type = $1 AND w.retries > 0 AND (w.lock_until IS NULL OR w.lock_until < $2)
             ORDER BY w.created_at LIMIT $3",
        )
        .bind(job_type)
        .bind(ts(&now))
        .bind((max * 2) as i64)
        .fetch_all(&self.db.pool)
        .await?;
        let mut out = Vec::new();
        for row in candidates {
            if out.len() >= max {
                break;
            }
            let (instance_id, wait_id): (String, i64) = (row.try_get(0)?, row.try_get(1)?);
            // Only one worker's update can match: the lock is the claim.
            let claimed = sqlx::query(
                "UPDATE process_waits SET locked_by = $1, lock_until = $2
                 WHERE instance_id = $3 AND wait_id = $4 AND (lock_until IS NULL OR lock_until < $5)",
            )
            .bind(worker)
            .bind(ts(&(now + lock)))
            .bind(&instance_id)
            .bind(wait_id)
            .bind(ts(&now))
            .execute(&self.db.writer)
            .await?;
            if claimed.rows_affected() != 1 {
                continue;
            }
            let state: String = row.try_get(6)?;
            let mut variables = serde_json::from_str::<Instance>(&state)
                .map(|i| i.variables)
                .unwrap_or_default();
            let inputs: String = row.try_get(3)?;
            if let Ok(Json::Object(inputs)) = serde_json::from_str(&inputs) {
                variables.extend(inputs);
            }
            let element_id: String = row.try_get(2)?;
            let defs = self
                .definitions(&row.try_get::<String, _>(7)?, Some(row.try_get(8)?))
                .await?
                .1;
            let headers = defs
                .processes
                .iter()
                .flat_map(|p| p.scope.walk())
                .find(|e| e.id == element_id)
                .map(|e| {
                    e.zeebe
                        .headers
                        .iter()
                        .map(|(k, v)| (k.clone(), Json::String(v.clone())))
                        .collect()
                })
                .unwrap_or_default();
            out.push(ActivatedJob {
                instance_id,
                wait_id,
                element_id,
                headers,
                job_type: job_type.to_owned(),
                business_key: row.try_get(5)?,
                retries: row.try_get(4)?,
                variables,
            });
        }
        Ok(out)
    }

    async fn check_lock<'e, E>(
        &self,
        ex: E,
        instance_id: &str,
        wait_id: u64,
        worker: &str,
    ) -> Result<(), StoreError>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let holder: Option<Option<String>> = sqlx::query_scalar(
            "SELECT locked_by FROM process_waits WHERE instance_id = $1 AND wait_id = $2",
        )
        .bind(instance_id)
        .bind(wait_id as i64)
        .fetch_optional(ex)
        .await?;
        match holder {
            Some(Some(h)) if h == worker => Ok(()),
            Some(_) => Err(StoreError::NotYourJob),
            None => Err(StoreError::Engine(EngineError::UnknownWait(wait_id))),
        }
    }

    /// A worker finished its job.
    pub async fn complete_job(
        &self,
        instance_id: &str,
        wait_id: u64,
        worker: &str,
        result: Map<String, Json>,
    ) -> Result<Step, StoreError> {
        self.check_lock(&self.db.pool, instance_id, wait_id, worker)
            .await?;
        self.complete(instance_id, wait_id, result, Some(worker))
            .await
    }

    /// [`Self::complete_job`] inside the caller's transaction: a built-in worker's own writes
    /// (a result document) and the job's completion happen together or not at all.
    pub async fn complete_job_in(
        &self,
        tx: &mut Tx,
        instance_id: &str,
        wait_id: u64,
        worker: &str,
        result: Map<String, Json>,
    ) -> Result<Step, StoreError> {
        self.check_lock(&mut **tx, instance_id, wait_id, worker)
            .await?;
        self.complete_in(tx, instance_id, wait_id, result, Some(worker))
            .await
    }

    /// A worker could not do its job: one retry fewer, offered again after `backoff`; with no
    /// retries left the job stays as an incident for a person to resolve.
    pub async fn fail_job(
        &self,
        instance_id: &str,
        wait_id: u64,
        worker: &str,
        message: &str,
        backoff: Duration,
    ) -> Result<i64, StoreError> {
        self.check_lock(&self.db.pool, instance_id, wait_id, worker)
            .await?;
        let now = Utc::now();
        let mut tx = self.db.writer.begin().await?;
        sqlx::query("UPDATE process_waits SET retries = retries - 1, locked_by = NULL, lock_until = $1 WHERE instance_id = $2 AND wait_id = $3")
            .bind(ts(&(now + backoff)))
            .bind(instance_id)
            .bind(wait_id as i64)
            .execute(&mut *tx)
            .await?;
        let left: i64 = sqlx::query_scalar(
            "SELECT retries FROM process_waits WHERE instance_id = $1 AND wait_id = $2",
        )
        .bind(instance_id)
        .bind(wait_id as i64)
        .fetch_one(&mut *tx)
        .await?;
        if left <= 0 {
            sqlx::query("UPDATE process_instances SET status = 'incident', incident = $1, updated_at = $2 WHERE id = $3")
                .bind(message)
                .bind(ts(&now))
                .bind(instance_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(left)
    }

    /// A worker reports a business error (a BPMN error) for its job.
    pub async fn throw_error(
        &self,
        instance_id: &str,
        wait_id: u64,
        worker: &str,
        code: &str,
    ) -> Result<Step, StoreError> {
        self.check_lock(&self.db.pool, instance_id, wait_id, worker)
            .await?;
        self.apply(instance_id, Some(worker), |i, d| {
            i.throw_error(d, wait_id, code, self.expr)
        })
        .await
    }

    /// Fires every timer due by `now`, each exactly once even with several nodes: a timer is
    /// claimed like a job before it fires. Returns how many fired.
    pub async fn fire_due_timers(
        &self,
        node: &str,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        // Both run even when one reports a model that cannot go on: one broken process must
        // not hold up the timers of all the others.
        let started = self.fire_timer_starts(now).await;
        let fired = self.fire_due_waits(node, now).await?;
        Ok(started? + fired)
    }

    /// Starts an instance for every timer start event that is due, each exactly once even with
    /// several nodes: the move of its next due time is the claim, in the same transaction as
    /// the start. A cycle (`R5/P1D`, `R/PT1H`) schedules its next repetition.
    async fn fire_timer_starts(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let due: Vec<(String, i64, String, String, i64)> = sqlx::query_as(
            "SELECT process_id, version, element_id, due_at, fired FROM process_timer_starts
             WHERE due_at IS NOT NULL AND due_at <= $1 ORDER BY due_at LIMIT 100",
        )
        .bind(ts(&now))
        .fetch_all(&self.db.pool)
        .await?;
        let mut started = 0;
        let mut failed = Vec::new();
        for (process_id, version, element, due_at, fired) in due {
            let (_, defs) = self.definitions(&process_id, Some(version)).await?;
            let Some(Kind::StartEvent { trigger, .. }) = defs
                .processes
                .iter()
                .find(|p| p.id == process_id)
                .and_then(|p| p.scope.elements.iter().find(|e| e.id == element))
                .map(|e| &e.kind)
            else {
                continue;
            };
            let what = WaitKind::of_trigger(trigger);
            let again = match &what {
                WaitKind::Timer { cycle: Some(c), .. } => {
                    let text = match self.expr.evaluate(c, &Map::new()) {
                        Ok(Json::String(s)) => s,
                        _ => String::new(),
                    };
                    crate::engine::repetitions(&text).is_some_and(|n| (fired + 1) < i64::from(n))
                }
                _ => false,
            };
            let next = again
                .then(|| timer_due(&what, now, &Map::new(), self.expr, self.calendar))
                .flatten()
                .map(|t| ts(&t));
            // The move of the due time claims this repetition, with the start or without it.
            let slot = (
                process_id.as_str(),
                version,
                element.as_str(),
                due_at.as_str(),
            );
            let start = async {
                let (mut instance, mut step) = Instance::start_at(
                    &defs,
                    Some(&process_id),
                    Some(&element),
                    Map::new(),
                    self.expr,
                )?;
                self.settle(&mut instance, &defs, &mut step).await?;
                let mut tx = self.db.writer.begin().await?;
                if !claim_timer_start(&mut tx, slot, next.as_deref()).await? {
                    return Ok(false); // another node started it
                }
                self.insert_instance(
                    &mut tx,
                    &process_id,
                    version,
                    &defs,
                    None,
                    &instance,
                    &step,
                    None,
                )
                .await?;
                tx.commit().await?;
                Ok::<_, StoreError>(true)
            };
            match start.await {
                Ok(true) => started += 1,
                Ok(false) => {}
                Err(e @ StoreError::Db(_)) => return Err(e),
                Err(e) => {
                    // The model cannot start (a bad expression, a missing decision or called
                    // process): this repetition is skipped, so the others still fire, and the
                    // error is reported.
                    let mut tx = self.db.writer.begin().await?;
                    claim_timer_start(&mut tx, slot, next.as_deref()).await?;
                    tx.commit().await?;
                    failed.push(format!("{process_id} v{version} {element}: {e}"));
                }
            }
        }
        if failed.is_empty() {
            Ok(started)
        } else {
            Err(StoreError::Unrunnable(format!(
                "timer start events skipped: {}",
                failed.join("; ")
            )))
        }
    }

    /// Fires every timer wait due by `now` (see [`Self::fire_due_timers`]).
    async fn fire_due_waits(&self, node: &str, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let due: Vec<(String, i64)> = sqlx::query_as(
            "SELECT instance_id, wait_id FROM process_waits WHERE kind = 'timer' AND due_at <= $1 AND (lock_until IS NULL OR lock_until < $1) ORDER BY due_at LIMIT 500",
        )
        .bind(ts(&now))
        .fetch_all(&self.db.pool)
        .await?;
        let mut fired = 0;
        for (instance_id, wait_id) in due {
            let claimed = sqlx::query(
                "UPDATE process_waits SET locked_by = $1, lock_until = $2 WHERE instance_id = $3 AND wait_id = $4 AND (lock_until IS NULL OR lock_until < $5)",
            )
            .bind(node)
            .bind(ts(&(now + Duration::seconds(30))))
            .bind(&instance_id)
            .bind(wait_id)
            .bind(ts(&now))
            .execute(&self.db.writer)
            .await?;
            if claimed.rows_affected() == 1 {
                match self.trigger(&instance_id, wait_id as u64, Map::new()).await {
                    Ok(_) => fired += 1,
                    // Withdrawn meanwhile (the task it guarded was completed): nothing to fire.
                    Err(StoreError::Engine(EngineError::UnknownWait(_)))
                    | Err(StoreError::Conflict) => {}
                    Err(e @ StoreError::Db(_)) => return Err(e),
                    // The model cannot go on from this timer: an incident on the instance for a
                    // person to resolve, as a job out of retries is; the timer stays claimed and
                    // the other timers fire.
                    Err(e) => {
                        let mut tx = self.db.writer.begin().await?;
                        sqlx::query("UPDATE process_waits SET lock_until = $1 WHERE instance_id = $2 AND wait_id = $3")
                            .bind("9999-12-31T00:00:00Z")
                            .bind(&instance_id)
                            .bind(wait_id)
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query("UPDATE process_instances SET status = 'incident', incident = $1, updated_at = $2 WHERE id = $3")
                            .bind(e.to_string())
                            .bind(ts(&now))
                            .bind(&instance_id)
                            .execute(&mut *tx)
                            .await?;
                        tx.commit().await?;
                    }
                }
            }
        }
        Ok(fired)
    }

    /// Delivers a message to the instance with this business key that waits for it; when none
    /// waits, starts the process (the first by id) whose latest version has a message start
    /// event for it, with the business key and the message's variables — as Zeebe's message
    /// correlation does, including its one active instance per business key.
    pub async fn correlate(
        &self,
        message_name: &str,
        business_key: &str,
        variables: Map<String, Json>,
    ) -> Result<Correlation, StoreError> {
        let target: Option<(String, i64)> = sqlx::query_as(
            "SELECT w.instance_id, w.wait_id FROM process_waits w JOIN process_instances i ON i.id = w.instance_id
             WHERE w.kind = 'message' AND w.message_name = $1 AND i.business_key = $2 ORDER BY w.created_at LIMIT 1",
        )
        .bind(message_name)
        .bind(business_key)
        .fetch_optional(&self.db.pool)
        .await?;
        if let Some((instance, wait)) = target {
            self.trigger(&instance, wait as u64, variables).await?;
            return Ok(Correlation::Delivered(instance));
        }
        let starts: Vec<(String, i64, String)> = sqlx::query_as(
            "SELECT s.process_id, s.version, s.element_id FROM process_message_starts s
             WHERE s.message_name = $1
               AND s.version = (SELECT MAX(d.version) FROM process_definitions d WHERE d.process_id = s.process_id)
             ORDER BY s.process_id LIMIT 1",
        )
        .bind(message_name)
        .fetch_all(&self.db.pool)
        .await?;
        let Some((process_id, version, element)) = starts.into_iter().next() else {
            return Ok(Correlation::Unmatched);
        };
        let running: Option<String> = sqlx::query_scalar(
            "SELECT id FROM process_instances WHERE process_id = $1 AND business_key = $2 AND status = 'active' LIMIT 1",
        )
        .bind(&process_id)
        .bind(business_key)
        .fetch_optional(&self.db.pool)
        .await?;
        if let Some(id) = running {
            return Ok(Correlation::AlreadyRunning(id));
        }
        let (_, defs) = self.definitions(&process_id, Some(version)).await?;
        let (mut instance, mut step) = Instance::start_at(
            &defs,
            Some(&process_id),
            Some(&element),
            variables,
            self.expr,
        )?;
        self.settle(&mut instance, &defs, &mut step).await?;
        let mut tx = self.db.writer.begin().await?;
        let id = self
            .insert_instance(
                &mut tx,
                &process_id,
                version,
                &defs,
                Some(business_key),
                &instance,
                &step,
                None,
            )
            .await?;
        tx.commit().await?;
        Ok(Correlation::Started(id))
    }

    /// The instance's status (`active`, `completed`, `incident`) and the elements it waits at.
    pub async fn status(
        &self,
        instance_id: &str,
    ) -> Result<(String, Vec<(i64, String, String)>), StoreError> {
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM process_instances WHERE id = $1")
                .bind(instance_id)
                .fetch_optional(&self.db.pool)
                .await?;
        let status = status.ok_or_else(|| StoreError::NoInstance(instance_id.to_owned()))?;
        let waits: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT wait_id, element_id, kind FROM process_waits WHERE instance_id = $1 ORDER BY wait_id")
                .bind(instance_id)
                .fetch_all(&self.db.pool)
                .await?;
        Ok((status, waits))
    }

    /// Every instance's history as XES events (optionally of one process), grouped by instance.
    pub async fn xes_events(
        &self,
        process_id: Option<&str>,
    ) -> Result<Vec<crate::xes::XesEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT i.id, i.business_key, e.element_id, e.element_type, e.element_name, e.at, e.lifecycle, e.resource
             FROM process_events e JOIN process_instances i ON i.id = e.instance_id
             WHERE $1 = '' OR i.process_id = $1
             ORDER BY i.started_at, i.id, e.id",
        )
        .bind(process_id.unwrap_or(""))
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let id: String = r.try_get(0)?;
                let key: Option<String> = r.try_get(1)?;
                let element: String = r.try_get(2)?;
                let name: Option<String> = r.try_get(4)?;
                Ok(crate::xes::XesEvent {
                    case: key.unwrap_or(id),
                    activity: name
                        .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
                        .unwrap_or_else(|| element.clone()),
                    element_id: element,
                    element_type: r.try_get(3)?,
                    timestamp: r.try_get(5)?,
                    lifecycle: r.try_get(6)?,
                    resource: r.try_get(7)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Registers a worker client; returns its bearer token (only its hash is kept).
    pub async fn create_worker(
        &self,
        name: &str,
        job_types: &[String],
    ) -> Result<String, StoreError> {
        let token = yagona_core_token();
        sqlx::query("INSERT INTO process_workers (name, token_hash, job_types, created_at) VALUES ($1, $2, $3, $4)")
            .bind(name)
            .bind(hash(&token))
            .bind(job_types.join(","))
            .bind(ts(&Utc::now()))
            .execute(&self.db.writer)
            .await?;
        Ok(token)
    }

    /// The worker a bearer token belongs to.
    pub async fn worker_by_token(&self, token: &str) -> Result<Option<Worker>, StoreError> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT name, job_types FROM process_workers WHERE token_hash = $1")
                .bind(hash(token))
                .fetch_optional(&self.db.pool)
                .await?;
        Ok(row.map(|(name, types)| Worker {
            name,
            job_types: types
                .split(',')
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
        }))
    }

    /// The job type of an open job, if it exists.
    pub async fn job_type(
        &self,
        instance_id: &str,
        wait_id: u64,
    ) -> Result<Option<String>, StoreError> {
        let t: Option<Option<String>> = sqlx::query_scalar("SELECT job_type FROM process_waits WHERE instance_id = $1 AND wait_id = $2 AND kind = 'job'")
            .bind(instance_id)
            .bind(wait_id as i64)
            .fetch_optional(&self.db.pool)
            .await?;
        Ok(t.flatten())
    }

    /// Results worth showing an officer, in the order they came: each business-rule task's
    /// decision and each data service's answer (`yagona:exchange` with a `resultVariable`) —
    /// the task's labels (see [`crate::model::FlowElement::labels`]) and the variable's value.
    pub async fn decision_results(
        &self,
        instance_id: &str,
    ) -> Result<Vec<(Map<String, Json>, Json)>, StoreError> {
        let loaded = self.load(&self.db.pool, instance_id).await?;
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (element, kind, _) in self.history(instance_id).await?.into_iter().rev() {
            if !matches!(kind.as_str(), "businessRuleTask" | "serviceTask")
                || !seen.insert(element.clone())
            {
                continue;
            }
            let Some(e) = loaded
                .defs
                .processes
                .iter()
                .flat_map(|p| p.scope.walk())
                .find(|e| e.id == element)
            else {
                continue;
            };
            // A decision's result, or what a data service answered (`yagona:exchange`).
            let var = if kind == "serviceTask" {
                if e.zeebe.task_type.as_deref() != Some("yagona:exchange") {
                    continue;
                }
                match e.zeebe.headers.iter().find(|(k, _)| k == "resultVariable") {
                    Some((_, v)) => v.as_str(),
                    None => continue,
                }
            } else {
                e.zeebe.result_variable.as_deref().unwrap_or("result")
            };
            if let Some(v) = loaded.instance.variables.get(var) {
                out.push((e.labels(), v.clone()));
            }
        }
        out.reverse();
        Ok(out)
    }

    /// The instance's diagram as SVG (from the model's diagram interchange), with the elements
    /// it has completed and the ones it waits at highlighted.
    pub async fn diagram(
        &self,
        instance_id: &str,
        title: &str,
        language: Option<&str>,
    ) -> Result<String, StoreError> {
        let loaded = self.load(&self.db.pool, instance_id).await?;
        let mut highlight = crate::svg::Highlight {
            language: language.map(str::to_owned),
            ..Default::default()
        };
        for (element, _, _) in self.history(instance_id).await? {
            highlight.done.insert(element);
        }
        for w in &loaded.instance.waits {
            highlight.active.insert(w.element.clone());
        }
        Ok(crate::svg::render(&loaded.defs, title, &highlight))
    }

    /// The instance's history: (element, type, lifecycle) in order.
    pub async fn history(
        &self,
        instance_id: &str,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        Ok(sqlx::query_as("SELECT element_id, element_type, lifecycle FROM process_events WHERE instance_id = $1 ORDER BY id")
            .bind(instance_id)
            .fetch_all(&self.db.pool)
            .await?)
    }
}

//! Incidents: where an instance cannot go on, as Camunda 8 raises them — a condition that is not
//! true or false, a gateway with no way out, an uncaught BPMN error, a timer value that cannot
//! be scheduled, a decision that fails or is missing, a job out of retries.
//!
//! The step that met it does not happen: the instance stays as it was, and what was asked of it
//! (a task's completion with its result, a timer or message) is kept with the incident, so an
//! administrator can correct variables and retry it. The wait is held (out of inboxes, never
//! offered to a worker or fired) until then. The person or worker who caused the step is told
//! the incident is recorded; nothing answers 500 and nothing stops in silence.

use super::{ts, ProcessStore, Step, StoreError, Tx};
use crate::engine::{EngineError, Instance, WaitKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use sqlx::Row;

/// What was asked of the instance when the incident happened: done again on retry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Action {
    /// A user task or a job completed with this result.
    Complete {
        wait: u64,
        result: Map<String, Json>,
    },
    /// A timer fell due, or a message arrived with these variables.
    Trigger {
        wait: u64,
        variables: Map<String, Json>,
    },
    /// A worker reported a BPMN error for its job.
    Throw { wait: u64, code: String },
    /// A job ran out of retries: retrying offers it to workers again.
    Job { wait: u64 },
    /// A timer's value could not be scheduled: retrying reads it again (with the variables as
    /// corrected) and schedules it.
    Arm { wait: u64 },
}

impl Action {
    pub fn wait(&self) -> u64 {
        match self {
            Action::Complete { wait, .. }
            | Action::Trigger { wait, .. }
            | Action::Throw { wait, .. }
            | Action::Job { wait }
            | Action::Arm { wait } => *wait,
        }
    }
}

/// One incident, open or resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    pub id: String,
    pub instance_id: String,
    /// The instance at the top of the call tree (an application's process).
    pub root_instance: String,
    pub process_id: String,
    pub business_key: Option<String>,
    pub element_id: String,
    pub wait_id: Option<i64>,
    pub message: String,
    /// Who made the step that met it (an officer's name, a worker).
    pub caused_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    #[serde(skip)]
    pub action: Option<Action>,
}

/// Whether an error is the model's (an incident) rather than the caller's or the database's.
pub(super) fn is_incident(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::Engine(
            EngineError::Expression(..)
                | EngineError::NoMatchingFlow(_)
                | EngineError::UncaughtError { .. }
                | EngineError::TooManySteps(_)
                | EngineError::CannotWait { .. }
                | EngineError::AdHoc { .. }
                | EngineError::Broken(_)
        ) | StoreError::Decision(_)
            | StoreError::NoDecision(_)
            | StoreError::NoDefinition(_)
            | StoreError::JobFailed(_)
    )
}

/// The element an incident is at: the one the error names, else the one that was waiting.
fn element_of(e: &StoreError, waiting: &str) -> String {
    match e {
        StoreError::Engine(
            EngineError::Expression(el, _)
            | EngineError::NoMatchingFlow(el)
            | EngineError::CannotWait { element: el, .. }
            | EngineError::AdHoc { ad_hoc: el, .. },
        )
        | StoreError::Engine(EngineError::UncaughtError { element: el, .. }) => el.clone(),
        _ => waiting.to_owned(),
    }
}

fn moment(text: Option<String>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc))
}

const COLUMNS: &str = "c.id, c.instance_id, c.root_instance, i.process_id, i.business_key, c.element_id, c.wait_id, c.message, c.caused_by, c.created_at, c.resolved_at, c.resolved_by, c.action";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Incident, StoreError> {
    let action: String = r.try_get(12)?;
    Ok(Incident {
        id: r.try_get(0)?,
        instance_id: r.try_get(1)?,
        root_instance: r.try_get(2)?,
        process_id: r.try_get(3)?,
        business_key: r.try_get(4)?,
        element_id: r.try_get(5)?,
        wait_id: r.try_get(6)?,
        message: r.try_get(7)?,
        caused_by: r.try_get(8)?,
        created_at: moment(r.try_get(9)?).unwrap_or_default(),
        resolved_at: moment(r.try_get(10)?),
        resolved_by: r.try_get(11)?,
        action: serde_json::from_str(&action).ok(),
    })
}

impl ProcessStore<'_> {
    /// Records an incident in `tx`: the incident with what was asked, the wait held, the
    /// instance marked. Returns the error to give the caller ([`StoreError::Incident`]).
    pub(super) async fn raise_incident(
        &self,
        tx: &mut Tx,
        instance_id: &str,
        action: &Action,
        error: &StoreError,
        caused_by: Option<&str>,
    ) -> Result<StoreError, StoreError> {
        let now = Utc::now();
        let row: Option<(Option<String>, String)> =
            sqlx::query_as("SELECT root_instance, process_id FROM process_instances WHERE id = $1")
                .bind(instance_id)
                .fetch_optional(&mut **tx)
                .await?;
        let (root, _) = row.ok_or_else(|| StoreError::NoInstance(instance_id.to_owned()))?;
        let waiting: Option<String> = sqlx::query_scalar(
            "SELECT element_id FROM process_waits WHERE instance_id = $1 AND wait_id = $2",
        )
        .bind(instance_id)
        .bind(action.wait() as i64)
        .fetch_optional(&mut **tx)
        .await?;
        let element = element_of(error, waiting.as_deref().unwrap_or_default());
        let id = uuid::Uuid::now_v7().to_string();
        let message = error.to_string();
        sqlx::query(
            "INSERT INTO process_incidents (id, instance_id, root_instance, element_id, wait_id, action, message, caused_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(instance_id)
        .bind(root.as_deref().unwrap_or(instance_id))
        .bind(&element)
        .bind(action.wait() as i64)
        .bind(serde_json::to_string(action).expect("actions serialise"))
        .bind(&message)
        .bind(caused_by)
        .bind(ts(&now))
        .execute(&mut **tx)
        .await?;
        // Held: out of inboxes, not offered to workers, not fired, until the incident is resolved.
        sqlx::query(
            "UPDATE process_waits SET incident_id = $1, locked_by = NULL, lock_until = $2 WHERE instance_id = $3 AND wait_id = $4",
        )
        .bind(&id)
        .bind("9999-12-31T00:00:00Z")
        .bind(instance_id)
        .bind(action.wait() as i64)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "UPDATE process_instances SET status = 'incident', incident = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(&message)
        .bind(ts(&now))
        .bind(instance_id)
        .execute(&mut **tx)
        .await?;
        Ok(StoreError::Incident {
            id,
            element,
            message,
        })
    }

    /// The waits a step opened that cannot be armed: a timer whose value cannot be scheduled
    /// (an expression that gives a number, text that is not ISO 8601), a message whose
    /// correlation key expression gives no key. Each is an incident at its element, in the
    /// step's transaction: the token waits there, as in Camunda, instead of at a timer that
    /// never fires or a subscription nobody can match.
    pub(super) async fn arm_waits(
        &self,
        tx: &mut Tx,
        instance_id: &str,
        defs: &crate::model::Definitions,
        instance: &Instance,
        step: &Step,
        caused_by: Option<&str>,
    ) -> Result<(), StoreError> {
        for w in &step.new_waits {
            if !instance.waits.iter().any(|x| x.id == w.id) {
                continue; // gone within the step
            }
            let problem = match &w.what {
                WaitKind::Timer { .. } => {
                    super::timers::timer_value(&w.what, &instance.variables_for(w), self.expr).err()
                }
                WaitKind::Message { .. } => self.correlation_key(defs, instance, w).err(),
                _ => None,
            };
            if let Some(message) = problem {
                let error = StoreError::Engine(EngineError::CannotWait {
                    element: w.element.clone(),
                    message,
                });
                self.raise_incident(
                    tx,
                    instance_id,
                    &Action::Arm { wait: w.id },
                    &error,
                    caused_by,
                )
                .await?;
            }
        }
        Ok(())
    }

    /// [`Self::raise_incident`] in a transaction of its own.
    pub(super) async fn raise_incident_alone(
        &self,
        instance_id: &str,
        action: &Action,
        error: &StoreError,
        caused_by: Option<&str>,
    ) -> Result<StoreError, StoreError> {
        let mut tx = self.db.writer.begin().await?;
        let raised = self
            .raise_incident(&mut tx, instance_id, action, error, caused_by)
            .await?;
        tx.commit().await?;
        super::steps::forget(instance_id);
        Ok(raised)
    }

    /// Open incidents, oldest first (at most `limit`): what administrators work through.
    pub async fn open_incidents(&self, limit: i64) -> Result<Vec<Incident>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM process_incidents c JOIN process_instances i ON i.id = c.instance_id
             WHERE c.resolved_at IS NULL ORDER BY c.created_at, c.id LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// The incidents of a call tree (an application's process and what it called), open first.
    pub async fn incidents_of(&self, root_instance: &str) -> Result<Vec<Incident>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM process_incidents c JOIN process_instances i ON i.id = c.instance_id
             WHERE c.root_instance = $1 ORDER BY c.resolved_at IS NOT NULL, c.created_at"
        ))
        .bind(root_instance)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn incident(&self, id: &str) -> Result<Option<Incident>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM process_incidents c JOIN process_instances i ON i.id = c.instance_id WHERE c.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.db.pool)
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Arms a held wait again from the instance's variables as they are now — a timer's moment,
    /// a message's correlation key — in the retry's transaction; what still cannot be read is a
    /// new incident (the error returned).
    async fn rearm_in(
        &self,
        tx: &mut Tx,
        instance_id: &str,
        wait: u64,
        by: &str,
    ) -> Result<(), StoreError> {
        let loaded = self.load(&mut **tx, instance_id).await?;
        let Some(w) = loaded.instance.waits.iter().find(|w| w.id == wait) else {
            return Err(StoreError::Engine(EngineError::UnknownWait(wait)));
        };
        let vars = &loaded.instance.variables;
        let armed = match &w.what {
            WaitKind::Message { .. } => self
                .correlation_key(&loaded.defs, &loaded.instance, w)
                .map(|key| ("correlation_key", key)),
            _ => super::timers::timer_value(&w.what, vars, self.expr).map(|()| {
                let due = super::timer_due(&w.what, Utc::now(), vars, self.expr, self.calendar);
                ("due_at", due.map(|t| ts(&t)))
            }),
        };
        match armed {
            Ok((column, value)) => {
                sqlx::query(&format!(
                    "UPDATE process_waits SET {column} = $1 WHERE instance_id = $2 AND wait_id = $3"
                ))
                .bind(value)
                .bind(instance_id)
                .bind(wait as i64)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }
            Err(message) => {
                let error = StoreError::Engine(EngineError::CannotWait {
                    element: w.element.clone(),
                    message,
                });
                Err(self
                    .raise_incident(tx, instance_id, &Action::Arm { wait }, &error, Some(by))
                    .await?)
            }
        }
    }

    /// An instance's variables as they are now (what an administrator corrects).
    pub async fn variables(&self, instance_id: &str) -> Result<Map<String, Json>, StoreError> {
        let loaded = self.load(&self.db.pool, instance_id).await?;
        Ok(loaded.instance.variables)
    }

    /// Sets variables of an instance (an administrator correcting what an incident met). The
    /// change is recorded in the history under `by`.
    pub async fn set_variables(
        &self,
        instance_id: &str,
        variables: Map<String, Json>,
        by: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.writer.begin().await?;
        let set = variables.clone();
        self.apply_in_public(&mut tx, instance_id, Some(by), None, move |i, _| {
            i.variables.extend(set);
            Ok(Step::default())
        })
        .await?;
        // What is corrected is what a retry uses: where the request an incident holds (an
        // officer's answers, a message's variables) carries a variable the administrator
        // corrects, the retry carries the corrected value, as Camunda's retry reads the
        // variables as they are then.
        let open = sqlx::query(
            "SELECT id, action FROM process_incidents WHERE instance_id = $1 AND resolved_at IS NULL",
        )
        .bind(instance_id)
        .fetch_all(&mut *tx)
        .await?;
        for row in open {
            let (id, text): (String, String) = (row.try_get(0)?, row.try_get(1)?);
            let Ok(mut action) = serde_json::from_str::<Action>(&text) else {
                continue;
            };
            let (Action::Complete { result: held, .. }
            | Action::Trigger {
                variables: held, ..
            }) = &mut action
            else {
                continue;
            };
            let mut changed = false;
            for (name, value) in &variables {
                if let Some(old) = held.get_mut(name) {
                    *old = value.clone();
                    changed = true;
                }
            }
            if changed {
                sqlx::query("UPDATE process_incidents SET action = $1 WHERE id = $2")
                    .bind(serde_json::to_string(&action).expect("actions serialise"))
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        super::steps::forget(instance_id);
        Ok(())
    }

    /// Resolves an incident by doing again what was asked when it happened (after the variables
    /// were corrected). If the model still cannot go on, a new incident is raised and this one
    /// stays resolved — as in Camunda, each attempt is its own incident.
    pub async fn retry_incident(&self, id: &str, by: &str) -> Result<Step, StoreError> {
        let incident = self
            .incident(id)
            .await?
            .ok_or_else(|| StoreError::NoIncident(id.to_owned()))?;
        if incident.resolved_at.is_some() {
            return Err(StoreError::NoIncident(id.to_owned()));
        }
        let action = incident.action.clone().ok_or_else(|| {
            StoreError::Unrunnable(format!("incident {id}: its action is unreadable"))
        })?;
        // In one transaction: the incident is closed, the wait released and what was asked done
        // again. If the model still cannot go on, the new incident is kept (and this one
        // resolved, as in Camunda); any other failure changes nothing.
        let now = ts(&Utc::now());
        let instance = incident.instance_id.clone();
        let mut tx = self.db.writer.begin().await?;
        let closed = sqlx::query(
            "UPDATE process_incidents SET resolved_at = $1, resolved_by = $2 WHERE id = $3 AND resolved_at IS NULL",
        )
        .bind(&now)
        .bind(by)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if closed.rows_affected() != 1 {
            return Err(StoreError::NoIncident(id.to_owned()));
        }
        let job = matches!(action, Action::Job { .. });
        sqlx::query(&format!(
            "UPDATE process_waits SET incident_id = NULL, locked_by = NULL, lock_until = NULL{} WHERE instance_id = $1 AND wait_id = $2",
            if job { ", retries = 1" } else { "" }
        ))
        .bind(&instance)
        .bind(action.wait() as i64)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE process_instances SET status = 'active', incident = NULL WHERE id = $1 AND status = 'incident'
               AND NOT EXISTS (SELECT 1 FROM process_incidents c WHERE c.instance_id = $1 AND c.resolved_at IS NULL)",
        )
        .bind(&instance)
        .execute(&mut *tx)
        .await?;
        let caused = Some(by);
        let outcome = match action.clone() {
            Action::Job { .. } => Ok(Step::default()),
            Action::Arm { wait } => self
                .rearm_in(&mut tx, &instance, wait, by)
                .await
                .map(|()| Step::default()),
            Action::Complete { wait, result } => {
                self.apply_in_public(&mut tx, &instance, caused, Some(&action), |i, d| {
                    i.complete(d, wait, result, self.expr)
                })
                .await
            }
            Action::Trigger { wait, variables } => {
                self.apply_in_public(&mut tx, &instance, caused, Some(&action), |i, d| {
                    i.trigger(d, wait, variables, self.expr)
                })
                .await
            }
            Action::Throw { wait, code } => {
                self.apply_in_public(&mut tx, &instance, caused, Some(&action), |i, d| {
                    i.throw_error(d, wait, &code, self.expr)
                })
                .await
            }
        };
        super::steps::forget(&instance);
        match outcome {
            Ok(step) => {
                tx.commit().await?;
                Ok(step)
            }
            Err(e @ StoreError::Incident { .. }) => {
                tx.commit().await?;
                Err(e)
            }
            Err(e) => Err(e),
        }
    }
}

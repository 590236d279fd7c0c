//! One step on an instance: loading it, applying one engine call (completing, triggering) and
//! the work that needs no one, and saving it with its revision checked; the per-node cache of
//! instance states.

use super::deploy::cached;
use super::incidents::{is_incident, Action};
use super::{ts, Loaded, ProcessStore, StepView, StoreError, Tx};
use crate::engine::{EngineError, Instance, Step, WaitKind};
use crate::model::{Definitions, Kind};
use chrono::Utc;
use serde_json::{Map, Value as Json};
use sqlx::Row;
use std::sync::{Mutex, OnceLock};
use yagona_db::{Batch, Outcome, Value};

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

pub(super) fn remember(instance_id: &str, loaded: Loaded) {
    states()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(instance_id.to_owned(), loaded);
}

pub(super) fn forget(instance_id: &str) {
    states()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(instance_id);
}

impl ProcessStore<'_> {
    /// Does, within the same step, the work that needs no one: business-rule tasks that call a
    /// deployed decision are evaluated and completed at once (their result in
    /// `resultVariable`). A decision that fails or is missing fails the whole step.
    pub(super) async fn settle(
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
                        {
                            let mut v = instance.variables_for(w).into_owned();
                            v.extend(w.inputs.clone());
                            v
                        },
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
            let value = d.evaluate(&inputs, self.expr)?;
            let mut result = Map::new();
            result.insert(var, value);
            let more = instance.complete(defs, wait, result, self.expr)?;
            step.completed.extend(more.completed);
            step.new_waits.extend(more.new_waits);
            step.cancelled_waits.extend(more.cancelled_waits);
            step.signals.extend(more.signals);
            step.escalations.extend(more.escalations);
            step.cancelled_waits.push(wait);
        }
        Err(StoreError::Engine(EngineError::TooManySteps(1000)))
    }

    /// Reads an instance with its model, through the pool or inside a transaction.
    pub(super) async fn load<'e, E>(&self, ex: E, instance_id: &str) -> Result<Loaded, StoreError>
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
            // An instance with an open incident stays marked as such until it is resolved.
            "UPDATE process_instances SET state = $1, revision = revision + 1, updated_at = $3, ended_at = $4,
               status = CASE WHEN EXISTS (SELECT 1 FROM process_incidents c WHERE c.instance_id = $5 AND c.resolved_at IS NULL) THEN 'incident' ELSE $2 END
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
        self.arm_waits(tx, instance_id, &loaded.defs, instance, step, resource)
            .await?;
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

    /// Loads an instance, applies one engine call, and writes the result in one transaction,
    /// provided nobody changed the instance since it was read. The instance comes from what
    /// this node remembers of it when it can, else from the database; a remembered state that
    /// turns out stale (or fails the call) is dropped and the call done on the stored one.
    ///
    /// Where the model cannot go on, `action` (what was asked) is kept with an incident in a
    /// transaction of its own, and [`StoreError::Incident`] says so.
    pub(super) async fn apply(
        &self,
        instance_id: &str,
        resource: Option<&str>,
        action: Option<&Action>,
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
        match self.step_and_save(instance_id, loaded, resource, &f).await {
            Err(e) if is_incident(&e) => match action {
                Some(action) => Err(self
                    .raise_incident_alone(instance_id, action, &e, resource)
                    .await?),
                None => Err(e),
            },
            other => other,
        }
    }

    /// One engine call on a loaded instance, saved in a (group-committed) transaction.
    async fn step_and_save(
        &self,
        instance_id: &str,
        mut loaded: Loaded,
        resource: Option<&str>,
        f: &impl Fn(&mut Instance, &Definitions) -> Result<Step, EngineError>,
    ) -> Result<Step, StoreError> {
        let mut step = match f(&mut loaded.instance, &loaded.defs) {
            Err(EngineError::UncaughtError { element, code }) if loaded.parent.is_some() => {
                // Not caught in this called process: its call activity may catch it.
                let mut tx = self.db.writer.begin().await?;
                match self
                    .propagate_error(&mut tx, instance_id, &loaded, &code, resource)
                    .await?
                {
                    Some(step) => {
                        tx.commit().await?;
                        return Ok(step);
                    }
                    None => return Err(EngineError::UncaughtError { element, code }.into()),
                }
            }
            other => other?,
        };
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

    /// [`Self::apply`] inside the caller's transaction. Where the model cannot go on, the
    /// incident is written in that transaction and [`StoreError::Incident`] returned: the
    /// caller commits what it did (an officer's decision, recorded) with the incident.
    async fn apply_in(
        &self,
        tx: &mut Tx,
        instance_id: &str,
        resource: Option<&str>,
        action: Option<&Action>,
        f: impl FnOnce(&mut Instance, &Definitions) -> Result<Step, EngineError>,
    ) -> Result<Step, StoreError> {
        let mut loaded = self.load(&mut **tx, instance_id).await?;
        let stepped = async {
            let mut step = match f(&mut loaded.instance, &loaded.defs) {
                Err(EngineError::UncaughtError { element, code }) if loaded.parent.is_some() => {
                    return match self
                        .propagate_error(tx, instance_id, &loaded, &code, resource)
                        .await?
                    {
                        Some(step) => Ok(step),
                        None => Err(EngineError::UncaughtError { element, code }.into()),
                    };
                }
                other => other?,
            };
            self.settle(&mut loaded.instance, &loaded.defs, &mut step)
                .await?;
            Ok::<_, StoreError>(step)
        }
        .await;
        match stepped {
            Ok(step) => {
                self.save(tx, instance_id, &loaded, &step, resource).await?;
                Ok(step)
            }
            Err(e) => {
                forget(instance_id);
                match action {
                    Some(action) if is_incident(&e) => Err(self
                        .raise_incident(tx, instance_id, action, &e, resource)
                        .await?),
                    _ => Err(e),
                }
            }
        }
    }

    /// A BPMN error a called process did not catch, thrown at its call activity (in `tx`), as
    /// Camunda propagates it: caught there or further out — and then the called process ends —
    /// or, caught nowhere up the chain of callers, `None` (the caller raises the incident where
    /// the error was thrown).
    fn propagate_error<'b>(
        &'b self,
        tx: &'b mut Tx,
        instance_id: &'b str,
        loaded: &'b Loaded,
        code: &'b str,
        resource: Option<&'b str>,
    ) -> futures::future::BoxFuture<'b, Result<Option<Step>, StoreError>> {
        Box::pin(async move {
            let Some((caller, wait)) = &loaded.parent else {
                return Ok(None);
            };
            let caught = self
                .apply_in(tx, caller, resource, None, |i, d| {
                    i.throw_error(d, *wait, code, self.expr)
                })
                .await;
            match caught {
                Ok(step) => {
                    // The call activity's wait was taken by the error: what it called ends.
                    self.terminate_called(tx, caller, &[*wait]).await?;
                    forget(instance_id);
                    Ok(Some(step))
                }
                Err(StoreError::Engine(EngineError::UncaughtError { .. })) => Ok(None),
                Err(e) => Err(e),
            }
        })
    }

    /// [`Self::apply_in`] for the store's other modules.
    pub(super) async fn apply_in_public(
        &self,
        tx: &mut Tx,
        instance_id: &str,
        resource: Option<&str>,
        action: Option<&Action>,
        f: impl FnOnce(&mut Instance, &Definitions) -> Result<Step, EngineError>,
    ) -> Result<Step, StoreError> {
        self.apply_in(tx, instance_id, resource, action, f).await
    }

    /// Completes a user task or a job (jobs through [`Self::complete_job`], which checks the lock).
    pub async fn complete(
        &self,
        instance_id: &str,
        wait_id: u64,
        result: Map<String, Json>,
        resource: Option<&str>,
    ) -> Result<Step, StoreError> {
        let action = Action::Complete {
            wait: wait_id,
            result: result.clone(),
        };
        self.apply(instance_id, resource, Some(&action), |i, d| {
            i.complete(d, wait_id, result.clone(), self.expr)
        })
        .await
    }

    /// Starts elements of a running ad-hoc sub-process of the instance (Camunda's "activate
    /// activities within an ad-hoc sub-process"). Elements it does not have, or a step that
    /// cannot be taken, are refused and change nothing.
    pub async fn activate_ad_hoc(
        &self,
        instance_id: &str,
        ad_hoc: &str,
        elements: &[String],
        resource: Option<&str>,
    ) -> Result<Step, StoreError> {
        self.apply(instance_id, resource, None, |i, d| {
            i.activate_ad_hoc(d, ad_hoc, elements, self.expr)
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
        let stepped = async {
            let mut step =
                loaded
                    .instance
                    .trigger(&loaded.defs, wait_id, variables.clone(), self.expr)?;
            self.settle(&mut loaded.instance, &loaded.defs, &mut step)
                .await?;
            Ok::<_, StoreError>(step)
        }
        .await;
        let step = match stepped {
            Ok(step) => step,
            Err(e) if is_incident(&e) => {
                let action = Action::Trigger {
                    wait: wait_id,
                    variables,
                };
                return Err(self
                    .raise_incident_alone(instance_id, &action, &e, None)
                    .await?);
            }
            Err(e) => return Err(e),
        };
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
        let action = Action::Complete {
            wait: wait_id,
            result: result.clone(),
        };
        self.apply_in(tx, instance_id, resource, Some(&action), |i, d| {
            i.complete(d, wait_id, result, self.expr)
        })
        .await
    }
}

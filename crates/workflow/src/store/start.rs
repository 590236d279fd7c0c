//! Starting instances, and call activities: the processes they call start and end with the
//! caller's step.

use super::steps::remember;
use super::{ts, Loaded, ProcessStore, StepView, StoreError, Tx};
use crate::engine::{Instance, Step};
use crate::model::{Definitions, Kind};
use chrono::Utc;
use serde_json::{Map, Value as Json};
use std::sync::Arc;
use yagona_db::{Batch, Outcome, Value};

impl ProcessStore<'_> {
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
    pub(super) async fn insert_instance(
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
        self.arm_waits(tx, &id, defs, instance, step, None).await?;
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
    pub(super) fn follow_calls<'b>(
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
            // A call activity withdrawn (an interrupting boundary event, a completion
            // condition, a terminate end event) ends the process it called, and what that
            // called in turn.
            if !step.cancelled_waits.is_empty() {
                self.terminate_called(tx, id, &step.cancelled_waits).await?;
            }
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
                    match self.expr.evaluate(&called, &instance.variables_for(w)) {
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
                let vars = if w.item.is_some() {
                    // One instance of a multi-instance call: the caller's variables with this
                    // instance's own (its element of the collection) on top.
                    let mut v = instance.variables_for(w).into_owned();
                    v.extend(w.inputs.clone());
                    v
                } else if w.inputs.is_empty() {
                    instance.variables_for(w).into_owned()
                } else {
                    w.inputs.clone()
                };
                let (mut child, mut child_step) =
                    match Instance::start(&child_defs, Some(&called), vars, self.expr) {
                        Ok(started) => started,
                        // The called process failed at once with an error it does not catch:
                        // thrown at the call activity, as if it had run.
                        Err(crate::engine::EngineError::UncaughtError { code, .. }) => {
                            self.apply_in_public(tx, id, None, None, |i, d| {
                                i.throw_error(d, w.id, &code, self.expr)
                            })
                            .await?;
                            continue;
                        }
                        Err(e) => return Err(e.into()),
                    };
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
            // Escalations nobody in this called process caught go to its call activity; an
            // interrupting catch there withdraws the call (and so ends this process).
            let mut called = true;
            if let Some((caller, wait)) = parent {
                for code in &step.escalations {
                    let caught = self
                        .apply_in_public(tx, caller, None, None, |i, d| {
                            i.escalate_from(d, *wait, code, self.expr)
                        })
                        .await;
                    match caught {
                        Ok(s) if s.cancelled_waits.contains(wait) => {
                            called = false;
                            break;
                        }
                        Ok(_) => {}
                        Err(StoreError::Engine(crate::engine::EngineError::UnknownWait(_))) => {
                            called = false;
                            break;
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
            if let (true, true, Some((caller, wait))) = (called, instance.ended, parent) {
                self.complete_in(tx, caller, *wait, instance.variables.clone(), None)
                    .await?;
            }
            Ok(())
        })
    }

    /// Ends the processes called by these (withdrawn) waits of `caller`, and their own called
    /// processes: their waits go, and they are marked terminated, in the caller's transaction.
    pub(super) async fn terminate_called(
        &self,
        tx: &mut Tx,
        caller: &str,
        waits: &[u64],
    ) -> Result<(), StoreError> {
        let list: Vec<String> = waits.iter().map(|w| w.to_string()).collect();
        let mut frontier: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT id FROM process_instances WHERE parent_instance = $1 AND parent_wait IN ({}) AND ended_at IS NULL",
            list.join(", ")
        ))
        .bind(caller)
        .fetch_all(&mut **tx)
        .await?;
        let now = ts(&Utc::now());
        while let Some(child) = frontier.pop() {
            let grandchildren: Vec<String> = sqlx::query_scalar(
                "SELECT id FROM process_instances WHERE parent_instance = $1 AND ended_at IS NULL",
            )
            .bind(&child)
            .fetch_all(&mut **tx)
            .await?;
            frontier.extend(grandchildren);
            let mut loaded = self.load(&mut **tx, &child).await?;
            loaded.instance.waits.clear();
            loaded.instance.ended = true;
            sqlx::query("DELETE FROM process_waits WHERE instance_id = $1")
                .bind(&child)
                .execute(&mut **tx)
                .await?;
            sqlx::query(
                "UPDATE process_instances SET state = $1, status = 'terminated', ended_at = $2, updated_at = $2, revision = revision + 1 WHERE id = $3",
            )
            .bind(serde_json::to_string(&loaded.instance).expect("instances serialise"))
            .bind(&now)
            .bind(&child)
            .execute(&mut **tx)
            .await?;
            super::steps::forget(&child);
        }
        Ok(())
    }
}

//! Jobs: handing them to workers, their completion, failure and BPMN errors, and the worker
//! clients allowed to do them.

use super::{hash, ts, ActivatedJob, ProcessStore, StoreError, Tx, Worker};
use crate::engine::{EngineError, Instance, Step};
use chrono::{Duration, Utc};
use serde_json::{Map, Value as Json};
use sqlx::Row;

/// A fresh random token (256 bits, hex) for a worker client.
fn yagona_core_token() -> String {
    let a = uuid::Uuid::new_v4().simple().to_string();
    let b = uuid::Uuid::new_v4().simple().to_string();
    format!("yw_{a}{b}")
}

impl ProcessStore<'_> {
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
            // The variables the task sees: the process's and its sub-processes' own.
            let mut variables = serde_json::from_str::<Instance>(&state)
                .ok()
                .and_then(|i| {
                    let w = i.waits.iter().find(|w| w.id == wait_id as u64)?;
                    Some(i.variables_for(w).into_owned())
                })
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
            let action = super::incidents::Action::Job { wait: wait_id };
            self.raise_incident(
                &mut tx,
                instance_id,
                &action,
                &StoreError::JobFailed(message.to_owned()),
                Some(worker),
            )
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
        let action = super::incidents::Action::Throw {
            wait: wait_id,
            code: code.to_owned(),
        };
        self.apply(instance_id, Some(worker), Some(&action), |i, d| {
            i.throw_error(d, wait_id, code, self.expr)
        })
        .await
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
}

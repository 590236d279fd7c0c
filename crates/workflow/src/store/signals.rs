//! Signals: broadcast to every instance with a catch event for them (intermediate catch,
//! boundary, event sub-process start), as Camunda does. A signal thrown in a step, or broadcast
//! through the API, is kept in an outbox with that step; the background loop delivers it to the
//! waits that were open when it was thrown — each delivery once, its record and the step it
//! causes in one transaction — and then marks it done. It also starts a new instance of each
//! process whose latest version (deployed before the signal) has a signal start event for it,
//! once per signal and process.

use super::incidents::Action;
use super::{ts, ProcessStore, StoreError};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value as Json};

impl ProcessStore<'_> {
    /// Broadcasts a signal from outside (an agency system, an administrator): every wait for it
    /// open now is triggered by the background loop. Returns the signal's key.
    pub async fn broadcast(
        &self,
        name: &str,
        variables: Map<String, Json>,
    ) -> Result<String, StoreError> {
        let id = uuid::Uuid::now_v7().to_string();
        sqlx::query(
            "INSERT INTO process_signals (id, name, variables, thrown_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(name)
        .bind(Json::Object(variables).to_string())
        .bind(ts(&Utc::now()))
        .execute(&self.db.writer)
        .await?;
        Ok(id)
    }

    /// Delivers the signals not yet delivered; returns how many waits they triggered.
    pub async fn deliver_signals(&self, _now: DateTime<Utc>) -> Result<usize, StoreError> {
        let open: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT id, name, variables, thrown_at FROM process_signals WHERE done_at IS NULL ORDER BY thrown_at, id LIMIT 100",
        )
        .fetch_all(&self.db.pool)
        .await?;
        let mut triggered = 0;
        for (id, name, variables, thrown_at) in open {
            let variables: Map<String, Json> = serde_json::from_str(&variables).unwrap_or_default();
            triggered += self
                .start_by_signal(&id, &name, &thrown_at, &variables)
                .await?;
            // The subscriptions open when it was thrown, not delivered to yet.
            let waits: Vec<(String, i64)> = sqlx::query_as(
                "SELECT w.instance_id, w.wait_id FROM process_waits w
                 WHERE w.kind = 'signal' AND w.message_name = $1 AND w.incident_id IS NULL AND w.created_at <= $2
                   AND NOT EXISTS (SELECT 1 FROM process_signal_deliveries d WHERE d.signal_id = $3 AND d.instance_id = w.instance_id AND d.wait_id = w.wait_id)
                 ORDER BY w.created_at, w.instance_id, w.wait_id",
            )
            .bind(&name)
            .bind(&thrown_at)
            .bind(&id)
            .fetch_all(&self.db.pool)
            .await?;
            let mut settled = true;
            for (instance, wait) in waits {
                let mut tx = self.db.writer.begin().await?;
                let claimed = sqlx::query(
                    "INSERT INTO process_signal_deliveries (signal_id, instance_id, wait_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(&id)
                .bind(&instance)
                .bind(wait)
                .execute(&mut *tx)
                .await?;
                if claimed.rows_affected() != 1 {
                    continue; // another node delivered it
                }
                let action = Action::Trigger {
                    wait: wait as u64,
                    variables: variables.clone(),
                };
                let vars = variables.clone();
                match self
                    .apply_in_public(&mut tx, &instance, None, Some(&action), move |i, d| {
                        i.trigger(d, wait as u64, vars, self.expr)
                    })
                    .await
                {
                    Ok(_) | Err(StoreError::Incident { .. }) => {
                        tx.commit().await?;
                        triggered += 1;
                    }
                    // Withdrawn meanwhile: nothing to deliver to.
                    Err(StoreError::Engine(crate::engine::EngineError::UnknownWait(_))) => {}
                    // Changed meanwhile: the next round tries again.
                    Err(StoreError::Conflict) => settled = false,
                    Err(e) => return Err(e),
                }
            }
            if settled {
                sqlx::query("UPDATE process_signals SET done_at = $1 WHERE id = $2")
                    .bind(ts(&Utc::now()))
                    .bind(&id)
                    .execute(&self.db.writer)
                    .await?;
            }
        }
        Ok(triggered)
    }

    /// Starts the processes a signal starts, each once for this signal: the claim (a delivery
    /// row for the process) and the new instance are one transaction. Returns how many started.
    async fn start_by_signal(
        &self,
        signal_id: &str,
        name: &str,
        thrown_at: &str,
        variables: &Map<String, Json>,
    ) -> Result<usize, StoreError> {
        let starts: Vec<(String, i64, String)> = sqlx::query_as(
            "SELECT s.process_id, s.version, s.element_id FROM process_signal_starts s
             WHERE s.signal_name = $1
               AND s.version = (SELECT MAX(d.version) FROM process_definitions d
                                WHERE d.process_id = s.process_id AND d.deployed_at <= $2)
             ORDER BY s.process_id, s.element_id",
        )
        .bind(name)
        .bind(thrown_at)
        .fetch_all(&self.db.pool)
        .await?;
        let mut started = 0;
        for (process_id, version, element) in starts {
            let (_, defs) = self.definitions(&process_id, Some(version)).await?;
            let (mut instance, mut step) = crate::engine::Instance::start_at(
                &defs,
                Some(&process_id),
                Some(&element),
                variables.clone(),
                self.expr,
            )?;
            self.settle(&mut instance, &defs, &mut step).await?;
            let mut tx = self.db.writer.begin().await?;
            let claimed = sqlx::query(
                "INSERT INTO process_signal_deliveries (signal_id, instance_id, wait_id) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING",
            )
            .bind(signal_id)
            .bind(format!("start:{process_id}"))
            .execute(&mut *tx)
            .await?;
            if claimed.rows_affected() != 1 {
                continue; // started already (by another node, or before a restart)
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
            started += 1;
        }
        Ok(started)
    }
}

//! Messages: delivering one to the instance that waits for it, starting a process with it, or
//! keeping it for its time to live until someone waits for it — Zeebe's message correlation.
//!
//! A message wait subscribes with a correlation key: the value of its message's
//! `zeebe:subscription correlationKey` expression when the wait opens (a string, or a number as
//! text), or, where the message has none, the instance's business key (Yagona's applications
//! correlate by reference number without writing it in every model). A key expression that
//! gives anything else is an incident at the waiting element, as in Camunda.

use super::incidents::Action;
use super::{ts, Correlation, ProcessStore, StoreError, Tx};
use crate::engine::{Instance, Wait, WaitKind};
use crate::model::Definitions;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value as Json};

/// Messages waiting in the buffer delivered per round of the background loop.
const BUFFERED_PER_ROUND: i64 = 500;

impl ProcessStore<'_> {
    /// A message wait's correlation key: `Ok(None)` where its message has no key expression
    /// (the business key is used), `Err` where the expression gives no usable key.
    pub(super) fn correlation_key(
        &self,
        defs: &Definitions,
        instance: &Instance,
        w: &Wait,
    ) -> Result<Option<String>, String> {
        let WaitKind::Message { message: Some(id) } = &w.what else {
            return Ok(None);
        };
        let Some(expression) = defs
            .messages
            .iter()
            .find(|m| &m.id == id)
            .and_then(|m| m.correlation_key.as_deref())
        else {
            return Ok(None);
        };
        match self
            .expr
            .evaluate_traced(expression, &instance.variables_for(w))
        {
            Ok((Json::String(s), _)) => Ok(Some(s)),
            Ok((Json::Number(n), _)) => Ok(Some(n.to_string())),
            Ok((other, warning)) => Err(format!(
                "the correlation key {expression:?} gave {other}{}, not a string or a number",
                warning.map(|w| format!(" ({w})")).unwrap_or_default()
            )),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Delivers a message to the instance that waits for it with this correlation key; when
    /// none waits, starts the process (the first by id) whose latest version has a message
    /// start event for it, with the key as business key — as Zeebe's message correlation does,
    /// including its one active instance per business key. Not kept if nobody takes it.
    pub async fn correlate(
        &self,
        message_name: &str,
        correlation_key: &str,
        variables: Map<String, Json>,
    ) -> Result<Correlation, StoreError> {
        self.publish(
            message_name,
            correlation_key,
            variables,
            Duration::zero(),
            None,
        )
        .await
    }

    /// [`Self::correlate`], and where nobody takes the message, it is kept for `ttl` and
    /// delivered to the first wait that opens for it meanwhile (by the background loop, see
    /// [`Self::deliver_buffered`]). A `message_id` makes publishing idempotent: the same id
    /// again, while the first is kept, changes nothing.
    pub async fn publish(
        &self,
        message_name: &str,
        correlation_key: &str,
        variables: Map<String, Json>,
        ttl: Duration,
        message_id: Option<&str>,
    ) -> Result<Correlation, StoreError> {
        if let Some(id) = message_id {
            let kept: Option<(Option<String>,)> =
                sqlx::query_as("SELECT consumed_by FROM process_messages WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.db.pool)
                    .await?;
            if let Some((consumed_by,)) = kept {
                return Ok(match consumed_by {
                    Some(instance) => Correlation::Delivered(instance),
                    None => Correlation::Buffered(id.to_owned()),
                });
            }
        }
        if let Some((instance, wait)) = self.subscriber(message_name, correlation_key).await? {
            let Some(id) = message_id else {
                self.trigger(&instance, wait as u64, variables).await?;
                return Ok(Correlation::Delivered(instance));
            };
            // With an id, its record and the delivery are one transaction: the same id again
            // finds it delivered, and is not delivered to another wait.
            let now = Utc::now();
            let mut tx = self.db.writer.begin().await?;
            let recorded = sqlx::query(
                "INSERT INTO process_messages (id, name, correlation_key, variables, published_at, expires_at, consumed_by, consumed_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $5) ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(message_name)
            .bind(correlation_key)
            .bind(Json::Object(variables.clone()).to_string())
            .bind(ts(&now))
            .bind(ts(&(now + ttl)))
            .bind(&instance)
            .execute(&mut *tx)
            .await?;
            if recorded.rows_affected() != 1 {
                // Published by a concurrent call with the same id: that call delivers it.
                return Ok(Correlation::Buffered(id.to_owned()));
            }
            let action = Action::Trigger {
                wait: wait as u64,
                variables: variables.clone(),
            };
            return match self
                .apply_in_public(&mut tx, &instance, None, Some(&action), |i, d| {
                    i.trigger(d, wait as u64, variables, self.expr)
                })
                .await
            {
                Ok(_) => {
                    tx.commit().await?;
                    Ok(Correlation::Delivered(instance))
                }
                Err(e @ StoreError::Incident { .. }) => {
                    tx.commit().await?;
                    Err(e)
                }
                Err(e) => Err(e),
            };
        }
        match self
            .start_by_message(message_name, correlation_key, variables.clone())
            .await?
        {
            Correlation::Unmatched if ttl > Duration::zero() => {}
            other => return Ok(other),
        }
        let id = message_id
            .map(str::to_owned)
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
        let now = Utc::now();
        let inserted = sqlx::query(
            "INSERT INTO process_messages (id, name, correlation_key, variables, published_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&id)
        .bind(message_name)
        .bind(correlation_key)
        .bind(Json::Object(variables).to_string())
        .bind(ts(&now))
        .bind(ts(&(now + ttl)))
        .execute(&self.db.writer)
        .await?;
        let _ = inserted;
        Ok(Correlation::Buffered(id))
    }

    /// Publishes a message inside the caller's transaction, so that it is published if and
    /// only if the caller's change commits (a payment and the `fee-paid` it owes the
    /// application's process): delivered there and then to the wait for it, the step it causes
    /// in the same transaction, or else kept for `ttl` for the first wait that opens. The
    /// `message_id` makes it idempotent: published again, it changes nothing. An incident the
    /// step raises is recorded with the delivery, as the background delivery does.
    pub async fn publish_in(
        &self,
        tx: &mut Tx,
        message_name: &str,
        correlation_key: &str,
        variables: Map<String, Json>,
        ttl: Duration,
        message_id: &str,
    ) -> Result<Correlation, StoreError> {
        let kept: Option<(Option<String>,)> =
            sqlx::query_as("SELECT consumed_by FROM process_messages WHERE id = $1")
                .bind(message_id)
                .fetch_optional(&mut **tx)
                .await?;
        if let Some((consumed_by,)) = kept {
            return Ok(match consumed_by {
                Some(instance) => Correlation::Delivered(instance),
                None => Correlation::Buffered(message_id.to_owned()),
            });
        }
        let now = Utc::now();
        let subscriber = subscriber(tx, message_name, correlation_key).await?;
        sqlx::query(
            "INSERT INTO process_messages (id, name, correlation_key, variables, published_at, expires_at, consumed_by, consumed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(message_id)
        .bind(message_name)
        .bind(correlation_key)
        .bind(Json::Object(variables.clone()).to_string())
        .bind(ts(&now))
        .bind(ts(&(now + ttl)))
        .bind(subscriber.as_ref().map(|(instance, _)| instance.clone()))
        .bind(subscriber.as_ref().map(|_| ts(&now)))
        .execute(&mut **tx)
        .await?;
        let Some((instance, wait)) = subscriber else {
            return Ok(Correlation::Buffered(message_id.to_owned()));
        };
        let action = Action::Trigger {
            wait: wait as u64,
            variables: variables.clone(),
        };
        match self
            .apply_in_public(tx, &instance, None, Some(&action), |i, d| {
                i.trigger(d, wait as u64, variables, self.expr)
            })
            .await
        {
            Ok(_) | Err(StoreError::Incident { .. }) => Ok(Correlation::Delivered(instance)),
            Err(e) => Err(e),
        }
    }

    /// The oldest wait for this message with this correlation key.
    async fn subscriber(
        &self,
        message_name: &str,
        correlation_key: &str,
    ) -> Result<Option<(String, i64)>, StoreError> {
        let mut conn = self.db.pool.acquire().await?;
        subscriber(&mut conn, message_name, correlation_key).await
    }

    async fn start_by_message(
        &self,
        message_name: &str,
        business_key: &str,
        variables: Map<String, Json>,
    ) -> Result<Correlation, StoreError> {
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

    /// Delivers kept messages to the waits that opened for them since, each message once: its
    /// claim and the step it causes are one transaction. Expired messages are dropped. Returns
    /// how many were delivered.
    pub async fn deliver_buffered(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        sqlx::query("DELETE FROM process_messages WHERE consumed_at IS NULL AND expires_at <= $1")
            .bind(ts(&now))
            .execute(&self.db.writer)
            .await?;
        let kept: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT id, name, correlation_key, variables FROM process_messages
             WHERE consumed_at IS NULL AND expires_at > $1 ORDER BY published_at, id LIMIT $2",
        )
        .bind(ts(&now))
        .bind(BUFFERED_PER_ROUND)
        .fetch_all(&self.db.pool)
        .await?;
        let mut delivered = 0;
        for (id, name, key, variables) in kept {
            let Some((instance, wait)) = self.subscriber(&name, &key).await? else {
                continue;
            };
            let variables: Map<String, Json> = serde_json::from_str(&variables).unwrap_or_default();
            let mut tx = self.db.writer.begin().await?;
            if !claim(&mut tx, &id, &instance, now).await? {
                continue; // another node delivered it
            }
            let action = Action::Trigger {
                wait: wait as u64,
                variables: variables.clone(),
            };
            match self
                .apply_in_public(&mut tx, &instance, None, Some(&action), |i, d| {
                    i.trigger(d, wait as u64, variables, self.expr)
                })
                .await
            {
                // An incident is recorded with the delivery, in the same transaction.
                Ok(_) | Err(StoreError::Incident { .. }) => {
                    tx.commit().await?;
                    delivered += 1;
                }
                // The wait went meanwhile: the message stays for the next one.
                Err(StoreError::Conflict) | Err(StoreError::Engine(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(delivered)
    }
}

/// Marks a kept message as taken by `instance`; false if someone took it first.
async fn claim(
    tx: &mut Tx,
    id: &str,
    instance: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE process_messages SET consumed_by = $1, consumed_at = $2 WHERE id = $3 AND consumed_at IS NULL",
    )
    .bind(instance)
    .bind(ts(&now))
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The oldest wait for this message with this correlation key, read through `db`: of the
/// waits subscribed with the key and those of the instance whose business key it is (a wait
/// whose message has no key expression). Two queries, each on an index — one with `OR` read
/// every wait for the message name, so that settling a payment grew slower with every
/// application waiting for one.
async fn subscriber(
    db: &mut sqlx::AnyConnection,
    message_name: &str,
    correlation_key: &str,
) -> Result<Option<(String, i64)>, StoreError> {
    let by_key: Option<(String, i64, String)> = sqlx::query_as(
        "SELECT w.instance_id, w.wait_id, w.created_at FROM process_waits w
         WHERE w.message_name = $1 AND w.correlation_key = $2 AND w.kind = 'message' AND w.incident_id IS NULL
         ORDER BY w.created_at, w.wait_id LIMIT 1",
    )
    .bind(message_name)
    .bind(correlation_key)
    .fetch_optional(&mut *db)
    .await?;
    let by_business_key: Option<(String, i64, String)> = sqlx::query_as(
        "SELECT w.instance_id, w.wait_id, w.created_at FROM process_instances i
         JOIN process_waits w ON w.instance_id = i.id
         WHERE i.business_key = $2 AND w.message_name = $1 AND w.correlation_key IS NULL
           AND w.kind = 'message' AND w.incident_id IS NULL
         ORDER BY w.created_at, w.wait_id LIMIT 1",
    )
    .bind(message_name)
    .bind(correlation_key)
    .fetch_optional(&mut *db)
    .await?;
    let oldest = match (by_key, by_business_key) {
        (Some(a), Some(b)) => Some(if (&b.2, b.1) < (&a.2, a.1) { b } else { a }),
        (a, b) => a.or(b),
    };
    Ok(oldest.map(|(instance, wait, _)| (instance, wait)))
}

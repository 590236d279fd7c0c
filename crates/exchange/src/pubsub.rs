//! Publish/subscribe, as GovStack's Information Mediator describes it (`im-pubsub-api.yaml`).
//!
//! A *room* is a subsystem whose services `api`, `pub` and `pull` have the base URL
//! [`BASE_URL`]: the node answers them itself, after the gateway's usual checks — so who may
//! create event types, publish, subscribe or pull is decided by ordinary access rights (method
//! and path globs), and every publication, subscription and acknowledgement is signed and
//! logged like any other message.
//!
//! Delivery is at-least-once and survives restarts: publishing writes the event and one
//! delivery per subscription in one transaction; a delivery is done only when the subscriber
//! acknowledged it (pull: `DELETE pull/v1/{type}/{id}`) or its push endpoint answered 2xx.
//! Pushes that fail are retried with exponential back-off until the subscription's TTL has
//! passed since publication; any node may make them (claims in the database make each attempt
//! once).

use crate::id::ClientId;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::Row;
use yagona_db::{Db, DbError, Migration};

/// The base URL that marks a room's services.
pub const BASE_URL: &str = "yagona:pubsub";
/// A room's services: administration and subscriptions, publishing, pulling.
pub const SERVICES: &[&str] = &["api", "pub", "pull"];
/// A subscription's default time to live of an event (the API's default), in seconds.
pub const DEFAULT_TTL: i64 = 3600;
/// The longest wait between two push attempts.
pub const MAX_BACKOFF_SECONDS: i64 = 3600;

pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "pubsub",
    sql: "CREATE TABLE pubsub_event_types (
              room TEXT NOT NULL,
              event_type TEXT NOT NULL,
              schema TEXT NOT NULL,
              created_at TEXT NOT NULL,
              PRIMARY KEY (room, event_type)
          );
          CREATE TABLE pubsub_rooms (
              room TEXT PRIMARY KEY,
              seq BIGINT NOT NULL
          );
          CREATE TABLE pubsub_events (
              id TEXT PRIMARY KEY,
              room TEXT NOT NULL,
              event_type TEXT NOT NULL,
              seq BIGINT NOT NULL,
              publisher TEXT NOT NULL,
              event TEXT NOT NULL,
              published_at TEXT NOT NULL,
              cancelled BIGINT NOT NULL DEFAULT 0,
              message_id TEXT
          );
          CREATE INDEX pubsub_events_room ON pubsub_events (room, event_type, seq);
          CREATE UNIQUE INDEX pubsub_events_message ON pubsub_events (room, publisher, message_id);
          CREATE TABLE pubsub_subscriptions (
              id TEXT PRIMARY KEY,
              room TEXT NOT NULL,
              event_type TEXT NOT NULL,
              subscriber TEXT NOT NULL,
              delivery TEXT NOT NULL,
              push_service TEXT,
              ttl_seconds BIGINT NOT NULL,
              fifo BIGINT NOT NULL,
              created_at TEXT NOT NULL,
              UNIQUE (room, event_type, subscriber)
          );
          CREATE TABLE pubsub_deliveries (
              event_id TEXT NOT NULL,
              subscription_id TEXT NOT NULL,
              seq BIGINT NOT NULL,
              status TEXT NOT NULL,
              attempts BIGINT NOT NULL DEFAULT 0,
              next_attempt_at TEXT NOT NULL,
              expires_at TEXT NOT NULL,
              locked_until TEXT,
              last_error TEXT,
              done_at TEXT,
              PRIMARY KEY (event_id, subscription_id)
          );
          CREATE INDEX pubsub_deliveries_due ON pubsub_deliveries (status, next_attempt_at);
          CREATE INDEX pubsub_deliveries_sub ON pubsub_deliveries (subscription_id, status, seq);",
}];

/// A refusal, with the HTTP status the API gives it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    pub status: u16,
    pub message: String,
}

fn refuse(status: u16, message: impl Into<String>) -> Refusal {
    Refusal {
        status,
        message: message.into(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PubSubError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for PubSubError {
    fn from(e: sqlx::Error) -> Self {
        PubSubError::Db(e.into())
    }
}

/// The API's `SubscriberId`/`PublisherId`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Party {
    pub instance_id: String,
    pub member_class: String,
    pub member_code: String,
    pub application_code: String,
}

impl Party {
    pub fn of(id: &ClientId) -> Party {
        Party {
            instance_id: id.instance.clone(),
            member_class: id.class.clone(),
            member_code: id.member.clone(),
            application_code: id.subsystem.clone().unwrap_or_default(),
        }
    }
}

/// The API's `EventItem` (plus Yagona's publication time).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventItem {
    pub id: String,
    pub sequence: i64,
    pub publisher_id: Party,
    pub event_type: String,
    pub event: Value,
    pub published_at: String,
}

/// The API's `SubscriptionItem`; `pushService` (Yagona's) names the subscriber's own service
/// that pushed events are POSTed to, through the gateway.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub id: String,
    pub subscriber_id: Party,
    pub event_type: String,
    pub delivery: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub push_service: Option<String>,
    pub options: SubscriptionOptions,
    #[serde(skip)]
    pub subscriber: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionOptions {
    #[serde(rename = "TTL")]
    pub ttl: i64,
    #[serde(rename = "FIFO")]
    pub fifo: bool,
}

/// What a subscriber asks for (`POST`/`PATCH api/v1/subs/{eventType}`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionRequest {
    pub delivery: Option<String>,
    pub push_service: Option<String>,
    pub options: Option<OptionsRequest>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OptionsRequest {
    #[serde(rename = "TTL")]
    pub ttl: Option<i64>,
    #[serde(rename = "FIFO")]
    pub fifo: Option<bool>,
}

/// A publication's state for its publisher (`GET pub/v1/{type}/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventStatus {
    #[serde(flatten)]
    pub item: EventItem,
    pub cancelled: bool,
    /// Deliveries by state: pending, delivered, expired, cancelled.
    pub deliveries: std::collections::BTreeMap<String, i64>,
}

/// A push the node is to make now.
#[derive(Debug, Clone)]
pub struct Push {
    pub subscription_id: String,
    pub room: ClientId,
    pub subscriber: ClientId,
    pub push_service: String,
    pub attempts: i64,
    pub item: EventItem,
}

fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    yagona_core::format_timestamp(&t)
}

/// An event type name: what a path segment can carry plainly.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn validator(schema: &Value) -> Result<jsonschema::Validator, Refusal> {
    jsonschema::validator_for(schema).map_err(|e| {
        refuse(
            400,
            format!("the event type's schema is not a JSON Schema: {e}"),
        )
    })
}

/// Publish/subscribe over the database.
pub struct PubSub<'a> {
    pub db: &'a Db,
}

impl PubSub<'_> {
    pub async fn migrate(db: &Db) -> Result<(), DbError> {
        db.migrate("exchange-pubsub", MIGRATIONS).await
    }

    pub async fn create_event_type(
        &self,
        room: &ClientId,
        name: &str,
        schema: &Value,
    ) -> Result<(), PubSubError> {
        if !valid_name(name) {
            return Err(refuse(
                400,
                "an event type is 1–100 letters, digits, '-', '_' or '.'",
            )
            .into());
        }
        validator(schema)?;
        let inserted = sqlx::query(
            "INSERT INTO pubsub_event_types (room, event_type, schema, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (room, event_type) DO NOTHING",
        )
        .bind(room.to_string())
        .bind(name)
        .bind(schema.to_string())
        .bind(stamp(chrono::Utc::now()))
        .execute(&self.db.writer)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Err(refuse(409, format!("event type {name:?} already exists")).into());
        }
        Ok(())
    }

    pub async fn event_types(&self, room: &ClientId) -> Result<Vec<String>, DbError> {
        Ok(sqlx::query_scalar(
            "SELECT event_type FROM pubsub_event_types WHERE room = $1 ORDER BY event_type",
        )
        .bind(room.to_string())
        .fetch_all(&self.db.pool)
        .await?)
    }

    pub async fn event_type(&self, room: &ClientId, name: &str) -> Result<Option<Value>, DbError> {
        let schema: Option<String> = sqlx::query_scalar(
            "SELECT schema FROM pubsub_event_types WHERE room = $1 AND event_type = $2",
        )
        .bind(room.to_string())
        .bind(name)
        .fetch_optional(&self.db.pool)
        .await?;
        Ok(schema.and_then(|s| serde_json::from_str(&s).ok()))
    }

    /// Deletes an event type; its subscriptions and undelivered events go with it.
    pub async fn delete_event_type(&self, room: &ClientId, name: &str) -> Result<bool, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let deleted =
            sqlx::query("DELETE FROM pubsub_event_types WHERE room = $1 AND event_type = $2")
                .bind(room.to_string())
                .bind(name)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if deleted > 0 {
            sqlx::query(
                "UPDATE pubsub_deliveries SET status = 'cancelled' WHERE status = 'pending' AND subscription_id IN
                 (SELECT id FROM pubsub_subscriptions WHERE room = $1 AND event_type = $2)",
            )
            .bind(room.to_string())
            .bind(name)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM pubsub_subscriptions WHERE room = $1 AND event_type = $2")
                .bind(room.to_string())
                .bind(name)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(deleted > 0)
    }

    /// Publishes an event (checked against its type's schema): the event and one delivery per
    /// subscription, in one transaction. Returns the event's id. A publisher that sends the
    /// same message id (`X-Road-Id`) again — a retry after a lost answer — gets the same event
    /// back, published once.
    pub async fn publish(
        &self,
        room: &ClientId,
        name: &str,
        publisher: &ClientId,
        event: &Value,
        message_id: &str,
    ) -> Result<String, PubSubError> {
        let schema = self
            .event_type(room, name)
            .await?
            .ok_or_else(|| refuse(404, format!("no event type {name:?} in {room}")))?;
        let v = validator(&schema)?;
        let problems: Vec<String> = v
            .iter_errors(event)
            .map(|e| match e.instance_path.to_string() {
                at if at.is_empty() => format!("the event: {e}"),
                at => format!("{at}: {e}"),
            })
            .collect();
        if !problems.is_empty() {
            return Err(refuse(
                400,
                format!(
                    "the event does not match event type {name:?}: {}",
                    problems.join("; ")
                ),
            )
            .into());
        }
        let now = chrono::Utc::now();
        let id = uuid::Uuid::now_v7().to_string();
        let mut tx = self.db.writer.begin().await?;
        let earlier: Option<String> = sqlx::query_scalar(
            "SELECT id FROM pubsub_events WHERE room = $1 AND publisher = $2 AND message_id = $3",
        )
        .bind(room.to_string())
        .bind(publisher.to_string())
        .bind(message_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(earlier) = earlier {
            return Ok(earlier);
        }
        sqlx::query(
            "INSERT INTO pubsub_rooms (room, seq) VALUES ($1, 0) ON CONFLICT (room) DO NOTHING",
        )
        .bind(room.to_string())
        .execute(&mut *tx)
        .await?;
        let seq: i64 = sqlx::query_scalar(
            "UPDATE pubsub_rooms SET seq = seq + 1 WHERE room = $1 RETURNING seq",
        )
        .bind(room.to_string())
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO pubsub_events (id, room, event_type, seq, publisher, event, published_at, message_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(room.to_string())
        .bind(name)
        .bind(seq)
        .bind(publisher.to_string())
        .bind(event.to_string())
        .bind(stamp(now))
        .bind(message_id)
        .execute(&mut *tx)
        .await?;
        let subs: Vec<(String, i64)> = sqlx::query_as(
            "SELECT id, ttl_seconds FROM pubsub_subscriptions WHERE room = $1 AND event_type = $2",
        )
        .bind(room.to_string())
        .bind(name)
        .fetch_all(&mut *tx)
        .await?;
        for (sub, ttl) in subs {
            sqlx::query(
                "INSERT INTO pubsub_deliveries (event_id, subscription_id, seq, status, next_attempt_at, expires_at)
                 VALUES ($1, $2, $3, 'pending', $4, $5)",
            )
            .bind(&id)
            .bind(&sub)
            .bind(seq)
            .bind(stamp(now))
            .bind(stamp(now + chrono::Duration::seconds(ttl)))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    async fn item(&self, row: &sqlx::any::AnyRow) -> Result<EventItem, DbError> {
        let publisher: String = row.try_get("publisher")?;
        let event: String = row.try_get("event")?;
        Ok(EventItem {
            id: row.try_get("id")?,
            sequence: row.try_get("seq")?,
            publisher_id: ClientId::from_header(&publisher)
                .map(|p| Party::of(&p))
                .map_err(|_| DbError::Corrupt(format!("publisher {publisher:?}")))?,
            event_type: row.try_get("event_type")?,
            event: serde_json::from_str(&event)
                .map_err(|e| DbError::Corrupt(format!("event: {e}")))?,
            published_at: row.try_get("published_at")?,
        })
    }

    /// A publication and how far its deliveries got (for its publisher only).
    pub async fn status(
        &self,
        room: &ClientId,
        name: &str,
        id: &str,
        publisher: &ClientId,
    ) -> Result<Option<EventStatus>, DbError> {
        let Some(row) = sqlx::query(
            "SELECT id, seq, publisher, event_type, event, published_at, cancelled FROM pubsub_events
             WHERE id = $1 AND room = $2 AND event_type = $3 AND publisher = $4",
        )
        .bind(id)
        .bind(room.to_string())
        .bind(name)
        .bind(publisher.to_string())
        .fetch_optional(&self.db.pool)
        .await?
        else {
            return Ok(None);
        };
        let item = self.item(&row).await?;
        let counts: Vec<(String, i64)> = sqlx::query_as(
            "SELECT status, COUNT(*) FROM pubsub_deliveries WHERE event_id = $1 GROUP BY status",
        )
        .bind(id)
        .fetch_all(&self.db.pool)
        .await?;
        Ok(Some(EventStatus {
            item,
            cancelled: row.try_get::<i64, _>("cancelled")? != 0,
            deliveries: counts.into_iter().collect(),
        }))
    }

    /// Stops delivering a publication (its publisher only). Returns whether there was one.
    pub async fn cancel(
        &self,
        room: &ClientId,
        name: &str,
        id: &str,
        publisher: &ClientId,
    ) -> Result<bool, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let found = sqlx::query(
            "UPDATE pubsub_events SET cancelled = 1 WHERE id = $1 AND room = $2 AND event_type = $3 AND publisher = $4",
        )
        .bind(id)
        .bind(room.to_string())
        .bind(name)
        .bind(publisher.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if found {
            sqlx::query(
                "UPDATE pubsub_deliveries SET status = 'cancelled' WHERE event_id = $1 AND status = 'pending'",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(found)
    }

    fn subscription_from(row: &sqlx::any::AnyRow) -> Result<Subscription, DbError> {
        let subscriber: String = row.try_get("subscriber")?;
        let party = ClientId::from_header(&subscriber)
            .map(|c| Party::of(&c))
            .map_err(|_| DbError::Corrupt(format!("subscriber {subscriber:?}")))?;
        Ok(Subscription {
            id: row.try_get("id")?,
            subscriber_id: party,
            event_type: row.try_get("event_type")?,
            delivery: row.try_get("delivery")?,
            push_service: row.try_get("push_service")?,
            options: SubscriptionOptions {
                ttl: row.try_get("ttl_seconds")?,
                fifo: row.try_get::<i64, _>("fifo")? != 0,
            },
            subscriber,
        })
    }

    /// The caller's subscriptions in a room.
    pub async fn subscriptions(
        &self,
        room: &ClientId,
        subscriber: &ClientId,
    ) -> Result<Vec<Subscription>, DbError> {
        sqlx::query(
            "SELECT id, subscriber, event_type, delivery, push_service, ttl_seconds, fifo
             FROM pubsub_subscriptions WHERE room = $1 AND subscriber = $2 ORDER BY event_type",
        )
        .bind(room.to_string())
        .bind(subscriber.to_string())
        .fetch_all(&self.db.pool)
        .await?
        .iter()
        .map(Self::subscription_from)
        .collect()
    }

    pub async fn subscription(
        &self,
        room: &ClientId,
        name: &str,
        subscriber: &ClientId,
    ) -> Result<Option<Subscription>, DbError> {
        sqlx::query(
            "SELECT id, subscriber, event_type, delivery, push_service, ttl_seconds, fifo
             FROM pubsub_subscriptions WHERE room = $1 AND event_type = $2 AND subscriber = $3",
        )
        .bind(room.to_string())
        .bind(name)
        .bind(subscriber.to_string())
        .fetch_optional(&self.db.pool)
        .await?
        .as_ref()
        .map(Self::subscription_from)
        .transpose()
    }

    /// The caller's subscription, or a refusal with `status` (the API answers 404 or 409).
    async fn subscribed(
        &self,
        room: &ClientId,
        name: &str,
        subscriber: &ClientId,
        status: u16,
    ) -> Result<Subscription, PubSubError> {
        self.subscription(room, name, subscriber)
            .await?
            .ok_or_else(|| {
                refuse(
                    status,
                    format!("{subscriber} does not subscribe to {name:?}"),
                )
                .into()
            })
    }

    /// Checks a request against `current` (an update) or the API's defaults (a new one).
    fn settle(
        request: &SubscriptionRequest,
        current: Option<&Subscription>,
    ) -> Result<(String, Option<String>, i64, bool), Refusal> {
        let delivery = match (&request.delivery, current) {
            (Some(d), _) => d.to_ascii_uppercase(),
            (None, Some(c)) => c.delivery.clone(),
            (None, None) => "PUSH".into(),
        };
        if delivery != "PUSH" && delivery != "PULL" {
            return Err(refuse(400, "delivery is PUSH or PULL"));
        }
        let push_service = request
            .push_service
            .clone()
            .or_else(|| current.and_then(|c| c.push_service.clone()));
        if delivery == "PUSH" && push_service.is_none() {
            return Err(refuse(
                400,
                "PUSH delivery needs pushService: the code of your subsystem's service that events are POSTed to",
            ));
        }
        let opts = request.options.clone().unwrap_or_default();
        let ttl = opts
            .ttl
            .unwrap_or(current.map_or(DEFAULT_TTL, |c| c.options.ttl));
        if !(1..=30 * 24 * 3600).contains(&ttl) {
            return Err(refuse(400, "options.TTL is 1 to 2592000 seconds"));
        }
        let fifo = opts.fifo.unwrap_or(current.is_some_and(|c| c.options.fifo));
        Ok((
            delivery.clone(),
            if delivery == "PUSH" {
                push_service
            } else {
                None
            },
            ttl,
            fifo,
        ))
    }

    pub async fn subscribe(
        &self,
        room: &ClientId,
        name: &str,
        subscriber: &ClientId,
        request: &SubscriptionRequest,
    ) -> Result<Subscription, PubSubError> {
        if self.event_type(room, name).await?.is_none() {
            return Err(refuse(404, format!("no event type {name:?} in {room}")).into());
        }
        let (delivery, push_service, ttl, fifo) = Self::settle(request, None)?;
        let inserted = sqlx::query(
            "INSERT INTO pubsub_subscriptions (id, room, event_type, subscriber, delivery, push_service, ttl_seconds, fifo, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (room, event_type, subscriber) DO NOTHING",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(room.to_string())
        .bind(name)
        .bind(subscriber.to_string())
        .bind(&delivery)
        .bind(&push_service)
        .bind(ttl)
        .bind(fifo as i64)
        .bind(stamp(chrono::Utc::now()))
        .execute(&self.db.writer)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Err(refuse(409, format!("{subscriber} already subscribes to {name:?}")).into());
        }
        self.subscribed(room, name, subscriber, 404).await
    }

    pub async fn update_subscription(
        &self,
        room: &ClientId,
        name: &str,
        subscriber: &ClientId,
        request: &SubscriptionRequest,
    ) -> Result<Subscription, PubSubError> {
        let current = self.subscribed(room, name, subscriber, 404).await?;
        let (delivery, push_service, ttl, fifo) = Self::settle(request, Some(&current))?;
        sqlx::query(
            "UPDATE pubsub_subscriptions SET delivery = $1, push_service = $2, ttl_seconds = $3, fifo = $4 WHERE id = $5",
        )
        .bind(&delivery)
        .bind(&push_service)
        .bind(ttl)
        .bind(fifo as i64)
        .bind(&current.id)
        .execute(&self.db.writer)
        .await?;
        self.subscribed(room, name, subscriber, 404).await
    }

    /// Cancels a subscription; what it had not received yet is not delivered.
    pub async fn unsubscribe(
        &self,
        room: &ClientId,
        name: &str,
        subscriber: &ClientId,
    ) -> Result<bool, DbError> {
        let Some(current) = self.subscription(room, name, subscriber).await? else {
            return Ok(false);
        };
        let mut tx = self.db.writer.begin().await?;
        sqlx::query(
            "UPDATE pubsub_deliveries SET status = 'cancelled' WHERE subscription_id = $1 AND status = 'pending'",
        )
        .bind(&current.id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM pubsub_subscriptions WHERE id = $1")
            .bind(&current.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The oldest event the subscriber has not acknowledged (it stays so until acknowledged:
    /// pulling again without acknowledging gives it again).
    pub async fn pull(
        &self,
        room: &ClientId,
        name: &str,
        subscriber: &ClientId,
    ) -> Result<Option<EventItem>, PubSubError> {
        let sub = self.subscribed(room, name, subscriber, 409).await?;
        if sub.delivery != "PULL" {
            return Err(refuse(409, "this subscription is delivered by PUSH").into());
        }
        self.expire(Some(&sub.id)).await?;
        let row = sqlx::query(
            "SELECT e.id, e.seq, e.publisher, e.event_type, e.event, e.published_at
             FROM pubsub_deliveries d JOIN pubsub_events e ON e.id = d.event_id
             WHERE d.subscription_id = $1 AND d.status = 'pending'
             ORDER BY d.seq LIMIT 1",
        )
        .bind(&sub.id)
        .fetch_optional(&self.db.pool)
        .await?;
        match row {
            Some(r) => Ok(Some(self.item(&r).await?)),
            None => Ok(None),
        }
    }

    /// Acknowledges a pulled event. Returns whether it was waiting.
    pub async fn acknowledge(
        &self,
        room: &ClientId,
        name: &str,
        subscriber: &ClientId,
        event_id: &str,
    ) -> Result<bool, PubSubError> {
        let sub = self.subscribed(room, name, subscriber, 409).await?;
        Ok(self.done(event_id, &sub.id, "delivered").await?)
    }

    async fn done(
        &self,
        event_id: &str,
        subscription: &str,
        status: &str,
    ) -> Result<bool, DbError> {
        Ok(sqlx::query(
            "UPDATE pubsub_deliveries SET status = $1, done_at = $2, locked_until = NULL
             WHERE event_id = $3 AND subscription_id = $4 AND status = 'pending'",
        )
        .bind(status)
        .bind(stamp(chrono::Utc::now()))
        .bind(event_id)
        .bind(subscription)
        .execute(&self.db.writer)
        .await?
        .rows_affected()
            > 0)
    }

    /// Deliveries whose TTL has passed are given up (`expired`).
    async fn expire(&self, subscription: Option<&str>) -> Result<u64, DbError> {
        let now = stamp(chrono::Utc::now());
        let q = match subscription {
            Some(_) => {
                "UPDATE pubsub_deliveries SET status = 'expired', done_at = $1
                        WHERE status = 'pending' AND expires_at <= $1 AND subscription_id = $2"
            }
            None => {
                "UPDATE pubsub_deliveries SET status = 'expired', done_at = $1
                     WHERE status = 'pending' AND expires_at <= $1"
            }
        };
        let mut query = sqlx::query(q).bind(&now);
        if let Some(s) = subscription {
            query = query.bind(s);
        }
        Ok(query.execute(&self.db.writer).await?.rows_affected())
    }

    /// Claims up to `limit` pushes due now for `lease` (another node takes them over only after
    /// it): the oldest first, and for a FIFO subscription only its oldest pending event. Only
    /// rooms `can_push` says yes to are claimed (a node pushes for the rooms it holds the key
    /// of; others leave them to the node that does).
    pub async fn due_pushes(
        &self,
        limit: i64,
        lease: chrono::Duration,
        can_push: impl Fn(&ClientId) -> bool,
    ) -> Result<Vec<Push>, DbError> {
        self.expire(None).await?;
        let now = chrono::Utc::now();
        let rows = sqlx::query(
            "SELECT d.event_id, d.subscription_id, d.attempts, s.room, s.subscriber, s.push_service, s.fifo,
                    e.id, e.seq, e.publisher, e.event_type, e.event, e.published_at
             FROM pubsub_deliveries d
             JOIN pubsub_subscriptions s ON s.id = d.subscription_id
             JOIN pubsub_events e ON e.id = d.event_id
             WHERE d.status = 'pending' AND s.delivery = 'PUSH' AND d.next_attempt_at <= $1
               AND (d.locked_until IS NULL OR d.locked_until <= $1)
             ORDER BY d.next_attempt_at, d.seq LIMIT $2",
        )
        .bind(stamp(now))
        .bind(limit)
        .fetch_all(&self.db.pool)
        .await?;
        let mut out = Vec::new();
        let mut fifo_taken = std::collections::HashSet::new();
        for r in rows {
            let sub: String = r.try_get("subscription_id")?;
            let event_id: String = r.try_get("event_id")?;
            let seq: i64 = r.try_get("seq")?;
            let room_text: String = r.try_get("room")?;
            if !ClientId::from_header(&room_text).is_ok_and(|room| can_push(&room)) {
                continue;
            }
            if r.try_get::<i64, _>("fifo")? != 0 {
                // In order: nothing newer goes before an older one is delivered.
                let older: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM pubsub_deliveries WHERE subscription_id = $1 AND status = 'pending' AND seq < $2",
                )
                .bind(&sub)
                .bind(seq)
                .fetch_one(&self.db.pool)
                .await?;
                if older > 0 || !fifo_taken.insert(sub.clone()) {
                    continue;
                }
            }
            let claimed = sqlx::query(
                "UPDATE pubsub_deliveries SET locked_until = $1
                 WHERE event_id = $2 AND subscription_id = $3 AND status = 'pending'
                   AND (locked_until IS NULL OR locked_until <= $4)",
            )
            .bind(stamp(now + lease))
            .bind(&event_id)
            .bind(&sub)
            .bind(stamp(now))
            .execute(&self.db.writer)
            .await?
            .rows_affected()
                == 1;
            if !claimed {
                continue;
            }
            let room: String = r.try_get("room")?;
            let subscriber: String = r.try_get("subscriber")?;
            let corrupt = |w: &str| DbError::Corrupt(format!("subscription {sub}: {w}"));
            out.push(Push {
                subscription_id: sub.clone(),
                room: ClientId::from_header(&room).map_err(|_| corrupt("room"))?,
                subscriber: ClientId::from_header(&subscriber)
                    .map_err(|_| corrupt("subscriber"))?,
                push_service: r
                    .try_get::<Option<String>, _>("push_service")?
                    .ok_or_else(|| corrupt("no push service"))?,
                attempts: r.try_get("attempts")?,
                item: self.item(&r).await?,
            });
        }
        Ok(out)
    }

    /// A push the subscriber took (2xx).
    pub async fn pushed(&self, push: &Push) -> Result<(), DbError> {
        self.done(&push.item.id, &push.subscription_id, "delivered")
            .await
            .map(|_| ())
    }

    /// A push that failed: tried again after 1, 2, 4, 8… seconds (at most an hour).
    pub async fn push_failed(&self, push: &Push, error: &str) -> Result<(), DbError> {
        let attempts = push.attempts + 1;
        let wait = (1i64 << (attempts - 1).clamp(0, 20)).min(MAX_BACKOFF_SECONDS);
        let error: String = error.chars().take(500).collect();
        sqlx::query(
            "UPDATE pubsub_deliveries SET attempts = $1, next_attempt_at = $2, last_error = $3, locked_until = NULL
             WHERE event_id = $4 AND subscription_id = $5 AND status = 'pending'",
        )
        .bind(attempts)
        .bind(stamp(chrono::Utc::now() + chrono::Duration::seconds(wait)))
        .bind(error)
        .bind(&push.item.id)
        .bind(&push.subscription_id)
        .execute(&self.db.writer)
        .await?;
        Ok(())
    }
}

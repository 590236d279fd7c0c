//! Notices that arrive: what the platform tells people — an application received, returned,
//! its fee due or paid, decided, its result ready; an appeal received, answered, forwarded,
//! extended; a one-time code — by e-mail, SMS or Telegram.
//!
//! - **Queued in the change's transaction** ([`Notices::queue_in`]): the component that makes
//!   the change (applications, the contact point) queues what the person must be told in the
//!   same transaction, so a notice exists if and only if the change does. A person is told on
//!   the channels they chose and confirmed ([`contacts`]), in their language; an address given
//!   with an appeal (a phone-in's phone) is told directly. A key makes queueing idempotent.
//! - **Drained by every node** ([`dispatch::run_once`]): a node claims due notices with a lease,
//!   marks them *sending* (committed) before it sends, and records the outcome: sent (with the
//!   provider's id, for delivery receipts), again later with back-off after a temporary
//!   failure, or *failed* — after the last attempt, on a permanent refusal, or when a node
//!   stopped while sending: such a notice is never sent again by itself, since it may have
//!   gone, and operators see it in the failed list and may send it again ([`Notices::resend`]).
//!   A notice is so never sent twice because a node crashed.
//! - **No SMS at night**: between 22:00 and 08:00 Tashkent time an SMS waits for the morning
//!   unless it is urgent (a one-time code).
//! - **Receipts** ([`Notices::receipt`]): a channel that reports delivery (the SMS gateway's
//!   callback, SMTP's acceptance) moves the notice on, and histories show it ("SMS delivered
//!   12:03").
//!
//! The texts are Fluent messages (`notice-<event>`, e-mail subjects `notice-<event>-subject`) in
//! four languages ([`text`]); an SMS is counted in segments as the network bills it (GSM-7 160
//! or 153 characters, UCS-2 — any Cyrillic — 70 or 67).
//!
//! It speaks no protocol itself: the channels ([`dispatch::Sender`]) are implemented outside
//! the domain, over SMTP, the SMS gateway's HTTP API and Telegram's Bot API.

pub mod contacts;
pub mod dispatch;
mod schema;
pub mod text;

pub use schema::MIGRATIONS;

use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt;
use yagona_core::{format_timestamp, parse_timestamp, Locale, Pinfl, Timestamp};
use yagona_db::{Db, DbError};

/// A transaction of the component queueing a notice.
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// How a notice reaches a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Email,
    Sms,
    Telegram,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Email, Channel::Sms, Channel::Telegram];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Telegram => "telegram",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a notice is about: the events a person cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Event {
    /// An application was received by the agency.
    Received,
    /// Sent back to the applicant for correction.
    Returned,
    /// The fee is due (the invoice).
    PaymentDue,
    /// The fee was received.
    PaymentReceived,
    Approved,
    Rejected,
    /// The result document can be downloaded.
    ResultReady,
    AppealReceived,
    AppealAnswered,
    AppealForwarded,
    AppealExtended,
    /// A one-time code confirming an address.
    Code,
    /// A Telegram chat was linked to the person's account (the bot's first message).
    Connected,
}

impl Event {
    pub const ALL: [Event; 13] = [
        Event::Received,
        Event::Returned,
        Event::PaymentDue,
        Event::PaymentReceived,
        Event::Approved,
        Event::Rejected,
        Event::ResultReady,
        Event::AppealReceived,
        Event::AppealAnswered,
        Event::AppealForwarded,
        Event::AppealExtended,
        Event::Code,
        Event::Connected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Event::Received => "received",
            Event::Returned => "returned",
            Event::PaymentDue => "payment-due",
            Event::PaymentReceived => "payment-received",
            Event::Approved => "approved",
            Event::Rejected => "rejected",
            Event::ResultReady => "result-ready",
            Event::AppealReceived => "appeal-received",
            Event::AppealAnswered => "appeal-answered",
            Event::AppealForwarded => "appeal-forwarded",
            Event::AppealExtended => "appeal-extended",
            Event::Code => "code",
            Event::Connected => "connected",
        }
    }

    pub fn parse(s: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// Who is told: a person, on the channels they chose and confirmed, or an address given for
/// this one matter (the phone of a phone-in appeal, an address being confirmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    Person(Pinfl),
    Address { channel: Channel, address: String },
}

/// A notice to queue.
#[derive(Debug, Clone)]
pub struct NewNotice {
    /// What it is about, for histories: `application` or `appeal`, and its number.
    pub subject_kind: &'static str,
    pub subject_ref: String,
    pub event: Event,
    pub to: Recipient,
    /// The language when the person has not chosen one (the page's, the appeal's).
    pub locale: Locale,
    /// Sent at night too (one-time codes).
    pub urgent: bool,
    /// The message's arguments (`reference`, `service`, `amount`, `date`, `code`, …).
    pub params: Map<String, Value>,
    /// Makes queueing idempotent: the same key (per channel) is queued once.
    pub key: String,
}

/// Where a notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Queued,
    Sending,
    /// Handed to the channel (the SMTP server accepted it, the gateway took it).
    Sent,
    /// The channel reported it delivered.
    Delivered,
    /// The channel reported it could not be delivered.
    Undelivered,
    /// Given up: operators see it and may send it again.
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Sending => "sending",
            Status::Sent => "sent",
            Status::Delivered => "delivered",
            Status::Undelivered => "undelivered",
            Status::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Queued,
            Status::Sending,
            Status::Sent,
            Status::Delivered,
            Status::Undelivered,
            Status::Failed,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }
}

/// A notice as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    pub id: i64,
    pub subject_kind: String,
    pub subject_ref: String,
    pub event: String,
    pub channel: Channel,
    pub address: String,
    pub locale: Locale,
    pub urgent: bool,
    pub params: Map<String, Value>,
    pub status: Status,
    pub attempts: i64,
    pub provider_id: Option<String>,
    pub last_error: Option<String>,
    #[serde(with = "yagona_core::rfc3339")]
    pub created_at: Timestamp,
    #[serde(with = "yagona_core::rfc3339::option")]
    pub sent_at: Option<Timestamp>,
    #[serde(with = "yagona_core::rfc3339::option")]
    pub delivered_at: Option<Timestamp>,
}

#[derive(Debug, thiserror::Error)]
pub enum NoticeError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("stored notice data is unreadable: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Invalid(String),
    /// Too many one-time codes asked for lately.
    #[error("too many codes asked for; try again in an hour")]
    TooMany,
}

impl From<sqlx::Error> for NoticeError {
    fn from(e: sqlx::Error) -> Self {
        NoticeError::Db(DbError::Sqlx(e))
    }
}

const COLUMNS: &str = "id, subject_kind, subject_ref, event, channel, address, locale, urgent, params, status, attempts, provider_id, last_error, created_at, sent_at, delivered_at";

fn row_to_notice(row: &sqlx::any::AnyRow) -> Result<Notice, NoticeError> {
    use sqlx::Row;
    let bad = |what: &str| NoticeError::Corrupt(what.to_owned());
    let text = |c: &str| -> Result<String, NoticeError> { Ok(row.try_get::<String, _>(c)?) };
    let opt_time = |c: &str| -> Result<Option<Timestamp>, NoticeError> {
        Ok(row
            .try_get::<Option<String>, _>(c)?
            .and_then(|s| parse_timestamp(&s)))
    };
    Ok(Notice {
        id: row.try_get("id")?,
        subject_kind: text("subject_kind")?,
        subject_ref: text("subject_ref")?,
        event: text("event")?,
        channel: Channel::parse(&text("channel")?).ok_or_else(|| bad("channel"))?,
        address: text("address")?,
        locale: Locale::parse(&text("locale")?).unwrap_or(Locale::Uz),
        urgent: row.try_get::<i64, _>("urgent")? != 0,
        params: serde_json::from_str(&text("params")?).map_err(|_| bad("params"))?,
        status: Status::parse(&text("status")?).ok_or_else(|| bad("status"))?,
        attempts: row.try_get("attempts")?,
        provider_id: row.try_get("provider_id")?,
        last_error: row.try_get("last_error")?,
        created_at: parse_timestamp(&text("created_at")?).ok_or_else(|| bad("created_at"))?,
        sent_at: opt_time("sent_at")?,
        delivered_at: opt_time("delivered_at")?,
    })
}

/// The notices in the node's database.
#[derive(Clone, Copy)]
pub struct Notices<'a> {
    pub db: &'a Db,
}

impl<'a> Notices<'a> {
    pub fn new(db: &'a Db) -> Notices<'a> {
        Notices { db }
    }

    pub async fn migrate(db: &Db) -> Result<(), DbError> {
        db.migrate("notices", MIGRATIONS).await
    }

    /// Queues a notice in the caller's transaction: one row per channel it goes out on (none
    /// when the person has no confirmed address — they read it in their cabinet). Answers how
    /// many were queued; the same key again queues nothing more.
    pub async fn queue_in(tx: &mut Tx, notice: &NewNotice) -> Result<usize, NoticeError> {
        let (targets, locale) = match &notice.to {
            Recipient::Address { channel, address } => {
                (vec![(*channel, address.clone())], notice.locale)
            }
            Recipient::Person(pinfl) => {
                let prefs = contacts::preferences_in(tx, pinfl).await?;
                let targets = prefs
                    .addresses
                    .into_iter()
                    .filter(|a| a.confirmed && prefs.channels.contains(&a.channel))
                    .map(|a| (a.channel, a.address))
                    .collect();
                (targets, prefs.locale.unwrap_or(notice.locale))
            }
        };
        let now = yagona_core::now();
        let at = format_timestamp(&now);
        let params = Value::Object(notice.params.clone()).to_string();
        let mut queued = 0;
        for (channel, address) in targets {
            let done = sqlx::query(
                "INSERT INTO notices (dedupe_key, subject_kind, subject_ref, event, channel, address, locale, urgent, params, status, attempts, next_at, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', 0, $10, $10, $10) ON CONFLICT (dedupe_key) DO NOTHING",
            )
            .bind(format!("{}:{}:{}", notice.key, channel, address))
            .bind(notice.subject_kind)
            .bind(&notice.subject_ref)
            .bind(notice.event.as_str())
            .bind(channel.as_str())
            .bind(&address)
            .bind(locale.tag())
            .bind(i64::from(notice.urgent))
            .bind(&params)
            .bind(&at)
            .execute(&mut **tx)
            .await?;
            queued += done.rows_affected() as usize;
        }
        Ok(queued)
    }

    /// [`Self::queue_in`] in a transaction of its own.
    pub async fn queue(&self, notice: &NewNotice) -> Result<usize, NoticeError> {
        let mut tx = self.db.writer.begin().await?;
        let n = Self::queue_in(&mut tx, notice).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The notices about one application or appeal, oldest first: what its history shows.
    pub async fn of_subject(
        &self,
        kind: &str,
        reference: &str,
    ) -> Result<Vec<Notice>, NoticeError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM notices WHERE subject_kind = $1 AND subject_ref = $2 ORDER BY id"
        ))
        .bind(kind)
        .bind(reference)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(row_to_notice).collect()
    }

    /// The notices given up on, newest first: the operators' list.
    pub async fn failed(&self, limit: i64) -> Result<Vec<Notice>, NoticeError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM notices WHERE status = 'failed' ORDER BY updated_at DESC, id DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(row_to_notice).collect()
    }

    pub async fn get(&self, id: i64) -> Result<Option<Notice>, NoticeError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM notices WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await?;
        row.as_ref().map(row_to_notice).transpose()
    }

    /// An operator sends a failed notice again: it is queued anew, now. Answers whether it was
    /// (a notice not failed is left as it is).
    pub async fn resend(&self, id: i64, by: &str) -> Result<bool, NoticeError> {
        let now = format_timestamp(&yagona_core::now());
        let done = sqlx::query(
            "UPDATE notices SET status = 'queued', next_at = $1, attempts = 0, lease_owner = NULL, lease_until = NULL,
                 last_error = $2, updated_at = $1 WHERE id = $3 AND status = 'failed'",
        )
        .bind(&now)
        .bind(format!("sent again by {by}"))
        .bind(id)
        .execute(&self.db.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A channel's delivery receipt for the message it knows as `provider_id`: delivered or
    /// not, at a moment. Answers whether a notice matched. A receipt for a notice already
    /// finally reported changes nothing.
    pub async fn receipt(
        &self,
        channel: Channel,
        provider_id: &str,
        delivered: bool,
        at: Timestamp,
    ) -> Result<bool, NoticeError> {
        let done = sqlx::query(
            "UPDATE notices SET status = $1, delivered_at = $2, updated_at = $2
             WHERE channel = $3 AND provider_id = $4 AND status IN ('sent', 'sending')",
        )
        .bind(if delivered {
            "delivered"
        } else {
            "undelivered"
        })
        .bind(format_timestamp(&at))
        .bind(channel.as_str())
        .bind(provider_id)
        .execute(&self.db.writer)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// How many notices stand in each status: for `/metrics` and the operators' page.
    pub async fn counts(&self) -> Result<Vec<(String, i64)>, NoticeError> {
        Ok(
            sqlx::query_as("SELECT status, COUNT(*) FROM notices GROUP BY status ORDER BY status")
                .fetch_all(&self.db.pool)
                .await?,
        )
    }
}

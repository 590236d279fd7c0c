//! Draining the outbox: every node runs [`run_once`] in its background loop.
//!
//! 1. Notices a node was sending when its lease ran out (the node stopped mid-send) are
//!    *failed*, not sent again: they may have gone. Operators see them.
//! 2. The node claims due notices of the channels it has senders for — `queued`, due, and not
//!    an SMS at night unless urgent — with a guarded update that sets its lease and marks them
//!    *sending*, committed before anything is sent.
//! 3. Each is rendered in its language and sent through its channel's [`Sender`], several at
//!    once; the outcome is recorded under the lease: *sent* (with the channel's id of it, for
//!    receipts), *queued* again later with back-off after a temporary failure, or *failed*
//!    after the last attempt or a permanent refusal.

use crate::text::{render, Rendered};
use crate::{row_to_notice, Channel, Notice, NoticeError, COLUMNS};
use chrono::{Duration, NaiveTime};
use futures::future::BoxFuture;
use std::sync::Arc;
use yagona_core::{format_timestamp, Timestamp};
use yagona_db::Db;
use yagona_i18n::I18n;

/// How long a claimed notice is the claiming node's: a send must finish within it.
const LEASE_SECONDS: i64 = 120;
/// How many notices a round claims.
const PER_ROUND: i64 = 200;
/// How many are sent at once (sends wait on the network, not on this node).
const AT_ONCE: usize = 64;
/// Waits before the 2nd, 3rd, … attempt; after the last, the notice has failed.
const BACKOFF_SECONDS: [i64; 6] = [30, 120, 600, 1800, 3600, 6 * 3600];

/// What a channel's sender is given.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The notice's id: a key the channel may use to refuse a duplicate.
    pub id: i64,
    pub address: String,
    pub rendered: Rendered,
    pub urgent: bool,
}

/// A channel's answer when it took the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The channel's id of the message, to match its delivery receipt.
    pub provider_id: Option<String>,
    /// The channel confirmed delivery already (Telegram's sendMessage does).
    pub delivered: bool,
}

/// Why a channel did not take the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later (the server is down, a rate limit, a timeout).
    #[error("temporary: {0}")]
    Temporary(String),
    /// Never going to work (no such mailbox, a number the gateway refuses, a blocked bot).
    #[error("permanent: {0}")]
    Permanent(String),
}

/// One channel's way out: SMTP, an SMS gateway, Telegram's Bot API — implemented outside the
/// domain, which speaks no protocol.
pub trait Sender: Send + Sync {
    fn channel(&self) -> Channel;
    fn send<'a>(&'a self, message: &'a Outgoing) -> BoxFuture<'a, Result<Sent, SendError>>;
}

/// The senders a node has, one per channel.
#[derive(Clone, Default)]
pub struct Senders(Vec<Arc<dyn Sender>>);

impl Senders {
    pub fn new(senders: Vec<Arc<dyn Sender>>) -> Senders {
        Senders(senders)
    }

    fn of(&self, channel: Channel) -> Option<&Arc<dyn Sender>> {
        self.0.iter().find(|s| s.channel() == channel)
    }

    /// These senders and `sender` (in place of one for the same channel).
    pub fn with(mut self, sender: Arc<dyn Sender>) -> Senders {
        self.0.retain(|s| s.channel() != sender.channel());
        self.0.push(sender);
        self
    }

    pub fn channels(&self) -> Vec<Channel> {
        self.0.iter().map(|s| s.channel()).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Whether it is night in Tashkent (22:00–08:00), when SMS wait for the morning.
pub fn quiet_hours(now: Timestamp) -> bool {
    let local = (now + Duration::hours(5)).time();
    local >= NaiveTime::from_hms_opt(22, 0, 0).unwrap_or_default()
        || local < NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default()
}

/// What a round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    /// Found sending under a lease that ran out: failed without being sent again.
    pub interrupted: usize,
}

/// One round of draining at `now`, as node `node`.
pub async fn run_once(
    db: &Db,
    senders: &Senders,
    i18n: &I18n,
    node: &str,
    now: Timestamp,
) -> Result<Round, NoticeError> {
    let mut round = Round::default();
    if senders.is_empty() {
        return Ok(round);
    }
    let at = format_timestamp(&now);
    // 1. Interrupted sends: failed, never resent by themselves.
    let interrupted = sqlx::query(
        "UPDATE notices SET status = 'failed', last_error = $1, lease_owner = NULL, lease_until = NULL, updated_at = $2
         WHERE status = 'sending' AND lease_until < $2",
    )
    .bind("the node sending it stopped before it knew whether the message went; not sent again by itself, so that it is not sent twice")
    .bind(&at)
    .execute(&db.writer)
    .await?;
    round.interrupted = interrupted.rows_affected() as usize;

    // 2. Claim.
    let channels: Vec<String> = senders
        .channels()
        .iter()
        .map(|c| format!("'{}'", c.as_str()))
        .collect();
    let night = if quiet_hours(now) {
        " AND (channel <> 'sms' OR urgent = 1)"
    } else {
        ""
    };
    let lease_until = format_timestamp(&(now + Duration::seconds(LEASE_SECONDS)));
    let lease = format!("{node}@{at}");
    sqlx::query(&format!(
        "UPDATE notices SET status = 'sending', lease_owner = $1, lease_until = $2, attempts = attempts + 1, updated_at = $3
         WHERE status = 'queued' AND id IN (
             SELECT id FROM notices WHERE status = 'queued' AND next_at <= $3 AND channel IN ({}){night}
             ORDER BY next_at, id LIMIT $4)",
        channels.join(", ")
    ))
    .bind(&lease)
    .bind(&lease_until)
    .bind(&at)
    .bind(PER_ROUND)
    .execute(&db.writer)
    .await?;
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM notices WHERE status = 'sending' AND lease_owner = $1 ORDER BY id"
    ))
    .bind(&lease)
    .fetch_all(&db.writer)
    .await?;
    let claimed: Vec<Notice> = rows.iter().map(row_to_notice).collect::<Result<_, _>>()?;

    // 3. Send, several at once, and record each outcome under the lease.
    use futures::StreamExt;
    let outcomes: Vec<(Notice, Result<Sent, SendError>)> = futures::stream::iter(claimed)
        .map(|notice| async move {
            let outcome = match senders.of(notice.channel) {
                Some(sender) => {
                    let message = Outgoing {
                        id: notice.id,
                        address: notice.address.clone(),
                        rendered: render(i18n, &notice),
                        urgent: notice.urgent,
                    };
                    sender.send(&message).await
                }
                None => Err(SendError::Temporary("no sender for the channel".into())),
            };
            (notice, outcome)
        })
        .buffer_unordered(AT_ONCE)
        .collect()
        .await;
    let done_at = format_timestamp(&yagona_core::now());
    for (notice, outcome) in outcomes {
        let recorded = match outcome {
            Ok(sent) => {
                round.sent += 1;
                // A one-time code is not kept once it went.
                sqlx::query(
                    "UPDATE notices SET status = $1, provider_id = $2, sent_at = $3, delivered_at = $4, last_error = NULL,
                         lease_owner = NULL, lease_until = NULL, updated_at = $3,
                         params = CASE WHEN event = 'code' THEN '{}' ELSE params END
                     WHERE id = $5 AND status = 'sending' AND lease_owner = $6",
                )
                .bind(if sent.delivered { "delivered" } else { "sent" })
                .bind(sent.provider_id)
                .bind(&done_at)
                .bind(sent.delivered.then(|| done_at.clone()))
                .bind(notice.id)
                .bind(&lease)
                .execute(&db.writer)
                .await
            }
            Err(e) => {
                let attempt = notice.attempts.max(1) as usize;
                let give_up =
                    matches!(e, SendError::Permanent(_)) || attempt >= BACKOFF_SECONDS.len();
                if give_up {
                    round.failed += 1;
                    tracing::warn!(notice = notice.id, channel = %notice.channel, error = %e, "notice failed");
                } else {
                    round.retried += 1;
                }
                let next = now
                    + Duration::seconds(BACKOFF_SECONDS[attempt.min(BACKOFF_SECONDS.len()) - 1]);
                sqlx::query(
                    "UPDATE notices SET status = $1, next_at = $2, last_error = $3, lease_owner = NULL, lease_until = NULL, updated_at = $4
                     WHERE id = $5 AND status = 'sending' AND lease_owner = $6",
                )
                .bind(if give_up { "failed" } else { "queued" })
                .bind(format_timestamp(&next))
                .bind(e.to_string())
                .bind(&done_at)
                .bind(notice.id)
                .bind(&lease)
                .execute(&db.writer)
                .await
            }
        };
        if let Err(e) = recorded {
            // The send happened; the row stays `sending` and, when its lease runs out, is
            // failed for operators rather than sent again.
            tracing::error!(notice = notice.id, error = %e, "a notice's outcome could not be recorded");
        }
    }
    Ok(round)
}

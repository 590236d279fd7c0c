//! Appeals and their history in the database.
//!
//! Every read and every change takes a [`Viewer`], and the SQL itself is limited by it: an agency
//! reads only the appeals it holds, a citizen only their own, someone with a tracking number only
//! the appeal filed with the phone or e-mail they give, an Open311 client only what it filed.
//! Anything else reads as "not found". Each change is one transaction: the appeal's row (guarded
//! by its revision, so two people acting at once get one change and one "changed meanwhile") and
//! its history event commit together, with the notice to the applicant where there is one.
//!
//! - `schema`: the tables and their migrations;
//! - `filing`: [`AppealStore::create`], routing and idempotency;
//! - `reads`: an appeal, its history, queues, and [`AppealStore::track`];
//! - `follows`: an appeal granted to the browser session that proved it holds it;
//! - `actions`: every change of an appeal, each checking who may make it;
//! - `clients`: the Open311 clients' keys.

mod actions;
mod clients;
mod filing;
mod follows;
mod reads;
mod schema;
#[cfg(test)]
mod tests;

pub use filing::Filed;
pub use follows::FOLLOW_HOURS;
pub use schema::MIGRATIONS;

use crate::deadline::Deadline;
use crate::model::{Actor, Appeal, AppealError, Viewer};
use crate::{Channel, Kind, Status};
use sqlx::any::AnyRow;
use sqlx::Row;
use yagona_core::{
    format_timestamp, now, parse_timestamp, Locale, Pinfl, Timestamp, TrackingNumber,
};
use yagona_db::{Batch, Db, DbError, Value};

pub struct AppealStore<'a> {
    pub db: &'a Db,
}

impl AppealStore<'_> {
    pub async fn migrate(db: &Db) -> Result<(), DbError> {
        // The notices it queues live in the notices component's tables.
        yagona_notices::Notices::migrate(db).await?;
        db.migrate("contact", MIGRATIONS).await
    }

    /// Changes an appeal the viewer may see: `decide` looks at it and says what to set and
    /// what to record; the row changes only if nobody changed it meanwhile.
    async fn change<F>(
        &self,
        id: &TrackingNumber,
        viewer: Viewer<'_>,
        actor: &Actor,
        decide: F,
    ) -> Result<Appeal, AppealError>
    where
        F: FnOnce(&Appeal) -> Result<(Sets, Vec<Event<'static>>), AppealError>,
    {
        let appeal = self.get(id, viewer).await?.ok_or(AppealError::NotFound)?;
        let (mut sets, events) = decide(&appeal)?;
        let at = format_timestamp(&now());
        sets.push(("updated_at", at.clone().into()));
        sets.push(("revision", Value::Int(appeal.revision + 1)));
        let assignments: Vec<String> = sets
            .iter()
            .enumerate()
            .map(|(i, (c, _))| format!("{c} = ${}", i + 1))
            .collect();
        let n = sets.len();
        let sql = format!(
            "UPDATE appeals SET {} WHERE id = ${} AND revision = ${}",
            assignments.join(", "),
            n + 1,
            n + 2
        );
        let mut values: Vec<Value> = sets.into_iter().map(|(_, v)| v).collect();
        values.push(id.as_str().into());
        values.push(Value::Int(appeal.revision));
        let mut batch = Batch::new();
        batch.push(sql, values);
        let target = notice_target(
            appeal.email.as_deref(),
            appeal.phone.as_deref(),
            appeal.pinfl.as_ref().map(Pinfl::as_str),
        );
        let mut events_notified: Vec<&str> = Vec::new();
        for mut e in events {
            let on = e.on.take();
            if on.is_none() && NOTIFIED.contains(&e.action) {
                events_notified.push(e.action);
            }
            let actor_event = Event {
                action: e.action,
                public: e.public,
                actor,
                to_agency: e.to_agency.take(),
                body: e.body.take(),
                on: None,
            };
            let history = on.as_ref().unwrap_or(id);
            batch.push(INSERT_EVENT, event_values(history, &at, &actor_event));
        }
        let notified: Vec<&str> = events_notified;
        let mut tx = self.db.writer.begin().await?;
        let changed = batch.run(self.db.backend, &mut tx).await?;
        if changed.first() != Some(&1) {
            return Err(AppealError::Conflict);
        }
        queue_notices(&mut tx, id, target.as_ref(), &notified, appeal.locale, &at).await?;
        tx.commit().await?;
        self.get(id, Viewer::Centre)
            .await?
            .ok_or(AppealError::NotFound)
    }
}

// ---------------------------------------------------------------------------------------------
// Rows

const COLUMNS: &str = "id, kind, channel, status, service_code, topic_code, agency_code, subject, body, pinfl, name, phone, email, locale, address, lat, lon, application_ref, needs_checking, received_at, deadline, extended, answered_at, answered_on_time, first_contact, closed_at, rating, rating_comment, merged_into, officer_id, officer_name, client_id, updated_at, revision";

fn corrupt(what: &str, v: &str) -> DbError {
    DbError::Corrupt(format!("appeal {what} {v:?}"))
}

fn tracking(what: &str, v: &str) -> Result<TrackingNumber, DbError> {
    TrackingNumber::parse(v).map_err(|_| corrupt(what, v))
}

fn moment(what: &str, v: &str) -> Result<Timestamp, DbError> {
    parse_timestamp(v).ok_or_else(|| corrupt(what, v))
}

fn appeal_from(r: &AnyRow) -> Result<Appeal, DbError> {
    let text = |i: usize| -> Result<String, DbError> { Ok(r.try_get::<String, _>(i)?) };
    let opt =
        |i: usize| -> Result<Option<String>, DbError> { Ok(r.try_get::<Option<String>, _>(i)?) };
    let int = |i: usize| -> Result<i64, DbError> { Ok(r.try_get::<i64, _>(i)?) };
    let opt_int =
        |i: usize| -> Result<Option<i64>, DbError> { Ok(r.try_get::<Option<i64>, _>(i)?) };
    let opt_moment = |i: usize, what: &str| -> Result<Option<Timestamp>, DbError> {
        opt(i)?.map(|v| moment(what, &v)).transpose()
    };
    let kind = text(1)?;
    let channel = text(2)?;
    let status = text(3)?;
    let locale = text(13)?;
    let deadline = text(20)?;
    Ok(Appeal {
        id: tracking("id", &text(0)?)?,
        kind: Kind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        channel: Channel::parse(&channel).ok_or_else(|| corrupt("channel", &channel))?,
        status: Status::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        service: opt(4)?,
        topic: opt(5)?,
        agency: opt(6)?,
        subject: text(7)?,
        body: text(8)?,
        pinfl: opt(9)?
            .map(|p| Pinfl::parse(&p).map_err(|_| corrupt("pinfl", &p)))
            .transpose()?,
        name: text(10)?,
        phone: opt(11)?,
        email: opt(12)?,
        locale: Locale::parse(&locale).ok_or_else(|| corrupt("locale", &locale))?,
        address: opt(14)?,
        lat: opt(15)?.and_then(|s| s.parse().ok()),
        lon: opt(16)?.and_then(|s| s.parse().ok()),
        application_ref: opt(17)?,
        needs_checking: int(18)? != 0,
        received_at: moment("received_at", &text(19)?)?,
        deadline: deadline
            .parse()
            .map_err(|_| corrupt("deadline", &deadline))?,
        extended: int(21)? != 0,
        answered_at: opt_moment(22, "answered_at")?,
        answered_on_time: opt_int(23)?.map(|v| v != 0),
        first_contact: int(24)? != 0,
        closed_at: opt_moment(25, "closed_at")?,
        rating: opt_int(26)?,
        rating_comment: opt(27)?,
        merged_into: opt(28)?.map(|m| tracking("merged_into", &m)).transpose()?,
        officer_id: opt(29)?,
        officer_name: opt(30)?,
        client_id: opt(31)?,
        updated_at: moment("updated_at", &text(32)?)?,
        revision: int(33)?,
    })
}

/// Changes to an appeal's row, as column = value.
type Sets = Vec<(&'static str, Value)>;

fn bool_int(b: bool) -> Value {
    Value::Int(i64::from(b))
}

// ---------------------------------------------------------------------------------------------
// History

struct Event<'a> {
    action: &'static str,
    public: bool,
    actor: &'a Actor,
    to_agency: Option<String>,
    body: Option<String>,
    /// Another appeal's history this entry goes to (a merge records itself on both).
    on: Option<TrackingNumber>,
}

static SYSTEM: Actor = Actor::System;

/// An event of a change; [`AppealStore::change`] records it with the change's actor.
fn event(
    action: &'static str,
    public: bool,
    to_agency: Option<String>,
    body: Option<String>,
) -> Event<'static> {
    Event {
        action,
        public,
        actor: &SYSTEM,
        to_agency,
        body,
        on: None,
    }
}

const INSERT_EVENT: &str = "INSERT INTO appeal_events (appeal_id, at, action, public, actor_kind, actor_name, agency_code, to_agency, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

fn event_values(id: &TrackingNumber, at: &str, e: &Event<'_>) -> Vec<Value> {
    vec![
        id.as_str().into(),
        at.into(),
        e.action.into(),
        Value::Int(i64::from(e.public)),
        e.actor.kind().into(),
        e.actor.name().into(),
        e.actor.agency().map(str::to_owned).into(),
        e.to_agency.clone().into(),
        e.body.clone().into(),
    ]
}

fn note_uncovered(dl: &Deadline, id: &TrackingNumber) {
    if let Some(year) = dl.uncovered {
        tracing::warn!(
            appeal = id.as_str(),
            year,
            "the calendar has no record for this year; the deadline was not moved off a non-working day"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Notices (the outbox)

/// What the applicant is told about, in the same transaction as the change: that the appeal
/// was received (with its tracking number — for a phone call or an Open311 report, the first
/// the person sees of it), answered, forwarded, extended or merged — queued in
/// `yagona-notices`' outbox ([`queue_notices`]), which every node drains.
const NOTIFIED: [&str; 5] = ["received", "replied", "forwarded", "extended", "merged"];

/// Where the applicant is told: the e-mail given, else the phone (SMS), else their account.
fn notice_target(
    email: Option<&str>,
    phone: Option<&str>,
    pinfl: Option<&str>,
) -> Option<(&'static str, String)> {
    email
        .map(|e| ("email", e.to_owned()))
        .or_else(|| phone.map(|p| ("sms", p.to_owned())))
        .or_else(|| pinfl.map(|p| ("account", p.to_owned())))
}

/// Queues the notices the applicant is owed (`yagona_notices`) for these actions, in the
/// change's transaction: to the e-mail or phone given with the appeal, else to the person's own
/// channels. Merged appeals are told nothing new (the other appeal's answer reaches them).
async fn queue_notices(
    tx: &mut yagona_notices::Tx,
    id: &TrackingNumber,
    target: Option<&(&'static str, String)>,
    actions: &[&str],
    locale: Locale,
    at: &str,
) -> Result<(), DbError> {
    use yagona_notices::{Channel, Event, NewNotice, Notices, Recipient};
    let Some((kind, address)) = target else {
        return Ok(());
    };
    let to = match *kind {
        "email" => Recipient::Address {
            channel: Channel::Email,
            address: address.clone(),
        },
        "sms" => Recipient::Address {
            channel: Channel::Sms,
            address: address.clone(),
        },
        _ => match Pinfl::parse(address) {
            Ok(p) => Recipient::Person(p),
            Err(_) => return Ok(()),
        },
    };
    for action in actions {
        let event = match *action {
            "received" => Event::AppealReceived,
            "replied" => Event::AppealAnswered,
            "forwarded" => Event::AppealForwarded,
            "extended" => Event::AppealExtended,
            _ => continue,
        };
        let mut params = serde_json::Map::new();
        params.insert("tracking".into(), id.as_str().into());
        Notices::queue_in(
            tx,
            &NewNotice {
                subject_kind: "appeal",
                subject_ref: id.as_str().to_owned(),
                event,
                to: to.clone(),
                locale,
                urgent: false,
                params,
                key: format!("appeal:{id}:{action}:{at}"),
            },
        )
        .await
        .map_err(|e| match e {
            yagona_notices::NoticeError::Db(d) => d,
            other => DbError::Corrupt(other.to_string()),
        })?;
    }
    Ok(())
}

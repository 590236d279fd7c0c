//! Appeals and their history in the database.
//!
//! Every read and every change takes a [`Viewer`], and the SQL itself is limited by it: an agency
//! reads only the appeals it holds, a citizen only their own, someone with a tracking number only
//! the appeal filed with the phone or e-mail they give, an Open311 client only what it filed.
//! Anything else reads as "not found". Each change is one transaction: the appeal's row (guarded
//! by its revision, so two people acting at once get one change and one "changed meanwhile") and
//! its history event commit together.

use crate::deadline::{self, Deadline, Urgency};
use crate::{Channel, Kind, Status};
use chrono::NaiveDate;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::BTreeMap;
use yagona_core::{
    format_timestamp, now, parse_timestamp, tashkent_date, Email, Locale, Phone, Pinfl,
    TrackingNumber,
};
use yagona_db::{Batch, Db, DbError, Migration, Outcome, Value};
use yagona_registry::Catalogue;

const SCHEMA: &str = "
CREATE TABLE contact_topics (
    code TEXT PRIMARY KEY,
    agency_code TEXT NOT NULL,
    name TEXT NOT NULL,
    position BIGINT NOT NULL
);
CREATE TABLE contact_answers (
    code TEXT PRIMARY KEY,
    service_code TEXT,
    topic_code TEXT,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    position BIGINT NOT NULL
);
CREATE TABLE appeals (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    service_code TEXT,
    topic_code TEXT,
    agency_code TEXT,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    pinfl TEXT,
    name TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    locale TEXT NOT NULL,
    address TEXT,
    lat TEXT,
    lon TEXT,
    application_ref TEXT,
    needs_checking BIGINT NOT NULL,
    received_at TEXT NOT NULL,
    deadline TEXT NOT NULL,
    extended BIGINT NOT NULL,
    answered_at TEXT,
    answered_on_time BIGINT,
    first_contact BIGINT NOT NULL,
    closed_at TEXT,
    rating BIGINT,
    rating_comment TEXT,
    merged_into TEXT,
    officer_id TEXT,
    officer_name TEXT,
    client_id TEXT,
    idempotency_key TEXT UNIQUE,
    updated_at TEXT NOT NULL,
    revision BIGINT NOT NULL
);
CREATE INDEX appeals_by_agency ON appeals (agency_code, status, deadline);
CREATE INDEX appeals_by_status ON appeals (status, deadline);
CREATE INDEX appeals_by_pinfl ON appeals (pinfl);
CREATE INDEX appeals_by_phone ON appeals (phone);
CREATE INDEX appeals_by_email ON appeals (email);
CREATE INDEX appeals_by_client ON appeals (client_id, received_at);
CREATE INDEX appeals_by_received ON appeals (received_at);
CREATE TABLE appeal_events (
    id AUTO_ID,
    appeal_id TEXT NOT NULL REFERENCES appeals (id),
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    public BIGINT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    agency_code TEXT,
    to_agency TEXT,
    body TEXT
);
CREATE INDEX appeal_events_by_appeal ON appeal_events (appeal_id, id);
CREATE TABLE open311_clients (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
";

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "appeals",
        sql: SCHEMA,
    },
    Migration {
        version: 2,
        name: "notices to applicants",
        sql: "CREATE TABLE appeal_notices (
                  id AUTO_ID,
                  appeal_id TEXT NOT NULL REFERENCES appeals (id),
                  channel TEXT NOT NULL,
                  recipient TEXT NOT NULL,
                  action TEXT NOT NULL,
                  locale TEXT NOT NULL,
                  created_at TEXT NOT NULL,
                  sent_at TEXT
              );
              CREATE INDEX appeal_notices_unsent ON appeal_notices (sent_at, id);",
    },
];

/// What the applicant is told about, in the same transaction as the change: that the appeal
/// was received (with its tracking number — for a phone call or an Open311 report, the first
/// the person sees of it), answered, forwarded, extended or merged. The rows are an outbox for
/// the SMS and e-mail senders of a deployment.
const NOTIFIED: [&str; 5] = ["received", "replied", "forwarded", "extended", "merged"];

const INSERT_NOTICE: &str = "INSERT INTO appeal_notices (appeal_id, channel, recipient, action, locale, created_at) VALUES ($1, $2, $3, $4, $5, $6)";

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

fn notice_values(
    id: &str,
    target: &(&str, String),
    action: &str,
    locale: Locale,
    at: &str,
) -> Vec<Value> {
    vec![
        id.into(),
        target.0.into(),
        target.1.clone().into(),
        action.into(),
        locale.tag().into(),
        at.into(),
    ]
}

/// A notice queued for an applicant (for tests and the senders).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub channel: String,
    pub recipient: String,
    pub action: String,
}

/// How long after an answer the applicant may reopen the appeal.
pub const REOPEN_DAYS: i64 = 30;
/// The longest subject and text of an appeal (Open311's description is 4,000 characters).
pub const MAX_SUBJECT: usize = 200;
pub const MAX_BODY: usize = 4000;
pub const MAX_NAME: usize = 200;
pub const MAX_REPLY: usize = 8000;

/// Who is reading or acting, as the SQL limits it.
#[derive(Debug, Clone, Copy)]
pub enum Viewer<'a> {
    /// The contact centre (operators) and the e-Government Centre: every appeal.
    Centre,
    /// An agency's officers: the appeals it holds now.
    Agency(&'a str),
    /// A signed-in citizen: the appeals filed with their PINFL.
    Citizen(&'a str),
    /// Someone with a tracking number and the phone or e-mail it was filed with (normalised).
    Contact(&'a str),
    /// An Open311 client: what it filed.
    Client(&'a str),
}

impl Viewer<'_> {
    /// The WHERE condition (with `$n` for its value, if any) and the value.
    fn clause(&self, n: usize) -> (String, Option<String>) {
        match self {
            Viewer::Centre => ("1 = 1".into(), None),
            Viewer::Agency(a) => (format!("agency_code = ${n}"), Some((*a).to_owned())),
            Viewer::Citizen(p) => (format!("pinfl = ${n}"), Some((*p).to_owned())),
            Viewer::Contact(c) => (
                format!("(phone = ${n} OR email = ${n})"),
                Some((*c).to_owned()),
            ),
            Viewer::Client(c) => (format!("client_id = ${n}"), Some((*c).to_owned())),
        }
    }
}

/// Who did something, for the history.
#[derive(Debug, Clone)]
pub enum Actor {
    Applicant {
        name: String,
    },
    Operator {
        user_id: String,
        name: String,
    },
    Officer {
        user_id: String,
        name: String,
        agency: String,
    },
    Client {
        id: String,
        name: String,
    },
    System,
}

impl Actor {
    fn kind(&self) -> &'static str {
        match self {
            Actor::Applicant { .. } => "applicant",
            Actor::Operator { .. } => "operator",
            Actor::Officer { .. } => "officer",
            Actor::Client { .. } => "client",
            Actor::System => "system",
        }
    }
    fn name(&self) -> &str {
        match self {
            Actor::Applicant { name }
            | Actor::Operator { name, .. }
            | Actor::Officer { name, .. }
            | Actor::Client { name, .. } => name,
            Actor::System => "Yagona",
        }
    }
    fn agency(&self) -> Option<&str> {
        match self {
            Actor::Officer { agency, .. } => Some(agency),
            _ => None,
        }
    }
}

/// Why an appeal was not filed or not changed. Field errors name the field, so that forms can
/// show them beside it in the person's language.
#[derive(Debug, thiserror::Error)]
pub enum AppealError {
    #[error("{field}: {problem}")]
    Invalid {
        field: &'static str,
        problem: Problem,
    },
    #[error("no such appeal")]
    NotFound,
    #[error("the appeal was changed meanwhile; look again")]
    Conflict,
    #[error("this cannot be done to an appeal that is {0}")]
    NotNow(&'static str),
    #[error("the reopening period ({REOPEN_DAYS} days after the answer) is over")]
    ReopenPeriodOver,
    #[error("the deadline has already been extended once")]
    AlreadyExtended,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for AppealError {
    fn from(e: sqlx::Error) -> Self {
        AppealError::Db(DbError::Sqlx(e))
    }
}

/// What is wrong with a field (the form translates it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Problem {
    Required,
    TooLong,
    BadPhone,
    BadEmail,
    NeedContact,
    UnknownService,
    UnknownTopic,
    UnknownAgency,
    OutOfRange,
    SameAgency,
    Invalid,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Problem::Required => "is required",
            Problem::TooLong => "is too long",
            Problem::BadPhone => "is not a phone number (+998 and 9 digits)",
            Problem::BadEmail => "is not an e-mail address",
            Problem::NeedContact => "give a phone number or an e-mail address to be answered at",
            Problem::UnknownService => "is not a service of the registry",
            Problem::UnknownTopic => "is not a topic of the contact centre",
            Problem::UnknownAgency => "is not an agency of the registry",
            Problem::OutOfRange => "is out of range",
            Problem::SameAgency => "is the agency that holds the appeal already",
            Problem::Invalid => "is not valid",
        })
    }
}

fn invalid(field: &'static str, problem: Problem) -> AppealError {
    AppealError::Invalid { field, problem }
}

/// A new appeal, as a channel received it.
#[derive(Debug, Clone)]
pub struct NewAppeal {
    pub kind: Kind,
    pub channel: Channel,
    pub service: Option<String>,
    pub topic: Option<String>,
    pub subject: String,
    pub body: String,
    pub pinfl: Option<Pinfl>,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub locale: Locale,
    /// The operator judged it to need extra study or checking (one month instead of 15 days).
    pub needs_checking: bool,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// The application it is about, if any.
    pub application_ref: Option<String>,
    pub client_id: Option<String>,
    /// A key the sender would send again when retrying (scoped by the caller: `open311:<client>:…`).
    pub idempotency_key: Option<String>,
    /// An operator's answer given during the call, from the knowledge base or their own.
    pub first_contact_answer: Option<String>,
    /// The day it was received, when registered later (a letter received by post on that day);
    /// the legal period runs from it. Never in the future; none means today.
    pub received_on: Option<NaiveDate>,
    pub actor: Actor,
}

fn filled(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn text_problem(v: &str, max: usize) -> Option<Problem> {
    let v = v.trim();
    if v.is_empty() {
        Some(Problem::Required)
    } else if v.chars().count() > max {
        Some(Problem::TooLong)
    } else {
        None
    }
}

impl NewAppeal {
    /// An appeal with what every channel gives; the rest (service or topic, contacts, place,
    /// idempotency key…) is set on the value.
    pub fn new(
        kind: Kind,
        channel: Channel,
        subject: &str,
        body: &str,
        name: &str,
        locale: Locale,
        actor: Actor,
    ) -> NewAppeal {
        NewAppeal {
            kind,
            channel,
            service: None,
            topic: None,
            subject: subject.into(),
            body: body.into(),
            pinfl: None,
            name: name.into(),
            phone: None,
            email: None,
            locale,
            needs_checking: false,
            address: None,
            lat: None,
            lon: None,
            application_ref: None,
            client_id: None,
            idempotency_key: None,
            first_contact_answer: None,
            received_on: None,
            actor,
        }
    }

    /// Everything wrong with the appeal as given, field by field (routing is checked on filing).
    pub fn problems(&self) -> Vec<(&'static str, Problem)> {
        let mut out = Vec::new();
        for (field, v, max) in [
            ("subject", &self.subject, MAX_SUBJECT),
            ("body", &self.body, MAX_BODY),
            ("name", &self.name, MAX_NAME),
        ] {
            if let Some(p) = text_problem(v, max) {
                out.push((field, p));
            }
        }
        let phone = filled(&self.phone);
        let email = filled(&self.email);
        if phone.is_some_and(|p| Phone::parse(p).is_err()) {
            out.push(("phone", Problem::BadPhone));
        }
        if email.is_some_and(|e| Email::parse(e).is_err()) {
            out.push(("email", Problem::BadEmail));
        }
        if phone.is_none() && email.is_none() && self.pinfl.is_none() {
            out.push(("phone", Problem::NeedContact));
        }
        for (field, v, lo, hi) in [
            ("lat", self.lat, -90.0, 90.0),
            ("long", self.lon, -180.0, 180.0),
        ] {
            if v.is_some_and(|v| !v.is_finite() || !(lo..=hi).contains(&v)) {
                out.push((field, Problem::OutOfRange));
            }
        }
        if filled(&self.address).is_some_and(|a| a.chars().count() > 500) {
            out.push(("address", Problem::TooLong));
        }
        if let Some(r) = filled(&self.application_ref) {
            if yagona_core::ReferenceNumber::parse(r).is_err() {
                out.push(("application_ref", Problem::Invalid));
            }
        }
        if self.received_on.is_some_and(|d| d > today()) {
            out.push(("received_on", Problem::OutOfRange));
        }
        if filled(&self.first_contact_answer).is_some_and(|a| a.chars().count() > MAX_REPLY) {
            out.push(("answer", Problem::TooLong));
        }
        out
    }
}

/// An appeal as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Appeal {
    pub id: String,
    pub kind: Kind,
    pub channel: Channel,
    pub status: Status,
    pub service: Option<String>,
    pub topic: Option<String>,
    pub agency: Option<String>,
    pub subject: String,
    pub body: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinfl: Option<String>,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub locale: Locale,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub application_ref: Option<String>,
    pub needs_checking: bool,
    pub received_at: String,
    pub deadline: NaiveDate,
    pub extended: bool,
    pub answered_at: Option<String>,
    pub answered_on_time: Option<bool>,
    pub first_contact: bool,
    pub closed_at: Option<String>,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    pub merged_into: Option<String>,
    pub officer_id: Option<String>,
    pub officer_name: Option<String>,
    pub client_id: Option<String>,
    pub updated_at: String,
    pub revision: i64,
}

impl Appeal {
    pub fn urgency(&self, today: NaiveDate) -> Option<Urgency> {
        self.status
            .is_open()
            .then(|| deadline::urgency(self.deadline, today))
    }

    /// The applicant may still reopen it (within [`REOPEN_DAYS`] of the answer).
    pub fn reopenable(&self, today: NaiveDate) -> bool {
        matches!(self.status, Status::Answered | Status::Closed)
            && self.merged_into.is_none()
            && self
                .answered_at
                .as_deref()
                .and_then(parse_timestamp)
                .is_some_and(|t| (today - tashkent_date(&t)).num_days() <= REOPEN_DAYS)
    }

    /// The applicant may rate the answer.
    pub fn rateable(&self) -> bool {
        self.status == Status::Answered
    }
}

const COLUMNS: &str = "id, kind, channel, status, service_code, topic_code, agency_code, subject, body, pinfl, name, phone, email, locale, address, lat, lon, application_ref, needs_checking, received_at, deadline, extended, answered_at, answered_on_time, first_contact, closed_at, rating, rating_comment, merged_into, officer_id, officer_name, client_id, updated_at, revision";

fn corrupt(what: &str, v: &str) -> DbError {
    DbError::Corrupt(format!("appeal {what} {v:?}"))
}

fn appeal_from(r: &AnyRow) -> Result<Appeal, DbError> {
    let text = |i: usize| -> Result<String, DbError> { Ok(r.try_get::<String, _>(i)?) };
    let opt =
        |i: usize| -> Result<Option<String>, DbError> { Ok(r.try_get::<Option<String>, _>(i)?) };
    let int = |i: usize| -> Result<i64, DbError> { Ok(r.try_get::<i64, _>(i)?) };
    let opt_int =
        |i: usize| -> Result<Option<i64>, DbError> { Ok(r.try_get::<Option<i64>, _>(i)?) };
    let kind = text(1)?;
    let channel = text(2)?;
    let status = text(3)?;
    let locale = text(13)?;
    let deadline = text(20)?;
    Ok(Appeal {
        id: text(0)?,
        kind: Kind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        channel: Channel::parse(&channel).ok_or_else(|| corrupt("channel", &channel))?,
        status: Status::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        service: opt(4)?,
        topic: opt(5)?,
        agency: opt(6)?,
        subject: text(7)?,
        body: text(8)?,
        pinfl: opt(9)?,
        name: text(10)?,
        phone: opt(11)?,
        email: opt(12)?,
        locale: Locale::parse(&locale).ok_or_else(|| corrupt("locale", &locale))?,
        address: opt(14)?,
        lat: opt(15)?.and_then(|s| s.parse().ok()),
        lon: opt(16)?.and_then(|s| s.parse().ok()),
        application_ref: opt(17)?,
        needs_checking: int(18)? != 0,
        received_at: text(19)?,
        deadline: deadline
            .parse()
            .map_err(|_| corrupt("deadline", &deadline))?,
        extended: int(21)? != 0,
        answered_at: opt(22)?,
        answered_on_time: opt_int(23)?.map(|v| v != 0),
        first_contact: int(24)? != 0,
        closed_at: opt(25)?,
        rating: opt_int(26)?,
        rating_comment: opt(27)?,
        merged_into: opt(28)?,
        officer_id: opt(29)?,
        officer_name: opt(30)?,
        client_id: opt(31)?,
        updated_at: text(32)?,
        revision: int(33)?,
    })
}

/// One entry of an appeal's history.
#[derive(Debug, Clone, Serialize)]
pub struct AppealEvent {
    pub at: String,
    /// `received`, `routed`, `taken`, `replied`, `noted`, `forwarded`, `extended`, `merged`,
    /// `merged-from`, `rated`, `reopened`, `closed`.
    pub action: String,
    /// Shown to the applicant; internal notes are not.
    pub public: bool,
    pub actor_kind: String,
    pub actor_name: String,
    pub agency: Option<String>,
    pub to_agency: Option<String>,
    pub body: Option<String>,
}

struct Event<'a> {
    action: &'static str,
    public: bool,
    actor: &'a Actor,
    to_agency: Option<String>,
    body: Option<String>,
    /// Another appeal's history this entry goes to (a merge records itself on both).
    on: Option<String>,
}

const INSERT_EVENT: &str = "INSERT INTO appeal_events (appeal_id, at, action, public, actor_kind, actor_name, agency_code, to_agency, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

fn event_values(id: &str, at: &str, e: &Event<'_>) -> Vec<Value> {
    vec![
        id.into(),
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

/// Search and filters of a queue.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub status: Option<Status>,
    /// Only appeals still waiting for an answer.
    pub open_only: bool,
    pub agency: Option<String>,
    pub channel: Option<Channel>,
    pub kind: Option<Kind>,
    pub service: Option<String>,
    pub topic: Option<String>,
    /// Only appeals no longer waiting for an answer (answered or closed).
    pub closed_only: bool,
    /// Received at or after this moment (RFC 3339, as [`format_timestamp`] writes it).
    pub received_from: Option<String>,
    /// Received at or before this moment.
    pub received_to: Option<String>,
    /// The newest first, instead of the nearest deadline first.
    pub newest_first: bool,
    /// Only open appeals due within [`deadline::DUE_SOON_DAYS`] days or overdue, as of this day.
    pub escalated_on: Option<NaiveDate>,
    /// A tracking number, PINFL, phone or e-mail.
    pub query: Option<String>,
    pub limit: u32,
}

/// Changes to an appeal's row, as column = value.
type Sets = Vec<(&'static str, Value)>;

fn bool_int(b: bool) -> Value {
    Value::Int(i64::from(b))
}

fn check_text(field: &'static str, v: &str, max: usize) -> Result<String, AppealError> {
    let v = v.trim();
    if v.is_empty() {
        return Err(invalid(field, Problem::Required));
    }
    if v.chars().count() > max {
        return Err(invalid(field, Problem::TooLong));
    }
    Ok(v.to_owned())
}

/// A phone number or e-mail address as stored, for comparing a "check" with.
pub fn contact_key(typed: &str) -> Option<String> {
    Phone::parse(typed)
        .map(|p| p.as_str().to_owned())
        .or_else(|_| Email::parse(typed).map(|e| e.as_str().to_owned()))
        .ok()
}

fn today() -> NaiveDate {
    tashkent_date(&now())
}

/// The routing decision: which agency holds an appeal about a service or a topic.
async fn route(
    db: &Db,
    cat: &Catalogue,
    service: Option<&str>,
    topic: Option<&str>,
) -> Result<Option<String>, AppealError> {
    if let Some(code) = service {
        let s = cat
            .service(code)
            .ok_or_else(|| invalid("service", Problem::UnknownService))?;
        return Ok(Some(s.passport.agency.as_str().to_owned()));
    }
    if let Some(code) = topic {
        let agency: Option<String> =
            sqlx::query_scalar("SELECT agency_code FROM contact_topics WHERE code = $1")
                .bind(code)
                .fetch_optional(&db.pool)
                .await?;
        return agency
            .map(Some)
            .ok_or_else(|| invalid("topic", Problem::UnknownTopic));
    }
    Ok(None)
}

fn note_uncovered(dl: &Deadline, id: &str) {
    if let Some(year) = dl.uncovered {
        tracing::warn!(
            appeal = id,
            year,
            "the calendar has no record for this year; the deadline was not moved off a non-working day"
        );
    }
}

static SYSTEM: Actor = Actor::System;

pub struct AppealStore<'a> {
    pub db: &'a Db,
}

/// What a create returned: the appeal, and whether it had been filed before with the same key.
pub struct Filed {
    pub appeal: Appeal,
    pub replayed: bool,
}

impl AppealStore<'_> {
    pub async fn migrate(db: &Db) -> Result<(), DbError> {
        db.migrate("contact", MIGRATIONS).await
    }

    /// Files an appeal: checks it, routes it, sets its legal deadline, and stores it with its
    /// first history in one transaction. A retry with the same idempotency key files nothing
    /// and returns the appeal filed the first time.
    pub async fn create(&self, cat: &Catalogue, new: NewAppeal) -> Result<Filed, AppealError> {
        if let Some(key) = &new.idempotency_key {
            if let Some(appeal) = self.by_key(key).await? {
                return Ok(Filed {
                    appeal,
                    replayed: true,
                });
            }
        }
        if let Some((field, problem)) = new.problems().into_iter().next() {
            return Err(invalid(field, problem));
        }
        let subject = new.subject.trim().to_owned();
        let body = new.body.trim().to_owned();
        let name = new.name.trim().to_owned();
        let phone = filled(&new.phone)
            .and_then(|p| Phone::parse(p).ok())
            .map(|p| p.as_str().to_owned());
        let email = filled(&new.email)
            .and_then(|e| Email::parse(e).ok())
            .map(|e| e.as_str().to_owned());
        let address = filled(&new.address).map(str::to_owned);
        let first_answer = match new.first_contact_answer.as_deref().map(str::trim) {
            Some(a) if !a.is_empty() => Some(check_text("answer", a, MAX_REPLY)?),
            _ => None,
        };
        let service = new
            .service
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let topic = new
            .topic
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let agency = route(self.db, cat, service, topic).await?;
        let at = format_timestamp(&now());
        let received = new.received_on.unwrap_or_else(today);
        let received_at = match new.received_on {
            // Registered later: received at the start of that working day (Tashkent, 09:00).
            Some(d) => {
                format_timestamp(&(yagona_core::tashkent_day_start(d) + chrono::Duration::hours(9)))
            }
            None => at.clone(),
        };
        let dl = deadline::legal_deadline(&cat.calendar, received, new.kind, new.needs_checking);
        let status = match (&first_answer, &agency) {
            (Some(_), _) => Status::Answered,
            (None, Some(_)) => Status::Assigned,
            (None, None) => Status::Received,
        };
        loop {
            let id = TrackingNumber::generate().as_str().to_owned();
            let mut batch = Batch::new();
            let values: Vec<Value> = vec![
                id.clone().into(),
                new.kind.code().into(),
                new.channel.code().into(),
                status.code().into(),
                service.map(str::to_owned).into(),
                topic.map(str::to_owned).into(),
                agency.clone().into(),
                subject.clone().into(),
                body.clone().into(),
                new.pinfl.as_ref().map(|p| p.as_str().to_owned()).into(),
                name.clone().into(),
                phone.clone().into(),
                email.clone().into(),
                new.locale.tag().into(),
                address.clone().into(),
                new.lat.map(|v| v.to_string()).into(),
                new.lon.map(|v| v.to_string()).into(),
                filled(&new.application_ref)
                    .and_then(|r| yagona_core::ReferenceNumber::parse(r).ok())
                    .map(|r| r.as_str().to_owned())
                    .into(),
                bool_int(new.needs_checking),
                received_at.clone().into(),
                dl.date.to_string().into(),
                bool_int(false),
                first_answer.as_ref().map(|_| at.clone()).into(),
                first_answer
                    .as_ref()
                    .map(|_| i64::from(today() <= dl.date))
                    .into(),
                bool_int(first_answer.is_some()),
                Value::Null,
                Value::NullInt,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                new.client_id.clone().into(),
                new.idempotency_key.clone().into(),
                at.clone().into(),
                Value::Int(1),
            ];
            batch.push(
                "INSERT INTO appeals (id, kind, channel, status, service_code, topic_code, agency_code, subject, body, pinfl, name, phone, email, locale, address, lat, lon, application_ref, needs_checking, received_at, deadline, extended, answered_at, answered_on_time, first_contact, closed_at, rating, rating_comment, merged_into, officer_id, officer_name, client_id, idempotency_key, updated_at, revision) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35)",
                values,
            );
            let mut events = vec![Event {
                action: "received",
                public: true,
                actor: &new.actor,
                to_agency: None,
                body: None,
                on: None,
            }];
            if let Some(a) = &agency {
                events.push(Event {
                    action: "routed",
                    public: true,
                    actor: &SYSTEM,
                    to_agency: Some(a.clone()),
                    body: None,
                    on: None,
                });
            }
            if let Some(answer) = &first_answer {
                events.push(Event {
                    action: "replied",
                    public: true,
                    actor: &new.actor,
                    to_agency: None,
                    body: Some(answer.clone()),
                    on: None,
                });
            }
            let target = notice_target(
                email.as_deref(),
                phone.as_deref(),
                new.pinfl.as_ref().map(Pinfl::as_str),
            );
            for e in &events {
                batch.push(INSERT_EVENT, event_values(&id, &at, e));
                if let Some(t) = target.as_ref().filter(|_| NOTIFIED.contains(&e.action)) {
                    batch.push(
                        INSERT_NOTICE,
                        notice_values(&id, t, e.action, new.locale, &at),
                    );
                }
            }
            let mut slot = self.db.join_group().await?;
            let done = batch.run(self.db.backend, slot.tx()).await;
            let clash = done
                .as_ref()
                .err()
                .is_some_and(yagona_db::is_unique_violation);
            match slot.finish(done.is_ok()).await? {
                Outcome::Retry => continue,
                Outcome::Committed => {}
                Outcome::RolledBack if clash => {
                    // Either the same key was filed meanwhile (answer with that appeal), or the
                    // random tracking number was taken (draw another).
                    if let Some(key) = &new.idempotency_key {
                        if let Some(appeal) = self.by_key(key).await? {
                            return Ok(Filed {
                                appeal,
                                replayed: true,
                            });
                        }
                    }
                    continue;
                }
                Outcome::RolledBack => {
                    done?;
                }
            }
            note_uncovered(&dl, &id);
            let appeal = self
                .get(&id, Viewer::Centre)
                .await?
                .ok_or(AppealError::NotFound)?;
            return Ok(Filed {
                appeal,
                replayed: false,
            });
        }
    }

    async fn by_key(&self, key: &str) -> Result<Option<Appeal>, AppealError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM appeals WHERE idempotency_key = $1"
        ))
        .bind(key)
        .fetch_optional(&self.db.pool)
        .await?;
        Ok(row.as_ref().map(appeal_from).transpose()?)
    }

    /// An appeal, if the viewer may see it.
    pub async fn get(&self, id: &str, viewer: Viewer<'_>) -> Result<Option<Appeal>, AppealError> {
        let (cond, value) = viewer.clause(2);
        let sql = format!("SELECT {COLUMNS} FROM appeals WHERE id = $1 AND {cond}");
        let mut q = sqlx::query(&sql).bind(id);
        if let Some(v) = value {
            q = q.bind(v);
        }
        let row = q.fetch_optional(&self.db.pool).await?;
        Ok(row.as_ref().map(appeal_from).transpose()?)
    }

    /// The history the viewer may see: the applicant only public entries.
    pub async fn events(&self, id: &str, internal: bool) -> Result<Vec<AppealEvent>, AppealError> {
        let sql = format!(
            "SELECT at, action, public, actor_kind, actor_name, agency_code, to_agency, body FROM appeal_events WHERE appeal_id = $1{} ORDER BY id",
            if internal { "" } else { " AND public = 1" }
        );
        let rows = sqlx::query(&sql).bind(id).fetch_all(&self.db.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(AppealEvent {
                    at: r.try_get(0)?,
                    action: r.try_get(1)?,
                    public: r.try_get::<i64, _>(2)? != 0,
                    actor_kind: r.try_get(3)?,
                    actor_name: r.try_get(4)?,
                    agency: r.try_get(5)?,
                    to_agency: r.try_get(6)?,
                    body: r.try_get(7)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// The notices queued for an appeal's applicant, oldest first.
    pub async fn notices(&self, id: &str) -> Result<Vec<Notice>, AppealError> {
        let rows = sqlx::query("SELECT channel, recipient, action FROM appeal_notices WHERE appeal_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(&self.db.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Notice {
                    channel: r.try_get(0)?,
                    recipient: r.try_get(1)?,
                    action: r.try_get(2)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// The latest public answer of each of these appeals (one query for a whole list).
    pub async fn latest_replies(
        &self,
        ids: &[&str],
    ) -> Result<std::collections::HashMap<String, String>, AppealError> {
        let mut out = std::collections::HashMap::new();
        for chunk in ids.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT appeal_id, body FROM appeal_events WHERE action = 'replied' AND appeal_id IN ({}) ORDER BY id",
                marks.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for r in q.fetch_all(&self.db.pool).await? {
                let body: Option<String> = r.try_get(1)?;
                if let Some(b) = body {
                    out.insert(r.try_get(0)?, b);
                }
            }
        }
        Ok(out)
    }

    /// A queue: the appeals the viewer may see that pass the filter, the nearest deadline first.
    pub async fn queue(
        &self,
        viewer: Viewer<'_>,
        filter: &QueueFilter,
    ) -> Result<Vec<Appeal>, AppealError> {
        let mut conds = Vec::new();
        let mut values: Vec<String> = Vec::new();
        let (cond, value) = viewer.clause(1);
        conds.push(cond);
        if let Some(v) = value {
            values.push(v);
        }
        let mut push = |conds: &mut Vec<String>, sql: &str, v: String| {
            values.push(v);
            conds.push(sql.replace("$?", &format!("${}", values.len())));
        };
        if let Some(s) = filter.status {
            push(&mut conds, "status = $?", s.code().into());
        }
        if filter.open_only || filter.escalated_on.is_some() {
            conds.push("status IN ('received', 'assigned', 'in-progress', 'reopened')".into());
        }
        if let Some(a) = &filter.agency {
            push(&mut conds, "agency_code = $?", a.clone());
        }
        if let Some(c) = filter.channel {
            push(&mut conds, "channel = $?", c.code().into());
        }
        if let Some(k) = filter.kind {
            push(&mut conds, "kind = $?", k.code().into());
        }
        if let Some(s) = &filter.service {
            push(&mut conds, "service_code = $?", s.clone());
        }
        if filter.closed_only {
            conds.push("status IN ('answered', 'closed')".into());
        }
        if let Some(t) = &filter.topic {
            push(&mut conds, "topic_code = $?", t.clone());
        }
        if let Some(t) = &filter.received_from {
            push(&mut conds, "received_at >= $?", t.clone());
        }
        if let Some(t) = &filter.received_to {
            push(&mut conds, "received_at <= $?", t.clone());
        }
        if let Some(day) = filter.escalated_on {
            let edge = day + chrono::Days::new(deadline::DUE_SOON_DAYS as u64);
            push(&mut conds, "deadline <= $?", edge.to_string());
        }
        if let Some(q) = filter
            .query
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
        {
            if let Ok(t) = TrackingNumber::parse(q) {
                push(&mut conds, "id = $?", t.as_str().to_owned());
            } else if let Ok(p) = Pinfl::parse(q) {
                push(&mut conds, "pinfl = $?", p.as_str().to_owned());
            } else if let Some(c) = contact_key(q) {
                push(&mut conds, "(phone = $? OR email = $?)", c);
            } else {
                // Not an identifier: nothing matches (names are not searched, to keep the
                // desk from browsing people).
                conds.push("1 = 0".into());
            }
        }
        let limit = if filter.limit == 0 {
            200
        } else {
            filter.limit.min(1000)
        };
        let order = if filter.newest_first {
            "received_at DESC, id"
        } else {
            "CASE WHEN status IN ('answered', 'closed') THEN 1 ELSE 0 END, deadline, received_at"
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM appeals WHERE {} ORDER BY {order} LIMIT {limit}",
            conds.join(" AND ")
        );
        let mut q = sqlx::query(&sql);
        for v in values {
            q = q.bind(v);
        }
        let rows = q.fetch_all(&self.db.pool).await?;
        rows.iter()
            .map(|r| appeal_from(r).map_err(Into::into))
            .collect()
    }

    /// Changes an appeal the viewer may see: `decide` looks at it and says what to set and
    /// what to record; the row changes only if nobody changed it meanwhile.
    async fn change<F>(
        &self,
        id: &str,
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
        values.push(id.into());
        values.push(Value::Int(appeal.revision));
        let mut batch = Batch::new();
        batch.push(sql, values);
        let target = notice_target(
            appeal.email.as_deref(),
            appeal.phone.as_deref(),
            appeal.pinfl.as_deref(),
        );
        for mut e in events {
            let on = e.on.take();
            if let Some(t) = target
                .as_ref()
                .filter(|_| on.is_none() && NOTIFIED.contains(&e.action))
            {
                batch.push(
                    INSERT_NOTICE,
                    notice_values(id, t, e.action, appeal.locale, &at),
                );
            }
            let actor_event = Event {
                action: e.action,
                public: e.public,
                actor,
                to_agency: e.to_agency.take(),
                body: e.body.take(),
                on: None,
            };
            let history = on.as_deref().unwrap_or(id);
            batch.push(INSERT_EVENT, event_values(history, &at, &actor_event));
        }
        let mut tx = self.db.writer.begin().await?;
        let changed = batch.run(self.db.backend, &mut tx).await?;
        if changed.first() != Some(&1) {
            return Err(AppealError::Conflict);
        }
        tx.commit().await?;
        self.get(id, Viewer::Centre)
            .await?
            .ok_or(AppealError::NotFound)
    }

    /// An operator routes an appeal the contact centre holds (or moves a misrouted one).
    pub async fn assign(
        &self,
        id: &str,
        agency: &str,
        cat: &Catalogue,
        actor: &Actor,
    ) -> Result<Appeal, AppealError> {
        if cat.agency(agency).is_none() {
            return Err(invalid("agency", Problem::UnknownAgency));
        }
        let agency = agency.to_owned();
        self.change(id, Viewer::Centre, actor, move |a| {
            if !a.status.is_open() {
                return Err(AppealError::NotNow(a.status.code()));
            }
            if a.agency.as_deref() == Some(agency.as_str()) {
                return Err(invalid("agency", Problem::SameAgency));
            }
            Ok((
                vec![
                    ("agency_code", agency.clone().into()),
                    ("status", Status::Assigned.code().into()),
                    ("officer_id", Value::Null),
                    ("officer_name", Value::Null),
                ],
                vec![event("routed", true, Some(agency), None)],
            ))
        })
        .await
    }

    /// An officer starts work on an appeal of their agency.
    pub async fn take(&self, id: &str, actor: &Actor) -> Result<Appeal, AppealError> {
        let Actor::Officer {
            user_id,
            name,
            agency,
        } = actor
        else {
            return Err(AppealError::NotFound);
        };
        let (user_id, name) = (user_id.clone(), name.clone());
        self.change(id, Viewer::Agency(agency), actor, move |a| {
            if !matches!(
                a.status,
                Status::Assigned | Status::Reopened | Status::InProgress
            ) {
                return Err(AppealError::NotNow(a.status.code()));
            }
            Ok((
                vec![
                    ("status", Status::InProgress.code().into()),
                    ("officer_id", user_id.into()),
                    ("officer_name", name.into()),
                ],
                vec![event("taken", false, None, None)],
            ))
        })
        .await
    }

    /// A public answer. `first_contact` marks an operator's answer at the first contact.
    pub async fn reply(
        &self,
        id: &str,
        viewer: Viewer<'_>,
        actor: &Actor,
        text: &str,
        first_contact: bool,
    ) -> Result<Appeal, AppealError> {
        let text = check_text("reply", text, MAX_REPLY)?;
        let at = format_timestamp(&now());
        let on_time_day = today();
        self.change(id, viewer, actor, move |a| {
            if !a.status.is_open() {
                return Err(AppealError::NotNow(a.status.code()));
            }
            // Only an answer before anyone else worked it counts as one at first contact.
            let first = first_contact && a.status == Status::Received;
            Ok((
                vec![
                    ("status", Status::Answered.code().into()),
                    ("answered_at", at.into()),
                    ("answered_on_time", bool_int(on_time_day <= a.deadline)),
                    ("first_contact", bool_int(first)),
                ],
                vec![event("replied", true, None, Some(text))],
            ))
        })
        .await
    }

    /// An internal note: never shown to the applicant.
    pub async fn note(
        &self,
        id: &str,
        viewer: Viewer<'_>,
        actor: &Actor,
        text: &str,
    ) -> Result<Appeal, AppealError> {
        let text = check_text("note", text, MAX_REPLY)?;
        self.change(id, viewer, actor, move |_| {
            Ok((vec![], vec![event("noted", false, None, Some(text))]))
        })
        .await
    }

    /// An agency sends an appeal it is not competent to answer to the agency that is; the law's
    /// period starts again from that agency's receipt, and the applicant is told.
    pub async fn forward(
        &self,
        id: &str,
        viewer: Viewer<'_>,
        to: &str,
        reason: &str,
        cat: &Catalogue,
        actor: &Actor,
    ) -> Result<Appeal, AppealError> {
        if cat.agency(to).is_none() {
            return Err(invalid("agency", Problem::UnknownAgency));
        }
        let reason = check_text("reason", reason, MAX_REPLY)?;
        let to = to.to_owned();
        let received = today();
        let cal = &cat.calendar;
        self.change(id, viewer, actor, move |a| {
            if !a.status.is_open() {
                return Err(AppealError::NotNow(a.status.code()));
            }
            if a.agency.as_deref() == Some(to.as_str()) {
                return Err(invalid("agency", Problem::SameAgency));
            }
            let dl = deadline::legal_deadline(cal, received, a.kind, a.needs_checking);
            note_uncovered(&dl, &a.id);
            Ok((
                vec![
                    ("agency_code", to.clone().into()),
                    ("status", Status::Assigned.code().into()),
                    ("officer_id", Value::Null),
                    ("officer_name", Value::Null),
                    ("deadline", dl.date.to_string().into()),
                    ("extended", bool_int(false)),
                ],
                vec![event("forwarded", true, Some(to), Some(reason))],
            ))
        })
        .await
    }

    /// The one extension the law allows (one month more), with the reason told to the applicant.
    pub async fn extend(
        &self,
        id: &str,
        viewer: Viewer<'_>,
        reason: &str,
        cat: &Catalogue,
        actor: &Actor,
    ) -> Result<Appeal, AppealError> {
        let reason = check_text("reason", reason, MAX_REPLY)?;
        let cal = &cat.calendar;
        self.change(id, viewer, actor, move |a| {
            if !a.status.is_open() {
                return Err(AppealError::NotNow(a.status.code()));
            }
            if a.extended {
                return Err(AppealError::AlreadyExtended);
            }
            let dl = deadline::extended(cal, a.deadline);
            note_uncovered(&dl, &a.id);
            Ok((
                vec![
                    ("deadline", dl.date.to_string().into()),
                    ("extended", bool_int(true)),
                ],
                vec![event("extended", true, None, Some(reason))],
            ))
        })
        .await
    }

    /// An operator merges a duplicate into the appeal that stays: the duplicate is closed and
    /// points to it; both histories say so.
    pub async fn merge(
        &self,
        duplicate: &str,
        into: &str,
        actor: &Actor,
    ) -> Result<Appeal, AppealError> {
        let into = TrackingNumber::parse(into)
            .map_err(|_| invalid("into", Problem::Invalid))?
            .as_str()
            .to_owned();
        if into == duplicate {
            return Err(invalid("into", Problem::Invalid));
        }
        let target = self
            .get(&into, Viewer::Centre)
            .await?
            .filter(|t| t.merged_into.is_none())
            .ok_or_else(|| invalid("into", Problem::Invalid))?;
        let at = format_timestamp(&now());
        let target_id = target.id.clone();
        let merged = self
            .change(duplicate, Viewer::Centre, actor, move |a| {
                if a.merged_into.is_some() {
                    return Err(AppealError::NotNow("merged"));
                }
                Ok((
                    vec![
                        ("status", Status::Closed.code().into()),
                        ("closed_at", at.into()),
                        ("merged_into", target_id.clone().into()),
                    ],
                    vec![
                        event("merged", true, None, Some(target_id.clone())),
                        // The kept appeal's history says so too, in the same transaction.
                        Event {
                            on: Some(target_id),
                            ..event("merged-from", false, None, Some(a.id.clone()))
                        },
                    ],
                ))
            })
            .await?;
        Ok(merged)
    }

    /// Closes an appeal (an operator, e.g. after the applicant confirmed by phone).
    pub async fn close(
        &self,
        id: &str,
        viewer: Viewer<'_>,
        actor: &Actor,
        reason: Option<&str>,
    ) -> Result<Appeal, AppealError> {
        let reason = reason
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        let at = format_timestamp(&now());
        self.change(id, viewer, actor, move |a| {
            if a.status != Status::Answered {
                return Err(AppealError::NotNow(a.status.code()));
            }
            Ok((
                vec![
                    ("status", Status::Closed.code().into()),
                    ("closed_at", at.into()),
                ],
                vec![event("closed", true, None, reason)],
            ))
        })
        .await
    }

    /// Closes the answered appeals whose reopening period ([`REOPEN_DAYS`]) ended before `now`;
    /// returns how many. Safe to run on several nodes at once (each close is guarded by the
    /// appeal's revision; a lost race is skipped).
    pub async fn close_unreopened(&self, now: yagona_core::Timestamp) -> Result<u64, AppealError> {
        let cutoff = format_timestamp(&(now - chrono::Duration::days(REOPEN_DAYS + 1)));
        let mut closed = 0;
        loop {
            let ids: Vec<String> = sqlx::query_scalar(
                "SELECT id FROM appeals WHERE status = 'answered' AND answered_at < $1 ORDER BY answered_at LIMIT 200",
            )
            .bind(&cutoff)
            .fetch_all(&self.db.pool)
            .await?;
            if ids.is_empty() {
                return Ok(closed);
            }
            let mut progressed = false;
            for id in &ids {
                match self.close(id, Viewer::Centre, &SYSTEM, None).await {
                    Ok(_) => {
                        closed += 1;
                        progressed = true;
                    }
                    Err(AppealError::Conflict | AppealError::NotNow(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            if !progressed {
                return Ok(closed);
            }
        }
    }

    /// The applicant rates the answer (1–5, with a comment); this closes the appeal.
    pub async fn rate(
        &self,
        id: &str,
        viewer: Viewer<'_>,
        actor: &Actor,
        rating: i64,
        comment: &str,
    ) -> Result<Appeal, AppealError> {
        if !(1..=5).contains(&rating) {
            return Err(invalid("rating", Problem::OutOfRange));
        }
        let comment = comment.trim();
        if comment.chars().count() > MAX_BODY {
            return Err(invalid("comment", Problem::TooLong));
        }
        let comment = Some(comment.to_owned()).filter(|c| !c.is_empty());
        let at = format_timestamp(&now());
        self.change(id, viewer, actor, move |a| {
            if !a.rateable() {
                return Err(AppealError::NotNow(a.status.code()));
            }
            Ok((
                vec![
                    ("status", Status::Closed.code().into()),
                    ("closed_at", at.into()),
                    ("rating", Value::Int(rating)),
                    ("rating_comment", comment.clone().into()),
                ],
                vec![event(
                    "rated",
                    true,
                    None,
                    Some(format!(
                        "{rating}/5{}",
                        comment.map(|c| format!(": {c}")).unwrap_or_default()
                    )),
                )],
            ))
        })
        .await
    }

    /// The applicant reopens an answered appeal within [`REOPEN_DAYS`]: it goes back to the
    /// agency that answered (or the contact centre) with a new legal period.
    pub async fn reopen(
        &self,
        id: &str,
        viewer: Viewer<'_>,
        actor: &Actor,
        reason: &str,
        cat: &Catalogue,
    ) -> Result<Appeal, AppealError> {
        let reason = check_text("reason", reason, MAX_BODY)?;
        let day = today();
        let cal = &cat.calendar;
        self.change(id, viewer, actor, move |a| {
            if !matches!(a.status, Status::Answered | Status::Closed) || a.merged_into.is_some() {
                return Err(AppealError::NotNow(a.status.code()));
            }
            if !a.reopenable(day) {
                return Err(AppealError::ReopenPeriodOver);
            }
            let dl = deadline::legal_deadline(cal, day, a.kind, a.needs_checking);
            let status = if a.agency.is_some() {
                Status::Reopened
            } else {
                Status::Received
            };
            Ok((
                vec![
                    ("status", status.code().into()),
                    ("deadline", dl.date.to_string().into()),
                    ("extended", bool_int(false)),
                    ("closed_at", Value::Null),
                    ("rating", Value::NullInt),
                    ("rating_comment", Value::Null),
                    ("answered_at", Value::Null),
                    ("answered_on_time", Value::NullInt),
                    ("first_contact", bool_int(false)),
                    ("officer_id", Value::Null),
                    ("officer_name", Value::Null),
                ],
                vec![event("reopened", true, None, Some(reason))],
            ))
        })
        .await
    }

    /// Figures per agency and per service over appeals received in `[from, to)` (RFC 3339).
    pub async fn figures(
        &self,
        from: &str,
        to: &str,
        today: NaiveDate,
    ) -> Result<Figures, AppealError> {
        let rows = sqlx::query(
            // SUM is cast: PostgreSQL sums integers as NUMERIC, which the Any driver cannot read.
            "SELECT agency_code, service_code, channel, COUNT(*), \
             CAST(SUM(CASE WHEN answered_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN answered_on_time = 1 THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN answered_at IS NULL AND status IN ('received', 'assigned', 'in-progress', 'reopened') AND deadline < $3 THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(first_contact) AS BIGINT), COUNT(rating), CAST(SUM(COALESCE(rating, 0)) AS BIGINT) \
             FROM appeals WHERE merged_into IS NULL AND received_at >= $1 AND received_at < $2 \
             GROUP BY agency_code, service_code, channel",
        )
        .bind(from)
        .bind(to)
        .bind(today.to_string())
        .fetch_all(&self.db.pool)
        .await?;
        let mut by_agency: BTreeMap<String, FiguresRow> = BTreeMap::new();
        let mut by_service: BTreeMap<String, FiguresRow> = BTreeMap::new();
        let mut total = FiguresRow::default();
        for r in rows {
            let agency: Option<String> = r.try_get(0)?;
            let service: Option<String> = r.try_get(1)?;
            let channel: String = r.try_get(2)?;
            let n = Counts {
                appeals: r.try_get(3)?,
                answered: r.try_get::<Option<i64>, _>(4)?.unwrap_or(0),
                on_time: r.try_get::<Option<i64>, _>(5)?.unwrap_or(0),
                overdue_open: r.try_get::<Option<i64>, _>(6)?.unwrap_or(0),
                first_contact: r.try_get::<Option<i64>, _>(7)?.unwrap_or(0),
                ratings: r.try_get(8)?,
                rating_sum: r.try_get::<Option<i64>, _>(9)?.unwrap_or(0),
            };
            let agency = agency.unwrap_or_else(|| CENTRE.to_owned());
            by_agency
                .entry(agency.clone())
                .or_default()
                .add(&agency, None, &channel, &n);
            if let Some(s) = service {
                by_service
                    .entry(s.clone())
                    .or_default()
                    .add(&agency, Some(&s), &channel, &n);
            }
            total.add("", None, &channel, &n);
        }
        Ok(Figures {
            from: from.to_owned(),
            to: to.to_owned(),
            total: total.finish(),
            agencies: by_agency.into_values().map(FiguresRow::finish).collect(),
            services: by_service.into_values().map(FiguresRow::finish).collect(),
        })
    }

    /// Registers an Open311 client; returns its id and its API key (shown once; only its hash
    /// is kept).
    pub async fn create_client(&self, name: &str) -> Result<(String, String), AppealError> {
        let name = check_text("name", name, MAX_NAME)?;
        let id = uuid::Uuid::new_v4().to_string();
        let key = format!("o311_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(
            "INSERT INTO open311_clients (id, name, key_hash, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(&name)
        .bind(yagona_core::sha256_hex(key.as_bytes()))
        .bind(format_timestamp(&now()))
        .execute(&self.db.writer)
        .await?;
        Ok((id, key))
    }

    /// Registers an Open311 client with a key chosen by the caller (the demo's published key);
    /// nothing changes if a client with that key exists.
    pub async fn register_client(&self, name: &str, key: &str) -> Result<(), AppealError> {
        if self.client_by_key(key).await?.is_some() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO open311_clients (id, name, key_hash, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(check_text("name", name, MAX_NAME)?)
        .bind(yagona_core::sha256_hex(key.as_bytes()))
        .bind(format_timestamp(&now()))
        .execute(&self.db.writer)
        .await?;
        Ok(())
    }

    /// The client an API key belongs to: (id, name), unless unknown or revoked.
    pub async fn client_by_key(&self, key: &str) -> Result<Option<(String, String)>, AppealError> {
        let row = sqlx::query(
            "SELECT id, name FROM open311_clients WHERE key_hash = $1 AND revoked_at IS NULL",
        )
        .bind(yagona_core::sha256_hex(key.as_bytes()))
        .fetch_optional(&self.db.pool)
        .await?;
        Ok(match row {
            Some(r) => Some((r.try_get(0)?, r.try_get(1)?)),
            None => None,
        })
    }
}

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

/// The agency code figures use for appeals the contact centre holds.
pub const CENTRE: &str = "contact-centre";

struct Counts {
    appeals: i64,
    answered: i64,
    on_time: i64,
    overdue_open: i64,
    first_contact: i64,
    ratings: i64,
    rating_sum: i64,
}

/// Figures over a period, for the e-Government Centre and the public.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    pub from: String,
    pub to: String,
    pub total: FiguresRow,
    pub agencies: Vec<FiguresRow>,
    pub services: Vec<FiguresRow>,
}

/// One line of figures: an agency, a service, or everything.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FiguresRow {
    pub agency: Option<String>,
    pub service: Option<String>,
    pub appeals: i64,
    /// Appeals by channel (`portal`, `phone`, `open311`).
    pub by_channel: BTreeMap<String, i64>,
    pub answered: i64,
    /// Answers given by the deadline, over answers plus open appeals past their deadline.
    pub answered_on_time_pct: Option<f64>,
    /// Answered by an operator at the first contact, over all appeals.
    pub first_contact_pct: Option<f64>,
    pub ratings: i64,
    pub average_rating: Option<f64>,
    #[serde(skip)]
    on_time: i64,
    #[serde(skip)]
    overdue_open: i64,
    #[serde(skip)]
    first_contact: i64,
    #[serde(skip)]
    rating_sum: i64,
}

impl FiguresRow {
    fn add(&mut self, agency: &str, service: Option<&str>, channel: &str, n: &Counts) {
        if !agency.is_empty() {
            self.agency = Some(agency.to_owned());
        }
        if let Some(s) = service {
            self.service = Some(s.to_owned());
        }
        self.appeals += n.appeals;
        *self.by_channel.entry(channel.to_owned()).or_default() += n.appeals;
        self.answered += n.answered;
        self.on_time += n.on_time;
        self.overdue_open += n.overdue_open;
        self.first_contact += n.first_contact;
        self.ratings += n.ratings;
        self.rating_sum += n.rating_sum;
    }

    fn finish(mut self) -> FiguresRow {
        let pct = |a: i64, b: i64| (b > 0).then(|| (1000.0 * a as f64 / b as f64).round() / 10.0);
        for c in Channel::ALL {
            self.by_channel.entry(c.code().to_owned()).or_default();
        }
        self.answered_on_time_pct = pct(self.on_time, self.answered + self.overdue_open);
        self.first_contact_pct = pct(self.first_contact, self.appeals);
        self.average_rating = (self.ratings > 0)
            .then(|| (100.0 * self.rating_sum as f64 / self.ratings as f64).round() / 100.0);
        self
    }
}

//! What an appeal is: who reads and acts on it, what a channel files, what is stored, and why a
//! change is refused.

use crate::deadline::{self, Urgency};
use crate::{Channel, Kind, Status};
use chrono::NaiveDate;
use serde::Serialize;
use yagona_core::{now, tashkent_date, Email, Locale, Phone, Pinfl, Timestamp, TrackingNumber};
use yagona_db::DbError;

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
    Citizen(&'a Pinfl),
    /// Someone with a tracking number and the phone or e-mail it was filed with (normalised).
    Contact(&'a str),
    /// An Open311 client: what it filed.
    Client(&'a str),
}

impl Viewer<'_> {
    /// The WHERE condition (with `$n` for its value, if any) and the value.
    pub(crate) fn clause(&self, n: usize) -> (String, Option<String>) {
        match self {
            Viewer::Centre => ("1 = 1".into(), None),
            Viewer::Agency(a) => (format!("agency_code = ${n}"), Some((*a).to_owned())),
            Viewer::Citizen(p) => (format!("pinfl = ${n}"), Some(p.as_str().to_owned())),
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
    /// The person the appeal is from; `pinfl` when they proved who they are (signed in).
    Applicant {
        name: String,
        pinfl: Option<Pinfl>,
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
    /// The appeals staff (and the system) act on: an operator and the system every appeal, an
    /// officer their agency's. Applicants and clients act only through what they hold.
    pub fn viewer(&self) -> Option<Viewer<'_>> {
        match self {
            Actor::Operator { .. } | Actor::System => Some(Viewer::Centre),
            Actor::Officer { agency, .. } => Some(Viewer::Agency(agency)),
            Actor::Applicant { .. } | Actor::Client { .. } => None,
        }
    }
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Actor::Applicant { .. } => "applicant",
            Actor::Operator { .. } => "operator",
            Actor::Officer { .. } => "officer",
            Actor::Client { .. } => "client",
            Actor::System => "system",
        }
    }
    pub(crate) fn name(&self) -> &str {
        match self {
            Actor::Applicant { name, .. }
            | Actor::Operator { name, .. }
            | Actor::Officer { name, .. }
            | Actor::Client { name, .. } => name,
            Actor::System => "Yagona",
        }
    }
    pub(crate) fn agency(&self) -> Option<&str> {
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
    /// The actor's role may not do this, whichever appeal it is.
    #[error("this is not yours to do")]
    NotAllowed,
    /// Too many wrong checks for this tracking number lately: it is locked for a while.
    #[error("too many wrong checks for this tracking number; try again later")]
    TooManyTries,
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

pub(crate) fn invalid(field: &'static str, problem: Problem) -> AppealError {
    AppealError::Invalid { field, problem }
}

/// A text as stored (trimmed), or why it cannot be.
pub(crate) fn check_text(field: &'static str, v: &str, max: usize) -> Result<String, AppealError> {
    match text_problem(v, max) {
        Some(p) => Err(invalid(field, p)),
        None => Ok(v.trim().to_owned()),
    }
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

pub(crate) fn filled(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Today in Tashkent: the day periods are counted from.
pub(crate) fn today() -> NaiveDate {
    tashkent_date(&now())
}

/// A phone number or e-mail address as stored, for comparing a "check" with.
pub fn contact_key(typed: &str) -> Option<String> {
    Phone::parse(typed)
        .map(|p| p.as_str().to_owned())
        .or_else(|_| Email::parse(typed).map(|e| e.as_str().to_owned()))
        .ok()
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
    /// An operator's answer given during the call, in their own words.
    pub first_contact_answer: Option<String>,
    /// An operator's answer given during the call from the knowledge base (the answer's code):
    /// recorded in the caller's language.
    pub first_contact_kb: Option<String>,
    /// The day it was received, when registered later (a letter received by post on that day);
    /// the legal period runs from it. Never in the future; none means today.
    pub received_on: Option<NaiveDate>,
    pub actor: Actor,
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
            first_contact_kb: None,
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
        // A place is both coordinates or none: one alone is no place.
        match (self.lat, self.lon) {
            (Some(_), None) => out.push(("long", Problem::Required)),
            (None, Some(_)) => out.push(("lat", Problem::Required)),
            _ => {}
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
    pub id: TrackingNumber,
    pub kind: Kind,
    pub channel: Channel,
    pub status: Status,
    pub service: Option<String>,
    pub topic: Option<String>,
    pub agency: Option<String>,
    pub subject: String,
    pub body: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinfl: Option<Pinfl>,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub locale: Locale,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub application_ref: Option<String>,
    pub needs_checking: bool,
    #[serde(with = "yagona_core::rfc3339")]
    pub received_at: Timestamp,
    pub deadline: NaiveDate,
    pub extended: bool,
    #[serde(with = "yagona_core::rfc3339::option")]
    pub answered_at: Option<Timestamp>,
    pub answered_on_time: Option<bool>,
    pub first_contact: bool,
    #[serde(with = "yagona_core::rfc3339::option")]
    pub closed_at: Option<Timestamp>,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    pub merged_into: Option<TrackingNumber>,
    pub officer_id: Option<String>,
    pub officer_name: Option<String>,
    pub client_id: Option<String>,
    #[serde(with = "yagona_core::rfc3339")]
    pub updated_at: Timestamp,
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
                .is_some_and(|t| (today - tashkent_date(&t)).num_days() <= REOPEN_DAYS)
    }

    /// The applicant may rate the answer.
    pub fn rateable(&self) -> bool {
        self.status == Status::Answered
    }
}

/// One entry of an appeal's history.
#[derive(Debug, Clone, Serialize)]
pub struct AppealEvent {
    #[serde(with = "yagona_core::rfc3339")]
    pub at: Timestamp,
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
    /// Received at or after this moment.
    pub received_from: Option<Timestamp>,
    /// Received at or before this moment.
    pub received_to: Option<Timestamp>,
    /// The newest first, instead of the nearest deadline first.
    pub newest_first: bool,
    /// Only open appeals due within [`deadline::DUE_SOON_DAYS`] days or overdue, as of this day.
    pub escalated_on: Option<NaiveDate>,
    /// A tracking number, PINFL, phone or e-mail.
    pub query: Option<String>,
    pub limit: u32,
}

//! The single contact point: appeals (inquiries, complaints, proposals) about any public service,
//! from every channel, each with a tracking number and its legal deadline (ZRU-445). Every rule
//! of the contact point lives here, so the portal, the API, Open311 and the operator's desk get
//! the same answer.
//!
//! Where to start:
//!
//! - [`model`]: what an appeal is — [`NewAppeal`] as a channel files it, [`Appeal`] as stored,
//!   [`Viewer`] (whose appeals a read is limited to), [`Actor`] (who acts), [`AppealError`];
//! - [`store`]: [`AppealStore`], appeals and their history in the database. Every read takes a
//!   [`Viewer`] that the query itself is limited by; every change is one transaction with its
//!   history event and notice, and checks first that the actor may make it;
//! - [`deadline`]: the law's periods, counted on the holiday calendar;
//! - [`topics`]: the topics appeals are routed by and the knowledge base of answers (registry
//!   files `contact/topics.toml` and `contact/answers.toml`);
//! - [`figures`]: appeals over a [`Period`], by agency and by service;
//! - [`guard`]: a client that makes too many wrong checks of tracking numbers is refused
//!   (counted in the database, across nodes; the owner of the number is never locked out).
//!
//! What it must not know: HTTP, HTML, sessions. Callers settle who is asking and pass an
//! [`Actor`] or a [`Viewer`]; errors are typed, and turned into pages or problem documents at
//! the edge.

pub mod deadline;
pub mod figures;
pub mod guard;
pub mod model;
pub mod store;
pub mod topics;

use serde::Serialize;

pub use figures::{Figures, FiguresRow, Period, CENTRE};
pub use guard::Guesser;
pub use model::{
    contact_key, Actor, Appeal, AppealError, AppealEvent, NewAppeal, Problem, QueueFilter, Viewer,
    MAX_BODY, MAX_NAME, MAX_REPLY, MAX_SUBJECT, REOPEN_DAYS,
};
pub use store::{AppealStore, Filed, FOLLOW_HOURS, MIGRATIONS};

/// What an appeal is, in the law's terms (*ariza*, *shikoyat*, *taklif*).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Inquiry,
    Complaint,
    Proposal,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Inquiry, Kind::Complaint, Kind::Proposal];
    pub fn code(self) -> &'static str {
        match self {
            Kind::Inquiry => "inquiry",
            Kind::Complaint => "complaint",
            Kind::Proposal => "proposal",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// How an appeal reached the contact point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// The portal's form, signed in or not.
    Portal,
    /// A phone call recorded by a contact-centre operator.
    Phone,
    /// An Open311 client (an app, a city system) through `/open311/v2/`.
    Open311,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Portal, Channel::Phone, Channel::Open311];
    pub fn code(self) -> &'static str {
        match self {
            Channel::Portal => "portal",
            Channel::Phone => "phone",
            Channel::Open311 => "open311",
        }
    }
    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// Where an appeal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// At the contact centre, not yet routed to an agency.
    Received,
    /// With an agency, nobody working it yet.
    Assigned,
    /// An officer of the agency is working it.
    InProgress,
    /// Answered; the applicant may rate the answer or reopen the appeal.
    Answered,
    Closed,
    /// Reopened by the applicant after an answer: with the agency again.
    Reopened,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Received,
        Status::Assigned,
        Status::InProgress,
        Status::Answered,
        Status::Closed,
        Status::Reopened,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Assigned => "assigned",
            Status::InProgress => "in-progress",
            Status::Answered => "answered",
            Status::Closed => "closed",
            Status::Reopened => "reopened",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|k| k.code() == s)
    }
    /// Still waiting for an answer (the deadline runs).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Received | Status::Assigned | Status::InProgress | Status::Reopened
        )
    }
}

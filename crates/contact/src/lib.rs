//! The single contact point: appeals (inquiries, complaints, proposals) about any public service,
//! from every channel, each with a tracking number and its legal deadline (ZRU-445).
//!
//! - [`deadline`]: the law's periods, counted on the holiday calendar;
//! - [`topics`]: the topics appeals are routed by and the knowledge base of answers (registry
//!   files `contact/topics.toml` and `contact/answers.toml`);
//! - [`store`]: appeals and their history in the database. Every read takes a [`Viewer`] that the
//!   query itself is limited by; every change is one transaction with its history event.

pub mod deadline;
pub mod store;
pub mod topics;

use serde::Serialize;

pub use store::{
    Actor, Appeal, AppealError, AppealEvent, AppealStore, Figures, FiguresRow, NewAppeal,
    QueueFilter, Viewer,
};

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

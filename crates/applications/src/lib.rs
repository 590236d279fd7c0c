//! Applications: what a citizen submits for a service, its documents, and its history.
//!
//! Where to start: [`Applications`] holds the operations every channel uses (start, save a
//! step, submit, file in one go; an officer's take, release and decision), each checked once
//! and each one transaction. [`ApplicationStore`] reads (every read takes a [`Viewer`]: an
//! applicant sees only their own applications, an officer only those of their agency or with a
//! task for it).
//!
//! Once submitted, an application is run by its service's BPMN process ([`process`]): the
//! status a citizen sees and the officers' tasks are views of the process instance, kept in the
//! same transaction as each step. Other agencies are asked through the [`ExchangeClient`] this
//! component owns; which register answers which fact is the registry's data ([`facts`]).
//!
//! What it must not know: HTTP, HTML, sessions; the workflow's and the registry's tables (it
//! asks them through their APIs).

pub mod documents;
pub mod exchange;
pub mod exchange_tasks;
pub mod facts;
pub mod fees;
mod metrics;
mod model;
mod notices;
pub mod popularity;
pub mod process;
pub mod ratings;
pub mod results;
mod service;
pub mod statistics;
pub mod status;
mod store;
pub mod workers;

pub use documents::{Document, DocumentKind, Upload, UploadError};
pub use exchange::{ExchangeCall, ExchangeClient, ExchangeReply};
pub use facts::FactSummary;
pub use model::{
    Application, ApplicationError, ApplicationEvent, Decision, Fact, InboxFilter, InboxItem,
    OfficerFilter, Viewer,
};
pub use service::{Applications, Filing, StepInput, INBOX_PAGE, MAX_COMMENT};
pub use status::{Action, Actor, Holder, Status};
pub use store::ApplicationStore;
pub use yagona_workflow::store::UserTask;

pub use results::{Issuer, ResultDocument, ResultStatus, Share, Verification};

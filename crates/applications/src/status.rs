//! What citizens and officers are told about an application: its status, who holds it, and
//! the actions in its history.
//!
//! There is no hand-made lifecycle: once submitted, an application moves as its service's BPMN
//! process says, and its status is a view of where the process is (see [`crate::process`]):
//!
//! | the process…                                         | status      | holder            |
//! |------------------------------------------------------|-------------|-------------------|
//! | not started (the applicant is still filling it in)   | draft       | the applicant     |
//! | waits at a user task of the group `applicant`        | returned    | the applicant     |
//! | waits at a user task someone has claimed             | in-review   | that officer      |
//! | waits anywhere else (an unclaimed task, a job, timer) | submitted   | the task's agency |
//! | ended with `decision = "approve"`                    | approved    | nobody            |
//! | ended otherwise                                      | rejected    | nobody            |

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Draft,
    Submitted,
    InReview,
    Returned,
    Approved,
    Rejected,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Draft,
        Status::Submitted,
        Status::InReview,
        Status::Returned,
        Status::Approved,
        Status::Rejected,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::InReview => "in-review",
            Status::Returned => "returned",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.code() == s)
    }

    /// Whether the applicant may change the answers and documents.
    pub fn editable_by_applicant(self) -> bool {
        matches!(self, Status::Draft | Status::Returned)
    }

    pub fn is_final(self) -> bool {
        matches!(self, Status::Approved | Status::Rejected)
    }
}

/// What happened, as the history shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Create,
    Submit,
    Resubmit,
    Take,
    Release,
    Approve,
    Reject,
    Return,
    IssueResult,
    Notify,
    Escalate,
    /// A payment provider reported the fee paid.
    PayFee,
    /// The fee went back to the applicant.
    RefundFee,
    /// An officer of the issuing agency revoked the result document.
    RevokeResult,
    /// An officer of the issuing agency replaced the result document by another.
    SupersedeResult,
    /// The holder shared the result through a link.
    ShareResult,
    /// The holder withdrew a shared link.
    WithdrawShare,
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Submit => "submit",
            Action::Resubmit => "resubmit",
            Action::Take => "take",
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::Return => "return",
            Action::Release => "release",
            Action::IssueResult => "issue-result",
            Action::Notify => "notify",
            Action::Escalate => "escalate",
            Action::PayFee => "pay-fee",
            Action::RefundFee => "refund-fee",
            Action::RevokeResult => "document-revoke",
            Action::SupersedeResult => "document-supersede",
            Action::ShareResult => "document-share",
            Action::WithdrawShare => "document-share-withdraw",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        [Action::Approve, Action::Reject, Action::Return]
            .into_iter()
            .find(|a| a.code() == s)
    }

    /// Actions whose reason or comment is mandatory: the applicant must learn why.
    pub fn needs_comment(self) -> bool {
        matches!(self, Action::Reject | Action::Return)
    }
}

/// Who acts: the applicant, an officer of an agency, or the platform itself (a built-in worker).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Applicant {
        pinfl: yagona_core::Pinfl,
        name: String,
    },
    Officer {
        user_id: String,
        name: String,
        agency: String,
    },
    System {
        name: String,
    },
}

impl Actor {
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::Applicant { .. } => "applicant",
            Actor::Officer { .. } => "officer",
            Actor::System { .. } => "system",
        }
    }
    pub fn id(&self) -> &str {
        match self {
            Actor::Applicant { pinfl, .. } => pinfl.as_str(),
            Actor::Officer { user_id, .. } => user_id,
            Actor::System { name } => name,
        }
    }
    pub fn name(&self) -> &str {
        match self {
            Actor::Applicant { name, .. }
            | Actor::Officer { name, .. }
            | Actor::System { name } => name,
        }
    }
}

/// Who has the application now, as the citizen's page says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Holder {
    /// The applicant: a draft to finish or a returned application to correct.
    Applicant,
    /// The agency's queue, not yet taken by an officer.
    Agency { agency: String },
    /// An officer of the agency is reviewing it.
    Officer { agency: String, name: String },
    /// Decided: nobody holds it any more.
    Closed,
}

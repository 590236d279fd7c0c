//! The application lifecycle: statuses, actions, and who may take which action when.
//!
//! ```text
//!  draft ──submit──▶ submitted ──take──▶ in-review ──approve──▶ approved
//!                        ▲   │               │    └──reject───▶ rejected
//!                        │   └──approve/reject/return (without taking first)
//!                   resubmit                 └──return──▶ returned ──(citizen corrects)
//!                        └───────────────────────────────────┘
//! ```

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Create,
    Submit,
    Resubmit,
    Take,
    Approve,
    Reject,
    Return,
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
        }
    }

    /// Actions whose reason or comment is mandatory: the applicant must learn why.
    pub fn needs_comment(self) -> bool {
        matches!(self, Action::Reject | Action::Return)
    }
}

/// Who acts: the applicant, or an officer of an agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Applicant {
        pinfl: String,
        name: String,
    },
    Officer {
        user_id: String,
        name: String,
        agency: String,
    },
}

impl Actor {
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::Applicant { .. } => "applicant",
            Actor::Officer { .. } => "officer",
        }
    }
    pub fn id(&self) -> &str {
        match self {
            Actor::Applicant { pinfl, .. } => pinfl,
            Actor::Officer { user_id, .. } => user_id,
        }
    }
    pub fn name(&self) -> &str {
        match self {
            Actor::Applicant { name, .. } | Actor::Officer { name, .. } => name,
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

/// The status after `action`, or `None` when the action is not allowed from `status` for this
/// kind of actor. This is the whole lifecycle.
pub fn next(status: Status, action: Action, actor: &Actor) -> Option<Status> {
    use Action as A;
    use Status as S;
    match (actor, status, action) {
        (Actor::Applicant { .. }, S::Draft, A::Submit) => Some(S::Submitted),
        (Actor::Applicant { .. }, S::Returned, A::Resubmit) => Some(S::Submitted),
        (Actor::Officer { .. }, S::Submitted, A::Take) => Some(S::InReview),
        (Actor::Officer { .. }, S::Submitted | S::InReview, A::Approve) => Some(S::Approved),
        (Actor::Officer { .. }, S::Submitted | S::InReview, A::Reject) => Some(S::Rejected),
        (Actor::Officer { .. }, S::Submitted | S::InReview, A::Return) => Some(S::Returned),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn citizen() -> Actor {
        Actor::Applicant {
            pinfl: "31203870220012".into(),
            name: "A".into(),
        }
    }
    fn officer() -> Actor {
        Actor::Officer {
            user_id: "o".into(),
            name: "O".into(),
            agency: "x".into(),
        }
    }

    #[test]
    fn only_officers_decide_and_only_applicants_submit() {
        assert_eq!(
            next(Status::Draft, Action::Submit, &citizen()),
            Some(Status::Submitted)
        );
        assert_eq!(next(Status::Draft, Action::Submit, &officer()), None);
        assert_eq!(next(Status::Submitted, Action::Approve, &citizen()), None);
        assert_eq!(
            next(Status::InReview, Action::Approve, &officer()),
            Some(Status::Approved)
        );
    }

    #[test]
    fn decisions_are_final() {
        for a in [
            Action::Approve,
            Action::Reject,
            Action::Return,
            Action::Take,
        ] {
            assert_eq!(next(Status::Approved, a, &officer()), None);
            assert_eq!(next(Status::Rejected, a, &officer()), None);
        }
        assert_eq!(next(Status::Rejected, Action::Resubmit, &citizen()), None);
    }

    #[test]
    fn a_returned_application_goes_back_to_the_agency_on_resubmission() {
        assert_eq!(
            next(Status::InReview, Action::Return, &officer()),
            Some(Status::Returned)
        );
        assert_eq!(
            next(Status::Returned, Action::Resubmit, &citizen()),
            Some(Status::Submitted)
        );
    }
}

//! Every change of an appeal after filing. Each checks first who may make it, from the actor
//! (staff) or from what the applicant holds, before anything is read or written: the same rule
//! for the portal, the API and the operator's desk.

use super::{bool_int, event, note_uncovered, tracking, AppealStore, Event, SYSTEM};
use crate::deadline;
use crate::model::{
    check_text, invalid, today, Actor, Appeal, AppealError, Problem, Viewer, MAX_BODY, MAX_REPLY,
    REOPEN_DAYS,
};
use crate::topics::ContactData;
use crate::Status;
use yagona_core::{format_timestamp, now, TrackingNumber};
use yagona_db::Value;
use yagona_registry::Catalogue;

/// Who acts on appeals from the desk (or on its behalf).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Operator,
    Officer,
    System,
}

/// What both operators and officers may do.
const DESK: &[Role] = &[Role::Operator, Role::Officer];

/// The appeals `actor` acts on, if their role may do this at all.
fn permit<'a>(actor: &'a Actor, roles: &[Role]) -> Result<Viewer<'a>, AppealError> {
    let role = match actor {
        Actor::Operator { .. } => Role::Operator,
        Actor::Officer { .. } => Role::Officer,
        Actor::System => Role::System,
        Actor::Applicant { .. } | Actor::Client { .. } => return Err(AppealError::NotAllowed),
    };
    if !roles.contains(&role) {
        return Err(AppealError::NotAllowed);
    }
    actor.viewer().ok_or(AppealError::NotAllowed)
}

/// The applicant's side acts only on what the applicant holds: their account's appeals, or the
/// one they gave the check of.
fn holding(holder: Viewer<'_>) -> Result<Viewer<'_>, AppealError> {
    match holder {
        Viewer::Citizen(_) | Viewer::Contact(_) => Ok(holder),
        Viewer::Centre | Viewer::Agency(_) | Viewer::Client(_) => Err(AppealError::NotAllowed),
    }
}

impl AppealStore<'_> {
    /// An operator routes an appeal the contact centre holds (or moves a misrouted one).
    pub async fn assign(
        &self,
        id: &TrackingNumber,
        actor: &Actor,
        agency: &str,
        cat: &Catalogue,
    ) -> Result<Appeal, AppealError> {
        let viewer = permit(actor, &[Role::Operator])?;
        if cat.agency(agency).is_none() {
            return Err(invalid("agency", Problem::UnknownAgency));
        }
        let agency = agency.to_owned();
        self.change(id, viewer, actor, move |a| {
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
    pub async fn take(&self, id: &TrackingNumber, actor: &Actor) -> Result<Appeal, AppealError> {
        let viewer = permit(actor, &[Role::Officer])?;
        let Actor::Officer { user_id, name, .. } = actor else {
            return Err(AppealError::NotAllowed);
        };
        let (user_id, name) = (user_id.clone(), name.clone());
        self.change(id, viewer, actor, move |a| {
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

    /// A public answer, written by an operator or an officer.
    pub async fn reply(
        &self,
        id: &TrackingNumber,
        actor: &Actor,
        text: &str,
    ) -> Result<Appeal, AppealError> {
        let viewer = permit(actor, DESK)?;
        let text = check_text("reply", text, MAX_REPLY)?;
        self.answered(id, viewer, actor, move |_| Ok(text)).await
    }

    /// A public answer from the knowledge base (`kb_code`), in the appeal's own language.
    pub async fn answer(
        &self,
        id: &TrackingNumber,
        actor: &Actor,
        kb_code: &str,
        knowledge: &ContactData,
    ) -> Result<Appeal, AppealError> {
        let viewer = permit(actor, DESK)?;
        let kb = knowledge
            .answer(kb_code.trim())
            .ok_or_else(|| invalid("kb", Problem::Required))?;
        self.answered(id, viewer, actor, |a| {
            check_text("reply", kb.text_in(a.locale), MAX_REPLY)
        })
        .await
    }

    /// Records an answer whose text `text` gives for the appeal.
    async fn answered<F>(
        &self,
        id: &TrackingNumber,
        viewer: Viewer<'_>,
        actor: &Actor,
        text: F,
    ) -> Result<Appeal, AppealError>
    where
        F: FnOnce(&Appeal) -> Result<String, AppealError>,
    {
        let at = format_timestamp(&now());
        let on_time_day = today();
        // Only an operator's answer before anyone else worked it counts as one at first contact.
        let operator = matches!(actor, Actor::Operator { .. });
        self.change(id, viewer, actor, move |a| {
            if !a.status.is_open() {
                return Err(AppealError::NotNow(a.status.code()));
            }
            let text = text(a)?;
            let first = operator && a.status == Status::Received;
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
        id: &TrackingNumber,
        actor: &Actor,
        text: &str,
    ) -> Result<Appeal, AppealError> {
        let viewer = permit(actor, DESK)?;
        let text = check_text("note", text, MAX_REPLY)?;
        self.change(id, viewer, actor, move |_| {
            Ok((vec![], vec![event("noted", false, None, Some(text))]))
        })
        .await
    }

    /// An appeal goes to the agency competent to answer it; the law's period starts again from
    /// that agency's receipt, and the applicant is told.
    pub async fn forward(
        &self,
        id: &TrackingNumber,
        actor: &Actor,
        to_agency: &str,
        reason: &str,
        cat: &Catalogue,
    ) -> Result<Appeal, AppealError> {
        let viewer = permit(actor, DESK)?;
        if cat.agency(to_agency).is_none() {
            return Err(invalid("agency", Problem::UnknownAgency));
        }
        let reason = check_text("reason", reason, MAX_REPLY)?;
        let to = to_agency.to_owned();
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

    /// The one extension the law allows (one month more), with the reason told to the
    /// applicant; the agency answering decides it.
    pub async fn extend(
        &self,
        id: &TrackingNumber,
        actor: &Actor,
        reason: &str,
        cat: &Catalogue,
    ) -> Result<Appeal, AppealError> {
        let viewer = permit(actor, &[Role::Officer])?;
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

    /// An operator merges a duplicate into the appeal that stays (`into`, as typed): the
    /// duplicate is closed and points to it; both histories say so.
    pub async fn merge(
        &self,
        duplicate: &TrackingNumber,
        actor: &Actor,
        into: &str,
    ) -> Result<Appeal, AppealError> {
        let viewer = permit(actor, &[Role::Operator])?;
        let into = TrackingNumber::parse(into).map_err(|_| invalid("into", Problem::Invalid))?;
        if &into == duplicate {
            return Err(invalid("into", Problem::Invalid));
        }
        let target = self
            .get(&into, viewer)
            .await?
            .filter(|t| t.merged_into.is_none())
            .ok_or_else(|| invalid("into", Problem::Invalid))?;
        let at = format_timestamp(&now());
        let target_id = target.id;
        self.change(duplicate, viewer, actor, move |a| {
            if a.merged_into.is_some() {
                return Err(AppealError::NotNow("merged"));
            }
            Ok((
                vec![
                    ("status", Status::Closed.code().into()),
                    ("closed_at", at.into()),
                    ("merged_into", target_id.as_str().into()),
                ],
                vec![
                    event("merged", true, None, Some(target_id.to_string())),
                    // The kept appeal's history says so too, in the same transaction.
                    Event {
                        on: Some(target_id),
                        ..event("merged-from", false, None, Some(a.id.to_string()))
                    },
                ],
            ))
        })
        .await
    }

    /// Closes an answered appeal: an operator (e.g. after the applicant confirmed by phone), or
    /// the system when the reopening period is over.
    pub async fn close(
        &self,
        id: &TrackingNumber,
        actor: &Actor,
        reason: Option<&str>,
    ) -> Result<Appeal, AppealError> {
        let viewer = permit(actor, &[Role::Operator, Role::System])?;
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
                match self.close(&tracking("id", id)?, &SYSTEM, None).await {
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
        id: &TrackingNumber,
        holder: Viewer<'_>,
        actor: &Actor,
        rating: i64,
        comment: &str,
    ) -> Result<Appeal, AppealError> {
        let viewer = holding(holder)?;
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
        id: &TrackingNumber,
        holder: Viewer<'_>,
        actor: &Actor,
        reason: &str,
        cat: &Catalogue,
    ) -> Result<Appeal, AppealError> {
        let viewer = holding(holder)?;
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
}

//! The desk: operators of the contact centre (every agency's appeals) and officers (their
//! agency's) work the queue and act on an appeal. What each of them may do is the contact
//! component's rule; the desk only offers it.

use super::{
    agency_name, appeal_error, appeal_view, contact_data, events_view, kind_label, problem_text,
    shown_errors, store, today,
};
use crate::context::Ctx;
use crate::form::VerifiedForm;
use crate::render::{error_page, page, page_with_status, PageError};
use crate::staff::forbidden_or_sign_in;
use crate::Pages;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use yagona_contact::deadline::Urgency;
use yagona_contact::{Actor, Appeal, AppealError, Channel, Kind, QueueFilter, Status, Viewer};
use yagona_core::TrackingNumber;

/// Who works appeals, and what of them they see.
enum Staff {
    Operator {
        id: String,
        name: String,
    },
    Officer {
        id: String,
        name: String,
        agency: String,
    },
}

impl Staff {
    fn of(ctx: &Ctx) -> Option<Staff> {
        if let Some(u) = ctx.operator() {
            return Some(Staff::Operator {
                id: u.id.clone(),
                name: u.name.clone(),
            });
        }
        ctx.officer().map(|(u, a)| Staff::Officer {
            id: u.id.clone(),
            name: u.name.clone(),
            agency: a.to_owned(),
        })
    }
    fn viewer(&self) -> Viewer<'_> {
        match self {
            Staff::Operator { .. } => Viewer::Centre,
            Staff::Officer { agency, .. } => Viewer::Agency(agency),
        }
    }
    fn actor(&self) -> Actor {
        match self {
            Staff::Operator { id, name } => Actor::Operator {
                user_id: id.clone(),
                name: name.clone(),
            },
            Staff::Officer { id, name, agency } => Actor::Officer {
                user_id: id.clone(),
                name: name.clone(),
                agency: agency.clone(),
            },
        }
    }
    fn is_operator(&self) -> bool {
        matches!(self, Staff::Operator { .. })
    }
}

pub(super) async fn desk(ctx: Ctx) -> Response {
    Redirect::to(if ctx.operator().is_some() {
        "/staff/appeals"
    } else {
        "/sign-in?next=/staff/appeals"
    })
    .into_response()
}

#[derive(Deserialize, Default)]
pub(super) struct QueueQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    escalated: String,
    #[serde(default)]
    q: String,
}

pub(super) async fn queue(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Query(q): Query<QueueQuery>,
) -> Response {
    let Some(staff) = Staff::of(&ctx) else {
        return forbidden_or_sign_in(&state, &ctx);
    };
    let day = today();
    let filter = QueueFilter {
        status: Status::parse(&q.status),
        open_only: q.status.is_empty(),
        agency: Some(q.agency.clone()).filter(|a| !a.is_empty() && staff.is_operator()),
        channel: Channel::parse(&q.channel),
        kind: Kind::parse(&q.kind),
        service: None,
        escalated_on: (q.escalated == "1").then_some(day),
        query: Some(q.q.clone()).filter(|s| !s.trim().is_empty()),
        limit: 200,
        ..Default::default()
    };
    let list = match store(&state).queue(staff.viewer(), &filter).await {
        Ok(l) => l,
        Err(e) => return appeal_error(&state, &ctx, e),
    };
    let cat = state.catalogue.get().await;
    let topics = contact_data(&state).await;
    let l = ctx.locale;
    let rows: Vec<Value> = list
        .iter()
        .map(|a| appeal_view(&state, l, &cat, &topics, a, day))
        .collect();
    let opt = |code: &str, label: String, selected: &str| json!({"code": code, "label": label, "selected": code == selected});
    let statuses: Vec<Value> = Status::ALL
        .iter()
        .map(|s| {
            opt(
                s.code(),
                state
                    .i18n
                    .t(l, &format!("appeal-status-{}", s.code()), None),
                &q.status,
            )
        })
        .collect();
    let channels: Vec<Value> = Channel::ALL
        .iter()
        .map(|c| {
            opt(
                c.code(),
                state
                    .i18n
                    .t(l, &format!("appeal-channel-{}", c.code()), None),
                &q.channel,
            )
        })
        .collect();
    let kinds: Vec<Value> = Kind::ALL
        .iter()
        .map(|k| opt(k.code(), kind_label(&state, l, *k), &q.kind))
        .collect();
    let agencies: Vec<Value> = if staff.is_operator() {
        cat.agencies()
            .iter()
            .map(|a| opt(a.code.as_str(), a.name.get(l).to_owned(), &q.agency))
            .collect()
    } else {
        vec![]
    };
    let escalated = list
        .iter()
        .filter(|a| a.urgency(day).is_some_and(|u| u != Urgency::OnTrack))
        .count();
    page(
        &state,
        &ctx,
        "staff_appeals.html",
        json!({
            "operator": staff.is_operator(),
            "agency_name": match &staff { Staff::Officer { agency, .. } => agency_name(&cat, l, Some(agency)), _ => None },
            "appeals": rows, "statuses": statuses, "channels": channels, "kinds": kinds, "agencies": agencies,
            "q": q.q, "escalated": q.escalated == "1", "escalated_count": escalated,
        }),
    )
}

async fn show_to_staff(
    state: &Pages,
    ctx: &Ctx,
    staff: &Staff,
    a: &Appeal,
    errors: Vec<(String, String)>,
    message: Option<&str>,
) -> Response {
    let cat = state.catalogue.get().await;
    let topics = contact_data(state).await;
    let l = ctx.locale;
    let events = match store(state).events(&a.id, true).await {
        Ok(e) => e,
        Err(e) => return appeal_error(state, ctx, e),
    };
    let answers: Vec<Value> = topics
        .answers_for(a.service.as_deref(), a.topic.as_deref())
        .iter()
        .map(|k| json!({"code": k.code.as_str(), "question": k.question.get(l), "text": k.text.get(a.locale)}))
        .collect();
    let agencies: Vec<Value> = cat
        .agencies()
        .iter()
        .filter(|ag| Some(ag.code.as_str()) != a.agency.as_deref())
        .map(|ag| json!({"code": ag.code.as_str(), "label": ag.name.get(l)}))
        .collect();
    let mine =
        matches!(staff, Staff::Officer { id, .. } if a.officer_id.as_deref() == Some(id.as_str()));
    let (status, errors) = shown_errors(&errors);
    page_with_status(
        state,
        ctx,
        status,
        "staff_appeal.html",
        json!({
            "appeal": appeal_view(state, l, &cat, &topics, a, today()),
            "events": events_view(state, l, &cat, &events),
            "operator": staff.is_operator(), "mine": mine,
            "knowledge": answers, "agencies": agencies, "errors": errors,
            "message": message.map(|m| state.i18n.t(l, m, None)),
        }),
    )
}

pub(super) async fn staff_appeal(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response {
    let Some(staff) = Staff::of(&ctx) else {
        return forbidden_or_sign_in(&state, &ctx);
    };
    let Ok(id) = TrackingNumber::parse(&id) else {
        return error_page(&state, &ctx, PageError::NotFound);
    };
    match store(&state).get(&id, staff.viewer()).await {
        Ok(Some(a)) => show_to_staff(&state, &ctx, &staff, &a, vec![], None).await,
        Ok(None) => error_page(&state, &ctx, PageError::NotFound),
        Err(e) => appeal_error(&state, &ctx, e),
    }
}

/// One action on an appeal from the desk: take, reply, answer (from the knowledge base), note,
/// forward, extend, assign, merge, close.
pub(super) async fn act(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path((id, action)): Path<(String, String)>,
    form: VerifiedForm,
) -> Response {
    let Some(staff) = Staff::of(&ctx) else {
        return forbidden_or_sign_in(&state, &ctx);
    };
    let Ok(id) = TrackingNumber::parse(&id) else {
        return error_page(&state, &ctx, PageError::NotFound);
    };
    let s = store(&state);
    let cat = state.catalogue.get().await;
    let actor = staff.actor();
    let viewer = staff.viewer();
    let get = |k: &str| form.get(k).unwrap_or("").to_owned();
    let Some(current) = (match s.get(&id, viewer).await {
        Ok(a) => a,
        Err(e) => return appeal_error(&state, &ctx, e),
    }) else {
        return error_page(&state, &ctx, PageError::NotFound);
    };
    // A form from a page older than the appeal's last change is refused: nobody answers an
    // appeal whose news they have not seen.
    if form.get("revision").and_then(|r| r.parse::<i64>().ok()) != Some(current.revision) {
        return error_page(&state, &ctx, PageError::Conflict);
    }
    let result = match action.as_str() {
        "take" => s.take(&id, &actor).await,
        "reply" => s.reply(&id, &actor, &get("text")).await,
        "answer" => {
            let knowledge = contact_data(&state).await;
            s.answer(&id, &actor, &get("kb"), &knowledge).await
        }
        "note" => s.note(&id, &actor, &get("text")).await,
        "forward" => {
            s.forward(&id, &actor, &get("agency"), &get("reason"), &cat)
                .await
        }
        "extend" => s.extend(&id, &actor, &get("reason"), &cat).await,
        "assign" => s.assign(&id, &actor, &get("agency"), &cat).await,
        "merge" => s.merge(&id, &actor, &get("into")).await,
        "close" => s.close(&id, &actor, Some(&get("reason"))).await,
        _ => return error_page(&state, &ctx, PageError::NotFound),
    };
    match result {
        // Forwarded or assigned away: the officer no longer sees it; back to the queue.
        Ok(a) if s.get(&a.id, viewer).await.ok().flatten().is_none() => {
            Redirect::to("/staff/appeals").into_response()
        }
        Ok(_) => Redirect::to(&format!("/staff/appeals/{id}")).into_response(),
        Err(AppealError::Invalid { field, problem }) => {
            // The store names the text by what it is; the desk's forms call it `text`.
            let input = if matches!(field, "reply" | "note") {
                "text"
            } else {
                field
            };
            let errors = vec![(
                format!("{action}-{input}"),
                problem_text(&state, ctx.locale, field, problem),
            )];
            show_to_staff(&state, &ctx, &staff, &current, errors, None).await
        }
        Err(AppealError::AlreadyExtended) => {
            let errors = vec![(
                "extend-reason".to_owned(),
                state.i18n.t(ctx.locale, "appeal-already-extended", None),
            )];
            show_to_staff(&state, &ctx, &staff, &current, errors, None).await
        }
        Err(e) => appeal_error(&state, &ctx, e),
    }
}

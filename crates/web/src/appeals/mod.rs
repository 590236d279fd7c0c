//! The single contact point on the web: citizens file and follow appeals (signed in, or with a
//! tracking number and the phone or e-mail they gave), operators of the contact centre record
//! calls and work the queue of every agency, officers answer their agency's appeals, and anyone
//! reads the figures. Who may do what to an appeal is the contact component's to say.
//!
//! - [`filing`]: the portal's form and the operator's record of a call;
//! - [`follow`]: the citizen's appeals, following one by its number, rating and reopening;
//! - [`desk`]: the queue and the work on an appeal;
//! - [`figures`]: the figures page.

mod desk;
mod figures;
mod filing;
mod follow;

use crate::context::Ctx;
use crate::render::{error_page, PageError};
use crate::view;
use crate::Pages;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use serde_json::{json, Value};
use std::sync::Arc;
use yagona_contact::deadline::Urgency;
use yagona_contact::topics::{ContactData, TopicStore};
use yagona_contact::{Appeal, AppealError, AppealEvent, AppealStore, Kind, Problem, Status};
use yagona_core::{now, tashkent_date, Locale};
use yagona_registry::Catalogue;

pub fn routes() -> axum::Router<Arc<Pages>> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/appeals", get(follow::my_appeals).post(filing::file))
        .route("/appeals/new", get(filing::new_form))
        .route(
            "/appeals/track",
            get(follow::track_form).post(follow::track),
        )
        .route("/appeals/figures", get(figures::figures_page))
        .route("/appeals/{id}", get(follow::citizen_appeal))
        .route("/appeals/{id}/rate", post(follow::rate))
        .route("/appeals/{id}/reopen", post(follow::reopen))
        .route("/appeals/{id}/forget", post(follow::forget))
        .route("/desk", get(desk::desk))
        .route("/staff/appeals", get(desk::queue))
        .route(
            "/staff/appeals/new",
            get(filing::call_form).post(filing::record_call),
        )
        .route("/staff/appeals/{id}", get(desk::staff_appeal))
        .route("/staff/appeals/{id}/{action}", post(desk::act))
}

fn today() -> NaiveDate {
    tashkent_date(&now())
}

fn store(state: &Pages) -> AppealStore<'_> {
    AppealStore { db: &state.db }
}

pub(crate) async fn contact_data(state: &Pages) -> ContactData {
    TopicStore { db: &state.db }
        .load()
        .await
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "contact topics unreadable");
            ContactData::default()
        })
}

fn appeal_error(state: &Pages, ctx: &Ctx, e: AppealError) -> Response {
    match e {
        AppealError::NotFound => error_page(state, ctx, PageError::NotFound),
        // An action that is not this person's to take reads as one that does not exist.
        AppealError::NotAllowed => error_page(state, ctx, PageError::NotFound),
        AppealError::Conflict => error_page(state, ctx, PageError::Conflict),
        AppealError::Db(e) => {
            tracing::error!(error = %e, "appeal operation failed");
            error_page(state, ctx, PageError::Internal)
        }
        // Refusals a page could not prevent (a stale form): say so plainly.
        _ => error_page(state, ctx, PageError::Conflict),
    }
}

/// An error message for a field, in the page's language.
fn problem_text(state: &Pages, l: Locale, field: &str, p: Problem) -> String {
    let key = match p {
        Problem::Required => "appeal-problem-required",
        Problem::TooLong => "appeal-problem-too-long",
        Problem::BadPhone => "appeal-problem-phone",
        Problem::BadEmail => "appeal-problem-email",
        Problem::NeedContact => "appeal-problem-need-contact",
        Problem::UnknownService => "appeal-problem-service",
        Problem::UnknownTopic => "appeal-problem-topic",
        Problem::UnknownAgency => "appeal-problem-agency",
        Problem::OutOfRange => "appeal-problem-range",
        Problem::SameAgency => "appeal-problem-same-agency",
        Problem::Invalid => "appeal-problem-invalid",
    };
    // A message written for this field, where the generic one reads badly ("Enter What is it?").
    let specific = format!("{key}-{field}");
    let text = state.i18n.t(l, &specific, None);
    if text != specific {
        return text;
    }
    let mut args = yagona_i18n::Args::new();
    args.set(
        "field",
        state.i18n.t(l, &format!("appeal-field-{field}"), None),
    );
    state.i18n.t(l, key, Some(&args))
}

fn kind_label(state: &Pages, l: Locale, k: Kind) -> String {
    state.i18n.t(l, &format!("appeal-kind-{}", k.code()), None)
}

fn status_view(state: &Pages, l: Locale, s: Status) -> Value {
    let class = match s {
        Status::Received | Status::Reopened => "yg-status--submitted",
        Status::Assigned | Status::InProgress => "yg-status--in-review",
        Status::Answered => "yg-status--approved",
        Status::Closed => "yg-status--draft",
    };
    json!({"code": s.code(), "label": state.i18n.t(l, &format!("appeal-status-{}", s.code()), None), "class": class})
}

fn agency_name(cat: &Catalogue, l: Locale, code: Option<&str>) -> Option<String> {
    code.and_then(|c| cat.agency(c))
        .map(|a| a.name.get(l).to_owned())
}

/// An appeal as pages show it, in one language.
fn appeal_view(
    state: &Pages,
    l: Locale,
    cat: &Catalogue,
    topics: &ContactData,
    a: &Appeal,
    day: NaiveDate,
) -> Value {
    let urgency = a.urgency(day).map(|u| match u {
        Urgency::OnTrack => json!(null),
        Urgency::DueSoon => json!({"code": "due-soon", "label": state.i18n.t(l, "appeal-due-soon", None), "class": "yg-status--in-review"}),
        Urgency::Overdue => json!({"code": "overdue", "label": state.i18n.t(l, "overdue", None), "class": "yg-status--rejected"}),
    });
    let about = a
        .service
        .as_deref()
        .and_then(|s| cat.service(s))
        .map(|s| s.passport.name.get(l).to_owned())
        .or_else(|| {
            a.topic
                .as_deref()
                .and_then(|t| topics.topic(t))
                .map(|t| t.name.get(l).to_owned())
        });
    json!({
        "id": a.id.as_str(),
        "kind": kind_label(state, l, a.kind),
        "channel": state.i18n.t(l, &format!("appeal-channel-{}", a.channel.code()), None),
        "status": status_view(state, l, a.status),
        "about": about,
        "service": a.service,
        "topic": a.topic,
        "agency": a.agency,
        "agency_name": agency_name(cat, l, a.agency.as_deref()).unwrap_or_else(|| state.i18n.t(l, "appeal-contact-centre", None)),
        "subject": a.subject,
        "body": a.body,
        "name": a.name,
        "pinfl": a.pinfl.as_ref().map(|p| p.as_str()),
        "phone": a.phone,
        "email": a.email,
        "address": a.address,
        "application_ref": a.application_ref,
        "received": state.i18n.date_time(l, &a.received_at),
        "deadline": view::date(&state.i18n, l, a.deadline),
        "extended": a.extended,
        "needs_checking": a.needs_checking,
        "urgency": urgency.unwrap_or(Value::Null),
        "officer": a.officer_name,
        "first_contact": a.first_contact,
        "rating": a.rating,
        "rating_comment": a.rating_comment,
        "merged_into": a.merged_into.as_ref().map(|m| m.as_str()),
        "open": a.status.is_open(),
        "rateable": a.rateable(),
        "reopenable": a.reopenable(day),
        "revision": a.revision,
    })
}

fn events_view(state: &Pages, l: Locale, cat: &Catalogue, events: &[AppealEvent]) -> Value {
    events
        .iter()
        .map(|e| {
            let to = agency_name(cat, l, e.to_agency.as_deref());
            let mut args = yagona_i18n::Args::new();
            args.set("agency", to.clone().unwrap_or_default());
            json!({
                "at": state.i18n.date_time(l, &e.at),
                "action": e.action,
                "label": state.i18n.t(l, &format!("appeal-event-{}", e.action), Some(&args)),
                "public": e.public,
                "who": if e.actor_kind == "system" { Value::Null } else { json!(e.actor_name) },
                "body": e.body,
                "reply": e.action == "replied",
            })
        })
        .collect()
}

/// Field errors as pages list them, and the status that goes with them.
fn shown_errors(errors: &[(String, String)]) -> (StatusCode, Vec<Value>) {
    let list: Vec<Value> = errors
        .iter()
        .map(|(f, m)| json!({"field": f, "message": m}))
        .collect();
    let status = if list.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, list)
}

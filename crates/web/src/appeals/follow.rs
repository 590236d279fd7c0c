//! Following an appeal: the signed-in citizen's appeals, or one found by its tracking number
//! and the phone or e-mail it was filed with; rating the answer and reopening.

use super::{
    appeal_error, appeal_view, contact_data, events_view, problem_text, shown_errors, store, today,
};
use crate::context::Ctx;
use crate::form::VerifiedForm;
use crate::render::{error_page, page, page_with_status, sign_in_redirect, PageError};
use crate::Pages;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{json, Value};
use std::sync::Arc;
use yagona_contact::{contact_key, Actor, Appeal, AppealError, Guesser, QueueFilter, Viewer};
use yagona_core::{Pinfl, TrackingNumber};

/// Signed in: the citizen's appeals. Otherwise: the form to follow one by its number.
pub(super) async fn my_appeals(State(state): State<Arc<Pages>>, ctx: Ctx) -> Response {
    let Some(pinfl) = ctx.citizen().and_then(|u| u.pinfl.as_ref()) else {
        return Redirect::to("/appeals/track").into_response();
    };
    let list = match store(&state)
        .queue(
            Viewer::Citizen(pinfl),
            &QueueFilter {
                limit: 200,
                ..Default::default()
            },
        )
        .await
    {
        Ok(l) => l,
        Err(e) => return appeal_error(&state, &ctx, e),
    };
    let cat = state.catalogue.get().await;
    let topics = contact_data(&state).await;
    let day = today();
    let rows: Vec<Value> = list
        .iter()
        .map(|a| appeal_view(&state, ctx.locale, &cat, &topics, a, day))
        .collect();
    page(&state, &ctx, "my_appeals.html", json!({"appeals": rows}))
}

pub(super) async fn track_form(State(state): State<Arc<Pages>>, ctx: Ctx) -> Response {
    page(
        &state,
        &ctx,
        "appeal_track.html",
        json!({"tracking": "", "check": ""}),
    )
}

/// Who may act on an appeal from the citizen's side: its owner signed in, or someone with its
/// number and the phone or e-mail it was filed with.
enum Holder {
    Citizen(Pinfl),
    Contact { check: String },
}

fn holder(ctx: &Ctx, form: &VerifiedForm) -> Option<Holder> {
    if let Some(check) = form.get("check").filter(|c| !c.trim().is_empty()) {
        return Some(Holder::Contact {
            check: check.trim().to_owned(),
        });
    }
    ctx.citizen()
        .and_then(|u| u.pinfl.clone())
        .map(Holder::Citizen)
}

async fn show_to_applicant(
    state: &Pages,
    ctx: &Ctx,
    a: &Appeal,
    check: Option<&str>,
    message: Option<&str>,
    errors: Vec<(String, String)>,
) -> Response {
    let cat = state.catalogue.get().await;
    let topics = contact_data(state).await;
    let events = match store(state).events(&a.id, false).await {
        Ok(e) => e,
        Err(e) => return appeal_error(state, ctx, e),
    };
    let (status, errors) = shown_errors(&errors);
    // What the applicant was told, and whether it arrived.
    let notices = yagona_notices::Notices::new(&state.db)
        .of_subject("appeal", a.id.as_str())
        .await
        .map(|n| crate::notices_pages::history_lines(state, ctx.locale, &n))
        .unwrap_or_default();
    page_with_status(
        state,
        ctx,
        status,
        "appeal.html",
        json!({
            "notices": notices,
            "appeal": appeal_view(state, ctx.locale, &cat, &topics, a, today()),
            "events": events_view(state, ctx.locale, &cat, &events),
            "check": check, "message": message.map(|m| state.i18n.t(ctx.locale, m, None)),
            "errors": errors,
        }),
    )
}

pub(super) async fn track(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    form: VerifiedForm,
) -> Response {
    let tracking = form.get("tracking").unwrap_or("").trim().to_owned();
    let check = form.get("check").unwrap_or("").trim().to_owned();
    let refused = |status: StatusCode, message: &str| {
        page_with_status(
            &state,
            &ctx,
            status,
            "appeal_track.html",
            json!({"tracking": tracking, "check": if status == StatusCode::TOO_MANY_REQUESTS { "" } else { check.as_str() }, "not_found": true,
                   "errors": [{"field": "tracking", "message": state.i18n.t(ctx.locale, message, None)}]}),
        )
    };
    match store(&state)
        .track(&Guesser(&ctx.client), &tracking, &check)
        .await
    {
        Ok(a) => show_to_applicant(&state, &ctx, &a, Some(&check), None, vec![]).await,
        Err(AppealError::TooManyTries) => {
            refused(StatusCode::TOO_MANY_REQUESTS, "appeal-track-locked")
        }
        // One answer for a wrong number, a wrong check, or both: nothing is revealed.
        Err(AppealError::NotFound) => refused(StatusCode::NOT_FOUND, "appeal-track-not-found"),
        Err(e) => appeal_error(&state, &ctx, e),
    }
}

pub(super) async fn citizen_appeal(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response {
    let Some(pinfl) = ctx.citizen().and_then(|u| u.pinfl.as_ref()) else {
        return sign_in_redirect(&ctx);
    };
    let Ok(id) = TrackingNumber::parse(&id) else {
        return error_page(&state, &ctx, PageError::NotFound);
    };
    match store(&state).get(&id, Viewer::Citizen(pinfl)).await {
        Ok(Some(a)) => show_to_applicant(&state, &ctx, &a, None, None, vec![]).await,
        Ok(None) => error_page(&state, &ctx, PageError::NotFound),
        Err(e) => appeal_error(&state, &ctx, e),
    }
}

async fn applicant_act(
    state: Arc<Pages>,
    ctx: Ctx,
    id: String,
    form: VerifiedForm,
    rate: bool,
) -> Response {
    let Some(h) = holder(&ctx, &form) else {
        return if ctx.user.is_some() || form.get("check").is_some() {
            error_page(&state, &ctx, PageError::NotFound)
        } else {
            sign_in_redirect(&ctx)
        };
    };
    let s = store(&state);
    // The appeal as its holder finds it (by its number and check, guarded against guessing).
    let found = match &h {
        Holder::Contact { check } => match s.track(&Guesser(&ctx.client), &id, check).await {
            Ok(a) => Some(a),
            Err(AppealError::NotFound | AppealError::TooManyTries) => None,
            Err(e) => return appeal_error(&state, &ctx, e),
        },
        Holder::Citizen(pinfl) => match TrackingNumber::parse(&id) {
            Ok(number) => match s.get(&number, Viewer::Citizen(pinfl)).await {
                Ok(a) => a,
                Err(e) => return appeal_error(&state, &ctx, e),
            },
            Err(_) => None,
        },
    };
    let Some(a) = found else {
        return error_page(&state, &ctx, PageError::NotFound);
    };
    let contact;
    let viewer = match &h {
        Holder::Citizen(p) => Viewer::Citizen(p),
        Holder::Contact { check } => {
            contact = contact_key(check).unwrap_or_default();
            Viewer::Contact(&contact)
        }
    };
    let actor = Actor::Applicant {
        name: a.name.clone(),
        pinfl: match &h {
            Holder::Citizen(p) => Some((*p).clone()),
            Holder::Contact { .. } => None,
        },
    };
    let check = form.get("check").map(str::to_owned);
    let cat = state.catalogue.get().await;
    let result = if rate {
        let rating = form
            .get("rating")
            .and_then(|r| r.parse::<i64>().ok())
            .unwrap_or(0);
        s.rate(
            &a.id,
            viewer,
            &actor,
            rating,
            form.get("comment").unwrap_or(""),
        )
        .await
    } else {
        s.reopen(
            &a.id,
            viewer,
            &actor,
            form.get("reason").unwrap_or(""),
            &cat,
        )
        .await
    };
    match result {
        Ok(done) => {
            let message = if rate {
                "appeal-rated"
            } else {
                "appeal-reopened"
            };
            show_to_applicant(&state, &ctx, &done, check.as_deref(), Some(message), vec![]).await
        }
        Err(AppealError::Invalid { field, problem }) => {
            let errors = vec![(
                field.to_owned(),
                problem_text(&state, ctx.locale, field, problem),
            )];
            show_to_applicant(&state, &ctx, &a, check.as_deref(), None, errors).await
        }
        Err(AppealError::ReopenPeriodOver) => {
            let errors = vec![(
                "reason".to_owned(),
                state.i18n.t(ctx.locale, "appeal-reopen-over", None),
            )];
            show_to_applicant(&state, &ctx, &a, check.as_deref(), None, errors).await
        }
        Err(e) => appeal_error(&state, &ctx, e),
    }
}

pub(super) async fn rate(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Response {
    applicant_act(state, ctx, id, form, true).await
}

pub(super) async fn reopen(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Response {
    applicant_act(state, ctx, id, form, false).await
}

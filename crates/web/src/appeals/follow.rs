//! Following an appeal: the signed-in citizen's appeals, or one found by its tracking number
//! and the phone or e-mail it was filed with; rating the answer and reopening.
//!
//! An appeal has one address, `/appeals/{id}`, for its owner signed in and for anyone else who
//! holds it: checking the number and the phone or e-mail once (or filing it) grants the appeal to
//! the browser session for a while, so the address can be bookmarked and shared; a browser
//! without the grant finds the form to follow it there, with the number filled in.

use super::{
    appeal_error, appeal_view, contact_data, events_view, problem_text, shown_errors, store, today,
};
use crate::context::Ctx;
use crate::form::VerifiedForm;
use crate::render::{error_page, page, page_with_status, PageError};
use crate::Pages;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{json, Value};
use std::sync::Arc;
use yagona_contact::{Actor, Appeal, AppealError, Guesser, QueueFilter, Viewer};
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

#[derive(serde::Deserialize, Default)]
pub(super) struct Done {
    #[serde(default)]
    done: String,
}

pub(super) async fn track_form(State(state): State<Arc<Pages>>, ctx: Ctx) -> Response {
    track_page(&state, &ctx, StatusCode::OK, "", "", None)
}

/// The form to follow an appeal: its number (prefilled on an appeal's own address), the check,
/// and a refusal to show where there is one.
fn track_page(
    state: &Pages,
    ctx: &Ctx,
    status: StatusCode,
    tracking: &str,
    check: &str,
    refusal: Option<&str>,
) -> Response {
    page_with_status(
        state,
        ctx,
        status,
        "appeal_track.html",
        json!({
            "tracking": tracking, "check": check, "not_found": refusal.is_some(),
            "signed_in": ctx.user.is_some(),
            "hours": yagona_contact::FOLLOW_HOURS,
            "errors": refusal.map(|m| vec![json!({"field": "tracking", "message": state.i18n.t(ctx.locale, m, None)})]).unwrap_or_default(),
        }),
    )
}

/// Whose the appeal is as this request holds it: its owner signed in, or a browser session
/// that proved its number and check (or filed it) not long ago.
enum Holder {
    Citizen(Pinfl),
    Contact(String),
}

impl Holder {
    fn viewer(&self) -> Viewer<'_> {
        match self {
            Holder::Citizen(p) => Viewer::Citizen(p),
            Holder::Contact(c) => Viewer::Contact(c),
        }
    }
}

/// The appeal and how this request holds it, if it does.
async fn held(
    state: &Pages,
    ctx: &Ctx,
    id: &TrackingNumber,
) -> Result<Option<(Holder, Appeal)>, AppealError> {
    let s = store(state);
    if let Some(pinfl) = ctx.citizen().and_then(|u| u.pinfl.clone()) {
        if let Some(a) = s.get(id, Viewer::Citizen(&pinfl)).await? {
            return Ok(Some((Holder::Citizen(pinfl), a)));
        }
    }
    Ok(s.granted(&ctx.sid, id)
        .await?
        .map(|(contact, a)| (Holder::Contact(contact), a)))
}

async fn show_to_applicant(
    state: &Pages,
    ctx: &Ctx,
    holder: &Holder,
    a: &Appeal,
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
            "followed": matches!(holder, Holder::Contact(_)),
            "hours": yagona_contact::FOLLOW_HOURS,
            "message": message.map(|m| state.i18n.t(ctx.locale, m, None)),
            "errors": errors,
        }),
    )
}

/// Checks a number and its phone or e-mail; right, the browser follows the appeal at its own
/// address for a while ([`yagona_contact::FOLLOW_HOURS`]), without giving the check again.
pub(super) async fn track(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    form: VerifiedForm,
) -> Response {
    let tracking = form.get("tracking").unwrap_or("").trim().to_owned();
    let check = form.get("check").unwrap_or("").trim().to_owned();
    match store(&state)
        .follow(&Guesser(&ctx.client), &ctx.sid, &tracking, &check)
        .await
    {
        Ok(a) => Redirect::to(&format!("/appeals/{}", a.id)).into_response(),
        Err(AppealError::TooManyTries) => track_page(
            &state,
            &ctx,
            StatusCode::TOO_MANY_REQUESTS,
            &tracking,
            "",
            Some("appeal-track-locked"),
        ),
        // One answer for a wrong number, a wrong check, or both: nothing is revealed.
        Err(AppealError::NotFound) => track_page(
            &state,
            &ctx,
            StatusCode::NOT_FOUND,
            &tracking,
            &check,
            Some("appeal-track-not-found"),
        ),
        Err(e) => appeal_error(&state, &ctx, e),
    }
}

/// An appeal's own address: its page for whoever holds it, otherwise the form to follow it
/// with its number filled in (the bookmark of a browser whose grant has lapsed, a link shared).
pub(super) async fn citizen_appeal(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Response {
    let Ok(number) = TrackingNumber::parse(&id) else {
        return error_page(&state, &ctx, PageError::NotFound);
    };
    match held(&state, &ctx, &number).await {
        Ok(Some((h, a))) => {
            let message = match q.done.as_str() {
                "rated" => Some("appeal-rated"),
                "reopened" => Some("appeal-reopened"),
                _ => None,
            };
            show_to_applicant(&state, &ctx, &h, &a, message, vec![]).await
        }
        Ok(None) => track_page(&state, &ctx, StatusCode::OK, number.as_str(), "", None),
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
    let Ok(number) = TrackingNumber::parse(&id) else {
        return error_page(&state, &ctx, PageError::NotFound);
    };
    let (h, a) = match held(&state, &ctx, &number).await {
        Ok(Some(found)) => found,
        Ok(None) => return error_page(&state, &ctx, PageError::NotFound),
        Err(e) => return appeal_error(&state, &ctx, e),
    };
    let s = store(&state);
    let actor = Actor::Applicant {
        name: a.name.clone(),
        pinfl: match &h {
            Holder::Citizen(p) => Some(p.clone()),
            Holder::Contact(_) => None,
        },
    };
    let cat = state.catalogue.get().await;
    let result = if rate {
        let rating = form
            .get("rating")
            .and_then(|r| r.parse::<i64>().ok())
            .unwrap_or(0);
        s.rate(
            &a.id,
            h.viewer(),
            &actor,
            rating,
            form.get("comment").unwrap_or(""),
        )
        .await
    } else {
        s.reopen(
            &a.id,
            h.viewer(),
            &actor,
            form.get("reason").unwrap_or(""),
            &cat,
        )
        .await
    };
    let refused = |field: &str, message: String| vec![(field.to_owned(), message)];
    match result {
        Ok(done) => Redirect::to(&format!(
            "/appeals/{}?done={}",
            done.id,
            if rate { "rated" } else { "reopened" }
        ))
        .into_response(),
        Err(AppealError::Invalid { field, problem }) => {
            let errors = refused(field, problem_text(&state, ctx.locale, field, problem));
            show_to_applicant(&state, &ctx, &h, &a, None, errors).await
        }
        Err(AppealError::ReopenPeriodOver) => {
            let errors = refused(
                "reason",
                state.i18n.t(ctx.locale, "appeal-reopen-over", None),
            );
            show_to_applicant(&state, &ctx, &h, &a, None, errors).await
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

/// This browser stops following the appeal without the check (a shared computer): its address
/// asks for the check again.
pub(super) async fn forget(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(id): Path<String>,
    _form: VerifiedForm,
) -> Response {
    let Ok(number) = TrackingNumber::parse(&id) else {
        return error_page(&state, &ctx, PageError::NotFound);
    };
    match store(&state).forget(&ctx.sid, &number).await {
        Ok(()) => Redirect::to(&format!("/appeals/{number}")).into_response(),
        Err(e) => appeal_error(&state, &ctx, e),
    }
}

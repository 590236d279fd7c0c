//! Rating a service, on the pages:
//!
//! - the citizen's application page, once the application is decided, asks "How satisfied
//!   were you with this service?" (five answers, GOV.UK's satisfaction scale, and a comment if
//!   they like); `POST /applications/{reference}/rating` saves it and comes back to the page;
//! - `/staff/ratings` shows an officer their agency's ratings with the comments, and each of
//!   its services' average over the last 90 days.

use crate::context::Ctx;
use crate::form::VerifiedForm;
use crate::render::{application_error, error_page, page, sign_in_redirect, PageError};
use crate::{view, Pages};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{json, Value};
use std::sync::Arc;
use yagona_applications::ratings::{may_rate, RatingProblem};
use yagona_applications::Application;
use yagona_core::{tashkent_date, Locale, Pinfl, ReferenceNumber};
use yagona_i18n::Args;

/// The answers, best first, as GOV.UK's satisfaction survey lists them.
const SCALE: [i64; 5] = [5, 4, 3, 2, 1];

fn scale_label(state: &Pages, l: Locale, n: i64) -> String {
    state.i18n.t(l, &format!("rating-{n}"), None)
}

/// The rating form on the citizen's application page, or null while it cannot be rated.
pub async fn view(state: &Pages, l: Locale, pinfl: &Pinfl, app: &Application) -> Value {
    if !may_rate(app.status) {
        return Value::Null;
    }
    let given = state
        .applications
        .rating_of(pinfl, &app.reference)
        .await
        .ok()
        .flatten();
    let chosen = given.as_ref().map(|r| r.rating);
    json!({
        "choices": SCALE.iter().map(|n| json!({"value": n, "label": scale_label(state, l, *n), "chosen": chosen == Some(*n)})).collect::<Vec<_>>(),
        "given": given.as_ref().map(|r| scale_label(state, l, r.rating)),
        "comment": given.as_ref().and_then(|r| r.comment.clone()).unwrap_or_default(),
    })
}

/// `POST /applications/{reference}/rating` (`rating` 1–5, `comment`).
pub async fn rate(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(reference): Path<String>,
    form: VerifiedForm,
) -> Response {
    let Some(pinfl) = ctx.citizen().and_then(|u| u.pinfl.clone()) else {
        return sign_in_redirect(&ctx);
    };
    let Ok(reference) = ReferenceNumber::parse(&reference) else {
        return error_page(&state, &ctx, PageError::NotFound);
    };
    let rating = form
        .get("rating")
        .and_then(|r| r.trim().parse::<i64>().ok())
        .unwrap_or(0);
    let comment = form.get("comment").unwrap_or("");
    match state
        .applications
        .rate_service(&pinfl, &reference, rating, comment)
        .await
    {
        Ok(Ok(_)) => {
            Redirect::to(&format!("/applications/{reference}?rated=1#rate")).into_response()
        }
        Ok(Err(problem)) => {
            let key = match problem {
                RatingProblem::Range => "rating-error-choose",
                RatingProblem::CommentTooLong => "rating-error-comment",
                RatingProblem::NotDecided => "rating-error-not-decided",
            };
            let field = if problem == RatingProblem::CommentTooLong {
                "rating-comment"
            } else {
                "rating"
            };
            // The page again, with what to fix.
            crate::portal::application(
                State(state),
                ctx,
                Path(reference.to_string()),
                axum::extract::Query(crate::portal::ApplicationQuery {
                    rating_error: Some((field, key)),
                    ..Default::default()
                }),
            )
            .await
        }
        Err(e) => application_error(&state, &ctx, e),
    }
}

/// `GET /staff/ratings`: the officer's agency's ratings.
pub async fn staff(State(state): State<Arc<Pages>>, ctx: Ctx) -> Response {
    let Some((_, agency)) = ctx.officer() else {
        return crate::staff::forbidden_or_sign_in(&state, &ctx);
    };
    let l = ctx.locale;
    let today = tashkent_date(&yagona_core::now());
    let from = today - chrono::Duration::days(89);
    let (ratings, by_service) = match (
        state.applications.agency_ratings(agency, 200).await,
        state
            .applications
            .service_ratings(from, today, Some(agency))
            .await,
    ) {
        (Ok(r), Ok(s)) => (r, s),
        (Err(e), _) | (_, Err(e)) => return application_error(&state, &ctx, e),
    };
    let cat = state.catalogue.get().await;
    let service_name = |code: &str| {
        cat.service(code)
            .map(|s| s.passport.name.get(l).to_owned())
            .unwrap_or_else(|| code.to_owned())
    };
    let rows: Vec<Value> = ratings
        .iter()
        .map(|r| {
            json!({
                "reference": r.reference.as_str(),
                "service": service_name(&r.service_code),
                "rating": r.rating,
                "label": scale_label(&state, l, r.rating),
                "comment": r.comment,
                "when": view::date(&state.i18n, l, tashkent_date(&r.rated_at)),
            })
        })
        .collect();
    let services: Vec<Value> = by_service
        .iter()
        .map(|s| {
            let mut args = Args::new();
            args.set("average", format!("{:.1}", s.average));
            json!({
                "service": service_name(&s.service_code),
                "count": s.count,
                "average": state.i18n.t(l, "rating-average", Some(&args)),
            })
        })
        .collect();
    page(
        &state,
        &ctx,
        "staff_ratings.html",
        json!({
            "ratings": rows,
            "services": services,
            "from": view::date(&state.i18n, l, from),
            "to": view::date(&state.i18n, l, today),
        }),
    )
}

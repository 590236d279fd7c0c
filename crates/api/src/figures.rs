//! The figures as JSON: `GET /api/v1/appeals/figures` — the single contact point's appeals, and
//! how applicants rated the services they used.

use crate::problem::{internal, problem, Params};
use crate::Api;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::{IntoParams, OpenApi, ToSchema};
use yagona_contact::{AppealStore, FiguresRow, Period};
use yagona_core::{now, tashkent_date, Problem};

pub fn routes() -> Router<Arc<Api>> {
    Router::new().route("/api/v1/appeals/figures", get(figures))
}

#[derive(OpenApi)]
#[openapi(
    paths(figures),
    components(schemas(FiguresOut, FiguresRowOut, ServiceRatingOut))
)]
pub(crate) struct FiguresApi;

/// The period of the figures: dates in Tashkent, both included; default the last 30 days.
#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// First day, `YYYY-MM-DD`.
    #[serde(default)]
    from: String,
    /// Last day, `YYYY-MM-DD`.
    #[serde(default)]
    to: String,
}

/// Appeals over a period, for everything, by agency and by service; and the services as
/// their applicants rated them in the period.
#[derive(Serialize, ToSchema)]
pub struct FiguresOut {
    from: String,
    to: String,
    total: FiguresRowOut,
    agencies: Vec<FiguresRowOut>,
    services: Vec<FiguresRowOut>,
    /// Each service rated in the period (a rating counts on the day it was last given).
    service_ratings: Vec<ServiceRatingOut>,
}

/// How the applicants of decided applications rated one service, 1 (very dissatisfied) to 5
/// (very satisfied). Comments are the agency's to read, and are not here.
#[derive(Serialize, ToSchema)]
pub struct ServiceRatingOut {
    service: String,
    agency: String,
    ratings: i64,
    average_rating: f64,
}

/// One line of figures (`agency` `contact-centre`: appeals not yet routed).
#[derive(Serialize, ToSchema)]
pub struct FiguresRowOut {
    agency: Option<String>,
    service: Option<String>,
    appeals: i64,
    /// Appeals by channel: `portal`, `phone`, `open311`.
    by_channel: BTreeMap<String, i64>,
    answered: i64,
    /// Answers by the legal deadline, over answers plus open appeals past their deadline.
    answered_on_time_pct: Option<f64>,
    /// Answered by an operator during the first contact, over all appeals.
    first_contact_pct: Option<f64>,
    ratings: i64,
    average_rating: Option<f64>,
}

impl From<FiguresRow> for FiguresRowOut {
    fn from(r: FiguresRow) -> Self {
        FiguresRowOut {
            agency: r.agency,
            service: r.service,
            appeals: r.appeals,
            by_channel: r.by_channel,
            answered: r.answered,
            answered_on_time_pct: r.answered_on_time_pct,
            first_contact_pct: r.first_contact_pct,
            ratings: r.ratings,
            average_rating: r.average_rating,
        }
    }
}

/// `GET /api/v1/appeals/figures?from=YYYY-MM-DD&to=YYYY-MM-DD`: appeals by agency and by
/// service — channels, answered in time, resolved at first contact, average rating of the
/// answers — and each service's ratings by the applicants of decided applications.
#[utoipa::path(get, path = "/api/v1/appeals/figures", params(PeriodQuery),
    responses((status = 200, body = FiguresOut), (status = 400, body = Problem, content_type = "application/problem+json", description = "A malformed or backwards period")),
    tag = "appeals")]
async fn figures(State(api): State<Arc<Api>>, Params(q): Params<PeriodQuery>) -> Response {
    let today = tashkent_date(&now());
    let Some(period) = Period::parse(&q.from, &q.to, today) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "invalid-period",
            "Invalid period",
            Some(
                "from and to are dates (YYYY-MM-DD), from not after to, at most ten years apart"
                    .into(),
            ),
        );
    };
    let f = match (AppealStore { db: &api.db }).figures(&period, today).await {
        Ok(f) => f,
        Err(e) => return internal(e),
    };
    let rated = match api
        .applications
        .service_ratings(period.from, period.to, None)
        .await
    {
        Ok(r) => r,
        Err(e) => return internal(e),
    };
    Json(FiguresOut {
        from: period.from.to_string(),
        to: period.to.to_string(),
        total: f.total.into(),
        agencies: f.agencies.into_iter().map(Into::into).collect(),
        services: f.services.into_iter().map(Into::into).collect(),
        service_ratings: rated
            .into_iter()
            .map(|r| ServiceRatingOut {
                service: r.service_code,
                agency: r.agency_code,
                ratings: r.count,
                average_rating: r.average,
            })
            .collect(),
    })
    .into_response()
}

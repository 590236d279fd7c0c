//! The Registration statistics API: officers' decisions over periods.

use super::{ok, Mediated, MediatorParam};
use crate::problem::{internal, not_found, problem, Params};
use crate::{Api, Caller};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use yagona_applications::statistics::{StatisticsQuery, Timeframe};

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub(super) struct StatsQuery {
    /// First day, `YYYY-MM-DD`.
    start_date: Option<String>,
    /// Last day, `YYYY-MM-DD`.
    end_date: Option<String>,
    /// A service's code or its name in any language.
    registration_name: Option<String>,
    /// An officer's name.
    operator: Option<String>,
    /// An agency's code.
    role: Option<String>,
    /// `day`, `week`, `month` or `year`; none: one period.
    timeframe: Option<String>,
}

/// Officers' decisions (approved, sent back, rejected), per period if asked: aggregate figures
/// only, no person is named but the operator asked about; for systems calling through the
/// Information Mediator and for anyone signed in.
#[utoipa::path(get, path = "/govstack/registration/data/statistics", tag = "govstack-registration", params(MediatorParam, StatsQuery),
    responses((status = 200, description = "[{processed, approved, sentBack, rejected, references: {startDate, endDate, registrationName, operator, role, timeframeDay, …}}]"),
        (status = 400, body = yagona_core::Problem, content_type = "application/problem+json"),
        (status = 401, body = yagona_core::Problem, content_type = "application/problem+json"),
        (status = 404, body = yagona_core::Problem, content_type = "application/problem+json", description = "No service has this registrationName")))]
pub(super) async fn statistics(
    State(api): State<Arc<Api>>,
    mediated: Mediated,
    caller: Caller,
    Params(q): Params<StatsQuery>,
) -> Response {
    if let Err(r) = mediated.authenticated(&caller) {
        return r;
    }
    let date = |s: &Option<String>| -> Result<Option<NaiveDate>, Response> {
        match s.as_deref().filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(d) => d.parse().map(Some).map_err(|_| {
                problem(
                    StatusCode::BAD_REQUEST,
                    "invalid-date",
                    "Invalid input supplied",
                    Some(format!("{d:?} is not a date (YYYY-MM-DD)")),
                )
            }),
        }
    };
    let (from, to) = match (date(&q.start_date), date(&q.end_date)) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let timeframe_text = q.timeframe.as_deref().unwrap_or("");
    let Some(timeframe) = Timeframe::parse(timeframe_text) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "invalid-timeframe",
            "Invalid input supplied",
            Some("timeframe is one of day, week, month, year".into()),
        );
    };
    // A service by its code or its name in any language, as the applications component
    // reads it; one that names no service is not found rather than counted as nothing.
    if let Some(name) = q.registration_name.as_deref().filter(|n| !n.is_empty()) {
        let cat = api.catalogue.get().await;
        let known = cat
            .services()
            .iter()
            .any(|s| s.passport.code.as_str() == name || s.passport.name.all().contains(&name));
        if !known {
            return not_found("registration");
        }
    }
    let query = StatisticsQuery {
        from,
        to,
        service: q.registration_name.clone(),
        operator: q.operator.clone(),
        agency: q.role.clone(),
        timeframe,
    };
    let stats = match api.applications.statistics(&query).await {
        Ok(s) => s,
        Err(e) => return internal(e),
    };
    let out: Vec<Value> = stats
        .periods
        .iter()
        .map(|p| {
            json!({
                "processed": p.processed(),
                "approved": p.approved,
                "sentBack": p.sent_back,
                "rejected": p.rejected,
                "references": {
                    "startDate": p.from.map(|d| d.to_string()), "endDate": p.to.map(|d| d.to_string()),
                    "registrationName": stats.service, "operator": q.operator, "role": q.role,
                    "timeframeDay": timeframe == Timeframe::Day, "timeframeWeek": timeframe == Timeframe::Week,
                    "timeframeMonth": timeframe == Timeframe::Month, "timeframeYear": timeframe == Timeframe::Year,
                },
            })
        })
        .collect();
    ok(json!(out))
}

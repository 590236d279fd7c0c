//! The figures, for the e-Government Centre and the public: the single contact point's
//! appeals, and how applicants rated the services they used.

use super::{agency_name, appeal_error, store, today};
use crate::context::Ctx;
use crate::period::{self, PeriodQuery};
use crate::render::{page, page_with_status};
use crate::view;
use crate::Pages;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;
use std::sync::Arc;
use yagona_contact::{Period, CENTRE};

/// The figures over a period (Tashkent days, both included; the last 30 days by default): the
/// appeals, and how applicants rated the services they used.
pub(super) async fn figures_page(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let l = ctx.locale;
    let (from_typed, to_typed) = (period::typed(&q, "from"), period::typed(&q, "to"));
    let Some(p) = Period::parse(&from_typed, &to_typed, today()) else {
        let message = state.i18n.t(l, "appeal-period-invalid", None);
        return page_with_status(
            &state,
            &ctx,
            StatusCode::BAD_REQUEST,
            "appeal_figures.html",
            json!({
                "errors": [{"field": "from", "message": message}],
                "period": period::boxes(&from_typed, &to_typed, &[("from", message.clone())]),
                "agencies": [], "services": [],
            }),
        );
    };
    let (from, to) = (p.from, p.to);
    let f = match store(&state).figures(&p, today()).await {
        Ok(f) => f,
        Err(e) => return appeal_error(&state, &ctx, e),
    };
    let rated = match state.applications.service_ratings(from, to, None).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "service ratings unreadable");
            return crate::render::error_page(&state, &ctx, crate::render::PageError::Internal);
        }
    };
    let cat = state.catalogue.get().await;
    let row = |r: &yagona_contact::FiguresRow| {
        let name = match (&r.service, &r.agency) {
            (Some(s), _) => cat
                .service(s)
                .map(|s| s.passport.name.get(l).to_owned())
                .unwrap_or_else(|| s.clone()),
            (None, Some(a)) if a == CENTRE => state.i18n.t(l, "appeal-contact-centre", None),
            (None, Some(a)) => agency_name(&cat, l, Some(a)).unwrap_or_else(|| a.clone()),
            (None, None) => state.i18n.t(l, "appeal-figures-total", None),
        };
        let pct = |v: Option<f64>| v.map(|v| format!("{v:.1} %")).unwrap_or_else(|| "—".into());
        json!({
            "name": name, "appeals": r.appeals,
            "portal": r.by_channel.get("portal").copied().unwrap_or(0),
            "phone": r.by_channel.get("phone").copied().unwrap_or(0),
            "open311": r.by_channel.get("open311").copied().unwrap_or(0),
            "on_time": pct(r.answered_on_time_pct), "first_contact": pct(r.first_contact_pct),
            "rating": r.average_rating.map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into()),
            "ratings": r.ratings,
        })
    };
    let (count, sum) = rated.iter().fold((0, 0.0), |(n, s), r| {
        (n + r.count, s + r.average * r.count as f64)
    });
    let services_rated: Vec<_> = rated
        .iter()
        .map(|r| {
            json!({
                "name": cat.service(&r.service_code).map_or(r.service_code.clone(), |s| s.passport.name.get(l).to_owned()),
                "agency": agency_name(&cat, l, Some(&r.agency_code)).unwrap_or_else(|| r.agency_code.clone()),
                "ratings": r.count, "average": format!("{:.2}", r.average),
            })
        })
        .collect();
    page(
        &state,
        &ctx,
        "appeal_figures.html",
        json!({
            "from": from.to_string(), "to": to.to_string(),
            "period": period::boxes(&from.to_string(), &to.to_string(), &[]),
            "from_label": view::date(&state.i18n, l, from), "to_label": view::date(&state.i18n, l, to),
            "total": row(&f.total),
            "agencies": f.agencies.iter().map(row).collect::<Vec<_>>(),
            "services": f.services.iter().map(row).collect::<Vec<_>>(),
            "services_rated": services_rated,
            "rated_total": {"ratings": count, "average": (count > 0).then(|| format!("{:.2}", sum / count as f64))},
        }),
    )
}

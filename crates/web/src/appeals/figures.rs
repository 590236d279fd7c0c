//! The single contact point's figures, for the e-Government Centre and the public.

use super::{agency_name, appeal_error, store, today};
use crate::context::Ctx;
use crate::render::{page, page_with_status};
use crate::view;
use crate::Pages;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use yagona_contact::{Period, CENTRE};

/// The period of the figures: dates in Tashkent, both included; default the last 30 days.
#[derive(Deserialize, Default)]
pub(super) struct PeriodQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

pub(super) async fn figures_page(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let l = ctx.locale;
    let Some(period) = Period::parse(&q.from, &q.to, today()) else {
        let err =
            json!([{"field": "from", "message": state.i18n.t(l, "appeal-period-invalid", None)}]);
        return page_with_status(
            &state,
            &ctx,
            StatusCode::BAD_REQUEST,
            "appeal_figures.html",
            json!({"errors": err, "from": q.from, "to": q.to, "agencies": [], "services": []}),
        );
    };
    let (from, to) = (period.from, period.to);
    let f = match store(&state).figures(&period, today()).await {
        Ok(f) => f,
        Err(e) => return appeal_error(&state, &ctx, e),
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
    page(
        &state,
        &ctx,
        "appeal_figures.html",
        json!({
            "from": from.to_string(), "to": to.to_string(),
            "from_label": view::date(&state.i18n, l, from), "to_label": view::date(&state.i18n, l, to),
            "total": row(&f.total),
            "agencies": f.agencies.iter().map(row).collect::<Vec<_>>(),
            "services": f.services.iter().map(row).collect::<Vec<_>>(),
        }),
    )
}

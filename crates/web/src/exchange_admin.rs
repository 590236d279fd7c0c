//! The e-Government Centre's pages for the exchange: the directory with its rights (granted and
//! withdrawn here), and the situation — who calls whom, how much, how fast, how often failing.

use crate::context::Ctx;
use crate::form::VerifiedForm;
use crate::period::{self, PeriodQuery};
use crate::render::{error_page, page, page_with_status, PageError};
use crate::Pages;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{json, Value};
use std::sync::Arc;
use yagona_core::Locale;
use yagona_exchange::directory::{Directory, DirectoryStore};
use yagona_exchange::{access, ClientId, Grantee, Right, ServiceId};

fn grantee_value(g: &Grantee) -> String {
    match g {
        Grantee::Subsystem(id) => format!("subsystem:{id}"),
        Grantee::Group(code) => format!("group:{code}"),
    }
}

fn grantee_label(d: &Directory, g: &Grantee, l: Locale) -> String {
    match g {
        Grantee::Subsystem(id) => {
            let member = d
                .member(id)
                .map(|m| m.name.get(l).to_owned())
                .unwrap_or_default();
            format!("{id} — {member}")
        }
        Grantee::Group(code) => d
            .groups
            .get(code)
            .map(|g| format!("{} ({code})", g.name.get(l)))
            .unwrap_or_else(|| code.clone()),
    }
}

fn directory_view(d: &Directory, l: Locale) -> Value {
    let members: Vec<Value> = d
        .members
        .values()
        .map(|m| {
            let subsystems: Vec<Value> =
                m.subsystems
                    .values()
                    .map(|s| {
                        let services: Vec<Value> = s
                        .services
                        .values()
                        .map(|v| {
                            let rights: Vec<Value> = v
                                .rights
                                .iter()
                                .map(|r| json!({
                                    "grantee": grantee_value(&r.grantee),
                                    "label": grantee_label(d, &r.grantee, l),
                                    "method": r.method, "path": r.path,
                                }))
                                .collect();
                            json!({
                                "id": v.id.to_string(), "code": v.id.code, "title": v.title.get(l),
                                "base_url": v.base_url, "timeout_ms": v.timeout_ms,
                                "openapi": v.openapi.is_some(), "rights": rights,
                                "room": v.base_url == yagona_exchange::pubsub::BASE_URL,
                            })
                        })
                        .collect();
                        json!({
                            "id": s.id.to_string(),
                            "name": s.name.as_ref().map(|n| n.get(l)),
                            "services": services,
                        })
                    })
                    .collect();
            json!({"id": m.id.to_string(), "name": m.name.get(l), "node": m.node, "subsystems": subsystems})
        })
        .collect();
    let services: Vec<Value> = d
        .subsystems()
        .flat_map(|s| s.services.values())
        .map(|v| json!({"id": v.id.to_string(), "title": v.title.get(l)}))
        .collect();
    let mut grantees: Vec<Value> = d
        .groups
        .values()
        .map(|g| {
            let gr = Grantee::Group(g.code.clone());
            json!({"value": grantee_value(&gr), "label": grantee_label(d, &gr, l)})
        })
        .collect();
    grantees.extend(d.subsystems().map(|s| {
        let gr = Grantee::Subsystem(s.id.clone());
        json!({"value": grantee_value(&gr), "label": grantee_label(d, &gr, l)})
    }));
    let methods: Vec<&str> = std::iter::once("*")
        .chain(access::METHODS.iter().copied())
        .collect();
    let nodes: Vec<Value> = d
        .nodes
        .values()
        .map(|n| json!({"code": n.code, "address": n.address, "key": n.key}))
        .collect();
    json!({"members": members, "services": services, "grantees": grantees, "methods": methods, "nodes": nodes})
}

async fn load(state: &Pages) -> Result<Directory, yagona_db::DbError> {
    DirectoryStore { db: &state.db }.load().await
}

/// `GET /admin/exchange`.
pub async fn directory(State(state): State<Arc<Pages>>, ctx: Ctx) -> Response {
    if ctx.admin().is_none() {
        return crate::staff::forbidden_or_sign_in(&state, &ctx);
    }
    match load(&state).await {
        Ok(d) => page(
            &state,
            &ctx,
            "admin_exchange.html",
            directory_view(&d, ctx.locale),
        ),
        Err(e) => {
            tracing::error!(error = %e, "loading the exchange directory");
            error_page(&state, &ctx, PageError::Internal)
        }
    }
}

/// The right a grant or withdrawal form describes, or the fields to fix.
fn right_from(
    d: &Directory,
    form: &VerifiedForm,
    state: &Pages,
    l: Locale,
) -> Result<Right, Vec<Value>> {
    let t = |key: &str| state.i18n.t(l, key, None);
    let mut errors = Vec::new();
    let service = form
        .get("service")
        .and_then(|s| ServiceId::from_path(s).ok())
        .filter(|(id, rest)| rest.is_empty() && d.service(id).is_some())
        .map(|(id, _)| id);
    if service.is_none() {
        errors.push(json!({"field": "service", "message": t("exchange-error-service")}));
    }
    let grantee = match form.get("grantee").unwrap_or("").split_once(':') {
        Some(("subsystem", id)) => ClientId::from_header(id)
            .ok()
            .filter(|c| d.subsystem(c).is_some())
            .map(Grantee::Subsystem),
        Some(("group", code)) if d.groups.contains_key(code) => {
            Some(Grantee::Group(code.to_owned()))
        }
        _ => None,
    };
    if grantee.is_none() {
        errors.push(json!({"field": "grantee", "message": t("exchange-error-grantee")}));
    }
    let method = form.get("method").unwrap_or("").to_ascii_uppercase();
    if !access::valid_method(&method) {
        errors.push(json!({"field": "method", "message": t("exchange-error-method")}));
    }
    let path = form.get("path").unwrap_or("").trim().to_owned();
    if !access::valid_path_glob(&path) {
        errors.push(json!({"field": "path", "message": t("exchange-error-path")}));
    }
    match (service, grantee) {
        (Some(service), Some(grantee)) if errors.is_empty() => Ok(Right {
            grantee,
            service,
            method,
            path,
        }),
        _ => Err(errors),
    }
}

/// `POST /admin/exchange/rights`: grant (`action=grant`) or withdraw (`action=revoke`) a right.
pub async fn change_right(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    form: VerifiedForm,
) -> Response {
    if ctx.admin().is_none() {
        return crate::staff::forbidden_or_sign_in(&state, &ctx);
    }
    let d = match load(&state).await {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "loading the exchange directory");
            return error_page(&state, &ctx, PageError::Internal);
        }
    };
    let right = match right_from(&d, &form, &state, ctx.locale) {
        Ok(r) => r,
        Err(errors) => {
            let mut data = directory_view(&d, ctx.locale);
            data["errors"] = json!(errors);
            data["entered"] = json!({
                "service": form.get("service"), "grantee": form.get("grantee"),
                "method": form.get("method"), "path": form.get("path"),
            });
            return page_with_status(
                &state,
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                "admin_exchange.html",
                data,
            );
        }
    };
    let store = DirectoryStore { db: &state.db };
    let done = if form.get("action") == Some("revoke") {
        store.revoke(&right).await
    } else {
        store.grant(&right).await
    };
    match done {
        Ok(_) => {
            (state.directory_changed)().await;
            Redirect::to("/admin/exchange").into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "changing an exchange right");
            error_page(&state, &ctx, PageError::Internal)
        }
    }
}

/// `GET /admin/exchange/traffic?from=YYYY-MM-DD&to=YYYY-MM-DD`: who called whom in the period
/// (Tashkent days, both included; the last seven days by default).
pub async fn traffic(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Query(q): Query<PeriodQuery>,
) -> Response {
    if ctx.admin().is_none() {
        return crate::staff::forbidden_or_sign_in(&state, &ctx);
    }
    let l = ctx.locale;
    let today = yagona_core::tashkent_date(&yagona_core::now());
    let (from_typed, to_typed) = (period::typed(&q, "from"), period::typed(&q, "to"));
    let parse = |s: &str| {
        Some(s)
            .filter(|s| !s.is_empty())
            .map(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d"))
    };
    let mut errors: Vec<(&str, String)> = Vec::new();
    let from = match parse(&from_typed) {
        None => today - chrono::Duration::days(6),
        Some(Ok(d)) => d,
        Some(Err(_)) => {
            errors.push(("from", state.i18n.t(l, "exchange-error-date", None)));
            today
        }
    };
    let to = match parse(&to_typed) {
        None => today,
        Some(Ok(d)) => d,
        Some(Err(_)) => {
            errors.push(("to", state.i18n.t(l, "exchange-error-date", None)));
            today
        }
    };
    if errors.is_empty() && to < from {
        errors.push(("to", state.i18n.t(l, "exchange-error-period", None)));
    }
    let listed: Vec<_> = errors
        .iter()
        .map(|(f, m)| json!({"field": f, "message": m}))
        .collect();
    let mut data = json!({
        "from": from.to_string(), "to": to.to_string(), "errors": listed, "flows": [],
        "from_label": state.i18n.date(l, from), "to_label": state.i18n.date(l, to),
        "period": period::boxes(&from.to_string(), &to.to_string(), &[]),
    });
    if !errors.is_empty() {
        data["period"] = period::boxes(&from_typed, &to_typed, &errors);
        return page_with_status(
            &state,
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            "admin_traffic.html",
            data,
        );
    }
    let start = yagona_core::tashkent_day_start(from);
    let end = yagona_core::tashkent_day_start(to + chrono::Duration::days(1));
    let fmt = |t: yagona_core::Timestamp| yagona_core::format_timestamp(&t);
    let flows = match yagona_exchange::situation::flows(&state.db, &fmt(start), &fmt(end)).await {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(error = %e, "reading the message log");
            return error_page(&state, &ctx, PageError::Internal);
        }
    };
    let d = load(&state).await.unwrap_or_default();
    let name = |id: &str| {
        ClientId::from_header(id)
            .ok()
            .and_then(|c| d.members.get(&c).map(|m| m.name.get(l).to_owned()))
            .unwrap_or_else(|| id.to_owned())
    };
    let ms = |v: Option<f64>| v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into());
    data["flows"] = json!(flows
        .iter()
        .map(|f| json!({
            "client": f.client, "client_name": name(&f.client),
            "provider": f.provider, "provider_name": name(&f.provider),
            "calls": f.calls, "errors": f.errors, "error_rate": format!("{:.1}", f.error_rate()),
            "p50": ms(f.p50_ms), "p95": ms(f.p95_ms), "p99": ms(f.p99_ms),
        }))
        .collect::<Vec<_>>());
    page(&state, &ctx, "admin_traffic.html", data)
}

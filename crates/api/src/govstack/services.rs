//! Services and their e-forms: the registry as the building block names it.

use super::ok;
use crate::problem::{internal, not_found, Params};
use crate::{Api, Caller};
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use yagona_core::Locale;
use yagona_registry::{Catalogue, Service};

fn service_out(cat: &Catalogue, s: &Service, l: Locale) -> Value {
    let p = &s.passport;
    let code = p.code.as_str();
    json!({
        "id": code,
        "name": p.name.get(l),
        "version": cat.service_version(code).unwrap_or(1).to_string(),
        "type": "Public",
        "isExecutable": p.online,
        "isClosed": true,
        "description": p.description.get(l),
        "serviceBody": [
            {"code": "agency", "value": p.agency.as_str()},
            {"code": "deadlineWorkingDays", "value": p.deadline_working_days.to_string()},
            {"code": "result", "value": p.result.get(l)},
        ],
    })
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct NameQuery {
    /// Words of the service's name, in any language or script.
    #[serde(default)]
    name: String,
}

/// The services, or those whose name matches.
#[utoipa::path(get, path = "/govstack/registration/services", tag = "govstack-registration", params(NameQuery),
    responses((status = 200, description = "[{id, name, version, type, isExecutable, isClosed, description, serviceBody}]")))]
pub(super) async fn list_services(
    State(api): State<Arc<Api>>,
    caller: Caller,
    Params(q): Params<NameQuery>,
) -> Response {
    let cat = api.catalogue.get().await;
    let out: Vec<Value> = if q.name.trim().is_empty() {
        cat.services()
            .iter()
            .map(|s| service_out(&cat, s, caller.locale))
            .collect()
    } else {
        cat.search(q.name.trim(), 100)
            .iter()
            .map(|h| service_out(&cat, h.service, caller.locale))
            .collect()
    };
    ok(json!(out))
}

/// One service.
#[utoipa::path(get, path = "/govstack/registration/services/{service}", tag = "govstack-registration",
    params(("service" = String, Path, description = "The service's code")),
    responses((status = 200, description = "{id, name, version, …}"), (status = 404, body = yagona_core::Problem, content_type = "application/problem+json")))]
pub(super) async fn get_service(
    State(api): State<Arc<Api>>,
    caller: Caller,
    Path(service): Path<String>,
) -> Response {
    let cat = api.catalogue.get().await;
    match cat.service(&service) {
        Some(s) => ok(service_out(&cat, s, caller.locale)),
        None => not_found("service"),
    }
}

fn eform_item(s: &Service, version: i64, latest: bool, l: Locale) -> Value {
    json!({
        "eFormId": format!("{}@{version}", s.passport.code.as_str()),
        "name": s.passport.name.get(l),
        "description": s.passport.description.get(l),
        "version": version.to_string(),
        "latest": latest,
    })
}

/// A service's e-forms (its form's current version).
#[utoipa::path(get, path = "/govstack/registration/services/{service}/eForms", tag = "govstack-registration",
    params(("service" = String, Path, description = "The service's code")),
    responses((status = 200, description = "[{eFormId, name, description, version, latest}]"), (status = 404, body = yagona_core::Problem, content_type = "application/problem+json")))]
pub(super) async fn list_eforms(
    State(api): State<Arc<Api>>,
    caller: Caller,
    Path(service): Path<String>,
) -> Response {
    let cat = api.catalogue.get().await;
    let (Some(s), Some(v)) = (cat.service(&service), cat.service_version(&service)) else {
        return not_found("service");
    };
    ok(json!([eform_item(s, v, true, caller.locale)]))
}

/// One version of a service's form, with its JSON Schema.
#[utoipa::path(get, path = "/govstack/registration/eForms/{eform}", tag = "govstack-registration",
    params(("eform" = String, Path, description = "code@version")),
    responses((status = 200, description = "{eFormId, name, description, version, latest, schema}"), (status = 404, body = yagona_core::Problem, content_type = "application/problem+json")))]
pub(super) async fn get_eform(
    State(api): State<Arc<Api>>,
    caller: Caller,
    Path(eform): Path<String>,
) -> Response {
    let Some((code, version)) = eform
        .split_once('@')
        .and_then(|(c, v)| Some((c, v.parse::<i64>().ok()?)))
    else {
        return not_found("e-form");
    };
    let cat = api.catalogue.get().await;
    match api.catalogue.service_version(code, version).await {
        Ok(Some(sv)) => {
            let latest = cat.service_version(code) == Some(version);
            let mut out = eform_item(&sv.service, version, latest, caller.locale);
            out["schema"] = sv.service.form.schema.clone();
            ok(out)
        }
        Ok(None) => not_found("e-form"),
        Err(e) => internal(e),
    }
}

//! The JSON API under `/api/v1`: the catalogue for anyone, and the signed-in citizen's own
//! applications. Errors are RFC 9457 problem documents with stable `type` URIs. The OpenAPI 3.1
//! description is generated from these handlers' types and served with a readable page.

use crate::context::Ctx;
use crate::render::page;
use crate::view;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::Arc;
use utoipa::{IntoParams, OpenApi, ToSchema};
use yagona_applications::{ApplicationStore, Status, Viewer};
use yagona_core::{Fee, I18nText, ReferenceNumber};
use yagona_registry::{Catalogue, Service};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/services", get(list_services))
        .route("/api/v1/services/{code}", get(get_service))
        .route("/api/v1/life-events", get(list_life_events))
        .route("/api/v1/agencies", get(list_agencies))
        .route("/api/v1/applications", get(list_applications))
        .route("/api/v1/applications/{reference}", get(get_application))
        .route("/api/v1/{*rest}", any(unknown))
        .route("/api/openapi.json", get(openapi_json))
        .route("/api/docs", get(docs))
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A stable identifier of the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

pub fn problem(status: StatusCode, kind: &str, title: &str, detail: Option<String>) -> Response {
    let body = Problem {
        kind: format!("https://yagona.uz/problems/{kind}"),
        title: title.into(),
        status: status.as_u16(),
        detail,
    };
    (
        status,
        [(CONTENT_TYPE, "application/problem+json")],
        Json(body),
    )
        .into_response()
}

pub(crate) fn not_found(what: &str) -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "not-found",
        "Not found",
        Some(format!("no {what} with this identifier is visible to you")),
    )
}

fn unauthorized() -> Response {
    problem(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "Sign-in required",
        Some("sign in as a citizen to read your applications".into()),
    )
}

fn internal() -> Response {
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "Internal error",
        None,
    )
}

#[derive(Serialize, ToSchema)]
pub struct ServiceSummary {
    code: String,
    name: I18nText,
    description: I18nText,
    agency: String,
    life_events: Vec<String>,
    fee: Fee,
    /// The fee in soʻm today (BHM multiples resolved at today's BHM).
    fee_uzs_today: Option<i64>,
    deadline_working_days: u32,
    online: bool,
    version: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ServiceDetail {
    #[serde(flatten)]
    summary: ServiceSummary,
    who_may_apply: I18nText,
    legal_basis: I18nText,
    result: I18nText,
    channels: Vec<String>,
    documents: Vec<DocumentRequirement>,
    /// The application form: `schema` (JSON Schema 2020-12) and `presentation` (steps, labels).
    #[schema(value_type = Object)]
    form: Value,
}

#[derive(Serialize, ToSchema)]
pub struct DocumentRequirement {
    name: I18nText,
    required: bool,
}

fn summary(cat: &Catalogue, s: &Service) -> ServiceSummary {
    let p = &s.passport;
    let today = yagona_core::tashkent_date(&yagona_core::now());
    ServiceSummary {
        code: p.code.to_string(),
        name: p.name.clone(),
        description: p.description.clone(),
        agency: p.agency.to_string(),
        life_events: p.life_events.iter().map(|e| e.to_string()).collect(),
        fee: p.fee.clone(),
        fee_uzs_today: cat.fee_uzs(s, today),
        deadline_working_days: p.deadline_working_days,
        online: p.online,
        version: cat.service_version(p.code.as_str()),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ServiceQuery {
    /// Words to search for, in any of the four languages and either script; prefixes match.
    q: Option<String>,
    /// Only services of this life event (code).
    life_event: Option<String>,
    /// Only services of this agency (code).
    agency: Option<String>,
}

/// The catalogue of services, or those matching a search.
#[utoipa::path(get, path = "/api/v1/services", params(ServiceQuery), responses((status = 200, body = [ServiceSummary])), tag = "catalogue")]
async fn list_services(
    State(state): State<Arc<AppState>>,
    Query(q): Query<ServiceQuery>,
) -> Response {
    let cat = state.catalogue().await;
    let mut services: Vec<&Service> = match q.q.as_deref().map(str::trim).filter(|s| !s.is_empty())
    {
        Some(query) => cat
            .search(query, 500)
            .into_iter()
            .map(|h| h.service)
            .collect(),
        None => cat.services().iter().collect(),
    };
    if let Some(e) = &q.life_event {
        services.retain(|s| s.passport.life_events.iter().any(|x| x.as_str() == e));
    }
    if let Some(a) = &q.agency {
        services.retain(|s| s.passport.agency.as_str() == a);
    }
    Json(
        services
            .into_iter()
            .map(|s| summary(&cat, s))
            .collect::<Vec<_>>(),
    )
    .into_response()
}

/// One service: its passport and its application form.
#[utoipa::path(get, path = "/api/v1/services/{code}", params(("code" = String, Path, description = "Service code")),
    responses((status = 200, body = ServiceDetail), (status = 404, body = Problem, content_type = "application/problem+json")), tag = "catalogue")]
async fn get_service(State(state): State<Arc<AppState>>, Path(code): Path<String>) -> Response {
    let cat = state.catalogue().await;
    let Some(s) = cat.service(&code) else {
        return not_found("service");
    };
    let p = &s.passport;
    Json(ServiceDetail {
        summary: summary(&cat, s),
        who_may_apply: p.who_may_apply.clone(),
        legal_basis: p.legal_basis.clone(),
        result: p.result.clone(),
        channels: p.channels.iter().map(|c| c.code().to_owned()).collect(),
        documents: p
            .documents
            .iter()
            .map(|d| DocumentRequirement {
                name: d.name.clone(),
                required: d.required,
            })
            .collect(),
        form: json!({"schema": s.form.schema, "presentation": s.form.presentation}),
    })
    .into_response()
}

#[derive(Serialize, ToSchema)]
pub struct LifeEventOut {
    code: String,
    name: I18nText,
    description: I18nText,
    services: Vec<String>,
}

/// Life events, in the order the portal shows them, with their services.
#[utoipa::path(get, path = "/api/v1/life-events", responses((status = 200, body = [LifeEventOut])), tag = "catalogue")]
async fn list_life_events(State(state): State<Arc<AppState>>) -> Response {
    let cat = state.catalogue().await;
    let out: Vec<LifeEventOut> = cat
        .registry
        .life_events
        .iter()
        .map(|e| LifeEventOut {
            code: e.code.to_string(),
            name: e.name.clone(),
            description: e.description.clone(),
            services: cat
                .services_for_life_event(e.code.as_str())
                .iter()
                .map(|s| s.passport.code.to_string())
                .collect(),
        })
        .collect();
    Json(out).into_response()
}

#[derive(Serialize, ToSchema)]
pub struct AgencyOut {
    code: String,
    name: I18nText,
    stir: String,
    website: Option<String>,
    phone: Option<String>,
}

/// The agencies that provide services.
#[utoipa::path(get, path = "/api/v1/agencies", responses((status = 200, body = [AgencyOut])), tag = "catalogue")]
async fn list_agencies(State(state): State<Arc<AppState>>) -> Response {
    let cat = state.catalogue().await;
    let out: Vec<AgencyOut> = cat
        .registry
        .agencies
        .iter()
        .map(|a| AgencyOut {
            code: a.code.to_string(),
            name: a.name.clone(),
            stir: a.stir.to_string(),
            website: a.website.clone(),
            phone: a.phone.clone(),
        })
        .collect();
    Json(out).into_response()
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationOut {
    reference: String,
    service: String,
    service_version: i64,
    agency: String,
    status: Status,
    /// Who has the application now: `applicant`, `agency`, `officer` or `closed`.
    #[schema(value_type = Object)]
    holder: Value,
    submitted_at: Option<String>,
    /// The date by which the agency must decide (statutory deadline in working days).
    decision_due: Option<String>,
    decided_at: Option<String>,
    updated_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationDetailOut {
    #[serde(flatten)]
    application: ApplicationOut,
    #[schema(value_type = Object)]
    answers: Value,
    #[schema(value_type = Vec<Object>)]
    history: Value,
    #[schema(value_type = Vec<Object>)]
    documents: Value,
}

fn application_out(a: &yagona_applications::Application) -> ApplicationOut {
    ApplicationOut {
        reference: a.reference.clone(),
        service: a.service_code.clone(),
        service_version: a.service_version,
        agency: a.agency_code.clone(),
        status: a.status,
        holder: serde_json::to_value(a.holder()).unwrap_or(Value::Null),
        submitted_at: a.submitted_at.clone(),
        decision_due: a.decision_due.map(|d| d.to_string()),
        decided_at: a.decided_at.clone(),
        updated_at: a.updated_at.clone(),
    }
}

/// The signed-in citizen's applications, newest first.
#[utoipa::path(get, path = "/api/v1/applications",
    responses((status = 200, body = [ApplicationOut]), (status = 401, body = Problem, content_type = "application/problem+json")), tag = "applications")]
async fn list_applications(State(state): State<Arc<AppState>>, ctx: Ctx) -> Response {
    let Some(pinfl) = ctx.citizen().and_then(|u| u.pinfl.clone()) else {
        return unauthorized();
    };
    match (ApplicationStore { db: &state.db })
        .list_for_applicant(pinfl.as_str())
        .await
    {
        Ok(apps) => Json(apps.iter().map(application_out).collect::<Vec<_>>()).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "api list failed");
            internal()
        }
    }
}

/// One of the signed-in citizen's applications, with its answers, history and documents.
#[utoipa::path(get, path = "/api/v1/applications/{reference}", params(("reference" = String, Path, description = "Reference number, e.g. YG-7K4M-X9QA")),
    responses((status = 200, body = ApplicationDetailOut), (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")), tag = "applications")]
async fn get_application(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Path(reference): Path<String>,
) -> Response {
    let Some(pinfl) = ctx.citizen().and_then(|u| u.pinfl.clone()) else {
        return unauthorized();
    };
    let Ok(reference) = ReferenceNumber::parse(&reference) else {
        return not_found("application");
    };
    let store = ApplicationStore { db: &state.db };
    let app = match store
        .get(reference.as_str(), Viewer::Applicant(pinfl.as_str()))
        .await
    {
        Ok(Some(a)) => a,
        Ok(None) => return not_found("application"),
        Err(e) => {
            tracing::error!(error = %e, "api get failed");
            return internal();
        }
    };
    let (events, docs) = match (store.events(&app.id).await, store.documents(&app.id).await) {
        (Ok(e), Ok(d)) => (e, d),
        _ => return internal(),
    };
    Json(ApplicationDetailOut {
        application: application_out(&app),
        answers: Value::Object(app.answers.clone()),
        history: serde_json::to_value(&events).unwrap_or(Value::Null),
        documents: view::documents(&docs),
    })
    .into_response()
}

async fn unknown() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "not-found",
        "Not found",
        Some("no such API resource".into()),
    )
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Yagona API", version = "1", description = "The catalogue of public services and the signed-in citizen's applications."),
    paths(list_services, get_service, list_life_events, list_agencies, list_applications, get_application,
        crate::jobs::activate, crate::jobs::complete, crate::jobs::fail, crate::jobs::throw_error, crate::jobs::publish,
        crate::appeals::figures_json),
    components(schemas(Problem, ServiceSummary, ServiceDetail, DocumentRequirement, LifeEventOut, AgencyOut, ApplicationOut, ApplicationDetailOut, I18nText, Fee, Status,
        crate::jobs::Activate, crate::jobs::Complete, crate::jobs::Fail, crate::jobs::ThrowError, crate::jobs::Publish,
        crate::appeals::FiguresOut, crate::appeals::FiguresRowOut)),
    modifiers(&WorkerToken),
    tags((name = "catalogue", description = "Services, life events and agencies"), (name = "applications", description = "The signed-in citizen's applications"),
        (name = "appeals", description = "The single contact point's figures (appeals are filed through the portal and Open311 at /open311/v2/)"),
        (name = "jobs", description = "Agency systems working service tasks and publishing messages (as Zeebe's job workers), with a token from `yagona worker create`"))
)]
struct ApiDoc;

/// The bearer token of a job worker client.
struct WorkerToken;

impl utoipa::Modify for WorkerToken {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "worker_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

async fn openapi_json() -> Response {
    Json(openapi()).into_response()
}

/// A readable page of the API, rendered on the server from the same OpenAPI document, so it
/// works offline and without JavaScript.
async fn docs(State(state): State<Arc<AppState>>, ctx: Ctx) -> Response {
    let doc = serde_json::to_value(openapi()).unwrap_or(Value::Null);
    let mut operations = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            if let Some(item) = item.as_object() {
                for (method, op) in item {
                    let params: Vec<Value> = op
                        .get("parameters")
                        .and_then(Value::as_array)
                        .map(|ps| {
                            ps.iter()
                                .map(|p| json!({"name": p.get("name"), "in": p.get("in"), "description": p.get("description").cloned().unwrap_or(Value::Null)}))
                                .collect()
                        })
                        .unwrap_or_default();
                    let responses: Vec<Value> = op
                        .get("responses")
                        .and_then(Value::as_object)
                        .map(|rs| rs.iter().map(|(code, r)| json!({"code": code, "description": r.get("description")})).collect())
                        .unwrap_or_default();
                    operations.push(json!({
                        "method": method.to_uppercase(), "path": path,
                        "summary": op.get("summary").cloned().unwrap_or(Value::Null),
                        "description": op.get("description").cloned().unwrap_or(Value::Null),
                        "params": params, "responses": responses,
                    }));
                }
            }
        }
    }
    let schemas: Vec<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|s| s.keys().cloned().collect())
        .unwrap_or_default();
    page(
        &state,
        &ctx,
        "api_docs.html",
        json!({"operations": operations, "schemas": schemas, "version": doc.pointer("/openapi")}),
    )
}

//! The JSON API under `/api/v1`: the catalogue for anyone, and the signed-in citizen's own
//! applications.

use crate::problem::{internal, not_found, problem, Params};
use crate::{Api, Caller};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::Arc;
use utoipa::{IntoParams, OpenApi, ToSchema};
use yagona_applications::{Application, Document, Status, Viewer};
use yagona_core::{format_timestamp, tashkent_display, Fee, I18nText, Problem, ReferenceNumber};
use yagona_registry::{Catalogue, Service};

pub fn routes() -> Router<Arc<Api>> {
    Router::new()
        .route("/api/v1/services", get(list_services))
        .route("/api/v1/search", get(search_services))
        .route("/api/v1/services/{code}", get(get_service))
        .route("/api/v1/life-events", get(list_life_events))
        .route("/api/v1/agencies", get(list_agencies))
        .route("/api/v1/applications", get(list_applications))
        .route("/api/v1/applications/{reference}", get(get_application))
        .route("/api/v1/{*rest}", any(unknown))
        .route("/api/openapi.json", get(openapi_json))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_services,
        search_services,
        get_service,
        list_life_events,
        list_agencies,
        list_applications,
        get_application
    ),
    components(schemas(
        ServiceSummary,
        SearchOut,
        ServiceDetail,
        DocumentRequirement,
        LifeEventOut,
        AgencyOut,
        ApplicationOut,
        ApplicationDetailOut,
        DocumentOut,
        I18nText,
        Fee,
        Status
    ))
)]
pub(crate) struct CatalogueApi;

fn unauthorized() -> Response {
    problem(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "Sign-in required",
        Some("sign in as a citizen to read your applications".into()),
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
#[into_params(parameter_in = Query)]
pub struct ServiceQuery {
    /// Words to search for, in any of the four languages and either script; prefixes, other
    /// forms of a word (plurals, cases) and misspellings match.
    q: Option<String>,
    /// Only services of this life event (code).
    life_event: Option<String>,
    /// Only services of this agency (code).
    agency: Option<String>,
}

/// The catalogue of services, or those matching a search.
#[utoipa::path(get, path = "/api/v1/services", params(ServiceQuery), responses((status = 200, body = [ServiceSummary])), tag = "catalogue")]
async fn list_services(State(api): State<Arc<Api>>, Params(q): Params<ServiceQuery>) -> Response {
    let cat = api.catalogue.get().await;
    let (services, _) = searched(&cat, &q, &*api.applications.popularity().await);
    Json(
        services
            .into_iter()
            .map(|s| summary(&cat, s))
            .collect::<Vec<_>>(),
    )
    .into_response()
}

/// The services a query finds (all without one), filtered, and the query as corrected.
fn searched<'c>(
    cat: &'c Catalogue,
    q: &ServiceQuery,
    popularity: &yagona_registry::Popularity,
) -> (Vec<&'c Service>, Option<String>) {
    let (mut services, did_you_mean): (Vec<&Service>, _) =
        match q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(query) => {
                let found = cat.find(query, 500, popularity);
                (
                    found.hits.into_iter().map(|h| h.service).collect(),
                    found.did_you_mean,
                )
            }
            None => (cat.services().iter().collect(), None),
        };
    if let Some(e) = &q.life_event {
        services.retain(|s| s.passport.life_events.iter().any(|x| x.as_str() == e));
    }
    if let Some(a) = &q.agency {
        services.retain(|s| s.passport.agency.as_str() == a);
    }
    (services, did_you_mean)
}

#[derive(Serialize, ToSchema)]
pub struct SearchOut {
    /// The services found, best first: whole title or keyword phrase, then title matches, then
    /// popularity.
    services: Vec<ServiceSummary>,
    /// When a word of the query matched nothing and was corrected to a word the catalogue knows
    /// (in the script it was typed in): the corrected query, to offer as "Did you mean …?". The
    /// services found are those of the corrected query.
    did_you_mean: Option<String>,
}

/// A search of the catalogue: the services found, best first, and "did you mean".
#[utoipa::path(get, path = "/api/v1/search", params(ServiceQuery), responses((status = 200, body = SearchOut)), tag = "catalogue")]
async fn search_services(State(api): State<Arc<Api>>, Params(q): Params<ServiceQuery>) -> Response {
    let cat = api.catalogue.get().await;
    let (services, did_you_mean) = searched(&cat, &q, &*api.applications.popularity().await);
    Json(SearchOut {
        services: services.into_iter().map(|s| summary(&cat, s)).collect(),
        did_you_mean,
    })
    .into_response()
}

/// One service: its passport and its application form.
#[utoipa::path(get, path = "/api/v1/services/{code}", params(("code" = String, Path, description = "Service code")),
    responses((status = 200, body = ServiceDetail), (status = 404, body = Problem, content_type = "application/problem+json")), tag = "catalogue")]
async fn get_service(State(api): State<Arc<Api>>, Path(code): Path<String>) -> Response {
    let cat = api.catalogue.get().await;
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
async fn list_life_events(State(api): State<Arc<Api>>) -> Response {
    let cat = api.catalogue.get().await;
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
async fn list_agencies(State(api): State<Arc<Api>>) -> Response {
    let cat = api.catalogue.get().await;
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

/// A document of an application: an upload, or the result the agency issued.
#[derive(Serialize, ToSchema)]
pub struct DocumentOut {
    id: String,
    /// `upload` or `result`.
    kind: String,
    /// The form field an upload answers.
    field: String,
    file_name: String,
    media_type: String,
    size_kb: i64,
    /// When it was stored, Tashkent time.
    created_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationDetailOut {
    #[serde(flatten)]
    application: ApplicationOut,
    #[schema(value_type = Object)]
    answers: Value,
    #[schema(value_type = Vec<Object>)]
    history: Value,
    documents: Vec<DocumentOut>,
}

fn application_out(a: &Application) -> ApplicationOut {
    ApplicationOut {
        reference: a.reference.to_string(),
        service: a.service_code.clone(),
        service_version: a.service_version,
        agency: a.agency_code.clone(),
        status: a.status,
        holder: serde_json::to_value(a.holder()).unwrap_or(Value::Null),
        submitted_at: a.submitted_at.as_ref().map(format_timestamp),
        decision_due: a.decision_due.map(|d| d.to_string()),
        decided_at: a.decided_at.as_ref().map(format_timestamp),
        updated_at: format_timestamp(&a.updated_at),
    }
}

fn document_out(d: &Document) -> DocumentOut {
    DocumentOut {
        id: d.id.clone(),
        kind: d.kind.code().to_owned(),
        field: d.field.clone(),
        file_name: d.file_name.clone(),
        media_type: d.media_type.clone(),
        size_kb: (d.size + 1023) / 1024,
        created_at: tashkent_display(&d.created_at),
    }
}

/// The signed-in citizen's applications, newest first.
#[utoipa::path(get, path = "/api/v1/applications",
    responses((status = 200, body = [ApplicationOut]), (status = 401, body = Problem, content_type = "application/problem+json")), tag = "applications")]
async fn list_applications(State(api): State<Arc<Api>>, caller: Caller) -> Response {
    let Some(pinfl) = caller.user.as_ref().and_then(|u| u.citizen_pinfl()) else {
        return unauthorized();
    };
    match api.applications.store().list_for_applicant(pinfl).await {
        Ok(apps) => Json(apps.iter().map(application_out).collect::<Vec<_>>()).into_response(),
        Err(e) => internal(e),
    }
}

/// One of the signed-in citizen's applications, with its answers, history and documents.
#[utoipa::path(get, path = "/api/v1/applications/{reference}", params(("reference" = String, Path, description = "Reference number, e.g. YG-7K4M-X9QA")),
    responses((status = 200, body = ApplicationDetailOut), (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")), tag = "applications")]
async fn get_application(
    State(api): State<Arc<Api>>,
    caller: Caller,
    Path(reference): Path<String>,
) -> Response {
    let Some(pinfl) = caller.user.as_ref().and_then(|u| u.citizen_pinfl()) else {
        return unauthorized();
    };
    let Ok(reference) = ReferenceNumber::parse(&reference) else {
        return not_found("application");
    };
    let store = api.applications.store();
    let app = match store.get(&reference, Viewer::Applicant(pinfl)).await {
        Ok(Some(a)) => a,
        Ok(None) => return not_found("application"),
        Err(e) => return internal(e),
    };
    let (events, docs) = match (store.events(&app.id).await, store.documents(&app.id).await) {
        (Ok(e), Ok(d)) => (e, d),
        (Err(e), _) | (_, Err(e)) => return internal(e),
    };
    Json(ApplicationDetailOut {
        application: application_out(&app),
        answers: Value::Object(app.answers.clone()),
        history: serde_json::to_value(&events).unwrap_or(Value::Null),
        documents: docs.iter().map(document_out).collect(),
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

async fn openapi_json() -> Response {
    Json(crate::openapi()).into_response()
}

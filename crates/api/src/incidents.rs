//! Incidents for administrators: where a process could not go on, its variables, correcting
//! them, and retrying — the API twin of the administrator's incidents page. Only a signed-in
//! administrator may call it; errors are RFC 9457 problems.

use crate::caller::Caller;
use crate::problem::{internal, problem};
use crate::Api;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use std::sync::Arc;
use yagona_identity::Role;
use yagona_workflow::store::{Incident, StoreError};

#[derive(utoipa::OpenApi)]
#[openapi(paths(list, show, set_variables, retry))]
pub(crate) struct IncidentsApi;

pub fn routes() -> Router<Arc<Api>> {
    Router::new()
        .route("/api/v1/incidents", get(list))
        .route("/api/v1/incidents/{id}", get(show))
        .route("/api/v1/incidents/{id}/variables", put(set_variables))
        .route("/api/v1/incidents/{id}/retry", post(retry))
}

/// The administrator's name, or the problem to answer.
fn admin(caller: &Caller) -> Result<String, Response> {
    match &caller.user {
        Some(u) if u.role == Role::Admin => Ok(u.name.clone()),
        Some(_) => Err(problem(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Only an administrator may see and resolve incidents",
            None,
        )),
        None => Err(problem(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Sign in as an administrator",
            None,
        )),
    }
}

fn view(i: &Incident) -> Value {
    json!({
        "id": i.id,
        "processInstanceKey": i.instance_id,
        "rootInstanceKey": i.root_instance,
        "processId": i.process_id,
        "businessKey": i.business_key,
        "elementId": i.element_id,
        "message": i.message,
        "causedBy": i.caused_by,
        "createdAt": yagona_core::format_timestamp(&i.created_at),
        "resolvedAt": i.resolved_at.as_ref().map(yagona_core::format_timestamp),
        "resolvedBy": i.resolved_by,
    })
}

fn not_found() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "not-found",
        "No such open incident",
        None,
    )
}

async fn open_incident(api: &Api, id: &str) -> Result<Incident, Response> {
    match crate::jobs::store(api).incident(id).await {
        Ok(Some(i)) if i.resolved_at.is_none() => Ok(i),
        Ok(_) => Err(not_found()),
        Err(e) => Err(internal(e)),
    }
}

/// Open incidents, oldest first.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents",
    responses((status = 200, description = "{\"items\": [incident…]}: open incidents, oldest first (at most 500)"),
              (status = 401, description = "Not signed in"), (status = 403, description = "Not an administrator")))]
async fn list(State(api): State<Arc<Api>>, caller: Caller) -> Response {
    if let Err(r) = admin(&caller) {
        return r;
    }
    match crate::jobs::store(&api).open_incidents(500).await {
        Ok(items) => {
            Json(json!({"items": items.iter().map(view).collect::<Vec<_>>()})).into_response()
        }
        Err(e) => internal(e),
    }
}

/// One open incident, with the instance's variables as they are now.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents",
    params(("id" = String, Path, description = "The incident's id")),
    responses((status = 200, description = "The incident and `variables`"),
              (status = 401, description = "Not signed in"), (status = 403, description = "Not an administrator"),
              (status = 404, description = "No such open incident")))]
async fn show(State(api): State<Arc<Api>>, caller: Caller, Path(id): Path<String>) -> Response {
    if let Err(r) = admin(&caller) {
        return r;
    }
    let incident = match open_incident(&api, &id).await {
        Ok(i) => i,
        Err(r) => return r,
    };
    match crate::jobs::store(&api)
        .variables(&incident.instance_id)
        .await
    {
        Ok(vars) => {
            let mut v = view(&incident);
            v["variables"] = Value::Object(vars);
            Json(v).into_response()
        }
        Err(e) => internal(e),
    }
}

/// Sets variables of the incident's instance (merged into the existing ones).
#[utoipa::path(put, path = "/api/v1/incidents/{id}/variables", tag = "incidents",
    params(("id" = String, Path, description = "The incident's id")),
    request_body(content = Object, description = "The variables to set, a JSON object"),
    responses((status = 204, description = "Set"),
              (status = 400, description = "The body is not a JSON object"),
              (status = 401, description = "Not signed in"), (status = 403, description = "Not an administrator"),
              (status = 404, description = "No such open incident"),
              (status = 409, description = "The instance changed meanwhile; try again")))]
async fn set_variables(
    State(api): State<Arc<Api>>,
    caller: Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let by = match admin(&caller) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let Ok(Value::Object(vars)) = serde_json::from_slice::<Value>(&body) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "The body must be a JSON object of variables",
            None,
        );
    };
    let incident = match open_incident(&api, &id).await {
        Ok(i) => i,
        Err(r) => return r,
    };
    let cat = api.catalogue.get().await;
    match crate::jobs::engine(&api, &cat.calendar)
        .set_variables(&incident.instance_id, Map::from_iter(vars), &by)
        .await
    {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(StoreError::Conflict) => problem(
            StatusCode::CONFLICT,
            "conflict",
            "The instance changed meanwhile",
            Some("try again".into()),
        ),
        Err(e) => internal(e),
    }
}

/// Does again what met the incident. If the process still cannot go on, a new incident is
/// recorded (its id in the problem) and this one is resolved.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/retry", tag = "incidents",
    params(("id" = String, Path, description = "The incident's id")),
    responses((status = 200, description = "{\"resolved\": true}: the process went on"),
              (status = 401, description = "Not signed in"), (status = 403, description = "Not an administrator"),
              (status = 404, description = "No such open incident"),
              (status = 409, description = "The instance changed meanwhile; try again"),
              (status = 422, description = "The process still cannot go on: a new incident is recorded")))]
async fn retry(State(api): State<Arc<Api>>, caller: Caller, Path(id): Path<String>) -> Response {
    let by = match admin(&caller) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let cat = api.catalogue.get().await;
    match crate::jobs::engine(&api, &cat.calendar)
        .retry_incident(&id, &by)
        .await
    {
        Ok(_) => Json(json!({"resolved": true})).into_response(),
        Err(StoreError::NoIncident(_)) => not_found(),
        Err(e @ StoreError::Incident { .. }) => problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "incident",
            "The process still cannot go on; a new incident is recorded",
            Some(e.to_string()),
        ),
        Err(StoreError::Conflict) => problem(
            StatusCode::CONFLICT,
            "conflict",
            "The instance changed meanwhile",
            Some("try again".into()),
        ),
        Err(e) => internal(e),
    }
}

//! GovStack Registration Building Block API (`registration-api.json` 0.1.1 and
//! `registration-statistics-api.json` 1.0.0) under `/govstack/registration/`, backed by the same
//! registry, applications and process tasks as the portal and the officers' inbox.
//!
//! Mapping: a GovStack *service* is a registry service (`serviceId` = its code); an *e-form* is
//! one published version of its form (`eFormId` = `code@version`); an *application file* is an
//! application (`fileId` = its reference number); a *task* is an open user task of its process
//! (`taskId` = `reference.wait`). Who is asking is the signed-in session as everywhere: a
//! citizen files and reads only their own applications (`applicantId` = their PINFL), an officer
//! reads their agency's applications and works its tasks (an operator's `PUT` on a file decides
//! their agency's open task on it). The catalogue (services, e-forms) is open to anyone. Where
//! the specification declares `Information-Mediator-Client` (filing, reading and updating files,
//! statistics) it is required ([`Mediated`]): believed as an authenticated system only when the
//! node's own gateway passed the call on ([`crate::Mediator`]), otherwise the caller must be
//! signed in and the header keeps other sites' forms out. Errors, the query's too, are RFC 9457
//! problem documents; a task's `data` and `formVariables` are typed variables, as the schema
//! types them.
//!
//! - [`services`]: services and e-forms;
//! - [`files`]: application files and documents (filing is one operation of the applications
//!   component, one transaction);
//! - [`tasks`]: officers' tasks and their completion (checked by the applications component,
//!   as on the officers' pages);
//! - [`statistics`]: officers' decisions over periods.

mod files;
mod services;
mod statistics;
mod tasks;

use crate::problem::{internal, not_found, problem, respond};
use crate::Api;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::Arc;
use yagona_applications::{ApplicationError, Status};
use yagona_core::{FieldProblem, Locale, Problem};
use yagona_forms::FieldError;

const BASE: &str = "/govstack/registration";

pub fn routes() -> Router<Arc<Api>> {
    Router::new()
        .route(&format!("{BASE}/services"), get(services::list_services))
        .route(
            &format!("{BASE}/services/{{service}}"),
            get(services::get_service),
        )
        .route(
            &format!("{BASE}/services/{{service}}/eForms"),
            get(services::list_eforms),
        )
        .route(
            &format!("{BASE}/eForms/{{eform}}"),
            get(services::get_eform),
        )
        .route(
            &format!("{BASE}/services/{{service}}/applications"),
            post(files::create_application),
        )
        .route(&format!("{BASE}/documents"), post(files::upload_document))
        .route(
            &format!("{BASE}/applications"),
            get(files::list_applications),
        )
        .route(
            &format!("{BASE}/applications/{{file}}"),
            get(files::get_application).put(files::update_application),
        )
        .route(&format!("{BASE}/tasks"), get(tasks::list_tasks))
        .route(&format!("{BASE}/tasks/{{task}}"), get(tasks::get_task))
        .route(
            &format!("{BASE}/tasks/{{task}}/complete"),
            post(tasks::complete_task),
        )
        .route(
            &format!("{BASE}/data/statistics"),
            get(statistics::statistics),
        )
        .route(&format!("{BASE}/{{*rest}}"), axum::routing::any(unknown))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    services::list_services,
    services::get_service,
    services::list_eforms,
    services::get_eform,
    files::create_application,
    files::upload_document,
    files::list_applications,
    files::get_application,
    files::update_application,
    tasks::list_tasks,
    tasks::get_task,
    tasks::complete_task,
    statistics::statistics
))]
pub(crate) struct GovStackApi;

/// The calling system of an operation whose specification declares `Information-Mediator-Client`
/// (filing, reading and updating application files, statistics): the header is required there,
/// and nowhere else. It names an authenticated system only when the node's own gateway passed
/// the call on ([`crate::Mediator`]); otherwise the caller must be signed in, and the header is
/// what keeps other sites' forms out (a browser cannot add it to a cross-site request).
pub(super) struct Mediated {
    /// The calling system, `INSTANCE/CLASS/MEMBER/SUBSYSTEM`.
    pub client: String,
    /// Whether the gateway authenticated it.
    pub vouched: bool,
}

impl axum::extract::FromRequestParts<Arc<Api>> for Mediated {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        api: &Arc<Api>,
    ) -> Result<Self, Response> {
        let client = mediator_client(&parts.headers)?;
        let vouched = api.mediator.vouches_for(&parts.headers);
        tracing::debug!(%client, vouched, path = %parts.uri.path(), "govstack registration call");
        Ok(Mediated { client, vouched })
    }
}

impl Mediated {
    /// The call came through the Information Mediator, or from someone signed in.
    fn authenticated(&self, caller: &crate::Caller) -> Result<(), Response> {
        if self.vouched || caller.user.is_some() {
            Ok(())
        } else {
            Err(problem(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Call through the Information Mediator, or sign in",
                Some(format!(
                    "{} is not vouched for by this node's Information Mediator",
                    self.client
                )),
            ))
        }
    }
}

/// `Information-Mediator-Client`, as the specification declares it on an operation.
#[derive(utoipa::IntoParams)]
#[into_params(names("Information-Mediator-Client"), parameter_in = Header)]
#[allow(dead_code)]
pub(super) struct MediatorParam(
    /// The calling system, `INSTANCE/CLASS/MEMBER/SUBSYSTEM`, as the node's Information
    /// Mediator authenticated it.
    String,
);

type JsonBody<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

/// The request's JSON body, or a problem naming what is wrong with it: a body of the wrong
/// shape is unprocessable (422); one that is not JSON, not said to be JSON or too large keeps
/// its own status (400, 415, 413).
fn body<T>(b: JsonBody<T>) -> Result<T, Response> {
    use axum::extract::rejection::JsonRejection;
    b.map(|Json(v)| v).map_err(|e| match e {
        JsonRejection::JsonDataError(_) => respond(Problem::invalid(e.body_text(), vec![])),
        other => respond(Problem::plain(
            other.status().as_u16(),
            other.status().canonical_reason().unwrap_or("Bad Request"),
            &other.body_text(),
        )),
    })
}

async fn unknown() -> Response {
    not_found("resource")
}

/// The calling system, which the building block requires on every request.
fn mediator_client(headers: &HeaderMap) -> Result<String, Response> {
    let client = headers
        .get("Information-Mediator-Client")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| v.split('/').count() == 4 && v.split('/').all(|p| !p.is_empty()));
    client.map(str::to_owned).ok_or_else(|| {
        problem(
            StatusCode::BAD_REQUEST,
            "mediator-client-required",
            "Calling system not named",
            Some("send Information-Mediator-Client: INSTANCE/CLASS/MEMBER/SUBSYSTEM".into()),
        )
    })
}

/// A successful answer. The building block's schemas have no `null`s: an absent value is left
/// out rather than sent as `null`.
fn ok(v: Value) -> Response {
    fn compact(v: Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.into_iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k, compact(v)))
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.into_iter().map(compact).collect()),
            other => other,
        }
    }
    Json(compact(v)).into_response()
}

fn unauthorized(who: &str) -> Response {
    problem(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "Sign-in required",
        Some(format!("sign in as {who}")),
    )
}

fn field_problems(errors: &[FieldError], l: Locale) -> Vec<FieldProblem> {
    errors
        .iter()
        .map(|e| FieldProblem {
            message: e.message.as_ref().map(|m| m.get(l).to_owned()),
            ..FieldProblem::new(&e.field, &e.keyword)
        })
        .collect()
}

/// What the applications component refused, as the building block's errors. `invalid` says
/// what the data is that did not satisfy its form.
fn refusal(e: ApplicationError, invalid: &str) -> Response {
    refusal_in(e, invalid, Locale::En)
}

/// [`refusal`], with the forms' own messages in the caller's language.
fn refusal_in(e: ApplicationError, invalid: &str, l: Locale) -> Response {
    match e {
        ApplicationError::NotFound => not_found("application file"),
        ApplicationError::NoService => not_found("service"),
        ApplicationError::NoTask => not_found("task"),
        ApplicationError::TaskTaken => problem(
            StatusCode::CONFLICT,
            "task-taken",
            "The task is assigned to someone else",
            None,
        ),
        ApplicationError::Conflict | ApplicationError::NotAllowed { .. } => problem(
            StatusCode::CONFLICT,
            "conflict",
            "The application file has changed meanwhile",
            Some(e.to_string()),
        ),
        ApplicationError::FormOutdated(current) => problem(
            StatusCode::CONFLICT,
            "eform-outdated",
            "The e-form has a newer version",
            Some(format!("fill in e-form {current}")),
        ),
        ApplicationError::UnknownTaskForm(key) => problem(
            StatusCode::CONFLICT,
            "unknown-task-form",
            "This task's form cannot be completed through this API",
            Some(key),
        ),
        ApplicationError::Invalid(errors) => {
            respond(Problem::invalid(invalid, field_problems(&errors, l)))
        }
        ApplicationError::Duplicate { reference } => problem(
            StatusCode::CONFLICT,
            "duplicate-application",
            "An application for the same subject is already in",
            Some(match reference {
                Some(r) => format!("the applicant's application {r} is for the same subject"),
                None => {
                    "an application with these details is being dealt with or was approved".into()
                }
            }),
        ),
        ApplicationError::NoStagedDocument(field) => respond(Problem::invalid(
            format!("{field}: no document uploaded with this URL"),
            vec![FieldProblem::new(field, "document")],
        )),
        ApplicationError::Upload(u) => problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-document",
            "The document cannot be accepted",
            Some(u.to_string()),
        ),
        other => internal(other),
    }
}

fn status_model(s: Status) -> Value {
    let (code, title) = match s {
        Status::Approved => ("APPROVED", "Approved"),
        Status::Rejected => ("REJECTED", "Rejected"),
        Status::Returned => ("SENDBACK", "Sent back"),
        _ => ("PENDING", "Pending"),
    };
    json!({"code": code, "title": title})
}

/// Sorting and paging as the building block's lists have them: `sortBy` with Camunda's task
/// query criteria (compared lexicographically, as the specification says), `sortOrder`,
/// `firstResult`, `maxResult`.
struct Paging<'a> {
    first_result: Option<usize>,
    max_result: Option<usize>,
    sort_by: Option<&'a str>,
    sort_order: Option<&'a str>,
}

/// Every criterion the specification names; those a list has no field for keep its order.
const SORT_CRITERIA: &[&str] = &[
    "instanceId",
    "caseInstanceId",
    "dueDate",
    "executionId",
    "caseExecutionId",
    "assignee",
    "created",
    "description",
    "id",
    "name",
    "nameCaseInsensitive",
    "priority",
];

impl Paging<'_> {
    /// The page of `rows`; `fields` says which field of a row each criterion sorts by.
    fn apply(&self, mut rows: Vec<Value>, fields: &[(&str, &str)]) -> Result<Vec<Value>, Response> {
        let bad = |detail: String| {
            problem(
                StatusCode::BAD_REQUEST,
                "invalid-query",
                "Invalid query parameters",
                Some(detail),
            )
        };
        let desc = match self.sort_order {
            None | Some("") => false,
            Some(o) if o.eq_ignore_ascii_case("asc") => false,
            Some(o) if o.eq_ignore_ascii_case("desc") => true,
            Some(o) => return Err(bad(format!("sortOrder is asc or desc, not {o:?}"))),
        };
        if let Some(by) = self.sort_by.filter(|b| !b.is_empty()) {
            if !SORT_CRITERIA.contains(&by) {
                return Err(bad(format!(
                    "sortBy is one of {}, not {by:?}",
                    SORT_CRITERIA.join(", ")
                )));
            }
            if let Some((_, field)) = fields.iter().find(|(c, _)| *c == by) {
                let fold = by == "nameCaseInsensitive";
                let key = |v: &Value| {
                    let text = match &v[*field] {
                        Value::String(s) => s.clone(),
                        Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    if fold {
                        text.to_lowercase()
                    } else {
                        text
                    }
                };
                rows.sort_by_cached_key(key);
            }
        }
        if desc {
            rows.reverse();
        }
        Ok(rows
            .into_iter()
            .skip(self.first_result.unwrap_or(0))
            .take(self.max_result.unwrap_or(100).min(500))
            .collect())
    }
}

/// Whether a browser says the request comes from a page of another site: `Sec-Fetch-Site`
/// (`same-site` is another origin too), or else an `Origin` that is not the `Host` asked.
fn from_another_site(headers: &HeaderMap) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        return !matches!(site, "same-origin" | "none");
    }
    match (text("origin"), text("host")) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_none_or(|(_, authority)| !authority.eq_ignore_ascii_case(host)),
        (Some(_), None) => true,
        (None, _) => false,
    }
}

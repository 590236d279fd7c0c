//! The job worker API, as Zeebe's: agency systems take the work of service tasks of a type,
//! complete it, fail it (with retries and back-off) or throw a BPMN error.
//!
//! A worker proves who it is with its bearer token (`yagona worker create`), and may take only
//! the job types it was granted. A job key is `INSTANCE:WAIT`. Errors are RFC 9457 problems.

use crate::problem::{internal, problem};
use crate::Api;
use axum::extract::{Path, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use yagona_workflow::engine::EngineError;
use yagona_workflow::feel::Feel;
use yagona_workflow::store::{Correlation, ProcessStore, StoreError, Worker};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        activate,
        complete,
        fail,
        throw_error,
        publish,
        broadcast,
        activate_ad_hoc
    ),
    components(schemas(
        Activate,
        Complete,
        Fail,
        ThrowError,
        Publish,
        Broadcast,
        AdHocActivation,
        AdHocElement
    ))
)]
pub(crate) struct JobsApi;

pub fn routes() -> Router<Arc<Api>> {
    Router::new()
        .route("/api/v1/jobs/activate", post(activate))
        .route("/api/v1/jobs/{key}/complete", post(complete))
        .route("/api/v1/jobs/{key}/fail", post(fail))
        .route("/api/v1/jobs/{key}/throw-error", post(throw_error))
        .route("/api/v1/messages", post(publish))
        .route("/api/v1/signals", post(broadcast))
        .route(
            "/api/v1/process-instances/{instance}/ad-hoc-activities/{ad_hoc}/activation",
            post(activate_ad_hoc),
        )
}

/// Reads only: no step is taken.
pub(crate) fn store(api: &Api) -> ProcessStore<'_> {
    ProcessStore::new(&api.db, &Feel)
}

/// Steps go through the applications' projection and the holiday calendar, like every step.
pub(crate) fn engine<'a>(
    api: &'a Api,
    calendar: &'a yagona_calendar::Calendar,
) -> ProcessStore<'a> {
    yagona_applications::process::processes(&api.db, calendar)
}

async fn worker(state: &Api, headers: &HeaderMap) -> Result<Worker, Response> {
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let unauthorized = || {
        problem(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Worker token required",
            Some("send Authorization: Bearer <token> as issued by `yagona worker create`".into()),
        )
    };
    let Some(token) = token else {
        return Err(unauthorized());
    };
    match store(state).worker_by_token(token.trim()).await {
        Ok(Some(w)) => Ok(w),
        Ok(None) => Err(unauthorized()),
        Err(e) => Err(store_error(e)),
    }
}

fn store_error(e: StoreError) -> Response {
    match e {
        StoreError::NotYourJob => problem(
            StatusCode::CONFLICT,
            "job-not-locked-by-you",
            "The job is not locked by this worker",
            Some("its lock may have expired; activate again".into()),
        ),
        StoreError::Engine(EngineError::UnknownWait(_)) | StoreError::NoInstance(_) => {
            problem(StatusCode::NOT_FOUND, "not-found", "No such job", None)
        }
        StoreError::Conflict => problem(
            StatusCode::CONFLICT,
            "conflict",
            "The instance changed meanwhile",
            Some("retry the call".into()),
        ),
        // The model cannot go on from this result: recorded for an administrator.
        e @ StoreError::Incident { .. } => problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "incident",
            "The process cannot go on with this result; an incident is recorded",
            Some(e.to_string()),
        ),
        StoreError::Engine(e) => problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "incident",
            "The process cannot go on with this result",
            Some(e.to_string()),
        ),
        other => internal(other),
    }
}

fn parse_key(key: &str) -> Option<(String, u64)> {
    let (instance, wait) = key.rsplit_once(':')?;
    Some((instance.to_owned(), wait.parse().ok()?))
}

/// The job exists, is of a type this worker may take; else the problem to answer.
async fn granted(state: &Api, w: &Worker, key: &str) -> Result<(String, u64), Response> {
    let Some((instance, wait)) = parse_key(key) else {
        return Err(problem(
            StatusCode::NOT_FOUND,
            "not-found",
            "No such job",
            Some("a job key is INSTANCE:WAIT".into()),
        ));
    };
    match store(state).job_type(&instance, wait).await {
        Ok(Some(t)) if w.may_work(&t) => Ok((instance, wait)),
        Ok(Some(_)) => Err(problem(
            StatusCode::FORBIDDEN,
            "job-type-not-granted",
            "This worker may not work this job type",
            None,
        )),
        Ok(None) => Err(problem(
            StatusCode::NOT_FOUND,
            "not-found",
            "No such job",
            None,
        )),
        Err(e) => Err(store_error(e)),
    }
}

/// A worker's request to tell the processes something (a message, a signal): who it is, what it
/// sends, and whether it was granted `KIND:NAME` (or `*`).
async fn granted_send<T: for<'de> Deserialize<'de>>(
    state: &Api,
    headers: &HeaderMap,
    raw: &[u8],
    kind: &str,
    name: impl Fn(&T) -> &str,
) -> Result<(Worker, T), Response> {
    let worker = worker(state, headers).await?;
    let req: T = body(raw)?;
    let grant = format!("{kind}:{}", name(&req));
    if !worker.may_work(&grant) {
        return Err(problem(
            StatusCode::FORBIDDEN,
            "forbidden",
            &format!("This worker may not send this {kind}"),
            Some(format!("grant it {grant} with yagona worker create")),
        ));
    }
    Ok((worker, req))
}

fn body<T: for<'de> Deserialize<'de>>(raw: &[u8]) -> Result<T, Response> {
    let raw = if raw.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        raw
    };
    serde_json::from_slice(raw).map_err(|e| {
        problem(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "The body is not valid JSON for this call",
            Some(e.to_string()),
        )
    })
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Activate {
    #[serde(rename = "type")]
    job_type: String,
    #[serde(default = "ten")]
    max_jobs: usize,
    /// How long the jobs stay locked to this worker.
    #[serde(default = "five_minutes")]
    timeout_ms: u64,
    /// Long polling: wait this long for jobs to appear before answering with none.
    #[serde(default)]
    request_timeout_ms: u64,
}

fn ten() -> usize {
    10
}
fn five_minutes() -> u64 {
    300_000
}

#[utoipa::path(post, path = "/api/v1/jobs/activate", request_body = Activate, tag = "jobs",
    responses((status = 200, description = "The jobs taken, each locked to this worker for timeoutMs: {\"jobs\": [{key, type, processInstanceKey, elementId, businessKey, retries, variables, customHeaders}]}"),
        (status = 400, body = yagona_core::Problem, content_type = "application/problem+json", description = "The body is not valid JSON for this call"),
        (status = 401, body = yagona_core::Problem, content_type = "application/problem+json", description = "No valid worker token"),
        (status = 403, body = yagona_core::Problem, content_type = "application/problem+json", description = "Not granted to this worker")),
    security(("worker_token" = [])))]
async fn activate(
    State(state): State<Arc<Api>>,
    headers: HeaderMap,
    raw: axum::body::Bytes,
) -> Response {
    let w = match worker(&state, &headers).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let req: Activate = match body(&raw) {
        Ok(r) => r,
        Err(r) => return r,
    };
    if !w.may_work(&req.job_type) {
        return problem(
            StatusCode::FORBIDDEN,
            "job-type-not-granted",
            "This worker may not work this job type",
            Some(req.job_type),
        );
    }
    let max = req.max_jobs.clamp(1, 100);
    let lock = chrono::Duration::milliseconds(req.timeout_ms.clamp(1_000, 86_400_000) as i64);
    let deadline = Instant::now() + Duration::from_millis(req.request_timeout_ms.min(30_000));
    loop {
        let cat = state.catalogue.get().await;
        match engine(&state, &cat.calendar)
            .activate_jobs(&req.job_type, &w.name, max, lock)
            .await
        {
            Ok(jobs) if !jobs.is_empty() || Instant::now() >= deadline => {
                let jobs: Vec<Value> = jobs
                    .into_iter()
                    .map(|j| {
                        json!({
                            "key": format!("{}:{}", j.instance_id, j.wait_id),
                            "type": j.job_type,
                            "processInstanceKey": j.instance_id,
                            "elementId": j.element_id,
                            "businessKey": j.business_key,
                            "retries": j.retries,
                            "variables": j.variables,
                        })
                    })
                    .collect();
                return Json(json!({ "jobs": jobs })).into_response();
            }
            Ok(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(e) => return store_error(e),
        }
    }
}

/// What every call on one job needs: the worker, its right to the job's type, and the body.
struct JobCall<T> {
    worker: Worker,
    instance: String,
    wait: u64,
    req: T,
}

async fn job_call<T: for<'de> Deserialize<'de>>(
    state: &Api,
    headers: &HeaderMap,
    key: &str,
    raw: &[u8],
) -> Result<JobCall<T>, Response> {
    let worker = worker(state, headers).await?;
    let (instance, wait) = granted(state, &worker, key).await?;
    let req = body(raw)?;
    Ok(JobCall {
        worker,
        instance,
        wait,
        req,
    })
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Publish {
    name: String,
    correlation_key: String,
    #[serde(default)]
    #[schema(value_type = Object)]
    variables: Map<String, Value>,
    /// How long, in milliseconds, the message is kept for a wait that opens later when nobody
    /// waits now (Zeebe's `timeToLive`; at most 30 days). 0: not kept.
    #[serde(default)]
    time_to_live: u64,
    /// Makes publishing idempotent while the message is kept: the same id again changes nothing.
    #[serde(default)]
    message_id: Option<String>,
}

/// An agency system tells the processes that something happened (a fee was paid, documents
/// arrived): the message goes to the instance with this correlation key that waits for it, or
/// starts a process with a matching message start event. The worker must be granted
/// `message:NAME` (or `*`).
#[utoipa::path(post, path = "/api/v1/messages", request_body = Publish, tag = "jobs",
    responses((status = 200, description = "{\"outcome\": \"delivered\" | \"started\" | \"already-running\", \"processInstance\": id}, or {\"outcome\": \"buffered\", \"messageKey\": id} when nobody waits yet and timeToLive keeps it"),
        (status = 400, body = yagona_core::Problem, content_type = "application/problem+json", description = "The body is not valid JSON for this call"),
        (status = 401, body = yagona_core::Problem, content_type = "application/problem+json", description = "No valid worker token"),
        (status = 403, body = yagona_core::Problem, content_type = "application/problem+json", description = "Not granted to this worker"),
        (status = 404, body = yagona_core::Problem, content_type = "application/problem+json", description = "No such job, instance or message subscription"),
        (status = 409, body = yagona_core::Problem, content_type = "application/problem+json", description = "Locked by another worker, or changed meanwhile"),
        (status = 422, body = yagona_core::Problem, content_type = "application/problem+json", description = "The process cannot go on with this result; an incident is recorded")),
    security(("worker_token" = [])))]
async fn publish(
    State(state): State<Arc<Api>>,
    headers: HeaderMap,
    raw: axum::body::Bytes,
) -> Response {
    let (worker, req) =
        match granted_send(&state, &headers, &raw, "message", |r: &Publish| &r.name).await {
            Ok(x) => x,
            Err(r) => return r,
        };
    let cat = state.catalogue.get().await;
    let ttl = chrono::Duration::milliseconds(req.time_to_live.min(30 * 86_400_000) as i64);
    let outcome = engine(&state, &cat.calendar)
        .publish(
            &req.name,
            req.correlation_key.trim(),
            req.variables,
            ttl,
            req.message_id
                .as_deref()
                .map(str::trim)
                .filter(|m| !m.is_empty()),
        )
        .await;
    let (kind, id) = match outcome {
        Ok(Correlation::Delivered(id)) => ("delivered", id),
        Ok(Correlation::Started(id)) => ("started", id),
        Ok(Correlation::AlreadyRunning(id)) => ("already-running", id),
        Ok(Correlation::Buffered(id)) => {
            tracing::info!(worker = %worker.name, message = %req.name, "message kept for its time to live");
            return Json(json!({"outcome": "buffered", "messageKey": id})).into_response();
        }
        Ok(Correlation::Unmatched) => {
            return problem(
                StatusCode::NOT_FOUND,
                "no-subscriber",
                "Nothing waits for this message",
                Some(format!(
                    "no instance with correlation key {:?} waits for {:?}, and no process starts with it",
                    req.correlation_key, req.name
                )),
            )
        }
        Err(e) => return store_error(e),
    };
    tracing::info!(worker = %worker.name, message = %req.name, outcome = kind, "message published");
    Json(json!({"outcome": kind, "processInstance": id})).into_response()
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Complete {
    #[serde(default)]
    #[schema(value_type = Object)]
    variables: Map<String, Value>,
}

#[utoipa::path(post, path = "/api/v1/jobs/{key}/complete", request_body = Complete, tag = "jobs", params(("key" = String, Path, description = "INSTANCE:WAIT as activate gave it")),
    responses((status = 204, description = "Done; the process went on"),
        (status = 400, body = yagona_core::Problem, content_type = "application/problem+json", description = "The body is not valid JSON for this call"),
        (status = 401, body = yagona_core::Problem, content_type = "application/problem+json", description = "No valid worker token"),
        (status = 403, body = yagona_core::Problem, content_type = "application/problem+json", description = "Not granted to this worker"),
        (status = 404, body = yagona_core::Problem, content_type = "application/problem+json", description = "No such job, instance or message subscription"),
        (status = 409, body = yagona_core::Problem, content_type = "application/problem+json", description = "Locked by another worker, or changed meanwhile"),
        (status = 422, body = yagona_core::Problem, content_type = "application/problem+json", description = "The process cannot go on with this result; an incident is recorded")),
    security(("worker_token" = [])))]
async fn complete(
    State(state): State<Arc<Api>>,
    headers: HeaderMap,
    Path(key): Path<String>,
    raw: axum::body::Bytes,
) -> Response {
    let c: JobCall<Complete> = match job_call(&state, &headers, &key, &raw).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let cat = state.catalogue.get().await;
    match engine(&state, &cat.calendar)
        .complete_job(&c.instance, c.wait, &c.worker.name, c.req.variables)
        .await
    {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => store_error(e),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Fail {
    #[serde(default)]
    error_message: String,
    #[serde(default)]
    retry_back_off_ms: u64,
}

#[utoipa::path(post, path = "/api/v1/jobs/{key}/fail", request_body = Fail, tag = "jobs", params(("key" = String, Path, description = "INSTANCE:WAIT as activate gave it")),
    responses((status = 200, description = "{\"retries\": n}: offered again after the back-off while retries are left; an incident at zero"),
        (status = 400, body = yagona_core::Problem, content_type = "application/problem+json", description = "The body is not valid JSON for this call"),
        (status = 401, body = yagona_core::Problem, content_type = "application/problem+json", description = "No valid worker token"),
        (status = 403, body = yagona_core::Problem, content_type = "application/problem+json", description = "Not granted to this worker"),
        (status = 404, body = yagona_core::Problem, content_type = "application/problem+json", description = "No such job, instance or message subscription"),
        (status = 409, body = yagona_core::Problem, content_type = "application/problem+json", description = "Locked by another worker, or changed meanwhile"),
        (status = 422, body = yagona_core::Problem, content_type = "application/problem+json", description = "The process cannot go on with this result; an incident is recorded")),
    security(("worker_token" = [])))]
async fn fail(
    State(state): State<Arc<Api>>,
    headers: HeaderMap,
    Path(key): Path<String>,
    raw: axum::body::Bytes,
) -> Response {
    let c: JobCall<Fail> = match job_call(&state, &headers, &key, &raw).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let backoff = chrono::Duration::milliseconds(c.req.retry_back_off_ms.min(86_400_000) as i64);
    let cat = state.catalogue.get().await;
    match engine(&state, &cat.calendar)
        .fail_job(
            &c.instance,
            c.wait,
            &c.worker.name,
            &c.req.error_message,
            backoff,
        )
        .await
    {
        Ok(left) => Json(json!({ "retries": left, "incident": left <= 0 })).into_response(),
        Err(e) => store_error(e),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ThrowError {
    error_code: String,
    #[serde(default)]
    error_message: String,
}

#[utoipa::path(post, path = "/api/v1/jobs/{key}/throw-error", request_body = ThrowError, tag = "jobs", params(("key" = String, Path, description = "INSTANCE:WAIT as activate gave it")),
    responses((status = 204, description = "Caught where the model says"),
        (status = 400, body = yagona_core::Problem, content_type = "application/problem+json", description = "The body is not valid JSON for this call"),
        (status = 401, body = yagona_core::Problem, content_type = "application/problem+json", description = "No valid worker token"),
        (status = 403, body = yagona_core::Problem, content_type = "application/problem+json", description = "Not granted to this worker"),
        (status = 404, body = yagona_core::Problem, content_type = "application/problem+json", description = "No such job, instance or message subscription"),
        (status = 409, body = yagona_core::Problem, content_type = "application/problem+json", description = "Locked by another worker, or changed meanwhile"),
        (status = 422, body = yagona_core::Problem, content_type = "application/problem+json", description = "The process cannot go on with this result; an incident is recorded")),
    security(("worker_token" = [])))]
async fn throw_error(
    State(state): State<Arc<Api>>,
    headers: HeaderMap,
    Path(key): Path<String>,
    raw: axum::body::Bytes,
) -> Response {
    let c: JobCall<ThrowError> = match job_call(&state, &headers, &key, &raw).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    tracing::info!(worker = %c.worker.name, job = %key, code = %c.req.error_code, message = %c.req.error_message, "BPMN error thrown by a worker");
    let cat = state.catalogue.get().await;
    match engine(&state, &cat.calendar)
        .throw_error(&c.instance, c.wait, &c.worker.name, &c.req.error_code)
        .await
    {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => store_error(e),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Broadcast {
    name: String,
    #[serde(default)]
    #[schema(value_type = Object)]
    variables: Map<String, Value>,
}

/// An agency system tells every process waiting for it that something happened to all (an
/// unscheduled day off, a register back online): every signal catch event open now is
/// triggered, by the background loop. The worker must be granted `signal:NAME` (or `*`).
#[utoipa::path(post, path = "/api/v1/signals", request_body = Broadcast, tag = "jobs",
    responses((status = 200, description = "{\"signalKey\": id}: broadcast"),
        (status = 400, body = yagona_core::Problem, content_type = "application/problem+json", description = "The body is not valid JSON for this call"),
        (status = 401, body = yagona_core::Problem, content_type = "application/problem+json", description = "No valid worker token"),
        (status = 403, body = yagona_core::Problem, content_type = "application/problem+json", description = "Not granted to this worker"),
        (status = 409, body = yagona_core::Problem, content_type = "application/problem+json", description = "Locked by another worker, or changed meanwhile"),
        (status = 422, body = yagona_core::Problem, content_type = "application/problem+json", description = "The process cannot go on with this result; an incident is recorded")),
    security(("worker_token" = [])))]
async fn broadcast(
    State(state): State<Arc<Api>>,
    headers: HeaderMap,
    raw: axum::body::Bytes,
) -> Response {
    let (worker, req) =
        match granted_send(&state, &headers, &raw, "signal", |r: &Broadcast| &r.name).await {
            Ok(x) => x,
            Err(r) => return r,
        };
    if req.name.trim().is_empty() {
        return problem(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "A signal needs a name",
            None,
        );
    }
    match store(&state)
        .broadcast(req.name.trim(), req.variables)
        .await
    {
        Ok(id) => {
            tracing::info!(worker = %worker.name, signal = %req.name, "signal broadcast");
            Json(json!({"signalKey": id})).into_response()
        }
        Err(e) => store_error(e),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct AdHocElement {
    element_id: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct AdHocActivation {
    elements: Vec<AdHocElement>,
}

/// Starts elements of a running ad-hoc sub-process, as Camunda's "activate activities within an
/// ad-hoc sub-process": an agency system (or an officer's tool) decides what happens next. The
/// worker must be granted `ad-hoc:ELEMENT` (the sub-process's id) or `*`. Elements the
/// sub-process does not have are refused and nothing starts.
#[utoipa::path(post, path = "/api/v1/process-instances/{instance}/ad-hoc-activities/{ad_hoc}/activation",
    request_body = AdHocActivation, tag = "jobs",
    params(("instance" = String, Path, description = "the process instance"),
           ("ad_hoc" = String, Path, description = "the ad-hoc sub-process's element id")),
    responses((status = 204, description = "the elements started"),
        (status = 400, body = yagona_core::Problem, content_type = "application/problem+json", description = "The body is not valid JSON for this call"),
        (status = 401, body = yagona_core::Problem, content_type = "application/problem+json", description = "No valid worker token"),
        (status = 403, body = yagona_core::Problem, content_type = "application/problem+json", description = "Not granted to this worker"),
        (status = 404, body = yagona_core::Problem, content_type = "application/problem+json", description = "No such job, instance or message subscription"),
        (status = 409, body = yagona_core::Problem, content_type = "application/problem+json", description = "Locked by another worker, or changed meanwhile"),
        (status = 422, body = yagona_core::Problem, content_type = "application/problem+json", description = "The process cannot go on with this result; an incident is recorded")),
    security(("worker_token" = [])))]
async fn activate_ad_hoc(
    State(state): State<Arc<Api>>,
    headers: HeaderMap,
    Path((instance, ad_hoc)): Path<(String, String)>,
    raw: axum::body::Bytes,
) -> Response {
    let worker = match worker(&state, &headers).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let grant = format!("ad-hoc:{ad_hoc}");
    if !worker.may_work(&grant) {
        return problem(
            StatusCode::FORBIDDEN,
            "forbidden",
            "This worker may not start elements of this ad-hoc sub-process",
            Some(format!("grant it {grant} with yagona worker create")),
        );
    }
    let req: AdHocActivation = match body(&raw) {
        Ok(r) => r,
        Err(r) => return r,
    };
    if req.elements.is_empty() {
        return problem(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "Name at least one element to start",
            None,
        );
    }
    let ids: Vec<String> = req.elements.into_iter().map(|e| e.element_id).collect();
    let cat = state.catalogue.get().await;
    match engine(&state, &cat.calendar)
        .activate_ad_hoc(&instance, &ad_hoc, &ids, Some(&worker.name))
        .await
    {
        Ok(_) => {
            tracing::info!(worker = %worker.name, %instance, %ad_hoc, elements = ?ids, "ad-hoc elements started");
            StatusCode::NO_CONTENT.into_response()
        }
        Err(StoreError::NoInstance(_)) => problem(
            StatusCode::NOT_FOUND,
            "not-found",
            "No such process instance",
            None,
        ),
        Err(StoreError::Engine(e @ EngineError::AdHoc { .. })) => problem(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "These elements cannot be started",
            Some(e.to_string()),
        ),
        Err(e) => store_error(e),
    }
}

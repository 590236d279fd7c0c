//! GovStack Registration Building Block API (`registration-api.json` 0.1.1 and
//! `registration-statistics-api.json` 1.0.0) under `/govstack/registration/`, backed by the same
//! registry, applications and process tasks as the portal and the officers' inbox.
//!
//! Mapping: a GovStack *service* is a registry service (`serviceId` = its code); an *e-form* is
//! one published version of its form (`eFormId` = `code@version`); an *application file* is an
//! application (`fileId` = its reference number); a *task* is an open user task of its process
//! (`taskId` = `reference.wait`). Who is asking is the signed-in session as everywhere: a
//! citizen files and reads only their own applications (`applicantId` = their PINFL), an officer
//! reads their agency's applications and works its tasks. Every call must name its calling
//! system in `Information-Mediator-Client` (INSTANCE/CLASS/MEMBER/SUBSYSTEM), as the building
//! block requires; a browser cannot add that header to a cross-site request, so it also keeps
//! forged requests out. Errors are RFC 9457 problem documents.

use crate::api::{not_found, problem};
use crate::context::Ctx;
use crate::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use yagona_applications::process::{review_errors, review_schema, APPLICANT_GROUP, REVIEW_FORM};
use yagona_applications::{
    Action, Actor, Application, ApplicationError, ApplicationStore, Decision, InboxFilter, Status,
    Viewer,
};
use yagona_core::{Locale, ReferenceNumber};
use yagona_registry::{Catalogue, RegistryStore, Service};

const BASE: &str = "/govstack/registration";

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(&format!("{BASE}/services"), get(list_services))
        .route(&format!("{BASE}/services/{{service}}"), get(get_service))
        .route(
            &format!("{BASE}/services/{{service}}/eForms"),
            get(list_eforms),
        )
        .route(&format!("{BASE}/eForms/{{eform}}"), get(get_eform))
        .route(
            &format!("{BASE}/services/{{service}}/applications"),
            post(create_application),
        )
        .route(&format!("{BASE}/documents"), post(upload_document))
        .route(&format!("{BASE}/applications"), get(list_applications))
        .route(
            &format!("{BASE}/applications/{{file}}"),
            get(get_application).put(update_application),
        )
        .route(&format!("{BASE}/tasks"), get(list_tasks))
        .route(&format!("{BASE}/tasks/{{task}}"), get(get_task))
        .route(
            &format!("{BASE}/tasks/{{task}}/complete"),
            post(complete_task),
        )
        .route(&format!("{BASE}/data/statistics"), get(statistics))
        .route(&format!("{BASE}/{{*rest}}"), axum::routing::any(unknown))
        .route_layer(axum::middleware::from_fn(require_mediator))
}

/// Every call names its calling system, or is answered with a problem and nothing else.
async fn require_mediator(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match mediator_client(request.headers()) {
        Ok(client) => {
            tracing::debug!(%client, path = %request.uri().path(), "govstack registration call");
            next.run(request).await
        }
        Err(r) => r,
    }
}

type JsonBody<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

/// The request's JSON body, or a problem naming what is wrong with it.
fn body<T>(b: JsonBody<T>) -> Result<T, Response> {
    b.map(|Json(v)| v)
        .map_err(|e| invalid(e.body_text(), json!([])))
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

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "govstack registration API");
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "Something went wrong on our side",
        None,
    )
}

/// 422 with the failed fields named, as the portal's error summary does.
fn invalid(detail: String, errors: Value) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        [(axum::http::header::CONTENT_TYPE, "application/problem+json")],
        Json(json!({
            "type": "https://yagona.uz/problems/invalid-data",
            "title": "The data is not valid",
            "status": 422,
            "detail": detail,
            "errors": errors,
        })),
    )
        .into_response()
}

fn store_error(e: ApplicationError) -> Response {
    match e {
        ApplicationError::NotFound => not_found("application file"),
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
        ApplicationError::CommentRequired => invalid(
            "a reason is required to reject or send back".into(),
            json!([{"field": "comment", "rule": "required"}]),
        ),
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

#[derive(Deserialize, Default)]
struct NameQuery {
    #[serde(default)]
    name: String,
}

async fn list_services(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Query(q): Query<NameQuery>,
) -> Response {
    let cat = state.catalogue().await;
    let out: Vec<Value> = if q.name.trim().is_empty() {
        cat.services()
            .iter()
            .map(|s| service_out(&cat, s, ctx.locale))
            .collect()
    } else {
        cat.search(q.name.trim(), 100)
            .iter()
            .map(|h| service_out(&cat, h.service, ctx.locale))
            .collect()
    };
    ok(json!(out))
}

async fn get_service(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Path(service): Path<String>,
) -> Response {
    let cat = state.catalogue().await;
    match cat.service(&service) {
        Some(s) => ok(service_out(&cat, s, ctx.locale)),
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

async fn list_eforms(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Path(service): Path<String>,
) -> Response {
    let cat = state.catalogue().await;
    let (Some(s), Some(v)) = (cat.service(&service), cat.service_version(&service)) else {
        return not_found("service");
    };
    ok(json!([eform_item(s, v, true, ctx.locale)]))
}

async fn get_eform(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Path(eform): Path<String>,
) -> Response {
    let Some((code, version)) = eform
        .split_once('@')
        .and_then(|(c, v)| Some((c, v.parse::<i64>().ok()?)))
    else {
        return not_found("e-form");
    };
    let cat = state.catalogue().await;
    match (RegistryStore { db: &state.db })
        .service_version(code, version)
        .await
    {
        Ok(Some(sv)) => {
            let latest = cat.service_version(code) == Some(version);
            let mut out = eform_item(&sv.service, version, latest, ctx.locale);
            out["schema"] = sv.service.form.schema.clone();
            ok(out)
        }
        Ok(None) => not_found("e-form"),
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileSubmit {
    applicant_id: String,
    #[serde(default)]
    form_data: Option<FormData>,
    #[serde(default)]
    document_urls: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct FormData {
    #[serde(default)]
    data: Map<String, Value>,
    #[serde(default)]
    e_form_id: Option<String>,
}

/// A staged document named by its URL (as `POST /documents` returned it) or its id.
fn staged_id(v: &str) -> &str {
    v.rsplit('/').next().unwrap_or(v)
}

fn file_out(cat: &Catalogue, a: &Application, l: Locale) -> Value {
    json!({
        "fileId": a.reference,
        "applicantId": a.applicant_pinfl,
        "registered": a.submitted_at,
        "serviceId": a.service_code,
        "serviceName": cat.service(&a.service_code).map(|s| s.passport.name.get(l).to_owned()),
        "status": status_model(a.status),
        "ended": a.status.is_final(),
        "applicationData": {
            "applicantId": a.applicant_pinfl,
            "applicationName": a.applicant_name,
            "created": a.created_at,
            "formData": {"eFormId": format!("{}@{}", a.service_code, a.service_version), "data": a.answers},
        },
    })
}

fn citizen(ctx: &Ctx) -> Option<Actor> {
    let u = ctx.citizen()?;
    Some(Actor::Applicant {
        pinfl: u.pinfl.as_ref()?.as_str().to_owned(),
        name: u.name.clone(),
    })
}

/// Fills the application's answers and staged documents, then submits it: the portal's path.
/// The answers are checked against the form first, so invalid data creates nothing.
async fn file_application(
    state: &AppState,
    applicant: &Actor,
    service: &Service,
    version: i64,
    data: Map<String, Value>,
    existing: Option<&Application>,
) -> Result<Application, Response> {
    let cat = state.catalogue().await;
    let store = ApplicationStore { db: &state.db };
    let form = &service.form;
    let compiled = form.compile().map_err(internal)?;
    let errors = compiled.validate(&data);
    if !errors.is_empty() {
        let list: Vec<Value> = errors
            .iter()
            .map(|e| json!({"field": e.field, "rule": e.keyword}))
            .collect();
        return Err(invalid(
            "formData.data does not satisfy the e-form's schema".into(),
            json!(list),
        ));
    }
    // Every document must be one this applicant staged.
    let mut uploads = Vec::new();
    let mut answers = data.clone();
    for f in form.steps().iter().flat_map(|s| &s.fields) {
        if f.widget != yagona_forms::Widget::File {
            continue;
        }
        let Some(Value::String(v)) = data.get(&f.name) else {
            continue;
        };
        if existing.is_some_and(|a| a.answers.get(&f.name) == Some(&Value::String(v.clone()))) {
            continue; // the document already attached
        }
        match store
            .staged(applicant.id(), staged_id(v), &f.name)
            .await
            .map_err(store_error)?
        {
            Some(u) => uploads.push((staged_id(v).to_owned(), u)),
            None => {
                return Err(invalid(
                    format!("{}: no document uploaded with this URL", f.name),
                    json!([{"field": f.name, "rule": "document"}]),
                ))
            }
        }
        answers.remove(&f.name);
    }
    let app = match existing {
        Some(a) => a.clone(),
        None => store
            .create_draft(
                applicant,
                service.passport.code.as_str(),
                version,
                service.passport.agency.as_str(),
            )
            .await
            .map_err(store_error)?,
    };
    store
        .save_answers(&app.reference, applicant, answers)
        .await
        .map_err(store_error)?;
    for (id, upload) in uploads {
        store
            .attach(&app.reference, applicant, form, upload)
            .await
            .map_err(store_error)?;
        store
            .unstage(applicant.id(), &id)
            .await
            .map_err(store_error)?;
    }
    store
        .submit(
            &app.reference,
            applicant,
            form,
            &cat.calendar,
            service.passport.deadline_working_days,
        )
        .await
        .map_err(|e| match e {
            ApplicationError::Invalid(errors) => invalid(
                "the application is not complete".into(),
                json!(errors
                    .iter()
                    .map(|e| json!({"field": e.field, "rule": e.keyword}))
                    .collect::<Vec<_>>()),
            ),
            other => store_error(other),
        })
}

async fn create_application(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Path(service): Path<String>,
    payload: JsonBody<FileSubmit>,
) -> Response {
    let Some(applicant) = citizen(&ctx) else {
        return unauthorized("the applicant (a citizen)");
    };
    let body = match body(payload) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if body.applicant_id != applicant.id() {
        return problem(
            StatusCode::FORBIDDEN,
            "forbidden",
            "You may apply only for yourself",
            Some("applicantId must be your own PINFL".into()),
        );
    }
    let cat = state.catalogue().await;
    let (Some(s), Some(version)) = (cat.service(&service), cat.service_version(&service)) else {
        return not_found("service");
    };
    let form = body.form_data.unwrap_or_default();
    if let Some(id) = &form.e_form_id {
        if *id != format!("{service}@{version}") {
            return problem(
                StatusCode::CONFLICT,
                "eform-outdated",
                "The e-form has a newer version",
                Some(format!("fill in e-form {service}@{version}")),
            );
        }
    }
    let mut data = form.data;
    // documentUrls without a field: given to the form's file fields in order.
    let mut urls = body.document_urls.into_iter();
    for f in s.form.steps().iter().flat_map(|s| &s.fields) {
        if f.widget == yagona_forms::Widget::File && !data.contains_key(&f.name) {
            if let Some(u) = urls.next() {
                data.insert(f.name.clone(), Value::String(u));
            }
        }
    }
    match file_application(&state, &applicant, s, version, data, None).await {
        Ok(app) => ok(file_out(&cat, &app, ctx.locale)),
        Err(r) => r,
    }
}

async fn upload_document(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let Some(applicant) = citizen(&ctx) else {
        return unauthorized("the applicant (a citizen)");
    };
    let bad = |detail: String| {
        problem(
            StatusCode::BAD_REQUEST,
            "bad-upload",
            "Bad request, file upload failed",
            Some(detail),
        )
    };
    let mut mp = match multipart {
        Ok(m) => m,
        Err(e) => return bad(e.body_text()),
    };
    let mut file = None;
    loop {
        match mp.next_field().await {
            Ok(Some(f)) if f.name() == Some("file") => {
                let name = f.file_name().unwrap_or("document").to_owned();
                match f.bytes().await {
                    Ok(b) => file = Some((name, b.to_vec())),
                    Err(e) => return bad(e.body_text()),
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => return bad(e.body_text()),
        }
    }
    let Some((file_name, bytes)) = file else {
        return bad("send the document as the multipart field `file`".into());
    };
    match (ApplicationStore { db: &state.db })
        .stage(applicant.id(), &file_name, &bytes)
        .await
    {
        Ok(id) => ok(json!({
            "code": 200, "type": "document", "message": "uploaded",
            "url": format!("{BASE}/documents/{id}"),
        })),
        Err(e) => store_error(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    #[serde(default)]
    service_id: Option<String>,
    #[serde(default)]
    applicant_id: Option<String>,
    #[serde(default)]
    file_id: Option<String>,
    #[serde(default)]
    assignee_id: Option<String>,
    #[serde(default)]
    first_result: Option<usize>,
    #[serde(default)]
    max_result: Option<usize>,
    #[serde(default)]
    sort_order: Option<String>,
}

impl ListQuery {
    fn page<T>(&self, mut items: Vec<T>) -> Vec<T> {
        if self
            .sort_order
            .as_deref()
            .is_some_and(|o| o.eq_ignore_ascii_case("desc"))
        {
            items.reverse();
        }
        items
            .into_iter()
            .skip(self.first_result.unwrap_or(0))
            .take(self.max_result.unwrap_or(100).min(500))
            .collect()
    }
}

async fn list_applications(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Response {
    let store = ApplicationStore { db: &state.db };
    let apps = if let Some(a) = citizen(&ctx) {
        store.list_for_applicant(a.id()).await
    } else if let Some((_, agency)) = ctx.officer() {
        store
            .list_for_agency(agency, &yagona_applications::OfficerFilter::default())
            .await
    } else {
        return unauthorized("a citizen or an officer");
    };
    let apps = match apps {
        Ok(a) => a,
        Err(e) => return store_error(e),
    };
    let cat = state.catalogue().await;
    let l = ctx.locale;
    let rows: Vec<Value> = apps
        .iter()
        .filter(|a| a.status != Status::Draft)
        .filter(|a| q.service_id.as_ref().is_none_or(|s| *s == a.service_code))
        .filter(|a| q.applicant_id.as_ref().is_none_or(|p| *p == a.applicant_pinfl))
        .map(|a| {
            json!({
                "fileId": a.reference,
                "status": status_model(a.status),
                "applicantId": a.applicant_pinfl,
                "created": a.created_at,
                "registered": a.submitted_at,
                "serviceId": a.service_code,
                "serviceName": cat.service(&a.service_code).map(|s| s.passport.name.get(l).to_owned()),
                "eformId": format!("{}@{}", a.service_code, a.service_version),
                "taskTitle": a.current_step.as_ref().and_then(|s| crate::view::step_label(l, s)),
                "roleId": a.holder_agency,
                "operatorName": a.officer_name,
            })
        })
        .collect();
    ok(json!(q.page(rows)))
}

/// The application file with this reference, if the caller may see it.
async fn visible(state: &AppState, ctx: &Ctx, file: &str) -> Result<Application, Response> {
    let viewer = if let Some(u) = ctx.citizen() {
        Viewer::Applicant(u.pinfl.as_ref().map(|p| p.as_str()).unwrap_or_default())
    } else if let Some((_, agency)) = ctx.officer() {
        Viewer::Agency(agency)
    } else {
        return Err(unauthorized("a citizen or an officer"));
    };
    let Ok(reference) = ReferenceNumber::parse(file) else {
        return Err(not_found("application file"));
    };
    match (ApplicationStore { db: &state.db })
        .get(reference.as_str(), viewer)
        .await
    {
        Ok(Some(a)) => Ok(a),
        Ok(None) => Err(not_found("application file")),
        Err(e) => Err(store_error(e)),
    }
}

async fn get_application(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Path(file): Path<String>,
) -> Response {
    match visible(&state, &ctx, &file).await {
        Ok(a) => ok(file_out(&*state.catalogue().await, &a, ctx.locale)),
        Err(r) => r,
    }
}

/// The applicant corrects an application file that was sent back, and sends it again.
async fn update_application(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Path(file): Path<String>,
    payload: JsonBody<FileSubmit>,
) -> Response {
    let Some(applicant) = citizen(&ctx) else {
        return problem(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Only the applicant changes an application file",
            Some("operators record their input by completing their task: POST /tasks/{taskId}/complete".into()),
        );
    };
    let app = match visible(&state, &ctx, &file).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let body = match body(payload) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if body.applicant_id != applicant.id() {
        return problem(
            StatusCode::FORBIDDEN,
            "forbidden",
            "applicantId must be your own PINFL",
            None,
        );
    }
    if app.status != Status::Returned {
        return problem(
            StatusCode::CONFLICT,
            "not-sent-back",
            "Only an application file sent back for correction can be changed",
            Some(format!("its status is {}", app.status.code())),
        );
    }
    let sv = match (RegistryStore { db: &state.db })
        .service_version(&app.service_code, app.service_version)
        .await
    {
        Ok(Some(sv)) => sv,
        Ok(None) => return not_found("service"),
        Err(e) => return internal(e),
    };
    let mut data = app.answers.clone();
    data.extend(body.form_data.unwrap_or_default().data);
    match file_application(
        &state,
        &applicant,
        &sv.service,
        sv.version,
        data,
        Some(&app),
    )
    .await
    {
        Ok(done) => ok(file_out(&*state.catalogue().await, &done, ctx.locale)),
        Err(r) => r,
    }
}

/// `REFERENCE.INSTANCE:WAIT`: the application file and the task's key within its processes.
fn task_id(reference: &str, task: &yagona_applications::UserTask) -> String {
    format!("{reference}.{}", task.key())
}

async fn list_tasks(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some((user, agency)) = ctx.officer() else {
        return unauthorized("an officer");
    };
    let filter = InboxFilter {
        query: q.file_id.clone(),
        ..Default::default()
    };
    let items = match (ApplicationStore { db: &state.db })
        .inbox(agency, &user.id, &filter)
        .await
    {
        Ok(i) => i,
        Err(e) => return store_error(e),
    };
    let cat = state.catalogue().await;
    let l = ctx.locale;
    let rows: Vec<Value> = items
        .iter()
        .filter(|i| q.assignee_id.as_ref().is_none_or(|a| i.task.assignee.as_ref() == Some(a)))
        .map(|i| {
            let a = &i.application;
            json!({
                "taskId": task_id(&a.reference, &i.task),
                "mainTaskId": a.process_instance,
                "name": crate::view::step_label(l, &i.task.label).unwrap_or_else(|| i.task.element_id.clone()),
                "assigneeId": i.task.assignee,
                "roleId": agency,
                "created": i.task.created_at,
                "serviceId": a.service_code,
                "serviceName": cat.service(&a.service_code).map(|s| s.passport.name.get(l).to_owned()),
                "fileId": a.reference,
                "eFormId": i.task.form_key,
                "status": status_model(a.status),
            })
        })
        .collect();
    ok(json!(q.page(rows)))
}

/// The task's own form from the application's service version, if it has one.
async fn task_form(
    state: &AppState,
    app: &Application,
    t: &yagona_applications::UserTask,
) -> Result<Option<yagona_forms::FormDefinition>, Response> {
    let Some(key) = t.form_key.as_deref().filter(|k| !k.starts_with("yagona:")) else {
        return Ok(None);
    };
    match (RegistryStore { db: &state.db })
        .service_version(&app.service_code, app.service_version)
        .await
    {
        Ok(Some(sv)) => Ok(sv.service.task_forms.get(key).cloned()),
        Ok(None) => Ok(None),
        Err(e) => Err(internal(e)),
    }
}

/// A task form's schema with the decision and comment every review records.
fn with_decision(schema: &Value) -> Value {
    let mut s = schema.clone();
    let review = review_schema();
    if let (Some(props), Some(extra)) = (
        s.get_mut("properties").and_then(Value::as_object_mut),
        review["properties"].as_object(),
    ) {
        for (k, v) in extra {
            props.insert(k.clone(), v.clone());
        }
    }
    if let Some(req) = s.get_mut("required").and_then(Value::as_array_mut) {
        req.push(json!("decision"));
    } else {
        s["required"] = json!(["decision"]);
    }
    s
}

/// The officer's task with this id, with its application.
async fn officer_task(
    state: &AppState,
    ctx: &Ctx,
    task: &str,
) -> Result<(Application, yagona_applications::UserTask), Response> {
    let Some((_, agency)) = ctx.officer() else {
        return Err(unauthorized("an officer"));
    };
    let Some((file, key)) = task.split_once('.') else {
        return Err(not_found("task"));
    };
    let app = visible(state, ctx, file).await?;
    let cat = state.catalogue().await;
    let tasks = (ApplicationStore { db: &state.db })
        .tasks_for(&app, agency, &cat.calendar)
        .await
        .map_err(store_error)?;
    let t = tasks
        .into_iter()
        .find(|t| t.key() == key && !t.candidate_groups.iter().any(|g| g == APPLICANT_GROUP))
        .ok_or_else(|| not_found("task"))?;
    Ok((app, t))
}

async fn get_task(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Path(task): Path<String>,
) -> Response {
    let (app, t) = match officer_task(&state, &ctx, &task).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let cat = state.catalogue().await;
    let l = ctx.locale;
    ok(json!({
        "taskId": task_id(&app.reference, &t),
        "taskName": crate::view::step_label(l, &t.label).unwrap_or_else(|| t.element_id.clone()),
        "assigneeId": t.assignee,
        "roleId": ctx.officer().map(|(_, a)| a),
        "created": t.created_at,
        "fileId": app.reference,
        "serviceId": app.service_code,
        "serviceName": cat.service(&app.service_code).map(|s| s.passport.name.get(l).to_owned()),
        "eFormId": t.form_key,
        "formVariables": match task_form(&state, &app, &t).await {
            Ok(Some(tf)) => with_decision(&tf.schema),
            Ok(None) => review_schema(),
            Err(r) => return r,
        },
        "status": status_model(app.status),
        "data": app.answers,
    }))
}

#[derive(Deserialize)]
struct Completion {
    #[serde(default)]
    data: Map<String, Value>,
}

/// Completes a review task with `data` = `{decision, comment}` (the task's form, checked
/// against its JSON Schema), exactly as the officer's page does.
async fn complete_task(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Path(task): Path<String>,
    payload: JsonBody<Completion>,
) -> Response {
    let (app, t) = match officer_task(&state, &ctx, &task).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let body = match body(payload) {
        Ok(b) => b,
        Err(r) => return r,
    };
    // The decision (the review form) and, for a task with a form of its own, what it records.
    let task_form = match task_form(&state, &app, &t).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    if task_form.is_none() && t.form_key.as_deref().is_some_and(|k| k != REVIEW_FORM) {
        return problem(
            StatusCode::CONFLICT,
            "unknown-task-form",
            "This task's form cannot be completed through this API",
            t.form_key.clone(),
        );
    }
    let mut recorded = body.data;
    let mut review = Map::new();
    for k in ["decision", "comment"] {
        if let Some(v) = recorded.remove(k) {
            review.insert(k.to_owned(), v);
        }
    }
    let data = Value::Object(review);
    let mut errors: Vec<Value> = review_errors(&data)
        .into_iter()
        .map(|(field, rule)| json!({"field": field, "rule": rule}))
        .collect();
    if let Some(tf) = &task_form {
        match tf.compile() {
            Ok(c) => errors.extend(
                c.validate(&recorded)
                    .iter()
                    .map(|e| json!({"field": e.field, "rule": e.keyword})),
            ),
            Err(e) => return internal(e),
        }
    } else if !recorded.is_empty() {
        errors.push(json!({"field": "data", "rule": "additionalProperties"}));
    }
    if !errors.is_empty() {
        return invalid(
            "data does not satisfy the task's form".into(),
            json!(errors),
        );
    }
    let Some(action) = data["decision"].as_str().and_then(Action::parse) else {
        return invalid("decision".into(), json!([]));
    };
    let (user, agency) = ctx.officer().expect("checked by officer_task");
    let officer = Actor::Officer {
        user_id: user.id.clone(),
        name: user.name.clone(),
        agency: agency.to_owned(),
    };
    let cat = state.catalogue().await;
    let decision = Decision {
        action,
        comment: data["comment"].as_str().map(str::to_owned),
        result: None,
        data: recorded,
    };
    match (ApplicationStore { db: &state.db })
        .decide(&app.reference, &officer, &t.key(), decision, &cat.calendar)
        .await
    {
        Ok(done) => ok(json!({
            "taskId": task,
            "fileId": done.reference,
            "serviceId": done.service_code,
            "status": status_model(done.status),
            "variables": {"data": data},
        })),
        Err(e) => store_error(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct StatsQuery {
    start_date: Option<String>,
    end_date: Option<String>,
    registration_name: Option<String>,
    operator: Option<String>,
    role: Option<String>,
    timeframe: Option<String>,
}

/// Officers' decisions (approved, sent back, rejected), per period if asked. Open to anyone:
/// aggregate figures only, no person is named but the operator asked about.
async fn statistics(State(state): State<Arc<AppState>>, Query(q): Query<StatsQuery>) -> Response {
    let date = |s: &Option<String>| -> Result<Option<chrono::NaiveDate>, Response> {
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
    let (start, end) = match (date(&q.start_date), date(&q.end_date)) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let timeframe = q.timeframe.as_deref().unwrap_or("");
    if !["", "day", "week", "month", "year"].contains(&timeframe) {
        return problem(
            StatusCode::BAD_REQUEST,
            "invalid-timeframe",
            "Invalid input supplied",
            Some("timeframe is one of day, week, month, year".into()),
        );
    }
    let cat = state.catalogue().await;
    // registrationName: a service's code or its name in any language.
    let service = q
        .registration_name
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|n| {
            cat.services()
                .iter()
                .find(|s| s.passport.code.as_str() == n || s.passport.name.all().contains(&n))
                .map(|s| s.passport.code.to_string())
                .unwrap_or_else(|| n.to_owned())
        });
    let rows = match (ApplicationStore { db: &state.db })
        .decisions(
            service.as_deref(),
            q.operator.as_deref().filter(|s| !s.is_empty()),
            q.role.as_deref().filter(|s| !s.is_empty()),
        )
        .await
    {
        Ok(r) => r,
        Err(e) => return internal(e),
    };
    use chrono::Datelike;
    let mut buckets: std::collections::BTreeMap<(chrono::NaiveDate, chrono::NaiveDate), [i64; 3]> =
        Default::default();
    for (at, action) in &rows {
        let Some(t) = yagona_core::parse_timestamp(at) else {
            continue;
        };
        let day = yagona_core::tashkent_date(&t);
        if start.is_some_and(|s| day < s) || end.is_some_and(|e| day > e) {
            continue;
        }
        let span = match timeframe {
            "day" => (day, day),
            "week" => {
                let monday =
                    day - chrono::Duration::days(day.weekday().num_days_from_monday() as i64);
                (monday, monday + chrono::Duration::days(6))
            }
            "month" => {
                let first = day.with_day(1).unwrap_or(day);
                let next = first
                    .checked_add_months(chrono::Months::new(1))
                    .unwrap_or(first);
                (first, next.pred_opt().unwrap_or(first))
            }
            "year" => (
                chrono::NaiveDate::from_ymd_opt(day.year(), 1, 1).unwrap_or(day),
                chrono::NaiveDate::from_ymd_opt(day.year(), 12, 31).unwrap_or(day),
            ),
            _ => (
                start.unwrap_or(chrono::NaiveDate::MIN),
                end.unwrap_or(chrono::NaiveDate::MAX),
            ),
        };
        let b = buckets.entry(span).or_default();
        match action.as_str() {
            "approve" => b[0] += 1,
            "return" => b[1] += 1,
            _ => b[2] += 1,
        }
    }
    if buckets.is_empty() {
        buckets.insert(
            (
                start.unwrap_or(chrono::NaiveDate::MIN),
                end.unwrap_or(chrono::NaiveDate::MAX),
            ),
            [0; 3],
        );
    }
    let show = |d: chrono::NaiveDate| {
        (d != chrono::NaiveDate::MIN && d != chrono::NaiveDate::MAX).then(|| d.to_string())
    };
    let out: Vec<Value> = buckets
        .into_iter()
        .map(|((from, to), [approved, sent_back, rejected])| {
            json!({
                "processed": approved + sent_back + rejected,
                "approved": approved,
                "sentBack": sent_back,
                "rejected": rejected,
                "references": {
                    "startDate": show(from), "endDate": show(to),
                    "registrationName": service, "operator": q.operator, "role": q.role,
                    "timeframeDay": timeframe == "day", "timeframeWeek": timeframe == "week",
                    "timeframeMonth": timeframe == "month", "timeframeYear": timeframe == "year",
                },
            })
        })
        .collect();
    ok(json!(out))
}

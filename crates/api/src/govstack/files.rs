//! Application files and their documents: filing, reading, correcting.

use super::{
    body, ok, refusal, refusal_in, status_model, unauthorized, JsonBody, Mediated, MediatorParam,
    Paging,
};
use crate::problem::{internal, not_found, problem, respond, Params};
use crate::{Api, Caller};
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use yagona_applications::{Actor, Application, Filing, OfficerFilter, Status, Viewer};
use yagona_core::{format_timestamp, FieldProblem, Locale, Problem, ReferenceNumber};
use yagona_forms::{FormDefinition, Widget};
use yagona_registry::Catalogue;

/// The documents' address (`POST documents` answers with `{BASE}/documents/{id}`).
const DOCUMENTS: &str = "/govstack/registration/documents";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FileSubmit {
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
        "registered": a.submitted_at.as_ref().map(format_timestamp),
        "serviceId": a.service_code,
        "serviceName": cat.service(&a.service_code).map(|s| s.passport.name.get(l).to_owned()),
        "status": status_model(a.status),
        "ended": a.status.is_final(),
        "applicationData": {
            "applicantId": a.applicant_pinfl,
            "applicationName": a.applicant_name,
            "created": format_timestamp(&a.created_at),
            "formData": {"eFormId": format!("{}@{}", a.service_code, a.service_version), "data": a.answers},
        },
    })
}

/// The applicant, when the body names the signed-in citizen (nobody files for someone else).
fn applicant_of(caller: &Caller, applicant_id: &str) -> Result<Actor, Response> {
    let Some(applicant) = caller.applicant() else {
        return Err(unauthorized("the applicant (a citizen)"));
    };
    if applicant.id() != applicant_id {
        return Err(problem(
            StatusCode::FORBIDDEN,
            "forbidden",
            "You may apply only for yourself",
            Some("applicantId must be your own PINFL".into()),
        ));
    }
    Ok(applicant)
}

/// File fields hold a staged document's id: their value may be its URL (relative or absolute,
/// as `POST documents` returned it). Other fields are left as they were typed.
fn document_ids(form: &FormDefinition, data: Map<String, Value>) -> Map<String, Value> {
    data.into_iter()
        .map(|(k, v)| match v {
            Value::String(s) if form.field(&k).is_some_and(|f| f.widget == Widget::File) => {
                let id = staged_id(&s).to_owned();
                (k, Value::String(id))
            }
            other => (k, other),
        })
        .collect()
}

/// Files an application in one go: answers, documents uploaded before, submission.
#[utoipa::path(post, path = "/govstack/registration/services/{service}/applications", tag = "govstack-registration",
    params(("service" = String, Path, description = "The service's code"), MediatorParam),
    request_body(content = Object, description = "{applicantId, formData: {eFormId, data}, documentUrls}: file fields hold the URL `POST documents` returned"),
    responses((status = 200, description = "The application file: {fileId, applicantId, registered, serviceId, status, applicationData}"),
        (status = 400, body = yagona_core::Problem, content_type = "application/problem+json"),
        (status = 415, body = yagona_core::Problem, content_type = "application/problem+json", description = "The body is not said to be JSON"),
        (status = 401, body = yagona_core::Problem, content_type = "application/problem+json"), (status = 403, body = yagona_core::Problem, content_type = "application/problem+json"),
        (status = 404, body = yagona_core::Problem, content_type = "application/problem+json"),
        (status = 409, body = yagona_core::Problem, content_type = "application/problem+json", description = "The e-form has a newer version; or an application for the same subject is in (duplicate-application)"),
        (status = 422, body = yagona_core::Problem, content_type = "application/problem+json", description = "Every field that does not satisfy the e-form")))]
pub(super) async fn create_application(
    State(api): State<Arc<Api>>,
    mediated: Mediated,
    caller: Caller,
    Path(service): Path<String>,
    payload: JsonBody<FileSubmit>,
) -> Response {
    if let Err(r) = mediated.authenticated(&caller) {
        return r;
    }
    if caller.applicant().is_none() {
        return unauthorized("the applicant (a citizen)");
    }
    let body = match body(payload) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let applicant = match applicant_of(&caller, &body.applicant_id) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let cat = api.catalogue.get().await;
    let Some(s) = cat.service(&service) else {
        return not_found("service");
    };
    let form = body.form_data.unwrap_or_default();
    // `code@version`: only the version matters once the service is known.
    let form_version = match form.e_form_id.as_deref() {
        None => None,
        Some(id) => match id.split_once('@') {
            Some((code, v)) if code == service => match v.parse() {
                Ok(v) => Some(v),
                Err(_) => Some(-1),
            },
            _ => Some(-1),
        },
    };
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
    let filing = Filing {
        answers: document_ids(&s.form, data),
        form_version,
    };
    match api.applications.file(&applicant, &service, filing).await {
        Ok(app) => ok(file_out(&cat, &app, caller.locale)),
        Err(e) => refusal_in(
            e,
            "formData.data does not satisfy the e-form's schema",
            caller.locale,
        ),
    }
}

/// Uploads a document before its application: a multipart field `file`.
#[utoipa::path(post, path = "/govstack/registration/documents", tag = "govstack-registration",
    request_body(content_type = "multipart/form-data", description = "the document as the field `file`"),
    responses((status = 200, description = "{code, type, message, url}: put url in a file field of formData.data"),
        (status = 400, body = yagona_core::Problem, content_type = "application/problem+json"), (status = 401, body = yagona_core::Problem, content_type = "application/problem+json"),
        (status = 403, body = yagona_core::Problem, content_type = "application/problem+json", description = "Sent from a page of another site"),
        (status = 422, body = yagona_core::Problem, content_type = "application/problem+json", description = "The document cannot be accepted")))]
pub(super) async fn upload_document(
    State(api): State<Arc<Api>>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    // The specification declares no Information-Mediator-Client here, and a form on another
    // site can send a multipart body: a browser's word on where the request comes from keeps
    // other sites out (the session cookie's SameSite=Lax already does for cross-site ones).
    if super::from_another_site(&headers) {
        return problem(
            StatusCode::FORBIDDEN,
            "cross-site",
            "Requests from other sites are refused",
            None,
        );
    }
    let Some(pinfl) = caller.user.as_ref().and_then(|u| u.citizen_pinfl()) else {
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
    match api
        .applications
        .store()
        .stage(pinfl, &file_name, &bytes)
        .await
    {
        Ok(id) => ok(json!({
            "code": 200, "type": "document", "message": "uploaded",
            "url": format!("{DOCUMENTS}/{id}"),
        })),
        Err(e) => refusal(e, "the document"),
    }
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub(super) struct ListQuery {
    /// Only this service's application files.
    #[serde(default)]
    service_id: Option<String>,
    /// Only this applicant's (PINFL).
    #[serde(default)]
    applicant_id: Option<String>,
    /// The index of the first result.
    #[serde(default)]
    first_result: Option<usize>,
    /// At most this many results (100 if not said, never more than 500).
    #[serde(default)]
    max_result: Option<usize>,
    /// `id`, `created`, `name`, `nameCaseInsensitive` or another of the building block's
    /// criteria (those it has no counterpart for keep the order).
    #[serde(default)]
    sort_by: Option<String>,
    /// `asc` (default) or `desc`.
    #[serde(default)]
    sort_order: Option<String>,
}

/// How `sortBy` names an application file's fields.
const FILE_ORDER: &[(&str, &str)] = &[
    ("id", "fileId"),
    ("created", "created"),
    ("name", "serviceName"),
    ("nameCaseInsensitive", "serviceName"),
    ("assignee", "operatorName"),
    ("instanceId", "fileId"),
];

/// A citizen's own application files, or an officer's agency's.
#[utoipa::path(get, path = "/govstack/registration/applications", tag = "govstack-registration", params(MediatorParam, ListQuery),
    responses((status = 200, description = "[{fileId, status, applicantId, created, registered, serviceId, serviceName, eformId, taskTitle, roleId, operatorName}]"),
        (status = 400, body = yagona_core::Problem, content_type = "application/problem+json"),
        (status = 401, body = yagona_core::Problem, content_type = "application/problem+json")))]
pub(super) async fn list_applications(
    State(api): State<Arc<Api>>,
    mediated: Mediated,
    caller: Caller,
    Params(q): Params<ListQuery>,
) -> Response {
    if let Err(r) = mediated.authenticated(&caller) {
        return r;
    }
    let store = api.applications.store();
    let user = caller.user.as_ref();
    let apps = if let Some(pinfl) = user.and_then(|u| u.citizen_pinfl()) {
        store.list_for_applicant(pinfl).await
    } else if let Some(agency) = user.and_then(|u| u.officer_agency()) {
        // Filtered in the query, not after its limit.
        let filter = OfficerFilter {
            service: q.service_id.clone(),
            query: q.applicant_id.clone(),
            ..OfficerFilter::default()
        };
        store.list_for_agency(agency, &filter).await
    } else {
        return unauthorized("a citizen or an officer");
    };
    let apps = match apps {
        Ok(a) => a,
        Err(e) => return internal(e),
    };
    let cat = api.catalogue.get().await;
    let l = caller.locale;
    let rows: Vec<Value> = apps
        .iter()
        .filter(|a| a.status != Status::Draft)
        .filter(|a| q.service_id.as_ref().is_none_or(|s| *s == a.service_code))
        .filter(|a| {
            q.applicant_id
                .as_ref()
                .is_none_or(|p| p == a.applicant_pinfl.as_str())
        })
        .map(|a| {
            json!({
                "fileId": a.reference,
                "status": status_model(a.status),
                "applicantId": a.applicant_pinfl,
                "created": format_timestamp(&a.created_at),
                "registered": a.submitted_at.as_ref().map(format_timestamp),
                "serviceId": a.service_code,
                "serviceName": cat.service(&a.service_code).map(|s| s.passport.name.get(l).to_owned()),
                "eformId": format!("{}@{}", a.service_code, a.service_version),
                "taskTitle": a.current_step.as_ref().and_then(|s| yagona_workflow::model::label_in(s, l)),
                "roleId": a.holder_agency,
                "operatorName": a.officer_name,
            })
        })
        .collect();
    let paging = Paging {
        first_result: q.first_result,
        max_result: q.max_result,
        sort_by: q.sort_by.as_deref(),
        sort_order: q.sort_order.as_deref(),
    };
    match paging.apply(rows, FILE_ORDER) {
        Ok(rows) => ok(json!(rows)),
        Err(r) => r,
    }
}

/// The application file with this reference, if the caller may see it.
pub(super) async fn visible(
    api: &Api,
    caller: &Caller,
    file: &str,
) -> Result<Application, Response> {
    let user = caller.user.as_ref();
    let viewer = if let Some(pinfl) = user.and_then(|u| u.citizen_pinfl()) {
        Viewer::Applicant(pinfl)
    } else if let Some(agency) = user.and_then(|u| u.officer_agency()) {
        Viewer::Agency(agency)
    } else {
        return Err(unauthorized("a citizen or an officer"));
    };
    let Ok(reference) = ReferenceNumber::parse(file) else {
        return Err(not_found("application file"));
    };
    match api.applications.store().get(&reference, viewer).await {
        Ok(Some(a)) => Ok(a),
        Ok(None) => Err(not_found("application file")),
        Err(e) => Err(internal(e)),
    }
}

/// One application file.
#[utoipa::path(get, path = "/govstack/registration/applications/{file}", tag = "govstack-registration",
    params(("file" = String, Path, description = "The reference number, YG-XXXX-XXXX"), MediatorParam),
    responses((status = 200, description = "The application file"), (status = 400, body = yagona_core::Problem, content_type = "application/problem+json"), (status = 401, body = yagona_core::Problem, content_type = "application/problem+json"),
        (status = 404, body = yagona_core::Problem, content_type = "application/problem+json")))]
pub(super) async fn get_application(
    State(api): State<Arc<Api>>,
    mediated: Mediated,
    caller: Caller,
    Path(file): Path<String>,
) -> Response {
    if let Err(r) = mediated.authenticated(&caller) {
        return r;
    }
    match visible(&api, &caller, &file).await {
        Ok(a) => ok(file_out(&*api.catalogue.get().await, &a, caller.locale)),
        Err(r) => r,
    }
}

/// An operator updates an application file with their form data — recorded through their
/// agency's open task on it, as on the officer's page (`formData.data`: `decision`, `comment`
/// and the task form's fields) — or the applicant corrects one that was sent back, and sends it
/// again.
#[utoipa::path(put, path = "/govstack/registration/applications/{file}", tag = "govstack-registration",
    params(("file" = String, Path, description = "The reference number, YG-XXXX-XXXX"), MediatorParam),
    request_body(content = Object, description = "{applicantId, formData: {data}}: an operator's input (decision, comment, the task form's fields), or the applicant's corrected fields"),
    responses((status = 200, description = "The application file"),
        (status = 400, body = yagona_core::Problem, content_type = "application/problem+json"),
        (status = 415, body = yagona_core::Problem, content_type = "application/problem+json", description = "The body is not said to be JSON"),
        (status = 401, body = yagona_core::Problem, content_type = "application/problem+json"),
        (status = 403, body = yagona_core::Problem, content_type = "application/problem+json"),
        (status = 404, body = yagona_core::Problem, content_type = "application/problem+json"),
        (status = 409, body = yagona_core::Problem, content_type = "application/problem+json", description = "No task of the operator's agency is open on it; or not sent back for correction; or an application for the same subject is in (duplicate-application)"),
        (status = 422, body = yagona_core::Problem, content_type = "application/problem+json")))]
pub(super) async fn update_application(
    State(api): State<Arc<Api>>,
    mediated: Mediated,
    caller: Caller,
    Path(file): Path<String>,
    payload: JsonBody<FileSubmit>,
) -> Response {
    if let Err(r) = mediated.authenticated(&caller) {
        return r;
    }
    if let Some(officer) = caller.officer() {
        return operator_update(&api, &caller, officer, &file, payload).await;
    }
    if caller.applicant().is_none() {
        return unauthorized("the applicant or an operator");
    }
    let app = match visible(&api, &caller, &file).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let body = match body(payload) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let applicant = match applicant_of(&caller, &body.applicant_id) {
        Ok(a) => a,
        Err(r) => return r,
    };
    if app.status != Status::Returned {
        return problem(
            StatusCode::CONFLICT,
            "not-sent-back",
            "Only an application file sent back for correction can be changed",
            Some(format!("its status is {}", app.status.code())),
        );
    }
    let form = match api
        .catalogue
        .service_version(&app.service_code, app.service_version)
        .await
    {
        Ok(Some(sv)) => sv,
        Ok(None) => return not_found("service"),
        Err(e) => return internal(e),
    };
    let changes = document_ids(&form.service.form, body.form_data.unwrap_or_default().data);
    match api
        .applications
        .refile(&applicant, &app.reference, changes)
        .await
    {
        Ok(done) => ok(file_out(&*api.catalogue.get().await, &done, caller.locale)),
        Err(e) => refusal_in(e, "the application is not complete", caller.locale),
    }
}

/// An operator's input on an application file: their agency's open task on it, decided.
async fn operator_update(
    api: &Api,
    caller: &Caller,
    officer: Actor,
    file: &str,
    payload: JsonBody<FileSubmit>,
) -> Response {
    let app = match visible(api, caller, file).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let body = match body(payload) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if body.applicant_id != app.applicant_pinfl.as_str() {
        return respond(Problem::invalid(
            "applicantId is not this application file's applicant",
            vec![FieldProblem::new("applicantId", "const")],
        ));
    }
    let Actor::Officer { agency, .. } = &officer else {
        return unauthorized("an operator");
    };
    let tasks = match api.applications.tasks_for(&app, agency).await {
        Ok(t) => t,
        Err(e) => return refusal(e, "the task"),
    };
    let Some(task) = tasks.first() else {
        return problem(
            StatusCode::CONFLICT,
            "no-open-task",
            "No task of your agency is open on this application file",
            Some(format!("its status is {}", app.status.code())),
        );
    };
    let decision = match super::tasks::decision(body.form_data.unwrap_or_default().data) {
        Ok(d) => d,
        Err(r) => return r,
    };
    match api
        .applications
        .decide(&officer, &app.reference, &task.key(), decision)
        .await
    {
        Ok(done) => ok(file_out(&*api.catalogue.get().await, &done, caller.locale)),
        Err(e) => refusal(e, "formData.data does not satisfy the task's form"),
    }
}

//! Application files and their documents: filing, reading, correcting.

use super::{body, ok, refusal, status_model, unauthorized, JsonBody};
use crate::problem::{internal, not_found, problem};
use crate::{Api, Caller};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use yagona_applications::{Actor, Application, Filing, OfficerFilter, Status, Viewer};
use yagona_core::{format_timestamp, Locale, ReferenceNumber};
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
    params(("service" = String, Path, description = "The service's code")),
    request_body(content = Object, description = "{applicantId, formData: {eFormId, data}, documentUrls}: file fields hold the URL `POST documents` returned"),
    responses((status = 200, description = "The application file: {fileId, applicantId, registered, serviceId, status, applicationData}"),
        (status = 401, body = yagona_core::Problem, content_type = "application/problem+json"), (status = 403, body = yagona_core::Problem, content_type = "application/problem+json"),
        (status = 409, body = yagona_core::Problem, content_type = "application/problem+json", description = "The e-form has a newer version"),
        (status = 422, body = yagona_core::Problem, content_type = "application/problem+json", description = "Every field that does not satisfy the e-form")))]
pub(super) async fn create_application(
    State(api): State<Arc<Api>>,
    caller: Caller,
    Path(service): Path<String>,
    payload: JsonBody<FileSubmit>,
) -> Response {
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
        Err(e) => refusal(e, "formData.data does not satisfy the e-form's schema"),
    }
}

/// Uploads a document before its application: a multipart field `file`.
#[utoipa::path(post, path = "/govstack/registration/documents", tag = "govstack-registration",
    request_body(content_type = "multipart/form-data", description = "the document as the field `file`"),
    responses((status = 200, description = "{code, type, message, url}: put url in a file field of formData.data"),
        (status = 400, body = yagona_core::Problem, content_type = "application/problem+json"), (status = 401, body = yagona_core::Problem, content_type = "application/problem+json")))]
pub(super) async fn upload_document(
    State(api): State<Arc<Api>>,
    caller: Caller,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
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
pub(super) struct ListQuery {
    #[serde(default)]
    pub service_id: Option<String>,
    #[serde(default)]
    pub applicant_id: Option<String>,
    #[serde(default)]
    pub file_id: Option<String>,
    #[serde(default)]
    pub assignee_id: Option<String>,
    #[serde(default)]
    pub first_result: Option<usize>,
    #[serde(default)]
    pub max_result: Option<usize>,
    /// `asc` (default) or `desc`.
    #[serde(default)]
    pub sort_order: Option<String>,
}

impl ListQuery {
    pub fn page<T>(&self, mut items: Vec<T>) -> Vec<T> {
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

/// A citizen's own application files, or an officer's agency's.
#[utoipa::path(get, path = "/govstack/registration/applications", tag = "govstack-registration", params(ListQuery),
    responses((status = 200, description = "[{fileId, status, applicantId, created, registered, serviceId, serviceName, eformId, taskTitle, roleId, operatorName}]"),
        (status = 401, body = yagona_core::Problem, content_type = "application/problem+json")))]
pub(super) async fn list_applications(
    State(api): State<Arc<Api>>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Response {
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
    ok(json!(q.page(rows)))
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
    params(("file" = String, Path, description = "The reference number, YG-XXXX-XXXX")),
    responses((status = 200, description = "The application file"), (status = 401, body = yagona_core::Problem, content_type = "application/problem+json"),
        (status = 404, body = yagona_core::Problem, content_type = "application/problem+json")))]
pub(super) async fn get_application(
    State(api): State<Arc<Api>>,
    caller: Caller,
    Path(file): Path<String>,
) -> Response {
    match visible(&api, &caller, &file).await {
        Ok(a) => ok(file_out(&*api.catalogue.get().await, &a, caller.locale)),
        Err(r) => r,
    }
}

/// The applicant corrects an application file that was sent back, and sends it again.
#[utoipa::path(put, path = "/govstack/registration/applications/{file}", tag = "govstack-registration",
    params(("file" = String, Path, description = "The reference number, YG-XXXX-XXXX")),
    request_body(content = Object, description = "{applicantId, formData: {data}}: the fields that change"),
    responses((status = 200, description = "The application file, submitted again"), (status = 403, body = yagona_core::Problem, content_type = "application/problem+json"),
        (status = 409, body = yagona_core::Problem, content_type = "application/problem+json", description = "Not sent back for correction"),
        (status = 422, body = yagona_core::Problem, content_type = "application/problem+json")))]
pub(super) async fn update_application(
    State(api): State<Arc<Api>>,
    caller: Caller,
    Path(file): Path<String>,
    payload: JsonBody<FileSubmit>,
) -> Response {
    if caller.applicant().is_none() {
        return problem(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Only the applicant changes an application file",
            Some("operators record their input by completing their task: POST /tasks/{taskId}/complete".into()),
        );
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
        Err(e) => refusal(e, "the application is not complete"),
    }
}

//! The citizen portal: find a service, read its passport, apply step by step, follow the
//! application, download the result.

use crate::context::Ctx;
use crate::form::{FormRefused, UploadForm, VerifiedForm};
use crate::render::{
    application_error, error_page, page, page_with_status, sign_in_redirect, PageError,
};
use crate::view;
use crate::Pages;
use axum::extract::{Path, Query, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use yagona_applications::{
    Actor, Application, ApplicationError, DocumentKind, Status, StepInput, Upload, UploadError,
    Viewer,
};
use yagona_core::{now, tashkent_date, Locale, ReferenceNumber};
use yagona_forms::{FieldError, FormDefinition, Widget};
use yagona_registry::ServiceVersion;

fn today() -> chrono::NaiveDate {
    tashkent_date(&now())
}

pub async fn home(State(state): State<Arc<Pages>>, ctx: Ctx) -> Response {
    let cat = state.catalogue.get().await;
    let l = ctx.locale;
    let events: Vec<Value> = cat
        .registry
        .life_events
        .iter()
        .map(|e| {
            json!({
                "code": e.code.as_str(), "name": e.name.get(l), "description": e.description.get(l),
                "count": cat.services_for_life_event(e.code.as_str()).len(),
            })
        })
        .collect();
    let popular: Vec<Value> = cat
        .services()
        .iter()
        .take(6)
        .map(|s| view::service_card(&state.i18n, l, &cat, s, today()))
        .collect();
    page(
        &state,
        &ctx,
        "home.html",
        json!({"life_events": events, "popular": popular, "service_count": cat.services().len()}),
    )
}

#[derive(Deserialize, Default)]
pub struct CatalogueQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    life_event: String,
    #[serde(default)]
    agency: String,
}

pub async fn catalogue(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Query(query): Query<CatalogueQuery>,
) -> Response {
    let cat = state.catalogue.get().await;
    let l = ctx.locale;
    let q = query.q.trim();
    let mut did_you_mean = None;
    let mut services: Vec<&yagona_registry::Service> = if q.is_empty() {
        let mut all: Vec<_> = cat.services().iter().collect();
        all.sort_by(|a, b| a.passport.name.get(l).cmp(b.passport.name.get(l)));
        all
    } else {
        let found = cat.find(q, 200, &*state.applications.popularity().await);
        did_you_mean = found.did_you_mean;
        found.hits.into_iter().map(|h| h.service).collect()
    };
    // "Did you mean …?" links to the corrected search, with the same filters.
    let did_you_mean = did_you_mean.map(|text| {
        let mut href = url::form_urlencoded::Serializer::new(String::new());
        href.append_pair("q", &text);
        for (name, value) in [("life_event", &query.life_event), ("agency", &query.agency)] {
            if !value.is_empty() {
                href.append_pair(name, value);
            }
        }
        json!({"text": text, "href": format!("/services?{}", href.finish())})
    });
    if !query.life_event.is_empty() {
        services.retain(|s| {
            s.passport
                .life_events
                .iter()
                .any(|e| e.as_str() == query.life_event)
        });
    }
    if !query.agency.is_empty() {
        services.retain(|s| s.passport.agency.as_str() == query.agency);
    }
    let cards: Vec<Value> = services
        .iter()
        .map(|s| view::service_card(&state.i18n, l, &cat, s, today()))
        .collect();
    let life_events: Vec<Value> = cat
        .registry
        .life_events
        .iter()
        .map(|e| json!({"code": e.code.as_str(), "name": e.name.get(l), "selected": e.code.as_str() == query.life_event}))
        .collect();
    let agencies: Vec<Value> = cat
        .registry
        .agencies
        .iter()
        .map(|a| json!({"code": a.code.as_str(), "name": a.display_name().get(l), "selected": a.code.as_str() == query.agency}))
        .collect();
    let heading = cat
        .life_event(&query.life_event)
        .map(|e| e.name.get(l).to_owned());
    page(
        &state,
        &ctx,
        "catalogue.html",
        json!({
            "q": q, "services": cards, "count": cards.len(), "life_events": life_events, "agencies": agencies,
            "life_event": query.life_event, "agency": query.agency, "heading": heading,
            "did_you_mean": did_you_mean,
        }),
    )
}

pub async fn passport(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Response {
    let cat = state.catalogue.get().await;
    let Some(s) = cat.service(&code) else {
        return error_page(&state, &ctx, PageError::NotFound);
    };
    let l = ctx.locale;
    let p = &s.passport;
    let agency = cat.agency(p.agency.as_str());
    let documents: Vec<Value> = p
        .documents
        .iter()
        .map(|d| json!({"name": d.name.get(l), "required": d.required}))
        .collect();
    let channels: Vec<String> = p
        .channels
        .iter()
        .map(|c| state.i18n.t(l, &format!("channel-{}", c.code()), None))
        .collect();
    let life_events: Vec<Value> = p
        .life_events
        .iter()
        .filter_map(|e| cat.life_event(e.as_str()))
        .map(|e| json!({"code": e.code.as_str(), "name": e.name.get(l)}))
        .collect();
    // The contact centre's knowledge base: answers before anyone has to ask.
    let questions: Vec<Value> = crate::appeals::contact_data(&state)
        .await
        .answers_for(Some(p.code.as_str()), None)
        .iter()
        .map(|a| json!({"question": a.question.get(l), "answer": a.text.get(l)}))
        .collect();
    page(
        &state,
        &ctx,
        "passport.html",
        json!({
            "service": view::service_card(&state.i18n, l, &cat, s, today()),
            "who_may_apply": p.who_may_apply.get(l),
            "legal_basis": p.legal_basis.get(l),
            "result": p.result.get(l),
            "documents": documents,
            "channels": channels,
            "life_events": life_events,
            "agency_name": agency.map(|a| a.name.get(l)),
            "agency_website": agency.and_then(|a| a.website.clone()),
            "agency_phone": agency.and_then(|a| a.phone.clone()),
            "can_apply": p.online,
            "assurance": p.assurance.code(),
            "questions": questions,
        }),
    )
}

pub async fn start_application(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(code): Path<String>,
    _form: VerifiedForm,
) -> Response {
    begin_application(&state, &ctx, &code).await
}

/// `GET /services/{code}/apply`: where "Start now" leads back after sign-in — straight to the
/// form's first step, of the citizen's draft for this service if there is one (starting one is
/// idempotent: one draft per service and person).
pub async fn resume_application(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Response {
    begin_application(&state, &ctx, &code).await
}

async fn begin_application(state: &Pages, ctx: &Ctx, code: &str) -> Response {
    let Some(applicant) = ctx.applicant() else {
        // Signed out: sign in first, then on to the form, not back to the passport.
        return sign_in_redirect(&Ctx {
            path: format!("/services/{code}/apply"),
            query: String::new(),
            ..ctx.clone()
        });
    };
    let cat = state.catalogue.get().await;
    let Some(s) = cat.service(code) else {
        return error_page(state, ctx, PageError::NotFound);
    };
    // A service that needs a surer sign-in than this session's asks for it again first, at
    // the same provider, and comes back here.
    let needed = s.passport.assurance;
    if needed > yagona_registry::Assurance::Password {
        let signed = yagona_identity::IdentityStore { db: &state.db }
            .session_sign_in(&ctx.sid)
            .await
            .ok()
            .flatten();
        let has = signed
            .as_ref()
            .and_then(|(_, acr, _)| acr.as_deref())
            .and_then(yagona_registry::Assurance::parse);
        if has.is_none_or(|h| h < needed) {
            let back = format!("/services/{code}/apply");
            let to = match signed {
                Some((provider, _, _)) => format!(
                    "/sign-in/{provider}?acr={}&next={}",
                    needed.code(),
                    url::form_urlencoded::byte_serialize(back.as_bytes()).collect::<String>()
                ),
                None => format!(
                    "/sign-in?next={}",
                    url::form_urlencoded::byte_serialize(back.as_bytes()).collect::<String>()
                ),
            };
            return Redirect::to(&to).into_response();
        }
    }
    match state
        .applications
        .start_in(&applicant, code, Some(ctx.locale))
        .await
    {
        Ok(app) => {
            let first = s
                .form
                .steps()
                .first()
                .map(|st| st.id.as_str().to_owned())
                .unwrap_or_default();
            Redirect::to(&format!("/applications/{}/steps/{first}", app.reference)).into_response()
        }
        Err(e) => application_error(state, ctx, e),
    }
}

/// The signed-in citizen's application with this reference and the form it is made under;
/// anything else (not signed in, not theirs, malformed number) ends the request here.
async fn citizen_application(
    state: &Pages,
    ctx: &Ctx,
    reference: &str,
) -> Result<(Actor, Application, Arc<ServiceVersion>), Response> {
    let Some(applicant) = ctx.applicant() else {
        return Err(sign_in_redirect(ctx));
    };
    let Ok(reference) = ReferenceNumber::parse(reference) else {
        return Err(error_page(state, ctx, PageError::NotFound));
    };
    let Actor::Applicant { pinfl, .. } = &applicant else {
        return Err(sign_in_redirect(ctx));
    };
    match state.applications.for_applicant(pinfl, &reference).await {
        Ok((app, sv)) => Ok((applicant, app, sv)),
        Err(e) => Err(application_error(state, ctx, e)),
    }
}

/// As [`citizen_application`], for pages that change the application: once it is with the
/// agency, they send the applicant to the application's page instead.
async fn editable_application(
    state: &Pages,
    ctx: &Ctx,
    reference: &str,
) -> Result<(Actor, Application, Arc<ServiceVersion>), Response> {
    let found = citizen_application(state, ctx, reference).await?;
    if found.1.status.editable_by_applicant() {
        Ok(found)
    } else {
        Err(Redirect::to(&format!("/applications/{}", found.1.reference)).into_response())
    }
}

async fn file_names(state: &Pages, app: &Application) -> HashMap<String, String> {
    let docs = state
        .applications
        .store()
        .documents(&app.id)
        .await
        .unwrap_or_default();
    docs.into_iter()
        .filter(|d| d.kind == DocumentKind::Upload)
        .map(|d| (d.id, d.file_name))
        .collect()
}

#[derive(Deserialize, Default)]
pub struct StepQuery {
    #[serde(default)]
    r#return: String,
}

pub async fn step(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path((reference, step_id)): Path<(String, String)>,
    Query(q): Query<StepQuery>,
) -> Response {
    let (_, app, sv) = match editable_application(&state, &ctx, &reference).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let names = file_names(&state, &app).await;
    let sources = prefill_sources(&state, &ctx, &app, &sv, &app.answers).await;
    render_step(
        &state,
        &ctx,
        &app,
        &sv,
        &step_id,
        &app.answers,
        &HashMap::new(),
        &names,
        &sources,
        q.r#return == "check",
        StatusCode::OK,
    )
}

/// The fields still holding what a register said, with that register's name.
async fn prefill_sources(
    state: &Pages,
    ctx: &Ctx,
    app: &Application,
    sv: &ServiceVersion,
    values: &Map<String, Value>,
) -> HashMap<String, String> {
    state
        .applications
        .field_sources(app, &sv.service.form, values, ctx.locale)
        .await
}

#[allow(clippy::too_many_arguments)]
fn render_step(
    state: &Pages,
    ctx: &Ctx,
    app: &Application,
    sv: &ServiceVersion,
    step_id: &str,
    values: &Map<String, Value>,
    errors: &HashMap<String, String>,
    file_names: &HashMap<String, String>,
    sources: &HashMap<String, String>,
    back_to_check: bool,
    status: StatusCode,
) -> Response {
    let form = &sv.service.form;
    let Some((index, step)) = form.step(step_id) else {
        return error_page(state, ctx, PageError::NotFound);
    };
    let l = ctx.locale;
    let fields: Vec<Value> = step
        .fields
        .iter()
        .map(|f| {
            let v = values.get(&f.name);
            let file_name = match (f.widget, v) {
                (Widget::File, Some(Value::String(id))) => file_names.get(id).cloned(),
                _ => None,
            };
            let mut shown = view::field(
                l,
                f,
                v,
                errors.get(&f.name).cloned(),
                form.is_required(&f.name),
                file_name,
            );
            if let Some(source) = sources.get(&f.name) {
                shown["source"] = json!(source);
            }
            shown
        })
        .collect();
    let summary: Vec<Value> = step
        .fields
        .iter()
        .filter_map(|f| {
            errors
                .get(&f.name)
                .map(|m| json!({"field": f.name, "message": m}))
        })
        .collect();
    let back = if index == 0 {
        format!("/services/{}", app.service_code)
    } else {
        format!(
            "/applications/{}/steps/{}",
            app.reference,
            form.steps()[index - 1].id
        )
    };
    let has_files = step.fields.iter().any(|f| f.widget == Widget::File);
    page_with_status(
        state,
        ctx,
        status,
        "step.html",
        json!({
            "application": {"reference": app.reference, "status": app.status.code()},
            "service_name": sv.service.passport.name.get(l),
            "step": {"id": step.id.as_str(), "title": step.title.get(l), "number": index + 1, "total": form.steps().len()},
            "fields": fields,
            "errors": summary,
            "back": back,
            "multipart": has_files,
            "return_to_check": back_to_check,
        }),
    )
}

/// Messages for failed rules, keyed by field, in the page's language.
fn messages(
    state: &Pages,
    l: Locale,
    form: &FormDefinition,
    errors: &[FieldError],
) -> HashMap<String, String> {
    errors
        .iter()
        .filter_map(|e| {
            form.field(&e.field)
                .map(|f| (e.field.clone(), view::field_error(&state.i18n, l, f, e)))
        })
        .collect()
}

pub async fn save_step(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path((reference, step_id)): Path<(String, String)>,
    upload: UploadForm,
) -> Response {
    // Whose application it is, and which step, before any file is read.
    let (applicant, app, sv) = match editable_application(&state, &ctx, &reference).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let form = &sv.service.form;
    let Some((index, step)) = form.step(&step_id) else {
        return error_page(&state, &ctx, PageError::NotFound);
    };
    let file_fields = || step.fields.iter().filter(|f| f.widget == Widget::File);
    let limit = |name: &str| {
        file_fields()
            .find(|f| f.name == name)
            .map(|f| f.max_bytes())
    };
    let submitted = match upload.read(&state, &ctx, limit).await {
        Ok(f) => f,
        // A file over its limit (or a body over the pages'): the step again, with the error.
        Err(FormRefused::TooLarge { field, limit }) => {
            let Some(field) = field.or_else(|| file_fields().next().map(|f| f.name.clone())) else {
                return error_page(&state, &ctx, PageError::TooLarge);
            };
            let error = UploadError::TooLarge {
                size: limit + 1,
                limit,
            }
            .field_error(&field);
            let names = file_names(&state, &app).await;
            let sources = prefill_sources(&state, &ctx, &app, &sv, &app.answers).await;
            return render_step(
                &state,
                &ctx,
                &app,
                &sv,
                &step_id,
                &app.answers,
                &messages(&state, ctx.locale, form, &[error]),
                &names,
                &sources,
                false,
                StatusCode::PAYLOAD_TOO_LARGE,
            );
        }
        Err(FormRefused::Page(r)) => return r,
    };
    let saving_draft = submitted.get("action") == Some("save");
    let back_to_check = submitted.get("return") == Some("check");
    // What was typed, as the schema's types; the files as they came.
    let mut typed = Map::new();
    for f in step.fields.iter().filter(|f| f.widget != Widget::File) {
        // A date comes as the date input's three boxes (a page of before, or another
        // channel's client, may still send the whole date under the field's own name).
        let parts = [
            format!("{}-day", f.name),
            format!("{}-month", f.name),
            format!("{}-year", f.name),
        ];
        let joined = (f.widget == Widget::Date && parts.iter().any(|p| submitted.get(p).is_some()))
            .then(|| {
                let part = |i: usize| submitted.get(&parts[i]).unwrap_or("");
                view::date_from_parts(part(0), part(1), part(2))
            });
        let raw = match &joined {
            Some(date) => Some(date.as_str()),
            None => submitted.get(&f.name),
        };
        typed.insert(f.name.clone(), form.coerce(f, raw).unwrap_or(Value::Null));
    }
    let uploads = submitted
        .files
        .iter()
        .map(|file| Upload {
            field: file.field.clone(),
            file_name: file.file_name.clone(),
            bytes: file.bytes.clone(),
        })
        .collect();
    let input = StepInput {
        answers: typed.clone(),
        uploads,
        draft: saving_draft,
    };
    match state
        .applications
        .save_step(&applicant, &app.reference, &step_id, input)
        .await
    {
        Ok(_) => {}
        Err(ApplicationError::Invalid(errors)) => {
            let names = file_names(&state, &app).await;
            let mut shown = app.answers.clone();
            shown.extend(typed);
            let sources = prefill_sources(&state, &ctx, &app, &sv, &shown).await;
            let messages = messages(&state, ctx.locale, form, &errors);
            return render_step(
                &state,
                &ctx,
                &app,
                &sv,
                &step_id,
                &shown,
                &messages,
                &names,
                &sources,
                back_to_check,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
        Err(e) => return application_error(&state, &ctx, e),
    }
    let next = if saving_draft {
        format!("/applications/{}?saved=1", app.reference)
    } else if back_to_check || index + 1 == form.steps().len() {
        format!("/applications/{}/check", app.reference)
    } else {
        format!(
            "/applications/{}/steps/{}",
            app.reference,
            form.steps()[index + 1].id
        )
    };
    Redirect::to(&next).into_response()
}

fn check_rows(
    state: &Pages,
    l: Locale,
    app: &Application,
    form: &FormDefinition,
    names: &HashMap<String, String>,
) -> Value {
    let sections: Vec<Value> = form
        .steps()
        .iter()
        .map(|step| {
            let rows: Vec<Value> = step
                .fields
                .iter()
                .map(|f| {
                    let v = app.answers.get(&f.name);
                    let file_name = match v {
                        Some(Value::String(id)) => names.get(id).map(String::as_str),
                        _ => None,
                    };
                    json!({
                        "field": f.name,
                        "label": f.label.get(l),
                        "answer": view::answer_text(&state.i18n, l, f, v, file_name),
                        "change": format!("/applications/{}/steps/{}?return=check#{}", app.reference, step.id, f.name),
                    })
                })
                .collect();
            json!({"title": step.title.get(l), "rows": rows})
        })
        .collect();
    json!(sections)
}

pub async fn check_answers(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(reference): Path<String>,
) -> Response {
    let (_, app, sv) = match editable_application(&state, &ctx, &reference).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    render_check(&state, &ctx, &app, &sv, &[], StatusCode::OK).await
}

async fn render_check(
    state: &Pages,
    ctx: &Ctx,
    app: &Application,
    sv: &ServiceVersion,
    errors: &[FieldError],
    status: StatusCode,
) -> Response {
    let l = ctx.locale;
    let form = &sv.service.form;
    let names = file_names(state, app).await;
    let msgs = messages(state, l, form, errors);
    let summary: Vec<Value> = form
        .steps()
        .iter()
        .flat_map(|s| s.fields.iter().map(move |f| (s, f)))
        .filter_map(|(s, f)| {
            msgs.get(&f.name).map(|m| json!({"message": m, "href": format!("/applications/{}/steps/{}?return=check#{}", app.reference, s.id, f.name)}))
        })
        .collect();
    let fee_due = match state.applications.fee_today(&sv.service).await {
        Ok(due) => crate::fees::due_view(state, l, due),
        Err(e) => return application_error(state, ctx, e),
    };
    page_with_status(
        state,
        ctx,
        status,
        "check.html",
        json!({
            // A resubmission pays nothing more: the invoice is the first submission's.
            "fee_due": if app.status == Status::Returned { Value::Null } else { fee_due },
            "application": {"reference": app.reference, "resubmission": app.status == Status::Returned},
            "service_name": sv.service.passport.name.get(l),
            "sections": check_rows(state, l, app, form, &names),
            "facts": view::facts(&state.i18n, l, &state.applications.fact_summaries(app, Viewer::Applicant(&app.applicant_pinfl), l).await),
            "errors": summary,
        }),
    )
}

pub async fn submit(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(reference): Path<String>,
    _form: VerifiedForm,
) -> Response {
    let (applicant, app, sv) = match citizen_application(&state, &ctx, &reference).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    match state
        .applications
        .submit_in_language(&applicant, &app.reference, Some(ctx.locale))
        .await
    {
        Ok(done) => {
            Redirect::to(&format!("/applications/{}/confirmation", done.reference)).into_response()
        }
        Err(ApplicationError::Invalid(errors)) => {
            render_check(
                &state,
                &ctx,
                &app,
                &sv,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(ApplicationError::NotAllowed { .. }) => {
            Redirect::to(&format!("/applications/{}", app.reference)).into_response()
        }
        Err(ApplicationError::Duplicate { reference }) => {
            let errors = [duplicate_error(&state, &sv, reference.as_ref())];
            render_check(&state, &ctx, &app, &sv, &errors, StatusCode::CONFLICT).await
        }
        Err(e) => application_error(&state, &ctx, e),
    }
}

/// A stopped duplicate as an error on the first answer that identifies the subject: the
/// applicant's own application named, another person's never.
fn duplicate_error(
    state: &Pages,
    sv: &ServiceVersion,
    reference: Option<&ReferenceNumber>,
) -> FieldError {
    let form = &sv.service.form;
    let field = sv
        .service
        .passport
        .identify_by
        .first()
        .cloned()
        .or_else(|| {
            form.steps()
                .first()
                .and_then(|s| s.fields.first())
                .map(|f| f.name.clone())
        })
        .unwrap_or_default();
    let text = |l: Locale| match reference {
        Some(r) => {
            let mut args = yagona_i18n::Args::new();
            args.set("reference", r.as_str().to_owned());
            state.i18n.t(l, "duplicate-yours", Some(&args))
        }
        None => state.i18n.t(l, "duplicate-other", None),
    };
    FieldError {
        field,
        keyword: "duplicate".into(),
        limit: None,
        message: Some(yagona_core::I18nText {
            uz: text(Locale::Uz),
            uz_cyrl: text(Locale::UzCyrl),
            ru: text(Locale::Ru),
            en: text(Locale::En),
        }),
    }
}

pub async fn confirmation(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(reference): Path<String>,
) -> Response {
    let (_, app, sv) = match citizen_application(&state, &ctx, &reference).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if app.status == Status::Draft {
        return Redirect::to(&format!("/applications/{}/check", app.reference)).into_response();
    }
    let cat = state.catalogue.get().await;
    let l = ctx.locale;
    let invoice = match state.applications.invoice(&app).await {
        Ok(i) => i,
        Err(e) => return application_error(&state, &ctx, e),
    };
    page(
        &state,
        &ctx,
        "confirmation.html",
        json!({
            "fee": crate::fees::invoice_view(&state, l, invoice.as_ref(), &app, true),
            "fee_reference": app.reference,
            "application": view::application(&state.i18n, l, &cat, &app, today()),
            "service_name": sv.service.passport.name.get(l),
            "deadline": view::deadline(&state.i18n, l, sv.service.passport.deadline_working_days),
        }),
    )
}

pub async fn my_applications(State(state): State<Arc<Pages>>, ctx: Ctx) -> Response {
    let Some(pinfl) = ctx.citizen().and_then(|u| u.pinfl.as_ref()) else {
        return sign_in_redirect(&ctx);
    };
    let apps = match state.applications.store().list_for_applicant(pinfl).await {
        Ok(a) => a,
        Err(e) => return application_error(&state, &ctx, e),
    };
    let cat = state.catalogue.get().await;
    let rows: Vec<Value> = apps
        .iter()
        .map(|a| view::application(&state.i18n, ctx.locale, &cat, a, today()))
        .collect();
    page(
        &state,
        &ctx,
        "my_applications.html",
        json!({"applications": rows}),
    )
}

#[derive(Deserialize, Default)]
pub struct ApplicationQuery {
    #[serde(default)]
    pub(crate) saved: Option<String>,
    /// Just rated: the page thanks them.
    #[serde(default)]
    pub(crate) rated: Option<String>,
    /// Set by the rating's handler when it re-shows the page with what to fix (not read from
    /// the address).
    #[serde(skip)]
    pub(crate) rating_error: Option<(&'static str, &'static str)>,
}

pub async fn application(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(reference): Path<String>,
    Query(q): Query<ApplicationQuery>,
) -> Response {
    let (_, app, sv) = match citizen_application(&state, &ctx, &reference).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let store = state.applications.store();
    let (events, docs) = match (store.events(&app.id).await, store.documents(&app.id).await) {
        (Ok(e), Ok(d)) => (e, d),
        (Err(e), _) | (_, Err(e)) => return application_error(&state, &ctx, e),
    };
    let cat = state.catalogue.get().await;
    let l = ctx.locale;
    let names: HashMap<String, String> = docs
        .iter()
        .map(|d| (d.id.clone(), d.file_name.clone()))
        .collect();
    let return_comment = events
        .iter()
        .rev()
        .find(|e| e.action == "return")
        .and_then(|e| e.comment.clone());
    let reject_reason = events
        .iter()
        .rev()
        .find(|e| e.action == "reject")
        .and_then(|e| e.comment.clone());
    let first_step = sv
        .service
        .form
        .steps()
        .first()
        .map(|s| s.id.as_str().to_owned())
        .unwrap_or_default();
    let invoice = match state.applications.invoice(&app).await {
        Ok(i) => i,
        Err(e) => return application_error(&state, &ctx, e),
    };
    // Closed by its process because the fee was not paid in time: nobody refused it, the
    // page says why it ended.
    let reject_reason = reject_reason.or_else(|| {
        (app.status == Status::Rejected
            && invoice
                .as_ref()
                .is_some_and(|i| i.status == yagona_payments::InvoiceStatus::Cancelled))
        .then(|| state.i18n.t(l, "fee-unpaid-closed", None))
    });
    // What the applicant was told, and whether it arrived.
    let told = yagona_notices::Notices::new(&state.db)
        .of_subject("application", app.reference.as_str())
        .await
        .unwrap_or_default();
    let rating_error = q.rating_error;
    let rating = match ctx.citizen().and_then(|u| u.pinfl.as_ref()) {
        Some(pinfl) => crate::ratings::view(&state, l, pinfl, &app).await,
        None => Value::Null,
    };
    let errors: Vec<Value> = rating_error
        .map(|(field, key)| json!({"field": field, "message": state.i18n.t(l, key, None)}))
        .into_iter()
        .collect();
    let mut shown = page(
        &state,
        &ctx,
        "application.html",
        json!({
            "rating": rating,
            "rated": q.rated.is_some(),
            "errors": errors,
            "fee": crate::fees::invoice_view(&state, l, invoice.as_ref(), &app, true),
            "fee_reference": app.reference,
            "application": view::application(&state.i18n, l, &cat, &app, today()),
            "service_name": sv.service.passport.name.get(l),
            "history": crate::history::lines(&state.i18n, l, &events, &told),
            // An officer's own file is inside the signed result, not handed out alone.
            "documents": view::documents(&state.i18n, l, &docs.iter().filter(|d| d.kind != DocumentKind::Annex).cloned().collect::<Vec<_>>()),
            "results": view::documents(&state.i18n, l, &docs.iter().filter(|d| d.kind == DocumentKind::Result).cloned().collect::<Vec<_>>()),
            "answers": check_rows(&state, l, &app, &sv.service.form, &names),
            "return_comment": return_comment,
            "reject_reason": reject_reason,
            "first_step": format!("/applications/{}/steps/{first_step}", app.reference),
            "saved": q.saved.is_some(),
        }),
    );
    if !errors.is_empty() {
        *shown.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    shown
}

/// A document, to its applicant or to an officer of the agency handling the application.
pub async fn download(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response {
    let viewer = if let Some(pinfl) = ctx.citizen().and_then(|u| u.pinfl.as_ref()) {
        Viewer::Applicant(pinfl)
    } else if let Some((_, agency)) = ctx.officer() {
        Viewer::Agency(agency)
    } else if ctx.user.is_some() {
        return error_page(&state, &ctx, PageError::NotFound);
    } else {
        return sign_in_redirect(&ctx);
    };
    match state.applications.store().document(&id, viewer).await {
        Ok(Some((doc, bytes))) => {
            let ascii: String = doc
                .file_name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let encoded: String = doc
                .file_name
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            let disposition =
                format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
            let mut resp = bytes.into_response();
            let h = resp.headers_mut();
            h.insert(
                CONTENT_TYPE,
                HeaderValue::from_str(&doc.media_type)
                    .unwrap_or(HeaderValue::from_static("application/octet-stream")),
            );
            h.insert(
                CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            );
            h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            h.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
            resp
        }
        Ok(None) => error_page(&state, &ctx, PageError::NotFound),
        Err(e) => application_error(&state, &ctx, e),
    }
}

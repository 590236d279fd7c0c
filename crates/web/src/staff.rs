//! The officers' workspace: the task inbox of their agency (the user tasks that the services'
//! processes offer to it), each application with its process diagram, and the work on a task —
//! take, give back, decide; and the administrator's view of the registry.

use crate::context::Ctx;
use crate::form::{FormRefused, UploadForm, VerifiedForm};
use crate::render::{
    application_error, error_page, page, page_with_status, sign_in_redirect, PageError,
};
use crate::view;
use crate::Pages;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use yagona_applications::process::processes;
use yagona_applications::{
    Application, ApplicationError, Decision, InboxFilter, Upload, UserTask, Viewer,
};
use yagona_core::{now, tashkent_date, ReferenceNumber};
use yagona_identity::User;

fn today() -> chrono::NaiveDate {
    tashkent_date(&now())
}

pub async fn home(ctx: Ctx) -> Response {
    if ctx.officer().is_some() {
        Redirect::to("/staff/applications").into_response()
    } else {
        sign_in_redirect(&ctx)
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    service: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    show: String,
    #[serde(default)]
    overdue: String,
}

/// The agency's inbox: every open task its processes offer it, oldest deadline first.
pub async fn list(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Response {
    let (Some((user, agency)), Some(officer)) = (ctx.officer(), ctx.officer_actor()) else {
        return forbidden_or_sign_in(&state, &ctx);
    };
    let filter = InboxFilter {
        service: Some(q.service.clone()).filter(|s| !s.is_empty()),
        query: ReferenceNumber::parse(&q.q)
            .map(|r| r.as_str().to_owned())
            .ok()
            .or_else(|| Some(q.q.trim().to_owned()).filter(|s| !s.is_empty())),
        mine: match q.show.as_str() {
            "mine" => Some(true),
            "unassigned" => Some(false),
            _ => None,
        },
        overdue_on: (q.overdue == "1").then(today),
    };
    let items = match state.applications.inbox(&officer, &filter).await {
        Ok(a) => a,
        Err(e) => return application_error(&state, &ctx, e),
    };
    let cat = state.catalogue.get().await;
    let l = ctx.locale;
    let day = today();
    let rows: Vec<Value> = items
        .iter()
        .map(|i| {
            let mut v = view::application(&state.i18n, l, &cat, &i.application, day);
            let due = i.due();
            v["task"] = json!({
                "id": i.task.key(),
                "label": yagona_workflow::model::label_in(&i.task.label, l).unwrap_or_else(|| i.task.element_id.clone()),
                "assignee": i.task.assignee_name,
                "mine": i.task.assignee.as_deref() == Some(user.id.as_str()),
                "due": due.map(|d| view::date(&state.i18n, l, d)),
                "overdue": i.overdue(day),
            });
            v
        })
        .collect();
    let shows: Vec<Value> = [("", "filter-all"), ("mine", "inbox-mine"), ("unassigned", "inbox-unassigned")]
        .iter()
        .map(|(code, key)| json!({"code": code, "label": state.i18n.t(l, key, None), "selected": *code == q.show}))
        .collect();
    let services: Vec<Value> = cat
        .services()
        .iter()
        .map(|s| json!({"code": s.passport.code.as_str(), "name": s.passport.name.get(l), "selected": s.passport.code.as_str() == q.service}))
        .collect();
    page(
        &state,
        &ctx,
        "staff_list.html",
        json!({
            "agency_name": cat.agency(agency).map(|a| a.name.get(l)),
            "tasks": rows, "shows": shows, "services": services,
            "q": q.q, "overdue": q.overdue == "1",
        }),
    )
}

pub(crate) fn forbidden_or_sign_in(state: &Pages, ctx: &Ctx) -> Response {
    if ctx.user.is_some() {
        error_page(state, ctx, PageError::Forbidden)
    } else {
        sign_in_redirect(ctx)
    }
}

pub(crate) async fn agency_application(
    state: &Pages,
    ctx: &Ctx,
    reference: &str,
) -> Result<(User, String, Application), Response> {
    let Some((user, agency)) = ctx.officer() else {
        return Err(forbidden_or_sign_in(state, ctx));
    };
    let Ok(reference) = ReferenceNumber::parse(reference) else {
        return Err(error_page(state, ctx, PageError::NotFound));
    };
    match state
        .applications
        .store()
        .get(&reference, Viewer::Agency(agency))
        .await
    {
        Ok(Some(app)) => Ok((user.clone(), agency.to_owned(), app)),
        Ok(None) => Err(error_page(state, ctx, PageError::NotFound)),
        Err(e) => Err(application_error(state, ctx, e)),
    }
}

pub async fn application(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(reference): Path<String>,
) -> Response {
    let (user, agency, app) = match agency_application(&state, &ctx, &reference).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    render_application(&state, &ctx, &user, &agency, &app, None, StatusCode::OK).await
}

/// What an officer typed into a task's own form, sent back with what to fix.
struct TaskInput {
    task: String,
    values: serde_json::Map<String, Value>,
    errors: HashMap<String, String>,
}

async fn render_application(
    state: &Pages,
    ctx: &Ctx,
    user: &User,
    agency: &str,
    app: &Application,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    render_application_with(state, ctx, user, agency, app, error, status, None).await
}

/// An officer's form on an application whose file field `field` holds a result (a PDF up to
/// `RESULT_FILE_MAX`); a file over it shows the application's page again with the error (413).
pub(crate) async fn read_with_result_file(
    state: &Pages,
    ctx: &Ctx,
    upload: crate::form::UploadForm,
    field: &str,
    (user, agency, app): (&User, &str, &Application),
) -> Result<crate::form::VerifiedForm, Response> {
    let limit = |name: &str| (name == field).then_some(crate::form::RESULT_FILE_MAX);
    match upload.read(state, ctx, limit).await {
        Ok(f) => Ok(f),
        Err(FormRefused::TooLarge { limit, .. }) => {
            let msg = crate::form::too_large_message(state, ctx, limit);
            Err(render_application(
                state,
                ctx,
                user,
                agency,
                app,
                Some(msg),
                StatusCode::PAYLOAD_TOO_LARGE,
            )
            .await)
        }
        Err(FormRefused::Page(r)) => Err(r),
    }
}

/// The officer's page of an application, with a message (what was refused) and its status.
pub(crate) async fn show_application(
    state: &Pages,
    ctx: &Ctx,
    user: &User,
    agency: &str,
    app: &Application,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    render_application(state, ctx, user, agency, app, error, status).await
}

#[allow(clippy::too_many_arguments)]
async fn render_application_with(
    state: &Pages,
    ctx: &Ctx,
    user: &User,
    agency: &str,
    app: &Application,
    error: Option<String>,
    status: StatusCode,
    input: Option<&TaskInput>,
) -> Response {
    let store = state.applications.store();
    let (events, docs) = match (store.events(&app.id).await, store.documents(&app.id).await) {
        (Ok(e), Ok(d)) => (e, d),
        (Err(e), _) | (_, Err(e)) => return application_error(state, ctx, e),
    };
    let sv = match state
        .catalogue
        .service_version(&app.service_code, app.service_version)
        .await
    {
        Ok(Some(sv)) => sv,
        _ => return error_page(state, ctx, PageError::Internal),
    };
    let cat = state.catalogue.get().await;
    let l = ctx.locale;
    let names: HashMap<String, String> = docs
        .iter()
        .map(|d| (d.id.clone(), d.file_name.clone()))
        .collect();
    let answers: Vec<Value> = sv
        .service
        .form
        .steps()
        .iter()
        .map(|s| {
            let rows: Vec<Value> = s
                .fields
                .iter()
                .map(|f| {
                    let v = app.answers.get(&f.name);
                    let doc = match v {
                        Some(Value::String(id)) => names.get(id).map(|n| (id.clone(), n.clone())),
                        _ => None,
                    };
                    json!({
                        "label": f.label.get(l),
                        "answer": view::answer_text(&state.i18n, l, f, v, doc.as_ref().map(|d| d.1.as_str())),
                        "document": doc.map(|d| d.0),
                    })
                })
                .collect();
            json!({"title": s.title.get(l), "rows": rows})
        })
        .collect();
    // What the registers told the portal when the applicant started (once only).
    let facts = view::facts(
        &state.i18n,
        l,
        &state
            .applications
            .fact_summaries(app, Viewer::Agency(agency), l)
            .await,
    );
    let tasks = match state.applications.tasks_for(app, agency).await {
        Ok(t) => t,
        Err(e) => return application_error(state, ctx, e),
    };
    let tasks: Vec<Value> = tasks
        .iter()
        .map(|t| {
            let mut v = task_view(state, ctx, user, t);
            // A task with a form of its own shows its fields in the decision form.
            if let Some(tf) = t
                .form_key
                .as_ref()
                .and_then(|k| sv.service.task_forms.get(k))
            {
                let mine = input.filter(|i| i.task == t.key());
                let fields: Vec<Value> = tf
                    .steps()
                    .iter()
                    .flat_map(|s| &s.fields)
                    .map(|f| {
                        view::field(
                            l,
                            f,
                            mine.and_then(|i| i.values.get(&f.name)),
                            mine.and_then(|i| i.errors.get(&f.name).cloned()),
                            tf.is_required(&f.name),
                            None,
                        )
                    })
                    .collect();
                v["fields"] = json!(fields);
                v["review"] = json!(true);
            }
            v
        })
        .collect();
    let checks: Vec<Value> = match &app.process_instance {
        Some(instance) => processes(&state.db, &cat.calendar)
            .decision_results(instance)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|(labels, value)| {
                let shown = match &value {
                    Value::Object(m) => m
                        .iter()
                        .map(|(k, v)| format!("{k}: {}", plain(v)))
                        .collect::<Vec<_>>()
                        .join(" · "),
                    other => plain(other),
                };
                json!({"label": yagona_workflow::model::label_in(&labels, l), "value": shown})
            })
            .collect(),
        None => Vec::new(),
    };
    // Where the process could not go on: the officer sees that it is recorded and waits for
    // an administrator.
    let incidents: Vec<Value> = match &app.process_instance {
        Some(instance) => processes(&state.db, &cat.calendar)
            .incidents_of(instance)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|i| i.resolved_at.is_none())
            .map(|i| {
                json!({
                    "id": i.id,
                    "when": state.i18n.date_time(l, &i.created_at),
                })
            })
            .collect(),
        None => Vec::new(),
    };
    let diagram = match &app.process_instance {
        Some(instance) => {
            let mut args = yagona_i18n::Args::new();
            args.set("service", sv.service.passport.name.get(l).to_owned());
            let title = state.i18n.t(l, "diagram-title", Some(&args));
            processes(&state.db, &cat.calendar)
                .diagram(instance, &title, Some(l.tag()))
                .await
                .map_err(|e| tracing::error!(error = %e, "process diagram"))
                .ok()
        }
        None => None,
    };
    let invoice = match state.applications.invoice(app).await {
        Ok(i) => i,
        Err(e) => return application_error(state, ctx, e),
    };
    let results = match crate::documents::staff_results(state, l, agency, app).await {
        Ok(r) => r,
        Err(e) => return application_error(state, ctx, e),
    };
    // Other applications for the same subject, the agency's own only.
    let same_subject = match store.same_subject(app, agency).await {
        Ok(r) => r,
        Err(e) => return application_error(state, ctx, e),
    };
    page_with_status(
        state,
        ctx,
        status,
        "staff_application.html",
        json!({
            "fee": crate::fees::invoice_view(state, l, invoice.as_ref(), app, false),
            "application": view::application(&state.i18n, l, &cat, app, today()),
            "service_name": sv.service.passport.name.get(l),
            "answers": answers,
            // With what the applicant was told, as they see it.
            "history": crate::history::lines(
                &state.i18n,
                l,
                &events,
                &yagona_notices::Notices::new(&state.db)
                    .of_subject("application", app.reference.as_str())
                    .await
                    .unwrap_or_default(),
            ),
            "documents": view::documents(&state.i18n, l, &docs),
            "tasks": tasks,
            "checks": checks,
            "incidents": incidents,
            "facts": facts,
            "diagram": diagram,
            "error": error,
            "results": results,
            "same_subject": same_subject,
        }),
    )
}

/// A decision's value as an officer reads it: strings without quotes.
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "—".into(),
        other => other.to_string(),
    }
}

fn task_view(state: &Pages, ctx: &Ctx, user: &User, t: &UserTask) -> Value {
    let l = ctx.locale;
    let mine = t.assignee.as_deref() == Some(user.id.as_str());
    json!({
        "id": t.key(),
        "label": yagona_workflow::model::label_in(&t.label, l).unwrap_or_else(|| t.element_id.clone()),
        "assignee": t.assignee_name,
        "mine": mine,
        "can_take": t.assignee.is_none(),
        "can_release": mine,
        "can_decide": mine || t.assignee.is_none(),
        "due": t.due_at.as_ref().map(|d| state.i18n.date_time(l, d)),
        "escalated": t.escalated_at.is_some(),
        "review": t.form_key.as_deref().is_none_or(|k| k == yagona_applications::process::REVIEW_FORM),
        "taken_by": t.assignee_name.as_ref().filter(|_| !mine).map(|n| {
            let mut args = yagona_i18n::Args::new();
            args.set("name", n.clone());
            state.i18n.t(l, "task-taken-by", Some(&args))
        }),
    })
}

/// The task a form names (`task`), or the agency's first open task on the application.
async fn chosen_task(
    state: &Pages,
    app: &Application,
    agency: &str,
    form: &VerifiedForm,
) -> Result<Option<String>, ApplicationError> {
    if let Some(id) = form.get("task") {
        return Ok(Some(id.trim().to_owned()));
    }
    Ok(state
        .applications
        .tasks_for(app, agency)
        .await?
        .first()
        .map(|t| t.key()))
}

pub async fn take(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(reference): Path<String>,
    form: VerifiedForm,
) -> Response {
    assign(state, ctx, reference, form, true).await
}

pub async fn release(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(reference): Path<String>,
    form: VerifiedForm,
) -> Response {
    assign(state, ctx, reference, form, false).await
}

async fn assign(
    state: Arc<Pages>,
    ctx: Ctx,
    reference: String,
    form: VerifiedForm,
    take: bool,
) -> Response {
    let (user, agency, app) = match agency_application(&state, &ctx, &reference).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(officer) = ctx.officer_actor() else {
        return forbidden_or_sign_in(&state, &ctx);
    };
    let task = match chosen_task(&state, &app, &agency, &form).await {
        Ok(Some(t)) => t,
        Ok(None) => return error_page(&state, &ctx, PageError::NotFound),
        Err(e) => return application_error(&state, &ctx, e),
    };
    let done = if take {
        state
            .applications
            .take(&officer, &app.reference, &task)
            .await
    } else {
        state
            .applications
            .release(&officer, &app.reference, &task)
            .await
    };
    match done {
        Ok(_) => Redirect::to(&format!("/staff/applications/{}", app.reference)).into_response(),
        Err(
            ApplicationError::TaskTaken | ApplicationError::NoTask | ApplicationError::Conflict,
        ) => {
            let msg = state.i18n.t(ctx.locale, "decision-not-allowed", None);
            render_application(
                &state,
                &ctx,
                &user,
                &agency,
                &app,
                Some(msg),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => application_error(&state, &ctx, e),
    }
}

/// An officer's decision on a task: the decision, the comment, the result document and what
/// the task's own form records, as typed. The applications component checks all of it (as it
/// does for every channel); its refusals are shown on the page, in the officer's language.
pub async fn decide(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(reference): Path<String>,
    upload: UploadForm,
) -> Response {
    // The officer's agency must hold the application before the result file is read.
    let (user, agency, app) = match agency_application(&state, &ctx, &reference).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(officer) = ctx.officer_actor() else {
        return forbidden_or_sign_in(&state, &ctx);
    };
    let form =
        match read_with_result_file(&state, &ctx, upload, "result", (&user, &agency, &app)).await {
            Ok(f) => f,
            Err(r) => return r,
        };
    let l = ctx.locale;
    let not_allowed = || state.i18n.t(l, "decision-not-allowed", None);
    let task = match chosen_task(&state, &app, &agency, &form).await {
        Ok(Some(t)) => t,
        Ok(None) => {
            return render_application(
                &state,
                &ctx,
                &user,
                &agency,
                &app,
                Some(not_allowed()),
                StatusCode::CONFLICT,
            )
            .await;
        }
        Err(e) => return application_error(&state, &ctx, e),
    };
    // What the task's own form records, read from the browser's strings by its schema.
    let task_form = match state.applications.tasks_for(&app, &agency).await {
        Ok(tasks) => match tasks.iter().find(|t| t.key() == task) {
            Some(t) => state.applications.task_form(&app, t).await.ok().flatten(),
            None => None,
        },
        Err(e) => return application_error(&state, &ctx, e),
    };
    let mut data = serde_json::Map::new();
    if let Some(tf) = &task_form {
        for f in tf.steps().iter().flat_map(|s| &s.fields) {
            if let Some(v) = tf.coerce(f, form.get(&f.name)) {
                data.insert(f.name.clone(), v);
            }
        }
    }
    let result = form
        .files
        .iter()
        .find(|f| f.field == "result" && !f.bytes.is_empty())
        .map(|f| Upload {
            field: "result".into(),
            file_name: f.file_name.clone(),
            bytes: f.bytes.clone(),
        });
    let decision = Decision {
        decision: form.get("decision").map(str::to_owned),
        comment: form.get("comment").map(str::to_owned),
        result,
        data: data.clone(),
    };
    match state
        .applications
        .decide(&officer, &app.reference, &task, decision)
        .await
    {
        Ok(done) => {
            Redirect::to(&format!("/staff/applications/{}", done.reference)).into_response()
        }
        Err(ApplicationError::Invalid(errors)) => {
            // The decision itself first, then the reason, then the task's own fields.
            let key = if errors.iter().any(|e| e.field == "decision") {
                "decision-choose"
            } else if errors
                .iter()
                .any(|e| e.field == "comment" && e.keyword == "required")
            {
                "decision-reason-required"
            } else {
                "task-form-invalid"
            };
            let messages: HashMap<String, String> = task_form
                .as_ref()
                .map(|tf| {
                    errors
                        .iter()
                        .filter_map(|e| {
                            let f = tf.field(&e.field)?;
                            Some((e.field.clone(), view::field_error(&state.i18n, l, f, e)))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let input = TaskInput {
                task,
                values: data,
                errors: messages,
            };
            render_application_with(
                &state,
                &ctx,
                &user,
                &agency,
                &app,
                Some(state.i18n.t(l, key, None)),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&input),
            )
            .await
        }
        Err(e) => {
            let (key, status) = match e {
                ApplicationError::Upload(_) => {
                    ("decision-result-pdf", StatusCode::UNPROCESSABLE_ENTITY)
                }
                ApplicationError::NotAllowed { .. }
                | ApplicationError::TaskTaken
                | ApplicationError::NoTask
                | ApplicationError::UnknownTaskForm(_)
                | ApplicationError::Conflict => ("decision-not-allowed", StatusCode::CONFLICT),
                other => return application_error(&state, &ctx, other),
            };
            let msg = state.i18n.t(l, key, None);
            render_application(&state, &ctx, &user, &agency, &app, Some(msg), status).await
        }
    }
}

/// The administrator's overview of the registry as this node serves it.
pub async fn admin(State(state): State<Arc<Pages>>, ctx: Ctx) -> Response {
    if ctx.admin().is_none() {
        return forbidden_or_sign_in(&state, &ctx);
    }
    let cat = state.catalogue.get().await;
    let l = ctx.locale;
    let agencies: Vec<Value> = cat
        .registry
        .agencies
        .iter()
        .map(|a| json!({"code": a.code.as_str(), "name": a.name.get(l), "stir": a.stir.as_str(), "services": cat.services_of_agency(a.code.as_str()).len()}))
        .collect();
    let services: Vec<Value> = cat
        .services()
        .iter()
        .map(|s| json!({
            "code": s.passport.code.as_str(), "name": s.passport.name.get(l),
            // The agency by its name in the page's language; its code only if the registry lacks it.
            "agency": cat.agency(s.passport.agency.as_str()).map_or(s.passport.agency.as_str(), |a| a.name.get(l)),
            "version": cat.service_version(s.passport.code.as_str()), "steps": s.form.steps().len(),
            "deadline": view::deadline(&state.i18n, l, s.passport.deadline_working_days),
        }))
        .collect();
    let years: Vec<Value> = cat
        .calendar
        .years()
        .map(|y| json!({"year": y.year, "holidays": y.holidays.len(), "days_off": y.days_off.len(), "working_days": y.working_days.len(), "provisional": y.provisional}))
        .collect();
    page(
        &state,
        &ctx,
        "admin.html",
        json!({"version": cat.version, "agencies": agencies, "services": services, "years": years}),
    )
}

//! The officers' workspace: their agency's applications and the decisions on them; and the
//! administrator's view of the registry.

use crate::context::Ctx;
use crate::form::VerifiedForm;
use crate::metrics::ServiceLabels;
use crate::render::{
    application_error, error_page, page, page_with_status, sign_in_redirect, PageError,
};
use crate::view;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use yagona_applications::lifecycle::next as allowed;
use yagona_applications::result_context;
use yagona_applications::{
    Action, Actor, Application, ApplicationError, ApplicationStore, Decision, OfficerFilter,
    Status, Upload, Viewer,
};
use yagona_core::{now, tashkent_date, ReferenceNumber};
use yagona_identity::User;
use yagona_registry::RegistryStore;

fn today() -> chrono::NaiveDate {
    tashkent_date(&now())
}

fn officer_actor(user: &User, agency: &str) -> Actor {
    Actor::Officer {
        user_id: user.id.clone(),
        name: user.name.clone(),
        agency: agency.to_owned(),
    }
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
    status: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    overdue: String,
}

pub async fn list(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some((_, agency)) = ctx.officer() else {
        return forbidden_or_sign_in(&state, &ctx);
    };
    let filter = OfficerFilter {
        status: Status::parse(&q.status),
        service: Some(q.service.clone()).filter(|s| !s.is_empty()),
        query: ReferenceNumber::parse(&q.q)
            .map(|r| r.as_str().to_owned())
            .ok()
            .or_else(|| Some(q.q.trim().to_owned()).filter(|s| !s.is_empty())),
        overdue_on: (q.overdue == "1").then(today),
    };
    let apps = match (ApplicationStore { db: &state.db })
        .list_for_agency(agency, &filter)
        .await
    {
        Ok(a) => a,
        Err(e) => return application_error(&state, &ctx, e),
    };
    let cat = state.catalogue().await;
    let l = ctx.locale;
    let rows: Vec<Value> = apps
        .iter()
        .map(|a| view::application(&state.i18n, l, &cat, a, today()))
        .collect();
    let statuses: Vec<Value> = Status::ALL
        .iter()
        .filter(|s| **s != Status::Draft)
        .map(|s| json!({"code": s.code(), "label": state.i18n.t(l, &format!("status-{}", s.code()), None), "selected": s.code() == q.status}))
        .collect();
    let services: Vec<Value> = cat
        .services_of_agency(agency)
        .iter()
        .map(|s| json!({"code": s.passport.code.as_str(), "name": s.passport.name.get(l), "selected": s.passport.code.as_str() == q.service}))
        .collect();
    page(
        &state,
        &ctx,
        "staff_list.html",
        json!({
            "agency_name": cat.agency(agency).map(|a| a.name.get(l)),
            "applications": rows, "statuses": statuses, "services": services,
            "q": q.q, "overdue": q.overdue == "1",
        }),
    )
}

fn forbidden_or_sign_in(state: &AppState, ctx: &Ctx) -> Response {
    if ctx.user.is_some() {
        error_page(state, ctx, PageError::Forbidden)
    } else {
        sign_in_redirect(ctx)
    }
}

async fn agency_application(
    state: &AppState,
    ctx: &Ctx,
    reference: &str,
) -> Result<(User, String, Application), Response> {
    let Some((user, agency)) = ctx.officer() else {
        return Err(forbidden_or_sign_in(state, ctx));
    };
    let Ok(reference) = ReferenceNumber::parse(reference) else {
        return Err(error_page(state, ctx, PageError::NotFound));
    };
    match (ApplicationStore { db: &state.db })
        .get(reference.as_str(), Viewer::Agency(agency))
        .await
    {
        Ok(Some(app)) => Ok((user.clone(), agency.to_owned(), app)),
        Ok(None) => Err(error_page(state, ctx, PageError::NotFound)),
        Err(e) => Err(application_error(state, ctx, e)),
    }
}

pub async fn application(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Path(reference): Path<String>,
) -> Response {
    let (user, agency, app) = match agency_application(&state, &ctx, &reference).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    render_application(&state, &ctx, &user, &agency, &app, None, StatusCode::OK).await
}

async fn render_application(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    agency: &str,
    app: &Application,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let store = ApplicationStore { db: &state.db };
    let (events, docs) = match (store.events(&app.id).await, store.documents(&app.id).await) {
        (Ok(e), Ok(d)) => (e, d),
        (Err(e), _) | (_, Err(e)) => return application_error(state, ctx, e),
    };
    let sv = match (RegistryStore { db: &state.db })
        .service_version(&app.service_code, app.service_version)
        .await
    {
        Ok(Some(sv)) => sv,
        _ => return error_page(state, ctx, PageError::Internal),
    };
    let cat = state.catalogue().await;
    let l = ctx.locale;
    let names: HashMap<String, String> = docs
        .iter()
        .map(|d| (d.id.clone(), d.file_name.clone()))
        .collect();
    let yes = state.i18n.t(l, "answer-yes", None);
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
                        "answer": view::answer_text(l, f, v, doc.as_ref().map(|d| d.1.as_str()), &yes),
                        "document": doc.map(|d| d.0),
                    })
                })
                .collect();
            json!({"title": s.title.get(l), "rows": rows})
        })
        .collect();
    let me = officer_actor(user, agency);
    let can = |a: Action| allowed(app.status, a, &me).is_some();
    page_with_status(
        state,
        ctx,
        status,
        "staff_application.html",
        json!({
            "application": view::application(&state.i18n, l, &cat, app, today()),
            "service_name": sv.service.passport.name.get(l),
            "answers": answers,
            "events": view::events(&state.i18n, l, &events),
            "documents": view::documents(&docs),
            "can_take": can(Action::Take),
            "can_decide": can(Action::Approve),
            "error": error,
        }),
    )
}

pub async fn take(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Path(reference): Path<String>,
    _form: VerifiedForm,
) -> Response {
    let (user, agency, app) = match agency_application(&state, &ctx, &reference).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    match (ApplicationStore { db: &state.db })
        .take(&app.reference, &officer_actor(&user, &agency))
        .await
    {
        Ok(_) | Err(ApplicationError::NotAllowed { .. }) => {
            Redirect::to(&format!("/staff/applications/{}", app.reference)).into_response()
        }
        Err(e) => application_error(&state, &ctx, e),
    }
}

pub async fn decide(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Path(reference): Path<String>,
    form: VerifiedForm,
) -> Response {
    let (user, agency, app) = match agency_application(&state, &ctx, &reference).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let l = ctx.locale;
    let action = match form.get("decision") {
        Some("approve") => Action::Approve,
        Some("reject") => Action::Reject,
        Some("return") => Action::Return,
        _ => {
            let msg = state.i18n.t(l, "decision-choose", None);
            return render_application(
                &state,
                &ctx,
                &user,
                &agency,
                &app,
                Some(msg),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let cat = state.catalogue().await;
    let result = form
        .files
        .iter()
        .find(|f| f.field == "result" && !f.bytes.is_empty())
        .map(|f| Upload {
            field: "result".into(),
            file_name: f.file_name.clone(),
            bytes: f.bytes.clone(),
        });
    let context = cat.service(&app.service_code).map(|s| {
        let agency_rec = cat.agency(&agency);
        result_context(
            &s.passport.name,
            agency_rec.map(|a| &a.name),
            &s.passport.result,
        )
    });
    let decision = Decision {
        action,
        comment: form.get("comment").map(str::to_owned),
        result,
        context,
    };
    match (ApplicationStore { db: &state.db })
        .decide(&app.reference, &officer_actor(&user, &agency), decision)
        .await
    {
        Ok(done) => {
            state
                .metrics
                .decisions
                .get_or_create(&ServiceLabels {
                    service: done.service_code.clone(),
                })
                .inc();
            Redirect::to(&format!("/staff/applications/{}", done.reference)).into_response()
        }
        Err(e) => {
            // The officer's own mistakes are shown on the page, in their language.
            let (key, status) = match e {
                ApplicationError::CommentRequired => {
                    ("decision-reason-required", StatusCode::UNPROCESSABLE_ENTITY)
                }
                ApplicationError::Upload(_) => {
                    ("decision-result-pdf", StatusCode::UNPROCESSABLE_ENTITY)
                }
                ApplicationError::NotAllowed { .. } => {
                    ("decision-not-allowed", StatusCode::CONFLICT)
                }
                other => return application_error(&state, &ctx, other),
            };
            let msg = state.i18n.t(l, key, None);
            render_application(&state, &ctx, &user, &agency, &app, Some(msg), status).await
        }
    }
}

/// The administrator's overview of the registry as this node serves it.
pub async fn admin(State(state): State<Arc<AppState>>, ctx: Ctx) -> Response {
    if ctx.admin().is_none() {
        return forbidden_or_sign_in(&state, &ctx);
    }
    let cat = state.catalogue().await;
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
            "code": s.passport.code.as_str(), "name": s.passport.name.get(l), "agency": s.passport.agency.as_str(),
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

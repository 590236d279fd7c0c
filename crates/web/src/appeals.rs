//! The single contact point on the web: citizens file and follow appeals (signed in, or with a
//! tracking number and the phone or e-mail they gave), operators of the contact centre record
//! calls and work the queue of every agency, officers answer their agency's appeals, and anyone
//! reads the figures.

use crate::context::Ctx;
use crate::form::VerifiedForm;
use crate::render::{error_page, page, page_with_status, sign_in_redirect, PageError};
use crate::staff::forbidden_or_sign_in;
use crate::view;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use yagona_contact::deadline::Urgency;
use yagona_contact::store::{contact_key, Problem, CENTRE};
use yagona_contact::topics::{ContactData, TopicStore};
use yagona_contact::{
    Actor, Appeal, AppealError, AppealEvent, AppealStore, Channel, Kind, NewAppeal, QueueFilter,
    Status, Viewer,
};
use yagona_core::{format_timestamp, now, tashkent_date, tashkent_day_start, Locale, Pinfl};
use yagona_registry::Catalogue;

pub fn routes() -> axum::Router<Arc<AppState>> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/appeals", get(my_appeals).post(file))
        .route("/appeals/new", get(new_form))
        .route("/appeals/track", get(track_form).post(track))
        .route("/appeals/figures", get(figures_page))
        .route("/appeals/{id}", get(citizen_appeal))
        .route("/appeals/{id}/rate", post(rate))
        .route("/appeals/{id}/reopen", post(reopen))
        .route("/desk", get(desk))
        .route("/staff/appeals", get(queue))
        .route("/staff/appeals/new", get(call_form).post(record_call))
        .route("/staff/appeals/{id}", get(staff_appeal))
        .route("/staff/appeals/{id}/{action}", post(act))
        .route("/api/v1/appeals/figures", get(figures_json))
}

fn today() -> NaiveDate {
    tashkent_date(&now())
}

fn store(state: &AppState) -> AppealStore<'_> {
    AppealStore { db: &state.db }
}

pub(crate) async fn contact_data(state: &AppState) -> ContactData {
    TopicStore { db: &state.db }
        .load()
        .await
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "contact topics unreadable");
            ContactData::default()
        })
}

fn appeal_error(state: &AppState, ctx: &Ctx, e: AppealError) -> Response {
    match e {
        AppealError::NotFound => error_page(state, ctx, PageError::NotFound),
        AppealError::Conflict => error_page(state, ctx, PageError::Conflict),
        AppealError::Db(e) => {
            tracing::error!(error = %e, "appeal operation failed");
            error_page(state, ctx, PageError::Internal)
        }
        // Refusals a page could not prevent (a stale form): say so plainly.
        _ => error_page(state, ctx, PageError::Conflict),
    }
}

/// An error message for a field, in the page's language.
fn problem_text(state: &AppState, l: Locale, field: &str, p: Problem) -> String {
    let key = match p {
        Problem::Required => "appeal-problem-required",
        Problem::TooLong => "appeal-problem-too-long",
        Problem::BadPhone => "appeal-problem-phone",
        Problem::BadEmail => "appeal-problem-email",
        Problem::NeedContact => "appeal-problem-need-contact",
        Problem::UnknownService => "appeal-problem-service",
        Problem::UnknownTopic => "appeal-problem-topic",
        Problem::UnknownAgency => "appeal-problem-agency",
        Problem::OutOfRange => "appeal-problem-range",
        Problem::SameAgency => "appeal-problem-same-agency",
        Problem::Invalid => "appeal-problem-invalid",
    };
    // A message written for this field, where the generic one reads badly ("Enter What is it?").
    let specific = format!("{key}-{field}");
    let text = state.i18n.t(l, &specific, None);
    if text != specific {
        return text;
    }
    let mut args = yagona_i18n::Args::new();
    args.set(
        "field",
        state.i18n.t(l, &format!("appeal-field-{field}"), None),
    );
    state.i18n.t(l, key, Some(&args))
}

fn kind_label(state: &AppState, l: Locale, k: Kind) -> String {
    state.i18n.t(l, &format!("appeal-kind-{}", k.code()), None)
}

fn status_view(state: &AppState, l: Locale, s: Status) -> Value {
    let class = match s {
        Status::Received | Status::Reopened => "yg-status--submitted",
        Status::Assigned | Status::InProgress => "yg-status--in-review",
        Status::Answered => "yg-status--approved",
        Status::Closed => "yg-status--draft",
    };
    json!({"code": s.code(), "label": state.i18n.t(l, &format!("appeal-status-{}", s.code()), None), "class": class})
}

fn agency_name(cat: &Catalogue, l: Locale, code: Option<&str>) -> Option<String> {
    code.and_then(|c| cat.agency(c))
        .map(|a| a.name.get(l).to_owned())
}

/// An appeal as pages show it, in one language.
fn appeal_view(
    state: &AppState,
    l: Locale,
    cat: &Catalogue,
    topics: &ContactData,
    a: &Appeal,
    day: NaiveDate,
) -> Value {
    let urgency = a.urgency(day).map(|u| match u {
        Urgency::OnTrack => json!(null),
        Urgency::DueSoon => json!({"code": "due-soon", "label": state.i18n.t(l, "appeal-due-soon", None), "class": "yg-status--in-review"}),
        Urgency::Overdue => json!({"code": "overdue", "label": state.i18n.t(l, "overdue", None), "class": "yg-status--rejected"}),
    });
    let about = a
        .service
        .as_deref()
        .and_then(|s| cat.service(s))
        .map(|s| s.passport.name.get(l).to_owned())
        .or_else(|| {
            a.topic
                .as_deref()
                .and_then(|t| topics.topic(t))
                .map(|t| t.name.get(l).to_owned())
        });
    json!({
        "id": a.id,
        "kind": kind_label(state, l, a.kind),
        "channel": state.i18n.t(l, &format!("appeal-channel-{}", a.channel.code()), None),
        "status": status_view(state, l, a.status),
        "about": about,
        "service": a.service,
        "topic": a.topic,
        "agency": a.agency,
        "agency_name": agency_name(cat, l, a.agency.as_deref()).unwrap_or_else(|| state.i18n.t(l, "appeal-contact-centre", None)),
        "subject": a.subject,
        "body": a.body,
        "name": a.name,
        "pinfl": a.pinfl,
        "phone": a.phone,
        "email": a.email,
        "address": a.address,
        "application_ref": a.application_ref,
        "received": view::moment(&a.received_at),
        "deadline": view::date(&state.i18n, l, a.deadline),
        "extended": a.extended,
        "needs_checking": a.needs_checking,
        "urgency": urgency.unwrap_or(Value::Null),
        "officer": a.officer_name,
        "first_contact": a.first_contact,
        "rating": a.rating,
        "rating_comment": a.rating_comment,
        "merged_into": a.merged_into,
        "open": a.status.is_open(),
        "rateable": a.rateable(),
        "reopenable": a.reopenable(day),
        "revision": a.revision,
    })
}

fn events_view(state: &AppState, l: Locale, cat: &Catalogue, events: &[AppealEvent]) -> Value {
    events
        .iter()
        .map(|e| {
            let to = agency_name(cat, l, e.to_agency.as_deref());
            let mut args = yagona_i18n::Args::new();
            args.set("agency", to.clone().unwrap_or_default());
            json!({
                "at": view::moment(&e.at),
                "action": e.action,
                "label": state.i18n.t(l, &format!("appeal-event-{}", e.action), Some(&args)),
                "public": e.public,
                "who": if e.actor_kind == "system" { Value::Null } else { json!(e.actor_name) },
                "body": e.body,
                "reply": e.action == "replied",
            })
        })
        .collect()
}

/// Field errors as pages list them, and the status that goes with them.
fn shown_errors(errors: &[(String, String)]) -> (StatusCode, Vec<Value>) {
    let list: Vec<Value> = errors
        .iter()
        .map(|(f, m)| json!({"field": f, "message": m}))
        .collect();
    let status = if list.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, list)
}

// ---------------------------------------------------------------------------------------------
// Filing an appeal (portal, and the operator's record of a call)

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    service: String,
    #[serde(default)]
    topic: String,
}

struct FormState<'a> {
    values: std::collections::HashMap<String, String>,
    errors: Vec<(String, String)>,
    operator: bool,
    signed_in: bool,
    cat: &'a Catalogue,
    topics: &'a ContactData,
}

fn field(
    state: &AppState,
    l: Locale,
    fs: &FormState<'_>,
    name: &str,
    widget: &str,
    required: bool,
    options: Option<Vec<(String, String)>>,
) -> Value {
    let value = fs.values.get(name).cloned().unwrap_or_default();
    let error = fs
        .errors
        .iter()
        .find(|(f, _)| f == name)
        .map(|(_, m)| m.clone());
    let hint_key = format!("appeal-hint-{name}");
    let hint = state.i18n.t(l, &hint_key, None);
    let options: Vec<Value> = options
        .unwrap_or_default()
        .into_iter()
        .map(|(v, label)| json!({"value": v, "label": label, "selected": v == value}))
        .collect();
    json!({
        "name": name,
        "label": state.i18n.t(l, &format!("appeal-field-{name}"), None),
        "widget": widget,
        "required": required,
        "value": value,
        "checked": value == "true",
        "error": error,
        "hint": if hint == hint_key { Value::Null } else { json!(hint) },
        "options": options,
        "autocomplete": match name { "name" => "name", "phone" => "tel", "email" => "email", _ => "" },
    })
}

fn form_page(state: &AppState, ctx: &Ctx, fs: FormState<'_>, status: StatusCode) -> Response {
    let l = ctx.locale;
    let kinds = Kind::ALL
        .iter()
        .map(|k| (k.code().to_owned(), kind_label(state, l, *k)))
        .collect();
    let services = fs
        .cat
        .services()
        .iter()
        .map(|s| {
            (
                s.passport.code.as_str().to_owned(),
                s.passport.name.get(l).to_owned(),
            )
        })
        .collect();
    let topics = fs
        .topics
        .topics
        .iter()
        .map(|t| (t.code.as_str().to_owned(), t.name.get(l).to_owned()))
        .collect();
    let mut fields = vec![
        field(state, l, &fs, "kind", "radios", true, Some(kinds)),
        field(state, l, &fs, "service", "select", false, Some(services)),
        field(state, l, &fs, "topic", "select", false, Some(topics)),
        field(state, l, &fs, "subject", "text", true, None),
        field(state, l, &fs, "body", "textarea", true, None),
        field(state, l, &fs, "application_ref", "text", false, None),
    ];
    if !fs.signed_in {
        fields.push(field(state, l, &fs, "name", "text", true, None));
    }
    if fs.operator {
        fields.push(field(state, l, &fs, "pinfl", "text", false, None));
    }
    fields.push(field(state, l, &fs, "phone", "tel", false, None));
    fields.push(field(state, l, &fs, "email", "email", false, None));
    let mut answers = Vec::new();
    if fs.operator {
        fields.push(field(
            state,
            l,
            &fs,
            "needs_checking",
            "checkbox",
            false,
            None,
        ));
        let kb = fs
            .topics
            .answers
            .iter()
            .map(|a| (a.code.as_str().to_owned(), a.question.get(l).to_owned()))
            .collect();
        answers.push(field(state, l, &fs, "kb", "select", false, Some(kb)));
        answers.push(field(state, l, &fs, "answer", "textarea", false, None));
    }
    let errors: Vec<Value> = fs
        .errors
        .iter()
        .map(|(f, m)| json!({"field": f, "message": m}))
        .collect();
    let submission = fs
        .values
        .get("submission")
        .cloned()
        .filter(|s| uuid::Uuid::parse_str(s).is_ok())
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    page_with_status(
        state,
        ctx,
        status,
        "appeal_form.html",
        json!({
            "operator": fs.operator, "fields": fields, "answers": answers, "errors": errors,
            "submission": submission,
            "action": if fs.operator { "/staff/appeals/new" } else { "/appeals" },
        }),
    )
}

/// The portal's form: "Ask a question, complain or propose".
pub async fn new_form(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Query(q): Query<NewQuery>,
) -> Response {
    let cat = state.catalogue().await;
    let topics = contact_data(&state).await;
    let mut values = std::collections::HashMap::new();
    values.insert("service".into(), q.service);
    values.insert("topic".into(), q.topic);
    let fs = FormState {
        values,
        errors: vec![],
        operator: false,
        signed_in: ctx.citizen().is_some(),
        cat: &cat,
        topics: &topics,
    };
    form_page(&state, &ctx, fs, StatusCode::OK)
}

/// Reads the form into a [`NewAppeal`], or the errors to show (all of them at once).
fn read_form(
    state: &AppState,
    ctx: &Ctx,
    form: &VerifiedForm,
    channel: Channel,
    actor: Actor,
    name: Option<String>,
    pinfl: Option<Pinfl>,
) -> Result<NewAppeal, Vec<(String, String)>> {
    let l = ctx.locale;
    let get = |k: &str| form.get(k).unwrap_or("").trim().to_owned();
    let mut errors: Vec<(String, String)> = Vec::new();
    let kind = Kind::parse(&get("kind"));
    if kind.is_none() {
        errors.push((
            "kind".into(),
            problem_text(state, l, "kind", Problem::Required),
        ));
    }
    let pinfl = match pinfl {
        Some(p) => Some(p),
        None if !get("pinfl").is_empty() => match Pinfl::parse(&get("pinfl")) {
            Ok(p) => Some(p),
            Err(_) => {
                errors.push((
                    "pinfl".into(),
                    problem_text(state, l, "pinfl", Problem::Invalid),
                ));
                None
            }
        },
        None => None,
    };
    let opt = |k: &str| Some(get(k)).filter(|v| !v.is_empty());
    let kb_answer = opt("kb");
    let new = NewAppeal {
        kind: kind.unwrap_or(Kind::Inquiry),
        channel,
        service: opt("service"),
        topic: opt("topic").filter(|_| opt("service").is_none()),
        subject: get("subject"),
        body: get("body"),
        pinfl,
        name: name.unwrap_or_else(|| get("name")),
        phone: opt("phone"),
        email: opt("email"),
        locale: l,
        needs_checking: get("needs_checking") == "true",
        address: None,
        lat: None,
        lon: None,
        application_ref: opt("application_ref"),
        client_id: None,
        idempotency_key: opt("submission")
            .filter(|s| uuid::Uuid::parse_str(s).is_ok())
            .map(|s| format!("form:{}:{s}", yagona_core::sha256_hex(ctx.sid.as_bytes()))),
        first_contact_answer: opt("answer").or(kb_answer),
        received_on: None,
        actor,
    };
    for (f, p) in new.problems() {
        if !errors.iter().any(|(e, _)| e == f) {
            errors.push((f.to_owned(), problem_text(state, l, f, p)));
        }
    }
    if errors.is_empty() {
        Ok(new)
    } else {
        Err(errors)
    }
}

async fn file_and_confirm(
    state: &AppState,
    ctx: &Ctx,
    form: VerifiedForm,
    mut new: NewAppeal,
    operator: bool,
) -> Response {
    let cat = state.catalogue().await;
    let topics = contact_data(state).await;
    // A knowledge-base answer chosen during the call is given in the caller's language.
    if let Some(code) = new.first_contact_answer.clone() {
        if let Some(a) = topics.answer(&code) {
            new.first_contact_answer = Some(a.text_in(ctx.locale).to_owned());
        }
    }
    match store(state).create(&cat, new).await {
        Ok(filed) => {
            let a = filed.appeal;
            if operator {
                return Redirect::to(&format!("/staff/appeals/{}", a.id)).into_response();
            }
            page(
                state,
                ctx,
                "appeal_sent.html",
                json!({"appeal": appeal_view(state, ctx.locale, &cat, &topics, &a, today()), "signed_in": ctx.citizen().is_some()}),
            )
        }
        Err(AppealError::Invalid { field, problem }) => {
            let fs = FormState {
                values: form.fields.clone(),
                errors: vec![(
                    field.to_owned(),
                    problem_text(state, ctx.locale, field, problem),
                )],
                operator,
                signed_in: !operator && ctx.citizen().is_some(),
                cat: &cat,
                topics: &topics,
            };
            form_page(state, ctx, fs, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => appeal_error(state, ctx, e),
    }
}

fn refill(
    state: &AppState,
    ctx: &Ctx,
    form: &VerifiedForm,
    errors: Vec<(String, String)>,
    operator: bool,
    cat: &Catalogue,
    topics: &ContactData,
) -> Response {
    let fs = FormState {
        values: form.fields.clone(),
        errors,
        operator,
        signed_in: !operator && ctx.citizen().is_some(),
        cat,
        topics,
    };
    form_page(state, ctx, fs, StatusCode::UNPROCESSABLE_ENTITY)
}

/// Files an appeal from the portal.
pub async fn file(State(state): State<Arc<AppState>>, ctx: Ctx, form: VerifiedForm) -> Response {
    if ctx.user.is_some() && ctx.citizen().is_none() {
        // Staff record calls on the desk, not as citizens.
        return error_page(&state, &ctx, PageError::Forbidden);
    }
    let (name, pinfl) = match ctx.citizen() {
        Some(u) => (Some(u.name.clone()), u.pinfl.clone()),
        None => (None, None),
    };
    let actor_name = name
        .clone()
        .unwrap_or_else(|| form.get("name").unwrap_or("").trim().to_owned());
    let read = read_form(
        &state,
        &ctx,
        &form,
        Channel::Portal,
        Actor::Applicant { name: actor_name },
        name,
        pinfl,
    );
    match read {
        Ok(mut new) => {
            new.first_contact_answer = None;
            new.needs_checking = false;
            file_and_confirm(&state, &ctx, form, new, false).await
        }
        Err(errors) => {
            let cat = state.catalogue().await;
            let topics = contact_data(&state).await;
            refill(&state, &ctx, &form, errors, false, &cat, &topics)
        }
    }
}

/// The operator's form for a phone call.
pub async fn call_form(State(state): State<Arc<AppState>>, ctx: Ctx) -> Response {
    if ctx.operator().is_none() {
        return forbidden_or_sign_in(&state, &ctx);
    }
    let cat = state.catalogue().await;
    let topics = contact_data(&state).await;
    let fs = FormState {
        values: Default::default(),
        errors: vec![],
        operator: true,
        signed_in: false,
        cat: &cat,
        topics: &topics,
    };
    form_page(&state, &ctx, fs, StatusCode::OK)
}

pub async fn record_call(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    form: VerifiedForm,
) -> Response {
    let Some(op) = ctx.operator() else {
        return forbidden_or_sign_in(&state, &ctx);
    };
    let actor = Actor::Operator {
        user_id: op.id.clone(),
        name: op.name.clone(),
    };
    match read_form(&state, &ctx, &form, Channel::Phone, actor, None, None) {
        Ok(new) => file_and_confirm(&state, &ctx, form, new, true).await,
        Err(errors) => {
            let cat = state.catalogue().await;
            let topics = contact_data(&state).await;
            refill(&state, &ctx, &form, errors, true, &cat, &topics)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Following an appeal

/// Signed in: the citizen's appeals. Otherwise: the form to follow one by its number.
pub async fn my_appeals(State(state): State<Arc<AppState>>, ctx: Ctx) -> Response {
    let Some(user) = ctx.citizen() else {
        return Redirect::to("/appeals/track").into_response();
    };
    let pinfl = user
        .pinfl
        .as_ref()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let list = match store(&state)
        .queue(
            Viewer::Citizen(&pinfl),
            &QueueFilter {
                limit: 200,
                ..Default::default()
            },
        )
        .await
    {
        Ok(l) => l,
        Err(e) => return appeal_error(&state, &ctx, e),
    };
    let cat = state.catalogue().await;
    let topics = contact_data(&state).await;
    let day = today();
    let rows: Vec<Value> = list
        .iter()
        .map(|a| appeal_view(&state, ctx.locale, &cat, &topics, a, day))
        .collect();
    page(&state, &ctx, "my_appeals.html", json!({"appeals": rows}))
}

pub async fn track_form(State(state): State<Arc<AppState>>, ctx: Ctx) -> Response {
    page(
        &state,
        &ctx,
        "appeal_track.html",
        json!({"tracking": "", "check": ""}),
    )
}

/// Who may act on an appeal from the citizen's side: its owner signed in, or someone with its
/// number and the phone or e-mail it was filed with.
enum Holder {
    Citizen(String),
    Contact(String),
}

impl Holder {
    fn viewer(&self) -> Viewer<'_> {
        match self {
            Holder::Citizen(p) => Viewer::Citizen(p),
            Holder::Contact(c) => Viewer::Contact(c),
        }
    }
}

fn holder(ctx: &Ctx, form: Option<&VerifiedForm>) -> Option<Holder> {
    if let Some(check) = form
        .and_then(|f| f.get("check"))
        .filter(|c| !c.trim().is_empty())
    {
        return contact_key(check).map(Holder::Contact);
    }
    ctx.citizen()
        .and_then(|u| u.pinfl.as_ref())
        .map(|p| Holder::Citizen(p.as_str().to_owned()))
}

async fn show_to_applicant(
    state: &AppState,
    ctx: &Ctx,
    a: &Appeal,
    check: Option<&str>,
    message: Option<&str>,
    errors: Vec<(String, String)>,
) -> Response {
    let cat = state.catalogue().await;
    let topics = contact_data(state).await;
    let events = match store(state).events(&a.id, false).await {
        Ok(e) => e,
        Err(e) => return appeal_error(state, ctx, e),
    };
    let (status, errors) = shown_errors(&errors);
    page_with_status(
        state,
        ctx,
        status,
        "appeal.html",
        json!({
            "appeal": appeal_view(state, ctx.locale, &cat, &topics, a, today()),
            "events": events_view(state, ctx.locale, &cat, &events),
            "check": check, "message": message.map(|m| state.i18n.t(ctx.locale, m, None)),
            "errors": errors,
        }),
    )
}

/// Wrong checks a tracking number may take in [`GUESS_WINDOW`] before it is locked for the rest
/// of the window: a phone number is only nine digits, so guessing must not be free.
const MAX_WRONG_CHECKS: u32 = 10;
const GUESS_WINDOW: std::time::Duration = std::time::Duration::from_secs(3600);

/// Tracking numbers remembered at most: the oldest is forgotten first, so made-up numbers by
/// the million cost a bounded table, and flushing out one number's count takes this many tries.
const WRONG_CHECKS_KEPT: usize = 100_000;

type WrongChecks = hashlink::LruCache<String, (u32, std::time::Instant)>;

/// Wrong checks per tracking number on this node: (count, since).
fn wrong_checks() -> std::sync::MutexGuard<'static, WrongChecks> {
    static WRONG: std::sync::OnceLock<std::sync::Mutex<WrongChecks>> = std::sync::OnceLock::new();
    WRONG
        .get_or_init(|| std::sync::Mutex::new(hashlink::LruCache::new(WRONG_CHECKS_KEPT)))
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

fn locked(tracking: &str) -> bool {
    wrong_checks()
        .peek(tracking)
        .is_some_and(|(n, since)| *n >= MAX_WRONG_CHECKS && since.elapsed() < GUESS_WINDOW)
}

fn note_wrong_check(tracking: &str) {
    let mut map = wrong_checks();
    match map.get_mut(tracking) {
        Some(e) if e.1.elapsed() < GUESS_WINDOW => e.0 += 1,
        Some(e) => *e = (1, std::time::Instant::now()),
        None => {
            map.insert(tracking.to_owned(), (1, std::time::Instant::now()));
        }
    }
}

pub async fn track(State(state): State<Arc<AppState>>, ctx: Ctx, form: VerifiedForm) -> Response {
    let tracking = form.get("tracking").unwrap_or("").trim().to_owned();
    let check = form.get("check").unwrap_or("").trim().to_owned();
    let number = yagona_core::TrackingNumber::parse(&tracking).ok();
    if number.as_ref().is_some_and(|t| locked(t.as_str())) {
        return page_with_status(
            &state,
            &ctx,
            StatusCode::TOO_MANY_REQUESTS,
            "appeal_track.html",
            json!({"tracking": tracking, "check": "", "not_found": true,
                   "errors": [{"field": "tracking", "message": state.i18n.t(ctx.locale, "appeal-track-locked", None)}]}),
        );
    }
    let found = match (&number, contact_key(&check)) {
        (Some(t), Some(c)) => match store(&state).get(t.as_str(), Viewer::Contact(&c)).await {
            Ok(a) => a,
            Err(e) => return appeal_error(&state, &ctx, e),
        },
        _ => None,
    };
    if found.is_none() {
        if let Some(t) = &number {
            note_wrong_check(t.as_str());
        }
    }
    match found {
        Some(a) => show_to_applicant(&state, &ctx, &a, Some(&check), None, vec![]).await,
        // One answer for a wrong number, a wrong check, or both: nothing is revealed.
        None => page_with_status(
            &state,
            &ctx,
            StatusCode::NOT_FOUND,
            "appeal_track.html",
            json!({"tracking": tracking, "check": check, "not_found": true,
                   "errors": [{"field": "tracking", "message": state.i18n.t(ctx.locale, "appeal-track-not-found", None)}]}),
        ),
    }
}

pub async fn citizen_appeal(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response {
    let Some(user) = ctx.citizen() else {
        return sign_in_redirect(&ctx);
    };
    let pinfl = user
        .pinfl
        .as_ref()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    match store(&state).get(&id, Viewer::Citizen(&pinfl)).await {
        Ok(Some(a)) => show_to_applicant(&state, &ctx, &a, None, None, vec![]).await,
        Ok(None) => error_page(&state, &ctx, PageError::NotFound),
        Err(e) => appeal_error(&state, &ctx, e),
    }
}

async fn applicant_act(
    state: Arc<AppState>,
    ctx: Ctx,
    id: String,
    form: VerifiedForm,
    rate: bool,
) -> Response {
    let Some(h) = holder(&ctx, Some(&form)) else {
        return if ctx.user.is_some() || form.get("check").is_some() {
            error_page(&state, &ctx, PageError::NotFound)
        } else {
            sign_in_redirect(&ctx)
        };
    };
    let s = store(&state);
    let by_check = matches!(h, Holder::Contact(_));
    if by_check && locked(&id) {
        return error_page(&state, &ctx, PageError::NotFound);
    }
    let Some(a) = (match s.get(&id, h.viewer()).await {
        Ok(a) => a,
        Err(e) => return appeal_error(&state, &ctx, e),
    }) else {
        if by_check {
            note_wrong_check(&id);
        }
        return error_page(&state, &ctx, PageError::NotFound);
    };
    let actor = Actor::Applicant {
        name: a.name.clone(),
    };
    let check = form.get("check").map(str::to_owned);
    let cat = state.catalogue().await;
    let result = if rate {
        let rating = form
            .get("rating")
            .and_then(|r| r.parse::<i64>().ok())
            .unwrap_or(0);
        s.rate(
            &id,
            h.viewer(),
            &actor,
            rating,
            form.get("comment").unwrap_or(""),
        )
        .await
    } else {
        s.reopen(
            &id,
            h.viewer(),
            &actor,
            form.get("reason").unwrap_or(""),
            &cat,
        )
        .await
    };
    match result {
        Ok(a) => {
            let message = if rate {
                "appeal-rated"
            } else {
                "appeal-reopened"
            };
            show_to_applicant(&state, &ctx, &a, check.as_deref(), Some(message), vec![]).await
        }
        Err(AppealError::Invalid { field, problem }) => {
            let errors = vec![(
                field.to_owned(),
                problem_text(&state, ctx.locale, field, problem),
            )];
            show_to_applicant(&state, &ctx, &a, check.as_deref(), None, errors).await
        }
        Err(AppealError::ReopenPeriodOver) => {
            let errors = vec![(
                "reason".to_owned(),
                state.i18n.t(ctx.locale, "appeal-reopen-over", None),
            )];
            show_to_applicant(&state, &ctx, &a, check.as_deref(), None, errors).await
        }
        Err(e) => appeal_error(&state, &ctx, e),
    }
}

pub async fn rate(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Response {
    applicant_act(state, ctx, id, form, true).await
}

pub async fn reopen(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Response {
    applicant_act(state, ctx, id, form, false).await
}

// ---------------------------------------------------------------------------------------------
// The desk: operators (every agency) and officers (their agency)

/// Who works appeals, and what of them they see.
enum Staff {
    Operator {
        id: String,
        name: String,
    },
    Officer {
        id: String,
        name: String,
        agency: String,
    },
}

impl Staff {
    fn of(ctx: &Ctx) -> Option<Staff> {
        if let Some(u) = ctx.operator() {
            return Some(Staff::Operator {
                id: u.id.clone(),
                name: u.name.clone(),
            });
        }
        ctx.officer().map(|(u, a)| Staff::Officer {
            id: u.id.clone(),
            name: u.name.clone(),
            agency: a.to_owned(),
        })
    }
    fn viewer(&self) -> Viewer<'_> {
        match self {
            Staff::Operator { .. } => Viewer::Centre,
            Staff::Officer { agency, .. } => Viewer::Agency(agency),
        }
    }
    fn actor(&self) -> Actor {
        match self {
            Staff::Operator { id, name } => Actor::Operator {
                user_id: id.clone(),
                name: name.clone(),
            },
            Staff::Officer { id, name, agency } => Actor::Officer {
                user_id: id.clone(),
                name: name.clone(),
                agency: agency.clone(),
            },
        }
    }
    fn is_operator(&self) -> bool {
        matches!(self, Staff::Operator { .. })
    }
}

pub async fn desk(ctx: Ctx) -> Response {
    Redirect::to(if ctx.operator().is_some() {
        "/staff/appeals"
    } else {
        "/sign-in?next=/staff/appeals"
    })
    .into_response()
}

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    escalated: String,
    #[serde(default)]
    q: String,
}

pub async fn queue(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Query(q): Query<QueueQuery>,
) -> Response {
    let Some(staff) = Staff::of(&ctx) else {
        return forbidden_or_sign_in(&state, &ctx);
    };
    let day = today();
    let filter = QueueFilter {
        status: Status::parse(&q.status),
        open_only: q.status.is_empty(),
        agency: Some(q.agency.clone()).filter(|a| !a.is_empty() && staff.is_operator()),
        channel: Channel::parse(&q.channel),
        kind: Kind::parse(&q.kind),
        service: None,
        escalated_on: (q.escalated == "1").then_some(day),
        query: Some(q.q.clone()).filter(|s| !s.trim().is_empty()),
        limit: 200,
        ..Default::default()
    };
    let list = match store(&state).queue(staff.viewer(), &filter).await {
        Ok(l) => l,
        Err(e) => return appeal_error(&state, &ctx, e),
    };
    let cat = state.catalogue().await;
    let topics = contact_data(&state).await;
    let l = ctx.locale;
    let rows: Vec<Value> = list
        .iter()
        .map(|a| appeal_view(&state, l, &cat, &topics, a, day))
        .collect();
    let opt = |code: &str, label: String, selected: &str| json!({"code": code, "label": label, "selected": code == selected});
    let statuses: Vec<Value> = Status::ALL
        .iter()
        .map(|s| {
            opt(
                s.code(),
                state
                    .i18n
                    .t(l, &format!("appeal-status-{}", s.code()), None),
                &q.status,
            )
        })
        .collect();
    let channels: Vec<Value> = Channel::ALL
        .iter()
        .map(|c| {
            opt(
                c.code(),
                state
                    .i18n
                    .t(l, &format!("appeal-channel-{}", c.code()), None),
                &q.channel,
            )
        })
        .collect();
    let kinds: Vec<Value> = Kind::ALL
        .iter()
        .map(|k| opt(k.code(), kind_label(&state, l, *k), &q.kind))
        .collect();
    let agencies: Vec<Value> = if staff.is_operator() {
        cat.agencies()
            .iter()
            .map(|a| opt(a.code.as_str(), a.name.get(l).to_owned(), &q.agency))
            .collect()
    } else {
        vec![]
    };
    let escalated = list
        .iter()
        .filter(|a| a.urgency(day).is_some_and(|u| u != Urgency::OnTrack))
        .count();
    page(
        &state,
        &ctx,
        "staff_appeals.html",
        json!({
            "operator": staff.is_operator(),
            "agency_name": match &staff { Staff::Officer { agency, .. } => agency_name(&cat, l, Some(agency)), _ => None },
            "appeals": rows, "statuses": statuses, "channels": channels, "kinds": kinds, "agencies": agencies,
            "q": q.q, "escalated": q.escalated == "1", "escalated_count": escalated,
        }),
    )
}

async fn show_to_staff(
    state: &AppState,
    ctx: &Ctx,
    staff: &Staff,
    a: &Appeal,
    errors: Vec<(String, String)>,
    message: Option<&str>,
) -> Response {
    let cat = state.catalogue().await;
    let topics = contact_data(state).await;
    let l = ctx.locale;
    let events = match store(state).events(&a.id, true).await {
        Ok(e) => e,
        Err(e) => return appeal_error(state, ctx, e),
    };
    let answers: Vec<Value> = topics
        .answers_for(a.service.as_deref(), a.topic.as_deref())
        .iter()
        .map(|k| json!({"code": k.code.as_str(), "question": k.question.get(l), "text": k.text.get(a.locale)}))
        .collect();
    let agencies: Vec<Value> = cat
        .agencies()
        .iter()
        .filter(|ag| Some(ag.code.as_str()) != a.agency.as_deref())
        .map(|ag| json!({"code": ag.code.as_str(), "label": ag.name.get(l)}))
        .collect();
    let mine =
        matches!(staff, Staff::Officer { id, .. } if a.officer_id.as_deref() == Some(id.as_str()));
    let (status, errors) = shown_errors(&errors);
    page_with_status(
        state,
        ctx,
        status,
        "staff_appeal.html",
        json!({
            "appeal": appeal_view(state, l, &cat, &topics, a, today()),
            "events": events_view(state, l, &cat, &events),
            "operator": staff.is_operator(), "mine": mine,
            "knowledge": answers, "agencies": agencies, "errors": errors,
            "message": message.map(|m| state.i18n.t(l, m, None)),
        }),
    )
}

pub async fn staff_appeal(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response {
    let Some(staff) = Staff::of(&ctx) else {
        return forbidden_or_sign_in(&state, &ctx);
    };
    match store(&state).get(&id, staff.viewer()).await {
        Ok(Some(a)) => show_to_staff(&state, &ctx, &staff, &a, vec![], None).await,
        Ok(None) => error_page(&state, &ctx, PageError::NotFound),
        Err(e) => appeal_error(&state, &ctx, e),
    }
}

/// One action on an appeal from the desk: take, reply, answer (from the knowledge base), note,
/// forward, extend, assign, merge, close.
pub async fn act(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Path((id, action)): Path<(String, String)>,
    form: VerifiedForm,
) -> Response {
    let Some(staff) = Staff::of(&ctx) else {
        return forbidden_or_sign_in(&state, &ctx);
    };
    let s = store(&state);
    let cat = state.catalogue().await;
    let actor = staff.actor();
    let viewer = staff.viewer();
    let get = |k: &str| form.get(k).unwrap_or("").to_owned();
    let Some(current) = (match s.get(&id, viewer).await {
        Ok(a) => a,
        Err(e) => return appeal_error(&state, &ctx, e),
    }) else {
        return error_page(&state, &ctx, PageError::NotFound);
    };
    // A form from a page older than the appeal's last change is refused: nobody answers an
    // appeal whose news they have not seen.
    if form.get("revision").and_then(|r| r.parse::<i64>().ok()) != Some(current.revision) {
        return error_page(&state, &ctx, PageError::Conflict);
    }
    let operator = staff.is_operator();
    let result = match (action.as_str(), operator) {
        ("take", false) => s.take(&id, &actor).await,
        ("reply", _) => s.reply(&id, viewer, &actor, &get("text"), operator).await,
        ("answer", _) => {
            let topics = contact_data(&state).await;
            match topics.answer(&get("kb")) {
                Some(k) => {
                    s.reply(&id, viewer, &actor, k.text_in(current.locale), operator)
                        .await
                }
                None => Err(AppealError::Invalid {
                    field: "kb",
                    problem: Problem::Required,
                }),
            }
        }
        ("note", _) => s.note(&id, viewer, &actor, &get("text")).await,
        ("forward", _) => {
            s.forward(&id, viewer, &get("agency"), &get("reason"), &cat, &actor)
                .await
        }
        ("extend", false) => s.extend(&id, viewer, &get("reason"), &cat, &actor).await,
        ("assign", true) => s.assign(&id, &get("agency"), &cat, &actor).await,
        ("merge", true) => s.merge(&id, &get("into"), &actor).await,
        ("close", true) => s.close(&id, viewer, &actor, Some(&get("reason"))).await,
        _ => return error_page(&state, &ctx, PageError::NotFound),
    };
    match result {
        // Forwarded or assigned away: the officer no longer sees it; back to the queue.
        Ok(a) if s.get(&a.id, viewer).await.ok().flatten().is_none() => {
            Redirect::to("/staff/appeals").into_response()
        }
        Ok(a) => {
            let _ = a;
            Redirect::to(&format!("/staff/appeals/{id}")).into_response()
        }
        Err(AppealError::Invalid { field, problem }) => {
            // The store names the text by what it is; the desk's forms call it `text`.
            let input = if matches!(field, "reply" | "note") {
                "text"
            } else {
                field
            };
            let errors = vec![(
                format!("{action}-{input}"),
                problem_text(&state, ctx.locale, field, problem),
            )];
            show_to_staff(&state, &ctx, &staff, &current, errors, None).await
        }
        Err(AppealError::AlreadyExtended) => {
            let errors = vec![(
                "extend-reason".to_owned(),
                state.i18n.t(ctx.locale, "appeal-already-extended", None),
            )];
            show_to_staff(&state, &ctx, &staff, &current, errors, None).await
        }
        Err(e) => appeal_error(&state, &ctx, e),
    }
}

// ---------------------------------------------------------------------------------------------
// Figures

/// The period of the figures: dates in Tashkent, both included; default the last 30 days.
#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct PeriodQuery {
    /// First day, `YYYY-MM-DD`.
    #[serde(default)]
    from: String,
    /// Last day, `YYYY-MM-DD`.
    #[serde(default)]
    to: String,
}

/// Appeals over a period, for everything, by agency and by service.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct FiguresOut {
    from: String,
    to: String,
    total: FiguresRowOut,
    agencies: Vec<FiguresRowOut>,
    services: Vec<FiguresRowOut>,
}

/// One line of figures (`agency` `contact-centre`: appeals not yet routed).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct FiguresRowOut {
    agency: Option<String>,
    service: Option<String>,
    appeals: i64,
    /// Appeals by channel: `portal`, `phone`, `open311`.
    by_channel: std::collections::BTreeMap<String, i64>,
    answered: i64,
    /// Answers by the legal deadline, over answers plus open appeals past their deadline.
    answered_on_time_pct: Option<f64>,
    /// Answered by an operator during the first contact, over all appeals.
    first_contact_pct: Option<f64>,
    ratings: i64,
    average_rating: Option<f64>,
}

impl From<yagona_contact::FiguresRow> for FiguresRowOut {
    fn from(r: yagona_contact::FiguresRow) -> Self {
        FiguresRowOut {
            agency: r.agency,
            service: r.service,
            appeals: r.appeals,
            by_channel: r.by_channel,
            answered: r.answered,
            answered_on_time_pct: r.answered_on_time_pct,
            first_contact_pct: r.first_contact_pct,
            ratings: r.ratings,
            average_rating: r.average_rating,
        }
    }
}

/// The period asked for: `from` and `to` dates (Tashkent, both included); default the last 30
/// days. `None` when a date is malformed or the period is backwards.
fn period(q: &PeriodQuery) -> Option<(NaiveDate, NaiveDate)> {
    let day = today();
    let parse = |s: &str, default: NaiveDate| {
        if s.trim().is_empty() {
            Some(default)
        } else {
            s.trim().parse::<NaiveDate>().ok()
        }
    };
    let to = parse(&q.to, day)?;
    let from = parse(&q.from, to - chrono::Days::new(29))?;
    (from <= to && (to - from).num_days() <= 3660).then_some((from, to))
}

async fn figures(
    state: &AppState,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<yagona_contact::Figures, AppealError> {
    let start = format_timestamp(&tashkent_day_start(from));
    let end = format_timestamp(&tashkent_day_start(to + chrono::Days::new(1)));
    store(state).figures(&start, &end, today()).await
}

pub async fn figures_page(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let l = ctx.locale;
    let Some((from, to)) = period(&q) else {
        let err =
            json!([{"field": "from", "message": state.i18n.t(l, "appeal-period-invalid", None)}]);
        return page_with_status(
            &state,
            &ctx,
            StatusCode::BAD_REQUEST,
            "appeal_figures.html",
            json!({"errors": err, "from": q.from, "to": q.to, "agencies": [], "services": []}),
        );
    };
    let f = match figures(&state, from, to).await {
        Ok(f) => f,
        Err(e) => return appeal_error(&state, &ctx, e),
    };
    let cat = state.catalogue().await;
    let row = |r: &yagona_contact::FiguresRow| {
        let name = match (&r.service, &r.agency) {
            (Some(s), _) => cat
                .service(s)
                .map(|s| s.passport.name.get(l).to_owned())
                .unwrap_or_else(|| s.clone()),
            (None, Some(a)) if a == CENTRE => state.i18n.t(l, "appeal-contact-centre", None),
            (None, Some(a)) => agency_name(&cat, l, Some(a)).unwrap_or_else(|| a.clone()),
            (None, None) => state.i18n.t(l, "appeal-figures-total", None),
        };
        let pct = |v: Option<f64>| v.map(|v| format!("{v:.1} %")).unwrap_or_else(|| "—".into());
        json!({
            "name": name, "appeals": r.appeals,
            "portal": r.by_channel.get("portal").copied().unwrap_or(0),
            "phone": r.by_channel.get("phone").copied().unwrap_or(0),
            "open311": r.by_channel.get("open311").copied().unwrap_or(0),
            "on_time": pct(r.answered_on_time_pct), "first_contact": pct(r.first_contact_pct),
            "rating": r.average_rating.map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into()),
            "ratings": r.ratings,
        })
    };
    page(
        &state,
        &ctx,
        "appeal_figures.html",
        json!({
            "from": from.to_string(), "to": to.to_string(),
            "from_label": view::date(&state.i18n, l, from), "to_label": view::date(&state.i18n, l, to),
            "total": row(&f.total),
            "agencies": f.agencies.iter().map(row).collect::<Vec<_>>(),
            "services": f.services.iter().map(row).collect::<Vec<_>>(),
        }),
    )
}

/// `GET /api/v1/appeals/figures?from=YYYY-MM-DD&to=YYYY-MM-DD`: the same figures as JSON.
#[utoipa::path(get, path = "/api/v1/appeals/figures", params(PeriodQuery),
    responses((status = 200, body = FiguresOut), (status = 400, body = crate::api::Problem, description = "A malformed or backwards period")),
    tag = "appeals")]
pub async fn figures_json(
    State(state): State<Arc<AppState>>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let Some((from, to)) = period(&q) else {
        return crate::api::problem(
            StatusCode::BAD_REQUEST,
            "invalid-period",
            "Invalid period",
            Some(
                "from and to are dates (YYYY-MM-DD), from not after to, at most ten years apart"
                    .into(),
            ),
        );
    };
    match figures(&state, from, to).await {
        Ok(f) => Json(FiguresOut {
            from: from.to_string(),
            to: to.to_string(),
            total: f.total.into(),
            agencies: f.agencies.into_iter().map(Into::into).collect(),
            services: f.services.into_iter().map(Into::into).collect(),
        })
        .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "appeal figures failed");
            crate::api::problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
                None,
            )
        }
    }
}

//! Filing an appeal: the portal's form ("Ask a question, complain or propose") and the
//! operator's record of a phone call.

use super::{appeal_error, appeal_view, contact_data, kind_label, problem_text, store, today};
use crate::context::Ctx;
use crate::form::VerifiedForm;
use crate::render::{error_page, page, page_with_status, PageError};
use crate::staff::forbidden_or_sign_in;
use crate::Pages;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use yagona_contact::topics::ContactData;
use yagona_contact::{Actor, AppealError, Channel, Kind, NewAppeal, Problem};
use yagona_core::{Locale, Pinfl};
use yagona_registry::Catalogue;

#[derive(Deserialize, Default)]
pub(super) struct NewQuery {
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
    state: &Pages,
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

fn form_page(state: &Pages, ctx: &Ctx, fs: FormState<'_>, status: StatusCode) -> Response {
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
pub(super) async fn new_form(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Query(q): Query<NewQuery>,
) -> Response {
    let cat = state.catalogue.get().await;
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
    state: &Pages,
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
        first_contact_answer: opt("answer"),
        first_contact_kb: opt("kb"),
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
    state: &Pages,
    ctx: &Ctx,
    form: VerifiedForm,
    new: NewAppeal,
    operator: bool,
) -> Response {
    let cat = state.catalogue.get().await;
    let topics = contact_data(state).await;
    match store(state).create(&cat, new).await {
        Ok(filed) => {
            let a = filed.appeal;
            if operator {
                return Redirect::to(&format!("/staff/appeals/{}", a.id)).into_response();
            }
            // Whoever filed it follows it from this browser without the check, for a while.
            let contact = a.phone.as_deref().or(a.email.as_deref());
            if let (None, Some(c)) = (ctx.citizen(), contact) {
                if let Err(e) = store(state).grant(&ctx.sid, &a.id, c).await {
                    // Filed and acknowledged all the same: the number and check still follow it.
                    tracing::warn!(error = %e, "appeal not granted to its filer's browser");
                }
            }
            page(
                state,
                ctx,
                "appeal_sent.html",
                json!({"appeal": appeal_view(state, ctx.locale, &cat, &topics, &a, today()), "signed_in": ctx.citizen().is_some(), "hours": yagona_contact::FOLLOW_HOURS}),
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
        // Filing what only the contact centre may (a named person, a date back): forbidden.
        Err(AppealError::NotAllowed) => error_page(state, ctx, PageError::Forbidden),
        Err(e) => appeal_error(state, ctx, e),
    }
}

fn refill(
    state: &Pages,
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
pub(super) async fn file(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    form: VerifiedForm,
) -> Response {
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
        Actor::Applicant {
            name: actor_name,
            pinfl: pinfl.clone(),
        },
        name,
        pinfl,
    );
    match read {
        // What only the contact centre may give (a first-contact answer, a named person, …)
        // is refused by the contact point.
        Ok(new) => file_and_confirm(&state, &ctx, form, new, false).await,
        Err(errors) => {
            let cat = state.catalogue.get().await;
            let topics = contact_data(&state).await;
            refill(&state, &ctx, &form, errors, false, &cat, &topics)
        }
    }
}

/// The operator's form for a phone call.
pub(super) async fn call_form(State(state): State<Arc<Pages>>, ctx: Ctx) -> Response {
    if ctx.operator().is_none() {
        return forbidden_or_sign_in(&state, &ctx);
    }
    let cat = state.catalogue.get().await;
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

pub(super) async fn record_call(
    State(state): State<Arc<Pages>>,
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
            let cat = state.catalogue.get().await;
            let topics = contact_data(&state).await;
            refill(&state, &ctx, &form, errors, true, &cat, &topics)
        }
    }
}

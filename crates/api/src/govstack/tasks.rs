//! Officers' tasks: the open user tasks of their agency, and completing one.

use super::files::visible;
use super::{body, ok, refusal, status_model, unauthorized, JsonBody, Paging};
use crate::problem::{internal, not_found, Params};
use crate::{Api, Caller};
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use yagona_applications::process::review_schema;
use yagona_applications::{Actor, Application, ApplicationError, Decision, InboxFilter, UserTask};
use yagona_workflow::model::label_in;

/// `REFERENCE.INSTANCE:WAIT`: the application file and the task's key within its processes.
fn task_id(reference: &impl std::fmt::Display, task: &UserTask) -> String {
    format!("{reference}.{}", task.key())
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub(super) struct TaskQuery {
    /// Only the tasks of this main process instance (a task's `mainTaskId`).
    #[serde(default)]
    main_task_id: Option<String>,
    /// Only the tasks of this application file.
    #[serde(default)]
    file_id: Option<String>,
    /// Only the tasks assigned to this officer.
    #[serde(default)]
    assignee_id: Option<String>,
    /// The index of the first result.
    #[serde(default)]
    first_result: Option<usize>,
    /// At most this many results (100 if not said, never more than 500).
    #[serde(default)]
    max_result: Option<usize>,
    /// `id`, `name`, `nameCaseInsensitive`, `created`, `assignee`, `instanceId` or another of
    /// the building block's criteria (those it has no counterpart for keep the order).
    #[serde(default)]
    sort_by: Option<String>,
    /// `asc` (default) or `desc`.
    #[serde(default)]
    sort_order: Option<String>,
}

/// How `sortBy` names a task's fields.
const TASK_ORDER: &[(&str, &str)] = &[
    ("id", "taskId"),
    ("name", "name"),
    ("nameCaseInsensitive", "name"),
    ("created", "created"),
    ("assignee", "assigneeId"),
    ("instanceId", "mainTaskId"),
    ("executionId", "mainTaskId"),
];

/// The open tasks offered to the officer's agency.
#[utoipa::path(get, path = "/govstack/registration/tasks", tag = "govstack-registration", params(TaskQuery),
    responses((status = 200, description = "[{taskId, mainTaskId, name, assigneeId, roleId, created, serviceId, serviceName, fileId, eFormId, status}]"),
        (status = 400, body = yagona_core::Problem, content_type = "application/problem+json", description = "A query parameter that cannot be read, or an unknown sortBy or sortOrder"),
        (status = 401, body = yagona_core::Problem, content_type = "application/problem+json")))]
pub(super) async fn list_tasks(
    State(api): State<Arc<Api>>,
    caller: Caller,
    Params(q): Params<TaskQuery>,
) -> Response {
    let Some(officer) = caller.officer() else {
        return unauthorized("an officer");
    };
    let Actor::Officer { agency, .. } = &officer else {
        return unauthorized("an officer");
    };
    let filter = InboxFilter {
        query: q.file_id.clone(),
        ..Default::default()
    };
    let items = match api.applications.inbox(&officer, &filter).await {
        Ok(i) => i,
        Err(e) => return internal(e),
    };
    let cat = api.catalogue.get().await;
    let l = caller.locale;
    let rows: Vec<Value> = items
        .iter()
        .filter(|i| q.assignee_id.as_ref().is_none_or(|a| i.task.assignee.as_ref() == Some(a)))
        .filter(|i| {
            q.main_task_id
                .as_ref()
                .is_none_or(|m| i.application.process_instance.as_ref() == Some(m))
        })
        .map(|i| {
            let a = &i.application;
            json!({
                "taskId": task_id(&a.reference, &i.task),
                "mainTaskId": a.process_instance,
                "name": label_in(&i.task.label, l).unwrap_or_else(|| i.task.element_id.clone()),
                "assigneeId": i.task.assignee,
                "roleId": agency,
                "created": yagona_core::format_timestamp(&i.task.created_at),
                "serviceId": a.service_code,
                "serviceName": cat.service(&a.service_code).map(|s| s.passport.name.get(l).to_owned()),
                "fileId": a.reference,
                "eFormId": i.task.form_key,
                "status": status_model(a.status),
            })
        })
        .collect();
    let paging = Paging {
        first_result: q.first_result,
        max_result: q.max_result,
        sort_by: q.sort_by.as_deref(),
        sort_order: q.sort_order.as_deref(),
    };
    match paging.apply(rows, TASK_ORDER) {
        Ok(rows) => ok(json!(rows)),
        Err(r) => r,
    }
}

/// The officer's task with this id, with its application.
async fn officer_task(
    api: &Api,
    caller: &Caller,
    task: &str,
) -> Result<(Application, UserTask), Response> {
    let Some(agency) = caller.user.as_ref().and_then(|u| u.officer_agency()) else {
        return Err(unauthorized("an officer"));
    };
    let Some((file, key)) = task.split_once('.') else {
        return Err(not_found("task"));
    };
    let app = visible(api, caller, file).await?;
    let tasks = api
        .applications
        .tasks_for(&app, agency)
        .await
        .map_err(|e| refusal(e, "the task"))?;
    let t = tasks
        .into_iter()
        .find(|t| t.key() == key)
        .ok_or_else(|| not_found("task"))?;
    Ok((app, t))
}

/// A value as the building block types a task's `data` and `formVariables`: every entry an
/// object — Camunda's typed variable (`{"value", "type"}`), as the task API it follows has it.
fn typed(value: &Value) -> Value {
    let kind = match value {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "Long",
        Value::Number(_) => "Double",
        Value::String(_) => "String",
        Value::Array(_) | Value::Object(_) => "Json",
    };
    json!({"value": value, "type": kind})
}

/// A JSON Schema type as Camunda's variable type.
fn variable_type(schema: &Value) -> &'static str {
    match schema.get("type").and_then(Value::as_str) {
        Some("boolean") => "Boolean",
        Some("integer") => "Long",
        Some("number") => "Double",
        Some("object") | Some("array") => "Json",
        _ => "String",
    }
}

/// The task's form as variables: each field an object with its type, its current value (from
/// the answers, where the form shares a name with them), and in `valueInfo` its JSON Schema
/// and whether it is required.
fn form_variables(schema: &Value, answers: &Map<String, Value>) -> Value {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let vars: Map<String, Value> = schema["properties"]
        .as_object()
        .map(|props| {
            props
                .iter()
                .map(|(name, field)| {
                    let value = answers.get(name).cloned().unwrap_or(Value::Null);
                    let var = json!({
                        "value": value,
                        "type": variable_type(field),
                        "valueInfo": {"schema": field, "required": required.contains(&name.as_str())},
                    });
                    (name.clone(), var)
                })
                .collect()
        })
        .unwrap_or_default();
    Value::Object(vars)
}

/// A task's form schema with the decision and comment every review records.
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

/// One task, with the form it records (`formVariables`: JSON Schema).
#[utoipa::path(get, path = "/govstack/registration/tasks/{task}", tag = "govstack-registration",
    params(("task" = String, Path, description = "REFERENCE.INSTANCE:WAIT")),
    responses((status = 200, description = "{taskId, taskName, assigneeId, roleId, created, fileId, serviceId, serviceName, eFormId, formVariables, status, data}: `data` and `formVariables` hold typed variables, `{value, type}` (`formVariables` also `valueInfo: {schema, required}`)"),
        (status = 401, body = yagona_core::Problem, content_type = "application/problem+json"), (status = 404, body = yagona_core::Problem, content_type = "application/problem+json")))]
pub(super) async fn get_task(
    State(api): State<Arc<Api>>,
    caller: Caller,
    Path(task): Path<String>,
) -> Response {
    let (app, t) = match officer_task(&api, &caller, &task).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let cat = api.catalogue.get().await;
    let l = caller.locale;
    let form_variables = match api.applications.task_form(&app, &t).await {
        Ok(Some(tf)) => form_variables(&with_decision(&tf.schema), &Map::new()),
        Ok(None) => form_variables(&review_schema(), &Map::new()),
        Err(e) => return refusal(e, "the task"),
    };
    ok(json!({
        "taskId": task_id(&app.reference, &t),
        "taskName": label_in(&t.label, l).unwrap_or_else(|| t.element_id.clone()),
        "assigneeId": t.assignee,
        "roleId": caller.user.as_ref().and_then(|u| u.officer_agency()),
        "created": yagona_core::format_timestamp(&t.created_at),
        "fileId": app.reference,
        "serviceId": app.service_code,
        "serviceName": cat.service(&app.service_code).map(|s| s.passport.name.get(l).to_owned()),
        "eFormId": t.form_key,
        "formVariables": form_variables,
        "status": status_model(app.status),
        "data": app.answers.iter().map(|(k, v)| (k.clone(), typed(v))).collect::<Map<String, Value>>(),
    }))
}

#[derive(Deserialize)]
pub(super) struct Completion {
    #[serde(default)]
    data: Map<String, Value>,
}

/// Completes a review task with `data` = `{decision, comment, …}`: the decision and what the
/// task's own form records, checked by the applications component exactly as on the officer's
/// page.
#[utoipa::path(post, path = "/govstack/registration/tasks/{task}/complete", tag = "govstack-registration",
    params(("task" = String, Path, description = "REFERENCE.INSTANCE:WAIT")),
    request_body(content = Object, description = "{data: {decision: approve | reject | return, comment, …the task form's fields}}"),
    responses((status = 200, description = "{taskId, fileId, serviceId, status, variables}"),
        (status = 400, body = yagona_core::Problem, content_type = "application/problem+json", description = "The body is not JSON"), (status = 415, body = yagona_core::Problem, content_type = "application/problem+json", description = "The body is not said to be JSON"),
        (status = 401, body = yagona_core::Problem, content_type = "application/problem+json"), (status = 404, body = yagona_core::Problem, content_type = "application/problem+json"),
        (status = 409, body = yagona_core::Problem, content_type = "application/problem+json"),
        (status = 422, body = yagona_core::Problem, content_type = "application/problem+json", description = "Every field that breaks the review or the task's form")))]
pub(super) async fn complete_task(
    State(api): State<Arc<Api>>,
    caller: Caller,
    Path(task): Path<String>,
    payload: JsonBody<Completion>,
) -> Response {
    let (app, t) = match officer_task(&api, &caller, &task).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(officer) = caller.officer() else {
        return unauthorized("an officer");
    };
    let body = match body(payload) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let decision = match decision(body.data) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let recorded = json!({
        "decision": typed(&json!(decision.decision)),
        "comment": typed(&json!(decision.comment)),
    });
    match api
        .applications
        .decide(&officer, &app.reference, &t.key(), decision)
        .await
    {
        Ok(done) => ok(json!({
            "taskId": task,
            "fileId": done.reference,
            "serviceId": done.service_code,
            "status": status_model(done.status),
            "variables": {"data": recorded},
        })),
        Err(e) => refusal(e, "data does not satisfy the task's form"),
    }
}

/// An officer's input as a decision: `decision`, `comment` and what the task's own form
/// records.
pub(super) fn decision(mut data: Map<String, Value>) -> Result<Decision, Response> {
    // The decision and the comment are texts: anything else is the field's type error, as
    // the review's schema has it.
    let mut wrong = Vec::new();
    let mut text = |field: &str| match data.remove(field) {
        Some(Value::String(s)) => Some(s),
        Some(Value::Null) | None => None,
        Some(_) => {
            wrong.push(yagona_forms::FieldError {
                field: field.to_owned(),
                keyword: "type".into(),
                limit: None,
                message: None,
            });
            None
        }
    };
    let (decided, comment) = (text("decision"), text("comment"));
    if !wrong.is_empty() {
        return Err(refusal(
            ApplicationError::Invalid(wrong),
            "data does not satisfy the task's form",
        ));
    }
    Ok(Decision {
        decision: decided,
        comment,
        result: None,
        data,
    })
}

//! The administrators' incidents: where a process could not go on, with its diagram (the element
//! in red), the instance's variables to correct, and a retry — the page twin of
//! `/api/v1/incidents`.

use crate::context::Ctx;
use crate::form::VerifiedForm;
use crate::render::{error_page, page, page_with_status, PageError};
use crate::staff::forbidden_or_sign_in;
use crate::Pages;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{json, Map, Value};
use std::sync::Arc;
use yagona_applications::process::processes;
use yagona_workflow::store::{Incident, StoreError};

/// The applications' reference numbers by their ids (the processes' business keys).
async fn references(
    state: &Pages,
    incidents: &[Incident],
) -> std::collections::HashMap<String, String> {
    let ids: Vec<String> = incidents
        .iter()
        .filter_map(|i| i.business_key.clone())
        .collect();
    state
        .applications
        .store()
        .references(&ids)
        .await
        .map(|m| m.into_iter().map(|(k, v)| (k, v.to_string())).collect())
        .unwrap_or_default()
}

fn row(
    state: &Pages,
    l: yagona_core::Locale,
    i: &Incident,
    refs: &std::collections::HashMap<String, String>,
) -> Value {
    json!({
        "id": i.id,
        "when": state.i18n.date_time(l, &i.created_at),
        "reference": i.business_key.as_ref().and_then(|k| refs.get(k)),
        "process": i.process_id,
        "element": i.element_id,
        "message": i.message,
        "caused_by": i.caused_by,
    })
}

pub async fn list(State(state): State<Arc<Pages>>, ctx: Ctx) -> Response {
    if ctx.admin().is_none() {
        return forbidden_or_sign_in(&state, &ctx);
    }
    let cat = state.catalogue.get().await;
    let incidents = match processes(&state.db, &cat.calendar)
        .open_incidents(500)
        .await
    {
        Ok(i) => i,
        Err(e) => {
            tracing::error!(error = %e, "listing incidents");
            return error_page(&state, &ctx, PageError::Internal);
        }
    };
    let refs = references(&state, &incidents).await;
    let rows: Vec<Value> = incidents
        .iter()
        .map(|i| row(&state, ctx.locale, i, &refs))
        .collect();
    page(
        &state,
        &ctx,
        "admin_incidents.html",
        json!({ "incidents": rows }),
    )
}

async fn render_one(
    state: &Pages,
    ctx: &Ctx,
    id: &str,
    status: StatusCode,
    errors: Vec<Value>,
    entered: Option<&str>,
) -> Response {
    let cat = state.catalogue.get().await;
    let store = processes(&state.db, &cat.calendar);
    let incident = match store.incident(id).await {
        Ok(Some(i)) if i.resolved_at.is_none() => i,
        Ok(_) => return error_page(state, ctx, PageError::NotFound),
        Err(e) => {
            tracing::error!(error = %e, "reading an incident");
            return error_page(state, ctx, PageError::Internal);
        }
    };
    let variables = match store.variables(&incident.instance_id).await {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, "reading an instance's variables");
            return error_page(state, ctx, PageError::Internal);
        }
    };
    let title = format!("{} — {}", incident.process_id, incident.element_id);
    let diagram = store
        .diagram(&incident.instance_id, &title, Some(ctx.locale.tag()))
        .await
        .map_err(|e| tracing::error!(error = %e, "incident diagram"))
        .ok();
    let refs = references(state, std::slice::from_ref(&incident)).await;
    let shown = entered.map(str::to_owned).unwrap_or_else(|| {
        serde_json::to_string_pretty(&Value::Object(variables)).unwrap_or_default()
    });
    page_with_status(
        state,
        ctx,
        status,
        "admin_incident.html",
        json!({
            "incident": row(state, ctx.locale, &incident, &refs),
            "variables": shown,
            "diagram": diagram,
            "errors": errors,
        }),
    )
}

pub async fn show(State(state): State<Arc<Pages>>, ctx: Ctx, Path(id): Path<String>) -> Response {
    if ctx.admin().is_none() {
        return forbidden_or_sign_in(&state, &ctx);
    }
    render_one(&state, &ctx, &id, StatusCode::OK, Vec::new(), None).await
}

/// Saves corrected variables (merged into the instance's), or retries, or both: the button says.
pub async fn act(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(id): Path<String>,
    form: VerifiedForm,
) -> Response {
    let Some(admin) = ctx.admin() else {
        return forbidden_or_sign_in(&state, &ctx);
    };
    let by = admin.name.clone();
    let l = ctx.locale;
    let cat = state.catalogue.get().await;
    let store = processes(&state.db, &cat.calendar);
    let incident = match store.incident(&id).await {
        Ok(Some(i)) if i.resolved_at.is_none() => i,
        Ok(_) => return error_page(&state, &ctx, PageError::NotFound),
        Err(e) => {
            tracing::error!(error = %e, "reading an incident");
            return error_page(&state, &ctx, PageError::Internal);
        }
    };
    let text = form.get("variables").unwrap_or_default();
    let vars: Map<String, Value> = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(o)) => o,
        _ => {
            let errors = vec![json!({
                "field": "variables",
                "message": state.i18n.t(l, "incident-variables-invalid", None),
            })];
            return render_one(
                &state,
                &ctx,
                &id,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
                Some(text),
            )
            .await;
        }
    };
    let unchanged = store
        .variables(&incident.instance_id)
        .await
        .map(|v| v == vars)
        .unwrap_or(false);
    if !unchanged {
        if let Err(e) = store.set_variables(&incident.instance_id, vars, &by).await {
            tracing::error!(error = %e, "setting variables");
            return error_page(&state, &ctx, PageError::Internal);
        }
    }
    if form.get("action") != Some("retry") {
        return Redirect::to(&format!("/admin/incidents/{id}")).into_response();
    }
    match store.retry_incident(&id, &by).await {
        Ok(_) => Redirect::to("/admin/incidents").into_response(),
        // Still stuck: the new incident is the one to look at.
        Err(StoreError::Incident { id: again, .. }) => {
            Redirect::to(&format!("/admin/incidents/{again}")).into_response()
        }
        Err(StoreError::NoIncident(_)) => Redirect::to("/admin/incidents").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "retrying an incident");
            error_page(&state, &ctx, PageError::Internal)
        }
    }
}

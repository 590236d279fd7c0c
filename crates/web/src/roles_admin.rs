//! The e-Government Centre's page of staff roles: who is an officer of which agency, an operator
//! or an administrator by an administrator's decision (beside what identity providers say), with
//! every change audited — who gave or took a role, when. A role given applies at once and at
//! every sign-in; a role taken away ends the person's sessions.

use crate::context::Ctx;
use crate::form::VerifiedForm;
use crate::render::{error_page, page_with_status, PageError};
use crate::Pages;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{json, Value};
use std::sync::Arc;
use yagona_core::Pinfl;
use yagona_identity::{IdentityStore, Role};

const ROLES: [Role; 3] = [Role::Officer, Role::Operator, Role::Admin];

async fn view(state: &Pages, ctx: &Ctx) -> Result<Value, yagona_db::DbError> {
    let store = IdentityStore { db: &state.db };
    let cat = state.catalogue.get().await;
    let agency_name = |code: &Option<String>| {
        code.as_deref().map(|c| {
            cat.agency(c)
                .map(|a| a.name.get(ctx.locale).to_owned())
                .unwrap_or(c.to_owned())
        })
    };
    // A stored moment as the page's language writes it (as stored, should it not read).
    let when = |at: &str| {
        yagona_core::parse_timestamp(at)
            .map_or_else(|| at.to_owned(), |t| state.i18n.date_time(ctx.locale, &t))
    };
    let grants: Vec<Value> = store
        .role_grants()
        .await?
        .iter()
        .map(|g| json!({"pinfl": g.pinfl, "role": g.role.code(), "agency": agency_name(&g.agency), "by": g.granted_by, "at": when(&g.granted_at)}))
        .collect();
    let changes: Vec<Value> = store
        .role_changes(50)
        .await?
        .iter()
        .map(|c| json!({"pinfl": c.pinfl, "change": c.change, "role": c.role.code(), "agency": agency_name(&c.agency), "by": c.changed_by, "at": when(&c.changed_at)}))
        .collect();
    let agencies: Vec<Value> = cat
        .agencies()
        .iter()
        .map(|a| json!({"code": a.code.as_str(), "name": a.name.get(ctx.locale)}))
        .collect();
    let roles: Vec<&str> = ROLES.iter().map(|r| r.code()).collect();
    Ok(json!({"grants": grants, "changes": changes, "agencies": agencies, "roles": roles}))
}

/// `GET /admin/roles`.
pub async fn list(State(state): State<Arc<Pages>>, ctx: Ctx) -> Response {
    if ctx.admin().is_none() {
        return crate::staff::forbidden_or_sign_in(&state, &ctx);
    }
    match view(&state, &ctx).await {
        Ok(data) => page_with_status(&state, &ctx, StatusCode::OK, "admin_roles.html", data),
        Err(e) => {
            tracing::error!(error = %e, "staff roles");
            error_page(&state, &ctx, PageError::Internal)
        }
    }
}

/// `POST /admin/roles`: give (`action=grant`, with PINFL, role and — for an officer — agency)
/// or take away (`action=withdraw`, with PINFL) a staff role. Wrong answers come back on the
/// page with what to fix, and nothing changes.
pub async fn change(State(state): State<Arc<Pages>>, ctx: Ctx, form: VerifiedForm) -> Response {
    let Some(admin) = ctx.admin() else {
        return crate::staff::forbidden_or_sign_in(&state, &ctx);
    };
    let t = |key: &str| state.i18n.t(ctx.locale, key, None);
    let mut errors = Vec::new();
    let pinfl = Pinfl::parse(form.get("pinfl").unwrap_or("").trim()).ok();
    if pinfl.is_none() {
        errors.push(json!({"field": "pinfl", "message": t("roles-error-pinfl")}));
    }
    let withdraw = form.get("action") == Some("withdraw");
    let role = ROLES
        .into_iter()
        .find(|r| form.get("role") == Some(r.code()));
    let cat = state.catalogue.get().await;
    let agency = form
        .get("agency")
        .filter(|a| !a.is_empty())
        .filter(|a| cat.agency(a).is_some());
    if !withdraw {
        if role.is_none() {
            errors.push(json!({"field": "role", "message": t("roles-error-role")}));
        }
        if role == Some(Role::Officer) && agency.is_none() {
            errors.push(json!({"field": "agency", "message": t("roles-error-agency")}));
        }
    }
    if !errors.is_empty() {
        return match view(&state, &ctx).await {
            Ok(mut data) => {
                data["errors"] = json!(errors);
                data["entered"] = json!({"pinfl": form.get("pinfl"), "role": form.get("role"), "agency": form.get("agency")});
                page_with_status(
                    &state,
                    &ctx,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "admin_roles.html",
                    data,
                )
            }
            Err(_) => error_page(&state, &ctx, PageError::Internal),
        };
    }
    let (Some(pinfl), store) = (pinfl, IdentityStore { db: &state.db }) else {
        return error_page(&state, &ctx, PageError::BadRequest);
    };
    let done = if withdraw {
        store.withdraw_role(&pinfl, &admin.name).await.map(|_| ())
    } else {
        store
            .grant_role(&pinfl, role.unwrap_or(Role::Officer), agency, &admin.name)
            .await
    };
    match done {
        Ok(()) => {
            tracing::info!(admin = %admin.name, pinfl = %pinfl.as_str(), withdraw, role = ?role, agency = ?agency, "staff role changed");
            Redirect::to("/admin/roles").into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "changing a staff role");
            error_page(&state, &ctx, PageError::Internal)
        }
    }
}

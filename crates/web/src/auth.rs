//! Sign-in and sign-out. The demo identity provider lists personas; a real provider (OneID or
//! another OpenID Connect issuer) would add its own routes and end in the same `establish`.

use crate::context::{set_cookie, Ctx, SESSION_COOKIE};
use crate::form::VerifiedForm;
use crate::render::{error_page, page, PageError};
use crate::Pages;
use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use yagona_identity::{demo, random_token, IdentityStore, Role, User, SESSION_HOURS};

#[derive(Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// Only a path on this site: never `//host` or `https://…` (no open redirects).
fn safe_next(next: &str, fallback: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_owned()
    } else {
        fallback.to_owned()
    }
}

pub async fn sign_in_page(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Query(q): Query<NextQuery>,
) -> Response {
    if !state.config.demo_sign_in {
        return error_page(&state, &ctx, PageError::NotFound);
    }
    let users = match (IdentityStore { db: &state.db }).users_of(demo::IDP).await {
        Ok(u) => u,
        Err(e) => {
            tracing::error!(error = %e, "persona list failed");
            return error_page(&state, &ctx, PageError::Internal);
        }
    };
    let cat = state.catalogue.get().await;
    let persona = |u: &User| {
        let agency = u
            .agency
            .as_deref()
            .and_then(|a| cat.agency(a))
            .map(|a| a.name.get(ctx.locale).to_owned());
        json!({"subject": u.subject, "name": u.name, "pinfl": u.pinfl.as_ref().map(|p| p.as_str()), "agency": agency})
    };
    let of = |r: Role| {
        users
            .iter()
            .filter(|u| u.role == r)
            .map(persona)
            .collect::<Vec<Value>>()
    };
    page(
        &state,
        &ctx,
        "sign_in.html",
        json!({"citizens": of(Role::Citizen), "officers": of(Role::Officer), "admins": of(Role::Admin), "operators": of(Role::Operator), "next": q.next}),
    )
}

pub async fn sign_in(State(state): State<Arc<Pages>>, ctx: Ctx, form: VerifiedForm) -> Response {
    if !state.config.demo_sign_in {
        return error_page(&state, &ctx, PageError::NotFound);
    }
    let store = IdentityStore { db: &state.db };
    let subject = form.get("persona").unwrap_or("");
    let user = match store.find_by_subject(demo::IDP, subject).await {
        Ok(Some(u)) => u,
        Ok(None) => return error_page(&state, &ctx, PageError::BadRequest),
        Err(e) => {
            tracing::error!(error = %e, "sign-in lookup failed");
            return error_page(&state, &ctx, PageError::Internal);
        }
    };
    let fallback = match user.role {
        Role::Citizen => "/applications",
        Role::Officer => "/staff/applications",
        Role::Admin => "/admin",
        Role::Operator => "/desk",
    };
    establish(
        &state,
        &ctx,
        &user,
        &safe_next(form.get("next").unwrap_or(""), fallback),
    )
    .await
}

/// Starts a session for a person whom a provider has vouched for. The session id changes at
/// sign-in, so an id planted before sign-in is worthless after it.
async fn establish(state: &Pages, ctx: &Ctx, user: &User, next: &str) -> Response {
    let store = IdentityStore { db: &state.db };
    let token = match store.start_session(&user.id).await {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "session start failed");
            return error_page(state, ctx, PageError::Internal);
        }
    };
    tracing::info!(user = %user.id, idp = %user.idp, "signed in");
    let mut resp = Redirect::to(next).into_response();
    resp.headers_mut().append(
        SET_COOKIE,
        set_cookie(state, SESSION_COOKIE, &token, SESSION_HOURS * 3600),
    );
    resp
}

pub async fn sign_out(State(state): State<Arc<Pages>>, ctx: Ctx, _form: VerifiedForm) -> Response {
    if let Err(e) = (IdentityStore { db: &state.db })
        .end_session(&ctx.sid)
        .await
    {
        tracing::error!(error = %e, "sign-out failed");
    }
    let mut resp = Redirect::to("/").into_response();
    resp.headers_mut().append(
        SET_COOKIE,
        set_cookie(&state, SESSION_COOKIE, &random_token(), 60 * 60 * 24 * 30),
    );
    resp
}

//! Sign-in and sign-out. The sign-in page offers the configured providers; `/sign-in/{provider}`
//! leaves for one with a fresh state, nonce and PKCE challenge, and `/sign-in/{provider}/callback`
//! comes back, checks everything and starts the session. In the demo, `/sign-in` is also the
//! demo provider's authorization endpoint (its personas, `crate::demo_idp`), so the demo's
//! people come in the same way. A sign-in that fails any check shows why, in the person's
//! language, and starts no session. Signing out of a provider's session also ends it at the
//! provider (RP-initiated logout) where the provider offers that.

use crate::context::{set_cookie, Ctx, SESSION_COOKIE};
use crate::form::VerifiedForm;
use crate::oidc::SignInError;
use crate::render::{error_page, page, PageError};
use crate::Pages;
use axum::extract::{Path, Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use yagona_identity::attempts::{Attempts, Limit};
use yagona_identity::{demo, random_token, IdentityStore, Role, User, SESSION_HOURS};

/// Sign-ins one client may start in a quarter of an hour, on any node: each keeps an attempt
/// and sends the browser to a provider, and a failed one may be a guess.
const SIGN_INS: Limit = Limit {
    scope: "sign-in",
    max: 30,
    window_secs: 900,
};

/// Counts a sign-in started from this client; `Err` with the page to show when it is one
/// too many.
async fn count_sign_in(state: &Pages, ctx: &Ctx) -> Result<(), Response> {
    match (Attempts { db: &state.db })
        .spend(&SIGN_INS, &ctx.client)
        .await
    {
        Ok(true) => Ok(()),
        Ok(false) => Err(sign_in_failed(state, ctx, SignInError::TooMany)),
        Err(e) => Err(sign_in_failed(state, ctx, SignInError::Db(e))),
    }
}

#[derive(Deserialize, Default)]
pub struct SignInQuery {
    #[serde(default)]
    next: String,
    /// Present when the page is asked as the demo provider's authorization endpoint.
    #[serde(flatten)]
    authorize: crate::demo_idp::AuthorizeQuery,
}

/// Only a path on this site: never `//host` or `https://…` (no open redirects).
/// Browsers drop tabs and newlines from addresses (`/\t/evil.example` is `//evil.example` to
/// them), and a header holds no newline: only visible ASCII (the portal's own addresses are
/// percent-encoded).
fn safe_next(next: &str, fallback: &str) -> String {
    let printable = next.bytes().all(|b| b.is_ascii_graphic());
    if printable && next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_owned()
    } else {
        fallback.to_owned()
    }
}

/// `GET /sign-in`: the providers to sign in with. In the demo, this is also the demo
/// provider's authorization endpoint (the personas); with no other provider, a person arriving
/// goes straight there, through the same relying party as any provider.
pub async fn sign_in_page(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Query(q): Query<SignInQuery>,
) -> Response {
    if state.config.demo_sign_in && q.authorize.is_authorization() {
        return demo_personas(&state, &ctx, &q.authorize).await;
    }
    if state.providers.is_empty() {
        return error_page(&state, &ctx, PageError::NotFound);
    }
    let next = safe_next(&q.next, "");
    let only_demo = state.config.demo_sign_in
        && state.providers.configs().count() == 1
        && state
            .providers
            .configs()
            .all(|p| p.id == crate::demo_idp::PROVIDER);
    if only_demo {
        return leave(&state, &ctx, crate::demo_idp::PROVIDER, &next, None).await;
    }
    let providers: Vec<Value> = state
        .providers
        .configs()
        .map(|p| {
            let href = if next.is_empty() {
                format!("/sign-in/{}", p.id)
            } else {
                format!("/sign-in/{}?next={}", p.id, urlencode(&next))
            };
            json!({"id": p.id, "label": p.label, "href": href})
        })
        .collect();
    page(
        &state,
        &ctx,
        "sign_in.html",
        json!({"providers": providers, "next": next}),
    )
}

/// The demo provider's sign-in page: its made-up people and the ways to sign in.
async fn demo_personas(state: &Pages, ctx: &Ctx, q: &crate::demo_idp::AuthorizeQuery) -> Response {
    let form = match crate::demo_idp::authorization_page(state, q) {
        Ok(f) => f,
        Err(why) => {
            tracing::warn!(why, "demo provider: bad authorization request");
            return error_page(state, ctx, PageError::BadRequest);
        }
    };
    let users = match (IdentityStore { db: &state.db }).users_of(demo::IDP).await {
        Ok(u) => u,
        Err(e) => {
            tracing::error!(error = %e, "persona list failed");
            return error_page(state, ctx, PageError::Internal);
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
        state,
        ctx,
        "sign_in.html",
        json!({"idp": form, "citizens": of(Role::Citizen), "officers": of(Role::Officer), "admins": of(Role::Admin), "operators": of(Role::Operator)}),
    )
}

/// `POST /sign-in`: a persona chosen at the demo provider.
pub async fn sign_in(State(state): State<Arc<Pages>>, ctx: Ctx, form: VerifiedForm) -> Response {
    if !state.config.demo_sign_in {
        return error_page(&state, &ctx, PageError::NotFound);
    }
    if let Err(refused) = count_sign_in(&state, &ctx).await {
        return refused;
    }
    crate::demo_idp::login(&state, &ctx, &form).await
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Where a provider sends people back to: under the portal's public address.
fn callback_uri(state: &Pages, provider: &str) -> Option<String> {
    let base = state.config.public_url.as_deref()?.trim_end_matches('/');
    Some(format!("{base}/sign-in/{provider}/callback"))
}

#[derive(Deserialize, Default)]
pub struct LeaveQuery {
    #[serde(default)]
    next: String,
    /// The level of assurance to ask the provider for (a service that needs more).
    #[serde(default)]
    acr: Option<String>,
}

/// `GET /sign-in/{provider}`: to the provider, with a new attempt kept for the way back.
pub async fn leave_for_provider(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(provider): Path<String>,
    Query(q): Query<LeaveQuery>,
) -> Response {
    let next = safe_next(&q.next, "");
    leave(&state, &ctx, &provider, &next, q.acr.as_deref()).await
}

async fn leave(
    state: &Pages,
    ctx: &Ctx,
    provider: &str,
    next: &str,
    acr: Option<&str>,
) -> Response {
    if let Err(refused) = count_sign_in(state, ctx).await {
        return refused;
    }
    let Some(redirect) = callback_uri(state, provider) else {
        tracing::error!("sign-in needs the portal's public_url");
        return error_page(state, ctx, PageError::Internal);
    };
    let store = IdentityStore { db: &state.db };
    match state
        .providers
        .begin(&store, provider, &redirect, next, acr)
        .await
    {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(e) => sign_in_failed(state, ctx, e),
    }
}

#[derive(Deserialize, Default)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /sign-in/{provider}/callback`: the provider's answer. Every check passes, or the
/// person sees why and no session starts.
pub async fn provider_callback(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(provider): Path<String>,
    Query(q): Query<CallbackQuery>,
) -> Response {
    if let Some(error) = q.error {
        let why = q.error_description.unwrap_or(error);
        return sign_in_failed(&state, &ctx, SignInError::Refused(why));
    }
    let (Some(code), Some(st)) = (q.code, q.state) else {
        return sign_in_failed(&state, &ctx, SignInError::BadState);
    };
    let Some(redirect) = callback_uri(&state, &provider) else {
        return error_page(&state, &ctx, PageError::Internal);
    };
    let store = IdentityStore { db: &state.db };
    let verified = match state
        .providers
        .finish(&store, &provider, &redirect, &code, &st, q.iss.as_deref())
        .await
    {
        Ok(v) => v,
        Err(e) => return sign_in_failed(&state, &ctx, e),
    };
    let user = match state.providers.person(&store, &verified).await {
        Ok(u) => u,
        Err(e) => return sign_in_failed(&state, &ctx, e),
    };
    let token = match store
        .start_provider_session(
            &user.id,
            &provider,
            verified.acr.as_deref(),
            &verified.id_token,
        )
        .await
    {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "session start failed");
            return error_page(&state, &ctx, PageError::Internal);
        }
    };
    tracing::info!(user = %user.id, provider = %provider, acr = ?verified.acr, "signed in");
    let next = safe_next(&verified.next, home_of(&user));
    let mut resp = Redirect::to(&next).into_response();
    resp.headers_mut().append(
        SET_COOKIE,
        set_cookie(&state, SESSION_COOKIE, &token, SESSION_HOURS * 3600),
    );
    resp
}

/// Where a person starts after signing in when they were not going anywhere.
fn home_of(user: &User) -> &'static str {
    match user.role {
        Role::Citizen => "/applications",
        Role::Officer => "/staff/applications",
        Role::Admin => "/admin",
        Role::Operator => "/desk",
    }
}

/// The page for a sign-in that did not happen: what went wrong, in the person's words, and
/// a way to try again. The details go to the log.
fn sign_in_failed(state: &Pages, ctx: &Ctx, e: SignInError) -> Response {
    let (status, reason) = match &e {
        SignInError::UnknownProvider(_) => (StatusCode::NOT_FOUND, "sign-in-failed-unknown"),
        SignInError::BadState => (StatusCode::BAD_REQUEST, "sign-in-failed-state"),
        SignInError::Refused(_) => (StatusCode::FORBIDDEN, "sign-in-failed-refused"),
        SignInError::Unreachable(_) => (StatusCode::BAD_GATEWAY, "sign-in-failed-unreachable"),
        SignInError::Invalid(_) => (StatusCode::BAD_REQUEST, "sign-in-failed-invalid"),
        SignInError::NotAllowed(_) => (StatusCode::FORBIDDEN, "sign-in-failed-not-allowed"),
        SignInError::TooWeak(_) => (StatusCode::FORBIDDEN, "sign-in-failed-too-weak"),
        SignInError::Db(_) => (StatusCode::INTERNAL_SERVER_ERROR, "sign-in-failed-internal"),
        SignInError::TooMany => (StatusCode::TOO_MANY_REQUESTS, "sign-in-failed-too-many"),
    };
    tracing::warn!(error = %e, "sign-in failed");
    crate::render::page_with_status(
        state,
        ctx,
        status,
        "sign_in_failed.html",
        json!({"reason": reason}),
    )
}

pub async fn sign_out(State(state): State<Arc<Pages>>, ctx: Ctx, _form: VerifiedForm) -> Response {
    let store = IdentityStore { db: &state.db };
    // Signed in through a provider: its session ends too, after ours (RP-initiated logout).
    let provider = store.session_sign_in(&ctx.sid).await.ok().flatten();
    if let Err(e) = store.end_session(&ctx.sid).await {
        tracing::error!(error = %e, "sign-out failed");
    }
    let mut to = "/".to_owned();
    if let (Some((provider, _, id_token)), Some(base)) =
        (provider, state.config.public_url.as_deref())
    {
        let back = format!("{}/", base.trim_end_matches('/'));
        if let Some(url) = state
            .providers
            .logout_url(&provider, &id_token, &back)
            .await
        {
            to = url;
        }
    }
    let mut resp = Redirect::to(&to).into_response();
    resp.headers_mut().append(
        SET_COOKIE,
        set_cookie(&state, SESSION_COOKIE, &random_token(), 60 * 60 * 24 * 30),
    );
    resp
}

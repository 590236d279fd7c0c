//! Who is asking and in which language: settled once per request, before any handler.

use crate::Pages;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::convert::Infallible;
use std::sync::Arc;
use yagona_core::request::{query_param, request_locale};
use yagona_core::Locale;
use yagona_identity::{is_session_token, random_token, IdentityStore, Role, User};

pub use yagona_i18n::LANGUAGE_COOKIE as LANG_COOKIE;
pub use yagona_identity::SESSION_COOKIE;

/// The request's context: the browser's session id, the page language, the signed-in user.
#[derive(Clone)]
pub struct Ctx {
    /// The session cookie's value: a signed-in session's token, or an anonymous id that CSRF
    /// tokens are bound to before sign-in.
    pub sid: String,
    pub locale: Locale,
    pub user: Option<User>,
    /// Path and query of the request, for the language switcher and sign-in redirects.
    pub path: String,
    pub query: String,
    /// The client's address, as the node settled it: what limits on guessing count against.
    pub client: String,
}

impl Ctx {
    pub fn citizen(&self) -> Option<&User> {
        self.user.as_ref().filter(|u| u.citizen_pinfl().is_some())
    }
    pub fn officer(&self) -> Option<(&User, &str)> {
        let u = self.user.as_ref()?;
        Some((u, u.officer_agency()?))
    }
    pub fn operator(&self) -> Option<&User> {
        self.user.as_ref().filter(|u| u.role == Role::Operator)
    }
    pub fn admin(&self) -> Option<&User> {
        self.user.as_ref().filter(|u| u.role == Role::Admin)
    }

    /// The signed-in citizen as the applicant of applications.
    pub fn applicant(&self) -> Option<yagona_applications::Actor> {
        let u = self.citizen()?;
        Some(yagona_applications::Actor::Applicant {
            pinfl: u.pinfl.clone()?,
            name: u.name.clone(),
        })
    }

    /// The signed-in officer as the actor on applications.
    pub fn officer_actor(&self) -> Option<yagona_applications::Actor> {
        let (u, agency) = self.officer()?;
        Some(yagona_applications::Actor::Officer {
            user_id: u.id.clone(),
            name: u.name.clone(),
            agency: agency.to_owned(),
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .expect("session_layer runs before every handler"))
    }
}

/// A cookie's value in the request's headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    yagona_core::request::cookie(
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok()),
        name,
    )
}

/// A `Set-Cookie` value with the platform's attributes: HttpOnly, SameSite=Lax, Secure.
pub fn set_cookie(state: &Pages, name: &str, value: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .expect("cookie values are URL-safe")
}

/// Establishes [`Ctx`] for every request, and sets the session and language cookies it needs.
pub async fn session_layer(
    State(state): State<Arc<Pages>>,
    mut req: Request,
    next: Next,
) -> Response {
    let headers = req.headers();
    let query = req.uri().query().unwrap_or("").to_owned();
    let chosen = query_param(&query, "lang").and_then(Locale::parse);
    let remembered = cookie(headers, LANG_COOKIE).and_then(Locale::parse);
    let accept_language = headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let locale = request_locale(chosen, remembered, accept_language);
    let existing = cookie(headers, SESSION_COOKIE)
        .filter(|s| is_session_token(s))
        .map(str::to_owned);
    let sid = existing.clone().unwrap_or_else(random_token);
    let user = match &existing {
        Some(token) => IdentityStore { db: &state.db }
            .session_user(token)
            .await
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "session lookup failed");
                None
            }),
        None => None,
    };
    let ctx = Ctx {
        sid: sid.clone(),
        locale,
        user,
        path: req.uri().path().to_owned(),
        query,
        client: req
            .extensions()
            .get::<yagona_core::request::ClientAddress>()
            .map_or_else(|| "unknown".to_owned(), |c| c.0.clone()),
    };
    req.extensions_mut().insert(ctx);
    let mut resp = next.run(req).await;
    let handler_set_session = resp.headers().get_all(SET_COOKIE).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.starts_with(&format!("{SESSION_COOKIE}=")))
    });
    if existing.is_none() && !handler_set_session {
        resp.headers_mut().append(
            SET_COOKIE,
            set_cookie(&state, SESSION_COOKIE, &sid, 60 * 60 * 24 * 30),
        );
    }
    if let Some(l) = chosen {
        if Some(l) != remembered {
            resp.headers_mut().append(
                SET_COOKIE,
                set_cookie(&state, LANG_COOKIE, l.tag(), 60 * 60 * 24 * 365),
            );
        }
    }
    resp
}

//! Who is calling an API that people use from a signed-in browser session (the citizen's own
//! applications, GovStack Registration), and in which language.

use crate::Api;
use axum::extract::FromRequestParts;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};
use axum::http::request::Parts;
use std::convert::Infallible;
use std::sync::Arc;
use yagona_applications::Actor;
use yagona_core::Locale;
use yagona_i18n::LANGUAGE_COOKIE;
use yagona_identity::{IdentityStore, User, SESSION_COOKIE};

/// The signed-in person (if any) and the language answers are in.
pub struct Caller {
    pub user: Option<User>,
    pub locale: Locale,
}

fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl FromRequestParts<Arc<Api>> for Caller {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, api: &Arc<Api>) -> Result<Self, Infallible> {
        let chosen = parts
            .uri
            .query()
            .and_then(|q| {
                q.split('&')
                    .filter_map(|kv| kv.split_once('='))
                    .find(|(k, _)| *k == "lang")
            })
            .and_then(|(_, v)| Locale::parse(v));
        let locale = chosen
            .or_else(|| cookie(parts, LANGUAGE_COOKIE).and_then(Locale::parse))
            .or_else(|| {
                parts
                    .headers
                    .get(ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Locale::negotiate)
            })
            .unwrap_or(Locale::Uz);
        let user = match cookie(parts, SESSION_COOKIE) {
            Some(token) => IdentityStore { db: &api.db }
                .session_user(token)
                .await
                .unwrap_or_else(|e| {
                    tracing::error!(error = %e, "session lookup failed");
                    None
                }),
            None => None,
        };
        Ok(Caller { user, locale })
    }
}

impl Caller {
    /// The applicant, when a citizen is signed in.
    pub fn applicant(&self) -> Option<Actor> {
        let u = self.user.as_ref()?;
        Some(Actor::Applicant {
            pinfl: u.citizen_pinfl()?.clone(),
            name: u.name.clone(),
        })
    }

    /// The officer, when an officer is signed in.
    pub fn officer(&self) -> Option<Actor> {
        let u = self.user.as_ref()?;
        Some(Actor::Officer {
            user_id: u.id.clone(),
            name: u.name.clone(),
            agency: u.officer_agency()?.to_owned(),
        })
    }
}

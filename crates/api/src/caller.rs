//! Who is calling an API that people use from a signed-in browser session (the citizen's own
//! applications, GovStack Registration), and in which language.

use crate::Api;
use axum::extract::FromRequestParts;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};
use axum::http::request::Parts;
use axum::response::Response;
use std::sync::Arc;
use yagona_applications::Actor;
use yagona_core::request::{query_param, request_locale};
use yagona_core::Locale;
use yagona_i18n::LANGUAGE_COOKIE;
use yagona_identity::{IdentityStore, User, SESSION_COOKIE};

/// The signed-in person (if any) and the language answers are in.
pub struct Caller {
    pub user: Option<User>,
    pub locale: Locale,
}

fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    let values = parts.headers.get_all(COOKIE).iter();
    yagona_core::request::cookie(values.filter_map(|v| v.to_str().ok()), name)
}

impl FromRequestParts<Arc<Api>> for Caller {
    /// A session that cannot be looked up is the platform's failure, not a signed-out caller.
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, api: &Arc<Api>) -> Result<Self, Response> {
        let chosen = parts
            .uri
            .query()
            .and_then(|q| query_param(q, "lang"))
            .and_then(Locale::parse);
        let remembered = cookie(parts, LANGUAGE_COOKIE).and_then(Locale::parse);
        let accept_language = parts
            .headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        let locale = request_locale(chosen, remembered, accept_language);
        let user = match cookie(parts, SESSION_COOKIE) {
            Some(token) => IdentityStore { db: &api.db }
                .session_user(token)
                .await
                .map_err(crate::problem::internal)?,
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

//! Problem documents as responses.

use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use yagona_core::{Problem, PROBLEM_JSON};

/// The problem, answered with its status and `application/problem+json`.
pub fn respond(p: Problem) -> Response {
    let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut r = (status, p.to_json()).into_response();
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    r
}

/// A problem of the platform's own kind, answered.
pub fn problem(status: StatusCode, kind: &str, title: &str, detail: Option<String>) -> Response {
    respond(Problem::new(status.as_u16(), kind, title, detail))
}

/// Nothing with this identifier is visible to the caller.
pub fn not_found(what: &str) -> Response {
    respond(Problem::not_found(what))
}

/// The platform failed: logged here, and the caller told nothing more.
pub fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "API call failed");
    respond(Problem::internal())
}

/// A request's query parameters, or a problem document naming what is wrong with them (axum's
/// own `Query` answers a malformed query with plain text).
pub struct Params<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for Params<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Response> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query).map(Params).map_err(|e| {
            problem(
                StatusCode::BAD_REQUEST,
                "invalid-query",
                "Invalid query parameters",
                Some(e.to_string()),
            )
        })
    }
}

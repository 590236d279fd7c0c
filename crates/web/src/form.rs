//! Reading a submitted HTML form (URL-encoded or multipart with files) and refusing it unless
//! it carries this session's CSRF token. Nothing is read further, let alone stored, before the
//! token is checked.

use crate::context::Ctx;
use crate::render::{error_page, PageError};
use crate::Pages;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Arc;

pub const CSRF_FIELD: &str = "csrf_token";

pub struct UploadedFile {
    pub field: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// A form whose CSRF token matched the session.
pub struct VerifiedForm {
    pub fields: HashMap<String, String>,
    pub files: Vec<UploadedFile>,
}

impl VerifiedForm {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

impl FromRequest<Arc<Pages>> for VerifiedForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &Arc<Pages>) -> Result<Self, Response> {
        let ctx = req
            .extensions()
            .get::<Ctx>()
            .cloned()
            .expect("session_layer runs first");
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let mut fields = HashMap::new();
        let mut files = Vec::new();
        let too_large = |ctx: &Ctx| error_page(state, ctx, PageError::TooLarge).into_response();
        if content_type.starts_with("multipart/form-data") {
            let mut mp = Multipart::from_request(req, state)
                .await
                .map_err(|_| bad_request(state, &ctx))?;
            loop {
                let field = match mp.next_field().await {
                    Ok(Some(f)) => f,
                    Ok(None) => break,
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        return Err(too_large(&ctx))
                    }
                    Err(_) => return Err(bad_request(state, &ctx)),
                };
                let name = field.name().unwrap_or("").to_owned();
                let file_name = field.file_name().map(str::to_owned);
                let bytes = match field.bytes().await {
                    Ok(b) => b,
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        return Err(too_large(&ctx))
                    }
                    Err(_) => return Err(bad_request(state, &ctx)),
                };
                match file_name {
                    // A file input left empty arrives as a part with an empty name and no content.
                    Some(f) if f.is_empty() && bytes.is_empty() => {}
                    Some(f) => files.push(UploadedFile {
                        field: name,
                        file_name: f,
                        bytes: bytes.to_vec(),
                    }),
                    None => {
                        let value = yagona_core::request::text(bytes.to_vec())
                            .map_err(|_| bad_request(state, &ctx))?;
                        fields.insert(name, value);
                    }
                }
            }
        } else {
            let bytes = axum::body::Bytes::from_request(req, state)
                .await
                .map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        too_large(&ctx)
                    } else {
                        bad_request(state, &ctx)
                    }
                })?;
            // Text that is not UTF-8 is refused, not stored as U+FFFD.
            let pairs =
                yagona_core::request::form_fields(&bytes).map_err(|_| bad_request(state, &ctx))?;
            fields.extend(pairs);
        }
        let token = fields.get(CSRF_FIELD).map(String::as_str).unwrap_or("");
        if !state.csrf.verify(&ctx.sid, token) {
            return Err(error_page(state, &ctx, PageError::Csrf).into_response());
        }
        Ok(VerifiedForm { fields, files })
    }
}

fn bad_request(state: &Pages, ctx: &Ctx) -> Response {
    error_page(state, ctx, PageError::BadRequest).into_response()
}

/// A body declared larger than the pages take is refused before it is read: 413, with the page
/// in the person's language.
pub async fn refuse_declared_oversize(
    axum::extract::State(state): axum::extract::State<Arc<Pages>>,
    ctx: Ctx,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > state.config.max_body_bytes) {
        return error_page(&state, &ctx, PageError::TooLarge).into_response();
    }
    next.run(req).await
}

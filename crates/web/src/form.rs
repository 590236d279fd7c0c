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
                        fields.insert(name, String::from_utf8_lossy(&bytes).into_owned());
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
            let pairs: Vec<(String, String)> =
                serde_urlencoded::from_bytes(&bytes).map_err(|_| bad_request(state, &ctx))?;
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

//! Reading a submitted HTML form (URL-encoded or multipart with files) and refusing it unless
//! it carries this session's CSRF token. Nothing is read further, let alone stored, before the
//! token is checked.
//!
//! A multipart form's token must come before its first file (our templates put it first, and
//! browsers send fields in document order): a file part arriving before it is refused unread.
//! Forms with files are read in two steps ([`UploadForm`]): the text fields up to the first
//! file and the token, before the handler runs; then, once the handler has checked that the
//! person may send files there, [`UploadForm::read`] streams each file with its field's limit,
//! stopping at the limit so the handler shows its form again with the error.

use crate::context::Ctx;
use crate::render::{error_page, PageError};
use crate::Pages;
use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::Response;
use std::collections::HashMap;
use std::sync::Arc;

pub const CSRF_FIELD: &str = "csrf_token";

/// The largest result PDF an officer may upload (issuing or replacing one), as the
/// applications component takes it.
pub const RESULT_FILE_MAX: usize = 10 * 1024 * 1024;

/// The largest text field a multipart form may carry (URL-encoded forms are bounded by the
/// body limit alone; a text part is held whole, so it gets its own).
const TEXT_FIELD_MAX: usize = 1024 * 1024;

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

/// Set on a page request whose declared body is larger than the pages take: the body was
/// dropped unread, and only a handler taking an [`UploadForm`] answers it (with its form and
/// the error); any other answer becomes the "too large" page.
#[derive(Clone, Copy)]
struct DeclaredOversize;

/// A form that may carry files: its token checked, its files not read yet.
pub struct UploadForm(Pending);

enum Pending {
    /// The body was declared too large and never read.
    Oversize,
    Form {
        fields: HashMap<String, String>,
        rest: Option<Box<Rest>>,
    },
}

/// A multipart body from its first file part on, unread.
struct Rest {
    parts: multer::Multipart<'static>,
    first_file: multer::Field<'static>,
}

/// Why [`UploadForm::read`] stopped.
pub enum FormRefused {
    /// A file over its field's limit (`field`), or the whole body over the pages' limit
    /// (`field` is `None`; `limit` is then that limit): the handler shows its form again with
    /// the error, with status 413 ([`too_large_message`]).
    TooLarge { field: Option<String>, limit: usize },
    /// Anything else (a body that is not a form, a text field too long): the page to answer.
    Page(Response),
}

impl FormRefused {
    /// The refusal as the generic page, for handlers with no form to show again.
    pub fn into_page(self, state: &Pages, ctx: &Ctx) -> Response {
        match self {
            FormRefused::TooLarge { .. } => error_page(state, ctx, PageError::TooLarge),
            FormRefused::Page(r) => r,
        }
    }
}

/// "The file must be smaller than 5 MB", in the person's language.
pub fn too_large_message(state: &Pages, ctx: &Ctx, limit: usize) -> String {
    let mut args = yagona_i18n::Args::new();
    args.set("limit", limit_mb(limit));
    state
        .i18n
        .t(ctx.locale, "upload-file-too-large", Some(&args))
}

/// A limit in whole megabytes, as the messages give it.
fn limit_mb(limit: usize) -> String {
    (limit / 1_048_576).max(1).to_string()
}

fn ctx_of(req: &Request) -> Ctx {
    req.extensions()
        .get::<Ctx>()
        .cloned()
        .expect("session_layer runs first")
}

fn content_type(req: &Request) -> String {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// The refusal of a form without this session's token.
fn unverified(state: &Pages, ctx: &Ctx, fields: &HashMap<String, String>) -> Option<Response> {
    let token = fields.get(CSRF_FIELD).map(String::as_str).unwrap_or("");
    (!state.csrf.verify(&ctx.sid, token)).then(|| error_page(state, ctx, PageError::Csrf))
}

fn bad_request(state: &Pages, ctx: &Ctx) -> Response {
    error_page(state, ctx, PageError::BadRequest)
}

fn over_body_limit(e: &multer::Error) -> bool {
    matches!(e, multer::Error::StreamSizeExceeded { .. })
}

/// A text part, whole, if it is at most [`TEXT_FIELD_MAX`] bytes of text.
async fn text_part(
    state: &Pages,
    ctx: &Ctx,
    mut field: multer::Field<'static>,
) -> Result<String, FormRefused> {
    let mut bytes = Vec::new();
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() + chunk.len() > TEXT_FIELD_MAX {
                    return Err(FormRefused::Page(bad_request(state, ctx)));
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => return Err(multipart_error(state, ctx, &e)),
        }
    }
    yagona_core::request::text(bytes).map_err(|_| FormRefused::Page(bad_request(state, ctx)))
}

fn multipart_error(state: &Pages, ctx: &Ctx, e: &multer::Error) -> FormRefused {
    if over_body_limit(e) {
        FormRefused::TooLarge {
            field: None,
            limit: state.config.max_body_bytes,
        }
    } else {
        FormRefused::Page(bad_request(state, ctx))
    }
}

impl FromRequest<Arc<Pages>> for UploadForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &Arc<Pages>) -> Result<Self, Response> {
        if req.extensions().get::<DeclaredOversize>().is_some() {
            return Ok(UploadForm(Pending::Oversize));
        }
        let ctx = ctx_of(&req);
        let content_type = content_type(&req);
        if !content_type.starts_with("multipart/form-data") {
            let fields = url_encoded(req, state, &ctx).await?;
            return Ok(UploadForm(Pending::Form { fields, rest: None }));
        }
        let refused = |r: FormRefused| r.into_page(state, &ctx);
        let boundary =
            multer::parse_boundary(&content_type).map_err(|_| bad_request(state, &ctx))?;
        let limits = multer::Constraints::new()
            .size_limit(multer::SizeLimit::new().whole_stream(state.config.max_body_bytes as u64));
        let mut parts = multer::Multipart::with_constraints(
            req.into_body().into_data_stream(),
            boundary,
            limits,
        );
        let mut fields = HashMap::new();
        loop {
            let field = match parts.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => return Err(refused(multipart_error(state, &ctx, &e))),
            };
            if field.file_name().is_some() {
                // Nothing of a file is read before the token is checked, so the token must
                // have come before it.
                if let Some(refused) = unverified(state, &ctx, &fields) {
                    return Err(refused);
                }
                return Ok(UploadForm(Pending::Form {
                    fields,
                    rest: Some(Box::new(Rest {
                        parts,
                        first_file: field,
                    })),
                }));
            }
            let name = field.name().unwrap_or("").to_owned();
            let value = text_part(state, &ctx, field).await.map_err(refused)?;
            fields.insert(name, value);
        }
        if let Some(refused) = unverified(state, &ctx, &fields) {
            return Err(refused);
        }
        Ok(UploadForm(Pending::Form { fields, rest: None }))
    }
}

impl UploadForm {
    /// The whole form. Call it once the person's right to send files here is checked: each
    /// file part is streamed up to `limit(field)` bytes (a field with no limit is passed over
    /// unkept), and one over its limit stops the reading — the rest of the body is read and
    /// dropped, within the node's limits, so that the browser shows the answer.
    pub async fn read(
        self,
        state: &Pages,
        ctx: &Ctx,
        limit: impl Fn(&str) -> Option<usize>,
    ) -> Result<VerifiedForm, FormRefused> {
        let (mut fields, rest) = match self.0 {
            Pending::Oversize => {
                return Err(FormRefused::TooLarge {
                    field: None,
                    limit: state.config.max_body_bytes,
                })
            }
            Pending::Form { fields, rest } => (fields, rest),
        };
        let mut files = Vec::new();
        let Some(rest) = rest else {
            return Ok(VerifiedForm { fields, files });
        };
        let Rest {
            mut parts,
            first_file,
        } = *rest;
        let mut next = Some(first_file);
        loop {
            let mut field = match next.take() {
                Some(f) => f,
                None => match parts.next_field().await {
                    Ok(Some(f)) => f,
                    Ok(None) => break,
                    Err(e) => return Err(multipart_error(state, ctx, &e)),
                },
            };
            let name = field.name().unwrap_or("").to_owned();
            let Some(file_name) = field.file_name().map(str::to_owned) else {
                let value = text_part(state, ctx, field).await?;
                fields.insert(name, value);
                continue;
            };
            let Some(max) = limit(&name) else {
                continue;
            };
            let mut bytes = Vec::new();
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        if bytes.len() + chunk.len() > max {
                            drop(field);
                            drain(parts).await;
                            return Err(FormRefused::TooLarge {
                                field: Some(name),
                                limit: max,
                            });
                        }
                        bytes.extend_from_slice(&chunk);
                    }
                    Ok(None) => break,
                    Err(e) => return Err(multipart_error(state, ctx, &e)),
                }
            }
            // A file input left empty arrives as a part with an empty name and no content.
            if file_name.is_empty() && bytes.is_empty() {
                continue;
            }
            files.push(UploadedFile {
                field: name,
                file_name,
                bytes,
            });
        }
        Ok(VerifiedForm { fields, files })
    }
}

/// The rest of a body read and dropped (bounded by the pages' body limit and the node's
/// deadline), so that a browser still sending sees the answer rather than a reset connection.
async fn drain(mut parts: multer::Multipart<'static>) {
    while let Ok(Some(field)) = parts.next_field().await {
        drop(field);
    }
}

impl FromRequest<Arc<Pages>> for VerifiedForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &Arc<Pages>) -> Result<Self, Response> {
        let ctx = ctx_of(&req);
        if req.extensions().get::<DeclaredOversize>().is_some() {
            return Err(error_page(state, &ctx, PageError::TooLarge));
        }
        if content_type(&req).starts_with("multipart/form-data") {
            // A form that takes no files: any file in it is passed over, unkept.
            let form = UploadForm::from_request(req, state).await?;
            return form
                .read(state, &ctx, |_| None)
                .await
                .map_err(|r| r.into_page(state, &ctx));
        }
        Ok(VerifiedForm {
            fields: url_encoded(req, state, &ctx).await?,
            files: Vec::new(),
        })
    }
}

/// A URL-encoded form's fields, once its token is checked.
async fn url_encoded(
    req: Request,
    state: &Arc<Pages>,
    ctx: &Ctx,
) -> Result<HashMap<String, String>, Response> {
    let bytes = axum::body::Bytes::from_request(req, state)
        .await
        .map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                error_page(state, ctx, PageError::TooLarge)
            } else {
                bad_request(state, ctx)
            }
        })?;
    // Text that is not UTF-8 is refused, not stored as U+FFFD.
    let fields: HashMap<String, String> = yagona_core::request::form_fields(&bytes)
        .map_err(|_| bad_request(state, ctx))?
        .into_iter()
        .collect();
    if let Some(refused) = unverified(state, ctx, &fields) {
        return Err(refused);
    }
    Ok(fields)
}

/// A body declared larger than the pages take is never read. A form with files is shown
/// again by its own handler, with the error (an [`UploadForm`] knows); anything else gets the
/// 413 page in the person's language.
pub async fn refuse_declared_oversize(
    axum::extract::State(state): axum::extract::State<Arc<Pages>>,
    ctx: Ctx,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_none_or(|n| n <= state.config.max_body_bytes) {
        return next.run(req).await;
    }
    if !content_type(&req).starts_with("multipart/form-data") {
        return error_page(&state, &ctx, PageError::TooLarge);
    }
    let (mut parts, _unread) = req.into_parts();
    parts.extensions.insert(DeclaredOversize);
    parts.headers.remove(CONTENT_LENGTH);
    let answer = next.run(Request::from_parts(parts, Body::empty())).await;
    if answer.status() == StatusCode::PAYLOAD_TOO_LARGE {
        answer
    } else {
        error_page(&state, &ctx, PageError::TooLarge)
    }
}

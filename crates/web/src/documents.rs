//! Result documents on the pages: the citizen's cabinet (`/documents`: every result issued to
//! them, to download and to share through links that expire), the public verification page
//! (`/verify`: a number's status, agency, service, date and masked holder, and a byte-for-byte
//! check of an uploaded copy), a shared link's page (`/shared/{token}`), and the issuing
//! agency's officer revoking or superseding a result. Who may do what is decided by the
//! applications component; these handlers parse, call it and render.

use crate::context::Ctx;
use crate::form::{FormRefused, UploadForm, VerifiedForm};
use crate::render::PageError;
use crate::render::{application_error, error_page, page, page_with_status, sign_in_redirect};
use crate::Pages;
use axum::extract::{Path, Query, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use yagona_applications::{
    ApplicationError, ResultDocument, ResultStatus, Share, Upload, Verification,
};
use yagona_core::{now, DocumentNumber, Locale};
use yagona_registry::Catalogue;

/// The largest copy the verification page checks.
const CHECK_MAX_BYTES: usize = 10 * 1024 * 1024;

fn status(state: &Pages, l: Locale, s: ResultStatus) -> Value {
    let class = match s {
        ResultStatus::Valid => "approved",
        ResultStatus::Revoked => "rejected",
        ResultStatus::Superseded => "draft",
    };
    json!({
        "code": s.code(),
        "label": state.i18n.t(l, &format!("verify-status-{}", s.code()), None),
        "class": class,
    })
}

/// A result as anyone may see it.
fn verification(state: &Pages, l: Locale, cat: &Catalogue, v: &Verification) -> Value {
    json!({
        "number": v.number,
        "status": status(state, l, v.status),
        "title": v.title.get(l),
        "agency": cat.agency(&v.agency_code).map(|a| a.name.get(l).to_owned()).unwrap_or_else(|| v.agency_code.clone()),
        "service": cat.service(&v.service_code).map(|s| s.passport.name.get(l).to_owned()).unwrap_or_else(|| v.service_code.clone()),
        "issued": state.i18n.date_time(l, &v.issued_at),
        "holder": v.holder,
        "signed": v.signed,
        "reason": v.reason,
        "changed": v.changed_at.as_ref().map(|t| state.i18n.date_time(l, t)),
        "superseded_by": v.superseded_by,
        "supersedes": v.supersedes,
    })
}

/// A result as its holder or its agency sees it.
fn result(state: &Pages, l: Locale, cat: &Catalogue, r: &ResultDocument) -> Value {
    let mut v = verification(state, l, cat, &r.verification());
    v["holder"] = json!(r.holder_name);
    v["document_id"] = json!(r.document_id);
    v["size_kb"] = json!((r.size + 1023) / 1024);
    v["reference"] = json!(r.reference);
    v["changed_by"] = json!(r.changed_by);
    v["valid"] = json!(r.status == ResultStatus::Valid);
    v
}

fn share(state: &Pages, l: Locale, s: &Share) -> Value {
    let at = now();
    let state_key = if s.withdrawn_at.is_some() {
        "document-share-withdrawn"
    } else if s.active(&at) {
        "document-share-active"
    } else {
        "document-share-expired"
    };
    json!({
        "id": s.id,
        "created": state.i18n.date_time(l, &s.created_at),
        "expires": state.i18n.date_time(l, &s.expires_at),
        "state": state.i18n.t(l, state_key, None),
        "active": s.active(&at),
    })
}

// -------------------------------------------------------------------------------------------
// The cabinet

/// `/documents`: every result issued to the signed-in citizen.
pub async fn cabinet(State(state): State<Arc<Pages>>, ctx: Ctx) -> Response {
    let Some(pinfl) = ctx.citizen().and_then(|u| u.pinfl.as_ref()) else {
        return crate::staff::forbidden_or_sign_in(&state, &ctx);
    };
    let results = match state.applications.results_of_holder(pinfl).await {
        Ok(r) => r,
        Err(e) => return application_error(&state, &ctx, e),
    };
    let cat = state.catalogue.get().await;
    let rows: Vec<Value> = results
        .iter()
        .map(|r| result(&state, ctx.locale, &cat, r))
        .collect();
    page(&state, &ctx, "documents.html", json!({"results": rows}))
}

async fn holder_result(
    state: &Pages,
    ctx: &Ctx,
    number: &str,
) -> Result<(yagona_applications::Actor, ResultDocument), Response> {
    let (Some(pinfl), Some(actor)) = (
        ctx.citizen().and_then(|u| u.pinfl.as_ref()),
        ctx.applicant(),
    ) else {
        return Err(if ctx.user.is_some() {
            error_page(state, ctx, PageError::NotFound)
        } else {
            sign_in_redirect(ctx)
        });
    };
    let Ok(number) = DocumentNumber::parse(number) else {
        return Err(error_page(state, ctx, PageError::NotFound));
    };
    match state.applications.holder_result(pinfl, &number).await {
        Ok(Some(r)) => Ok((actor, r)),
        Ok(None) => Err(error_page(state, ctx, PageError::NotFound)),
        Err(e) => Err(application_error(state, ctx, e)),
    }
}

/// What the document's page shows besides the document: its links, and what just happened.
struct Shown {
    status: StatusCode,
    error: Option<String>,
    created: Option<(String, Share)>,
    withdrawn: bool,
}

async fn render_document(state: &Pages, ctx: &Ctx, doc: &ResultDocument, shown: Shown) -> Response {
    let l = ctx.locale;
    let shares = match state
        .applications
        .shares(&doc.holder_pinfl, &doc.number)
        .await
    {
        Ok(s) => s,
        Err(e) => return application_error(state, ctx, e),
    };
    let cat = state.catalogue.get().await;
    let created = shown.created.as_ref().map(|(token, s)| {
        json!({
            "link": format!("{}/shared/{token}", state.applications.issuer().verify_base),
            "expires": state.i18n.date_time(l, &s.expires_at),
        })
    });
    page_with_status(
        state,
        ctx,
        shown.status,
        "document.html",
        json!({
            "document": result(state, l, &cat, doc),
            "shares": shares.iter().map(|s| share(state, l, s)).collect::<Vec<_>>(),
            "created": created,
            "withdrawn": shown.withdrawn,
            "errors": shown.error.as_ref().map(|m| vec![json!({"field": "days", "message": m})]),
            "error": shown.error,
            "days": [1, 7, 30],
        }),
    )
}

#[derive(Deserialize, Default)]
pub struct DocumentQuery {
    #[serde(default)]
    withdrawn: Option<String>,
}

/// `/documents/{number}/share`: one of the citizen's results, its links and a new one.
pub async fn document(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(number): Path<String>,
    Query(q): Query<DocumentQuery>,
) -> Response {
    let (_, doc) = match holder_result(&state, &ctx, &number).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let shown = Shown {
        status: StatusCode::OK,
        error: None,
        created: None,
        withdrawn: q.withdrawn.is_some(),
    };
    render_document(&state, &ctx, &doc, shown).await
}

/// The citizen makes a link to a result, for 1, 7 or 30 days; the page shows it once.
pub async fn create_share(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(number): Path<String>,
    form: VerifiedForm,
) -> Response {
    let (actor, doc) = match holder_result(&state, &ctx, &number).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let l = ctx.locale;
    let days = form.get("days").and_then(|d| d.trim().parse::<u32>().ok());
    let refused = |key: &str, status| Shown {
        status,
        error: Some(state.i18n.t(l, key, None)),
        created: None,
        withdrawn: false,
    };
    let shown = match days {
        None => refused("document-share-choose", StatusCode::UNPROCESSABLE_ENTITY),
        Some(days) => match state
            .applications
            .share_result(&actor, &doc.number, days)
            .await
        {
            Ok(created) => Shown {
                status: StatusCode::OK,
                error: None,
                created: Some(created),
                withdrawn: false,
            },
            Err(ApplicationError::ShareDuration) => {
                refused("document-share-choose", StatusCode::UNPROCESSABLE_ENTITY)
            }
            Err(ApplicationError::ResultClosed) => {
                refused("document-share-closed", StatusCode::CONFLICT)
            }
            Err(e) => return application_error(&state, &ctx, e),
        },
    };
    render_document(&state, &ctx, &doc, shown).await
}

/// The citizen withdraws a link.
pub async fn withdraw_share(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path((number, share)): Path<(String, String)>,
    _form: VerifiedForm,
) -> Response {
    let (actor, doc) = match holder_result(&state, &ctx, &number).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    match state
        .applications
        .withdraw_share(&actor, &doc.number, &share)
        .await
    {
        Ok(()) => {
            Redirect::to(&format!("/documents/{}/share?withdrawn=1", doc.number)).into_response()
        }
        Err(e) => application_error(&state, &ctx, e),
    }
}

// -------------------------------------------------------------------------------------------
// Verification, by anyone

#[derive(Deserialize, Default)]
pub struct VerifyQuery {
    #[serde(default)]
    number: Option<String>,
}

fn verify_start(
    state: &Pages,
    ctx: &Ctx,
    status: StatusCode,
    number: &str,
    error: Option<&str>,
) -> Response {
    page_with_status(
        state,
        ctx,
        status,
        "verify_start.html",
        json!({
            "number": number,
            "errors": error.map(|k| vec![json!({"field": "number", "message": state.i18n.t(ctx.locale, k, None)})]),
            "error": error.map(|k| state.i18n.t(ctx.locale, k, None)),
            "not_found": status == StatusCode::NOT_FOUND,
        }),
    )
}

/// `/verify`: the form to type a number (it sends `?number=`).
pub async fn verify_form(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Query(q): Query<VerifyQuery>,
) -> Response {
    match q.number.as_deref().map(str::trim) {
        None => verify_start(&state, &ctx, StatusCode::OK, "", None),
        Some("") => verify_start(
            &state,
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
            Some("verify-number-missing"),
        ),
        Some(typed) => match DocumentNumber::parse(typed) {
            Ok(n) => Redirect::to(&format!("/verify/{n}")).into_response(),
            Err(_) => verify_start(
                &state,
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                typed,
                Some("verify-number-invalid"),
            ),
        },
    }
}

/// What the verification page shows besides the result.
#[derive(Default)]
struct Check {
    status: Option<StatusCode>,
    error: Option<&'static str>,
    /// The upload's verdict: `match` or `mismatch`.
    verdict: Option<&'static str>,
    /// The shared link the page was opened through: its token and expiry.
    shared: Option<(String, Share)>,
}

async fn render_verification(state: &Pages, ctx: &Ctx, number: &str, check: Check) -> Response {
    let l = ctx.locale;
    let Ok(parsed) = DocumentNumber::parse(number) else {
        return verify_start(
            state,
            ctx,
            StatusCode::NOT_FOUND,
            number,
            Some("verify-not-found"),
        );
    };
    let found = match state.applications.verify(&parsed).await {
        Ok(v) => v,
        Err(e) => return application_error(state, ctx, e),
    };
    let Some(v) = found else {
        return verify_start(
            state,
            ctx,
            StatusCode::NOT_FOUND,
            number,
            Some("verify-not-found"),
        );
    };
    let cat = state.catalogue.get().await;
    page_with_status(
        state,
        ctx,
        check.status.unwrap_or(StatusCode::OK),
        "verify.html",
        json!({
            "result": verification(state, l, &cat, &v),
            "errors": check.error.map(|k| vec![json!({"field": "document", "message": state.i18n.t(l, k, None)})]),
            "error": check.error.map(|k| state.i18n.t(l, k, None)),
            "verdict": check.verdict,
            "shared": check.shared.as_ref().map(|(token, s)| json!({
                "file": format!("/shared/{token}/file"),
                "expires": state.i18n.date_time(l, &s.expires_at),
            })),
        }),
    )
}

/// `/verify/{number}`: what anyone may learn about a result.
pub async fn verify(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(number): Path<String>,
) -> Response {
    render_verification(&state, &ctx, &number, Check::default()).await
}

/// An uploaded copy checked byte for byte against the issued document.
pub async fn verify_copy(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(number): Path<String>,
    upload: UploadForm,
) -> Response {
    let refused = |error| Check {
        status: Some(StatusCode::UNPROCESSABLE_ENTITY),
        error: Some(error),
        ..Check::default()
    };
    let Ok(parsed) = DocumentNumber::parse(&number) else {
        return render_verification(&state, &ctx, &number, Check::default()).await;
    };
    let limit = |name: &str| (name == "document").then_some(CHECK_MAX_BYTES);
    let form = match upload.read(&state, &ctx, limit).await {
        Ok(f) => f,
        Err(FormRefused::TooLarge { .. }) => {
            let check = Check {
                status: Some(StatusCode::PAYLOAD_TOO_LARGE),
                ..refused("verify-upload-too-large")
            };
            return render_verification(&state, &ctx, &number, check).await;
        }
        Err(FormRefused::Page(r)) => return r,
    };
    let file = form.files.iter().find(|f| f.field == "document");
    let check = match file {
        None => refused("verify-upload-missing"),
        Some(f) if f.bytes.len() > CHECK_MAX_BYTES => refused("verify-upload-too-large"),
        Some(f) if !yagona_documents::is_pdf(&f.bytes) => refused("verify-upload-not-pdf"),
        Some(f) => match state.applications.is_issued_copy(&parsed, &f.bytes).await {
            Ok(Some(same)) => Check {
                verdict: Some(if same { "match" } else { "mismatch" }),
                ..Check::default()
            },
            Ok(None) => Check::default(),
            Err(e) => return application_error(&state, &ctx, e),
        },
    };
    render_verification(&state, &ctx, &number, check).await
}

/// A token as links carry it: 48 hexadecimal digits.
fn token_shape(token: &str) -> bool {
    token.len() == 48 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

fn gone(state: &Pages, ctx: &Ctx) -> Response {
    page_with_status(
        state,
        ctx,
        StatusCode::NOT_FOUND,
        "verify_start.html",
        json!({
            "number": "",
            "error": state.i18n.t(ctx.locale, "verify-shared-gone", None),
            "errors": [{"field": "number", "message": state.i18n.t(ctx.locale, "verify-shared-gone", None)}],
            "not_found": true,
        }),
    )
}

/// `/shared/{token}`: a shared result, for anyone with the link while it lasts.
pub async fn shared(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Response {
    if !token_shape(&token) {
        return gone(&state, &ctx);
    }
    match state.applications.shared_result(&token).await {
        Ok(Some((v, s))) => {
            let number = v.number.to_string();
            let check = Check {
                shared: Some((token, s)),
                ..Check::default()
            };
            render_verification(&state, &ctx, &number, check).await
        }
        Ok(None) => gone(&state, &ctx),
        Err(e) => application_error(&state, &ctx, e),
    }
}

/// `/shared/{token}/file`: the shared result's PDF.
pub async fn shared_file(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Response {
    if !token_shape(&token) {
        return gone(&state, &ctx);
    }
    match state.applications.shared_file(&token).await {
        Ok(Some((doc, bytes))) => {
            let mut resp = bytes.into_response();
            let h = resp.headers_mut();
            h.insert(CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
            let name: String = doc
                .file_name
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
                .collect();
            h.insert(
                CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
                    .unwrap_or(HeaderValue::from_static("attachment")),
            );
            h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            h.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
            resp
        }
        Ok(None) => gone(&state, &ctx),
        Err(e) => application_error(&state, &ctx, e),
    }
}

// -------------------------------------------------------------------------------------------
// The issuing agency

/// The application's results as its officer sees them, with what the officer may do.
pub async fn staff_results(
    state: &Pages,
    l: Locale,
    agency: &str,
    app: &yagona_applications::Application,
) -> Result<Vec<Value>, ApplicationError> {
    let cat = state.catalogue.get().await;
    Ok(state
        .applications
        .results_of_application(app)
        .await?
        .iter()
        .map(|r| {
            let mut v = result(state, l, &cat, r);
            v["can_change"] = json!(r.status == ResultStatus::Valid && r.agency_code == agency);
            v
        })
        .collect())
}

/// An officer of the issuing agency revokes or supersedes a result, with a reason.
pub async fn change_result(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path((reference, number)): Path<(String, String)>,
    upload: UploadForm,
) -> Response {
    // The officer's agency must hold the application before the replacement is read.
    let (user, agency, app) = match crate::staff::agency_application(&state, &ctx, &reference).await
    {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(officer) = ctx.officer_actor() else {
        return crate::staff::forbidden_or_sign_in(&state, &ctx);
    };
    let held = (&user, agency.as_str(), &app);
    let form = match crate::staff::read_with_result_file(&state, &ctx, upload, "replacement", held)
        .await
    {
        Ok(f) => f,
        Err(r) => return r,
    };
    let Ok(number) = DocumentNumber::parse(&number) else {
        return error_page(&state, &ctx, PageError::NotFound);
    };
    // The number must be one of this application's results.
    match state.applications.results_of_application(&app).await {
        Ok(rs) if rs.iter().any(|r| r.number == number) => {}
        Ok(_) => return error_page(&state, &ctx, PageError::NotFound),
        Err(e) => return application_error(&state, &ctx, e),
    }
    let reason = form.get("reason").unwrap_or("");
    let done = match form.get("action") {
        Some("revoke") => {
            state
                .applications
                .revoke_result(&officer, &number, reason)
                .await
        }
        Some("supersede") => {
            let replacement = form
                .files
                .iter()
                .find(|f| f.field == "replacement" && !f.bytes.is_empty())
                .map(|f| Upload {
                    field: "replacement".into(),
                    file_name: f.file_name.clone(),
                    bytes: f.bytes.clone(),
                });
            state
                .applications
                .supersede_result(&officer, &number, reason, replacement)
                .await
        }
        _ => Err(ApplicationError::Invalid(Vec::new())),
    };
    let (key, status) = match done {
        Ok(_) => {
            return Redirect::to(&format!("/staff/applications/{}#results", app.reference))
                .into_response()
        }
        Err(ApplicationError::Invalid(e)) if e.is_empty() => {
            ("document-change-choose", StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(ApplicationError::CommentRequired | ApplicationError::Invalid(_)) => {
            ("document-reason-required", StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(ApplicationError::Upload(_)) => {
            ("document-replacement-pdf", StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(ApplicationError::ResultClosed) => ("document-closed", StatusCode::CONFLICT),
        Err(ApplicationError::NotFound) => return error_page(&state, &ctx, PageError::NotFound),
        Err(e) => return application_error(&state, &ctx, e),
    };
    let msg = state.i18n.t(ctx.locale, key, None);
    crate::staff::show_application(&state, &ctx, &user, &agency, &app, Some(msg), status).await
}

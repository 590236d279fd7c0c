//! Pages: the template environment, the frame every page shares, error pages and static files.

use crate::context::Ctx;
use crate::Pages;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::value::Kwargs;
use minijinja::Environment;
use serde_json::{json, Map, Value};
use std::sync::Arc;
use yagona_core::Locale;
use yagona_i18n::{Args, I18n};

const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", include_str!("../templates/layout.html")),
    ("field.html", include_str!("../templates/field.html")),
    ("period.html", include_str!("../templates/period.html")),
    (
        "file_upload.html",
        include_str!("../templates/file_upload.html"),
    ),
    ("cards.html", include_str!("../templates/cards.html")),
    ("history.html", include_str!("../templates/history.html")),
    (
        "error_summary.html",
        include_str!("../templates/error_summary.html"),
    ),
    ("fee.html", include_str!("../templates/fee.html")),
    (
        "account_notices.html",
        include_str!("../templates/account_notices.html"),
    ),
    (
        "staff_notices.html",
        include_str!("../templates/staff_notices.html"),
    ),
    (
        "staff_ratings.html",
        include_str!("../templates/staff_ratings.html"),
    ),
    ("home.html", include_str!("../templates/home.html")),
    (
        "documents.html",
        include_str!("../templates/documents.html"),
    ),
    ("document.html", include_str!("../templates/document.html")),
    ("verify.html", include_str!("../templates/verify.html")),
    (
        "verify_start.html",
        include_str!("../templates/verify_start.html"),
    ),
    (
        "admin_exchange.html",
        include_str!("../templates/admin_exchange.html"),
    ),
    (
        "admin_traffic.html",
        include_str!("../templates/admin_traffic.html"),
    ),
    (
        "admin_incidents.html",
        include_str!("../templates/admin_incidents.html"),
    ),
    (
        "admin_incident.html",
        include_str!("../templates/admin_incident.html"),
    ),
    (
        "catalogue.html",
        include_str!("../templates/catalogue.html"),
    ),
    ("passport.html", include_str!("../templates/passport.html")),
    ("step.html", include_str!("../templates/step.html")),
    ("check.html", include_str!("../templates/check.html")),
    (
        "confirmation.html",
        include_str!("../templates/confirmation.html"),
    ),
    (
        "my_applications.html",
        include_str!("../templates/my_applications.html"),
    ),
    (
        "application.html",
        include_str!("../templates/application.html"),
    ),
    ("sign_in.html", include_str!("../templates/sign_in.html")),
    (
        "admin_roles.html",
        include_str!("../templates/admin_roles.html"),
    ),
    (
        "admin_payments.html",
        include_str!("../templates/admin_payments.html"),
    ),
    (
        "sign_in_failed.html",
        include_str!("../templates/sign_in_failed.html"),
    ),
    (
        "staff_list.html",
        include_str!("../templates/staff_list.html"),
    ),
    (
        "staff_application.html",
        include_str!("../templates/staff_application.html"),
    ),
    ("admin.html", include_str!("../templates/admin.html")),
    ("error.html", include_str!("../templates/error.html")),
    ("api_docs.html", include_str!("../templates/api_docs.html")),
    (
        "appeal_form.html",
        include_str!("../templates/appeal_form.html"),
    ),
    (
        "appeal_sent.html",
        include_str!("../templates/appeal_sent.html"),
    ),
    (
        "appeal_track.html",
        include_str!("../templates/appeal_track.html"),
    ),
    (
        "appeal_summary.html",
        include_str!("../templates/appeal_summary.html"),
    ),
    ("appeal.html", include_str!("../templates/appeal.html")),
    (
        "my_appeals.html",
        include_str!("../templates/my_appeals.html"),
    ),
    (
        "staff_appeals.html",
        include_str!("../templates/staff_appeals.html"),
    ),
    (
        "staff_appeal.html",
        include_str!("../templates/staff_appeal.html"),
    ),
    (
        "appeal_figures.html",
        include_str!("../templates/appeal_figures.html"),
    ),
];

pub fn environment(i18n: Arc<I18n>) -> Environment<'static> {
    let mut env = Environment::new();
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("template {name}: {e}"));
    }
    // `t("message-id", name=value…)`: interface text in the page's language.
    env.add_function(
        "t",
        move |state: &minijinja::State,
              id: String,
              kwargs: Kwargs|
              -> Result<String, minijinja::Error> {
            let locale = state
                .lookup("lang")
                .and_then(|v| v.as_str().and_then(Locale::parse))
                .unwrap_or(Locale::Uz);
            let mut args = Args::new();
            for name in kwargs.args() {
                let v: minijinja::Value = kwargs.get(name)?;
                if let Some(n) = v.as_i64() {
                    args.set(name.to_owned(), n);
                } else {
                    args.set(name.to_owned(), v.to_string());
                }
            }
            Ok(i18n.t(locale, &id, Some(&args)))
        },
    );
    env
}

/// The frame every page shares: language, switcher links, the signed-in person, CSRF token.
fn frame(state: &Pages, ctx: &Ctx) -> Map<String, Value> {
    let other_query: Vec<&str> = ctx
        .query
        .split('&')
        .filter(|kv| !kv.is_empty() && !kv.starts_with("lang="))
        .collect();
    let languages: Vec<Value> = Locale::ALL
        .iter()
        .map(|l| {
            let mut q = other_query.clone();
            let lang = format!("lang={}", l.tag());
            q.push(&lang);
            json!({"tag": l.tag(), "name": l.native_name(), "href": format!("{}?{}", ctx.path, q.join("&")), "current": *l == ctx.locale})
        })
        .collect();
    let user = ctx
        .user
        .as_ref()
        .map(|u| json!({"name": u.name, "role": u.role.code(), "agency": u.agency}));
    let mut m = Map::new();
    m.insert("lang".into(), json!(ctx.locale.tag()));
    m.insert("languages".into(), json!(languages));
    m.insert("user".into(), user.unwrap_or(Value::Null));
    m.insert("csrf".into(), json!(state.csrf.token(&ctx.sid)));
    m.insert("demo".into(), json!(state.config.demo_sign_in));
    m.insert("path".into(), json!(ctx.path));
    m
}

/// Renders a page with the shared frame. A template error is a defect: logged, and the person
/// gets the generic error page rather than half a page.
pub fn page(state: &Pages, ctx: &Ctx, template: &str, data: Value) -> Response {
    page_with_status(state, ctx, StatusCode::OK, template, data)
}

pub fn page_with_status(
    state: &Pages,
    ctx: &Ctx,
    status: StatusCode,
    template: &str,
    data: Value,
) -> Response {
    let mut m = frame(state, ctx);
    if let Value::Object(d) = data {
        m.extend(d);
    }
    match state
        .templates
        .get_template(template)
        .and_then(|t| t.render(Value::Object(m)))
    {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(template, error = ?e, "template failed");
            error_page(state, ctx, PageError::Internal).into_response()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageError {
    NotFound,
    Forbidden,
    Csrf,
    BadRequest,
    TooLarge,
    Conflict,
    Internal,
    /// The node turned the request away before reading it: this client sends too much at once.
    TooMany,
    /// The node turned the request away before reading it: it reads too much at once.
    Busy,
}

impl PageError {
    fn status(self) -> StatusCode {
        match self {
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::Forbidden | PageError::Csrf => StatusCode::FORBIDDEN,
            PageError::BadRequest => StatusCode::BAD_REQUEST,
            PageError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            PageError::Conflict => StatusCode::CONFLICT,
            PageError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            PageError::TooMany => StatusCode::TOO_MANY_REQUESTS,
            PageError::Busy => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
    fn key(self) -> &'static str {
        match self {
            PageError::NotFound => "not-found",
            PageError::Forbidden => "forbidden",
            PageError::Csrf => "csrf",
            PageError::BadRequest => "bad-request",
            PageError::TooLarge => "too-large",
            PageError::Conflict => "conflict",
            PageError::Internal => "internal",
            PageError::TooMany => "too-many",
            PageError::Busy => "busy",
        }
    }
}

pub fn error_page(state: &Pages, ctx: &Ctx, e: PageError) -> Response {
    let mut m = frame(state, ctx);
    m.insert("error".into(), json!(e.key()));
    let html = state
        .templates
        .get_template("error.html")
        .and_then(|t| t.render(Value::Object(m)))
        .unwrap_or_else(|err| {
            tracing::error!(error = ?err, "error template failed");
            "<!doctype html><html lang=\"en\"><title>Error</title><h1>Something went wrong</h1></html>".into()
        });
    (e.status(), Html(html)).into_response()
}

/// The page for a failed application operation: "not found" and "changed meanwhile" are the
/// person's to see; anything else is logged and shown as the generic error.
pub fn application_error(
    state: &Pages,
    ctx: &Ctx,
    e: yagona_applications::ApplicationError,
) -> Response {
    use yagona_applications::ApplicationError as E;
    match e {
        E::NotFound | E::NoService => error_page(state, ctx, PageError::NotFound),
        E::Conflict => error_page(state, ctx, PageError::Conflict),
        other => {
            tracing::error!(error = %other, "application operation failed");
            error_page(state, ctx, PageError::Internal)
        }
    }
}

/// Where a page needs a signed-in person of some role: send them to sign in and back.
pub fn sign_in_redirect(ctx: &Ctx) -> Response {
    let next = if ctx.query.is_empty() {
        ctx.path.clone()
    } else {
        format!("{}?{}", ctx.path, ctx.query)
    };
    let encoded: String = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
    Redirect::to(&format!("/sign-in?{encoded}")).into_response()
}

pub async fn not_found(State(state): State<Arc<Pages>>, ctx: Ctx) -> Response {
    error_page(&state, &ctx, PageError::NotFound)
}

/// What a request whose handler panicked gets (the node keeps serving).
/// The page a browser gets when the node turns its request away before reading its body (too
/// many at once, `429` or `503`): the platform's page in the language the request asks for,
/// signed out — the session is not looked up for a request the node will not read.
pub fn refusal_page(state: &Pages, headers: &HeaderMap, uri: &Uri, status: StatusCode) -> Response {
    let query = uri.query().unwrap_or("");
    let locale = yagona_core::request::request_locale(
        yagona_core::request::query_param(query, "lang").and_then(Locale::parse),
        crate::context::cookie(headers, crate::context::LANG_COOKIE).and_then(Locale::parse),
        headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let ctx = Ctx {
        sid: String::new(),
        locale,
        user: None,
        path: uri.path().to_owned(),
        query: query.to_owned(),
        client: String::new(),
    };
    let e = if status == StatusCode::TOO_MANY_REQUESTS {
        PageError::TooMany
    } else {
        PageError::Busy
    };
    error_page(state, &ctx, e)
}

pub fn panic_page(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    (StatusCode::INTERNAL_SERVER_ERROR, Html("<!doctype html><html lang=\"en\"><title>Error</title><h1>Something went wrong</h1><p>Please try again later.</p></html>")).into_response()
}

/// A readable page of the platform's APIs, rendered on the server from their OpenAPI document,
/// so it works offline and without JavaScript.
pub async fn api_reference(State(state): State<Arc<Pages>>, ctx: Ctx) -> Response {
    let doc = &state.api_reference;
    let mut operations = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            if let Some(item) = item.as_object() {
                for (method, op) in item {
                    let params: Vec<Value> = op
                        .get("parameters")
                        .and_then(Value::as_array)
                        .map(|ps| {
                            ps.iter()
                                .map(|p| json!({"name": p.get("name"), "in": p.get("in"), "description": markdown_of(p.get("description"))}))
                                .collect()
                        })
                        .unwrap_or_default();
                    let responses: Vec<Value> = op
                        .get("responses")
                        .and_then(Value::as_object)
                        .map(|rs| rs.iter().map(|(code, r)| json!({"code": code, "description": markdown_of(r.get("description"))})).collect())
                        .unwrap_or_default();
                    operations.push(json!({
                        "method": method.to_uppercase(), "path": path,
                        "summary": markdown_of(op.get("summary")),
                        "description": markdown_of(op.get("description")),
                        "params": params, "responses": responses,
                    }));
                }
            }
        }
    }
    let schemas: Vec<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|s| s.keys().cloned().collect())
        .unwrap_or_default();
    // The document is written in English: on another language's page its prose says so
    // (WCAG 2.1 3.1.2, language of parts), so that screen readers read it as English.
    let prose_lang = (ctx.locale != yagona_core::Locale::En).then_some("en");
    page(
        &state,
        &ctx,
        "api_docs.html",
        json!({"operations": operations, "schemas": schemas, "version": doc.pointer("/openapi"), "prose_lang": prose_lang}),
    )
}

/// An OpenAPI description (CommonMark) as HTML for the API reference: the inline parts the
/// platform's documents use — `code`, **strong**, *emphasis*, [links](…) to http(s) or this
/// site — on text escaped first, so nothing in a description becomes markup of its own.
fn markdown_of(text: Option<&Value>) -> Value {
    let Some(text) = text
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty())
    else {
        return Value::Null;
    };
    json!(inline_markdown(text))
}

fn inline_markdown(text: &str) -> String {
    fn escape(s: &str) -> String {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;")
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let after = &rest[c.len_utf8()..];
        // `code`: verbatim inside.
        if c == '`' {
            if let Some(end) = after.find('`') {
                out.push_str(&format!("<code>{}</code>", escape(&after[..end])));
                rest = &after[end + 1..];
                continue;
            }
        }
        // **strong** before *emphasis*.
        if let Some(inner) = rest.strip_prefix("**") {
            if let Some(end) = inner.find("**").filter(|&e| e > 0) {
                out.push_str(&format!(
                    "<strong>{}</strong>",
                    inline_markdown(&inner[..end])
                ));
                rest = &inner[end + 2..];
                continue;
            }
        }
        if c == '*' && !after.starts_with(' ') {
            if let Some(end) = after.find('*').filter(|&e| e > 0) {
                out.push_str(&format!("<em>{}</em>", inline_markdown(&after[..end])));
                rest = &after[end + 1..];
                continue;
            }
        }
        // [text](target), for http(s) and this site's own paths only.
        if c == '[' {
            if let Some((label, tail)) = after.split_once("](") {
                if let Some((target, tail)) = tail.split_once(')') {
                    let safe = target.starts_with("https://")
                        || target.starts_with("http://")
                        || (target.starts_with('/') && !target.starts_with("//"));
                    if safe && !label.contains('[') {
                        out.push_str(&format!(
                            "<a class=\"govuk-link\" href=\"{}\">{}</a>",
                            escape(target),
                            inline_markdown(label)
                        ));
                        rest = tail;
                        continue;
                    }
                }
            }
        }
        if c == '\n' {
            // A blank line is a new paragraph; a single line break is a space.
            if after.starts_with('\n') {
                out.push_str("</p><p class=\"govuk-body\">");
                rest = after.trim_start_matches('\n');
                continue;
            }
            out.push(' ');
        } else {
            out.push_str(&escape(&rest[..c.len_utf8()]));
        }
        rest = after;
    }
    out
}

const STATIC: &[(&str, &[u8])] = &[
    ("yagona.css", include_bytes!("../static/yagona.css")),
    (
        "govuk-frontend.min.js",
        include_bytes!("../static/govuk-frontend.min.js"),
    ),
    ("yagona.js", include_bytes!("../static/yagona.js")),
    (
        "yagona-logo.svg",
        include_bytes!("../static/yagona-logo.svg"),
    ),
    ("favicon.svg", include_bytes!("../static/favicon.svg")),
    (
        "LICENSE-govuk-frontend.txt",
        include_bytes!("../static/LICENSE-govuk-frontend.txt"),
    ),
];

fn static_response(path: &str) -> Option<Response> {
    let (_, bytes) = STATIC.iter().find(|(p, _)| *p == path)?;
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let mut resp = (*bytes).into_response();
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_str(mime.as_ref()).ok()?);
    resp.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    Some(resp)
}

pub async fn static_file(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(path): Path<String>,
) -> Response {
    static_response(&path).unwrap_or_else(|| error_page(&state, &ctx, PageError::NotFound))
}

pub async fn favicon() -> Response {
    static_response("favicon.svg").unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

#[cfg(test)]
mod api_reference_tests {
    use super::inline_markdown;

    #[test]
    fn descriptions_render_their_markdown_and_nothing_else() {
        assert_eq!(
            inline_markdown("send `Authorization: Bearer <token>` as **issued** by *yagona*"),
            "send <code>Authorization: Bearer &lt;token&gt;</code> as <strong>issued</strong> by <em>yagona</em>"
        );
        assert_eq!(
            inline_markdown("[spec](https://example.org/a) and [bad](javascript:alert(1))"),
            "<a class=\"govuk-link\" href=\"https://example.org/a\">spec</a> and [bad](javascript:alert(1))"
        );
        assert_eq!(inline_markdown("<script>"), "&lt;script&gt;");
        assert_eq!(
            inline_markdown("one\n\ntwo"),
            "one</p><p class=\"govuk-body\">two"
        );
    }
}

//! Stand-ins for the channels notices go out on, for the demo and the tests: what Eskiz and
//! Telegram would run, served over their published HTTP APIs, and a mail catcher. Not part of
//! the platform, and it knows nothing of it but the `Sender` trait the mail catcher
//! implements in process (the demo has no SMTP server; the tests use a real one).
//!
//! | route | what it plays |
//! |---|---|
//! | `POST /eskiz/api/auth/login` | Eskiz's login: `email`, `password` → `{"data": {"token": …}}` |
//! | `POST /eskiz/api/message/sms/send` | Eskiz's send (bearer token; `mobile_phone` 998 and nine digits, `message`, `from`, `callback_url`) → `{"id", "status": "waiting"}`; a moment later the delivery report goes to `callback_url` (`request_id`, `status` `DELIVRD`, `status_date`) |
//! | `POST /telegram/bot{token}/sendMessage` | Telegram's `sendMessage` (`chat_id`, `text`); chat ids beginning with `-100999` play a person who blocked the bot (403) |
//! | `POST /telegram/bot{token}/setWebhook` | Telegram's `setWebhook` (`url`, `secret_token`): where updates go |
//! | `GET /telegram/t.me/{bot}?start=…` | what `t.me/<bot>?start=…` opens: the bot's chat with its *Start* button; pressing it (`POST`, with the chat id the person's Telegram has) sends the webhook the update Telegram would — `/start <token>` in a private chat, with the secret in `X-Telegram-Bot-Api-Secret-Token` — and comes back to the portal's `/account/notices` |
//! | `GET /messages` | every SMS, Telegram message and e-mail sent so far, newest first (a page; `?format=json` for tests) |

use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use yagona_notices::dispatch::{Outgoing, SendError, Sender, Sent};
use yagona_notices::Channel;

/// The accounts the stand-ins accept.
#[derive(Debug, Clone)]
pub struct NoticeSandboxConfig {
    pub eskiz_email: String,
    pub eskiz_password: String,
    pub telegram_token: String,
}

/// A message the stand-ins were given.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Delivered {
    /// `sms`, `telegram` or `email`.
    pub channel: String,
    pub to: String,
    pub subject: Option<String>,
    pub text: String,
    pub id: String,
    /// Tashkent time, `YYYY-MM-DD HH:MM:SS`.
    pub at: String,
}

pub struct NoticeSandbox {
    config: NoticeSandboxConfig,
    token: String,
    sent: Mutex<Vec<Delivered>>,
    /// The bot's webhook (`setWebhook`): the address and the secret.
    webhook: Mutex<Option<(String, String)>>,
    updates: std::sync::atomic::AtomicI64,
    http: reqwest::Client,
}

impl std::fmt::Debug for NoticeSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoticeSandbox").finish_non_exhaustive()
    }
}

fn tashkent_now() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(5))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

impl NoticeSandbox {
    pub fn new(config: NoticeSandboxConfig) -> NoticeSandbox {
        NoticeSandbox {
            config,
            token: format!("eskiz.{}", uuid::Uuid::new_v4().simple()),
            sent: Mutex::default(),
            webhook: Mutex::default(),
            updates: std::sync::atomic::AtomicI64::new(0),
            http: reqwest::Client::new(),
        }
    }

    /// Everything sent so far, oldest first.
    pub fn sent(&self) -> Vec<Delivered> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn keep(&self, d: Delivered) {
        if let Ok(mut s) = self.sent.lock() {
            s.push(d);
        }
    }
}

/// The mail catcher: an e-mail "sent" is kept and listed on `/messages`.
pub struct MailCatcher(pub Arc<NoticeSandbox>);

impl Sender for MailCatcher {
    fn channel(&self) -> Channel {
        Channel::Email
    }

    fn send<'a>(&'a self, message: &'a Outgoing) -> BoxFuture<'a, Result<Sent, SendError>> {
        Box::pin(async move {
            let id = format!("<notice-{}@demo.yagona>", message.id);
            self.0.keep(Delivered {
                channel: "email".into(),
                to: message.address.clone(),
                subject: Some(message.rendered.subject.clone()),
                text: message.rendered.text.clone(),
                id: id.clone(),
                at: tashkent_now(),
            });
            Ok(Sent {
                provider_id: Some(id),
                delivered: false,
            })
        })
    }
}

/// The stand-ins' routes.
pub fn routes(sandbox: Arc<NoticeSandbox>) -> Router {
    Router::new()
        .route("/eskiz/api/auth/login", post(eskiz_login))
        .route("/eskiz/api/message/sms/send", post(eskiz_send))
        .route("/telegram/{bot}/sendMessage", post(telegram_send))
        .route("/telegram/{bot}/setWebhook", post(telegram_set_webhook))
        .route(
            "/telegram/t.me/{bot}",
            get(telegram_start_page).post(telegram_start),
        )
        .route("/messages", get(messages))
        .with_state(sandbox)
}

#[derive(Deserialize)]
struct Login {
    email: String,
    password: String,
}

async fn eskiz_login(State(s): State<Arc<NoticeSandbox>>, Form(f): Form<Login>) -> Response {
    if f.email == s.config.eskiz_email && f.password == s.config.eskiz_password {
        Json(json!({"message": "token_generated", "data": {"token": s.token}, "token_type": "bearer"}))
            .into_response()
    } else {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({"message": "Invalid credentials"})),
        )
            .into_response()
    }
}

async fn eskiz_send(
    State(s): State<Arc<NoticeSandbox>>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if bearer != Some(s.token.as_str()) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"status": "token-invalid", "message": "Unauthenticated."})),
        )
            .into_response();
    }
    let phone = f.get("mobile_phone").map(String::as_str).unwrap_or("");
    let text = f.get("message").map(String::as_str).unwrap_or("");
    if !(phone.len() == 12 && phone.starts_with("998") && phone.bytes().all(|b| b.is_ascii_digit()))
        || text.is_empty()
    {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"status": "error", "message": {"mobile_phone": ["The mobile phone format is invalid."]}})),
        )
            .into_response();
    }
    let id = uuid::Uuid::new_v4().to_string();
    s.keep(Delivered {
        channel: "sms".into(),
        to: format!("+{phone}"),
        subject: None,
        text: text.to_owned(),
        id: id.clone(),
        at: tashkent_now(),
    });
    if let Some(callback) = f.get("callback_url").filter(|u| !u.is_empty()).cloned() {
        let (http, id, phone) = (s.http.clone(), id.clone(), phone.to_owned());
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            let report = [
                ("request_id", id.as_str()),
                ("message_id", id.as_str()),
                ("phone_number", phone.as_str()),
                ("status", "DELIVRD"),
                ("status_date", &tashkent_now()),
                ("sms_count", "1"),
            ];
            let _ = http.post(callback).form(&report).send().await;
        });
    }
    Json(json!({"id": id, "message": "Waiting for SMS provider", "status": "waiting"}))
        .into_response()
}

async fn telegram_send(
    State(s): State<Arc<NoticeSandbox>>,
    Path(bot): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if bot.strip_prefix("bot") != Some(s.config.telegram_token.as_str()) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"ok": false, "error_code": 401, "description": "Unauthorized"})),
        )
            .into_response();
    }
    let chat = match &body["chat_id"] {
        Value::String(c) => c.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let text = body["text"].as_str().unwrap_or("");
    if chat.is_empty() || text.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"ok": false, "error_code": 400, "description": "Bad Request: chat_id and text are required"})),
        )
            .into_response();
    }
    if chat.starts_with("-100999") {
        return (
            StatusCode::FORBIDDEN,
            Json(json!({"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user"})),
        )
            .into_response();
    }
    let n = s.sent().len() as i64 + 1;
    s.keep(Delivered {
        channel: "telegram".into(),
        to: chat.clone(),
        subject: None,
        text: text.to_owned(),
        id: n.to_string(),
        at: tashkent_now(),
    });
    Json(json!({"ok": true, "result": {"message_id": n, "chat": {"id": chat}, "text": text}}))
        .into_response()
}

fn telegram_refused(status: StatusCode, description: &str) -> Response {
    (
        status,
        Json(json!({"ok": false, "error_code": status.as_u16(), "description": description})),
    )
        .into_response()
}

async fn telegram_set_webhook(
    State(s): State<Arc<NoticeSandbox>>,
    Path(bot): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if bot.strip_prefix("bot") != Some(s.config.telegram_token.as_str()) {
        return telegram_refused(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    let Some(url) = body["url"].as_str().filter(|u| u.starts_with("http")) else {
        return telegram_refused(
            StatusCode::BAD_REQUEST,
            "Bad Request: bad webhook: an HTTPS URL must be provided for webhook",
        );
    };
    let secret = body["secret_token"].as_str().unwrap_or("");
    if secret.len() > 256
        || !secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return telegram_refused(
            StatusCode::BAD_REQUEST,
            "Bad Request: secret token contains unallowed characters",
        );
    }
    if let Ok(mut w) = s.webhook.lock() {
        *w = Some((url.to_owned(), secret.to_owned()));
    }
    Json(json!({"ok": true, "result": true, "description": "Webhook was set"})).into_response()
}

#[derive(Deserialize)]
struct Start {
    start: Option<String>,
    chat: Option<String>,
}

/// What `t.me/<bot>?start=…` shows: the bot, and its Start button.
async fn telegram_start_page(Path(bot): Path<String>, Query(q): Query<Start>) -> Response {
    let start = q.start.unwrap_or_default();
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>@{bot} — Telegram (sandbox)</title></head>\
         <body><main><h1>@{bot}</h1><p>This page plays Telegram for the demo: the chat with the platform's bot, opened from the portal's link. Nothing leaves this machine.</p>\
         <form method=\"post\"><input type=\"hidden\" name=\"start\" value=\"{start}\">\
         <p><label for=\"chat\">Your Telegram chat id (Telegram knows it; you never type it)</label><br><input id=\"chat\" name=\"chat\" value=\"700100200\" inputmode=\"numeric\"></p>\
         <p><button type=\"submit\">Start</button></p></form></main></body></html>",
        bot = escape(&bot),
        start = escape(&start),
    ))
    .into_response()
}

/// Start pressed: the update goes to the bot's webhook as Telegram would send it.
async fn telegram_start(
    State(s): State<Arc<NoticeSandbox>>,
    Path(_bot): Path<String>,
    Form(f): Form<Start>,
) -> Response {
    let Some((url, secret)) = s.webhook.lock().ok().and_then(|w| w.clone()) else {
        return (
            StatusCode::CONFLICT,
            "The bot has no webhook yet (setWebhook).",
        )
            .into_response();
    };
    let Ok(chat) = f.chat.as_deref().unwrap_or("").trim().parse::<i64>() else {
        return (StatusCode::BAD_REQUEST, "A chat id is digits.").into_response();
    };
    let n = s.updates.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
    let text = match f.start.as_deref().filter(|t| !t.is_empty()) {
        Some(token) => format!("/start {token}"),
        None => "/start".to_owned(),
    };
    let update = json!({
        "update_id": n,
        "message": {
            "message_id": n,
            "from": {"id": chat, "is_bot": false, "first_name": "Demo"},
            "chat": {"id": chat, "type": "private", "first_name": "Demo"},
            "date": chrono::Utc::now().timestamp(),
            "text": text,
        }
    });
    match s
        .http
        .post(&url)
        .header("X-Telegram-Bot-Api-Secret-Token", &secret)
        .json(&update)
        .send()
        .await
    {
        Ok(answer) if answer.status().is_success() => (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, "/account/notices")],
        )
            .into_response(),
        Ok(answer) => (
            StatusCode::BAD_GATEWAY,
            format!("The webhook answered {}", answer.status()),
        )
            .into_response(),
        Err(e) => (StatusCode::BAD_GATEWAY, format!("The webhook: {e}")).into_response(),
    }
}

#[derive(Deserialize)]
struct Format {
    format: Option<String>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn messages(State(s): State<Arc<NoticeSandbox>>, Query(q): Query<Format>) -> Response {
    let mut sent = s.sent();
    sent.reverse();
    if q.format.as_deref() == Some("json") {
        return Json(sent).into_response();
    }
    let rows: String = sent
        .iter()
        .map(|d| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td></tr>",
                escape(&d.at),
                escape(&d.channel),
                escape(&d.to),
                d.subject
                    .as_deref()
                    .map(|s| format!("<strong>{}</strong><br>", escape(s)))
                    .unwrap_or_default(),
                escape(&d.text).replace('\n', "<br>")
            )
        })
        .collect();
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Messages sent — sandbox</title></head>\
         <body><main><h1>Messages sent (sandbox)</h1><p>SMS through the Eskiz stand-in, Telegram through the Bot API stand-in, e-mail caught before any server. Nothing leaves this machine.</p>\
         <table><caption>Newest first</caption><thead><tr><th scope=\"col\">When (Tashkent)</th><th scope=\"col\">Channel</th><th scope=\"col\">To</th><th scope=\"col\">Message</th></tr></thead><tbody>{rows}</tbody></table></main></body></html>"
    ))
    .into_response()
}

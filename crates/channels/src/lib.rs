//! The ways notices go out, each a [`Sender`] of `yagona-notices`:
//!
//! - [`Smtp`]: e-mail over SMTP (plain for a local relay, STARTTLS or TLS, with a login where
//!   the relay wants one), through `lettre`. The message's `Message-ID` is the notice's, so a
//!   mailbox can tell a copy from a new message.
//! - [`Eskiz`]: SMS through Eskiz's HTTP API (notify.eskiz.uz), which Uzbek agencies and
//!   businesses use: a bearer token from `POST /auth/login` (kept, and fetched again when the
//!   gateway answers 401), `POST /message/sms/send` with `mobile_phone` (digits, no `+`),
//!   `message`, `from` and `callback_url`, answered with the message's `id`; delivery reports
//!   come to the callback (`status` `DELIVRD`, `UNDELIV`, `EXPIRED`, `REJECTD`; see
//!   [`eskiz_receipt`]).
//! - [`Telegram`]: Telegram's Bot API `sendMessage` to the person's chat; Telegram's `ok` means
//!   the message is in the chat, so it counts as delivered.
//!
//! Errors are sorted as the dispatcher needs them: a refusal that will not change (a mailbox
//! that does not exist, a number the gateway rejects, a bot the person blocked) is permanent,
//! anything else (the server down, a timeout, a rate limit) temporary.

use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;
use tokio::sync::Mutex;
use yagona_notices::dispatch::{Outgoing, SendError, Sender, Sent};
use yagona_notices::Channel;

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap_or_default()
}

fn temporary(e: impl std::fmt::Display) -> SendError {
    SendError::Temporary(e.to_string())
}

// ---------------------------------------------------------------------------------------------
// E-mail

/// `[notices.smtp]`: the relay the node sends e-mail through.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    #[serde(default = "smtp_port")]
    pub port: u16,
    /// `starttls` (the default), `tls`, or `none` (a relay on the same host or network only).
    #[serde(default = "starttls")]
    pub security: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender, e.g. `Yagona <xabar@my.gov.uz>`.
    pub from: String,
}

fn smtp_port() -> u16 {
    587
}
fn starttls() -> String {
    "starttls".into()
}

pub struct Smtp {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
    domain: String,
}

impl Smtp {
    pub fn new(config: &SmtpConfig) -> Result<Smtp, String> {
        use lettre::transport::smtp::authentication::Credentials;
        use lettre::{AsyncSmtpTransport, Tokio1Executor};
        let from: lettre::message::Mailbox = config
            .from
            .parse()
            .map_err(|e| format!("[notices.smtp] from: {e}"))?;
        let mut builder = match config.security.as_str() {
            "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
            "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)
                .map_err(|e| format!("[notices.smtp] {e}"))?,
            "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
                .map_err(|e| format!("[notices.smtp] {e}"))?,
            other => {
                return Err(format!(
                    "[notices.smtp] security {other:?}: starttls, tls or none"
                ))
            }
        }
        .port(config.port)
        .timeout(Some(Duration::from_secs(20)))
        // Connections kept open and reused: a notice costs MAIL, RCPT and DATA, not a handshake.
        .pool_config(lettre::transport::smtp::PoolConfig::new().max_size(32));
        if let (Some(user), Some(password)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Smtp {
            domain: from.email.domain().to_owned(),
            transport: builder.build(),
            from,
        })
    }
}

impl Sender for Smtp {
    fn channel(&self) -> Channel {
        Channel::Email
    }

    fn send<'a>(&'a self, message: &'a Outgoing) -> BoxFuture<'a, Result<Sent, SendError>> {
        Box::pin(async move {
            use lettre::AsyncTransport;
            let to: lettre::message::Mailbox = message
                .address
                .parse()
                .map_err(|e| SendError::Permanent(format!("address: {e}")))?;
            let id = format!("<notice-{}@{}>", message.id, self.domain);
            let email = lettre::Message::builder()
                .from(self.from.clone())
                .to(to)
                .message_id(Some(id.clone()))
                .subject(message.rendered.subject.clone())
                .header(lettre::message::header::ContentType::TEXT_PLAIN)
                .body(message.rendered.text.clone())
                .map_err(|e| SendError::Permanent(e.to_string()))?;
            match self.transport.send(email).await {
                Ok(_) => Ok(Sent {
                    provider_id: Some(id),
                    delivered: false,
                }),
                Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
                Err(e) => Err(temporary(e)),
            }
        })
    }
}

// ---------------------------------------------------------------------------------------------
// SMS

/// `[notices.sms]`: the node's Eskiz account.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EskizConfig {
    /// `https://notify.eskiz.uz/api` (the stand-in's in the demo).
    #[serde(default = "eskiz_base")]
    pub base_url: String,
    pub email: String,
    pub password: String,
    /// The sender name (nickname) Eskiz approved, e.g. `4546` or `MyGovUz`.
    pub from: String,
    /// Where Eskiz posts delivery reports: the node's `/notices/sms/receipts/{secret}`.
    pub callback_url: Option<String>,
}

fn eskiz_base() -> String {
    "https://notify.eskiz.uz/api".into()
}

impl std::fmt::Debug for EskizConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EskizConfig")
            .field("base_url", &self.base_url)
            .field("email", &self.email)
            .field("password", &"<secret>")
            .field("from", &self.from)
            .finish()
    }
}

pub struct Eskiz {
    config: EskizConfig,
    http: reqwest::Client,
    token: Mutex<Option<String>>,
}

impl Eskiz {
    pub fn new(config: EskizConfig) -> Eskiz {
        Eskiz {
            config,
            http: http(),
            token: Mutex::new(None),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_url.trim_end_matches('/'))
    }

    async fn login(&self) -> Result<String, SendError> {
        let answer = self
            .http
            .post(self.url("/auth/login"))
            .form(&[
                ("email", self.config.email.as_str()),
                ("password", self.config.password.as_str()),
            ])
            .send()
            .await
            .map_err(temporary)?;
        let status = answer.status();
        let body: Value = answer.json().await.map_err(temporary)?;
        match body["data"]["token"].as_str() {
            Some(token) => Ok(token.to_owned()),
            // Wrong credentials will not fix themselves, but an operator may fix the
            // configuration: the notice waits and is tried again.
            None => Err(SendError::Temporary(format!(
                "Eskiz login refused (HTTP {status}): {body}"
            ))),
        }
    }

    async fn token(&self, fresh: bool) -> Result<String, SendError> {
        let mut kept = self.token.lock().await;
        if let (Some(t), false) = (kept.as_ref(), fresh) {
            return Ok(t.clone());
        }
        let token = self.login().await?;
        *kept = Some(token.clone());
        Ok(token)
    }
}

impl Sender for Eskiz {
    fn channel(&self) -> Channel {
        Channel::Sms
    }

    fn send<'a>(&'a self, message: &'a Outgoing) -> BoxFuture<'a, Result<Sent, SendError>> {
        Box::pin(async move {
            let phone: String = message
                .address
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            let mut fresh = false;
            loop {
                let token = self.token(fresh).await?;
                let mut form = vec![
                    ("mobile_phone", phone.clone()),
                    ("message", message.rendered.text.clone()),
                    ("from", self.config.from.clone()),
                ];
                if let Some(url) = &self.config.callback_url {
                    form.push(("callback_url", url.clone()));
                }
                let answer = self
                    .http
                    .post(self.url("/message/sms/send"))
                    .bearer_auth(&token)
                    .form(&form)
                    .send()
                    .await
                    .map_err(temporary)?;
                let status = answer.status();
                if status == reqwest::StatusCode::UNAUTHORIZED && !fresh {
                    // The token expired (they live 30 days): log in again, once.
                    fresh = true;
                    continue;
                }
                let body: Value = answer.json().await.unwrap_or(Value::Null);
                return match (status.as_u16(), body["id"].as_str()) {
                    (200..=299, Some(id)) => Ok(Sent {
                        provider_id: Some(id.to_owned()),
                        delivered: false,
                    }),
                    (429 | 500..=599, _) | (200..=299, None) => Err(SendError::Temporary(format!(
                        "Eskiz answered HTTP {status}: {body}"
                    ))),
                    _ => Err(SendError::Permanent(format!(
                        "Eskiz refused (HTTP {status}): {body}"
                    ))),
                };
            }
        })
    }
}

/// An Eskiz delivery report (its callback's fields, form-encoded or JSON): the message's id
/// and whether it was delivered; `None` for a report that is not final yet (`WAITING`,
/// `TRANSMTD`, `ACCEPTD`) or not a report at all.
pub fn eskiz_receipt(fields: &Value) -> Option<(String, bool)> {
    let id = fields
        .get("request_id")
        .or_else(|| fields.get("id"))
        .and_then(Value::as_str)?;
    let status = fields.get("status").and_then(Value::as_str)?;
    match status.to_ascii_uppercase().as_str() {
        "DELIVRD" | "DELIVERED" => Some((id.to_owned(), true)),
        "UNDELIV" | "UNDELIVERED" | "EXPIRED" | "REJECTD" | "REJECTED" | "DELETED" | "FAILED" => {
            Some((id.to_owned(), false))
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Telegram

/// `[notices.telegram]`: the node's bot.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramConfig {
    /// `https://api.telegram.org` (the stand-in's in the demo).
    #[serde(default = "telegram_base")]
    pub base_url: String,
    /// The token @BotFather gave.
    pub token: String,
    /// The bot's username, for the link people open to start it (`t.me/<bot>`).
    pub bot: String,
    /// Where people's Telegram opens the bot: `https://t.me` (the stand-in's in the demo).
    #[serde(default = "telegram_links")]
    pub link_base: String,
    /// Where Telegram sends the bot's updates — the node's `/notices/telegram/updates` at its
    /// public address; the node registers it (`setWebhook`) when it starts. Without it people
    /// cannot link a chat.
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// The secret Telegram sends back in `X-Telegram-Bot-Api-Secret-Token` with each update
    /// (1–256 of A–Z, a–z, 0–9, `_`, `-`), so that nobody else can post updates.
    #[serde(default)]
    pub webhook_secret: Option<String>,
}

fn telegram_base() -> String {
    "https://api.telegram.org".into()
}

fn telegram_links() -> String {
    "https://t.me".into()
}

impl TelegramConfig {
    /// The link that opens the bot with a start token: `https://t.me/<bot>?start=<token>`.
    pub fn start_link(&self, token: &str) -> String {
        format!(
            "{}/{}?start={token}",
            self.link_base.trim_end_matches('/'),
            self.bot
        )
    }

    /// Whether people can link chats: the updates have an address and a secret.
    pub fn links_chats(&self) -> bool {
        self.webhook_url.is_some() && self.webhook_secret.is_some()
    }
}

/// What a Telegram update sent to the webhook asks, when it is someone pressing *Start* on a
/// start link in a private chat with the bot: (the chat id, the link's token).
pub fn telegram_start(update: &Value) -> Option<(String, String)> {
    let message = &update["message"];
    if message["chat"]["type"].as_str() != Some("private") {
        return None;
    }
    let chat = message["chat"]["id"].as_i64()?;
    let text = message["text"].as_str()?;
    let token = text.strip_prefix("/start ")?.trim();
    let plausible = !token.is_empty()
        && token.len() <= 64
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    plausible.then(|| (chat.to_string(), token.to_owned()))
}

impl std::fmt::Debug for TelegramConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramConfig")
            .field("base_url", &self.base_url)
            .field("token", &"<secret>")
            .field("bot", &self.bot)
            .finish()
    }
}

pub struct Telegram {
    config: TelegramConfig,
    http: reqwest::Client,
}

impl Telegram {
    pub fn new(config: TelegramConfig) -> Telegram {
        Telegram {
            config,
            http: http(),
        }
    }

    fn method(&self, name: &str) -> String {
        format!(
            "{}/bot{}/{name}",
            self.config.base_url.trim_end_matches('/'),
            self.config.token
        )
    }

    /// Registers the webhook (`setWebhook`), with its secret, for messages only. Does nothing
    /// when none is configured.
    pub async fn set_webhook(&self) -> Result<(), String> {
        let (Some(url), Some(secret)) = (&self.config.webhook_url, &self.config.webhook_secret)
        else {
            return Ok(());
        };
        let answer = self
            .http
            .post(self.method("setWebhook"))
            .json(&json!({"url": url, "secret_token": secret, "allowed_updates": ["message"]}))
            .send()
            .await
            .map_err(|e| format!("Telegram setWebhook: {e}"))?;
        let body: Value = answer.json().await.unwrap_or(Value::Null);
        if body["ok"] == json!(true) {
            Ok(())
        } else {
            Err(format!(
                "Telegram setWebhook: {}",
                body["description"].as_str().unwrap_or("refused")
            ))
        }
    }
}

impl Sender for Telegram {
    fn channel(&self) -> Channel {
        Channel::Telegram
    }

    fn send<'a>(&'a self, message: &'a Outgoing) -> BoxFuture<'a, Result<Sent, SendError>> {
        Box::pin(async move {
            let answer = self
                .http
                .post(self.method("sendMessage"))
                .json(&json!({"chat_id": message.address, "text": message.rendered.text}))
                .send()
                .await
                .map_err(temporary)?;
            let status = answer.status();
            let body: Value = answer.json().await.unwrap_or(Value::Null);
            if body["ok"] == json!(true) {
                return Ok(Sent {
                    provider_id: body["result"]["message_id"]
                        .as_i64()
                        .map(|id| format!("{}:{id}", message.address)),
                    delivered: true,
                });
            }
            let description = body["description"].as_str().unwrap_or("no description");
            match body["error_code"]
                .as_i64()
                .unwrap_or(status.as_u16() as i64)
            {
                // Blocked by the person, a chat that is gone, a malformed chat id.
                400 | 403 => Err(SendError::Permanent(format!("Telegram: {description}"))),
                _ => Err(SendError::Temporary(format!(
                    "Telegram (HTTP {status}): {description}"
                ))),
            }
        })
    }
}

/// The node's channels from its configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelsConfig {
    pub smtp: Option<SmtpConfig>,
    pub sms: Option<EskizConfig>,
    pub telegram: Option<TelegramConfig>,
    /// The secret in the SMS gateway's receipt address (`/notices/sms/receipts/{secret}`),
    /// which is not otherwise signed.
    pub receipt_secret: Option<String>,
}

impl ChannelsConfig {
    /// The senders of the channels configured.
    pub fn senders(&self) -> Result<yagona_notices::dispatch::Senders, String> {
        let mut senders: Vec<std::sync::Arc<dyn Sender>> = Vec::new();
        if let Some(smtp) = &self.smtp {
            senders.push(std::sync::Arc::new(Smtp::new(smtp)?));
        }
        if let Some(sms) = &self.sms {
            senders.push(std::sync::Arc::new(Eskiz::new(sms.clone())));
        }
        if let Some(telegram) = &self.telegram {
            senders.push(std::sync::Arc::new(Telegram::new(telegram.clone())));
        }
        Ok(yagona_notices::dispatch::Senders::new(senders))
    }
}

#[cfg(test)]
mod tests {
    use super::{eskiz_receipt, telegram_start};

    #[test]
    fn only_a_start_with_a_token_in_a_private_chat_links_a_chat() {
        let update = |chat_type: &str, text: &str| json!({"update_id": 1, "message": {"message_id": 5, "chat": {"id": 581234567, "type": chat_type}, "text": text}});
        assert_eq!(
            telegram_start(&update("private", "/start Ab_9-x")),
            Some(("581234567".into(), "Ab_9-x".into()))
        );
        assert_eq!(telegram_start(&update("group", "/start Ab_9-x")), None);
        assert_eq!(telegram_start(&update("private", "/start")), None);
        assert_eq!(telegram_start(&update("private", "hello")), None);
        assert_eq!(telegram_start(&update("private", "/start a b")), None);
        assert_eq!(telegram_start(&json!({"edited_message": {}})), None);
    }
    use serde_json::json;

    #[test]
    fn eskiz_reports_are_final_only_when_they_say_so() {
        assert_eq!(
            eskiz_receipt(&json!({"request_id": "a1", "status": "DELIVRD"})),
            Some(("a1".into(), true))
        );
        assert_eq!(
            eskiz_receipt(&json!({"request_id": "a1", "status": "UNDELIV"})),
            Some(("a1".into(), false))
        );
        assert_eq!(
            eskiz_receipt(&json!({"request_id": "a1", "status": "WAITING"})),
            None
        );
        assert_eq!(eskiz_receipt(&json!({"status": "DELIVRD"})), None);
    }
}

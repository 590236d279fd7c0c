//! How people hear from the platform, on the pages:
//!
//! - `/account/notices` — a citizen's e-mail addresses, phones and Telegram chats (each
//!   confirmed with a one-time code sent to it), the channels they want and their language;
//! - `/staff/notices` — the operators' list of notices given up on (the channel refused, or a
//!   node stopped mid-send), each with what went wrong and a button to send it again.

use crate::context::Ctx;
use crate::form::VerifiedForm;
use crate::render::{error_page, page_with_status, sign_in_redirect, PageError};
use crate::Pages;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use yagona_core::{Locale, Pinfl};
use yagona_notices::{Channel, NoticeError, Notices};

pub(crate) fn channel_key(c: Channel) -> &'static str {
    match c {
        Channel::Email => "notices-channel-email",
        Channel::Sms => "notices-channel-sms",
        Channel::Telegram => "notices-channel-telegram",
    }
}

#[derive(Deserialize, Default)]
pub struct Shown {
    /// The address just added, whose code the page asks for.
    added: Option<String>,
    saved: Option<String>,
}

async fn view(
    state: &Pages,
    ctx: &Ctx,
    pinfl: &Pinfl,
    errors: Vec<Value>,
    entered: Value,
    added: Option<&str>,
    saved: bool,
) -> Result<Value, NoticeError> {
    let l = ctx.locale;
    let prefs = Notices::new(&state.db).preferences(pinfl).await?;
    let addresses: Vec<Value> = prefs
        .addresses
        .iter()
        .map(|a| {
            let key = format!("{}:{}", a.channel, a.address);
            json!({
                "channel": a.channel.as_str(),
                "channel_label": state.i18n.t(l, channel_key(a.channel), None),
                "address": a.address,
                "confirmed": a.confirmed,
                "just_added": added == Some(key.as_str()),
            })
        })
        .collect();
    let channels: Vec<Value> = Channel::ALL
        .iter()
        .map(|c| {
            json!({
                "id": c.as_str(),
                "label": state.i18n.t(l, channel_key(*c), None),
                "chosen": prefs.channels.contains(c),
            })
        })
        .collect();
    let languages: Vec<Value> = Locale::ALL
        .iter()
        .map(|x| json!({"tag": x.tag(), "label": language_name(*x), "chosen": prefs.locale == Some(*x)}))
        .collect();
    // Addresses are typed for e-mail and SMS only: a Telegram chat is linked through the bot.
    let typed: Vec<&Value> = channels
        .iter()
        .filter(|c| c["id"] != Channel::Telegram.as_str())
        .collect();
    Ok(json!({
        "addresses": addresses,
        "channels": channels,
        "typed_channels": typed,
        "telegram": state.config.telegram.as_ref().map(|t| json!({"bot": format!("@{}", t.bot)})),
        "languages": languages,
        "errors": errors,
        "entered": entered,
        "saved": saved,
    }))
}

/// Each language by its own name, as the language switcher writes it.
fn language_name(l: Locale) -> &'static str {
    match l {
        Locale::Uz => "Oʻzbekcha",
        Locale::UzCyrl => "Ўзбекча",
        Locale::Ru => "Русский",
        Locale::En => "English",
    }
}

fn citizen(ctx: &Ctx) -> Option<Pinfl> {
    ctx.citizen().and_then(|u| u.pinfl.clone())
}

#[allow(clippy::too_many_arguments)]
async fn show_with(
    state: &Pages,
    ctx: &Ctx,
    pinfl: &Pinfl,
    status: StatusCode,
    errors: Vec<Value>,
    entered: Value,
    added: Option<&str>,
    saved: bool,
) -> Response {
    match view(state, ctx, pinfl, errors, entered, added, saved).await {
        Ok(data) => page_with_status(state, ctx, status, "account_notices.html", data),
        Err(e) => {
            tracing::error!(error = %e, "notice preferences");
            error_page(state, ctx, PageError::Internal)
        }
    }
}

/// `GET /account/notices`.
pub async fn show(State(state): State<Arc<Pages>>, ctx: Ctx, Query(q): Query<Shown>) -> Response {
    let Some(pinfl) = citizen(&ctx) else {
        return sign_in_redirect(&ctx);
    };
    show_with(
        &state,
        &ctx,
        &pinfl,
        StatusCode::OK,
        Vec::new(),
        Value::Null,
        q.added.as_deref(),
        q.saved.is_some(),
    )
    .await
}

fn error(state: &Pages, l: Locale, field: &str, key: &str) -> Value {
    json!({"field": field, "href": format!("#{field}"), "message": state.i18n.t(l, key, None)})
}

/// `POST /account/notices` — `action` = `add` (`channel` e-mail or SMS, `address`: a code is
/// sent to it), `confirm` (`channel`, `address`, `code`), `telegram` (a one-time link to the
/// bot, shown on the page — never in an address, since whoever starts the bot with it links
/// their chat), `remove` (`channel`, `address`) or `choose` (`channels`, `locale`).
pub async fn change(State(state): State<Arc<Pages>>, ctx: Ctx, form: VerifiedForm) -> Response {
    let Some(pinfl) = citizen(&ctx) else {
        return sign_in_redirect(&ctx);
    };
    let l = ctx.locale;
    let notices = Notices::new(&state.db);
    let channel = form.get("channel").and_then(Channel::parse);
    let address = form.get("address").unwrap_or("").to_owned();
    let back = |added: Option<String>, saved: bool| {
        let mut to = "/account/notices".to_owned();
        if let Some(a) = added {
            let a: String = url::form_urlencoded::byte_serialize(a.as_bytes()).collect();
            to.push_str(&format!("?added={a}"));
        } else if saved {
            to.push_str("?saved=1");
        }
        Redirect::to(&to).into_response()
    };
    let refused = |errors: Vec<Value>, entered: Value, added: Option<String>| {
        let (state, ctx, pinfl) = (&state, &ctx, &pinfl);
        async move {
            show_with(
                state,
                ctx,
                pinfl,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
                entered,
                added.as_deref(),
                false,
            )
            .await
        }
    };
    let done = match form.get("action").unwrap_or("") {
        "telegram" => {
            let Some(bot) = state.config.telegram.as_ref() else {
                return back(None, false);
            };
            let token = match notices.telegram_link(&pinfl, l).await {
                Ok(token) => token,
                Err(NoticeError::TooMany) => {
                    return refused(
                        vec![error(&state, l, "telegram", "notices-error-too-many")],
                        Value::Null,
                        None,
                    )
                    .await;
                }
                Err(e) => {
                    tracing::error!(error = %e, "Telegram link");
                    return error_page(&state, &ctx, PageError::Internal);
                }
            };
            let link = format!(
                "{}/{}?start={token}",
                bot.link_base.trim_end_matches('/'),
                bot.bot
            );
            return match view(&state, &ctx, &pinfl, Vec::new(), Value::Null, None, false).await {
                Ok(mut data) => {
                    data["telegram_link"] = link.into();
                    let mut page = page_with_status(
                        &state,
                        &ctx,
                        StatusCode::OK,
                        "account_notices.html",
                        data,
                    );
                    page.headers_mut().insert(
                        axum::http::header::CACHE_CONTROL,
                        axum::http::HeaderValue::from_static("no-store"),
                    );
                    page
                }
                Err(e) => {
                    tracing::error!(error = %e, "notice preferences");
                    error_page(&state, &ctx, PageError::Internal)
                }
            };
        }
        "add" => {
            let Some(channel) = channel.filter(|c| *c != Channel::Telegram) else {
                return refused(
                    vec![error(&state, l, "channel", "notices-error-channel")],
                    json!({"address": address}),
                    None,
                )
                .await;
            };
            match notices.add_address(&pinfl, channel, &address, l).await {
                Ok(written) => return back(Some(format!("{channel}:{written}")), false),
                Err(NoticeError::Invalid(_)) => {
                    let key = match channel {
                        Channel::Email => "notices-error-email",
                        _ => "notices-error-phone",
                    };
                    return refused(
                        vec![error(&state, l, "address", key)],
                        json!({"address": address, "channel": channel.as_str()}),
                        None,
                    )
                    .await;
                }
                Err(NoticeError::TooMany) => {
                    return refused(
                        vec![error(&state, l, "address", "notices-error-too-many")],
                        json!({"address": address, "channel": channel.as_str()}),
                        None,
                    )
                    .await;
                }
                Err(e) => Err(e),
            }
        }
        "confirm" => {
            let Some(channel) = channel else {
                return back(None, false);
            };
            let code = form.get("code").unwrap_or("");
            match notices.confirm(&pinfl, channel, &address, code).await {
                Ok(true) => return back(None, true),
                Ok(false) => {
                    return refused(
                        vec![error(&state, l, "code", "notices-error-code")],
                        Value::Null,
                        Some(format!("{channel}:{address}")),
                    )
                    .await
                }
                Err(e) => Err(e),
            }
        }
        "remove" => match channel {
            Some(channel) => notices.remove_address(&pinfl, channel, &address).await,
            None => Ok(()),
        },
        "choose" => {
            let chosen: Vec<Channel> = Channel::ALL
                .into_iter()
                .filter(|c| form.get(&format!("channel-{}", c.as_str())).is_some())
                .collect();
            let locale = form.get("locale").and_then(Locale::parse);
            notices.choose(&pinfl, &chosen, locale).await
        }
        _ => Ok(()),
    };
    match done {
        Ok(()) => back(None, true),
        Err(e) => {
            tracing::error!(error = %e, "notice preferences");
            error_page(&state, &ctx, PageError::Internal)
        }
    }
}

/// The notices about an application or appeal, as its history lines: "SMS to +998 90 … 4567
/// delivered 7 December 2026, 12:03".
pub fn history_lines(state: &Pages, l: Locale, notices: &[yagona_notices::Notice]) -> Vec<Value> {
    notices
        .iter()
        .map(|n| {
            let status_key = format!("notices-status-{}", n.status.as_str());
            let when = n.delivered_at.or(n.sent_at).unwrap_or(n.created_at);
            json!({
                "channel": state.i18n.t(l, channel_key(n.channel), None),
                "to": mask(&n.address),
                "status": state.i18n.t(l, &status_key, None),
                "when": state.i18n.date_time(l, &when),
                "event": state.i18n.t(l, &format!("notices-event-{}", n.event), None),
            })
        })
        .collect()
}

/// An address shown in a history, partly hidden: `+99890***4567`, `d***@example.uz`.
pub(crate) fn mask(address: &str) -> String {
    if let Some((user, domain)) = address.split_once('@') {
        let first: String = user.chars().take(1).collect();
        return format!("{first}***@{domain}");
    }
    let chars: Vec<char> = address.chars().collect();
    if chars.len() <= 6 {
        return address.to_owned();
    }
    let head: String = chars[..6.min(chars.len())].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}***{tail}")
}

/// `GET /staff/notices`: the notices given up on, for operators and administrators.
pub async fn failed(State(state): State<Arc<Pages>>, ctx: Ctx) -> Response {
    if ctx.operator().is_none() && ctx.admin().is_none() {
        return crate::staff::forbidden_or_sign_in(&state, &ctx);
    }
    let l = ctx.locale;
    let notices = Notices::new(&state.db);
    let (failed, counts) = match (notices.failed(200).await, notices.counts().await) {
        (Ok(f), Ok(c)) => (f, c),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "failed notices");
            return error_page(&state, &ctx, PageError::Internal);
        }
    };
    let rows: Vec<Value> = failed
        .iter()
        .map(|n| {
            json!({
                "id": n.id,
                "when": state.i18n.date_time(l, &n.created_at),
                "channel": state.i18n.t(l, channel_key(n.channel), None),
                "to": n.address,
                "about": format!("{} · {}", n.subject_ref, state.i18n.t(l, &format!("notices-event-{}", n.event), None)),
                "error": n.last_error,
                "attempts": n.attempts,
            })
        })
        .collect();
    let counts: Vec<Value> = counts
        .iter()
        .map(|(s, n)| json!({"status": state.i18n.t(l, &format!("notices-status-{s}"), None), "count": n}))
        .collect();
    page_with_status(
        &state,
        &ctx,
        StatusCode::OK,
        "staff_notices.html",
        json!({"failed": rows, "counts": counts}),
    )
}

/// `POST /staff/notices` (`id`): an operator sends a failed notice again.
pub async fn resend(State(state): State<Arc<Pages>>, ctx: Ctx, form: VerifiedForm) -> Response {
    let who = match (ctx.operator(), ctx.admin()) {
        (Some(u), _) | (None, Some(u)) => u.name.clone(),
        _ => return crate::staff::forbidden_or_sign_in(&state, &ctx),
    };
    if let Some(id) = form.get("id").and_then(|s| s.parse::<i64>().ok()) {
        if let Err(e) = Notices::new(&state.db).resend(id, &who).await {
            tracing::error!(error = %e, "resending a notice");
            return error_page(&state, &ctx, PageError::Internal);
        }
    }
    Redirect::to("/staff/notices").into_response()
}

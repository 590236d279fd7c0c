//! How a person wants to hear: their e-mail addresses and phones, each used only once
//! confirmed by a one-time code sent to it, and their Telegram chats, linked by starting the
//! platform's bot through a one-time link; the channels they chose; their language.
//!
//! A code is six digits, valid for ten minutes and five tries, kept only as a hash, and sent
//! as an urgent notice (so at night too). Until a person chooses, every confirmed address is
//! used.

use crate::{Channel, NewNotice, NoticeError, Notices, Recipient, Tx};
use serde::Serialize;
use serde_json::Map;
use sha2::{Digest, Sha256};
use yagona_core::{format_timestamp, parse_timestamp, Email, Locale, Phone, Pinfl};

/// How long a code may be used.
const CODE_MINUTES: i64 = 10;
/// How many wrong codes end it.
const CODE_TRIES: i64 = 5;
/// How many codes a person may ask for in an hour.
const CODES_PER_HOUR: i64 = 5;
/// How long a Telegram start link may be used.
pub const LINK_MINUTES: i64 = 15;

/// One of a person's addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Address {
    pub channel: Channel,
    pub address: String,
    pub confirmed: bool,
}

/// What a person chose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preferences {
    pub addresses: Vec<Address>,
    /// The channels they want to hear on (every channel until they choose).
    pub channels: Vec<Channel>,
    pub locale: Option<Locale>,
}

/// An address as the person typed it, checked and written the one way: an e-mail address, a
/// phone as `+998…`, a Telegram chat id (digits).
pub fn normalize(channel: Channel, text: &str) -> Result<String, NoticeError> {
    let text = text.trim();
    match channel {
        Channel::Email => Email::parse(text)
            .map(|e| e.as_str().to_owned())
            .map_err(|_| NoticeError::Invalid("not an e-mail address".into())),
        Channel::Sms => Phone::parse(text)
            .map(|p| p.as_str().to_owned())
            .map_err(|_| NoticeError::Invalid("not a phone number".into())),
        Channel::Telegram => {
            let id = text.strip_prefix('-').unwrap_or(text);
            if !id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit()) {
                Ok(text.to_owned())
            } else {
                Err(NoticeError::Invalid("not a Telegram chat id".into()))
            }
        }
    }
}

fn link_hash(token: &str) -> String {
    format!(
        "{:x}",
        Sha256::digest(format!("telegram-link\0{token}").as_bytes())
    )
}

fn code_hash(pinfl: &Pinfl, channel: Channel, address: &str, code: &str) -> String {
    let mut h = Sha256::new();
    for part in [pinfl.as_str(), channel.as_str(), address, code] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    format!("{:x}", h.finalize())
}

pub(crate) async fn preferences_in(tx: &mut Tx, pinfl: &Pinfl) -> Result<Preferences, NoticeError> {
    let addresses = addresses(&mut **tx, pinfl).await?;
    let (channels, locale) = choices(&mut **tx, pinfl).await?;
    Ok(Preferences {
        addresses,
        channels,
        locale,
    })
}

async fn addresses<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    pinfl: &Pinfl,
) -> Result<Vec<Address>, NoticeError> {
    let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT channel, address, confirmed_at FROM notice_addresses WHERE pinfl = $1 ORDER BY channel, created_at, address",
    )
    .bind(pinfl.as_str())
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(c, address, confirmed)| {
            Some(Address {
                channel: Channel::parse(&c)?,
                address,
                confirmed: confirmed.is_some(),
            })
        })
        .collect())
}

async fn choices<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    pinfl: &Pinfl,
) -> Result<(Vec<Channel>, Option<Locale>), NoticeError> {
    let prefs: Option<(String, Option<String>)> =
        sqlx::query_as("SELECT channels, locale FROM notice_preferences WHERE pinfl = $1")
            .bind(pinfl.as_str())
            .fetch_optional(db)
            .await?;
    Ok(match prefs {
        Some((channels, locale)) => (
            channels.split(',').filter_map(Channel::parse).collect(),
            locale.as_deref().and_then(Locale::parse),
        ),
        None => (Channel::ALL.to_vec(), None),
    })
}

impl Notices<'_> {
    /// A person's addresses and choices.
    pub async fn preferences(&self, pinfl: &Pinfl) -> Result<Preferences, NoticeError> {
        let (channels, locale) = choices(&self.db.pool, pinfl).await?;
        Ok(Preferences {
            addresses: addresses(&self.db.pool, pinfl).await?,
            channels,
            locale,
        })
    }

    /// The channels a person wants to hear on, and their language (`None`: the page's).
    pub async fn choose(
        &self,
        pinfl: &Pinfl,
        channels: &[Channel],
        locale: Option<Locale>,
    ) -> Result<(), NoticeError> {
        let list: Vec<&str> = channels.iter().map(|c| c.as_str()).collect();
        sqlx::query(
            "INSERT INTO notice_preferences (pinfl, channels, locale, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (pinfl) DO UPDATE SET channels = excluded.channels, locale = excluded.locale, updated_at = excluded.updated_at",
        )
        .bind(pinfl.as_str())
        .bind(list.join(","))
        .bind(locale.map(Locale::tag))
        .bind(format_timestamp(&yagona_core::now()))
        .execute(&self.db.writer)
        .await?;
        Ok(())
    }

    /// Adds an address (or asks again for one not yet confirmed) and sends it a one-time code,
    /// in one transaction. Answers the address as written.
    pub async fn add_address(
        &self,
        pinfl: &Pinfl,
        channel: Channel,
        typed: &str,
        locale: Locale,
    ) -> Result<String, NoticeError> {
        use rand::Rng;
        let address = normalize(channel, typed)?;
        let code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000));
        let now = yagona_core::now();
        let at = format_timestamp(&now);
        let mut tx = self.db.writer.begin().await?;
        // A code costs an SMS and lands on someone's phone: a person may ask for only so many
        // an hour, so the page cannot be used to flood a number.
        let recent: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM notices WHERE subject_kind = 'person' AND subject_ref = $1 AND event = 'code' AND created_at > $2",
        )
        .bind(pinfl.as_str())
        .bind(format_timestamp(&(now - chrono::Duration::hours(1))))
        .fetch_one(&mut *tx)
        .await?;
        if recent >= CODES_PER_HOUR {
            return Err(NoticeError::TooMany);
        }
        sqlx::query(
            "INSERT INTO notice_addresses (pinfl, channel, address, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (pinfl, channel, address) DO NOTHING",
        )
        .bind(pinfl.as_str())
        .bind(channel.as_str())
        .bind(&address)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO notice_codes (pinfl, channel, address, code_hash, expires_at, attempts) VALUES ($1, $2, $3, $4, $5, 0)
             ON CONFLICT (pinfl, channel, address) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at, attempts = 0",
        )
        .bind(pinfl.as_str())
        .bind(channel.as_str())
        .bind(&address)
        .bind(code_hash(pinfl, channel, &address, &code))
        .bind(format_timestamp(&(now + chrono::Duration::minutes(CODE_MINUTES))))
        .execute(&mut *tx)
        .await?;
        let mut params = Map::new();
        params.insert("code".into(), code.clone().into());
        Notices::queue_in(
            &mut tx,
            &NewNotice {
                subject_kind: "person",
                subject_ref: pinfl.as_str().to_owned(),
                event: crate::Event::Code,
                to: Recipient::Address {
                    channel,
                    address: address.clone(),
                },
                locale,
                urgent: true,
                params,
                // Each code is a notice of its own.
                key: format!("code:{}", code_hash(pinfl, channel, &address, &code)),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(address)
    }

    /// Confirms an address with the code sent to it. Answers whether it is now confirmed; a
    /// wrong, expired or overtried code is `false` and uses up one try.
    pub async fn confirm(
        &self,
        pinfl: &Pinfl,
        channel: Channel,
        address: &str,
        code: &str,
    ) -> Result<bool, NoticeError> {
        let now = yagona_core::now();
        let mut tx = self.db.writer.begin().await?;
        let row: Option<(String, String, i64)> = sqlx::query_as(
            "SELECT code_hash, expires_at, attempts FROM notice_codes WHERE pinfl = $1 AND channel = $2 AND address = $3",
        )
        .bind(pinfl.as_str())
        .bind(channel.as_str())
        .bind(address)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((hash, expires, attempts)) = row else {
            return Ok(false);
        };
        let live = parse_timestamp(&expires).is_some_and(|e| now < e) && attempts < CODE_TRIES;
        let given = code.trim();
        let right = live
            && given.len() == 6
            && given.bytes().all(|b| b.is_ascii_digit())
            && code_hash(pinfl, channel, address, given) == hash;
        if !right {
            sqlx::query(
                "UPDATE notice_codes SET attempts = attempts + 1 WHERE pinfl = $1 AND channel = $2 AND address = $3",
            )
            .bind(pinfl.as_str())
            .bind(channel.as_str())
            .bind(address)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(false);
        }
        sqlx::query(
            "UPDATE notice_addresses SET confirmed_at = $1 WHERE pinfl = $2 AND channel = $3 AND address = $4",
        )
        .bind(format_timestamp(&now))
        .bind(pinfl.as_str())
        .bind(channel.as_str())
        .bind(address)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM notice_codes WHERE pinfl = $1 AND channel = $2 AND address = $3")
            .bind(pinfl.as_str())
            .bind(channel.as_str())
            .bind(address)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Starts linking a Telegram chat: a one-time token for the bot's start link
    /// (`t.me/<bot>?start=<token>`), valid for [`LINK_MINUTES`]. Telegram gives the bot the
    /// chat only when the person presses *Start*, so the chat proves itself by bringing the
    /// token back ([`Self::telegram_started`]): no chat number to type, no code to copy. A
    /// person may ask for [`CODES_PER_HOUR`] links an hour; asking again ends the earlier ones.
    pub async fn telegram_link(
        &self,
        pinfl: &Pinfl,
        locale: Locale,
    ) -> Result<String, NoticeError> {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine;
        use rand::RngCore;
        let mut raw = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut raw);
        // Telegram's start parameter: up to 64 of A–Z, a–z, 0–9, `_` and `-`.
        let token = URL_SAFE_NO_PAD.encode(raw);
        let now = yagona_core::now();
        let mut tx = self.db.writer.begin().await?;
        let recent: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM notice_links WHERE pinfl = $1 AND created_at > $2",
        )
        .bind(pinfl.as_str())
        .bind(format_timestamp(&(now - chrono::Duration::hours(1))))
        .fetch_one(&mut *tx)
        .await?;
        if recent >= CODES_PER_HOUR {
            return Err(NoticeError::TooMany);
        }
        // An earlier link is spent by a new one (kept, expired, for the hourly count).
        sqlx::query("UPDATE notice_links SET expires_at = created_at WHERE pinfl = $1")
            .bind(pinfl.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO notice_links (token_hash, pinfl, locale, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(link_hash(&token))
        .bind(pinfl.as_str())
        .bind(locale.tag())
        .bind(format_timestamp(&now))
        .bind(format_timestamp(&(now + chrono::Duration::minutes(LINK_MINUTES))))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The bot was started with a link's token in this chat: the chat becomes the person's
    /// confirmed Telegram address, and the bot says so in it, in one transaction. The token
    /// is used up; a token unknown, used or expired links nothing (`None`).
    pub async fn telegram_started(
        &self,
        token: &str,
        chat: &str,
    ) -> Result<Option<Pinfl>, NoticeError> {
        let chat = normalize(Channel::Telegram, chat)?;
        let now = yagona_core::now();
        let at = format_timestamp(&now);
        let mut tx = self.db.writer.begin().await?;
        // The guarded update claims the token once, whichever node Telegram reaches.
        let row: Option<(String, String)> = sqlx::query_as(
            "UPDATE notice_links SET expires_at = created_at WHERE token_hash = $1 AND expires_at > $2 RETURNING pinfl, locale",
        )
        .bind(link_hash(token))
        .bind(&at)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((pinfl, locale)) = row else {
            return Ok(None);
        };
        let pinfl = Pinfl::parse(&pinfl).map_err(|e| NoticeError::Invalid(e.to_string()))?;
        sqlx::query(
            "INSERT INTO notice_addresses (pinfl, channel, address, confirmed_at, created_at) VALUES ($1, 'telegram', $2, $3, $3)
             ON CONFLICT (pinfl, channel, address) DO UPDATE SET confirmed_at = excluded.confirmed_at",
        )
        .bind(pinfl.as_str())
        .bind(&chat)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        Notices::queue_in(
            &mut tx,
            &NewNotice {
                subject_kind: "person",
                subject_ref: pinfl.as_str().to_owned(),
                event: crate::Event::Connected,
                to: Recipient::Address {
                    channel: Channel::Telegram,
                    address: chat.clone(),
                },
                locale: Locale::parse(&locale).unwrap_or(Locale::Uz),
                urgent: true,
                params: Map::new(),
                key: format!("connected:{}", link_hash(token)),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Some(pinfl))
    }

    /// Removes one of a person's addresses.
    pub async fn remove_address(
        &self,
        pinfl: &Pinfl,
        channel: Channel,
        address: &str,
    ) -> Result<(), NoticeError> {
        let mut tx = self.db.writer.begin().await?;
        for table in ["notice_addresses", "notice_codes"] {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE pinfl = $1 AND channel = $2 AND address = $3"
            ))
            .bind(pinfl.as_str())
            .bind(channel.as_str())
            .bind(address)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

//! Who is asking: people, their roles, sessions and CSRF tokens.
//!
//! A person signs in through an identity provider. Today that is the demo provider (a page of
//! personas, clearly marked); an OpenID Connect provider plugs in the same way: it resolves its
//! `(issuer, subject)` to a [`User`] with [`IdentityStore::find_by_subject`] and calls
//! [`IdentityStore::start_session`]. Nothing else in the platform knows how someone signed in.

pub mod demo;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::Serialize;
use sha2::Sha256;
use sqlx::any::AnyRow;
use sqlx::Row;
use yagona_core::{format_timestamp, now, Pinfl};
use yagona_db::{Db, DbError, Migration};

const SCHEMA: &str = "
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    pinfl TEXT UNIQUE,
    agency_code TEXT,
    idp TEXT NOT NULL,
    subject TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (idp, subject)
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE TABLE node_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
";

pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "identity",
    sql: SCHEMA,
}];

/// How long a session lasts after sign-in.
pub const SESSION_HOURS: i64 = 12;

/// The cookie that carries a browser's session token (or, before sign-in, the anonymous id its
/// CSRF tokens are bound to).
pub const SESSION_COOKIE: &str = "yagona_sid";

/// Whether a cookie's value is shaped like a session token at all (URL-safe, 32 to 64
/// characters): anything else names no session and is not looked up.
pub fn is_session_token(s: &str) -> bool {
    (32..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A person applying for services, identified by PINFL.
    Citizen,
    /// A civil servant of one agency.
    Officer,
    /// An administrator of the e-Government Centre.
    Admin,
    /// A contact-centre operator: the single contact point for every service.
    Operator,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Citizen => "citizen",
            Role::Officer => "officer",
            Role::Admin => "admin",
            Role::Operator => "operator",
        }
    }
    fn parse(s: &str) -> Option<Role> {
        match s {
            "citizen" => Some(Role::Citizen),
            "officer" => Some(Role::Officer),
            "admin" => Some(Role::Admin),
            "operator" => Some(Role::Operator),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: String,
    pub role: Role,
    pub name: String,
    /// Citizens only.
    pub pinfl: Option<Pinfl>,
    /// Officers only: the agency whose work they see.
    pub agency: Option<String>,
    pub idp: String,
    pub subject: String,
}

impl User {
    /// A citizen's PINFL, when the user is a citizen signed in with one.
    pub fn citizen_pinfl(&self) -> Option<&Pinfl> {
        self.pinfl.as_ref().filter(|_| self.role == Role::Citizen)
    }

    /// An officer's agency, when the user is an officer of one.
    pub fn officer_agency(&self) -> Option<&str> {
        self.agency
            .as_deref()
            .filter(|_| self.role == Role::Officer)
    }

    fn from_row(r: &AnyRow) -> Result<User, sqlx::Error> {
        let kind: String = r.try_get("kind")?;
        let pinfl: Option<String> = r.try_get("pinfl")?;
        Ok(User {
            id: r.try_get("id")?,
            role: Role::parse(&kind)
                .ok_or_else(|| sqlx::Error::Decode(format!("unknown user kind {kind}").into()))?,
            name: r.try_get("name")?,
            pinfl: pinfl.and_then(|p| Pinfl::parse(&p).ok()),
            agency: r.try_get("agency_code")?,
            idp: r.try_get("idp")?,
            subject: r.try_get("subject")?,
        })
    }
}

pub struct IdentityStore<'a> {
    pub db: &'a Db,
}

fn hash_token(token: &str) -> String {
    yagona_core::sha256_hex(token.as_bytes())
}

/// A fresh random token (256 bits), URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

const USER_COLUMNS: &str = "id, kind, name, pinfl, agency_code, idp, subject";

impl IdentityStore<'_> {
    pub async fn migrate(db: &Db) -> Result<(), DbError> {
        db.migrate("identity", MIGRATIONS).await
    }

    /// A secret shared by every node on this database (created on first use), e.g. the CSRF key.
    pub async fn secret(&self, name: &str) -> Result<Vec<u8>, DbError> {
        let get = || {
            sqlx::query_scalar::<_, String>("SELECT value FROM node_secrets WHERE name = $1")
                .bind(name)
        };
        if let Some(v) = get().fetch_optional(&self.db.pool).await? {
            return Ok(URL_SAFE_NO_PAD.decode(v).unwrap_or_default());
        }
        let fresh = random_token();
        // Two nodes may race here: the first insert wins and both read it back.
        let _ = sqlx::query("INSERT INTO node_secrets (name, value) VALUES ($1, $2)")
            .bind(name)
            .bind(&fresh)
            .execute(&self.db.writer)
            .await;
        let v = get().fetch_one(&self.db.writer).await?;
        Ok(URL_SAFE_NO_PAD.decode(v).unwrap_or_default())
    }

    /// Creates or updates a user known to an identity provider by `(idp, subject)`.
    pub async fn upsert_user(&self, user: &User) -> Result<(), DbError> {
        let exists: Option<String> =
            sqlx::query_scalar("SELECT id FROM users WHERE idp = $1 AND subject = $2")
                .bind(&user.idp)
                .bind(&user.subject)
                .fetch_optional(&self.db.writer)
                .await?;
        let pinfl = user.pinfl.as_ref().map(|p| p.as_str().to_owned());
        if exists.is_some() {
            sqlx::query("UPDATE users SET kind = $1, name = $2, pinfl = $3, agency_code = $4 WHERE idp = $5 AND subject = $6")
                .bind(user.role.code())
                .bind(&user.name)
                .bind(pinfl)
                .bind(&user.agency)
                .bind(&user.idp)
                .bind(&user.subject)
                .execute(&self.db.writer)
                .await?;
        } else {
            sqlx::query(
                "INSERT INTO users (id, kind, name, pinfl, agency_code, idp, subject, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&user.id)
            .bind(user.role.code())
            .bind(&user.name)
            .bind(pinfl)
            .bind(&user.agency)
            .bind(&user.idp)
            .bind(&user.subject)
            .bind(format_timestamp(&now()))
            .execute(&self.db.writer)
            .await?;
        }
        Ok(())
    }

    pub async fn find_by_subject(&self, idp: &str, subject: &str) -> Result<Option<User>, DbError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE idp = $1 AND subject = $2"
        ))
        .bind(idp)
        .bind(subject)
        .fetch_optional(&self.db.pool)
        .await?;
        Ok(row.as_ref().map(User::from_row).transpose()?)
    }

    /// Everyone a provider knows, for the demo provider's persona list.
    pub async fn users_of(&self, idp: &str) -> Result<Vec<User>, DbError> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE idp = $1 ORDER BY kind, agency_code, name"
        ))
        .bind(idp)
        .fetch_all(&self.db.pool)
        .await?;
        Ok(rows.iter().map(User::from_row).collect::<Result<_, _>>()?)
    }

    /// Starts a session for a user; returns the token for the cookie (only its hash is stored).
    pub async fn start_session(&self, user_id: &str) -> Result<String, DbError> {
        let token = random_token();
        let now = now();
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(hash_token(&token))
            .bind(user_id)
            .bind(format_timestamp(&now))
            .bind(format_timestamp(&(now + chrono::Duration::hours(SESSION_HOURS))))
            .execute(&self.db.writer)
            .await?;
        Ok(token)
    }

    /// The user of a live session, if the token names one.
    pub async fn session_user(&self, token: &str) -> Result<Option<User>, DbError> {
        if !is_session_token(token) {
            return Ok(None);
        }
        let row = sqlx::query(&format!(
            "SELECT {} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2",
            USER_COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ")
        ))
        .bind(hash_token(token))
        .bind(format_timestamp(&now()))
        .fetch_optional(&self.db.pool)
        .await?;
        Ok(row.as_ref().map(User::from_row).transpose()?)
    }

    /// Deletes sessions that ended by `now` (they no longer sign anyone in; this only keeps the
    /// table from growing). Returns how many went.
    pub async fn sweep_expired_sessions(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64, DbError> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(format_timestamp(&now))
            .execute(&self.db.writer)
            .await?
            .rows_affected())
    }

    pub async fn end_session(&self, token: &str) -> Result<(), DbError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(hash_token(token))
            .execute(&self.db.writer)
            .await?;
        Ok(())
    }
}

/// CSRF protection by a token bound to the browser's session cookie: the token is an HMAC of
/// the cookie value under a server secret, so a page from another site can neither read nor
/// forge it, and a new session (sign-in, sign-out) invalidates old tokens.
pub struct Csrf {
    key: Vec<u8>,
}

impl Csrf {
    pub fn new(key: Vec<u8>) -> Self {
        Csrf { key }
    }

    fn mac(&self, sid: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(b"csrf:");
        mac.update(sid.as_bytes());
        mac
    }

    pub fn token(&self, sid: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(sid).finalize().into_bytes())
    }

    pub fn verify(&self, sid: &str, token: &str) -> bool {
        match URL_SAFE_NO_PAD.decode(token) {
            Ok(bytes) => self.mac(sid).verify_slice(&bytes).is_ok(),
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_token_is_bound_to_the_session() {
        let csrf = Csrf::new(b"secret".to_vec());
        let t = csrf.token("sid-a");
        assert!(csrf.verify("sid-a", &t));
        assert!(!csrf.verify("sid-b", &t));
        assert!(!csrf.verify("sid-a", "forged"));
        assert!(!Csrf::new(b"other".to_vec()).verify("sid-a", &t));
    }
}

//! Who is asking: people, their roles, sessions and CSRF tokens.
//!
//! A person signs in through an identity provider: an OpenID Connect provider (the relying
//! party is an edge, in `crates/web`, which keeps its attempts here and resolves what the
//! provider vouched for with [`IdentityStore::keep_person`]), or the demo provider's personas.
//! Nothing else in the platform knows how someone signed in.

pub mod attempts;
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

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "identity",
        sql: SCHEMA,
    },
    Migration {
        version: 2,
        name: "OpenID Connect sign-in",
        sql: "
        ALTER TABLE users ADD COLUMN profile TEXT;
        ALTER TABLE sessions ADD COLUMN provider TEXT;
        ALTER TABLE sessions ADD COLUMN acr TEXT;
        ALTER TABLE sessions ADD COLUMN id_token TEXT;
        CREATE TABLE sign_in_attempts (
            state_hash TEXT PRIMARY KEY,
            provider TEXT NOT NULL,
            nonce TEXT NOT NULL,
            verifier TEXT NOT NULL,
            next TEXT NOT NULL,
            acr TEXT,
            created_at TEXT NOT NULL,
            used_at TEXT
        );",
    },
    Migration {
        version: 3,
        name: "demo identity provider's grants",
        sql: "
        CREATE TABLE demo_idp_grants (
            code_hash TEXT PRIMARY KEY,
            subject TEXT NOT NULL,
            redirect_uri TEXT NOT NULL,
            nonce TEXT,
            challenge TEXT NOT NULL,
            acr TEXT NOT NULL,
            created_at TEXT NOT NULL,
            used_at TEXT,
            token_hash TEXT UNIQUE
        );",
    },
    Migration {
        version: 4,
        name: "staff roles granted by administrators",
        sql: "
        CREATE TABLE role_grants (
            pinfl TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            agency_code TEXT,
            granted_by TEXT NOT NULL,
            granted_at TEXT NOT NULL
        );
        CREATE TABLE role_audit (
            id TEXT PRIMARY KEY,
            pinfl TEXT NOT NULL,
            change TEXT NOT NULL,
            role TEXT NOT NULL,
            agency_code TEXT,
            changed_by TEXT NOT NULL,
            changed_at TEXT NOT NULL
        );
        CREATE INDEX role_audit_by_time ON role_audit (changed_at);",
    },
    Migration {
        version: 5,
        name: "attempts counted per client",
        sql: "
        CREATE TABLE client_attempts (
            scope TEXT NOT NULL,
            client TEXT NOT NULL,
            window_no BIGINT NOT NULL,
            count BIGINT NOT NULL,
            PRIMARY KEY (scope, client, window_no)
        );",
    },
];

/// A staff role an administrator gave a person (by PINFL): it applies whenever they sign in,
/// whatever the provider says of them.
#[derive(Debug, Clone, Serialize)]
pub struct RoleGrant {
    pub pinfl: String,
    pub role: Role,
    pub agency: Option<String>,
    pub granted_by: String,
    pub granted_at: String,
}

/// One change of the staff roles, as the audit keeps it.
#[derive(Debug, Clone, Serialize)]
pub struct RoleChange {
    pub pinfl: String,
    /// `granted` or `withdrawn`.
    pub change: String,
    pub role: Role,
    pub agency: Option<String>,
    pub changed_by: String,
    pub changed_at: String,
}

/// What the demo identity provider granted at sign-in: a code for one person, to be exchanged
/// once, soon, with the PKCE verifier.
#[derive(Debug, Clone)]
pub struct DemoGrant {
    pub subject: String,
    pub redirect_uri: String,
    pub nonce: Option<String>,
    pub challenge: String,
    pub acr: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

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
    pub fn parse(s: &str) -> Option<Role> {
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

/// A sign-in attempt, as kept while the person is at the provider.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub nonce: String,
    pub verifier: String,
    pub next: String,
    pub acr: Option<String>,
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

    /// Creates or updates a user known to an identity provider by `(idp, subject)`. Nodes
    /// starting together on one database seed the same people at once: the insert gives way to
    /// a row already there (whichever node made it), and the update makes it current.
    pub async fn upsert_user(&self, user: &User) -> Result<(), DbError> {
        let pinfl = user.pinfl.as_ref().map(|p| p.as_str().to_owned());
        sqlx::query(
            "INSERT INTO users (id, kind, name, pinfl, agency_code, idp, subject, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        )
        .bind(&user.id)
        .bind(user.role.code())
        .bind(&user.name)
        .bind(&pinfl)
        .bind(&user.agency)
        .bind(&user.idp)
        .bind(&user.subject)
        .bind(format_timestamp(&now()))
        .execute(&self.db.writer)
        .await?;
        sqlx::query("UPDATE users SET kind = $1, name = $2, pinfl = $3, agency_code = $4 WHERE idp = $5 AND subject = $6")
            .bind(user.role.code())
            .bind(&user.name)
            .bind(pinfl)
            .bind(&user.agency)
            .bind(&user.idp)
            .bind(&user.subject)
            .execute(&self.db.writer)
            .await?;
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

    /// Keeps a sign-in attempt between leaving for a provider and coming back: the state only
    /// as a hash, the nonce and PKCE verifier to check the answer with, where the person was
    /// going, and the level of assurance asked for.
    #[allow(clippy::too_many_arguments)]
    pub async fn keep_attempt(
        &self,
        state: &str,
        provider: &str,
        nonce: &str,
        verifier: &str,
        next: &str,
        acr: Option<&str>,
    ) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO sign_in_attempts (state_hash, provider, nonce, verifier, next, acr, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(hash_token(state))
        .bind(provider)
        .bind(nonce)
        .bind(verifier)
        .bind(next)
        .bind(acr)
        .bind(format_timestamp(&now()))
        .execute(&self.db.writer)
        .await?;
        Ok(())
    }

    /// Takes the attempt a provider's answer names, once: `None` when the state names none, one
    /// already taken, one of another provider, or one older than `max_age`.
    pub async fn take_attempt(
        &self,
        state: &str,
        provider: &str,
        max_age: chrono::Duration,
    ) -> Result<Option<Attempt>, DbError> {
        let hash = hash_token(state);
        let taken = sqlx::query(
            "UPDATE sign_in_attempts SET used_at = $1 WHERE state_hash = $2 AND provider = $3 AND used_at IS NULL AND created_at > $4",
        )
        .bind(format_timestamp(&now()))
        .bind(&hash)
        .bind(provider)
        .bind(format_timestamp(&(now() - max_age)))
        .execute(&self.db.writer)
        .await?;
        if taken.rows_affected() != 1 {
            return Ok(None);
        }
        let (nonce, verifier, next, acr): (String, String, String, Option<String>) =
            sqlx::query_as(
                "SELECT nonce, verifier, next, acr FROM sign_in_attempts WHERE state_hash = $1",
            )
            .bind(&hash)
            .fetch_one(&self.db.writer)
            .await?;
        Ok(Some(Attempt {
            nonce,
            verifier,
            next,
            acr,
        }))
    }

    /// The demo provider grants a code to a person it signed in.
    #[allow(clippy::too_many_arguments)]
    pub async fn demo_grant(
        &self,
        code: &str,
        subject: &str,
        redirect_uri: &str,
        nonce: Option<&str>,
        challenge: &str,
        acr: &str,
    ) -> Result<(), DbError> {
        sqlx::query("INSERT INTO demo_idp_grants (code_hash, subject, redirect_uri, nonce, challenge, acr, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(hash_token(code))
            .bind(subject)
            .bind(redirect_uri)
            .bind(nonce)
            .bind(challenge)
            .bind(acr)
            .bind(format_timestamp(&now()))
            .execute(&self.db.writer)
            .await?;
        Ok(())
    }

    /// Redeems a code once, giving it the access token issued for it; `None` when the code is
    /// unknown or redeemed already.
    pub async fn demo_redeem(
        &self,
        code: &str,
        access_token: &str,
    ) -> Result<Option<DemoGrant>, DbError> {
        let hash = hash_token(code);
        let taken = sqlx::query("UPDATE demo_idp_grants SET used_at = $1, token_hash = $2 WHERE code_hash = $3 AND used_at IS NULL")
            .bind(format_timestamp(&now()))
            .bind(hash_token(access_token))
            .bind(&hash)
            .execute(&self.db.writer)
            .await?;
        if taken.rows_affected() != 1 {
            return Ok(None);
        }
        let row: (String, String, Option<String>, String, String, String) = sqlx::query_as(
            "SELECT subject, redirect_uri, nonce, challenge, acr, created_at FROM demo_idp_grants WHERE code_hash = $1",
        )
        .bind(&hash)
        .fetch_one(&self.db.writer)
        .await?;
        Ok(Some(DemoGrant {
            subject: row.0,
            redirect_uri: row.1,
            nonce: row.2,
            challenge: row.3,
            acr: row.4,
            created_at: yagona_core::parse_timestamp(&row.5).unwrap_or_default(),
        }))
    }

    /// The person an access token of the demo provider was issued for.
    pub async fn demo_token_subject(&self, access_token: &str) -> Result<Option<String>, DbError> {
        Ok(
            sqlx::query_scalar("SELECT subject FROM demo_idp_grants WHERE token_hash = $1")
                .bind(hash_token(access_token))
                .fetch_optional(&self.db.pool)
                .await?,
        )
    }

    /// Gives a person (by PINFL) a staff role: it applies at once (to their account, if they
    /// have one) and at every sign-in. Kept with who did it and when, in one transaction.
    pub async fn grant_role(
        &self,
        pinfl: &Pinfl,
        role: Role,
        agency: Option<&str>,
        by: &str,
    ) -> Result<(), DbError> {
        let at = format_timestamp(&now());
        let agency = agency.filter(|_| role == Role::Officer);
        let mut tx = self.db.writer.begin().await?;
        sqlx::query("DELETE FROM role_grants WHERE pinfl = $1")
            .bind(pinfl.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO role_grants (pinfl, role, agency_code, granted_by, granted_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(pinfl.as_str())
            .bind(role.code())
            .bind(agency)
            .bind(by)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE users SET kind = $1, agency_code = $2 WHERE pinfl = $3")
            .bind(role.code())
            .bind(agency)
            .bind(pinfl.as_str())
            .execute(&mut *tx)
            .await?;
        Self::audit(&mut tx, pinfl, "granted", role, agency, by, &at).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes a person's staff role away: their account is a citizen's again and their sessions
    /// end, so the change holds at once. Returns whether they had one.
    pub async fn withdraw_role(&self, pinfl: &Pinfl, by: &str) -> Result<bool, DbError> {
        let at = format_timestamp(&now());
        let mut tx = self.db.writer.begin().await?;
        let had: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT role, agency_code FROM role_grants WHERE pinfl = $1")
                .bind(pinfl.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        let Some((role, agency)) = had else {
            return Ok(false);
        };
        sqlx::query("DELETE FROM role_grants WHERE pinfl = $1")
            .bind(pinfl.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE pinfl = $1)",
        )
        .bind(pinfl.as_str())
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE users SET kind = 'citizen', agency_code = NULL WHERE pinfl = $1")
            .bind(pinfl.as_str())
            .execute(&mut *tx)
            .await?;
        let role = Role::parse(&role).unwrap_or(Role::Officer);
        Self::audit(
            &mut tx,
            pinfl,
            "withdrawn",
            role,
            agency.as_deref(),
            by,
            &at,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn audit(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        pinfl: &Pinfl,
        change: &str,
        role: Role,
        agency: Option<&str>,
        by: &str,
        at: &str,
    ) -> Result<(), DbError> {
        sqlx::query("INSERT INTO role_audit (id, pinfl, change, role, agency_code, changed_by, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(pinfl.as_str())
            .bind(change)
            .bind(role.code())
            .bind(agency)
            .bind(by)
            .bind(at)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// The role an administrator gave this person, if any.
    pub async fn role_grant(&self, pinfl: &Pinfl) -> Result<Option<RoleGrant>, DbError> {
        Ok(self
            .role_grants_where("WHERE pinfl = $1", Some(pinfl.as_str()))
            .await?
            .pop())
    }

    /// Every role administrators gave, by PINFL.
    pub async fn role_grants(&self) -> Result<Vec<RoleGrant>, DbError> {
        self.role_grants_where("", None).await
    }

    async fn role_grants_where(
        &self,
        filter: &str,
        pinfl: Option<&str>,
    ) -> Result<Vec<RoleGrant>, DbError> {
        let sql = format!(
            "SELECT pinfl, role, agency_code, granted_by, granted_at FROM role_grants {filter} ORDER BY pinfl"
        );
        let mut q = sqlx::query_as::<_, (String, String, Option<String>, String, String)>(&sql);
        if let Some(p) = pinfl {
            q = q.bind(p.to_owned());
        }
        Ok(q.fetch_all(&self.db.pool)
            .await?
            .into_iter()
            .filter_map(|(pinfl, role, agency, by, at)| {
                Some(RoleGrant {
                    pinfl,
                    role: Role::parse(&role)?,
                    agency,
                    granted_by: by,
                    granted_at: at,
                })
            })
            .collect())
    }

    /// The latest changes of staff roles, newest first.
    pub async fn role_changes(&self, limit: i64) -> Result<Vec<RoleChange>, DbError> {
        let rows: Vec<(String, String, String, Option<String>, String, String)> = sqlx::query_as(
            "SELECT pinfl, change, role, agency_code, changed_by, changed_at FROM role_audit ORDER BY changed_at DESC, id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.db.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(pinfl, change, role, agency, by, at)| {
                Some(RoleChange {
                    pinfl,
                    change,
                    role: Role::parse(&role)?,
                    agency,
                    changed_by: by,
                    changed_at: at,
                })
            })
            .collect())
    }

    /// Keeps a person a provider vouched for: the same `(idp, subject)` again, else (a citizen)
    /// the person with that PINFL — one person, whichever provider vouches for them — else a
    /// new person. Name, role, agency and what the provider said of them (`profile`) are
    /// updated; returns the person as kept.
    pub async fn keep_person(
        &self,
        user: User,
        profile: &serde_json::Value,
    ) -> Result<User, DbError> {
        // The same person signing in twice at once (two tabs, a double click on a slow phone):
        // one insert wins, the other meets the unique PINFL or subject and, run again, finds
        // the winner's account.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.keep_person_once(user.clone(), profile).await {
                Err(DbError::Sqlx(e)) if yagona_db::is_unique_violation(&e) && attempt < 3 => {
                    continue
                }
                other => return other,
            }
        }
    }

    async fn keep_person_once(
        &self,
        user: User,
        profile: &serde_json::Value,
    ) -> Result<User, DbError> {
        let pinfl = user.pinfl.as_ref().map(|p| p.as_str().to_owned());
        let mut tx = self.db.writer.begin().await?;
        let mut found: Option<String> =
            sqlx::query_scalar("SELECT id FROM users WHERE idp = $1 AND subject = $2")
                .bind(&user.idp)
                .bind(&user.subject)
                .fetch_optional(&mut *tx)
                .await?;
        if found.is_none() && user.role == Role::Citizen {
            found = sqlx::query_scalar("SELECT id FROM users WHERE pinfl = $1")
                .bind(&pinfl)
                .fetch_optional(&mut *tx)
                .await?;
        }
        let id = match found {
            Some(id) => {
                sqlx::query("UPDATE users SET kind = $1, name = $2, pinfl = $3, agency_code = $4, profile = $5 WHERE id = $6")
                    .bind(user.role.code())
                    .bind(&user.name)
                    .bind(&pinfl)
                    .bind(&user.agency)
                    .bind(profile.to_string())
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                id
            }
            None => {
                let id = uuid::Uuid::now_v7().to_string();
                sqlx::query(
                    "INSERT INTO users (id, kind, name, pinfl, agency_code, idp, subject, created_at, profile) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&id)
                .bind(user.role.code())
                .bind(&user.name)
                .bind(&pinfl)
                .bind(&user.agency)
                .bind(&user.idp)
                .bind(&user.subject)
                .bind(format_timestamp(&now()))
                .bind(profile.to_string())
                .execute(&mut *tx)
                .await?;
                id
            }
        };
        tx.commit().await?;
        Ok(User { id, ..user })
    }

    /// Starts a session for a person signed in through a provider: which one, at what level
    /// of assurance, and its ID token (for signing out there too).
    pub async fn start_provider_session(
        &self,
        user_id: &str,
        provider: &str,
        acr: Option<&str>,
        id_token: &str,
    ) -> Result<String, DbError> {
        let token = random_token();
        let now = now();
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at, provider, acr, id_token) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(hash_token(&token))
            .bind(user_id)
            .bind(format_timestamp(&now))
            .bind(format_timestamp(&(now + chrono::Duration::hours(SESSION_HOURS))))
            .bind(provider)
            .bind(acr)
            .bind(id_token)
            .execute(&self.db.writer)
            .await?;
        Ok(token)
    }

    /// How a live session signed in: its provider, level of assurance and ID token (none for
    /// the demo's personas).
    pub async fn session_sign_in(
        &self,
        token: &str,
    ) -> Result<Option<(String, Option<String>, String)>, DbError> {
        if !is_session_token(token) {
            return Ok(None);
        }
        let row: Option<(Option<String>, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT provider, acr, id_token FROM sessions WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(hash_token(token))
        .bind(format_timestamp(&now()))
        .fetch_optional(&self.db.pool)
        .await?;
        Ok(row.and_then(|(p, acr, t)| Some((p?, acr, t.unwrap_or_default()))))
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
        // Sign-in attempts and the demo provider's grants are good for minutes; a day on, they
        // only take room.
        let day_ago = format_timestamp(&(now - chrono::Duration::days(1)));
        for table in ["sign_in_attempts", "demo_idp_grants"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE created_at <= $1"))
                .bind(&day_ago)
                .execute(&self.db.writer)
                .await?;
        }
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

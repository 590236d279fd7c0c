//! Subsystem keys: made by one command, the private half in a file only its node reads (PKCS#8
//! v1 PEM, as OpenSSL writes Ed25519 keys and as curl and TLS libraries read them), the public half in the database for everyone who checks
//! signatures. A subsystem may have several keys over time; signatures made with an older one
//! still verify. A revoked key (withdrawn from the exchange files, or by `yagona exchange
//! revoke`) no longer proves who is calling — no token, certificate or fresh signature made
//! with it is taken — but the log entries it signed before still verify.

use crate::id::ClientId;
use ed25519_dalek::pkcs8::{
    spki::der::pem::LineEnding, DecodePrivateKey, EncodePrivateKey, KeypairBytes,
};
use ed25519_dalek::{SigningKey, VerifyingKey};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use yagona_db::{Db, DbError};

/// The file a subsystem's private key is kept in, inside `dir`.
pub fn key_file(dir: &Path, subsystem: &ClientId) -> PathBuf {
    dir.join(format!("{}.pem", subsystem.to_string().replace('/', "_")))
}

/// The file a node's own private key is kept in (its TLS identity towards other nodes).
pub fn node_key_file(dir: &Path, node: &str) -> PathBuf {
    dir.join(format!("node.{node}.pem"))
}

/// Makes a key pair: writes the private key to its file (readable by the owner only; an
/// existing key is never overwritten) and returns the public key.
pub fn generate_to_file(
    dir: &Path,
    subsystem: &ClientId,
) -> std::io::Result<(PathBuf, VerifyingKey)> {
    let path = key_file(dir, subsystem);
    Ok((path.clone(), generate_at(&path)?))
}

/// Makes a key pair whose private half goes to `path` (never overwriting a key).
pub fn generate_at(path: &Path) -> std::io::Result<VerifyingKey> {
    let key = crate::evidence::generate_key();
    let dir = path.parent().unwrap_or(Path::new("."));
    let pem = pkcs8_v1(&key)
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    std::fs::create_dir_all(dir)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    std::io::Write::write_all(&mut file, pem.as_bytes())?;
    Ok(key.verifying_key())
}

/// The private key as PKCS#8 v1 (RFC 5208, without the public key inside): OpenSSL 3.0 reads
/// only this form of an Ed25519 key.
pub fn pkcs8_v1(key: &SigningKey) -> KeypairBytes {
    KeypairBytes {
        secret_key: key.to_bytes(),
        public_key: None,
    }
}

/// Reads a private key written by [`generate_to_file`] (or by OpenSSL).
pub fn read_private(path: &Path) -> Result<SigningKey, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    SigningKey::from_pkcs8_pem(&text)
        .map_err(|e| format!("{}: not an Ed25519 private key ({e})", path.display()))
}

/// Records a subsystem's public key (again recording the same key changes nothing).
pub async fn register(db: &Db, subsystem: &ClientId, key: &VerifyingKey) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO exchange_keys (subsystem, public_key, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (subsystem, public_key) DO NOTHING",
    )
    .bind(subsystem.to_string())
    .bind(crate::evidence::public_key_text(key))
    .bind(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    .execute(&db.writer)
    .await?;
    Ok(())
}

/// Importing exchange files, first: every key that came from files is revoked…
pub(crate) async fn revoke_file_keys(
    conn: &mut sqlx::AnyConnection,
    now: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE exchange_keys SET revoked_at = $1 WHERE source = 'file' AND revoked_at IS NULL",
    )
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// …then each key the files list is recorded, or in force again.
pub(crate) async fn register_from_files(
    conn: &mut sqlx::AnyConnection,
    subsystem: &ClientId,
    key: &str,
    now: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO exchange_keys (subsystem, public_key, created_at, source) VALUES ($1, $2, $3, 'file')
         ON CONFLICT (subsystem, public_key) DO UPDATE SET revoked_at = NULL",
    )
    .bind(subsystem.to_string())
    .bind(key)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Withdraws a key: from now on it authenticates nobody. Returns whether it was in force.
pub async fn revoke(db: &Db, subsystem: &ClientId, key: &VerifyingKey) -> Result<bool, DbError> {
    Ok(sqlx::query(
        "UPDATE exchange_keys SET revoked_at = $1
         WHERE subsystem = $2 AND public_key = $3 AND revoked_at IS NULL",
    )
    .bind(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    .bind(subsystem.to_string())
    .bind(crate::evidence::public_key_text(key))
    .execute(&db.writer)
    .await?
    .rows_affected()
        > 0)
}

/// Every subsystem's keys in force (to authenticate callers and take fresh signatures).
pub async fn active(db: &Db) -> Result<HashMap<String, Vec<VerifyingKey>>, DbError> {
    grouped(
        sqlx::query_as(
            "SELECT subsystem, public_key FROM exchange_keys WHERE revoked_at IS NULL ORDER BY created_at",
        )
        .fetch_all(&db.pool)
        .await?,
    )
}

fn grouped(rows: Vec<(String, String)>) -> Result<HashMap<String, Vec<VerifyingKey>>, DbError> {
    let mut out: HashMap<String, Vec<VerifyingKey>> = HashMap::new();
    for (subsystem, text) in rows {
        if let Some(key) = crate::evidence::public_key_from_text(&text) {
            out.entry(subsystem).or_default().push(key);
        }
    }
    Ok(out)
}

/// Every subsystem's public keys, revoked ones too (to verify what was signed in the past).
pub async fn all(db: &Db) -> Result<HashMap<String, Vec<VerifyingKey>>, DbError> {
    grouped(
        sqlx::query_as("SELECT subsystem, public_key FROM exchange_keys ORDER BY created_at")
            .fetch_all(&db.pool)
            .await?,
    )
}

/// Changes whenever a key is added or revoked (nodes compare it to know when to reload).
pub async fn count(db: &Db) -> Result<i64, DbError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) + COUNT(revoked_at) FROM exchange_keys")
            .fetch_one(&db.pool)
            .await?,
    )
}

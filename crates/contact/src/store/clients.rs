//! Open311 clients: the apps and city systems that file appeals through `/open311/v2/`, each
//! with an API key of which only the hash is kept.

use super::AppealStore;
use crate::model::{check_text, AppealError, MAX_NAME};
use sqlx::Row;
use yagona_core::{format_timestamp, now};

impl AppealStore<'_> {
    /// Registers an Open311 client; returns its id and its API key (shown once; only its hash
    /// is kept).
    pub async fn create_client(&self, name: &str) -> Result<(String, String), AppealError> {
        let name = check_text("name", name, MAX_NAME)?;
        let id = uuid::Uuid::new_v4().to_string();
        let key = format!("o311_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(
            "INSERT INTO open311_clients (id, name, key_hash, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(&name)
        .bind(yagona_core::sha256_hex(key.as_bytes()))
        .bind(format_timestamp(&now()))
        .execute(&self.db.writer)
        .await?;
        Ok((id, key))
    }

    /// Registers an Open311 client with a key chosen by the caller (the demo's published key);
    /// nothing changes if a client with that key exists.
    pub async fn register_client(&self, name: &str, key: &str) -> Result<(), AppealError> {
        if self.client_by_key(key).await?.is_some() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO open311_clients (id, name, key_hash, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(check_text("name", name, MAX_NAME)?)
        .bind(yagona_core::sha256_hex(key.as_bytes()))
        .bind(format_timestamp(&now()))
        .execute(&self.db.writer)
        .await?;
        Ok(())
    }

    /// The client an API key belongs to: (id, name), unless unknown or revoked.
    pub async fn client_by_key(&self, key: &str) -> Result<Option<(String, String)>, AppealError> {
        let row = sqlx::query(
            "SELECT id, name FROM open311_clients WHERE key_hash = $1 AND revoked_at IS NULL",
        )
        .bind(yagona_core::sha256_hex(key.as_bytes()))
        .fetch_optional(&self.db.pool)
        .await?;
        Ok(match row {
            Some(r) => Some((r.try_get(0)?, r.try_get(1)?)),
            None => None,
        })
    }
}

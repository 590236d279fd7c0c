//! Attempts a client makes at what can be guessed — a tracking number's check, a sign-in, an
//! API key — counted per client in the database, so that a limit holds across every node on
//! it. The count is the client's (its address, its key), never the thing guessed at: a
//! stranger guessing at someone's tracking number is stopped, and the owner is not.

use yagona_core::{now, sha256_hex};
use yagona_db::{Db, DbError};

/// How many attempts of a kind a client may make in a window.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// What is counted, e.g. `tracking-check`.
    pub scope: &'static str,
    pub max: u32,
    pub window_secs: i64,
}

/// The attempts store (`client_attempts`): fixed windows per scope and client.
pub struct Attempts<'a> {
    pub db: &'a Db,
}

impl Limit {
    fn window(&self) -> i64 {
        now().timestamp().div_euclid(self.window_secs.max(1))
    }
}

impl Attempts<'_> {
    /// Whether the client has used up its attempts for now.
    pub async fn exhausted(&self, limit: &Limit, client: &str) -> Result<bool, DbError> {
        let count: Option<i64> = sqlx::query_scalar(
            "SELECT count FROM client_attempts WHERE scope = $1 AND client = $2 AND window_no = $3",
        )
        .bind(limit.scope)
        .bind(sha256_hex(client.as_bytes()))
        .bind(limit.window())
        .fetch_optional(&self.db.pool)
        .await?;
        Ok(count.unwrap_or(0) >= i64::from(limit.max))
    }

    /// Counts an attempt; whether it was within the limit. One statement, so two nodes
    /// counting at once both count.
    pub async fn spend(&self, limit: &Limit, client: &str) -> Result<bool, DbError> {
        let window = limit.window();
        let count: i64 = sqlx::query_scalar(
            "INSERT INTO client_attempts (scope, client, window_no, count) VALUES ($1, $2, $3, 1) \
             ON CONFLICT (scope, client, window_no) DO UPDATE SET count = client_attempts.count + 1 \
             RETURNING count",
        )
        .bind(limit.scope)
        .bind(sha256_hex(client.as_bytes()))
        .bind(window)
        .fetch_one(&self.db.writer)
        .await?;
        if count == 1 {
            // A new window: the ones before it count no more.
            sqlx::query("DELETE FROM client_attempts WHERE scope = $1 AND window_no < $2")
                .bind(limit.scope)
                .bind(window)
                .execute(&self.db.writer)
                .await?;
        }
        Ok(count <= i64::from(limit.max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUESSES: Limit = Limit {
        scope: "test",
        max: 3,
        window_secs: 3600,
    };

    #[tokio::test]
    async fn a_client_is_limited_and_others_are_not_on_any_node() {
        let dir = tempfile::tempdir().unwrap();
        let url = Db::sqlite_url_in(dir.path());
        let (one, two) = (
            Db::connect(&url).await.unwrap(),
            Db::connect(&url).await.unwrap(),
        );
        crate::IdentityStore::migrate(&one).await.unwrap();
        let (a, b) = (Attempts { db: &one }, Attempts { db: &two });
        for i in 0..GUESSES.max {
            let node = if i % 2 == 0 { &a } else { &b };
            assert!(node.spend(&GUESSES, "203.0.113.5").await.unwrap());
        }
        assert!(a.exhausted(&GUESSES, "203.0.113.5").await.unwrap());
        assert!(b.exhausted(&GUESSES, "203.0.113.5").await.unwrap());
        assert!(!b.spend(&GUESSES, "203.0.113.5").await.unwrap());
        assert!(!a.exhausted(&GUESSES, "198.51.100.7").await.unwrap());
        assert!(a.spend(&GUESSES, "198.51.100.7").await.unwrap());
    }
}

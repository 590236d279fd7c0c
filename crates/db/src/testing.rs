//! For tests of components with their own tables: a schema of its own in the PostgreSQL named
//! by `YAGONA_TEST_POSTGRES` (under CI, a missing PostgreSQL fails the test instead of skipping
//! it).

use crate::Db;
use std::sync::atomic::{AtomicU32, Ordering};

/// Runs `test` on a fresh schema, dropped afterwards; `None` without PostgreSQL.
pub async fn on_postgres<F, Fut>(name: &str, test: F) -> Option<()>
where
    F: FnOnce(Db) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let Ok(url) = std::env::var("YAGONA_TEST_POSTGRES") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI is set but YAGONA_TEST_POSTGRES is not"
        );
        return None;
    };
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let schema = format!(
        "{name}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    let admin = Db::connect(&url).await.unwrap();
    sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
        .execute(&admin.pool)
        .await
        .unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    let db = Db::connect(&format!("{url}{sep}options=-c%20search_path%3D{schema}"))
        .await
        .unwrap();
    test(db).await;
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&admin.pool)
        .await
        .unwrap();
    Some(())
}

//! A schema of its own in the PostgreSQL named by `YAGONA_TEST_POSTGRES` (under CI, a missing
//! PostgreSQL fails the test instead of skipping it).

use yagona_db::Db;

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
    let schema = format!("{name}_{}", std::process::id());
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

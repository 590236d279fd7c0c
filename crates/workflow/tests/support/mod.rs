//! A fresh engine database per test: SQLite in a temporary folder, or a schema of its own in
//! the PostgreSQL named by `YAGONA_TEST_POSTGRES` (dropped when the test ends). Under CI, a
//! missing PostgreSQL fails the test instead of skipping it.
#![allow(dead_code)]

use yagona_db::Db;
use yagona_workflow::store::ProcessStore;

pub struct Fresh {
    pub db: Db,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    /// PostgreSQL: the server and the test's schema.
    schema: Option<(String, String)>,
}

impl Drop for Fresh {
    fn drop(&mut self) {
        let Some((url, schema)) = self.schema.take() else {
            return;
        };
        // The test's runtime is shutting down; drop the schema from a runtime of our own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(admin) = Db::connect(&url).await {
                    let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                        .execute(&admin.pool)
                        .await;
                }
            });
        })
        .join();
    }
}

pub async fn sqlite() -> Fresh {
    let dir = tempfile::tempdir().unwrap();
    let url = Db::sqlite_url_in(dir.path());
    let db = Db::connect(&url).await.unwrap();
    ProcessStore::migrate(&db).await.unwrap();
    Fresh {
        db,
        url,
        _dir: Some(dir),
        schema: None,
    }
}

pub async fn postgres() -> Option<Fresh> {
    let Ok(url) = std::env::var("YAGONA_TEST_POSTGRES") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI is set but YAGONA_TEST_POSTGRES is not"
        );
        return None;
    };
    let schema = format!("w_{}", rand::random::<u64>());
    let admin = Db::connect(&url).await.unwrap();
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&admin.pool)
        .await
        .unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    let scoped = format!("{url}{sep}options=-c%20search_path%3D{schema}");
    let db = Db::connect(&scoped).await.unwrap();
    ProcessStore::migrate(&db).await.unwrap();
    Some(Fresh {
        db,
        url: scoped,
        _dir: None,
        schema: Some((url, schema)),
    })
}

/// Runs each named `async fn(Fresh)` on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() { super::$name($crate::support::sqlite().await).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() { if let Some(f) = $crate::support::postgres().await { super::$name(f).await } }
        }
    )*};
}

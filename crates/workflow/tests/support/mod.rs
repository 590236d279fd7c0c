//! A fresh engine database per test: SQLite in a temporary folder, or a schema of its own in
//! the PostgreSQL named by `YAGONA_TEST_POSTGRES` (`yagona_db::testing::Schema`).
#![allow(dead_code)]

use yagona_db::testing::Schema;
use yagona_db::Db;
use yagona_workflow::store::ProcessStore;

pub struct Fresh {
    pub db: Db,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    /// PostgreSQL: the test's schema, dropped when the test ends.
    _schema: Option<Schema>,
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
        _schema: None,
    }
}

pub async fn postgres() -> Option<Fresh> {
    let (db, schema) = Schema::create("w").await?;
    ProcessStore::migrate(&db).await.unwrap();
    Some(Fresh {
        db,
        url: schema.url.clone(),
        _dir: None,
        _schema: Some(schema),
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

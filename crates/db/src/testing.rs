//! For tests on PostgreSQL: a schema of its own per test in the server named by
//! `YAGONA_TEST_POSTGRES`, dropped when the test ends (also when it fails). Under CI a missing
//! PostgreSQL fails the test instead of skipping it.

use crate::Db;

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// A test's schema; dropping it drops the schema.
pub struct Schema {
    server: String,
    name: String,
    /// The address that opens the schema (`search_path` set to it).
    pub url: String,
}

impl Schema {
    /// A fresh schema named `{prefix}_{random}`, and a database handle on it; `None` when no
    /// PostgreSQL is configured (outside CI only).
    pub async fn create(prefix: &str) -> Option<(Db, Schema)> {
        let Ok(server) = std::env::var("YAGONA_TEST_POSTGRES") else {
            assert!(
                !under_ci(),
                "CI is set but YAGONA_TEST_POSTGRES is not: the PostgreSQL tests must run under CI"
            );
            eprintln!(
                "skipping the PostgreSQL variant: set YAGONA_TEST_POSTGRES=postgres://… to run it"
            );
            return None;
        };
        let made = Schema::create_on(&server, prefix).await;
        Some(made.expect("YAGONA_TEST_POSTGRES must be reachable"))
    }

    /// A fresh schema named `{prefix}_{random}` on the PostgreSQL server at `server`, and a
    /// database handle on it (for benchmarks, which name their server themselves).
    pub async fn create_on(server: &str, prefix: &str) -> Result<(Db, Schema), crate::DbError> {
        let name = format!("{prefix}_{}", rand::random::<u64>());
        let admin = Db::connect(server).await?;
        sqlx::query(&format!("CREATE SCHEMA {name}"))
            .execute(&admin.pool)
            .await?;
        admin.pool.close().await;
        let sep = if server.contains('?') { '&' } else { '?' };
        // Named after the schema too, so that dropping it can end the connections still open.
        let url = format!("{server}{sep}application_name={name}&options=-c%20search_path%3D{name}");
        let schema = Schema {
            server: server.to_owned(),
            name,
            url,
        };
        let db = Db::connect(&schema.url).await?;
        Ok((db, schema))
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        // The test's runtime may be shutting down; drop the schema from a runtime of our own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            rt.block_on(async {
                if let Ok(admin) = Db::connect(&server).await {
                    // A test that failed may have left transactions open in its pool (their
                    // rollback waits for a runtime that has gone), holding locks the drop
                    // would wait for forever: end the schema's connections first.
                    let _ = sqlx::query(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                         WHERE application_name = $1 AND pid <> pg_backend_pid()",
                    )
                    .bind(&name)
                    .execute(&admin.pool)
                    .await;
                    let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
                        .execute(&admin.pool)
                        .await;
                }
            });
        })
        .join();
    }
}

/// Runs `test` on a fresh schema; `None` without PostgreSQL.
pub async fn on_postgres<F, Fut>(prefix: &str, test: F) -> Option<()>
where
    F: FnOnce(Db) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (db, _schema) = Schema::create(prefix).await?;
    test(db).await;
    Some(())
}

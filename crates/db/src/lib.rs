//! Storage: one code path for SQLite (the embedded default) and PostgreSQL (production).
//!
//! Queries are written once with `$1` placeholders, which both databases accept, and run through
//! sqlx's `Any` driver. Values cross the boundary as integers, text and blobs only: timestamps are
//! RFC 3339 text in UTC, JSON is text, identifiers are text. Each component owns its tables and
//! hands its migrations to [`Db::migrate`]; this crate only applies them, in order, once.

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};
use std::path::Path;
use std::time::Duration;

pub use sqlx;

mod batch;
mod group;
pub mod testing;
pub use batch::{literal, Batch, Value};
pub use group::{Outcome, Slot};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("unsupported database address {0:?}: use sqlite://FILE or postgres://…")]
    UnsupportedUrl(String),
    #[error("migration {component}/{version} ({name}) failed: {source}")]
    Migration {
        component: &'static str,
        version: i64,
        name: &'static str,
        source: sqlx::Error,
    },
    /// A stored value the code cannot read back (written by hand, or by a newer release).
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One schema change of one component, written once for both databases in the SQL they share.
/// Where they differ, two words stand for the backend's spelling:
/// `AUTO_ID` (an auto-incrementing 64-bit primary key) and `BINARY` (a byte column).
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

impl Migration {
    /// The migration's SQL in the given backend's dialect.
    pub fn sql_for(&self, backend: Backend) -> String {
        let (auto_id, binary) = match backend {
            Backend::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB"),
            Backend::Postgres => ("BIGSERIAL PRIMARY KEY", "BYTEA"),
        };
        self.sql
            .replace("AUTO_ID", auto_id)
            .replace("BINARY", binary)
    }
}

fn next_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// The database handle every store takes. Reads go to `pool`; writes go to `writer`, which on
/// SQLite is a single connection, so that writers queue in the process instead of failing with
/// `SQLITE_BUSY` (SQLite allows one writer at a time anyway).
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub writer: AnyPool,
    pub backend: Backend,
    /// Writers sharing commits (SQLite; see [`Db::join_group`]).
    group: std::sync::Arc<group::Group>,
    /// Tells this database handle from others in the same process (a node and its tests'
    /// neighbours), for caches kept beside it.
    id: u64,
}

impl Db {
    /// Opens `sqlite://PATH` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        if url.starts_with("sqlite:") {
            let url = if url.contains('?') {
                url.to_owned()
            } else {
                format!("{url}?mode=rwc")
            };
            let writer = AnyPoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(30))
                // A local file does not go stale as a network connection can: no ping (a
                // round trip to the connection's thread) before every use.
                .test_before_acquire(false)
                .after_connect(sqlite_pragmas)
                .connect(&url)
                .await?;
            let pool = AnyPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(30))
                .test_before_acquire(false)
                .after_connect(sqlite_pragmas)
                .connect(&url)
                .await?;
            Ok(Db {
                pool,
                writer,
                backend: Backend::Sqlite,
                group: Default::default(),
                id: next_id(),
            })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            // Readers and writers draw from pools of their own: a write transaction that reads
            // something on the side (a process definition, a decision) must never wait for a
            // connection that writers like it hold, or under load every writer waits for every
            // other one.
            let options = || {
                AnyPoolOptions::new()
                    .max_connections(20)
                    .acquire_timeout(Duration::from_secs(30))
            };
            let pool = options().connect(url).await?;
            let writer = options().connect(url).await?;
            Ok(Db {
                writer,
                pool,
                backend: Backend::Postgres,
                group: Default::default(),
                id: next_id(),
            })
        } else {
            Err(DbError::UnsupportedUrl(url.to_owned()))
        }
    }

    /// This handle's number, unique in the process (clones share it).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The SQLite address of the default database file in a data folder.
    pub fn sqlite_url_in(dir: &Path) -> String {
        format!("sqlite://{}", dir.join("yagona.db").display())
    }

    /// Applies the component's migrations that this database has not seen yet, each in its own
    /// transaction. On PostgreSQL an advisory lock keeps nodes starting together from racing.
    pub async fn migrate(
        &self,
        component: &'static str,
        migrations: &[Migration],
    ) -> Result<(), DbError> {
        let mut conn = self.writer.acquire().await?;
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                component TEXT NOT NULL, version BIGINT NOT NULL, name TEXT NOT NULL,
                applied_at TEXT NOT NULL, PRIMARY KEY (component, version))",
        )
        .await?;
        if self.backend == Backend::Postgres {
            conn.execute("SELECT pg_advisory_lock(7261746)").await?;
        }
        let result = async {
            for m in migrations {
                let done: Option<i64> = sqlx::query_scalar(
                    "SELECT version FROM schema_migrations WHERE component = $1 AND version = $2",
                )
                .bind(component)
                .bind(m.version)
                .fetch_optional(&mut *conn)
                .await?;
                if done.is_some() {
                    continue;
                }
                let sql = m.sql_for(self.backend);
                let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                let applied = async {
                    sqlx::raw_sql(&sql).execute(&mut *tx).await?;
                    sqlx::query("INSERT INTO schema_migrations (component, version, name, applied_at) VALUES ($1, $2, $3, $4)")
                        .bind(component)
                        .bind(m.version)
                        .bind(m.name)
                        .bind(chrono::Utc::now().to_rfc3339())
                        .execute(&mut *tx)
                        .await?;
                    Ok::<_, sqlx::Error>(())
                }
                .await;
                match applied {
                    Ok(()) => tx.commit().await?,
                    Err(source) => {
                        return Err(DbError::Migration { component, version: m.version, name: m.name, source })
                    }
                }
                tracing::info!(component, version = m.version, name = m.name, "migration applied");
            }
            Ok(())
        }
        .await;
        if self.backend == Backend::Postgres {
            conn.execute("SELECT pg_advisory_unlock(7261746)").await?;
        }
        result
    }

    /// Whether the database answers; used by `/healthz`.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

type BoxFuture<'c, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'c>>;

/// Every SQLite connection: write-ahead log (readers never block the writer), a busy timeout
/// instead of immediate failure, and foreign keys enforced (SQLite leaves them off by default).
fn sqlite_pragmas<'c>(
    conn: &'c mut sqlx::AnyConnection,
    _: sqlx::pool::PoolConnectionMetadata,
) -> BoxFuture<'c, Result<(), sqlx::Error>> {
    Box::pin(async move {
        conn.execute(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
        )
        .await?;
        Ok(())
    })
}

/// True when an error is a unique-constraint violation (a duplicate key), on either database.
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(e) => {
            matches!(e.kind(), sqlx::error::ErrorKind::UniqueViolation)
                || e.code().as_deref() == Some("23505")
                || e.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}

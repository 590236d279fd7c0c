//! The node's upkeep: applications from before processes adopted at start, and, every ten
//! minutes, expired sessions and unclaimed uploads swept, answered appeals closed after their
//! reopening period, the message log archived past its retention.

use anyhow::Context;
use yagona_applications::ApplicationStore;
use yagona_db::Db;
use yagona_identity::IdentityStore;
use yagona_registry::RegistryStore;

/// Gives applications submitted before their services ran on processes (a database from an
/// earlier release) their process, so that each is in its agency's inbox again.
pub async fn adopt_applications(db: &Db) -> anyhow::Result<usize> {
    let catalogue = RegistryStore { db }.catalogue().await?;
    let adopted = ApplicationStore { db }
        .adopt_unprocessed(&catalogue.calendar, |code| {
            catalogue
                .service(code)
                .map(|s| s.passport.deadline_working_days)
                .unwrap_or(10)
        })
        .await?;
    if adopted > 0 {
        tracing::info!(
            adopted,
            "applications from before processes now run on them"
        );
    }
    Ok(adopted)
}

/// How long a document uploaded before its application (GovStack `documents`) is kept.
pub const STAGED_DOCUMENTS_KEPT: chrono::Duration = chrono::Duration::hours(24);

/// Clears what has outlived its purpose: expired sessions, and documents uploaded before an
/// application that none took up within [`STAGED_DOCUMENTS_KEPT`]. Returns (sessions, documents).
pub async fn housekeeping_once(
    db: &Db,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<(u64, u64)> {
    let sessions = IdentityStore { db }.sweep_expired_sessions(now).await?;
    let documents = ApplicationStore { db }
        .sweep_staged(now - STAGED_DOCUMENTS_KEPT)
        .await?;
    Ok((sessions, documents))
}

/// How long the message log stays in the database before it is moved to archive files.
#[derive(Debug, Clone)]
pub struct Retention {
    pub days: u32,
    pub dir: std::path::PathBuf,
}

/// Moves the message log's entries older than the retention period into a new file in its
/// folder. Returns the file written, if there was anything to archive.
pub async fn archive_exchange_log(
    db: &Db,
    retention: &Retention,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Option<std::path::PathBuf>> {
    std::fs::create_dir_all(&retention.dir)
        .with_context(|| format!("creating {}", retention.dir.display()))?;
    let cut = now - chrono::Duration::days(i64::from(retention.days));
    let file = retention.dir.join(format!(
        "exchange-log-{}.jsonl",
        now.format("%Y%m%dT%H%M%S%.6fZ")
    ));
    let done =
        yagona_exchange::archive::archive_before(db, &yagona_core::format_timestamp(&cut), &file)
            .await?;
    Ok(done.map(|_| file))
}

/// Runs [`housekeeping_once`] every ten minutes on this node, and archives the message log
/// past its retention (several nodes doing it too is harmless: the deletes are idempotent,
/// and of two nodes archiving at once one wins).
pub fn spawn_housekeeping(db: Db, retention: Option<Retention>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            every.tick().await;
            match housekeeping_once(&db, chrono::Utc::now()).await {
                Ok((0, 0)) => {}
                Ok((s, d)) => tracing::info!(sessions = s, staged_documents = d, "housekeeping"),
                Err(e) => tracing::warn!("housekeeping: {e:#}"),
            }
            match (yagona_contact::AppealStore { db: &db })
                .close_unreopened(chrono::Utc::now())
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(
                    appeals = n,
                    "answered appeals closed after the reopening period"
                ),
                Err(e) => tracing::warn!("closing answered appeals: {e}"),
            }
            if let Some(r) = &retention {
                match archive_exchange_log(&db, r, chrono::Utc::now()).await {
                    Ok(Some(file)) => {
                        tracing::info!(file = %file.display(), "message log archived")
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!("archiving the message log: {e:#}"),
                }
            }
        }
    })
}

//! How much each service is used: applications submitted in the last 90 days, per service —
//! what search ranks equally good matches by. Counted at most every ten minutes per node (a
//! count over every application is not something to run on each keystroke).

use crate::service::Applications;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use yagona_core::{format_timestamp, now};
use yagona_registry::Popularity;

/// How long a count is used before it is made again.
const FRESH_FOR: Duration = Duration::from_secs(600);
/// The days counted.
const DAYS: i64 = 90;

/// The last count, and when it was made.
#[derive(Default)]
pub struct PopularityCache(Mutex<Option<(Instant, Arc<Popularity>)>>);

impl Applications {
    /// Each service's applications submitted in the last 90 days (cached for ten minutes).
    /// A count that cannot be made counts nothing: search still works, by relevance alone.
    pub async fn popularity(&self) -> Arc<Popularity> {
        if let Ok(guard) = self.popularity.0.lock() {
            if let Some((at, p)) = guard.as_ref() {
                if at.elapsed() < FRESH_FOR {
                    return p.clone();
                }
            }
        }
        let since = now() - chrono::Duration::days(DAYS);
        let counts: Vec<(String, i64)> = match sqlx::query_as(
            "SELECT service_code, COUNT(*) FROM applications WHERE submitted_at >= $1 GROUP BY service_code",
        )
        .bind(format_timestamp(&since))
        .fetch_all(&self.db.pool)
        .await
        {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "service popularity not counted");
                Vec::new()
            }
        };
        let p = Arc::new(Popularity::new(
            counts
                .into_iter()
                .map(|(code, n)| (code, u32::try_from(n).unwrap_or(u32::MAX))),
        ));
        if let Ok(mut guard) = self.popularity.0.lock() {
            *guard = Some((Instant::now(), p.clone()));
        }
        p
    }
}

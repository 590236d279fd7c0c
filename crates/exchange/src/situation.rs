//! Situation analysis: who calls whom, drawn from the message log — for each pair of members
//! (caller, provider) over a period: the calls, how many failed, and latency percentiles.

use sqlx::Row;
use std::collections::{BTreeMap, HashMap};
use yagona_db::{Db, DbError};

/// Traffic from one member to another.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    /// `INSTANCE/CLASS/MEMBER` of the caller.
    pub client: String,
    /// `INSTANCE/CLASS/MEMBER` of the provider.
    pub provider: String,
    pub calls: u64,
    /// Refused or failed by the gateway, or answered 5xx by the provider.
    pub errors: u64,
    /// Time from the request being logged to its response being logged, in milliseconds.
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
}

impl Flow {
    /// The share of calls that failed, 0–100.
    pub fn error_rate(&self) -> f64 {
        if self.calls == 0 {
            0.0
        } else {
            self.errors as f64 * 100.0 / self.calls as f64
        }
    }
}

fn member_of(id: &str, parts: usize) -> String {
    id.splitn(parts + 1, '/')
        .take(parts)
        .collect::<Vec<_>>()
        .join("/")
}

/// The nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

#[derive(Default)]
struct Call {
    client: String,
    service: String,
    sent: Option<chrono::DateTime<chrono::FixedOffset>>,
    answered: Option<chrono::DateTime<chrono::FixedOffset>>,
    failed: bool,
}

/// The flows between members for exchanges logged in `[from, to)` (RFC 3339 UTC instants),
/// busiest first.
pub async fn flows(db: &Db, from: &str, to: &str) -> Result<Vec<Flow>, DbError> {
    let rows = sqlx::query(
        "SELECT request_id, kind, client, service, status, at FROM exchange_log
         WHERE at >= $1 AND at < $2 ORDER BY seq",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await?;
    let mut calls: HashMap<String, Call> = HashMap::new();
    for r in rows {
        let request_id: String = r.try_get(0)?;
        let kind: String = r.try_get(1)?;
        let status: Option<i64> = r.try_get(4)?;
        let at = chrono::DateTime::parse_from_rfc3339(&r.try_get::<String, _>(5)?).ok();
        let call = calls.entry(request_id).or_default();
        call.client = r.try_get(2)?;
        call.service = r.try_get(3)?;
        match kind.as_str() {
            "request" => call.sent = at,
            "response" => {
                call.answered = at;
                call.failed |= status.is_some_and(|s| s >= 500);
            }
            _ => call.failed = true,
        }
    }
    let mut by_pair: BTreeMap<(String, String), (u64, u64, Vec<f64>)> = BTreeMap::new();
    for call in calls.into_values() {
        let key = (member_of(&call.client, 3), member_of(&call.service, 3));
        let slot = by_pair.entry(key).or_default();
        slot.0 += 1;
        if call.failed {
            slot.1 += 1;
        }
        if let (Some(a), Some(b)) = (call.sent, call.answered) {
            slot.2
                .push((b - a).num_microseconds().unwrap_or(0) as f64 / 1000.0);
        }
    }
    let mut out: Vec<Flow> = by_pair
        .into_iter()
        .map(|((client, provider), (calls, errors, mut latencies))| {
            latencies.sort_by(f64::total_cmp);
            Flow {
                client,
                provider,
                calls,
                errors,
                p50_ms: percentile(&latencies, 50.0),
                p95_ms: percentile(&latencies, 95.0),
                p99_ms: percentile(&latencies, 99.0),
            }
        })
        .collect();
    out.sort_by(|a, b| b.calls.cmp(&a.calls).then(a.client.cmp(&b.client)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), Some(50.0));
        assert_eq!(percentile(&v, 95.0), Some(95.0));
        assert_eq!(percentile(&v, 99.0), Some(99.0));
        assert_eq!(percentile(&[7.0], 99.0), Some(7.0));
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(
            member_of("UZ/GOV/201122919/civil-records/persons", 3),
            "UZ/GOV/201122919"
        );
    }
}

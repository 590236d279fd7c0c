//! Timers: when one falls due, and firing the due ones (timer start events and timer waits).

use super::{ts, ProcessStore, StoreError, Tx};
use crate::engine::{EngineError, Instance, WaitKind};
use crate::feel::Expressions;
use crate::model::Kind;
use chrono::{DateTime, Duration, Months, Utc};
use serde_json::{Map, Value as Json};
use yagona_calendar::Calendar;

/// Moves a timer start event's due time from `slot.3` to `next`: whoever does it (one node
/// only) has this repetition.
async fn claim_timer_start(
    tx: &mut Tx,
    slot: (&str, i64, &str, &str),
    next: Option<&str>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE process_timer_starts SET due_at = $1, fired = fired + 1
         WHERE process_id = $2 AND version = $3 AND element_id = $4 AND due_at = $5",
    )
    .bind(next)
    .bind(slot.0)
    .bind(slot.1)
    .bind(slot.2)
    .bind(slot.3)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether a timer's value (its expression evaluated with the variables) can be scheduled:
/// why not, if it cannot. The same reading the check before deployment makes of literals.
pub fn timer_value(
    what: &WaitKind,
    vars: &Map<String, Json>,
    expr: &dyn Expressions,
) -> Result<(), String> {
    let WaitKind::Timer {
        date,
        duration,
        cycle,
        ..
    } = what
    else {
        return Ok(());
    };
    use crate::timer::TimerField;
    for (field, text) in [
        (TimerField::Date, date),
        (TimerField::Duration, duration),
        (TimerField::Cycle, cycle),
    ] {
        let Some(text) = text else { continue };
        let value = expr
            .evaluate_traced(text, vars)
            .map_err(|e| format!("{}: {e}", field.element()))?;
        match value {
            (Json::String(s), _) => {
                if let Some(why) = crate::timer::problem(field, &s) {
                    return Err(format!("{}: {why}", field.element()));
                }
            }
            (other, warning) => {
                return Err(format!(
                    "{}: {text:?} gave {other}{}, not an ISO 8601 text",
                    field.element(),
                    warning.map(|w| format!(" ({w})")).unwrap_or_default()
                ))
            }
        }
    }
    Ok(())
}

/// Why a timer cannot be scheduled, if it cannot ([`timer_value`] as an option).
pub fn timer_problem(
    what: &WaitKind,
    vars: &Map<String, Json>,
    expr: &dyn Expressions,
) -> Option<String> {
    timer_value(what, vars, expr).err()
}

/// When a timer falls due, from its ISO 8601 date, duration or cycle (the first repetition).
pub fn timer_due(
    what: &WaitKind,
    now: DateTime<Utc>,
    vars: &Map<String, Json>,
    expr: &dyn Expressions,
    calendar: Option<&Calendar>,
) -> Option<DateTime<Utc>> {
    let WaitKind::Timer {
        date,
        duration,
        cycle,
        working_days,
    } = what
    else {
        return None;
    };
    let text = |e: &Option<String>| {
        e.as_ref().and_then(|e| match expr.evaluate(e, vars) {
            Ok(Json::String(s)) => Some(s),
            _ => None,
        })
    };
    if let Some(d) = text(date) {
        return DateTime::parse_from_rfc3339(&d)
            .ok()
            .map(|t| t.with_timezone(&Utc));
    }
    let period = text(duration)
        .or_else(|| text(cycle).map(|c| c.rsplit('/').next().unwrap_or_default().to_owned()))?;
    let parsed = crate::timer::duration(&period).ok()?;
    if *working_days {
        if let (
            iso8601::Duration::YMDHMS {
                year: 0,
                month: 0,
                day,
                hour: 0,
                minute: 0,
                second: 0,
                millisecond: 0,
            },
            Some(cal),
        ) = (parsed, calendar)
        {
            // The deadline is the end of the n-th working day, Tashkent time: the timer fires
            // when the next day begins there (UTC+5, no daylight saving).
            if let Ok(last) = cal.add_working_days(yagona_core::tashkent_date(&now), day) {
                let midnight = last.succ_opt()?.and_hms_opt(0, 0, 0)?;
                return Some(midnight.and_utc() - Duration::hours(5));
            }
        }
        // A year the calendar does not cover yet, or a duration that is not whole days:
        // counted in calendar days rather than never firing.
    }
    // A cycle with a start (`R/2027-01-04T04:00:00Z/P1D`): the first repetition after now.
    let start = text(duration)
        .is_none()
        .then(|| text(cycle))
        .flatten()
        .and_then(|c| {
            let parts: Vec<&str> = c.split('/').collect();
            (parts.len() == 3)
                .then(|| DateTime::parse_from_rfc3339(parts[1]).ok())
                .flatten()
        });
    if let Some(start) = start {
        let mut t = start.with_timezone(&Utc);
        for _ in 0..1_000_000 {
            if t > now {
                return Some(t);
            }
            t = after(t, parsed)?;
        }
        return None;
    }
    after(now, parsed)
}

/// A moment plus an ISO 8601 duration (months and years by the calendar).
fn after(now: DateTime<Utc>, period: iso8601::Duration) -> Option<DateTime<Utc>> {
    match period {
        iso8601::Duration::Weeks(w) => now.checked_add_signed(Duration::weeks(w.into())),
        iso8601::Duration::YMDHMS {
            year,
            month,
            day,
            hour,
            minute,
            second,
            millisecond,
        } => now
            .checked_add_months(Months::new(year * 12 + month))?
            .checked_add_signed(
                Duration::days(day.into())
                    + Duration::hours(hour.into())
                    + Duration::minutes(minute.into())
                    + Duration::seconds(second.into())
                    + Duration::milliseconds(millisecond.into()),
            ),
    }
}

impl ProcessStore<'_> {
    /// Fires every timer due by `now`, each exactly once even with several nodes: a timer is
    /// claimed like a job before it fires. Returns how many fired.
    pub async fn fire_due_timers(
        &self,
        node: &str,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        // Both run even when one reports a model that cannot go on: one broken process must
        // not hold up the timers of all the others.
        let started = self.fire_timer_starts(now).await;
        let fired = self.fire_due_waits(node, now).await?;
        // Kept messages go to the waits that opened for them since.
        let delivered = self.deliver_buffered(now).await?;
        // Signals thrown go to the waits that were open for them.
        let signalled = self.deliver_signals(now).await?;
        Ok(started? + fired + delivered + signalled)
    }

    /// Starts an instance for every timer start event that is due, each exactly once even with
    /// several nodes: the move of its next due time is the claim, in the same transaction as
    /// the start. A cycle (`R5/P1D`, `R/PT1H`) schedules its next repetition.
    async fn fire_timer_starts(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let due: Vec<(String, i64, String, String, i64)> = sqlx::query_as(
            "SELECT process_id, version, element_id, due_at, fired FROM process_timer_starts
             WHERE due_at IS NOT NULL AND due_at <= $1 ORDER BY due_at LIMIT 100",
        )
        .bind(ts(&now))
        .fetch_all(&self.db.pool)
        .await?;
        let mut started = 0;
        let mut failed = Vec::new();
        for (process_id, version, element, due_at, fired) in due {
            let (_, defs) = self.definitions(&process_id, Some(version)).await?;
            let Some(Kind::StartEvent { trigger, .. }) = defs
                .processes
                .iter()
                .find(|p| p.id == process_id)
                .and_then(|p| p.scope.elements.iter().find(|e| e.id == element))
                .map(|e| &e.kind)
            else {
                continue;
            };
            let what = WaitKind::of_trigger(trigger);
            let again = match &what {
                WaitKind::Timer { cycle: Some(c), .. } => {
                    let text = match self.expr.evaluate(c, &Map::new()) {
                        Ok(Json::String(s)) => s,
                        _ => String::new(),
                    };
                    crate::engine::repetitions(&text).is_some_and(|n| (fired + 1) < i64::from(n))
                }
                _ => false,
            };
            let next = again
                .then(|| timer_due(&what, now, &Map::new(), self.expr, self.calendar))
                .flatten()
                .map(|t| ts(&t));
            // The move of the due time claims this repetition, with the start or without it.
            let slot = (
                process_id.as_str(),
                version,
                element.as_str(),
                due_at.as_str(),
            );
            let start = async {
                let (mut instance, mut step) = Instance::start_at(
                    &defs,
                    Some(&process_id),
                    Some(&element),
                    Map::new(),
                    self.expr,
                )?;
                self.settle(&mut instance, &defs, &mut step).await?;
                let mut tx = self.db.writer.begin().await?;
                if !claim_timer_start(&mut tx, slot, next.as_deref()).await? {
                    return Ok(false); // another node started it
                }
                self.insert_instance(
                    &mut tx,
                    &process_id,
                    version,
                    &defs,
                    None,
                    &instance,
                    &step,
                    None,
                )
                .await?;
                tx.commit().await?;
                Ok::<_, StoreError>(true)
            };
            match start.await {
                Ok(true) => started += 1,
                Ok(false) => {}
                Err(e @ StoreError::Db(_)) => return Err(e),
                Err(e) => {
                    // The model cannot start (a bad expression, a missing decision or called
                    // process): this repetition is skipped, so the others still fire, and the
                    // error is reported.
                    let mut tx = self.db.writer.begin().await?;
                    claim_timer_start(&mut tx, slot, next.as_deref()).await?;
                    tx.commit().await?;
                    failed.push(format!("{process_id} v{version} {element}: {e}"));
                }
            }
        }
        if failed.is_empty() {
            Ok(started)
        } else {
            Err(StoreError::Unrunnable(format!(
                "timer start events skipped: {}",
                failed.join("; ")
            )))
        }
    }

    /// Fires every timer wait due by `now` (see [`Self::fire_due_timers`]).
    async fn fire_due_waits(&self, node: &str, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let due: Vec<(String, i64)> = sqlx::query_as(
            "SELECT instance_id, wait_id FROM process_waits WHERE kind = 'timer' AND due_at <= $1 AND (lock_until IS NULL OR lock_until < $1) ORDER BY due_at LIMIT 500",
        )
        .bind(ts(&now))
        .fetch_all(&self.db.pool)
        .await?;
        let mut fired = 0;
        for (instance_id, wait_id) in due {
            let claimed = sqlx::query(
                "UPDATE process_waits SET locked_by = $1, lock_until = $2 WHERE instance_id = $3 AND wait_id = $4 AND (lock_until IS NULL OR lock_until < $5)",
            )
            .bind(node)
            .bind(ts(&(now + Duration::seconds(30))))
            .bind(&instance_id)
            .bind(wait_id)
            .bind(ts(&now))
            .execute(&self.db.writer)
            .await?;
            if claimed.rows_affected() == 1 {
                match self.trigger(&instance_id, wait_id as u64, Map::new()).await {
                    Ok(_) => fired += 1,
                    // Withdrawn meanwhile (the task it guarded was completed): nothing to fire.
                    Err(StoreError::Engine(EngineError::UnknownWait(_)))
                    | Err(StoreError::Conflict) => {}
                    // Recorded as an incident, the timer held: the others fire.
                    Err(StoreError::Incident { .. }) => {}
                    Err(e @ StoreError::Db(_)) => return Err(e),
                    // The model cannot go on from this timer: an incident on the instance for a
                    // person to resolve, as a job out of retries is; the timer stays claimed and
                    // the other timers fire.
                    Err(e) => {
                        let mut tx = self.db.writer.begin().await?;
                        sqlx::query("UPDATE process_waits SET lock_until = $1 WHERE instance_id = $2 AND wait_id = $3")
                            .bind("9999-12-31T00:00:00Z")
                            .bind(&instance_id)
                            .bind(wait_id)
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query("UPDATE process_instances SET status = 'incident', incident = $1, updated_at = $2 WHERE id = $3")
                            .bind(e.to_string())
                            .bind(ts(&now))
                            .bind(&instance_id)
                            .execute(&mut *tx)
                            .await?;
                        tx.commit().await?;
                    }
                }
            }
        }
        Ok(fired)
    }
}

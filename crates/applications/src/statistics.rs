//! Officers' decisions counted over periods: the GovStack Registration statistics, and any
//! other channel that asks.

use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;
use yagona_core::{parse_timestamp, tashkent_date};

/// How decisions are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Timeframe {
    /// One group for the whole period asked.
    #[default]
    Whole,
    Day,
    /// Monday to Sunday.
    Week,
    Month,
    Year,
}

impl Timeframe {
    /// `day`, `week`, `month`, `year`, or empty for the whole period.
    pub fn parse(s: &str) -> Option<Timeframe> {
        Some(match s {
            "" => Timeframe::Whole,
            "day" => Timeframe::Day,
            "week" => Timeframe::Week,
            "month" => Timeframe::Month,
            "year" => Timeframe::Year,
            _ => return None,
        })
    }
}

/// What to count: decisions on days `from`..=`to` (Tashkent; open ends when `None`), of one
/// service (its code, or its name in any language), by one officer (by name) or one agency.
#[derive(Debug, Clone, Default)]
pub struct StatisticsQuery {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub service: Option<String>,
    pub operator: Option<String>,
    pub agency: Option<String>,
    pub timeframe: Timeframe,
}

/// Decisions in one period (`None` ends: as open as the query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodFigures {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub approved: i64,
    pub sent_back: i64,
    pub rejected: i64,
}

impl PeriodFigures {
    pub fn processed(&self) -> i64 {
        self.approved + self.sent_back + self.rejected
    }
}

/// The figures, and the service code the query's service resolved to.
#[derive(Debug, Clone)]
pub struct Statistics {
    pub service: Option<String>,
    pub periods: Vec<PeriodFigures>,
}

/// The period of `timeframe` that `day` falls in.
fn span(timeframe: Timeframe, day: NaiveDate, q: &StatisticsQuery) -> (NaiveDate, NaiveDate) {
    match timeframe {
        Timeframe::Day => (day, day),
        Timeframe::Week => {
            let monday = day - chrono::Duration::days(day.weekday().num_days_from_monday() as i64);
            (monday, monday + chrono::Duration::days(6))
        }
        Timeframe::Month => {
            let first = day.with_day(1).unwrap_or(day);
            let next = first
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(first);
            (first, next.pred_opt().unwrap_or(first))
        }
        Timeframe::Year => (
            NaiveDate::from_ymd_opt(day.year(), 1, 1).unwrap_or(day),
            NaiveDate::from_ymd_opt(day.year(), 12, 31).unwrap_or(day),
        ),
        Timeframe::Whole => (
            q.from.unwrap_or(NaiveDate::MIN),
            q.to.unwrap_or(NaiveDate::MAX),
        ),
    }
}

/// Groups decisions — (moment, action) — into the query's periods. With none in range, one
/// empty period for the whole query.
pub(crate) fn group(q: &StatisticsQuery, decisions: &[(String, String)]) -> Vec<PeriodFigures> {
    let mut buckets: BTreeMap<(NaiveDate, NaiveDate), [i64; 3]> = BTreeMap::new();
    for (at, action) in decisions {
        let Some(t) = parse_timestamp(at) else {
            continue;
        };
        let day = tashkent_date(&t);
        if q.from.is_some_and(|s| day < s) || q.to.is_some_and(|e| day > e) {
            continue;
        }
        let b = buckets.entry(span(q.timeframe, day, q)).or_default();
        match action.as_str() {
            "approve" => b[0] += 1,
            "return" => b[1] += 1,
            _ => b[2] += 1,
        }
    }
    if buckets.is_empty() {
        buckets.insert(
            (
                q.from.unwrap_or(NaiveDate::MIN),
                q.to.unwrap_or(NaiveDate::MAX),
            ),
            [0; 3],
        );
    }
    let open = |d: NaiveDate| (d != NaiveDate::MIN && d != NaiveDate::MAX).then_some(d);
    buckets
        .into_iter()
        .map(
            |((from, to), [approved, sent_back, rejected])| PeriodFigures {
                from: open(from),
                to: open(to),
                approved,
                sent_back,
                rejected,
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_fall_into_the_week_of_their_tashkent_day() {
        let q = StatisticsQuery {
            timeframe: Timeframe::Week,
            ..Default::default()
        };
        // 20:00 UTC on a Sunday is already Monday in Tashkent.
        let decisions = vec![
            (
                "2026-11-29T20:00:00.000000Z".to_owned(),
                "approve".to_owned(),
            ),
            (
                "2026-11-29T10:00:00.000000Z".to_owned(),
                "reject".to_owned(),
            ),
        ];
        let periods = group(&q, &decisions);
        assert_eq!(periods.len(), 2);
        assert_eq!(periods[0].from, NaiveDate::from_ymd_opt(2026, 11, 23));
        assert_eq!(periods[0].rejected, 1);
        assert_eq!(periods[1].from, NaiveDate::from_ymd_opt(2026, 11, 30));
        assert_eq!(periods[1].approved, 1);
    }
}

//! Figures of the contact point over a period: appeals by agency and by service, by channel,
//! answered in time, answered at first contact, and how applicants rated the answers.

use crate::model::AppealError;
use crate::store::AppealStore;
use crate::Channel;
use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;
use sqlx::Row;
use std::collections::BTreeMap;
use yagona_core::{format_timestamp, tashkent_day_start, Timestamp};

/// The agency code figures use for appeals the contact centre holds.
pub const CENTRE: &str = "contact-centre";

/// Days a period spans when its first day is not given.
const DEFAULT_DAYS: u64 = 30;
/// The longest period figures are counted over (about ten years).
const LONGEST_DAYS: i64 = 3660;

/// Days in Tashkent, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// The period asked for as typed (`YYYY-MM-DD`): no last day is `today`, no first day makes
    /// it the last 30 days. `None` when a date is malformed, the period is backwards or longer
    /// than about ten years.
    pub fn parse(from: &str, to: &str, today: NaiveDate) -> Option<Period> {
        // Years outside 1–9999 are not dates anyone means, and their moments may not exist.
        let day = |s: &str| {
            s.parse::<NaiveDate>()
                .ok()
                .filter(|d| (1..=9999).contains(&d.year()))
        };
        let to = match to.trim() {
            "" => today,
            s => day(s)?,
        };
        let from = match from.trim() {
            "" => to.checked_sub_days(Days::new(DEFAULT_DAYS - 1))?,
            s => day(s)?,
        };
        (from <= to && (to - from).num_days() <= LONGEST_DAYS).then_some(Period { from, to })
    }

    /// The moment the period begins: the start of its first day, Tashkent time.
    pub fn start(&self) -> Timestamp {
        tashkent_day_start(self.from)
    }

    /// The moment the period ends (not included): the start of the day after its last.
    pub fn end(&self) -> Timestamp {
        tashkent_day_start(self.to + Days::new(1))
    }
}

impl AppealStore<'_> {
    /// Figures per agency and per service over the appeals received in `period` (merged
    /// duplicates not counted); open appeals past their deadline as of `today` count as late.
    pub async fn figures(&self, period: &Period, today: NaiveDate) -> Result<Figures, AppealError> {
        let rows = sqlx::query(
            // SUM is cast: PostgreSQL sums integers as NUMERIC, which the Any driver cannot read.
            "SELECT agency_code, service_code, channel, COUNT(*), \
             CAST(SUM(CASE WHEN answered_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN answered_on_time = 1 THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN answered_at IS NULL AND status IN ('received', 'assigned', 'in-progress', 'reopened') AND deadline < $3 THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(first_contact) AS BIGINT), COUNT(rating), CAST(SUM(COALESCE(rating, 0)) AS BIGINT) \
             FROM appeals WHERE merged_into IS NULL AND received_at >= $1 AND received_at < $2 \
             GROUP BY agency_code, service_code, channel",
        )
        .bind(format_timestamp(&period.start()))
        .bind(format_timestamp(&period.end()))
        .bind(today.to_string())
        .fetch_all(&self.db.pool)
        .await?;
        let mut by_agency: BTreeMap<String, FiguresRow> = BTreeMap::new();
        let mut by_service: BTreeMap<String, FiguresRow> = BTreeMap::new();
        let mut total = FiguresRow::default();
        for r in rows {
            let agency: Option<String> = r.try_get(0)?;
            let service: Option<String> = r.try_get(1)?;
            let channel: String = r.try_get(2)?;
            let n = Counts {
                appeals: r.try_get(3)?,
                answered: r.try_get::<Option<i64>, _>(4)?.unwrap_or(0),
                on_time: r.try_get::<Option<i64>, _>(5)?.unwrap_or(0),
                overdue_open: r.try_get::<Option<i64>, _>(6)?.unwrap_or(0),
                first_contact: r.try_get::<Option<i64>, _>(7)?.unwrap_or(0),
                ratings: r.try_get(8)?,
                rating_sum: r.try_get::<Option<i64>, _>(9)?.unwrap_or(0),
            };
            let agency = agency.unwrap_or_else(|| CENTRE.to_owned());
            by_agency
                .entry(agency.clone())
                .or_default()
                .add(&agency, None, &channel, &n);
            if let Some(s) = service {
                by_service
                    .entry(s.clone())
                    .or_default()
                    .add(&agency, Some(&s), &channel, &n);
            }
            total.add("", None, &channel, &n);
        }
        Ok(Figures {
            period: *period,
            total: total.finish(),
            agencies: by_agency.into_values().map(FiguresRow::finish).collect(),
            services: by_service.into_values().map(FiguresRow::finish).collect(),
        })
    }
}

struct Counts {
    appeals: i64,
    answered: i64,
    on_time: i64,
    overdue_open: i64,
    first_contact: i64,
    ratings: i64,
    rating_sum: i64,
}

/// Figures over a period, for the e-Government Centre and the public.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    #[serde(flatten)]
    pub period: Period,
    pub total: FiguresRow,
    pub agencies: Vec<FiguresRow>,
    pub services: Vec<FiguresRow>,
}

/// One line of figures: an agency, a service, or everything.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FiguresRow {
    pub agency: Option<String>,
    pub service: Option<String>,
    pub appeals: i64,
    /// Appeals by channel (`portal`, `phone`, `open311`).
    pub by_channel: BTreeMap<String, i64>,
    pub answered: i64,
    /// Answers given by the deadline, over answers plus open appeals past their deadline.
    pub answered_on_time_pct: Option<f64>,
    /// Answered by an operator at the first contact, over all appeals.
    pub first_contact_pct: Option<f64>,
    pub ratings: i64,
    pub average_rating: Option<f64>,
    #[serde(skip)]
    on_time: i64,
    #[serde(skip)]
    overdue_open: i64,
    #[serde(skip)]
    first_contact: i64,
    #[serde(skip)]
    rating_sum: i64,
}

impl FiguresRow {
    fn add(&mut self, agency: &str, service: Option<&str>, channel: &str, n: &Counts) {
        if !agency.is_empty() {
            self.agency = Some(agency.to_owned());
        }
        if let Some(s) = service {
            self.service = Some(s.to_owned());
        }
        self.appeals += n.appeals;
        *self.by_channel.entry(channel.to_owned()).or_default() += n.appeals;
        self.answered += n.answered;
        self.on_time += n.on_time;
        self.overdue_open += n.overdue_open;
        self.first_contact += n.first_contact;
        self.ratings += n.ratings;
        self.rating_sum += n.rating_sum;
    }

    fn finish(mut self) -> FiguresRow {
        let pct = |a: i64, b: i64| (b > 0).then(|| (1000.0 * a as f64 / b as f64).round() / 10.0);
        for c in Channel::ALL {
            self.by_channel.entry(c.code().to_owned()).or_default();
        }
        self.answered_on_time_pct = pct(self.on_time, self.answered + self.overdue_open);
        self.first_contact_pct = pct(self.first_contact, self.appeals);
        self.average_rating = (self.ratings > 0)
            .then(|| (100.0 * self.rating_sum as f64 / self.ratings as f64).round() / 100.0);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_period_defaults_to_the_last_30_days_up_to_today() {
        let today = d("2026-11-27");
        let p = Period::parse("", " ", today).unwrap();
        assert_eq!((p.from, p.to), (d("2026-10-29"), today));
        // No first day: the 30 days up to the last day given.
        let p = Period::parse("", "2026-03-31", today).unwrap();
        assert_eq!((p.from, p.to), (d("2026-03-02"), d("2026-03-31")));
        // No last day: up to today.
        let p = Period::parse(" 2026-01-01 ", "", today).unwrap();
        assert_eq!((p.from, p.to), (d("2026-01-01"), today));
    }

    #[test]
    fn a_backwards_too_long_or_malformed_period_is_refused() {
        let today = d("2026-11-27");
        assert_eq!(Period::parse("2026-11-02", "2026-11-01", today), None);
        // 3,660 days apart at most.
        assert!(Period::parse("2016-10-24", "2026-11-01", today).is_some());
        assert_eq!(Period::parse("2016-10-23", "2026-11-01", today), None);
        assert_eq!(Period::parse("1 November", "", today), None);
        assert_eq!(Period::parse("", "2026-02-30", today), None);
        assert_eq!(Period::parse("", "+12026-01-01", today), None);
        // A single day is a period.
        assert!(Period::parse("2026-11-01", "2026-11-01", today).is_some());
    }

    #[test]
    fn a_period_runs_from_midnight_to_midnight_in_tashkent() {
        let p = Period::parse("2026-11-01", "2026-11-02", d("2026-11-27")).unwrap();
        assert_eq!(format_timestamp(&p.start()), "2026-10-31T19:00:00.000000Z");
        assert_eq!(format_timestamp(&p.end()), "2026-11-02T19:00:00.000000Z");
    }
}

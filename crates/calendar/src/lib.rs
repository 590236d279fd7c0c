//! The working-day calendar: which days are working days, year by year, as data.
//!
//! Statutory deadlines ("10 working days") are counted here. Each year is a record (holidays,
//! extra days off and working Saturdays set by decree, the week type) imported from the
//! registry's `calendar/<year>.toml`. The Labour Code's transfer rule (art. 208: a holiday that
//! falls on a day off moves the day off to the next working day) is applied when a year is loaded.
//! A date in a year with no record is an error, never a guess.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use yagona_core::I18nText;
use yagona_db::{Db, DbError, Migration};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CalendarError {
    #[error(
        "the working-day calendar has no record for {0}; add calendar/{0}.toml to the registry"
    )]
    YearNotCovered(i32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WeekType {
    #[serde(rename = "five-day")]
    FiveDay,
    #[serde(rename = "six-day")]
    SixDay,
}

/// A public holiday and its name in four languages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name: I18nText,
}

/// A day changed by decree (an extra day off, a working Saturday) and the reason, in four languages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecreeDay {
    pub date: NaiveDate,
    pub reason: I18nText,
}

/// One year of the calendar, as written in `calendar/<year>.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearCalendar {
    pub year: i32,
    pub week: WeekType,
    #[serde(default)]
    pub provisional: bool,
    #[serde(default, rename = "holiday")]
    pub holidays: Vec<Holiday>,
    #[serde(default, rename = "day_off")]
    pub days_off: Vec<DecreeDay>,
    #[serde(default, rename = "working_day")]
    pub working_days: Vec<DecreeDay>,
}

impl YearCalendar {
    /// Problems a file can have beyond its syntax: dates outside the year, a day listed twice.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        let dates = (self
            .holidays
            .iter()
            .enumerate()
            .map(|(i, e)| ("holiday", i, e.date)))
        .chain(
            self.days_off
                .iter()
                .enumerate()
                .map(|(i, e)| ("day_off", i, e.date)),
        )
        .chain(
            self.working_days
                .iter()
                .enumerate()
                .map(|(i, e)| ("working_day", i, e.date)),
        );
        for (what, i, date) in dates {
            if date.year() != self.year {
                out.push(format!("{what}[{i}]: {date} is not in {}", self.year));
            }
            if !seen.insert(date) {
                out.push(format!("{what}[{i}]: {date} is listed more than once"));
            }
        }
        out
    }

    fn is_weekend(&self, d: NaiveDate) -> bool {
        match self.week {
            WeekType::FiveDay => matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
            WeekType::SixDay => d.weekday() == Weekday::Sun,
        }
    }
}

/// The resolved calendar: for each covered year, the set of non-working days.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    years: BTreeMap<i32, Resolved>,
}

#[derive(Debug, Clone)]
struct Resolved {
    source: YearCalendar,
    days_off: BTreeSet<NaiveDate>,
    working: BTreeSet<NaiveDate>,
}

impl Calendar {
    pub fn new(years: impl IntoIterator<Item = YearCalendar>) -> Self {
        let mut cal = Calendar::default();
        for y in years {
            let mut days_off: BTreeSet<NaiveDate> = y
                .holidays
                .iter()
                .map(|e| e.date)
                .chain(y.days_off.iter().map(|e| e.date))
                .collect();
            let working: BTreeSet<NaiveDate> = y.working_days.iter().map(|e| e.date).collect();
            // Art. 208: a holiday on a day off moves that day off to the next working day.
            let mut holidays: Vec<NaiveDate> = y.holidays.iter().map(|e| e.date).collect();
            holidays.sort();
            for h in holidays {
                if y.is_weekend(h) && !working.contains(&h) {
                    let mut d = h;
                    loop {
                        d = match d.succ_opt() {
                            Some(n) => n,
                            None => break,
                        };
                        if d.year() != y.year {
                            break;
                        }
                        let off =
                            (y.is_weekend(d) && !working.contains(&d)) || days_off.contains(&d);
                        if !off {
                            days_off.insert(d);
                            break;
                        }
                    }
                }
            }
            cal.years.insert(
                y.year,
                Resolved {
                    source: y,
                    days_off,
                    working,
                },
            );
        }
        cal
    }

    pub fn years(&self) -> impl Iterator<Item = &YearCalendar> {
        self.years.values().map(|r| &r.source)
    }

    pub fn is_working_day(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        let r = self
            .years
            .get(&d.year())
            .ok_or(CalendarError::YearNotCovered(d.year()))?;
        if r.working.contains(&d) {
            return Ok(true);
        }
        Ok(!r.source.is_weekend(d) && !r.days_off.contains(&d))
    }

    /// The day by which something must be done when the law gives `n` working days from `start`:
    /// the n-th working day after `start` (the day of receipt itself does not count).
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            d = d
                .succ_opt()
                .ok_or(CalendarError::YearNotCovered(d.year() + 1))?;
            if self.is_working_day(d)? {
                left -= 1;
            }
        }
        Ok(d)
    }
}

pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "calendar years",
    sql: "CREATE TABLE calendar_years (year BIGINT PRIMARY KEY, source TEXT NOT NULL, updated_at TEXT NOT NULL);",
}];

/// Where the calendar is kept: one row per year, the year's record as JSON.
pub struct CalendarStore<'a> {
    pub db: &'a Db,
}

impl CalendarStore<'_> {
    pub async fn migrate(db: &Db) -> Result<(), DbError> {
        db.migrate("calendar", MIGRATIONS).await
    }

    pub async fn load(&self) -> Result<Calendar, DbError> {
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT source FROM calendar_years ORDER BY year")
                .fetch_all(&self.db.pool)
                .await?;
        let years = rows
            .iter()
            .filter_map(|s| match serde_json::from_str::<YearCalendar>(s) {
                Ok(y) => Some(y),
                Err(e) => {
                    // Rows are written only by `save`, so this means a hand-edited database.
                    eprintln!("calendar row unreadable, skipped: {e}");
                    None
                }
            })
            .collect::<Vec<_>>();
        Ok(Calendar::new(years))
    }

    /// Stores a year inside the caller's transaction; returns whether anything changed.
    pub async fn save(
        tx: &mut sqlx::AnyConnection,
        year: &YearCalendar,
        now: &str,
    ) -> Result<bool, sqlx::Error> {
        let json = serde_json::to_string(year).expect("calendar serialises");
        let old: Option<String> =
            sqlx::query_scalar("SELECT source FROM calendar_years WHERE year = $1")
                .bind(year.year as i64)
                .fetch_optional(&mut *tx)
                .await?;
        if old.as_deref() == Some(json.as_str()) {
            return Ok(false);
        }
        if old.is_some() {
            sqlx::query("UPDATE calendar_years SET source = $1, updated_at = $2 WHERE year = $3")
                .bind(&json)
                .bind(now)
                .bind(year.year as i64)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query(
                "INSERT INTO calendar_years (year, source, updated_at) VALUES ($1, $2, $3)",
            )
            .bind(year.year as i64)
            .bind(&json)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn entry(date: &str) -> Holiday {
        Holiday {
            date: d(date),
            name: I18nText::default(),
        }
    }

    fn decree(date: &str) -> DecreeDay {
        DecreeDay {
            date: d(date),
            reason: I18nText::default(),
        }
    }

    fn year_2026() -> YearCalendar {
        YearCalendar {
            year: 2026,
            week: WeekType::FiveDay,
            provisional: false,
            // 1 March 2026 is a Sunday: used here to check the transfer rule.
            holidays: vec![
                entry("2026-01-01"),
                entry("2026-03-08"),
                entry("2026-03-20"),
                entry("2026-03-21"),
            ],
            days_off: vec![decree("2026-01-02")],
            working_days: vec![decree("2026-01-10")],
        }
    }

    #[test]
    fn deadline_skips_weekends_holidays_and_decree_days() {
        let cal = Calendar::new([year_2026()]);
        // Wed 31 Dec 2025 is not covered: the calendar refuses to guess.
        assert_eq!(
            cal.is_working_day(d("2025-12-31")),
            Err(CalendarError::YearNotCovered(2025))
        );
        // From Thu 1 Jan: 1 Jan holiday, 2 Jan decree day off, 3-4 weekend, 5 Jan is the 1st.
        assert_eq!(
            cal.add_working_days(d("2026-01-01"), 1).unwrap(),
            d("2026-01-05")
        );
        // Sat 10 Jan is a working Saturday by decree.
        assert_eq!(
            cal.add_working_days(d("2026-01-09"), 1).unwrap(),
            d("2026-01-10")
        );
    }

    #[test]
    fn holiday_on_a_weekend_moves_the_day_off_to_monday() {
        let cal = Calendar::new([year_2026()]);
        // 8 March 2026 is a Sunday, so Monday 9 March is a day off.
        assert!(!cal.is_working_day(d("2026-03-09")).unwrap());
        // 21 March 2026 (Navroʻz) is a Saturday, 22 is Sunday: Monday 23 March is off.
        assert!(!cal.is_working_day(d("2026-03-23")).unwrap());
        assert!(cal.is_working_day(d("2026-03-24")).unwrap());
        // Fri 20 March (Ramazon hayit) then weekend, Mon 23 off: 1 working day from Thu 19 is Tue 24.
        assert_eq!(
            cal.add_working_days(d("2026-03-19"), 1).unwrap(),
            d("2026-03-24")
        );
    }

    #[test]
    fn crossing_into_an_uncovered_year_is_an_error() {
        let cal = Calendar::new([year_2026()]);
        assert_eq!(
            cal.add_working_days(d("2026-12-28"), 10),
            Err(CalendarError::YearNotCovered(2027))
        );
    }
}

use chrono::{DateTime, SecondsFormat, Utc};

/// A moment, stored in the database as RFC 3339 text in UTC with microseconds, so it sorts as
/// text, reads plainly in an audit and means the same on SQLite and PostgreSQL.
pub type Timestamp = DateTime<Utc>;

pub fn now() -> Timestamp {
    Utc::now()
}

/// The stored form of a timestamp.
pub fn format_timestamp(t: &Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn parse_timestamp(s: &str) -> Option<Timestamp> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Uzbekistan keeps one time zone, UTC+5, with no daylight saving: the calendar day on which
/// something happened, for counting working days and showing dates.
pub fn tashkent_date(t: &Timestamp) -> chrono::NaiveDate {
    (*t + chrono::Duration::hours(5)).date_naive()
}

/// A moment shown to people, in Tashkent time: `2026-11-27 14:05`.
pub fn tashkent_display(t: &Timestamp) -> String {
    (*t + chrono::Duration::hours(5))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The moment a Tashkent calendar day begins.
pub fn tashkent_day_start(day: chrono::NaiveDate) -> Timestamp {
    day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc() - chrono::Duration::hours(5)
}

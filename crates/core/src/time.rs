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

/// Timestamps in JSON as they are stored (RFC 3339, UTC, microseconds), for
/// `#[serde(with = "yagona_core::rfc3339")]`.
pub mod rfc3339 {
    use super::{format_timestamp, parse_timestamp, Timestamp};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_timestamp(t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(d)?;
        parse_timestamp(&text).ok_or_else(|| serde::de::Error::custom("not an RFC 3339 moment"))
    }

    /// The same for an optional timestamp (`null` when absent).
    pub mod option {
        use super::{format_timestamp, parse_timestamp, Timestamp};
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_some(&format_timestamp(t)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
            match Option::<String>::deserialize(d)? {
                None => Ok(None),
                Some(text) => parse_timestamp(&text)
                    .map(Some)
                    .ok_or_else(|| serde::de::Error::custom("not an RFC 3339 moment")),
            }
        }
    }
}

//! A period asked for on a page (figures, traffic): two of GOV.UK's date inputs, "Start date"
//! and "End date", whose boxes come as `from-day`, `from-month`, `from-year` (and `to-…`), or
//! `from` and `to` as `YYYY-MM-DD`, as links and bookmarks give them.

use crate::view::{date_from_parts, date_parts};
use serde_json::{json, Value};
use std::collections::HashMap;

/// The query of a page with a period.
pub type PeriodQuery = HashMap<String, String>;

/// The day asked for as `name` (`from` or `to`), as typed: `YYYY-MM-DD` when its boxes are
/// numbers, empty when nothing was given, otherwise what was typed (which will not parse).
pub fn typed(q: &PeriodQuery, name: &str) -> String {
    if let Some(v) = q.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        return v.to_owned();
    }
    let part = |p: &str| q.get(&format!("{name}-{p}")).map_or("", String::as_str);
    date_from_parts(part("day"), part("month"), part("year"))
}

/// The boxes of both inputs for `period.html`, with the message of each one in error.
pub fn boxes(from: &str, to: &str, errors: &[(&str, String)]) -> Value {
    let one = |name: &str, value: &str| {
        let (day, month, year) = date_parts(value);
        let error = errors.iter().find(|(f, _)| *f == name).map(|(_, m)| m);
        json!({"name": name, "day": day, "month": month, "year": year, "error": error})
    };
    json!([one("from", from), one("to", to)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_comes_from_its_boxes_or_as_written() {
        let q: PeriodQuery = [
            ("from-day", "1"),
            ("from-month", "11"),
            ("from-year", "2026"),
            ("to", "2026-11-30"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(typed(&q, "from"), "2026-11-01");
        assert_eq!(typed(&q, "to"), "2026-11-30");
        assert_eq!(typed(&PeriodQuery::new(), "to"), "");
        let b = boxes(
            "2026-11-01",
            "2026-13-",
            &[("to", "Enter a real date".into())],
        );
        assert_eq!(b[0]["day"], "1");
        assert_eq!(b[0]["error"], Value::Null);
        assert_eq!(b[1]["error"], "Enter a real date");
    }
}

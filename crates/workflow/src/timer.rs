//! Timer values as BPMN and Camunda write them: an ISO 8601 date-time (`timeDate`), duration
//! (`timeDuration`) or repeating interval (`timeCycle`: `R5/PT10M`, `R/P1D`,
//! `R3/2027-01-04T09:00:00+05:00/P1D`). One reading for the check before deployment and for
//! the engine at run time, so a value the check passes is one the engine can schedule.

use chrono::{DateTime, Utc};

/// Which of the three timer definitions a value is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerField {
    Date,
    Duration,
    Cycle,
}

impl TimerField {
    pub fn element(self) -> &'static str {
        match self {
            TimerField::Date => "timeDate",
            TimerField::Duration => "timeDuration",
            TimerField::Cycle => "timeCycle",
        }
    }
}

/// An ISO 8601 duration, whole: `P1D`, `PT15M`, `P1Y2M`, `P2W`.
pub fn duration(text: &str) -> Result<iso8601::Duration, String> {
    let t = text.trim();
    if !t.starts_with('P') || t.len() < 3 {
        return Err(format!(
            "{t:?} is not an ISO 8601 duration (such as P1D, PT4H or P2W)"
        ));
    }
    // The whole text: `iso8601::duration` would take `P1D garbage` as `P1D`.
    match iso8601::parsers::parse_duration(t.as_bytes()) {
        Ok((b"", parsed)) => Ok(parsed),
        _ => Err(format!(
            "{t:?} is not an ISO 8601 duration (such as P1D, PT4H or P2W)"
        )),
    }
}

/// A duration as a span of time, for moments relative to a start (`P3D` → 3 days; a month
/// counts 30 days and a year 365, as there is no date to count from).
pub fn span(text: &str) -> Result<chrono::Duration, String> {
    Ok(match duration(text)? {
        iso8601::Duration::Weeks(w) => chrono::Duration::weeks(w.into()),
        iso8601::Duration::YMDHMS {
            year,
            month,
            day,
            hour,
            minute,
            second,
            millisecond,
        } => {
            chrono::Duration::days(i64::from(year) * 365 + i64::from(month) * 30 + i64::from(day))
                + chrono::Duration::hours(hour.into())
                + chrono::Duration::minutes(minute.into())
                + chrono::Duration::seconds(second.into())
                + chrono::Duration::milliseconds(millisecond.into())
        }
    })
}

/// An ISO 8601 date-time with its offset: `2027-01-04T09:00:00+05:00`, `…Z`.
pub fn date_time(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            format!(
                "{:?} is not an ISO 8601 date-time with an offset (such as 2027-01-04T09:00:00+05:00)",
                text.trim()
            )
        })
}

/// A repeating interval: how many times (`None`: until its scope ends), from when (if given),
/// and how often.
#[derive(Debug, Clone, PartialEq)]
pub struct Cycle {
    pub repetitions: Option<u32>,
    pub start: Option<DateTime<Utc>>,
    pub period: iso8601::Duration,
}

pub fn cycle(text: &str) -> Result<Cycle, String> {
    let t = text.trim();
    let bad = |why: &str| {
        format!("{t:?} is not an ISO 8601 repeating interval (such as R5/PT10M or R/P1D): {why}")
    };
    let parts: Vec<&str> = t.split('/').collect();
    let Some(r) = parts[0].strip_prefix('R') else {
        return Err(if t.split_whitespace().count() >= 5 {
            format!("{t:?}: cron expressions are not supported as timer cycles; write an ISO 8601 repeating interval (such as R/P1D)")
        } else {
            bad("it must start with R")
        });
    };
    let repetitions = if r.is_empty() {
        None
    } else {
        Some(
            r.parse::<u32>()
                .map_err(|_| bad("the count after R is not a number"))?,
        )
    };
    let (start, period) = match parts.as_slice() {
        [_, period] => (None, *period),
        [_, start, period] => (Some(date_time(start).map_err(|e| bad(&e))?), *period),
        _ => return Err(bad("it has the form R[n]/[start/]duration")),
    };
    Ok(Cycle {
        repetitions,
        start,
        period: duration(period).map_err(|e| bad(&e))?,
    })
}

/// Why a timer value cannot be scheduled, if it cannot.
pub fn problem(field: TimerField, text: &str) -> Option<String> {
    match field {
        TimerField::Date => date_time(text).err(),
        TimerField::Duration => duration(text).err(),
        TimerField::Cycle => cycle(text).err(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_and_invalid_values() {
        for ok in ["P1D", "PT15M", "P1Y2M", "P2W", "PT1H30M", "P10D"] {
            assert!(problem(TimerField::Duration, ok).is_none(), "{ok}");
        }
        for bad in ["P1X", "1D", "P", "PT", "", "P1D garbage", "three days"] {
            assert!(problem(TimerField::Duration, bad).is_some(), "{bad}");
        }
        for ok in ["R5/PT10M", "R/P1D", "R3/2027-01-04T09:00:00+05:00/P1D"] {
            assert!(problem(TimerField::Cycle, ok).is_none(), "{ok}");
        }
        for bad in [
            "P1D",
            "R/P1X",
            "Rx/P1D",
            "R3/tomorrow/P1D",
            "0 0 9 * * MON",
            "R",
        ] {
            assert!(problem(TimerField::Cycle, bad).is_some(), "{bad}");
        }
        assert!(problem(TimerField::Cycle, "0 0 9 * * MON")
            .unwrap()
            .contains("cron"));
        assert_eq!(cycle("R/P1D").unwrap().repetitions, None);
        assert_eq!(cycle("R3/PT1H").unwrap().repetitions, Some(3));
        assert!(problem(TimerField::Date, "2027-01-04T09:00:00+05:00").is_none());
        assert!(problem(TimerField::Date, "2027-01-04").is_some());
        assert!(problem(TimerField::Date, "next monday").is_some());
    }
}

//! The legal deadline of an appeal (Law on Appeals of Individuals and Legal Entities, ZRU-445).
//!
//! - An inquiry or a complaint is considered within **15 days** of its receipt; one that needs
//!   extra study or checking, within **one month**. A proposal, within one month.
//! - In exceptional cases needing more study the head of the body may **extend** the period once,
//!   by at most one month, telling the applicant.
//! - A period is counted in calendar days from the day after receipt; a period whose last day is a
//!   non-working day ends on the next working day (the holiday calendar says which days work).
//! - An appeal sent on to the body competent to answer it is considered within the same periods,
//!   counted from that body's receipt.
//!
//! Where the calendar does not cover the last day's year, the day is not moved: the deadline can
//! then only be earlier than the law allows, never later, and the caller is told so.

use crate::Kind;
use chrono::{Days, Months, NaiveDate};
use yagona_calendar::{Calendar, CalendarError};

/// Days for an appeal that needs no extra checking.
pub const SHORT_DAYS: u64 = 15;

/// A deadline and whether the calendar could place it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    pub date: NaiveDate,
    /// The year whose calendar was missing, when the last day could not be checked.
    pub uncovered: Option<i32>,
}

/// The period the law gives an appeal of this kind.
pub fn term_end(received: NaiveDate, kind: Kind, needs_checking: bool) -> NaiveDate {
    if kind == Kind::Proposal || needs_checking {
        received
            .checked_add_months(Months::new(1))
            .expect("dates stay in range")
    } else {
        received
            .checked_add_days(Days::new(SHORT_DAYS))
            .expect("dates stay in range")
    }
}

/// Moves a last day that is not a working day to the next working day.
pub fn on_working_day(cal: &Calendar, day: NaiveDate) -> Deadline {
    let mut d = day;
    loop {
        match cal.is_working_day(d) {
            Ok(true) => {
                return Deadline {
                    date: d,
                    uncovered: None,
                }
            }
            Ok(false) => d = d.succ_opt().expect("dates stay in range"),
            Err(CalendarError::YearNotCovered(y)) => {
                return Deadline {
                    date: day,
                    uncovered: Some(y),
                }
            }
        }
    }
}

/// The deadline of an appeal received (by the body now holding it) on `received`.
pub fn legal_deadline(
    cal: &Calendar,
    received: NaiveDate,
    kind: Kind,
    needs_checking: bool,
) -> Deadline {
    on_working_day(cal, term_end(received, kind, needs_checking))
}

/// The deadline after the one extension the law allows: one month more.
pub fn extended(cal: &Calendar, deadline: NaiveDate) -> Deadline {
    on_working_day(
        cal,
        deadline
            .checked_add_months(Months::new(1))
            .expect("dates stay in range"),
    )
}

/// How close an appeal is to its deadline, as the queues show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Urgency {
    /// More than [`DUE_SOON_DAYS`] days left.
    OnTrack,
    /// The deadline is within [`DUE_SOON_DAYS`] days (today included).
    DueSoon,
    /// The deadline has passed.
    Overdue,
}

/// How many days before its deadline an open appeal is escalated.
pub const DUE_SOON_DAYS: i64 = 3;

pub fn urgency(deadline: NaiveDate, today: NaiveDate) -> Urgency {
    let left = (deadline - today).num_days();
    if left < 0 {
        Urgency::Overdue
    } else if left <= DUE_SOON_DAYS {
        Urgency::DueSoon
    } else {
        Urgency::OnTrack
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yagona_calendar::{Holiday, WeekType, YearCalendar};
    use yagona_core::I18nText;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn calendar() -> Calendar {
        let holiday = |date: &str| Holiday {
            date: d(date),
            name: I18nText::same("holiday"),
        };
        Calendar::new([YearCalendar {
            year: 2026,
            week: WeekType::FiveDay,
            provisional: false,
            holidays: vec![
                holiday("2026-03-08"), // a Sunday: the day off moves to Monday 9 March
                holiday("2026-03-21"), // Navroʻz, a Saturday: moves to Monday 23 March
                holiday("2026-05-09"),
                holiday("2026-09-01"),
                holiday("2026-10-01"),
                holiday("2026-12-08"),
            ],
            days_off: vec![],
            working_days: vec![],
        }])
    }

    #[test]
    fn fifteen_days_on_a_working_day_stay_as_they_are() {
        // Received Monday 2 November 2026; +15 = Tuesday 17 November, a working day.
        let dl = legal_deadline(&calendar(), d("2026-11-02"), Kind::Complaint, false);
        assert_eq!(dl.date, d("2026-11-17"));
        assert_eq!(dl.uncovered, None);
    }

    #[test]
    fn a_period_ending_on_a_weekend_ends_on_the_next_working_day() {
        // Received Friday 6 November; +15 = Saturday 21 November -> Monday 23 November.
        let dl = legal_deadline(&calendar(), d("2026-11-06"), Kind::Inquiry, false);
        assert_eq!(dl.date, d("2026-11-23"));
    }

    #[test]
    fn a_period_ending_on_a_holiday_and_its_transferred_day_off_skips_both() {
        // Received 6 March; +15 = Saturday 21 March (Navroʻz) -> Sunday -> Monday 23 March is
        // the transferred day off -> Tuesday 24 March.
        let dl = legal_deadline(&calendar(), d("2026-03-06"), Kind::Complaint, false);
        assert_eq!(dl.date, d("2026-03-24"));
        // Received 23 November; +15 = Tuesday 8 December, Constitution Day -> 9 December.
        let dl = legal_deadline(&calendar(), d("2026-11-23"), Kind::Complaint, false);
        assert_eq!(dl.date, d("2026-12-09"));
    }

    #[test]
    fn proposals_and_appeals_needing_checks_get_one_month() {
        let cal = calendar();
        // Received 1 April; one month = Friday 1 May.
        assert_eq!(
            legal_deadline(&cal, d("2026-04-01"), Kind::Proposal, false).date,
            d("2026-05-01")
        );
        // Received 9 April; one month = Saturday 9 May, a holiday whose day off moves to
        // Monday 11 May -> Tuesday 12 May.
        assert_eq!(
            legal_deadline(&cal, d("2026-04-09"), Kind::Complaint, true).date,
            d("2026-05-12")
        );
        // 31 January + one month = 28 February (a Saturday) -> Monday 2 March.
        assert_eq!(
            legal_deadline(&cal, d("2026-01-31"), Kind::Inquiry, true).date,
            d("2026-03-02")
        );
    }

    #[test]
    fn an_extension_adds_one_month_and_lands_on_a_working_day() {
        // 1 September (Independence Day) would be the new last day -> Wednesday 2 September.
        assert_eq!(extended(&calendar(), d("2026-08-01")).date, d("2026-09-02"));
    }

    #[test]
    fn a_year_the_calendar_lacks_is_reported_and_the_day_not_moved() {
        // Received 20 December 2026; +15 = Monday 4 January 2027: no 2027 in this calendar.
        let dl = legal_deadline(&calendar(), d("2026-12-20"), Kind::Complaint, false);
        assert_eq!(dl.date, d("2027-01-04"));
        assert_eq!(dl.uncovered, Some(2027));
    }

    #[test]
    fn urgency_escalates_three_days_ahead_and_after_the_deadline() {
        let dl = d("2026-11-20");
        assert_eq!(urgency(dl, d("2026-11-16")), Urgency::OnTrack);
        assert_eq!(urgency(dl, d("2026-11-17")), Urgency::DueSoon);
        assert_eq!(urgency(dl, d("2026-11-20")), Urgency::DueSoon);
        assert_eq!(urgency(dl, d("2026-11-21")), Urgency::Overdue);
    }
}

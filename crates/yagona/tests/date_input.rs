//! Dates are asked as GOV.UK's date input — day, month and year boxes labelled in the page's
//! language — never the browser's own date picker, whose format follows the browser.

mod common;

use common::{TestApp, CITIZEN_A};
use reqwest::StatusCode;

async fn a_date_is_three_boxes_in_the_pages_language_and_an_impossible_one_is_refused(
    app: TestApp,
) {
    let mut b = app.signed_in(CITIZEN_A).await;
    b.accept_language = "ru-RU,ru;q=0.9".into();
    let reference = common::start_birth_registration(&mut b).await;
    let steps = format!("/applications/{reference}/steps");
    let p = b
        .submit(
            &format!("{steps}/child"),
            &format!("{steps}/child"),
            &[
                ("child_surname", "Karimov"),
                ("child_given_name", "Temur"),
                ("child_sex", "male"),
                ("action", "continue"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let birth = format!("{steps}/birth");
    let page = b.get(&birth).await;
    assert!(
        !page.body.contains("type=\"date\""),
        "no browser date picker"
    );
    for label in ["День", "Месяц", "Год"] {
        assert!(page.contains(label), "{label}: {}", page.body);
    }
    assert!(page.body.contains("name=\"birth_date-day\""));
    // 31 February: refused with the field's message, the boxes keep what was typed.
    let refused = b
        .submit(
            &birth,
            &birth,
            &[
                ("birth_date-day", "31"),
                ("birth_date-month", "2"),
                ("birth_date-year", "2026"),
                ("birth_region", "tashkent-city"),
                ("birth_place", "Toshkent shahar 1-son tugʻruqxonasi"),
                ("action", "continue"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("href=\"#birth_date\""),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("value=\"31\""));
    // A real date, typed without leading zeros, is kept as the date.
    let day = common::days_ago(3);
    let parts: Vec<&str> = day.split('-').collect();
    let (d, m) = (
        parts[2].trim_start_matches('0'),
        parts[1].trim_start_matches('0'),
    );
    let saved = b
        .submit(
            &birth,
            &birth,
            &[
                ("birth_date-day", d),
                ("birth_date-month", m),
                ("birth_date-year", parts[0]),
                ("birth_region", "tashkent-city"),
                ("birth_place", "Toshkent shahar 1-son tugʻruqxonasi"),
                ("action", "continue"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let kept: String = sqlx::query_scalar("SELECT answers FROM applications WHERE reference = $1")
        .bind(&reference)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(
        kept.contains(&format!("\"birth_date\":\"{day}\"")),
        "{kept}"
    );
}

on_both_databases!(a_date_is_three_boxes_in_the_pages_language_and_an_impossible_one_is_refused);

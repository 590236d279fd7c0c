//! Inputs follow the page, not the browser: dates are asked as GOV.UK's date input — day, month
//! and year boxes labelled in the page's language — never the browser's own date picker, whose
//! format follows the browser; files through GOV.UK's file upload, whose words are the page's
//! and whose limits are said before a file is chosen.

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

async fn periods_are_date_inputs_and_file_fields_speak_the_pages_language(app: TestApp) {
    // Every period filter: the boxes, never `type="date"`; a day that is not one is refused
    // with the boxes as they were typed.
    let mut admin = app.signed_in("admin").await;
    admin.accept_language = "uz".into();
    for page in ["/appeals/figures", "/admin/exchange/traffic"] {
        let shown = admin.get(page).await;
        assert_eq!(shown.status, StatusCode::OK, "{page}");
        assert!(!shown.body.contains("type=\"date\""), "{page}");
        for label in ["Kun", "Oy", "Yil", "Boshlanish sanasi", "Tugash sanasi"] {
            assert!(shown.contains(label), "{page}: {label}");
        }
    }
    let wrong = admin
        .get("/admin/exchange/traffic?from-day=31&from-month=2&from-year=2026")
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("href=\"#from\""));
    assert!(wrong
        .body
        .contains("name=\"from-day\" type=\"text\" inputmode=\"numeric\" value=\"31\""));
    let wrong = admin
        .get("/appeals/figures?to-day=1&to-month=1&to-year=1999&from-year=2000&from-month=1&from-day=1")
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);

    // A file field in Russian: its kinds and size before choosing, and the words GOV.UK
    // Frontend's file upload shows instead of the browser's "Choose File / No file chosen".
    let mut b = app.signed_in(CITIZEN_A).await;
    b.accept_language = "ru".into();
    let reference = common::start_birth_registration(&mut b).await;
    let step = b
        .get(&format!("/applications/{reference}/steps/documents"))
        .await;
    assert_eq!(step.status, StatusCode::OK);
    assert!(
        step.contains("PDF, JPG, PNG, не более 5 МБ."),
        "{}",
        step.body
    );
    assert!(step.body.contains("data-module=\"govuk-file-upload\""));
    assert!(step
        .body
        .contains("data-i18n.choose-files-button=\"Выберите файл\""));
    assert!(step
        .body
        .contains("data-i18n.no-file-chosen=\"Файл не выбран\""));
    assert!(step.body.contains(
        "aria-describedby=\"medical_birth_certificate-hint medical_birth_certificate-limits\""
    ));
    // The script that starts it is served, and allowed by the pages' policy.
    assert!(step
        .body
        .contains("<script type=\"module\" src=\"/static/yagona.js\">"));
    let script = b.get("/static/yagona.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(
        script.content_type.contains("javascript"),
        "{}",
        script.content_type
    );
    assert!(script.body.contains("createAll(FileUpload)"));
}

on_both_databases!(
    a_date_is_three_boxes_in_the_pages_language_and_an_impossible_one_is_refused,
    periods_are_date_inputs_and_file_fields_speak_the_pages_language,
);

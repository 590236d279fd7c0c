//! Citizens rate the services they used: once their application is decided, never before and
//! never someone else's; the agency reads its ratings with the comments, and only its own.

mod common;

use common::{TestApp, CITIZEN_A, CITIZEN_B};
use reqwest::StatusCode;
use serde_json::json;

async fn a_decided_application_is_rated_and_the_agency_reads_it(app: TestApp) {
    let reference = common::submitted(
        &app,
        CITIZEN_A,
        "tax-debt-certificate",
        json!({"taxpayer_kind": "self", "purpose": "bank-loan", "language": "uz"}),
    )
    .await;
    let page = format!("/applications/{reference}");
    let rating = format!("{page}/rating");
    let mut citizen = app.signed_in(CITIZEN_A).await;
    citizen.accept_language = "en".into();

    // Not before the decision.
    assert!(!citizen.get(&page).await.contains("Rate this service"));
    let early = citizen
        .submit(&page, &rating, &[("rating", "5"), ("comment", "")])
        .await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        early.contains("once your application is decided"),
        "{}",
        early.body
    );

    common::decide(&app, &reference, "tax", "approve", None).await;
    app.run_engine().await;
    let shown = citizen.get(&page).await;
    assert!(shown.contains("Rate this service"), "{}", shown.body);
    assert!(shown.contains("Very satisfied"));

    // No answer chosen, or one off the scale: the page says what to fix; nothing is kept.
    for bad in ["", "7", "0"] {
        let refused = citizen
            .submit(&page, &rating, &[("rating", bad), ("comment", "Tez")])
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        assert!(refused.contains("There is a problem"), "{}", refused.body);
        assert!(refused.contains("Choose how satisfied you were"));
        assert!(refused.body.contains("href=\"#rating\""));
    }
    let long = "x".repeat(1001);
    let refused = citizen
        .submit(&page, &rating, &[("rating", "4"), ("comment", &long)])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("1,000 characters or fewer"));
    assert_eq!(app.count("SELECT COUNT(*) FROM service_ratings").await, 0);

    // Another citizen cannot rate it.
    let mut other = app.signed_in(CITIZEN_B).await;
    let token = other.get("/applications").await.csrf();
    let theirs = other
        .post(&rating, &[("rating", "1"), ("csrf_token", &token)])
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);

    let rated = citizen
        .submit(
            &page,
            &rating,
            &[
                ("rating", "4"),
                ("comment", "Quick, but the form asks twice for the purpose"),
            ],
        )
        .await;
    assert_eq!(rated.status, StatusCode::SEE_OTHER, "{}", rated.body);
    let after = citizen.get(&rated.location.unwrap()).await;
    assert!(after.contains("Thank you"), "{}", after.body);
    assert!(after.contains("You answered: Satisfied"));
    // A change of mind replaces the answer.
    citizen
        .submit(
            &page,
            &rating,
            &[("rating", "2"), ("comment", "Slow after all")],
        )
        .await;
    assert_eq!(app.count("SELECT COUNT(*) FROM service_ratings").await, 1);

    // The tax committee's officers read it, with the comment; another agency's do not.
    let mut tax = app.signed_in("officer-tax").await;
    tax.accept_language = "en".into();
    let theirs = tax.get("/staff/ratings").await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(theirs.contains(&reference), "{}", theirs.body);
    assert!(theirs.contains("Slow after all"));
    assert!(theirs.contains("2.0 out of 5"));
    let mut civil = app.signed_in(common::CIVIL_REGISTRY_OFFICER).await;
    let not_theirs = civil.get("/staff/ratings").await;
    assert_eq!(not_theirs.status, StatusCode::OK);
    assert!(!not_theirs.contains(&reference));
    // Citizens do not read the agency's page.
    assert_ne!(citizen.get("/staff/ratings").await.status, StatusCode::OK);

    // The figures count it, for anyone, without the comment: on the page and in the API.
    let mut anyone = app.client();
    anyone.accept_language = "en".into();
    let figures = anyone.get("/appeals/figures").await;
    assert_eq!(figures.status, StatusCode::OK);
    let text = figures.text();
    let table = &text[text
        .find("How applicants rated the services")
        .expect("the table")..];
    let row = table
        .split("<tr")
        .find(|r| r.contains("Certificate of no tax debt"))
        .unwrap_or_else(|| panic!("the service's row: {table}"));
    assert!(row.contains(">1<") && row.contains("2.00"), "{row}");
    assert!(row.contains("Tax Committee under the Ministry"), "{row}");
    assert!(!figures.contains("Slow after all"));
    let total = table
        .split("<tr")
        .find(|r| r.contains("All services"))
        .expect("the total of every service");
    assert!(total.contains(">1<") && total.contains("2.00"), "{total}");
    let json = anyone.get("/api/v1/appeals/figures").await.json();
    assert_eq!(
        json["service_ratings"],
        json!([{"service": "tax-debt-certificate", "agency": "tax", "ratings": 1, "average_rating": 2.0}])
    );
    // A period before the rating counts none; the boxes of GOV.UK's date input ask for it.
    let before = anyone
        .get("/appeals/figures?from-day=1&from-month=1&from-year=2020&to-day=31&to-month=1&to-year=2020")
        .await;
    assert_eq!(before.status, StatusCode::OK);
    assert!(before.contains("Nobody rated a service in this period."));
    assert!(before
        .body
        .contains("name=\"from-year\" type=\"text\" inputmode=\"numeric\" value=\"2020\""));
}

on_both_databases!(a_decided_application_is_rated_and_the_agency_reads_it);

//! Staff roles by an administrator's decision: given by PINFL, in force at once and at every
//! sign-in, taken away with the person's sessions, every change audited; nobody is staff by
//! default and only administrators decide. On both databases.

mod common;
use common::*;
use reqwest::StatusCode;

on_both_databases!(
    an_administrator_makes_a_citizen_an_officer_and_takes_it_back,
    only_administrators_decide_and_wrong_answers_change_nothing
);

async fn an_administrator_makes_a_citizen_an_officer_and_takes_it_back(app: TestApp) {
    // Jasur is a citizen: his own applications, no inbox.
    let mut jasur = app.signed_in(CITIZEN_B).await;
    assert_eq!(jasur.get("/applications").await.status, StatusCode::OK);
    assert_ne!(
        jasur.get("/staff/applications").await.status,
        StatusCode::OK
    );

    let mut admin = app.signed_in("admin").await;
    let page = admin.get("/admin/roles?lang=en").await;
    assert!(page.contains("No roles have been given here."));
    let done = admin
        .post(
            "/admin/roles",
            &[
                ("csrf_token", &page.csrf()),
                ("action", "grant"),
                ("pinfl", CITIZEN_B),
                ("role", "officer"),
                ("agency", "civil-registry"),
            ],
        )
        .await;
    assert_eq!(
        done.location.as_deref(),
        Some("/admin/roles"),
        "{}",
        done.body
    );
    // At once: his next page is an officer's.
    assert_eq!(
        jasur.get("/staff/applications").await.status,
        StatusCode::OK
    );
    // And at every sign-in, whatever the provider says of him.
    let mut again = app.client();
    let signed = again.sign_in_going(CITIZEN_B, "").await;
    assert_eq!(signed.location.as_deref(), Some("/staff/applications"));

    let page = admin.get("/admin/roles?lang=en").await;
    assert!(page.contains(CITIZEN_B) && page.contains("Officer"));
    assert!(page.contains("Given: Officer"), "the change is audited");
    let today = yagona_core::tashkent_date(&yagona_core::now());
    let written = yagona_i18n::I18n::new().date(yagona_core::Locale::En, today);
    assert!(
        page.contains(&written),
        "when, as English writes days: {written}"
    );
    assert!(
        !page.body.contains(&format!("{today}T")),
        "no stored timestamps"
    );
    assert!(
        page.contains("Egov Markazi administratori"),
        "with who made it"
    );
    let taken = admin
        .post(
            "/admin/roles",
            &[
                ("csrf_token", &page.csrf()),
                ("action", "withdraw"),
                ("pinfl", CITIZEN_B),
            ],
        )
        .await;
    assert_eq!(taken.location.as_deref(), Some("/admin/roles"));
    // His sessions ended; signed in again he is a citizen.
    assert_ne!(
        jasur.get("/staff/applications").await.status,
        StatusCode::OK
    );
    assert_ne!(
        again.get("/staff/applications").await.status,
        StatusCode::OK
    );
    let mut later = app.client();
    let signed = later.sign_in_going(CITIZEN_B, "").await;
    assert_eq!(signed.location.as_deref(), Some("/applications"));
    let page = admin.get("/admin/roles?lang=en").await;
    assert!(page.contains("Taken away: Officer"));
    assert_eq!(app.count("SELECT COUNT(*) FROM role_audit").await, 2);
}

async fn only_administrators_decide_and_wrong_answers_change_nothing(app: TestApp) {
    let mut citizen = app.signed_in(CITIZEN_A).await;
    assert_ne!(citizen.get("/admin/roles").await.status, StatusCode::OK);
    let home = citizen.get("/").await;
    let refused = citizen
        .post(
            "/admin/roles",
            &[
                ("csrf_token", &home.csrf()),
                ("action", "grant"),
                ("pinfl", CITIZEN_A),
                ("role", "admin"),
            ],
        )
        .await;
    assert_ne!(refused.location.as_deref(), Some("/admin/roles"));
    assert_eq!(app.count("SELECT COUNT(*) FROM role_grants").await, 0);

    let mut admin = app.signed_in("admin").await;
    let page = admin.get("/admin/roles?lang=uz").await;
    let wrong = admin
        .post(
            "/admin/roles",
            &[
                ("csrf_token", &page.csrf()),
                ("action", "grant"),
                ("pinfl", "123"),
                ("role", "officer"),
                ("agency", ""),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong.contains("JShShIRini kiriting"),
        "in the admin's language"
    );
    assert!(wrong.contains("Xodimning idorasini tanlang"));
    assert_eq!(app.count("SELECT COUNT(*) FROM role_grants").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM role_audit").await, 0);
}

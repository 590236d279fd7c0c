//! The same subject applied for twice: a birth registered twice is stopped — the applicant's
//! own application named, another person's never — whichever way it comes in, and even when
//! both arrive at once; a kindergarten place asked twice for one child goes on, flagged for
//! the agency's officer. And a form's rule that is wrong is refused when the registry is read,
//! with its file, line and reason.

mod common;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::path::Path;
use yagona_applications::{Actor, ApplicationError, Status};
use yagona_core::{Pinfl, ReferenceNumber};

on_both_databases!(
    a_birth_registered_twice_is_stopped_and_only_the_own_reference_named,
    two_registrations_of_one_birth_at_once_let_one_through,
    a_rejected_registration_does_not_stop_the_next,
    a_second_kindergarten_application_for_a_child_is_flagged_for_the_officer,
);

const GOVSTACK: &str = "/govstack/registration";
const MEDIATOR: &str = "UZ/GOV/201122919/soliq-portal";

fn applicant(pinfl: &str) -> Actor {
    Actor::Applicant {
        pinfl: Pinfl::parse(pinfl).unwrap(),
        name: "Applicant".into(),
    }
}

/// The birth `fill_birth_registration_of(…, "Temur")` enters, as a father would type it in Cyrillic.
fn the_same_birth_in_cyrillic() -> Value {
    json!({
        "child_surname": "КАРИМОВ", "child_given_name": "Темур", "child_sex": "male",
        "birth_date": days_ago(10), "birth_region": "tashkent-city",
        "birth_place": "Тошкент шаҳар 1-сон туғруқхонаси",
        "mother_pinfl": CITIZEN_A, "father_pinfl": CITIZEN_B, "declaration": true,
    })
}

async fn submitted_applications(app: &TestApp, service: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM applications WHERE service_code = '{service}' AND status <> 'draft'"
    ))
    .await
}

async fn a_birth_registered_twice_is_stopped_and_only_the_own_reference_named(app: TestApp) {
    // The mother registers the birth on the portal.
    let mut mother = app.signed_in(CITIZEN_A).await;
    let first = start_birth_registration(&mut mother).await;
    fill_birth_registration_of(&mut mother, &first, "Temur").await;
    let check = format!("/applications/{first}/check");
    let p = mother
        .submit(&check, &format!("/applications/{first}/submit"), &[])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);

    // She applies again for the same child: stopped, and told which application she has.
    let second = start_birth_registration(&mut mother).await;
    assert_ne!(second, first);
    fill_birth_registration_of(&mut mother, &second, "Temur").await;
    let check = format!("/applications/{second}/check");
    let p = mother
        .submit(&check, &format!("/applications/{second}/submit"), &[])
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT, "{}", p.body);
    assert!(
        p.contains(&format!("You have already applied for this: {first}")),
        "{}",
        p.text()
    );
    assert!(p.contains("govuk-error-summary"), "{}", p.body);
    assert_eq!(submitted_applications(&app, "birth-registration").await, 1);

    // The father, through GovStack, in Cyrillic and capitals: the same child, stopped, and the
    // mother's reference is not his to learn.
    let mut father = app.signed_in(CITIZEN_B).await;
    father.mediator = Some(MEDIATOR.into());
    let staged = father
        .stage_govstack_file(pdf("medical birth certificate"))
        .await;
    let mut data = the_same_birth_in_cyrillic();
    data["medical_birth_certificate"] = json!(staged);
    let before = app.count("SELECT COUNT(*) FROM applications").await;
    let p = father
        .call(
            Method::POST,
            &format!("{GOVSTACK}/services/birth-registration/applications"),
            Some(json!({"applicantId": CITIZEN_B, "formData": {"data": data}})),
        )
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT, "{}", p.body);
    assert_eq!(
        p.json()["type"],
        "https://yagona.uz/problems/duplicate-application"
    );
    assert!(!p.body.contains(&first), "{}", p.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM applications").await,
        before,
        "nothing filed"
    );

    // The component both channels call says the same.
    let draft = drafted(
        &app,
        CITIZEN_B,
        "birth-registration",
        the_same_birth_in_cyrillic(),
    )
    .await;
    let refused = app
        .node
        .applications
        .submit(&applicant(CITIZEN_B), &draft)
        .await;
    assert!(
        matches!(
            refused,
            Err(ApplicationError::Duplicate { reference: None })
        ),
        "{refused:?}"
    );
    let refused = app
        .node
        .applications
        .submit(
            &applicant(CITIZEN_A),
            &ReferenceNumber::parse(&second).unwrap(),
        )
        .await;
    let Err(ApplicationError::Duplicate {
        reference: Some(named),
    }) = refused
    else {
        panic!("the mother's own application is named: {refused:?}");
    };
    assert_eq!(named.as_str(), first);

    // Another child of the same mother (a twin has a name of its own) goes through.
    let mut twin = the_same_birth_in_cyrillic();
    twin["child_given_name"] = json!("Tohir");
    let twin = drafted(&app, CITIZEN_B, "birth-registration", twin).await;
    let done = app
        .node
        .applications
        .submit(&applicant(CITIZEN_B), &twin)
        .await
        .unwrap();
    assert_eq!(done.status, Status::Submitted);
    assert_eq!(submitted_applications(&app, "birth-registration").await, 2);
}

async fn two_registrations_of_one_birth_at_once_let_one_through(app: TestApp) {
    let answers = the_same_birth_in_cyrillic();
    let by_mother = drafted(&app, CITIZEN_A, "birth-registration", answers.clone()).await;
    let by_father = drafted(&app, CITIZEN_B, "birth-registration", answers).await;
    let (mother, father) = (applicant(CITIZEN_A), applicant(CITIZEN_B));
    let applications = &app.node.applications;
    let (a, b) = tokio::join!(
        applications.submit(&mother, &by_mother),
        applications.submit(&father, &by_father)
    );
    let through = [&a, &b].iter().filter(|r| r.is_ok()).count();
    assert_eq!(through, 1, "one of them: {a:?} {b:?}");
    let stopped = if a.is_err() { a } else { b };
    assert!(
        matches!(stopped, Err(ApplicationError::Duplicate { .. })),
        "{stopped:?}"
    );
    assert_eq!(submitted_applications(&app, "birth-registration").await, 1);
    // Whichever checked first, the database holds the line: a second holder of the same
    // identity cannot be written, however the check before it went.
    let held: (String, String) = sqlx::query_as(
        "SELECT identity_hash, identity_key FROM applications WHERE identity_key IS NOT NULL",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(held.0, held.1);
    let second_holder = sqlx::query(
        "UPDATE applications SET identity_key = $1 WHERE identity_key IS NULL AND service_code = 'birth-registration'",
    )
    .bind(&held.1)
    .execute(&app.db.writer)
    .await;
    assert!(
        second_holder
            .as_ref()
            .is_err_and(yagona_db::is_unique_violation),
        "{second_holder:?}"
    );
}

async fn a_rejected_registration_does_not_stop_the_next(app: TestApp) {
    let first = submitted(
        &app,
        CITIZEN_A,
        "birth-registration",
        the_same_birth_in_cyrillic(),
    )
    .await;
    let first = ReferenceNumber::parse(&first).unwrap();
    let officer = Actor::Officer {
        user_id: CIVIL_REGISTRY_OFFICER.into(),
        name: "Registrar".into(),
        agency: "civil-registry".into(),
    };
    let applications = &app.node.applications;
    let held = applications
        .store()
        .get(
            &first,
            yagona_applications::Viewer::Agency("civil-registry"),
        )
        .await
        .unwrap()
        .unwrap();
    let task = applications
        .tasks_for(&held, "civil-registry")
        .await
        .unwrap()[0]
        .key();
    let rejected = applications
        .decide(
            &officer,
            &first,
            &task,
            yagona_applications::Decision {
                decision: Some("reject".into()),
                comment: Some("Tugʻruqxona maʼlumotnomasi boshqa bolaga tegishli".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // The process ends (telling the applicant is the built-in workers' job).
    app.run_engine().await;
    let ended = applications
        .store()
        .get(
            &rejected.reference,
            yagona_applications::Viewer::Agency("civil-registry"),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ended.status, Status::Rejected);
    let again = drafted(
        &app,
        CITIZEN_B,
        "birth-registration",
        the_same_birth_in_cyrillic(),
    )
    .await;
    let done = applications.submit(&applicant(CITIZEN_B), &again).await;
    assert!(
        done.is_ok(),
        "a rejected application holds nothing: {done:?}"
    );
}

async fn a_second_kindergarten_application_for_a_child_is_flagged_for_the_officer(app: TestApp) {
    let start =
        (yagona_core::tashkent_date(&yagona_core::now()) + chrono::Days::new(60)).to_string();
    // A child of four (born 1 March, four years ago).
    let born = yagona_core::tashkent_date(&yagona_core::now()) - chrono::Months::new(48);
    let child = format!("5{}0110045", born.format("01%m%y"));
    let answers = json!({"child_pinfl": child, "desired_start_date": start, "region": "tashkent-city",
        "district": "Yunusobod tumani", "group_language": "uz", "priority_category": "none"});
    let first = submitted(&app, CITIZEN_A, "kindergarten-enrolment", answers.clone()).await;
    let second = submitted(&app, CITIZEN_B, "kindergarten-enrolment", answers).await;
    assert_eq!(
        submitted_applications(&app, "kindergarten-enrolment").await,
        2,
        "flagged, not stopped"
    );
    let mut officer = app.signed_in("officer-preschool-school-education").await;
    let page = officer.get(&format!("/staff/applications/{second}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("id=\"same-subject\""), "{}", page.body);
    assert!(
        page.contains(&format!("href=\"/staff/applications/{first}\"")),
        "{}",
        page.body
    );
    assert!(page.contains("Possible duplicate"), "{}", page.text());
    // The first shows the second too; a different child shows nothing.
    let page = officer.get(&format!("/staff/applications/{first}")).await;
    assert!(page.contains(&format!("href=\"/staff/applications/{second}\"")));
    let other = json!({"child_pinfl": format!("5{}0110046", born.format("02%m%y")),
        "desired_start_date": (yagona_core::tashkent_date(&yagona_core::now()) + chrono::Days::new(60)).to_string(),
        "region": "tashkent-city", "district": "Yunusobod tumani", "group_language": "uz", "priority_category": "none"});
    let third = submitted(&app, CITIZEN_A, "kindergarten-enrolment", other).await;
    let page = officer.get(&format!("/staff/applications/{third}")).await;
    assert!(!page.contains("id=\"same-subject\""), "{}", page.body);
    // Another agency's officer sees neither the page nor the link.
    let mut interior = app.signed_in(INTERIOR_OFFICER).await;
    let page = interior.get(&format!("/staff/applications/{second}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn a_malformed_rule_is_refused_with_its_file_line_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&registry_dir(), dir.path());
    let form = dir.path().join("services/birth-registration/form.toml");
    let source = std::fs::read_to_string(&form).unwrap();
    let broken = source
        .replacen(
            "when = \"birth_date <= today\"",
            "when = \"birth_date <= (today\"",
            1,
        )
        .replacen(
            "when = \"father_pinfl = null or father_pinfl != mother_pinfl\"",
            "when = \"father_pinfl = null or father_pinfl != mothers_pinfl\"",
            1,
        );
    assert_ne!(broken, source);
    std::fs::write(&form, &broken).unwrap();
    let line_of = |needle: &str| {
        let at = broken.find(needle).unwrap();
        // The `[[rule]]` line just above the rule's `when`.
        broken[..at].lines().count() - 1
    };
    let problems = yagona_registry::files::read_dir(dir.path()).unwrap_err();
    let shown: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    let bad_feel = format!(
        "services/birth-registration/form.toml:line {} (rule[0].when)",
        line_of("when = \"birth_date <= (today\"")
    );
    assert!(
        shown
            .iter()
            .any(|p| p.starts_with(&bad_feel) && p.contains("does not parse")),
        "{bad_feel} in {shown:#?}"
    );
    let unknown = format!(
        "services/birth-registration/form.toml:line {} (rule[4].when)",
        line_of("when = \"father_pinfl = null or father_pinfl != mothers_pinfl\"")
    );
    assert!(
        shown
            .iter()
            .any(|p| p.starts_with(&unknown) && p.contains("no answer \"mothers_pinfl\"")),
        "{unknown} in {shown:#?}"
    );
    assert_eq!(shown.len(), 2, "{shown:#?}");
}

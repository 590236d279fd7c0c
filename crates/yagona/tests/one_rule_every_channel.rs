//! Every rule lives once, in its domain, and every channel gets the same answer from it: an
//! officer's decision is checked against the task's own form on the staff pages and through
//! GovStack alike; filing refused late leaves nothing behind, through the portal or GovStack;
//! who may route an appeal is the contact point's rule, on the desk and below it; a form's own
//! rules (a birth not in the future, registered within a month) give the same message on the
//! page and through GovStack, in the person's language.

mod common;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use yagona_applications::{Actor, ApplicationError, Decision, StepInput};
use yagona_core::{Pinfl, ReferenceNumber};

on_both_databases!(
    a_decision_that_breaks_the_task_form_is_refused_on_the_page_and_through_govstack,
    a_filing_refused_late_leaves_nothing_behind,
    a_rule_of_the_form_says_the_same_on_the_page_and_through_govstack,
    only_the_contact_centre_routes_an_appeal_whatever_the_way_in,
    many_people_filing_at_once_each_get_one_application_and_one_process,
);

const GOVSTACK: &str = "/govstack/registration";
const MEDIATOR: &str = "UZ/GOV/201122919/soliq-portal";

/// A house commissioning submitted through the applications component; its first task is the
/// Ministry of Construction's inspection, which has a form of its own.
async fn house_commissioning(app: &TestApp) -> ReferenceNumber {
    let answers = json!({"permit_number": "TSH-2026-04417", "permit_date": "2026-03-12",
        "cadastral_number": "10:05:04:01:03:0112", "completion_date": "2026-11-01",
        "floor_area": 180, "connected_to_utilities": true});
    let reference = submitted(app, CITIZEN_A, "house-commissioning", answers).await;
    ReferenceNumber::parse(&reference).unwrap()
}

async fn decisions(app: &TestApp) -> i64 {
    app.count(
        "SELECT COUNT(*) FROM application_events WHERE action IN ('approve', 'reject', 'return')",
    )
    .await
}

async fn a_decision_that_breaks_the_task_form_is_refused_on_the_page_and_through_govstack(
    app: TestApp,
) {
    let reference = house_commissioning(&app).await;
    // The page: approving without the inspection's findings names each missing answer.
    let page = format!("/staff/applications/{reference}");
    let mut inspector = app.signed_in("officer-construction").await;
    let p = inspector
        .submit(
            &page,
            &format!("{page}/decision"),
            &[("decision", "approve"), ("floors_built", "2")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(
        p.contains("Check what you recorded for this task"),
        "{}",
        p.text()
    );
    // GovStack: the same decision, the same refusal, the same fields named.
    inspector.mediator = Some(MEDIATOR.into());
    let tasks = inspector
        .call(Method::GET, &format!("{GOVSTACK}/tasks"), None)
        .await
        .json();
    let task = tasks
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["fileId"] == reference.as_str())
        .expect("the inspection is in the ministry's tasks")["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    let p = inspector
        .call(
            Method::POST,
            &format!("{GOVSTACK}/tasks/{task}/complete"),
            Some(json!({"data": {"decision": "approve", "floors_built": 2}})),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    let fields: Vec<String> = p.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        !fields.is_empty(),
        "the missing findings are named: {}",
        p.body
    );
    // And the component itself, which both channels call.
    let officer = Actor::Officer {
        user_id: "officer-construction".into(),
        name: "Inspector".into(),
        agency: "construction".into(),
    };
    let key = task.split_once('.').unwrap().1;
    let refused = app
        .node
        .applications
        .decide(
            &officer,
            &reference,
            key,
            Decision {
                decision: Some("approve".into()),
                ..Decision::default()
            },
        )
        .await;
    let Err(ApplicationError::Invalid(direct)) = refused else {
        panic!("the component refuses it too: {refused:?}");
    };
    let mut direct: Vec<String> = direct.into_iter().map(|e| e.field).collect();
    direct.sort();
    let mut through_govstack = fields.clone();
    through_govstack.push("floors_built".into());
    through_govstack.sort();
    through_govstack.dedup();
    assert!(
        direct
            .iter()
            .all(|f| through_govstack.contains(f) || f == "floors_built"),
        "one rule, one answer: {direct:?} and {fields:?}"
    );
    // A reason is required to send back, on either channel.
    let p = inspector
        .call(
            Method::POST,
            &format!("{GOVSTACK}/tasks/{task}/complete"),
            Some(json!({"data": {"decision": "return"}})),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(p.body.contains("comment"), "{}", p.body);
    let p = inspector
        .submit(
            &page,
            &format!("{page}/decision"),
            &[("decision", "return"), ("comment", " ")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(p.contains("Enter the reason"), "{}", p.text());
    assert_eq!(decisions(&app).await, 0, "nothing was decided");
}

async fn a_filing_refused_late_leaves_nothing_behind(app: TestApp) {
    let mut citizen = app.signed_in(CITIZEN_A).await;
    citizen.mediator = Some(MEDIATOR.into());
    // A document that is not a PDF, JPG or PNG, uploaded before the application.
    let url = citizen
        .stage_govstack_file(b"MZ\x90\x00 not a document".to_vec())
        .await;
    let before = app.count("SELECT COUNT(*) FROM applications").await;
    let docs_before = app.count("SELECT COUNT(*) FROM documents").await;
    let mut data = json!({
        "child_surname": "Karimov", "child_given_name": "Temur", "child_sex": "male",
        "birth_date": days_ago(10), "birth_region": "tashkent-city",
        "birth_place": "Toshkent shahar 4-son tugʻruq kompleksi",
        "mother_pinfl": CITIZEN_A, "father_pinfl": CITIZEN_B, "declaration": true,
    });
    data["medical_birth_certificate"] = Value::String(url);
    let p = citizen
        .call(
            Method::POST,
            &format!("{GOVSTACK}/services/birth-registration/applications"),
            Some(json!({"applicantId": CITIZEN_A, "formData": {"data": data}})),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM applications").await,
        before,
        "no stray draft"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM documents").await,
        docs_before
    );
    // The portal: a step with a good answer and a bad file stores neither.
    let reference = start_birth_registration(&mut citizen).await;
    let answers_before = app.answers(&reference).await;
    let step = format!("/applications/{reference}/steps/documents");
    let token = citizen.get(&step).await.csrf();
    let p = citizen
        .post_multipart(
            &step,
            vec![
                Part::Text("csrf_token", &token),
                Part::Text("action", "continue"),
                Part::Text("declaration", "true"),
                Part::File(
                    "medical_birth_certificate",
                    "scan.pdf",
                    b"MZ\x90\x00".to_vec(),
                ),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert_eq!(app.answers(&reference).await, answers_before);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM documents").await,
        docs_before
    );
}

const FUTURE_RU: &str = "Дата рождения должна быть сегодняшней или прошедшей";
const LATE_EN: &str = "You can apply online within one month of the birth. If it was more than a month ago, go to a civil registry office or a public service centre with the medical certificate of birth";
const PLACE_EN: &str =
    "Enter the place of birth in full: the town or district, and the maternity hospital";

async fn a_rule_of_the_form_says_the_same_on_the_page_and_through_govstack(app: TestApp) {
    let tomorrow =
        (yagona_core::tashkent_date(&yagona_core::now()) + chrono::Days::new(1)).to_string();
    let mut citizen = app.signed_in(CITIZEN_A).await;
    let reference = start_birth_registration(&mut citizen).await;
    let before = app.answers(&reference).await;
    let step = format!("/applications/{reference}/steps/birth");
    // The page, in Russian: a birth tomorrow is refused with the form's own message, linked to
    // the field, and nothing of the step is kept.
    let p = citizen
        .submit(
            &format!("{step}?lang=ru"),
            &step,
            &[
                ("birth_date", &tomorrow),
                ("birth_region", "tashkent-city"),
                ("birth_place", "Toshkent shahar 1-son tugʻruqxonasi"),
                ("action", "continue"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(p.contains(FUTURE_RU), "{}", p.text());
    assert!(p.contains("href=\"#birth_date\""), "{}", p.body);
    assert_eq!(app.answers(&reference).await, before, "nothing stored");
    // In English: more than a month after the birth, and "x" for a place.
    let p = citizen
        .submit(
            &format!("{step}?lang=en"),
            &step,
            &[
                ("birth_date", &days_ago(40)),
                ("birth_region", "tashkent-city"),
                ("birth_place", "x"),
                ("action", "continue"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(p.contains(LATE_EN), "{}", p.text());
    assert!(p.contains(PLACE_EN), "{}", p.text());
    assert!(p.contains("href=\"#birth_place\""), "{}", p.body);
    assert_eq!(app.answers(&reference).await, before, "nothing stored");

    // GovStack, in Russian: the same rule, the same message, nothing filed.
    citizen.mediator = Some(MEDIATOR.into());
    let url = citizen
        .stage_govstack_file(pdf("medical birth certificate"))
        .await;
    let applications = app.count("SELECT COUNT(*) FROM applications").await;
    let data = json!({
        "child_surname": "Karimov", "child_given_name": "Temur", "child_sex": "male",
        "birth_date": tomorrow, "birth_region": "tashkent-city",
        "birth_place": "Toshkent shahar 4-son tugʻruq kompleksi",
        "mother_pinfl": CITIZEN_A, "medical_birth_certificate": url, "declaration": true,
    });
    let p = citizen
        .call(
            Method::POST,
            &format!("{GOVSTACK}/services/birth-registration/applications?lang=ru"),
            Some(json!({"applicantId": CITIZEN_A, "formData": {"data": data.clone()}})),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    let errors = p.json()["errors"].clone();
    let error = errors
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "birth_date")
        .unwrap_or_else(|| panic!("the birth date is named: {errors}"));
    assert_eq!(error["rule"], "rule");
    assert_eq!(error["message"], FUTURE_RU);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM applications").await,
        applications,
        "nothing filed"
    );
    // And the component both call.
    let applicant = yagona_applications::Actor::Applicant {
        pinfl: Pinfl::parse(CITIZEN_A).unwrap(),
        name: "Dilnoza Karimova".into(),
    };
    let Value::Object(answers) = data else {
        unreachable!()
    };
    let refused = app
        .node
        .applications
        .file(
            &applicant,
            "birth-registration",
            yagona_applications::Filing {
                answers,
                form_version: None,
            },
        )
        .await;
    let Err(ApplicationError::Invalid(errors)) = refused else {
        panic!("the component refuses it: {refused:?}");
    };
    let rule = errors.iter().find(|e| e.field == "birth_date").unwrap();
    assert_eq!(
        rule.message.as_ref().map(|m| m.ru.as_str()),
        Some(FUTURE_RU)
    );
}

async fn only_the_contact_centre_routes_an_appeal_whatever_the_way_in(app: TestApp) {
    use yagona_contact::{AppealError, AppealStore, Channel, Kind, NewAppeal, Viewer};
    let cat = app.node.catalogue.get().await;
    let store = AppealStore { db: &app.db };
    let mut new = NewAppeal::new(
        Kind::Inquiry,
        Channel::Phone,
        "Propiska",
        "Doimiy roʻyxatga olish uchun qanday hujjatlar kerak?",
        "Aziz Rahimov",
        yagona_core::Locale::Uz,
        yagona_contact::Actor::System,
    );
    new.service = Some("residence-registration".into());
    new.phone = Some("+998 93 555 12 34".into());
    let appeal = store.create(&cat, new).await.unwrap().appeal;
    let officer = yagona_contact::Actor::Officer {
        user_id: "officer-interior".into(),
        name: "Officer".into(),
        agency: "interior".into(),
    };
    // Below the desk: an officer may not route it elsewhere, nor merge it.
    assert!(matches!(
        store.assign(&appeal.id, &officer, "tax", &cat).await,
        Err(AppealError::NotAllowed)
    ));
    assert!(matches!(
        store.merge(&appeal.id, &officer, "MR-3333-3333").await,
        Err(AppealError::NotAllowed)
    ));
    // On the desk: the same refusal, and the appeal unchanged.
    let mut interior = app.signed_in(INTERIOR_OFFICER).await;
    let page = format!("/staff/appeals/{}", appeal.id);
    let shown = interior.get(&page).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    let revision = appeal.revision.to_string();
    let p = interior
        .post(
            &format!("{page}/assign"),
            &[
                ("csrf_token", &shown.csrf()),
                ("revision", &revision),
                ("agency", "tax"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND, "{}", p.body);
    let after = store
        .get(&appeal.id, Viewer::Centre)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.agency.as_deref(), Some("interior"));
    assert_eq!(after.revision, appeal.revision);
    // An operator may.
    let operator = yagona_contact::Actor::Operator {
        user_id: "operator".into(),
        name: "Shahnoza Qosimova".into(),
    };
    let moved = store
        .assign(&appeal.id, &operator, "tax", &cat)
        .await
        .unwrap();
    assert_eq!(moved.agency.as_deref(), Some("tax"));
}

/// More people filing at the same moment than the database has connections for writers: none
/// waits for ever, none is lost, none is filed twice, and every application has its process.
async fn many_people_filing_at_once_each_get_one_application_and_one_process(app: TestApp) {
    const PEOPLE: usize = 48;
    let before = app.count("SELECT COUNT(*) FROM applications").await;
    let mut filing = Vec::new();
    for i in 0..PEOPLE {
        let applications = app.node.applications.clone();
        filing.push(tokio::spawn(async move {
            let applicant = Actor::Applicant {
                pinfl: Pinfl::parse(&format!("{:014}", 31_000_000_000_000u64 + i as u64)).unwrap(),
                name: format!("Arizachi {i}"),
            };
            let draft = applications
                .start(&applicant, "tax-debt-certificate")
                .await?;
            for (step, answers) in [
                ("taxpayer", json!({"taxpayer_kind": "self"})),
                ("purpose", json!({"purpose": "bank-loan", "language": "uz"})),
            ] {
                let Value::Object(answers) = answers else {
                    unreachable!()
                };
                applications
                    .save_step(
                        &applicant,
                        &draft.reference,
                        step,
                        StepInput {
                            answers,
                            ..StepInput::default()
                        },
                    )
                    .await?;
            }
            applications.submit(&applicant, &draft.reference).await
        }));
    }
    let mut references = std::collections::BTreeSet::new();
    for f in filing {
        let filed = tokio::time::timeout(std::time::Duration::from_secs(120), f)
            .await
            .expect("filing finishes")
            .expect("the task ran")
            .expect("filed");
        assert_eq!(filed.status.code(), "submitted");
        assert!(filed.process_instance.is_some(), "{filed:?}");
        references.insert(filed.reference.to_string());
    }
    assert_eq!(references.len(), PEOPLE, "each person has their own");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM applications").await,
        before + PEOPLE as i64
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM application_events WHERE action = 'submit'")
            .await,
        PEOPLE as i64,
        "each submitted once"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM process_instances WHERE business_key IN (SELECT id FROM applications)"
        )
        .await,
        PEOPLE as i64,
        "each with one process"
    );
}

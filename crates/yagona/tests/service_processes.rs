//! Every service runs on its BPMN process: two-level reviews, several agencies in parallel,
//! one officer at a time on a task, deadlines that escalate on the holiday calendar, and the
//! diagram of where an application is. Black-box over HTTP where a person acts, on both
//! databases.

mod common;
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yagona_applications::{Actor, ApplicationError, Decision, Viewer};
use yagona_core::ReferenceNumber;

on_both_databases!(
    a_refused_data_request_is_retried_and_never_skipped,
    a_two_level_review_needs_the_head_of_departments_approval,
    several_agencies_review_a_construction_permit_in_parallel,
    one_officer_at_a_time_works_a_task,
    an_overdue_review_escalates_without_taking_the_task_away,
    the_staff_page_draws_the_process_with_the_applications_position,
    a_dmn_decision_assesses_the_family_before_the_specialist,
    an_inspector_records_the_site_inspection_on_its_own_form,
    applications_from_before_processes_get_one_and_reach_the_inbox,
);

fn birth_allowance() -> Value {
    json!({"child_pinfl": "52203260110045", "child_birth_date": "2026-10-02", "born_abroad": false,
           "card_number": "8600123412341234", "declaration": true})
}

fn construction_permit() -> Value {
    json!({"cadastral_number": "10:05:04:01:03:0112", "district": "mirzo-ulugbek",
           "plot_address": "Toshkent shahri, Mirzo Ulugʻbek tumani, Qorasuv-3 mavzesi, 17-uy",
           "works_type": "new", "floors": 2, "floor_area": 180})
}

/// The officer decides on the first open task of their agency through the page's form.
async fn decide(officer: &mut Browser, reference: &str, decision: &str) {
    let page = format!("/staff/applications/{reference}");
    let p = officer
        .submit(
            &page,
            &format!("{page}/decision"),
            &[("decision", decision), ("comment", "")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
}

/// A column of the application with this reference.
async fn column(app: &TestApp, column: &str, reference: &str) -> String {
    sqlx::query_scalar(&format!(
        "SELECT {column} FROM applications WHERE reference = $1"
    ))
    .bind(reference)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

async fn status_of(app: &TestApp, reference: &str) -> String {
    column(app, "status", reference).await
}

async fn a_two_level_review_needs_the_head_of_departments_approval(app: TestApp) {
    yagona::seed_demo_contacts(&app.db).await.unwrap();
    let reference = submitted(&app, CITIZEN_A, "birth-allowance", birth_allowance()).await;
    let mut officer = app.signed_in("officer-social-protection").await;
    let inbox = officer.get("/staff/applications").await;
    assert!(inbox.contains(&reference));
    assert!(
        inbox.contains("Review by the Social Protection Agency"),
        "{}",
        inbox.body
    );

    // The specialist approves: the head of department must approve too; nothing is issued yet.
    decide(&mut officer, &reference, "approve").await;
    assert_eq!(
        app.run_engine().await,
        0,
        "no result before the head approves"
    );
    assert_eq!(status_of(&app, &reference).await, "submitted");
    let mut citizen = app.signed_in(CITIZEN_A).await;
    let mine = citizen.get(&format!("/applications/{reference}")).await;
    assert!(
        mine.contains("id=\"current-step\">Approval by the head of department<"),
        "{}",
        mine.body
    );
    assert!(officer
        .get("/staff/applications")
        .await
        .contains("Approval by the head of department"));
    // The citizen's list says where each application is, too.
    assert!(citizen
        .get("/applications")
        .await
        .contains("Approval by the head of department"));

    // The head approves: the platform issues the result and tells the applicant.
    decide(&mut officer, &reference, "approve").await;
    assert_eq!(app.run_engine().await, 2);
    assert_eq!(status_of(&app, &reference).await, "approved");
    let told: Vec<(String, String)> = yagona_notices::Notices::new(&app.db)
        .of_subject("application", &reference)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.event.as_str() == "approved")
        .map(|n| (n.channel.as_str().to_owned(), n.address))
        .collect();
    assert_eq!(
        told,
        [
            ("email".to_owned(), "dilnoza.karimova@example.uz".to_owned()),
            ("sms".to_owned(), "+998901234567".to_owned())
        ]
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM documents WHERE kind = 'result'")
            .await,
        1
    );
    // The history says which step each decision was taken at, in the citizen's language.
    let mine = citizen
        .get(&format!("/applications/{reference}?lang=ru"))
        .await;
    assert!(
        mine.contains("<strong>Одобрена · Рассмотрение в Агентстве социальной защиты</strong>"),
        "{}",
        mine.body
    );
    assert!(mine.contains("<strong>Одобрена · Утверждение начальником отдела</strong>"));
}

async fn app_id(app: &TestApp, reference: &str) -> String {
    column(app, "id", reference).await
}

async fn several_agencies_review_a_construction_permit_in_parallel(app: TestApp) {
    let reference = submitted(
        &app,
        CITIZEN_A,
        "construction-permit",
        construction_permit(),
    )
    .await;
    let page = format!("/staff/applications/{reference}");
    let mut khokimiyat = app.signed_in("officer-tashkent-khokimiyat").await;
    let mut construction = app.signed_in("officer-construction").await;
    let mut cadastre = app.signed_in("officer-cadastre").await;
    let mut interior = app.signed_in(INTERIOR_OFFICER).await;

    // Before the khokimiyat asks for their opinions, the other agencies see nothing.
    assert_eq!(construction.get(&page).await.status, StatusCode::NOT_FOUND);
    assert!(!construction
        .get("/staff/applications")
        .await
        .contains(&reference));
    decide(&mut khokimiyat, &reference, "approve").await;

    // Now both have a task on it, at the same time.
    let c = construction.get("/staff/applications").await;
    assert!(
        c.contains(&reference) && c.contains("Technical review by the Ministry of Construction")
    );
    let k = cadastre.get("/staff/applications").await;
    assert!(k.contains(&reference) && k.contains("Land plot check by the Cadastre Agency"));
    assert_eq!(construction.get(&page).await.status, StatusCode::OK);
    decide(&mut construction, &reference, "approve").await;
    assert!(
        !khokimiyat
            .get("/staff/applications")
            .await
            .contains(&reference),
        "the final decision waits for both opinions"
    );
    decide(&mut cadastre, &reference, "approve").await;
    assert!(khokimiyat
        .get("/staff/applications")
        .await
        .contains("Final decision by the Tashkent Khokimiyat"));
    // An agency that had no part in it still sees nothing, and cannot decide.
    assert_eq!(interior.get(&page).await.status, StatusCode::NOT_FOUND);

    decide(&mut khokimiyat, &reference, "approve").await;
    assert_eq!(app.run_engine().await, 2);
    assert_eq!(status_of(&app, &reference).await, "approved");
    // The agencies that gave opinions can still read the decided application.
    assert_eq!(cadastre.get(&page).await.status, StatusCode::OK);
}

async fn one_officer_at_a_time_works_a_task(app: TestApp) {
    let reference = submitted(
        &app,
        CITIZEN_A,
        "tax-debt-certificate",
        json!({"taxpayer_kind": "self", "purpose": "bank-loan", "language": "uz"}),
    )
    .await;
    let reference = ReferenceNumber::parse(&reference).unwrap();
    let applications = &app.node.applications;
    let store = applications.store();
    let officer = |id: &str, name: &str| Actor::Officer {
        user_id: id.into(),
        name: name.into(),
        agency: "tax".into(),
    };
    let (first, second) = (
        officer("officer-tax", "Otabek Yoʻldoshev"),
        officer("officer-tax-2", "Shahlo Rahimova"),
    );
    let current = store
        .get(&reference, Viewer::Agency("tax"))
        .await
        .unwrap()
        .unwrap();
    let task = applications.tasks_for(&current, "tax").await.unwrap()[0].key();
    applications.take(&first, &reference, &task).await.unwrap();
    assert_eq!(status_of(&app, reference.as_str()).await, "in-review");
    let decision = || Decision {
        decision: Some("approve".into()),
        ..Decision::default()
    };
    assert!(matches!(
        applications.take(&second, &reference, &task).await,
        Err(ApplicationError::TaskTaken)
    ));
    assert!(matches!(
        applications
            .decide(&second, &reference, &task, decision())
            .await,
        Err(ApplicationError::TaskTaken)
    ));
    assert!(matches!(
        applications.release(&second, &reference, &task).await,
        Err(ApplicationError::TaskTaken)
    ));
    // Given back, it is anyone's again; the queue shows who holds the application.
    applications
        .release(&first, &reference, &task)
        .await
        .unwrap();
    assert_eq!(status_of(&app, reference.as_str()).await, "submitted");
    applications
        .decide(&second, &reference, &task, decision())
        .await
        .unwrap();
    // A decided task is gone: nobody can decide it again.
    assert!(matches!(
        applications
            .decide(&first, &reference, &task, decision())
            .await,
        Err(ApplicationError::NoTask)
    ));
    let events: Vec<String> = store
        .events(&app_id(&app, reference.as_str()).await)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(events, ["create", "submit", "take", "release", "approve"]);
}

async fn an_overdue_review_escalates_without_taking_the_task_away(app: TestApp) {
    let reference = submitted(
        &app,
        CITIZEN_A,
        "tax-debt-certificate",
        json!({"taxpayer_kind": "self", "purpose": "bank-loan", "language": "uz"}),
    )
    .await;
    let id = app_id(&app, &reference).await;
    // Nothing is due yet.
    assert_eq!(app.run_engine().await, 0);
    assert_eq!(
        history_actions(&app, &id).await.last().map(String::as_str),
        Some("submit")
    );
    // Two weeks later the statutory deadline (1 working day) has long passed.
    let later = chrono::Utc::now() + chrono::Duration::days(14);
    assert_eq!(app.run_engine_at(later).await, 1);
    assert_eq!(
        history_actions(&app, &id).await.last().map(String::as_str),
        Some("escalate")
    );
    // The applicant is told nothing of it: an escalation is the agency's.
    assert!(yagona_notices::Notices::new(&app.db)
        .of_subject("application", &reference)
        .await
        .unwrap()
        .iter()
        .all(|n| n.event.as_str() == "received"));
    // The review is still the tax officer's to do, escalated: the inbox shows it as overdue.
    let mut officer = app.signed_in("officer-tax").await;
    let overdue = officer.get("/staff/applications?overdue=1").await;
    assert!(overdue.contains(&reference), "{}", overdue.body);
    assert_eq!(status_of(&app, &reference).await, "submitted");
    // The timer fired once: running the loop again changes nothing.
    assert_eq!(app.run_engine_at(later).await, 0);
}

async fn the_staff_page_draws_the_process_with_the_applications_position(app: TestApp) {
    let reference = submitted(&app, CITIZEN_A, "birth-allowance", birth_allowance()).await;
    let mut officer = app.signed_in("officer-social-protection").await;
    let page = officer
        .get(&format!("/staff/applications/{reference}"))
        .await;
    assert!(page.contains("<svg"), "{}", page.body);
    assert!(page.contains("role=\"img\""));
    // The start and the first review are drawn as passed and current.
    assert!(page.contains("Review by the Social Protection Agency"));
    assert!(page.contains("#1d70b8"), "the current task is highlighted");
    assert!(page.contains("#00703c"), "the passed steps are highlighted");
    // The diagram speaks the officer's language, from the model's own labels.
    let ru = officer
        .get(&format!("/staff/applications/{reference}?lang=ru"))
        .await;
    let svg = &ru.body[ru.body.find("<svg").unwrap()..ru.body.find("</svg>").unwrap()];
    assert!(
        svg.contains(">Агентстве<") && svg.contains(">Рассмотрение в<"),
        "{svg}"
    );
    assert!(svg.contains("Одобрить"), "flow labels too");
}

async fn a_dmn_decision_assesses_the_family_before_the_specialist(app: TestApp) {
    let family = |income: i64, children: i64| {
        json!({"family_size": 5, "children_under_18": children, "monthly_income": income,
               "card_number": "8600123412341234", "declaration": true})
    };
    let poor = submitted(
        &app,
        CITIZEN_A,
        "low-income-family-benefit",
        family(1_500_000, 3),
    )
    .await;
    let comfortable = submitted(
        &app,
        CITIZEN_B,
        "low-income-family-benefit",
        family(6_000_000, 1),
    )
    .await;
    // First the Tax Committee is asked, through the exchange, as the social register.
    let mut officer = app.signed_in("officer-social-protection").await;
    assert!(
        !officer.get("/staff/applications").await.contains(&poor),
        "not before the answer"
    );
    assert_eq!(
        app.run_engine().await,
        2,
        "one tax question per application"
    );
    let page = officer.get(&format!("/staff/applications/{poor}")).await;
    assert!(page.contains("Checks by the platform"), "{}", page.body);
    assert!(
        page.contains("Ask the Tax Committee about tax debt"),
        "{}",
        page.body
    );
    assert!(page.contains("hasDebt: false"), "{}", page.body);
    let asked: Vec<yagona_exchange::evidence::Entry> = yagona_exchange::log::page(&app.db, 0, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "request" && e.service == "UZ/GOV/200524845/taxpayers/debt-status")
        .collect();
    assert_eq!(asked.len(), 2);
    assert!(asked
        .iter()
        .all(|e| e.client == "UZ/GOV/309871524/social-register"));
    assert!(asked
        .iter()
        .any(|e| e.issue.as_deref() == Some(poor.as_str())
            && e.user_id.as_deref() == Some(&format!("UZ{CITIZEN_A}"))
            && e.path == format!("/v1/taxpayers/{CITIZEN_A}/debt")));
    assert!(
        page.contains("eligible: true · incomePerMember: 300000 · priority: high"),
        "{}",
        page.body
    );
    let page = officer
        .get(&format!("/staff/applications/{comfortable}"))
        .await;
    assert!(page.contains("eligible: false · incomePerMember: 1200000 · priority: normal"));
    assert!(
        page.contains("debtUzs: 1250000"),
        "Jasur owes tax: {}",
        page.body
    );
    // The assessment helps; the specialist still decides.
    assert_eq!(status_of(&app, &comfortable).await, "submitted");
    assert!(officer
        .get("/staff/applications")
        .await
        .contains(&comfortable));
}

async fn a_refused_data_request_is_retried_and_never_skipped(app: TestApp) {
    // The social register loses its right to ask the Tax Committee.
    let store = yagona_exchange::directory::DirectoryStore { db: &app.db };
    let debt = yagona_exchange::ServiceId::from_path("UZ/GOV/200524845/taxpayers/debt-status")
        .unwrap()
        .0;
    let right = store
        .load()
        .await
        .unwrap()
        .service(&debt)
        .unwrap()
        .rights
        .iter()
        .find(|r| matches!(&r.grantee, yagona_exchange::Grantee::Subsystem(c) if c.subsystem.as_deref() == Some("social-register")))
        .cloned()
        .unwrap();
    assert!(store.revoke(&right).await.unwrap());
    app.node.gateway.reload().await;
    let reference = submitted(
        &app,
        CITIZEN_A,
        "low-income-family-benefit",
        json!({"family_size": 4, "children_under_18": 2, "monthly_income": 1_000_000,
               "card_number": "8600123412341234", "declaration": true}),
    )
    .await;
    assert_eq!(app.run_engine().await, 0, "the job fails");
    let retries: i64 = sqlx::query_scalar(
        "SELECT retries FROM process_waits WHERE kind = 'job' AND job_type = 'yagona:exchange'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(retries, 4, "one of five tries used");
    let refused = yagona_exchange::log::page(&app.db, 0, 100).await.unwrap();
    assert!(refused
        .iter()
        .any(|e| e.kind == "error" && e.issue.as_deref() == Some(reference.as_str())));
    // No officer works an application whose checks never ran.
    let mut officer = app.signed_in("officer-social-protection").await;
    assert!(!officer
        .get("/staff/applications")
        .await
        .contains(&reference));
    // The right comes back; the job is tried again when its pause is over and goes through.
    assert!(store.grant(&right).await.unwrap());
    app.node.gateway.reload().await;
    // (the 30-second pause, passed)
    sqlx::query("UPDATE process_waits SET lock_until = NULL WHERE job_type = 'yagona:exchange'")
        .execute(&app.db.writer)
        .await
        .unwrap();
    assert_eq!(app.run_engine().await, 1);
    assert!(officer
        .get("/staff/applications")
        .await
        .contains(&reference));
}

async fn an_inspector_records_the_site_inspection_on_its_own_form(app: TestApp) {
    let reference = submitted(
        &app,
        CITIZEN_A,
        "house-commissioning",
        json!({"permit_number": "TSH-2026-04417", "permit_date": "2026-03-12",
               "cadastral_number": "10:05:04:01:03:0112", "completion_date": "2026-11-01",
               "floor_area": 180, "connected_to_utilities": true}),
    )
    .await;
    let page = format!("/staff/applications/{reference}");
    let mut inspector = app.signed_in("officer-construction").await;
    let shown = inspector.get(&page).await;
    assert!(
        shown.contains("Was the house built as designed?"),
        "{}",
        shown.body
    );
    assert!(shown.contains("Number of floors built"));
    // Approving without the inspection's findings is refused, naming each missing answer.
    let p = inspector
        .submit(
            &page,
            &format!("{page}/decision"),
            &[("decision", "approve"), ("floors_built", "9")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(p.contains("Check what you recorded for this task"));
    assert!(
        p.contains("Enter date of the inspection") || p.contains("date of the inspection"),
        "{}",
        p.body
    );
    assert!(
        p.contains("value=\"9\""),
        "what was typed stays in the form"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM application_events WHERE action = 'approve'")
            .await,
        0
    );
    // Recorded properly, it goes on to the Cadastre Agency with the findings in the process.
    let p = inspector
        .submit(
            &page,
            &format!("{page}/decision"),
            &[
                ("decision", "approve"),
                ("inspection_date", "2026-11-20"),
                ("built_as_designed", "minor-deviations"),
                ("floors_built", "2"),
                ("findings", "Ayvon loyihadagidan 0,5 m kengroq qurilgan"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let state: String = sqlx::query_scalar(
        "SELECT i.state FROM process_instances i JOIN applications a ON a.process_instance = i.id WHERE a.reference = $1",
    )
    .bind(&reference)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let state: Value = serde_json::from_str(&state).unwrap();
    assert_eq!(state["variables"]["built_as_designed"], "minor-deviations");
    assert_eq!(state["variables"]["floors_built"], 2);
    let mut cadastre = app.signed_in("officer-cadastre").await;
    assert!(cadastre
        .get("/staff/applications")
        .await
        .contains(&reference));
}

async fn applications_from_before_processes_get_one_and_reach_the_inbox(app: TestApp) {
    // An application submitted under the earlier release: a status, but no process.
    let applicant = Actor::Applicant {
        pinfl: yagona_core::Pinfl::parse(CITIZEN_A).unwrap(),
        name: "Dilnoza Karimova".into(),
    };
    let draft = app
        .node
        .applications
        .start(&applicant, "tax-debt-certificate")
        .await
        .unwrap();
    sqlx::query("UPDATE applications SET status = 'in-review', submitted_at = updated_at, officer_name = 'Otabek Yoʻldoshev' WHERE id = $1")
        .bind(&draft.id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(yagona::adopt_applications(&app.db).await.unwrap(), 1);
    assert_eq!(
        yagona::adopt_applications(&app.db).await.unwrap(),
        0,
        "once"
    );
    assert_eq!(status_of(&app, draft.reference.as_str()).await, "submitted");
    let mut officer = app.signed_in("officer-tax").await;
    assert!(officer
        .get("/staff/applications")
        .await
        .contains(draft.reference.as_str()));
}

#[test]
fn working_day_timers_skip_weekends_and_holidays() {
    use yagona_workflow::engine::WaitKind;
    let reg = yagona_registry::files::read_dir(&registry_dir()).unwrap();
    let calendar = yagona_calendar::Calendar::new(reg.calendar.clone());
    let timer = |working_days| WaitKind::Timer {
        date: None,
        duration: Some("P3D".into()),
        cycle: None,
        working_days,
    };
    let at = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    let vars = serde_json::Map::new();
    let feel = yagona_workflow::feel::Feel;
    // Tuesday 29 December 2026: Wednesday counts, 31 December is a transferred day off,
    // 1 January a holiday, then a weekend; Monday 4 and Tuesday 5 January count. The deadline
    // ends with Tuesday 5 January in Tashkent, so the timer fires at its midnight (19:00 UTC).
    let due = yagona_workflow::store::timer_due(
        &timer(true),
        at("2026-12-29T10:00:00Z"),
        &vars,
        &feel,
        Some(&calendar),
    );
    assert_eq!(due, Some(at("2027-01-05T19:00:00Z")));
    // The same duration in calendar days.
    let due = yagona_workflow::store::timer_due(
        &timer(false),
        at("2026-12-29T10:00:00Z"),
        &vars,
        &feel,
        Some(&calendar),
    );
    assert_eq!(due, Some(at("2027-01-01T10:00:00Z")));
}

async fn history_actions(app: &TestApp, id: &str) -> Vec<String> {
    let history = app.node.applications.store().events(id).await.unwrap();
    history.into_iter().map(|e| e.action).collect()
}

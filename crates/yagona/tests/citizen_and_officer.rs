//! The citizen's whole path and the officer's decisions, black-box over HTTP, on both databases.

mod common;
use common::*;
use reqwest::StatusCode;

on_both_databases!(
    citizen_applies_is_sent_back_corrects_and_downloads_the_result,
    validation_errors_are_shown_in_the_users_language_and_nothing_is_saved,
    a_draft_is_saved_without_checks_and_continued_later,
    an_officer_must_give_a_reason_to_reject,
    officer_filters_find_applications_by_status_and_reference,
    an_officer_may_attach_the_result_document_but_only_a_pdf,
    the_demo_applications_are_made_through_the_real_paths_once,
    the_inbox_lists_the_oldest_deadlines_first_a_page_at_a_time,
    start_now_while_signed_out_leads_to_the_form_after_sign_in,
    a_service_that_needs_a_surer_sign_in_asks_for_it_first,
);

async fn citizen_applies_is_sent_back_corrects_and_downloads_the_result(app: TestApp) {
    let mut citizen = app.signed_in(CITIZEN_A).await;
    let reference = apply_for_birth_registration(&mut citizen).await;

    // Confirmation: the reference number, and the deadline counted in working days.
    let confirmation = citizen
        .get(&format!("/applications/{reference}/confirmation"))
        .await;
    assert_eq!(confirmation.status, StatusCode::OK);
    assert!(confirmation.contains(&reference));
    assert!(
        confirmation.contains("The agency must decide by"),
        "{}",
        confirmation.body
    );

    // The application page: status, who has it, the date by which the agency must decide.
    let page = citizen.get(&format!("/applications/{reference}")).await;
    assert!(page.contains("id=\"status\">Sent<"), "{}", page.body);
    assert!(page.contains("waiting for an officer"));
    assert!(page.contains("id=\"decision-due\""));
    assert!(citizen.get("/applications").await.contains(&reference));

    // The civil registry officer sees it and sends it back with a comment.
    let mut officer = app.signed_in(CIVIL_REGISTRY_OFFICER).await;
    let list = officer.get("/staff/applications").await;
    assert!(list.contains(&reference), "{}", list.body);
    let staff_page = format!("/staff/applications/{reference}");
    let details = officer.get(&staff_page).await;
    assert!(
        details.contains("Temur") && details.contains("tibbiy-guvohnoma.pdf"),
        "officer sees answers and documents"
    );
    let p = officer
        .submit(
            &staff_page,
            &format!("{staff_page}/decision"),
            &[
                ("decision", "return"),
                (
                    "comment",
                    "Tugʻilgan joy toʻliq emas: tugʻruqxona manzilini yozing",
                ),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);

    // The citizen sees why, corrects one answer and sends it again.
    let page = citizen.get(&format!("/applications/{reference}")).await;
    assert!(page.contains("Returned for correction"));
    assert!(page.contains("tugʻruqxona manzilini yozing"));
    let step = format!("/applications/{reference}/steps/birth");
    let p = citizen
        .submit(
            &format!("{step}?return=check"),
            &step,
            &[
                ("birth_date", &days_ago(12)),
                ("birth_region", "tashkent-city"),
                (
                    "birth_place",
                    "Toshkent, Chilonzor tumani, 1-son tugʻruqxona",
                ),
                ("return", "check"),
                ("action", "continue"),
            ],
        )
        .await;
    assert_eq!(
        p.location.as_deref(),
        Some(format!("/applications/{reference}/check").as_str())
    );
    let check = format!("/applications/{reference}/check");
    assert!(citizen
        .get(&check)
        .await
        .contains("Send corrected application"));
    let p = citizen
        .submit(&check, &format!("/applications/{reference}/submit"), &[])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);

    // The officer takes it and approves without attaching a file: the platform issues a PDF.
    let p = officer
        .submit(&staff_page, &format!("{staff_page}/take"), &[])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert!(officer.get(&staff_page).await.contains("Being reviewed"));
    let p = officer
        .submit(
            &staff_page,
            &format!("{staff_page}/decision"),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    // The process issues the result, tells the applicant (the built-in workers' jobs) and tells
    // other agencies through the Civil Registry's events room.
    assert_eq!(app.run_engine().await, 3);
    let events: Vec<(String, String)> = sqlx::query_as(
        "SELECT publisher, event FROM pubsub_events WHERE event_type = 'birth-registered'",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(events.len(), 1, "published once");
    assert_eq!(events[0].0, "UZ/GOV/201122919/civil-records");
    let event: serde_json::Value = serde_json::from_str(&events[0].1).unwrap();
    assert_eq!(event["application"], reference.as_str());
    assert_eq!(event["childSex"], "male");

    let page = citizen.get(&format!("/applications/{reference}")).await;
    assert!(page.contains("id=\"status\">Approved<"), "{}", page.body);
    assert!(
        page.contains("Nodira Xolmatova"),
        "the history names the officer"
    );
    for action in [
        "Application started",
        "Application sent",
        "Returned for correction",
        "Corrected application sent",
        "Taken for review",
        "Approved",
        "Result document issued",
    ] {
        assert!(page.contains(action), "history lacks {action}");
    }
    // One line per thing that happened, who did it and when, in the page's way of writing
    // dates: no bookkeeping lines, no status beside each line.
    assert!(page.contains("Nodira Xolmatova (officer)"), "{}", page.body);
    assert!(!page.contains("Notification sent"), "{}", page.body);
    assert!(page.contains("Times are Tashkent time."));
    assert!(!page.contains("Decision due by"));
    let link_start = page.body.find("href=\"/documents/").expect("a result link") + "href=\"".len();
    let link = &page.body[link_start..link_start + page.body[link_start..].find('"').unwrap()];
    let pdf = citizen.get(link).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF"), "a real PDF");
    assert!(pdf.bytes.len() > 1000);

    // Decisions are final.
    let p = officer
        .submit(
            &staff_page,
            &format!("{staff_page}/decision"),
            &[("decision", "reject"), ("comment", "x")],
        )
        .await;
    assert_ne!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM application_events WHERE action = 'reject'")
            .await,
        0
    );
}

async fn validation_errors_are_shown_in_the_users_language_and_nothing_is_saved(app: TestApp) {
    let mut citizen = app.signed_in(CITIZEN_A).await;
    citizen.accept_language = "ru-RU,ru;q=0.9".into();
    let reference = start_birth_registration(&mut citizen).await;
    // What the registers prefilled when the application started (once only), in the page's
    // script: the register gives the name in both.
    let at_start = app.answers(&reference).await;
    assert_eq!(at_start, r#"{"child_surname":"Каримова"}"#);
    let step = format!("/applications/{reference}/steps/child");
    let p = citizen
        .submit(
            &step,
            &step,
            &[
                ("child_surname", ""),
                ("child_given_name", "Temur"),
                ("action", "continue"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.contains("<html lang=\"ru\""));
    assert!(p.contains("govuk-error-summary"));
    assert!(p.contains("Заполните поле"), "{}", p.body);
    assert!(
        p.contains("href=\"#child_surname\""),
        "the summary links to the field"
    );
    assert!(
        p.contains("id=\"child_surname-error\""),
        "the field shows its own message"
    );
    assert!(
        p.contains("value=\"Temur\""),
        "what was typed is kept on the page"
    );
    let stored: String =
        sqlx::query_scalar("SELECT answers FROM applications WHERE reference = $1")
            .bind(&reference)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(stored, at_start, "a step with errors saves nothing");

    // A form's own message for a rule, in the chosen language (Uzbek Cyrillic here).
    let parents = format!("/applications/{reference}/steps/parents");
    let p = citizen
        .submit(
            &format!("{parents}?lang=uz-Cyrl"),
            &parents,
            &[
                ("mother_pinfl", CITIZEN_A),
                ("father_pinfl", "12345"),
                ("action", "continue"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.contains("<html lang=\"uz-Cyrl\""));
    assert!(
        p.contains("Отанинг 14 хонали ЖШШИРини киритинг"),
        "{}",
        p.body
    );

    // Sending incomplete answers from "check your answers" is refused with links to fix them.
    let check = format!("/applications/{reference}/check");
    let p = citizen
        .submit(&check, &format!("/applications/{reference}/submit"), &[])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.contains(&format!(
        "/applications/{reference}/steps/child?return=check#child_surname"
    )));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM applications WHERE status = 'submitted'")
            .await,
        0
    );
}

async fn a_draft_is_saved_without_checks_and_continued_later(app: TestApp) {
    let mut citizen = app.signed_in(CITIZEN_B).await;
    let reference = start_birth_registration(&mut citizen).await;
    let step = format!("/applications/{reference}/steps/child");
    let p = citizen
        .submit(
            &step,
            &step,
            &[("child_surname", "Abdullayev"), ("action", "save")],
        )
        .await;
    assert_eq!(
        p.location.as_deref(),
        Some(format!("/applications/{reference}?saved=1").as_str())
    );
    let page = citizen
        .get(&format!("/applications/{reference}?saved=1"))
        .await;
    assert!(page.contains("Your draft is saved"));
    assert!(page.contains(">Draft<"));
    assert!(citizen.get(&step).await.contains("value=\"Abdullayev\""));
    // Starting the same service again continues the draft instead of opening a second one.
    assert_eq!(start_birth_registration(&mut citizen).await, reference);
    // Officers never see drafts.
    let mut officer = app.signed_in(CIVIL_REGISTRY_OFFICER).await;
    assert!(!officer
        .get("/staff/applications")
        .await
        .contains(&reference));
    assert_eq!(
        officer
            .get(&format!("/staff/applications/{reference}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

async fn an_officer_must_give_a_reason_to_reject(app: TestApp) {
    let mut citizen = app.signed_in(CITIZEN_A).await;
    let reference = apply_for_birth_registration(&mut citizen).await;
    let mut officer = app.signed_in(CIVIL_REGISTRY_OFFICER).await;
    let page = format!("/staff/applications/{reference}");
    let p = officer
        .submit(
            &page,
            &format!("{page}/decision"),
            &[("decision", "reject"), ("comment", "   ")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.contains("Enter the reason"));
    assert!(
        citizen
            .get(&format!("/applications/{reference}"))
            .await
            .contains(">Sent<"),
        "nothing changed"
    );
    let p = officer
        .submit(
            &page,
            &format!("{page}/decision"),
            &[
                ("decision", "reject"),
                (
                    "comment",
                    "Bola boshqa FHDYo boʻlimida roʻyxatdan oʻtkazilgan",
                ),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    app.run_engine().await;
    let mine = citizen.get(&format!("/applications/{reference}")).await;
    assert!(mine.contains("id=\"status\">Rejected<"), "{}", mine.body);
    assert!(mine.contains("boshqa FHDYo"));
}

async fn officer_filters_find_applications_by_status_and_reference(app: TestApp) {
    let mut a = app.signed_in(CITIZEN_A).await;
    let first = apply_for_birth_registration(&mut a).await;
    let mut b = app.signed_in(CITIZEN_B).await;
    let second = apply_for_birth_registration(&mut b).await;
    let mut officer = app.signed_in(CIVIL_REGISTRY_OFFICER).await;
    let page = format!("/staff/applications/{second}");
    officer.submit(&page, &format!("{page}/take"), &[]).await;

    let mine = officer.get("/staff/applications?show=mine").await;
    assert!(mine.contains(&second) && !mine.contains(&first));
    let unassigned = officer.get("/staff/applications?show=unassigned").await;
    assert!(unassigned.contains(&first) && !unassigned.contains(&second));
    let by_reference = officer
        .get(&format!("/staff/applications?q={}", first.to_lowercase()))
        .await;
    assert!(
        by_reference.contains(&first) && !by_reference.contains(&second),
        "reference search ignores case"
    );
    let by_pinfl = officer
        .get(&format!("/staff/applications?q={CITIZEN_B}"))
        .await;
    assert!(by_pinfl.contains(&second) && !by_pinfl.contains(&first));
}

async fn an_officer_may_attach_the_result_document_but_only_a_pdf(app: TestApp) {
    let mut citizen = app.signed_in(CITIZEN_A).await;
    let reference = apply_for_birth_registration(&mut citizen).await;
    let mut officer = app.signed_in(CIVIL_REGISTRY_OFFICER).await;
    let page = format!("/staff/applications/{reference}");
    let decide = format!("{page}/decision");
    let token = officer.get(&page).await.csrf();
    let p = officer
        .post_multipart(
            &decide,
            vec![
                Part::Text("csrf_token", &token),
                Part::Text("decision", "approve"),
                Part::File("result", "guvohnoma.png", b"\x89PNG\r\n\x1a\n0000".to_vec()),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.contains("must be a PDF"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM documents WHERE kind = 'result'")
            .await,
        0
    );
    let token = officer.get(&page).await.csrf();
    let p = officer
        .post_multipart(
            &decide,
            vec![
                Part::Text("csrf_token", &token),
                Part::Text("decision", "approve"),
                Part::File("result", "tugilganlik-guvohnomasi.pdf", pdf("I-TN 1234567")),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    // The platform issues the result, numbered, with its QR code and signature, and carries
    // the officer's file inside it; the file is not handed out alone.
    app.run_engine().await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM documents WHERE kind = 'annex'")
            .await,
        1
    );
    let mine = citizen.get(&format!("/applications/{reference}")).await;
    assert!(
        !mine.contains("tugilganlik-guvohnomasi.pdf"),
        "{}",
        mine.body
    );
    let link_start = mine
        .body
        .find("id=\"result-link\"")
        .map(|_| mine.body.find("href=\"/documents/").unwrap())
        .unwrap()
        + 6;
    let link = &mine.body[link_start..link_start + mine.body[link_start..].find('"').unwrap()];
    let doc = citizen.get(link).await;
    assert!(doc.bytes.starts_with(b"%PDF-"));
    let raw = String::from_utf8_lossy(&doc.bytes);
    assert!(
        raw.contains("/EmbeddedFiles"),
        "the result carries the officer's file"
    );
    assert!(raw.contains("(tugilganlik-guvohnomasi.pdf)"));
    let number: String = sqlx::query_scalar(
        "SELECT r.number FROM result_documents r JOIN documents d ON d.id = r.annex_document_id WHERE d.file_name = 'tugilganlik-guvohnomasi.pdf'",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("the result names the file it carries");
    assert!(raw.contains(&number));
}

async fn the_demo_applications_are_made_through_the_real_paths_once(app: TestApp) {
    yagona::seed_demo_applications(&app.db, &app.node.issuer)
        .await
        .unwrap();
    yagona::seed_demo_applications(&app.db, &app.node.issuer)
        .await
        .unwrap();
    assert_eq!(app.count("SELECT COUNT(*) FROM applications").await, 6);
    for (status, n) in [
        ("submitted", 3),
        ("in-review", 1),
        ("approved", 1),
        ("returned", 1),
    ] {
        let found = app
            .count(&format!(
                "SELECT COUNT(*) FROM applications WHERE status = '{status}'"
            ))
            .await;
        assert_eq!(found, n, "demo applications that are {status}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM documents WHERE kind = 'result'")
            .await,
        1
    );
    let mut officer = app.signed_in("officer-interior").await;
    assert!(officer
        .get("/staff/applications")
        .await
        .contains("Jasur Abdullayev"));
}

/// The civil registry's inbox as its officers' channels read it, `limit` tasks at most.
async fn civil_registry_inbox(
    app: &TestApp,
    filter: &yagona_applications::InboxFilter,
    limit: usize,
) -> Vec<String> {
    let cat = app.node.catalogue.get().await;
    app.node
        .applications
        .store()
        .inbox(
            "civil-registry",
            CIVIL_REGISTRY_OFFICER,
            filter,
            &cat.calendar,
            limit,
        )
        .await
        .unwrap()
        .iter()
        .map(|i| i.application.reference.to_string())
        .collect()
}

async fn the_inbox_lists_the_oldest_deadlines_first_a_page_at_a_time(app: TestApp) {
    use yagona_applications::{Actor, InboxFilter, INBOX_PAGE};
    let (mut a, mut b) = (
        app.signed_in(CITIZEN_A).await,
        app.signed_in(CITIZEN_B).await,
    );
    let mut filed = Vec::new();
    for i in 0..5 {
        let citizen = if i % 2 == 0 { &mut a } else { &mut b };
        filed.push(apply_for_birth_registration(citizen).await);
    }
    let r = |i: usize| filed[i].clone();
    // Filed on different days: deadlines apart, two pairs alike, and one with none.
    for (i, due) in [
        (0, Some("2026-03-10")),
        (1, None),
        (2, Some("2026-03-05")),
        (3, Some("2026-03-10")),
        (4, Some("2026-03-05")),
    ] {
        sqlx::query("UPDATE applications SET decision_due = $1 WHERE reference = $2")
            .bind(due)
            .bind(&filed[i])
            .execute(&app.db.writer)
            .await
            .unwrap();
    }
    let everything = InboxFilter::default();

    // The oldest deadline first, none last; tasks of one deadline in the order they came.
    let all = civil_registry_inbox(&app, &everything, INBOX_PAGE).await;
    assert_eq!(all, [r(2), r(4), r(0), r(3), r(1)]);
    // A page is the list's beginning, also where it cuts a deadline in two.
    assert_eq!(civil_registry_inbox(&app, &everything, 3).await, all[..3]);
    assert_eq!(civil_registry_inbox(&app, &everything, 2).await, all[..2]);
    // Officers' channels get the same list.
    let officer = Actor::Officer {
        user_id: CIVIL_REGISTRY_OFFICER.into(),
        name: "Civil registry officer".into(),
        agency: "civil-registry".into(),
    };
    let through_channels = app
        .node
        .applications
        .inbox(&officer, &everything)
        .await
        .unwrap();
    assert_eq!(
        through_channels
            .iter()
            .map(|i| i.application.reference.to_string())
            .collect::<Vec<_>>(),
        all
    );

    // Each filter narrows the same list, in the same order, before the page is cut.
    let by_applicant = InboxFilter {
        query: Some(CITIZEN_A.into()),
        ..Default::default()
    };
    assert_eq!(
        civil_registry_inbox(&app, &by_applicant, INBOX_PAGE).await,
        [r(2), r(4), r(0)]
    );
    assert_eq!(
        civil_registry_inbox(&app, &by_applicant, 2).await,
        [r(2), r(4)]
    );
    let by_reference = InboxFilter {
        query: Some(r(3)),
        ..Default::default()
    };
    assert_eq!(
        civil_registry_inbox(&app, &by_reference, INBOX_PAGE).await,
        [r(3)]
    );
    let by_service = |service: &str, query: Option<String>| InboxFilter {
        service: Some(service.into()),
        query,
        ..Default::default()
    };
    assert_eq!(
        civil_registry_inbox(&app, &by_service("birth-registration", None), INBOX_PAGE).await,
        all
    );
    assert!(
        civil_registry_inbox(&app, &by_service("marriage-registration", None), INBOX_PAGE)
            .await
            .is_empty()
    );
    assert_eq!(
        civil_registry_inbox(
            &app,
            &by_service("birth-registration", Some(CITIZEN_B.into())),
            INBOX_PAGE
        )
        .await,
        [r(3), r(1)]
    );
    assert!(civil_registry_inbox(
        &app,
        &by_service("marriage-registration", Some(CITIZEN_B.into())),
        INBOX_PAGE
    )
    .await
    .is_empty());

    // Taken and not taken.
    let task = through_channels[2].task.key();
    let reference = yagona_core::ReferenceNumber::parse(&r(0)).unwrap();
    app.node
        .applications
        .take(&officer, &reference, &task)
        .await
        .unwrap();
    let mine = InboxFilter {
        mine: Some(true),
        ..Default::default()
    };
    assert_eq!(civil_registry_inbox(&app, &mine, INBOX_PAGE).await, [r(0)]);
    let unassigned = InboxFilter {
        mine: Some(false),
        ..Default::default()
    };
    assert_eq!(
        civil_registry_inbox(&app, &unassigned, INBOX_PAGE).await,
        [r(2), r(4), r(3), r(1)]
    );
    assert_eq!(civil_registry_inbox(&app, &unassigned, 1).await, [r(2)]);

    // Overdue on a day: by the task's own due moment (the standard review sets none), else
    // its application's deadline; the same rule as each item's own.
    for (day, expected) in [
        ("2026-03-08", vec![r(2), r(4)]),
        ("2026-03-11", vec![r(2), r(4), r(0), r(3)]),
    ] {
        let day: chrono::NaiveDate = day.parse().unwrap();
        let overdue = InboxFilter {
            overdue_on: Some(day),
            ..Default::default()
        };
        let by_rule: Vec<String> = through_channels
            .iter()
            .filter(|i| i.overdue(day))
            .map(|i| i.application.reference.to_string())
            .collect();
        assert_eq!(by_rule, expected, "overdue on {day}");
        assert_eq!(
            civil_registry_inbox(&app, &overdue, INBOX_PAGE).await,
            expected,
            "overdue on {day}"
        );
        assert_eq!(
            civil_registry_inbox(&app, &overdue, 1).await,
            expected[..1],
            "overdue on {day}"
        );
    }
}

async fn start_now_while_signed_out_leads_to_the_form_after_sign_in(app: TestApp) {
    let mut b = app.client();
    let passport = b.get("/services/birth-registration").await;
    let start = b
        .post(
            "/services/birth-registration/apply",
            &[("csrf_token", &passport.csrf())],
        )
        .await;
    assert_eq!(
        start.location.as_deref(),
        Some("/sign-in?next=%2Fservices%2Fbirth-registration%2Fapply")
    );
    // Through the identity provider and back: straight on to the form's first step.
    let back = b
        .sign_in_going(CITIZEN_A, "/services/birth-registration/apply")
        .await;
    assert_eq!(
        back.location.as_deref(),
        Some("/services/birth-registration/apply")
    );
    let on = b.get("/services/birth-registration/apply").await;
    let step = on.location.expect("on to the form");
    assert!(
        step.starts_with("/applications/YG-") && step.contains("/steps/"),
        "{step}"
    );
    // Coming the same way again finds the same draft, not a new one.
    let again = b.get("/services/birth-registration/apply").await;
    assert_eq!(again.location.as_deref(), Some(step.as_str()));
}

/// Through the step-up the portal sent the browser on, choosing the way of signing in.
async fn step_up(b: &mut Browser, to: &str, persona: &str, acr: &str) -> Page {
    let leave = b.get(to).await;
    let personas = b
        .get(&b.local(&leave.location.expect("to the provider")))
        .await;
    let mut fields = personas.hidden_fields();
    fields.push(("persona".into(), persona.into()));
    fields.push(("acr".into(), acr.into()));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let chosen = b.post("/sign-in", &pairs).await;
    b.get(&b.local(&chosen.location.expect("back to the portal")))
        .await
}

async fn a_service_that_needs_a_surer_sign_in_asks_for_it_first(app: TestApp) {
    // Signed in with a password only.
    let mut b = app.signed_in(CITIZEN_A).await;
    let passport = b.get("/services/passport-id-card?lang=en").await;
    assert!(passport.contains("Sign-in needed"));
    assert!(passport.contains("Password and a one-time code"));
    let start = b
        .post(
            "/services/passport-id-card/apply",
            &[("csrf_token", &passport.csrf())],
        )
        .await;
    let to = start.location.expect("asked to sign in again");
    assert_eq!(
        to,
        "/sign-in/demo?acr=otp&next=%2Fservices%2Fpassport-id-card%2Fapply"
    );
    // The provider's page offers the level asked for first.
    let leave = b.get(&to).await;
    let personas = b.get(&b.local(&leave.location.unwrap())).await;
    assert!(
        personas
            .body
            .contains(r#"id="acr-otp" name="acr" type="radio" value="otp" checked"#),
        "{}",
        personas.body
    );
    // A password again is not enough: refused, and still no application.
    let weak = step_up(&mut b, &to, CITIZEN_A, "password").await;
    assert_eq!(weak.status, StatusCode::FORBIDDEN);
    assert!(weak.contains("surer way of signing in"));
    // With a one-time code: on to the form.
    let strong = step_up(&mut b, &to, CITIZEN_A, "otp").await;
    assert_eq!(
        strong.location.as_deref(),
        Some("/services/passport-id-card/apply")
    );
    let on = b.get("/services/passport-id-card/apply").await;
    assert!(on.location.unwrap().contains("/steps/"));
}

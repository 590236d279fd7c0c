//! Process mining over real applications: the XES log names each case by the application's
//! reference number and shows who took and decided its task, on both databases.

mod common;
use common::*;
use reqwest::StatusCode;
use yagona_workflow::xes::Options;

on_both_databases!(an_application_is_a_case_named_by_its_reference_with_its_officer_s_work);

async fn an_application_is_a_case_named_by_its_reference_with_its_officer_s_work(app: TestApp) {
    let mut citizen = app.signed_in(CITIZEN_A).await;
    let reference = apply_for_birth_registration(&mut citizen).await;
    let mut officer = app.signed_in(CIVIL_REGISTRY_OFFICER).await;
    let staff_page = format!("/staff/applications/{reference}");
    officer.get(&staff_page).await;
    let p = officer
        .submit(&staff_page, &format!("{staff_page}/take"), &[])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let p = officer
        .submit(
            &staff_page,
            &format!("{staff_page}/decision"),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    app.run_engine().await;

    let log = yagona::mining::xes_log(&app.db, None, Options::default())
        .await
        .unwrap();
    assert_eq!(log.cases, 1, "{}", log.xml);
    let trace = format!("<trace>\n    <string key=\"concept:name\" value=\"{reference}\"/>");
    assert!(log.xml.contains(&trace), "{}", log.xml);
    let review = r#"<string key="concept:name" value="Review by the Civil Registry"/>"#;
    for (transition, who) in [
        ("start", None),
        ("assign", Some("Nodira Xolmatova")),
        ("complete", Some("Nodira Xolmatova")),
    ] {
        let event = format!(r#"{review}<string key="lifecycle:transition" value="{transition}"/>"#);
        let line = log
            .xml
            .lines()
            .find(|l| l.contains(&event))
            .unwrap_or_else(|| panic!("no {transition} of the review in\n{}", log.xml));
        match who {
            Some(name) => assert!(
                line.contains(&format!(r#"<string key="org:resource" value="{name}"/>"#)),
                "{line}"
            ),
            None => assert!(!line.contains("org:resource"), "{line}"),
        }
    }
    // The platform's own work after the decision, done by the node's workers.
    assert!(log
        .xml
        .contains(r#"<string key="concept:name" value="Issue the result document"/><string key="lifecycle:transition" value="complete"/>"#));
    assert!(
        !log.xml.contains("Decision?"),
        "gateways only when asked for"
    );

    let everything = yagona::mining::xes_log(
        &app.db,
        Some("birth-registration"),
        Options { with_events: true },
    )
    .await
    .unwrap();
    assert_eq!(everything.cases, 1);
    assert!(everything.xml.contains("Decision?"));
    assert!(everything.events > log.events);
}

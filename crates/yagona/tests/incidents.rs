//! An incident as the people around it see it: the administrator finds it on the incidents page
//! with the element in red on the diagram, corrects the variables and retries; the same through
//! the API; nobody else sees the page. On both databases.

mod common;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::json;
use yagona_workflow::feel::Feel;
use yagona_workflow::store::ProcessStore;

on_both_databases!(an_administrator_corrects_and_retries_what_stopped_a_process);

async fn an_administrator_corrects_and_retries_what_stopped_a_process(app: TestApp) {
    let store = ProcessStore::new(&app.db, &Feel);
    let (instance, id) = app.stuck_process().await;

    // Only administrators reach the page and the API.
    let mut officer = app.signed_in("officer-civil-registry").await;
    assert_eq!(
        officer.get("/admin/incidents").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        officer.get("/api/v1/incidents").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.client().get("/api/v1/incidents").await.status,
        StatusCode::UNAUTHORIZED
    );

    let mut admin = app.signed_in("admin").await;
    let list = admin.get("/admin/incidents").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(
        list.contains("fee-routing") && list.contains("amount > 1000"),
        "{}",
        list.body
    );
    assert!(list.contains("After a step by Dilnoza Karimova"));
    let api = admin.get("/api/v1/incidents").await.json();
    assert_eq!(api["items"][0]["id"], json!(id));
    assert_eq!(api["items"][0]["elementId"], "gw");

    let page = admin.get(&format!("/admin/incidents/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains(r#"<g data-element="gw" class="yg-incident">"#),
        "the gateway is drawn in red"
    );
    // Not JSON: the form again, saying what to fix, nothing changed.
    let csrf = page.csrf();
    let bad = admin
        .post(
            &format!("/admin/incidents/{id}"),
            &[
                ("csrf_token", &csrf),
                ("variables", "amount = 5000"),
                ("action", "retry"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("Enter the variables as a JSON object"));
    assert_eq!(store.status(&instance).await.unwrap().0, "incident");

    let done = admin
        .post(
            &format!("/admin/incidents/{id}"),
            &[
                ("csrf_token", &csrf),
                ("variables", r#"{"amount": 5000}"#),
                ("action", "retry"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/admin/incidents"));
    assert_eq!(store.status(&instance).await.unwrap().0, "completed");
    assert!(admin
        .get("/admin/incidents")
        .await
        .contains("There are no open incidents."));
    let incident = store.incident(&id).await.unwrap().unwrap();
    assert_eq!(
        incident.resolved_by.as_deref(),
        Some("Egov Markazi administratori")
    );
}

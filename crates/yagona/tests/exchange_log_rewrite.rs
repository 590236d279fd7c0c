//! The message log against someone who can write to its database but holds no node's key:
//! they move an entry's time, or delete a request and its response, renumber and chain the
//! rest again, and fix the head — every hash agrees again. The seals and the checkpoints
//! witnessed outside the database still name what was rewritten. Also: the protocol's bounds
//! on what goes into the log, and GovStack's metaservices.

#[path = "support/attacker.rs"]
mod attacker;
mod common;

use common::TestApp;
use serde_json::Value;
use yagona_exchange::checkpoint;
use yagona_exchange::evidence::{Entry, Sealer};
use yagona_exchange::ClientId;

const PORTAL: &str = "UZ/GOV/305184297/portal";
const PERSON: &str = "/r1/UZ/GOV/201122919/civil-records/persons/v1/persons/31505901234567";
const CIVIL: &str = "/r1/UZ/GOV/201122919/civil-records";

fn token(app: &TestApp, subsystem: &str) -> String {
    let id = ClientId::from_header(subsystem).unwrap();
    let key = yagona_exchange::keys::read_private(&yagona_exchange::keys::key_file(&app.keys, &id))
        .unwrap();
    yagona_exchange::token::issue(&key, &id, chrono::Utc::now().timestamp(), 600)
}

fn get(app: &TestApp, path: &str, client_header: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .get(format!("{}{path}", app.address))
        .header(client_header, PORTAL)
        .header("X-Yagona-Client-Token", token(app, PORTAL))
}

async fn entries(app: &TestApp) -> Vec<Entry> {
    yagona_exchange::log::page(&app.db, 0, 10_000)
        .await
        .unwrap()
}

/// What someone with the database does (`attacker::rewrite_log`).
async fn rewrite_as_attacker(app: &TestApp, log: Vec<Entry>) {
    attacker::rewrite_log(&app.db, log).await;
}

async fn findings(app: &TestApp, witnessed: &[checkpoint::Checkpoint]) -> Vec<String> {
    let verdict = yagona_exchange::log::verify_with_registered_keys(&app.db, witnessed)
        .await
        .unwrap();
    verdict.findings.into_iter().map(|f| f.reason).collect()
}

async fn a_rewritten_log_is_named_by_its_seals_and_checkpoints(app: TestApp) {
    for _ in 0..4 {
        let r = get(&app, PERSON, "X-Road-Client").send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }
    let original = entries(&app).await;
    assert_eq!(original.len(), 8, "a request and a response per call");
    assert!(
        original.iter().all(|e| e.seal.is_some()),
        "every entry sealed"
    );

    // The node signs a checkpoint of the head; the file is its witness outside the database.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("checkpoints.jsonl");
    let sealer = Sealer {
        name: "local".into(),
        key: yagona_exchange::keys::read_private(&yagona_exchange::keys::node_key_file(
            &app.keys, "local",
        ))
        .unwrap(),
    };
    let taken = checkpoint::take(&app.db, &sealer, Some(&file))
        .await
        .unwrap()
        .expect("the log moved");
    assert_eq!(taken.seq, 8);
    let witnessed = checkpoint::read_file(&file).unwrap();
    assert_eq!(findings(&app, &witnessed).await, Vec::<String>::new());

    // Entry 5's time moved back a day, the chain made whole again.
    let mut moved = original.clone();
    moved[4].at = "2020-01-01T00:00:00Z".into();
    rewrite_as_attacker(&app, moved).await;
    let found = findings(&app, &witnessed).await;
    assert!(
        found
            .first()
            .is_some_and(|f| f.starts_with("entry 5: its time was changed")),
        "{found:?}"
    );

    // Put back as it was: intact again.
    rewrite_as_attacker(&app, original.clone()).await;
    assert_eq!(findings(&app, &witnessed).await, Vec::<String>::new());

    // A request and its response removed, the rest renumbered, the head fixed.
    let mut removed = original.clone();
    removed.drain(2..4);
    rewrite_as_attacker(&app, removed).await;
    let found = findings(&app, &witnessed).await;
    assert!(
        found
            .first()
            .is_some_and(|f| f.contains("entries 3–4 are missing")
                && f.contains("entry 3 was sealed as entry 5")),
        "{found:?}"
    );
    assert!(
        found
            .first()
            .is_some_and(|f| f.contains("checkpoint of node local at entry 8")),
        "the checkpoint that vouches for the real log is named: {found:?}"
    );

    // The last request and response removed, the head fixed, and the database's checkpoints
    // deleted too: the checkpoint file still holds what the log was.
    let truncated = original[..6].to_vec();
    rewrite_as_attacker(&app, truncated).await;
    sqlx::query("DELETE FROM exchange_log_checkpoints")
        .execute(&app.db.writer)
        .await
        .unwrap();
    assert_eq!(
        findings(&app, &[]).await,
        Vec::<String>::new(),
        "without a witness outside the database this rewrite would pass"
    );
    let found = findings(&app, &witnessed).await;
    assert!(
        found.iter().any(|f| f.contains("missing from it")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("entries 7–8 are missing") && f.contains("up to entry 8")),
        "{found:?}"
    );

    // Seals stripped from every entry and the time moved: where sealing began is in the
    // checkpoint, so unsealed entries are not taken for old ones.
    let mut stripped = original.clone();
    for e in &mut stripped {
        e.seal = None;
        e.sealer = None;
    }
    stripped[6].at = "2020-01-01T00:00:00Z".into();
    rewrite_as_attacker(&app, stripped).await;
    sqlx::query("UPDATE exchange_log_head SET sealed_from = NULL")
        .execute(&app.db.writer)
        .await
        .unwrap();
    let found = findings(&app, &witnessed).await;
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("entry 1: it carries no seal")),
        "{found:?}"
    );
}

/// `X-Road-UserId` (and the other headers the log keeps) is bounded: a 60 KB value is the
/// caller's error in the protocol's format, and nothing of it reaches the log.
async fn oversized_logged_headers_are_refused_before_the_log(app: TestApp) {
    let before = entries(&app).await.len();
    let huge = format!("UZ{}", "3".repeat(60 * 1024));
    for header in ["X-Road-UserId", "X-Road-Issue", "X-Road-Id"] {
        let r = get(&app, PERSON, "X-Road-Client")
            .header(header, &huge)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400, "{header}");
        assert_eq!(r.headers()["x-road-error"], "client.bad_request");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["type"], "client.bad_request");
        assert!(body["message"].as_str().unwrap().contains(header), "{body}");
    }
    assert_eq!(entries(&app).await.len(), before, "nothing logged");
    // A value of ordinary length goes through and is logged whole.
    let r = get(&app, PERSON, "X-Road-Client")
        .header("X-Road-UserId", "UZ31505901234567")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let logged = entries(&app).await;
    assert_eq!(
        logged.last().unwrap().user_id.as_deref(),
        Some("UZ31505901234567")
    );
}

/// GovStack's Information Mediator (`im-directory-api.yaml`): callers name themselves with
/// `X-GovStack-Client`, and a request naming a service that is not there is "Error in
/// request" — 400 — not the server's failure.
async fn govstack_metaservices_take_their_header_and_answer_bad_codes_with_400(app: TestApp) {
    for meta in [
        "listMethods",
        "allowedMethods",
        "getOpenAPI?serviceCode=persons",
    ] {
        let r = get(&app, &format!("{CIVIL}/{meta}"), "X-GovStack-Client")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{meta}");
    }
    for bad in ["nope", "a%2Fb", "", "persons%00"] {
        let r = get(
            &app,
            &format!("{CIVIL}/getOpenAPI?serviceCode={bad}"),
            "X-GovStack-Client",
        )
        .send()
        .await
        .unwrap();
        assert_eq!(r.status().as_u16(), 400, "serviceCode={bad}");
        let body: Value = r.json().await.unwrap();
        assert!(
            body["type"].as_str().unwrap().starts_with("client."),
            "{body}"
        );
    }
    let r = get(
        &app,
        "/r1/UZ/GOV/999/nobody/listMethods",
        "X-GovStack-Client",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 400, "an unknown provider");
    // A malformed code is the caller's error for X-Road's clients too.
    let r = get(
        &app,
        &format!("{CIVIL}/getOpenAPI?serviceCode=a%2Fb"),
        "X-Road-Client",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 400);
}

on_both_databases!(
    a_rewritten_log_is_named_by_its_seals_and_checkpoints,
    oversized_logged_headers_are_refused_before_the_log,
    govstack_metaservices_take_their_header_and_answer_bad_codes_with_400,
);

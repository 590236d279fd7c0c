//! The message log in the database: one chain however many write at once, and every kind of
//! tampering named by its entry — on SQLite and PostgreSQL.

use base64::Engine;
use ed25519_dalek::SigningKey;
use std::sync::Arc;
use yagona_db::Db;
use yagona_exchange::evidence::{body_digest, generate_key, Entry};
use yagona_exchange::log::{self, Verdict};

fn message(key: &SigningKey, i: usize) -> Entry {
    let body = format!("{{\"stir\":\"2005873{i:02}\",\"debt\":false}}");
    let mut e = Entry {
        seq: 0,
        at: format!("2026-11-27T09:{:02}:00Z", i % 60),
        kind: "response".into(),
        request_id: format!("req-{i}"),
        message_id: format!("msg-{i}"),
        client: "UZ/GOV/201122349/egov-portal".into(),
        service: "UZ/GOV/200587331/tax-office/debt-status".into(),
        method: "GET".into(),
        path: format!("/v1/taxpayers/2005873{i:02}/debt"),
        status: Some(200),
        user_id: Some("UZ31505901234567".into()),
        issue: Some(format!("YG-TEST-{i:04}")),
        body_sha512: body_digest(body.as_bytes()),
        body_size: body.len() as u64,
        body: Some(base64::engine::general_purpose::STANDARD.encode(&body)),
        signer: "UZ/GOV/200587331/tax-office".into(),
        signature: String::new(),
        prev: String::new(),
        hash: String::new(),
        sealer: None,
        seal: None,
    };
    e.sign(key);
    e
}

fn broken_at(v: Verdict) -> (u64, String) {
    match v {
        v if v.intact() => panic!("tampering went unnoticed"),
        v => (v.findings[0].seq, v.findings[0].reason.clone()),
    }
}

async fn run(db: &Db, sql: &str) {
    sqlx::query(sql).execute(&db.writer).await.unwrap();
}

async fn concurrent_writers_and_edits(db: Db) {
    log::migrate(&db).await.unwrap();
    let key = Arc::new(generate_key());
    let public = key.verifying_key();
    let keys = move |_: &str| vec![public];
    let db = Arc::new(db);
    // Ten writers at once, three entries each: one chain.
    let tasks: Vec<_> = (0..10)
        .map(|w| {
            let (db, key) = (db.clone(), key.clone());
            tokio::spawn(async move {
                for j in 0..3 {
                    log::append(&db, message(&key, w * 3 + j)).await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        log::verify_log(&db, &[], keys).await.unwrap().findings,
        Vec::new()
    );
    assert_eq!(log::verify_log(&db, &[], keys).await.unwrap().entries, 30);
    let seqs: Vec<u64> = log::page(&db, 0, 100)
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs, (1..=30).collect::<Vec<u64>>());

    // Edited in place.
    run(
        &db,
        "UPDATE exchange_log SET path = '/v1/taxpayers/other/debt' WHERE seq = 7",
    )
    .await;
    let (seq, reason) = broken_at(log::verify_log(&db, &[], keys).await.unwrap());
    assert_eq!(seq, 7, "{reason}");
    assert!(reason.contains("edited"), "{reason}");
    // The edited entry removed to hide the edit (and another one later): the first gap is named.
    run(&db, "DELETE FROM exchange_log WHERE seq = 7").await;
    run(&db, "DELETE FROM exchange_log WHERE seq = 12").await;
    let (seq, reason) = broken_at(log::verify_log(&db, &[], keys).await.unwrap());
    assert_eq!(seq, 7, "{reason}");
    assert!(reason.contains("removed"), "{reason}");
}

async fn removed_at_the_end_and_reordered(db: Db) {
    log::migrate(&db).await.unwrap();
    let key = generate_key();
    let public = key.verifying_key();
    let keys = move |_: &str| vec![public];
    for i in 0..5 {
        log::append(&db, message(&key, i)).await.unwrap();
    }
    let swap = |a: i64, b: i64| {
        let db = &db;
        async move {
            for (from, to) in [(a, -1), (b, a), (-1, b)] {
                sqlx::query("UPDATE exchange_log SET seq = $1 WHERE seq = $2")
                    .bind(to)
                    .bind(from)
                    .execute(&db.writer)
                    .await
                    .unwrap();
            }
        }
    };
    // Two entries swapped.
    swap(2, 3).await;
    let (seq, reason) = broken_at(log::verify_log(&db, &[], keys).await.unwrap());
    assert_eq!(seq, 2, "{reason}");
    // Swapped back: intact again. Then the last entry removed: only the head knows.
    swap(2, 3).await;
    assert_eq!(
        log::verify_log(&db, &[], keys).await.unwrap().findings,
        Vec::new()
    );
    assert_eq!(log::verify_log(&db, &[], keys).await.unwrap().entries, 5);
    run(&db, "DELETE FROM exchange_log WHERE seq = 5").await;
    let (seq, reason) = broken_at(log::verify_log(&db, &[], keys).await.unwrap());
    assert_eq!(seq, 5, "{reason}");
    assert!(reason.contains("removed"), "{reason}");
}

async fn sqlite() -> (Db, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (
        Db::connect(&Db::sqlite_url_in(dir.path())).await.unwrap(),
        dir,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_chain_and_edits_named_on_sqlite() {
    let (db, _dir) = sqlite().await;
    concurrent_writers_and_edits(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_chain_and_edits_named_on_postgres() {
    yagona_db::testing::on_postgres("xlog", concurrent_writers_and_edits).await;
}

#[tokio::test]
async fn removals_at_the_end_and_reordering_on_sqlite() {
    let (db, _dir) = sqlite().await;
    removed_at_the_end_and_reordered(db).await;
}

#[tokio::test]
async fn removals_at_the_end_and_reordering_on_postgres() {
    yagona_db::testing::on_postgres("xlog", removed_at_the_end_and_reordered).await;
}

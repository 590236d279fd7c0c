//! Housekeeping: expired sessions and documents nobody took up are deleted; live ones stay.

use chrono::{Duration, Utc};
use yagona_db::Db;

async fn sweeps(db: Db) {
    yagona::migrate(&db).await.unwrap();
    let now = Utc::now();
    sqlx::query("INSERT INTO users (id, kind, name, pinfl, agency_code, idp, subject, created_at) VALUES ('u1', 'citizen', 'Dilnoza Karimova', '31505901234567', NULL, 'demo', 'u1', '2026-11-27T09:00:00Z')")
        .execute(&db.writer)
        .await
        .unwrap();
    for (token, expires) in [
        ("old", now - Duration::hours(1)),
        ("live", now + Duration::hours(1)),
    ] {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, 'u1', $2, $3)")
            .bind(token)
            .bind(yagona_core::format_timestamp(&(now - Duration::hours(9))))
            .bind(yagona_core::format_timestamp(&expires))
            .execute(&db.writer)
            .await
            .unwrap();
    }
    for (id, age) in [
        ("stale", Duration::hours(25)),
        ("fresh", Duration::hours(2)),
    ] {
        sqlx::query("INSERT INTO staged_documents (id, owner_pinfl, file_name, content, created_at) VALUES ($1, '31505901234567', 'passport.pdf', $2, $3)")
            .bind(id)
            .bind(b"%PDF-1.4".to_vec())
            .bind(yagona_core::format_timestamp(&(now - age)))
            .execute(&db.writer)
            .await
            .unwrap();
    }
    assert_eq!(yagona::housekeeping_once(&db, now).await.unwrap(), (1, 1));
    let sessions: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM sessions")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(sessions, vec!["live".to_owned()]);
    let documents: Vec<String> = sqlx::query_scalar("SELECT id FROM staged_documents")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(documents, vec!["fresh".to_owned()]);
    assert_eq!(yagona::housekeeping_once(&db, now).await.unwrap(), (0, 0));

    // The message log past its retention goes to an archive file; younger entries stay.
    let key = yagona_exchange::evidence::generate_key();
    let signer = yagona_exchange::ClientId::subsystem("UZ", "GOV", "200524845", "taxpayers");
    yagona_exchange::keys::register(&db, &signer, &key.verifying_key())
        .await
        .unwrap();
    for age in [400, 10] {
        let mut e = yagona_exchange::evidence::Entry {
            seq: 0,
            at: yagona_core::format_timestamp(&(now - Duration::days(age))),
            kind: "request".into(),
            request_id: format!("r{age}"),
            message_id: format!("m{age}"),
            client: "UZ/GOV/305184297/portal".into(),
            service: "UZ/GOV/200524845/taxpayers/debt-status".into(),
            method: "GET".into(),
            path: "/v1/taxpayers/302117654/debt".into(),
            status: None,
            user_id: None,
            issue: None,
            body_sha512: yagona_exchange::evidence::body_digest(b""),
            body_size: 0,
            body: None,
            signer: signer.to_string(),
            signature: String::new(),
            prev: String::new(),
            hash: String::new(),
            sealer: None,
            seal: None,
        };
        e.sign(&key);
        yagona_exchange::log::append(&db, e).await.unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let retention = yagona::Retention {
        days: 365,
        dir: dir.path().join("archives"),
    };
    let file = yagona::archive_exchange_log(&db, &retention, now)
        .await
        .unwrap()
        .expect("the old entry is archived");
    let left: Vec<String> = sqlx::query_scalar("SELECT request_id FROM exchange_log")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(left, vec!["r10".to_owned()]);
    assert!(matches!(
        yagona_exchange::archive::verify_files(&[&file]).unwrap(),
        yagona_exchange::archive::FileVerdict::Intact { entries: 1, .. }
    ));
    assert!(yagona::archive_exchange_log(&db, &retention, now)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn expired_sessions_and_untaken_documents_go_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    sweeps(Db::connect(&Db::sqlite_url_in(dir.path())).await.unwrap()).await;
}

#[tokio::test]
async fn expired_sessions_and_untaken_documents_go_on_postgres() {
    yagona_db::testing::on_postgres("housekeeping", sweeps).await;
}

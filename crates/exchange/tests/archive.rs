//! Archives of the message log: the oldest entries move to files that verify offline, the
//! database goes on from where they end, and tampering with a file is named by its entry.

use base64::Engine;
use std::path::Path;
use yagona_db::Db;
use yagona_exchange::archive::{self, FileVerdict};
use yagona_exchange::evidence::{body_digest, generate_key, Entry};
use yagona_exchange::log;
use yagona_exchange::ClientId;

const SIGNER: &str = "UZ/GOV/200524845/taxpayers";

fn message(key: &ed25519_dalek::SigningKey, i: usize) -> Entry {
    let body = format!("{{\"tin\":\"3021176{i:02}\",\"hasDebt\":false}}");
    let mut e = Entry {
        seq: 0,
        at: format!("2026-11-{:02}T10:00:00.000000Z", 1 + i),
        kind: "response".into(),
        request_id: format!("req-{i}"),
        message_id: format!("msg-{i}"),
        client: "UZ/GOV/305184297/portal".into(),
        service: "UZ/GOV/200524845/taxpayers/debt-status".into(),
        method: "GET".into(),
        path: format!("/v1/taxpayers/3021176{i:02}/debt"),
        status: Some(200),
        user_id: None,
        issue: None,
        body_sha512: body_digest(body.as_bytes()),
        body_size: body.len() as u64,
        body: Some(base64::engine::general_purpose::STANDARD.encode(&body)),
        signer: SIGNER.into(),
        signature: String::new(),
        prev: String::new(),
        hash: String::new(),
        sealer: None,
        seal: None,
    };
    e.sign(key);
    e
}

fn broken(v: FileVerdict) -> (String, u64, String) {
    match v {
        FileVerdict::Broken { file, broken } => (file, broken.seq, broken.reason),
        FileVerdict::Intact { .. } => panic!("tampering went unnoticed"),
    }
}

fn rewrite(path: &Path, f: impl FnOnce(&mut Vec<String>)) -> std::path::PathBuf {
    let mut lines: Vec<String> = std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    f(&mut lines);
    let out = path.with_extension("tampered");
    std::fs::write(&out, lines.join("\n") + "\n").unwrap();
    out
}

async fn archives_verify_offline_and_the_rest_goes_on(db: Db, dir: &Path) {
    log::migrate(&db).await.unwrap();
    let key = generate_key();
    let public = key.verifying_key();
    yagona_exchange::keys::register(&db, &ClientId::from_header(SIGNER).unwrap(), &public)
        .await
        .unwrap();
    for i in 0..10 {
        log::append(&db, message(&key, i)).await.unwrap();
    }
    let keys = move |_: &str| vec![public];
    // Entries of 1–4 November go to a first file, 5–7 November to a second.
    let first = dir.join("first.jsonl");
    let second = dir.join("second.jsonl");
    let a = archive::archive_before(&db, "2026-11-05T00:00:00.000000Z", &first)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((a.first, a.last), (1, 4));
    assert!(
        archive::archive_before(&db, "2026-11-05T00:00:00.000000Z", &dir.join("none.jsonl"))
            .await
            .unwrap()
            .is_none(),
        "nothing older is left"
    );
    let b = archive::archive_before(&db, "2026-11-08T00:00:00.000000Z", &second)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((b.first, b.last), (5, 7));
    assert_eq!(log::page(&db, 0, 100).await.unwrap().len(), 3);
    // The database's part verifies from where the archives end; new entries follow on.
    log::append(&db, message(&key, 10)).await.unwrap();
    assert_eq!(
        log::verify_log(&db, &[], keys).await.unwrap().findings,
        Vec::new()
    );
    assert_eq!(log::verify_log(&db, &[], keys).await.unwrap().entries, 4);
    // The files verify offline, alone and in sequence, with the keys they carry.
    match archive::verify_files(&[&first, &second]).unwrap() {
        FileVerdict::Intact { entries, last } => {
            assert_eq!(entries, 7);
            assert_eq!(last.unwrap().seq, 7);
        }
        other => panic!("{other:?}"),
    }
    // Out of order, the second file does not continue the first.
    let (file, _, reason) = broken(archive::verify_files(&[&second, &first]).unwrap());
    assert!(
        file.ends_with("first.jsonl") && reason.contains("does not continue"),
        "{reason}"
    );

    // An entry edited, removed, or two swapped: each named by its entry.
    let edited = rewrite(&first, |l| l[2] = l[2].replace("/debt", "/debts"));
    let (_, seq, reason) = broken(archive::verify_files(&[&edited]).unwrap());
    assert_eq!(seq, 2, "{reason}");
    let removed = rewrite(&first, |l| {
        l.remove(3);
    });
    let (_, seq, reason) = broken(archive::verify_files(&[&removed]).unwrap());
    assert_eq!((seq, reason.contains("removed")), (3, true), "{reason}");
    let swapped = rewrite(&first, |l| l.swap(2, 3));
    let (_, seq, _) = broken(archive::verify_files(&[&swapped]).unwrap());
    assert_eq!(seq, 2);
    let cut_short = rewrite(&first, |l| {
        l.pop();
    });
    let (_, seq, reason) = broken(archive::verify_files(&[&cut_short]).unwrap());
    assert_eq!(seq, 4, "{reason}");
    // A file that is not an archive is refused with its line.
    std::fs::write(dir.join("junk.jsonl"), "{\"format\": 1}\n").unwrap();
    let e = archive::verify_files(&[&dir.join("junk.jsonl")]).unwrap_err();
    assert!(e.to_string().contains("junk.jsonl:1:"), "{e}");
}

#[tokio::test]
async fn on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&Db::sqlite_url_in(dir.path())).await.unwrap();
    archives_verify_offline_and_the_rest_goes_on(db, dir.path()).await;
}

#[tokio::test]
async fn on_postgres() {
    let dir = tempfile::tempdir().unwrap();
    yagona_db::testing::on_postgres("arch", |db| async move {
        archives_verify_offline_and_the_rest_goes_on(db, dir.path()).await
    })
    .await;
}

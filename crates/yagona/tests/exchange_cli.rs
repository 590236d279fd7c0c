//! `yagona exchange keygen` and `yagona exchange verify-log` as an operator runs them: a key
//! made by one command signs messages, the log verifies, and an edit is named by its entry.

#[path = "support/attacker.rs"]
mod attacker;
use std::process::Command;
use yagona_db::Db;
use yagona_exchange::evidence::{body_digest, Entry};

fn yagona(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_yagona"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn keys_made_by_one_command_sign_a_log_that_verify_log_checks() {
    let data = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let data_arg = data.path().to_str().unwrap();
    let keys_arg = keys.path().to_str().unwrap();
    let subsystem = "UZ/GOV/201122919/civil-registry";

    let (ok, public, err) = yagona(&[
        "exchange", "keygen", subsystem, "--keys", keys_arg, "--data", data_arg,
    ]);
    assert!(ok, "{err}");
    assert_eq!(
        public.trim().len(),
        44,
        "a base64 Ed25519 public key: {public}"
    );
    // The private key file is the owner's alone, and is never overwritten.
    let file = yagona_exchange::keys::key_file(
        keys.path(),
        &yagona_exchange::ClientId::from_header(subsystem).unwrap(),
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let (ok, _, err) = yagona(&[
        "exchange", "keygen", subsystem, "--keys", keys_arg, "--data", data_arg,
    ]);
    assert!(!ok, "a second keygen must not overwrite the key");
    assert!(err.contains("exists"), "{err}");
    // Bad identifiers are refused with the reason.
    let (ok, _, err) = yagona(&[
        "exchange",
        "keygen",
        "UZ/GOV/Oʻz/x",
        "--keys",
        keys_arg,
        "--data",
        data_arg,
    ]);
    assert!(!ok);
    assert!(err.contains("is not allowed"), "{err}");

    // Messages signed with that key, appended as the gateway does.
    let key = yagona_exchange::keys::read_private(&file).unwrap();
    let db = Db::connect(&Db::sqlite_url_in(data.path())).await.unwrap();
    for i in 0..4 {
        yagona_exchange::log::append(&db, message(&key, subsystem, i))
            .await
            .unwrap();
    }
    let (ok, out, err) = yagona(&["exchange", "verify-log", "--data", data_arg]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("intact: 4 entries"), "{out}");

    // Archived to a file (everything logged before 28 November, Tashkent time), which verifies
    // on its own; the database is empty of them and still verifies.
    let archive = data.path().join("2026-11.jsonl");
    let archive_arg = archive.to_str().unwrap();
    let (ok, out, err) = yagona(&[
        "exchange",
        "archive",
        "--before",
        "2026-11-28",
        "--out",
        archive_arg,
        "--data",
        data_arg,
    ]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("archived entries 1–4"), "{out}");
    let (ok, out, err) = yagona(&["exchange", "verify-archive", archive_arg]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("intact: 4 entries"), "{out}");
    let (ok, out, _) = yagona(&["exchange", "verify-log", "--data", data_arg]);
    assert!(ok && out.contains("intact: 0 entries"), "{out}");
    let text = std::fs::read_to_string(&archive).unwrap();
    std::fs::write(&archive, text.replacen("YG-7K4M-X9QA", "YG-0000-0000", 1)).unwrap();
    let (ok, out, _) = yagona(&["exchange", "verify-archive", archive_arg]);
    assert!(!ok);
    assert!(out.contains("broken at entry 1"), "{out}");
    std::fs::write(&archive, text).unwrap();
    // New messages go on from where the archive ended.
    for i in 4..8 {
        yagona_exchange::log::append(&db, message(&key, subsystem, i))
            .await
            .unwrap();
    }
    let (ok, out, _) = yagona(&["exchange", "verify-log", "--data", data_arg]);
    assert!(ok && out.contains("intact: 4 entries"), "{out}");

    sqlx::query("UPDATE exchange_log SET user_id = 'UZ00000000000000' WHERE seq = 7")
        .execute(&db.writer)
        .await
        .unwrap();
    let (ok, out, _) = yagona(&["exchange", "verify-log", "--data", data_arg]);
    assert!(!ok, "an edited log must fail verification");
    assert!(out.contains("broken at entry 7"), "{out}");
}

/// `exchange checkpoint` signs the log's head with the node's key (once per head), keeps it and
/// appends it to the file; `exchange checkpoints` prints this node's own, and `--of NODE` what
/// it keeps of another node's; `verify-log` holds the log to them.
#[tokio::test]
async fn checkpoint_signs_the_head_and_checkpoints_prints_what_is_kept() {
    use yagona_exchange::checkpoint::{self, Checkpoint};
    let data = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let data_arg = data.path().to_str().unwrap();
    let keys_arg = keys.path().to_str().unwrap();
    let subsystem = "UZ/GOV/201122919/civil-registry";
    let (ok, _, err) = yagona(&[
        "exchange", "keygen", subsystem, "--keys", keys_arg, "--data", data_arg,
    ]);
    assert!(ok, "{err}");
    let key = yagona_exchange::keys::read_private(&yagona_exchange::keys::key_file(
        keys.path(),
        &yagona_exchange::ClientId::from_header(subsystem).unwrap(),
    ))
    .unwrap();
    let db = Db::connect(&Db::sqlite_url_in(data.path())).await.unwrap();

    // An empty log has no head to sign.
    let (ok, node_key, err) = yagona(&[
        "exchange", "keygen", "--node", "tax", "--keys", keys_arg, "--data", data_arg,
    ]);
    assert!(ok, "{err}");
    let checkpoint_cmd = |file: &str| {
        yagona(&[
            "exchange",
            "checkpoint",
            "--keys",
            keys_arg,
            "--node",
            "tax",
            "--file",
            file,
            "--data",
            data_arg,
        ])
    };
    let file = data.path().join("witness/checkpoints.jsonl");
    let file_arg = file.to_str().unwrap();
    let (ok, out, err) = checkpoint_cmd(file_arg);
    assert!(ok, "{err}");
    assert!(
        out.is_empty() && err.contains("has not moved"),
        "{out}{err}"
    );

    for i in 0..3 {
        yagona_exchange::log::append(&db, message(&key, subsystem, i))
            .await
            .unwrap();
    }
    let (ok, out, err) = checkpoint_cmd(file_arg);
    assert!(ok, "{err}");
    let signed: Checkpoint = serde_json::from_str(out.trim()).unwrap();
    assert_eq!((signed.node.as_str(), signed.seq), ("tax", 3));
    assert_eq!(signed.public_key, node_key.trim());
    assert!(signed.signed_by().is_some(), "its signature holds");
    // Appended to the file, as one line.
    assert_eq!(checkpoint::read_file(&file).unwrap(), vec![signed.clone()]);
    // Once per head: the same head is not signed again.
    let (ok, out, err) = checkpoint_cmd(file_arg);
    assert!(
        ok && out.is_empty() && err.contains("has not moved"),
        "{out}{err}"
    );
    assert_eq!(checkpoint::read_file(&file).unwrap().len(), 1);

    // This node's own checkpoints, one JSON line each (the file's format).
    let (ok, out, err) = yagona(&["exchange", "checkpoints", "--data", data_arg]);
    assert!(ok, "{err}");
    let own: Vec<Checkpoint> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(own, vec![signed.clone()]);

    // What it keeps of another node's log, as a witness.
    let (ok, out, _) = yagona(&[
        "exchange",
        "checkpoints",
        "--of",
        "civil",
        "--data",
        data_arg,
    ]);
    assert!(ok && out.is_empty(), "{out}");
    let civil = yagona_exchange::evidence::Sealer {
        name: "civil".into(),
        key: yagona_exchange::evidence::generate_key(),
    };
    let head = yagona_exchange::log::Head {
        seq: 41,
        hash: "h".repeat(88),
        link: "l".repeat(88),
        sealed_from: Some(1),
    };
    let theirs = Checkpoint::sign(&civil, &head);
    checkpoint::keep(&db, "civil", &theirs).await.unwrap();
    let (ok, out, _) = yagona(&[
        "exchange",
        "checkpoints",
        "--of",
        "civil",
        "--data",
        data_arg,
    ]);
    assert!(ok);
    let kept: Vec<Checkpoint> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(kept, vec![theirs]);
    let (ok, out, _) = yagona(&["exchange", "checkpoints", "--data", data_arg]);
    assert!(ok && out.lines().count() == 1, "only its own: {out}");

    // The log agrees with the file; a tail removed since is named.
    let (ok, out, err) = yagona(&[
        "exchange",
        "verify-log",
        "--checkpoints",
        file_arg,
        "--data",
        data_arg,
    ]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("agrees with 1 checkpoint"), "{out}");
    sqlx::query("DELETE FROM exchange_log_checkpoints")
        .execute(&db.writer)
        .await
        .unwrap();
    let entries = yagona_exchange::log::page(&db, 0, 100).await.unwrap();
    attacker::rewrite_log(&db, entries.into_iter().take(2).collect()).await;
    let (ok, out, _) = yagona(&["exchange", "verify-log", "--data", data_arg]);
    assert!(ok, "without a witness, a cut tail is not seen: {out}");
    let (ok, out, _) = yagona(&[
        "exchange",
        "verify-log",
        "--checkpoints",
        file_arg,
        "--data",
        data_arg,
    ]);
    assert!(!ok, "{out}");
    assert!(out.contains("checkpoint of node tax at entry 3"), "{out}");

    // A node key that is not there is named.
    let (ok, _, err) = yagona(&[
        "exchange",
        "checkpoint",
        "--keys",
        keys_arg,
        "--node",
        "nowhere",
        "--data",
        data_arg,
    ]);
    assert!(!ok);
    assert!(err.contains("node.nowhere.pem"), "{err}");
}

/// A message signed as the gateway signs it.
fn message(key: &yagona_exchange::SigningKey, subsystem: &str, i: usize) -> Entry {
    let body = format!("{{\"pinfl\":\"3150590123456{i}\",\"surname\":\"Karimova\"}}");
    let mut e = Entry {
        seq: 0,
        at: "2026-11-27T09:00:00Z".into(),
        kind: "response".into(),
        request_id: format!("req-{i}"),
        message_id: format!("msg-{i}"),
        client: "UZ/GOV/201122349/egov-portal".into(),
        service: format!("{subsystem}/persons"),
        method: "GET".into(),
        path: format!("/v1/persons/3150590123456{i}"),
        status: Some(200),
        user_id: Some(format!("UZ3150590123456{i}")),
        issue: Some("YG-7K4M-X9QA".into()),
        body_sha512: body_digest(body.as_bytes()),
        body_size: body.len() as u64,
        body: None,
        signer: subsystem.into(),
        signature: String::new(),
        prev: String::new(),
        hash: String::new(),
        sealer: None,
        seal: None,
    };
    e.sign(key);
    e
}

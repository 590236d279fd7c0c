//! Several gateways: two `yagona serve` processes, each hosting its own members, with their own
//! databases and keys (node B on PostgreSQL when the tests have one). The portal on node A asks
//! the Civil Registry on node B; A passes the call to B over mutual TLS, B calls the register,
//! and both logs hold the same signed request and response. Calls the nodes must refuse are
//! refused: a certificate nobody registered, a node speaking for a member it does not host, an
//! unsigned relayed request, a server with the wrong key.

#[path = "support/attacker.rs"]
mod attacker;
mod nodes;

use nodes::{copy_dir, free_port, start, yagona};
use std::path::Path;
use std::process::Command;
use yagona_db::Db;
use yagona_exchange::evidence::Entry;

const PORTAL: &str = "UZ/GOV/305184297/portal";
const CIVIL: &str = "UZ/GOV/201122919/civil-records";
const PERSON: &str = "/r1/UZ/GOV/201122919/civil-records/persons/v1/persons/31505901234567";

/// Hosts a member file's member on `node`, and gives the named subsystem its public key.
fn place(registry: &Path, file: &str, node: &str, subsystem: &str, key: &str) {
    let path = registry.join("exchange").join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let marker = format!("code = \"{subsystem}\"\n");
    assert!(text.contains(&marker), "{file} has subsystem {subsystem}");
    let text = text.replacen(&marker, &format!("{marker}keys = [\"{key}\"]\n"), 1);
    std::fs::write(&path, format!("node = \"{node}\"\n{text}")).unwrap();
}

/// A TLS client presenting `key` and trusting only a server holding `server`.
fn tls_client(
    key: &yagona_exchange::SigningKey,
    server: &yagona_exchange::VerifyingKey,
) -> reqwest::Client {
    let tls = yagona_exchange::tls::client_config(Some((key, "test")), vec![*server]).unwrap();
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .build()
        .unwrap()
}

async fn log_entries(url: &str, request_id: &str) -> Vec<Entry> {
    let db = Db::connect(url).await.unwrap();
    let all = yagona_exchange::log::page(&db, 0, 10_000).await.unwrap();
    all.into_iter()
        .filter(|e| e.request_id == request_id)
        .collect()
}

async fn two_nodes() {
    // B on PostgreSQL when the tests have one (its schema dropped at the end), else SQLite.
    let postgres = yagona_db::testing::Schema::create("nodes").await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (a_keys, b_keys) = (d.join("a-keys"), d.join("b-keys"));
    let scratch = d.join("scratch");
    let scratch = scratch.to_str().unwrap();
    // Each node's own key, and the key of the subsystem it hosts, made where they will live.
    let keygen = |what: &[&str], keys: &Path| {
        let mut args = vec!["exchange", "keygen"];
        args.extend_from_slice(what);
        args.extend_from_slice(&["--keys", keys.to_str().unwrap(), "--data", scratch]);
        yagona(&args)
    };
    let a_node = keygen(&["--node", "a"], &a_keys);
    let b_node = keygen(&["--node", "b"], &b_keys);
    let portal = keygen(&[PORTAL], &a_keys);
    let civil = keygen(&[CIVIL], &b_keys);

    // One registry, shared by both nodes: who is hosted where, the nodes' addresses and keys.
    let registry = d.join("registry");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../registry"),
        &registry,
    );
    let (a_tls, b_tls) = (free_port(), free_port());
    std::fs::write(
        registry.join("exchange/nodes.toml"),
        format!(
            "[[node]]\ncode = \"a\"\naddress = \"https://127.0.0.1:{a_tls}\"\nkey = \"{a_node}\"\n\n[[node]]\ncode = \"b\"\naddress = \"https://127.0.0.1:{b_tls}\"\nkey = \"{b_node}\"\n"
        ),
    )
    .unwrap();
    place(
        &registry,
        "public-services-agency.toml",
        "a",
        "portal",
        &portal,
    );
    place(
        &registry,
        "civil-registry.toml",
        "b",
        "civil-records",
        &civil,
    );
    let check = Command::new(env!("CARGO_BIN_EXE_yagona"))
        .args(["registry", "validate", registry.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );

    let a_db = d.join("a-db");
    std::fs::create_dir_all(&a_db).unwrap();
    let b_db = d.join("b-db");
    std::fs::create_dir_all(&b_db).unwrap();
    // B has the registers; A has none, so the answer can only have come from B.
    let b = start(
        d,
        "b",
        &registry,
        match &postgres {
            Some((_, schema)) => schema.url.clone(),
            None => Db::sqlite_url_in(&b_db),
        },
        b_tls,
        true,
    )
    .await;
    let a = start(d, "a", &registry, Db::sqlite_url_in(&a_db), a_tls, false).await;

    // The portal's system calls its own node, A, with a token of its key.
    let token = yagona(&[
        "exchange",
        "token",
        PORTAL,
        "--keys",
        a.keys.to_str().unwrap(),
    ]);
    let http = reqwest::Client::new();
    let via_a = |path: &str| {
        http.get(format!("http://127.0.0.1:{}{path}", a.http))
            .header("X-Road-Client", PORTAL)
            .header("X-Yagona-Client-Token", &token)
    };
    let r = via_a(PERSON)
        .header("X-Road-UserId", "UZ31505901234567")
        .header("X-Road-Issue", "A-2026-000042")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let request_id = r.headers()["x-road-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        r.headers()["x-road-service"],
        "UZ/GOV/201122919/civil-records/persons"
    );
    assert!(r.headers().get("x-yagona-signature").is_none());
    let person: serde_json::Value = r.json().await.unwrap();
    assert_eq!(person["surname"], "Karimova");

    // Both nodes logged the request (signed on A with the portal's key) and the response
    // (signed on B with the Civil Registry's), with the same request id and signatures.
    let on_a = log_entries(&a.database, &request_id).await;
    let on_b = log_entries(&b.database, &request_id).await;
    let kinds = |es: &[Entry]| es.iter().map(|e| e.kind.clone()).collect::<Vec<_>>();
    assert_eq!(kinds(&on_a), ["request", "response"]);
    assert_eq!(kinds(&on_b), ["request", "response"]);
    for (x, y) in on_a.iter().zip(&on_b) {
        assert_eq!(x.signature, y.signature);
        assert_eq!(x.body_sha512, y.body_sha512);
        assert_eq!(x.user_id.as_deref(), Some("UZ31505901234567"));
        assert_eq!(x.issue.as_deref(), Some("A-2026-000042"));
    }
    assert_eq!(on_a[0].signer, PORTAL);
    assert_eq!(on_b[1].signer, CIVIL);
    for node in [&a, &b] {
        let verdict = yagona(&["exchange", "verify-log", "--database", &node.database]);
        assert!(verdict.contains("intact"), "{verdict}");
    }

    // B decides on access, and A passes its refusal on in the protocol's format.
    let r = via_a("/r1/UZ/GOV/201122919/civil-records/persons/v1/other")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["x-road-error"],
        "server.serverproxy.access_denied"
    );
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("node b"),
        "{body}"
    );

    // The portal's own system may use mutual TLS with its key instead of a token.
    let portal_key = yagona_exchange::keys::read_private(&yagona_exchange::keys::key_file(
        &a.keys,
        &yagona_exchange::ClientId::from_header(PORTAL).unwrap(),
    ))
    .unwrap();
    let a_node_key =
        yagona_exchange::keys::read_private(&yagona_exchange::keys::node_key_file(&a.keys, "a"))
            .unwrap();
    let b_node_public = yagona_exchange::evidence::public_key_from_text(&b_node).unwrap();
    let a_node_public = a_node_key.verifying_key();
    let r = tls_client(&portal_key, &a_node_public)
        .get(format!("https://127.0.0.1:{}{PERSON}", a.tls))
        .header("X-Road-Client", PORTAL)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{:?}", r.text().await);

    // A certificate nobody registered is refused by the protocol's error.
    let stranger = yagona_exchange::evidence::generate_key();
    let r = tls_client(&stranger, &b_node_public)
        .get(format!("https://127.0.0.1:{}{PERSON}", b.tls))
        .header("X-Road-Client", PORTAL)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["x-road-error"],
        "client.ssl_authentication_failed"
    );

    // Node A may speak for the portal, whom it hosts, but not for the Civil Registry.
    let as_a = tls_client(&a_node_key, &b_node_public);
    let r = as_a
        .get(format!(
            "https://127.0.0.1:{}/r1/UZ/GOV/200524845/taxpayers/debt-status/v1/taxpayers/305184297/debt",
            b.tls
        ))
        .header("X-Road-Client", CIVIL)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["x-road-error"],
        "client.ssl_authentication_failed"
    );
    assert!(r.text().await.unwrap().contains("does not host"));

    // A relayed request without the client's signature is not taken.
    let r = as_a
        .get(format!("https://127.0.0.1:{}{PERSON}", b.tls))
        .header("X-Road-Client", PORTAL)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["x-road-error"],
        "client.ssl_authentication_failed"
    );
    assert!(r.text().await.unwrap().contains("not signed"));

    // A node that is not B (wrong key) is never talked to as B.
    let wrong = tls_client(&a_node_key, &a_node_public)
        .get(format!("https://127.0.0.1:{}{PERSON}", b.tls))
        .header("X-Road-Client", PORTAL)
        .send()
        .await;
    assert!(wrong.is_err(), "a server with another key must be refused");

    // When B is down, A says so in the protocol's terms.
    drop(b);
    let r = via_a(PERSON).send().await.unwrap();
    assert_eq!(
        r.headers()["x-road-error"],
        "server.serverproxy.network_error"
    );
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("node b"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_forward_over_mutual_tls_and_both_keep_the_evidence() {
    two_nodes().await;
}

/// What the node on `database` keeps of node `of`'s checkpoints, once there is one (waited for
/// up to 30 seconds).
async fn witnessed_by(of: &str, database: &str) -> Vec<yagona_exchange::checkpoint::Checkpoint> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let kept: Vec<yagona_exchange::checkpoint::Checkpoint> = yagona(&[
            "exchange",
            "checkpoints",
            "--of",
            of,
            "--database",
            database,
        ])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
        if !kept.is_empty() {
            return kept;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "node {of}'s checkpoint did not reach its witness"
        );
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
}

/// Each node witnesses the other's message log: a node signs a checkpoint of its log's head
/// and sends it to the other over mutual TLS (`POST /yagona/checkpoints`), which keeps it and
/// countersigns it; a different head for the same entry is refused. When a node's log is later
/// rewritten — even its own checkpoints with it — `verify-log` with the other node's copy names
/// what is missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_witness_each_others_checkpoints() {
    use yagona_exchange::checkpoint::{Checkpoint, Countersignature};
    let postgres = yagona_db::testing::Schema::create("witness").await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (a_keys, b_keys) = (d.join("a-keys"), d.join("b-keys"));
    let scratch = d.join("scratch");
    let scratch = scratch.to_str().unwrap();
    let keygen = |what: &[&str], keys: &Path| {
        let mut args = vec!["exchange", "keygen"];
        args.extend_from_slice(what);
        args.extend_from_slice(&["--keys", keys.to_str().unwrap(), "--data", scratch]);
        yagona(&args)
    };
    let a_node = keygen(&["--node", "a"], &a_keys);
    let b_node = keygen(&["--node", "b"], &b_keys);
    let portal = keygen(&[PORTAL], &a_keys);
    let civil = keygen(&[CIVIL], &b_keys);
    let registry = d.join("registry");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../registry"),
        &registry,
    );
    let (a_tls, b_tls) = (free_port(), free_port());
    std::fs::write(
        registry.join("exchange/nodes.toml"),
        format!(
            "[[node]]\ncode = \"a\"\naddress = \"https://127.0.0.1:{a_tls}\"\nkey = \"{a_node}\"\n\n[[node]]\ncode = \"b\"\naddress = \"https://127.0.0.1:{b_tls}\"\nkey = \"{b_node}\"\n"
        ),
    )
    .unwrap();
    place(
        &registry,
        "public-services-agency.toml",
        "a",
        "portal",
        &portal,
    );
    place(
        &registry,
        "civil-registry.toml",
        "b",
        "civil-records",
        &civil,
    );
    let a_db = d.join("a-db");
    std::fs::create_dir_all(&a_db).unwrap();
    let b_db = d.join("b-db");
    std::fs::create_dir_all(&b_db).unwrap();
    let mut b = start(
        d,
        "b",
        &registry,
        match &postgres {
            Some((_, schema)) => schema.url.clone(),
            None => Db::sqlite_url_in(&b_db),
        },
        b_tls,
        true,
    )
    .await;
    let mut a = start(d, "a", &registry, Db::sqlite_url_in(&a_db), a_tls, false).await;

    // One call from A's portal to B's Civil Registry: both logs hold its request and response.
    let token = yagona(&[
        "exchange",
        "token",
        PORTAL,
        "--keys",
        a.keys.to_str().unwrap(),
    ]);
    let r = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{}{PERSON}", a.http))
        .header("X-Road-Client", PORTAL)
        .header("X-Yagona-Client-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{:?}", r.text().await);

    // A node signs a checkpoint when it starts and every minute after, and sends it to the
    // other: restarted one after the other (the other up), each signs its head now.
    let lines = |args: &[&str]| -> Vec<Checkpoint> {
        yagona(args)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    a.crash_and_restart().await;
    let of_a = witnessed_by("a", &b.database).await;
    b.crash_and_restart().await;
    let of_b = witnessed_by("b", &a.database).await;
    // Each keeps the other's, signed by the other's node key and countersigned by itself.
    for (kept, signer, signer_key, witness, witness_key) in [
        (&of_a, "a", &a_node, "b", &b_node),
        (&of_b, "b", &b_node, "a", &a_node),
    ] {
        let c = kept.last().unwrap();
        assert_eq!(c.node, signer);
        assert_eq!(&c.public_key, signer_key);
        assert!(c.seq >= 2, "the call's request and response: {c:?}");
        assert!(c.signed_by().is_some());
        assert_eq!(c.countersignatures.len(), 1, "{c:?}");
        let cs = &c.countersignatures[0];
        assert_eq!(
            (cs.witness.as_str(), &cs.public_key),
            (witness, witness_key)
        );
        assert!(c.countersigned_by(cs), "the countersignature verifies");
        assert!(c
            .describe()
            .contains(&format!("countersigned by {witness}")));
    }
    // The signer keeps its own checkpoint with the witness's countersignature too.
    let own_a = lines(&["exchange", "checkpoints", "--database", &a.database]);
    let witnessed = own_a
        .iter()
        .find(|c| c.seq == of_a.last().unwrap().seq)
        .expect("A keeps the checkpoint B witnessed");
    assert!(witnessed
        .countersignatures
        .iter()
        .any(|cs| cs.public_key == b_node && witnessed.countersigned_by(cs)));

    // Speaking as node A over mutual TLS: the same checkpoint again is countersigned again; a
    // different head for the same entry is refused; only a node's key gets in, and only with
    // a checkpoint that node signed.
    let a_key =
        yagona_exchange::keys::read_private(&yagona_exchange::keys::node_key_file(&a.keys, "a"))
            .unwrap();
    let b_public = yagona_exchange::evidence::public_key_from_text(&b_node).unwrap();
    let as_a = tls_client(&a_key, &b_public);
    let to_b = format!("https://127.0.0.1:{}/yagona/checkpoints", b.tls);
    let mut first = of_a.last().unwrap().clone();
    first.countersignatures.clear();
    let r = as_a.post(&to_b).json(&first).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let cs: Countersignature = r.json().await.unwrap();
    assert!(first.countersigned_by(&cs) && cs.public_key == b_node);

    let sealer = yagona_exchange::evidence::Sealer {
        name: "a".into(),
        key: a_key.clone(),
    };
    let forged = Checkpoint::sign(
        &sealer,
        &yagona_exchange::log::Head {
            seq: first.seq,
            hash: format!("{}x", &first.hash[1..]),
            link: first.link.clone(),
            sealed_from: first.sealed_from,
        },
    );
    let r = as_a.post(&to_b).json(&forged).send().await.unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("another head for entry"));
    let still = lines(&[
        "exchange",
        "checkpoints",
        "--of",
        "a",
        "--database",
        &b.database,
    ]);
    assert_eq!(
        still.iter().find(|c| c.seq == first.seq).unwrap().hash,
        first.hash,
        "the first head is kept"
    );

    let mut not_signed = first.clone();
    not_signed.seq += 1;
    let r = as_a.post(&to_b).json(&not_signed).send().await.unwrap();
    assert_eq!(r.status(), 400, "a signature that does not hold");
    let r = as_a.post(&to_b).body("{").send().await.unwrap();
    assert_eq!(r.status(), 400);
    let stranger = yagona_exchange::evidence::generate_key();
    let r = tls_client(&stranger, &b_public)
        .post(&to_b)
        .json(&first)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "not a node's key");
    // On the plain listener there is no peer to know.
    let r = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{}/yagona/checkpoints", b.http))
        .json(&first)
        .send()
        .await
        .unwrap();
    assert!(r.status() == 403 || r.status() == 404, "{}", r.status());

    // A's log rewritten after B witnessed it: its last entries cut off, its own checkpoints
    // gone. On its own the log looks whole; B's copy says what is missing.
    let witnessed_seq = first.seq;
    drop(a);
    let db = Db::connect(&Db::sqlite_url_in(&a_db)).await.unwrap();
    let entries = yagona_exchange::log::page(&db, 0, 10_000).await.unwrap();
    sqlx::query("DELETE FROM exchange_log_checkpoints")
        .execute(&db.writer)
        .await
        .unwrap();
    let kept_entries: Vec<_> = entries
        .into_iter()
        .take(witnessed_seq as usize - 1)
        .collect();
    attacker::rewrite_log(&db, kept_entries).await;
    db.pool.close().await;
    let a_url = Db::sqlite_url_in(&a_db);
    let alone = yagona(&["exchange", "verify-log", "--database", &a_url]);
    assert!(alone.contains("intact"), "{alone}");
    let copy = d.join("a-witnessed-by-b.jsonl");
    std::fs::write(
        &copy,
        yagona(&[
            "exchange",
            "checkpoints",
            "--of",
            "a",
            "--database",
            &b.database,
        ]),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_yagona"))
        .args([
            "exchange",
            "verify-log",
            "--checkpoints",
            copy.to_str().unwrap(),
            "--database",
            &a_url,
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("broken"), "{text}");
    assert!(
        text.contains(&format!("checkpoint of node a at entry {witnessed_seq}"))
            && text.contains("countersigned by b"),
        "{text}"
    );
}

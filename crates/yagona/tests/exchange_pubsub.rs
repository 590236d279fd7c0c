//! Publish/subscribe as GovStack's Information Mediator describes it, on a real `yagona serve`
//! process (on PostgreSQL when the tests have one): the Civil Registry creates an event type in
//! its room and publishes a birth; the Tashkent khokimiyat's docflow subscribes by push, the
//! social register by pull. The push endpoint is down and the node is killed; after a restart
//! both still get the event — at least once, none lost — and the pull queue gives it again
//! until it is acknowledged. Rights, schemas and the API's statuses are checked on the way.

mod nodes;

use axum::routing::post;
use nodes::{copy_dir, free_port, start, yagona};
use serde_json::{json, Value};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use yagona_db::Db;

const ROOM: &str = "/r1/UZ/GOV/201122919/events";
const CIVIL: &str = "UZ/GOV/201122919/civil-records";
const DOCFLOW: &str = "UZ/GOV/201589236/docflow";
const SOCIAL: &str = "UZ/GOV/309871524/social-register";
const ROOM_ID: &str = "UZ/GOV/201122919/events";

struct Caller {
    http: reqwest::Client,
    base: String,
    client: &'static str,
    token: String,
}

impl Caller {
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{ROOM}{path}", self.base))
            .header("X-GovStack-Client", self.client)
            .header("X-Yagona-Client-Token", &self.token)
    }
    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut r = self.request(method, path);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

/// The khokimiyat's system: takes pushed events on `POST /inbox`, remembers them.
async fn subscriber(port: u16) -> (Arc<Mutex<Vec<Value>>>, tokio::task::JoinHandle<()>) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let keep = got.clone();
    let app = axum::Router::new().route(
        "/inbox",
        post(move |axum::Json(v): axum::Json<Value>| {
            let keep = keep.clone();
            async move {
                keep.lock().unwrap().push(v);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (got, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_reach_push_and_pull_subscribers_across_a_crash() {
    let postgres = yagona_db::testing::Schema::create("pubsub").await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let keys = d.join("solo-keys"); // where `start` points the node
    let database = match &postgres {
        Some((_, schema)) => schema.url.clone(),
        None => {
            std::fs::create_dir_all(d.join("db")).unwrap();
            Db::sqlite_url_in(&d.join("db"))
        }
    };
    let k = keys.to_str().unwrap();
    for s in [CIVIL, DOCFLOW, SOCIAL, ROOM_ID] {
        yagona(&[
            "exchange",
            "keygen",
            s,
            "--keys",
            k,
            "--database",
            &database,
        ]);
    }
    yagona(&["exchange", "keygen", "--node", "solo", "--keys", k]);

    // The khokimiyat's docflow offers an inbox service that the events room may POST to.
    let inbox_port = free_port();
    let registry = d.join("registry");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../registry"),
        &registry,
    );
    let file = registry.join("exchange/tashkent-khokimiyat.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        format!(
            "{text}\n[[subsystem.service]]\ncode = \"inbox\"\nbase_url = \"http://127.0.0.1:{inbox_port}/inbox\"\ntimeout_ms = 2000\n[subsystem.service.title]\nuz = \"Kiruvchi voqealar\"\nuz-Cyrl = \"Кирувчи воқеалар\"\nru = \"Входящие события\"\nen = \"Incoming events\"\n\n[[subsystem.service.right]]\nsubsystem = \"{ROOM_ID}\"\nmethod = \"POST\"\n"
        ),
    )
    .unwrap();
    // The khokimiyat may subscribe to the Civil Registry's events too.
    let civil = registry.join("exchange/civil-registry.toml");
    let text = std::fs::read_to_string(&civil).unwrap();
    std::fs::write(
        &civil,
        text.replacen(
            "[[subsystem.service.right]]\ngroup = \"public-service-providers\"\npath = \"/v1/subs/**\"",
            &format!("[[subsystem.service.right]]\ngroup = \"public-service-providers\"\npath = \"/v1/subs/**\"\n\n[[subsystem.service.right]]\nsubsystem = \"{DOCFLOW}\"\npath = \"/v1/subs/**\""),
            1,
        ),
    )
    .unwrap();

    let mut node = start(d, "solo", &registry, database.clone(), free_port(), false).await;
    let caller = |client: &'static str| Caller {
        http: reqwest::Client::new(),
        base: format!("http://127.0.0.1:{}", node.http),
        client,
        token: yagona(&["exchange", "token", client, "--keys", k]),
    };
    let (civil, docflow, social) = (caller(CIVIL), caller(DOCFLOW), caller(SOCIAL));
    use reqwest::Method as M;

    // Event types: the room's owner creates them; others may not.
    let schema = json!({
        "type": "object",
        "required": ["childPinfl", "birthDate"],
        "properties": {
            "childPinfl": {"type": "string", "pattern": "^[0-9]{14}$"},
            "birthDate": {"type": "string"}
        }
    });
    let body = json!({"eventType": "birth-registered", "schema": schema});
    let (s, p) = social
        .send(M::POST, "/api/v1/eventType", Some(body.clone()))
        .await;
    assert_eq!(
        (s, p["type"].as_str()),
        (500, Some("server.serverproxy.access_denied"))
    );
    assert_eq!(
        civil
            .send(M::POST, "/api/v1/eventType", Some(body.clone()))
            .await
            .0,
        200
    );
    assert_eq!(
        civil.send(M::POST, "/api/v1/eventType", Some(body)).await.0,
        409
    );
    let (s, types) = civil.send(M::GET, "/api/v1/eventType", None).await;
    assert_eq!((s, types), (200, json!(["birth-registered"])));

    // Subscriptions: push to the khokimiyat's inbox, pull for the social register.
    let (s, sub) = docflow
        .send(
            M::POST,
            "/api/v1/subs/birth-registered",
            Some(json!({"eventType": "birth-registered", "delivery": "PUSH", "pushService": "inbox", "options": {"TTL": 600}})),
        )
        .await;
    assert_eq!(s, 200, "{sub}");
    assert_eq!(sub["subscriberId"]["applicationCode"], "docflow");
    assert_eq!(sub["options"]["TTL"], 600);
    let (s, _) = docflow
        .send(
            M::POST,
            "/api/v1/subs/birth-registered",
            Some(json!({"delivery": "PUSH", "pushService": "inbox"})),
        )
        .await;
    assert_eq!(s, 409, "one subscription per subscriber and type");
    let (s, p) = docflow
        .send(
            M::POST,
            "/api/v1/subs/birth-registered",
            Some(json!({"delivery": "PUSH"})),
        )
        .await;
    assert_eq!(s, 400, "{p}");
    let (s, _) = social
        .send(
            M::POST,
            "/api/v1/subs/birth-registered",
            Some(json!({"delivery": "PULL"})),
        )
        .await;
    assert_eq!(s, 200);
    // Pushes come from the room, which must have the right to POST to the push service.
    let (s, p) = social
        .send(
            M::POST,
            "/api/v1/subs/birth-registered",
            Some(json!({"delivery": "PUSH", "pushService": "benefits"})),
        )
        .await;
    assert_eq!(s, 400, "{p}");
    assert!(
        p["detail"].as_str().unwrap().contains("no right to POST"),
        "{p}"
    );
    let (s, p) = social
        .send(
            M::POST,
            "/api/v1/subs/no-such-type",
            Some(json!({"delivery": "PULL"})),
        )
        .await;
    assert_eq!(s, 404, "{p}");

    // Publishing: only the publisher's right, only events that match the schema.
    let (s, p) = civil
        .send(
            M::POST,
            "/pub/v1/birth-registered",
            Some(json!({"event": {"childPinfl": "12"}})),
        )
        .await;
    assert_eq!(s, 400);
    assert!(p["detail"].as_str().unwrap().contains("birthDate"), "{p}");
    let (s, p) = social
        .send(
            M::POST,
            "/pub/v1/birth-registered",
            Some(json!({"event": {"childPinfl": "51505201234567", "birthDate": "2026-11-20"}})),
        )
        .await;
    assert_eq!(
        (s, p["type"].as_str()),
        (500, Some("server.serverproxy.access_denied"))
    );
    let event = json!({"childPinfl": "51505201234567", "birthDate": "2026-11-20"});
    let publish = || {
        civil
            .request(M::POST, "/pub/v1/birth-registered")
            .header("X-Road-Id", "zags-2026-000731")
            .json(&json!({"eventType": "birth-registered", "event": event}))
    };
    let r = publish().send().await.unwrap();
    assert_eq!(r.status(), 201);
    let published: Value = r.json().await.unwrap();
    let id = published["id"].as_str().unwrap().to_owned();
    // The publisher's retry with the same message id publishes nothing new.
    let again: Value = publish().send().await.unwrap().json().await.unwrap();
    assert_eq!(again["id"], id.as_str(), "a retry is the same event");
    // The social register pulls it, and does not acknowledge yet.
    let (s, pulled) = social.send(M::GET, "/pull/v1/birth-registered", None).await;
    assert_eq!(s, 200, "{pulled}");
    assert_eq!(pulled["id"], id.as_str());
    assert_eq!(pulled["event"], event);
    assert_eq!(pulled["publisherId"]["applicationCode"], "civil-records");

    // The khokimiyat's inbox is down: the node tries, fails, and will try again later.
    let store = Db::connect(&database).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let attempts: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(attempts), 0) FROM pubsub_deliveries WHERE status = 'pending'",
        )
        .fetch_one(&store.pool)
        .await
        .unwrap();
        if attempts >= 1 {
            break;
        }
        assert!(Instant::now() < deadline, "the node never tried to push");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The node crashes; the inbox comes up; the node comes back.
    node.crash_and_restart().await;
    let (got, _inbox) = subscriber(inbox_port).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while got.lock().unwrap().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the event was never pushed after the restart"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let pushed = got.lock().unwrap()[0].clone();
    assert_eq!(pushed["id"], id.as_str());
    assert_eq!(pushed["event"], event);

    // Unacknowledged, the pulled event is given again after the restart; acknowledged, it is not.
    let (s, again) = social.send(M::GET, "/pull/v1/birth-registered", None).await;
    assert_eq!((s, again["id"].clone()), (200, json!(id)));
    let path = format!("/pull/v1/birth-registered/{id}");
    assert_eq!(social.send(M::DELETE, &path, None).await.0, 204);
    assert_eq!(social.send(M::DELETE, &path, None).await.0, 404);
    assert_eq!(
        social
            .send(M::GET, "/pull/v1/birth-registered", None)
            .await
            .0,
        404
    );

    // The publisher sees both deliveries done; nobody else sees its publication.
    let (s, status) = civil
        .send(M::GET, &format!("/pub/v1/birth-registered/{id}"), None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(status["deliveries"], json!({"delivered": 2}), "{status}");
    let (s, p) = docflow
        .send(M::GET, &format!("/pub/v1/birth-registered/{id}"), None)
        .await;
    assert_eq!(
        (s, p["type"].as_str()),
        (500, Some("server.serverproxy.access_denied"))
    );
    assert_eq!(got.lock().unwrap().len(), 1, "delivered once it was taken");

    // Every step is in the message log, signed, and the log verifies.
    let log = yagona_exchange::log::page(&store, 0, 10_000).await.unwrap();
    assert!(log.iter().any(|e| e.kind == "request"
        && e.client == ROOM_ID
        && e.issue.as_deref() == Some(id.as_str())));
    let verdict = yagona(&["exchange", "verify-log", "--database", &database]);
    assert!(verdict.contains("intact"), "{verdict}");
}

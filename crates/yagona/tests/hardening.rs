//! Hardening: nodes starting together, input that is not text, guessing that costs the guesser
//! (never the owner), and bodies that cannot exhaust a node.

mod common;
use common::*;
use reqwest::StatusCode;
use std::sync::Arc;
use yagona_db::Db;

/// Two nodes starting at once on one PostgreSQL seed the same people at the same moment: both
/// start, and each person is there once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_starting_together_on_postgresql_both_start() {
    for _ in 0..5 {
        let Some((db, schema)) = yagona_db::testing::Schema::create("t").await else {
            return;
        };
        yagona::migrate(&db).await.expect("migrations apply");
        yagona::import_registry(&db, &registry_dir())
            .await
            .expect("the demo registry imports");
        let other = Db::connect(&schema.url)
            .await
            .expect("a second node's pool");
        let together = Arc::new(tokio::sync::Barrier::new(2));
        let start = |db: Db, together: Arc<tokio::sync::Barrier>| async move {
            yagona::migrate(&db).await?;
            together.wait().await;
            yagona::seed_demo_people(&db).await
        };
        let (a, b) = tokio::join!(start(db.clone(), together.clone()), start(other, together),);
        a.expect("the first node starts");
        b.expect("the second node starts");
        let people: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        let distinct: i64 = sqlx::query_scalar("SELECT COUNT(DISTINCT subject) FROM users")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(people, distinct);
        assert!(people > 5);
    }
}

on_both_databases!(
    text_that_is_not_utf8_is_refused_and_nothing_is_stored,
    guessing_a_tracking_number_stops_the_guesser_on_every_node_and_never_the_owner,
    wrong_open311_keys_stop_that_address_and_no_other,
    sign_ins_from_one_client_are_limited,
    oversize_bodies_get_413_on_every_endpoint_before_they_are_read,
);

/// A browser whose requests come through the node's proxy (on loopback) from `address`.
fn browser_at(app: &TestApp, address: &str) -> Browser {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", address.parse().unwrap());
    Browser {
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap(),
        ..app.client()
    }
}

const OWNER: &str = "198.51.100.7";
const GUESSER: &str = "203.0.113.5";

/// Files an appeal as a visitor who is not signed in; its tracking number.
async fn file_as_visitor(b: &mut Browser, phone: &str) -> String {
    let page = b
        .submit(
            "/appeals/new",
            "/appeals",
            &[
                ("kind", "complaint"),
                ("service", "passport-id-card"),
                ("subject", "Queue at the centre"),
                ("body", "Three hours in the queue."),
                ("name", "Dilnoza Karimova"),
                ("phone", phone),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let marker = "id=\"tracking\">";
    let start = page.body.find(marker).expect("a tracking number") + marker.len();
    page.body[start..start + 12].to_owned()
}

async fn text_that_is_not_utf8_is_refused_and_nothing_is_stored(app: TestApp) {
    let mut visitor = app.client();
    for sneaky in ["Karimova%FF", "Kari%C3mova", "Kari%00mova"] {
        let token = visitor.get("/appeals/new").await.csrf();
        let body = format!(
            "kind=inquiry&topic=&service=passport-id-card&subject=Queue&body=Too+long&\
             phone=%2B998901234567&name=Dilnoza+{sneaky}&csrf_token={token}"
        );
        let p = visitor
            .post_raw("/appeals", "application/x-www-form-urlencoded", &body)
            .await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST, "{sneaky}: {}", p.body);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM appeals").await, 0);
    // The same form, as text: filed.
    file_as_visitor(&mut visitor, "+998 90 555 44 33").await;
    let name: String = sqlx::query_scalar("SELECT name FROM appeals")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(name, "Dilnoza Karimova");
}

async fn guessing_a_tracking_number_stops_the_guesser_on_every_node_and_never_the_owner(
    app: TestApp,
) {
    let mut owner = browser_at(&app, OWNER);
    let id = file_as_visitor(&mut owner, "+998 90 555 44 33").await;
    // A second node on the same database: the guesser's count is the database's.
    let other = yagona::node::Node::new(app.db.clone(), Default::default())
        .await
        .expect("a second node");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other_address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(yagona::server::serve(other, listener));
    let mut guesser = browser_at(&app, GUESSER);
    for n in 0..10 {
        if n % 2 == 1 {
            guesser.base = other_address.clone();
        } else {
            guesser.base = app.address.clone();
        }
        let wrong = format!("+998 90 000 00 {n:02}");
        let page = guesser
            .submit(
                "/appeals/track",
                "/appeals/track",
                &[("tracking", &id), ("check", &wrong)],
            )
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "try {n}");
    }
    guesser.base = app.address.clone();
    let page = guesser
        .submit(
            "/appeals/track",
            "/appeals/track",
            &[("tracking", &id), ("check", "+998 90 555 44 33")],
        )
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.contains("Too many wrong tries"));
    assert!(!page.contains("Queue at the centre"));
    // The owner, elsewhere, follows their appeal as ever.
    let page = owner
        .submit(
            "/appeals/track",
            "/appeals/track",
            &[("tracking", &id), ("check", "+998 90 555 44 33")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.contains("Queue at the centre"));
}

async fn wrong_open311_keys_stop_that_address_and_no_other(app: TestApp) {
    let (_, key) = yagona_contact::AppealStore { db: &app.db }
        .create_client("City app")
        .await
        .unwrap();
    let list = |b: &Browser, key: &str| {
        let req = b.http.get(format!(
            "{}/open311/v2/requests.json?api_key={key}",
            app.address
        ));
        async move { req.send().await.unwrap().status() }
    };
    let guesser = browser_at(&app, GUESSER);
    for n in 0..20 {
        assert_eq!(
            list(&guesser, &format!("guess-{n}")).await,
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(
        list(&guesser, "guess-20").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(list(&guesser, &key).await, StatusCode::TOO_MANY_REQUESTS);
    let resp = guesser
        .http
        .get(format!(
            "{}/open311/v2/requests.json?api_key=x",
            app.address
        ))
        .send()
        .await
        .unwrap();
    let errors: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(errors[0]["code"], 429, "Open311's error format: {errors}");
    // The key's owner, from its own address, is not stopped.
    assert_eq!(list(&browser_at(&app, OWNER), &key).await, StatusCode::OK);
}

async fn sign_ins_from_one_client_are_limited(app: TestApp) {
    let mut many = browser_at(&app, GUESSER);
    for n in 0..30 {
        let p = many.get("/sign-in").await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "sign-in {n}");
    }
    let p = many.get("/sign-in?lang=ru").await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(p.contains("Слишком много попыток входа"), "{}", p.body);
    // Someone else signs in as ever.
    let mut other = browser_at(&app, OWNER);
    other.sign_in(CITIZEN_A).await;
    assert_eq!(other.get("/applications").await.status, StatusCode::OK);
}

/// Sends a request's head and the first bytes of a body it says is `length` long, and reads
/// what comes back: (status, head and body as text).
async fn send_partly(address: &str, head: &str, length: usize, sent: &[u8]) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = address.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!(
        "{head}\r\nHost: {host}\r\nAccept-Language: en\r\nContent-Length: {length}\r\n\r\n"
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    socket.write_all(sent).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 16384];
    // Read until the answer's head and some of its body have come, or the node closes.
    loop {
        match tokio::time::timeout(std::time::Duration::from_secs(20), socket.read(&mut buf)).await
        {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => {
                answer.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&answer);
                if let Some(i) = text.find("\r\n\r\n") {
                    let declared = text[..i].lines().find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length: ")
                            .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                    });
                    if declared.is_some_and(|d| answer.len() >= i + 4 + d) {
                        break;
                    }
                }
            }
            Err(_) => panic!("no answer within 20 seconds"),
        }
    }
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("an HTTP answer: {text:?}"));
    (status, text)
}

async fn oversize_bodies_get_413_on_every_endpoint_before_they_are_read(app: TestApp) {
    let fifty_mb = 50 * 1024 * 1024;
    for (head, content_type, says) in [
        (
            "POST /api/v1/jobs/activate HTTP/1.1",
            "application/json",
            "application/problem+json",
        ),
        (
            "POST /govstack/registration/documents HTTP/1.1",
            "multipart/form-data; boundary=x",
            "application/problem+json",
        ),
        (
            "POST /open311/v2/requests.json HTTP/1.1",
            "application/x-www-form-urlencoded",
            "\"code\":413",
        ),
        (
            "POST /appeals HTTP/1.1",
            "application/x-www-form-urlencoded",
            "The file is too large",
        ),
        (
            "POST /applications/YG-AAAA-AAAA/steps/documents HTTP/1.1",
            "multipart/form-data; boundary=x",
            "The file is too large",
        ),
    ] {
        let (status, answer) = send_partly(
            &app.address,
            &format!("{head}\r\nContent-Type: {content_type}"),
            fifty_mb,
            b"{",
        )
        .await;
        assert_eq!(status, 413, "{head}: {answer}");
        assert!(answer.contains(says), "{head} should say {says}: {answer}");
    }
}

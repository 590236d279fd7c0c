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
    a_file_is_not_read_before_the_csrf_token_is_checked,
    a_file_is_not_read_before_the_right_to_the_application_is_checked,
    an_oversize_file_shows_the_form_again_with_its_error,
    one_client_holds_only_a_few_bodies_at_once,
);

/// A node with small body limits: 1 MB a body, 2 MB in flight, `read_within` seconds to send one.
async fn node_with_small_limits(postgres: bool, read_within: u64) -> Option<TestApp> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let pages = yagona_web::PagesConfig {
        max_body_bytes: 1024 * 1024,
        body_budget_bytes: 2 * 1024 * 1024,
        read_body_within_secs: read_within,
        ..yagona_web::PagesConfig::default()
    };
    if postgres {
        TestApp::postgres_on(listener, pages).await
    } else {
        Some(TestApp::sqlite_on(listener, pages).await)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_must_arrive_within_the_deadline_sqlite() {
    a_body_must_arrive_within_the_deadline(node_with_small_limits(false, 1).await.unwrap()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_must_arrive_within_the_deadline_postgres() {
    if let Some(app) = node_with_small_limits(true, 1).await {
        a_body_must_arrive_within_the_deadline(app).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_beyond_the_nodes_budget_wait_then_get_503_sqlite() {
    bodies_beyond_the_nodes_budget_wait_then_get_503(
        node_with_small_limits(false, 60).await.unwrap(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_beyond_the_nodes_budget_wait_then_get_503_postgres() {
    if let Some(app) = node_with_small_limits(true, 60).await {
        bodies_beyond_the_nodes_budget_wait_then_get_503(app).await
    }
}

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
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = owner.follow(page).await;
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
    let mut socket = open_partly(address, head, length, sent).await;
    answer_on(&mut socket).await
}

/// Sends a request's head and the first bytes of a body it says is `length` long, and leaves
/// the connection open with the rest unsent.
async fn open_partly(
    address: &str,
    head: &str,
    length: usize,
    sent: &[u8],
) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let host = address.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!(
        "{head}\r\nHost: {host}\r\nAccept-Language: en\r\nContent-Length: {length}\r\n\r\n"
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    socket.write_all(sent).await.unwrap();
    socket
}

/// The answer on a connection, read while the request's body is still unsent (so the server
/// answered without reading it): (status, head and body as text).
async fn answer_on(socket: &mut tokio::net::TcpStream) -> (u16, String) {
    use tokio::io::AsyncReadExt;
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

/// The head of a multipart POST to `path` from `browser` (its cookies), and the body's start:
/// the parts given, then a file part `file_field` whose content has just begun.
fn multipart_start(
    browser: &Browser,
    path: &str,
    texts: &[(&str, &str)],
    file_field: &str,
) -> (String, Vec<u8>) {
    let cookies: Vec<String> = browser
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let head = format!(
        "POST {path} HTTP/1.1\r\nCookie: {}\r\nContent-Type: multipart/form-data; boundary=XyZ",
        cookies.join("; ")
    );
    let mut body = String::new();
    for (name, value) in texts {
        body.push_str(&format!(
            "--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"big.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    ));
    (head, body.into_bytes())
}

/// A file part (with the rest of its body still to come) is refused as soon as it arrives
/// without the session's CSRF token before it: the answer comes while the client is still
/// sending, so the file was never read — nor anything stored.
async fn a_file_is_not_read_before_the_csrf_token_is_checked(app: TestApp) {
    let mut citizen = app.signed_in(CITIZEN_A).await;
    let reference = start_birth_registration(&mut citizen).await;
    let step = format!("/applications/{reference}/steps/documents");
    let token = citizen.get(&step).await.csrf();
    let twenty_mb = 20 * 1024 * 1024;
    for texts in [
        // A wrong token.
        vec![("csrf_token", "not-the-token"), ("declaration", "true")],
        // No token.
        vec![("declaration", "true")],
        // The right token, but after the file: the file would have to be read to find it.
        vec![],
    ] {
        let (head, start) = multipart_start(&citizen, &step, &texts, "medical_birth_certificate");
        let mut socket = open_partly(&app.address, &head, twenty_mb, &start).await;
        let (status, answer) = answer_on(&mut socket).await;
        assert_eq!(status, 403, "{texts:?}: {answer}");
        // The body is left unread, so the connection ends, and the answer says so: no client
        // sends its next request down it.
        assert!(
            answer.to_ascii_lowercase().contains("connection: close"),
            "{answer}"
        );
    }
    // The same with the token first gets through to the step (which then reads the file).
    let (head, start) = multipart_start(
        &citizen,
        &step,
        &[("csrf_token", &token)],
        "medical_birth_certificate",
    );
    let mut socket = open_partly(&app.address, &head, 1024, &start).await;
    use tokio::io::AsyncWriteExt;
    let rest = format!(
        "{}\r\n--XyZ--\r\n",
        " ".repeat(1024 - start.len() - "\r\n--XyZ--\r\n".len())
    );
    socket.write_all(rest.as_bytes()).await.unwrap();
    let (status, answer) = answer_on(&mut socket).await;
    assert!(
        status == 303 || status == 422,
        "the step reads a form with its token first: {answer}"
    );
}

/// Someone else's application: the upload is refused (as "not found") before its file is read,
/// though the form carries the sender's own valid token.
async fn a_file_is_not_read_before_the_right_to_the_application_is_checked(app: TestApp) {
    let mut owner = app.signed_in(CITIZEN_A).await;
    let reference = start_birth_registration(&mut owner).await;
    let step = format!("/applications/{reference}/steps/documents");
    let mut other = app.signed_in(CITIZEN_B).await;
    let token = other.get("/applications").await.csrf();
    let (head, start) = multipart_start(
        &other,
        &step,
        &[("csrf_token", &token)],
        "medical_birth_certificate",
    );
    let mut socket = open_partly(&app.address, &head, 20 * 1024 * 1024, &start).await;
    let (status, answer) = answer_on(&mut socket).await;
    assert_eq!(status, 404, "{answer}");
    // An officer of another agency, on a result upload: likewise.
    let mut officer = app.signed_in(INTERIOR_OFFICER).await;
    let token = officer.get("/staff/applications").await.csrf();
    let (head, start) = multipart_start(
        &officer,
        &format!("/staff/applications/{reference}/decision"),
        &[("csrf_token", &token), ("decision", "approve")],
        "result",
    );
    let mut socket = open_partly(&app.address, &head, 20 * 1024 * 1024, &start).await;
    let (status, answer) = answer_on(&mut socket).await;
    assert!(status == 404 || status == 403, "{answer}");
    assert_eq!(app.count("SELECT COUNT(*) FROM documents").await, 0);
}

/// A file over its field's limit, or a body over the pages' limit: the step again, with the
/// GOV.UK error summary in the person's language, and 413.
async fn an_oversize_file_shows_the_form_again_with_its_error(app: TestApp) {
    let mut citizen = app.signed_in(CITIZEN_A).await;
    let reference = start_birth_registration(&mut citizen).await;
    let step = format!("/applications/{reference}/steps/documents");
    let form = format!("action=\"{step}\"");
    // Over the field's 5 MB, within the node's 25 MB: streamed up to the limit, then refused.
    for (lang, says) in [
        ("en", "must be smaller than 5 MB"),
        ("ru", "должен быть меньше 5 МБ"),
    ] {
        citizen.accept_language = lang.into();
        let token = citizen.get(&step).await.csrf();
        let mut big = pdf("big");
        big.resize(6 * 1024 * 1024, b' ');
        let p = citizen
            .post_multipart(
                &step,
                vec![
                    Part::Text("csrf_token", &token),
                    Part::Text("declaration", "true"),
                    Part::File("medical_birth_certificate", "big.pdf", big),
                    Part::Text("action", "continue"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", p.body);
        assert!(p.contains("govuk-error-summary"), "{}", p.body);
        assert!(p.contains(says), "{lang}: {}", p.body);
        assert!(p.contains(&form), "the step's form again: {}", p.body);
    }
    // Declared over the node's 25 MB: never read; the step's form, with the error.
    citizen.accept_language = "en".into();
    let token = citizen.get(&step).await.csrf();
    let (head, start) = multipart_start(
        &citizen,
        &step,
        &[("csrf_token", &token)],
        "medical_birth_certificate",
    );
    let mut socket = open_partly(&app.address, &head, 50 * 1024 * 1024, &start).await;
    let (status, answer) = answer_on(&mut socket).await;
    assert_eq!(status, 413, "{answer}");
    assert!(answer.contains("govuk-error-summary"), "{answer}");
    assert!(answer.contains("must be smaller than 25 MB"), "{answer}");
    assert!(answer.contains(&form), "the step's form again: {answer}");
    assert_eq!(app.count("SELECT COUNT(*) FROM documents").await, 0);
}

const BODY_HEAD: &str = "POST /open311/v2/requests.json HTTP/1.1\r\n\
     Content-Type: application/x-www-form-urlencoded\r\nX-Forwarded-For: ";

/// One client sending many slow uploads holds only a few at once (429 beyond them, at once);
/// another client still gets through. (Small bodies are not counted one by one: many desks
/// behind one address send forms at once.)
async fn one_client_holds_only_a_few_bodies_at_once(app: TestApp) {
    const UPLOAD: usize = 200 * 1024;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(
            open_partly(
                &app.address,
                &format!("{BODY_HEAD}{GUESSER}"),
                UPLOAD,
                b"a=",
            )
            .await,
        );
    }
    // Until the four are being read.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let (status, answer) = send_partly(
        &app.address,
        &format!("{BODY_HEAD}{GUESSER}"),
        UPLOAD,
        b"a=",
    )
    .await;
    assert_eq!(status, 429, "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after"),
        "{answer}"
    );
    // A form sent from a page by the same client: a page in the page's language, not a
    // problem document.
    let (status, answer) = send_partly(
        &app.address,
        &format!(
            "POST /appeals?lang=ru HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Accept: text/html,application/xhtml+xml\r\nX-Forwarded-For: {GUESSER}"
        ),
        UPLOAD,
        b"a=",
    )
    .await;
    assert_eq!(status, 429, "{answer}");
    assert!(answer.contains("text/html"), "{answer}");
    assert!(
        answer.contains("С вашего подключения отправляется слишком много форм сразу"),
        "{answer}"
    );
    // Someone else's body is read as ever (and answered: it is not a valid request).
    let whole = "api_key=x";
    let (status, answer) = send_partly(
        &app.address,
        &format!("{BODY_HEAD}{OWNER}"),
        whole.len(),
        whole.as_bytes(),
    )
    .await;
    assert!(status != 429 && status != 503, "{answer}");
    // Once the client's bodies end, it may send again.
    drop(held);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let (status, answer) = send_partly(
        &app.address,
        &format!("{BODY_HEAD}{GUESSER}"),
        whole.len(),
        whole.as_bytes(),
    )
    .await;
    assert!(status != 429 && status != 503, "{answer}");
}

/// A body that stops arriving is given up at the deadline (a second here): the node answers,
/// and the socket's memory is free.
async fn a_body_must_arrive_within_the_deadline(app: TestApp) {
    let started = std::time::Instant::now();
    let mut socket = open_partly(&app.address, &format!("{BODY_HEAD}{OWNER}"), 1000, b"a=").await;
    let (status, answer) = answer_on(&mut socket).await;
    assert!((400..500).contains(&status), "{answer}");
    let took = started.elapsed();
    assert!(
        took >= std::time::Duration::from_millis(900) && took < std::time::Duration::from_secs(10),
        "answered after {took:?}"
    );
}

/// The bodies read at once share the node's budget (2 MB here): beyond it a body waits, then
/// gets 503 with Retry-After — whoever sends it.
async fn bodies_beyond_the_nodes_budget_wait_then_get_503(app: TestApp) {
    let mb = 1024 * 1024;
    let mut held = Vec::new();
    for client in ["192.0.2.1", "192.0.2.2"] {
        let head = format!("{BODY_HEAD}{client}");
        held.push(open_partly(&app.address, &head, mb, b"a=").await);
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let started = std::time::Instant::now();
    let (status, answer) =
        send_partly(&app.address, &format!("{BODY_HEAD}192.0.2.3"), mb, b"a=").await;
    assert_eq!(status, 503, "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: 10"),
        "{answer}"
    );
    assert!(started.elapsed() >= std::time::Duration::from_secs(9));
    // When one of them ends, there is room again.
    held.pop();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let whole = "api_key=x";
    let (status, answer) = send_partly(
        &app.address,
        &format!("{BODY_HEAD}192.0.2.3"),
        whole.len(),
        whole.as_bytes(),
    )
    .await;
    assert!(status != 503, "{answer}");
}

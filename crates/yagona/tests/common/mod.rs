//! The test harness: a real node on a random port with a fresh database (SQLite in a temporary
//! folder, or a fresh schema in the PostgreSQL named by `YAGONA_TEST_POSTGRES`), and a client
//! that behaves like a browser without JavaScript: it keeps cookies and posts forms with the
//! page's CSRF token.
#![allow(dead_code)]

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Response, StatusCode};
use std::collections::BTreeMap;
use std::path::PathBuf;
use yagona::node::{Node, NodeConfig};
use yagona_db::testing::Schema;
use yagona_db::Db;
use yagona_gateway::GatewayConfig;
use yagona_web::PagesConfig;

pub struct TestApp {
    pub address: String,
    pub db: Db,
    pub node: std::sync::Arc<Node>,
    /// This node's exchange keys (one per demo subsystem).
    pub keys: PathBuf,
    _keys: tempfile::TempDir,
    pub backend: &'static str,
    _dir: Option<tempfile::TempDir>,
    /// PostgreSQL: the test's schema, dropped when the test ends.
    schema: Option<Schema>,
}

pub fn registry_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../registry")
}

/// Runs a test body against SQLite, and against PostgreSQL when `YAGONA_TEST_POSTGRES` is set.
/// Under CI, a missing PostgreSQL fails the test instead of skipping it.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::common::TestApp::sqlite().await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::common::TestApp::postgres().await {
                    super::$name(app).await
                }
            }
        }
    )*};
}

impl TestApp {
    pub async fn sqlite() -> TestApp {
        let dir = tempfile::tempdir().expect("temporary folder");
        let db = Db::connect(&Db::sqlite_url_in(dir.path()))
            .await
            .expect("sqlite opens");
        Self::start(db, "sqlite", Some(dir)).await
    }

    /// `None` when no PostgreSQL is configured (outside CI only).
    pub async fn postgres() -> Option<TestApp> {
        // Each test gets its own schema, so tests run in parallel and leave nothing behind that
        // another test could see.
        let (db, schema) = Schema::create("t").await?;
        let mut app = Self::start(db, "postgres", None).await;
        app.schema = Some(schema);
        Some(app)
    }

    /// A node on SQLite serving on `listener` (bound by the test, which knows the address
    /// before the node starts: an OpenID provider must be told where to send people back),
    /// with these page settings.
    pub async fn sqlite_on(listener: tokio::net::TcpListener, pages: PagesConfig) -> TestApp {
        let dir = tempfile::tempdir().expect("temporary folder");
        let db = Db::connect(&Db::sqlite_url_in(dir.path()))
            .await
            .expect("sqlite opens");
        Self::start_on(db, "sqlite", Some(dir), Some((listener, pages))).await
    }

    /// [`Self::sqlite_on`] on PostgreSQL; `None` when none is configured (outside CI only).
    pub async fn postgres_on(
        listener: tokio::net::TcpListener,
        pages: PagesConfig,
    ) -> Option<TestApp> {
        let (db, schema) = Schema::create("t").await?;
        let mut app = Self::start_on(db, "postgres", None, Some((listener, pages))).await;
        app.schema = Some(schema);
        Some(app)
    }

    async fn start(db: Db, backend: &'static str, dir: Option<tempfile::TempDir>) -> TestApp {
        Self::start_on(db, backend, dir, None).await
    }

    async fn start_on(
        db: Db,
        backend: &'static str,
        dir: Option<tempfile::TempDir>,
        serving: Option<(tokio::net::TcpListener, PagesConfig)>,
    ) -> TestApp {
        yagona::migrate(&db).await.expect("migrations apply");
        yagona::import_registry(&db, &registry_dir())
            .await
            .expect("the demo registry imports");
        yagona::seed_demo_people(&db).await.expect("demo people");
        yagona::seed_demo_events(&db)
            .await
            .expect("demo event types");
        let keys_dir = tempfile::tempdir().expect("temporary folder");
        yagona::ensure_keys(&db, keys_dir.path())
            .await
            .expect("exchange keys");
        let config = NodeConfig {
            gateway: GatewayConfig {
                keys_dir: Some(keys_dir.path().to_owned()),
                local_base: Some(yagona::spawn_registers().await.expect("registers")),
                max_body_bytes: 1024 * 1024,
                log_body_bytes: 1024,
                ..Default::default()
            },
            portal: Some(yagona::demo_portal_subsystem()),
            ..NodeConfig::default()
        };
        let (listener, mut config) = match serving {
            Some((l, pages)) => (l, NodeConfig { pages, ..config }),
            None => (
                tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind"),
                config,
            ),
        };
        let address = format!("http://{}", listener.local_addr().unwrap());
        // The demo's identity provider sends people back to the portal's own address — as
        // `localhost`, where browsers keep Secure cookies over plain HTTP (the browser test
        // goes there; a form's redirect to another origin would break `form-action 'self'`).
        config
            .pages
            .public_url
            .get_or_insert(address.replace("127.0.0.1", "localhost"));
        // Payme and Click as in the demo: the sandbox under /sandbox plays both providers over
        // their protocols, calling this node's merchant endpoints.
        if !config.pages.payments.any() {
            let public = config.pages.public_url.clone().unwrap_or_default();
            let (payments, sandbox) = yagona::demo_payments(&public, &address);
            config.pages.payments = payments;
            config.payment_sandbox = Some(sandbox);
        }
        // SMS and Telegram through their stand-ins, e-mail caught: as in the demo.
        if config.notice_sandbox.is_none() && config.channels.sms.is_none() {
            let (channels, sandbox) = yagona::demo_notices(&address);
            config.channels = channels;
            config.notice_sandbox = Some(sandbox);
        }
        let node = Node::new(db.clone(), config).await.expect("node");
        tokio::spawn(yagona::server::serve(node.clone(), listener));
        TestApp {
            address,
            db,
            node,
            keys: keys_dir.path().to_owned(),
            _keys: keys_dir,
            backend,
            _dir: dir,
            schema: None,
        }
    }

    pub fn client(&self) -> Browser {
        Browser {
            base: self.address.clone(),
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
            accept_language: "en".into(),
            mediator: None,
        }
    }

    /// A process stuck at an incident after an officer's approval: (instance, incident).
    pub async fn stuck_process(&self) -> (String, String) {
        let store =
            yagona_workflow::store::ProcessStore::new(&self.db, &yagona_workflow::feel::Feel);
        store.deploy(STUCK_AFTER_APPROVAL).await.unwrap();
        let instance = store
            .start("fee-routing", None, serde_json::Map::new())
            .await
            .unwrap();
        let task = store.user_tasks_of(&instance).await.unwrap().remove(0);
        match store
            .complete(
                &instance,
                task.wait_id as u64,
                serde_json::Map::new(),
                Some("Dilnoza Karimova"),
            )
            .await
        {
            Err(yagona_workflow::store::StoreError::Incident { id, .. }) => (instance, id),
            other => panic!("the gateway cannot choose without `amount`: {other:?}"),
        }
    }

    /// A browser already signed in as the demo persona with this subject.
    pub async fn signed_in(&self, persona: &str) -> Browser {
        let mut b = self.client();
        b.sign_in(persona).await;
        b
    }

    /// What a node's background loop does once: fire the timers due by `now`, then work the
    /// built-in service-task jobs. Returns how many jobs were done.
    pub async fn run_engine_at(&self, now: chrono::DateTime<chrono::Utc>) -> usize {
        let cat = yagona_registry::RegistryStore { db: &self.db }
            .catalogue()
            .await
            .expect("catalogue");
        yagona_applications::process::processes(&self.db, &cat.calendar)
            .fire_due_timers("test-node", now)
            .await
            .expect("timers fire");
        let built_in =
            yagona_applications::workers::run_once(&self.db, &cat, &self.node.issuer, "test-node")
                .await
                .expect("built-in workers run");
        built_in
            + yagona_applications::exchange_tasks::run_once(
                &self.db,
                &cat.calendar,
                self.node.exchange.as_ref(),
                "test-node",
            )
            .await
    }

    pub async fn run_engine(&self) -> usize {
        self.run_engine_at(chrono::Utc::now()).await
    }

    /// An application's stored answers, as stored (JSON text).
    pub async fn answers(&self, reference: &str) -> String {
        sqlx::query_scalar("SELECT answers FROM applications WHERE reference = $1")
            .bind(reference)
            .fetch_one(&self.db.pool)
            .await
            .expect("the application exists")
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&self.db.pool)
            .await
            .expect("count query")
    }
}

pub const CITIZEN_A: &str = "31505901234567";
pub const CITIZEN_B: &str = "30912850420017";
pub const CIVIL_REGISTRY_OFFICER: &str = "officer-civil-registry";
pub const INTERIOR_OFFICER: &str = "officer-interior";

/// A page as the test sees it.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub content_type: String,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Page {
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self
            .body
            .find(marker)
            .expect("the page has a form with a CSRF token")
            + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end].to_owned()
    }

    /// Whether the page says `text`, reading HTML entities as a browser does.
    pub fn contains(&self, text: &str) -> bool {
        self.text().contains(text)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn text(&self) -> String {
        self.body
            .replace("&#x2f;", "/")
            .replace("&#x27;", "'")
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    }
}

pub struct Browser {
    pub base: String,
    pub http: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
    pub accept_language: String,
    /// Sent as `Information-Mediator-Client` (the calling system, for GovStack APIs) when set.
    pub mediator: Option<String>,
}

pub enum Part<'a> {
    Text(&'a str, &'a str),
    File(&'a str, &'a str, Vec<u8>),
}

impl Browser {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn read(&mut self, resp: Response) -> Page {
        for v in resp.headers().get_all(SET_COOKIE) {
            let v = v.to_str().unwrap();
            let pair = v.split(';').next().unwrap();
            if let Some((k, val)) = pair.split_once('=') {
                self.cookies.insert(k.to_owned(), val.to_owned());
            }
        }
        let status = resp.status();
        let location = resp
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_owned());
        let content_type = resp
            .headers()
            .get("content-type")
            .map(|c| c.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let bytes = resp.bytes().await.unwrap().to_vec();
        Page {
            status,
            location,
            content_type,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .header("accept-language", &self.accept_language)
            .send()
            .await
            .unwrap();
        self.read(resp).await
    }

    /// Follows redirects like a browser, up to ten.
    pub async fn visit(&mut self, path: &str) -> Page {
        let page = self.get(path).await;
        self.follow(page).await
    }

    /// Where a response leads, following its redirects like a browser, up to ten.
    pub async fn follow(&mut self, mut page: Page) -> Page {
        for _ in 0..10 {
            match (&page.status, &page.location) {
                (s, Some(l)) if s.is_redirection() => {
                    let l = l.clone();
                    page = self.get(&l).await;
                }
                _ => break,
            }
        }
        page
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .header("accept-language", &self.accept_language)
            .form(fields)
            .send()
            .await
            .unwrap();
        self.read(resp).await
    }

    /// A JSON API call in the signed-in person's name.
    pub async fn call(
        &mut self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Page {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .header("accept-language", &self.accept_language);
        if let Some(m) = &self.mediator {
            req = req.header("Information-Mediator-Client", m);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        self.read(resp).await
    }

    /// A POST of a body as it is, with the content type given (a client sending what is not
    /// the JSON it says, say).
    pub async fn post_raw(&mut self, path: &str, content_type: &str, body: &str) -> Page {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .header("content-type", content_type)
            .body(body.to_owned());
        if let Some(m) = &self.mediator {
            req = req.header("Information-Mediator-Client", m);
        }
        let resp = req.send().await.unwrap();
        self.read(resp).await
    }

    pub async fn post_multipart(&mut self, path: &str, parts: Vec<Part<'_>>) -> Page {
        self.try_post_multipart(path, parts)
            .await
            .expect("the request is sent")
    }

    /// As [`Self::post_multipart`], but a server that refuses the body before reading it all
    /// (and closes the connection) is an `Err`, not a panic.
    pub async fn try_post_multipart(
        &mut self,
        path: &str,
        parts: Vec<Part<'_>>,
    ) -> Result<Page, reqwest::Error> {
        let mut form = reqwest::multipart::Form::new();
        for p in parts {
            form = match p {
                Part::Text(k, v) => form.text(k.to_owned(), v.to_owned()),
                Part::File(k, name, bytes) => form.part(
                    k.to_owned(),
                    reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
                ),
            };
        }
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .header("accept-language", &self.accept_language)
            .header(
                "Information-Mediator-Client",
                self.mediator.as_deref().unwrap_or_default(),
            )
            .multipart(form)
            .send()
            .await?;
        Ok(self.read(resp).await)
    }

    /// Uploads a file ahead of a GovStack Registration application, as the mediator's system
    /// does (`POST /govstack/registration/documents`); the staged file's `url`.
    pub async fn stage_govstack_file(&mut self, bytes: Vec<u8>) -> String {
        let staged = self
            .post_multipart(
                "/govstack/registration/documents",
                vec![Part::File("file", "certificate.pdf", bytes)],
            )
            .await;
        assert_eq!(staged.status, StatusCode::OK, "{}", staged.body);
        staged.json()["url"]
            .as_str()
            .expect("the staged file's url")
            .to_owned()
    }

    /// Gets a page with a form and posts the fields with that page's CSRF token.
    pub async fn submit(&mut self, form_page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.get(form_page).await.csrf();
        let mut all = fields.to_vec();
        all.push(("csrf_token", &token));
        self.post(action, &all).await
    }

    pub async fn sign_in(&mut self, persona: &str) {
        let page = self.sign_in_going(persona, "").await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "sign-in redirects: {}",
            page.body
        );
    }

    /// Signs in through the demo's identity provider, as a browser would: the portal sends it to
    /// the provider's page (the personas), the persona is chosen, the provider sends it back
    /// with a code, and the portal's answer to that (the session, and where to go) is returned.
    pub async fn sign_in_going(&mut self, persona: &str, next: &str) -> Page {
        let start = if next.is_empty() {
            "/sign-in".to_owned()
        } else {
            format!("/sign-in?next={}", urlencode(next))
        };
        let leave = self.get(&start).await;
        let to_provider = leave.location.clone().unwrap_or_else(|| {
            panic!(
                "the portal sends the browser to the provider: {}",
                leave.body
            )
        });
        let personas = self.get(&self.local(&to_provider)).await;
        let mut fields = personas.hidden_fields();
        fields.push(("persona".into(), persona.into()));
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let chosen = self.post("/sign-in", &pairs).await;
        let back = chosen
            .location
            .clone()
            .unwrap_or_else(|| panic!("the provider sends the browser back: {}", chosen.body));
        self.get(&self.local(&back)).await
    }

    /// A path on this site from an absolute address on it (as `127.0.0.1` or `localhost`).
    pub fn local(&self, url: &str) -> String {
        match url.split_once("://") {
            Some((_, rest)) => rest
                .find('/')
                .map(|i| rest[i..].to_owned())
                .unwrap_or("/".into()),
            None => url.to_owned(),
        }
    }
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl Page {
    /// The hidden fields of the page's forms, as a browser would send them.
    pub fn hidden_fields(&self) -> Vec<(String, String)> {
        let text = self.text();
        let mut out = Vec::new();
        for chunk in text.split("<input").skip(1) {
            let tag = chunk.split('>').next().unwrap_or("");
            if !tag.contains("type=\"hidden\"") {
                continue;
            }
            let attr = |name: &str| {
                let marker = format!("{name}=\"");
                let start = tag.find(&marker)? + marker.len();
                let end = tag[start..].find('"')? + start;
                Some(tag[start..end].to_owned())
            };
            if let (Some(n), Some(v)) = (attr("name"), attr("value")) {
                out.push((n, v));
            }
        }
        out
    }
}

pub fn pdf(content: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {content}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n").into_bytes()
}

/// The day `days` before today in Tashkent, as a form takes a date: the forms' rules compare
/// dates with today (a birth is registered online within a month of it).
pub fn days_ago(days: u64) -> String {
    (yagona_core::tashkent_date(&yagona_core::now()) - chrono::Days::new(days)).to_string()
}

/// A draft of `code` filled step by step with `answers` (a PDF for each file field), not yet
/// submitted, as `pinfl`.
pub async fn drafted(
    app: &TestApp,
    pinfl: &str,
    code: &str,
    answers: serde_json::Value,
) -> yagona_core::ReferenceNumber {
    drafted_as(app, pinfl, "Applicant", code, answers).await
}

/// [`drafted`] by the applicant `name`.
async fn drafted_as(
    app: &TestApp,
    pinfl: &str,
    name: &str,
    code: &str,
    answers: serde_json::Value,
) -> yagona_core::ReferenceNumber {
    use yagona_applications::{Actor, StepInput, Upload};
    let cat = app.node.catalogue.get().await;
    let service = cat.service(code).expect("the service is in the catalogue");
    let applicant = Actor::Applicant {
        pinfl: yagona_core::Pinfl::parse(pinfl).unwrap(),
        name: name.into(),
    };
    let draft = app.node.applications.start(&applicant, code).await.unwrap();
    let serde_json::Value::Object(answers) = answers else {
        panic!("answers are an object")
    };
    for step in service.form.steps() {
        let input = StepInput {
            answers: step
                .fields
                .iter()
                .filter_map(|f| Some((f.name.clone(), answers.get(&f.name)?.clone())))
                .collect(),
            uploads: step
                .fields
                .iter()
                .filter(|f| f.widget == yagona_forms::Widget::File)
                .map(|f| Upload {
                    field: f.name.clone(),
                    file_name: format!("{}.pdf", f.name),
                    bytes: pdf(&f.name),
                })
                .collect(),
            draft: true,
        };
        app.node
            .applications
            .save_step(&applicant, &draft.reference, step.id.as_str(), input)
            .await
            .unwrap();
    }
    draft.reference
}

/// Starts a birth registration as the signed-in citizen; returns its reference number.
pub async fn start_birth_registration(b: &mut Browser) -> String {
    let token = b.get("/services/birth-registration").await.csrf();
    let page = b
        .post(
            "/services/birth-registration/apply",
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let location = page.location.expect("redirect to the first step");
    let reference = location.split('/').nth(2).unwrap().to_owned();
    assert!(reference.starts_with("YG-"), "{location}");
    reference
}

thread_local! {
    /// How many births this test has filled in: each is another child (the same child twice is
    /// a duplicate the platform stops), the first always Temur.
    static BIRTHS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Fills every step of the birth registration with valid answers and reaches "check answers".
/// Each call in a test registers another child: Temur first, then his younger brothers.
pub async fn fill_birth_registration(b: &mut Browser, reference: &str) {
    const NAMES: [&str; 6] = ["Temur", "Aziz", "Sardor", "Bekzod", "Jahongir", "Otabek"];
    let n = BIRTHS.with(|c| c.replace(c.get() + 1));
    fill_birth_registration_of(b, reference, NAMES[n % NAMES.len()]).await
}

/// [`fill_birth_registration`] for the child Karimov `given_name`, born ten days ago to
/// Dilnoza Karimova (`CITIZEN_A`) and Jasur Abdullayev (`CITIZEN_B`).
pub async fn fill_birth_registration_of(b: &mut Browser, reference: &str, given_name: &str) {
    let steps = format!("/applications/{reference}/steps");
    let p = b
        .submit(
            &format!("{steps}/child"),
            &format!("{steps}/child"),
            &[
                ("child_surname", "Karimov"),
                ("child_given_name", given_name),
                ("child_sex", "male"),
                ("action", "continue"),
            ],
        )
        .await;
    assert_eq!(
        p.location.as_deref(),
        Some(format!("{steps}/birth").as_str()),
        "{}",
        p.body
    );
    // The date as a person types it into GOV.UK's date input: day, month, year.
    let born = days_ago(10);
    let ymd: Vec<String> = born
        .split('-')
        .map(|p| p.trim_start_matches('0').to_owned())
        .collect();
    let p = b
        .submit(
            &format!("{steps}/birth"),
            &format!("{steps}/birth"),
            &[
                ("birth_date-day", &ymd[2]),
                ("birth_date-month", &ymd[1]),
                ("birth_date-year", &ymd[0]),
                ("birth_region", "tashkent-city"),
                ("birth_place", "Toshkent shahar 1-son tugʻruqxonasi"),
                ("action", "continue"),
            ],
        )
        .await;
    assert_eq!(
        p.location.as_deref(),
        Some(format!("{steps}/parents").as_str()),
        "{}",
        p.body
    );
    let p = b
        .submit(
            &format!("{steps}/parents"),
            &format!("{steps}/parents"),
            &[
                ("mother_pinfl", CITIZEN_A),
                ("father_pinfl", CITIZEN_B),
                ("action", "continue"),
            ],
        )
        .await;
    assert_eq!(
        p.location.as_deref(),
        Some(format!("{steps}/documents").as_str()),
        "{}",
        p.body
    );
    let token = b.get(&format!("{steps}/documents")).await.csrf();
    let p = b
        .post_multipart(
            &format!("{steps}/documents"),
            vec![
                Part::Text("csrf_token", &token),
                Part::Text("declaration", "true"),
                Part::Text("action", "continue"),
                Part::File(
                    "medical_birth_certificate",
                    "tibbiy-guvohnoma.pdf",
                    pdf("birth certificate"),
                ),
            ],
        )
        .await;
    assert_eq!(
        p.location.as_deref(),
        Some(format!("/applications/{reference}/check").as_str()),
        "{}",
        p.body
    );
}

/// Applies for a birth registration from start to confirmation; returns the reference.
pub async fn apply_for_birth_registration(b: &mut Browser) -> String {
    let reference = start_birth_registration(b).await;
    fill_birth_registration(b, &reference).await;
    let check = format!("/applications/{reference}/check");
    let p = b
        .submit(&check, &format!("/applications/{reference}/submit"), &[])
        .await;
    assert_eq!(
        p.location.as_deref(),
        Some(format!("/applications/{reference}/confirmation").as_str()),
        "{}",
        p.body
    );
    reference
}

/// Makes and submits an application through the applications component as the portal does:
/// step by step (each step's answers and a PDF for each of its file fields), then submitted.
/// Returns its reference number.
pub async fn submitted(
    app: &TestApp,
    pinfl: &str,
    code: &str,
    answers: serde_json::Value,
) -> String {
    let reference = drafted_as(app, pinfl, "Dilnoza Karimova", code, answers).await;
    let applications = &app.node.applications;
    let applicant = yagona_applications::Actor::Applicant {
        pinfl: yagona_core::Pinfl::parse(pinfl).unwrap(),
        name: "Dilnoza Karimova".into(),
    };
    let done = applications.submit(&applicant, &reference).await.unwrap();
    // A paid service's fee is paid as Payme pays it, so that its review starts.
    yagona::demo::pay_with_payme(&app.db, &app.node.catalogue, applications, &done)
        .await
        .expect("the fee is paid");
    reference.to_string()
}

/// Approval, then a gateway on `amount`, which nothing sets: an incident after the approval.
pub const STUCK_AFTER_APPROVAL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="x">
  <bpmn:process id="fee-routing" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="approve"/>
    <bpmn:userTask id="approve"/>
    <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw"/>
    <bpmn:sequenceFlow id="big" sourceRef="gw" targetRef="e1"><bpmn:conditionExpression>=amount &gt; 1000</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="small" sourceRef="gw" targetRef="e2"><bpmn:conditionExpression>=amount &lt;= 1000</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:endEvent id="e1"/>
    <bpmn:endEvent id="e2"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="pl" bpmnElement="fee-routing">
    <bpmndi:BPMNShape id="s_di" bpmnElement="s"><dc:Bounds x="100" y="100" width="36" height="36"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="approve_di" bpmnElement="approve"><dc:Bounds x="180" y="78" width="100" height="80"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="gw_di" bpmnElement="gw"><dc:Bounds x="330" y="93" width="50" height="50"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="e1_di" bpmnElement="e1"><dc:Bounds x="430" y="50" width="36" height="36"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="e2_di" bpmnElement="e2"><dc:Bounds x="430" y="150" width="36" height="36"/></bpmndi:BPMNShape>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>"#;

/// The agency's officer decides on the application's first open task of the agency
/// (`approve`, `reject` with a reason, `return`), through the applications component.
pub async fn decide(
    app: &TestApp,
    reference: &str,
    agency: &str,
    decision: &str,
    comment: Option<&str>,
) {
    let officer = yagona_applications::Actor::Officer {
        user_id: format!("officer-{agency}"),
        name: "Nodira Xolmatova".into(),
        agency: agency.into(),
    };
    let r = yagona_core::ReferenceNumber::parse(reference).unwrap();
    let current = app
        .node
        .applications
        .store()
        .get(&r, yagona_applications::Viewer::Agency(agency))
        .await
        .unwrap()
        .expect("the agency sees the application");
    let task = app
        .node
        .applications
        .tasks_for(&current, agency)
        .await
        .unwrap()[0]
        .key();
    app.node
        .applications
        .decide(
            &officer,
            &r,
            &task,
            yagona_applications::Decision {
                decision: Some(decision.into()),
                comment: comment.map(str::to_owned),
                ..Default::default()
            },
        )
        .await
        .unwrap();
}
